"""The build's secrets: AWS's file formats, the memfds the CLI inherits, the tmpfs fallback and its janitor."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.errors import CredentialError, CsDockerError, UsageError
from cloudshell_docker.imagebuild import secretfds
from cloudshell_docker.imagebuild.leaks import refuse_leaks, secret_id
from cloudshell_docker.imagebuild.secretfds import (
    filesystem_type,
    memfd_sources,
    memory_backed_dir,
    secret_sources,
    tmpfs_sources,
)
from cloudshell_docker.imagebuild.secretfiles import config_file, credentials_file

CREDS = AwsCredentials("ASIAEXAMPLE", "wJalr/secret+key", "FwoG/token==")


def _ini(data: bytes) -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read_string(data.decode())
    return parser


def test_the_credentials_file_reads_back_as_the_sdks_read_it():
    ini = _ini(credentials_file(CREDS))
    assert dict(ini["default"]) == {"aws_access_key_id": "ASIAEXAMPLE", "aws_secret_access_key": "wJalr/secret+key",
                                    "aws_session_token": "FwoG/token=="}


def test_long_lived_keys_have_no_token_line():
    assert b"aws_session_token" not in credentials_file(AwsCredentials("AKIAEXAMPLE", "secret"))


def test_the_config_file_holds_the_region():
    assert dict(_ini(config_file("eu-west-1"))["default"]) == {"region": "eu-west-1"}


@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\0b"])
def test_a_value_with_a_line_break_is_refused_without_showing_it(bad):
    with pytest.raises(CredentialError) as caught:
        credentials_file(AwsCredentials("AKIAEXAMPLE", "secret", bad))
    assert bad not in caught.value.message


def _read_twice_through_the_path(path: str) -> list[bytes]:
    return [Path(path).read_bytes() for _ in range(2)]


def test_memfds_are_reopened_from_the_start_inherited_and_sealed():
    sources = memfd_sources({"aws": b"one", "aws-config": b"two"})
    assert sources is not None
    try:
        assert set(sources.paths) == {"aws", "aws-config"}
        assert _read_twice_through_the_path(sources.paths["aws"]) == [b"one", b"one"]
        for fd in sources.held:
            assert os.get_inheritable(fd)
            assert os.readlink(f"/proc/self/fd/{fd}").startswith("/memfd:csdocker-")
            with pytest.raises(PermissionError):
                os.write(fd, b"x")  # sealed: nobody changes the secret after it is written
        # A child started by exec reads them by the same path (as the docker CLI will).
        child = subprocess.run([sys.executable, "-c", "import sys; print(open(sys.argv[1]).read())",
                                sources.paths["aws-config"]], capture_output=True, text=True, close_fds=False,
                               check=True)
        assert child.stdout.strip() == "two"
    finally:
        sources.close()


def test_without_memfd_create_the_fallback_is_taken(monkeypatch, tmp_path):
    monkeypatch.delattr(os, "memfd_create")
    assert memfd_sources({"aws": b"x"}) is None
    monkeypatch.setattr(secretfds, "memory_backed_dir", lambda environ: str(tmp_path))
    sources = secret_sources({"aws": b"x"}, {})
    try:
        assert Path(sources.paths["aws"]).read_bytes() == b"x"
    finally:
        sources.close()


MOUNTS = """sysfs /sys sysfs rw 0 0
/dev/sda1 / ext4 rw 0 0
tmpfs /dev/shm tmpfs rw 0 0
tmpfs /run/user/1000 tmpfs rw 0 0
/dev/sdb1 /run/user/1000/disk\\040dir ext4 rw 0 0
"""


@pytest.mark.parametrize(("path", "kind"), [("/dev/shm", "tmpfs"), ("/dev/shm/x/y", "tmpfs"), ("/dev", "ext4"),
                                            ("/run/user/1000", "tmpfs"), ("/run/user/1000/disk dir/a", "ext4"),
                                            ("/run/user/10000", "ext4")])
def test_filesystem_type_takes_the_innermost_mount(tmp_path, path, kind):
    (tmp_path / "mounts").write_text(MOUNTS)
    assert filesystem_type(path, str(tmp_path / "mounts")) == kind


def test_a_memory_backed_dir_is_dev_shm_or_the_runtime_dir_and_never_a_disk(tmp_path):
    mounts = tmp_path / "mounts"
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\ntmpfs {runtime} tmpfs rw 0 0\n")
    assert memory_backed_dir({"XDG_RUNTIME_DIR": str(runtime)}, str(mounts)) == str(runtime)
    assert memory_backed_dir({}, str(mounts)) is None
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\n")
    assert memory_backed_dir({"XDG_RUNTIME_DIR": str(runtime)}, str(mounts)) == "/dev/shm"


def test_no_memory_backed_dir_is_an_error_and_nothing_is_written(monkeypatch):
    monkeypatch.setattr(secretfds, "memory_backed_dir", lambda environ: None)
    with pytest.raises(CsDockerError, match="memory-backed"):
        tmpfs_sources({"aws": b"x"}, {})


def _gone(path: Path, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not path.exists()


def test_the_fallback_files_are_private_and_the_janitor_removes_them_when_the_last_holder_ends():
    base = memory_backed_dir(os.environ)
    assert base is not None  # /dev/shm is a tmpfs on the test bed
    sources = tmpfs_sources({"aws": b"secret", "aws-config": b"region"}, os.environ)
    directory = Path(sources.paths["aws"]).parent
    assert directory.parent == Path(base)
    assert directory.stat().st_mode & 0o777 == 0o700
    assert {path.name: (path.stat().st_mode & 0o777, path.read_bytes()) for path in directory.iterdir()} == {
        "aws": (0o600, b"secret"), "aws-config": (0o600, b"region")}
    # A process that inherits the pipe keeps the files alive until it ends, then they go.
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1)"], close_fds=False)
    sources.close()
    time.sleep(0.3)
    assert directory.exists()
    holder.wait()
    assert _gone(directory)


def test_a_killed_holder_still_gets_its_files_removed():
    sources = tmpfs_sources({"aws": b"secret"}, os.environ)
    directory = Path(sources.paths["aws"]).parent
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], close_fds=False)
    sources.close()
    holder.kill()
    holder.wait()
    assert _gone(directory)


@pytest.mark.parametrize(("spec", "found"), [
    ("id=aws,src=/x", "aws"),
    ("src=/x,ID=aws", "aws"),
    ('"id=aws",src=/x', "aws"),
    ("id=other,id=aws-config", "aws-config"),
    ("src=/x", None),
    ("type=env,id=awsx", "awsx"),
])
def test_secret_id_reads_the_clis_csv(spec, found):
    assert secret_id(spec) == found


@pytest.mark.parametrize("build_arg", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY=x", "AWS_SESSION_TOKEN="])
def test_credential_build_args_are_refused(build_arg):
    with pytest.raises(UsageError, match="secret 'aws'"):
        refuse_leaks([build_arg], [], ["aws"])


@pytest.mark.parametrize("name", [
    "AWS_SECURITY_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CREDENTIAL_FILE", "AWS_LOGIN_CACHE_DIRECTORY", "AWS_BEARER_TOKEN_BEDROCK",
])
@pytest.mark.parametrize("form", ["{}", "{}=x"])
def test_every_name_the_sdks_take_credentials_from_is_refused(name, form):
    with pytest.raises(UsageError, match=f"--build-arg {name} would store AWS credentials"):
        refuse_leaks([form.format(name)], [], ["aws"])


def test_other_build_args_and_secrets_pass():
    refuse_leaks(["AWS_REGION=eu-west-1", "AWS_ENDPOINT_URL", "aws_secret_access_key=x", "AWS_PROFILE=p",
                  "AWS_SHARED_CREDENTIALS_FILE=/run/secrets/aws", "AWS_CONFIG_FILE", "AWS_ROLE_ARN",
                  "AWS_BEARER_TOKEN"],
                 ["id=aws-config,src=/x", "id=mine,src=/x y"], ["aws"])


@pytest.mark.parametrize("spec", ["id=aws,src=/x\nx", "src=/x\nid=aws", "id=mine,src=/x\r", "id=aws\0,src=/x",
                                  "id=mine,src=/x\ty", "id=mine\x7f,src=/x"])
def test_a_secret_with_a_control_character_is_refused(spec):
    with pytest.raises(UsageError, match="control character") as caught:
        refuse_leaks([], [spec], ["aws"])
    assert "\n" not in str(caught.value)


def test_aws_config_clashes_only_when_csdocker_adds_it():
    with pytest.raises(UsageError, match="clashes with the secret 'aws-config'"):
        refuse_leaks([], ["id=aws-config,src=/x"], ["aws", "aws-config"])
