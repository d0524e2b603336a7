"""The catalogue of AWS rules the embedded AWS enforces (no ``apply()``: not an extension).

Each rule is a validation or runtime precondition AWS documents, with the page that says so.
The ``rules_*`` extensions check them where AWS does (an API call, or a task start) and
refuse with AWS's own error code and message shape; :func:`refuse` is the one way they do,
so every refusal names its rule. ``docs/fidelity.md`` lists the same catalogue with the test
of each rule, and a unit test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

__all__ = ["Rule", "catalogue", "constraint", "refuse", "rule", "wrap_methods"]

_CATALOGUE: dict[str, Rule] = {}


@dataclass(frozen=True, slots=True)
class Rule:
    """One documented AWS rule: its id, what it demands, and the AWS page that says so."""

    id: str
    summary: str
    source: str


def rule(rule_id: str, summary: str, source: str) -> Rule:
    """Define (once) and return the rule ``rule_id``."""
    found = _CATALOGUE.get(rule_id)
    if found is not None and found != Rule(rule_id, summary, source):
        raise ValueError(f"rule {rule_id} is defined twice, differently")
    _CATALOGUE[rule_id] = Rule(rule_id, summary, source)
    return _CATALOGUE[rule_id]


def catalogue() -> tuple[Rule, ...]:
    """Every rule defined so far, by id."""
    return tuple(sorted(_CATALOGUE.values(), key=lambda r: r.id))


def refuse(broken: Rule, error: Exception) -> NoReturn:
    """Raise ``error`` (an AWS-shaped moto exception) as the refusal of rule ``broken``."""
    error.rule_id = broken.id  # type: ignore[attr-defined]
    raise error


def constraint(value: object, field: str, low: int | None = None,
               high: int | None = None) -> str | None:
    """AWS's input-validation text for ``value`` outside [low, high], or None when inside.

    This is the message shape every AWS JSON and query API uses for a modelled range
    (``1 validation error detected: Value 'x' at 'field' failed to satisfy constraint``).
    """
    number = int(str(value))
    if low is not None and number < low:
        bound = f"greater than or equal to {low}"
    elif high is not None and number > high:
        bound = f"less than or equal to {high}"
    else:
        return None
    return (f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must have value {bound}")


def wrap_methods(owner: type, **wrappers: Callable[[Callable[..., Any]], Callable[..., Any]]
                 ) -> None:
    """Replace each named method of moto's ``owner`` by its wrapper around moto's own.

    This is how a ``rules_*`` extension's ``apply()`` puts its checks where AWS makes them.
    """
    for name, wrapper in wrappers.items():
        setattr(owner, name, wrapper(getattr(owner, name)))
