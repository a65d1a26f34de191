"""The only place that talks to the Docker engine (with ``runner``): connection and API facade."""
