"""The flag table: complete against `docker run --help`, no clash with csdocker's own options, all translated."""

from __future__ import annotations

import pytest

from cloudshell_docker.engine.apiversions import version_tuple
from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.own import OWN_FLAGS
from cloudshell_docker.run.flags import DOCKER_FLAGS, by_long_name, by_short_name
from cloudshell_docker.run.parse import parse_run_args
from cloudshell_docker.run.translate import CONSUMED_FLAGS
from tests.support.clihelp import docker_help_flags
from tests.support.runargs_cases import CASES
from tests.support.runargs_oracle import load_oracle

DOCKER_SPELLINGS = {spelling for flag in DOCKER_FLAGS for spelling in (flag.name, *flag.aliases)}
DOCKER_SHORTS = {flag.short for flag in DOCKER_FLAGS if flag.short}


@pytest.mark.parametrize("own", OWN_FLAGS, ids=[flag.name for flag in OWN_FLAGS])
def test_no_own_option_is_a_docker_flag_or_alias(own):
    for name in own.names:
        assert name.startswith("--")
        assert len(name) > 3
        assert name not in DOCKER_SPELLINGS
        assert name[1:] not in DOCKER_SHORTS  # "-x" spelled as a long option would still be ambiguous


def test_every_spelling_names_one_flag():
    spellings = [spelling for flag in DOCKER_FLAGS for spelling in (flag.name, *flag.aliases)]
    shorts = [flag.short for flag in DOCKER_FLAGS if flag.short]
    assert len(spellings) == len(set(spellings))
    assert len(shorts) == len(set(shorts))
    for flag in DOCKER_FLAGS:
        assert by_long_name(flag.name) is flag
        for alias in flag.aliases:
            assert by_long_name(alias) is flag
        if flag.short:
            assert by_short_name(flag.short) is flag


def test_hidden_aliases_are_the_clis():
    assert {alias: by_long_name(alias).name for flag in DOCKER_FLAGS for alias in flag.aliases} == {
        "--net": "--network", "--net-alias": "--network-alias", "--dns-opt": "--dns-option"}


def test_every_flag_is_translated():
    assert {flag.name for flag in DOCKER_FLAGS} == CONSUMED_FLAGS


def test_every_flag_appears_in_a_recorded_case():
    oracle = load_oracle()["cases"]
    with_body: set[str] = set()
    anywhere: set[str] = set()
    for case in CASES:
        try:
            names = {name for name, _ in parse_run_args(case.argv).converted.items}
        except UsageError:
            continue
        anywhere |= names
        if any("delta" in observed for observed in oracle[case.id].values()):
            with_body |= names
    table = {flag.name for flag in DOCKER_FLAGS}
    assert table - anywhere == {"--help"}  # --help prints usage: nothing to record
    windows_only = {flag.name for flag in DOCKER_FLAGS if flag.os_type == "windows"}
    assert table - with_body == windows_only | {"--help"}


def docker_run_help(api_version: str) -> dict[str, tuple[str | None, str]]:
    """The flags `docker run --help` lists when the daemon speaks ``api_version``: name -> (short, type)."""
    return docker_help_flags("run", api_version)


@pytest.mark.parametrize("api_version", ["1.41", "1.50"])
def test_table_is_what_docker_run_help_lists(api_version):
    listed = docker_run_help(api_version)
    shown = {flag.name: (flag.short, flag.kind.type_name) for flag in DOCKER_FLAGS
             if flag.os_type is None and (flag.min_api is None
                                          or version_tuple(flag.min_api) <= version_tuple(api_version))}
    assert listed == shown
    assert len(listed) == {"1.41": 98, "1.50": 100}[api_version]
