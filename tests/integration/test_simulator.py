"""The region simulator against the real moto server over HTTP."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests

from infra.core.clock import Clock
from infra.embedded.latency import LatencyModel
from infra.embedded.simulator import RegionSimulator
from tests.integration.simulator_stack import APP, LATENCY, eventually, upsert_app_record

__all__: list[str] = []


def _health(sim, region):
    return requests.get(f"{sim.url(region)}/health", timeout=5)


def _fail_over(clients, settings, stack):
    clients.client("rds", settings.dr_region).promote_read_replica(
        DBInstanceIdentifier=settings.replica_id)
    clients.client("ecs", settings.dr_region).update_service(
        cluster=settings.dr_cluster, service=settings.dr_service, desiredCount=2)
    upsert_app_record(clients, stack.zone_id, stack.dr_alb)


def test_primary_healthy_dr_warm_standby(simulator, sim_settings):
    assert _health(simulator, sim_settings.primary_region).status_code == 200
    dr = _health(simulator, sim_settings.dr_region)
    assert dr.status_code == 503
    assert any("read-only" in r for r in dr.json()["reasons"])
    assert any("no running tasks" in r for r in dr.json()["reasons"])


def test_app_name_resolves_to_primary_canary(simulator, sim_settings):
    assert simulator.resolve(APP) == simulator.url(sim_settings.primary_region)


def test_dr_healthy_only_after_promote_scale_and_dns(simulator, sim_settings, clients, stack):
    simulator.region_down(sim_settings.primary_region)
    rds = clients.client("rds", sim_settings.dr_region)
    rds.promote_read_replica(DBInstanceIdentifier=sim_settings.replica_id)
    eventually(lambda: _health(simulator, sim_settings.dr_region).json()["reasons"]
               == [f"ECS service {sim_settings.dr_service!r} has no running tasks"])
    clients.client("ecs", sim_settings.dr_region).update_service(
        cluster=sim_settings.dr_cluster, service=sim_settings.dr_service, desiredCount=2)
    eventually(lambda: _health(simulator, sim_settings.dr_region).status_code == 200)
    with pytest.raises(requests.ConnectionError):  # DNS still leads to the dead primary
        requests.get(f"{simulator.resolve(APP)}/health", timeout=5)
    upsert_app_record(clients, stack.zone_id, stack.dr_alb)
    url = eventually(lambda: simulator.resolve(APP) == simulator.url(sim_settings.dr_region))
    assert url and requests.get(f"{simulator.resolve(APP)}/health", timeout=5).status_code == 200


def test_resolve_honours_propagation_and_ttl(simulator, sim_settings, clients, stack):
    clock = simulator.clock
    upsert_app_record(clients, stack.zone_id, stack.dr_alb)
    changed = clock.now()
    eventually(lambda: simulator.resolve(APP) == simulator.url(sim_settings.dr_region))
    seen = clock.now()
    visible = changed + 30.0  # route53_propagation override
    boundary = (int(visible // 60) + 1) * 60.0  # next 60 s TTL boundary
    assert seen >= boundary - 1e-6, f"switched at {seen:.1f}, before TTL boundary {boundary}"


@pytest.fixture
def slow_replication(stack, sim_settings, tmp_path):
    """A simulator whose replication lags 300 drill s (0.5 s real): writes can be in flight."""
    settings = sim_settings.model_copy(update={"latency": {**LATENCY, "replication_lag": 300.0}})
    sim = RegionSimulator(settings=settings, clock=Clock(scale=600),
                          latency=LatencyModel.from_settings(settings),
                          truth_path=tmp_path / "slow.jsonl", data_dir=tmp_path / "slow-db")
    with sim:
        yield sim


def test_region_down_loses_unreplicated_writes_as_ground_truth_says(slow_replication,
                                                                    sim_settings):
    simulator = slow_replication
    primary = simulator.url(sim_settings.primary_region)
    for seq in range(1, 6):
        assert requests.post(f"{primary}/markers", json={"seq": seq, "written_at": seq},
                             timeout=5).status_code == 201
    dr = simulator.url(sim_settings.dr_region)
    eventually(lambda: len(requests.get(f"{dr}/markers", timeout=5).json()["markers"]) == 5)
    for seq in range(6, 9):  # replication lags 300 drill s; the region dies before it lands
        requests.post(f"{primary}/markers", json={"seq": seq, "written_at": seq}, timeout=5)
    simulator.region_down(sim_settings.primary_region)
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{primary}/markers", json={"seq": 9, "written_at": 9}, timeout=5)
    surviving = {m["seq"] for m in requests.get(f"{dr}/markers", timeout=5).json()["markers"]}
    truth = simulator.ground_truth()
    assert set(truth.lost_seqs) == set(range(1, 9)) - surviving
    assert truth.lost_seqs, "writes committed just before the outage must be lost"
    assert truth.rpo_seconds == pytest.approx(truth.last_committed_at - truth.newest_applied_at)


def test_ground_truth_rto_is_the_last_transition(simulator, sim_settings, clients, stack, tmp_path):
    simulator.region_down(sim_settings.primary_region)
    _fail_over(clients, sim_settings, stack)
    eventually(lambda: simulator.resolve(APP) == simulator.url(sim_settings.dr_region)
               and _health(simulator, sim_settings.dr_region).status_code == 200)
    truth = simulator.ground_truth()
    events = [json.loads(x) for x in (tmp_path / "ground_truth.jsonl").read_text().splitlines()]
    done = {e["transition"]: e["completed_at"] for e in events
            if e["kind"] == "transition" and e["completed_at"] is not None}
    dns = next(e for e in events if e["kind"] == "dns.change" and e["name"] == APP)
    expected = max(done["rds.promote"], done["ecs.tasks_running"], dns["effective_at"])
    assert truth.recovered_at == pytest.approx(expected)
    assert truth.rto_seconds == pytest.approx(expected - truth.outage_start)


def test_stop_leaves_no_thread_or_listening_socket(stack, sim_settings, tmp_path):
    before = set(threading.enumerate())
    sim = RegionSimulator(settings=sim_settings, clock=Clock(scale=600),
                          truth_path=tmp_path / "t.jsonl").start()
    urls = [sim.url(r) for r in (sim_settings.primary_region, sim_settings.dr_region)]
    assert _health(sim, sim_settings.primary_region).status_code == 200
    sim.stop()
    assert set(threading.enumerate()) <= before
    for url in urls:
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port)):
            pass
