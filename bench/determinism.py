"""Seeds under virtual time, idle and with both cores busy: do their figures differ?

``busy_host()`` starts two CPU-burning processes and always stops them; ``figures(drill)``
is what one seed must reproduce exactly: RTO, RPO, RPO and lost markers per store, every
phase's duration and the lost markers (equal floats, not approximately).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["busy_host", "figures"]


@contextlib.contextmanager
def busy_host(processes: int = 2) -> Iterator[None]:
    """``processes`` CPU-burning processes while the block runs; stopped whatever happens."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(processes)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def _phases(drill: Any) -> tuple[tuple[str, float], ...]:
    lines = (drill.run_dir / "timeline.jsonl").read_text(encoding="utf-8").splitlines()
    started: dict[str, float] = {}
    done = []
    for event in map(json.loads, lines):
        if event["kind"] == "phase.started":
            started[event["phase"]] = event["t"]
        elif event["kind"] == "phase.finished":
            done.append((event["phase"], event["t"] - started.get(event["phase"], event["t"])))
    return tuple(done)


def figures(drill: Any) -> tuple[Any, ...]:
    """The drill's measured figures, for an exact comparison between two runs of a seed."""
    r = drill.result
    if r is None:
        return (None, drill.exit_code, _phases(drill))
    stores = tuple((s.store, s.rpo.rpo_seconds, tuple(s.rpo.lost)) for s in r.stores)
    return (r.rto_seconds, r.rpo_seconds, r.lost_markers, stores, _phases(drill))
