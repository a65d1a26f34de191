"""The container endpoint source against a hostile environment and hostile answers.

Proxies in the environment never see the token; URL forms that two parsers read as two hosts are
refused before any connection; answers and token files are read with a bound; every credential
value must have AWS's shape. Every test runs with off-host connects turned into test failures.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cloudshell_docker.credentials.container import MAX_BODY_BYTES, ContainerEndpointSource
from cloudshell_docker.credentials.validate import MAX_TOKEN_CHARS
from cloudshell_docker.errors import CredentialError
from tests.support.netguard import RecordingProxy, forbid_offhost_connect

FULL = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
TOKEN_FILE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"


@pytest.fixture(autouse=True)
def _stay_on_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_offhost_connect(monkeypatch)


def no_sleep(seconds: float) -> None:
    pass


# -- 1. proxies and .netrc -------------------------------------------------------------------------

def test_an_environment_proxy_sees_nothing_and_the_fetch_works(endpoint, monkeypatch, tmp_path):
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    with RecordingProxy() as proxy:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, proxy.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("NETRC", str(netrc))
        creds = ContainerEndpointSource(endpoint.environ(), sleep=no_sleep).fetch()
        time.sleep(0.2)  # a connection the proxy accepted would be recorded by now
    assert proxy.received == []
    assert creds.access_key_id == endpoint.issued[-1].access_key_id
    assert [request["authorization"] for request in endpoint.requests] == [endpoint.token]


# -- 4. the host that is checked is the host that is connected to ---------------------------------

HOSTILE_URLS = [
    ("http://192.0.2.2:{port}\\@127.0.0.1:{port}/creds", "holds a backslash, whitespace or a control character"),
    ("http://192.0.2.2\\@127.0.0.1:{port}/creds", "holds a backslash, whitespace or a control character"),
    ("http://127.0.0.1:{port}/cr eds", "holds a backslash, whitespace or a control character"),
    ("http://127.0.0.1:{port}/creds\t", "holds a backslash, whitespace or a control character"),
    ("http://127.0.0.1:{port}/creds\r\nX-Injected: 1", "holds a backslash, whitespace or a control character"),
    ("http://192.0.2.2\x00@127.0.0.1:{port}/creds", "holds a backslash, whitespace or a control character"),
    (" http://127.0.0.1:{port}/creds", "holds a backslash, whitespace or a control character"),
    ("http://user:pw@127.0.0.1:{port}/creds", "holds a user name or password"),
    ("http://169.254.170.2@192.0.2.2/creds", "holds a user name or password"),
    ("http://127.0.0.1%2f@192.0.2.2:{port}/creds", "holds a user name or password"),
    ("http://127.0.0.1:{port}@192.0.2.2/creds", "holds a user name or password"),
]


@pytest.mark.parametrize(("template", "why"), HOSTILE_URLS, ids=[repr(t) for t, _ in HOSTILE_URLS])
def test_url_forms_refused_before_any_connection(endpoint, template, why):
    port = endpoint.netloc.rsplit(":", 1)[1]
    environ = {FULL: template.format(port=port), TOKEN: endpoint.token}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, sleep=no_sleep).fetch()
    assert str(caught.value) == f"refusing the container credentials endpoint: its URL {why}"
    assert endpoint.requests == []


# -- 3. bounded answers and token files -----------------------------------------------------------

def test_an_answer_larger_than_the_cap_is_refused(endpoint):
    endpoint.overrides = {"SecretAccessKey": "s" * (MAX_BODY_BYTES + 1)}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(endpoint.environ(), sleep=no_sleep).fetch()
    assert str(caught.value) == f"container credentials endpoint at {endpoint.netloc} answered more than 64 KiB"


@pytest.mark.timeout(60)  # only a hang takes this long
def test_an_endless_answer_is_cut_off_not_downloaded(endpoint):
    endpoint.mode = "endless"
    with pytest.raises(CredentialError, match="answered more than 64 KiB"):
        ContainerEndpointSource(endpoint.environ(), sleep=no_sleep).fetch()
    time.sleep(0.5)  # the server notices the hang-up
    # What the kernel buffers on both sides is all that got through, not the 256 MiB on offer.
    assert endpoint.sent_bytes < 32 * 1024 * 1024, endpoint.sent_bytes


def _fetch_in_child(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Fetch in a child with a memory cap and a time limit: reading /dev/zero whole, or waiting on a
    FIFO, would otherwise take this test process down with it."""
    code = textwrap.dedent("""
        import resource, sys, json
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from cloudshell_docker.credentials.container import ContainerEndpointSource
        from cloudshell_docker.errors import CredentialError
        try:
            creds = ContainerEndpointSource(json.loads(sys.argv[1]), sleep=lambda s: None).fetch()
        except CredentialError as err:
            print("refused:", err)
        else:
            print("accepted:", creds.access_key_id)
    """)
    import json

    try:
        return subprocess.run([sys.executable, "-c", code, json.dumps(environ)], capture_output=True, text=True,
                              timeout=20, env={**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")})
    except subprocess.TimeoutExpired:
        pytest.fail("reading the token file hung")


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "directory", "symlink-to-dev-zero", "too-large"])
def test_token_file_that_is_not_a_small_regular_file_is_refused(endpoint, tmp_path, kind):
    path = tmp_path / "token"
    if kind == "dev-zero":
        path = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "symlink-to-dev-zero":
        path.symlink_to("/dev/zero")
    else:
        path.write_text(endpoint.token + "x" * (64 * 1024))
    done = _fetch_in_child({FULL: endpoint.url, TOKEN_FILE: str(path)})
    why = "larger than 64 KiB" if kind == "too-large" else "not a regular file"
    assert done.stdout.strip() == f"refused: cannot read the container authorization token file {path}: {why}", (
        done.stdout, done.stderr)
    assert endpoint.requests == []


def test_token_file_through_symlinks_is_followed_as_eks_mounts_it(endpoint, tmp_path):
    # EKS: .../eks-pod-identity-token -> ..data/eks-pod-identity-token, ..data -> ..2026_11_29_.../
    real = tmp_path / "..2026_11_29_09_00_00.1" / "eks-pod-identity-token"
    real.parent.mkdir()
    real.write_text(endpoint.token)
    (tmp_path / "..data").symlink_to(real.parent.name)
    (tmp_path / "eks-pod-identity-token").symlink_to("..data/eks-pod-identity-token")
    environ = {FULL: endpoint.url, TOKEN_FILE: str(tmp_path / "eks-pod-identity-token")}
    creds = ContainerEndpointSource(environ, sleep=no_sleep).fetch()
    assert creds.access_key_id == endpoint.issued[-1].access_key_id


# -- 2. every credential value has AWS's shape ----------------------------------------------------

HOSTILE_TAILS = {
    "line-break": "x\nStart-Process calc.exe #",
    "crlf": "x\r\nexport EVIL=1",
    "single-quote": "x'; touch /tmp/csdt-pwned; '",
    "double-quote": 'x"; touch /tmp/csdt-pwned; "',
    "command-substitution": "$(touch /tmp/csdt-pwned)",
    "backticks": "`touch /tmp/csdt-pwned`",
    "nul": "x\x00y",
    "space": "x y",
    "non-ascii": "x\u2028y",
}


# Printable punctuation is part of AWS's own secrets ("/+="), so in a secret or token it is allowed
# (every export format quotes it: tests/unit/test_envformat.py evaluates the output); in a key ID,
# and whitespace or control characters anywhere, it is refused.
PUNCTUATION = ("single-quote", "double-quote", "command-substitution", "backticks")
REFUSED = [(field, tail) for field in ("AccessKeyId", "SecretAccessKey", "Token") for tail in HOSTILE_TAILS
           if field == "AccessKeyId" or tail not in PUNCTUATION]


@pytest.mark.parametrize(("field", "tail"), REFUSED, ids=[f"{f}-{t}" for f, t in REFUSED])
def test_hostile_values_are_refused_naming_the_field_never_the_value(endpoint, field, tail):
    value = "ASIAAAAAAAAAAAAAAAAA" + HOSTILE_TAILS[tail]
    endpoint.overrides = {field: value}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(endpoint.environ(), sleep=no_sleep).fetch()
    message = str(caught.value)
    assert message.startswith(f"container credentials endpoint at {endpoint.netloc} gave a malformed {field}: it ")
    assert HOSTILE_TAILS[tail] not in message
    assert "ASIAAAAAAAAAAAAAAAAA" not in message


@pytest.mark.parametrize("field", ["SecretAccessKey", "Token"])
@pytest.mark.parametrize("tail", PUNCTUATION)
def test_printable_punctuation_in_a_secret_is_kept_exactly(endpoint, field, tail):
    value = "wJalrXUtnFEMI/K7MDENG+bPxRfiCY=" + HOSTILE_TAILS[tail].replace(" ", "")
    endpoint.overrides = {field: value}
    creds = ContainerEndpointSource(endpoint.environ(), sleep=no_sleep).fetch()
    assert (creds.secret_access_key if field == "SecretAccessKey" else creds.session_token) == value


@pytest.mark.parametrize(("field", "value", "why"), [
    ("AccessKeyId", "ASIA123", "is not 16 to 128 letters, digits or underscores"),
    ("AccessKeyId", "A" * 129, "is not 16 to 128 letters, digits or underscores"),
    ("SecretAccessKey", "s" * 1025, "is longer than 1024 characters"),
    ("Token", "t" * (MAX_TOKEN_CHARS + 1), "is longer than 16384 characters"),
])
def test_values_of_insane_length_are_refused(endpoint, field, value, why):
    endpoint.overrides = {field: value}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(endpoint.environ(), sleep=no_sleep).fetch()
    where = f"container credentials endpoint at {endpoint.netloc}"
    assert str(caught.value) == f"{where} gave a malformed {field}: it {why}"
