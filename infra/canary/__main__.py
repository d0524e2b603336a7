"""``python -m infra.canary``: the canary as the ECS container, configured by environment.

Environment (all optional except the region):

- ``CANARY_REGION`` (else ``AWS_REGION``): the region named in every answer.
- ``CANARY_PORT`` (default 8080): port to serve on 0.0.0.0.
- ``DB_HOST``/``DB_PORT``, ``CACHE_HOST``/``CACHE_PORT``: endpoints that must accept a TCP
  connection for the region to be healthy (the task definition passes the stack outputs).
- ``CANARY_MARKERS_PATH`` (default ``/tmp/markers.sqlite``): the marker database file.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

from infra.canary.app import CanaryApp, CanaryServer
from infra.canary.checks import ChecksHealth, SqliteStore, TcpCheck

__all__ = ["main"]

log = logging.getLogger("infra.canary")


def _checks() -> tuple[TcpCheck, ...]:
    found = []
    for name, prefix in (("database", "DB"), ("cache", "CACHE")):
        host = os.environ.get(f"{prefix}_HOST")
        if host:
            port = int(os.environ.get(f"{prefix}_PORT") or (3306 if prefix == "DB" else 6379))
            found.append(TcpCheck(name=name, host=host, port=port))
    return tuple(found)


def main() -> None:
    """Serve the canary until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO)
    region = os.environ.get("CANARY_REGION") or os.environ.get("AWS_REGION") or "unknown"
    path = Path(os.environ.get("CANARY_MARKERS_PATH", "/tmp/markers.sqlite"))
    store = SqliteStore(path, region=region, now=time.time)
    app = CanaryApp(region=region, health=ChecksHealth(_checks()), store=store)
    server = CanaryServer(app, host="0.0.0.0", port=int(os.environ.get("CANARY_PORT", "8080")))
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    server.start()
    log.info("canary for %s serving on %s", region, server.url)
    # In steps: a signal the kernel hands to a server thread runs its handler (which sets
    # ``done``) only once the main thread runs bytecode again.
    while not done.wait(0.5):
        pass
    server.stop()


if __name__ == "__main__":
    main()
