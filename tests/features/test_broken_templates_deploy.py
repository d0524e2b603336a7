"""The drill on templates broken so that a stack does not create (``broken_templates.DEPLOY``).

Each copy of ``infra/templates/`` passes cfn-lint and breaks one rule of ``docs/fidelity.md``
that AWS enforces when it creates the resource: ``drill run region-loss --templates`` must
end in its deploy phase with exit 1, and its verdict must name the failed resource and
AWS's reason, as CloudFormation reports them.
"""

from __future__ import annotations

import pytest

from tests.features.broken_templates import DEPLOY, drill_on_each, failed_naming

__all__: list[str] = []

pytestmark = pytest.mark.slow  # see tests/conftest.py: long modules start first


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    return drill_on_each(DEPLOY, tmp_path_factory.mktemp("broken-deploy"))


@pytest.mark.parametrize("broken", DEPLOY, ids=[b.name for b in DEPLOY])
def test_the_drill_fails_at_deploy_naming_aws_reason(outcomes, broken):
    outcome = outcomes[broken.name]
    failed_naming(outcome, broken)
    assert "did not create (ROLLBACK_COMPLETE)" in outcome.reason, outcome.reason
    assert "failed: Resource handler returned message:" in outcome.reason, outcome.reason
    # It ended there: no fault was injected into a stack that never existed.
    assert not [e for e in outcome.events if e["kind"] == "fault.injected"]
