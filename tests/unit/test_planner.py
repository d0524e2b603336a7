"""``drill plan`` from a feature's steps: every step known, unknown ones refused, order kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from drills.app.cli import cli
from drills.plan.feature_plan import step_definitions
from steps.plans import STEP_PLANS

__all__: list[str] = []

FEATURES = Path(__file__).resolve().parents[2] / "features"


def test_every_step_definition_has_a_plan_and_every_plan_a_step():
    assert set(STEP_PLANS) == {ctx.parser.name for ctx in step_definitions()}


def _plan(*args):
    return CliRunner().invoke(cli, ["plan", *map(str, args)])


def test_an_unknown_step_is_refused_with_exit_2_naming_it(tmp_path):
    feature = tmp_path / "moon.feature"
    feature.write_text("Feature: Moon\n  Scenario: Moon lost\n"
                       "    Given the recovery objectives are an RTO of 900 seconds and an RPO "
                       "of 5 seconds\n    When the moon is lost\n", encoding="utf-8")
    result = _plan(feature)
    assert result.exit_code == 2, result.output
    assert f"{feature}:4: no step definition matches When 'the moon is lost'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["region_loss.feature", "deploy.feature"],
                         ids=["region-loss", "deploy"])
def test_every_feature_of_the_product_can_be_planned(name):
    result = _plan(FEATURES / name)
    assert result.exit_code == 0, result.output
    assert "no step definition" not in result.output


def test_the_embedded_plan_keeps_the_drill_order_and_reads_no_target():
    text = _plan(FEATURES / "region_loss.feature").output
    order = ["phase setup:", "cloudformation:CreateStack", "phase steady-state:",
             "phase preflight:", "phase inject:", "revert: restore the region's API endpoints",
             "phase detect:", "rds:PromoteReadReplica", "ecs:UpdateService",
             "route53:ChangeResourceRecordSets", "phase recovery:", "phase measure:",
             "phase revert:", "phase teardown:"]
    positions = [text.find(marker) for marker in order]
    assert -1 not in positions and positions == sorted(positions), \
        dict(zip(order, positions, strict=True))
    assert "target: not read" in text


FAULT_FEATURES = {"az_loss": "az-loss", "database_failure": "database-failure",
                  "cache_node_failure": "cache-node-failure", "ecs_task_crash": "ecs-task-crash",
                  "replication_lag": "replication-lag", "region_partition": "region-partition",
                  "dns_change_slow": "dns-change-slow", "dns_change_failing": "dns-change-failing"}


def test_every_fault_feature_is_in_the_table_below():
    assert {p.stem for p in (FEATURES / "faults").glob("*.feature")} == set(FAULT_FEATURES)


@pytest.mark.parametrize("stem", sorted(FAULT_FEATURES), ids=sorted(FAULT_FEATURES))
def test_the_plan_of_a_fault_feature_shows_its_fault_and_its_revert(stem):
    result = _plan(FEATURES / "faults" / f"{stem}.feature")
    assert result.exit_code == 0, result.output
    fault = FAULT_FEATURES[stem]
    text = " ".join(result.output.split())  # the table wraps long lines
    assert f"fault {fault} on" in text and f"phase revert: revert {fault} on" in text, text
