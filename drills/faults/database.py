"""Database faults."""

from __future__ import annotations

from typing import ClassVar

from drills.faults import FaultContext
from drills.faults._common import DB_AVAILABLE, FaultApi, OneShot, primary_db_id, require_settings
from infra.core.actions import ApiCall, FaultEffects

__all__ = ["DatabaseFailure"]


class DatabaseFailure(OneShot):
    """The primary database instance fails: Multi-AZ RDS fails over to its standby in the
    other zone (a forced-failover reboot, as FIS's aws:rds:reboot-db-instances does)."""

    name: ClassVar[str] = "database-failure"
    effects: ClassVar[FaultEffects] = FaultEffects(
        inject="reboot the primary database with a forced failover: it is unavailable until "
               "its Multi-AZ standby takes over (typically 60-120 s)",
        revert="nothing to undo (one-shot, no failback: that would be a second outage); wait "
               "until the database is available again",
        inject_calls=(ApiCall("rds", "RebootDBInstance",
                              "{s.primary_db_id} ForceFailover=true",
                              "primary"),),
        revert_calls=(DB_AVAILABLE,))

    def __init__(self, ctx: FaultContext) -> None:
        self._api = FaultApi(ctx, self.name)
        self.target = primary_db_id(require_settings(ctx, self.name))

    def inject(self) -> None:
        """Force the failover."""
        self._api.call("rds", "reboot_db_instance", DBInstanceIdentifier=self.target,
                       ForceFailover=True)

    def _problems(self) -> tuple[str, ...]:
        """The database, while it is not available (the failover still runs)."""
        found = self._api.call("rds", "describe_db_instances",
                               DBInstanceIdentifier=self.target)["DBInstances"][0]
        status = found["DBInstanceStatus"]
        return () if status == "available" else (f"database {self.target!r} is {status}",)
