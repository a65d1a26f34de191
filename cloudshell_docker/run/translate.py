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

The translation is a pipeline: ``STEPS`` runs in order (the CLI's order of checks),
each step reading the flags it consumes and filling its fields of the body; what
one step hands to a later one is a typed field of ``_Translation``, and each step
declares the fields it reads and writes (a test holds that a field is written
before it is read).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.options.pflag import FlagValues
from cloudshell_docker.options.values.gocompat import GoValueError, go_atoi, go_parse_bool, go_parse_mac, go_quote
from cloudshell_docker.options.values.kvfile import go_os_error, read_kv_file
from cloudshell_docker.options.values.network import NetworkAttachment, container_mode_target
from cloudshell_docker.options.values.platform import normalize_platform
from cloudshell_docker.options.values.ports import expose_ports, publish_ports
from cloudshell_docker.options.values.reference import parse_image
from cloudshell_docker.run.endpoints import ContainerNetworkFlags, endpoints_config, main_endpoint_name
from cloudshell_docker.run.flags import DOCKER_FLAGS, DockerFlag
from cloudshell_docker.run.spec import ParsedRun, PullPolicy, RunSpec

__all__ = ["CONSUMED_FLAGS", "DEFAULT_DAEMON_HOST", "STEPS", "Step", "TranslateContext", "translate"]

DEFAULT_DAEMON_HOST = "unix:///var/run/docker.sock"
_PROXY_VARIABLES = (("HTTP_PROXY", "httpProxy"), ("HTTPS_PROXY", "httpsProxy"), ("NO_PROXY", "noProxy"),
                    ("FTP_PROXY", "ftpProxy"), ("ALL_PROXY", "allProxy"))


@dataclass(frozen=True)
class TranslateContext:
    """What translation may consult besides argv: the caller's environment
    (``-e NAME`` without a value, proxies) and working directory (relative ``-v``)."""

    environ: Mapping[str, str] = field(default_factory=dict)
    cwd: str = "/"
    # config.json as the engine's endpoint loaded it (engine.endpoint): its proxies and registry auths.
    docker_config: Mapping[str, Any] = field(default_factory=dict)
    # The engine's address as the docker CLI names it (the key of config.json's
    # "proxies"; the socket --use-api-socket mounts). None: DOCKER_HOST, else the default socket.
    daemon_host: str | None = None

    def host(self) -> str:
        return self.daemon_host or self.environ.get("DOCKER_HOST") or DEFAULT_DAEMON_HOST

    def path(self, name: str) -> str:
        return name if os.path.isabs(name) else os.path.join(self.cwd, name)


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


@dataclass
class _Translation:
    """What the steps share: their inputs, the body they fill, and what one step hands to a later one.

    For each field handed on, ``STEPS`` names the step that writes it and the steps that read it.
    """

    flags: FlagValues  # the parser's converted values, read by type
    context: TranslateContext
    parsed: ParsedRun
    body: dict[str, Any]
    pull: PullPolicy = "missing"
    env_flags: list[str] = field(default_factory=list)  # -e values merged with config.json's proxies
    env: list[str] = field(default_factory=list)  # Config.Env: the --env-file lines, then env_flags
    cdi_devices: list[str] = field(default_factory=list)  # --device values that name CDI devices
    restart: str = "no"  # the --restart policy's name
    mounts: list[dict[str, Any]] = field(default_factory=list)  # HostConfig.Mounts
    detach: bool = False
    platform: str | None = None

    @property
    def host_config(self) -> dict[str, Any]:
        host_config: dict[str, Any] = self.body["HostConfig"]
        return host_config


# "" is accepted by the CLI and then pulls never (neither "always" nor "missing").
_PULL_POLICIES: dict[str, PullPolicy] = {"always": "always", "missing": "missing", "never": "never", "": "never"}


def _pull(state: _Translation) -> None:
    pull = state.flags.text("--pull", "missing")
    if pull not in _PULL_POLICIES:
        raise _fail(f'invalid pull option: \'{pull}\': must be one of "always", "missing" or "never"')
    state.pull = _PULL_POLICIES[pull]


def _env_and_proxies(state: _Translation) -> None:
    """-e values (a bare NAME takes the caller's value) merged with config.json's proxies, as a map."""
    environ = state.context.environ
    merged: dict[str, str | None] = {}
    for entry in state.flags.texts("--env"):
        key, sep, value = entry.partition("=")
        if not sep and key in environ:
            entry, sep, value = f"{key}={environ[key]}", "=", environ[key]
        merged[key] = value if sep else None
    proxies_by_host = state.context.docker_config.get("proxies") or {}
    host = state.context.host()
    proxies = proxies_by_host.get(host if host in proxies_by_host else "default") or {}
    for variable, key in _PROXY_VARIABLES:
        value = proxies.get(key) or ""
        if not value:
            continue
        merged.setdefault(variable, value)
        merged.setdefault(variable.lower(), value)
    state.env_flags = [key if value is None else f"{key}={value}" for key, value in merged.items()]


def _check_mac(state: _Translation) -> None:
    mac = state.flags.text("--mac-address")
    if mac and not go_parse_mac(mac.strip()):
        raise _fail(f"{mac} is not a valid mac address")


def _swappiness(state: _Translation) -> None:
    swappiness = state.flags.number("--memory-swappiness", -1)
    if swappiness != -1 and not 0 <= swappiness <= 100:
        raise _fail(f"invalid value: {swappiness}. Valid memory swappiness range is 0-100")
    state.host_config["MemorySwappiness"] = swappiness


# Start-up time: the value modules that only some flags need (mounts: five dataclasses; jsoncompact) are
# imported by the step that meets such a flag (inside its loop), not by every run's start-up.


def _volumes(state: _Translation) -> None:
    binds: list[str] = []
    volumes: dict[str, dict[str, Any]] = {}
    for spec in dict.fromkeys(state.flags.texts("--volume")):
        from cloudshell_docker.options.values.mounts import absolute_host_path, volume_is_bind

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


def _tmpfs(state: _Translation) -> None:
    tmpfs = {}
    for entry in state.flags.texts("--tmpfs"):
        path, _, options = entry.partition(":")
        tmpfs[path] = options
    state.host_config["Tmpfs"] = tmpfs


def _entrypoint(state: _Translation) -> None:
    if state.flags.given("--entrypoint"):
        # "" too: --entrypoint '' resets the image's entrypoint
        state.body["Entrypoint"] = [state.flags.text("--entrypoint")]


def _ports(state: _Translation) -> None:
    try:
        exposed, bindings = publish_ports(state.flags.texts("--publish"))
        expose_ports(state.flags.texts("--expose"), exposed)
    except GoValueError as err:
        raise _fail(str(err)) from None
    state.body["ExposedPorts"] = exposed
    state.host_config["PortBindings"] = bindings


def _devices(state: _Translation) -> None:
    mappings = []
    cdi_names = []
    for device in state.flags.texts("--device"):
        from cloudshell_docker.options.values.mounts import is_cdi_device_name, parse_linux_device

        if is_cdi_device_name(device):
            cdi_names.append(device)
            continue
        try:
            mappings.append(parse_linux_device(device))
        except GoValueError as err:
            raise _fail(str(err)) from None
    state.host_config["Devices"] = mappings
    state.cdi_devices = cdi_names


def _env_files(state: _Translation) -> None:
    environ = state.context.environ
    lines: list[str] = []
    for path in state.flags.texts("--env-file"):
        try:
            lines.extend(read_kv_file(path, state.context.cwd, environ.get))
        except GoValueError as err:
            raise _fail(str(err)) from None
    state.env = lines + state.env_flags
    state.body["Env"] = state.env or None


def _labels(state: _Translation) -> None:
    lines: list[str] = []
    for path in state.flags.texts("--label-file"):
        try:
            lines.extend(read_kv_file(path, state.context.cwd, None))
        except GoValueError as err:
            raise _fail(str(err)) from None
    labels: dict[str, str] = {}
    for entry in lines + state.flags.texts("--label"):
        key, _, value = entry.partition("=")
        labels[key] = value
    state.body["Labels"] = labels


def _namespaces(state: _Translation) -> None:
    pid = state.flags.text("--pid")
    if not (pid in ("", "host") or container_mode_target(pid)):
        raise _fail("--pid: invalid PID mode")
    uts = state.flags.text("--uts")
    if uts not in ("", "host"):
        raise _fail("--uts: invalid UTS mode")
    userns = state.flags.text("--userns")
    if userns not in ("", "host"):
        raise _fail("--userns: invalid USER mode")
    cgroupns = state.flags.text("--cgroupns")
    if cgroupns not in ("", "host", "private"):
        raise _fail("--cgroupns: invalid CGROUP mode")
    state.host_config.update(PidMode=pid, UTSMode=uts, UsernsMode=userns, CgroupnsMode=cgroupns)


def _restart(state: _Translation) -> None:
    policy = state.flags.text("--restart", "no")
    name, sep, count = policy.partition(":")
    if sep and name == "":
        raise _fail("invalid restart policy format: no policy provided before colon")
    retries = 0
    if count:
        try:
            retries = go_atoi(count)
        except GoValueError:
            raise _fail("invalid restart policy format: maximum retry count must be an integer") from None
    state.restart = name
    state.host_config["RestartPolicy"] = {"Name": name, "MaximumRetryCount": retries}


def _logging(state: _Translation) -> None:
    driver = state.flags.text("--log-driver")
    options = state.flags.texts("--log-opt")
    if driver == "none" and options:
        raise _fail(f"invalid logging opts for driver {driver}")
    config = {}
    for entry in options:
        key, _, value = entry.partition("=")
        config[key] = value
    state.host_config["LogConfig"] = {"Type": driver, "Config": config}


def _security(state: _Translation) -> None:
    options = state.flags.texts("--security-opt")
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
            from cloudshell_docker.options.values.jsoncompact import go_json_compact

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


def _storage(state: _Translation) -> None:
    options = {}
    for entry in state.flags.texts("--storage-opt"):
        key, sep, value = entry.partition("=")
        if not sep:
            raise _fail("invalid storage option")
        options[key] = value
    state.host_config["StorageOpt"] = options


_HEALTH = ("--health-cmd", "--health-interval", "--health-timeout", "--health-start-period", "--health-retries",
           "--health-start-interval")


def _health(state: _Translation) -> None:
    flags = state.flags
    command = flags.text("--health-cmd")
    interval = flags.number("--health-interval")
    timeout = flags.number("--health-timeout")
    start_period = flags.number("--health-start-period")
    start_interval = flags.number("--health-start-interval")
    retries = flags.number("--health-retries")
    have_settings = bool(command or interval or timeout or start_period or retries or start_interval)
    if flags.switch("--no-healthcheck"):
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


def _device_requests(state: _Translation) -> None:
    requests = state.flags.all("--gpus")
    if state.cdi_devices:
        requests.append({"Driver": "cdi", "Count": 0, "DeviceIDs": list(state.cdi_devices), "Capabilities": None,
                         "Options": None})
    state.host_config["DeviceRequests"] = requests or None


def _list_or_nil(values: list[Any]) -> list[Any] | None:
    return values or None


def _lists(state: _Translation) -> None:
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
        for entry in flags.texts(name):
            item_key, _, item_value = entry.partition("=")
            mapping[item_key] = item_value
        host[key] = mapping
    ulimits: dict[str, dict[str, Any]] = {}
    for ulimit in flags.all("--ulimit"):
        ulimits[ulimit["Name"]] = ulimit
    host["Ulimits"] = [ulimits[name] for name in sorted(ulimits)]


def _mounts(state: _Translation) -> None:
    mounts = []
    for mount in state.flags.all("--mount"):
        from cloudshell_docker.options.values.mounts import absolute_host_path

        if "Source" in mount:
            mount = {**mount, "Source": absolute_host_path(mount["Source"], state.context.cwd)}
        mounts.append(mount)
    state.mounts = mounts
    state.host_config["Mounts"] = list(mounts)


def _capabilities(state: _Translation) -> None:
    # The API client upper-cases, prefixes CAP_, de-duplicates and sorts (ALL stays ALL).
    for name, key in (("--cap-add", "CapAdd"), ("--cap-drop", "CapDrop")):
        caps = {_normalize_cap(cap) for cap in state.flags.texts(name)}
        state.host_config[key] = sorted(caps) or None


def _normalize_cap(cap: str) -> str:
    cap = cap.upper()
    return cap if cap == "ALL" or cap.startswith("CAP_") else "CAP_" + cap


_DIRECT = tuple(flag for flag in DOCKER_FLAGS if flag.direct)


def _direct(state: _Translation) -> None:
    for flag in _DIRECT:
        if state.flags.given(flag.name):
            _set_path(state.body, _direct_path(flag), state.flags.last(flag.name))


def _rm_and_init(state: _Translation) -> None:
    if state.flags.switch("--rm") and state.restart not in ("no", ""):
        raise _fail("conflicting options: cannot specify both --restart and --rm")
    if state.flags.given("--init"):
        state.host_config["Init"] = state.flags.switch("--init")


def _streams(state: _Translation) -> None:
    attach = state.flags.texts("--attach")
    stdin = state.flags.switch("--interactive")
    body = state.body
    body["OpenStdin"] = stdin
    body["AttachStdin"] = "stdin" in attach or stdin
    body["AttachStdout"] = "stdout" in attach or not attach
    body["AttachStderr"] = "stderr" in attach or not attach
    body["StdinOnce"] = bool(stdin and body["AttachStdin"])


def _networks(state: _Translation) -> None:
    flags = state.flags
    attachments: list[NetworkAttachment] = flags.all("--network")
    container_wide = ContainerNetworkFlags(
        aliases=tuple(flags.texts("--network-alias")), links=tuple(flags.texts("--link")), ipv4=flags.text("--ip"),
        ipv6=flags.text("--ip6"), mac=flags.text("--mac-address"), link_local=tuple(flags.texts("--link-local-ip")))
    endpoints = endpoints_config(attachments, container_wide)
    state.body["NetworkingConfig"] = {"EndpointsConfig": endpoints}
    mode = attachments[0].target if attachments else "default"
    state.host_config["NetworkMode"] = mode
    main = endpoints.get(main_endpoint_name(mode))
    state.body["MacAddress"] = main["MacAddress"] if main else ""


def _detach(state: _Translation) -> None:
    state.detach = state.flags.switch("--detach")
    if state.detach:
        if state.flags.all("--attach"):
            raise _fail("conflicting options: cannot specify both --attach and --detach", ExitCode.ERROR)
        state.body.update(AttachStdin=False, AttachStdout=False, AttachStderr=False, StdinOnce=False)


def _image(state: _Translation) -> None:
    image = state.parsed.image
    try:
        reference = parse_image(image)
    except GoValueError as err:
        raise _fail(str(err)) from None
    trust_env = state.context.environ.get("DOCKER_CONTENT_TRUST", "")
    trusted_by_default = False
    if trust_env:
        try:
            trusted_by_default = go_parse_bool(trust_env)
        except GoValueError:
            trusted_by_default = True
    untrusted = state.flags.switch("--disable-content-trust", not trusted_by_default)
    if reference is not None and reference.tagged and not untrusted:
        raise _fail("content trust (image signature verification, DOCKER_CONTENT_TRUST or "
                    "--disable-content-trust=false) is not supported by csdocker")


def _api_socket(state: _Translation) -> None:
    if not state.flags.switch("--use-api-socket"):
        return
    host = state.context.host()
    if not host.startswith("unix://"):
        raise _fail(f"flag --use-api-socket can only be used with unix sockets: docker endpoint {host} incompatible")
    socket = {"Type": "bind", "Source": host.removeprefix("unix://"), "Target": "/var/run/docker.sock",
              "BindOptions": {}}
    state.mounts = [*state.mounts, socket]
    state.host_config["Mounts"] = list(state.mounts)
    if any(entry.startswith("DOCKER_CONFIG=") for entry in state.env):
        return
    config = state.context.docker_config
    has_credentials = bool(state.context.environ.get("DOCKER_AUTH_CONFIG") or config.get("auths")
                           or config.get("credsStore") or config.get("credHelpers"))
    if has_credentials:
        # The CLI resolves them (credential helpers included) and copies a config.json
        # into the container after creating it; csdocker does not run credential helpers.
        raise _fail("--use-api-socket: copying the docker config's registry credentials into the container is not "
                    "supported by csdocker; add -e DOCKER_CONFIG=DIR to mount the socket without them")


def _platform(state: _Translation) -> None:
    platform = state.flags.text("--platform", state.context.environ.get("DOCKER_DEFAULT_PLATFORM", ""))
    if not platform:
        return
    try:
        state.platform = normalize_platform(platform)
    except GoValueError as err:
        raise _fail(str(err)) from None


@dataclass(frozen=True)
class Step:
    """One step of the translation: the docker flags it consumes, the shared fields it reads and writes.

    ``reads`` and ``writes`` name fields of ``_Translation`` that one step hands to a later
    one (the body's own fields are each step's to fill; a test holds that every read
    field was written by an earlier step).
    """

    build: Callable[[_Translation], None]
    flags: frozenset[str]
    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()


def _step(build: Callable[[_Translation], None], *flags: str, reads: tuple[str, ...] = (),
          writes: tuple[str, ...] = ()) -> Step:
    return Step(build, frozenset(flags), frozenset(reads), frozenset(writes))


# The docker CLI's order of checks: with several bad values, the first step to refuse one says what docker says.
STEPS: tuple[Step, ...] = (
    _step(_pull, "--pull", writes=("pull",)),
    _step(_env_and_proxies, "--env", writes=("env_flags",)),
    _step(_check_mac, "--mac-address"),
    _step(_swappiness, "--memory-swappiness"),
    _step(_volumes, "--volume"),
    _step(_tmpfs, "--tmpfs"),
    _step(_entrypoint, "--entrypoint"),
    _step(_ports, "--publish", "--expose"),
    _step(_devices, "--device", writes=("cdi_devices",)),
    _step(_env_files, "--env-file", reads=("env_flags",), writes=("env",)),
    _step(_labels, "--label", "--label-file"),
    _step(_namespaces, "--pid", "--uts", "--userns", "--cgroupns"),
    _step(_restart, "--restart", writes=("restart",)),
    _step(_logging, "--log-driver", "--log-opt"),
    _step(_security, "--security-opt"),
    _step(_storage, "--storage-opt"),
    _step(_health, *_HEALTH, "--no-healthcheck"),
    _step(_device_requests, "--gpus", reads=("cdi_devices",)),
    _step(_lists, "--add-host", "--volumes-from", "--group-add", "--device-cgroup-rule", "--link", "--dns",
          "--dns-search", "--dns-option", "--blkio-weight-device", "--device-read-bps", "--device-write-bps",
          "--device-read-iops", "--device-write-iops", "--sysctl", "--annotation", "--ulimit"),
    _step(_mounts, "--mount", writes=("mounts",)),
    _step(_capabilities, "--cap-add", "--cap-drop"),
    _step(_direct, *(flag.name for flag in _DIRECT)),
    _step(_rm_and_init, "--rm", "--init", reads=("restart",)),
    _step(_streams, "--attach", "--interactive"),
    # Reads --link and --mac-address too (consumed above): they are the first network's defaults.
    _step(_networks, "--network", "--network-alias", "--ip", "--ip6", "--link-local-ip"),
    # After _streams: detaching clears the Attach* and StdinOnce fields _streams set.
    _step(_detach, "--detach", writes=("detach",)),
    _step(_image, "--disable-content-trust"),
    _step(_api_socket, "--use-api-socket", reads=("mounts", "env"), writes=("mounts",)),
    _step(_platform, "--platform", writes=("platform",)),
)

# Client-side flags that change no field of the body: RunSpec reads them below.
_CLIENT_ONLY = frozenset({"--cidfile", "--detach-keys", "--help", "--name", "--quiet", "--sig-proxy"})

CONSUMED_FLAGS: frozenset[str] = frozenset().union(*(step.flags for step in STEPS)) | _CLIENT_ONLY


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
    state = _Translation(flags=parsed.converted, context=context, parsed=parsed,
                         body=_skeleton(parsed.image, parsed.command))
    for step in STEPS:
        step.build(state)
    _omit_empty(state.body)
    flags, body = state.flags, state.body
    return RunSpec(
        image=parsed.image,
        config=body,
        name=flags.text("--name") or None,
        platform=state.platform,
        detach=state.detach,
        interactive=body["OpenStdin"],
        tty=body["Tty"],
        attach_stdin=body["AttachStdin"],
        attach_stdout=body["AttachStdout"],
        attach_stderr=body["AttachStderr"],
        auto_remove=body["HostConfig"]["AutoRemove"],
        sig_proxy=flags.switch("--sig-proxy", True),
        detach_keys=flags.text("--detach-keys") or None,
        cidfile=flags.text("--cidfile") or None,
        pull=state.pull,
        quiet=flags.switch("--quiet"),
        flags_given=frozenset(name for name, _ in flags.items),
    )
