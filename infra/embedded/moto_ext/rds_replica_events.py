"""Tell the region simulator when a read replica is created or a DB instance deleted.

Stock moto answers CreateDBInstanceReadReplica (cross-region too, from a promoted replica's
ARN) and DeleteDBInstance correctly, but silently: the simulator's data plane would never
learn that a new replica starts from a copy of its source and replicates from it. These
wrappers report both to the active simulator (``transitions.report``); the API answers are
moto's own. Creation completes at once in moto (AWS: est. 15-30 min, latency-model.md R8,
not modelled here).
"""

from __future__ import annotations

from typing import Any

from moto.rds.models import DBInstance, RDSBackend

from infra.embedded.moto_ext import transitions

__all__ = ["DELETED", "REPLICA_CREATED", "apply"]

REPLICA_CREATED = "rds.replica_created"
DELETED = "rds.deleted"

_create = RDSBackend.create_db_instance_read_replica
_delete = RDSBackend.delete_db_instance


def _create_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
    replica = _create(self, db_kwargs)
    transitions.report(REPLICA_CREATED, subject=replica.db_instance_identifier,
                       region=self.region_name,
                       detail=str(db_kwargs.get("source_db_instance_identifier", "")))
    return replica


def _delete_instance(self: RDSBackend, *args: Any, **kwargs: Any) -> DBInstance:
    deleted = _delete(self, *args, **kwargs)
    transitions.report(DELETED, subject=deleted.db_instance_identifier, region=self.region_name)
    return deleted


def apply() -> None:
    """Wrap moto's replica creation and instance deletion so the simulator hears of them."""
    RDSBackend.create_db_instance_read_replica = _create_replica  # type: ignore[method-assign]
    RDSBackend.delete_db_instance = _delete_instance  # type: ignore[method-assign]
