"""A fake STS ``GetCallerIdentity`` that accepts only credentials it knows, and only until they expire.

moto does not expire session credentials, so the relay's proof needs this: a service that
answers as AWS does when a container signs with credentials that have run out
(``ExpiredToken``, HTTP 400), that it has never issued (``InvalidClientTokenId``, 403), or with
the wrong secret (``SignatureDoesNotMatch``, 403; the SigV4 signature is checked in full).

The credentials it knows are those a ``CredentialsEndpoint`` issued (looked up live, so
rotations are seen at once), judged on that endpoint's clock (AWS's clock, which may differ
from the host's: ``clock_skew``), plus any added with ``know``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import socketserver
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.endpoint import CredentialsEndpoint
from tests.support.serving import Serving

__all__ = ["ACCOUNT", "Call", "FakeSts", "Known", "key_of_user_id"]

ACCOUNT = "123456789012"
ROLE = "csdt-relay"
_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


@dataclass(frozen=True)
class Known:
    secret_access_key: str
    session_token: str | None
    expiration: datetime | None  # on the issuer's clock
    now: Callable[[], datetime]  # the issuer's clock


@dataclass(frozen=True)
class Call:
    access_key_id: str
    outcome: str  # "ok" or the error code answered
    at: datetime


def key_of_user_id(user_id: str) -> str:
    """The access key ID a successful answer's UserId names (``AROA...:<key id>``)."""
    return user_id.strip().rsplit(":", 1)[-1]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer would look its address's name up, which stalls without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="-_.~")


@dataclass
class FakeSts(Serving):
    endpoint: CredentialsEndpoint | None = None
    host: str = "127.0.0.1"
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    extra: dict[str, Known] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://{self.host}:{self._server.server_address[1]}"

    def know(self, access_key_id: str, secret_access_key: str, session_token: str | None = None,
             expiration: datetime | None = None) -> None:
        self.extra[access_key_id] = Known(secret_access_key, session_token, expiration, lambda: datetime.now(UTC))

    def lookup(self, access_key_id: str) -> Known | None:
        if access_key_id in self.extra:
            return self.extra[access_key_id]
        if self.endpoint is not None:
            for issued in list(self.endpoint.issued):
                if issued.access_key_id == access_key_id:
                    return Known(issued.secret_access_key, issued.token, issued.expiration, self.endpoint.now)
        return None

    def outcomes(self) -> list[str]:
        return [call.outcome for call in self.calls]

    def judge(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, str]:
        """(status, error code or "ok", access key ID) for one request."""
        auth = headers.get("authorization", "")
        if not auth.startswith("AWS4-HMAC-SHA256 "):
            return 403, "MissingAuthenticationToken", ""
        fields = dict(
            part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 "):].split(",") if "=" in part
        )
        try:
            key_id, date, region, service, _ = fields["Credential"].split("/")
            signed = fields["SignedHeaders"].split(";")
            signature = fields["Signature"]
        except (KeyError, ValueError):
            return 400, "IncompleteSignature", ""
        known = self.lookup(key_id)
        if known is None:
            return 403, "InvalidClientTokenId", key_id
        if (known.session_token or None) != (headers.get("x-amz-security-token") or None):
            return 403, "InvalidClientTokenId", key_id
        if known.expiration is not None and known.now() >= known.expiration:
            return 400, "ExpiredToken", key_id
        target, _, query = path.partition("?")
        pairs = sorted((_quote(k), _quote(v)) for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True))
        canonical = "\n".join([
            method,
            target or "/",
            "&".join(f"{k}={v}" for k, v in pairs),
            "".join(f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed),
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ])
        scope = f"{date}/{region}/{service}/aws4_request"
        to_sign = "\n".join([
            "AWS4-HMAC-SHA256", headers.get("x-amz-date", ""), scope, hashlib.sha256(canonical.encode()).hexdigest(),
        ])
        expected = hmac.new(_signing_key(known.secret_access_key, date, region, service), to_sign.encode(),
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return 403, "SignatureDoesNotMatch", key_id
        action = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"))).get("Action") or dict(
            urllib.parse.parse_qsl(query)).get("Action")
        if action != "GetCallerIdentity":
            return 400, "InvalidAction", key_id
        return 200, "ok", key_id

    def start(self) -> FakeSts:
        sts = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, outcome, key_id = sts.judge("POST", self.path, headers, body)
                sts.calls.append(Call(key_id, outcome, datetime.now(UTC)))
                self.answer(status, outcome, key_id)

            def do_GET(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, outcome, key_id = sts.judge("GET", self.path, headers, b"")
                sts.calls.append(Call(key_id, outcome, datetime.now(UTC)))
                self.answer(status, outcome, key_id)

            def answer(self, status: int, outcome: str, key_id: str) -> None:
                request_id = secrets.token_hex(16)
                if outcome == "ok":
                    payload = (
                        f'<GetCallerIdentityResponse xmlns="{_NS}"><GetCallerIdentityResult>'
                        f"<Arn>arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE}/{key_id}</Arn>"
                        f"<UserId>AROACSDTRELAYFAKE:{key_id}</UserId><Account>{ACCOUNT}</Account>"
                        f"</GetCallerIdentityResult><ResponseMetadata><RequestId>{request_id}</RequestId>"
                        "</ResponseMetadata></GetCallerIdentityResponse>"
                    )
                else:
                    message = {
                        "ExpiredToken": "The security token included in the request is expired",
                        "InvalidClientTokenId": "The security token included in the request is invalid.",
                        "SignatureDoesNotMatch": "The request signature we calculated does not match the "
                                                 "signature you provided.",
                    }.get(outcome, outcome)
                    payload = (
                        f'<ErrorResponse xmlns="{_NS}"><Error><Type>Sender</Type><Code>{outcome}</Code>'
                        f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
                    )
                data = payload.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", request_id)
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(data)

        self._serve(_Server((self.host, self.port), Handler))
        return self
