"""Every ``docker exec`` flag (docker CLI 28.2), as a table for ``options.pflag``.

``-e`` is checked as it is typed (``options.values.lists.validate_env``, as for ``run``);
``--env-file`` is read once the command line has been parsed (``spec``), with run's reader.
"""

from __future__ import annotations

from cloudshell_docker.options.pflag import Flag, FlagTable
from cloudshell_docker.options.values.lists import validate_env

__all__ = ["EXEC_FLAGS", "EXEC_HELP"]

EXEC_FLAGS = FlagTable([
    Flag("--detach", "-d", takes_value=False),
    Flag("--detach-keys"),
    Flag("--env", "-e", convert=validate_env),
    Flag("--env-file"),
    Flag("--interactive", "-i", takes_value=False),
    Flag("--privileged", takes_value=False),
    Flag("--tty", "-t", takes_value=False),
    Flag("--user", "-u"),
    Flag("--workdir", "-w"),
    Flag("--help", "-h", takes_value=False),
])

# docker exec --help's lines for them, shown by ``csdocker exec --help`` under csdocker's own.
EXEC_HELP = (
    ("-d, --detach", "Detached mode: run command in the background"),
    ("    --detach-keys string", "Override the key sequence for detaching a container"),
    ("-e, --env list", "Set environment variables"),
    ("    --env-file list", "Read in a file of environment variables"),
    ("-i, --interactive", "Keep STDIN open even if not attached"),
    ("    --privileged", "Give extended privileges to the command"),
    ("-t, --tty", "Allocate a pseudo-TTY"),
    ("-u, --user string", 'Username or UID (format: "<name|uid>[:<group|gid>]")'),
    ("-w, --workdir string", "Working directory inside the container"),
)
