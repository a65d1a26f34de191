"""``docker run``'s command line, understood without a daemon.

    parse_run_args(argv)            -> ParsedRun   (syntax: flags, IMAGE, COMMAND)
    translate(parsed, context)      -> RunSpec     (the create body the docker CLI would send)
    inject_env(spec, variables)     -> RunSpec     (credential variables; the user's -e wins)
    adapt_to_api(spec, api_version) -> RunSpec     (fields that depend on the engine's API version)
"""

from cloudshell_docker.runargs.apiversion import adapt_to_api
from cloudshell_docker.runargs.inject import inject_env
from cloudshell_docker.runargs.parse import parse_run_args
from cloudshell_docker.runargs.spec import ParsedRun, RunSpec
from cloudshell_docker.runargs.translate import TranslateContext, translate

__all__ = [
    "ParsedRun",
    "RunSpec",
    "TranslateContext",
    "adapt_to_api",
    "inject_env",
    "parse_run_args",
    "translate",
]
