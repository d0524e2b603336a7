"""A forward HTTP proxy on loopback that gives the stack's DNS names to ``curl``.

The embedded stack's load balancer names (``sfx-alb-dev-….elb.amazonaws.com``) and the
application's name exist only inside the simulator. With ``http_proxy`` pointing here, a
client's ``GET http://<name>/health`` (an absolute-URI request, as every proxy client sends)
is forwarded to the canary the name leads to now, per ``route(hostname)``: a load balancer
name to its region's canary, the application's name wherever DNS resolves it (TTL honoured).
A name ``route`` does not know, or a region that does not answer (it is down), gets a
``502 Bad Gateway`` that says why. HTTPS (``CONNECT``) is not served. Every request
answered is reported to ``on_request`` (``drill up`` journals people's checks with it).
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

__all__ = ["AppProxy", "ProxiedRequest"]

log = logging.getLogger(__name__)

# Connection-scoped headers a proxy must not pass on (RFC 9110, 7.6.1).
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-connection",
                         "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"})


@dataclass(frozen=True, slots=True)
class ProxiedRequest:
    """One request the proxy answered: what was asked, the status, real seconds it took."""

    method: str
    url: str
    status: int
    elapsed_s: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], route: Callable[[str], str],
                 timeout_s: float, on_request: Callable[[ProxiedRequest], None]) -> None:
        super().__init__(address, _Handler)
        self.route = route
        self.timeout_s = timeout_s
        self.on_request = on_request


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "drill-proxy"

    def do_GET(self) -> None:
        """Forward the request."""
        self._forward()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def do_CONNECT(self) -> None:
        """Refuse tunnels: the stack is served over plain HTTP."""
        self._answer(501, "the drill proxy serves http:// only (the embedded ALBs have no TLS)")

    def _forward(self) -> None:
        self._started = time.monotonic()
        target = urlsplit(self.path)
        host = target.hostname or (self.headers.get("Host") or "").split(":")[0]
        self._url = f"http://{host}{target.path or '/'}"
        try:
            base = urlsplit(self.server.route(host))
        except LookupError as exc:
            self._answer(502, f"{host!r} is not a name of the embedded stack: {exc}")
            return
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        try:
            status, headers, body = self._fetch(base.hostname or "", base.port or 80, path)
        except OSError as exc:
            self._answer(502, f"the load balancer behind {host!r} did not answer "
                              f"({type(exc).__name__}): its region is down or unreachable")
            return
        self._send(status, headers, body)

    def _fetch(self, host: str, port: int, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        conn = http.client.HTTPConnection(host, port, timeout=self.server.timeout_s)
        try:
            conn.request(self.command, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in _HOP_BY_HOP | {"content-length", "server", "date"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        started = getattr(self, "_started", None)
        if started is not None:
            self.server.on_request(ProxiedRequest(self.command, self._url, status,
                                                  time.monotonic() - started))

    def _answer(self, status: int, message: str) -> None:
        body = f"drill proxy: {message}\n".encode()
        self._send(status, [("Content-Type", "text/plain; charset=utf-8")], body)

    def log_message(self, format: str, *args: object) -> None:
        """Access log at debug level: the terminal belongs to the drill's progress."""
        log.debug("%s " + format, self.address_string(), *args)


class AppProxy:
    """The proxy in a thread on ``127.0.0.1``; ``url`` is valid between start and stop."""

    def __init__(self, route: Callable[[str], str], *, host: str = "127.0.0.1", port: int = 0,
                 timeout_s: float = 10.0,
                 on_request: Callable[[ProxiedRequest], None] = lambda _r: None) -> None:
        self._route = route
        self._address = (host, port)
        self._timeout_s = timeout_s
        self._on_request = on_request
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> AppProxy:
        """Bind and serve in a thread; returns once the socket is listening."""
        self._server = _Server(self._address, self._route, self._timeout_s, self._on_request)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={
            "poll_interval": 0.05}, name="drill-proxy", daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, for ``http_proxy``."""
        if self._server is None:
            raise RuntimeError("proxy not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        """Stop serving, close the listening socket and join the thread; safe to repeat."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server, self._thread = None, None

    def __enter__(self) -> AppProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
