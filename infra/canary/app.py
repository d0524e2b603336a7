"""The canary every region runs: ``/health`` and ``/markers`` over plain HTTP.

The app owns no state of its own. What makes it healthy comes through a :class:`HealthSource`
and where markers live through a :class:`MarkerStore`, so the same app runs as the ECS
container on AWS (checks against real endpoints) and inside the embedded region simulator
(checks against moto's state, markers in SQLite).
"""

from __future__ import annotations

import json
import logging
import socket
import struct
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs

from infra.core.serving import base_url, stop_serving

__all__ = [
    "CanaryApp",
    "CanaryServer",
    "HealthSource",
    "Marker",
    "MarkerStore",
    "NotWritable",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Marker:
    """A numbered, timestamped data marker (``written_at`` in the writer's drill seconds)."""

    seq: int
    written_at: float


class NotWritable(Exception):
    """The store cannot commit a marker now; ``reasons`` say why."""

    def __init__(self, *reasons: str) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class HealthSource(Protocol):
    """Everything the region's health depends on, as a list of problems (empty: healthy)."""

    def problems(self) -> tuple[str, ...]:
        """Why the region cannot serve now; empty when it can."""


class MarkerStore(Protocol):
    """The region's database as the canary sees it."""

    def write(self, marker: Marker) -> None:
        """Commit ``marker``; raises :class:`NotWritable` when the database is read-only."""

    def markers(self) -> tuple[Marker, ...]:
        """Every marker in the database, oldest first."""


@dataclass(frozen=True, slots=True)
class CanaryApp:
    """The canary's behaviour for one region, independent of any HTTP server."""

    region: str
    health: HealthSource
    store: MarkerStore
    # The region's other stores by name (``efs``, ``cache``): each acknowledged marker is
    # written to them too, after the database commit that decides the acknowledgement.
    stores: Mapping[str, MarkerStore] = field(default_factory=dict)

    def get_health(self) -> tuple[int, dict[str, Any]]:
        """Status code and body of ``GET /health``."""
        problems = self.health.problems()
        if problems:
            body = {"status": "unavailable", "region": self.region, "reasons": list(problems)}
            return HTTPStatus.SERVICE_UNAVAILABLE, body
        return HTTPStatus.OK, {"status": "ok", "region": self.region}

    def post_marker(self, payload: Any) -> tuple[int, dict[str, Any]]:
        """Status code and body of ``POST /markers``."""
        try:
            marker = Marker(int(payload["seq"]), float(payload["written_at"]))
        except (TypeError, KeyError, ValueError):
            reason = 'need {"seq": int, "written_at": number}'
            return HTTPStatus.BAD_REQUEST, {"reasons": [reason]}
        try:
            self.store.write(marker)
        except NotWritable as exc:
            body = {"region": self.region, "reasons": list(exc.reasons)}
            return HTTPStatus.SERVICE_UNAVAILABLE, body
        for store in self.stores.values():
            store.write(marker)
        return HTTPStatus.CREATED, {"seq": marker.seq, "region": self.region}

    def get_markers(self, store: str | None = None) -> tuple[int, dict[str, Any]]:
        """Status code and body of ``GET /markers[?store=NAME|all]`` (default: the database).

        ``store=all`` adds ``stores``: every store's markers by name (``database`` too).
        """
        everything = {"database": self.store, **self.stores}
        if store not in (None, "database", "all") and store not in self.stores:
            return HTTPStatus.NOT_FOUND, {"region": self.region, "reasons": [
                f"no store {store!r}; known: {sorted(everything)!r}"]}
        chosen = everything[store] if store in everything else self.store
        body: dict[str, Any] = {"region": self.region, "markers": _rows(chosen)}
        if store == "all":
            body["stores"] = {name: _rows(s) for name, s in everything.items()}
        elif store is not None:
            body["store"] = store
        return HTTPStatus.OK, body


def _rows(store: MarkerStore) -> list[dict[str, Any]]:
    return [{"seq": m.seq, "written_at": m.written_at} for m in store.markers()]


_NOT_FOUND = (HTTPStatus.NOT_FOUND, {"reasons": ["no such path"]})


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def do_GET(self) -> None:
        app = self.server.app
        query = parse_qs(self.path.split("?", 1)[1]) if "?" in self.path else {}
        store = query.get("store", [None])[-1]
        route = {"/health": app.get_health,
                 "/markers": lambda: app.get_markers(store)}.get(self._path())
        self._answer(route or (lambda: _NOT_FOUND))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self._path() != "/markers":
            self._answer(lambda: _NOT_FOUND)
            return
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        self._answer(lambda: self.server.app.post_marker(payload))

    def _path(self) -> str:
        return self.path.split("?", 1)[0]

    def _answer(self, route: Callable[[], tuple[int, dict[str, Any]]]) -> None:
        # Checked per request, not per connection: a pooled keep-alive connection must not
        # outlive the region.
        if not self.server.reachable.is_set():
            self._reset()
            return
        status, body = route()
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if self.close_connection:
            # Said back to a client that asked to close (RFC 9112, 9.6): without it the
            # client pools the connection this handler is about to close, and on a busy host
            # its next request can go out on it first and die as "Remote end closed".
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _reset(self) -> None:
        # SO_LINGER 0 makes close() send RST: the client sees a reset, never a response,
        # which is what a dead region's load balancer gives.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("canary %s: %s", self.server.app.region, format % args)


_LINGER_RESET = struct.pack("ii", 1, 0)


class _Server(ThreadingHTTPServer):
    # Non-daemon handler threads, joined by server_close(): stop() leaves no thread behind.
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], app: CanaryApp) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.reachable = threading.Event()
        self.reachable.set()
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def track(self, connection: socket.socket, *, add: bool) -> None:
        """Remember open connections so stop() can cut idle keep-alive ones."""
        with self._lock:
            (self._connections.add if add else self._connections.discard)(connection)

    def cut_connections(self) -> None:
        """Shut every open connection so handler threads blocked on a read return."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its handler

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a probe past its timeout) is normal; anything else is logged."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return
        log.exception("canary %s: error handling a request from %s", self.app.region,
                      client_address)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        if self.reachable.is_set():
            return True
        request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
        return False


class CanaryServer:
    """Serves a :class:`CanaryApp` over HTTP in a thread; ``url`` is valid once started."""

    def __init__(self, app: CanaryApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    def start(self, *, timeout: float = 10.0) -> CanaryServer:
        """Bind, serve in a thread and return once the socket is listening."""
        self._server = _Server(self._address, self.app)
        self._thread = threading.Thread(
            target=self._serve, name=f"canary-{self.app.region}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f"canary for {self.app.region!r} did not start in {timeout}s")
        return self

    def _serve(self) -> None:
        assert self._server is not None
        self._ready.set()
        self._server.serve_forever(poll_interval=0.05)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:PORT``."""
        return base_url(self._server, "canary")

    @property
    def reachable(self) -> bool:
        """False while the region is down: connections are reset without an answer."""
        return self._server is not None and self._server.reachable.is_set()

    def set_reachable(self, reachable: bool) -> None:
        """Make the canary answer (True) or reset every connection (False)."""
        if self._server is None:
            raise RuntimeError("canary not started")
        (self._server.reachable.set if reachable else self._server.reachable.clear)()

    def stop(self) -> None:
        """Stop serving, close the listening socket and join every thread."""
        if self._server is None:
            return
        stop_serving(self._server, self._thread, cut=self._server.cut_connections)
        self._server, self._thread = None, None

    def __enter__(self) -> CanaryServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
