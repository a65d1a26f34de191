"""The container endpoint source, pinned where test_cred_container left room (found by scripts/mutation.sh).

A scripted loopback endpoint answers exactly the status, headers and body each test gives it
(no Date header unless one is scripted), and the source's clock and sleep are injected, so the
expiry arithmetic is checked to the second and no test waits.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from cloudshell_docker.credentials.container import (
    ContainerEndpointSource,
    check_endpoint_url,
    endpoint_configured,
)
from cloudshell_docker.errors import CredentialError
from tests.support.localzone import local_zone
from tests.support.serving import Serving

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


def test_a_byte_at_a_time_cannot_hold_the_fetch_for_long(scripted):
    # One byte every 0.3 s, each within the 0.5 s read timeout: reads that wait for a whole 8 KiB
    # chunk would take ~10 minutes over this 2 KiB body; the fetch gives up at twice the timeout.
    scripted.script = [Answer(body=padded(2 * 1024), trickle=0.3, piece=1)]
    environ = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": scripted.url, "AWS_CONTAINER_AUTHORIZATION_TOKEN": TOKEN}
    started = time.monotonic()
    with pytest.raises(CredentialError) as caught:
        ContainerEndpointSource(environ, clock=lambda: NOW, sleep=[].append, timeout=0.5, attempts=1).fetch()
    assert time.monotonic() - started < 10  # about 1.2 s; generous for a loaded machine
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
