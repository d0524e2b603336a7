"""What ``drill deploy`` and ``drill teardown`` do, and the tables they print.

Two targets: an AWS-compatible endpoint that is already running (``--endpoint-url``, e.g. a
moto server someone started), or, on the embedded backend without one, a throwaway moto
server that the command starts and stops itself. Every check of the input (settings, the
database password, the endpoint URL) happens before the first request; the target guard then
checks the account and the stacks' tags before the first mutating call, as in a drill.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from drills.settings.config import Settings
from infra.core.errors import ConfigError, DeployError, DrillError

__all__ = ["check_endpoint_url", "deploy_and_show", "teardown_and_show"]

Show = Callable[[str], None]

_NO_PASSWORD = (
    "drill deploy needs the database master password when it deploys to an endpoint that "
    "outlives the command (--endpoint-url): set DRILL_DB_PASSWORD, or db_password in the "
    "config file (--config). Only the throwaway embedded AWS that drill deploy starts itself "
    "(no --endpoint-url) gets a random one.")
_NOTHING_TO_TEAR_DOWN = (
    "drill teardown needs --endpoint-url on the embedded backend: drill deploy without it "
    "deploys to a throwaway embedded AWS that is gone when the command ends, so there is "
    "nothing to tear down. To remove a deployment from an AWS-compatible endpoint that is "
    "still running (e.g. a moto server), pass --endpoint-url URL.")


def check_endpoint_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host (and a valid port); else ConfigError."""
    parts = urlsplit(url)
    try:
        # .port raises ValueError when the port is not a number from 0 to 65535.
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(f"--endpoint-url must be an http:// or https:// URL with a host, "
                          f"like http://127.0.0.1:5000; got {url!r}")
    return url


def deploy_and_show(settings: Settings, *, endpoint_url: str | None, out: Console) -> int:
    """Deploy (or find) both stacks on the target, verify them, print the outputs; exit code."""
    if endpoint_url is not None:
        check_endpoint_url(endpoint_url)
        if "db_password" not in settings.model_fields_set:
            raise ConfigError(_NO_PASSWORD)
    from infra.deploy import deploy
    from infra.template_gate import check_templates

    check_templates(settings)  # contract and cfn-lint before anything starts (exit 2)
    show = _stopwatch(out)
    with _target(settings, endpoint_url, show) as clients:
        deployment = _reaching(endpoint_url, lambda: deploy(settings, clients, progress=show))
    s = settings
    out.print(_outputs(f"primary stack {s.primary_stack} ({s.primary_region})",
                       deployment.primary))
    out.print(_outputs(f"DR stack {s.dr_stack} ({s.dr_region})", deployment.dr))
    if deployment.created:
        out.print(f"created: {escape(', '.join(deployment.created))}", soft_wrap=True)
    else:
        out.print("created nothing: both stacks and the EFS replication were already there")
    if endpoint_url is None:
        out.print("the embedded AWS has stopped, so these resources are gone; to keep a "
                  "deployment, deploy to a running endpoint with --endpoint-url", soft_wrap=True)
    return 0


def teardown_and_show(settings: Settings, *, endpoint_url: str | None, out: Console) -> int:
    """Tear both stacks down in the guide's order and print what is left; 0 when nothing.

    Raises:
        ConfigError: no endpoint, or neither stack exists there (nothing to tear down).
    """
    if endpoint_url is None:
        raise ConfigError(_NOTHING_TO_TEAR_DOWN)
    check_endpoint_url(endpoint_url)
    show = _stopwatch(out)
    with _target(settings, endpoint_url, show) as clients:
        _reaching(endpoint_url, lambda: _require_a_stack(settings, clients, endpoint_url))
        left = _reaching(endpoint_url, lambda: _teardown(settings, clients, show))
    for region in left:
        _print_leftovers(region, out)
    return 0 if all(region.empty for region in left) else 1


def _require_a_stack(settings: Settings, clients: Any, endpoint_url: str) -> None:
    """ConfigError when neither stack exists: a wrong --env or region, or nothing deployed."""
    from infra.deploy_common import AwsCalls, stack_summary

    s, aws = settings, AwsCalls(settings, clients, None, None)
    for region, stack in ((s.primary_region, s.primary_stack), (s.dr_region, s.dr_stack)):
        summary = stack_summary(aws, region, stack)
        # Some endpoints still describe a deleted stack by name, as DELETE_COMPLETE.
        if summary is not None and summary.get("StackStatus") != "DELETE_COMPLETE":
            return
    raise ConfigError(
        f"nothing to tear down at {endpoint_url}: neither stack {s.primary_stack!r} in "
        f"{s.primary_region} nor stack {s.dr_stack!r} in {s.dr_region} exists. Check the "
        f"environment suffix (--env, now {s.environment_suffix!r}) and the regions "
        "(--primary-region, --dr-region); `drill deploy` creates the stacks.")


def _teardown(settings: Settings, clients: Any, show: Show) -> Any:
    """The guide's cleanup (infra.deploy.teardown), then what is left in both regions."""
    from infra.deploy import teardown
    from infra.deploy_inspect import leftovers

    teardown(settings, clients, progress=show)
    show("checking what is left in both regions")
    return leftovers(settings, clients)


def _stopwatch(out: Console) -> Show:
    start = time.monotonic()

    def show(message: str) -> None:
        out.print(f"[dim]{time.monotonic() - start:6.1f}s[/] {escape(message)}", soft_wrap=True)
    return show


@contextmanager
def _target(settings: Settings, endpoint_url: str | None, show: Show) -> Iterator[Any]:
    """A guarded client factory for the endpoint, or for a moto server started for the call."""
    from drills.safety.target_guard import TargetGuard
    from infra.aws import ClientFactory

    server = None
    if endpoint_url is None:
        from infra.embedded.moto_server import MotoServer

        server = MotoServer().start()
        endpoint_url = server.endpoint_url
        show(f"embedded AWS started on {endpoint_url}; it stops when this command ends")
    try:
        guard = TargetGuard(settings)
        clients = ClientFactory(endpoint_url=endpoint_url, api_timeout_s=settings.api_timeout_s,
                                observers=(guard.gate,))
        # Nothing has been changed yet: an endpoint that does not answer is a bad argument.
        report = _reaching(endpoint_url, lambda: guard.check(clients), error=ConfigError)
        show(f"target guard passed: account {report.account}")
        yield clients
    finally:
        if server is not None:
            server.stop()
            show("embedded AWS stopped")


def _reaching(endpoint_url: str | None, action: Callable[[], Any], *,
              error: type[DrillError] = DeployError) -> Any:
    """Run ``action``; a transport failure (refused connection, timeout) becomes ``error``."""
    try:
        return action()
    except BotoCoreError as exc:
        # Only ClientError is wrapped by the deployer; a dead or wrong endpoint fails below it.
        raise error(f"the AWS endpoint {endpoint_url or '(embedded)'} did not answer: {exc}. "
                    "Check that the server is running and the URL is right.") from exc


def _outputs(title: str, outputs: Any) -> Table:
    table = Table(title=escape(title), title_justify="left")
    table.add_column("output", no_wrap=True)
    table.add_column("value", overflow="fold")
    for field in fields(outputs):
        table.add_row(field.name, escape(str(getattr(outputs, field.name))))
    return table


def _print_leftovers(region: Any, out: Console) -> None:
    if region.empty:
        out.print(f"left in {region.region}: nothing")
        return
    table = Table(title=f"left in {region.region}", title_justify="left")
    table.add_column("kind", no_wrap=True)
    table.add_column("names", overflow="fold")
    for kind in ("stacks", "db_instances", "file_systems", "replication_configurations",
                 "active_services"):
        names = getattr(region, kind)
        if names:
            table.add_row(kind.replace("_", " "), escape(", ".join(names)))
    out.print(table)
