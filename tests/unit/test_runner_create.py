"""The pieces of the create phase: exit statuses, --cidfile, pull progress."""

from __future__ import annotations

import os

import pytest

from cloudshell_docker.errors import CsDockerError, EngineError
from cloudshell_docker.run.cidfile import CidFile
from cloudshell_docker.run.exitstatus import exit_code_for, run_failure
from cloudshell_docker.run.pull import ProgressDisplay


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ('exec: "nosuch": executable file not found in $PATH: unknown', 127),
        ('exec: "/etc/passwd": stat /etc/passwd: no such file or directory: unknown', 127),
        ("failed to create the container ID file: open /x/y: no such file or directory", 127),
        ('exec: "/etc": permission denied: unknown', 126),
        ("read /x: is a directory", 126),
        ("Error response from daemon: Conflict. The container name ...", 125),
        ("Error response from daemon: network x not found", 125),
    ],
)
def test_exit_status_read_from_the_message(message, code):
    assert exit_code_for(message) == code
    failure = run_failure(CsDockerError(message))
    assert isinstance(failure, EngineError)
    assert (failure.message, int(failure.exit_code)) == (message, code)


def test_cidfile_that_exists_is_refused_and_kept(tmp_path):
    path = tmp_path / "cid"
    path.write_text("other run")
    with pytest.raises(EngineError) as refused:
        CidFile.open(str(path))
    assert refused.value.message == (
        f"container ID file found, make sure the other container isn't running or delete {path}"
    )
    assert path.read_text() == "other run"


def test_cidfile_in_a_missing_directory(tmp_path):
    path = tmp_path / "no" / "cid"
    with pytest.raises(EngineError) as refused:
        CidFile.open(str(path))
    assert refused.value.message == f"failed to create the container ID file: open {path}: no such file or directory"
    assert exit_code_for(refused.value.message) == 127  # the docker CLI's status for it, too


def test_cidfile_holds_the_id_without_newline(tmp_path):
    path = tmp_path / "cid"
    cid = CidFile.open(str(path))
    assert path.exists()  # claimed before anything is created
    cid.write("f" * 64)
    cid.close()
    assert path.read_text() == "f" * 64


def test_cidfile_is_removed_when_no_id_came(tmp_path):
    path = tmp_path / "cid"
    cid = CidFile.open(str(path))
    cid.close()
    assert not path.exists()


def test_no_cidfile_is_nothing():
    cid = CidFile.open(None)
    cid.write("x")
    cid.close()


PULL = [
    {"status": "Pulling from library/busybox", "id": "latest"},
    {"status": "Pulling fs layer", "progressDetail": {}, "id": "a1"},
    {"status": "Downloading", "progressDetail": {"current": 10, "total": 100}, "progress": "[=>  ] 10B/100B",
     "id": "a1"},
    {"status": "Download complete", "progressDetail": {}, "id": "a1"},
    {"status": "Digest: sha256:1234"},
    {"status": "Status: Downloaded newer image for busybox:latest"},
]


def shown(messages: list[dict], *, is_terminal: bool) -> str:
    read_end, write_end = os.pipe()
    display = ProgressDisplay(write_end, is_terminal=is_terminal)
    for message in messages:
        display.show(message)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as handle:
        return handle.read().decode()


def test_pull_progress_off_a_terminal_is_status_lines_only():
    assert shown(PULL, is_terminal=False) == (
        "latest: Pulling from library/busybox\n"
        "a1: Pulling fs layer\n"
        "a1: Download complete\n"
        "Digest: sha256:1234\n"
        "Status: Downloaded newer image for busybox:latest\n"
    )


def test_pull_progress_on_a_terminal_rewrites_each_layer_line():
    text = shown(PULL, is_terminal=True)
    assert text.startswith("latest: Pulling from library/busybox\n\n")
    assert "\x1b[2K\ra1: Downloading [=>  ] 10B/100B\r" in text
    assert text.endswith("Status: Downloaded newer image for busybox:latest\n")


def test_quiet_pull_shows_nothing():
    display = ProgressDisplay(None, is_terminal=False)
    for message in PULL:
        display.show(message)  # nowhere to write: nothing written, nothing raised
