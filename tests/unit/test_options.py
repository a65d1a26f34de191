"""csdocker's own options: one table, valid values, and the Typer commands agree with it."""

from __future__ import annotations

import pytest
import typer.main

from cloudshell_docker.cli.app import app
from cloudshell_docker.errors import UsageError
from cloudshell_docker.options.own import OWN_FLAGS, run_own_options, source_options


def test_source_options_from_values():
    opts = source_options({"role_arn": "arn:aws:iam::123456789012:role/x", "tags": ("a=b", "c=d"),
                           "no_cache": True})
    assert opts.role_arn == "arn:aws:iam::123456789012:role/x"
    assert opts.tags == ("a=b", "c=d")
    assert opts.no_cache is True
    assert opts.source == "auto"


@pytest.mark.parametrize(("key", "value"), [("source", "somewhere"), ("inject", "files")])
def test_bad_choices_are_usage_errors(key, value):
    with pytest.raises(UsageError, match=value):
        run_own_options({key: value})


def test_run_only_options():
    own = run_own_options({"inject": "relay", "dry_run": True})
    assert own.inject == "relay"
    assert own.dry_run is True


@pytest.mark.parametrize("command", ["env", "whoami"])
def test_typer_commands_offer_every_source_option(command):
    """env and whoami declare their options in Typer; they must match run's table."""
    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    declared = {opt: param for param in cmd.params for opt in param.opts}
    for flag in OWN_FLAGS:
        if flag.run_only:
            assert flag.name not in declared
            continue
        for name in flag.names:
            assert name in declared, name
            assert declared[name] is declared[flag.name], name  # an alias is the same option
        param = declared[flag.name]
        assert param.is_flag == (not flag.takes_value), flag.name
        assert param.multiple == flag.repeatable, flag.name


def test_every_source_flag_is_a_source_options_field_of_its_kind():
    # source_options passes the parsed values on by dest; the type checker cannot see this through a dict.
    import dataclasses
    import typing

    from cloudshell_docker.options.own import SourceOptions

    hints = typing.get_type_hints(SourceOptions)
    fields = {field.name for field in dataclasses.fields(SourceOptions)}
    for flag in OWN_FLAGS:
        if flag.run_only:
            continue
        assert flag.dest in fields, flag.name
        expected = tuple[str, ...] if flag.repeatable else (str | None if flag.takes_value else bool)
        if flag.dest != "source":  # a Literal: its values are checked by source_options itself
            assert hints[flag.dest] == expected, flag.name


@pytest.mark.parametrize("command", ["env", "whoami"])
def test_typer_commands_help_shows_switches_as_switches(command, capsys, monkeypatch):
    """Typer labels a boolean option <bool> as if it took a value (--help too): not in csdocker's help."""
    monkeypatch.setenv("COLUMNS", "300")  # one row an option: nothing wraps or is cut
    with pytest.raises(SystemExit) as done:
        app([command, "--help"], prog_name="csdocker")
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "<bool>" not in text
    rows = {line.split()[1]: line.split()[2:] for line in text.splitlines() if line.lstrip("│ ").startswith("--")}
    switches = {"--help": "Show", **{",".join(flag.names): flag.help.split()[0] for flag in OWN_FLAGS
                                     if not flag.takes_value and not flag.run_only}}
    for names, first_word in switches.items():
        assert rows[names][0] == first_word, (names, rows[names])  # its help right after its names: no type
    for flag in OWN_FLAGS:
        if flag.takes_value and not flag.run_only and flag.metavar:
            assert rows[",".join(flag.names)][0] == flag.metavar  # a value option keeps its value's name
