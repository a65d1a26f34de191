"""Which pull/push command lines csdocker makes itself (one ECR private image, flags it takes over)
and which go to the docker CLI unchanged; csdocker's own options on either."""

from __future__ import annotations

import pytest

from cloudshell_docker.commands.pullpush import plan_transfer
from cloudshell_docker.errors import UsageError

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app"


@pytest.mark.parametrize(("command", "argv", "expected"), [
    # (quiet, platform, default_tag, own)
    ("pull", [f"{ECR}:1"], (False, None, False, {})),
    ("pull", [ECR], (False, None, True, {})),
    ("pull", ["-q", f"{ECR}:1"], (True, None, False, {})),
    ("pull", [f"{ECR}:1", "--quiet"], (True, None, False, {})),  # interspersed, as cobra
    ("pull", ["--quiet=false", f"{ECR}:1"], (False, None, False, {})),
    ("pull", ["--platform", "Linux/AMD64", f"{ECR}:1"], (False, "linux/amd64", False, {})),
    ("pull", ["--disable-content-trust", f"{ECR}@sha256:" + "a" * 64], (False, None, False, {})),
    ("pull", ["-a=false", f"{ECR}:1"], (False, None, False, {})),
    ("pull", ["--role-arn", "arn:aws:iam::123456789012:role/r", f"{ECR}:1"],
     (False, None, False, {"role_arn": "arn:aws:iam::123456789012:role/r"})),
    ("push", ["--profile=dev", "-q", f"{ECR}:1"], (True, None, False, {"profile": "dev"})),
    ("push", [ECR], (False, None, True, {})),
    ("pull", ["--", f"{ECR}:1"], (False, None, False, {})),
])
def test_taken_over(command, argv, expected):
    transfer = plan_transfer(command, argv, {})
    assert transfer is not None
    assert (transfer.quiet, transfer.platform, transfer.default_tag, dict(transfer.own)) == expected


@pytest.mark.parametrize(("command", "argv", "environ"), [
    ("pull", ["busybox"], {}),
    ("pull", ["public.ecr.aws/docker/library/busybox:latest"], {}),
    ("pull", ["127.0.0.1:5000/app:1"], {}),
    ("pull", ["-a", ECR], {}),
    ("pull", ["--all-tags", ECR], {}),
    ("push", ["--platform", "linux/amd64", f"{ECR}:1"], {}),
    ("push", [f"{ECR}@sha256:" + "a" * 64], {}),
    ("pull", ["--help"], {}),
    ("pull", [f"{ECR}:1", "-h"], {}),
    ("pull", ["--bogus", f"{ECR}:1"], {}),
    ("pull", ["-x", f"{ECR}:1"], {}),
    ("pull", [], {}),
    ("pull", [f"{ECR}:1", f"{ECR}:2"], {}),
    ("pull", ["123456789012.dkr.ecr.us-east-1.amazonaws.com/Team/app"], {}),  # docker's words for it
    ("pull", [f"{ECR}:1"], {"DOCKER_CONTENT_TRUST": "1"}),
    ("pull", ["--disable-content-trust=false", f"{ECR}:1"], {}),  # trust asked for on the command line
])
def test_left_to_the_docker_cli(command, argv, environ):
    assert plan_transfer(command, argv, environ) is None


def test_content_trust_off_by_flag_is_taken_over():
    assert plan_transfer("pull", ["--disable-content-trust", f"{ECR}:1"], {"DOCKER_CONTENT_TRUST": "1"}) is not None


def test_default_platform_from_the_environment_as_the_cli():
    transfer = plan_transfer("pull", [f"{ECR}:1"], {"DOCKER_DEFAULT_PLATFORM": "linux/arm64"})
    assert transfer is not None
    assert transfer.platform == "linux/arm64"


@pytest.mark.parametrize(("argv", "message"), [
    (["--role-arn", "arn:aws:iam::1:role/r", "busybox"], "--role-arn is for csdocker pull of one ECR private image"),
    (["--profile=dev", "-a", ECR], "--profile is for csdocker pull"),
    (["--role-arn", "x", "--bogus", f"{ECR}:1"], "unknown flag: --bogus"),
    (["--no-cache=maybe", f"{ECR}:1"], 'invalid argument "maybe" for "--no-cache" flag'),
])
def test_own_options_where_docker_would_get_them_are_an_error(argv, message):
    with pytest.raises(UsageError, match=message):
        plan_transfer("pull", argv, {})
