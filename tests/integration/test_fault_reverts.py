"""Every fault of the catalogue changes what it says, and its revert leaves no trace.

Each fault runs against the region simulator on a stack made with boto3 (Multi-AZ database,
two-node Multi-AZ cache, both services, the app record), one stack for the module: each
test starts from the state the previous one's revert left, which it checked. The state is
read back before the
fault, while it is active and after its revert: through the AWS API (database, cache,
services, DNS record) and from the simulator (lost zones, replication, Route 53 behaviour,
primary health). After the revert it must equal the state before, and replication must
carry a new write to DR. What AWS itself leaves changed after a failover (the zone the
database and the cache primary now run in: AWS does not fail back) is compared apart.
"""

# ruff: noqa: F811  (fixtures imported from fault_stack are parameters here)
from __future__ import annotations

import json

import pytest

from drills.faults import default_registry
from tests.integration.fault_stack import (  # noqa: F401  (fixtures)
    eventually,
    fault_context,
    replicates,
    shared_clients,
    shared_stack,
    snapshot,
)
from tests.integration.simulator_stack import upsert_app_record

__all__: list[str] = []

CASES = {
    "az-loss": {"az": "eu-west-2a"},
    "database-failure": {},
    "cache-node-failure": {},
    "ecs-task-crash": {"count": 2},
    "replication-lag": {"seconds": 600},
    "region-partition": {},
    "dns-change-slow": {"seconds": 300},
    "dns-change-failing": {"times": 2},
}
# Faults after which the database and the cache primary run in their standby's zone.
FAILS_OVER = {"az-loss": (True, True), "database-failure": (True, False),
              "cache-node-failure": (False, True)}


def test_the_catalogue_is_registered():
    assert set(CASES) | {"region-outage"} == set(default_registry())


@pytest.mark.parametrize("name", sorted(CASES), ids=sorted(CASES))
def test_fault_changes_state_and_its_revert_leaves_no_trace(name, shared_clients, shared_stack):
    clients, (stack, sim, settings) = shared_clients, shared_stack
    before = snapshot(clients, sim, settings, stack)
    fault = default_registry().create(name, fault_context(clients, sim, settings), **CASES[name])
    fault.inject()
    assert fault.is_active()
    during = snapshot(clients, sim, settings, stack)
    # A short failover may be over by the time it is read: then it moved the primary.
    changed = during != before or during.placement != before.placement
    assert changed, f"{name} changed nothing that can be read back"
    fault.revert()
    assert not fault.is_active()
    after = snapshot(clients, sim, settings, stack)
    assert after == before, f"{name} left a trace:\nbefore {before}\nafter  {after}"
    assert replicates(sim, settings, seq=9000 + sorted(CASES).index(name))
    moved = tuple(a != b for a, b in zip(before.placement, after.placement, strict=True))
    assert moved == FAILS_OVER.get(name, (False, False)), (before.placement, after.placement)
    _route53_changes_as_usual(clients, sim, stack)


def _route53_changes_as_usual(clients, sim, stack):
    """A record change is accepted, and due INSYNC after the pinned 30 s propagation."""
    info = upsert_app_record(clients, stack.zone_id, stack.dr_alb)
    route53 = clients.client("route53", "us-east-1")
    assert eventually(lambda: route53.get_change(Id=info["Id"])["ChangeInfo"]["Status"]
                      == "INSYNC")
    lines = sim.truth_path.read_text(encoding="utf-8").splitlines()
    changes = [e for e in map(json.loads, lines) if e.get("transition") == "route53.change"
               and e["completed_at"] is None]
    assert changes[-1]["due_at"] - changes[-1]["started_at"] == pytest.approx(30.0)
