"""Every ``docker run`` flag (docker CLI 28.2.2), as one table of data.

Each row says how the flag is typed (long name, short alias, hidden aliases,
value type as ``docker run --help`` prints it, repeatable or not), which Engine
API field it fills (``target``), when the CLI refuses it (``min_api``: the
daemon's API version it needs; ``os_type``: Windows-only flags), and whether
the converted value lands in ``target`` unchanged (``direct``); ``translate``
builds the rest from the same rows. ``kind.convert`` is the pflag ``Set``: it
checks (and converts) one value the moment it is typed, with the CLI's words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cloudshell_docker.options.pflag import FlagTable, display
from cloudshell_docker.options.values.gpus import parse_gpus
from cloudshell_docker.options.values.lists import (
    validate_attach,
    validate_device_cgroup_rule,
    validate_dns_search,
    validate_env,
    validate_extra_host,
    validate_ip_address,
    validate_label,
    validate_link,
    validate_map_entry,
    validate_sysctl,
    validate_throttle_bps,
    validate_throttle_iops,
    validate_weight_device,
)
from cloudshell_docker.options.values.network import parse_network
from cloudshell_docker.options.values.scalars import (
    parse_bool,
    parse_bytes,
    parse_duration,
    parse_int,
    parse_memswap,
    parse_nano_cpus,
    parse_string,
    parse_uint16,
    parse_uint64,
)
from cloudshell_docker.options.values.ulimit import parse_ulimit

__all__ = [
    "DOCKER_FLAGS",
    "RUN_FLAGS",
    "DockerFlag",
    "ValueKind",
    "by_long_name",
    "by_short_name",
    "docker_flag",
]


@dataclass(frozen=True)
class ValueKind:
    """A flag's value type: its name in ``--help``, its pflag ``Set``, whether it accumulates."""

    type_name: str  # "" for a boolean flag
    convert: Callable[[str], Any]
    repeatable: bool = False

    @property
    def is_bool(self) -> bool:
        return self.type_name == ""


def parse_mount(value: str) -> dict[str, Any]:
    """options.values.mounts.parse_mount, imported on a run's first --mount (start-up time: few runs
    have one, and the module builds five dataclasses)."""
    from cloudshell_docker.options.values.mounts import parse_mount as parse

    return parse(value)


BOOL = ValueKind("", parse_bool)
STRING = ValueKind("string", parse_string)
INT = ValueKind("int", parse_int)
UINT16 = ValueKind("uint16", parse_uint16)
UINT64 = ValueKind("uint64", parse_uint64)
DURATION = ValueKind("duration", parse_duration)
BYTES = ValueKind("bytes", parse_bytes)
MEMSWAP = ValueKind("bytes", parse_memswap)
DECIMAL = ValueKind("decimal", parse_nano_cpus)
ULIMIT = ValueKind("ulimit", parse_ulimit, repeatable=True)
MOUNT = ValueKind("mount", parse_mount, repeatable=True)
GPUS = ValueKind("gpu-request", parse_gpus, repeatable=True)
NETWORK = ValueKind("network", parse_network, repeatable=True)


def list_of(validator: Callable[[str], Any] = parse_string) -> ValueKind:
    return ValueKind("list", validator, repeatable=True)


def map_of(validator: Callable[[str], Any] = validate_map_entry) -> ValueKind:
    return ValueKind("map", validator, repeatable=True)


@dataclass(frozen=True)
class DockerFlag:
    name: str  # "--env"
    short: str | None  # "-e"
    kind: ValueKind
    target: str  # the Engine API field(s) filled, or "client: ..." for behaviour of the CLI itself
    aliases: tuple[str, ...] = ()  # hidden long spellings (--net)
    min_api: str | None = None  # the CLI refuses the flag when the daemon's API is older
    os_type: str | None = None  # the CLI refuses the flag on a daemon of another OS
    run_only: bool = False  # `docker run` has it, `docker create` does not
    direct: bool = False  # the converted value is the API value at `target`

    @property
    def takes_value(self) -> bool:
        return not self.kind.is_bool

    @property
    def repeatable(self) -> bool:
        return self.kind.repeatable

    @property
    def display(self) -> str:
        """How pflag names the flag in an error: ``-e, --env`` or ``--rm``."""
        return display(self)

    def check(self, value: str) -> Any:
        """pflag's Set: the converted value, or GoValueError with the CLI's words."""
        return self.kind.convert(value)


F = DockerFlag
H = "HostConfig."
C = "Config."
EP = "NetworkingConfig.EndpointsConfig[network]."

DOCKER_FLAGS: tuple[DockerFlag, ...] = (
    F("--add-host", None, list_of(validate_extra_host), H + "ExtraHosts"),
    F("--annotation", None, map_of(), H + "Annotations", min_api="1.43"),
    F("--attach", "-a", list_of(validate_attach), C + "AttachStdin/AttachStdout/AttachStderr"),
    F("--blkio-weight", None, UINT16, H + "BlkioWeight", direct=True),
    F("--blkio-weight-device", None, list_of(validate_weight_device), H + "BlkioWeightDevice"),
    F("--cap-add", None, list_of(), H + "CapAdd"),
    F("--cap-drop", None, list_of(), H + "CapDrop"),
    F("--cgroup-parent", None, STRING, H + "CgroupParent", direct=True),
    F("--cgroupns", None, STRING, H + "CgroupnsMode", min_api="1.41"),
    F("--cidfile", None, STRING, H + "ContainerIDFile; client: the runner writes the ID there", direct=True),
    F("--cpu-count", None, INT, H + "CpuCount", os_type="windows", direct=True),
    F("--cpu-percent", None, INT, H + "CpuPercent", os_type="windows", direct=True),
    F("--cpu-period", None, INT, H + "CpuPeriod", direct=True),
    F("--cpu-quota", None, INT, H + "CpuQuota", direct=True),
    F("--cpu-rt-period", None, INT, H + "CpuRealtimePeriod", min_api="1.25", direct=True),
    F("--cpu-rt-runtime", None, INT, H + "CpuRealtimeRuntime", min_api="1.25", direct=True),
    F("--cpu-shares", "-c", INT, H + "CpuShares", direct=True),
    F("--cpus", None, DECIMAL, H + "NanoCpus", min_api="1.25", direct=True),
    F("--cpuset-cpus", None, STRING, H + "CpusetCpus", direct=True),
    F("--cpuset-mems", None, STRING, H + "CpusetMems", direct=True),
    F("--detach", "-d", BOOL, "client: print the ID and return; Config.Attach*/StdinOnce false", run_only=True),
    F("--detach-keys", None, STRING, "client: attach ?detachKeys=", run_only=True),
    F("--device", None, list_of(), H + "Devices; CDI names: " + H + "DeviceRequests"),
    F("--device-cgroup-rule", None, list_of(validate_device_cgroup_rule), H + "DeviceCgroupRules"),
    F("--device-read-bps", None, list_of(validate_throttle_bps), H + "BlkioDeviceReadBps"),
    F("--device-read-iops", None, list_of(validate_throttle_iops), H + "BlkioDeviceReadIOps"),
    F("--device-write-bps", None, list_of(validate_throttle_bps), H + "BlkioDeviceWriteBps"),
    F("--device-write-iops", None, list_of(validate_throttle_iops), H + "BlkioDeviceWriteIOps"),
    F("--disable-content-trust", None, BOOL, "client: image signature verification (Notary)"),
    F("--dns", None, list_of(validate_ip_address), H + "Dns"),
    F("--dns-option", None, list_of(), H + "DnsOptions", aliases=("--dns-opt",)),
    F("--dns-search", None, list_of(validate_dns_search), H + "DnsSearch"),
    F("--domainname", None, STRING, C + "Domainname", direct=True),
    F("--entrypoint", None, STRING, C + "Entrypoint"),
    F("--env", "-e", list_of(validate_env), C + "Env"),
    F("--env-file", None, list_of(), C + "Env"),
    F("--expose", None, list_of(), C + "ExposedPorts"),
    F("--gpus", None, GPUS, H + "DeviceRequests", min_api="1.40"),
    F("--group-add", None, list_of(), H + "GroupAdd"),
    F("--health-cmd", None, STRING, C + "Healthcheck.Test"),
    F("--health-interval", None, DURATION, C + "Healthcheck.Interval"),
    F("--health-retries", None, INT, C + "Healthcheck.Retries"),
    F("--health-start-interval", None, DURATION, C + "Healthcheck.StartInterval", min_api="1.44"),
    F("--health-start-period", None, DURATION, C + "Healthcheck.StartPeriod", min_api="1.29"),
    F("--health-timeout", None, DURATION, C + "Healthcheck.Timeout"),
    F("--help", None, BOOL, "client: print usage"),
    F("--hostname", "-h", STRING, C + "Hostname", direct=True),
    F("--init", None, BOOL, H + "Init", min_api="1.25"),
    F("--interactive", "-i", BOOL, C + "OpenStdin/AttachStdin/StdinOnce"),
    F("--io-maxbandwidth", None, BYTES, H + "IOMaximumBandwidth", os_type="windows", direct=True),
    F("--io-maxiops", None, UINT64, H + "IOMaximumIOps", os_type="windows", direct=True),
    F("--ip", None, STRING, EP + "IPAMConfig.IPv4Address"),
    F("--ip6", None, STRING, EP + "IPAMConfig.IPv6Address"),
    F("--ipc", None, STRING, H + "IpcMode", direct=True),
    F("--isolation", None, STRING, H + "Isolation", direct=True),
    F("--kernel-memory", None, BYTES, H + "KernelMemory (API 1.40-1.41 only)", direct=True),
    F("--label", "-l", list_of(validate_label), C + "Labels"),
    F("--label-file", None, list_of(), C + "Labels"),
    F("--link", None, list_of(validate_link), H + "Links; user-defined network: " + EP + "Links"),
    F("--link-local-ip", None, list_of(), EP + "IPAMConfig.LinkLocalIPs"),
    F("--log-driver", None, STRING, H + "LogConfig.Type"),
    F("--log-opt", None, list_of(), H + "LogConfig.Config"),
    F("--mac-address", None, STRING, EP + "MacAddress (+ Config.MacAddress before API 1.44)"),
    F("--memory", "-m", BYTES, H + "Memory", direct=True),
    F("--memory-reservation", None, BYTES, H + "MemoryReservation", direct=True),
    F("--memory-swap", None, MEMSWAP, H + "MemorySwap", direct=True),
    F("--memory-swappiness", None, INT, H + "MemorySwappiness"),
    F("--mount", None, MOUNT, H + "Mounts"),
    F("--name", None, STRING, "client: create ?name="),
    F("--network", None, NETWORK, H + "NetworkMode + NetworkingConfig.EndpointsConfig", aliases=("--net",)),
    F("--network-alias", None, list_of(), EP + "Aliases", aliases=("--net-alias",)),
    F("--no-healthcheck", None, BOOL, C + "Healthcheck.Test [NONE]"),
    F("--oom-kill-disable", None, BOOL, H + "OomKillDisable", direct=True),
    F("--oom-score-adj", None, INT, H + "OomScoreAdj", direct=True),
    F("--pid", None, STRING, H + "PidMode"),
    F("--pids-limit", None, INT, H + "PidsLimit", direct=True),
    F("--platform", None, STRING, "client: create ?platform= (normalised os/arch[/variant])", min_api="1.32"),
    F("--privileged", None, BOOL, H + "Privileged", direct=True),
    F("--publish", "-p", list_of(), C + "ExposedPorts + " + H + "PortBindings"),
    F("--publish-all", "-P", BOOL, H + "PublishAllPorts", direct=True),
    F("--pull", None, STRING, "client: pull policy (always, missing, never)"),
    F("--quiet", "-q", BOOL, "client: no pull progress"),
    F("--read-only", None, BOOL, H + "ReadonlyRootfs", direct=True),
    F("--restart", None, STRING, H + "RestartPolicy"),
    F("--rm", None, BOOL, H + "AutoRemove; client: wait for removal", direct=True),
    F("--runtime", None, STRING, H + "Runtime", direct=True),
    F("--security-opt", None, list_of(), H + "SecurityOpt (+ MaskedPaths/ReadonlyPaths)"),
    F("--shm-size", None, BYTES, H + "ShmSize", direct=True),
    F("--sig-proxy", None, BOOL, "client: forward signals to the container", run_only=True),
    F("--stop-signal", None, STRING, C + "StopSignal", direct=True),
    F("--stop-timeout", None, INT, C + "StopTimeout", min_api="1.25", direct=True),
    F("--storage-opt", None, list_of(), H + "StorageOpt"),
    F("--sysctl", None, map_of(validate_sysctl), H + "Sysctls"),
    F("--tmpfs", None, list_of(), H + "Tmpfs"),
    F("--tty", "-t", BOOL, C + "Tty", direct=True),
    F("--ulimit", None, ULIMIT, H + "Ulimits"),
    F("--use-api-socket", None, BOOL, H + "Mounts (the daemon's socket) + Config.Env DOCKER_CONFIG"),
    F("--user", "-u", STRING, C + "User", direct=True),
    F("--userns", None, STRING, H + "UsernsMode"),
    F("--uts", None, STRING, H + "UTSMode"),
    F("--volume", "-v", list_of(), H + "Binds + " + C + "Volumes"),
    F("--volume-driver", None, STRING, H + "VolumeDriver", direct=True),
    F("--volumes-from", None, list_of(), H + "VolumesFrom"),
    F("--workdir", "-w", STRING, C + "WorkingDir", direct=True),
)

RUN_FLAGS = FlagTable(DOCKER_FLAGS)
_BY_LONG: dict[str, DockerFlag] = {spelling: flag for flag in DOCKER_FLAGS for spelling in (flag.name, *flag.aliases)}


def by_long_name(name: str) -> DockerFlag | None:
    """The flag spelled ``name`` (``--env``, or a hidden alias such as ``--net``)."""
    return _BY_LONG.get(name)


def by_short_name(name: str) -> DockerFlag | None:
    """The flag whose shorthand is ``name`` (``-e``)."""
    flag = RUN_FLAGS.by_short(name)
    return flag if isinstance(flag, DockerFlag) else None


def docker_flag(name: str) -> DockerFlag:
    """The flag with canonical long name ``name``; KeyError when there is none."""
    flag = _BY_LONG[name]
    if flag.name != name:
        raise KeyError(name)
    return flag
