"""``csdocker compose``: AWS credentials for the services of a Compose project, through ``docker compose``.

    argv        the command line: compose's globals, csdocker's options, the subcommand
    discovery   which compose files compose would read when no ``-f`` is given
    model       the project as compose resolves it (``config --format json``, read once)
    policy      which services get what (``x-csdocker``, what a service sets itself)
    override    csdocker's additions as one more compose file, held in a sealed memfd
    command     the subcommands: build the override, fetch once, exec ``docker compose``
    relay       ``--inject relay``: one credentials relay per (engine, project, source)

Nothing of the user's files is changed; compose itself runs every subcommand, so its output,
errors and exit statuses are its own.
"""
