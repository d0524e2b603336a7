"""The terminal the ``drill`` commands talk to, and the one way a command fails."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console
from rich.markup import escape

from infra.core.errors import DrillError

__all__ = ["err", "fail", "out"]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def fail(exc: DrillError) -> NoReturn:
    """Print ``exc`` as one paragraph on stderr and exit with its code (2 bad input, 3 refused)."""
    label = {2: "error", 3: "refused"}.get(exc.exit_code, "failed")
    # Escaped: messages quote user input and AWS text, which rich would read as markup.
    err.print(f"[bold red]drill: {label}:[/] {escape(str(exc))}", soft_wrap=True)
    sys.exit(exc.exit_code)
