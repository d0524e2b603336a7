"""moto as a real HTTP server on 127.0.0.1, started on a free port and stopped cleanly.

The server is moto's own WSGI app and request handler (as ``ThreadedMotoServer`` serves
them) in a thread of ours that polls for shutdown every 50 ms instead of 500 ms
(``infra.core.serving``): a drill stops its embedded AWS at the end of every run.
"""

from __future__ import annotations

import logging
import threading

import requests
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from infra.core.serving import base_url, serve_in_thread

__all__ = ["MotoServer"]


class MotoServer:
    """moto served on loopback; ``endpoint_url`` is valid between start and stop."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (host, port)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> MotoServer:
        """Start serving; returns self once the socket is listening."""
        from infra.embedded import moto_ext

        moto_ext.install()
        # One access-log line per API call drowns the drill's own progress output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(*self._address, app, True,
                                   request_handler=MotoRequestHandler)
        self._thread = serve_in_thread(self._server, "moto-server")
        return self

    @property
    def endpoint_url(self) -> str:
        """Base URL of the running server."""
        return base_url(self._server, "moto server")

    def reset(self) -> None:
        """Drop every resource in every region (moto's ``/moto-api/reset``)."""
        requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()

    def stop(self) -> None:
        """Stop serving, join the thread and close the listening socket; safe to repeat."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        if self._thread is not None:
            self._thread.join()
        server.server_close()

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
