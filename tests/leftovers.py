"""What an in-process drill may leave behind: threads, listening sockets, child processes.

Shared by the tests that run drills inside the test process (accuracy, interrupt matrix):
a baseline is taken before the drill, and everything started since must be gone after it.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

__all__ = ["Leftovers", "journal", "listening_ports"]


def journal(drill: Any) -> list[dict[str, Any]]:
    """Every event of ``drill``'s timeline.jsonl, in order."""
    lines = (drill.run_dir / "timeline.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _listening() -> list[list[str]]:
    """The /proc/net/tcp{,6} fields of every TCP socket in LISTEN state (any process in this
    network namespace)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as fh:
            for row in fh.readlines()[1:]:
                fields = row.split()
                if fields[3] == "0A":  # TCP_LISTEN
                    found.append(fields)
    return found


def listening_ports() -> set[int]:
    """Every TCP port something on this machine listens on."""
    return {int(fields[1].rsplit(":", 1)[1], 16) for fields in _listening()}


def _listening_inodes() -> set[str]:
    """Inodes of TCP sockets in LISTEN state."""
    return {fields[9] for fields in _listening()}


def _own_socket_inodes() -> set[str]:
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed between listdir and readlink
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def _children() -> set[str]:
    kids: set[str] = set()
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children", encoding="ascii") as fh:
            kids.update(fh.read().split())
    return kids


class Leftovers:
    """A baseline of this process's threads, listening sockets and children."""

    def __init__(self) -> None:
        self.threads = set(threading.enumerate())
        self.listening = _own_socket_inodes() & _listening_inodes()
        self.children = _children()

    def assert_nothing_running_since(self, drill: Any, *, reverted: bool = True) -> None:
        """Nothing started since the baseline runs or listens, and the backend is stopped.

        ``reverted=False``: the drill's revert itself was cut short, so its client factory
        may still list a lost region (it dies with the drill; ``drill cleanup`` records it).
        """
        threads = [t for t in threading.enumerate() if t not in self.threads and t.is_alive()]
        assert not threads, f"threads left running: {[t.name for t in threads]}"
        listening = (_own_socket_inodes() & _listening_inodes()) - self.listening
        assert not listening, f"{len(listening)} listening socket(s) left open"
        assert _children() - self.children == set(), "child processes left behind"
        started = next(e for e in journal(drill) if e["kind"] == "run.started")
        assert started  # the run really started, so the checks above were meaningful
        backend = drill.backend
        if backend is not None:
            assert backend.moto is None and backend.simulator is None, "backend not stopped"
            # Its clients as the backend holds them: the property raises before start().
            clients = getattr(backend, "_clients", None)
            assert clients is None or not reverted or not clients.lost_regions

    def assert_none_since(self, drill: Any) -> None:
        """As above, and every fault the drill injected was reverted and verified."""
        self.assert_nothing_running_since(drill)
        events = journal(drill)
        injected = [e for e in events if e["kind"] == "fault.injected"]
        reverted = [e for e in events if e["kind"] == "fault.reverted" and e.get("verified")]
        assert len(reverted) == len(injected), f"injected {injected}, reverted {reverted}"
