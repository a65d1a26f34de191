"""The signal relay, in a child process of its own: what it forwards, what it keeps, how it dies."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from cloudshell_docker.attach.signals import signal_name

# A child that starts a relay which prints each forwarded name, then sends itself the signals named
# on its command line (one at a time, each after the previous was handled).
CHILD = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    from cloudshell_docker.attach.signals import SignalRelay
    forwarded = []
    seen = threading.Event()
    def forward(name):
        forwarded.append(name)
        print("forwarded", name, flush=True)
        seen.set()
    proxy = sys.argv[1] == "proxy"
    relay = SignalRelay(forward=forward if proxy else None,
                        on_winch=lambda: print("winch", flush=True),
                        on_fatal=lambda: print("restored", flush=True)).start()
    for name in sys.argv[3:]:
        seen.clear()
        os.kill(os.getpid(), getattr(signal, "SIG" + name) if not name.isdigit() else int(name))
        seen.wait(float(sys.argv[2]))
        time.sleep(0.05)
    print("alive", flush=True)
    relay.stop()
    print("handlers back", signal.getsignal(signal.SIGINT) is signal.default_int_handler,
          signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, flush=True)
    """
)


def child(mode: str, *signals: str, wait: float = 0.3) -> subprocess.CompletedProcess[str]:
    """Run the child; it waits up to ``wait`` seconds for each signal to be forwarded."""
    return subprocess.run([sys.executable, "-c", CHILD, mode, str(wait), *signals], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize(
    ("signum", "name"),
    [
        (signal.SIGTERM, "TERM"), (signal.SIGINT, "INT"), (signal.SIGHUP, "HUP"), (signal.SIGABRT, "ABRT"),
        (signal.SIGIO, "IO"), (signal.SIGWINCH, "WINCH"), (signal.SIGUSR1, "USR1"), (signal.SIGSYS, "SYS"),
        (34, "RTMIN"), (35, "RTMIN+1"), (49, "RTMIN+15"), (50, "RTMAX-14"), (63, "RTMAX-1"), (64, "RTMAX"),
    ],
)
def test_names_as_the_engine_takes_them(signum, name):
    assert signal_name(signum) == name


def test_every_signal_is_forwarded_and_csdocker_lives_on():
    sent = ["INT", "TERM", "HUP", "QUIT", "USR1", "USR2", "ALRM", "TSTP", "TTIN", "TTOU", "CONT", "WINCH",
            "SEGV", "BUS", "FPE", "ILL", "ABRT", "40", "64"]
    done = child("proxy", *sent, wait=5)
    assert done.returncode == 0, done.stderr
    forwarded = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("forwarded")]
    expected = [name if not name.isdigit() else signal_name(int(name)) for name in sent]
    assert forwarded == expected
    assert "winch" in done.stdout.splitlines()  # the TTY is resized too
    assert "alive" in done.stdout
    assert "handlers back True True" in done.stdout


def test_chld_pipe_urg_are_not_forwarded():
    done = child("proxy", "CHLD", "PIPE", "URG", "USR1")
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith("forwarded")] == ["forwarded USR1"]


@pytest.mark.parametrize("mode", ["proxy", "noproxy"])
def test_the_third_int_or_term_is_a_forced_exit(mode):
    done = child(mode, "TERM", "INT", wait=0.5)
    assert done.returncode == 0, done.stderr  # two are taken in stride
    done = child(mode, "TERM", "INT", "TERM", wait=0.5)
    assert done.returncode == 1
    assert done.stderr.endswith("\ngot 3 SIGTERM/SIGINTs, forcefully exiting\n")
    assert "restored" in done.stdout  # the terminal is given back first
    assert "alive" not in done.stdout
    forwarded = [line for line in done.stdout.splitlines() if line.startswith("forwarded")]
    # The third one races the exit, as in the docker CLI.
    assert forwarded[:2] == (["forwarded TERM", "forwarded INT"] if mode == "proxy" else [])


def test_without_proxy_other_signals_kill_after_restoring_the_terminal():
    done = child("noproxy", "HUP")
    assert done.returncode == -signal.SIGHUP
    assert done.stdout.splitlines() == ["restored"]


def test_without_proxy_winch_only_resizes():
    done = child("noproxy", "WINCH")
    assert done.returncode == 0, done.stderr
    assert "winch" in done.stdout
    assert "forwarded" not in done.stdout


# An exec's relay: nothing forwarded, the first INT lets go, the signals Go ignores ignored while it is installed.
EXEC_CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from cloudshell_docker.attach.signals import GO_IGNORED, SignalRelay
    def let_go():
        print("let go", flush=True)
        raise SystemExit(0)
    relay = SignalRelay(forward=None, on_fatal=lambda: print("restored", flush=True), on_termination=let_go,
                        ignore=GO_IGNORED).start()
    try:
        for name in sys.argv[1:]:
            os.kill(os.getpid(), getattr(signal, "SIG" + name))
            time.sleep(0.05)
        print("alive", flush=True)
    finally:
        relay.stop()
        print("given back", signal.getsignal(signal.SIGUSR1) is signal.SIG_DFL, flush=True)
    """
)


def exec_child(*signals: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", EXEC_CHILD, *signals], capture_output=True, text=True, timeout=60)


def test_an_exec_relay_ignores_what_go_ignores_and_gives_it_back():
    done = exec_child("USR1", "USR2", "ALRM", "IO", "PROF")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["alive", "given back True"]


def test_an_exec_relay_lets_go_at_the_first_int_and_dies_of_hup():
    done = exec_child("INT", "USR1")
    assert (done.returncode, done.stdout.splitlines()) == (0, ["let go", "given back True"])
    done = exec_child("HUP")
    assert (done.returncode, done.stdout.splitlines()) == (-signal.SIGHUP, ["restored"])
