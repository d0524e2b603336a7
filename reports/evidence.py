"""Build the evidence record of a run from its folder, and write it as versioned JSON.

The record is built from the journal (timeline.jsonl), probes.csv, markers.csv and
ground_truth.jsonl only, so it can be rebuilt from the folder years later and comes out the
same: nothing here reads the clock, the environment or AWS. A run killed midway (no
``run.finished``) still yields a record, with verdict ``incomplete``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reports import run_folder, sources
from reports._codec import from_jsonable, to_jsonable
from reports.definitions import definitions_for
from reports.deployed import deployed_templates
from reports.evidence_failback import failback_record
from reports.evidence_stores import store_records
from reports.findings import derive_findings
from reports.operator_steps import operator_steps
from reports.records import (
    NOT_RECORDED,
    Evidence,
    FaultRecord,
    Finding,
    Governance,
    GroundTruth,
    InputFile,
    JournalEntry,
    MarkerSummary,
    Measurement,
    ObjectiveResult,
    Objectives,
    PhaseRecord,
    ProbeSummary,
    Provenance,
    RegionPair,
    RtoSplit,
    Scope,
    StepRecord,
    TestInfo,
)
from reports.sources import Journal

__all__ = ["EVIDENCE_FILE", "build_evidence", "evidence_json", "load_evidence", "write_evidence"]

EVIDENCE_FILE = run_folder.EVIDENCE
_SECRETISH = re.compile(r"passw(or)?d|secret|token|credential|private_key|signing_key", re.I)
_MASK = "********"
_GOVERNANCE_KEYS = tuple(f.name for f in dataclasses.fields(Governance))
_VERDICTS = {"passed", "failed", "aborted", "error"}


def build_evidence(run_dir: Path) -> Evidence:
    """The evidence record of the run in ``run_dir``, from its raw files alone."""
    run_dir = Path(run_dir)
    journal = sources.read_journal(run_dir / sources.JOURNAL)
    started = journal.first("run.started") or {}
    t0 = _num(started.get("t")) or 0.0
    interval = _num(started.get("probe_interval_seconds"))
    objectives = _objectives(started)
    measured = journal.last("measurement") or {}
    rto, rpo = _num(measured.get("rto_seconds")), _num(measured.get("rpo_seconds"))
    verdict, reason, passed, exit_code = _verdict(journal)
    ev = Evidence(
        run_id=str(started.get("run_id") or run_dir.name),
        scenario=str(started.get("scenario", "")),
        backend=str(started.get("backend", "")), environment=str(started.get("environment", "")),
        verdict=verdict, verdict_reason=reason, passed=passed, exit_code=exit_code,
        rto_seconds=rto, rpo_seconds=rpo, objectives=objectives,
        rto=_result(objectives.rto_seconds, rto), rpo=_result(objectives.rpo_seconds, rpo),
        probe_interval_seconds=interval,
        marker_interval_seconds=_num(started.get("marker_interval_seconds")),
        recovery_consecutive=_int(started.get("recovery_consecutive")),
        time_scale=_num(started.get("time_scale")), clock=_clock(started), clock_origin_seconds=t0,
        **_span(journal, started, t0),
        test=_test(started), scope=_scope(started), phases=_phases(journal, t0),
        rto_split=_split(measured), measurement=_measurement(measured, t0, interval),
        lost_markers=_ints(measured.get("lost_markers")), faults=_faults(journal, t0),
        stores=store_records(measured, journal.last("ground_truth")),
        failback=failback_record(journal, t0),
        runbook=_steps(journal, t0), outage_declared_by=_declared_by(journal),
        api_retries=len(journal.of_kind("api.retry")), findings=_journal_findings(journal),
        ground_truth=_ground_truth(run_dir, journal, t0, rto, rpo),
        probes=_probe_summary(run_dir), markers=_marker_summary(run_dir),
        definitions=definitions_for(probe_interval=interval,
                                    consecutive=_int(started.get("recovery_consecutive")),
                                    marker_interval=_num(started.get("marker_interval_seconds"))),
        provenance=_provenance(started, journal), governance=_governance(started),
        inputs=_inputs(run_dir), events=_events(journal, t0),
        **deployed_templates(journal),
    )
    return dataclasses.replace(ev, findings=derive_findings(ev))


def evidence_json(evidence: Evidence) -> str:
    """The record as stable, pretty JSON text (same record, same bytes)."""
    return json.dumps(to_jsonable(evidence), indent=2, ensure_ascii=False) + "\n"


def write_evidence(evidence: Evidence, path: Path) -> Path:
    """Write the record to ``path`` (evidence.json) and return the path."""
    path = Path(path)
    path.write_text(evidence_json(evidence), encoding="utf-8")
    return path


def load_evidence(path: Path) -> Evidence:
    """Read an evidence.json back into a typed record."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "run_id" not in data:
        raise ValueError(f"{str(path)!r} is not an evidence record (no run_id)")
    return from_jsonable(Evidence, data)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def _ints(values: Any) -> tuple[int, ...]:
    return tuple(sorted(int(v) for v in values or () if _num(v) is not None))


def _off(value: Any, t0: float) -> float | None:
    number = _num(value)
    return None if number is None else _round(number - t0)


def _diff(end: float | None, start: float | None) -> float | None:
    return None if end is None or start is None else _round(end - start)


def _round(value: float) -> float:
    # The same rounding JSON gets, so a record equals itself read back from evidence.json.
    return round(value, 6)


def _objectives(started: Mapping[str, Any]) -> Objectives:
    obj = started.get("objectives") or {}
    return Objectives(_num(obj.get("rto_seconds")), _num(obj.get("rpo_seconds")))


def _result(objective: float | None, achieved: float | None) -> ObjectiveResult:
    if objective is None or achieved is None:
        return ObjectiveResult(objective, achieved)
    return ObjectiveResult(objective, achieved, achieved <= objective, objective - achieved)


def _verdict(journal: Journal) -> tuple[Any, str, bool, int | None]:
    finished = journal.last("run.finished")
    if finished is None:
        return ("incomplete", "no run.finished in the journal: the run was interrupted "
                "or is still running", False, None)
    verdict = str(finished.get("verdict", "error"))
    verdict = verdict if verdict in _VERDICTS else "error"
    passed = bool(finished.get("passed")) and verdict == "passed"
    return verdict, str(finished.get("reason") or ""), passed, _int(finished.get("exit_code"))


def _span(journal: Journal, started: Mapping[str, Any], t0: float) -> dict[str, Any]:
    finished = journal.last("run.finished")
    end = finished or (journal.events[-1] if journal.events else None)
    return {
        "started_at": started.get("wall"),
        "finished_at": finished.get("wall") if finished else None,
        "duration_seconds": _off(end.get("t"), t0) if end else None,
    }


def _clock(started: Mapping[str, Any]) -> str | None:
    return clock if (clock := started.get("clock")) in ("virtual", "scaled") else None


def _test(started: Mapping[str, Any]) -> TestInfo:
    backend, scale = started.get("backend"), _num(started.get("time_scale"))
    if backend == "aws":
        kind = "live failover on AWS (real clock; non-production target)"
    elif _clock(started) == "virtual":
        kind = ("simulation: AWS APIs emulated on loopback, data plane simulated, virtual "
                "time (drill time moves only while the drill waits: the same seed gives the "
                "same figures on any host; probe cadence jitter is 0 by construction)")
    else:
        kind = (f"simulation: AWS APIs emulated on loopback, data plane simulated, "
                f"time scale x{scale:g}" if scale else "simulation on the embedded backend")
    return TestInfo(type=kind, scenario=str(started.get("scenario", "")),
                    feature=str(started.get("feature", "")),
                    gherkin=str(started.get("gherkin", "")))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _pair(value: Any) -> RegionPair:
    pair = _mapping(value)
    return RegionPair(str(pair.get("primary", "")), str(pair.get("dr", "")))


def _scope(started: Mapping[str, Any]) -> Scope:
    account = started.get("account") or ("embedded" if started.get("backend") != "aws"
                                          else NOT_RECORDED)
    return Scope(account=str(account), regions=_pair(started.get("regions")),
                 stacks=_pair(started.get("stacks")),
                 environment=str(started.get("environment", "")),
                 systems=tuple(str(s) for s in started.get("systems") or ()))


def _timed(start: Mapping[str, Any], end: Mapping[str, Any] | None, t0: float) -> dict[str, Any]:
    s, e = _off(start.get("t"), t0), _off(end.get("t"), t0) if end else None
    return {"start": start.get("wall"), "end": end.get("wall") if end else None,
            "start_offset_s": s, "end_offset_s": e, "duration_seconds": _diff(e, s)}


def _pairs(journal: Journal, begin: str, finish: str, key: str) -> list[tuple[Any, Any]]:
    """Match each start event with the next finish event of the same name."""
    out, open_ = [], {}  # type: ignore[var-annotated]
    for event in journal.events:
        if event.get("kind") == begin:
            open_.setdefault(event.get(key), []).append(len(out))
            out.append([event, None])
        elif event.get("kind") == finish and open_.get(event.get(key)):
            out[open_[event.get(key)].pop(0)][1] = event
    return [(s, e) for s, e in out]


def _phases(journal: Journal, t0: float) -> tuple[PhaseRecord, ...]:
    return tuple(
        PhaseRecord(name=str(s.get("phase", "")), **_timed(s, e, t0),
                    status=str(e.get("status", "ok")) if e else "incomplete",
                    error=_text(e.get("error")) if e else None)
        for s, e in _pairs(journal, "phase.started", "phase.finished", "phase"))


def _steps(journal: Journal, t0: float) -> tuple[StepRecord, ...]:
    records = []
    for s, e in _pairs(journal, "runbook.step.started", "runbook.step.finished", "step"):
        timed = _timed(s, e, t0)
        if e is not None and _num(e.get("duration_s")) is not None:
            timed["duration_seconds"] = _num(e.get("duration_s"))
        records.append(StepRecord(step=str(s.get("step", "")), region=str(s.get("region", "")),
                                  **timed, status=str(e.get("status", "ok")) if e else "incomplete",
                                  error=_text(e.get("error")) if e else None,
                                  after=tuple(str(a) for a in s.get("after") or ())))
    return tuple(records) + operator_steps(journal, t0)


def _faults(journal: Journal, t0: float) -> tuple[FaultRecord, ...]:
    records = []
    for inj in journal.of_kind("fault.injected"):
        key = (inj.get("fault"), inj.get("target"))
        later = [e for e in journal.events if e.get("seq", 0) > inj.get("seq", 0)
                 and e.get("kind") in ("fault.reverted", "fault.revert_failed")
                 and (e.get("fault"), e.get("target")) == key]
        end = later[0] if later else None
        status: Any = ("still_active" if end is None else
                  "reverted" if end.get("kind") == "fault.reverted" else "revert_failed")
        records.append(FaultRecord(
            fault=str(key[0]), target=str(key[1]), injected_at=inj.get("wall"),
            injected_offset_s=_off(inj.get("t"), t0), reverted_at=end.get("wall") if end else None,
            reverted_offset_s=_off(end.get("t"), t0) if end else None, status=status,
            verified=end.get("verified") if end and status == "reverted" else None,
            error=_text(end.get("error")) if end else None))
    return tuple(records)


def _split(m: Mapping[str, Any]) -> RtoSplit:
    return RtoSplit(_num(m.get("detect_seconds")), _num(m.get("decide_seconds")),
                    _num(m.get("execute_seconds")))


def _measurement(m: Mapping[str, Any], t0: float, interval: float | None) -> Measurement:
    stores = _mapping(m.get("rpo_by_store"))
    return Measurement(
        outage_start_offset_s=_off(m.get("outage_start"), t0),
        detected_offset_s=_off(m.get("detected_at"), t0),
        runbook_started_offset_s=_off(m.get("runbook_started_at"), t0),
        recovered_offset_s=_off(m.get("recovered_at"), t0),
        served_region=_text(m.get("served_region")),
        last_acked_marker=_int(m.get("last_acked_marker")),
        newest_surviving_marker=_int(m.get("newest_surviving_marker")),
        rto_error_bound_seconds=interval if m else None,
        rpo_by_store={str(k): float(v) for k, v in stores.items() if _num(v) is not None})


def _declared_by(journal: Journal) -> str | None:
    declared = journal.first("outage.declared")
    return _text(declared.get("by")) if declared else None


def _journal_findings(journal: Journal) -> tuple[Finding, ...]:
    severities: dict[Any, Any] = {s: s for s in ("critical", "major", "minor", "info")}
    return tuple(
        Finding(id=str(e.get("id", "")), message=str(e.get("message", "")),
                severity=severities.get(e.get("severity"), "info"),
                fix=_text(e.get("fix")),
                source="audit" if e.get("source") == "audit" else "drill")
        for e in journal.of_kind("finding"))


def _truth_event(run_dir: Path, journal: Journal) -> tuple[Mapping[str, Any] | None, int]:
    log = sources.read_journal(run_dir / sources.GROUND_TRUTH)
    lines = len(log.events) + log.skipped_lines
    event = journal.last("ground_truth") or next(
        (e for e in reversed(log.events) if "rto_seconds" in e), None)
    return event, lines


def _ground_truth(run_dir: Path, journal: Journal, t0: float, rto: float | None,
                  rpo: float | None) -> GroundTruth | None:
    event, lines = _truth_event(run_dir, journal)
    if event is None:
        return None
    true_rto, true_rpo = _num(event.get("rto_seconds")), _num(event.get("rpo_seconds"))
    return GroundTruth(
        rto_seconds=true_rto, rpo_seconds=true_rpo,
        outage_start_offset_s=_off(event.get("outage_start"), t0),
        recovered_offset_s=_off(event.get("recovered_at"), t0),
        lost_markers=_ints(event.get("lost_markers")), rto_error_seconds=_diff(rto, true_rto),
        rpo_error_seconds=_diff(rpo, true_rpo), simulator_log_lines=lines)


def _probe_summary(run_dir: Path) -> ProbeSummary:
    rows = sources.read_probes(run_dir / sources.PROBES)
    regions = Counter(r.region or "no answer" for r in rows)
    return ProbeSummary(samples=len(rows), healthy=sum(r.ok for r in rows),
                        unhealthy=sum(not r.ok for r in rows),
                        no_answer=sum(r.status == 0 for r in rows),
                        by_region=dict(sorted(regions.items())))


def _marker_summary(run_dir: Path) -> MarkerSummary:
    rows = sources.read_markers(run_dir / sources.MARKERS)
    acked = sum(r.acked for r in rows)
    return MarkerSummary(written=len(rows), acknowledged=acked, failed=len(rows) - acked)


def _provenance(started: Mapping[str, Any], journal: Journal) -> Provenance:
    latency = _mapping(started.get("latency"))
    return Provenance(
        operator=str(started.get("operator") or NOT_RECORDED),
        tool_version=str(started.get("tool_version") or NOT_RECORDED),
        git_commit=str(started.get("git_commit") or NOT_RECORDED), seed=_int(started.get("seed")),
        latency_model={str(k): float(v) for k, v in sorted(latency.items()) if _num(v) is not None},
        journal_events=len(journal.events), journal_skipped_lines=journal.skipped_lines)


def _governance(started: Mapping[str, Any]) -> Governance:
    nested = _mapping(started.get("governance"))
    values = {}
    for key in _GOVERNANCE_KEYS:
        raw = nested.get(key, started.get(key))
        if isinstance(raw, (list, tuple)):
            raw = ", ".join(str(v) for v in raw)
        if raw:
            values[key] = str(raw)
    return Governance(**values)


def _inputs(run_dir: Path) -> tuple[InputFile, ...]:
    return tuple(InputFile(name, sources.sha256_file(run_dir / name),
                           (run_dir / name).stat().st_size)
                 for name in sources.INPUT_FILES if (run_dir / name).is_file())


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _detail(event: Mapping[str, Any]) -> str:
    skip = {"seq", "t", "wall", "kind", "gherkin", "latency"}
    text = " ".join(f"{key}=" + (_MASK if _SECRETISH.search(key) else json.dumps(
        value, ensure_ascii=False, default=str)) for key, value in event.items() if key not in skip)
    return text if len(text) <= 400 else text[:399] + "…"


def _events(journal: Journal, t0: float) -> tuple[JournalEntry, ...]:
    return tuple(JournalEntry(seq=_int(e.get("seq")) or 0, offset_s=_off(e.get("t"), t0),
                              wall=str(e.get("wall", "")), kind=str(e.get("kind", "")),
                              detail=_detail(e))
                 for e in journal.events)
