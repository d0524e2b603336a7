"""The ``drill`` command line: the only part of the tool that talks to the terminal.

Exit codes: 0 objectives met; 1 the drill ran and an objective was missed or a check failed;
2 bad input (one paragraph on stderr, no traceback); 3 aborted by a guard or an interrupt.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from drills.config import Settings, load_settings
from drills.errors import DrillError

__all__ = ["main"]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _fail(exc: DrillError) -> NoReturn:
    label = {2: "error", 3: "refused"}.get(exc.exit_code, "failed")
    err.print(f"[bold red]drill: {label}:[/] {exc}", soft_wrap=True)
    sys.exit(exc.exit_code)


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    env = {"db_password": os.environ.get("DRILL_DB_PASSWORD")}
    config = ctx.obj.get("config")
    return load_settings(Path(config) if config else None, {**env, **overrides})


def _progress(start: Callable[[], float]) -> Callable[[str], None]:
    def show(message: str) -> None:
        out.print(f"[dim]{start():7.1f}s[/] {message}")
    return show


def _on_sigterm(_signum: int, _frame: Any) -> None:
    # Unwind like Ctrl-C, so every finally block reverts what the drill changed.
    raise KeyboardInterrupt


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", type=click.Path(dir_okay=False), envvar="DRILL_CONFIG",
              help="Settings file (TOML). Default: built-in embedded settings.")
@click.pass_context
def cli(ctx: click.Context, config: str | None) -> None:
    """Disaster-recovery drills for the StreamFlix warm-standby stack."""
    ctx.obj = {"config": config}
    signal.signal(signal.SIGTERM, _on_sigterm)


@cli.command()
@click.argument("feature", type=click.Path(path_type=Path))
@click.option("--backend", type=click.Choice(["embedded", "aws"]), default=None)
@click.option("--time-scale", type=float, default=None, help="Drill seconds per real second.")
@click.option("--out", "runs_dir", type=click.Path(path_type=Path), default=None,
              help="Folder that receives the run folder (default: runs/).")
@click.option("--seed", type=int, default=None, help="Seed of the latency model.")
@click.option("--latency", multiple=True, metavar="NAME=SECONDS",
              help="Override one latency-model figure (drill seconds); repeatable.")
@click.pass_context
def run(ctx: click.Context, feature: Path, backend: str | None, time_scale: float | None,
        runs_dir: Path | None, seed: int | None, latency: tuple[str, ...]) -> None:
    """Run every scenario of FEATURE and publish its evidence."""
    from drills.summary import run_and_report

    try:
        settings = _settings(ctx, backend=backend, time_scale=time_scale, runs_dir=runs_dir,
                             seed=seed, latency=_parse_latency(latency) or None)
        if settings.backend != "embedded":
            raise _aws_not_ready()
        sys.exit(run_and_report(feature, settings, out=out, err=err))
    except DrillError as exc:
        _fail(exc)


def _aws_not_ready() -> DrillError:
    from drills.errors import ConfigError

    return ConfigError("the aws backend is not available in this version: it needs the target "
                       "guard (account allowlist, environment tags) before it may touch an "
                       "account. Use --backend embedded.")


def _parse_latency(pairs: tuple[str, ...]) -> dict[str, float]:
    from drills.errors import ConfigError

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


@cli.command()
@click.pass_context
def deploy(ctx: click.Context) -> None:
    """Deploy both stacks on a fresh embedded AWS, verify them, and show the outputs."""
    from drills.summary import deploy_and_show

    try:
        sys.exit(deploy_and_show(_settings(ctx), out=out))
    except DrillError as exc:
        _fail(exc)


@cli.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
def verify(run_dir: Path) -> None:
    """Check a run folder's manifest and signature; name every altered file."""
    from drills.summary import verify_run

    try:
        sys.exit(verify_run(run_dir, os.environ.get("DRILL_SIGNING_KEY"), out=out))
    except DrillError as exc:
        _fail(exc)


@cli.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
def report(run_dir: Path) -> None:
    """Rebuild a run folder's HTML report from the folder alone."""
    from drills.summary import rebuild_report

    try:
        sys.exit(rebuild_report(run_dir, out=out))
    except DrillError as exc:
        _fail(exc)


@cli.command()
@click.option("--runs", "runs_dir", type=click.Path(path_type=Path), default=Path("runs"))
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None)
def history(runs_dir: Path, out_file: Path | None) -> None:
    """List past runs with verdict, RTO, RPO and trend; write a trend chart page."""
    from drills.summary import show_history

    try:
        sys.exit(show_history(runs_dir, out_file, out=out))
    except DrillError as exc:
        _fail(exc)


def main() -> None:
    """Entry point of the ``drill`` command."""
    cli(prog_name="drill")


if __name__ == "__main__":
    main()
