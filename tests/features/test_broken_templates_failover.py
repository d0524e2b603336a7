"""The drill on templates that deploy but cannot fail over (``broken_templates.FAILOVER``).

Each copy of ``infra/templates/`` passes cfn-lint, deploys, and breaks one runtime rule of
``docs/fidelity.md``: a DR task ECS stops at start (its ``stoppedReason`` in the service's
events), or a DR dependency or load balancer that security groups close. The region-loss
drill must fail (exit 1) naming it, with the fault reverted; the healthy templates, run the
same way, pass.
"""

from __future__ import annotations

import pytest

from infra.template_gate import TEMPLATES
from tests.features.broken_templates import FAILOVER, drill_on, drill_on_each, failed_naming

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first


@pytest.fixture(scope="module")
def healthy(tmp_path_factory):
    """The project's own templates through the same command: run alone, it must pass."""
    return drill_on(TEMPLATES, tmp_path_factory.mktemp("healthy") / "runs")


@pytest.fixture(scope="module")
def outcomes(healthy, tmp_path_factory):
    return drill_on_each(FAILOVER, tmp_path_factory.mktemp("broken-failover"))


def test_the_healthy_templates_pass(healthy):
    assert healthy.code == 0, (healthy.reason, healthy.stdout[-2000:])
    [end] = [e for e in healthy.events if e["kind"] == "run.finished"]
    assert end["verdict"] == "passed", end


@pytest.mark.parametrize("broken", FAILOVER, ids=[b.name for b in FAILOVER])
def test_the_failover_fails_naming_the_cause(outcomes, broken):
    outcome = outcomes[broken.name]
    failed_naming(outcome, broken)
    kinds = [e["kind"] for e in outcome.events]
    assert kinds.count("fault.injected") == kinds.count("fault.reverted") == 1, kinds
    assert all(e["verified"] for e in outcome.events if e["kind"] == "fault.reverted")
