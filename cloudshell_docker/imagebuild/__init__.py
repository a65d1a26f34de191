"""``csdocker build``: the docker CLI's BuildKit build, with the AWS credentials as the secrets
``aws`` and ``aws-config``."""

__all__: list[str] = []
