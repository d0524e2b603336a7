"""Templates are parsed as CloudFormation parses them: JSON as JSON, YAML with its short forms.

moto parses every template with PyYAML's pure-Python loader and only falls back to
``json.loads`` when that fails; JSON is valid YAML, so a JSON template always takes the slow
path. The deployer sends both templates as JSON (``infra.deploy.template_body``), and the
YAML parse of the two was a large share of each drill's deploy: JSON is parsed at C speed.

A YAML template (people's ``aws cloudformation create-stack --template-body
file://lib/...`` in ``drill up --empty``) is read by cfn-lint's CloudFormation-aware loader,
the one the deployer uses: moto's own splits dotted ``!GetAtt`` names
(``!GetAtt DBInstance.Endpoint.Address``) apart, and CloudFormation accepts them
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getatt.html).
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudformation.models import Stack

__all__ = ["apply"]


def _cfn_yaml(template: str) -> Any:
    from cfnlint.decode import cfn_yaml

    try:
        # Plain dicts and strings, as the JSON the deployer sends would give.
        return json.loads(json.dumps(cfn_yaml.loads(template)))
    except Exception:  # not CloudFormation YAML: moto's own parser then says why
        return None


def apply() -> None:
    """Parse JSON templates with ``json.loads``, YAML ones as CloudFormation does."""
    parse_yaml = Stack.parse_template

    def parse_template(template: str) -> dict[str, Any]:
        try:
            parsed = json.loads(template)
        except ValueError:
            parsed = _cfn_yaml(template)
        return parsed if isinstance(parsed, dict) else parse_yaml(template)

    Stack.parse_template = staticmethod(parse_template)  # type: ignore[method-assign]
