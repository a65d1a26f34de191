"""What a csdocker started by a script inherits: signals ignored at start and closed standard fds.

Each case runs in a Python of its own, started that way (pytest's own signal handlers and fds stay
untouched); tests/e2e/test_start_state.py compares the whole with the docker CLI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from cloudshell_docker.attach.signals import take_back_termination_signals

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def python(code: str, *, shell_redirections: str = "", ignoring: str = "") -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh Python whose fds are redirected by sh (``>&-``) and signals ignored by env."""
    command = ["sh", "-c", f'exec "$@" {shell_redirections}', "sh", sys.executable, "-c", textwrap.dedent(code)]
    if ignoring:
        command = ["env", f"--ignore-signal={ignoring}", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": REPO})


REPORT = """
    import os, sys
    for fd in (0, 1, 2):
        where = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else "closed"
        print(fd, where, os.get_inheritable(fd) if where != "closed" else "-", file=open(9, "w", closefd=False))
"""


def test_csdocker_opens_dev_null_on_closed_standard_fds_as_the_go_runtime():
    code = """
        import sys
        from cloudshell_docker.stdfds import open_closed_standard_fds
        assert sys.stdout is None and sys.stdin is None
        opened = open_closed_standard_fds()
        print(opened, file=open(9, "w", closefd=False))
        print("to /dev/null")  # sys.stdout is a stream again, as Python makes one for /dev/null
        assert sys.__stdout__ is sys.stdout and sys.stdin.read() == ""
    """ + textwrap.indent(textwrap.dedent(REPORT), " " * 8)
    done = python(code, shell_redirections="<&- >&- 9>&2")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines[:3] == ["(0, 1)", "0 /dev/null True", "1 /dev/null True"]
    assert lines[3].startswith("2 pipe:")  # an open one is left as it was


def test_an_open_fd_is_left_alone():
    done = python("""
        from cloudshell_docker.stdfds import open_closed_standard_fds
        print(open_closed_standard_fds(), file=open(9, "w", closefd=False))
    """, shell_redirections="9>&2 </dev/null")
    assert done.stderr.strip() == "()"


def test_the_client_opens_them_before_its_socket():
    code = """
        from cloudshell_docker.server.client import open_closed_standard_fds
        open_closed_standard_fds()
    """ + textwrap.indent(textwrap.dedent(REPORT), " " * 8)
    done = python(code, shell_redirections="<&- 2>&- 9>&1")
    assert done.returncode == 0
    assert done.stdout.splitlines()[0::2] == ["0 /dev/null True", "2 /dev/null True"]


def test_the_client_forwards_a_signal_it_was_started_with_ignored_and_gives_it_back_ignored():
    done = python("""
        import os, signal, socket
        from cloudshell_docker.server import client
        ignored = client._ignored_signals()
        assert signal.SIGHUP in ignored and signal.SIGINT not in ignored
        ours, theirs = socket.socketpair()
        client._forward(ours, ignored)
        os.kill(os.getpid(), signal.SIGHUP)  # the child decides: it starts with HUP ignored too
        os.kill(os.getpid(), signal.SIGINT)
        os.kill(os.getpid(), signal.SIGABRT)  # not forwarded by default (it would kill the client) but ignored here
        got = theirs.recv(8)
        client._unforward(ignored)
        print(list(got), signal.getsignal(signal.SIGHUP) == signal.SIG_IGN,
              signal.getsignal(signal.SIGABRT) == signal.SIG_IGN,
              signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    """, ignoring="HUP,ABRT")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [f"[{int(signal.SIGHUP)},", f"{int(signal.SIGINT)},", f"{int(signal.SIGABRT)}]",
                                   "True", "True", "True"]


def test_run_and_exec_take_int_and_term_back_and_leave_hup_ignored():
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        for signum in saved:
            signal.signal(signum, signal.SIG_IGN)
        take_back_termination_signals()
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN  # only a run's --sig-proxy asks for it
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_a_handler_already_there_is_kept():
    def mine(_signum: int, _frame: object) -> None:
        return None

    saved = signal.signal(signal.SIGTERM, mine)
    try:
        take_back_termination_signals()
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, saved)
