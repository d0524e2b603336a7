"""What ``drill plan`` does and prints: every action of a feature's scenarios, nothing changed.

The feature's steps are matched first (an unknown step is exit 2 before anything is read).
Then, on the aws backend or with ``--endpoint-url``, the target is read through a client
factory that refuses every mutating call (:func:`drills.plan.planner.read_target`): the target
guard's checks and both stacks, so the plan names real resources. Exit 0 when the plan is
printed, 3 when the target guard would refuse the target.
"""

from __future__ import annotations

from pathlib import Path

from botocore.exceptions import BotoCoreError, NoCredentialsError
from rich.console import Console
from rich.markup import escape

from drills.plan.planner import (
    PlannedAction,
    PlannedFault,
    PlannedPhase,
    Planner,
    TargetState,
)
from drills.settings.config import Settings
from infra.core.errors import ConfigError, DeployError

__all__ = ["show_plan"]

_INDENT = " " * 6


def show_plan(feature: Path, settings: Settings, *, endpoint_url: str | None,
              out: Console) -> int:
    """Print the plan of every scenario of ``feature``; 0, or 3 if the guard would refuse."""
    from drills.plan.feature_plan import match_feature, plan_feature
    from infra.template_gate import check_templates

    matched = match_feature(feature)
    checked = check_templates(settings)  # a plan that could not deploy says so (exit 2)
    target = _read(settings, endpoint_url)
    plans = plan_feature(matched, lambda: Planner(settings, target=target))
    out.print(f"[bold]drill plan[/] {escape(str(feature))} · backend {settings.backend} · "
              "nothing is changed", soft_wrap=True)
    _print_target(target, out)
    for t in checked.templates:
        out.print(f"template {escape(str(t.path))} · sha256 {t.sha256}", soft_wrap=True)
    for w in checked.warnings:
        out.print(f"[yellow]cfn-lint warning:[/] {escape(w.describe())}", soft_wrap=True)
    for plan in plans:
        objectives = (f" (objectives: RTO {plan.objectives[0]:g}s, RPO {plan.objectives[1]:g}s)"
                      if plan.objectives else "")
        out.print(f"\n[bold]Scenario:[/] {escape(plan.name)}{objectives}", soft_wrap=True)
        number = 0
        for step in plan.steps:
            keyword = f"[bold]{escape(step.keyword)}[/] " if step.keyword else ""
            out.print(f"  {keyword}{escape(step.text)}", soft_wrap=True)
            if not step.phases:
                out.print(f"{_INDENT}no action: it only sets or checks values")
            for phase in step.phases:
                number = _print_phase(phase, number, out)
    if target is not None and target.refusal is not None:
        out.print(f"\n[bold red]the target guard would refuse this target:[/] "
                  f"{escape(str(target.refusal))}", soft_wrap=True)
        return 3
    return 0


def _read(settings: Settings, endpoint_url: str | None) -> TargetState | None:
    """Read the target when there is one to read; None on the embedded backend alone."""
    if endpoint_url is None and settings.backend == "embedded":
        return None
    from drills.app.stack_commands import check_endpoint_url
    from drills.plan.planner import read_target
    from infra.aws import ClientFactory

    if endpoint_url is not None:
        check_endpoint_url(endpoint_url)
    where = endpoint_url or f"AWS (profile {settings.aws_profile or 'from the environment'})"
    clients = ClientFactory(endpoint_url=endpoint_url, profile=settings.aws_profile,
                            api_timeout_s=settings.api_timeout_s)
    try:
        return read_target(settings, clients, where=where)
    except NoCredentialsError:
        raise ConfigError(f"no AWS credentials for {where}: set aws_profile in the config file "
                          "or the standard AWS_* environment variables") from None
    except BotoCoreError as exc:
        raise DeployError(f"the AWS endpoint {where} did not answer: {exc}") from exc


def _print_target(target: TargetState | None, out: Console) -> None:
    if target is None:
        out.print("target: not read; the embedded backend starts a fresh AWS for each run "
                  "(pass --endpoint-url to read a running one)", soft_wrap=True)
        return
    if target.refusal is not None:
        out.print(f"target: {escape(target.where)} · [bold red]target guard refuses[/]",
                  soft_wrap=True)
        return
    out.print(f"target: {escape(target.where)} · account {target.account} · target guard "
              "passes", soft_wrap=True)
    for note in target.notes:
        out.print(f"  note: {escape(note)}", soft_wrap=True)
    for stack, status in target.stacks:
        out.print(f"  stack {escape(stack)}: {status or 'does not exist'}", soft_wrap=True)


def _print_phase(phase: PlannedPhase, number: int, out: Console) -> int:
    out.print(f"    phase [bold]{phase.name}[/]: {escape(phase.summary)}", soft_wrap=True)
    if phase.fault is not None:
        _print_fault(phase.fault, out)
    for action in phase.actions:
        number += 1
        out.print(f"{number:>6}  {_line(action)}", soft_wrap=True)
    return number


def _line(a: PlannedAction) -> str:
    access = {"http": "app", "-": "-"}.get(a.service, "WRITE" if a.mutating else "read")
    what = f"{a.service}:{a.operation}" if a.service != "-" else a.operation
    extra = "".join(f" · {x}" for x in (f"step {a.step}" if a.step else "", a.note) if x)
    return escape(f"{a.phase:<12} {a.region:<10} {access:<5} {what:<45} {a.target}{extra}")


def _print_fault(fault: PlannedFault, out: Console) -> None:
    lines = [f"fault {fault.name} on {fault.target}", f"  inject: {fault.inject}",
             f"  revert: {fault.revert} (phase revert, after the last step, whatever "
             "happened)"]
    if fault.fis_problem:
        lines.append(f"  FIS experiment: cannot be built: {fault.fis_problem}")
    if fault.fis is not None:
        t = fault.fis
        lines += [f"  FIS experiment template in {t.region}: {t.description}",
                  f"    role {t.role_arn}; stop conditions: {', '.join(t.stop_alarm_arns)}"]
        lines += [f"    target {x.name}: {x.resource_type} tagged "
                  + ", ".join(f"{k}={v}" for k, v in x.resource_tags)
                  + "".join(f"; {p} in {list(v)}" for p, v in x.filters) for x in t.targets]
        lines += [f"    action {a.name}: {a.action_id} ("
                  + ", ".join(f"{k}={v}" for k, v in a.parameters) + ") on "
                  + ", ".join(f"{k}={v}" for k, v in a.targets) for a in t.actions]
        lines += [f"    limitation: {x}" for x in t.limitations]
    for line in lines:
        out.print(_INDENT + escape(line), soft_wrap=True)
