"""What ``drill audit`` does and prints: the readiness audit of the deployed stacks.

With ``--endpoint-url`` it reads the stacks already deployed on that AWS-compatible endpoint.
On the embedded backend without one it starts a throwaway moto server, deploys both stacks
as ``drill deploy`` does, audits them and stops the server: a fresh deployment must audit
clean of critical and major findings. Either way the audit's client factory refuses every
mutating call before it is sent (:func:`drills.plan.planner.refuse_mutating`).

Output: a table of findings (or, with ``--json``, one JSON document) on stdout; progress
goes to stdout with the table and to stderr with ``--json``, so stdout stays parseable.
Exit 0 when no finding is critical or major, 1 otherwise.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from drills.audit.auditor import AuditReport, run_audit
from drills.audit.catalogue import SEVERITIES
from drills.settings.config import Settings
from infra.core.errors import ConfigError, StackCreateFailed

__all__ = ["audit_and_show"]

T = TypeVar("T")
Show = Callable[[str], None]
_STYLE = {"critical": "bold red", "major": "red", "minor": "yellow", "info": "dim"}


def audit_and_show(settings: Settings, *, endpoint_url: str | None, as_json: bool,
                   out: Console, err: Console) -> int:
    """Audit the stacks on the target, print the findings; 0 unless critical/major found."""
    from drills.app.stack_commands import check_endpoint_url
    from infra.template_gate import check_templates

    check_templates(settings)  # contract and cfn-lint before any AWS call (exit 2)
    show = _stopwatch(err if as_json else out)
    if endpoint_url is not None:
        check_endpoint_url(endpoint_url)
        report = _reaching(endpoint_url, lambda: run_audit(settings,
                                                           _read_only(settings, endpoint_url)))
    else:
        report = _audit_throwaway(settings, show)
    if as_json:
        out.out(json.dumps(_document(settings, report), indent=2), highlight=False)
    else:
        _print_report(settings, report, out)
    return report.exit_code


def _document(settings: Settings, report: AuditReport) -> dict[str, Any]:
    """The audit as the JSON document ``drill audit --json`` prints."""
    s, budget = settings, report.rto_budget
    return {
        "stacks": {"primary": s.primary_stack, "dr": s.dr_stack},
        "regions": {"primary": s.primary_region, "dr": s.dr_region},
        "passed": report.passed,
        "counts": {sev: sum(f.severity == sev for f in report.findings) for sev in SEVERITIES},
        "rto_budget": None if budget is None else {
            "total_seconds": budget.total_s, "objective_seconds": budget.objective_s,
            "parts": dict(budget.parts)},
        "findings": [asdict(f) for f in report.findings],
    }


def _read_only(settings: Settings, endpoint_url: str) -> Any:
    """A client factory for the endpoint that refuses every mutating call."""
    from drills.plan.planner import refuse_mutating
    from infra.aws import ClientFactory

    return ClientFactory(endpoint_url=endpoint_url, api_timeout_s=settings.api_timeout_s,
                         observers=(refuse_mutating,))


def _audit_throwaway(settings: Settings, show: Show) -> AuditReport:
    """Start moto, deploy both stacks behind the target guard, audit them, stop moto."""
    from drills.safety.target_guard import TargetGuard
    from infra.aws import ClientFactory
    from infra.deploy import deploy
    from infra.embedded.moto_server import MotoServer

    with MotoServer() as server:
        url = server.endpoint_url
        show(f"embedded AWS started on {url}; it stops when this command ends")
        guard = TargetGuard(settings)
        clients = ClientFactory(endpoint_url=url, api_timeout_s=settings.api_timeout_s,
                                observers=(guard.gate,))
        guard.check(clients)
        try:
            deploy(settings, clients, progress=show)
        except StackCreateFailed as exc:  # the audit then names it (DR-STACK-CREATE-FAILED)
            show(f"the deploy failed: {exc}")
        show("auditing the deployment (read-only)")
        report = run_audit(settings, _read_only(settings, url))
    show("embedded AWS stopped")
    return report


def _reaching(endpoint_url: str, action: Callable[[], T]) -> T:
    """Run ``action``; a transport failure means the endpoint given is wrong (exit 2)."""
    try:
        return action()
    except BotoCoreError as exc:
        raise ConfigError(f"the AWS endpoint {endpoint_url} did not answer: {exc}. Check that "
                          "the server is running and the URL is right.") from exc


def _stopwatch(console: Console) -> Show:
    start = time.monotonic()

    def show(message: str) -> None:
        console.print(f"[dim]{time.monotonic() - start:6.1f}s[/] {escape(message)}",
                      soft_wrap=True)
    return show


def _print_report(settings: Settings, report: AuditReport, out: Console) -> None:
    s = settings
    title = (f"readiness audit of {s.primary_stack} ({s.primary_region}) and {s.dr_stack} "
             f"({s.dr_region})")
    if report.findings:
        table = Table(title=escape(title), title_justify="left", show_lines=True)
        table.add_column("severity", no_wrap=True)
        table.add_column("id", style="bold", no_wrap=True)
        table.add_column("finding and fix", overflow="fold")
        for f in report.findings:
            table.add_row(f"[{_STYLE[f.severity]}]{f.severity}[/]", escape(f.id),
                          f"{escape(f.message)}\n[dim]fix:[/] {escape(f.fix)}")
        out.print(table)
    else:
        out.print(f"{escape(title)}: no findings")
    if report.rto_budget is not None:
        b = report.rto_budget
        out.print(f"RTO budget: {escape(b.describe())} against the {b.objective_s:g} s "
                  "objective (typical durations)", soft_wrap=True)
    counts = ", ".join(f"{sum(f.severity == sev for f in report.findings)} {sev}"
                       for sev in SEVERITIES)
    verdict = ("[green]ready[/]: no critical or major finding" if report.passed
               else "[bold red]not ready[/]: fix the critical and major findings first")
    out.print(f"{verdict} ({counts})", soft_wrap=True)
