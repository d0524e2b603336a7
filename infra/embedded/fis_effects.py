"""What running FIS experiments do to the simulated regions.

On the aws backend a region loss is a FIS experiment (:mod:`drills.faults.fis_templates`) that
isolates every subnet of the region's stack. When such an experiment runs against the embedded
AWS (the aws backend pointed at a ``drill up`` world),
:mod:`~infra.embedded.moto_ext.fis_experiments` reports its start and end; this takes the
region's data plane down and brings it back, as
the embedded region-outage fault does. The embedded world is stricter than FIS here: it also
stops replication out of the region, which FIS on AWS cannot (``drill plan`` says so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from infra.embedded.moto_ext.fis_experiments import FIS_ENDED, FIS_STARTED, isolated_stacks
from infra.embedded.moto_ext.transitions import TransitionEvent

__all__ = ["FisEffects"]


class FisEffects:
    """Region down while an experiment isolates its stack's subnets; up when it ends."""

    def __init__(self, *, stacks: Mapping[str, str], down: Callable[[str], None],
                 up: Callable[[str], None]) -> None:
        self._stacks = dict(stacks)  # stack name -> region
        self._down = down
        self._up = up
        self._holding: dict[str, tuple[str, ...]] = {}  # experiment id -> regions it isolates

    def on_event(self, event: TransitionEvent) -> None:
        """Apply an experiment's start or end (other events are ignored)."""
        if event.kind == FIS_STARTED:
            regions = tuple(self._stacks[s] for s in isolated_stacks(event.detail)
                            if s in self._stacks)
            self._holding[event.subject] = regions
            for region in regions:
                self._down(region)
        elif event.kind == FIS_ENDED:
            for region in self._holding.pop(event.subject, ()):
                if not any(region in held for held in self._holding.values()):
                    self._up(region)
