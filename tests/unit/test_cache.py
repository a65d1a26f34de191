"""The assumed-role cache on the real file system: hits, expiry margin, bad files, locking across processes."""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import stat
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cloudshell_docker.credentials.cache import (
    CachedSource,
    cache_key,
    default_cache_dir,
    refresh_margin,
    with_cache,
)
from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.errors import CredentialError
from cloudshell_docker.options.own import SourceOptions
from tests.support.localzone import local_zone

T0 = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)


@dataclass
class FakeAssumeRole:
    """An assumed-role source: each fetch is a new credential set (what AssumeRole does)."""

    identity: dict[str, str] = field(default_factory=lambda: {"role_arn": "arn:aws:iam::123456789012:role/r",
                                                              "caller": "AKIDBASE"})
    lifetime: float = 3600.0
    clock: list[datetime] = field(default_factory=lambda: [T0])
    calls: int = 0
    fail: bool = False
    description: str = "STS AssumeRole arn:aws:iam::123456789012:role/r"

    def fetch(self) -> AwsCredentials:
        if self.fail:
            raise CredentialError("AssumeRole failed: AccessDenied")
        self.calls += 1
        return AwsCredentials(
            access_key_id=f"ASIAFAKE{self.calls:08d}",
            secret_access_key=f"secret/{self.calls}/" + "s" * 30,
            session_token=f"token-{self.calls}-" + "t" * 60,
            expiration=self.clock[0] + timedelta(seconds=self.lifetime),
        )

    def cache_identity(self) -> dict[str, str]:
        return dict(self.identity)


@dataclass
class FakeEndpoint:
    """A source without cache_identity, like the container endpoint."""

    calls: int = 0
    description: str = "container endpoint"

    def fetch(self) -> AwsCredentials:
        self.calls += 1
        return AwsCredentials("ASIAENDPOINT0001", "endpoint-secret-" + "e" * 20, "endpoint-token-" + "x" * 40,
                              T0 + timedelta(hours=1))


class Harness:
    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path / "cache" / "csdocker" / "sts"
        self.now = [T0]
        self.warnings: list[str] = []

    def cached(self, inner: FakeAssumeRole | FakeEndpoint) -> CachedSource:
        if isinstance(inner, FakeAssumeRole):
            inner.clock = self.now  # the source and the cache share one clock
        return CachedSource(inner, cache_dir=self.dir, clock=lambda: self.now[0],  # type: ignore[arg-type]
                            warn=self.warnings.append)

    def entry(self, inner: FakeAssumeRole) -> Path:
        return self.dir / f"{cache_key(inner.cache_identity())}.json"


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_first_run_fetches_and_stores_privately(h):
    inner = FakeAssumeRole()
    creds = h.cached(inner).fetch()
    assert inner.calls == 1
    entry = h.entry(inner)
    assert mode(entry) == 0o600
    assert mode(h.dir) == 0o700
    assert entry.read_text().count(creds.secret_access_key) == 1
    assert h.warnings == []
    # no secret and no identity in any file name
    names = " ".join(p.name for p in h.dir.iterdir())
    for value in (creds.access_key_id, creds.secret_access_key, creds.session_token, "AKIDBASE", "role"):
        assert value not in names


def test_later_runs_reuse_the_entry(h):
    inner = FakeAssumeRole()
    first = h.cached(inner).fetch()
    for _ in range(100):
        source = h.cached(inner)  # a new run: a new object, only the file system is shared
        again = source.fetch()
        assert source.from_cache
        assert "reused from the cache" in source.description
    assert inner.calls == 1
    assert (again.access_key_id, again.secret_access_key, again.session_token, again.expiration) == (
        first.access_key_id, first.secret_access_key, first.session_token, first.expiration)


def test_any_change_of_identity_is_another_entry(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    for change in ({"caller": "AKIDOTHER"}, {"session_name": "x"}, {"role_arn": "arn:aws:iam::1:role/other"}):
        other = FakeAssumeRole(identity={**inner.identity, **change})
        h.cached(other).fetch()
        assert other.calls == 1, change
        h.cached(other).fetch()
        assert other.calls == 1, change
    assert len(list(h.dir.glob("*.json"))) == 4


@pytest.mark.parametrize(("lifetime", "margin"), [(900, 300), (3600, 360), (12 * 3600, 4320)])
def test_reused_until_the_margin_before_expiry(h, lifetime, margin):
    assert refresh_margin(lifetime) == margin
    inner = FakeAssumeRole(lifetime=lifetime)
    h.cached(inner).fetch()
    h.now[0] = T0 + timedelta(seconds=lifetime - margin - 1)
    assert h.cached(inner).fetch().access_key_id == "ASIAFAKE00000001"
    assert inner.calls == 1
    h.now[0] = T0 + timedelta(seconds=lifetime - margin + 1)
    fresh = h.cached(inner).fetch()
    assert inner.calls == 2
    assert fresh.access_key_id == "ASIAFAKE00000002"
    # and the new set is what later runs reuse
    assert h.cached(inner).fetch().access_key_id == "ASIAFAKE00000002"
    assert inner.calls == 2
    assert h.warnings == []


def test_expired_entry_is_replaced_silently(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    h.now[0] = T0 + timedelta(hours=2)
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert h.warnings == []


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"[]", b'{"format": 1}', b"\xff\xfe\x00garbage",
     b'{"format": 1, "key": "KEY", "AccessKeyId": 5, "SecretAccessKey": "s", "Expiration": "x", "FetchedAt": "y"}',
     b'{"format": 1, "key": "KEY", "AccessKeyId": "A", "SecretAccessKey": "s", '
     b'"Expiration": "2030-01-01T13:00:00", "FetchedAt": "2030-01-01T12:00:00"}'],
    ids=["empty", "truncated", "list", "fields-missing", "binary", "wrong-type", "naive-time"],
)
def test_corrupt_entry_is_ignored_replaced_and_warned_once(h, content):
    inner = FakeAssumeRole()
    entry = h.entry(inner)
    h.dir.mkdir(parents=True, mode=0o700)
    entry.write_bytes(content.replace(b"KEY", cache_key(inner.cache_identity()).encode()))
    entry.chmod(0o600)
    creds = h.cached(inner).fetch()
    assert inner.calls == 1
    assert len(h.warnings) == 1
    assert "corrupt" in h.warnings[0]
    assert str(entry) in h.warnings[0]
    assert creds.secret_access_key in entry.read_text()
    assert mode(entry) == 0o600
    h.cached(inner).fetch()
    assert inner.calls == 1
    assert len(h.warnings) == 1


def test_entry_of_another_key_is_not_reused(h):
    """A file copied or renamed under another key's name is refused (its recorded key differs)."""
    one, two = FakeAssumeRole(), FakeAssumeRole(identity={"role_arn": "arn:aws:iam::1:role/two", "caller": "AKIDBASE"})
    h.cached(one).fetch()
    h.entry(two).parent.mkdir(parents=True, exist_ok=True)
    os.link(h.entry(one), h.entry(two))
    h.cached(two).fetch()
    assert two.calls == 1
    assert "corrupt" in h.warnings[0]


@pytest.mark.parametrize("loose", [0o644, 0o640, 0o604, 0o700, 0o400])
def test_entry_with_loose_permissions_is_ignored_and_replaced(h, loose):
    inner = FakeAssumeRole()
    first = h.cached(inner).fetch()
    h.entry(inner).chmod(loose)
    second = h.cached(inner).fetch()
    assert inner.calls == 2
    assert second.access_key_id != first.access_key_id
    assert len(h.warnings) == 1
    assert f"{loose:04o}" in h.warnings[0]
    assert mode(h.entry(inner)) == 0o600
    h.cached(inner).fetch()
    assert inner.calls == 2


@pytest.mark.parametrize("loose", [0o755, 0o750, 0o777, 0o711])
def test_directory_with_loose_permissions_is_made_private_and_its_entries_ignored(h, loose):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    h.dir.chmod(loose)
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert len(h.warnings) == 1
    assert f"{loose:04o}" in h.warnings[0]
    assert mode(h.dir) == 0o700
    h.cached(inner).fetch()
    assert inner.calls == 2


def test_symlinked_entry_is_refused(h, tmp_path):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    elsewhere = tmp_path / "planted.json"
    elsewhere.write_bytes(h.entry(inner).read_bytes())
    elsewhere.chmod(0o600)
    h.entry(inner).unlink()
    h.entry(inner).symlink_to(elsewhere)
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert len(h.warnings) == 1
    assert not h.entry(inner).is_symlink()


def test_cache_directory_that_is_a_file_or_symlink_is_replaced(h, tmp_path):
    h.dir.parent.mkdir(parents=True)
    target = tmp_path / "someone-elses"
    target.mkdir(mode=0o700)
    h.dir.symlink_to(target)
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    assert len(h.warnings) == 1
    assert h.dir.is_dir()
    assert not h.dir.is_symlink()
    assert list(target.iterdir()) == []


@pytest.mark.parametrize("what", ["entry", "directory"] if os.geteuid() == 0 else [])
def test_files_of_another_user_are_not_trusted(h, what):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    victim = h.entry(inner) if what == "entry" else h.dir
    os.chown(victim, 65534, 65534)
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert len(h.warnings) == 1
    assert "another user" in h.warnings[0]


def test_sources_without_cache_identity_are_never_written(h):
    inner = FakeEndpoint()
    cached = h.cached(inner)
    cached.fetch()
    cached.fetch()
    assert inner.calls == 2
    assert not h.dir.exists()
    assert not h.dir.parent.exists()


def test_with_cache_wraps_only_cacheable_sources_and_honours_no_cache():
    sts, endpoint = FakeAssumeRole(), FakeEndpoint()
    wrapped = with_cache(sts, SourceOptions())
    assert isinstance(wrapped, CachedSource)
    assert with_cache(wrapped, SourceOptions()) is wrapped  # wrapping twice would lock one entry twice
    assert with_cache(sts, SourceOptions(no_cache=True)) is sts
    assert with_cache(endpoint, SourceOptions()) is endpoint  # type: ignore[arg-type]


def test_credentials_without_expiry_are_not_stored(h):
    class Forever(FakeAssumeRole):
        def fetch(self) -> AwsCredentials:
            self.calls += 1
            return AwsCredentials("AKIDLONGLIVED000", "longlived-secret-" + "l" * 20)

    inner = Forever()
    h.cached(inner).fetch()
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert list(h.dir.glob("*.json")) == []


def test_a_failed_fetch_leaves_no_file(h):
    inner = FakeAssumeRole(fail=True)
    with pytest.raises(CredentialError):
        h.cached(inner).fetch()
    assert [p.name for p in h.dir.iterdir() if not p.name.endswith(".lock")] == []


def test_unusable_cache_location_falls_back_to_fetching(h, tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache's parent should be")
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert len(h.warnings) == 2
    assert all("continuing without it" in w for w in h.warnings)


def test_old_entries_are_pruned_when_a_new_one_is_written(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    old = h.dir / ("0" * 64 + ".json")
    old.write_text("{}")
    stale = time.time() - 14 * 3600
    os.utime(old, (stale, stale))
    h.cached(FakeAssumeRole(identity={"role_arn": "another"})).fetch()
    assert not old.exists()
    assert h.entry(inner).exists()


def test_warnings_never_hold_a_secret(h):
    inner = FakeAssumeRole()
    creds = h.cached(inner).fetch()
    h.entry(inner).chmod(0o644)
    h.cached(inner).fetch()
    h.entry(inner).write_text(h.entry(inner).read_text()[:-5])
    h.cached(inner).fetch()
    assert len(h.warnings) == 2
    for warning in h.warnings:
        assert creds.secret_access_key not in warning
        assert "secret/" not in warning
        assert "token-" not in warning


# Parallel processes: twenty first runs, one fetch.

def _parallel_run(cache_dir: str, counter: str, barrier: multiprocessing.synchronize.Barrier,  # type: ignore[name-defined]
                  results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    class SlowSts(FakeAssumeRole):
        def fetch(self) -> AwsCredentials:
            # count at the edge (a file every process appends to), then take long enough
            # that every other process is already waiting for the lock
            with open(counter, "a") as handle:
                handle.write(f"{os.getpid()}\n")
            time.sleep(0.5)
            return AwsCredentials(f"ASIA{os.getpid():012d}", "parallel-secret-" + "p" * 20, "tok-" + "q" * 40,
                                  datetime.now(UTC) + timedelta(hours=1))

    barrier.wait()
    source = CachedSource(SlowSts(), cache_dir=Path(cache_dir), warn=lambda m: results.put(("warn", m)))
    results.put(("key", source.fetch().access_key_id))


def test_parallel_first_runs_make_one_fetch(tmp_path):
    ctx = multiprocessing.get_context("fork")
    runs = 20
    barrier = ctx.Barrier(runs)
    results = ctx.Queue()
    counter = tmp_path / "fetches"
    counter.touch()
    cache_dir = tmp_path / "csdocker" / "sts"
    procs = [ctx.Process(target=_parallel_run, args=(str(cache_dir), str(counter), barrier, results))
             for _ in range(runs)]
    for proc in procs:
        proc.start()
    got = [results.get(timeout=120) for _ in range(runs)]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert [kind for kind, _ in got] == ["key"] * runs, got
    assert len(counter.read_text().split()) == 1
    assert len({value for _, value in got}) == 1  # every run got the one set that was fetched
    assert mode(next(cache_dir.glob("*.json"))) == 0o600


# The directory cannot be redirected: opened once, everything else relative to it.

def attacker_dir(tmp_path: Path) -> tuple[Path, dict[str, float]]:
    """A directory someone else points the cache at, holding an old entry-like file and a file of theirs."""
    target = tmp_path / "attacker"
    target.mkdir(mode=0o755)
    target.chmod(0o755)
    stale = time.time() - 14 * 3600
    for name in ("f" * 64 + ".json", "their-notes.json"):
        (target / name).write_text("{}")
        os.utime(target / name, (stale, stale))
    return target, {p.name: p.stat().st_mtime for p in target.iterdir()}


def test_a_swap_for_a_symlink_during_the_sts_call_writes_nothing_elsewhere(h, tmp_path):
    target, before = attacker_dir(tmp_path)
    moved = tmp_path / "moved-sts"

    class SwappingSts(FakeAssumeRole):
        """Stands in for STS; while it 'waits for the answer', the directory is swapped for a symlink."""

        def fetch(self) -> AwsCredentials:
            h.dir.rename(moved)
            h.dir.symlink_to(target)
            return super().fetch()

    inner = SwappingSts()
    h.cached(inner).fetch()
    assert {p.name: p.stat().st_mtime for p in target.iterdir()} == before  # nothing written, nothing pruned
    assert mode(target) == 0o755  # not chmod-ed
    # The entry went where the cache directory was opened: the directory that was moved away.
    assert (moved / f"{cache_key(inner.cache_identity())}.json").exists()
    assert not any(p.name.startswith(".tmp-") for p in target.iterdir())


def test_a_symlinked_sts_directory_is_never_followed(h, tmp_path):
    target, before = attacker_dir(tmp_path)
    h.dir.parent.mkdir(parents=True)
    h.dir.symlink_to(target)
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    assert h.dir.is_dir()
    assert not h.dir.is_symlink()
    assert {p.name: p.stat().st_mtime for p in target.iterdir()} == before
    assert mode(target) == 0o755


@pytest.mark.parametrize("loose", [0o775, 0o777, 0o757])
def test_a_parent_writable_by_others_is_refused(h, tmp_path, loose):
    parent = tmp_path / "cache"
    parent.mkdir()
    parent.chmod(loose)
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    h.cached(inner).fetch()
    assert inner.calls == 2  # no cache
    assert not (parent / "csdocker").exists()
    assert len(h.warnings) == 2
    assert h.warnings[0] == (f"the credentials cache {h.dir} is not safe: other users can write to {parent}; "
                             "continuing without it")


def test_a_sticky_parent_like_tmp_is_accepted(h, tmp_path):
    parent = tmp_path / "cache"
    parent.mkdir()
    parent.chmod(0o1777)
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    h.cached(inner).fetch()
    assert inner.calls == 1
    assert h.warnings == []


def test_prune_removes_only_names_csdocker_writes(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    stale = time.time() - 14 * 3600
    names = {"0" * 64 + ".json": False, ".tmp-0123456789abcdef.json": False, "notes.json": True,
             "0" * 63 + ".json": True, ".tmp-other.json": True, "A" * 64 + ".json": True}
    for name in names:
        (h.dir / name).write_text("{}")
        os.utime(h.dir / name, (stale, stale))
    h.cached(FakeAssumeRole(identity={"role_arn": "another"})).fetch()
    assert {name: (h.dir / name).exists() for name in names} == names


@pytest.mark.parametrize(("field", "value"), [
    ("SecretAccessKey", "secret\nStart-Process calc.exe #"),
    ("SessionToken", "token $(touch /tmp/csdt-pwned)"),
    ("AccessKeyId", "ASIA'`id`'000000000"),
])
def test_a_cached_entry_with_hostile_values_is_refused_and_replaced(h, field, value):
    import json

    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    entry = h.entry(inner)
    doc = json.loads(entry.read_text())
    doc[field] = value
    entry.write_text(json.dumps(doc))
    creds = h.cached(inner).fetch()
    assert inner.calls == 2
    assert value not in (creds.access_key_id, creds.secret_access_key, creds.session_token)
    assert h.warnings == [f"ignoring the cached credentials {entry} (corrupt); replacing them"]


# Pinned where the tests above left room (found by scripts/mutation.sh):
# Each test looks at what a user meets: the credentials a run gets, whether STS was called,
# the warning line, and what is left in the cache directory.


def test_a_regular_file_at_the_directorys_path_is_replaced(h):
    h.dir.parent.mkdir(parents=True)
    h.dir.write_text("not a directory")
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    assert h.warnings == [f"the credentials cache {h.dir} is not a directory; replacing it"]
    assert h.dir.is_dir()
    assert mode(h.dir) == 0o700
    assert h.entry(inner).is_file()
    h.cached(inner).fetch()
    assert inner.calls == 1


def test_from_cache_tells_each_fetch_apart(h):
    inner = FakeAssumeRole()
    source = h.cached(inner)
    source.fetch()
    assert not source.from_cache
    assert source.description == inner.description
    source.fetch()
    assert source.from_cache
    assert source.description == f"{inner.description}, reused from the cache"
    h.now[0] = T0 + timedelta(hours=2)  # the entry has expired: this fetch calls STS
    source.fetch()
    assert not source.from_cache
    assert source.description == inner.description
    assert inner.calls == 2


@pytest.mark.timeout(30)  # only a hang takes this long: a wait of the default 60 s instead of the 0.2 given
def test_a_held_lock_is_given_up_after_lock_timeout(h):
    inner = FakeAssumeRole()
    h.dir.mkdir(parents=True, mode=0o700)
    lock_path = h.dir / f"{cache_key(inner.cache_identity())}.lock"
    with open(lock_path, "w") as holder:  # another run, fetching (or waiting for an MFA code)
        fcntl.flock(holder, fcntl.LOCK_EX)
        inner.clock = h.now
        source = CachedSource(inner, cache_dir=h.dir, lock_timeout=0.2, clock=lambda: h.now[0],  # type: ignore[arg-type]
                              warn=h.warnings.append)
        started = time.monotonic()
        creds = source.fetch()
        waited = time.monotonic() - started
    assert creds.access_key_id == "ASIAFAKE00000001"
    assert waited >= 0.2  # it did wait for the lock (a loaded machine only waits longer)
    assert h.warnings == [f"the credentials cache entry in {h.dir} stayed locked for 0 s; fetching without the cache"]
    assert not h.entry(inner).exists()  # fetched without the cache: nothing written


@pytest.mark.timeout(20)
def test_a_fifo_in_place_of_the_entry_is_refused_without_hanging(h):
    inner = FakeAssumeRole()
    h.dir.mkdir(parents=True, mode=0o700)
    os.mkfifo(h.entry(inner), 0o600)
    creds = h.cached(inner).fetch()
    assert inner.calls == 1
    assert h.warnings == [f"ignoring the cached credentials {h.entry(inner)} (not a regular file); replacing them"]
    assert stat.S_ISREG(os.lstat(h.entry(inner)).st_mode)
    assert creds.secret_access_key in h.entry(inner).read_text()


def test_pruning_keeps_locks_and_other_files_and_removes_stray_temporary_files(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    stale = time.time() - 14 * 3600
    old = {name: h.dir / name for name in ("a" * 64 + ".lock", "notes.txt", ".tmp-0123456789abcdef.json",
                                           ".tmp-someone-else.json", "b" * 64 + ".json")}
    for path in old.values():
        path.write_text("{}")
        os.utime(path, (stale, stale))
    recent = h.dir / ("c" * 64 + ".json")
    recent.write_text("{}")
    h.cached(FakeAssumeRole(identity={"role_arn": "another"})).fetch()  # a write prunes
    assert old["a" * 64 + ".lock"].exists()
    assert old["notes.txt"].exists()
    assert not old[".tmp-0123456789abcdef.json"].exists()  # the name csdocker gives its temporary files
    assert old[".tmp-someone-else.json"].exists()
    assert not old["b" * 64 + ".json"].exists()
    assert recent.exists()
    assert h.entry(inner).exists()


def test_an_entry_just_inside_the_prune_age_is_kept(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    young = h.dir / ("d" * 64 + ".json")
    young.write_text("{}")
    then = time.time() - 12 * 3600 - 3000  # the longest session (12 h) plus less than the hour's slack
    os.utime(young, (then, then))
    h.cached(FakeAssumeRole(identity={"role_arn": "another"})).fetch()
    assert young.exists()


def test_an_entry_with_a_null_session_token_is_reused(h):
    class NoToken(FakeAssumeRole):
        def fetch(self) -> AwsCredentials:
            self.calls += 1
            return AwsCredentials("AKIDNOTOKEN00001", "no-token-secret-" + "n" * 20, None,
                                  self.clock[0] + timedelta(hours=1))

    inner = NoToken()
    h.cached(inner).fetch()
    assert json.loads(h.entry(inner).read_text())["SessionToken"] is None
    source = h.cached(inner)
    again = source.fetch()
    assert source.from_cache
    assert (again.access_key_id, again.session_token) == ("AKIDNOTOKEN00001", None)
    assert inner.calls == 1
    assert h.warnings == []


def test_credentials_too_short_lived_to_reuse_are_not_stored(h):
    inner = FakeAssumeRole(lifetime=300)  # the margin is 5 minutes: nothing left to reuse
    h.cached(inner).fetch()
    assert list(h.dir.glob("*.json")) == []
    h.cached(inner).fetch()
    assert inner.calls == 2


def test_an_entry_from_the_future_is_not_reused(h):
    """The clock went back (or the file was planted): fetched later than now is not trusted."""
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    h.now[0] = T0 - timedelta(minutes=1)
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert h.warnings == []


def rewrite(entry: Path, **changes: object) -> None:
    doc = json.loads(entry.read_text())
    doc.update(changes)
    entry.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    "changes",
    [
        {"Expiration": "2030-01-01T14:00:00+01:00"},  # the same instant, but not written as UTC
        {"FetchedAt": "2030-01-01T13:00:00+01:00"},
        {"AccessKeyId": ""},
        {"SecretAccessKey": ""},
        {"SessionToken": 5},
        {"format": 2},
        {"Padding": "x" * 64 * 1024},  # larger than any entry this version writes
    ],
    ids=["expiration-offset", "fetched-offset", "empty-key-id", "empty-secret", "token-not-a-string",
         "other-format", "too-large"],
)
def test_an_entry_this_version_did_not_write_is_corrupt(h, changes):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    rewrite(h.entry(inner), **changes)
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert h.warnings == [f"ignoring the cached credentials {h.entry(inner)} (corrupt); replacing them"]


def test_an_entry_just_under_the_size_limit_is_read(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    size = len(h.entry(inner).read_bytes())
    rewrite(h.entry(inner), Padding="")
    padding = 64 * 1024 - len(h.entry(inner).read_bytes())
    rewrite(h.entry(inner), Padding="x" * padding)
    assert len(h.entry(inner).read_bytes()) == 64 * 1024 > size
    source = h.cached(inner)
    source.fetch()
    assert source.from_cache
    assert inner.calls == 1


def test_the_directory_and_its_missing_parents_are_made_private(h, tmp_path):
    old = os.umask(0o022)
    try:
        h.cached(FakeAssumeRole()).fetch()
    finally:
        os.umask(old)
    assert mode(h.dir) == 0o700
    assert mode(h.dir.parent) == 0o700
    assert mode(tmp_path / "cache") == 0o700
    assert h.warnings == []  # a directory it just made is not "found with loose permissions"


def test_keys_are_stable_across_versions():
    # Entries written by one csdocker are found by the next: the key's recipe must not drift.
    assert cache_key({"role_arn": "arn:aws:iam::123456789012:role/r", "caller": "AKIDBASE"}) == (
        "564ffd30b596195911bfb38916dbf9344216e5764b20beb309cde647a7f22e18")


def test_the_default_directory_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "csdocker" / "sts"


def test_warnings_go_to_stderr_as_one_line(tmp_path, capsys):
    directory = tmp_path / "sts"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    CachedSource(FakeAssumeRole(), cache_dir=directory).fetch()  # type: ignore[arg-type]
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"csdocker: warning: the credentials cache {directory} had mode 0755, not 0700; "
                            "ignoring its entries and making it private\n")


def test_a_cache_path_under_a_file_is_given_up_with_its_reason(h, tmp_path):
    (tmp_path / "cache").write_text("a file where a directory should be")
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    assert inner.calls == 1
    assert h.warnings == [f"cannot create the credentials cache {h.dir} (Not a directory); continuing without it"]


def test_a_lock_that_cannot_be_taken_is_given_up_with_its_reason(h):
    inner = FakeAssumeRole()
    h.dir.mkdir(parents=True, mode=0o700)
    (h.dir / f"{cache_key(inner.cache_identity())}.lock").mkdir()
    creds = h.cached(inner).fetch()
    assert creds.access_key_id == "ASIAFAKE00000001"
    assert h.warnings == [f"cannot lock the credentials cache in {h.dir} (Is a directory); fetching without the cache"]
    assert not h.entry(inner).exists()


def test_the_lock_file_is_private(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    assert mode(h.dir / f"{cache_key(inner.cache_identity())}.lock") == 0o600


def test_an_entry_missing_a_field_is_corrupt(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    doc = json.loads(h.entry(inner).read_text())
    del doc["AccessKeyId"]
    h.entry(inner).write_text(json.dumps(doc))
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert h.warnings == [f"ignoring the cached credentials {h.entry(inner)} (corrupt); replacing them"]


def test_without_a_directory_given_the_user_cache_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    inner = FakeAssumeRole()
    CachedSource(inner, warn=[].append).fetch()  # type: ignore[arg-type]
    source = CachedSource(inner, warn=[].append)  # type: ignore[arg-type]
    source.fetch()
    assert source.from_cache
    assert inner.calls == 1
    assert (tmp_path / "xdg" / "csdocker" / "sts" / f"{cache_key(inner.cache_identity())}.json").is_file()


def test_entries_are_written_and_read_in_utc_whatever_the_local_zone(h):
    inner = FakeAssumeRole()
    with local_zone("Asia/Kolkata"):  # +05:30
        h.cached(inner).fetch()
        source = h.cached(inner)
        again = source.fetch()
    assert source.from_cache
    assert h.warnings == []
    assert again.expiration is not None
    assert again.expiration.utcoffset() == timedelta(0)
    doc = json.loads(h.entry(inner).read_text())
    assert doc["Expiration"].endswith("+00:00")
    assert doc["FetchedAt"].endswith("+00:00")


def test_pruning_leaves_a_symlink_named_like_an_entry(h, tmp_path):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    target = tmp_path / "someone-elses-file"
    target.write_text("{}")
    stale = time.time() - 14 * 3600
    os.utime(target, (stale, stale))
    link = h.dir / ("e" * 64 + ".json")
    link.symlink_to(target)
    h.cached(FakeAssumeRole(identity={"role_arn": "another"})).fetch()
    assert link.is_symlink()
    assert target.exists()


def test_with_cache_fetches_through_the_source_it_wraps(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    sts = FakeAssumeRole()
    creds = with_cache(sts, SourceOptions()).fetch()
    assert (creds.access_key_id, sts.calls) == ("ASIAFAKE00000001", 1)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_an_entry_of_another_user_is_named_so(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    os.chown(h.entry(inner), 65534, 65534)
    h.cached(inner).fetch()
    assert h.warnings == [f"ignoring the cached credentials {h.entry(inner)} (owned by another user); replacing them"]


def test_an_entry_written_while_waiting_for_the_lock_is_reused(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    written = h.entry(inner).read_bytes()  # what "another run" will write
    h.entry(inner).unlink()
    source = h.cached(inner)
    with open(h.dir / f"{cache_key(inner.cache_identity())}.lock", "w") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)  # the other run holds the lock while it fetches
        waiting = threading.Thread(target=source.fetch)
        waiting.start()
        time.sleep(0.2)  # this run found no entry and is now waiting for the lock
        fd = os.open(h.entry(inner), os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, written)
        os.close(fd)
    waiting.join(timeout=10)
    assert source.from_cache
    assert inner.calls == 1
    assert h.warnings == []


def test_a_directory_in_place_of_the_entry(h):
    inner = FakeAssumeRole()
    h.entry(inner).mkdir(parents=True)
    h.dir.chmod(0o700)
    creds = h.cached(inner).fetch()
    assert creds.access_key_id == "ASIAFAKE00000001"
    assert h.warnings == [f"ignoring the cached credentials {h.entry(inner)} (not a regular file); replacing them",
                          f"cannot write to the credentials cache {h.dir} (Is a directory)"]
    assert sorted(p.name for p in h.dir.iterdir() if not p.name.endswith(".lock")) == [h.entry(inner).name]


def test_a_cache_directory_removed_during_the_fetch(h):
    class Wiping(FakeAssumeRole):
        def fetch(self) -> AwsCredentials:
            for path in h.dir.iterdir():
                path.unlink()
            h.dir.rmdir()  # another process empties the cache meanwhile
            return super().fetch()

    creds = h.cached(Wiping()).fetch()
    assert creds.access_key_id == "ASIAFAKE00000001"
    assert h.warnings == [f"cannot write to the credentials cache {h.dir} (No such file or directory)"]


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_a_lock_file_that_is_not_a_regular_file_is_not_used(h, tmp_path, kind):
    inner = FakeAssumeRole()
    h.dir.mkdir(parents=True, mode=0o700)
    lock = h.dir / f"{cache_key(inner.cache_identity())}.lock"
    if kind == "fifo":
        os.mkfifo(lock, 0o600)
        why = "the lock file is not a regular file of this user"
    else:
        (tmp_path / "elsewhere").write_text("")
        lock.symlink_to(tmp_path / "elsewhere")
        why = "Too many levels of symbolic links"
    creds = h.cached(inner).fetch()
    assert creds.access_key_id == "ASIAFAKE00000001"
    assert h.warnings == [f"cannot lock the credentials cache in {h.dir} ({why}); fetching without the cache"]
    assert not h.entry(inner).exists()


def test_a_new_source_has_not_used_the_cache_yet(h):
    inner = FakeAssumeRole()
    source = h.cached(inner)
    assert (source.from_cache, source.description) == (False, inner.description)


def test_a_cache_directory_whose_name_is_too_long(tmp_path):
    directory = tmp_path / ("x" * 300)
    warnings: list[str] = []
    inner = FakeAssumeRole()
    CachedSource(inner, cache_dir=directory, warn=warnings.append).fetch()  # type: ignore[arg-type]
    assert inner.calls == 1
    assert warnings == [f"cannot use the credentials cache {directory} (File name too long); continuing without it"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a directory to another user")
def test_a_cache_directory_of_another_user_is_named_so(h):
    inner = FakeAssumeRole()
    h.cached(inner).fetch()
    os.chown(h.dir, 65534, 65534)
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert h.warnings == [f"the credentials cache {h.dir} belongs to another user; continuing without it"]


@pytest.mark.skipif(os.geteuid() != 0, reason="a umask that takes the owner's write bit needs root to go on")
def test_a_directory_it_just_made_under_a_strict_umask_is_trusted_without_a_warning(h):
    inner = FakeAssumeRole()
    old = os.umask(0o277)  # mkdir's 0700 becomes 0500: fixed to 0700 at once, silently
    try:
        h.cached(inner).fetch()
        source = h.cached(inner)
        source.fetch()
    finally:
        os.umask(old)
    assert mode(h.dir) == 0o700
    assert h.warnings == []
    assert source.from_cache
