"""--platform: containerd's specifier rules, normalised as the CLI sends it (``os/arch[/variant]``)."""

from __future__ import annotations

import os
import re

from cloudshell_docker.options.values.gocompat import GoValueError, go_quote

__all__ = ["host_arch", "normalize_platform"]

_OS_AND_VERSION_TEXT = r"^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$"
_OS_AND_VERSION = re.compile(_OS_AND_VERSION_TEXT[1:-1])
_SPECIFIER = re.compile(r"[A-Za-z0-9_.-]+")
_KNOWN_OS = {"aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl",
             "netbsd", "openbsd", "plan9", "solaris", "windows", "zos"}
_KNOWN_ARCH = {"386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le", "loong64", "mips",
               "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "riscv", "riscv64", "s390", "s390x",
               "sparc", "sparc64", "wasm"}
_MACHINE_TO_GOARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386",
                      "i686": "386", "armv7l": "arm", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}


def host_arch() -> str:
    """Go's runtime.GOARCH for this machine (the CLI's default architecture)."""
    machine = os.uname().machine.lower()
    return _MACHINE_TO_GOARCH.get(machine, machine)


def _normalize_os(name: str) -> str:
    name = name.lower() or "linux"
    return "darwin" if name == "macos" else name


def _normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    arch, variant = arch.lower(), variant.lower()
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        if variant in ("8", "v8", "v8.0"):
            variant = ""
        elif variant in ("9", "9.0", "v9.0"):
            variant = "v9"
        return "arm64", variant
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            variant = "v7"
        elif variant in ("5", "6", "8"):
            variant = "v" + variant
    return arch, variant


def normalize_platform(specifier: str) -> str:
    """``linux/x86_64`` -> ``linux/amd64``; ``arm64`` -> ``linux/arm64``; GoValueError as the CLI words it."""

    def invalid(why: str) -> GoValueError:
        return GoValueError(f"error parsing specified platform: {why}: invalid argument")

    if "*" in specifier:
        raise invalid(f"{go_quote(specifier)}: wildcards not yet supported")
    parts = specifier.split("/", 3)
    os_name = ""
    for index, part in enumerate(parts):
        if index == 0:
            match = _OS_AND_VERSION.fullmatch(part)
            if match is None:
                raise invalid(f"{go_quote(part)} is an invalid OS component of {go_quote(specifier)}: "
                              f"OSAndVersion specifier component must match "
                              + go_quote(_OS_AND_VERSION_TEXT))
            os_name = _normalize_os(match.group(1))
        elif not _SPECIFIER.fullmatch(part):
            raise invalid(f"{go_quote(part)} is an invalid component of {go_quote(specifier)}: "
                          f"platform specifier component must match {go_quote('^[A-Za-z0-9_.-]+$')}")
    if len(parts) == 1:
        if os_name in _KNOWN_OS:
            arch, variant = host_arch(), ""
            return _join(os_name, arch, variant)
        arch, variant = _normalize_arch(parts[0], "")
        if arch == "arm" and variant == "v7":
            variant = ""
        if arch in _KNOWN_ARCH:
            return _join("linux", arch, variant)
        raise invalid(f"{go_quote(specifier)}: unknown operating system or architecture")
    if len(parts) == 2:
        arch, variant = _normalize_arch(parts[1], "")
        if arch == "arm" and variant == "v7":
            variant = ""
        return _join(os_name, arch, variant)
    if len(parts) == 3:
        arch, variant = _normalize_arch(parts[1], parts[2])
        if arch == "arm64" and variant == "":
            variant = "v8"
        return _join(os_name, arch, variant)
    raise invalid(f"{go_quote(specifier)}: cannot parse platform specifier")


def _join(os_name: str, arch: str, variant: str) -> str:
    return "/".join(part for part in (os_name, arch, variant) if part)
