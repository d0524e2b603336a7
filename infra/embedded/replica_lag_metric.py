"""RDS's ``ReplicaLag`` metric in the embedded CloudWatch, published as RDS publishes it.

RDS puts ``AWS/RDS ReplicaLag`` (seconds behind the source; -1 when replication is stopped)
for a read replica into CloudWatch once a minute. moto has no RDS metrics, so whoever reads
the metric through the API (the preflight gate on the aws backend, ``drill audit``) would
find nothing. The simulator knows the replica's lag, so this publisher puts the same
datapoint into moto's CloudWatch, in the replica's region, every drill minute.

Each datapoint is stamped with the drill clock's wall time. moto would otherwise stamp it
with the machine's clock, which on the virtual clock is not drill time at all: a reader that
asks for the datapoints after a drill instant (StartTime/EndTime from ``clock.wall()``, as the
failback does after its write freeze) would find none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC

from infra.embedded import moto_state
from infra.embedded.scheduler import Scheduler

__all__ = ["ReplicaLagMetric"]

log = logging.getLogger(__name__)

PERIOD_S = 60.0  # RDS publishes ReplicaLag every minute


class ReplicaLagMetric:
    """Puts the replica's lag into moto's CloudWatch every ``period_s`` drill seconds."""

    def __init__(self, *, scheduler: Scheduler, region: str, replica_id: str,
                 lag: Callable[[], float | None], period_s: float = PERIOD_S) -> None:
        self._scheduler = scheduler
        self._region = region
        self._replica_id = replica_id
        self._lag = lag
        self._period_s = period_s
        self.published = 0

    def start(self, now: float) -> None:
        """Publish a datapoint now and then every period, for as long as the scheduler runs."""
        self._publish(now)

    def _still_a_replica(self) -> bool:
        rds = moto_state.backend("rds", self._region)
        database = rds.databases.get(self._replica_id)
        return database is not None and bool(getattr(database, "is_replica", False))

    def _publish(self, _due: float) -> None:
        # RDS publishes ReplicaLag for read replicas only: nothing once it is promoted.
        lag = self._lag() if self._still_a_replica() else None
        if lag is not None:
            cloudwatch = moto_state.backend("cloudwatch", self._region)
            # moto's CloudWatch keeps and compares naive UTC timestamps.
            stamp = self._scheduler.clock.wall().astimezone(UTC).replace(tzinfo=None)
            cloudwatch.put_metric_data("AWS/RDS", [{
                "MetricName": "ReplicaLag", "Value": float(lag), "Unit": "Seconds",
                "Timestamp": stamp,
                "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": self._replica_id}],
            }])
            self.published += 1
        self._scheduler.after(self._period_s, self._publish, label="ReplicaLag metric")
