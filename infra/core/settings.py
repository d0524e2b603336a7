"""What infra reads of the drill's settings, as a protocol: infra never imports the drills.

:class:`drills.settings.config.Settings` satisfies :class:`InfraSettings` structurally (a unit
test checks it); infra code is typed against the protocol, so the settings model can grow
without infra knowing, and infra stays the ground floor of the layers (docs/architecture.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, Self

from pydantic import SecretStr

__all__ = ["InfraSettings"]


class InfraSettings(Protocol):
    """The regions, resource names, credentials and AWS call limits infra needs."""

    environment_suffix: str
    primary_region: str
    dr_region: str
    db_username: str
    db_password: SecretStr
    time_scale: float
    seed: int | None
    latency: dict[str, float]
    api_timeout_s: float
    api_max_attempts: int
    cloudformation_role_arn: str | None
    templates_dir: Path | None  # the templates to deploy; None: infra/templates/

    # Resource names, built from the suffix by the settings model only
    @property
    def primary_stack(self) -> str: ...
    @property
    def dr_stack(self) -> str: ...
    @property
    def primary_db_id(self) -> str: ...
    @property
    def replica_id(self) -> str: ...
    @property
    def primary_cluster(self) -> str: ...
    @property
    def primary_service(self) -> str: ...
    @property
    def dr_cluster(self) -> str: ...
    @property
    def dr_service(self) -> str: ...
    @property
    def log_group(self) -> str: ...

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in any output."""
        ...

    def model_dump(self) -> dict[str, Any]:
        """The settings as plain values (to re-validate them)."""
        ...

    @classmethod
    def model_validate(cls, obj: Any) -> Self:
        """Settings from plain values, validated; raises pydantic's ValidationError."""
        ...
