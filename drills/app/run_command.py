"""What the CLI commands do, and the tables they print."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from drills.settings.config import Settings
from infra.core.errors import ConfigError
from reports import run_folder

__all__ = ["check_evidence_settings", "evidence_signer", "keygen_and_show", "print_summary",
           "print_sweep", "publish_run", "rebuild_report", "run_and_report", "show_history",
           "verify_run"]


def _stopwatch(out: Console) -> Any:
    start = time.monotonic()

    def show(message: str) -> None:
        out.print(f"[dim]{time.monotonic() - start:6.1f}s[/] {message}", soft_wrap=True)
    return show


def run_and_report(feature: Path, settings: Settings, verbose: bool = False, *,
                   out: Console, err: Console) -> int:
    """Run a feature's drills, publish each run folder, print summaries; the exit code."""
    from drills.journal.runinfo import check_runs_dir
    from drills.safety.target_guard import TargetGuard

    # Refused here, before pytest, the embedded AWS or any run folder exists.
    TargetGuard(settings).check_settings()
    from drills.app.feature_runner import copy_results, load_feature, run_feature

    load_feature(feature)
    check_runs_dir(settings.runs_dir)
    check_evidence_settings(settings)
    from infra.template_gate import check_templates

    check_templates(settings)  # the templates' contract and cfn-lint, before any AWS call
    if settings.backend == "aws":
        from drills.run.backends import check_aws_target

        check_aws_target(settings)
    timing = ("virtual time" if settings.clock == "virtual"
              else f"time scale {settings.time_scale:g}x")
    out.print(f"[bold]drill[/] {feature} · backend {settings.backend} · {timing} · runs in "
              f"{settings.runs_dir}/")
    with tempfile.TemporaryDirectory(prefix="drill-results-") as tmp:
        result = run_feature(feature, settings, progress=_stopwatch(out), results_dir=Path(tmp),
                             verbose=verbose)
        _check_started(result, feature)
        codes = []
        for drill in result.drills:
            copy_results(Path(tmp), drill.run_dir)
            publish_run(drill.run_dir, settings, err=err)
            codes.append(drill.exit_code if drill.exit_code is not None else 1)
            print_summary(drill.run_dir, out)
        if len(result.drills) > 1:
            print_sweep([d.run_dir for d in result.drills], out)
    if 3 in codes:
        return 3
    return max(codes)


def _check_started(result: Any, feature: Path) -> None:
    """Raise why no drill of the feature started, if none did."""
    if not result.drills and result.interrupted:
        from drills.safety.interrupts import Interrupted

        raise Interrupted()  # stopped before any drill began: nothing to revert
    if result.refusal is not None:
        raise result.refusal
    if not result.drills:
        detail = "; ".join(result.failures) or f"pytest exit status {result.exit_status}"
        raise ConfigError(f"no scenario in {str(feature)!r} started a drill ({detail}). "
                          "Check that every step is one the drill knows.")


def evidence_signer(settings: Settings) -> Any:
    """The attestation signer of ``signing_key_file``, None when unset; ConfigError if bad."""
    if settings.signing_key_file is None:
        return None
    from reports import KeyFileError, load_signer

    try:
        return load_signer(settings.signing_key_file)
    except KeyFileError as exc:
        raise ConfigError(f"signing_key_file: {exc}") from None


def check_evidence_settings(settings: Settings) -> None:
    """Refuse, before any drill, a signing key or PDF renderer the run could not use."""
    from reports.pdf import find_chromium

    evidence_signer(settings)
    if settings.pdf_report and find_chromium() is None:
        raise ConfigError("pdf_report is set but no headless Chromium is installed to print "
                          "report.pdf (Debian: apt-get install chromium); install it or unset "
                          "pdf_report")


def publish_run(run_dir: Path, settings: Settings, *, err: Console) -> None:
    """Write a run folder's evidence, report, metrics, manifest and attestation (as set)."""
    from reports import RendererMissing, load_signing_key, publish

    key = os.environ.get("DRILL_SIGNING_KEY")
    try:
        signer = evidence_signer(settings)
    except ConfigError as exc:  # checked before the run; gone since: keep the run, unsigned
        err.print(f"[yellow]warning:[/] no attestation written: {exc}", soft_wrap=True)
        signer = None
    options: dict[str, Any] = {
        "signing_key": load_signing_key(value=key) if key else None, "signer": signer,
        "pushgateway_url": os.environ.get("DRILL_PUSHGATEWAY_URL"),
        "environment": settings.environment_suffix}
    try:
        published = publish(run_dir, pdf=settings.pdf_report, **options)
    except RendererMissing as exc:
        err.print(f"[yellow]warning:[/] report.pdf not written: {exc}", soft_wrap=True)
        published = publish(run_dir, **options)
    if published.push is not None and not published.push.ok:
        err.print(f"[yellow]warning:[/] metrics push to {published.push.url} failed: "
                  f"{published.push.error}; metrics.prom in the run folder has them",
                  soft_wrap=True)


def keygen_and_show(private_path: Path, *, out: Console) -> int:
    """Write an Ed25519 key pair for attestations and say what each half is for."""
    from reports import KeyFileError, generate_keypair

    try:
        pair = generate_keypair(private_path)
    except KeyFileError as exc:
        raise ConfigError(str(exc)) from None
    out.print(f"private key: {pair.private_key} (mode 0600; keep it secret; sign runs with "
              f"DRILL_SIGNING_KEY_FILE={pair.private_key} or signing_key_file)\n"
              f"public key:  {pair.public_key} (give it to auditors: drill verify RUN "
              f"--public-key {pair.public_key})\nkey id:      {pair.keyid}", soft_wrap=True)
    return 0


def _fmt(seconds: Any) -> str:
    from reports.durations import human_seconds

    # Rounded for reading; evidence.json keeps the exact figure.
    return "—" if seconds is None else human_seconds(seconds)


def print_summary(run_dir: Path, out: Console) -> None:
    """Print a run's verdict, RTO/RPO against objectives and ground truth, phases, files."""
    from reports import load_evidence

    ev = load_evidence(run_dir / run_folder.EVIDENCE)
    verdict = "PASSED" if ev.passed else ev.verdict.upper()
    colour = "green" if ev.passed else "red"
    table = Table(title=f"{ev.scenario}  [{colour}]{verdict}[/]", title_justify="left")
    for col in ("measure", "achieved", "objective", "met", "ground truth"):
        table.add_column(col)
    truth = ev.ground_truth
    for label, result, true_value in (
            ("RTO", ev.rto, truth.rto_seconds if truth else None),
            ("RPO", ev.rpo, truth.rpo_seconds if truth else None)):
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "—"}[result.met]
        table.add_row(label, _fmt(result.achieved_seconds), _fmt(result.objective_seconds), met,
                      _fmt(true_value))
    out.print(table)
    if ev.stores:
        out.print(_stores_table(ev.stores))
    if ev.failback is not None:
        fb = ev.failback
        out.print(f"failback to {fb.served_region}: downtime {_fmt(fb.downtime_seconds)} "
                  f"(truth {_fmt(fb.true_downtime_seconds)}), RPO {_fmt(fb.rpo_seconds)} "
                  f"(truth {_fmt(fb.true_rpo_seconds)}) over {fb.written_after_failover} "
                  f"markers written after the failover, {len(fb.lost_markers)} lost",
                  soft_wrap=True)
    phases = Table(title="phases (drill time)", title_justify="left")
    for col in ("phase", "status", "duration"):
        phases.add_column(col)
    for phase in ev.phases:
        phases.add_row(phase.name, phase.status, _fmt(phase.duration_seconds))
    out.print(phases)
    if not ev.passed and ev.verdict_reason:
        out.print(f"[red]reason:[/] {ev.verdict_reason}", soft_wrap=True)
    for finding in ev.findings:
        if finding.severity in ("critical", "major"):
            out.print(f"[red]•[/] {finding.id}: {finding.message}", soft_wrap=True)
    out.print(f"RTO {_fmt(ev.rto_seconds)} · RPO {_fmt(ev.rpo_seconds)} · verdict {ev.verdict}",
              soft_wrap=True)
    placed = _in_forecast(run_dir, ev)
    if placed:
        out.print(placed, soft_wrap=True)
    out.print(f"run folder: {run_dir}\nreport:     {run_dir / 'report.html'}", soft_wrap=True)


def _in_forecast(run_dir: Path, ev: Any) -> str | None:
    """Where an embedded drill's RTO falls among the newest forecast of its scenario."""
    from reports.forecast_records import latest_forecast, percentile_rank

    if ev.backend != "embedded" or ev.rto_seconds is None:
        return None
    found = latest_forecast(Path(run_dir).parent, ev.scenario)
    if found is None:
        return None
    folder, record = found
    rank = percentile_rank(record, ev.scenario, ev.rto_seconds)
    return (f"this draw: p{rank} of the forecast's {len(record.of(ev.scenario))} draws of this "
            f"scenario ({folder.name})")


def _stores_table(stores: Any) -> Table:
    def secs(value: float | None) -> str:
        return "none" if value is None else _fmt(value)

    table = Table(title="RPO per data store (none: no recovery point in DR)",
                  title_justify="left")
    for col in ("store", "replicated", "RPO", "objective", "met", "lost", "truth RPO, lost"):
        table.add_column(col)
    for s in stores:
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "not judged"}[s.met]
        truth = "—" if s.true_lost_markers is None else (
            f"{secs(s.true_rpo_seconds)}, {len(s.true_lost_markers)}")
        table.add_row(s.store, "yes" if s.replicated else "no", secs(s.rpo_seconds),
                      "—" if s.objective_seconds is None else secs(s.objective_seconds), met,
                      f"{len(s.lost_markers)}/{s.written}", truth)
    return table


def print_sweep(run_dirs: list[Path], out: Console) -> None:
    """One line per run of a feature: its pinned latencies, RTO against objective, verdict.

    A Scenario Outline over latency figures reads as a sweep here: where the RTO stops being
    met. Each run's own report states its pinned figures too.
    """
    from reports import load_evidence

    table = Table(title="all runs of this feature", title_justify="left")
    for col in ("#", "latency pinned", "RTO", "RTO objective", "met", "verdict"):
        table.add_column(col)
    folders = []
    for number, run_dir in enumerate(run_dirs, 1):
        ev = load_evidence(run_dir / run_folder.EVIDENCE)
        pinned = ", ".join(f"{k}={v:g}s" for k, v in ev.provenance.latency_model.items())
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "—"}[ev.rto.met]
        table.add_row(str(number), pinned or "model", _fmt(ev.rto_seconds),
                      _fmt(ev.rto.objective_seconds), met, ev.verdict)
        folders.append(f"#{number} {run_dir}")
    out.print(table)
    out.print("\n".join(folders), soft_wrap=True)


def verify_run(run_dir: Path, key: str | None, public_key: Path | None = None, *,
               out: Console) -> int:
    """Check a run folder's manifest (HMAC) and, given a public key, its attestation; 0 or 1."""
    from reports import KeyFileError, load_public_key, load_signing_key, verify

    if not Path(run_dir).is_dir():
        raise ConfigError(f"run folder {str(run_dir)!r} does not exist")
    try:
        verifier = load_public_key(public_key) if public_key is not None else None
    except KeyFileError as exc:
        raise ConfigError(f"--public-key: {exc}") from None
    result = verify(Path(run_dir), key=load_signing_key(value=key) if key else None)
    out.print(result.summary(), soft_wrap=True)
    for problem in result.problems():
        out.print(f"  {problem}", soft_wrap=True)
    if verifier is None:
        if (Path(run_dir) / "attestation.dsse.json").is_file():
            out.print("attestation.dsse.json not checked: give the signer's public key with "
                      "--public-key FILE", soft_wrap=True)
        return 0 if result.ok else 1
    from reports import verify_attestation

    attested = verify_attestation(Path(run_dir), verifier)
    out.print(attested.summary(), soft_wrap=True)
    for problem in attested.problems():
        out.print(f"  {problem}", soft_wrap=True)
    return 0 if result.ok and attested.ok else 1


def rebuild_report(run_dir: Path, *, out: Console, pdf: bool = False) -> int:
    """Rebuild evidence.json and report.html (and report.pdf) from a run folder's raw files."""
    from reports import build_evidence, write_evidence, write_report
    from reports.pdf import RendererMissing, find_chromium, write_pdf

    run_dir = Path(run_dir)
    if not (run_dir / run_folder.JOURNAL).is_file():
        raise ConfigError(f"{str(run_dir)!r} is not a run folder (no timeline.jsonl)")
    if pdf and find_chromium() is None:
        raise ConfigError("--pdf needs headless Chromium to print the report and none is "
                          "installed (Debian: apt-get install chromium); nothing was changed")
    write_evidence(build_evidence(run_dir), run_dir / run_folder.EVIDENCE)
    report = write_report(run_dir)
    out.print(f"report: {report}")
    if pdf:
        try:
            out.print(f"pdf:    {write_pdf(report)}")
        except RendererMissing as exc:
            raise ConfigError(str(exc)) from None
    out.print("note: the folder's MANIFEST.sha256 (and attestation) list the old files; "
              "`drill verify` will report evidence.json and report.html (and a new "
              "report.pdf) as altered or added", soft_wrap=True)
    return 0


def show_history(runs_dir: Path, out_file: Path | None, *, out: Console) -> int:
    """List past runs with verdict, RTO, RPO and trend, and write the trend page."""
    from reports import write_history

    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        raise ConfigError(f"runs folder {str(runs_dir)!r} does not exist; run a drill first")
    page = out_file or runs_dir / "history.html"
    scan = write_history(runs_dir, page)
    table = Table(title=f"drill history ({len(scan.runs)} runs)", title_justify="left")
    for col in ("run", "scenario", "verdict", "RTO", "trend", "RPO", "trend"):
        table.add_column(col)
    for run in scan.runs:
        table.add_row(run.run_id, run.scenario, run.verdict, _fmt(run.rto_seconds),
                      run.rto_trend, _fmt(run.rpo_seconds), run.rpo_trend)
    out.print(table)
    for skipped in scan.skipped:
        out.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}", soft_wrap=True)
    out.print(f"trend page: {page}")
    return 0
