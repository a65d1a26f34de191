"""What the test servers share: an HTTP server on a daemon thread, stopped at the end of a with-block."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Self

__all__ = ["Serving"]


class Serving:
    """Mixin for the test servers' dataclasses, which declare ``_server: ThreadingHTTPServer | None = None``
    and implement ``start()`` by building their handler and calling ``_serve``."""

    _server: ThreadingHTTPServer | None

    def start(self) -> Self:
        raise NotImplementedError

    def _serve(self, server: ThreadingHTTPServer) -> None:
        server.daemon_threads = True
        self._server = server
        # A short poll interval: stop() waits for the serving loop to notice (0.5 s by default).
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
