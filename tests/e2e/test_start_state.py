"""csdocker started as a script's background job or ``nohup`` starts it, side by side with the docker CLI
started the same way: signals ignored at start (taken back exactly where the CLI's Go runtime takes
them back: a run's --sig-proxy asks for every signal, every run and exec for INT and TERM) and
standard fds closed (the CLI's runtime opens /dev/null on them). Through every entry path
(CSDT_ENTRY=server: the client hands both over to the server's child)."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence

import pytest

from tests.support.endpoint import CredentialsEndpoint
from tests.support.engine import REPO, docker, remove_containers, unique_name
from tests.support.proc import CSDOCKER, clean_env, started_as, warm_up

pytestmark = pytest.mark.engine

REGION = "eu-west-1"
TRAPS = ("trap 'echo got INT; exit 5' INT; trap 'echo got HUP; exit 9' HUP; trap 'echo got TERM; exit 7' TERM; "
         "echo ready; while :; do sleep 0.1; done")
# How long a client that took a signal back gets to end of it before the case's own ending is used;
# a slow machine only makes the ending race the signal's effect, which the outputs still tell apart.
_GRACE = 1.5


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Through the server: the server up first, so that every call of these tests is warm."""
    warm_up()


@pytest.fixture(scope="module")
def box(busybox: str) -> Iterator[str]:
    """A running container to exec into."""
    name = unique_name("start-state")
    docker("run", "-d", "--name", name, busybox, "sleep", "3600", check=True)
    yield name
    remove_containers(name)


def command(who: str, words: Sequence[str], endpoint: CredentialsEndpoint) -> tuple[list[str], dict[str, str]]:
    if who == "ours":
        return [*CSDOCKER, *words], clean_env({"AWS_REGION": REGION, **endpoint.environ()})
    return ["docker", *words], clean_env()


def signalled(argv: list[str], env: dict[str, str], sig: int, end: list[str] | None) -> tuple[int, bytes]:
    """Start ``argv``; once the container says ready, send ``sig``; if the client is still there after
    a moment, end the case (``docker ARGS...`` when ``end`` is given, SIGKILL to the client otherwise).
    How the client ended and what it printed."""
    client = subprocess.Popen(argv, env=env, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        assert client.stdout is not None
        assert client.stdout.readline() == b"ready\n"
        time.sleep(0.3)
        client.send_signal(sig)
        try:
            client.wait(timeout=_GRACE)
        except subprocess.TimeoutExpired:
            if end is not None:
                docker(*end)
            else:
                client.send_signal(signal.SIGKILL)
        out, _ = client.communicate(timeout=30)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    return client.returncode, out


@pytest.mark.parametrize(
    ("ignoring", "words", "sig", "expected"),
    [
        # --sig-proxy (the default): the CLI asks for every signal, which takes INT and HUP back.
        ("INT", ["run"], signal.SIGINT, (5, b"got INT\n")),
        ("HUP", ["run"], signal.SIGHUP, (9, b"got HUP\n")),
        # --sig-proxy=false asks for none but INT and TERM: HUP stays ignored (the TERM that ends the
        # case comes from `docker kill`).
        ("HUP", ["run", "--sig-proxy=false"], signal.SIGHUP, (7, b"got TERM\n")),
        # exec: INT taken back (it lets go at once, 0); HUP stays ignored (it would end the client).
        ("INT", ["exec"], signal.SIGINT, (0, b"")),
        ("HUP", ["exec"], signal.SIGHUP, (-signal.SIGKILL, b"")),
    ],
    ids=["run-INT", "run-HUP", "run-no-sig-proxy-HUP", "exec-INT", "exec-HUP"],
)
def test_a_signal_ignored_at_start_is_taken_back_where_the_cli_takes_it(endpoint, busybox, box, names, ignoring,
                                                                         words, sig, expected):
    results = {}
    for who in ("theirs", "ours"):
        if words[0] == "run":
            name = names.new(who)
            args, end = [*words, "--name", name, busybox, "sh", "-c", TRAPS], ["kill", "-s", "TERM", name]
        else:
            args, end = [*words, box, "sh", "-c", TRAPS], None
        argv, env = command(who, args, endpoint)
        results[who] = signalled(started_as(argv, ignoring=[ignoring]), env, sig, end)
    assert results["ours"] == results["theirs"]
    assert results["ours"] == expected


# Output enough for a csdocker that let an engine connection take a closed fd's number to be caught
# writing into it.
STREAMS_SCRIPT = 'c=$(cat); echo "out[$c]"; seq 50000; echo err >&2; exit 3'
SEQ = b"".join(b"%d\n" % number for number in range(1, 50001))


@pytest.mark.parametrize("closing", [(0,), (1,), (2,), (0, 1, 2)], ids=["stdin", "stdout", "stderr", "all"])
@pytest.mark.parametrize("verb", ["run", "exec"])
def test_closed_standard_fds_are_the_clis_dev_null(endpoint, busybox, box, names, verb, closing):
    results = {}
    for who in ("theirs", "ours"):
        target = ["--name", names.new(who), "--rm", busybox] if verb == "run" else [box]
        argv, env = command(who, [verb, "-i", *target, "sh", "-c", STREAMS_SCRIPT], endpoint)
        done = subprocess.run(started_as(argv, closing=closing), env=env, cwd=REPO, input=b"in",
                              capture_output=True, timeout=60)
        results[who] = (done.returncode, done.stdout, done.stderr)
    assert results["ours"] == results["theirs"]
    expected_out = b"" if 1 in closing else (b"out[]\n" if 0 in closing else b"out[in]\n") + SEQ
    assert results["ours"] == (3, expected_out, b"" if 2 in closing else b"err\n")


@pytest.fixture
def silent_registry() -> Iterator[str]:
    """A registry on loopback that takes connections and never answers: a pull through it hangs."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def take() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(listener.accept()[0])

    threading.Thread(target=take, daemon=True).start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for conn in held:
        conn.close()


def test_int_ignored_at_start_ends_a_hanging_pull_as_the_clis(endpoint, names, silent_registry):
    # The CLI asks for INT (and TERM) at its very start, for every command: a run started with INT
    # ignored is still interrupted during its pull, before any container exists (130).
    results = {}
    for who in ("theirs", "ours"):
        args = ["run", "--name", names.new(who), "--pull", "always", f"{silent_registry}/csdt/none:1", "true"]
        argv, env = command(who, args, endpoint)
        client = subprocess.Popen(started_as(argv, ignoring=["INT"]), env=env, cwd=REPO, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            time.sleep(3)  # well into the pull (a slow start only interrupts it earlier)
            client.send_signal(signal.SIGINT)
            out, _ = client.communicate(timeout=30)
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
        results[who] = (client.returncode, out)
    assert results["ours"] == results["theirs"] == (130, b"")
