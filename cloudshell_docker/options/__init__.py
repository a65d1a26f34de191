"""docker's command-line grammar: global options, csdocker's own options, and the value parsers. Pure."""

__all__: list[str] = []
