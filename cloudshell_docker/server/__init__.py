"""The per-user command server (Mercurial's chg pattern) and its client: warm start-ups.

``client`` is also installed as bin/csdocker-client and runs without site (standard library
only); ``serve`` is the server, ``worker`` turns a forked child into the caller's csdocker.
"""

__all__: list[str] = []
