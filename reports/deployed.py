"""The templates a run deployed, from its journal's ``templates`` event (drills/run/engine.py)."""

from __future__ import annotations

from typing import Any

from reports.records import TemplateRecord
from reports.sources import Journal

__all__ = ["deployed_templates"]

_KEYS = ("name", "role", "path", "sha256")


def deployed_templates(journal: Journal) -> dict[str, Any]:
    """Evidence fields ``templates`` (path and SHA-256 of each) and ``lint_warnings``."""
    event = journal.first("templates") or {}
    return {
        "templates": tuple(TemplateRecord(**{k: str(t.get(k, "")) for k in _KEYS})
                           for t in event.get("templates") or () if isinstance(t, dict)),
        "lint_warnings": tuple(str(w) for w in event.get("lint_warnings") or ()),
    }
