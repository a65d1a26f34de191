"""csdocker: ``docker run`` with the host's temporary AWS credentials injected."""

__all__ = ["__version__"]

__version__ = "0.1.0"
