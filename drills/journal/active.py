"""Running drills as another shell sees them: one entry per run in ``<runs_dir>/.active/``.

A drill writes ``<runs_dir>/.active/<run_id>.json`` (pid, run folder, scenario, start) when
it opens, before it changes anything, and removes it when :meth:`~drills.run.engine.Drill.close`
is done. ``drill abort`` reads these entries and sends the drill SIGTERM, which it handles
like Ctrl-C: revert every fault (checked), stop, journal, exit 3. An entry whose process is
gone (killed with SIGKILL, machine lost) is stale; ``drill cleanup --run`` finishes that run.

A pid can be reused after its process died, so each entry also keeps the process's start
time from ``/proc`` where there is one; a live pid with another start time is not the drill.
"""

from __future__ import annotations

import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from infra.core.clock import Clock

__all__ = ["ACTIVE_DIR", "ActiveRun", "active_runs", "entry_path", "register", "unregister",
           "wait_until_gone"]

ACTIVE_DIR = ".active"


@dataclass(frozen=True, slots=True)
class ActiveRun:
    """One registered drill: which process runs it, and where its run folder is."""

    entry: Path
    run_id: str
    run_dir: Path
    pid: int
    scenario: str
    started: str
    process_start: str | None = None

    def is_running(self) -> bool:
        """Whether the drill's process is still alive (and is the same process)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # alive, owned by someone else
        fields = _proc_stat(self.pid)
        if fields is None:
            return True  # no /proc: the pid answering is all there is to go on
        # A zombie has exited and only waits for its parent to collect its exit code.
        return fields[0] not in ("Z", "X") and (
            self.process_start is None or fields[19] == self.process_start)

    def signal(self, signum: int = signal.SIGTERM) -> None:
        """Send the drill ``signum`` (SIGTERM: revert, stop and exit 3)."""
        os.kill(self.pid, signum)


def entry_path(run_dir: Path) -> Path:
    """Where the entry of the run in ``run_dir`` lives."""
    run_dir = Path(run_dir)
    return run_dir.parent / ACTIVE_DIR / f"{run_dir.name}.json"


def register(run_dir: Path, *, scenario: str, started: str) -> Path:
    """Write this process's entry for the run in ``run_dir``; returns the entry's path."""
    entry = entry_path(run_dir)
    entry.parent.mkdir(parents=True, exist_ok=True)
    body = {"run_id": Path(run_dir).name, "run_dir": str(Path(run_dir).resolve()),
            "pid": os.getpid(), "process_start": _process_start(os.getpid()),
            "scenario": scenario, "started": started}
    tmp = entry.with_suffix(".tmp")
    tmp.write_text(json.dumps(body) + "\n", encoding="utf-8")
    tmp.replace(entry)  # atomic: a reader never sees half an entry
    return entry


def unregister(entry: Path | None) -> None:
    """Remove an entry; nothing happens if it is already gone."""
    if entry is not None:
        Path(entry).unlink(missing_ok=True)


def active_runs(runs_dir: Path) -> list[ActiveRun]:
    """Every entry under ``runs_dir``, oldest first; unreadable entries are skipped."""
    folder = Path(runs_dir) / ACTIVE_DIR
    found = [_load(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    return sorted((r for r in found if r is not None), key=lambda r: (r.started, r.run_id))


def wait_until_gone(run: ActiveRun, *, timeout_s: float, poll_s: float = 0.1) -> bool:
    """Wait until the drill's process has exited; False if it still runs after the timeout."""
    # Real seconds: another process's exit is not on any drill's clock.
    return Clock().poll(run.is_running, until=lambda running: not running,
                        timeout_s=timeout_s, every_s=poll_s, what="the drill to exit").done


def _load(path: Path) -> ActiveRun | None:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return ActiveRun(path, str(body["run_id"]), Path(body["run_dir"]), int(body["pid"]),
                         str(body.get("scenario", "")), str(body.get("started", "")),
                         body.get("process_start"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _proc_stat(pid: int) -> list[str] | None:
    """Fields 3 and on of ``/proc/PID/stat`` (state first; start time at index 19), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    # The command name may hold spaces and parentheses; the fields after the last ')' do not.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields if len(fields) > 19 else None


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), else None."""
    fields = _proc_stat(pid)
    return fields[19] if fields else None
