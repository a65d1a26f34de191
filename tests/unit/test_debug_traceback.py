"""-D/--debug: an internal error (a bug) shows its full traceback, redacted; without it, one line.

In-process through cli.main, with the command's function replaced by one that fails as a bug would.
"""

from __future__ import annotations

import secrets

import pytest

from cloudshell_docker import cli
from cloudshell_docker.redact import register_secret


def _fail_with(secret: str):
    def inner() -> None:
        raise KeyError(f"no entry for {secret}")

    def failing(*_args, **_kwargs) -> int:
        try:
            inner()
        except KeyError as err:
            raise RuntimeError(f"lookup failed, token={secret}") from err
        return 0

    return failing


def _main(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    return int(exited.value.code or 0)


@pytest.fixture
def secret() -> str:
    value = "csdt-secret-" + secrets.token_hex(12)
    register_secret(value)
    return value


@pytest.fixture
def failing_run(monkeypatch, secret):
    import cloudshell_docker.run.command as command

    monkeypatch.setattr(command, "run_command", _fail_with(secret))


@pytest.mark.usefixtures("failing_run")
@pytest.mark.parametrize("debug_flag", ["-D", "--debug", "--debug=true"])
def test_debug_shows_the_traceback_of_an_internal_error(debug_flag, secret, capsys):
    code = _main([debug_flag, "run", "local/busybox"])
    err = capsys.readouterr().err
    assert code == 125
    assert err.startswith("Traceback (most recent call last):\n")
    assert "in inner" in err  # the frame that raised, and its cause's chain
    assert "The above exception was the direct cause of the following exception" in err
    assert err.rstrip("\n").splitlines()[-1] == "csdocker: internal error: RuntimeError: lookup failed, token=***"


@pytest.mark.usefixtures("failing_run")
def test_no_registered_secret_in_any_line_of_the_traceback(secret, capsys):
    _main(["-D", "run", "local/busybox"])
    err = capsys.readouterr().err
    assert secret not in err
    assert "KeyError: 'no entry for ***'" in err
    assert "RuntimeError: lookup failed, token=***" in err


@pytest.mark.usefixtures("failing_run")
@pytest.mark.parametrize("argv", [["run", "local/busybox"], ["--debug=false", "run", "local/busybox"]])
def test_without_debug_an_internal_error_is_one_line(argv, capsys):
    code = _main(argv)
    assert code == 125
    assert capsys.readouterr().err == "csdocker: internal error: RuntimeError: lookup failed, token=***\n"


def test_debug_reaches_the_typer_commands(monkeypatch, secret, capsys):
    import cloudshell_docker.commands.whoami as whoami

    monkeypatch.setattr(whoami, "whoami_command", _fail_with(secret))
    assert _main(["-D", "whoami"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last):" in err
    assert secret not in err
    monkeypatch.setattr(whoami, "whoami_command", _fail_with(secret))
    assert _main(["whoami"]) == 1
    assert capsys.readouterr().err == "csdocker: internal error: RuntimeError: lookup failed, token=***\n"


def test_a_csdocker_error_is_one_line_even_with_debug(capsys):
    # Not a bug: a bad flag keeps its one line and exit status under -D too.
    code = _main(["-D", "run", "--memory", "lots", "local/busybox"])
    err = capsys.readouterr().err
    assert code == 125
    assert "Traceback" not in err
    assert err.count("\n") == 1
