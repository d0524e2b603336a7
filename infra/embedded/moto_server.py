"""moto as a real HTTP server on 127.0.0.1, started on a free port and stopped cleanly."""

from __future__ import annotations

import logging

import requests
from moto.server import ThreadedMotoServer

__all__ = ["MotoServer"]


class MotoServer:
    """A ThreadedMotoServer on loopback; ``endpoint_url`` is valid between start and stop."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self._running = False

    def start(self) -> MotoServer:
        """Start serving; returns self once the socket is listening."""
        from infra.embedded import moto_ext

        moto_ext.install()
        # One access-log line per API call drowns the drill's own progress output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        self._running = True
        return self

    @property
    def endpoint_url(self) -> str:
        """Base URL of the running server."""
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def reset(self) -> None:
        """Drop every resource in every region (moto's ``/moto-api/reset``)."""
        requests.post(f"{self.endpoint_url}/moto-api/reset", timeout=10).raise_for_status()

    def stop(self) -> None:
        """Stop serving and close the listening socket (moto's own stop leaves it open)."""
        if not self._running:
            return
        self._running = False
        inner = self._server._server  # the werkzeug server; closing it frees the port
        self._server.stop()
        if inner is not None:
            inner.server_close()

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
