"""One attached session: the conversation a run's attach and an exec's start both are.

    terminal.Terminal        the caller's stdin, stdout and stderr: a TTY or not, raw mode, its size
    streams.AttachStreams    the copying threads: stdin to the engine, its output (framed or raw) back
    detachkeys.EscapeFilter  the detach keys spotted on a terminal's stdin
    signals.SignalRelay      the signals csdocker gets while attached, as the docker CLI handles them
"""

__all__: list[str] = []
