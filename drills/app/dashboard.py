"""The live dashboard: a page on 127.0.0.1 that follows a drill while it runs.

``drill up`` and ``drill run --watch`` start it and print its address (nothing opens it).
The page (``reports/templates/dashboard.html``: its script and style inline, no network
needed) subscribes to ``/events``, a server-sent event stream (https://html.spec.whatwg.org/multipage/server-sent-events.html)
served by Flask on werkzeug's threaded server: on connecting it gets the whole journal of
the run it follows (:class:`reports.live.JournalTail`), then every complete line added, a
few times a second. When the followed run changes (``drill run --watch`` drills scenario
after scenario), the page is told to start over. On :meth:`Dashboard.stop` every stream
sends what is left, so the verdict the run ends with reaches the page before it closes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flask import Flask, Response
from werkzeug.serving import BaseWSGIServer, make_server

from infra.core.serving import base_url, serve_in_thread, stop_serving
from reports.live import DASHBOARD_PAGE, JournalTail

__all__ = ["Dashboard", "follow_runs", "newest_run"]

_POLL_S = 0.25  # real seconds between reads of the journal
_PING_S = 5.0  # an SSE comment this often, so a closed tab ends its stream


def newest_run(runs_dir: Path, *,
               after: frozenset[str] = frozenset()) -> Callable[[], Path | None]:
    """A locator: the newest run folder under ``runs_dir`` whose name is not in ``after``."""

    def locate() -> Path | None:
        """The run folder to follow now, if one has begun."""
        if not runs_dir.is_dir():
            return None
        found = sorted(p for p in runs_dir.iterdir()
                       if p.is_dir() and not p.name.startswith(".") and p.name not in after)
        return found[-1] if found else None
    return locate


def follow_runs(runs_dir: Path) -> Dashboard:
    """A started dashboard that follows each run begun under ``runs_dir`` from now on."""
    present = frozenset(p.name for p in runs_dir.iterdir()) if runs_dir.is_dir() else frozenset()
    return Dashboard(newest_run(runs_dir, after=present)).start()


def _frame(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class Dashboard:
    """The page and its event stream in a thread; ``url`` is valid between start and stop."""

    def __init__(self, locate: Callable[[], Path | None], *, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self._locate = locate
        self._address = (host, port)
        self._stopping = threading.Event()
        self._streams = 0  # open event streams, each to send its last frame on stop
        self._streams_changed = threading.Condition()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def _app(self) -> Flask:
        app = Flask("drill-dashboard")

        @app.get("/")
        def page() -> Response:
            """The dashboard page (script and style inline)."""
            return Response(DASHBOARD_PAGE.read_text(encoding="utf-8"),
                            mimetype="text/html", headers={"Cache-Control": "no-store"})

        @app.get("/events")
        def events() -> Response:
            """The followed run's journal as server-sent events."""
            return Response(self._stream(), mimetype="text/event-stream",
                            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        return app

    def _stream(self) -> Iterator[str]:
        """The followed run's journal: all of it, then what it gains, until stopped."""
        with self._streams_changed:
            self._streams += 1
        try:
            yield from self._follow()
        finally:
            with self._streams_changed:
                self._streams -= 1
                self._streams_changed.notify_all()

    def _follow(self) -> Iterator[str]:
        tail: JournalTail | None = None
        idle = 0.0
        while True:
            last = self._stopping.is_set()  # one more read after stop: the verdict
            folder = self._locate()
            if folder is not None and (tail is None or tail.run_dir != folder):
                tail = JournalTail(folder)
                yield _frame("reset", {"run_id": folder.name})
            update = tail.read() if tail is not None else None
            if update:
                idle = 0.0
                yield _frame("update", update.as_json())
            elif idle >= _PING_S:
                idle = 0.0
                yield ": ping\n\n"
            if last:
                yield _frame("closed", {})
                return
            self._stopping.wait(_POLL_S)
            idle += _POLL_S

    def start(self) -> Dashboard:
        """Bind and serve in a thread; returns once the socket is listening."""
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log on the tty
        self._server = make_server(*self._address, self._app(), threaded=True)
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread = serve_in_thread(self._server, "drill-dashboard")
        return self

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        return base_url(self._server, "dashboard") + "/"

    def stop(self, grace_s: float = 2.0) -> None:
        """Send every stream what is left, then stop serving; safe to repeat."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        # Each stream's last read and frame; a tab that stopped reading is not waited for.
        with self._streams_changed:
            self._streams_changed.wait_for(lambda: self._streams == 0, timeout=grace_s)
        stop_serving(server, self._thread)
        self._thread = None

    def __enter__(self) -> Dashboard:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
