"""The region: --region > AWS_REGION > AWS_DEFAULT_REGION > the profile's (from the AWS config file)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cloudshell_docker.credentials.region import resolve_region
from cloudshell_docker.errors import UsageError
from tests.support.engine import REPO
from tests.support.proc import clean_env

CONFIG = """\
[default]
region = us-west-2

[profile csdt-a]
region = ap-northeast-1

[profile csdt-noregion]
output = json
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    path.write_text(CONFIG)
    return path


@pytest.mark.parametrize(
    ("explicit", "variables", "profile", "region"),
    [
        ("eu-north-1", {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-2"}, "csdt-a", "eu-north-1"),
        (None, {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-2"}, "csdt-a", "eu-west-1"),
        (None, {"AWS_DEFAULT_REGION": "eu-west-2"}, "csdt-a", "eu-west-2"),
        (None, {"AWS_REGION": "", "AWS_DEFAULT_REGION": "eu-west-2"}, None, "eu-west-2"),  # empty is unset
        (None, {}, "csdt-a", "ap-northeast-1"),
        (None, {"AWS_PROFILE": "csdt-a"}, None, "ap-northeast-1"),
        (None, {"AWS_DEFAULT_PROFILE": "csdt-a"}, None, "ap-northeast-1"),
        (None, {"AWS_PROFILE": "default"}, "csdt-a", "ap-northeast-1"),  # the option beats AWS_PROFILE
        (None, {}, None, "us-west-2"),  # the default profile
        (None, {}, "csdt-noregion", None),
        (None, {}, "csdt-unknown", None),  # the credential source reports an unknown profile
    ],
)
def test_precedence(config, explicit, variables, profile, region):
    environ = {"AWS_CONFIG_FILE": str(config), **variables}
    assert resolve_region(explicit, environ, profile) == region


def test_none_without_any_config(tmp_path):
    assert resolve_region(None, {"AWS_CONFIG_FILE": str(tmp_path / "missing")}) is None
    assert resolve_region(None, {"HOME": str(tmp_path)}) is None


def test_config_in_home(tmp_path):
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "config").write_text("[default]\nregion = ca-central-1\n")
    assert resolve_region(None, {"HOME": str(tmp_path)}) == "ca-central-1"
    # AWS_CONFIG_FILE may start with ~ too: the environment's HOME expands it.
    assert resolve_region(None, {"HOME": str(tmp_path), "AWS_CONFIG_FILE": "~/.aws/config"}) == "ca-central-1"


def test_unreadable_config_gives_no_region(tmp_path):
    broken = tmp_path / "config"
    broken.write_text("[default\nregion = x\n")
    assert resolve_region(None, {"AWS_CONFIG_FILE": str(broken)}) is None


@pytest.mark.parametrize("bad", ["", "eu west 1", "-eu-west-1", "123", "eu-west-1/", "a" * 64])
def test_bad_explicit_region(bad):
    with pytest.raises(UsageError) as caught:
        resolve_region(bad, {})
    assert str(caught.value) == f"invalid --region {bad!r}: expected a region name such as eu-west-1"


PROBE = textwrap.dedent("""
    import json, os, sys
    from cloudshell_docker.credentials.region import resolve_region
    region = resolve_region(None, dict(os.environ), None)
    print(json.dumps({"region": region, "botocore": "botocore" in sys.modules}))
""")


@pytest.mark.parametrize(
    ("variables", "region", "botocore"),
    [
        ({"AWS_REGION": "eu-west-1"}, "eu-west-1", False),
        ({"AWS_DEFAULT_REGION": "eu-west-2"}, "eu-west-2", False),
        ({}, "us-west-2", True),  # only the profile knows: botocore's config loader is needed
    ],
)
def test_botocore_only_when_needed(config, tmp_path, variables, region, botocore):
    env = clean_env({"AWS_CONFIG_FILE": str(config), "HOME": str(tmp_path), "PYTHONPATH": str(REPO), **variables})
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60,
                          cwd=str(REPO))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"region": region, "botocore": botocore}


# Pinned where the tests above left room (found by scripts/mutation.sh):


def test_absolute_config_file_is_used_as_given_when_home_is_set(tmp_path):
    config = tmp_path / "elsewhere" / "config"
    config.parent.mkdir()
    config.write_text("[default]\nregion = sa-east-1\n")
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[default]\nregion = eu-south-1\n")
    assert resolve_region(None, {"HOME": str(home), "AWS_CONFIG_FILE": str(config)}) == "sa-east-1"


@pytest.mark.parametrize(
    "text",
    [
        "[default]\nregion =\n",  # `region =` with nothing after it
        "[default]\nregion =\n    sub = x\n",  # a nested section, not a name
    ],
    ids=["empty", "nested"],
)
def test_a_region_that_is_not_a_name_gives_none(tmp_path: Path, text: str):
    config = tmp_path / "config"
    config.write_text(text)
    assert resolve_region(None, {"AWS_CONFIG_FILE": str(config)}) is None
