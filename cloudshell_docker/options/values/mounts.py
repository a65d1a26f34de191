"""--mount CSV, -v volume specs, --device specs: the docker CLI's rules and words."""

from __future__ import annotations

import posixpath
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

_PROPAGATIONS = ("rprivate", "private", "rshared", "shared", "rslave", "slave")


def absolute_host_path(path: str, cwd: str) -> str:
    """filepath.Abs for a relative host path that starts with '.' (the only ones the CLI resolves)."""
    if path.startswith("/") or not path.startswith("."):
        return path
    joined = posixpath.normpath(posixpath.join(cwd, path))
    return "/" + joined.lstrip("/") if joined.startswith("//") else joined


def parse_mount(value: str) -> dict[str, Any]:
    """One --mount value -> the Engine API Mount object the CLI sends (relative sources kept as typed)."""
    fields = go_csv_record(value)
    mount: dict[str, Any] = {"Type": "volume"}
    read_only = False
    volume: dict[str, Any] | None = None
    image: dict[str, Any] | None = None
    bind: dict[str, Any] | None = None
    tmpfs: dict[str, Any] | None = None

    def volume_options() -> dict[str, Any]:
        nonlocal volume
        if volume is None:
            volume = {"Labels": {}}
        volume.setdefault("DriverConfig", {})
        return volume

    def bind_options() -> dict[str, Any]:
        nonlocal bind
        if bind is None:
            bind = {}
        return bind

    def tmpfs_options() -> dict[str, Any]:
        nonlocal tmpfs
        if tmpfs is None:
            tmpfs = {}
        return tmpfs

    def set_on_map(target: dict[str, str], item: str) -> None:
        key, _, val = item.partition("=")
        if key:
            target[key] = val

    def parse_flag_bool(key: str, val: str, message: str) -> bool:
        try:
            return go_parse_bool(val)
        except GoValueError:
            raise GoValueError(message) from None

    for field in fields:
        key, sep, val = field.partition("=")
        key = key.lower()
        if not sep:
            if key in ("readonly", "ro"):
                read_only = True
            elif key == "volume-nocopy":
                volume_options()["NoCopy"] = True
            elif key == "bind-nonrecursive":
                bind_options()["NonRecursive"] = True
            else:
                raise GoValueError(f"invalid field '{field}' must be a key=value pair")
            continue
        if key == "type":
            mount["Type"] = val.lower()
        elif key in ("source", "src"):
            mount["Source"] = val
        elif key in ("target", "dst", "destination"):
            mount["Target"] = val
        elif key in ("readonly", "ro"):
            read_only = parse_flag_bool(key, val, f"invalid value for {key}: {val}")
        elif key == "consistency":
            mount["Consistency"] = val.lower()
        elif key == "bind-propagation":
            bind_options()["Propagation"] = val.lower()
        elif key == "bind-nonrecursive":
            bind_options()["NonRecursive"] = parse_flag_bool(key, val, f"invalid value for {key}: {val}")
        elif key == "bind-recursive":
            if val == "enabled":
                pass
            elif val == "disabled":
                bind_options()["NonRecursive"] = True
            elif val == "writable":
                bind_options()["ReadOnlyNonRecursive"] = True
            elif val == "readonly":
                bind_options()["ReadOnlyForceRecursive"] = True
            else:
                raise GoValueError(
                    f'invalid value for {key}: {val} (must be "enabled", "disabled", "writable", or "readonly")'
                )
        elif key == "volume-subpath":
            volume_options()["Subpath"] = val
        elif key == "volume-nocopy":
            volume_options()["NoCopy"] = parse_flag_bool(key, val, f"invalid value for volume-nocopy: {val}")
        elif key == "volume-label":
            set_on_map(volume_options()["Labels"], val)
        elif key == "volume-driver":
            volume_options()["DriverConfig"]["Name"] = val
        elif key == "volume-opt":
            set_on_map(volume_options()["DriverConfig"].setdefault("Options", {}), val)
        elif key == "image-subpath":
            image = image if image is not None else {}
            image["Subpath"] = val
        elif key == "tmpfs-size":
            try:
                tmpfs_options()["SizeBytes"] = ram_in_bytes(val)
            except GoValueError:
                raise GoValueError(f"invalid value for {key}: {val}") from None
        elif key == "tmpfs-mode":
            try:
                tmpfs_options()["Mode"] = go_parse_uint(val, 8, 32)
            except GoValueError:
                raise GoValueError(f"invalid value for {key}: {val}") from None
        else:
            raise GoValueError(f"unexpected key '{key}' in '{field}'")

    kind = mount["Type"]
    if kind == "":
        raise GoValueError("type is required")
    if not mount.get("Target"):
        raise GoValueError("target is required")
    for options, prefix, wanted in ((volume, "volume", "volume"), (image, "image", "image"),
                                    (bind, "bind", "bind"), (tmpfs, "tmpfs", "tmpfs")):
        if options is not None and kind != wanted:
            raise GoValueError(f"cannot mix '{prefix}-*' options with mount type '{kind}'")
    if bind is not None:
        if bind.get("ReadOnlyNonRecursive") and not read_only:
            raise GoValueError("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction")
        if bind.get("ReadOnlyForceRecursive"):
            if not read_only:
                raise GoValueError(
                    "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction")
            if bind.get("Propagation") != "rprivate":
                raise GoValueError("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' "
                                   "to be specified in conjunction")
    # encoding/json with omitempty: empty strings, false and empty maps vanish; options objects stay.
    result: dict[str, Any] = {"Type": kind}
    for name in ("Source", "Target"):
        if mount.get(name):
            result[name] = mount[name]
    if read_only:
        result["ReadOnly"] = True
    if mount.get("Consistency"):
        result["Consistency"] = mount["Consistency"]
    if bind is not None:
        result["BindOptions"] = {k: v for k, v in bind.items() if v}
    if volume is not None:
        shaped: dict[str, Any] = {}
        if volume.get("NoCopy"):
            shaped["NoCopy"] = True
        if volume.get("Labels"):
            shaped["Labels"] = volume["Labels"]
        if volume.get("Subpath"):
            shaped["Subpath"] = volume["Subpath"]
        driver = volume["DriverConfig"]
        shaped["DriverConfig"] = {k: v for k, v in driver.items() if v}
        result["VolumeOptions"] = shaped
    if image is not None:
        result["ImageOptions"] = {k: v for k, v in image.items() if v}
    if tmpfs is not None:
        result["TmpfsOptions"] = {k: v for k, v in tmpfs.items() if v}
    return result


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
