"""ParsedRun -> RunSpec: each docker flag to the Engine API field the docker CLI fills.

The body is the whole ``POST /containers/create`` request the CLI sends (its Go
structs serialised: every field, zero values included, ``omitempty`` ones left out),
for the newest API version; ``apiversion.adapt_to_api`` rewrites the few fields
that depend on the engine's version. Checks run in the CLI's order, so the first
error is the one docker would print.

Where csdocker does less than the CLI, it says so instead of doing something else:
  - content trust (``DOCKER_CONTENT_TRUST``, ``--disable-content-trust=false``) needs
    Notary: refused (exit 125).
  - ``--use-api-socket`` mounts the engine's socket as the CLI does; when the docker
    config holds registry credentials the CLI resolves them (running credential
    helpers) and copies a config.json into the container after creating it. csdocker
    refuses that case (exit 125) unless ``-e DOCKER_CONFIG=...`` is given, with which
    the CLI itself copies nothing.
  - the refusals by API version and daemon OS (``adapt_to_api``) come after the checks
    here, where the CLI makes them first: with several errors in one command line,
    the first one printed may differ.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.options.values.gocompat import GoValueError, go_atoi, go_parse_bool, go_parse_mac, go_quote
from cloudshell_docker.options.values.jsoncompact import go_json_compact
from cloudshell_docker.options.values.kvfile import go_os_error, read_kv_file
from cloudshell_docker.options.values.mounts import (
    absolute_host_path,
    is_cdi_device_name,
    parse_linux_device,
    volume_is_bind,
)
from cloudshell_docker.options.values.network import NetworkAttachment
from cloudshell_docker.options.values.platform import normalize_platform
from cloudshell_docker.options.values.ports import expose_ports, publish_ports
from cloudshell_docker.options.values.reference import parse_image_reference
from cloudshell_docker.run.flags import DOCKER_FLAGS, DockerFlag, docker_flag
from cloudshell_docker.run.spec import ParsedRun, PullPolicy, RunSpec

__all__ = ["CONSUMED_FLAGS", "DEFAULT_DAEMON_HOST", "TranslateContext", "translate"]

DEFAULT_DAEMON_HOST = "unix:///var/run/docker.sock"
_PROXY_VARIABLES = (("HTTP_PROXY", "httpProxy"), ("HTTPS_PROXY", "httpsProxy"), ("NO_PROXY", "noProxy"),
                    ("FTP_PROXY", "ftpProxy"), ("ALL_PROXY", "allProxy"))


@dataclass(frozen=True)
class TranslateContext:
    """What translation may consult besides argv: the caller's environment
    (``-e NAME`` without a value, proxies) and working directory (relative ``-v``)."""

    environ: Mapping[str, str] = field(default_factory=dict)
    cwd: str = "/"
    docker_config_dir: str | None = None  # for the proxies of config.json
    # The engine's address as the docker CLI names it (the key of config.json's
    # "proxies"; the socket --use-api-socket mounts). None: DOCKER_HOST, else the default socket.
    daemon_host: str | None = None

    def host(self) -> str:
        return self.daemon_host or self.environ.get("DOCKER_HOST") or DEFAULT_DAEMON_HOST

    def config_dir(self) -> str:
        if self.docker_config_dir:
            return self.docker_config_dir
        if self.environ.get("DOCKER_CONFIG"):
            return self.environ["DOCKER_CONFIG"]
        return os.path.join(self.environ.get("HOME") or os.path.expanduser("~"), ".docker")

    def path(self, name: str) -> str:
        return name if os.path.isabs(name) else os.path.join(self.cwd, name)


class _Flags:
    """The typed flags, converted: last value of a single flag, every value of a list flag."""

    def __init__(self, parsed: ParsedRun) -> None:
        self.values: dict[str, list[Any]] = {}
        for name, raw in parsed.flags:
            flag = docker_flag(name)
            text = "true" if raw is True else str(raw)
            try:
                value = flag.kind.convert(text)
            except GoValueError as err:  # parse_run_args checked already; a hand-made ParsedRun may not be
                message = f"invalid argument {go_quote(text)} for {go_quote(flag.display)} flag: {err}"
                raise UsageError(message) from None
            self.values.setdefault(name, []).append(value)

    def given(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str, default: Any = None) -> Any:
        values = self.values.get(name)
        return values[-1] if values else default

    def all(self, name: str) -> list[Any]:
        return list(self.values.get(name, []))


def _fail(message: str, exit_code: ExitCode = ExitCode.DOCKER) -> UsageError:
    return UsageError(message, exit_code=exit_code)


def _skeleton(image: str, command: tuple[str, ...]) -> dict[str, Any]:
    """The body with every field at the value the CLI sends when no flag is given."""
    return {
        "Hostname": "", "Domainname": "", "User": "",
        "AttachStdin": False, "AttachStdout": True, "AttachStderr": True,
        "Tty": False, "OpenStdin": False, "StdinOnce": False,
        "Env": None, "Cmd": list(command) or None, "Image": image, "Volumes": {},
        "WorkingDir": "", "Entrypoint": None, "OnBuild": None, "Labels": {},
        "HostConfig": {
            "Binds": None, "ContainerIDFile": "", "LogConfig": {"Type": "", "Config": {}},
            "NetworkMode": "default", "PortBindings": {}, "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
            "AutoRemove": False, "VolumeDriver": "", "VolumesFrom": None, "ConsoleSize": [0, 0],
            "CapAdd": None, "CapDrop": None, "CgroupnsMode": "", "Dns": [], "DnsOptions": [], "DnsSearch": [],
            "ExtraHosts": None, "GroupAdd": None, "IpcMode": "", "Cgroup": "", "Links": None, "OomScoreAdj": 0,
            "PidMode": "", "Privileged": False, "PublishAllPorts": False, "ReadonlyRootfs": False,
            "SecurityOpt": None, "UTSMode": "", "UsernsMode": "", "ShmSize": 0, "Isolation": "",
            "CpuShares": 0, "Memory": 0, "NanoCpus": 0, "CgroupParent": "", "BlkioWeight": 0,
            "BlkioWeightDevice": [], "BlkioDeviceReadBps": [], "BlkioDeviceWriteBps": [],
            "BlkioDeviceReadIOps": [], "BlkioDeviceWriteIOps": [], "CpuPeriod": 0, "CpuQuota": 0,
            "CpuRealtimePeriod": 0, "CpuRealtimeRuntime": 0, "CpusetCpus": "", "CpusetMems": "",
            "Devices": [], "DeviceCgroupRules": None, "DeviceRequests": None, "MemoryReservation": 0,
            "MemorySwap": 0, "MemorySwappiness": -1, "OomKillDisable": False, "PidsLimit": 0, "Ulimits": [],
            "CpuCount": 0, "CpuPercent": 0, "IOMaximumIOps": 0, "IOMaximumBandwidth": 0,
            "MaskedPaths": None, "ReadonlyPaths": None,
        },
        "NetworkingConfig": {"EndpointsConfig": {}},
    }


# Go's omitempty: these go only when set (a pointer field goes whenever it is not nil).
_OMIT_EMPTY = (("ExposedPorts",), ("Healthcheck",), ("MacAddress",), ("StopSignal",),
               ("HostConfig", "KernelMemory"), ("HostConfig", "Annotations"), ("HostConfig", "StorageOpt"),
               ("HostConfig", "Tmpfs"), ("HostConfig", "Sysctls"), ("HostConfig", "Runtime"),
               ("HostConfig", "Mounts"))
_OMIT_NIL = (("StopTimeout",), ("HostConfig", "Init"))


def _set_path(body: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[part]
    node[last] = value


def _direct_path(flag: DockerFlag) -> str:
    target = flag.target.split(";")[0].split(" ")[0]
    return target.removeprefix("Config.")


# What each builder reads; a test holds that together they consume every flag of the table.
_BUILDERS: list[tuple[frozenset[str], Callable[..., None]]] = []


def _builder(*names: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(func: Callable[..., None]) -> Callable[..., None]:
        _BUILDERS.append((frozenset(names), func))
        return func

    return register


@dataclass
class _State:
    flags: _Flags
    context: TranslateContext
    body: dict[str, Any]
    parsed: ParsedRun
    client: dict[str, Any] = field(default_factory=dict)
    proxy_env: list[str] = field(default_factory=list)

    @property
    def host_config(self) -> dict[str, Any]:
        return self.body["HostConfig"]


@_builder("--pull")
def _pull(state: _State) -> None:
    pull = state.flags.get("--pull", "missing")
    if pull not in ("always", "missing", "never", ""):
        raise _fail(f'invalid pull option: \'{pull}\': must be one of "always", "missing" or "never"')
    # "" is accepted by the CLI and then pulls never (neither "always" nor "missing").
    state.client["pull"] = pull or "never"


def _docker_config(context: TranslateContext) -> dict[str, Any]:
    try:
        with open(os.path.join(context.config_dir(), "config.json"), encoding="utf-8") as handle:
            loaded = json.load(handle)
    except (OSError, ValueError):
        return {}  # the CLI warns and goes on with an empty configuration
    return loaded if isinstance(loaded, dict) else {}


@_builder("--env")
def _env_with_proxies(state: _State) -> None:
    """-e values (a bare NAME takes the caller's value) merged with config.json's proxies, as a map."""
    environ = state.context.environ
    merged: dict[str, str | None] = {}
    for entry in state.flags.all("--env"):
        key, sep, value = entry.partition("=")
        if not sep and key in environ:
            entry, sep, value = f"{key}={environ[key]}", "=", environ[key]
        merged[key] = value if sep else None
    proxies_by_host = _docker_config(state.context).get("proxies") or {}
    host = state.context.host()
    proxies = proxies_by_host.get(host if host in proxies_by_host else "default") or {}
    for variable, key in _PROXY_VARIABLES:
        value = proxies.get(key) or ""
        if not value:
            continue
        merged.setdefault(variable, value)
        merged.setdefault(variable.lower(), value)
    state.proxy_env = [key if value is None else f"{key}={value}" for key, value in merged.items()]


@_builder("--mac-address")
def _check_mac(state: _State) -> None:
    mac = state.flags.get("--mac-address", "")
    if mac and not go_parse_mac(mac.strip()):
        raise _fail(f"{mac} is not a valid mac address")


@_builder("--memory-swappiness")
def _swappiness(state: _State) -> None:
    swappiness = state.flags.get("--memory-swappiness", -1)
    if swappiness != -1 and not 0 <= swappiness <= 100:
        raise _fail(f"invalid value: {swappiness}. Valid memory swappiness range is 0-100")
    state.host_config["MemorySwappiness"] = swappiness


@_builder("--volume")
def _volumes(state: _State) -> None:
    binds: list[str] = []
    volumes: dict[str, dict[str, Any]] = {}
    for spec in dict.fromkeys(state.flags.all("--volume")):
        try:
            has_source, kind = volume_is_bind(spec)
        except GoValueError as err:
            raise _fail(str(err)) from None
        if not has_source:
            volumes[spec] = {}
            continue
        bind = spec
        if kind == "bind":
            host_part, sep, target = spec.partition(":")
            if sep:
                bind = absolute_host_path(host_part, state.context.cwd) + ":" + target
        binds.append(bind)
    state.body["Volumes"] = volumes
    state.host_config["Binds"] = binds or None


@_builder("--tmpfs")
def _tmpfs(state: _State) -> None:
    tmpfs = {}
    for entry in state.flags.all("--tmpfs"):
        path, _, options = entry.partition(":")
        tmpfs[path] = options
    state.host_config["Tmpfs"] = tmpfs


@_builder("--entrypoint")
def _entrypoint(state: _State) -> None:
    if state.flags.given("--entrypoint"):
        entrypoint = state.flags.get("--entrypoint")
        state.body["Entrypoint"] = [entrypoint]  # "" too: --entrypoint '' resets the image's entrypoint


@_builder("--publish", "--expose")
def _ports(state: _State) -> None:
    try:
        exposed, bindings = publish_ports(state.flags.all("--publish"))
        expose_ports(state.flags.all("--expose"), exposed)
    except GoValueError as err:
        raise _fail(str(err)) from None
    state.body["ExposedPorts"] = exposed
    state.host_config["PortBindings"] = bindings


@_builder("--device")
def _devices(state: _State) -> None:
    mappings = []
    cdi_names = []
    for device in state.flags.all("--device"):
        if is_cdi_device_name(device):
            cdi_names.append(device)
            continue
        try:
            mappings.append(parse_linux_device(device))
        except GoValueError as err:
            raise _fail(str(err)) from None
    state.host_config["Devices"] = mappings
    state.client["cdi_devices"] = cdi_names


@_builder("--env-file")
def _env(state: _State) -> None:
    environ = state.context.environ
    lines: list[str] = []
    for path in state.flags.all("--env-file"):
        try:
            lines.extend(read_kv_file(path, state.context.cwd, environ.get))
        except GoValueError as err:
            raise _fail(str(err)) from None
    state.body["Env"] = (lines + state.proxy_env) or None


@_builder("--label", "--label-file")
def _labels(state: _State) -> None:
    lines: list[str] = []
    for path in state.flags.all("--label-file"):
        try:
            lines.extend(read_kv_file(path, state.context.cwd, None))
        except GoValueError as err:
            raise _fail(str(err)) from None
    labels: dict[str, str] = {}
    for entry in lines + state.flags.all("--label"):
        key, _, value = entry.partition("=")
        labels[key] = value
    state.body["Labels"] = labels


def _container_mode(value: str) -> tuple[bool, str]:
    kind, sep, name = value.partition(":")
    return (sep != "" and kind == "container"), name


@_builder("--pid", "--uts", "--userns", "--cgroupns")
def _namespaces(state: _State) -> None:
    pid = state.flags.get("--pid", "")
    is_container, name = _container_mode(pid)
    if not (pid in ("", "host") or (is_container and name)):
        raise _fail("--pid: invalid PID mode")
    uts = state.flags.get("--uts", "")
    if uts not in ("", "host"):
        raise _fail("--uts: invalid UTS mode")
    userns = state.flags.get("--userns", "")
    if userns not in ("", "host"):
        raise _fail("--userns: invalid USER mode")
    cgroupns = state.flags.get("--cgroupns", "")
    if cgroupns not in ("", "host", "private"):
        raise _fail("--cgroupns: invalid CGROUP mode")
    state.host_config.update(PidMode=pid, UTSMode=uts, UsernsMode=userns, CgroupnsMode=cgroupns)


@_builder("--restart")
def _restart(state: _State) -> None:
    policy = state.flags.get("--restart", "no")
    if policy == "":
        state.host_config["RestartPolicy"] = {"Name": "", "MaximumRetryCount": 0}
        return
    name, sep, count = policy.partition(":")
    if sep and name == "":
        raise _fail("invalid restart policy format: no policy provided before colon")
    retries = 0
    if count:
        try:
            retries = go_atoi(count)
        except GoValueError:
            raise _fail("invalid restart policy format: maximum retry count must be an integer") from None
    state.host_config["RestartPolicy"] = {"Name": name, "MaximumRetryCount": retries}


@_builder("--log-driver", "--log-opt")
def _logging(state: _State) -> None:
    driver = state.flags.get("--log-driver", "")
    options = state.flags.all("--log-opt")
    if driver == "none" and options:
        raise _fail(f"invalid logging opts for driver {driver}")
    config = {}
    for entry in options:
        key, _, value = entry.partition("=")
        config[key] = value
    state.host_config["LogConfig"] = {"Type": driver, "Config": config}


@_builder("--security-opt")
def _security(state: _State) -> None:
    options = state.flags.all("--security-opt")
    result = []
    for option in options:
        key, sep, value = option.partition("=")
        if not sep and key != "no-new-privileges":
            key, sep, value = option.partition(":")
        if (not sep or value == "") and key != "no-new-privileges":
            raise _fail(f"Invalid --security-opt: {go_quote(option)}")
        if key == "seccomp" and value not in ("builtin", "unconfined"):
            try:
                with open(state.context.path(value), "rb") as handle:
                    content = handle.read()
            except OSError as err:
                raise _fail(f"opening seccomp profile ({value}) failed: {go_os_error('open', value, err)}") from None
            try:
                option = "seccomp=" + go_json_compact(content)
            except GoValueError as err:
                raise _fail(f"compacting json for seccomp profile ({value}) failed: {err}") from None
        result.append(option)
    unconfined = "systempaths=unconfined" in result
    filtered = [option for option in result if option != "systempaths=unconfined"]
    # A Go slice filtered in place stays non-nil: [] when every option was removed.
    state.host_config["SecurityOpt"] = filtered if options else None
    if unconfined:
        state.host_config["MaskedPaths"] = []
        state.host_config["ReadonlyPaths"] = []


@_builder("--storage-opt")
def _storage(state: _State) -> None:
    options = {}
    for entry in state.flags.all("--storage-opt"):
        key, sep, value = entry.partition("=")
        if not sep:
            raise _fail("invalid storage option")
        options[key] = value
    state.host_config["StorageOpt"] = options


_HEALTH = ("--health-cmd", "--health-interval", "--health-timeout", "--health-start-period", "--health-retries",
           "--health-start-interval")


@_builder(*_HEALTH, "--no-healthcheck")
def _health(state: _State) -> None:
    flags = state.flags
    command = flags.get("--health-cmd", "")
    interval = flags.get("--health-interval", 0)
    timeout = flags.get("--health-timeout", 0)
    start_period = flags.get("--health-start-period", 0)
    start_interval = flags.get("--health-start-interval", 0)
    retries = flags.get("--health-retries", 0)
    have_settings = bool(command or interval or timeout or start_period or retries or start_interval)
    if flags.get("--no-healthcheck", False):
        if have_settings:
            raise _fail("--no-healthcheck conflicts with --health-* options")
        state.body["Healthcheck"] = {"Test": ["NONE"]}
        return
    if not have_settings:
        return
    for name, value in (("--health-interval", interval), ("--health-timeout", timeout),
                        ("--health-retries", retries), ("--health-start-period", start_period),
                        ("--health-start-interval", start_interval)):
        if value < 0:
            raise _fail(f"{name} cannot be negative")
    check: dict[str, Any] = {}
    if command:
        check["Test"] = ["CMD-SHELL", command]
    for key, value in (("Interval", interval), ("Timeout", timeout), ("StartPeriod", start_period),
                       ("StartInterval", start_interval), ("Retries", retries)):
        if value:
            check[key] = value
    state.body["Healthcheck"] = check


@_builder("--gpus")
def _device_requests(state: _State) -> None:
    requests = state.flags.all("--gpus")
    cdi_names = state.client.pop("cdi_devices", [])
    if cdi_names:
        requests.append({"Driver": "cdi", "Count": 0, "DeviceIDs": cdi_names, "Capabilities": None, "Options": None})
    state.host_config["DeviceRequests"] = requests or None


def _list_or_nil(values: list[Any]) -> list[Any] | None:
    return values or None


@_builder("--add-host", "--volumes-from", "--group-add", "--device-cgroup-rule", "--link",
          "--dns", "--dns-search", "--dns-option", "--blkio-weight-device", "--device-read-bps",
          "--device-write-bps", "--device-read-iops", "--device-write-iops", "--sysctl", "--annotation",
          "--ulimit", "--mount", "--cap-add", "--cap-drop")
def _lists(state: _State) -> None:
    flags, host = state.flags, state.host_config
    host["ExtraHosts"] = _list_or_nil(flags.all("--add-host"))
    host["VolumesFrom"] = _list_or_nil(flags.all("--volumes-from"))
    host["GroupAdd"] = _list_or_nil(flags.all("--group-add"))
    host["DeviceCgroupRules"] = _list_or_nil(flags.all("--device-cgroup-rule"))
    host["Links"] = _list_or_nil(flags.all("--link"))
    host["Dns"] = flags.all("--dns")
    host["DnsSearch"] = flags.all("--dns-search")
    host["DnsOptions"] = flags.all("--dns-option")
    host["BlkioWeightDevice"] = flags.all("--blkio-weight-device")
    host["BlkioDeviceReadBps"] = flags.all("--device-read-bps")
    host["BlkioDeviceWriteBps"] = flags.all("--device-write-bps")
    host["BlkioDeviceReadIOps"] = flags.all("--device-read-iops")
    host["BlkioDeviceWriteIOps"] = flags.all("--device-write-iops")
    for name, key in (("--sysctl", "Sysctls"), ("--annotation", "Annotations")):
        mapping = {}
        for entry in flags.all(name):
            item_key, _, item_value = entry.partition("=")
            mapping[item_key] = item_value
        host[key] = mapping
    ulimits: dict[str, dict[str, Any]] = {}
    for ulimit in flags.all("--ulimit"):
        ulimits[ulimit["Name"]] = ulimit
    host["Ulimits"] = [ulimits[name] for name in sorted(ulimits)]
    mounts = []
    for mount in flags.all("--mount"):
        if "Source" in mount:
            mount = {**mount, "Source": absolute_host_path(mount["Source"], state.context.cwd)}
        mounts.append(mount)
    host["Mounts"] = mounts
    # The API client upper-cases, prefixes CAP_, de-duplicates and sorts (ALL stays ALL).
    for name, key in (("--cap-add", "CapAdd"), ("--cap-drop", "CapDrop")):
        caps = {_normalize_cap(cap) for cap in flags.all(name)}
        host[key] = sorted(caps) or None


def _normalize_cap(cap: str) -> str:
    cap = cap.upper()
    return cap if cap == "ALL" or cap.startswith("CAP_") else "CAP_" + cap


_DIRECT = tuple(flag for flag in DOCKER_FLAGS if flag.direct)


@_builder(*(flag.name for flag in _DIRECT))
def _direct(state: _State) -> None:
    for flag in _DIRECT:
        if state.flags.given(flag.name):
            _set_path(state.body, _direct_path(flag), state.flags.get(flag.name))


@_builder("--rm", "--init")
def _rm_and_init(state: _State) -> None:
    auto_remove = state.flags.get("--rm", False)
    restart = state.host_config["RestartPolicy"]["Name"]
    if auto_remove and restart not in ("no", ""):
        raise _fail("conflicting options: cannot specify both --restart and --rm")
    if state.flags.given("--init"):
        state.host_config["Init"] = state.flags.get("--init")


@_builder("--attach", "--interactive")
def _streams(state: _State) -> None:
    attach = state.flags.all("--attach")
    stdin = state.flags.get("--interactive", False)
    body = state.body
    body["OpenStdin"] = stdin
    body["AttachStdin"] = "stdin" in attach or stdin
    body["AttachStdout"] = "stdout" in attach or not attach
    body["AttachStderr"] = "stderr" in attach or not attach
    body["StdinOnce"] = bool(stdin and body["AttachStdin"])


def _is_user_defined(mode: str) -> bool:
    return mode not in ("default", "bridge", "host", "none") and not _container_mode(mode)[0]


def _network_name(mode: str) -> str:
    if _container_mode(mode)[0]:
        return "container"
    return mode


_EMPTY_ENDPOINT = {"IPAMConfig": None, "Links": None, "Aliases": None, "MacAddress": "", "DriverOpts": None,
                   "GwPriority": 0}


@_builder("--network", "--network-alias", "--ip", "--ip6", "--link-local-ip")
def _networks(state: _State) -> None:
    flags = state.flags
    attachments: list[NetworkAttachment] = flags.all("--network")
    aliases = flags.all("--network-alias")
    links = flags.all("--link")
    ipv4 = flags.get("--ip", "")
    ipv6 = flags.get("--ip6", "")
    mac = flags.get("--mac-address", "")
    link_local = flags.all("--link-local-ip")

    def apply_container_options(att: NetworkAttachment) -> dict[str, Any]:
        conflicts = (
            (att.aliases, aliases, "--network-alias and per-network alias"),
            (None, links, "--link and per-network links"),
            (att.ipv4_address, ipv4, "--ip and per-network IPv4 address"),
            (att.ipv6_address, ipv6, "--ip6 and per-network IPv6 address"),
            (att.mac_address, mac, "--mac-address and per-network MAC address"),
            (att.link_local_ips, link_local, "--link-local-ip and per-network link-local IP addresses"),
        )
        for per_network, global_value, what in conflicts:
            if per_network and global_value:
                raise _fail(f"conflicting options: cannot specify both {what}")
        return {
            "target": att.target,
            "aliases": list(aliases) if aliases else list(att.aliases or ()),
            "links": list(links) if _is_user_defined(att.target) and links else [],
            "ipv4": ipv4 or att.ipv4_address,
            "ipv6": ipv6 or att.ipv6_address,
            "mac": mac or att.mac_address,
            "link_local": list(link_local) if link_local else list(att.link_local_ips or ()),
            "driver_opts": dict(att.driver_opts) if att.driver_opts else {},
            "gw_priority": att.gw_priority,
        }

    def plain(att: NetworkAttachment) -> dict[str, Any]:
        return {"target": att.target, "aliases": list(att.aliases or ()), "links": [], "ipv4": att.ipv4_address,
                "ipv6": att.ipv6_address, "mac": att.mac_address, "link_local": list(att.link_local_ips or ()),
                "driver_opts": dict(att.driver_opts) if att.driver_opts else {}, "gw_priority": att.gw_priority}

    def endpoint(spec: dict[str, Any]) -> dict[str, Any]:
        if not spec["target"].strip():
            raise _fail("no name set for network")
        if not _is_user_defined(spec["target"]):
            if spec["aliases"]:
                raise _fail("network-scoped aliases are only supported for user-defined networks")
            if spec["links"]:
                raise _fail("links are only supported for user-defined networks")
        settings = dict(_EMPTY_ENDPOINT, GwPriority=spec["gw_priority"])
        settings["Aliases"] = spec["aliases"] or None
        settings["DriverOpts"] = spec["driver_opts"] or None
        settings["Links"] = spec["links"] or None
        if spec["ipv4"] or spec["ipv6"] or spec["link_local"]:
            ipam: dict[str, Any] = {}
            if spec["ipv4"]:
                ipam["IPv4Address"] = spec["ipv4"]
            if spec["ipv6"]:
                ipam["IPv6Address"] = spec["ipv6"]
            if spec["link_local"]:
                ipam["LinkLocalIPs"] = spec["link_local"]
            settings["IPAMConfig"] = ipam
        if spec["mac"]:
            if not go_parse_mac(spec["mac"].strip()):
                raise _fail(f"{spec['mac']} is not a valid mac address")
            settings["MacAddress"] = spec["mac"]
        return settings

    endpoints: dict[str, dict[str, Any]] = {}
    if not attachments:
        endpoints["default"] = endpoint(apply_container_options(NetworkAttachment(target="default")))
    has_user_defined = has_other = False
    for index, attachment in enumerate(attachments):
        if _is_user_defined(attachment.target):
            has_user_defined = True
        else:
            has_other = True
        spec = apply_container_options(attachment) if index == 0 else plain(attachment)
        settings = endpoint(spec)
        if attachment.target in endpoints:
            raise _fail(f"network {go_quote(attachment.target)} is specified multiple times")
        if index == 0 and len(attachments) == 1 and settings == _EMPTY_ENDPOINT:
            continue  # a lone plain --network sends no endpoint settings
        endpoints[attachment.target] = settings
    if has_user_defined and has_other:
        raise _fail("conflicting options: cannot attach both user-defined and non-user-defined network-modes")
    full = {"NetworkID": "", "EndpointID": "", "Gateway": "", "IPAddress": "", "IPPrefixLen": 0, "IPv6Gateway": "",
            "GlobalIPv6Address": "", "GlobalIPv6PrefixLen": 0, "DNSNames": None}
    state.body["NetworkingConfig"] = {"EndpointsConfig": {name: {**settings, **full}
                                                          for name, settings in endpoints.items()}}
    mode = attachments[0].target if attachments else "default"
    state.host_config["NetworkMode"] = mode
    main = endpoints.get(_network_name(mode))
    state.body["MacAddress"] = main["MacAddress"] if main else ""


@_builder("--detach")
def _detach(state: _State) -> None:
    detach = state.flags.get("--detach", False)
    state.client["detach"] = detach
    if detach:
        if state.flags.all("--attach"):
            raise _fail("conflicting options: cannot specify both --attach and --detach", ExitCode.ERROR)
        state.body.update(AttachStdin=False, AttachStdout=False, AttachStderr=False, StdinOnce=False)


@_builder("--disable-content-trust")
def _image(state: _State) -> None:
    image = state.parsed.image
    try:
        reference = parse_image_reference(image)
    except GoValueError as err:
        raise _fail(str(err)) from None
    trust_env = state.context.environ.get("DOCKER_CONTENT_TRUST", "")
    trusted_by_default = False
    if trust_env:
        try:
            trusted_by_default = go_parse_bool(trust_env)
        except GoValueError:
            trusted_by_default = True
    untrusted = state.flags.get("--disable-content-trust", not trusted_by_default)
    if reference.named and reference.tagged and not untrusted:
        raise _fail("content trust (image signature verification, DOCKER_CONTENT_TRUST or "
                    "--disable-content-trust=false) is not supported by csdocker")


@_builder("--use-api-socket")
def _api_socket(state: _State) -> None:
    if not state.flags.get("--use-api-socket", False):
        return
    host = state.context.host()
    if not host.startswith("unix://"):
        raise _fail(f"flag --use-api-socket can only be used with unix sockets: docker endpoint {host} incompatible")
    mounts = state.host_config.get("Mounts") or []
    mounts.append({"Type": "bind", "Source": host.removeprefix("unix://"), "Target": "/var/run/docker.sock",
                   "BindOptions": {}})
    state.host_config["Mounts"] = mounts
    env = state.body.get("Env") or []
    if any(entry.startswith("DOCKER_CONFIG=") for entry in env):
        return
    config = _docker_config(state.context)
    has_credentials = bool(state.context.environ.get("DOCKER_AUTH_CONFIG") or config.get("auths")
                           or config.get("credsStore") or config.get("credHelpers"))
    if has_credentials:
        # The CLI resolves them (credential helpers included) and copies a config.json
        # into the container after creating it; csdocker does not run credential helpers.
        raise _fail("--use-api-socket: copying the docker config's registry credentials into the container is not "
                    "supported by csdocker; add -e DOCKER_CONFIG=DIR to mount the socket without them")


@_builder("--platform")
def _platform(state: _State) -> None:
    platform = state.flags.get("--platform", state.context.environ.get("DOCKER_DEFAULT_PLATFORM", ""))
    if not platform:
        state.client["platform"] = None
        return
    try:
        state.client["platform"] = normalize_platform(platform)
    except GoValueError as err:
        raise _fail(str(err)) from None


# Client-side flags that change no field of the body: RunSpec reads them below.
_CLIENT_ONLY = frozenset({"--cidfile", "--detach-keys", "--help", "--name", "--quiet", "--sig-proxy"})

CONSUMED_FLAGS: frozenset[str] = frozenset().union(*(names for names, _ in _BUILDERS)) | _CLIENT_ONLY


def _omit_empty(body: dict[str, Any]) -> None:
    for path in _OMIT_EMPTY:
        node = body
        for part in path[:-1]:
            node = node[part]
        if path[-1] in node and node[path[-1]] in ("", 0, None, {}, [], False):
            del node[path[-1]]
    for path in _OMIT_NIL:
        node = body
        for part in path[:-1]:
            node = node[part]
        if path[-1] in node and node[path[-1]] is None:
            del node[path[-1]]


def translate(parsed: ParsedRun, context: TranslateContext) -> RunSpec:
    """The RunSpec the docker CLI would act on; UsageError (exit 125) for a bad value."""
    state = _State(flags=_Flags(parsed), context=context, body=_skeleton(parsed.image, parsed.command),
                   parsed=parsed)
    for _names, build in _BUILDERS:
        build(state)
    _omit_empty(state.body)
    flags, client, body = state.flags, state.client, state.body
    pull: PullPolicy = client["pull"]
    return RunSpec(
        image=parsed.image,
        config=body,
        name=flags.get("--name") or None,
        platform=client["platform"],
        detach=client["detach"],
        interactive=body["OpenStdin"],
        tty=body["Tty"],
        attach_stdin=body["AttachStdin"],
        attach_stdout=body["AttachStdout"],
        attach_stderr=body["AttachStderr"],
        auto_remove=body["HostConfig"]["AutoRemove"],
        sig_proxy=flags.get("--sig-proxy", True),
        detach_keys=flags.get("--detach-keys") or None,
        cidfile=flags.get("--cidfile") or None,
        pull=pull,
        quiet=flags.get("--quiet", False),
        flags_given=frozenset(flags.values),
    )
