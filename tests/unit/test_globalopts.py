"""split_global_options: docker's global options, parsed as docker (pflag) parses them."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from cloudshell_docker.errors import ExitCode, UsageError
from cloudshell_docker.options.globalopts import GlobalOptions, check_log_level, split_global_options

G = GlobalOptions

PARSES = [
    ([], G(), []),
    (["ps"], G(), ["ps"]),
    (["run", "-H", "x", "img"], G(), ["run", "-H", "x", "img"]),  # after the subcommand: not global
    (["-H", "unix:///s.sock", "ps"], G(hosts=("unix:///s.sock",)), ["ps"]),
    (["--host=tcp://h:1", "ps"], G(hosts=("tcp://h:1",)), ["ps"]),
    (["--host", "tcp://h:1", "ps"], G(hosts=("tcp://h:1",)), ["ps"]),
    (["-Htcp://h:1", "ps"], G(hosts=("tcp://h:1",)), ["ps"]),
    (["-H=tcp://h:1", "ps"], G(hosts=("tcp://h:1",)), ["ps"]),
    (["-H=", "ps"], G(hosts=("=",)), ["ps"]),  # pflag: "-H=" is -H with the value "="
    (["-H", "", "ps"], G(hosts=("",)), ["ps"]),
    (["-H", "a", "-H", "b", "ps"], G(hosts=("a", "b")), ["ps"]),  # refused later, as docker does
    (["-c", "prod", "run", "x"], G(context="prod"), ["run", "x"]),
    (["--context=prod", "run"], G(context="prod"), ["run"]),
    (["-cprod", "run"], G(context="prod"), ["run"]),
    (["--config", "/tmp/cfg", "images"], G(config="/tmp/cfg"), ["images"]),
    (["--config=", "images"], G(config=""), ["images"]),
    (["-D", "ps"], G(debug=True), ["ps"]),
    (["--debug=false", "ps"], G(debug=False), ["ps"]),
    (["-D=0", "ps"], G(debug=False), ["ps"]),
    (["--debug", "false"], G(debug=True), ["false"]),  # a bool never takes the next argument
    (["-l", "debug", "ps"], G(log_level="debug"), ["ps"]),
    (["--log-level=error", "ps"], G(log_level="error"), ["ps"]),
    (["-Dldebug", "ps"], G(debug=True, log_level="debug"), ["ps"]),
    (["-Dl", "warn", "ps"], G(debug=True, log_level="warn"), ["ps"]),
    (["-Dv"], G(debug=True, version=True), []),
    (["-v"], G(version=True), []),
    (["--version"], G(version=True), []),
    (["--version=false", "ps"], G(version=False), ["ps"]),
    (["--tls", "ps"], G(tls=True), ["ps"]),
    (["--tls=false", "ps"], G(tls=False), ["ps"]),
    (["--tlsverify", "ps"], G(tlsverify=True), ["ps"]),
    (["--tlsverify=F", "ps"], G(tlsverify=False), ["ps"]),
    (["--tlsverify=TRUE", "ps"], G(tlsverify=True), ["ps"]),
    (["--tlscacert", "/c/ca.pem", "--tlscert=/c/cert.pem", "--tlskey", "/c/key.pem", "ps"],
     G(tlscacert="/c/ca.pem", tlscert="/c/cert.pem", tlskey="/c/key.pem"), ["ps"]),
    (["--tlscacert", '"/c/ca.pem"', "--tlskey='/c/k.pem'", "ps"],
     G(tlscacert="/c/ca.pem", tlskey="/c/k.pem"), ["ps"]),  # docker's QuotedString drops the quotes
    (["--tlscert", "'/c/x.pem\"", "ps"], G(tlscert="'/c/x.pem\""), ["ps"]),  # unmatched: kept
    (["--", "run", "-it"], G(), ["run", "-it"]),
    (["-D", "--", "ps"], G(debug=True), ["ps"]),
    (["-", "x"], G(), ["-", "x"]),
    (["", "x"], G(), ["", "x"]),
    (["--help"], G(), ["--help"]),  # left for csdocker's own help
    (["-H", "x", "-h", "run"], G(hosts=("x",)), ["-h", "run"]),
    (["container", "run", "img"], G(), ["container", "run", "img"]),
]


@pytest.mark.parametrize(("argv", "options", "rest"), PARSES)
def test_parses_like_docker(argv, options, rest):
    assert split_global_options(argv) == (options, rest)


def test_argv_is_not_modified():
    argv = ["-H", "x", "ps"]
    split_global_options(argv)
    assert argv == ["-H", "x", "ps"]


ERRORS = [
    (["--bogus", "ps"], "unknown flag: --bogus"),
    (["--conf=x", "ps"], "unknown flag: --conf"),
    (["-x", "ps"], "unknown shorthand flag: 'x' in -x"),
    (["-Dx", "ps"], "unknown shorthand flag: 'x' in -x"),
    (["-D=", "ps"], "unknown shorthand flag: '=' in -="),
    (["-H"], "flag needs an argument: 'H' in -H"),
    (["-DH"], "flag needs an argument: 'H' in -H"),
    (["--config"], "flag needs an argument: --config"),
    (["--context"], "flag needs an argument: --context"),
    (["--=x", "ps"], "bad flag syntax: --=x"),
    (["---x", "ps"], "bad flag syntax: ---x"),
    (["--tlsverify=maybe", "ps"],
     'invalid argument "maybe" for "--tlsverify" flag: strconv.ParseBool: parsing "maybe": invalid syntax'),
    (["--tls=", "ps"], 'invalid argument "" for "--tls" flag: strconv.ParseBool: parsing "": invalid syntax'),
    (["-D=maybe", "ps"],
     'invalid argument "maybe" for "-D, --debug" flag: strconv.ParseBool: parsing "maybe": invalid syntax'),
    (["--debug=2", "ps"],
     'invalid argument "2" for "-D, --debug" flag: strconv.ParseBool: parsing "2": invalid syntax'),
]


@pytest.mark.parametrize(("argv", "message"), ERRORS)
def test_errors_are_docker_s_first_line_exit_125(argv, message):
    with pytest.raises(UsageError) as caught:
        split_global_options(argv)
    assert caught.value.message == message
    assert "\n" not in caught.value.message
    assert caught.value.exit_code == ExitCode.DOCKER


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI to compare with")
@pytest.mark.parametrize(("argv", "message"), ERRORS)
def test_errors_match_the_docker_cli(argv, message):
    # Global-option errors are reported before the docker CLI talks to any engine.
    done = subprocess.run(["docker", *argv], capture_output=True, text=True, timeout=30)
    assert done.returncode == 125
    assert done.stderr.splitlines()[0] == message


@pytest.mark.parametrize("level", ["debug", "info", "warn", "warning", "error", "fatal", "panic", "trace", "DEBUG"])
def test_log_levels_docker_accepts(level):
    check_log_level(G(log_level=level))


def test_log_level_docker_refuses():
    with pytest.raises(UsageError) as caught:
        check_log_level(G(log_level="loud"))
    assert caught.value.message == "Unable to parse logging level: loud"
    assert caught.value.exit_code == ExitCode.ERROR
