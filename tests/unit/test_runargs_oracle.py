"""csdocker's translation of each recorded command line equals what the docker CLI sent (or said).

The expected values are not written by hand: tests/unit/data/runargs_oracle.json
holds what the docker CLI 28.2.2 sent to a recording proxy for each case of
tests/support/runargs_cases.py, at API 1.41 and 1.50 (regenerate with
``python -m tests.support.runargs_oracle``; tests/e2e/test_create_conformance.py
re-records and checks the file against the CLI installed here).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cloudshell_docker.errors import UsageError
from cloudshell_docker.run.apiversion import adapt_to_api
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.spec import RunSpec
from cloudshell_docker.run.translate import translate
from tests.support.runargs_cases import CASES, Case
from tests.support.runargs_oracle import (
    SOCKET,
    _replace_strings,
    apply_delta,
    load_oracle,
    normalise_unstable,
    prepare_case,
)
from tests.support.translation import translate_context

ORACLE = load_oracle()
HOST = f"unix://{SOCKET}"
PARAMS = [
    pytest.param(case, version, id=f"{case.id}@{version}")
    for case in CASES
    for version in sorted(ORACLE["cases"][case.id])
]


def csdocker_create(case: Case, version: str, root: Path) -> tuple[RunSpec, str]:
    cwd, env = prepare_case(case, root, HOST)
    context = translate_context(env, str(cwd), HOST)
    spec = adapt_to_api(translate(parse_run_args(case.argv), context), version)
    return spec, str(cwd)


def expected_body(version: str, observed: dict[str, Any], cwd: str) -> dict[str, Any]:
    body = apply_delta(ORACLE["baseline"][version], observed["delta"])
    return _replace_strings(body, "{CWD}", cwd)


@pytest.mark.parametrize(("case", "version"), PARAMS)
def test_translation_matches_the_docker_cli(case: Case, version: str, tmp_path: Path) -> None:
    observed = ORACLE["cases"][case.id][version]
    if "error" in observed:
        with pytest.raises(UsageError) as caught:
            csdocker_create(case, version, tmp_path)
        assert (caught.value.message, int(caught.value.exit_code)) == (observed["error"], observed["exit"])
        return
    spec, cwd = csdocker_create(case, version, tmp_path)
    assert normalise_unstable(spec.config) == normalise_unstable(expected_body(version, observed, cwd))
    query = _replace_strings(observed["query"], "{CWD}", cwd)
    assert spec.name == query.get("name")
    assert spec.platform == query.get("platform")


def test_the_oracle_covers_every_case() -> None:
    assert sorted(ORACLE["cases"]) == sorted(case.id for case in CASES)
    assert ORACLE["docker_cli"] == "28.2.2"
