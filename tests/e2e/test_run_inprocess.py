"""``runner.run_container`` called in-process on the real engine, with a Terminal made of pipes and files: the
exit status, the bytes on each descriptor, and the hooks (created before start, finished on every way
out, ``detached`` when csdocker returns while the container runs, a failing ``created`` leaving nothing).
Each RunSpec comes from the real parser and translator, adapted to the engine's API version."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator

import pytest

from cloudshell_docker.attach.terminal import Terminal
from cloudshell_docker.engine.api import Engine
from cloudshell_docker.engine.connect import connect
from cloudshell_docker.errors import CsDockerError, EngineError, ExitCode, UsageError
from cloudshell_docker.options.globalopts import GlobalOptions
from cloudshell_docker.run.apiversion import adapt_to_api
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.runner import run_container
from cloudshell_docker.run.spec import RunSpec
from cloudshell_docker.run.translate import translate
from tests.support.engine import REPO, containers_labelled, docker
from tests.support.proc import clean_env
from tests.support.translation import translate_context

pytestmark = pytest.mark.engine


class Recorder:
    """RunHooks that note what happened, and the container's state when ``created`` is called."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, object]] = []

    def created(self, container_id: str) -> None:
        state = json.loads(docker("inspect", container_id).stdout)[0]["State"]["Status"]
        self.calls.append(("created", container_id, state))

    def finished(self, container_id: str, detached: bool) -> None:
        self.calls.append(("finished", container_id, detached))


class Files:
    """stdin from ``data``; stdout and stderr into temporary files."""

    def __init__(self, data: bytes = b"") -> None:
        self.stdin_read, stdin_write = os.pipe()
        threading.Thread(target=self._feed, args=(stdin_write, data), daemon=True).start()
        self.out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.err = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.terminal = Terminal(self.stdin_read, self.out.fileno(), self.err.fileno())

    @staticmethod
    def _feed(fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.close(fd)

    def read(self) -> tuple[bytes, bytes]:
        self.out.seek(0)
        self.err.seek(0)
        return self.out.read(), self.err.read()

    def close(self) -> None:
        os.close(self.stdin_read)
        self.out.close()
        self.err.close()


@pytest.fixture
def engine_api(engine) -> Iterator[Engine]:
    client = connect(GlobalOptions(), clean_env())  # the engine `csdocker run` would pick
    yield Engine(client)
    client.close()


@pytest.fixture
def files() -> Iterator[list[Files]]:
    made: list[Files] = []
    yield made
    for item in made:
        item.close()


def translated(args: list[str], engine_api: Engine) -> RunSpec:
    """The RunSpec ``csdocker run ARGS`` gives the runner (without credentials): the real translator's."""
    context = translate_context(clean_env(), str(REPO))
    return adapt_to_api(translate(parse_run_args(args), context), engine_api.api_version)


def test_run_with_a_terminal_of_pipes(engine_api, names, busybox, files):
    io = Files(b"stdin bytes\0\xff")
    files.append(io)
    hooks = Recorder()
    args = ["-i", "--name", names.new(), busybox, "sh", "-c", "cat; echo err >&2; exit 6"]
    status = run_container(translated(args, engine_api), engine_api, io.terminal, hooks)
    assert status == 6
    assert io.read() == (b"stdin bytes\0\xff", b"err\n")
    (kind, container_id, state), finished = hooks.calls
    assert (kind, state) == ("created", "created")  # before attach and start
    assert finished == ("finished", container_id, False)


def test_detached_run_is_finished_detached(engine_api, names, busybox, files):
    io = Files()
    files.append(io)
    hooks = Recorder()
    args = ["-d", "--name", names.new(), busybox, "sleep", "20"]
    assert run_container(translated(args, engine_api), engine_api, io.terminal, hooks) == 0
    out, err = io.read()
    container_id = out.decode().strip()
    assert hooks.calls[-1] == ("finished", container_id, True)
    assert err == b""


def test_start_failure_is_finished_too(engine_api, names, busybox, files):
    io = Files()
    files.append(io)
    hooks = Recorder()
    with pytest.raises(CsDockerError) as failed:
        run_container(translated(["--rm", "--name", names.new(), busybox, "nosuchcmd"], engine_api), engine_api,
                      io.terminal, hooks)
    assert failed.value.exit_code == 127
    assert "executable file not found" in failed.value.message
    assert [call[0] for call in hooks.calls] == ["created", "finished"]
    assert hooks.calls[-1][2] is False


def test_no_hooks_when_nothing_was_created(engine_api, names, busybox, files):
    io = Files()
    files.append(io)
    hooks = Recorder()
    taken = names.new()
    docker("create", "--name", taken, busybox, "true", check=True)
    with pytest.raises(CsDockerError) as failed:
        run_container(translated(["--name", taken, busybox, "true"], engine_api), engine_api, io.terminal, hooks)
    assert failed.value.exit_code == 125
    assert failed.value.message.startswith("Error response from daemon: Conflict.")
    assert hooks.calls == []


def test_signal_handlers_are_given_back(engine_api, names, busybox, files):
    import signal

    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGWINCH)}
    io = Files()
    files.append(io)
    assert run_container(translated(["--rm", busybox, "true"], engine_api), engine_api, io.terminal) == 0
    assert {signum: signal.getsignal(signum) for signum in before} == before


class FailingHooks(Recorder):
    """RunHooks whose ``created`` fails (as the relay's network connect may), noting the anonymous volumes first."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error
        self.volumes: list[str] = []

    def created(self, container_id: str) -> None:
        super().created(container_id)
        mounts = json.loads(docker("inspect", container_id).stdout)[0]["Mounts"]
        self.volumes = [mount["Name"] for mount in mounts if mount["Type"] == "volume"]
        raise self.error


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        # csdocker's own failure: 125 whatever the words (docker reads "no such file" as 127).
        (EngineError("credential relay: cannot connect the container: no such file or directory"), CsDockerError),
        (UsageError("csdt: a hook's own exit status is not the run's", exit_code=ExitCode.ERROR), CsDockerError),
        (RuntimeError("a bug in a hook"), RuntimeError),
    ],
)
def test_failing_created_hook_leaves_nothing(engine_api, busybox, files, case_label, tmp_path, error, raised):
    io = Files()
    files.append(io)
    hooks = FailingHooks(error)
    cidfile = tmp_path / "cid"
    args = ["-l", case_label, "-v", "/csdt-anonymous", "--cidfile", str(cidfile), busybox, "true"]
    with pytest.raises(raised) as failed:
        run_container(translated(args, engine_api), engine_api, io.terminal, hooks)
    if raised is CsDockerError:
        assert failed.value.exit_code == 125
        assert failed.value.message == str(error)
    else:
        assert failed.value is error
    (_, container_id, state), finished = hooks.calls
    assert state == "created"
    assert finished == ("finished", container_id, False)
    assert containers_labelled(case_label) == []
    assert len(hooks.volumes) == 1
    assert docker("volume", "inspect", hooks.volumes[0]).returncode == 1  # its anonymous volume went with it
    # No ID went into the --cidfile: it is removed, as the CLI removes it when a run has no container,
    # and the next run may use the same path.
    assert not cidfile.exists()
    assert io.read() == (b"", b"")
    again = translated(["--rm", "-l", case_label, "--cidfile", str(cidfile), busybox, "true"], engine_api)
    assert run_container(again, engine_api, io.terminal) == 0
    assert len(cidfile.read_text()) == 64
