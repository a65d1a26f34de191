"""``csdocker run``: docker run's flag table, parser and translator, the command, and one container's life.

    parse.parse_run_args(argv)            -> ParsedRun   (syntax: flags, IMAGE, COMMAND)
    translate.translate(parsed, context)  -> RunSpec     (the create body the docker CLI would send)
    inject.inject_env(spec, variables)    -> RunSpec     (credential variables; the user's -e wins)
    apiversion.adapt_to_api(spec, api)    -> RunSpec     (fields that depend on the engine's API version)
    runner.run_container(spec, engine, terminal) -> exit status (the only engine conversation of a run)
"""

__all__: list[str] = []
