"""Prometheus export of a finished run: a textfile for node_exporter and a Pushgateway push.

A custom :class:`DrillCollector` yields the gauges straight from the evidence record, on a
registry of our own (never the process-global ``REGISTRY``, which would mix in process
metrics and leak state between runs). The textfile is written with ``write_to_textfile``,
which renames a temporary file into place, so a scraper never reads half a file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, push_to_gateway, write_to_textfile
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from reports import run_folder
from reports.records import Evidence

__all__ = ["METRICS_FILE", "DrillCollector", "PushOutcome", "push", "registry_for",
           "write_metrics"]

log = logging.getLogger(__name__)

METRICS_FILE = run_folder.METRICS
_LABELS = ("scenario", "environment", "backend")


class DrillCollector(Collector):
    """Gauges for one drill run, read from its evidence record."""

    def __init__(self, evidence: Evidence, *, environment: str | None = None) -> None:
        self.evidence = evidence
        self.labels = [evidence.scenario, environment or evidence.environment or "unknown",
                       evidence.backend]

    def _gauge(self, name: str, doc: str, value: float | None) -> Iterator[Metric]:
        # An unmeasured RTO is absent, not 0: a 0 would read as a perfect recovery.
        if value is None:
            return
        family = GaugeMetricFamily(name, doc, labels=_LABELS)
        family.add_metric(self.labels, value)
        yield family

    def collect(self) -> Iterator[Metric]:
        """Yield the run's gauges."""
        ev = self.evidence
        yield from self._gauge("dr_drill_rto_seconds",
                               "Measured recovery time (drill seconds) of the last run.",
                               ev.rto_seconds)
        yield from self._rpo()
        # The objectives beside the measures, so alert rules can compare one with the other
        # (infra/prometheus/drill-rules.yaml: RTO over 80% of its objective).
        yield from self._gauge("dr_drill_rto_objective_seconds",
                               "RTO objective (drill seconds) the last run was held to.",
                               ev.rto.objective_seconds)
        yield from self._gauge("dr_drill_rpo_objective_seconds",
                               "RPO objective (drill seconds) the last run was held to.",
                               ev.rpo.objective_seconds)
        failback = ev.failback
        yield from self._gauge("dr_drill_failback_downtime_seconds",
                               "Measured downtime (drill seconds) of the last run's failback.",
                               failback.downtime_seconds if failback else None)
        yield from self._gauge("dr_drill_failback_rpo_seconds",
                               "Measured data-loss window (drill seconds) of the last run's "
                               "failback, over writes made after the failover.",
                               failback.rpo_seconds if failback else None)
        yield from self._gauge("dr_drill_success",
                               "1 if the last run met every objective, else 0.", float(ev.passed))
        yield from self._gauge("dr_drill_last_run_timestamp_seconds",
                               "Unix time the last run finished (started, if it never did).",
                               _epoch(ev.finished_at or ev.started_at))
        yield self._phases()

    def _rpo(self) -> Iterator[Metric]:
        ev = self.evidence
        yield from self._gauge("dr_drill_rpo_seconds",
                               "Measured data-loss window (drill seconds) of the last run.",
                               ev.rpo_seconds)
        # Per store in a family of its own: a `store` label on dr_drill_rpo_seconds would give
        # every existing query and alert on it three series (efs alone runs to minutes). A
        # store with no recovery point has no RPO sample (absent, never 0); its lost count
        # says what happened.
        rpo = GaugeMetricFamily("dr_drill_store_rpo_seconds", "Measured data-loss window "
                                "(drill seconds) per data store.", labels=[*_LABELS, "store"])
        lost = GaugeMetricFamily("dr_drill_lost_markers", "Markers acknowledged before the "
                                 "outage and missing in DR, per data store.",
                                 labels=[*_LABELS, "store"])
        for store in ev.stores:
            if store.rpo_seconds is not None:
                rpo.add_metric([*self.labels, store.store], store.rpo_seconds)
            lost.add_metric([*self.labels, store.store], float(len(store.lost_markers)))
        yield from (family for family in (rpo, lost) if family.samples)

    def _phases(self) -> Metric:
        family = GaugeMetricFamily("dr_drill_phase_duration_seconds",
                                   "Duration of each drill phase (drill seconds).",
                                   labels=[*_LABELS, "phase"])
        for phase in self.evidence.phases:
            if phase.duration_seconds is not None:
                family.add_metric([*self.labels, phase.name], phase.duration_seconds)
        return family


def _epoch(wall: str | None) -> float | None:
    if not wall:
        return None
    try:
        return datetime.fromisoformat(wall.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def registry_for(evidence: Evidence, *, environment: str | None = None) -> CollectorRegistry:
    """A fresh registry holding only this run's collector."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(DrillCollector(evidence, environment=environment))
    return registry


def write_metrics(evidence: Evidence, path: Path, *, environment: str | None = None) -> Path:
    """Write metrics.prom atomically and return its path."""
    write_to_textfile(str(path), registry_for(evidence, environment=environment))
    return Path(path)


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """Whether a push to the Pushgateway worked, and why not."""

    ok: bool
    url: str
    job: str
    grouping_key: tuple[tuple[str, str], ...] = ()
    error: str | None = None


def push(evidence: Evidence, gateway_url: str, *, job: str = "dr_drill",
         environment: str | None = None, timeout: float = 10.0) -> PushOutcome:
    """Push the run's gauges to a Pushgateway; a failure is logged and returned, never raised."""
    collector = DrillCollector(evidence, environment=environment)
    grouping = dict(zip(_LABELS, collector.labels, strict=True))
    registry = CollectorRegistry(auto_describe=True)
    registry.register(collector)
    key = tuple(sorted(grouping.items()))
    try:
        push_to_gateway(gateway_url, job=job, registry=registry, grouping_key=grouping,
                        timeout=timeout)
    except (OSError, ValueError) as exc:
        # The drill's outcome must not depend on the monitoring stack being up.
        log.warning("push of run %s to %s failed: %s", evidence.run_id, gateway_url, exc)
        return PushOutcome(False, gateway_url, job, key, f"{type(exc).__name__}: {exc}")
    return PushOutcome(True, gateway_url, job, key)
