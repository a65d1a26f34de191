"""``python -m cloudshell_docker`` runs the csdocker command line."""

from cloudshell_docker.cli import main

if __name__ == "__main__":
    main()
