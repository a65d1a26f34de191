"""The relay's diagnostics: the source's error lines reach the owner's file, not the container."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from cloudshell_docker.relay.diagnostics import open_diagnostics
from cloudshell_docker.relay.keeper import RECOVERED, CredentialKeeper
from tests.support.relay_sources import FakeClock, RotatingSource

CONTAINER = "c0ffee" * 10 + "abcd"


def test_each_change_of_the_sources_health_is_one_line_in_a_private_file(tmp_path):
    directory = tmp_path / "cache" / "csdocker" / "relay"
    diagnostics = open_diagnostics(CONTAINER, directory)
    assert diagnostics is not None
    source = RotatingSource(FakeClock(datetime.now(UTC).replace(microsecond=0)), lifetime=3600)
    keeper = CredentialKeeper(source, clock=source.clock, sleep=source.clock.sleep)
    keeper.report = diagnostics.write
    keeper.prime()
    source.failing = "sts assume-role arn:aws:iam::123456789012:role/r failed: AccessDenied: not\\nallowed"
    keeper.refresh_now()
    keeper.refresh_now()  # the same error again: no new line
    source.failing = None
    keeper.refresh_now()
    lines = diagnostics.path.read_text().splitlines()
    assert [line.split(" ", 1)[1] for line in lines] == [
        "sts assume-role arn:aws:iam::123456789012:role/r failed: AccessDenied: not\\nallowed",
        f"{source.description}: {RECOVERED}",
    ]
    assert stat.S_IMODE(os.stat(diagnostics.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    diagnostics.close()
    assert not diagnostics.path.exists()  # the follower exits with its container: so does its file


def test_a_symlinked_diagnostics_directory_is_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    directory = tmp_path / "relay"
    directory.symlink_to(elsewhere)
    assert open_diagnostics(CONTAINER, directory) is None
    assert list(elsewhere.iterdir()) == []


def test_a_report_that_fails_does_not_stop_the_keeper(tmp_path):
    source = RotatingSource(FakeClock(datetime.now(UTC).replace(microsecond=0)), lifetime=3600)
    keeper = CredentialKeeper(source, clock=source.clock, sleep=source.clock.sleep)
    keeper.prime()

    def broken(line: str) -> None:
        raise OSError("disk full")

    keeper.report = broken
    source.failing = "boom"
    keeper.refresh_now()
    assert keeper.last_error == "boom"
    source.failing = None
    keeper.refresh_now()
    assert keeper.last_error is None


def test_the_title_replaces_every_argument_in_proc_cmdline(tmp_path):
    script = tmp_path / "title.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from cloudshell_docker.relay.proctitle import set_title\n"
        "print(set_title('csdocker relay abcdef123456'), flush=True)\n"
        "time.sleep(30)\n"
    )
    child = subprocess.Popen([sys.executable, str(script), "--mfa-token", "123456", "--role-arn",
                              "arn:aws:iam::123456789012:role/secret-role"], stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"True"
        cmdline = Path(f"/proc/{child.pid}/cmdline").read_bytes()
        assert cmdline.rstrip(b"\0") == b"csdocker relay abcdef123456"
        ps = subprocess.run(["ps", "-o", "args=", "-p", str(child.pid)], capture_output=True, text=True)
        assert "123456 " not in ps.stdout
        assert "secret-role" not in ps.stdout
        assert ps.stdout.strip() == "csdocker relay abcdef123456"
    finally:
        child.kill()
        child.wait()
