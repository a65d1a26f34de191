"""``csdocker run``: docker run's flag table, parser and translator, the command, and one container's life.

    parse.parse_run_args(argv)            -> ParsedRun   (syntax: flags, IMAGE, COMMAND)
    translate.translate(parsed, context)  -> RunSpec     (the create body the docker CLI would send)
    command.prepare(argv, ...)            -> PreparedRun (the two above, own options with CSDOCKER_*, region)
    command.strategy_for(options)         -> EnvInjection | RelayInjection (the source chosen, nothing fetched)
    apiversion.adapt_to_api(spec, api)    -> RunSpec     (fields that depend on the engine's API version)
    strategy.open(spec, engine)           -> Injection   (variables, labels, hooks; .apply(spec): the user's -e wins)
    runner.run_container(spec, ...)       -> exit status (the only engine conversation of a run)
"""

__all__: list[str] = []
