"""The commands besides run: env (and its output formats), whoami, and the passthrough to the docker CLI."""

__all__: list[str] = []
