"""What a drill measured, and the objectives it is judged against (drill seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from drills.measure.store_rpo import StoreRpo

if TYPE_CHECKING:
    from infra.embedded.truth import GroundTruth

__all__ = ["DrillResult", "Objectives"]


@dataclass(frozen=True, slots=True)
class Objectives:
    """Recovery objectives in drill seconds."""

    rto_seconds: float
    rpo_seconds: float


@dataclass(frozen=True, slots=True)
class DrillResult:
    """What a drill measured, with the verdict against its objectives."""

    rto_seconds: float
    rpo_seconds: float
    objectives: Objectives
    served_region: str
    lost_markers: tuple[int, ...]
    ground_truth: GroundTruth | None = None
    reasons: tuple[str, ...] = ()
    stores: tuple[StoreRpo, ...] = ()  # RPO per data store (database, efs, cache)

    @property
    def passed(self) -> bool:
        """True when every objective was met and nothing else failed."""
        return not self.reasons
