"""The ``drill`` command line: the only part of the tool that talks to the terminal.

Exit codes: 0 objectives met; 1 the drill ran and an objective was missed or a check failed;
2 bad input (one paragraph on stderr, no traceback); 3 aborted by a guard or an interrupt.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from drills.app.folder_cli import history, keygen, report, verify
from drills.app.terminal import err, finish, out
from drills.app.terminal import fail as _fail
from drills.safety.interrupts import install_handlers
from drills.settings.config import Settings, check_real_seconds, load_settings
from infra.core.errors import DrillError

__all__ = ["main"]

def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    env = {"db_password": os.environ.get("DRILL_DB_PASSWORD"),
           "signing_key_file": os.environ.get("DRILL_SIGNING_KEY_FILE") or None}
    config = ctx.obj.get("config")
    return load_settings(Path(config) if config else None, {**env, **overrides})


def _progress(start: Callable[[], float]) -> Callable[[str], None]:
    def show(message: str) -> None:
        out.print(f"[dim]{start():7.1f}s[/] {message}")
    return show


def _templates_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--templates DIR: the folder the deploy reads the stacks' templates from."""
    return click.option("--templates", "templates_dir", type=click.Path(path_type=Path),
                        metavar="DIR", help="Folder of the two templates to deploy (default: "
                        "infra/templates/); linted and checked first.")(command)



def _drill_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """What `drill run` and `drill up` both take: --out, --seed, --latency and --templates."""
    for option in reversed((
            click.option("--out", "runs_dir", type=click.Path(path_type=Path), default=None,
                         help="Folder that receives the run folder (default: runs/)."),
            click.option("--seed", type=int, default=None, help="Seed of the latency model."),
            click.option("--latency", multiple=True, metavar="NAME=SECONDS",
                         help="Override one latency-model figure (drill seconds); repeatable."),
            _templates_option)):  # listed as --help shows them
        command = option(command)
    return command

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", type=click.Path(dir_okay=False), envvar="DRILL_CONFIG",
              help="Settings file (TOML). Default: built-in embedded settings.")
@click.pass_context
def cli(ctx: click.Context, config: str | None) -> None:
    """Disaster-recovery drills for the StreamFlix warm-standby stack."""
    ctx.obj = {"config": config}
    # SIGTERM (and `drill abort`) unwinds like Ctrl-C, so every finally block reverts.
    install_handlers()


@cli.command()
@click.argument("feature", type=click.Path(path_type=Path), metavar="FEATURE_OR_SCENARIO")
@click.option("--backend", type=click.Choice(["embedded", "aws"]), default=None)
@click.option("--time-scale", type=float, default=None,
              help="Run on the scaled real-time clock at this many drill seconds per real "
                   "second (default: virtual time on the embedded backend).")
@_drill_options
@click.option("--verbose", "-v", is_flag=True, help="Also show pytest's own output lines.")
@click.option("--watch", is_flag=True, default=False,
              help="Serve a live dashboard of each drill on 127.0.0.1 (its address is printed).")
@click.pass_context
def run(ctx: click.Context, feature: Path, backend: str | None, time_scale: float | None,
        runs_dir: Path | None, seed: int | None, latency: tuple[str, ...],
        templates_dir: Path | None, verbose: bool, watch: bool) -> None:
    """Run every scenario of a feature file (or a name: region-loss) and publish its evidence."""
    from drills.app.run_command import run_and_report
    from drills.app.up_command import watching

    try:
        settings = _settings(ctx, backend=backend, time_scale=time_scale, runs_dir=runs_dir,
                             seed=seed, latency=_parse_latency(latency) or None,
                             templates_dir=templates_dir,
                             clock="scaled" if time_scale is not None else None)
        with watching(settings.runs_dir, watch, out):
            sys.exit(run_and_report(_feature_path(feature), settings, verbose, out=out, err=err))
    except DrillError as exc:
        _fail(exc)
    except KeyboardInterrupt as exc:  # outside a drill's own handling: nothing left injected
        err.print(f"[bold red]drill: aborted:[/] interrupted by {exc or 'SIGINT'}; every drill "
                  "that started has reverted its faults and journaled its verdict (rebuild a "
                  "run's report with `drill report RUN_DIR`)", soft_wrap=True)
        sys.exit(3)


@cli.command()
@click.argument("feature", type=click.Path(path_type=Path), metavar="FEATURE_OR_SCENARIO")
@click.option("--draws", type=int, required=True, help="Seeded drills per scenario.")
@click.option("--jobs", type=int, default=None, help="Worker processes (default: one a core).")
@click.option("--seed", type=int, default=None, help="Seed of the seed list (default: drawn).")
@click.option("--out", "runs_dir", type=click.Path(path_type=Path), help="Default: runs/.")
@click.pass_context
def forecast(ctx: click.Context, feature: Path, draws: int, jobs: int | None, seed: int | None,
             **overrides: Any) -> None:
    """Run N seeded drills of a feature's scenarios and forecast how often RTO/RPO are met."""
    from drills.app.forecast_command import forecast_and_report
    try:  # an interrupt comes back as DrillAborted (exit 3)
        sys.exit(forecast_and_report(_feature_path(feature), _settings(ctx, **overrides),
                                     draws=draws, jobs=jobs, seed=seed, out=out, err=err))
    except DrillError as exc:
        _fail(exc)


def _feature_path(name: Path) -> Path:
    """A feature file path as given, or a scenario name such as ``region-loss``."""
    if name.exists() or name.suffix == ".feature":
        return name
    from drills.journal.runinfo import PROJECT_ROOT

    candidate = PROJECT_ROOT / "features" / f"{str(name).replace('-', '_')}.feature"
    return candidate if candidate.is_file() else name


def _aws_not_ready() -> DrillError:
    from infra.core.errors import ConfigError

    return ConfigError("this command is not available on the aws backend in this version: "
                       "`drill run` and `drill plan` take --backend aws, but deploying, tearing "
                       "down and auditing a real account do not yet. Use --backend embedded, "
                       "or --endpoint-url for an AWS-compatible endpoint.")


def _parse_latency(pairs: tuple[str, ...]) -> dict[str, float]:
    from infra.core.errors import ConfigError

    result = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            result[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise ConfigError(f"--latency takes NAME=SECONDS, got {pair!r}")
    return result


def _stack_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options deploy, teardown and audit share: which stacks, in which regions, where."""
    options = (
        click.option("--backend", type=click.Choice(["embedded", "aws"]), default=None),
        click.option("--env", "environment_suffix", metavar="SUFFIX", default=None,
                     help="Environment suffix in every stack and resource name (default: dev)."),
        click.option("--primary-region", default=None, help="Default: eu-west-2."),
        click.option("--dr-region", default=None, help="Default: us-east-1."),
        click.option("--endpoint-url", metavar="URL", default=None,
                     help="An AWS-compatible endpoint that is already running (e.g. a moto "
                          "server). Without it, deploy and audit start a throwaway "
                          "embedded AWS."),
    )
    for option in reversed(options):
        command = option(command)
    return command


def _stack_settings(ctx: click.Context, **overrides: Any) -> Settings:
    """Settings for deploy, teardown and audit; the aws backend is refused (exit 2)."""
    settings = _settings(ctx, **overrides)
    if settings.backend != "embedded":
        raise _aws_not_ready()
    return settings


@cli.command()
@_stack_options
@_templates_option
@click.pass_context
def deploy(ctx: click.Context, backend: str | None, environment_suffix: str | None,
           primary_region: str | None, dr_region: str | None, endpoint_url: str | None,
           templates_dir: Path | None) -> None:
    """Deploy (or find) both stacks, verify them, and show the outputs."""
    from drills.app.stack_commands import deploy_and_show

    try:
        settings = _stack_settings(ctx, backend=backend, environment_suffix=environment_suffix,
                                   primary_region=primary_region, dr_region=dr_region,
                                   templates_dir=templates_dir)
        sys.exit(deploy_and_show(settings, endpoint_url=endpoint_url, out=out))
    except DrillError as exc:
        _fail(exc)


@cli.command()
@_stack_options
@click.pass_context
def teardown(ctx: click.Context, backend: str | None, environment_suffix: str | None,
             primary_region: str | None, dr_region: str | None, endpoint_url: str | None) -> None:
    """Delete the DR stack, then the primary (the guide's cleanup), and show what is left."""
    from drills.app.stack_commands import teardown_and_show

    try:
        settings = _stack_settings(ctx, backend=backend, environment_suffix=environment_suffix,
                                   primary_region=primary_region, dr_region=dr_region)
        sys.exit(teardown_and_show(settings, endpoint_url=endpoint_url, out=out))
    except DrillError as exc:
        _fail(exc)


@cli.command()
@_stack_options
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@_templates_option
@click.pass_context
def audit(ctx: click.Context, backend: str | None, environment_suffix: str | None,
          primary_region: str | None, dr_region: str | None, endpoint_url: str | None,
          as_json: bool, templates_dir: Path | None) -> None:
    """Check the deployed stacks (read-only) for what would make a failover fail."""
    from drills.app.audit_command import audit_and_show

    try:
        settings = _stack_settings(ctx, backend=backend, environment_suffix=environment_suffix,
                                   primary_region=primary_region, dr_region=dr_region,
                                   templates_dir=templates_dir)
        sys.exit(audit_and_show(settings, endpoint_url=endpoint_url, as_json=as_json,
                                out=out, err=err))
    except DrillError as exc:
        _fail(exc)


def _timeout_option(default: float, what: str) -> Callable[..., Any]:
    """--timeout: real seconds abort, inject and down wait for a running drill."""
    return click.option("--timeout", "timeout_s", type=float, default=default,
                        show_default=True, help=what)


def _act_on_runs(action: Callable[..., int], runs_dir: Path, run_dir: Path | None,
                 timeout_s: float) -> None:
    """Check --timeout, act on the running drill(s) and exit with the action's code."""
    try:
        check_real_seconds(("--timeout", timeout_s))
        sys.exit(action(runs_dir, run_dir, timeout_s=timeout_s, out=out))
    except DrillError as exc:
        _fail(exc)


@cli.command()
@click.option("--run", "run_dir", type=click.Path(path_type=Path), default=None,
              help="Run folder of the drill to stop (default: every drill under --runs).")
@click.option("--runs", "runs_dir", type=click.Path(path_type=Path), default=Path("runs"),
              help="Folder holding the run folders (the drill's --out; default: runs/).")
@_timeout_option(300.0, "Seconds to wait for each drill to revert and exit.")
def abort(run_dir: Path | None, runs_dir: Path, timeout_s: float) -> None:
    """Stop a running drill from another shell: it reverts its faults and exits 3."""
    from drills.app.safety_commands import abort_runs

    _act_on_runs(abort_runs, runs_dir, run_dir, timeout_s)


@cli.command()
@click.option("--run", "run_dir", type=click.Path(path_type=Path), required=True,
              help="Run folder whose faults to finish reverting.")
@click.pass_context
def cleanup(ctx: click.Context, run_dir: Path) -> None:
    """Finish a run's cleanup from its journal (idempotent; the run folder is not changed)."""
    from drills.app.safety_commands import cleanup_and_show

    try:
        sys.exit(cleanup_and_show(run_dir, out=out, clients=lambda: _guarded_clients(ctx)))
    except DrillError as exc:
        _fail(exc)


def _guarded_clients(ctx: click.Context) -> Any:
    """Clients for the aws backend from the config, once the target guard has passed."""
    from drills.run.backends import guarded_aws_clients

    return guarded_aws_clients(_settings(ctx, backend="aws"))[0]


@cli.command()
@click.argument("feature", type=click.Path(path_type=Path), metavar="FEATURE_OR_SCENARIO")
@click.option("--backend", type=click.Choice(["embedded", "aws"]), default=None)
@click.option("--endpoint-url", metavar="URL", default=None,
              help="Read the target from this AWS-compatible endpoint (e.g. a moto server).")
@_templates_option
@click.pass_context
def plan(ctx: click.Context, feature: Path, backend: str | None, endpoint_url: str | None,
         templates_dir: Path | None) -> None:
    """Print every action FEATURE's scenarios would take, in order; change nothing."""
    from drills.app.plan_command import show_plan

    try:
        settings = _settings(ctx, backend=backend, templates_dir=templates_dir)
        sys.exit(show_plan(_feature_path(feature), settings, endpoint_url=endpoint_url, out=out))
    except DrillError as exc:
        _fail(exc)


@cli.command()
@click.option("--scenario", type=click.Choice(["region-loss", "failback"]), default=None,
              help="region-loss: lose the primary region when asked and time the failover "
                   "people make; failback: the drill fails over, people fail back.")
@click.option("--time-scale", type=float, default=None,
              help="Drill seconds per real second (default for up: 10).")
@click.option("--inject-after", "inject_after_s", type=float, default=None, metavar="SECONDS",
              help="Lose the region this many real seconds after the stack is up (countdown); "
                   "otherwise press Enter or run `drill inject`.")
@click.option("--linger", "linger_s", type=click.FloatRange(min=0), default=30.0,
              show_default=True, metavar="SECONDS",
              help="Keep serving this many real seconds after recovery, for the last checks.")
@_drill_options
@click.option("--empty", is_flag=True, default=False,
              help="Deploy nothing: people run the guide's steps 1-6 themselves.")
@click.pass_context
def up(ctx: click.Context, scenario: str | None, time_scale: float | None,
       inject_after_s: float | None, linger_s: float, runs_dir: Path | None, seed: int | None,
       latency: tuple[str, ...], templates_dir: Path | None, empty: bool) -> None:
    """Deploy the stack live on the embedded AWS, for people to rehearse the runbook by hand."""
    from drills.app.up_command import up_and_report
    from drills.rehearsal.session import UP_TIME_SCALE
    from infra.core.errors import ConfigError

    try:
        if inject_after_s is not None and scenario is None:
            raise ConfigError("--inject-after needs --scenario region-loss: without a "
                              "scenario there is no fault to inject")
        check_real_seconds(("--inject-after", inject_after_s), ("--linger", linger_s))
        settings = _settings(ctx, time_scale=time_scale or UP_TIME_SCALE, runs_dir=runs_dir,
                             seed=seed, latency=_parse_latency(latency) or None,
                             templates_dir=templates_dir,
                             clock="scaled")  # people are in the loop: real time runs
        if settings.backend != "embedded":
            raise _aws_not_ready()
        sys.exit(up_and_report(settings, scenario=scenario,  # type: ignore[arg-type]
                               inject_after_s=inject_after_s, linger_s=linger_s, out=out,
                               err=err, empty=empty))
    except DrillError as exc:
        _fail(exc)
    except KeyboardInterrupt as exc:  # before the drill began, or while its folder was written
        err.print(f"[bold red]drill: aborted:[/] interrupted by {exc or 'SIGINT'}",
                  soft_wrap=True)
        sys.exit(3)


def _up_target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--run and --runs: which running `drill up` inject and down act on."""
    command = click.option("--runs", "runs_dir", type=click.Path(path_type=Path),
                           default=Path("runs"),
                           help="Folder holding the run folders (up's --out; default: runs/).")(
        command)
    return click.option("--run", "run_dir", type=click.Path(path_type=Path), default=None,
                        envvar="DRILL_RUN", help="Run folder of the `drill up` (env.sh exports "
                        "it as DRILL_RUN; default: the only one under --runs).")(command)


@cli.command()
@_up_target_options
@_timeout_option(60.0, "Seconds to wait for the fault to be injected.")
def inject(run_dir: Path | None, runs_dir: Path, timeout_s: float) -> None:
    """Lose the primary region now, in a running `drill up --scenario region-loss`."""
    from drills.app.up_command import inject_run

    _act_on_runs(inject_run, runs_dir, run_dir, timeout_s)


@cli.command()
@_up_target_options
@_timeout_option(300.0, "Seconds to wait for it to revert, stop and write its run folder.")
def down(run_dir: Path | None, runs_dir: Path, timeout_s: float) -> None:
    """Stop a running `drill up`: faults reverted, everything stopped, run folder written."""
    from drills.app.up_command import down_runs

    _act_on_runs(down_runs, runs_dir, run_dir, timeout_s)


for _command in (verify, keygen, report, history):  # the run-folder commands
    cli.add_command(_command)


def main() -> None:
    """Entry point of the ``drill`` command."""
    try:
        cli(prog_name="drill")
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    finish(code)


if __name__ == "__main__":
    main()
