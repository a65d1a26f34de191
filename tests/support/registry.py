"""A read-only Docker registry (API v2) on 127.0.0.1 that serves one local image under any name and tag.

The engine pulls from 127.0.0.0/8 without TLS, so a run of ``127.0.0.1:PORT/csdt/x:1`` really pulls,
with nothing leaving the machine. The image is made from ``docker save IMAGE``: its config and its
layers (uncompressed tars, which the engine accepts under the gzip media type) become the blobs.

    with LocalRegistry("local/busybox") as registry:
        image = registry.image("csdt/bb", "1")   # 127.0.0.1:PORT/csdt/bb:1
        ...
        registry.forget(image)                    # untag it again (the source image stays)
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import subprocess
import tarfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.serving import Serving

__all__ = ["LocalRegistry"]

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class LocalRegistry(Serving):
    source: str
    blobs: dict[str, bytes] = field(default_factory=dict)
    manifest: bytes = b""
    requests: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    def image(self, name: str, tag: str) -> str:
        return f"127.0.0.1:{self.port}/{name}:{tag}"

    def forget(self, *images: str) -> None:
        """Untag pulled images (``docker rmi`` of a tag the source image shares only untags it)."""
        for image in images:
            subprocess.run(["docker", "rmi", image], capture_output=True, timeout=60)

    def _load(self) -> None:
        saved = subprocess.run(["docker", "save", self.source], capture_output=True, check=True, timeout=300).stdout
        with tarfile.open(fileobj=io.BytesIO(saved)) as archive:
            index = json.load(archive.extractfile("manifest.json"))[0]  # type: ignore[arg-type]
            config = archive.extractfile(index["Config"]).read()  # type: ignore[union-attr]
            layers = [archive.extractfile(path).read() for path in index["Layers"]]  # type: ignore[union-attr]
        self.blobs = {_digest(config): config, **{_digest(layer): layer for layer in layers}}
        self.manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "size": len(config), "digest": _digest(config)},
            "layers": [{"mediaType": LAYER_TYPE, "size": len(layer), "digest": _digest(layer)} for layer in layers],
        }, indent=3).encode()

    def start(self) -> LocalRegistry:
        self._load()
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self.answer(head=True)

            def do_GET(self) -> None:
                self.answer(head=False)

            def answer(self, *, head: bool) -> None:
                registry.requests.append(f"{self.command} {self.path}")
                if self.path in ("/v2/", "/v2"):
                    return self.send(200, b"{}", "application/json", head=head)
                manifest = re.fullmatch(r"/v2/(.+)/manifests/([^/]+)", self.path)
                if manifest:
                    return self.send(200, registry.manifest, MANIFEST_TYPE, head=head,
                                     digest=_digest(registry.manifest))
                blob = re.fullmatch(r"/v2/(.+)/blobs/(sha256:[0-9a-f]{64})", self.path)
                if blob and blob.group(2) in registry.blobs:
                    return self.send(200, registry.blobs[blob.group(2)], "application/octet-stream", head=head,
                                     digest=blob.group(2))
                return self.send(404, b'{"errors":[{"code":"NOT_FOUND","message":"not here"}]}',
                                 "application/json", head=head)

            def send(self, status: int, body: bytes, content_type: str, *, head: bool, digest: str = "") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                if digest:
                    self.send_header("Docker-Content-Digest", digest)
                self.end_headers()
                if not head:
                    with contextlib.suppress(OSError):
                        self.wfile.write(body)

        self._serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        return self
