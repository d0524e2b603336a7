"""FIS experiments that run for their duration, and tell the simulator what they do.

Stock moto moves an experiment pending -> initiating -> running -> completed, one state per
GetExperiment, and nothing happens to its targets. On AWS an experiment whose actions are
timed (``aws:network:disrupt-connectivity`` with ``duration`` PT30M) stays ``running``
until the duration has passed or someone calls StopExperiment, and its actions act on the
targets meanwhile; one-shot actions (a reboot, a stopped task) complete at once.

With a simulator active, a started experiment here:

- advances pending -> initiating -> running on reads, then holds ``running`` until
  StopExperiment (``stopping`` -> ``stopped``) or until its longest action duration has
  passed in drill time (``completed``); an experiment without a timed action completes;
- reports :data:`FIS_STARTED` when it starts and :data:`FIS_ENDED` when it stops or
  completes, with its actions and targets as JSON in ``detail``, so the simulator can apply
  them (``RegionSimulator`` takes a region's application off the network while a
  ``disrupt-connectivity`` action of scope ``all`` holds that region's stack's subnets).

With no simulator active, experiments behave as stock moto's.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.fis.models import Experiment, FISBackend

from infra.embedded.moto_ext import transitions

__all__ = ["FIS_ENDED", "FIS_STARTED", "action_duration_s", "apply", "isolated_stacks"]

FIS_STARTED = "fis.started"
FIS_ENDED = "fis.ended"
_HELD = [("pending", "initiating"), ("initiating", "running"), ("stopping", "stopped")]
_ISOLATE = "aws:network:disrupt-connectivity"
_STACK_TAG = "aws:cloudformation:stack-name"
_ISO = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")


def action_duration_s(actions: dict[str, Any]) -> float | None:
    """The longest ``duration`` parameter of the actions, in seconds; None if none is timed."""
    longest = None
    for action in actions.values():
        match = _ISO.match(str((action.get("parameters") or {}).get("duration", "")))
        if match and any(match.groups()):
            hours, minutes, seconds = (float(g or 0) for g in match.groups())
            total = hours * 3600 + minutes * 60 + seconds
            longest = total if longest is None else max(longest, total)
    return longest


def isolated_stacks(detail: str) -> tuple[str, ...]:
    """Stacks whose subnets a ``disrupt-connectivity`` action of scope ``all`` isolates."""
    spec = json.loads(detail)
    targets = spec.get("targets") or {}
    stacks = []
    for action in (spec.get("actions") or {}).values():
        params = action.get("parameters") or {}
        if action.get("actionId") != _ISOLATE or params.get("scope") != "all":
            continue
        for name in (action.get("targets") or {}).values():
            target = targets.get(name) or {}
            stack = (target.get("resourceTags") or {}).get(_STACK_TAG)
            if target.get("resourceType") == "aws:ec2:subnet" and stack:
                stacks.append(str(stack))
    return tuple(stacks)


def _detail(experiment: Experiment) -> str:
    return json.dumps({"actions": experiment.actions, "targets": experiment.targets},
                      sort_keys=True, default=str)


def _hold(experiment: Experiment, context: transitions.TransitionContext) -> None:
    """Hold the experiment running for its duration and report its start (and end)."""
    experiment._drill_held = True  # type: ignore[attr-defined]
    now = context.clock.now()
    duration = action_duration_s(experiment.actions)
    if duration is None:  # one-shot actions: done as soon as they have run
        experiment._transitions = [*_HELD, ("running", "completed")]
    else:
        experiment._transitions = list(_HELD)
    due = None if duration is None else now + duration
    context.observer(transitions.TransitionEvent(FIS_STARTED, experiment.id,
                                                 experiment.region_name, now, None,
                                                 _detail(experiment), due))
    if due is None:
        _ended(experiment, context)
        return

    def complete(at: float) -> None:
        if experiment._status in ("pending", "initiating", "running"):
            experiment.status = "completed"
            _ended(experiment, context, at)

    context.scheduler.at(due, complete, label=f"fis experiment {experiment.id}")


def _ended(experiment: Experiment, context: transitions.TransitionContext,
           at: float | None = None) -> None:
    when = context.clock.now() if at is None else at
    context.observer(transitions.TransitionEvent(FIS_ENDED, experiment.id,
                                                 experiment.region_name, when, when,
                                                 _detail(experiment), when))


def apply() -> None:
    """Patch FISBackend.start_experiment and stop_experiment (see the module docs)."""
    start_experiment = FISBackend.start_experiment
    stop_experiment = FISBackend.stop_experiment

    def start(self: FISBackend, *args: Any, **kwargs: Any) -> dict[str, Any]:
        result: dict[str, Any] = start_experiment(self, *args, **kwargs)
        context = transitions.active()
        experiment = self.experiments.get(result["id"])
        if context is not None and experiment is not None and not getattr(
                experiment, "_drill_held", False):
            _hold(experiment, context)
        return result

    def stop(self: FISBackend, id: str) -> dict[str, Any]:
        experiment = self.experiments.get(id)
        acting = experiment is not None and getattr(experiment, "_drill_held", False) and (
            experiment._status not in Experiment.TERMINAL_STATUSES)
        result: dict[str, Any] = stop_experiment(self, id)
        context = transitions.active()
        if acting and context is not None and experiment is not None:
            _ended(experiment, context)
        return result

    FISBackend.start_experiment = start  # type: ignore[method-assign]
    FISBackend.stop_experiment = stop  # type: ignore[method-assign]
