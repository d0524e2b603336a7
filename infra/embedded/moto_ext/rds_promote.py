"""promote-read-replica as AWS does it: the link is cut at once, ``available`` comes later.

Stock moto leaves the replica's source fields on both instances, keeps the status
``available`` and accepts a second promote. On AWS (R1, R2) promotion stops replication,
the instance goes ``modifying``, reboots and becomes ``available`` minutes later; promoting
an instance that is not a replica fails with ``InvalidDBInstanceState``. The duration comes
from the active simulator's latency model (``rds_promote``); with none active, at once.

The reboot needs the instance's KMS key: if that key is no longer ``Enabled`` (disabled, or
pending deletion), the promoted instance comes back ``inaccessible-encryption-credentials``,
as RDS reports an instance whose key it cannot use, instead of ``available``. A replica that
keeps running is not affected until then.
"""

from __future__ import annotations

from typing import Any

from moto.rds.exceptions import DBInstanceNotFoundError, RDSClientError
from moto.rds.models import DBInstance, RDSBackend

from infra.embedded import wiring
from infra.embedded.latency import Transition
from infra.embedded.moto_ext import transitions
from infra.embedded.moto_ext._rules import refuse, rule

__all__ = ["INACCESSIBLE", "NotAReadReplica", "apply"]

PROMOTE = "rds.promote"
NOT_A_REPLICA = rule("RDS-PROMOTE-NOT-REPLICA", "only a read replica can be promoted "
                     "(InvalidDBInstanceState)", "https://docs.aws.amazon.com/AmazonRDS/latest/"
                     "APIReference/API_PromoteReadReplica.html")
INACCESSIBLE = "inaccessible-encryption-credentials"


class NotAReadReplica(RDSClientError):
    """AWS's answer to promoting an instance that is not (or no longer) a read replica."""

    def __init__(self, identifier: str) -> None:
        message = f"DB Instance {identifier} is not a read replica."
        super().__init__("InvalidDBInstanceState", message)


def _detach(backend: RDSBackend, replica: DBInstance) -> None:
    """Drop ``replica`` from its source's replica list; the source may be in another region."""
    source_id = replica.source_db_instance_identifier
    if not source_id:
        return
    try:
        source = backend.find_db_from_id(source_id)
    except DBInstanceNotFoundError:
        return  # the source was deleted first; nothing left to detach from
    for entry in (replica.db_instance_arn, replica.db_instance_identifier):
        if entry in source.replicas:
            source.replicas.remove(entry)


def _promote(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
    identifier = db_kwargs["db_instance_identifier"]
    database = self.describe_db_instances(identifier)[0]
    if not database.is_replica:
        refuse(NOT_A_REPLICA, NotAReadReplica(identifier))
    _detach(self, database)
    database.is_replica = False
    database.source_db_instance_identifier = None
    database.update(**db_kwargs)
    database.status = "modifying"

    def complete() -> bool:
        if database.status != "modifying":
            return False
        state = wiring.key_state(self.region_name, database.kms_key_id)
        database.status = "available" if state in (None, "Enabled") else INACCESSIBLE
        return True

    transitions.start(
        (Transition.RDS_PROMOTE,), kind=PROMOTE, subject=identifier,
        region=self.region_name, complete=complete,
    )
    return database


def apply() -> None:
    """Replace moto's ``promote_read_replica`` with the AWS-faithful version."""
    RDSBackend.promote_read_replica = _promote  # type: ignore[method-assign]
