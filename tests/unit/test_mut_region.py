"""The region from the AWS config file, pinned where test_region left room (found by scripts/mutation.sh)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudshell_docker.credentials.region import resolve_region


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
