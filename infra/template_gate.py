"""The templates a deploy sends, checked before any AWS call: contract, cfn-lint, digests.

The embedded and aws backends deploy ``streamflix-dr-primary.yaml`` and
``streamflix-dr-secondary.yaml`` from ``settings.templates_dir`` (the project's own
``infra/templates/`` when unset; the guide keeps them in ``lib/``). Before either is sent:

- both files exist and parse, and each declares the parameters the deployer passes and the
  outputs the drill reads (:data:`PARAMETERS`, :data:`OUTPUTS`; the guide's "Stack Outputs"
  plus what the drills need), and asks for no other parameter without a default;
- cfn-lint (in-process, with the pinned rules configuration :data:`LINT_CONFIG`, each
  template for its own region) finds no error.

Either failure is bad input (:class:`~infra.core.errors.ConfigError`, exit 2) naming the file,
and for cfn-lint the rule id, resource and message. cfn-lint's warnings come back as
:class:`LintFinding` for the audit and the evidence; each template's SHA-256 is recorded.
The result is cached per file contents and regions, so every command may call
:func:`check_templates` before it deploys without linting twice; cfn-lint's findings are
also kept on disk (:func:`lint_cache_dir`), keyed by cfn-lint's version, the rules
configuration, the region and the template's bytes, so a new process does not lint an
unchanged template again (3 s a run), wherever the file is (each finding names the file
linted, whose path is filled in on reading).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from infra.core.errors import ConfigError
from infra.core.settings import InfraSettings

__all__ = ["LINT_CONFIG", "OUTPUTS", "PARAMETERS", "TEMPLATES", "CheckedTemplates",
           "LintFinding", "Template", "check_templates", "lint_cache_dir", "templates_dir"]

TEMPLATES = Path(__file__).parent / "templates"
# The pinned cfn-lint's version, without importing it (0.7 s): part of every cache key.
_CFN_LINT_VERSION = importlib.metadata.version("cfn-lint")
LINT_CONFIG = Path(__file__).resolve().parents[1] / ".cfnlintrc.yaml"
PRIMARY, DR = "streamflix-dr-primary", "streamflix-dr-secondary"

PARAMETERS: dict[str, tuple[str, ...]] = {
    PRIMARY: ("environmentSuffix", "DBUsername", "DBPassword"),
    DR: ("environmentSuffix", "PrimaryRegion", "PrimaryRDSArn"),
}
# The guide's "Stack Outputs" first, then what the drills read (infra.deploy's
# PrimaryOutputs and DrOutputs; a unit test keeps the two in step).
OUTPUTS: dict[str, tuple[str, ...]] = {
    PRIMARY: ("VPCId", "RDSEndpoint", "RDSInstanceId", "EFSFileSystemId", "CacheEndpoint",
              "ECSClusterName", "ALBDNSName", "KMSKeyId", "RDSInstanceArn", "ECSServiceName",
              "TargetGroupArn", "LogGroupName", "HostedZoneId", "AppDNSName",
              "PrimaryHealthCheckId"),
    DR: ("VPCId", "RDSReplicaEndpoint", "EFSFileSystemId", "ECSClusterName", "ALBDNSName",
         "KMSKeyId", "RDSReplicaInstanceId", "CacheEndpoint", "ECSServiceName",
         "TargetGroupArn", "LogGroupName"),
}


@dataclass(frozen=True, slots=True)
class Template:
    """One template file as the deployer sends it: name, role, path, digest, parsed body."""

    name: str
    role: str  # "primary" or "dr"
    path: Path
    sha256: str
    body: Any  # cfn-lint's parse of the file (YAML short forms resolved)


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One cfn-lint match: rule id, severity, file, line, resource (if any) and message."""

    rule_id: str
    severity: str
    file: str
    line: int
    resource: str | None
    message: str

    def describe(self) -> str:
        """One line naming the rule, the file and line, the resource and the message."""
        where = f" resource {self.resource}:" if self.resource else ""
        return f"{self.rule_id} {self.file}:{self.line}{where} {self.message}"


@dataclass(frozen=True, slots=True)
class CheckedTemplates:
    """Both templates, contract-checked and linted, with cfn-lint's warnings."""

    templates: tuple[Template, ...]
    warnings: tuple[LintFinding, ...]

    def body(self, name: str) -> Any:
        """The parsed body of template ``name`` (``streamflix-dr-primary`` or ``-secondary``)."""
        return next(t.body for t in self.templates if t.name == name)


def templates_dir(settings: InfraSettings) -> Path:
    """The folder the deploy reads its templates from."""
    return Path(settings.templates_dir) if settings.templates_dir is not None else TEMPLATES


def check_templates(settings: InfraSettings) -> CheckedTemplates:
    """Both templates, contract-checked and linted; ConfigError (exit 2) if one is unfit."""
    folder = templates_dir(settings)
    if not folder.is_dir():
        raise ConfigError(f"templates folder {str(folder)!r} does not exist (templates_dir / "
                          "--templates names a folder holding streamflix-dr-primary.yaml and "
                          "streamflix-dr-secondary.yaml)")
    files = []
    for name, region in ((PRIMARY, settings.primary_region), (DR, settings.dr_region)):
        path = folder / f"{name}.yaml"
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"template {str(path)!r} cannot be read: "
                              f"{exc.strerror or exc}") from None
        files.append((name, region, str(path.resolve()), hashlib.sha256(data).hexdigest()))
    return _checked(tuple(files))


@cache
def _checked(files: tuple[tuple[str, str, str, str], ...]) -> CheckedTemplates:
    # Keyed by the files' digests: an edited template is checked again. Both contracts
    # first: they are quick, cfn-lint is not.
    templates = [Template(name, "primary" if name == PRIMARY else "dr", Path(path), digest,
                          _load(Path(path), digest)) for name, _region, path, digest in files]
    for t in templates:
        _check_contract(t.name, t.path, t.body)
    warnings = [w for t, (_n, region, _p, _d) in zip(templates, files, strict=True)
                for w in _lint(t.path, region, t.sha256)]
    return CheckedTemplates(tuple(templates), tuple(warnings))


def _load(path: Path, digest: str) -> Any:
    """The template as cfn-lint's loader reads it, kept on disk by its SHA-256 as lint is:
    importing cfn-lint alone costs 0.7 s a process."""
    cached = _cache_file("body", digest)
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass  # not cached yet (or unreadable): parse it
    from cfnlint.decode import cfn_yaml

    try:
        body = cfn_yaml.load(str(path))
    except Exception as exc:  # the loader raises its own parse errors; all mean bad input
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"template {str(path)!r} is not a readable CloudFormation template: "
                          f"{first}") from None
    _keep(cached, json.dumps(body, default=str))
    return body


def _cache_file(kind: str, digest: str, region: str = "") -> Path:
    """The disk cache's file for a template's SHA-256 (and region) under the pinned cfn-lint
    and its rules."""
    key = hashlib.sha256(f"{kind}\0{_CFN_LINT_VERSION}\0{region}\0{digest}\0".encode())
    key.update(LINT_CONFIG.read_bytes() if LINT_CONFIG.is_file() else b"")
    return lint_cache_dir() / f"{key.hexdigest()}.{kind}.json"


def _keep(cached: Path, text: str) -> None:
    """Write ``text`` to ``cached`` whole or not at all; a read-only home only costs time."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, cached)
    except OSError:
        pass


def _check_contract(name: str, path: Path, body: Any) -> None:
    """Exit 2 naming the first parameter or output the drill needs that ``body`` lacks."""
    body = body if isinstance(body, dict) else {}
    params = body.get("Parameters") or {}
    outputs = body.get("Outputs") or {}
    for key in PARAMETERS[name]:
        if key not in params:
            raise ConfigError(f"template {str(path)!r} does not declare the parameter {key!r}, "
                              f"which the deploy passes (the contract of {name}: parameters "
                              f"{', '.join(PARAMETERS[name])}; see docs/templates.md)")
    for key, spec in params.items():
        if key not in PARAMETERS[name] and "Default" not in (spec or {}):
            raise ConfigError(f"template {str(path)!r} asks for the parameter {key!r} without "
                              "a Default, and the deploy does not pass it: give it a Default")
    for key in OUTPUTS[name]:
        if key not in outputs:
            raise ConfigError(f"template {str(path)!r} does not declare the output {key!r}, "
                              f"which the drill reads (outputs {name} must declare: "
                              f"{', '.join(OUTPUTS[name])}; see docs/templates.md)")


def lint_cache_dir() -> Path:
    """Where cfn-lint's findings are kept between processes ($XDG_CACHE_HOME or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "streamflix-drill" / "cfn-lint"


def _lint(path: Path, region: str, digest: str) -> list[LintFinding]:
    """cfn-lint's warnings for ``path``; ConfigError naming every error-level finding."""
    if not LINT_CONFIG.is_file():  # the pinned rules, or no lint at all: never lint unpinned
        raise ConfigError(f"the cfn-lint rules configuration {str(LINT_CONFIG)!r} is missing")
    found = _findings(path, region, digest)
    errors = [f for f in found if f.severity == "error"]
    if errors:
        raise ConfigError(f"cfn-lint found {len(errors)} error(s) in {str(path)!r}, so it was "
                          "not deployed: " + "; ".join(f.describe() for f in errors))
    return [f for f in found if f.severity == "warning"]


def _findings(path: Path, region: str, digest: str) -> list[LintFinding]:
    """Every cfn-lint finding for ``path`` (SHA-256 ``digest``) in ``region``: from the disk
    cache, or linted."""
    cached = _cache_file("lint", digest, region)
    try:
        return [LintFinding(**{**f, "file": str(path)})
                for f in json.loads(cached.read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        pass  # not cached yet (or unreadable): lint it
    found = _run_cfn_lint(path, region)
    _keep(cached, json.dumps([{**dataclasses.asdict(f), "file": ""} for f in found]))
    return found


def _run_cfn_lint(path: Path, region: str) -> list[LintFinding]:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    config = ConfigMixIn(["--config-file", str(LINT_CONFIG), "--regions", region, "--",
                          str(path)])
    return [_finding(m) for m in Runner(config).run()]


def _finding(match: Any) -> LintFinding:
    path = list(getattr(match, "path", None) or [])
    resource = str(path[1]) if len(path) > 1 and path[0] == "Resources" else None
    return LintFinding(str(match.rule.id), str(match.rule.severity), str(match.filename),
                       int(match.linenumber or 0), resource, str(match.message))
