"""``csdocker exec``: a command in a running container, with fresh credentials in its own Env.

    flags.EXEC_FLAGS                        docker exec's flag table (read by options.pflag)
    spec.parse_exec_args(argv)              -> ParsedExec  (syntax: flags, CONTAINER, COMMAND)
    spec.exec_spec(parsed, environ, cwd)    -> ExecSpec    (the exec create body the CLI would send)
    command.exec_command(argv, options)     -> exit status (prepare, connect, check the container, inject)
    runner.run_exec(spec, engine, terminal) -> exit status (create, start attached, stream, exit code)
"""

__all__: list[str] = []
