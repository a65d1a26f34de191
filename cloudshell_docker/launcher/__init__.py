"""bin/csdocker, the POSIX-sh launcher (the file ``csdocker`` beside this one), and its helpers.

The launcher execs the docker CLI for every command that is not csdocker's, before any Python
starts; csdocker's own commands go to bin/csdocker-client (the command server's client) or to
``cloudshell_docker.cli.main``. ``LAUNCHER`` is its path in the source tree, for the tests.
"""

from pathlib import Path

__all__ = ["CLIENT", "LAUNCHER"]

LAUNCHER = Path(__file__).with_name("csdocker")
CLIENT = Path(__file__).with_name("csdocker-client")
