"""Finishing a run's revert on an account: its FIS experiments, found by the run's tag.

Every experiment template and experiment the aws backend creates carries the run's id as
the ``DrillRun`` tag (:mod:`drills.faults.fis_experiment`), so a run killed before its
revert can be finished from its journal alone: stop its experiments that may still act,
wait until FIS says they have stopped, delete its templates, then read back that nothing
of the run is left.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drills.faults.fis_experiment import ACTIVE_STATES, RUN_TAG, experiment_state
from infra.core.actions import ApiCall
from infra.core.clock import Clock

__all__ = ["CLEANUP_CALLS", "finish_fis", "fis_leftovers"]

# Every call cleanup makes on an account, for the IAM policy (infra/iam).
CLEANUP_CALLS = (
    ApiCall("fis", "ListExperiments", "all, kept when tagged DrillRun=<run id>"),
    ApiCall("fis", "GetExperiment", "<the run's experiment ids>"),
    ApiCall("fis", "StopExperiment", "<the run's experiments that may still act>"),
    ApiCall("fis", "ListExperimentTemplates", "all, kept when tagged DrillRun=<run id>"),
    ApiCall("fis", "DeleteExperimentTemplate", "<the run's experiment templates>"),
)


def _experiments(fis: Any, run_id: str) -> list[dict[str, Any]]:
    pages = fis.get_paginator("list_experiments").paginate()
    return [e for page in pages for e in page.get("experiments", [])
            if (e.get("tags") or {}).get(RUN_TAG) == run_id]


def _templates(fis: Any, run_id: str) -> list[dict[str, Any]]:
    pages = fis.get_paginator("list_experiment_templates").paginate()
    return [t for page in pages for t in page.get("experimentTemplates", [])
            if (t.get("tags") or {}).get(RUN_TAG) == run_id]


def _active(clients: Any, regions: Iterable[str], run_id: str) -> list[str]:
    # Each state read with GetExperiment: a list's summary may lag behind it.
    found = []
    for region in regions:
        fis = clients.client("fis", region)
        for e in _experiments(fis, run_id):
            status = experiment_state(fis, e["id"])[0]
            if status in ACTIVE_STATES:
                found.append(f"experiment {e['id']} ({status}) in {region}")
    return found


def fis_leftovers(clients: Any, regions: Iterable[str], run_id: str) -> list[str]:
    """What of run ``run_id`` FIS still has: active experiments and templates, by region."""
    regions = tuple(regions)
    return _active(clients, regions, run_id) + [
        f"experiment template {t['id']} in {region}" for region in regions
        for t in _templates(clients.client("fis", region), run_id)]


def finish_fis(clients: Any, regions: Iterable[str], run_id: str, *,
               timeout_s: float = 300.0, poll_s: float = 5.0) -> list[str]:
    """Stop the run's experiments, wait until stopped, delete its templates; what was done."""
    done, regions = [], tuple(regions)
    for region in regions:
        fis = clients.client("fis", region)
        for experiment in _experiments(fis, run_id):
            if experiment_state(fis, experiment["id"])[0] in ACTIVE_STATES:
                fis.stop_experiment(id=experiment["id"])
                done.append(f"stopped FIS experiment {experiment['id']} in {region}")
    # Real seconds (cleanup runs outside any drill); still active is reported by the
    # read-back below, which the caller makes.
    Clock().poll(lambda: _active(clients, regions, run_id), until=lambda left: not left,
                 timeout_s=timeout_s, every_s=poll_s, what="FIS experiments to stop")
    for region in regions:
        fis = clients.client("fis", region)
        for template in _templates(fis, run_id):
            fis.delete_experiment_template(id=template["id"])
            done.append(f"deleted FIS experiment template {template['id']} in {region}")
    return done
