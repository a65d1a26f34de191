"""``cli.exits.guarded``: one line on stderr and the status each command's exit policy gives
each kind of failure."""

from __future__ import annotations

import pytest

from cloudshell_docker.cli.exits import EXEC_EXITS, QUERY_EXITS, RUN_EXITS, TRANSFER_EXITS, guarded
from cloudshell_docker.errors import CredentialError, EngineError, ExitCode, UsageError


def _raising(err: BaseException):
    def action() -> int:
        raise err

    return action


def test_an_engine_error_in_the_engines_words_is_printed_bare(capsys):
    status = guarded(_raising(EngineError("Error response from daemon: No such container: x",
                                          exit_code=ExitCode.ERROR)), EXEC_EXITS)
    assert status == 1
    assert capsys.readouterr().err == "Error response from daemon: No such container: x\n"


def test_an_engine_error_is_csdockers_own_line_otherwise(capsys):
    status = guarded(_raising(EngineError("Error response from daemon: gone")), RUN_EXITS)
    assert status == 125
    assert capsys.readouterr().err == "csdocker: Error response from daemon: gone\n"


@pytest.mark.parametrize("policy", [RUN_EXITS, EXEC_EXITS])
def test_csdockers_own_failures_keep_its_name(capsys, policy):
    status = guarded(_raising(CredentialError("no credentials")), policy)
    assert status == 125
    assert capsys.readouterr().err == "csdocker: no credentials\n"


def test_env_and_whoami_statuses(capsys):
    assert guarded(_raising(CredentialError("no credentials")), QUERY_EXITS) == 1
    assert guarded(_raising(UsageError("bad flag")), QUERY_EXITS) == 2
    assert guarded(_raising(ValueError("oops")), QUERY_EXITS) == 1
    assert capsys.readouterr().err == ("csdocker: no credentials\ncsdocker: bad flag\n"
                                       "csdocker: internal error: ValueError: oops\n")


def test_pull_and_push_statuses(capsys):
    assert guarded(_raising(EngineError("manifest unknown")), TRANSFER_EXITS) == 1
    assert guarded(_raising(UsageError("invalid argument")), TRANSFER_EXITS) == 125
    assert guarded(_raising(CredentialError("no credentials")), TRANSFER_EXITS) == 1
    assert capsys.readouterr().err == "manifest unknown\ncsdocker: invalid argument\ncsdocker: no credentials\n"


def test_a_bug_is_one_line_without_its_traceback(capsys):
    status = guarded(_raising(ValueError("oops")), RUN_EXITS)
    assert status == 125
    assert capsys.readouterr().err == "csdocker: internal error: ValueError: oops\n"


def test_ctrl_c_is_130_for_every_policy(capsys):
    for policy in (RUN_EXITS, EXEC_EXITS, QUERY_EXITS, TRANSFER_EXITS):
        assert guarded(_raising(KeyboardInterrupt()), policy) == 130
