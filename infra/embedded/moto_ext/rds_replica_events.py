"""Tell the region simulator when a read replica is created or a DB instance deleted.

Stock moto answers CreateDBInstanceReadReplica (cross-region too, from a promoted replica's
ARN) and DeleteDBInstance correctly, but silently: the simulator's data plane would never
learn that a new replica starts from a copy of its source and replicates from it. These
wrappers report both to the active simulator (``transitions.report``); the API answers are
moto's own.

Stock moto also makes a replica ``available`` at once. On AWS a cross-region replica is
``creating`` while RDS snapshots the source, copies the snapshot to the replica's region and
restores it (R8, https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.XRgn.html);
a replica created through the API (the failback's) stays ``creating`` for the latency
model's ``rds_create_replica`` and only then becomes ``available``, so the source keeps
taking writes meanwhile, as it does on AWS. A replica created by a CloudFormation stack is
``available`` at once (moto completes a stack at once; deploy durations are not modelled).
With no simulator active, at once.
"""

from __future__ import annotations

from typing import Any

from moto.rds.models import DBInstance, RDSBackend
from moto.rds.responses import RDSResponse

from infra.embedded.latency import Transition
from infra.embedded.moto_ext import transitions

__all__ = ["CREATING", "DELETED", "REPLICA_AVAILABLE", "REPLICA_CREATED", "apply"]

REPLICA_CREATED = "rds.replica_created"
REPLICA_AVAILABLE = "rds.replica_available"
DELETED = "rds.deleted"
CREATING = "creating"

_create = RDSBackend.create_db_instance_read_replica
_delete = RDSBackend.delete_db_instance
_create_api = RDSResponse.create_db_instance_read_replica


def _create_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
    replica = _create(self, db_kwargs)
    transitions.report(REPLICA_CREATED, subject=replica.db_instance_identifier,
                       region=self.region_name,
                       detail=str(db_kwargs.get("source_db_instance_identifier", "")))
    return replica


def _create_replica_api(self: RDSResponse) -> Any:
    answer = _create_api(self)  # serialised later: the answer shows the status set below
    replica = self.backend.databases[self.params["db_instance_identifier"]]
    replica.status = CREATING

    def complete() -> bool:
        if replica.status != CREATING:
            return False  # deleted (or otherwise changed) before it was ready
        replica.status = "available"
        return True

    transitions.start((Transition.RDS_CREATE_REPLICA,), kind=REPLICA_AVAILABLE,
                      subject=replica.db_instance_identifier,
                      region=self.backend.region_name, complete=complete)
    return answer


def _delete_instance(self: RDSBackend, *args: Any, **kwargs: Any) -> DBInstance:
    deleted = _delete(self, *args, **kwargs)
    transitions.report(DELETED, subject=deleted.db_instance_identifier, region=self.region_name)
    return deleted


def apply() -> None:
    """Wrap moto's replica creation and instance deletion so the simulator hears of them,
    and keep a replica created through the API ``creating`` for its modelled duration."""
    RDSBackend.create_db_instance_read_replica = _create_replica  # type: ignore[method-assign]
    RDSBackend.delete_db_instance = _delete_instance  # type: ignore[method-assign]
    RDSResponse.create_db_instance_read_replica = _create_replica_api  # type: ignore[method-assign]
