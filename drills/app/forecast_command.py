"""``drill forecast``: run the draws with a progress bar, then print the forecast's tables."""

from __future__ import annotations

import secrets
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from drills.app.forecast import DrawOutcome, Forecast, default_jobs, run_forecast
from drills.settings.config import Settings
from infra.core.errors import ConfigError, DrillAborted
from reports.forecast_page import p95_gain, summaries_of
from reports.forecast_stats import ScenarioSummary, Share

__all__ = ["forecast_and_report"]


def forecast_and_report(feature: Path, settings: Settings, *, draws: int, jobs: int | None,
                        seed: int | None, out: Console, err: Console) -> int:
    """Run the forecast, print its figures and folder; 0, or 1 when a draw could not run.

    Ctrl-C or SIGTERM stops every worker (each drill reverts its fault) and raises
    DrillAborted (exit 3); no forecast folder is written.
    """
    from drills.app.feature_runner import load_feature
    from drills.journal.runinfo import check_runs_dir

    jobs = default_jobs() if jobs is None else jobs
    if draws < 1:
        raise ConfigError(f"--draws takes a number of drills >= 1, got {draws}")
    if jobs < 1:
        raise ConfigError(f"--jobs takes a number of worker processes >= 1, got {jobs}")
    if settings.backend != "embedded":
        raise ConfigError("a forecast runs on the embedded backend only: each draw deploys "
                          "its own simulated world, which a real account cannot give")
    load_feature(feature)
    check_runs_dir(settings.runs_dir)
    base = seed if seed is not None else secrets.randbelow(2**31)
    out.print(f"[bold]drill forecast[/] {feature} · {draws} draws · {jobs} workers · seed "
              f"{base} (repeat with --seed {base})")
    columns = (TextColumn("draws"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[misses]}"))
    missed, done = [0], [0]
    # A log (CI, nightly cron) gets no live bar: a plain line every tenth of the draws.
    every = 0 if err.is_terminal else max(1, draws // 10)
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("draws", total=draws, misses="")

        def advance(outcome: DrawOutcome) -> None:
            missed[0] += sum(not d.rto_met for d in outcome.draws)
            done[0] += 1
            bar.update(task, advance=1, misses=f"RTO missed in {missed[0]} scenario draws"
                       if missed[0] else "")
            if every and (done[0] % every == 0 or done[0] == draws):
                err.print(f"draws {done[0]}/{draws} done, RTO missed in {missed[0]} scenario "
                          "draws so far")
        try:
            result = run_forecast(feature, settings, draws=draws, jobs=jobs, seed=base,
                                  on_draw=advance)
        except KeyboardInterrupt as exc:
            raise DrillAborted(f"interrupted by {exc or 'SIGINT'}: every worker's drill "
                               "reverted its fault; no forecast folder was written") from None
    print_forecast(result, out)
    for failed in result.errors:
        err.print(f"[yellow]draw with seed {failed.seed} did not run:[/] {failed.error}",
                  soft_wrap=True)
    return 1 if result.errors else 0


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:,.1f} s ({seconds / 60:.1f} min)" if seconds >= 60 else f"{seconds:.1f} s"


def _share(share: Share) -> str:
    return (f"{100 * share.ratio:.1f}% ({share.met}/{share.n}; 95% CI "
            f"{100 * share.low:.1f}-{100 * share.high:.1f}%)")


def _distribution_table(summaries: tuple[ScenarioSummary, ...]) -> Table:
    """The scenarios side by side, a column each: RTO and RPO quantiles and shares."""
    table = Table(title="RTO and RPO over the draws (drill seconds)", title_justify="left")
    table.add_column("")
    for s in summaries:
        table.add_column(s.scenario)
    first = summaries[0]
    rows = [(f"RTO {name}", [_fmt(getattr(s.rto, name)) for s in summaries])
            for name in ("p50", "p90", "p95", "p99", "max")]
    rows.append((f"P(RTO ≤ {first.rto_objective_s:g} s)", [_share(s.rto_met) for s in summaries]))
    rows += [(f"RPO {name}", [_fmt(getattr(s.rpo, name)) for s in summaries])
             for name in ("p50", "p95", "max")]
    rows.append((f"P(RPO ≤ {first.rpo_objective_s:g} s)", [_share(s.rpo_met) for s in summaries]))
    rows.append(("draws", [str(s.n) for s in summaries]))
    for label, cells in rows:
        table.add_row(label, *cells)
    return table


def _detail(s: ScenarioSummary, feature: str, out: Console) -> None:
    stores = Table(title=f"{s.scenario}: RPO per data store", title_justify="left")
    for col in ("store", "p50", "p95", "p99", "max", "no recovery point", "objective met"):
        stores.add_column(col)
    for st in s.stores:
        stores.add_row(st.store, _fmt(st.rpo.p50), _fmt(st.rpo.p95), _fmt(st.rpo.p99),
                       _fmt(st.rpo.max), str(st.no_recovery_point),
                       _share(st.met) if st.met else "not judged")
    out.print(stores)
    parts = ", ".join(f"{p.name} {100 * p.share:.0f}%" for p in s.phases)
    steps = ", ".join(f"{p.name} {100 * p.share:.0f}%" for p in s.steps)
    out.print(f"share of the mean RTO: phases {parts or '—'}; runbook steps {steps or '—'}",
              soft_wrap=True)
    longest = ", ".join(f"{name} ({n})" for name, n in s.worst_steps) or "—"
    out.print(f"longest step in the worst 5% of draws: {longest}", soft_wrap=True)
    worst = ", ".join(f"{d.seed} ({_fmt(d.rto_seconds)})" for d in s.worst)
    out.print(f"worst draws, by seed: {worst}; reproduce one with `drill run {feature} --seed "
              "SEED`", soft_wrap=True)


def print_forecast(result: Forecast, out: Console) -> None:
    """The distributions side by side, each scenario's detail, the p95 gain and the folder."""
    summaries = summaries_of(result.record)
    out.print(_distribution_table(summaries))
    for s in summaries:
        _detail(s, result.record.feature, out)
    gain = p95_gain(summaries)
    if gain is not None:
        out.print(f"p95 RTO: {summaries[-1].scenario!r} is {_fmt(abs(gain))} "
                  f"{'shorter' if gain >= 0 else 'LONGER'} than {summaries[0].scenario!r}",
                  soft_wrap=True)
    out.print(f"forecast folder: {result.folder}")
    out.print(f"report:          {result.folder / 'report.html'}")
