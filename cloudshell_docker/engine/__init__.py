"""The only place that talks to the Docker engine.

``endpoint`` (which engine, config.json), ``connect`` (the docker-py client, one ping),
``apiversions`` (the API versions spoken), ``api`` (the ``Engine`` facade everyone else uses),
``tlsattach`` (attach over TLS), ``dockerpy`` (every private attribute of docker-py used).
"""
