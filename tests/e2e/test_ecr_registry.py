"""ECR private images without ``docker login``, on a real registry (distribution v2, TLS, htpasswd) under an
ECR host name, with moto's ECR issuing the token: run, pull and push with an empty docker config; side by
side with the docker CLI logged in to the same registry; the refusals; the precedence of config.json."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.awsenv import moto_role
from tests.support.countproxy import CountingProxy
from tests.support.ecrapi import DeniedEcrApi
from tests.support.ecrregistry import ECR_HOST, ECR_PASSWORD, EcrRegistry
from tests.support.engine import docker
from tests.support.moto import MotoServer
from tests.support.proc import run_csdocker

pytestmark = pytest.mark.engine

TOKEN_ACTION = "GetAuthorizationToken"


@pytest.fixture
def empty_config(tmp_path: Path) -> Path:
    path = tmp_path / "docker-config"
    path.mkdir()
    return path


@pytest.fixture
def logged_in(tmp_path: Path, ecr_registry: EcrRegistry) -> Path:
    """A docker config that ``docker login`` wrote for the registry: the docker CLI's side."""
    path = tmp_path / "logged-in"
    path.mkdir()
    docker("--config", str(path), "login", "-u", "AWS", "--password-stdin", ECR_HOST, input=ECR_PASSWORD, check=True)
    return path


@pytest.fixture
def aws_env(moto: MotoServer, empty_config: Path, tmp_path: Path) -> dict[str, str]:
    """Static keys (the default chain), the ECR API at moto, an empty DOCKER_CONFIG, nothing else of AWS."""
    return {
        "AWS_ACCESS_KEY_ID": "AKIDCSDTECRE2E000001",
        "AWS_SECRET_ACCESS_KEY": "csdt-ecr-e2e-secret-0000000000000000000",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_ECR": moto.url,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "DOCKER_CONFIG": str(empty_config),
    }


@pytest.fixture
def images(ecr_registry: EcrRegistry) -> Iterator[list[str]]:
    """Local tags a test made; untagged afterwards (the source image stays)."""
    made: list[str] = []
    yield made
    ecr_registry.forget(*made)


def seeded(registry: EcrRegistry, images: list[str], who: str) -> str:
    image = registry.seed(f"csdt/{who}")
    images.append(image)
    return image


def normal(text: bytes | str, image: str) -> str:
    """Output with the side's own repository (csdt/WHO-HEX) as REPO."""
    repository = image.split("/", 1)[1].rsplit(":", 1)[0]
    decoded = text.decode() if isinstance(text, bytes) else text
    return decoded.replace(repository, "REPO")


def mounted(text: str) -> list[str]:
    return re.sub(r"Mounted from \S+", "Mounted from ELSEWHERE", text).splitlines()


def assert_no_token(*outputs: bytes) -> None:
    for output in outputs:
        assert ECR_PASSWORD.encode() not in output
        assert base64.b64encode(f"AWS:{ECR_PASSWORD}".encode()) not in output


def test_anonymous_pull_is_refused(ecr_registry, images, empty_config):
    """The control: without credentials the registry lets nobody pull."""
    image = seeded(ecr_registry, images, "anon")
    done = docker("--config", str(empty_config), "pull", image)
    assert done.returncode == 1
    assert done.stderr.startswith("Error response from daemon:")
    assert not ecr_registry.present(image)


def test_run_pulls_with_the_runs_own_identity(ecr_registry, images, aws_env, empty_config, logged_in, names):
    ours_image, theirs_image = seeded(ecr_registry, images, "run-ours"), seeded(ecr_registry, images, "run-cli")
    ours = run_csdocker(["run", "--rm", "--name", names.new("ecr"), ours_image, "echo", "ran"], aws_env)
    theirs = docker("--config", str(logged_in), "run", "--rm", "--name", names.new("ecr"), theirs_image, "echo", "ran")
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert ours.stdout == b"ran\n"
    assert normal(ours.stderr, ours_image) == normal(theirs.stderr, theirs_image)
    assert f"Unable to find image '{ours_image}' locally" in ours.stderr.decode()
    assert list(empty_config.iterdir()) == []
    assert_no_token(ours.stdout, ours.stderr)


@pytest.mark.parametrize("flags", [[], ["-q"], ["--platform", "linux/amd64"]])
def test_pull_as_the_docker_cli_logged_in(ecr_registry, images, aws_env, empty_config, logged_in, flags):
    ours_image, theirs_image = seeded(ecr_registry, images, "pull-ours"), seeded(ecr_registry, images, "pull-cli")
    ours = run_csdocker(["pull", *flags, ours_image], aws_env)
    theirs = docker("--config", str(logged_in), "pull", *flags, theirs_image)
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert normal(ours.stdout, ours_image) == normal(theirs.stdout, theirs_image)
    assert ours.stderr == b""
    assert ours.stdout.decode().endswith(f"{ours_image}\n")
    assert ecr_registry.present(ours_image)
    assert list(empty_config.iterdir()) == []
    assert_no_token(ours.stdout, ours.stderr)


@pytest.mark.parametrize("flags", [[], ["-q"]])
def test_push_as_the_docker_cli_logged_in(ecr_registry, images, aws_env, empty_config, logged_in, flags):
    ours_image, theirs_image = ecr_registry.image("csdt/push-ours"), ecr_registry.image("csdt/push-cli")
    for image in (ours_image, theirs_image):
        docker("tag", "local/busybox", image, check=True)
        images.append(image)
    ours = run_csdocker(["push", *flags, ours_image], aws_env)
    theirs = docker("--config", str(logged_in), "push", *flags, theirs_image)
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    # The layers' lines come in the engine's order, and a layer is mounted from whichever repository has it.
    assert sorted(mounted(normal(ours.stdout, ours_image))) == sorted(mounted(normal(theirs.stdout, theirs_image)))
    assert ours.stderr == b""
    assert list(empty_config.iterdir()) == []
    assert_no_token(ours.stdout, ours.stderr)
    # what was pushed is there: the docker CLI, logged in, pulls it back
    ecr_registry.forget(ours_image)
    assert docker("--config", str(logged_in), "pull", "-q", ours_image).returncode == 0


def test_pull_by_digest_as_the_docker_cli_logged_in(ecr_registry, images, aws_env, logged_in):
    refs = {}
    for who in ("ours", "cli"):
        image = seeded(ecr_registry, images, f"digest-{who}")
        # pulled once, to learn the manifest's digest, then untagged: the pull below really pulls
        assert docker("--config", str(logged_in), "pull", "-q", image).returncode == 0
        repo_digest = docker("image", "inspect", "--format", "{{index .RepoDigests 0}}", image).stdout.strip()
        ecr_registry.forget(image)
        refs[who] = repo_digest
        images.append(repo_digest)
    ours = run_csdocker(["pull", refs["ours"]], aws_env)
    theirs = docker("--config", str(logged_in), "pull", refs["cli"])
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    def same(text: str) -> str:
        return re.sub(r"csdt/digest-(ours|cli)-[0-9a-f]{8}", "csdt/digest-WHO", text)

    assert same(ours.stdout.decode()) == same(theirs.stdout)
    assert ours.stdout.decode().splitlines()[-1] == refs["ours"]


def test_push_of_a_missing_tag_fails_as_the_docker_cli(ecr_registry, images, aws_env, logged_in):
    ours_image, theirs_image = ecr_registry.image("csdt/nopush-ours"), ecr_registry.image("csdt/nopush-cli")
    for image in (ours_image, theirs_image):
        docker("tag", "local/busybox", image.rsplit(":", 1)[0] + ":other", check=True)
        images.append(image.rsplit(":", 1)[0] + ":other")
    ours = run_csdocker(["push", ours_image], aws_env)
    theirs = docker("--config", str(logged_in), "push", theirs_image)
    assert ours.returncode == theirs.returncode == 1
    assert normal(ours.stderr, ours_image) == normal(theirs.stderr, theirs_image)
    assert normal(ours.stdout, ours_image) == normal(theirs.stdout, theirs_image)


def test_pull_of_a_missing_tag_fails_as_the_docker_cli(ecr_registry, images, aws_env, logged_in):
    ours_image = seeded(ecr_registry, images, "notag-ours").rsplit(":", 1)[0]
    theirs_image = seeded(ecr_registry, images, "notag-cli").rsplit(":", 1)[0]
    ours = run_csdocker(["pull", ours_image], aws_env)
    theirs = docker("--config", str(logged_in), "pull", theirs_image)
    assert ours.returncode == theirs.returncode == 1
    assert normal(ours.stdout, ours_image + ":x") == normal(theirs.stdout, theirs_image + ":x") \
        == "Using default tag: latest\n"
    assert normal(ours.stderr, ours_image + ":x") == normal(theirs.stderr, theirs_image + ":x")


def test_access_denied_is_one_line_naming_what_is_missing(ecr_registry, images, aws_env, names, case_label):
    image = seeded(ecr_registry, images, "denied")
    with DeniedEcrApi() as api:
        env = {**aws_env, "AWS_ENDPOINT_URL_ECR": api.url}
        ran = run_csdocker(["run", "--rm", "--label", case_label, "--name", names.new("ecr"), image, "true"], env)
        pulled = run_csdocker(["pull", image], env)
        docker("tag", "local/busybox", image.replace(":1", ":push"), check=True)
        images.append(image.replace(":1", ":push"))
        pushed = run_csdocker(["push", image.replace(":1", ":push")], env)
    assert (ran.returncode, pulled.returncode, pushed.returncode) == (125, 1, 1)
    for done in (ran, pulled, pushed):
        lines = done.stderr.decode().splitlines()
        assert len(lines) == 1 + (done is ran), done.stderr  # run says "Unable to find image" first
        message = lines[-1]
        assert message.startswith("csdocker: ECR refused a token for registry " + ECR_HOST)
        assert "account 123456789012, region us-east-1" in message
        assert "may not call ecr:GetAuthorizationToken (AccessDeniedException: User: arn:aws:sts::" in message
    assert len(api.calls) == 3
    assert not ecr_registry.present(image)
    assert docker("ps", "-aq", "--filter", f"label={case_label}").stdout == ""


def test_a_token_the_registry_refuses_fails_in_the_engines_words(ecr_registry, images, aws_env, tmp_path):
    image = seeded(ecr_registry, images, "refused")
    stale = tmp_path / "stale-cli"
    stale.mkdir()
    (stale / "config.json").write_text(json.dumps(
        {"auths": {ECR_HOST: {"auth": base64.b64encode(b"AWS:not-the-token").decode()}}}))
    theirs = docker("--config", str(stale), "pull", image)
    with DeniedEcrApi(token="AWS:not-the-token") as api:
        ours = run_csdocker(["pull", image], {**aws_env, "AWS_ENDPOINT_URL_ECR": api.url})
        ran = run_csdocker(["run", "--rm", image, "true"], {**aws_env, "AWS_ENDPOINT_URL_ECR": api.url})
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr.decode() == theirs.stderr  # the engine's own words, as the CLI prints them
    assert ran.returncode == 125
    assert ran.stderr.decode().splitlines()[-1] == "csdocker: " + theirs.stderr.strip()
    assert b"not-the-token" not in ours.stderr + ran.stderr


def test_a_stale_auths_entry_does_not_break_the_pull(ecr_registry, images, aws_env, empty_config):
    image = seeded(ecr_registry, images, "stale")
    config = {"auths": {ECR_HOST: {"auth": base64.b64encode(b"AWS:expired-token-from-yesterday").decode()}}}
    (empty_config / "config.json").write_text(json.dumps(config))
    pulled = run_csdocker(["pull", "-q", image], aws_env)
    assert (pulled.returncode, pulled.stdout) == (0, f"{image}\n".encode()), pulled.stderr
    ecr_registry.forget(image)
    ran = run_csdocker(["run", "--rm", image, "echo", "ran"], aws_env)
    assert (ran.returncode, ran.stdout) == (0, b"ran\n"), ran.stderr
    assert json.loads((empty_config / "config.json").read_text()) == config  # left as it was


def credential_helper(directory: Path, secret: str) -> Path:
    """A docker-credential-csdt on PATH that holds ``secret`` for the registry and logs each call."""
    directory.mkdir()
    log = directory / "calls.log"
    script = directory / "docker-credential-csdt"
    answer = json.dumps({"ServerURL": ECR_HOST, "Username": "AWS", "Secret": secret})
    script.write_text(f"#!/bin/sh\nread server\necho \"$1 $server\" >> {log}\n"
                      f"[ \"$1\" = get ] && [ \"$server\" = {ECR_HOST} ] && {{ echo '{answer}'; exit 0; }}\n"
                      "echo 'credentials not found in native keychain'; exit 1\n")
    script.chmod(0o755)
    return log


@pytest.mark.parametrize("key", ["credHelpers", "credsStore"])
def test_a_credential_helper_for_the_registry_wins(ecr_registry, images, aws_env, empty_config, tmp_path, key):
    import os

    image = seeded(ecr_registry, images, "helper")
    log = credential_helper(tmp_path / "helper", ECR_PASSWORD)
    config = {key: {ECR_HOST: "csdt"}} if key == "credHelpers" else {key: "csdt"}
    (empty_config / "config.json").write_text(json.dumps(config))
    env = {**aws_env, "PATH": f"{tmp_path / 'helper'}:{os.environ['PATH']}"}
    with DeniedEcrApi() as api:  # ECR would refuse: the pull works only with the helper's credentials
        pulled = run_csdocker(["pull", "-q", image], {**env, "AWS_ENDPOINT_URL_ECR": api.url})
    assert (pulled.returncode, pulled.stdout) == (0, f"{image}\n".encode()), pulled.stderr
    assert api.calls == []
    assert f"get {ECR_HOST}" in log.read_text()


def test_a_credential_store_without_the_registry_leaves_it_to_ecr(ecr_registry, images, aws_env, empty_config,
                                                                  tmp_path):
    import os

    image = seeded(ecr_registry, images, "store")
    log = credential_helper(tmp_path / "helper", ECR_PASSWORD)
    (empty_config / "config.json").write_text(json.dumps({"credsStore": "csdt"}))
    script = tmp_path / "helper" / "docker-credential-csdt"
    script.write_text(script.read_text().replace(f"= {ECR_HOST} ]", "= elsewhere.example ]"))
    with CountingProxy(aws_env["AWS_ENDPOINT_URL_ECR"]) as proxy:
        env = {**aws_env, "PATH": f"{tmp_path / 'helper'}:{os.environ['PATH']}", "AWS_ENDPOINT_URL_ECR": proxy.url}
        pulled = run_csdocker(["pull", "-q", image], env)
    assert pulled.returncode == 0, pulled.stderr
    assert proxy.count(TOKEN_ACTION) == 1
    assert f"get {ECR_HOST}" in log.read_text()


def test_a_present_image_asks_ecr_nothing(ecr_registry, images, aws_env, names):
    image = seeded(ecr_registry, images, "present")
    with CountingProxy(aws_env["AWS_ENDPOINT_URL_ECR"]) as proxy:
        env = {**aws_env, "AWS_ENDPOINT_URL_ECR": proxy.url}
        first = run_csdocker(["run", "--rm", "--name", names.new("ecr"), image, "true"], env)
        assert first.returncode == 0, first.stderr
        assert proxy.count(TOKEN_ACTION) == 1
        again = run_csdocker(["run", "--rm", "--name", names.new("ecr"), image, "echo", "local"], env)
        assert (again.returncode, again.stdout, again.stderr) == (0, b"local\n", b"")
        assert proxy.count(TOKEN_ACTION) == 1  # present: no pull, no token
        always = run_csdocker(["run", "--rm", "--pull", "always", "--name", names.new("ecr"), image, "true"], env)
        assert always.returncode == 0, always.stderr
        assert proxy.count(TOKEN_ACTION) == 2
        never = run_csdocker(["run", "--rm", "--pull", "never", "--name", names.new("ecr"), image, "true"], env)
        assert never.returncode == 0
        assert proxy.count(TOKEN_ACTION) == 2


def test_no_credentials_is_one_line(ecr_registry, images, aws_env):
    image = seeded(ecr_registry, images, "nocreds")
    env = {k: v for k, v in aws_env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    ran = run_csdocker(["run", "--rm", image, "true"], env)
    pulled = run_csdocker(["pull", image], env)
    assert (ran.returncode, pulled.returncode) == (125, 1)
    for done in (ran, pulled):
        assert len(done.stderr.decode().splitlines()) == 1, done.stderr
        assert done.stderr.startswith(b"csdocker: ")
        assert b"credentials" in done.stderr.lower()
    assert not ecr_registry.present(image)


def test_an_unknown_region_is_one_line_and_asks_nobody(aws_env, names):
    image = "123456789012.dkr.ecr.xx-nowhere-9.amazonaws.com/csdt/app:1"
    with DeniedEcrApi() as api:
        env = {**aws_env, "AWS_ENDPOINT_URL_ECR": api.url}
        ran = run_csdocker(["run", "--rm", "--name", names.new("ecr"), image, "true"], env)
        pulled = run_csdocker(["pull", "-q", image], env)
    assert (ran.returncode, pulled.returncode) == (125, 1)
    for done in (ran, pulled):
        assert done.stderr.decode().splitlines()[-1] == (
            "csdocker: unknown AWS region 'xx-nowhere-9' in 123456789012.dkr.ecr.xx-nowhere-9.amazonaws.com: "
            "ECR has no such region (as far as this boto3 knows)")
    assert api.calls == []


def test_source_options_apply_to_pull(ecr_registry, images, aws_env, moto):
    """--role-arn: the token is asked with the assumed role's credentials (STS, then ECR, both at moto)."""
    image = seeded(ecr_registry, images, "role")
    role = moto_role(moto, "csdt-ecr-pull-role")
    with CountingProxy(moto.url) as proxy:
        env = {**aws_env, "AWS_ENDPOINT_URL": proxy.url}
        del env["AWS_ENDPOINT_URL_ECR"]
        pulled = run_csdocker(["pull", "--role-arn", role, "--no-cache", "-q", image], env)
    assert (pulled.returncode, pulled.stdout) == (0, f"{image}\n".encode()), pulled.stderr
    assert (proxy.count("AssumeRole"), proxy.count(TOKEN_ACTION)) == (1, 1)
    assert proxy.actions.index("AssumeRole") < proxy.actions.index(TOKEN_ACTION)


def test_other_registries_still_go_to_the_docker_cli(aws_env):
    done = run_csdocker(["pull", "--bogus-flag", "busybox"], aws_env)
    cli = subprocess.run(["docker", "pull", "--bogus-flag", "busybox"], capture_output=True)
    assert (done.returncode, done.stdout, done.stderr) == (cli.returncode, cli.stdout, cli.stderr)
    assert re.match(rb"unknown flag: --bogus-flag", done.stderr)


def test_relay_run_and_image_pull_spelling(ecr_registry, images, aws_env, empty_config, names):
    """--inject relay pulls with the same identity; ``image pull`` is ``pull``."""
    image = seeded(ecr_registry, images, "relay")
    ran = run_csdocker(["run", "--inject", "relay", "--rm", "--name", names.new("ecr"), image, "echo", "ran"],
                       aws_env)
    assert (ran.returncode, ran.stdout) == (0, b"ran\n"), ran.stderr
    ecr_registry.forget(image)
    pulled = run_csdocker(["image", "pull", "-q", image], aws_env)
    assert (pulled.returncode, pulled.stdout, pulled.stderr) == (0, f"{image}\n".encode(), b"")
    assert list(empty_config.iterdir()) == []


def test_the_global_config_option_chooses_the_config_read(ecr_registry, images, aws_env, tmp_path):
    """``csdocker --config DIR pull``: DIR's credential helper is the one that wins, as with the CLI."""
    import os

    image = seeded(ecr_registry, images, "cfgopt")
    log = credential_helper(tmp_path / "helper", ECR_PASSWORD)
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    (chosen / "config.json").write_text(json.dumps({"credHelpers": {ECR_HOST: "csdt"}}))
    with DeniedEcrApi() as api:
        env = {**aws_env, "AWS_ENDPOINT_URL_ECR": api.url, "PATH": f"{tmp_path / 'helper'}:{os.environ['PATH']}"}
        pulled = run_csdocker(["--config", str(chosen), "pull", "-q", image], env)
    assert pulled.returncode == 0, pulled.stderr
    assert api.calls == []
    assert f"get {ECR_HOST}" in log.read_text()


@pytest.mark.parametrize("helper", ["broken", "missing"])
def test_a_failing_credential_helper_is_one_line(ecr_registry, images, aws_env, empty_config, tmp_path, helper):
    """The helper the user chose for the registry fails: said in one line (the docker CLI would go on
    anonymously and report only the registry's refusal); ECR is not asked behind the user's back."""
    import os

    image = seeded(ecr_registry, images, "badhelper")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "docker-credential-broken"
    script.write_text("#!/bin/sh\necho 'the vault is locked'\nexit 1\n")
    script.chmod(0o755)
    (empty_config / "config.json").write_text(json.dumps({"credHelpers": {ECR_HOST: helper}}))
    with CountingProxy(aws_env["AWS_ENDPOINT_URL_ECR"]) as proxy:
        env = {**aws_env, "PATH": f"{bin_dir}:{os.environ['PATH']}", "AWS_ENDPOINT_URL_ECR": proxy.url}
        pulled = run_csdocker(["pull", image], env)
        ran = run_csdocker(["run", "--rm", image, "true"], env)
    assert (pulled.returncode, ran.returncode) == (1, 125)
    expected = {"broken": 'error getting credentials - err: Credentials store docker-credential-broken exited with '
                          '"the vault is locked ".',
                "missing": "error getting credentials - err: docker-credential-missing not installed or not "
                           "available in PATH"}[helper]
    assert pulled.stderr.decode() == expected + "\n"
    assert ran.stderr.decode().splitlines()[-1] == "csdocker: " + expected
    assert proxy.count(TOKEN_ACTION) == 0
    assert not ecr_registry.present(image)


def screen(output: bytes) -> list[str]:
    """What a terminal shows at the end of ``output`` (the escapes the progress display uses:
    CR, LF, cursor up/down, erase line)."""
    lines, row, col = [""], 0, 0
    for token in re.findall(rb"\x1b\[\d*[ABK]|\r|\n|[^\x1b\r\n]+", output):
        if token == b"\r":
            col = 0
        elif token == b"\n":
            row += 1
            lines.extend([""] * (row + 1 - len(lines)))
        elif token.startswith(b"\x1b["):
            count = int(token[2:-1] or b"1")
            if token.endswith(b"A"):
                row -= count
            elif token.endswith(b"B"):
                row += count
                lines.extend([""] * (row + 1 - len(lines)))
            else:
                lines[row] = ""
        else:
            text = token.decode()
            lines[row] = lines[row][:col] + text + lines[row][col + len(text):]
            col += len(text)
    return [line.rstrip() for line in lines if line.strip()]


@pytest.mark.parametrize("command", ["pull", "push"])
def test_progress_on_a_terminal_as_the_docker_cli(ecr_registry, images, aws_env, logged_in, command):
    import pexpect

    from tests.support.proc import CSDOCKER, clean_env

    ecr_registry.seed("csdt/warm")  # the layers are in the registry: each side's push mounts them alike
    refs = {}
    for who in ("ours", "cli"):
        if command == "pull":
            refs[who] = seeded(ecr_registry, images, f"tty-{who}")
        else:
            refs[who] = ecr_registry.image(f"csdt/tty-{who}")
            docker("tag", "local/busybox", refs[who], check=True)
            images.append(refs[who])
    shown = {}
    for who, argv in (("ours", [*CSDOCKER, command, refs["ours"]]),
                      ("cli", ["docker", "--config", str(logged_in), command, refs["cli"]])):
        child = pexpect.spawn(argv[0], argv[1:], env=clean_env(aws_env), dimensions=(24, 100), timeout=120)
        output = child.read()
        child.close()
        assert child.exitstatus == 0, output
        shown[who] = [re.sub(r"csdt/(tty-(ours|cli)|warm)-[0-9a-f]{8}", "REPO", line) for line in screen(output)]
    assert shown["ours"] == shown["cli"]
    if command == "pull":
        assert shown["ours"][-1] == f"{ECR_HOST}/REPO:1"
    else:
        assert re.fullmatch(r"1: digest: sha256:[0-9a-f]{64} size: \d+", shown["ours"][-1])
        assert sum(": Mounted from REPO" in line for line in shown["ours"]) == 2  # each layer's line, rewritten
