"""``cli.guarded``: one line on stderr and the right status for each kind of failure."""

from __future__ import annotations

import pytest

from cloudshell_docker.cli import guarded
from cloudshell_docker.errors import CredentialError, EngineError, ExitCode, UsageError


def _raising(err: BaseException):
    def action() -> int:
        raise err

    return action


def test_an_engine_error_in_the_engines_words_is_printed_bare(capsys):
    status = guarded(_raising(EngineError("Error response from daemon: No such container: x",
                                          exit_code=ExitCode.ERROR)), for_run=True, engine_words=True)
    assert status == 1
    assert capsys.readouterr().err == "Error response from daemon: No such container: x\n"


def test_an_engine_error_is_csdockers_own_line_otherwise(capsys):
    status = guarded(_raising(EngineError("Error response from daemon: gone")), for_run=True)
    assert status == 125
    assert capsys.readouterr().err == "csdocker: Error response from daemon: gone\n"


@pytest.mark.parametrize("engine_words", [False, True])
def test_csdockers_own_failures_keep_its_name(capsys, engine_words):
    status = guarded(_raising(CredentialError("no credentials")), for_run=True, engine_words=engine_words)
    assert status == 125
    assert capsys.readouterr().err == "csdocker: no credentials\n"


def test_env_and_whoami_statuses(capsys):
    assert guarded(_raising(CredentialError("no credentials")), for_run=False) == 1
    assert guarded(_raising(UsageError("bad flag")), for_run=False) == 2
    assert capsys.readouterr().err == "csdocker: no credentials\ncsdocker: bad flag\n"


def test_a_bug_is_one_line_without_its_traceback(capsys):
    status = guarded(_raising(ValueError("oops")), for_run=True)
    assert status == 125
    assert capsys.readouterr().err == "csdocker: internal error: ValueError: oops\n"
