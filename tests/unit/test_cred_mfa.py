"""The MFA code is asked on the terminal (/dev/tty), never read from stdin."""

from __future__ import annotations

import shlex
import subprocess
import sys
import textwrap

import pexpect
import pytest

from tests.support.engine import REPO
from tests.support.proc import clean_env

PROBE = textwrap.dedent("""
    import sys
    from cloudshell_docker.credentials.mfa import tty_prompt
    from cloudshell_docker.errors import CredentialError
    try:
        code = tty_prompt("MFA code for arn:aws:iam::123456789012:mfa/csdt: ")
    except CredentialError as err:
        print("ERROR:", err)
        sys.exit(3)
    print("CODE:", repr(code))
""")


def test_reads_the_terminal_not_stdin(tmp_path):
    env = clean_env({"PYTHONPATH": str(REPO)})
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    # stdin is a pipe holding a decoy; the code comes from the pseudo-terminal.
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(probe))} <<< 999999"
    child = pexpect.spawn("bash", ["-c", command], env=env, cwd=str(REPO), timeout=30, encoding="utf-8")
    child.expect_exact("MFA code for arn:aws:iam::123456789012:mfa/csdt: ")
    child.sendline("314159")
    child.expect(pexpect.EOF)
    assert "CODE: '314159'" in child.before
    assert "999999" not in child.before


def test_no_terminal_is_a_clear_error():
    env = clean_env({"PYTHONPATH": str(REPO)})
    # A new session has no controlling terminal: /dev/tty cannot be opened.
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL, start_new_session=True, cwd=str(REPO))
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stdout.strip() == ("ERROR: an MFA code is needed but there is no terminal to ask it on: "
                                   "give it with --mfa-token")


def test_end_of_input_on_the_terminal():
    env = clean_env({"PYTHONPATH": str(REPO)})
    child = pexpect.spawn(sys.executable, ["-c", PROBE], env=env, cwd=str(REPO), timeout=30, encoding="utf-8")
    child.expect_exact("MFA code for")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert "ERROR: no MFA code was entered (end of input on the terminal)" in child.before
    assert child.exitstatus == 3


@pytest.mark.parametrize("answer", ["123456", "  123456  "])
def test_answer_is_trimmed(answer):
    env = clean_env({"PYTHONPATH": str(REPO)})
    child = pexpect.spawn(sys.executable, ["-c", PROBE], env=env, cwd=str(REPO), timeout=30, encoding="utf-8")
    child.expect_exact("MFA code for")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    assert "CODE: '123456'" in child.before
