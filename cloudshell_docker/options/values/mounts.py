"""--mount CSV, -v volume specs, --device specs: the docker CLI's rules and words."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudshell_docker.options.values.gocompat import GoValueError, go_csv_record, go_parse_bool, go_parse_uint
from cloudshell_docker.options.values.scalars import ram_in_bytes

__all__ = [
    "absolute_host_path",
    "is_cdi_device_name",
    "parse_linux_device",
    "parse_mount",
    "volume_is_bind",
]

def absolute_host_path(path: str, cwd: str) -> str:
    """filepath.Abs for a relative host path that starts with '.' (the only ones the CLI resolves)."""
    if path.startswith("/") or not path.startswith("."):
        return path
    joined = posixpath.normpath(posixpath.join(cwd, path))
    return "/" + joined.lstrip("/") if joined.startswith("//") else joined


# --mount, in three steps: the CSV fields into a _Mount (parse, one handler a key), the
# combinations the CLI refuses (validate), the Engine API Mount object (serialise).


@dataclass
class _BindOptions:
    propagation: str = ""
    non_recursive: bool = False
    read_only_non_recursive: bool = False
    read_only_force_recursive: bool = False

    def api(self) -> dict[str, Any]:
        return _present({"Propagation": self.propagation, "NonRecursive": self.non_recursive,
                         "ReadOnlyNonRecursive": self.read_only_non_recursive,
                         "ReadOnlyForceRecursive": self.read_only_force_recursive})


@dataclass
class _VolumeOptions:
    no_copy: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    subpath: str = ""
    driver: str = ""
    driver_options: dict[str, str] = field(default_factory=dict)

    def api(self) -> dict[str, Any]:
        shaped = _present({"NoCopy": self.no_copy, "Labels": self.labels, "Subpath": self.subpath})
        shaped["DriverConfig"] = _present({"Name": self.driver, "Options": self.driver_options})
        return shaped


@dataclass
class _ImageOptions:
    subpath: str = ""

    def api(self) -> dict[str, Any]:
        return _present({"Subpath": self.subpath})


@dataclass
class _TmpfsOptions:
    size_bytes: int = 0
    mode: int = 0

    def api(self) -> dict[str, Any]:
        return _present({"SizeBytes": self.size_bytes, "Mode": self.mode})


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    """encoding/json with omitempty: empty strings, false, zero and empty maps vanish."""
    return {name: value for name, value in fields.items() if value}


_GROUPS = ("volume", "image", "bind", "tmpfs")  # the option groups, by their keys' prefix


@dataclass
class _Mount:
    """One --mount value as typed; an options group is sent once one of its keys was given (``given``)."""

    kind: str = "volume"
    source: str = ""
    target: str = ""
    read_only: bool = False
    consistency: str = ""
    bind: _BindOptions = field(default_factory=_BindOptions)
    volume: _VolumeOptions = field(default_factory=_VolumeOptions)
    image: _ImageOptions = field(default_factory=_ImageOptions)
    tmpfs: _TmpfsOptions = field(default_factory=_TmpfsOptions)
    given: set[str] = field(default_factory=set)

    def api(self) -> dict[str, Any]:
        """The Mount object the CLI sends (relative sources kept as typed)."""
        result = {"Type": self.kind, **_present({"Source": self.source, "Target": self.target,
                                                 "ReadOnly": self.read_only, "Consistency": self.consistency})}
        for group, name, options in (("bind", "BindOptions", self.bind), ("volume", "VolumeOptions", self.volume),
                                     ("image", "ImageOptions", self.image), ("tmpfs", "TmpfsOptions", self.tmpfs)):
            if group in self.given:
                result[name] = options.api()
        return result


def _flag_bool(key: str, value: str) -> bool:
    try:
        return go_parse_bool(value)
    except GoValueError:
        raise GoValueError(f"invalid value for {key}: {value}") from None


def _set_on_map(target: dict[str, str], item: str) -> None:
    key, _, value = item.partition("=")
    if key:
        target[key] = value


def _bind_recursive(mount: _Mount, key: str, value: str) -> None:
    if value == "enabled":
        return  # the default: it gives no bind option
    if value == "disabled":
        mount.bind.non_recursive = True
    elif value == "writable":
        mount.bind.read_only_non_recursive = True
    elif value == "readonly":
        mount.bind.read_only_force_recursive = True
    else:
        raise GoValueError(
            f'invalid value for {key}: {value} (must be "enabled", "disabled", "writable", or "readonly")')
    mount.given.add("bind")


def _tmpfs_size(mount: _Mount, key: str, value: str) -> None:
    try:
        mount.tmpfs.size_bytes = ram_in_bytes(value)
    except GoValueError:
        raise GoValueError(f"invalid value for {key}: {value}") from None


def _tmpfs_mode(mount: _Mount, key: str, value: str) -> None:
    try:
        mount.tmpfs.mode = go_parse_uint(value, 8, 32)
    except GoValueError:
        raise GoValueError(f"invalid value for {key}: {value}") from None


def _set_type(mount: _Mount, _key: str, value: str) -> None:
    mount.kind = value.lower()


def _set_source(mount: _Mount, _key: str, value: str) -> None:
    mount.source = value


def _set_target(mount: _Mount, _key: str, value: str) -> None:
    mount.target = value


def _set_read_only(mount: _Mount, key: str, value: str) -> None:
    mount.read_only = _flag_bool(key, value)


def _set_consistency(mount: _Mount, _key: str, value: str) -> None:
    mount.consistency = value.lower()


def _bind_propagation(mount: _Mount, _key: str, value: str) -> None:
    mount.bind.propagation = value.lower()


def _bind_nonrecursive(mount: _Mount, key: str, value: str) -> None:
    mount.bind.non_recursive = _flag_bool(key, value)


def _volume_subpath(mount: _Mount, _key: str, value: str) -> None:
    mount.volume.subpath = value


def _volume_nocopy(mount: _Mount, key: str, value: str) -> None:
    mount.volume.no_copy = _flag_bool(key, value)


def _volume_label(mount: _Mount, _key: str, value: str) -> None:
    _set_on_map(mount.volume.labels, value)


def _volume_driver(mount: _Mount, _key: str, value: str) -> None:
    mount.volume.driver = value


def _volume_opt(mount: _Mount, _key: str, value: str) -> None:
    _set_on_map(mount.volume.driver_options, value)


def _image_subpath(mount: _Mount, _key: str, value: str) -> None:
    mount.image.subpath = value


# key=value fields: the (lower-cased) key -> what it sets. A key of an options group
# (bind-*, volume-*, ...) gives that group, bind-recursive only for a value other than its default.
_KEYED: dict[str, Callable[[_Mount, str, str], None]] = {
    "type": _set_type,
    "source": _set_source, "src": _set_source,
    "target": _set_target, "dst": _set_target, "destination": _set_target,
    "readonly": _set_read_only, "ro": _set_read_only,
    "consistency": _set_consistency,
    "bind-propagation": _bind_propagation,
    "bind-nonrecursive": _bind_nonrecursive,
    "bind-recursive": _bind_recursive,
    "volume-subpath": _volume_subpath,
    "volume-nocopy": _volume_nocopy,
    "volume-label": _volume_label,
    "volume-driver": _volume_driver,
    "volume-opt": _volume_opt,
    "image-subpath": _image_subpath,
    "tmpfs-size": _tmpfs_size,
    "tmpfs-mode": _tmpfs_mode,
}
# The keys that may stand alone: "key" is "key=true".
_BARE = ("readonly", "ro", "volume-nocopy", "bind-nonrecursive")


def _parse_mount_fields(value: str) -> _Mount:
    mount = _Mount()
    for item in go_csv_record(value):
        key, sep, val = item.partition("=")
        key = key.lower()
        if not sep:
            if key not in _BARE:
                raise GoValueError(f"invalid field '{item}' must be a key=value pair")
            val = "true"
        handler = _KEYED.get(key)
        if handler is None:
            raise GoValueError(f"unexpected key '{key}' in '{item}'")
        handler(mount, key, val)
        group = key.partition("-")[0]
        if group in _GROUPS and key != "bind-recursive":
            mount.given.add(group)
    return mount


def _check_mount(mount: _Mount) -> None:
    kind = mount.kind
    if kind == "":
        raise GoValueError("type is required")
    if not mount.target:
        raise GoValueError("target is required")
    for group in _GROUPS:
        if group in mount.given and kind != group:
            raise GoValueError(f"cannot mix '{group}-*' options with mount type '{kind}'")
    if "bind" not in mount.given:
        return
    bind = mount.bind
    if bind.read_only_non_recursive and not mount.read_only:
        raise GoValueError("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction")
    if bind.read_only_force_recursive:
        if not mount.read_only:
            raise GoValueError("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction")
        if bind.propagation != "rprivate":
            raise GoValueError("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' "
                               "to be specified in conjunction")


def parse_mount(value: str) -> dict[str, Any]:
    """One --mount value -> the Engine API Mount object the CLI sends (relative sources kept as typed)."""
    mount = _parse_mount_fields(value)
    _check_mount(mount)
    return mount.api()


def _is_windows_drive(buffer: str, char: str) -> bool:
    return char == ":" and len(buffer) == 1 and buffer.isalpha()


def volume_is_bind(spec: str) -> tuple[bool, str]:
    """The compose loader's ParseVolume, as ``-v`` uses it: (has a host source, its type).

    Raises the loader's error for a malformed spec.
    """
    if spec == "":
        raise GoValueError("invalid empty volume spec")
    if len(spec) <= 2:
        return False, "volume"
    source = target = ""
    buffer = ""
    for char in spec + "\0":
        if _is_windows_drive(buffer, char):
            buffer += char
        elif char in (":", "\0"):
            if buffer == "":
                raise GoValueError(f"invalid spec: {spec}: empty section between colons")
            if source == "" and char == "\0":
                target = buffer
            elif source == "":
                source = buffer
            elif target == "":
                target = buffer
            elif char == ":":
                raise GoValueError(f"invalid spec: {spec}: too many colons")
            buffer = ""
        else:
            buffer += char
    if source == "":
        return False, "volume"
    return True, "bind" if _is_file_path(source) else "volume"


def _is_file_path(source: str) -> bool:
    if source[0] in "./~":
        return True
    if len(source) == 1:
        return False
    if source.startswith("\\\\"):
        return True
    return len(source) > 1 and _is_windows_drive(source[0], source[1])


def _valid_device_mode(mode: str) -> bool:
    return mode != "" and all(char in "rwm" for char in mode) and len(set(mode)) == len(mode)


def parse_linux_device(value: str) -> dict[str, str]:
    """--device ``/dev/x[:/dev/y][:rwm]`` -> a DeviceMapping (validated as the CLI does for Linux)."""
    if value.count(":") > 2:
        raise GoValueError(f"bad format for path: {value}")
    split = value.split(":", 2)
    if split[0] == "":
        raise GoValueError(f"bad format for path: {value}")
    if len(split) == 1:
        container_path = split[0]
        validated = _go_clean(container_path)
    elif len(split) == 2:
        if _valid_device_mode(split[1]):
            container_path = split[0]
            validated = f"{_go_clean(container_path)}:{split[1]}"
        else:
            container_path = split[1]
            validated = f"{split[0]}:{_go_clean(container_path)}"
    else:
        container_path = split[1]
        if not _valid_device_mode(split[2]):
            raise GoValueError(f"bad mode specified: {split[2]}")
        validated = value
    if not container_path.startswith("/"):
        raise GoValueError(f"{container_path} is not an absolute path")
    parts = validated.split(":")
    permissions = parts[2] if len(parts) == 3 else "rwm"
    destination = ""
    if len(parts) >= 2:
        if _valid_device_mode(parts[1]):
            permissions = parts[1]
        else:
            destination = parts[1]
    return {"PathOnHost": parts[0], "PathInContainer": destination or parts[0], "CgroupPermissions": permissions}


def _go_clean(path: str) -> str:
    """path.Clean."""
    if path == "":
        return "."
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _cdi_vendor_or_class_ok(name: str) -> bool:
    if not name or not ("a" <= name[0].lower() <= "z" and name[0].isascii()):
        return False
    if not (name[-1].isascii() and name[-1].isalnum()):
        return False
    return all((c.isascii() and c.isalnum()) or c in "_-." for c in name[1:-1])


def _cdi_device_ok(name: str) -> bool:
    if not name or not (name[0].isascii() and name[0].isalnum()):
        return False
    if len(name) == 1:
        return True
    if not (name[-1].isascii() and name[-1].isalnum()):
        return False
    return all((c.isascii() and c.isalnum()) or c in "_-.:" for c in name[1:-1])


def is_cdi_device_name(device: str) -> bool:
    """A fully qualified CDI device name (``vendor.com/class=name``): a DeviceRequest, not a path."""
    if device == "" or device[0] == "/":
        return False
    qualifier, sep, name = device.partition("=")
    if not sep or qualifier == "" or name == "":
        return False
    vendor, slash, kind = qualifier.partition("/")
    if not slash or vendor == "" or kind == "":
        return False
    return _cdi_vendor_or_class_ok(vendor) and _cdi_vendor_or_class_ok(kind) and _cdi_device_ok(name)
