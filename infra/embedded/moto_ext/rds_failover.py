"""Multi-AZ failover as AWS does it: ``RebootDBInstance`` with ``ForceFailover`` takes time.

Stock moto ignores ``ForceFailover``: a reboot returns at once, the instance never leaves
``available`` and stays in its zone. On AWS (R6) a forced failover of a Multi-AZ instance
reboots it onto the standby in the other zone: the instance is ``rebooting`` until
transactions resume on the standby, "typically 60-120 seconds", keeps its endpoint, and its
zone and ``SecondaryAvailabilityZone`` swap. Forcing a failover of a single-AZ instance is
refused. The duration comes from the active simulator's latency model
(``rds_multi_az_failover``); with none active, at once. :func:`fail_over` is the same
failover started by the simulator when the writer's zone is lost.
"""

from __future__ import annotations

from typing import Any

from moto.rds.exceptions import InvalidDBInstanceStateFault, InvalidParameterCombination
from moto.rds.models import DBInstance
from moto.rds.responses import RDSResponse

from infra.embedded.latency import Transition
from infra.embedded.moto_ext import transitions

__all__ = ["FAILOVER", "apply", "fail_over", "standby_zone"]

FAILOVER = "rds.multi_az_failover"

_stock_reboot = RDSResponse.reboot_db_instance
_STANDBY = "secondary_availability_zone"


def _subnet_zones(database: DBInstance) -> list[str]:
    group = getattr(database, "db_subnet_group", None)
    subnets = getattr(group, "_subnets", None) or []
    return sorted({s.availability_zone for s in subnets})


def standby_zone(database: DBInstance) -> str:
    """The zone of the Multi-AZ standby: another zone of the subnet group (default ``b``/``a``)."""
    known = getattr(database, _STANDBY, None)
    if known:
        return str(known)
    primary = database.availability_zone
    others = [z for z in _subnet_zones(database) if z != primary]
    zone = others[0] if others else primary[:-1] + ("b" if primary.endswith("a") else "a")
    setattr(database, _STANDBY, zone)  # moto's DBInstance has no such field; describe shows it
    return zone


def fail_over(database: DBInstance, *, region: str) -> float | None:
    """Start a Multi-AZ failover of ``database``; the drill time it completes, or None at once."""
    if not database.multi_az:
        raise InvalidParameterCombination(
            f"Cannot force a failover of {database.db_instance_identifier}: it is not a "
            "Multi-AZ DB instance.")
    if database.status != "available":
        raise InvalidDBInstanceStateFault(
            f"DB instance {database.db_instance_identifier} is {database.status}, not available.")
    standby, old = standby_zone(database), database.availability_zone
    database.status = "rebooting"

    def complete() -> bool:
        if database.status != "rebooting":
            return False  # deleted or changed meanwhile
        database.availability_zone = standby
        setattr(database, _STANDBY, old)
        database.status = "available"
        return True

    return transitions.start(
        (Transition.RDS_MULTI_AZ_FAILOVER,), kind=FAILOVER,
        subject=database.db_instance_identifier, region=region, complete=complete)


def _reboot(self: RDSResponse) -> Any:
    if str(self.params.get("ForceFailover", "")).lower() != "true":
        return _stock_reboot(self)
    database = self.backend.describe_db_instances(self.params.get("DBInstanceIdentifier"))[0]
    fail_over(database, region=self.region)
    return _stock_reboot(self)


def apply() -> None:
    """Make ``RebootDBInstance(ForceFailover=True)`` a timed Multi-AZ failover."""
    RDSResponse.reboot_db_instance = _reboot  # type: ignore[method-assign]
