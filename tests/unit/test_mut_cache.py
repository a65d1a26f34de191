"""The assumed-role cache, pinned where test_cache left room (found by scripts/mutation.sh).

Each test looks at what a user meets: the credentials a run gets, whether STS was called,
the warning line, and what is left in the cache directory.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from cloudshell_docker.credentials.cache import CachedSource, cache_key, default_cache_dir, with_cache
from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.options.own import SourceOptions
from tests.support.localzone import local_zone
from tests.unit.test_cache import T0, FakeSts, Harness


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_a_regular_file_at_the_directorys_path_is_replaced(h):
    h.dir.parent.mkdir(parents=True)
    h.dir.write_text("not a directory")
    inner = FakeSts()
    h.cached(inner).fetch()
    assert h.warnings == [f"the credentials cache {h.dir} is not a directory; replacing it"]
    assert h.dir.is_dir()
    assert mode(h.dir) == 0o700
    assert h.entry(inner).is_file()
    h.cached(inner).fetch()
    assert inner.calls == 1


def test_from_cache_tells_each_fetch_apart(h):
    inner = FakeSts()
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


def test_a_held_lock_is_given_up_after_lock_timeout(h):
    inner = FakeSts()
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
    assert 0.2 <= waited < 5
    assert h.warnings == [f"the credentials cache entry in {h.dir} stayed locked for 0 s; fetching without the cache"]
    assert not h.entry(inner).exists()  # fetched without the cache: nothing written


@pytest.mark.timeout(20)
def test_a_fifo_in_place_of_the_entry_is_refused_without_hanging(h):
    inner = FakeSts()
    h.dir.mkdir(parents=True, mode=0o700)
    os.mkfifo(h.entry(inner), 0o600)
    creds = h.cached(inner).fetch()
    assert inner.calls == 1
    assert h.warnings == [f"ignoring the cached credentials {h.entry(inner)} (not a regular file); replacing them"]
    assert stat.S_ISREG(os.lstat(h.entry(inner)).st_mode)
    assert creds.secret_access_key in h.entry(inner).read_text()


def test_pruning_keeps_locks_and_other_files_and_removes_stray_temporary_files(h):
    inner = FakeSts()
    h.cached(inner).fetch()
    stale = time.time() - 14 * 3600
    old = {name: h.dir / name for name in ("a" * 64 + ".lock", "notes.txt", ".tmp-0123456789abcdef.json",
                                           ".tmp-someone-else.json", "b" * 64 + ".json")}
    for path in old.values():
        path.write_text("{}")
        os.utime(path, (stale, stale))
    recent = h.dir / ("c" * 64 + ".json")
    recent.write_text("{}")
    h.cached(FakeSts(identity={"role_arn": "another"})).fetch()  # a write prunes
    assert old["a" * 64 + ".lock"].exists()
    assert old["notes.txt"].exists()
    assert not old[".tmp-0123456789abcdef.json"].exists()  # the name csdocker gives its temporary files
    assert old[".tmp-someone-else.json"].exists()
    assert not old["b" * 64 + ".json"].exists()
    assert recent.exists()
    assert h.entry(inner).exists()


def test_an_entry_just_inside_the_prune_age_is_kept(h):
    inner = FakeSts()
    h.cached(inner).fetch()
    young = h.dir / ("d" * 64 + ".json")
    young.write_text("{}")
    then = time.time() - 12 * 3600 - 3000  # the longest session (12 h) plus less than the hour's slack
    os.utime(young, (then, then))
    h.cached(FakeSts(identity={"role_arn": "another"})).fetch()
    assert young.exists()


def test_an_entry_with_a_null_session_token_is_reused(h):
    class NoToken(FakeSts):
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
    inner = FakeSts(lifetime=300)  # the margin is 5 minutes: nothing left to reuse
    h.cached(inner).fetch()
    assert list(h.dir.glob("*.json")) == []
    h.cached(inner).fetch()
    assert inner.calls == 2


def test_an_entry_from_the_future_is_not_reused(h):
    """The clock went back (or the file was planted): fetched later than now is not trusted."""
    inner = FakeSts()
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
    inner = FakeSts()
    h.cached(inner).fetch()
    rewrite(h.entry(inner), **changes)
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert h.warnings == [f"ignoring the cached credentials {h.entry(inner)} (corrupt); replacing them"]


def test_an_entry_just_under_the_size_limit_is_read(h):
    inner = FakeSts()
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
        h.cached(FakeSts()).fetch()
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
    CachedSource(FakeSts(), cache_dir=directory).fetch()  # type: ignore[arg-type]
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"csdocker: warning: the credentials cache {directory} had mode 0755, not 0700; "
                            "ignoring its entries and making it private\n")


def test_a_cache_path_under_a_file_is_given_up_with_its_reason(h, tmp_path):
    (tmp_path / "cache").write_text("a file where a directory should be")
    inner = FakeSts()
    h.cached(inner).fetch()
    assert inner.calls == 1
    assert h.warnings == [f"cannot create the credentials cache {h.dir} (Not a directory); continuing without it"]


def test_a_lock_that_cannot_be_taken_is_given_up_with_its_reason(h):
    inner = FakeSts()
    h.dir.mkdir(parents=True, mode=0o700)
    (h.dir / f"{cache_key(inner.cache_identity())}.lock").mkdir()
    creds = h.cached(inner).fetch()
    assert creds.access_key_id == "ASIAFAKE00000001"
    assert h.warnings == [f"cannot lock the credentials cache in {h.dir} (Is a directory); fetching without the cache"]
    assert not h.entry(inner).exists()


def test_the_lock_file_is_private(h):
    inner = FakeSts()
    h.cached(inner).fetch()
    assert mode(h.dir / f"{cache_key(inner.cache_identity())}.lock") == 0o600


def test_an_entry_missing_a_field_is_corrupt(h):
    inner = FakeSts()
    h.cached(inner).fetch()
    doc = json.loads(h.entry(inner).read_text())
    del doc["AccessKeyId"]
    h.entry(inner).write_text(json.dumps(doc))
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert h.warnings == [f"ignoring the cached credentials {h.entry(inner)} (corrupt); replacing them"]


def test_without_a_directory_given_the_user_cache_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    inner = FakeSts()
    CachedSource(inner, warn=[].append).fetch()  # type: ignore[arg-type]
    source = CachedSource(inner, warn=[].append)  # type: ignore[arg-type]
    source.fetch()
    assert source.from_cache
    assert inner.calls == 1
    assert (tmp_path / "xdg" / "csdocker" / "sts" / f"{cache_key(inner.cache_identity())}.json").is_file()


def test_entries_are_written_and_read_in_utc_whatever_the_local_zone(h):
    inner = FakeSts()
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
    inner = FakeSts()
    h.cached(inner).fetch()
    target = tmp_path / "someone-elses-file"
    target.write_text("{}")
    stale = time.time() - 14 * 3600
    os.utime(target, (stale, stale))
    link = h.dir / ("e" * 64 + ".json")
    link.symlink_to(target)
    h.cached(FakeSts(identity={"role_arn": "another"})).fetch()
    assert link.is_symlink()
    assert target.exists()


def test_with_cache_fetches_through_the_source_it_wraps(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    sts = FakeSts()
    creds = with_cache(sts, SourceOptions()).fetch()
    assert (creds.access_key_id, sts.calls) == ("ASIAFAKE00000001", 1)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_an_entry_of_another_user_is_named_so(h):
    inner = FakeSts()
    h.cached(inner).fetch()
    os.chown(h.entry(inner), 65534, 65534)
    h.cached(inner).fetch()
    assert h.warnings == [f"ignoring the cached credentials {h.entry(inner)} (owned by another user); replacing them"]


def test_an_entry_written_while_waiting_for_the_lock_is_reused(h):
    inner = FakeSts()
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
    inner = FakeSts()
    h.entry(inner).mkdir(parents=True)
    h.dir.chmod(0o700)
    creds = h.cached(inner).fetch()
    assert creds.access_key_id == "ASIAFAKE00000001"
    assert h.warnings == [f"ignoring the cached credentials {h.entry(inner)} (not a regular file); replacing them",
                          f"cannot write to the credentials cache {h.dir} (Is a directory)"]
    assert sorted(p.name for p in h.dir.iterdir() if not p.name.endswith(".lock")) == [h.entry(inner).name]


def test_a_cache_directory_removed_during_the_fetch(h):
    class Wiping(FakeSts):
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
    inner = FakeSts()
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
    inner = FakeSts()
    source = h.cached(inner)
    assert (source.from_cache, source.description) == (False, inner.description)


def test_a_cache_directory_whose_name_is_too_long(tmp_path):
    directory = tmp_path / ("x" * 300)
    warnings: list[str] = []
    inner = FakeSts()
    CachedSource(inner, cache_dir=directory, warn=warnings.append).fetch()  # type: ignore[arg-type]
    assert inner.calls == 1
    assert warnings == [f"cannot use the credentials cache {directory} (File name too long); continuing without it"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a directory to another user")
def test_a_cache_directory_of_another_user_is_named_so(h):
    inner = FakeSts()
    h.cached(inner).fetch()
    os.chown(h.dir, 65534, 65534)
    h.cached(inner).fetch()
    assert inner.calls == 2
    assert h.warnings == [f"the credentials cache {h.dir} belongs to another user; continuing without it"]


@pytest.mark.skipif(os.geteuid() != 0, reason="a umask that takes the owner's write bit needs root to go on")
def test_a_directory_it_just_made_under_a_strict_umask_is_trusted_without_a_warning(h):
    inner = FakeSts()
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
