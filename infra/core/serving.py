"""A loopback HTTP server served from a thread of ours: started, addressed and stopped.

The embedded moto, the ``drill up`` proxy, the canary and the live dashboard each run a
``socketserver`` server this way. Its loop polls for ``shutdown()`` every 50 ms instead of the
standard library's 500 ms: a drill stops its servers at the end of every run, and the
default would cost each one half a second. These threads answer requests and never wait on
drill time.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable

__all__ = ["POLL_S", "base_url", "serve_in_thread", "stop_serving"]

POLL_S = 0.05  # how often a serving loop looks for shutdown(), in real seconds


def serve_in_thread(server: socketserver.BaseServer, name: str) -> threading.Thread:
    """Run ``server``'s loop in a daemon thread called ``name``; the thread, started."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": POLL_S},
                              name=name, daemon=True)
    thread.start()
    return thread


def base_url(server: socketserver.TCPServer | None, what: str) -> str:
    """``http://HOST:PORT`` of a bound ``server``; RuntimeError naming ``what`` if there is none."""
    if server is None:
        raise RuntimeError(f"{what} not started")
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def stop_serving(server: socketserver.BaseServer, thread: threading.Thread | None,
                 cut: Callable[[], None] | None = None) -> None:
    """End ``server``'s loop, close its listening socket and join its thread (10 s at most).

    ``cut``, if given, runs between the loop's end and the close (to drop open connections).
    """
    server.shutdown()
    if cut is not None:
        cut()
    server.server_close()
    if thread is not None:
        thread.join(timeout=10)
