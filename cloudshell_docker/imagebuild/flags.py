"""docker build's flags as data: every flag of the CLIs that can run a BuildKit build, with its arity.

csdocker only needs to know, for each word of a build command line, whether it is a
flag, a flag's value or a positional, so that its own options can be taken out and
the leaks refused; the docker CLI checks the values. The table is the union of

- ``docker build`` of the docker CLI 20.10 (BuildKit built in; its hidden ``--stream``
  and experimental ``--squash`` included),
- ``docker build`` of the CLI 23+ (28.x: the legacy builder's flags; with buildx
  present the CLI forwards ``build`` to ``buildx build``),
- ``docker buildx build`` (0.10 to 0.36, hidden and retired flags included) and the
  buildx root flags ``--builder`` and ``-D/--debug``,

read from the CLIs' sources (cli/command/image/build.go, buildx commands/build.go).
A flag is the same kind (boolean or value) in every table where it appears.
"""

from __future__ import annotations

from cloudshell_docker.options.pflag import Flag, FlagTable

__all__ = ["BUILDX_ROOT_TABLE", "BUILD_FLAGS", "BUILD_TABLE", "BUILTIN_BUILDKIT_FLAGS"]


def _value(name: str, short: str | None = None) -> Flag:
    return Flag(name, short, takes_value=True)


def _bool(name: str, short: str | None = None) -> Flag:
    return Flag(name, short, takes_value=False)


_CLASSIC: tuple[Flag, ...] = (
    # docker build (20.10 and 28.x)
    _value("--add-host"),
    _value("--build-arg"),
    _value("--cache-from"),
    _value("--cgroup-parent"),
    _bool("--compress"),
    _value("--cpu-period"),
    _value("--cpu-quota"),
    _value("--cpu-shares", "-c"),
    _value("--cpuset-cpus"),
    _value("--cpuset-mems"),
    _bool("--disable-content-trust"),
    _value("--file", "-f"),
    _bool("--force-rm"),
    _value("--iidfile"),
    _value("--isolation"),
    _value("--label"),
    _value("--memory", "-m"),
    _value("--memory-swap"),
    _value("--network"),
    _bool("--no-cache"),
    _value("--platform"),
    _bool("--pull"),
    _bool("--quiet", "-q"),
    _bool("--rm"),
    _value("--security-opt"),
    _value("--shm-size"),
    _bool("--squash"),
    _value("--tag", "-t"),
    _value("--target"),
    _value("--ulimit"),
    _bool("--help", "-h"),
)
_BUILTIN_BUILDKIT: tuple[Flag, ...] = (
    # 20.10's BuildKit flags (and buildx's)
    _value("--output", "-o"),
    _value("--progress"),
    _value("--secret"),
    _value("--ssh"),
    _bool("--stream"),
)
_BUILDX: tuple[Flag, ...] = (
    # buildx build
    _value("--allow"),
    _value("--annotation"),
    _value("--attest"),
    _value("--build-context"),
    _value("--cache-to"),
    _value("--call"),
    # pflag's NoOptDefVal: alone it takes no value, "--check=VALUE" gives one (any string).
    Flag("--check", takes_value=False, convert=str),
    _bool("--load"),
    _value("--metadata-file"),
    _value("--no-cache-filter"),
    _value("--policy"),
    _value("--print"),
    _value("--provenance"),
    _bool("--push"),
    _value("--resource"),
    _value("--sbom"),
    _value("--invoke"),  # 0.10-0.11
    _value("--root"),  # 0.12-0.17, experimental
    _bool("--detach"),  # 0.12-0.17, experimental
    _value("--server-config"),  # 0.12-0.17, experimental
    # buildx's root flags, accepted by every buildx command
    _value("--builder"),
    _bool("--debug", "-D"),
)

BUILD_FLAGS: tuple[Flag, ...] = (*_CLASSIC, *_BUILTIN_BUILDKIT, *_BUILDX)
BUILD_TABLE = FlagTable(BUILD_FLAGS)
# ``docker build`` of a CLI with BuildKit built in (18.09 to 22.x; read from 20.10): no buildx flag.
BUILTIN_BUILDKIT_FLAGS: tuple[Flag, ...] = (*_CLASSIC, *_BUILTIN_BUILDKIT)
# ``docker buildx [ROOT FLAGS] build``: what may stand between buildx and its command.
BUILDX_ROOT_TABLE = FlagTable((_value("--builder"), _bool("--debug", "-D")))
