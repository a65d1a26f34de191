"""The container credentials endpoint (CloudShell, ECS, EKS Pod Identity), read with requests.

What is accepted and refused follows botocore's ``ContainerProvider`` (the tests hold the two
side by side): AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (appended to http://169.254.170.2) wins
over AWS_CONTAINER_CREDENTIALS_FULL_URI; plain http only to a loopback address or to the
ECS/EKS hosts, https to any host; the token from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read
again on every fetch, because EKS rotates it) or AWS_CONTAINER_AUTHORIZATION_TOKEN, refused when
it holds CR or LF. This module must not import boto3 or botocore: it is csdocker's fast path.

Where csdocker is stricter than botocore, on purpose (the endpoint is handed a token, and what it
answers ends up in shells and containers):

* no proxy from the environment and no ``~/.netrc``: the token and the credentials go to the
  endpoint and nowhere else (botocore does not proxy this request either);
* a URL with a backslash, whitespace, a control character or a user name is refused, and the
  host checked is the one urllib3 (which connects) reads, which must be the one urlsplit reads;
* the answer is read up to 64 KiB and the token file up to 64 KiB, from a regular file only
  (symlinks are followed: EKS mounts the token through them);
* every credential value must have AWS's shape (``credentials.validate``);
* a token that is not ASCII is refused in one line (http.client cannot send all of it, and
  botocore fails with a traceback).
"""

from __future__ import annotations

import ipaddress
import json
import os
import stat
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from cloudshell_docker.credentials.clock import Clock, utc_now
from cloudshell_docker.credentials.model import AwsCredentials
from cloudshell_docker.credentials.validate import check_credentials
from cloudshell_docker.errors import CredentialError, causes

if TYPE_CHECKING:
    import requests

__all__ = [
    "ALLOWED_HTTP_HOSTS",
    "ATTEMPTS",
    "ENDPOINT_IP",
    "FULL_URI_VAR",
    "MAX_BODY_BYTES",
    "MAX_TOKEN_FILE_BYTES",
    "RELATIVE_URI_VAR",
    "TIMEOUT_SECONDS",
    "TOKEN_FILE_VAR",
    "TOKEN_VAR",
    "ContainerEndpointSource",
    "check_endpoint_url",
    "endpoint_configured",
    "endpoint_url",
]

RELATIVE_URI_VAR = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
FULL_URI_VAR = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
TOKEN_FILE_VAR = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"

ENDPOINT_IP = "169.254.170.2"
ALLOWED_HTTP_HOSTS = (ENDPOINT_IP, "169.254.170.23", "fd00:ec2::23", "localhost")
TIMEOUT_SECONDS = 2.0
ATTEMPTS = 3
RETRY_PAUSE_SECONDS = 1.0
# Below this the Date header's one-second resolution and the request's own latency
# make a correction noise rather than a fix.
SKEW_TOLERANCE = timedelta(seconds=30)
REQUIRED_KEYS = ("AccessKeyId", "SecretAccessKey", "Token", "Expiration")
# A real answer is about 1.5 KiB and a real token file about 1 KiB; anything near these is not one.
MAX_BODY_BYTES = 64 * 1024
MAX_TOKEN_FILE_BYTES = 64 * 1024
_CHUNK_BYTES = 8 * 1024


def endpoint_configured(environ: Mapping[str, str]) -> bool:
    """Whether the environment points at a container credentials endpoint."""
    return bool(environ.get(RELATIVE_URI_VAR) or environ.get(FULL_URI_VAR))


def endpoint_url(environ: Mapping[str, str]) -> str:
    """The endpoint's URL. As in botocore, a set RELATIVE_URI wins, and is appended verbatim."""
    if RELATIVE_URI_VAR in environ:
        return f"http://{ENDPOINT_IP}{environ[RELATIVE_URI_VAR]}"
    if FULL_URI_VAR in environ:
        return environ[FULL_URI_VAR]
    raise CredentialError(f"no container credentials endpoint: neither {FULL_URI_VAR} nor {RELATIVE_URI_VAR} is set")


def _display_host(hostname: str, port: int | None) -> str:
    host = f"[{hostname}]" if ":" in hostname else hostname
    return f"{host}:{port}" if port is not None else host


def _is_loopback(hostname: str) -> bool:
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _has_unsafe_character(url: str) -> bool:
    # Parsers disagree about these (urlsplit reads "\\" as part of a user name, urllib3 as the
    # path): a URL that holds one would be checked as one host and connected to as another.
    return any(ch == "\\" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url)


def _connect_target(url: str) -> tuple[str | None, str | None, int | None, bool]:
    """(scheme, host, port, has user info) as urllib3, which requests connects with, reads ``url``."""
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        parsed = parse_url(url)
    except LocationParseError:
        raise CredentialError("refusing the container credentials endpoint: its URL cannot be parsed") from None
    host = parsed.host
    if host is not None and host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return parsed.scheme, host.lower() if host else host, parsed.port, parsed.auth is not None


def check_endpoint_url(url: str) -> str:
    """``host[:port]`` of ``url`` for messages, or CredentialError when csdocker (like botocore) refuses it.

    The rest of the URL is never shown: ECS puts an ID in the path, and a URL may carry a password.
    """
    if _has_unsafe_character(url):
        raise CredentialError(
            "refusing the container credentials endpoint: its URL holds a backslash, whitespace or a control character"
        )
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        port = parts.port
    except ValueError:
        raise CredentialError("refusing the container credentials endpoint: its URL cannot be parsed") from None
    if not hostname:
        raise CredentialError("refusing the container credentials endpoint: its URL names no host")
    scheme, target_host, target_port, has_auth = _connect_target(url)
    if has_auth or "@" in parts.netloc:
        # The token goes in the Authorization header; a user name in the URL only serves to
        # make the URL read as another host than the one it names.
        raise CredentialError("refusing the container credentials endpoint: its URL holds a user name or password")
    if (scheme, target_host, target_port) != (parts.scheme.lower(), hostname, port):
        raise CredentialError("refusing the container credentials endpoint: its URL reads as two different hosts")
    shown = _display_host(hostname, port)
    if parts.scheme == "https":
        return shown
    if parts.scheme != "http":
        raise CredentialError(
            f"refusing the container credentials endpoint at {shown}: scheme {parts.scheme or '(none)'!r} "
            "is neither http nor https"
        )
    if _is_loopback(hostname) or hostname in ALLOWED_HTTP_HOSTS:
        return shown
    raise CredentialError(
        f"refusing the container credentials endpoint at {shown}: plain http is allowed only to a loopback "
        f"address or to {', '.join(ALLOWED_HTTP_HOSTS)} (use https)"
    )


def _without_netrc_or_url_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    # Giving requests an auth callable stops it from replacing our Authorization header with
    # one built from ~/.netrc or from a user:password in the URL; botocore ignores both.
    return request


class _Attempt(Exception):
    """One failed attempt: ``reason`` completes "container credentials endpoint at HOST ..."."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def _network_reason(err: BaseException) -> str:
    """The OS's words for a failed connection (``Connection refused``), never the URL."""
    return next((c.strerror for c in causes(err) if isinstance(c, OSError) and c.strerror), "connection failed")


class ContainerEndpointSource:
    """Credentials from the container credentials endpoint named in ``environ``.

    ``session`` (a requests.Session), ``clock``, ``sleep``, ``timeout`` and ``attempts`` are
    there for tests; the defaults are botocore's (2 s, 3 attempts, 1 s apart).
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        session: requests.Session | None = None,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
    ) -> None:
        self._environ = dict(environ)
        self._url = endpoint_url(self._environ)
        self._host = check_endpoint_url(self._url)
        self._session = session
        self._clock = clock
        self._sleep = sleep
        self._timeout = timeout
        self._attempts = max(1, attempts)

    @property
    def description(self) -> str:
        return f"container endpoint ({self._host})"

    @property
    def host(self) -> str:
        """``host[:port]`` of the endpoint."""
        return self._host

    def fetch(self) -> AwsCredentials:
        headers = {"Accept": "application/json"}
        token = self._token()
        if token is not None:
            headers["Authorization"] = token
        body, server_date, received = self._get(headers)
        return self._credentials(body, server_date, received)

    def _token(self) -> str | None:
        if TOKEN_FILE_VAR in self._environ:
            path = self._environ[TOKEN_FILE_VAR]
            token = _read_token_file(path)
            origin = f"{TOKEN_FILE_VAR} ({path})"
        elif TOKEN_VAR in self._environ:
            token = self._environ[TOKEN_VAR]
            origin = TOKEN_VAR
        else:
            return None
        if "\r" in token or "\n" in token:
            # Not a legal header value (botocore refuses it too). A file written with
            # `echo` ends in a newline: it is refused rather than quietly trimmed, as botocore does.
            raise CredentialError(f"the container authorization token from {origin} contains a CR or LF character")
        if not token.isascii():
            # http.client would fail to encode it deep inside the request (botocore too, with a
            # traceback); AWS's tokens are ASCII.
            raise CredentialError(
                f"the container authorization token from {origin} holds a character that is not ASCII"
            )
        return token

    def _http(self) -> requests.Session:
        if self._session is None:
            import requests

            self._session = requests.Session()
        # No HTTP(S)_PROXY/ALL_PROXY and no ~/.netrc: the token must reach the endpoint only.
        self._session.trust_env = False
        return self._session

    def _get(self, headers: dict[str, str]) -> tuple[Any, datetime | None, datetime]:
        attempt = 1
        while True:
            try:
                return self._attempt(headers)
            except _Attempt as err:
                where = f"container credentials endpoint at {self._host} {err.reason}"
                if not err.retry:
                    raise CredentialError(where) from None
                if attempt >= self._attempts:
                    raise CredentialError(f"{where} ({attempt} attempt{'s' if attempt > 1 else ''})") from None
            attempt += 1
            self._sleep(RETRY_PAUSE_SECONDS)

    def _attempt(self, headers: dict[str, str]) -> tuple[Any, datetime | None, datetime]:
        import requests

        started = time.monotonic()
        try:
            response = self._http().get(
                self._url, headers=headers, timeout=self._timeout, allow_redirects=False,
                auth=_without_netrc_or_url_auth, stream=True,
            )
        except requests.Timeout:
            raise _Attempt(f"timed out after {self._timeout:g} s", retry=True) from None
        except requests.ConnectionError as err:
            raise _Attempt(f"unreachable: {_network_reason(err)}", retry=True) from None
        except requests.RequestException as err:
            raise _Attempt(f"could not be asked: {type(err).__name__}", retry=False) from None
        with response:
            received = self._clock()
            status = response.status_code
            if status in (401, 403):
                raise _Attempt(f"refused the authorization token (HTTP {status})", retry=False)
            if status == 429 or status >= 500:
                raise _Attempt(f"failed with HTTP {status}", retry=True)
            if status != 200:
                raise _Attempt(f"answered HTTP {status}", retry=False)
            content = self._bounded_body(response, started)
            date = response.headers.get("Date")
        try:
            body = json.loads(content)
        except ValueError:
            raise _Attempt("answered malformed JSON", retry=True) from None
        return body, _server_date(date), received

    def _bounded_body(self, response: requests.Response, started: float) -> bytes:
        """The body, read as it comes: an endpoint that sends more than MAX_BODY_BYTES is cut off
        there, and one that trickles it in is cut off at twice the timeout. Each ``read1`` returns
        after one read from the socket (iter_content's reads wait for a whole chunk, so a byte a
        second would have held the run for hours), and the deadline is looked at after each."""
        from urllib3.exceptions import HTTPError, ReadTimeoutError

        too_big = _Attempt(f"answered more than {MAX_BODY_BYTES // 1024} KiB", retry=False)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise too_big
        chunks: list[bytes] = []
        size = 0
        try:
            while chunk := response.raw.read1(_CHUNK_BYTES, decode_content=True):
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise too_big
                chunks.append(chunk)
                if time.monotonic() - started > 2 * self._timeout:
                    raise _Attempt(f"timed out after {self._timeout:g} s", retry=True)
        except ReadTimeoutError:
            raise _Attempt(f"timed out after {self._timeout:g} s", retry=True) from None
        except (HTTPError, OSError) as err:
            raise _Attempt(f"broke off its answer: {type(err).__name__}", retry=True) from None
        return b"".join(chunks)

    def _credentials(self, body: Any, server_date: datetime | None, received: datetime) -> AwsCredentials:
        where = f"container credentials endpoint at {self._host}"
        if not isinstance(body, dict):
            raise CredentialError(f"{where} answered JSON that is not an object")
        missing = [key for key in REQUIRED_KEYS if not isinstance(body.get(key), str)]
        missing += [key for key in ("AccessKeyId", "SecretAccessKey", "Expiration") if body.get(key) == ""]
        if missing:
            code = body.get("Code")
            told = f" (Code {code!r})" if isinstance(code, str) and code not in ("", "Success") else ""
            raise CredentialError(f"{where} answered without {', '.join(missing)}{told}")
        expiration = _parse_expiration(body["Expiration"])
        if expiration is None:
            raise CredentialError(f"{where} answered an unreadable Expiration {body['Expiration'][:40]!r}")
        if server_date is not None:
            # The expiration is on the endpoint's clock; move it onto ours when they disagree.
            skew = received - server_date
            if abs(skew) > SKEW_TOLERANCE:
                expiration += skew
        if expiration <= received:
            ago = int((received - expiration).total_seconds())
            raise CredentialError(
                f"{where} gave credentials that had already expired at "
                f"{expiration.strftime('%Y-%m-%dT%H:%M:%SZ')} ({ago} s ago)"
            )
        creds = AwsCredentials(
            access_key_id=body["AccessKeyId"],
            secret_access_key=body["SecretAccessKey"],
            session_token=body["Token"] or None,
            expiration=expiration,
        )
        return check_credentials(creds, where)


def _read_token_file(path: str) -> str:
    """The token file's text: a regular file (after symlinks), read up to MAX_TOKEN_FILE_BYTES.

    O_NONBLOCK: a FIFO opens without waiting for a writer, and is then refused as not regular.
    """
    def refuse(why: str) -> CredentialError:
        return CredentialError(f"cannot read the container authorization token file {path}: {why}")

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        raise refuse(err.strerror or type(err).__name__) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise refuse("not a regular file")
        data = b""
        while len(data) <= MAX_TOKEN_FILE_BYTES:
            chunk = os.read(fd, MAX_TOKEN_FILE_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    except OSError as err:
        raise refuse(err.strerror or type(err).__name__) from None
    finally:
        os.close(fd)
    if len(data) > MAX_TOKEN_FILE_BYTES:
        raise refuse(f"larger than {MAX_TOKEN_FILE_BYTES // 1024} KiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise refuse("UnicodeDecodeError") from None


def _server_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return date.astimezone(UTC) if date.tzinfo else date.replace(tzinfo=UTC)


def _parse_expiration(value: str) -> datetime | None:
    try:
        expiration = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    # The endpoints write UTC; a value without a zone is taken as UTC too.
    return expiration.astimezone(UTC) if expiration.tzinfo else expiration.replace(tzinfo=UTC)
