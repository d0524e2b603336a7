"""A forecast folder: forecast.json, report.html, metrics.prom and MANIFEST.sha256.

Everything but forecast.json is built from forecast.json alone, so a forecast's page can be
rebuilt from its draws; ``drill verify`` checks the folder's manifest (and signature) as it
checks a run folder's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry, write_to_textfile
from prometheus_client.core import GaugeMetricFamily, Metric

from reports.forecast_records import FORECAST_FILE, ForecastRecord, write_forecast
from reports.forecast_stats import ScenarioSummary, summarise
from reports.html import REPORT_FILE, template_environment
from reports.manifest import write_manifest
from reports.metrics import METRICS_FILE

__all__ = ["ForecastCollector", "p95_gain", "publish_forecast", "render_forecast",
           "summaries_of"]


def summaries_of(record: ForecastRecord) -> tuple[ScenarioSummary, ...]:
    """Each scenario's summary, in the feature's order."""
    return tuple(summarise(name, record.of(name)) for name in record.scenarios)


def p95_gain(summaries: Sequence[ScenarioSummary]) -> float | None:
    """How much shorter the last scenario's p95 RTO is than the first's (None: one scenario)."""
    if len(summaries) < 2 or summaries[0].rto.p95 is None or summaries[-1].rto.p95 is None:
        return None
    return summaries[0].rto.p95 - summaries[-1].rto.p95


def _seconds(value: float | None) -> str:
    """Drill seconds to one decimal, with minutes past two of them (a forecast's figures)."""
    if value is None:
        return "not measured"
    minutes = f" ({value / 60:.1f} min)" if abs(value) >= 120 else ""
    return f"{value:,.1f} s{minutes}"


def render_forecast(record: ForecastRecord) -> str:
    """The forecast page as HTML: summary table, histogram, ECDF, per-scenario detail."""
    from reports.forecast_chart import ecdf_svg, histogram_svg

    summaries = summaries_of(record)
    first = summaries[0]
    return template_environment().get_template("forecast.html.j2").render(
        rec=record, summaries=summaries, gain=p95_gain(summaries), fmt=_seconds,
        histogram=histogram_svg(record.draws, record.scenarios, first.rto_objective_s),
        ecdf=ecdf_svg(record.draws, record.scenarios, first.rto_objective_s,
                      first.rpo_objective_s))


class ForecastCollector:
    """The forecast's gauges: RTO/RPO quantiles and the share of draws that met each objective."""

    def __init__(self, summaries: Sequence[ScenarioSummary]) -> None:
        self.summaries = tuple(summaries)

    def collect(self) -> Iterator[Metric]:
        """Yield every gauge, one sample per scenario (and quantile or bound)."""
        gauges = {
            "rto": GaugeMetricFamily("dr_drill_forecast_rto_seconds", "RTO over the draws, by "
                                     "quantile (1 is the max)", labels=["scenario", "quantile"]),
            "rpo": GaugeMetricFamily("dr_drill_forecast_rpo_seconds", "RPO over the draws, by "
                                     "quantile (1 is the max)", labels=["scenario", "quantile"]),
        }
        met = GaugeMetricFamily("dr_drill_forecast_objective_met_ratio",
                                "Share of draws that met the objective",
                                labels=["scenario", "objective"])
        bound = GaugeMetricFamily("dr_drill_forecast_objective_met_ratio_interval",
                                  "95% Wilson interval of that share",
                                  labels=["scenario", "objective", "bound"])
        draws = GaugeMetricFamily("dr_drill_forecast_draws", "Draws in the forecast",
                                  labels=["scenario"])
        for s in self.summaries:
            for key, dist in (("rto", s.rto), ("rpo", s.rpo)):
                for q, value in ((0.5, dist.p50), (0.9, dist.p90), (0.95, dist.p95),
                                 (0.99, dist.p99), (1.0, dist.max)):
                    if value is not None:
                        gauges[key].add_metric([s.scenario, f"{q:g}"], value)
            for key, share in (("rto", s.rto_met), ("rpo", s.rpo_met)):
                met.add_metric([s.scenario, key], share.ratio)
                bound.add_metric([s.scenario, key, "low"], share.low)
                bound.add_metric([s.scenario, key, "high"], share.high)
            draws.add_metric([s.scenario], s.n)
        yield from (*gauges.values(), met, bound, draws)


def publish_forecast(folder: Path, record: ForecastRecord, *,
                     signing_key: bytes | None = None) -> Path:
    """Write the forecast folder's files, the manifest (and signature) last; its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_forecast(record, folder / FORECAST_FILE)
    (folder / REPORT_FILE).write_text(render_forecast(record), encoding="utf-8")
    registry = CollectorRegistry(auto_describe=True)
    registry.register(ForecastCollector(summaries_of(record)))  # type: ignore[arg-type]
    write_to_textfile(str(folder / METRICS_FILE), registry)
    write_manifest(folder, key=signing_key)
    return folder
