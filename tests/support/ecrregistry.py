"""A real registry (Debian's distribution v2, ``docker-registry``) under an ECR host name, on 127.0.0.1:443.

scripts/testbed.sh (target ``registry``) installs the package, points the host name at 127.0.0.1 in
/etc/hosts and leaves a certificate for it, from a test CA that the engine trusts for that registry
(/etc/docker/certs.d/HOST/ca.crt). This module starts and stops the registry itself, with htpasswd
auth holding what moto's ECR GetAuthorizationToken hands out (user ``AWS``, password
``<registry id>-auth-token``): a pull or push succeeds only with the token csdocker fetched.

Port 443 is one per machine: a test session holds a lock file for as long as its registry runs
(one test module), and another session's registry waits for it.

    with EcrRegistry() as registry:
        image = registry.seed("csdt/app")   # HOST/csdt/app-HEX:1, pushed with docker login in a throw-away config
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Self

__all__ = ["ECR_ACCOUNT", "ECR_HOST", "ECR_PASSWORD", "ECR_REGION", "EcrRegistry", "registry_ready"]

ECR_ACCOUNT = "123456789012"  # moto's default account
ECR_REGION = "us-east-1"
ECR_HOST = f"{ECR_ACCOUNT}.dkr.ecr.{ECR_REGION}.amazonaws.com"
ECR_USER = "AWS"
ECR_PASSWORD = f"{ECR_ACCOUNT}-auth-token"  # what moto's GetAuthorizationToken answers
TLS_DIR = Path("/var/lib/csdocker-testbed/ecr-registry")
CERTS_D = Path("/etc/docker/certs.d") / ECR_HOST
LOCK_FILE = Path(tempfile.gettempdir()) / "csdocker-ecr-registry.lock"
LOCK_WAIT = 900.0


def registry_ready() -> bool:
    """Whether the test bed's registry parts are there (scripts/testbed.sh registry)."""
    try:
        resolved = socket.gethostbyname(ECR_HOST)
    except OSError:
        return False
    return (resolved == "127.0.0.1" and shutil.which("docker-registry") is not None
            and (TLS_DIR / "server.crt").is_file() and (CERTS_D / "ca.crt").is_file())


def _htpasswd_line(user: str, password: str) -> str:
    import bcrypt  # the registry reads bcrypt entries only

    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()}\n"


@dataclass
class EcrRegistry:
    """The registry process; ``seed`` puts images in it the way a user would (docker login + push)."""

    workdir: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    pushed: list[str] = field(default_factory=list)
    _lock: IO[str] | None = None

    @property
    def host(self) -> str:
        return ECR_HOST

    def _take_lock(self) -> None:
        handle = LOCK_FILE.open("a")
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    handle.close()
                    raise RuntimeError(f"port 443 stayed taken by another test session ({LOCK_FILE})") from None
                time.sleep(0.5)
        self._lock = handle

    def start(self) -> Self:
        self._take_lock()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="csdt-ecr-registry-"))
        (self.workdir / "htpasswd").write_text(_htpasswd_line(ECR_USER, ECR_PASSWORD))
        (self.workdir / "config.yml").write_text(
            "version: 0.1\n"
            "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.workdir / 'data'}\n  delete:\n    enabled: true\n"
            "http:\n  addr: 127.0.0.1:443\n"
            f"  tls:\n    certificate: {TLS_DIR / 'server.crt'}\n    key: {TLS_DIR / 'server.key'}\n"
            f"auth:\n  htpasswd:\n    realm: csdt-ecr\n    path: {self.workdir / 'htpasswd'}\n"
        )
        log = (self.workdir / "registry.log").open("wb")
        self.process = subprocess.Popen(["docker-registry", "serve", str(self.workdir / "config.yml")],
                                        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        context = ssl.create_default_context(cafile=str(TLS_DIR / "ca.crt"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("docker-registry exited at start: " + self.log()[-500:])
            try:
                urllib.request.urlopen(f"https://{ECR_HOST}/v2/", timeout=1, context=context)
            except urllib.error.HTTPError as err:
                if err.code == 401:  # up, and asking for credentials
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("docker-registry did not answer on 127.0.0.1:443 within 30 s")

    def log(self) -> str:
        path = self.workdir / "registry.log" if self.workdir else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    def image(self, name: str, tag: str = "1") -> str:
        """A fresh reference in the registry (nothing pushed): ``HOST/NAME-HEX:TAG``."""
        return f"{ECR_HOST}/{name}-{uuid.uuid4().hex[:8]}:{tag}"

    def seed(self, name: str, source: str = "local/busybox", tag: str = "1") -> str:
        """Push ``source`` as a fresh reference, logged in with a throw-away docker config; the
        local tag is removed again, so that a later pull of it really pulls."""
        image = self.image(name, tag)
        with tempfile.TemporaryDirectory(prefix="csdt-login-") as config:
            subprocess.run(["docker", "--config", config, "login", "-u", ECR_USER, "--password-stdin", ECR_HOST],
                           input=ECR_PASSWORD.encode(), check=True, capture_output=True, timeout=60)
            subprocess.run(["docker", "tag", source, image], check=True, capture_output=True, timeout=60)
            subprocess.run(["docker", "--config", config, "push", image], check=True, capture_output=True,
                           timeout=300)
        self.pushed.append(image)
        self.forget(image)
        return image

    @staticmethod
    def forget(*images: str) -> None:
        """Untag local copies (the source image stays)."""
        if images:
            subprocess.run(["docker", "rmi", *images], capture_output=True, timeout=60)

    @staticmethod
    def present(image: str) -> bool:
        return subprocess.run(["docker", "image", "inspect", image], capture_output=True, timeout=60).returncode == 0

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        if self._lock is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

