"""Every command checks its command line before it looks for credentials, as the docker CLI checks it.

No credentials source is reachable (no AWS variables, an empty HOME) and an MFA device is named: a command
line the docker CLI refuses must be refused with the CLI's words and status, not "no AWS credentials found",
and no MFA code may be asked for (stdin is /dev/null; a prompt would show on stderr). The build's cases are
in test_build_plain.py.
"""

from __future__ import annotations

import pytest

from tests.support.proc import run_csdocker, run_docker

pytestmark = pytest.mark.engine

OWN = ["--role-arn", "arn:aws:iam::123456789012:role/csdt-never", "--mfa-serial", "arn:aws:iam::123456789012:mfa/me"]
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/csdt-never:1"


@pytest.mark.parametrize(("command", "args"), [
    ("run", ["--memory=xx", "local/busybox", "true"]),
    ("run", ["--add-host=bad", "local/busybox", "true"]),
    ("run", ["-p", "99999:1", "local/busybox", "true"]),
    ("run", ["--no-such-flag", "local/busybox", "true"]),
    ("exec", ["-e", "=x", "csdt-no-such-container", "true"]),
    ("exec", ["--no-such-flag", "csdt-no-such-container", "true"]),
    ("pull", ["-q=maybe", ECR]),
    ("pull", ["--no-such-flag", ECR]),
    ("push", ["--disable-content-trust=maybe", ECR]),
], ids=lambda value: value if isinstance(value, str) else " ".join(value))
def test_a_refused_command_line_is_refused_before_credentials(engine, tmp_path, command, args):
    env = {"HOME": str(tmp_path)}
    theirs = run_docker([command, *args], env=env)
    ours = run_csdocker([command, *OWN, *args], env=env)
    assert theirs.returncode == 125
    assert ours.returncode == theirs.returncode
    words = theirs.stderr.decode().splitlines()[0].removeprefix("docker: ")
    assert words in ours.stderr.decode()
    assert b"credentials" not in ours.stderr
    assert b"MFA" not in ours.stderr
    assert b"code" not in ours.stderr.lower()
