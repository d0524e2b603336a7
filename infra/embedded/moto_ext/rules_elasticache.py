"""ElastiCache's documented rules for the stack's Redis replication group.

Stock moto creates a group with automatic failover and a single node, Multi-AZ without
automatic failover, an AUTH token without in-transit encryption (or of 4 characters), a KMS
key without at-rest encryption, and ids of any length; ElastiCache refuses each (sources
below, catalogue in ``docs/fidelity.md``). The CloudFormation model (``elasticache_cfn``)
creates through the same backend method, so a template breaking a rule fails its stack.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.elasticache.exceptions import (
    InvalidParameterCombinationException,
    InvalidParameterValueException,
)
from moto.elasticache.models import ElastiCacheBackend

from infra.embedded import wiring
from infra.embedded.moto_ext._rules import refuse, rule, wrap_methods

__all__ = ["apply"]

_API = ("https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/"
        "API_CreateReplicationGroup.html")
_DG = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg"

FAILOVER_NODES = rule("EC-AUTOFAILOVER-REPLICA", "automatic failover needs at least one "
                      "replica (NumCacheClusters >= 2)", f"{_DG}/AutoFailover.html")
MULTI_AZ = rule("EC-MULTIAZ-AUTOFAILOVER", "Multi-AZ needs automatic failover enabled",
                f"{_DG}/AutoFailover.html")
AUTH_TRANSIT = rule("EC-AUTHTOKEN-TRANSIT", "an AUTH token needs in-transit encryption", _API)
AUTH_FORMAT = rule("EC-AUTHTOKEN-FORMAT", "an AUTH token is 16-128 printable characters "
                   "without / \" or @", _API)
NODE_COUNT = rule("EC-NUM-CACHE-CLUSTERS", "a cluster-mode-disabled group has 1-6 nodes", _API)
KMS_AT_REST = rule("EC-KMS-AT-REST", "a KmsKeyId needs at-rest encryption enabled", _API)
KEY_ENABLED = rule("EC-KMS-KEY-ENABLED", "the group's KMS key is enabled",
                   f"{_DG}/at-rest-encryption.html")
GROUP_ID = rule("EC-GROUP-ID", "a replication group id is 1-40 letters, digits or hyphens, "
                "starting with a letter, without two hyphens in a row or a final hyphen", _API)

_GROUP_ID = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,39}(?<!-)$")


def _check_group(kwargs: dict[str, Any]) -> None:
    group_id = str(kwargs.get("replication_group_id") or "")
    if not _GROUP_ID.match(group_id):
        refuse(GROUP_ID, InvalidParameterValueException(
            f"The parameter ReplicationGroupId is not a valid identifier: {group_id!r}. "
            "Identifiers must begin with a letter; must contain only ASCII letters, digits, "
            "and hyphens; must not end with a hyphen or contain two consecutive hyphens; and "
            "must be at most 40 characters."))  # est. wording
    nodes = kwargs.get("num_cache_clusters")
    if nodes is not None and not 1 <= int(nodes) <= 6:
        refuse(NODE_COUNT, InvalidParameterValueException(
            f"NumCacheClusters must be between 1 and 6, but was {nodes}."))  # est. wording
    failover = bool(kwargs.get("automatic_failover_enabled"))
    if failover and int(nodes or 1) < 2 and not kwargs.get("replicas_per_node_group"):
        refuse(FAILOVER_NODES, InvalidParameterCombinationException(
            "Replication group must have at least one read replica to enable autofailover."))
    if kwargs.get("multi_az_enabled") and not failover:
        refuse(MULTI_AZ, InvalidParameterCombinationException(
            "Multi-AZ is only supported when automatic failover is enabled."))  # est.


def _check_encryption(backend: ElastiCacheBackend, kwargs: dict[str, Any]) -> None:
    token = kwargs.get("auth_token")
    if token is not None and not kwargs.get("transit_encryption_enabled"):
        refuse(AUTH_TRANSIT, InvalidParameterCombinationException(
            "The AUTH token is only supported when encryption-in-transit is enabled."))  # est.
    if token is not None and (not 16 <= len(token) <= 128 or any(
            c in '/"@' or not 32 <= ord(c) < 127 for c in token)):
        refuse(AUTH_FORMAT, InvalidParameterValueException(
            "Invalid AuthToken provided. It must be 16 to 128 printable ASCII characters, "
            "excluding '/', '\"' and '@'."))  # est. wording
    key = kwargs.get("kms_key_id")
    if key and not kwargs.get("at_rest_encryption_enabled"):
        refuse(KMS_AT_REST, InvalidParameterCombinationException(
            "KmsKeyId can only be specified when at-rest encryption is enabled."))  # est.
    state = wiring.key_state(backend.region_name, key)
    if state not in (None, "Enabled"):
        refuse(KEY_ENABLED, InvalidParameterValueException(
            f"The KMS key {key} is {state}: ElastiCache cannot use it."))  # est. wording


def _creating(inner: Callable[..., Any]) -> Callable[..., Any]:
    def create_replication_group(self: ElastiCacheBackend, **kwargs: Any) -> Any:
        _check_group(kwargs)
        _check_encryption(self, kwargs)
        return inner(self, **kwargs)
    return create_replication_group


def apply() -> None:
    """Check ElastiCache's rules before moto creates a replication group."""
    wrap_methods(ElastiCacheBackend, create_replication_group=_creating)
