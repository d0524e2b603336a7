"""A fault run as an AWS FIS experiment: the aws backend's form of every fault FIS supports.

Inject creates the experiment template (:mod:`drills.faults.fis_templates`), starts the
experiment and waits until it runs. Revert stops the experiment, waits until FIS says it has
stopped (FIS undoes what its timed actions changed), and deletes the template. Both the template
and the experiment carry the run's id as the ``DrillRun`` tag, so ``drill cleanup --run`` finds
them from the journal alone, even when the drill was killed before it could revert.
"""

from __future__ import annotations

from typing import Any, ClassVar

from botocore import xform_name
from botocore.exceptions import ClientError

from drills.faults import FaultContext
from drills.faults.fis_templates import EXPERIMENT_EFFECTS, FisTemplate
from infra.core.clock import Clock
from infra.core.errors import FaultInjectionError
from infra.retry import RetryPolicy

__all__ = ["ACTIVE_STATES", "RUN_TAG", "FisExperiment", "experiment_state"]

RUN_TAG = "DrillRun"
# FIS experiment states in which its actions may still be in effect.
ACTIVE_STATES = frozenset({"pending", "initiating", "running", "stopping"})
_RAN = frozenset({"running", "completed"})  # one-shot actions complete at once


def experiment_state(fis: Any, experiment_id: str, retry: RetryPolicy | None = None
                     ) -> tuple[str, str]:
    """The experiment's (status, reason), ``("gone", ...)`` when FIS no longer knows it."""
    retry = retry or RetryPolicy()
    try:
        state = retry.call("fis", "GetExperiment", fis.get_experiment,
                           id=experiment_id)["experiment"]["state"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return "gone", "FIS does not know the experiment"
        raise
    return str(state.get("status", "unknown")), str(state.get("reason", ""))


class FisExperiment:
    """One fault as one FIS experiment in the template's region."""

    effects: ClassVar = EXPERIMENT_EFFECTS

    def __init__(self, ctx: FaultContext, template: FisTemplate, *, run_id: str, clock: Clock,
                 poll_s: float, timeout_s: float, retry: RetryPolicy | None = None) -> None:
        self.name = template.fault
        self.target = template.region
        self._ctx = ctx
        self._template = template
        self._run_id = run_id
        self._clock = clock
        self._poll_s = poll_s
        self._timeout_s = timeout_s
        self._retry = retry or RetryPolicy()
        self.template_id: str | None = None
        self.experiment_id: str | None = None

    def _fis(self) -> Any:
        return self._ctx.clients.client("fis", self._template.region)

    def _call(self, operation: str, **kwargs: Any) -> Any:
        """One FIS call (``operation`` in the API's spelling), transient errors retried."""
        fis = self._fis()
        method = getattr(fis, xform_name(operation))
        return self._retry.call("fis", operation, method, **kwargs)

    def _state(self) -> tuple[str, str]:
        assert self.experiment_id is not None
        return experiment_state(self._fis(), self.experiment_id, self._retry)

    def inject(self) -> None:
        """Create the template, start the experiment and wait until it runs."""
        request = self._template.to_request()
        request["tags"] = {**request["tags"], RUN_TAG: self._run_id}
        self.template_id = self._call("CreateExperimentTemplate",
                                      **request)["experimentTemplate"]["id"]
        started = self._call("StartExperiment", experimentTemplateId=self.template_id,
                             tags={RUN_TAG: self._run_id, "Fault": self.name})
        self.experiment_id = started["experiment"]["id"]
        status, reason = self._wait(lambda s: s in _RAN or s not in ACTIVE_STATES)
        if status not in _RAN:
            raise FaultInjectionError(f"FIS experiment {self.experiment_id!r} for {self.name!r} "
                                      f"is {status!r} ({reason}), expected 'running'",
                                      fault=self.name)

    def revert(self) -> None:
        """Stop the experiment, wait until it has stopped, and delete the template."""
        if self.experiment_id is not None:
            if self._state()[0] in ACTIVE_STATES:
                self._call("StopExperiment", id=self.experiment_id)
            self._wait(lambda s: s not in ACTIVE_STATES)
        if self.template_id is not None:
            try:
                self._call("DeleteExperimentTemplate", id=self.template_id)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise

    def is_active(self) -> bool:
        """True while the experiment may act, or the drill's template is still there."""
        if self.experiment_id is not None and self._state()[0] in ACTIVE_STATES:
            return True
        if self.template_id is None:
            return False
        try:
            self._call("GetExperimentTemplate", id=self.template_id)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise
        return True

    def _wait(self, done: Any) -> tuple[str, str]:
        """Poll the experiment until ``done(status)``; the last (status, reason)."""
        experiment_id = self.experiment_id
        polled = self._clock.poll(self._state, until=lambda state: done(state[0]),
                                  timeout_s=self._timeout_s, every_s=self._poll_s,
                                  what=f"FIS experiment {experiment_id!r}")
        if not polled.done:
            status, reason = polled.value
            raise FaultInjectionError(
                f"FIS experiment {experiment_id!r} for {self.name!r} stayed {status!r} "
                f"({reason}) for {self._timeout_s:.0f}s", fault=self.name)
        return polled.value
