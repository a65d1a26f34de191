"""``python -m cloudshell_docker.server SOCKET_PATH``: the command server (started by csdocker-client)."""

import sys

from cloudshell_docker.server.serve import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
