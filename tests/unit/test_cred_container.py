"""The container credentials endpoint source, over a real loopback endpoint.

The side-by-side table runs csdocker's source and botocore's ContainerProvider on the same
server answers, for every environment form and endpoint mode: both accept (with equal values)
or both refuse. Hosts that are not loopback (169.254.170.2, https://example.com, ...) are
judged by both clients from the URL, but the bytes go to the loopback endpoint: each client's
HTTP session sends every request to it, and records the URL it was asked for.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from botocore.credentials import ContainerProvider
from botocore.httpsession import URLLib3Session
from botocore.utils import ContainerMetadataFetcher
from requests.adapters import HTTPAdapter

from cloudshell_docker.credentials.container import (
    ATTEMPTS,
    TIMEOUT_SECONDS,
    ContainerEndpointSource,
    check_endpoint_url,
    endpoint_configured,
    endpoint_url,
)
from cloudshell_docker.errors import CredentialError
from tests.support.endpoint import CredentialsEndpoint
from tests.support.localzone import local_zone
from tests.support.moto import free_port
from tests.support.netguard import forbid_offhost_connect
from tests.support.serving import Serving

# Client-side timeouts: an attempt against the stalling endpoint gives up at once, so that a
# timeout test (and each mutant of scripts/mutation.sh that runs it) takes a fraction of a second;
# an endpoint that answers gets a generous one, which a loaded machine cannot exceed. The default
# (2 s) is checked apart, and the end-to-end tests meet the real timeouts.
STALL_TIMEOUT = 0.05
ANSWER_TIMEOUT = 5.0


def client_timeout(mode: str) -> float:
    return STALL_TIMEOUT if mode == "timeout" else ANSWER_TIMEOUT


@pytest.fixture(autouse=True)
def _stay_on_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here: a connect to anything but loopback fails the test (and sends nothing)."""
    forbid_offhost_connect(monkeypatch)


def no_sleep(seconds: float) -> None:
    pass


def to_loopback(url: str, target: str) -> str:
    """``url`` sent to ``target`` (host:port) instead; https becomes http (the endpoint has no TLS)."""
    parts = urlsplit(url)
    scheme = "http" if parts.scheme in ("http", "https") else parts.scheme
    return urlunsplit((scheme, target, parts.path, parts.query, ""))


class LoopbackAdapter(HTTPAdapter):
    """requests' transport, pointed at the test endpoint whatever the URL's host."""

    def __init__(self, target: str, asked: list[str]) -> None:
        super().__init__()
        self.target = target
        self.asked = asked

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.asked.append(str(request.url))
        request.url = to_loopback(str(request.url), self.target)
        return super().send(request, *args, **kwargs)


def our_session(target: str, asked: list[str]) -> requests.Session:
    session = requests.Session()
    adapter = LoopbackAdapter(target, asked)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class BotocoreLoopbackSession:
    """botocore's own HTTP session, pointed at the test endpoint whatever the URL's host."""

    def __init__(self, target: str, asked: list[str], timeout: float) -> None:
        self.inner = URLLib3Session(timeout=timeout)
        self.target = target
        self.asked = asked

    def send(self, request: Any) -> Any:
        self.asked.append(request.url)
        request.url = to_loopback(request.url, self.target)
        return self.inner.send(request)


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    values: tuple[object, ...] = ()
    why: str = ""
    requests: int = 0
    asked: tuple[str, ...] = ()


def run_ours(environ: dict[str, str], endpoint: CredentialsEndpoint, timeout: float = ANSWER_TIMEOUT) -> Outcome:
    asked: list[str] = []
    before = len(endpoint.requests)
    try:
        source = ContainerEndpointSource(environ, session=our_session(endpoint.netloc, asked), sleep=no_sleep,
                                         timeout=timeout)
        creds = source.fetch()
    except CredentialError as err:
        return Outcome(False, why=str(err), requests=len(endpoint.requests) - before, asked=tuple(asked))
    values = (creds.access_key_id, creds.secret_access_key, creds.session_token, creds.expiration)
    return Outcome(True, values, requests=len(endpoint.requests) - before, asked=tuple(asked))


def run_botocore(environ: dict[str, str], endpoint: CredentialsEndpoint, timeout: float = ANSWER_TIMEOUT) -> Outcome:
    asked: list[str] = []
    before = len(endpoint.requests)
    fetcher = ContainerMetadataFetcher(session=BotocoreLoopbackSession(endpoint.netloc, asked, timeout),
                                       sleep=no_sleep)
    try:
        creds = ContainerProvider(environ=environ, fetcher=fetcher).load()
        if creds is None:
            return Outcome(False, why="no provider", asked=tuple(asked))
        frozen = creds.get_frozen_credentials()
    except Exception as err:  # botocore refuses with ValueError, KeyError, RuntimeError, its own errors...
        return Outcome(False, why=f"{type(err).__name__}: {err}", requests=len(endpoint.requests) - before,
                       asked=tuple(asked))
    values = (frozen.access_key, frozen.secret_key, frozen.token, creds._expiry_time)
    return Outcome(True, values, requests=len(endpoint.requests) - before, asked=tuple(asked))


@dataclass(frozen=True)
class Case:
    """One environment form and endpoint behaviour. In the strings, {url} is the endpoint's URL,
    {port} its port, {path} its path. ``expect``: accept, refuse, or refuse-unsent (refused by
    rule, before a single request)."""

    id: str
    expect: str
    full: str | None = "{url}"
    relative: str | None = None
    token: str | None = "right"  # right, wrong, or a literal value
    token_file: str | None = None  # right, right+newline, wrong, empty, missing
    mode: str = "ok"
    server_host: str = "127.0.0.1"
    fail_first: int = 0
    overrides: dict[str, object] = field(default_factory=dict)
    asked: str | None = None  # the URL both clients must have asked for (when they sent anything)
    botocore: str | None = None  # where botocore differs on purpose: what it does instead (accept)


CASES = [
    # FULL_URI: the hosts plain http may go to, and those it may not.
    Case("full-127.0.0.1", "accept"),
    Case("full-localhost", "accept", full="http://localhost:{port}{path}"),
    Case("full-LOCALHOST", "accept", full="http://LOCALHOST:{port}{path}"),
    Case("full-127.0.0.2", "accept", server_host="127.0.0.2"),
    Case("full-ipv6-loopback", "accept", server_host="::1"),
    # botocore ignores a user name in the URL; csdocker refuses it (it only serves to disguise the host).
    Case("full-userinfo-refused", "refuse-unsent", full="http://user:pass@127.0.0.1:{port}{path}",
         botocore="accept"),
    Case("full-169.254.170.2", "accept", full="http://169.254.170.2{path}", asked="http://169.254.170.2{path}"),
    Case("full-169.254.170.23", "accept", full="http://169.254.170.23:8080{path}",
         asked="http://169.254.170.23:8080{path}"),
    Case("full-fd00:ec2::23", "accept", full="http://[fd00:ec2::23]{path}", asked="http://[fd00:ec2::23]{path}"),
    Case("full-https-any-host", "accept", full="https://creds.example.com{path}",
         asked="https://creds.example.com{path}"),
    Case("full-127.1-shorthand", "refuse-unsent", full="http://127.1:{port}{path}"),
    Case("full-fd00:ec2:0::23-spelled-otherwise", "refuse-unsent", full="http://[fd00:ec2:0::23]{path}"),
    Case("full-169.254.170.3", "refuse-unsent", full="http://169.254.170.3{path}"),
    Case("full-documentation-address", "refuse-unsent", full="http://192.0.2.10{path}"),
    Case("full-http-any-host", "refuse-unsent", full="http://creds.example.com{path}"),
    Case("full-ftp-scheme", "refuse-unsent", full="ftp://127.0.0.1:{port}{path}"),
    Case("full-no-scheme", "refuse-unsent", full="127.0.0.1:{port}{path}"),
    Case("full-empty", "refuse-unsent", full=""),
    # RELATIVE_URI: appended to http://169.254.170.2, and it wins over FULL_URI.
    Case("relative", "accept", full=None, relative="{path}", asked="http://169.254.170.2{path}"),
    Case("relative-wins-over-full", "accept", full="http://127.0.0.1:1/elsewhere", relative="{path}",
         asked="http://169.254.170.2{path}"),
    Case("relative-without-slash", "refuse-unsent", full=None, relative="creds"),
    Case("relative-userinfo-trick", "refuse-unsent", full=None, relative="@127.0.0.1:{port}{path}",
         asked="http://169.254.170.2@127.0.0.1:{port}{path}", botocore="accept"),
    # The token: from the environment or a file; the file wins; CR/LF refused.
    Case("token-wrong", "refuse", token="wrong"),
    Case("token-none", "refuse", token=None),
    Case("token-crlf", "refuse-unsent", token="tok\r\nX-Injected: 1"),
    Case("token-lf", "refuse-unsent", token="tok\n"),
    Case("token-file", "accept", token=None, token_file="right"),
    Case("token-file-wins-over-env", "accept", token="wrong", token_file="right"),
    Case("token-file-wrong-env-right", "refuse", token="right", token_file="wrong"),
    Case("token-file-trailing-newline", "refuse-unsent", token=None, token_file="right+newline"),
    Case("token-file-empty", "refuse", token=None, token_file="empty"),
    Case("token-file-missing", "refuse-unsent", token="right", token_file="missing"),
    # What the endpoint answers.
    Case("unauthorized", "refuse", mode="unauthorized"),
    Case("error500", "refuse", mode="error500"),
    Case("timeout", "refuse", mode="timeout"),
    Case("malformed-json", "refuse", mode="malformed"),
    Case("missing-secret", "refuse", mode="missing_keys"),
    Case("missing-token", "refuse", overrides={"Token": None}),
    Case("missing-expiration", "refuse", overrides={"Expiration": None}),
    Case("already-expired", "refuse", mode="expired"),
    Case("not-found", "refuse", mode="not_found"),
    Case("redirect-not-followed", "refuse", mode="redirect"),
    Case("flaky-then-ok", "accept", fail_first=2),
    Case("code-other-than-success-ignored", "accept", overrides={"Code": "Whatever"}),
    Case("extra-keys-ignored", "accept", overrides={"AccountId": "123456789012", "Extra": {"a": 1}}),
]


@pytest.fixture
def serve() -> Iterator[Callable[..., CredentialsEndpoint]]:
    started: list[CredentialsEndpoint] = []

    def start(**kwargs: Any) -> CredentialsEndpoint:
        endpoint = CredentialsEndpoint(**kwargs).start()
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        endpoint.stop()


def build_environ(case: Case, endpoint: CredentialsEndpoint, tmp_path: Path) -> dict[str, str]:
    port = urlsplit(endpoint.url).port
    fill = {"url": endpoint.url, "port": port, "path": endpoint.path}
    environ: dict[str, str] = {}
    if case.full is not None:
        environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = case.full.format(**fill)
    if case.relative is not None:
        environ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = case.relative.format(**fill)
    tokens = {"right": endpoint.token, "wrong": "tok-wrong-" + "0" * 16}
    if case.token is not None:
        environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = tokens.get(case.token, case.token)
    if case.token_file is not None:
        path = tmp_path / "token"
        contents = {"right": endpoint.token, "right+newline": endpoint.token + "\n", "wrong": tokens["wrong"],
                    "empty": ""}
        if case.token_file != "missing":
            path.write_text(contents[case.token_file])
        environ["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = str(path)
    return environ


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_side_by_side_with_botocore(case: Case, serve, tmp_path):
    endpoint = serve(host=case.server_host, mode=case.mode, fail_first=case.fail_first,
                     overrides=dict(case.overrides), timeout_seconds=1.0)
    environ = build_environ(case, endpoint, tmp_path)

    ours = run_ours(environ, endpoint, client_timeout(case.mode))
    endpoint.requests.clear()  # each client meets the same endpoint afresh (fail_first counts from here)
    botocore = run_botocore(environ, endpoint, client_timeout(case.mode))

    assert ours.accepted == (case.expect == "accept"), (ours, botocore)
    assert botocore.accepted == ((case.botocore or case.expect) == "accept"), (ours, botocore)
    if ours.accepted:
        assert ours.values == botocore.values
        issued = endpoint.issued[-1]
        assert ours.values == (issued.access_key_id, issued.secret_access_key, issued.token, issued.expiration)
    if case.expect == "refuse-unsent":
        assert (ours.requests, ours.asked) == (0, ())
        if case.botocore is None:
            assert botocore.requests == 0  # botocore hands an ftp:// URL to its HTTP session, which fails

    if case.asked is not None:
        port = urlsplit(endpoint.url).port
        wanted = case.asked.format(port=port, path=endpoint.path)
        if ours.accepted:
            assert set(ours.asked) == {wanted}
        assert set(botocore.asked) == {wanted}
    if not ours.accepted:
        assert "\n" not in ours.why
        for secret in (endpoint.token, *(value for issued in endpoint.issued for value in (
                issued.secret_access_key, issued.token))):
            assert secret not in ours.why


def test_defaults_are_botocores():
    assert TIMEOUT_SECONDS == ContainerMetadataFetcher.TIMEOUT_SECONDS == 2
    assert ATTEMPTS == ContainerMetadataFetcher.RETRY_ATTEMPTS == 3


class RecordingSession(requests.Session):
    """A real requests.Session that notes the keyword arguments of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls.append({"method": method, **kwargs})
        return super().request(method, url, *args, **kwargs)


def test_default_timeout_reaches_each_request(endpoint):
    session = RecordingSession()
    ContainerEndpointSource(endpoint.environ(), session=session, sleep=no_sleep).fetch()
    assert [call["timeout"] for call in session.calls] == [2.0]
    assert session.calls[0]["allow_redirects"] is False
    assert session.calls[0]["headers"]["Authorization"] == endpoint.token


@pytest.mark.parametrize(
    ("mode", "fail_first", "requests_made", "sleeps", "accepted"),
    [
        ("error500", 0, 3, 2, False),
        ("timeout", 0, 3, 2, False),
        ("malformed", 0, 3, 2, False),
        ("ok", 2, 3, 2, True),
        ("ok", 3, 3, 2, False),  # three failures: no fourth attempt
        ("ok", 1, 2, 1, True),
        ("unauthorized", 0, 1, 0, False),  # a refused token does not get better by asking again
        ("not_found", 0, 1, 0, False),
        ("missing_keys", 0, 1, 0, False),
    ],
)
def test_attempts(endpoint, mode, fail_first, requests_made, sleeps, accepted):
    endpoint.mode = mode
    endpoint.fail_first = fail_first
    endpoint.timeout_seconds = 1.0
    slept: list[float] = []
    source = ContainerEndpointSource(endpoint.environ(), sleep=slept.append, timeout=client_timeout(mode))
    if accepted:
        assert source.fetch().access_key_id == endpoint.issued[-1].access_key_id
    else:
        with pytest.raises(CredentialError):
            source.fetch()
    assert len(endpoint.requests) == requests_made
    assert slept == [1.0] * sleeps


def test_unreachable_is_tried_three_times():
    slept: list[float] = []
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": f"http://127.0.0.1:{free_port()}/creds",
               "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok-secret-value-123"}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, sleep=slept.append).fetch()
    assert slept == [1.0, 1.0]
    assert re.fullmatch(r"container credentials endpoint at 127\.0\.0\.1:\d+ unreachable: Connection refused "
                        r"\(3 attempts\)", str(caught.value))


HOST = r"127\.0\.0\.1:\d+"
MESSAGES = [
    ("unauthorized", {}, rf"container credentials endpoint at {HOST} refused the authorization token \(HTTP 401\)"),
    ("error500", {}, rf"container credentials endpoint at {HOST} failed with HTTP 500 \(3 attempts\)"),
    ("timeout", {}, rf"container credentials endpoint at {HOST} timed out after 0\.05 s \(3 attempts\)"),
    ("malformed", {}, rf"container credentials endpoint at {HOST} answered malformed JSON \(3 attempts\)"),
    ("missing_keys", {}, rf"container credentials endpoint at {HOST} answered without SecretAccessKey"),
    ("ok", {"AccessKeyId": None, "Token": None},
     rf"container credentials endpoint at {HOST} answered without AccessKeyId, Token"),
    ("ok", {"SecretAccessKey": None, "Code": "Failure"},
     rf"container credentials endpoint at {HOST} answered without SecretAccessKey \(Code 'Failure'\)"),
    ("ok", {"AccessKeyId": ""}, rf"container credentials endpoint at {HOST} answered without AccessKeyId"),
    ("ok", {"Expiration": "next tuesday"},
     rf"container credentials endpoint at {HOST} answered an unreadable Expiration 'next tuesday'"),
    ("expired", {}, rf"container credentials endpoint at {HOST} gave credentials that had already expired at "
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+ s ago\)"),
    ("not_found", {}, rf"container credentials endpoint at {HOST} answered HTTP 404"),
    ("redirect", {}, rf"container credentials endpoint at {HOST} answered HTTP 302"),
]


@pytest.mark.parametrize(("mode", "overrides", "message"), MESSAGES,
                         ids=[f"{mode}-{'-'.join(overrides) or 'plain'}" for mode, overrides, _ in MESSAGES])
def test_error_messages(endpoint, mode, overrides, message):
    endpoint.mode = mode
    endpoint.overrides = dict(overrides)
    endpoint.timeout_seconds = 1.0
    issued = endpoint.current()
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(endpoint.environ(), sleep=no_sleep, timeout=client_timeout(mode)).fetch()
    text = str(caught.value)
    assert re.fullmatch(message, text), text
    for secret in (endpoint.token, issued.secret_access_key, issued.token):
        assert secret not in text


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.10/creds?id=abc"},
         "refusing the container credentials endpoint at 192.0.2.10: plain http is allowed only to a loopback "
         "address or to 169.254.170.2, 169.254.170.23, fd00:ec2::23, localhost (use https)"),
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://user:hunter2-password@192.0.2.10:8080/x"},
         "refusing the container credentials endpoint: its URL holds a user name or password"),
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "ftp://127.0.0.1/creds"},
         "refusing the container credentials endpoint at 127.0.0.1: scheme 'ftp' is neither http nor https"),
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": ""},
         "refusing the container credentials endpoint: its URL names no host"),
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:99999/creds"},
         "refusing the container credentials endpoint: its URL cannot be parsed"),
        ({}, "no container credentials endpoint: neither AWS_CONTAINER_CREDENTIALS_FULL_URI nor "
             "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is set"),
    ],
)
def test_refused_urls(environ, message):
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ)
    assert str(caught.value) == message
    assert "hunter2" not in str(caught.value)


def test_token_messages(endpoint, tmp_path):
    missing = tmp_path / "no-such-token"
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(missing)}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, sleep=no_sleep).fetch()
    assert str(caught.value) == (f"cannot read the container authorization token file {missing}: "
                                 "No such file or directory")

    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
               "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok-secret\r\nX-Injected: yes"}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, sleep=no_sleep).fetch()
    assert str(caught.value) == ("the container authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN "
                                 "contains a CR or LF character")
    assert endpoint.requests == []


def test_token_file_is_read_again_on_each_fetch(endpoint, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(endpoint.token)
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url,
               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file)}
    source = ContainerEndpointSource(environ, sleep=no_sleep)
    source.fetch()
    first = endpoint.token
    endpoint.token = "tok-rotated-" + "1" * 16  # EKS rotates the file's token
    token_file.write_text(endpoint.token)
    source.fetch()
    assert [request["authorization"] for request in endpoint.requests] == [first, endpoint.token]


def test_refetch_gives_the_endpoints_current_set(endpoint):
    source = ContainerEndpointSource(endpoint.environ(), sleep=no_sleep)
    first = source.fetch()
    endpoint.rotate()
    second = source.fetch()
    assert second.access_key_id != first.access_key_id
    assert second.access_key_id == endpoint.issued[-1].access_key_id


def test_description_names_the_host_only(endpoint):
    source = ContainerEndpointSource(endpoint.environ(), sleep=no_sleep)
    assert source.description == f"container endpoint ({endpoint.netloc})"
    assert endpoint.token not in source.description
    assert endpoint.path not in source.description


def expiration_seen(endpoint: CredentialsEndpoint) -> datetime:
    creds = ContainerEndpointSource(endpoint.environ(), sleep=no_sleep).fetch()
    assert creds.expiration is not None
    return creds.expiration


@pytest.mark.parametrize("skew", [3600.0, -3600.0, 7200.0, -86400.0])
def test_expiration_moved_onto_the_hosts_clock(endpoint, skew):
    endpoint.clock_skew = skew
    seen = expiration_seen(endpoint)
    stated = endpoint.issued[-1].expiration  # on the endpoint's clock
    correction = (seen - stated).total_seconds()
    # Date has one-second resolution: the correction is -skew to within a couple of seconds.
    assert abs(correction + skew) <= 2, correction


@pytest.mark.parametrize("skew", [0.0, 10.0, -25.0])
def test_small_skew_is_left_alone(endpoint, skew):
    endpoint.clock_skew = skew
    assert expiration_seen(endpoint) == endpoint.issued[-1].expiration


def test_slow_endpoint_clock_does_not_make_good_credentials_look_expired(endpoint):
    # The endpoint's clock is two hours behind: its Expiration (its now + 15 min) is in the host's past.
    endpoint.clock_skew = -7200
    assert endpoint.current().expiration < datetime.now(UTC)
    seen = expiration_seen(endpoint)
    assert seen > datetime.now(UTC)
    # botocore, which does not correct, calls these credentials expired.
    assert not run_botocore(endpoint.environ(), endpoint).accepted


def test_fast_endpoint_clock_does_not_hide_expired_credentials(endpoint):
    # The endpoint's clock is two hours ahead and its credentials expired five of its minutes ago.
    endpoint.clock_skew = 7200
    endpoint.mode = "expired"
    with pytest.raises(CredentialError, match="already expired"):
        ContainerEndpointSource(endpoint.environ(), sleep=no_sleep).fetch()


def test_no_secret_in_repr_or_description(endpoint):
    source = ContainerEndpointSource(endpoint.environ(), sleep=no_sleep)
    creds = source.fetch()
    text = repr(creds) + source.description + json.dumps(source.description)
    issued = endpoint.issued[-1]
    for secret in (endpoint.token, issued.secret_access_key, issued.token):
        assert secret not in text


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc"}, "http://169.254.170.2/v2/credentials/abc"),
        ({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/r", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost/f"},
         "http://169.254.170.2/r"),
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://localhost/f"}, "http://localhost/f"),
    ],
)
def test_endpoint_url_matches_botocore(environ, url):
    assert endpoint_url(environ) == url
    if "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" in environ:
        assert url == ContainerMetadataFetcher().full_url(environ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"])


@pytest.mark.parametrize(
    "url",
    ["http://169.254.170.2/x", "http://169.254.170.23/x", "http://[fd00:ec2::23]/x", "http://localhost:9/x",
     "http://127.8.9.10/x", "http://[::1]:80/x", "https://anything.example/x", "http://169.254.170.4/x",
     "http://10.0.0.1/x", "http://[fd00:ec2::24]/x", "http://localhost.example/x", "http://0.0.0.0/x"],
)
def test_host_rule_matches_botocore(url):
    try:
        ContainerMetadataFetcher()._validate_allowed_url(url)
        botocore_allows = True
    except ValueError:
        botocore_allows = False
    try:
        check_endpoint_url(url)
        we_allow = True
    except CredentialError:
        we_allow = False
    assert we_allow == botocore_allows


# Pinned where the tests above left room (found by scripts/mutation.sh):
# A scripted loopback endpoint answers exactly the status, headers and body each test gives it
# (no Date header unless one is scripted), and the source's clock and sleep are injected, so the
# expiry arithmetic is checked to the second and no test waits.


NOW = datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
TOKEN = "tok-scripted-" + "7" * 20
GOOD = {"AccessKeyId": "ASIASCRIPTED0001", "SecretAccessKey": "scripted-secret-" + "s" * 24,
        "Token": "scripted-token-" + "t" * 40, "Expiration": "2030-01-01T13:00:00Z", "Code": "Success"}


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: object = field(default_factory=lambda: dict(GOOD))
    date: str | None = None  # the Date header, or none at all
    headers: tuple[tuple[str, str], ...] = ()
    hang_up: bool = False  # close the connection without answering
    trickle: float = 0.0  # seconds between the body's pieces, or all at once
    piece: int = 0  # bytes in each trickled piece (0: the body in 50 pieces)


@dataclass
class ScriptedEndpoint(Serving):
    """Answers ``script[i]`` to the i-th request (the last one again once the script runs out)."""

    script: list[Answer]
    requests: int = 0
    seen_headers: list[dict[str, str]] = field(default_factory=list)  # of each request, as received
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/creds"

    @property
    def host(self) -> str:
        assert self._server is not None
        return f"127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ScriptedEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                answer = endpoint.script[min(endpoint.requests, len(endpoint.script) - 1)]
                endpoint.requests += 1
                endpoint.seen_headers.append(dict(self.headers.items()))
                if answer.hang_up:
                    self.close_connection = True
                    return
                payload = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
                self.send_response_only(answer.status)
                if answer.date is not None:
                    self.send_header("Date", answer.date)
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                if ("Transfer-Encoding", "chunked") not in answer.headers:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    if not answer.trickle:
                        self.wfile.write(payload)
                        return
                    step = answer.piece or max(1, len(payload) // 50)
                    for start in range(0, len(payload), step):
                        self.wfile.write(payload[start:start + step])
                        self.wfile.flush()
                        time.sleep(answer.trickle)

        self._serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        return self


@pytest.fixture(scope="module")
def serving() -> Iterator[ScriptedEndpoint]:
    with ScriptedEndpoint([Answer()]) as endpoint:
        yield endpoint


@pytest.fixture
def scripted(serving: ScriptedEndpoint) -> ScriptedEndpoint:
    """The module's endpoint, its script and request count reset: one server for every test."""
    serving.script = [Answer()]
    serving.requests = 0
    serving.seen_headers = []
    return serving


def source(endpoint: ScriptedEndpoint, slept: list[float] | None = None, now: datetime = NOW,
           **kwargs: object) -> ContainerEndpointSource:
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN}
    return ContainerEndpointSource(environ, clock=lambda: now, sleep=(slept if slept is not None else []).append,
                                   timeout=5.0, **kwargs)  # type: ignore[arg-type]


def refused(endpoint: ScriptedEndpoint, **kwargs: object) -> str:
    with pytest.raises(CredentialError) as caught:
        source(endpoint, **kwargs).fetch()
    text = str(caught.value)
    assert "\n" not in text
    for secret in (TOKEN, GOOD["SecretAccessKey"], GOOD["Token"]):
        assert secret not in text
    return text


@pytest.mark.parametrize("key", ["SecretAccessKey", "Expiration", "AccessKeyId"])
def test_an_empty_value_is_refused(scripted, key):
    scripted.script = [Answer(body={**GOOD, key: ""})]
    assert refused(scripted) == f"container credentials endpoint at {scripted.host} answered without {key}"
    assert scripted.requests == 1  # a broken answer is not asked for again


def test_an_empty_token_means_no_session_token(scripted):
    scripted.script = [Answer(body={**GOOD, "Token": ""})]
    creds = source(scripted).fetch()
    assert (creds.access_key_id, creds.session_token) == (GOOD["AccessKeyId"], None)


@pytest.mark.parametrize("code", ["", "Success"])
def test_a_success_code_is_not_quoted(scripted, code):
    scripted.script = [Answer(body={**GOOD, "SecretAccessKey": None, "Code": code})]
    assert refused(scripted) == f"container credentials endpoint at {scripted.host} answered without SecretAccessKey"


def test_json_that_is_not_an_object(scripted):
    scripted.script = [Answer(body=["AccessKeyId"])]
    assert refused(scripted) == f"container credentials endpoint at {scripted.host} answered JSON that is not an object"


def test_unreadable_expiration_is_quoted_to_40_characters(scripted):
    scripted.script = [Answer(body={**GOOD, "Expiration": "x" * 60})]
    assert refused(scripted) == (f"container credentials endpoint at {scripted.host} answered an unreadable "
                                 f"Expiration {'x' * 40!r}")


def test_http_429_is_retried_like_a_5xx(scripted):
    scripted.script = [Answer(429, {}), Answer(429, {}), Answer()]
    slept: list[float] = []
    assert source(scripted, slept).fetch().access_key_id == GOOD["AccessKeyId"]
    assert (scripted.requests, slept) == (3, [1.0, 1.0])


def test_http_429_every_time_gives_up_after_three_attempts(scripted):
    scripted.script = [Answer(429, {})]
    slept: list[float] = []
    assert refused(scripted, slept=slept) == (f"container credentials endpoint at {scripted.host} failed with "
                                              "HTTP 429 (3 attempts)")
    assert (scripted.requests, slept) == (3, [1.0, 1.0])


@pytest.mark.parametrize(("status", "retried"), [(499, False), (500, True), (503, True), (418, False)])
def test_which_statuses_are_retried(scripted, status, retried):
    scripted.script = [Answer(status, {})]
    text = refused(scripted)
    assert scripted.requests == (3 if retried else 1)
    word = "failed with" if retried else "answered"
    assert text == (f"container credentials endpoint at {scripted.host} {word} HTTP {status}"
                    + (" (3 attempts)" if retried else ""))


@pytest.mark.parametrize(("attempts", "tried", "suffix"), [(1, 1, "(1 attempt)"), (0, 1, "(1 attempt)"),
                                                          (2, 2, "(2 attempts)")])
def test_attempts_can_be_fewer(scripted, attempts, tried, suffix):
    scripted.script = [Answer(500, {})]
    slept: list[float] = []
    assert refused(scripted, slept=slept, attempts=attempts) == (
        f"container credentials endpoint at {scripted.host} failed with HTTP 500 {suffix}")
    assert (scripted.requests, slept) == (tried, [1.0] * (tried - 1))


@pytest.mark.parametrize(
    ("expiration", "seen"),
    [
        ("2030-01-01T13:00:00", datetime(2030, 1, 1, 13, 0, 0, tzinfo=UTC)),  # no zone: UTC
        ("2030-01-01T13:00:00Z", datetime(2030, 1, 1, 13, 0, 0, tzinfo=UTC)),
        ("2030-01-01T15:00:00+02:00", datetime(2030, 1, 1, 13, 0, 0, tzinfo=UTC)),
        (" 2030-01-01T13:00:00Z\n", datetime(2030, 1, 1, 13, 0, 0, tzinfo=UTC)),
    ],
)
def test_expiration_is_read_as_utc(scripted, expiration, seen):
    scripted.script = [Answer(body={**GOOD, "Expiration": expiration})]
    with local_zone("Asia/Kolkata"):  # +05:30: a zone-less time is UTC, not local time
        creds = source(scripted).fetch()
    assert creds.expiration == seen
    assert creds.expiration.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("date", "expiration"),
    [
        # The endpoint's clock is two hours behind ours: its expiry moves two hours later.
        ("Tue, 01 Jan 2030 10:00:00 GMT", datetime(2030, 1, 1, 15, 0, 0, tzinfo=UTC)),
        ("Tue, 01 Jan 2030 10:00:00 -0000", datetime(2030, 1, 1, 15, 0, 0, tzinfo=UTC)),  # -0000: UTC, zone unknown
        ("Tue, 01 Jan 2030 11:00:00 +0100", datetime(2030, 1, 1, 15, 0, 0, tzinfo=UTC)),
        ("Tue, 01 Jan 2030 11:59:30 GMT", datetime(2030, 1, 1, 13, 0, 0, tzinfo=UTC)),  # 30 s: within tolerance
        ("Tue, 01 Jan 2030 11:59:29 GMT", datetime(2030, 1, 1, 13, 0, 31, tzinfo=UTC)),  # 31 s: corrected
        ("Tue, 01 Jan 2030 12:00:31 GMT", datetime(2030, 1, 1, 12, 59, 29, tzinfo=UTC)),  # ahead by 31 s
        ("yesterday", datetime(2030, 1, 1, 13, 0, 0, tzinfo=UTC)),  # unreadable: no correction
        ("", datetime(2030, 1, 1, 13, 0, 0, tzinfo=UTC)),
    ],
)
def test_expiration_moved_by_the_date_header(scripted, date, expiration):
    scripted.script = [Answer(date=date)]
    with local_zone("Asia/Kolkata"):  # +05:30: a Date of -0000 is UTC, not local time
        assert source(scripted).fetch().expiration == expiration


def test_credentials_expiring_at_this_very_second_are_refused(scripted):
    scripted.script = [Answer(body={**GOOD, "Expiration": "2030-01-01T12:00:00Z"})]
    assert refused(scripted) == (f"container credentials endpoint at {scripted.host} gave credentials that had "
                                 "already expired at 2030-01-01T12:00:00Z (0 s ago)")
    later = source(scripted, now=NOW + timedelta(seconds=90))
    with pytest.raises(CredentialError, match=r"already expired at 2030-01-01T12:00:00Z \(90 s ago\)$"):
        later.fetch()
    assert source(scripted, now=NOW - timedelta(seconds=1)).fetch().expiration == NOW


def test_token_file_that_is_not_utf8(scripted, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_bytes(b"tok-\xff\xfe")
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url,
               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file)}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, sleep=[].append).fetch()
    assert str(caught.value) == f"cannot read the container authorization token file {token_file}: UnicodeDecodeError"
    assert scripted.requests == 0


def test_without_a_token_no_authorization_header_is_sent(scripted):
    seen: list[str | None] = []
    session = requests.Session()
    original = session.request

    def request(method: str, url: str, **kwargs: object) -> requests.Response:
        seen.append(dict(kwargs["headers"]).get("Authorization"))  # type: ignore[call-overload]
        return original(method, url, **kwargs)  # type: ignore[arg-type]

    session.request = request  # type: ignore[method-assign]
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url}
    ContainerEndpointSource(environ, session=session, clock=lambda: NOW, sleep=[].append).fetch()
    assert seen == [None]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://[::1]:8080/creds", "[::1]:8080"),
        ("http://[::1]/creds", "[::1]"),
        ("http://127.0.0.1/creds", "127.0.0.1"),
        ("https://creds.example:8443/x?id=secret", "creds.example:8443"),
    ],
)
def test_the_host_as_shown(url, shown):
    assert check_endpoint_url(url) == shown
    assert ContainerEndpointSource({"AWS_CONTAINER_CREDENTIALS_FULL_URI": url}).host == shown


@pytest.mark.parametrize(
    ("environ", "configured"),
    [
        ({}, False),
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": ""}, False),
        ({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/x"}, True),
        ({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"}, True),
    ],
)
def test_endpoint_configured(environ, configured):
    assert endpoint_configured(environ) is configured


def test_an_endpoint_that_hangs_up_is_retried_and_named(scripted):
    scripted.script = [Answer(hang_up=True)]
    slept: list[float] = []
    assert refused(scripted, slept=slept) == (f"container credentials endpoint at {scripted.host} unreachable: "
                                              "connection failed (3 attempts)")
    assert (scripted.requests, slept) == (3, [1.0, 1.0])


def test_an_answer_that_cannot_be_decoded_is_asked_again(scripted):
    scripted.script = [Answer(body=b"not gzip at all", headers=(("Content-Encoding", "gzip"),))]
    assert refused(scripted) == (f"container credentials endpoint at {scripted.host} broke off its answer: "
                                 "DecodeError (3 attempts)")
    assert scripted.requests == 3


def test_a_token_file_with_a_line_break_is_named_in_the_error(scripted, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url,
               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file)}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, sleep=[].append).fetch()
    assert str(caught.value) == (f"the container authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE "
                                 f"({token_file}) contains a CR or LF character")
    assert scripted.requests == 0


@pytest.mark.parametrize("token", ["tok-\u20ac", "tok-\u00e9"], ids=["euro", "latin-1"])
def test_a_token_that_is_not_ascii_is_one_line(scripted, token):
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, sleep=[].append).fetch()
    assert str(caught.value) == ("the container authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN holds a "
                                 "character that is not ASCII")
    assert scripted.requests == 0


def token_file_refusal(scripted: ScriptedEndpoint, path: os.PathLike[str] | str) -> str:
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(path)}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, sleep=[].append).fetch()
    assert scripted.requests == 0
    return str(caught.value)


def test_a_token_file_that_is_a_directory(scripted, tmp_path):
    assert token_file_refusal(scripted, tmp_path) == (
        f"cannot read the container authorization token file {tmp_path}: not a regular file")


@pytest.mark.timeout(10)
def test_a_token_file_that_is_a_fifo_without_a_writer_is_refused_at_once(scripted, tmp_path):
    fifo = tmp_path / "token"
    os.mkfifo(fifo)
    assert token_file_refusal(scripted, fifo) == (
        f"cannot read the container authorization token file {fifo}: not a regular file")


def test_a_token_file_one_byte_over_64_kib(scripted, tmp_path):
    path = tmp_path / "token"
    path.write_text("x" * (64 * 1024 + 1))
    assert token_file_refusal(scripted, path) == (
        f"cannot read the container authorization token file {path}: larger than 64 KiB")


def test_a_token_file_of_64_kib_is_read_whole(scripted, tmp_path):
    # Read to its last byte (the line break there is what refuses it), not cut short.
    path = tmp_path / "token"
    path.write_text("x" * (64 * 1024 - 1) + "\n")
    assert token_file_refusal(scripted, path) == (
        f"the container authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ({path}) contains a CR or "
        "LF character")


def padded(size: int) -> bytes:
    """A good answer of exactly ``size`` bytes (an extra key carries the padding)."""
    bare = json.dumps({**GOOD, "Padding": ""}).encode()
    return json.dumps({**GOOD, "Padding": "p" * (size - len(bare))}).encode()


def test_a_value_split_across_read_chunks_is_joined_exactly(scripted):
    # The secret's value straddles the first 8 KiB chunk boundary of the read.
    secret = "straddling-secret-" + "s" * 30

    def answer(padding: int) -> bytes:
        return json.dumps({"Padding": "p" * padding, **GOOD, "SecretAccessKey": secret}).encode()

    padding = 8 * 1024 - answer(0).index(secret.encode()) - len(secret) // 2
    raw = answer(padding)
    assert raw.index(secret.encode()) < 8 * 1024 < raw.index(secret.encode()) + len(secret)
    scripted.script = [Answer(body=raw)]
    assert source(scripted).fetch().secret_access_key == secret


@pytest.mark.parametrize("size", [20 * 1024, 64 * 1024], ids=["several-chunks", "exactly-64-KiB"])
def test_an_answer_up_to_64_kib_is_read_whole(scripted, size):
    scripted.script = [Answer(body=padded(size))]
    assert source(scripted).fetch().access_key_id == GOOD["AccessKeyId"]


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "chunked"])
def test_an_answer_over_64_kib_is_refused_once(scripted, declared):
    body = padded(64 * 1024 + 1)
    headers = () if declared else (("Transfer-Encoding", "chunked"),)
    scripted.script = [Answer(body=_chunked(body) if not declared else body, headers=headers)]
    assert refused(scripted) == f"container credentials endpoint at {scripted.host} answered more than 64 KiB"
    assert scripted.requests == 1


def _chunked(body: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in (body[:40000], body[40000:])) + b"0\r\n\r\n"


def test_an_answer_trickled_in_is_cut_off_at_twice_the_timeout(scripted):
    # 20 KiB in 50 pieces 0.03 s apart: each read is well within the 0.5 s timeout, the whole is not
    # (the deadline is looked at after every read, so at about 1 s).
    scripted.script = [Answer(body=padded(20 * 1024), trickle=0.03)]
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, clock=lambda: NOW, sleep=[].append, timeout=0.5, attempts=1).fetch()
    assert str(caught.value) == (f"container credentials endpoint at {scripted.host} timed out after 0.5 s "
                                 "(1 attempt)")


@pytest.mark.timeout(60)  # only a hang takes this long: reads that wait for whole chunks take ~10 minutes
def test_a_byte_at_a_time_cannot_hold_the_fetch_for_long(scripted):
    # One byte every 0.3 s, each within the 0.5 s read timeout: reads that wait for a whole 8 KiB
    # chunk would take ~10 minutes over this 2 KiB body; the fetch gives up at twice the timeout.
    scripted.script = [Answer(body=padded(2 * 1024), trickle=0.3, piece=1)]
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN}
    with pytest.raises(CredentialError) as caught:  # about 1.2 s; the whole body would parse as credentials
        ContainerEndpointSource(environ, clock=lambda: NOW, sleep=[].append, timeout=0.5, attempts=1).fetch()
    assert str(caught.value) == (f"container credentials endpoint at {scripted.host} timed out after 0.5 s "
                                 "(1 attempt)")


def test_a_read_that_times_out_in_the_body_is_a_timeout(scripted):
    # Half of the body, then silence longer than the read timeout.
    scripted.script = [Answer(body=padded(2 * 1024), trickle=1.5, piece=1024)]
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, clock=lambda: NOW, sleep=[].append, timeout=0.5, attempts=1).fetch()
    assert str(caught.value) == (f"container credentials endpoint at {scripted.host} timed out after 0.5 s "
                                 "(1 attempt)")


def test_the_request_asks_for_json_with_the_token(scripted):
    source(scripted).fetch()
    (headers,) = scripted.seen_headers
    assert (headers["Accept"], headers["Authorization"]) == ("application/json", TOKEN)


def test_a_token_with_a_lone_cr_is_refused_before_asking(scripted):
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok\rX"}
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, sleep=[].append).fetch()
    assert str(caught.value) == ("the container authorization token from AWS_CONTAINER_AUTHORIZATION_TOKEN contains a "
                                 "CR or LF character")
    assert scripted.requests == 0


def test_a_request_that_requests_cannot_make_is_not_tried_again(scripted):
    # A header value may not start with a blank: requests refuses to send it (InvalidHeader).
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": " tok"}
    slept: list[float] = []
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, sleep=slept.append).fetch()
    assert str(caught.value) == f"container credentials endpoint at {scripted.host} could not be asked: InvalidHeader"
    assert (scripted.requests, slept) == (0, [])


def test_a_malformed_value_names_the_endpoint(scripted):
    scripted.script = [Answer(body={**GOOD, "AccessKeyId": "ASIA WITH SPACE"})]
    assert refused(scripted) == (f"container credentials endpoint at {scripted.host} gave a malformed AccessKeyId: "
                                 "it is not 16 to 128 letters, digits or underscores")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:9\\@192.0.2.2/creds", "holds a backslash, whitespace or a control character"),
        ("http://127.0.0.1:9/cr\x7feds", "holds a backslash, whitespace or a control character"),  # DEL
        ("http://127.0.0.1:9/cr\x01eds", "holds a backslash, whitespace or a control character"),
        ("http://a%zz/creds", "cannot be parsed"),  # urlsplit takes it, urllib3 (which connects) does not
        ("http://\u00e9.example/creds", "reads as two different hosts"),  # urllib3 connects to xn--9ca.example
    ],
    ids=["backslash", "del", "control", "unparsable-for-urllib3", "idna"],
)
def test_url_refusals_word_for_word(url, why):
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource({"AWS_CONTAINER_CREDENTIALS_FULL_URI": url})
    assert str(caught.value) == f"refusing the container credentials endpoint: its URL {why}"
