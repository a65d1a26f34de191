"""``csdocker compose``: AWS credentials for the services of a Compose project, through ``docker compose``.

    argv        the command line: compose's globals, csdocker's options, the subcommand
    discovery   which compose files compose would read when no ``-f`` is given
    model       the project as compose resolves it (``config --format json``, read once)
    policy      which services get what (``x-csdocker``, what a service sets itself)
    override    csdocker's additions as one more compose file, held in a sealed memfd
    command     which subcommands need csdocker; starts compose reading the model, then ``additions``
    additions   the plan, credentials fetched once, the override and build secrets, exec ``docker compose``
    sessions    one credentials session per source (a service's own role-arn is another source)
    relay       ``--inject relay``: one credentials relay per (engine, project, source)
    follower    that relay, detached: while compose runs, then while the project's relay containers exist

Nothing of the user's files is changed; compose itself runs every subcommand, so its output,
errors and exit statuses are its own.
"""
