"""A JSON template is parsed as JSON, not by the pure-Python YAML parser first.

moto parses every template with PyYAML's pure-Python loader and only falls back to
``json.loads`` when that fails; JSON is valid YAML, so a JSON template always takes the slow
path. The deployer sends both templates as JSON (``infra.deploy.template_body``), and the
YAML parse of the two was a large share of each drill's deploy. Same result, parsed at C
speed; anything that is not a JSON object still goes to moto's own parser.
"""

from __future__ import annotations

import json
from typing import Any

from moto.cloudformation.models import Stack

__all__ = ["apply"]


def apply() -> None:
    """Parse JSON templates with ``json.loads``; YAML ones as moto does."""
    parse_yaml = Stack.parse_template

    def parse_template(template: str) -> dict[str, Any]:
        try:
            parsed = json.loads(template)
        except ValueError:
            return parse_yaml(template)
        return parsed if isinstance(parsed, dict) else parse_yaml(template)

    Stack.parse_template = staticmethod(parse_template)  # type: ignore[method-assign]
