"""A stand-in ECR API on 127.0.0.1 for what moto's ECR never does.

By default it answers every call as AWS answers a caller without ``ecr:GetAuthorizationToken``:
HTTP 400, the JSON protocol's ``__type`` and ``message``. With ``token`` set it hands out that
``user:password`` instead (a token the registry will refuse). ``calls`` counts what reached it.

    with DeniedEcrApi() as api:
        env["AWS_ENDPOINT_URL_ECR"] = api.url
"""

from __future__ import annotations

import base64
import contextlib
import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.serving import Serving

__all__ = ["DeniedEcrApi"]


@dataclass
class DeniedEcrApi(Serving):
    principal: str = "arn:aws:sts::123456789012:assumed-role/csdt-no-ecr/csdt"
    token: str | None = None  # "user:password" to hand out instead of refusing
    calls: list[str] = field(default_factory=list)  # the X-Amz-Target of each request
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> DeniedEcrApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                api.calls.append(str(self.headers.get("X-Amz-Target") or ""))
                if api.token is not None:
                    encoded = base64.b64encode(api.token.encode()).decode()
                    self.answer(200, {"authorizationData": [{
                        "authorizationToken": encoded, "expiresAt": 4102444800,
                        "proxyEndpoint": "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"}]})
                    return
                self.answer(400, {
                    "__type": "AccessDeniedException",
                    "message": f"User: {api.principal} is not authorized to perform: ecr:GetAuthorizationToken "
                               "on resource: * because no identity-based policy allows the "
                               "ecr:GetAuthorizationToken action",
                })

            def answer(self, status: int, document: dict[str, object]) -> None:
                body = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        self._serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        return self
