"""Charts as inline SVG, drawn with matplotlib's object API (no pyplot global state).

Output is deterministic (fixed SVG id salt, no date metadata) so rebuilding a report from the
same folder gives the same bytes, and self-contained (text as SVG text, no external refs).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from reports.records import Evidence, StepRecord
from reports.sources import ProbeRow

__all__ = ["TrendPoint", "critical_path", "timeline_svg", "trend_svg"]

_RC: Any = {"svg.hashsalt": "streamflix-dr", "svg.fonttype": "none", "font.size": 9,
       "font.family": "sans-serif"}
_HEALTHY, _UNHEALTHY, _FAULT, _RECOVERY = "#1a7f37", "#cf222e", "#cf222e", "#1a7f37"
TrendPoint = tuple[str, float | None, float | None, float | None, float | None]


def _to_svg(fig: Figure, element_id: str, label: str) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE: it sits inside HTML
    text = re.sub(r"<metadata>.*?</metadata>", "", text, count=1, flags=re.S)
    return text.replace("<svg ", f'<svg id="{element_id}" role="img" aria-label="{label}" ', 1)


def _lanes(evidence: Evidence, probes: Sequence[ProbeRow]) -> list[str]:
    known = [evidence.scope.regions.primary, evidence.scope.regions.dr]
    seen = sorted({p.region for p in probes if p.region} - set(known))
    return [r for r in known if r] + seen + ["no answer"]


def _plot_probes(ax: Any, evidence: Evidence, probes: Sequence[ProbeRow]) -> None:
    lanes = _lanes(evidence, probes)
    t0 = evidence.clock_origin_seconds
    for ok, colour, marker, label in ((True, _HEALTHY, "o", "healthy"),
                                      (False, _UNHEALTHY, "x", "unhealthy")):
        xs = [p.t - t0 for p in probes if p.ok is ok]
        ys = [lanes.index(p.region or "no answer") for p in probes if p.ok is ok]
        ax.scatter(xs, ys, c=colour, marker=marker, s=22, label=f"probe {label}", zorder=3)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(-0.7, len(lanes) - 0.3)
    ax.set_xlabel("drill seconds since run start")
    ax.set_ylabel("region that served the probe")


def _mark(ax: Any, x: float | None, text: str, colour: str, style: str, top: float) -> None:
    if x is None:
        return
    ax.axvline(x, color=colour, linestyle=style, linewidth=1.2, zorder=2)
    ax.text(x, top, f" {text}", rotation=90, va="top", ha="right", fontsize=7, color=colour)


def _charted(step: StepRecord, evidence: Evidence) -> bool:
    """The drill's steps, and what people did about the outage (not their reads before it,
    nor their HTTP checks): a rehearsal's every call would hide the timeline."""
    if step.actor == "drill":
        return True
    outage = evidence.measurement.outage_start_offset_s
    return (outage is not None and step.start_offset_s is not None
            and step.start_offset_s >= outage and not step.step.startswith(("GET ", "HEAD ")))


def _plot_events(ax: Any, evidence: Evidence) -> None:
    top = ax.get_ylim()[1]
    m = evidence.measurement
    for fault in evidence.faults:
        _mark(ax, fault.injected_offset_s, f"{fault.fault} injected", _FAULT, "-", top)
        _mark(ax, fault.reverted_offset_s, f"{fault.fault} reverted", "#57606a", ":", top)
    _mark(ax, m.detected_offset_s, "outage declared", "#bc4c00", "--", top)
    _mark(ax, m.recovered_offset_s, "recovered", _RECOVERY, "-", top)
    if m.outage_start_offset_s is not None and evidence.objectives.rto_seconds:
        _mark(ax, m.outage_start_offset_s + evidence.objectives.rto_seconds, "RTO objective",
              "#8250df", "-.", top)
    # The drill's own steps have their lanes below (_plot_runbook); people's calls stay here.
    people = (s for s in evidence.runbook if s.actor != "drill" and _charted(s, evidence))
    for i, step in enumerate(people):
        if step.start_offset_s is None:
            continue
        end = step.end_offset_s if step.end_offset_s is not None else step.start_offset_s
        ax.axvspan(step.start_offset_s, end, color="#0969da", alpha=0.07 + 0.05 * (i % 2))
        ax.text(step.start_offset_s, -0.6, f" {step.step}", rotation=90, va="bottom",
                fontsize=7, color="#0969da")


def critical_path(steps: Sequence[StepRecord]) -> tuple[str, ...]:
    """The runbook steps that set its end: from the last to finish, back through the
    dependency that finished last each time (steps run at once: only the slower one)."""
    timed = {s.step: s for s in steps if s.end_offset_s is not None}
    if not timed:
        return ()
    step: StepRecord | None = max(timed.values(), key=lambda s: s.end_offset_s or 0.0)
    path: list[str] = []
    while step is not None and step.step not in path:
        path.append(step.step)
        before = [timed[name] for name in step.after if name in timed]
        step = max(before, key=lambda s: s.end_offset_s or 0.0) if before else None
    return tuple(reversed(path))


def _plot_runbook(ax: Any, steps: Sequence[StepRecord]) -> None:
    """One lane per runbook step, a bar from its start to its end; the critical path dark."""
    critical = critical_path(steps)
    for lane, step in enumerate(steps):
        start = step.start_offset_s or 0.0
        end = step.end_offset_s if step.end_offset_s is not None else start
        on_path = step.step in critical
        ax.barh(lane, max(end - start, 0.5), left=start, height=0.6,
                color="#0969da" if on_path else "#8c959f", zorder=3)
        after = f" after {', '.join(step.after)}" if step.after else ""
        ax.text(end, lane, f" {end - start:.0f} s{after}", va="center", fontsize=7)
    ax.set_yticks(range(len(steps)), [s.step for s in steps])
    ax.set_ylim(len(steps) - 0.4, -0.6)
    ax.set_xlabel("drill seconds since run start")
    ax.set_title("runbook steps (dark: the critical path, " + " → ".join(critical) + ")",
                 fontsize=8, loc="left")
    ax.grid(axis="x", alpha=0.3)


def timeline_svg(evidence: Evidence, probes: Sequence[ProbeRow]) -> str:
    """Every probe sample by region and health, with fault, runbook steps and recovery marked."""
    steps = [s for s in evidence.runbook if s.actor == "drill" and s.start_offset_s is not None]
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(11, 3.8 + (0.3 * len(steps) + 0.6 if steps else 0)))
        if steps:
            ax, lanes = fig.subplots(2, 1, sharex=True, height_ratios=[3.8, 0.3 * len(steps)
                                                                       + 0.6])
        else:
            ax, lanes = fig.add_subplot(), None
        _plot_probes(ax, evidence, probes)
        _plot_events(ax, evidence)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, framealpha=0.9)
        ax.set_title(f"Probe samples: {len(probes)} (every {evidence.probe_interval_seconds:g} s)"
                     if evidence.probe_interval_seconds else f"Probe samples: {len(probes)}")
        if lanes is not None:
            ax.set_xlabel("")
            _plot_runbook(lanes, steps)
        return _to_svg(fig, "timeline-svg", "probe timeline")


def trend_svg(points: Sequence[TrendPoint]) -> str:
    """RTO and RPO per run over time, each against its objective.

    Each point is ``(label, rto, rto_objective, rpo, rpo_objective)`` in run order.
    """
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(11, 5))
        axes = fig.subplots(2, 1, sharex=True)
        xs = list(range(len(points)))
        for ax, value_i, name in ((axes[0], 1, "RTO"), (axes[1], 3, "RPO")):
            ax.plot(xs, [p[value_i] for p in points], marker="o", color="#0969da",
                    label=f"{name} achieved")
            ax.step(xs, [p[value_i + 1] for p in points], where="mid", color="#cf222e",
                    linestyle="--", label=f"{name} objective")
            ax.set_ylabel(f"{name} (s)")
            ax.grid(alpha=0.3)
            ax.legend(loc="upper left", fontsize=7)
        axes[1].set_xticks(xs, [p[0] for p in points], rotation=30, ha="right", fontsize=7)
        return _to_svg(fig, "trend-svg", "RTO and RPO trend")
