"""Settings: the one frozen configuration object the CLI and the tests build and pass down.

Sources, later ones winning: documented defaults, the config file (``drill.toml``), then
explicit overrides (CLI options, test fixtures). Nothing in ``drills/`` reads ``os.environ``;
the CLI does, once, and passes what it found in as overrides.
"""

from __future__ import annotations

import math
import re
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from infra.core.errors import ConfigError
from infra.core.settings import InfraSettings

__all__ = [
    "EMBEDDED_ACCOUNT",
    "KNOWN_REGIONS",
    "Settings",
    "check_objectives",
    "check_real_seconds",
    "check_scenario_regions",
    "generate_db_password",
    "load_settings",
]

# The account moto answers for; the embedded backend may touch this account and no other.
EMBEDDED_ACCOUNT = "123456789012"

# The commercial AWS regions; a region outside this list is a typo, not a new region.
KNOWN_REGIONS = frozenset((
    "af-south-1 ap-east-1 ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-south-1 ap-south-2 "
    "ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ca-central-1 ca-west-1 "
    "eu-central-1 eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 eu-west-3 "
    "il-central-1 me-central-1 me-south-1 sa-east-1 us-east-1 us-east-2 us-west-1 us-west-2"
).split())

_ACCOUNT = re.compile(r"^\d{12}$")
_ALARM_ARN = re.compile(r"^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$")
_SUFFIX = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$")
# RDS MySQL master password: 8-41 printable ASCII, not '/', '"', '@' or space.
_DB_PASSWORD = re.compile(r'^[\x21-\x7e]{8,41}$')
_DB_PASSWORD_FORBIDDEN = set('/"@ ')


def generate_db_password() -> str:
    """A random password RDS accepts, for embedded runs where none was given."""
    return "Df1-" + secrets.token_urlsafe(18)


class Settings(BaseModel):
    """Everything a drill needs to know, validated once."""

    # No inf or nan anywhere: a duration or objective of either makes every comparison lie.
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    backend: Literal["embedded", "aws"] = "embedded"
    environment_suffix: str = "dev"
    primary_region: str = "eu-west-2"
    dr_region: str = "us-east-1"
    db_username: str = "admin"
    db_password: SecretStr = Field(default_factory=lambda: SecretStr(generate_db_password()))
    aws_profile: str | None = None

    # Drill time: 60x means one real second is one drill minute. The aws backend is 1x.
    time_scale: float = Field(default=60.0, gt=0, le=10_000)
    # Which clock runs the drill (infra.core.virtual_clock): unset, virtual on the embedded
    # backend and scaled (real time x time_scale) on aws.
    clock: Literal["virtual", "scaled"] | None = None
    probe_interval_s: float = Field(default=10.0, gt=0)
    probe_timeout_s: float = Field(default=8.0, gt=0)
    marker_interval_s: float = Field(default=2.0, gt=0)
    recovery_consecutive: int = Field(default=3, ge=1)
    decide_delay_s: float = Field(default=0.0, ge=0)
    # Waits inside runbook steps and phases (drill seconds): how often to poll, how long at most.
    poll_interval_s: float = Field(default=15.0, gt=0)
    step_timeout_s: float = Field(default=3600.0, gt=0)
    steady_state_samples: int = Field(default=3, ge=1)

    rto_objective_s: float = Field(default=900.0, gt=0)
    rpo_objective_s: float = Field(default=5.0, ge=0)
    # RPO objectives of the other data stores (drills/measure/store_rpo.py); None: reported,
    # not judged.
    efs_rpo_objective_s: float | None = Field(default=900.0, ge=0)
    cache_rpo_objective_s: float | None = Field(default=None, ge=0)

    seed: int | None = None
    latency: dict[str, float] = Field(default_factory=dict)

    runs_dir: Path = Path("runs")
    # The folder the stacks' templates are deployed from (streamflix-dr-primary.yaml and
    # streamflix-dr-secondary.yaml, e.g. the guide's lib/); None: the project's own
    # infra/templates/. Checked against the contract and cfn-lint before every deploy.
    templates_dir: Path | None = None
    operator: str | None = None
    api_timeout_s: float = Field(default=10.0, gt=0)
    api_max_attempts: int = Field(default=5, ge=1, le=20)
    # Embedded backend only: the share of AWS API calls answered with throttling or HTTP 503
    # (seeded by ``seed``), to prove the retries. 0 on a real account, where AWS does this.
    api_error_rate: float = Field(default=0.0, ge=0.0, lt=1.0)

    # Target guard (drills.safety.target_guard): accounts the drill may touch; None takes the
    # backend's default (embedded: moto's account only; aws: none, so it must be configured).
    allowed_accounts: tuple[str, ...] | None = None
    allow_production: bool = False
    # FIS on the aws backend (drills.faults.fis_templates): the role FIS runs as, the alarms
    # that stop an experiment, and how long a timed fault lasts (FIS allows 1 minute to 12 h).
    fis_role_arn: str | None = None
    stop_alarm_arns: tuple[str, ...] = ()
    fault_duration_s: float = Field(default=1800.0, ge=60, le=43_200)
    # The CloudFormation service role the stacks are created with (docs/iam.md): with it the
    # drill's own credentials need no right to create the stacks' resources themselves.
    cloudformation_role_arn: str | None = None

    # Evidence (reports/attestation.py, reports/pdf.py): the Ed25519 private key every run
    # folder's attestation is signed with (`drill keygen`), and whether report.pdf is written.
    signing_key_file: Path | None = None
    pdf_report: bool = False

    @model_validator(mode="before")
    @classmethod
    def _default_accounts(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        embedded = values.get("backend", "embedded") == "embedded"
        if values.get("allowed_accounts") is None and embedded:
            values = {**values, "allowed_accounts": (EMBEDDED_ACCOUNT,)}
        if values.get("time_scale") is None and not embedded:
            # A real account's clock runs at 1x; a faster one only against a rehearsal world.
            values = {**values, "time_scale": 1.0}
        if values.get("clock") is None:
            values = {**values, "clock": "virtual" if embedded else "scaled"}
        return values

    @model_validator(mode="after")
    def _virtual_needs_embedded(self) -> Settings:
        if self.clock == "virtual" and self.backend != "embedded":
            raise ValueError("clock = \"virtual\" needs the embedded backend: a real "
                             "account's time cannot be made to wait (use clock = \"scaled\")")
        return self

    @model_validator(mode="after")
    def _aws_needs_accounts(self) -> Settings:
        if self.backend == "aws" and not self.allowed_accounts:
            raise ValueError(
                "the aws backend needs allowed_accounts, the 12-digit ids of the accounts the "
                "drill may touch (e.g. allowed_accounts = [\"111122223333\"] in drill.toml); "
                "there is no default, so a drill never runs against an account by accident")
        return self

    @model_validator(mode="after")
    def _objectives_reachable(self) -> Settings:
        problem = _unreachable_rto(self, self.rto_objective_s)
        if problem:
            raise ValueError(f"rto_objective_s: {problem}")
        return self

    @field_validator("allowed_accounts")
    @classmethod
    def _accounts(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        bad = [a for a in v or () if not _ACCOUNT.match(a)]
        if bad:
            raise ValueError(f"account ids are 12 digits, quoted as strings; {bad!r} are not")
        return v

    @field_validator("stop_alarm_arns")
    @classmethod
    def _alarms(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in v if not _ALARM_ARN.match(a)]
        if bad:
            raise ValueError("each must be a CloudWatch alarm ARN "
                             f"(arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME); {bad!r} are not")
        return v

    @field_validator("fis_role_arn", "cloudformation_role_arn")
    @classmethod
    def _role(cls, v: str | None) -> str | None:
        if v is not None and not _ROLE_ARN.match(v):
            raise ValueError("must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)")
        return v

    @field_validator("environment_suffix")
    @classmethod
    def _suffix(cls, v: str) -> str:
        if not _SUFFIX.match(v):
            raise ValueError(
                "must be 1-20 lowercase letters, digits or hyphens, not starting or ending "
                "with a hyphen (it becomes part of stack, database and cluster names)"
            )
        return v

    @field_validator("primary_region", "dr_region")
    @classmethod
    def _region(cls, v: str) -> str:
        if v not in KNOWN_REGIONS:
            raise ValueError(f"{v!r} is not an AWS region (e.g. eu-west-2, us-east-1)")
        return v

    @field_validator("db_password")
    @classmethod
    def _password(cls, v: SecretStr) -> SecretStr:
        raw = v.get_secret_value()
        if not _DB_PASSWORD.match(raw) or _DB_PASSWORD_FORBIDDEN & set(raw):
            raise ValueError(
                "must be 8-41 printable ASCII characters without '/', '\"', '@' or spaces "
                "(the RDS MySQL rules)"
            )
        return v

    @field_validator("latency")
    @classmethod
    def _latency(cls, v: dict[str, float]) -> dict[str, float]:
        # Checked here, not when the embedded AWS starts: a typo must not cost a whole run.
        from infra.embedded.latency import Transition

        known = sorted(t.value for t in Transition)
        unknown = sorted(set(v) - set(known))
        if unknown:
            raise ValueError(f"unknown latency name(s) {unknown!r}; known: {known!r}")
        negative = {k: x for k, x in v.items() if not x >= 0}
        if negative:
            raise ValueError(f"latencies are drill seconds >= 0; {negative!r} are not")
        return v

    @field_validator("db_username")
    @classmethod
    def _username(cls, v: str) -> str:
        if not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,15}$", v):
            raise ValueError("must be 1-16 letters, digits or underscores, starting with a letter")
        return v

    @property
    def primary_stack(self) -> str:
        """Name of the primary region's stack."""
        return f"streamflix-dr-primary-{self.environment_suffix}"

    @property
    def dr_stack(self) -> str:
        """Name of the DR region's stack."""
        return f"streamflix-dr-secondary-{self.environment_suffix}"

    @property
    def primary_db_id(self) -> str:
        """Identifier of the primary region's database instance."""
        return f"streamflix-db-{self.environment_suffix}"

    @property
    def primary_cache_id(self) -> str:
        """Identifier of the primary region's cache replication group."""
        return f"streamflix-cache-{self.environment_suffix}"

    @property
    def dr_cache_id(self) -> str:
        """Identifier of the DR region's cache replication group."""
        return f"streamflix-cache-dr-{self.environment_suffix}"

    @property
    def dr_kms_alias(self) -> str:
        """Alias of the DR region's KMS key (the DR stack's default)."""
        return f"alias/streamflix-dr-{self.environment_suffix}"

    @property
    def log_group(self) -> str:
        """Name of the application's log group (the same in both regions)."""
        return f"/ecs/streamflix-{self.environment_suffix}"

    @property
    def replica_id(self) -> str:
        """Identifier of the cross-region read replica in the DR region."""
        return f"streamflix-db-replica-{self.environment_suffix}"

    @property
    def dr_cluster(self) -> str:
        """Name of the DR ECS cluster."""
        return f"streamflix-cluster-dr-{self.environment_suffix}"

    @property
    def dr_service(self) -> str:
        """Name of the DR ECS service."""
        return f"streamflix-service-dr-{self.environment_suffix}"

    @property
    def primary_cluster(self) -> str:
        """Name of the primary ECS cluster."""
        return f"streamflix-cluster-{self.environment_suffix}"

    @property
    def primary_service(self) -> str:
        """Name of the primary ECS service."""
        return f"streamflix-service-{self.environment_suffix}"

    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in any output."""
        return (self.db_password.get_secret_value(),)


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        msg = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        shown = "" if where == "db_password" or isinstance(value, dict) else f" (got {value!r})"
        parts.append(f"{where}: {msg}{shown}")
    return "; ".join(parts)


def load_settings(
    config_file: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build validated settings from defaults, an optional TOML file and overrides.

    Raises:
        ConfigError: the file is missing or malformed, or a value is invalid.
    """
    values: dict[str, Any] = {}
    if config_file is not None:
        try:
            values.update(tomllib.loads(Path(config_file).read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError(f"config file {str(config_file)!r} does not exist") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"config file {str(config_file)!r} is not UTF-8 text (byte "
                              f"{exc.start}: {exc.reason}); TOML files are UTF-8") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(config_file)!r} is not valid TOML: {exc}"
                              ) from None
        except OSError as exc:
            raise ConfigError(f"config file {str(config_file)!r} cannot be read: "
                              f"{exc.strerror or exc}") from None
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {_describe(exc)}") from None


def _unreachable_rto(settings: Settings, rto_seconds: float) -> str | None:
    """Why no run could ever meet this RTO objective, or None when one could."""
    # Detection needs N failed probes one interval apart, and the first healthy probe after
    # them is one interval later still; the decision delay comes on top of detection.
    n, interval = settings.recovery_consecutive, settings.probe_interval_s
    floor = max(n * interval, (n - 1) * interval + settings.decide_delay_s)
    if rto_seconds > floor:
        return None
    return (f"an RTO objective of {rto_seconds:g} s cannot be met by construction: detecting "
            f"the outage takes {n} failed probes {interval:g} s apart (recovery_consecutive, "
            f"probe_interval_s) and recovery is seen one probe later, plus a decision delay "
            f"of {settings.decide_delay_s:g} s, so every measured RTO exceeds {floor:g} s")


def check_real_seconds(*options: tuple[str, float | None]) -> None:
    """Refuse inf, nan and negative durations given as CLI options (ConfigError, exit 2)."""
    for option, value in options:
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise ConfigError(f"{option} takes a finite number of real seconds >= 0, "
                              f"got {value!r}")


def check_objectives(settings: Settings, *, rto_seconds: float, rpo_seconds: float) -> None:
    """Raise ConfigError for objectives (from a scenario's text) no run could be judged by."""
    for name, value in (("RTO", rto_seconds), ("RPO", rpo_seconds)):
        if not math.isfinite(value) or value < 0 or (name == "RTO" and value == 0):
            raise ConfigError(f"the scenario's {name} objective must be a finite number of "
                              f"seconds{' > 0' if name == 'RTO' else ' >= 0'}, got {value!r}")
    problem = _unreachable_rto(settings, rto_seconds)
    if problem:
        raise ConfigError(f"scenario: {problem}; raise the objective or probe more often")


def check_scenario_regions(settings: Settings, *, primary: str | None = None,
                           dr: str | None = None) -> None:
    """Raise ConfigError when a scenario names other regions than the configured ones."""
    for role, want, have in (("primary", primary, settings.primary_region),
                             ("DR", dr, settings.dr_region)):
        if want is not None and want != have:
            raise ConfigError(f"the scenario names {want!r} as the {role} region but the "
                              f"configuration says {have!r}; fix one of them")


def _satisfies_infra(settings: Settings) -> InfraSettings:
    """Checked by mypy: the settings model is what infra asks of settings."""
    return settings
