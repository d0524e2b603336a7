"""The human-readable report: one self-contained HTML file rendered from the evidence.

It renders ``evidence.json`` and ``probes.csv`` and never measures anything again. Styles
and the chart (inline SVG) are embedded, so the file opens offline, years later, with no
network fetch at all. Elements a test or a scraper reads carry stable ids: ``verdict``,
``rto``, ``rpo``, ``timeline-chart``.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reports import run_folder, sources
from reports.durations import human_seconds
from reports.evidence import EVIDENCE_FILE, load_evidence
from reports.manifest import MANIFEST_FILE
from reports.records import Evidence

__all__ = ["REPORT_FILE", "render_report", "template_environment", "write_report"]

REPORT_FILE = run_folder.REPORT


def _seconds(value: float | None) -> str:
    # Rounded for reading; the exact figure stays in evidence.json and data-seconds.
    return "not measured" if value is None else human_seconds(value)


def _offset(value: float | None) -> str:
    """A drill-clock offset to a tenth of a second (the journal keeps the exact one)."""
    return "—" if value is None else f"{round(value, 1):g}"


def _met(value: bool | None) -> str:
    return {True: "met", False: "MISSED", None: "not assessed"}[value]


@functools.cache
def template_environment() -> Environment:
    """The Jinja2 environment of the report templates, with their filters (built once).

    Compiling the report template takes a fifth of a second; the environment keeps the
    compiled template, so it is built once per process, not once per report.
    """
    env = Environment(loader=PackageLoader("reports", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["seconds"] = _seconds
    env.filters["met"] = _met
    env.filters["at"] = _offset
    env.filters["opt"] = lambda v: "—" if v is None else (f"{v:g}" if isinstance(v, float) else v)
    return env


def render_report(evidence: Evidence, probes: tuple[sources.ProbeRow, ...], *,
                  evidence_sha256: str, manifest_sha256: str | None = None) -> str:
    """The report as HTML text."""
    template = template_environment().get_template("report.html.j2")
    # matplotlib loads on first chart, not on import: `drill verify` never draws one.
    from reports.chart import timeline_svg

    return template.render(ev=evidence, chart=timeline_svg(evidence, probes),
                           evidence_sha256=evidence_sha256, manifest_sha256=manifest_sha256,
                           probe_count=len(probes))


def write_report(run_dir: Path, *, include_manifest_digest: bool = False) -> Path:
    """Render report.html from the folder's evidence.json and probes.csv; return its path.

    The manifest digest is left out by default: the manifest is written after the report and
    covers it, so a report quoting the previous manifest would never settle on one version.
    """
    run_dir = Path(run_dir)
    evidence_path = run_dir / EVIDENCE_FILE
    manifest = run_dir / MANIFEST_FILE
    html = render_report(
        load_evidence(evidence_path), sources.read_probes(run_dir / sources.PROBES),
        evidence_sha256=hashlib.sha256(evidence_path.read_bytes()).hexdigest(),
        manifest_sha256=sources.sha256_file(manifest)
        if include_manifest_digest and manifest.exists() else None)
    out = run_dir / REPORT_FILE
    out.write_text(html, encoding="utf-8")
    return out
