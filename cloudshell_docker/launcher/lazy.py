"""Imports that csdocker's dependencies make at start-up but a csdocker call rarely uses, deferred.

requests imports its character-set detector (charset_normalizer) at import time, for
``Response.apparent_encoding`` alone: a guess at the encoding of a body that declares none. On a
csdocker call that is the largest single import (tens of milliseconds: compiled extension modules
and their tables), and no answer csdocker reads needs it (the engine and the credential endpoints
answer JSON). ``defer_charset_detection`` puts a stand-in module in its place that knows the
version requests checks at import, and turns into the real module on first use of anything else:
behaviour is unchanged, the cost moves to the (rare) call that needs it.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any

__all__ = ["defer_charset_detection"]

_DETECTOR = "charset_normalizer"


class _Deferred(types.ModuleType):
    """A module that loads its real self, and takes over its namespace, on first attribute use."""

    def __getattr__(self, name: str) -> Any:
        real = _load_real(self)
        return getattr(real, name)


def _load_real(stand_in: types.ModuleType) -> types.ModuleType:
    if sys.modules.get(stand_in.__name__) is stand_in:
        del sys.modules[stand_in.__name__]
    try:
        real = importlib.import_module(stand_in.__name__)
    except BaseException:
        sys.modules.setdefault(stand_in.__name__, stand_in)
        raise
    # Whoever holds the stand-in (requests.compat.chardet) sees the real module's names from now on.
    stand_in.__dict__.update(real.__dict__)
    stand_in.__class__ = types.ModuleType
    return real


def _version_of(spec: importlib.machinery.ModuleSpec) -> str | None:
    """``__version__`` from the package's version.py, read on its own (not through its __init__)."""
    locations = spec.submodule_search_locations or []
    for location in locations:
        path = f"{location}/version.py"
        version_spec = importlib.util.spec_from_file_location(f"_csdocker_version_of_{spec.name}", path)
        if version_spec is None or version_spec.loader is None:
            continue
        module = importlib.util.module_from_spec(version_spec)
        try:
            version_spec.loader.exec_module(module)
        except (OSError, SyntaxError, ImportError):
            return None
        version = getattr(module, "__version__", None)
        return version if isinstance(version, str) else None
    return None


def defer_charset_detection() -> bool:
    """Install the stand-in for charset_normalizer unless requests (or the detector) is already
    loaded, or chardet (which requests would prefer) is installed. True when installed."""
    if "requests" in sys.modules or _DETECTOR in sys.modules:
        return False
    try:
        if importlib.util.find_spec("chardet") is not None:
            return False
        spec = importlib.util.find_spec(_DETECTOR)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    version = _version_of(spec)
    if version is None:
        return False
    stand_in = _Deferred(_DETECTOR)
    stand_in.__spec__ = spec
    stand_in.__file__ = spec.origin
    stand_in.__path__ = list(spec.submodule_search_locations or [])
    stand_in.__dict__["__version__"] = version  # what requests reads at import
    sys.modules[_DETECTOR] = stand_in
    return True
