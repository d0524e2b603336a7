"""The ``drill up`` proxy over real loopback HTTP: names routed, unknown or dead ones told."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from infra.embedded.proxy import AppProxy

__all__: list[str] = []


class _Echo(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = f"{self.command} {self.path} {self.rfile.read(length).decode()}".encode()
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Region", "us-east-1")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_args: object) -> None:
        """Quiet."""


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def proxy(upstream):
    names = {"dr.elb.example.com": upstream, "lost.elb.example.com":
             f"http://127.0.0.1:{_closed_port()}"}

    def route(host):
        if host not in names:
            raise LookupError(f"{host!r} does not resolve to any region's load balancer")
        return names[host]

    with AppProxy(route, timeout_s=5) as running:
        yield running


def _via(proxy, method, url, **kwargs):
    return requests.request(method, url, proxies={"http": proxy.url}, timeout=10, **kwargs)


def test_a_known_name_reaches_its_upstream_with_path_query_and_body(proxy):
    got = _via(proxy, "POST", "http://dr.elb.example.com/markers?x=1", data=b"seq=7")
    assert (got.status_code, got.text, got.headers["X-Region"]) == (
        201, "POST /markers?x=1 seq=7", "us-east-1")


@pytest.mark.parametrize("host, says", [
    ("nope.example.com", "is not a name of the embedded stack"),
    ("lost.elb.example.com", "its region is down or unreachable"),
], ids=["unknown-name", "region-down"])
def test_what_cannot_be_reached_is_a_502_that_says_why(proxy, host, says):
    got = _via(proxy, "GET", f"http://{host}/health")
    assert got.status_code == 502 and says in got.text, got.text


def test_stop_closes_the_listening_socket(upstream):
    proxy = AppProxy(lambda _host: upstream).start()
    port = int(proxy.url.rsplit(":", 1)[1])
    proxy.stop()
    proxy.stop()  # safe twice
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", port))
