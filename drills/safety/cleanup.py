"""Finishing a run's cleanup later, from its journal alone (``drill cleanup --run RUN_DIR``).

The journal says which faults a run began to inject (``fault.injecting``, written before the
fault acts), which took hold (``fault.injected``) and how each revert went
(``fault.reverted`` with ``verified``, or ``fault.revert_failed``). A fault with no
verified revert is *unreverted*: the run was killed (SIGKILL, lost machine) or its revert
failed. For each one, cleanup says what the fault did and what was done about it.

On the embedded backend the fault lived in the drill's own process (moto, the simulator,
the client factory's lost-region list), so it ended with that process: cleanup checks the
process is gone and records that nothing is left to revert. On the aws backend every fault
is a FIS experiment tagged with the run's id: cleanup stops the run's experiments, deletes
its templates and reads back that nothing of the run is left (:mod:`drills.safety.cleanup_fis`).
Without credentials to do that, such a fault is reported as needing a manual revert, with
the fault's own description of how.

The run folder is sealed (its manifest lists every file), so cleanup never writes into it:
its journal is ``<runs_dir>/.cleanup/<run_id>.jsonl``, in the journal format, ending with
``cleanup.finished``. Cleanup is idempotent: once a ``cleanup.finished`` with ``resolved``
true is there, another cleanup reports that and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from drills.faults import FaultRegistry, default_registry
from drills.journal import active
from drills.journal.timeline import Timeline, read_events
from infra.core.clock import Clock
from infra.core.errors import ConfigError, SafetyRefusal
from reports import run_folder

__all__ = ["CLEANUP_DIR", "CleanupResult", "FaultOutcome", "FaultRecord", "cleanup_journal",
           "cleanup_run", "faults_from_journal"]

CLEANUP_DIR = ".cleanup"

FaultState = Literal["reverted", "revert_failed", "not_reverted"]


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """One fault as the run's journal tells it."""

    fault: str
    target: str
    injected_wall: str
    took_hold: bool
    state: FaultState
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FaultOutcome:
    """What cleanup found and did about one fault."""

    record: FaultRecord
    did: str
    action: str
    resolved: bool


@dataclass(frozen=True, slots=True)
class CleanupResult:
    """The outcome of ``drill cleanup`` for one run."""

    run_id: str
    backend: str
    journal: Path
    outcomes: tuple[FaultOutcome, ...]
    already_done: bool = False

    @property
    def unreverted(self) -> tuple[FaultOutcome, ...]:
        """The faults the drill itself left without a verified revert."""
        return tuple(o for o in self.outcomes if o.record.state != "reverted")

    @property
    def resolved(self) -> bool:
        """True when nothing the run injected can still be in effect."""
        return all(o.resolved for o in self.outcomes)


def cleanup_journal(run_dir: Path) -> Path:
    """Where cleanup journals the run in ``run_dir`` (outside the sealed folder)."""
    run_dir = Path(run_dir)
    return run_dir.parent / CLEANUP_DIR / f"{run_dir.name}.jsonl"


def faults_from_journal(events: Iterable[dict[str, Any]]) -> list[FaultRecord]:
    """Every fault the run began to inject, with its revert state, in injection order."""
    open_: dict[tuple[str, str], dict[str, Any]] = {}
    done: list[FaultRecord] = []
    for e in events:
        key = (str(e.get("fault", "")), str(e.get("target", "")))
        kind = e.get("kind")
        if kind == "fault.injecting" or (kind == "fault.injected" and key not in open_):
            open_[key] = {"wall": str(e.get("wall", "")), "held": kind == "fault.injected"}
        elif kind == "fault.injected":
            open_[key]["held"] = True
        elif kind in ("fault.reverted", "fault.revert_failed") and key in open_:
            begun = open_.pop(key)
            ok = kind == "fault.reverted" and e.get("verified") is True
            done.append(FaultRecord(*key, begun["wall"], begun["held"],
                                    "reverted" if ok else "revert_failed",
                                    None if ok else str(e.get("error") or "revert not verified")))
    done += [FaultRecord(*key, b["wall"], b["held"], "not_reverted") for key, b in open_.items()]
    return sorted(done, key=lambda r: r.injected_wall)


def cleanup_run(run_dir: Path, *, registry: FaultRegistry | None = None,
                clients: Callable[[], Any] | None = None) -> CleanupResult:
    """Finish the cleanup of the run in ``run_dir`` from its journal; see the module docs.

    ``clients`` builds the client factory for a run on the aws backend; it is called only
    when such a run left a fault without a verified revert.

    Raises:
        ConfigError: ``run_dir`` is not a run folder.
        SafetyRefusal: the run's drill is still running (use ``drill abort``).
    """
    run_dir = Path(run_dir)
    events = _events(run_dir)
    started = next((e for e in events if e.get("kind") == "run.started"), {})
    backend = str(started.get("backend", "embedded"))
    entry = _refuse_if_running(run_dir)
    journal = cleanup_journal(run_dir)
    registry = registry or default_registry()
    records = faults_from_journal(events)
    outcomes = tuple(_outcome(r, backend, registry) for r in records)
    if _already_resolved(journal):
        earlier = tuple(o if o.resolved else FaultOutcome(
            o.record, o.did, f"done by an earlier cleanup (see {journal})", True)
            for o in outcomes)
        return CleanupResult(run_dir.name, backend, journal, earlier, already_done=True)
    if backend == "aws" and clients is not None and not all(o.resolved for o in outcomes):
        regions = tuple((started.get("regions") or {}).values())
        outcomes = _finish_on_account(records, outcomes, clients(), regions, run_dir.name)
    _journal(journal, run_dir, backend, outcomes)
    if all(o.resolved for o in outcomes):
        active.unregister(entry)  # stale: its process is gone and nothing is left to do
    return CleanupResult(run_dir.name, backend, journal, outcomes)


def _events(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / run_folder.JOURNAL
    if not path.is_file():
        raise ConfigError(f"{str(run_dir)!r} is not a run folder (no timeline.jsonl)")
    try:
        return list(read_events(path))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the journal {str(path)!r}: {exc}") from None


def _refuse_if_running(run_dir: Path) -> Path | None:
    entry = active.entry_path(run_dir)
    run = next((r for r in active.active_runs(run_dir.parent) if r.entry == entry), None)
    if run is not None and run.is_running():
        raise SafetyRefusal(f"run {run_dir.name!r} is still running", reasons=(
            f"its drill (pid {run.pid}) reverts its own faults when it stops; stop it with "
            f"`drill abort --run {run_dir}`",))
    return entry if entry.exists() else None


def _outcome(record: FaultRecord, backend: str, registry: FaultRegistry) -> FaultOutcome:
    effects = registry.effects(record.fault)
    if backend == "aws":  # every fault on an account is a FIS experiment
        from drills.faults.fis_templates import EXPERIMENT_EFFECTS as effects
    did = effects.inject if effects else f"unknown fault {record.fault!r} (not in this version)"
    if record.state == "reverted":
        return FaultOutcome(record, did, "none: the drill reverted it and verified the revert",
                            True)
    if backend == "embedded":
        return FaultOutcome(record, did, "none left to revert: it lived in the drill's own "
                            "process (embedded AWS and region simulator), which has stopped",
                            True)
    how = effects.revert if effects else "undo it by hand"
    return FaultOutcome(record, did, f"not reverted: revert it by hand on the account ({how}), "
                        "then run cleanup again", False)


def _finish_on_account(records: list[FaultRecord], outcomes: tuple[FaultOutcome, ...],
                       clients: Any, regions: tuple[str, ...],
                       run_id: str) -> tuple[FaultOutcome, ...]:
    """Stop and delete the run's FIS experiments, then read back that nothing is left."""
    from drills.safety.cleanup_fis import finish_fis, fis_leftovers

    done = finish_fis(clients, regions, run_id)
    left = fis_leftovers(clients, regions, run_id)
    action = ("; ".join(done) or "FIS holds nothing of this run") + (
        f"; still there: {'; '.join(left)}" if left else "; read back: nothing of the run left")
    return tuple(o if o.resolved else FaultOutcome(r, o.did, action, not left)
                 for r, o in zip(records, outcomes, strict=True))


def _already_resolved(journal: Path) -> bool:
    if not journal.is_file():
        return False
    return any(e.get("kind") == "cleanup.finished" and e.get("resolved") is True
               for e in read_events(journal))


def _journal(path: Path, run_dir: Path, backend: str, outcomes: tuple[FaultOutcome, ...]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with Timeline(path, Clock()) as journal:
        journal.record("cleanup.started", run_id=run_dir.name, run_dir=str(run_dir.resolve()),
                       backend=backend, faults=len(outcomes))
        for o in outcomes:
            journal.record("cleanup.fault", fault=o.record.fault, target=o.record.target,
                           state=o.record.state, took_hold=o.record.took_hold,
                           error=o.record.error, did=o.did, action=o.action,
                           resolved=o.resolved)
        journal.record("cleanup.finished", run_id=run_dir.name,
                       resolved=all(o.resolved for o in outcomes),
                       unreverted=sum(1 for o in outcomes if o.record.state != "reverted"))
