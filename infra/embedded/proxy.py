"""A forward HTTP proxy on loopback that gives the stack's DNS names to ``curl``.

The embedded stack's load balancer names (``sfx-alb-dev-….elb.amazonaws.com``) and the
application's name exist only inside the simulator. With ``http_proxy`` pointing here, a
client's ``GET http://<name>/health`` (an absolute-URI request, as every proxy client sends)
is forwarded to the canary the name leads to now, per ``route(hostname)``: a load balancer
name to its region's canary, the application's name wherever DNS resolves it (TTL honoured).
A name ``route`` does not know, or a region that does not answer (it is down), gets a
``502 Bad Gateway`` that says why. Every request answered is reported to ``on_request``
(``drill up`` journals people's checks with it).

As ``https_proxy`` it is the world's edge for AWS: ``CONNECT <name>.amazonaws.com:443`` is
answered here, TLS terminated with a certificate of the world's own authority
(:mod:`infra.embedded.world_ca`, trusted through ``AWS_CA_BUNDLE``), and each request in the
tunnel goes to the embedded AWS (moto dispatches on the request's ``Host`` and signature, as
for any AWS name). Every other ``CONNECT`` is refused: nothing typed in the shell reaches
the real AWS, whatever the client does with ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from infra.core.serving import base_url, serve_in_thread, stop_serving

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
                 timeout_s: float, on_request: Callable[[ProxiedRequest], None],
                 aws: _AwsEdge | None) -> None:
        super().__init__(address, _Handler)
        self.route = route
        self.timeout_s = timeout_s
        self.on_request = on_request
        self.aws = aws


@dataclass(frozen=True, slots=True)
class _AwsEdge:
    """Where AWS names lead (the embedded endpoint) and who signs their certificates."""

    endpoint_url: str
    ca: Any  # infra.embedded.world_ca.WorldCA
    timeout_s: float = 120.0  # a CreateStack on a loaded machine takes a while to answer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "drill-proxy"
    journaled = True  # people's checks; their AWS calls are journaled by the endpoint

    def do_GET(self) -> None:
        """Forward the request."""
        self._forward()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def do_CONNECT(self) -> None:
        """Answer a tunnel to an AWS name here (TLS ends in the proxy); refuse any other."""
        host, _, port = self.path.rpartition(":")
        edge = self.server.aws
        if edge is None or port != "443" or not edge.ca.covers(host):
            self._answer(403, f"{self.path} is not an AWS endpoint of the embedded world: "
                              "nothing leaves it (the embedded ALBs serve http:// only)")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        try:
            tls = edge.ca.context_for(host).wrap_socket(self.connection, server_side=True)
        except (OSError, ValueError) as exc:  # the client gave up or distrusts the world's CA
            log.debug("TLS with %s for %s failed: %s", self.client_address, host, exc)
            self.close_connection = True
            return
        try:
            _AwsHandler(tls, self.client_address, self.server)
        finally:
            tls.close()
            self.close_connection = True

    def _upstream(self, host: str) -> tuple[str, float]:
        """The base URL ``host`` leads to now, and how long to wait for its answer."""
        return self.server.route(host), self.server.timeout_s

    def _forward(self) -> None:
        self._started = time.monotonic()
        target = urlsplit(self.path)
        host = target.hostname or (self.headers.get("Host") or "").split(":")[0]
        self._url = f"http://{host}{target.path or '/'}"
        try:
            upstream, timeout_s = self._upstream(host)
            base = urlsplit(upstream)
        except LookupError as exc:
            self._answer(502, f"{host!r} is not a name of the embedded stack: {exc}")
            return
        path = (target.path or "/") + (f"?{target.query}" if target.query else "")
        try:
            status, headers, body = self._fetch(base.hostname or "", base.port or 80, path,
                                                timeout_s)
        except OSError as exc:
            self._answer(502, f"the load balancer behind {host!r} did not answer "
                              f"({type(exc).__name__}): its region is down or unreachable")
            return
        self._send(status, headers, body)

    def _fetch(self, host: str, port: int, path: str,
               timeout_s: float) -> tuple[int, list[tuple[str, str]], bytes]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
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
        if started is not None and self.journaled:
            self.server.on_request(ProxiedRequest(self.command, self._url, status,
                                                  time.monotonic() - started))

    def _answer(self, status: int, message: str) -> None:
        body = f"drill proxy: {message}\n".encode()
        self._send(status, [("Content-Type", "text/plain; charset=utf-8")], body)

    def log_message(self, format: str, *args: object) -> None:
        """Access log at debug level: the terminal belongs to the drill's progress."""
        log.debug("%s " + format, self.address_string(), *args)


class _AwsHandler(_Handler):
    """Requests inside a TLS tunnel to an AWS name: all go to the embedded endpoint."""

    journaled = False
    protocol_version = "HTTP/1.1"  # every answer has a Content-Length: keep the tunnel open

    def do_CONNECT(self) -> None:
        """No tunnel inside a tunnel."""
        self._answer(400, "CONNECT inside a tunnel")

    def _upstream(self, host: str) -> tuple[str, float]:
        edge = self.server.aws
        assert edge is not None
        return edge.endpoint_url, edge.timeout_s


class AppProxy:
    """The proxy in a thread on ``127.0.0.1``; ``url`` is valid between start and stop.

    With ``aws_endpoint`` and ``ca`` (a :class:`~infra.embedded.world_ca.WorldCA`) it also
    answers HTTPS for AWS's names, from that endpoint.
    """

    def __init__(self, route: Callable[[str], str], *, host: str = "127.0.0.1", port: int = 0,
                 timeout_s: float = 10.0,
                 on_request: Callable[[ProxiedRequest], None] = lambda _r: None,
                 aws_endpoint: str | None = None, ca: Any = None) -> None:
        self._aws = _AwsEdge(aws_endpoint, ca) if aws_endpoint and ca is not None else None
        self._route = route
        self._address = (host, port)
        self._timeout_s = timeout_s
        self._on_request = on_request
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> AppProxy:
        """Bind and serve in a thread; returns once the socket is listening."""
        self._server = _Server(self._address, self._route, self._timeout_s, self._on_request,
                               self._aws)
        self._thread = serve_in_thread(self._server, "drill-proxy")
        return self

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, for ``http_proxy``."""
        return base_url(self._server, "proxy")

    def stop(self) -> None:
        """Stop serving, close the listening socket and join the thread; safe to repeat."""
        if self._server is None:
            return
        stop_serving(self._server, self._thread)
        self._server, self._thread = None, None

    def __enter__(self) -> AppProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
