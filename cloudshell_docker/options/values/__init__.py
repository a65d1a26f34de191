"""Value parsers for docker's flags (shared by every command), each written once, with the CLI's rules and error texts.

docker-py has helpers for some of these (split_port, parse_env_file, parse_bytes,
Mount); they accept and refuse different strings than the CLI, with other words,
so csdocker does not use them here.
"""

from cloudshell_docker.options.values.gocompat import GoValueError, go_quote

__all__ = ["GoValueError", "go_quote"]
