"""Assumed-role credentials reused across runs until they are close to expiry.

One file per key, ``<user cache dir>/csdocker/sts/<key>.json`` (``$XDG_CACHE_HOME``
is honoured on Linux), mode 0600 in a 0700 directory, written atomically (a 0600
temporary file renamed over the old one). The key is a SHA-256 digest of the inner
source's ``cache_identity()``: the role, every session option, a digest of the
policy, who is asking (the base credentials' access key ID) and the STS endpoint,
so that any change to any of them is a different entry. No secret is in a file
name, a warning or an error.

Reuse margin: an entry is reused while more than ``max(5 minutes, 10 % of the
credentials' lifetime)`` is left. A run therefore always starts with at least five
minutes (a 15-minute session is reused for 10 minutes, a 1-hour one for 54, a
12-hour one for 10.8 hours), and long sessions are renewed well before a long
container job could outlive them.

A lock file per key (``<key>.lock``, flock) serialises the first runs: twenty
parallel runs make one AssumeRole call, the others read what the first wrote.
A file that is corrupt, not 0600, not a regular file or not the user's, or a
directory that is not 0700, is ignored and replaced, with one warning line. The
cache never fails a run: when it cannot be used the credentials are fetched
without it. Only a source that offers ``cache_identity`` is cached; the container
endpoint's credentials are never written to disk.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, TypeGuard

from cloudshell_docker.console import warn as console_warn
from cloudshell_docker.credentials.model import AwsCredentials, CredentialSource
from cloudshell_docker.credentials.validate import check_credentials
from cloudshell_docker.errors import CredentialError
from cloudshell_docker.options.own import SourceOptions
from cloudshell_docker.safedir import DIR_FLAGS, Unsafe, open_parents

__all__ = [
    "LOCK_TIMEOUT_SECONDS",
    "MARGIN_FRACTION",
    "MIN_MARGIN_SECONDS",
    "CacheableSource",
    "CachedSource",
    "cache_key",
    "default_cache_dir",
    "refresh_margin",
    "with_cache",
]

MIN_MARGIN_SECONDS = 300.0
MARGIN_FRACTION = 0.10
# How long a run waits for another one that is fetching the same entry (it may be
# waiting for an MFA code) before it fetches on its own, without the cache.
LOCK_TIMEOUT_SECONDS = 60.0
# Entries not rewritten for longer than the longest STS session are certainly expired.
_PRUNE_AFTER_SECONDS = 12 * 3600 + 3600
_FORMAT = 1
_MAX_FILE_BYTES = 64 * 1024
_TMP_PREFIX = ".tmp-"
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.json")
_TMP_NAME = re.compile(r"\.tmp-[0-9a-f]{16}\.json")
_LOCK_POLL_SECONDS = 0.05


class CacheableSource(Protocol):
    """A credential source whose results may be cached under ``cache_identity()``."""

    @property
    def description(self) -> str: ...

    def fetch(self) -> AwsCredentials: ...

    def cache_identity(self) -> Mapping[str, str]: ...


def refresh_margin(lifetime_seconds: float) -> float:
    """Seconds before expiry from which an entry is no longer reused."""
    return max(MIN_MARGIN_SECONDS, MARGIN_FRACTION * lifetime_seconds)


def cache_key(identity: Mapping[str, str]) -> str:
    """The file name stem for ``identity``: a digest, so nothing in it is readable."""
    canonical = json.dumps({"format": _FORMAT, "identity": dict(identity)}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("csdocker", appauthor=False)) / "sts"


def _now() -> datetime:
    return datetime.now(UTC)


def with_cache(source: CredentialSource, options: SourceOptions) -> CredentialSource:
    """``source`` behind the cache, unless ``--no-cache`` or the source is not cacheable."""
    if options.no_cache or isinstance(source, CachedSource) or not _cacheable(source):
        return source
    return CachedSource(source)


def _cacheable(source: CredentialSource) -> TypeGuard[CacheableSource]:
    return callable(getattr(source, "cache_identity", None))


class CachedSource:
    """``inner``'s credentials, reused from the user's cache until close to expiry."""

    def __init__(
        self,
        inner: CacheableSource,
        *,
        cache_dir: Path | None = None,
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
        clock: Callable[[], datetime] = _now,
        warn: Callable[[str], None] = console_warn,
    ) -> None:
        self.inner = inner
        self._cache_dir = cache_dir
        self._lock_timeout = lock_timeout
        self._clock = clock
        self._warn = warn
        self.from_cache = False  # whether the last fetch was a cache hit

    @property
    def description(self) -> str:
        suffix = ", reused from the cache" if self.from_cache else ""
        return f"{self.inner.description}{suffix}"

    @property
    def cache_dir(self) -> Path:
        if self._cache_dir is None:
            self._cache_dir = default_cache_dir()
        return self._cache_dir

    def fetch(self) -> AwsCredentials:
        self.from_cache = False
        identity = getattr(self.inner, "cache_identity", None)
        if not callable(identity):
            return self.inner.fetch()  # not an assumed-role source: never on disk
        key = cache_key(identity())
        opened = self._open_dir()
        if opened is None:
            return self.inner.fetch()
        dir_fd, trusted = opened
        try:
            return self._fetch_in(dir_fd, trusted, key)
        finally:
            os.close(dir_fd)

    def _fetch_in(self, dir_fd: int, trusted: bool, key: str) -> AwsCredentials:
        name = f"{key}.json"
        shown = self.cache_dir / name

        # Most runs find a fresh entry: read it without waiting for the lock
        # (writes are atomic renames, so a reader sees a whole file or none).
        if trusted:
            creds, _problem = self._load(dir_fd, name, key)
            if creds is not None:
                self.from_cache = True
                return creds

        try:
            lock_fd = _lock(dir_fd, f"{key}.lock", self._lock_timeout)
        except TimeoutError:
            self._warn(f"the credentials cache entry in {self.cache_dir} stayed locked for "
                       f"{self._lock_timeout:.0f} s; fetching without the cache")
            return self.inner.fetch()
        except OSError as err:
            self._warn(f"cannot lock the credentials cache in {self.cache_dir} ({err.strerror}); "
                       "fetching without the cache")
            return self.inner.fetch()
        try:
            if trusted:
                # Another run may have fetched while this one waited.
                creds, problem = self._load(dir_fd, name, key)
                if creds is not None:
                    self.from_cache = True
                    return creds
                if problem:
                    self._warn(f"ignoring the cached credentials {shown} ({problem}); replacing them")
                    with contextlib.suppress(OSError):
                        os.unlink(name, dir_fd=dir_fd)
            fetched_at = self._clock()
            creds = self.inner.fetch()
            self._store(dir_fd, name, key, creds, fetched_at)
            return creds
        finally:
            os.close(lock_fd)  # closing the last descriptor releases the flock

    # The directory: opened once, every later step relative to that descriptor, so that
    # nothing renamed or planted on the path afterwards can redirect a read, write or delete.

    def _open_dir(self) -> tuple[int, bool] | None:
        """(descriptor, whether its entries are to be trusted), or None (warned) when unusable."""
        directory = self.cache_dir
        try:
            parent_fd = open_parents(os.path.realpath(os.path.abspath(directory.parent)))
        except Unsafe as err:
            self._warn(f"the credentials cache {directory} is not safe: {err}; continuing without it")
            return None
        except OSError as err:
            self._warn(f"cannot create the credentials cache {directory} ({err.strerror}); continuing without it")
            return None
        try:
            return self._open_leaf(parent_fd, directory)
        finally:
            os.close(parent_fd)

    def _open_leaf(self, parent_fd: int, directory: Path) -> tuple[int, bool] | None:
        name = directory.name
        try:
            st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        except OSError as err:
            self._warn(f"cannot use the credentials cache {directory} ({err.strerror}); continuing without it")
            return None
        if st is not None and not stat.S_ISDIR(st.st_mode):
            self._warn(f"the credentials cache {directory} is not a directory; replacing it")
            try:
                os.unlink(name, dir_fd=parent_fd)
            except OSError as err:
                self._warn(f"cannot replace {directory} ({err.strerror}); continuing without the cache")
                return None
            st = None
        made = False
        try:
            if st is None:
                with contextlib.suppress(FileExistsError):  # a parallel run made it first
                    os.mkdir(name, 0o700, dir_fd=parent_fd)
                    made = True
            fd = os.open(name, DIR_FLAGS, dir_fd=parent_fd)
        except OSError as err:
            self._warn(f"cannot create the credentials cache {directory} ({err.strerror}); continuing without it")
            return None
        st = os.fstat(fd)
        if st.st_uid != os.geteuid():
            os.close(fd)
            self._warn(f"the credentials cache {directory} belongs to another user; continuing without it")
            return None
        mode = stat.S_IMODE(st.st_mode)
        if mode == 0o700:
            return fd, True
        try:
            os.fchmod(fd, 0o700)
        except OSError as err:
            os.close(fd)
            self._warn(f"cannot make {directory} private ({err.strerror}); continuing without the cache")
            return None
        if made:
            return fd, True  # mkdir's mode was cut by the umask; the directory is new and empty
        self._warn(f"the credentials cache {directory} had mode {mode:04o}, not 0700; "
                   "ignoring its entries and making it private")
        return fd, False

    # The entries

    def _load(self, dir_fd: int, name: str, key: str) -> tuple[AwsCredentials | None, str | None]:
        """(credentials still good to reuse, or None; why the entry was refused, or None)."""
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=dir_fd)
        except FileNotFoundError:
            return None, None
        except OSError as err:
            return None, f"cannot open it: {err.strerror}"
        try:
            # Looked at before any file object is made: os.fdopen refuses a directory outright.
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return None, "not a regular file"
            if st.st_uid != os.geteuid():
                return None, "owned by another user"
            if stat.S_IMODE(st.st_mode) != 0o600:
                return None, f"mode {stat.S_IMODE(st.st_mode):04o}, not 0600"
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(_MAX_FILE_BYTES + 1)
        finally:
            os.close(fd)
        try:
            creds, fetched_at = _decode(data, key)
        except (ValueError, TypeError, KeyError):  # never the parser's message: it may quote the file
            return None, "corrupt"
        if not self._fresh(creds, fetched_at):
            return None, None
        return creds, None

    def _fresh(self, creds: AwsCredentials, fetched_at: datetime) -> bool:
        if creds.expiration is None:
            return False
        now = self._clock()
        lifetime = (creds.expiration - fetched_at).total_seconds()
        left = (creds.expiration - now).total_seconds()
        return fetched_at <= now and left > refresh_margin(lifetime)

    def _store(self, dir_fd: int, name: str, key: str, creds: AwsCredentials, fetched_at: datetime) -> None:
        if not self._fresh(creds, fetched_at):
            return  # no expiry, or too short-lived to be worth reusing
        payload = _encode(creds, fetched_at, key)
        tmp = f"{_TMP_PREFIX}{secrets.token_hex(8)}.json"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                         dir_fd=dir_fd)
        except OSError as err:
            self._warn(f"cannot write to the credentials cache {self.cache_dir} ({err.strerror})")
            return
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o600)
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except OSError as err:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
            self._warn(f"cannot write to the credentials cache {self.cache_dir} ({err.strerror})")
            return
        _prune(dir_fd, keep=name)


def _lock(dir_fd: int, name: str, timeout: float) -> int:
    """An flock on ``name`` in the directory, taken within ``timeout`` (TimeoutError), as a descriptor."""
    import fcntl

    fd = os.open(name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o600,
                 dir_fd=dir_fd)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            raise OSError(errno.EPERM, "the lock file is not a regular file of this user")
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TimeoutError(name) from None
                time.sleep(_LOCK_POLL_SECONDS)
    except BaseException:
        os.close(fd)
        raise


def _encode(creds: AwsCredentials, fetched_at: datetime, key: str) -> bytes:
    assert creds.expiration is not None
    return json.dumps(
        {
            "format": _FORMAT,
            "key": key,
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": creds.expiration.astimezone(UTC).isoformat(),
            "FetchedAt": fetched_at.astimezone(UTC).isoformat(),
        }
    ).encode()


def _decode(data: bytes, key: str) -> tuple[AwsCredentials, datetime]:
    if len(data) > _MAX_FILE_BYTES:
        raise ValueError("too large")
    doc = json.loads(data)
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT or doc.get("key") != key:
        raise ValueError("not an entry of this key")
    strings = {name: doc[name] for name in ("AccessKeyId", "SecretAccessKey", "Expiration", "FetchedAt")}
    token = doc.get("SessionToken")
    if not all(isinstance(value, str) and value for value in strings.values()) or not (
        token is None or isinstance(token, str)
    ):
        raise ValueError("missing fields")
    expiration = _utc(strings["Expiration"])
    fetched_at = _utc(strings["FetchedAt"])
    creds = AwsCredentials(
        access_key_id=strings["AccessKeyId"],
        secret_access_key=strings["SecretAccessKey"],
        session_token=token or None,
        expiration=expiration,
    )
    try:
        check_credentials(creds, "the cache")
    except CredentialError:
        raise ValueError("malformed values") from None
    return creds, fetched_at


def _utc(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError("not UTC")
    return value.astimezone(UTC)


def _prune(dir_fd: int, keep: str) -> None:
    """Remove entries (and stray temporary files) too old to be valid. Best effort.

    Only names csdocker writes are considered (``<64 hex>.json``, ``.tmp-<16 hex>.json``), and
    only regular files of this user: anything else in the directory is not csdocker's to delete.
    """
    cutoff = time.time() - _PRUNE_AFTER_SECONDS
    with contextlib.suppress(OSError):
        for name in os.listdir(dir_fd):
            if name == keep or not (_ENTRY_NAME.fullmatch(name) or _TMP_NAME.fullmatch(name)):
                continue
            with contextlib.suppress(OSError):
                st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and st.st_mtime < cutoff:
                    os.unlink(name, dir_fd=dir_fd)
