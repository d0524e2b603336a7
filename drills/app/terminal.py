"""The terminal the ``drill`` commands talk to, and the one way a command fails."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

from rich.console import Console
from rich.markup import escape

from infra.core.errors import DrillError

__all__ = ["err", "fail", "finish", "out"]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def fail(exc: DrillError) -> NoReturn:
    """Print ``exc`` as one paragraph on stderr and exit with its code (2 bad input, 3 refused)."""
    label = {2: "error", 3: "refused"}.get(exc.exit_code, "failed")
    # Escaped: messages quote user input and AWS text, which rich would read as markup.
    err.print(f"[bold red]drill: {label}:[/] {escape(str(exc))}", soft_wrap=True)
    sys.exit(exc.exit_code)


def finish(code: object) -> NoReturn:
    """End the process with ``code`` (as ``sys.exit`` takes it) once the command is done.

    Everything the command wrote is closed by then. The exit handlers run and other threads
    are waited for as at a normal exit, but the interpreter's teardown is skipped: freeing the
    million objects a drill's embedded AWS leaves behind took 1.5 s of every drill.
    """
    if not isinstance(code, int):
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # what a normal exit runs: tempfile, logging, multiprocessing
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)
