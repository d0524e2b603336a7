"""``drill verify``, ``keygen``, ``report`` and ``history``: commands on run folders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from drills.app.terminal import fail as _fail
from drills.app.terminal import out
from infra.core.errors import DrillError

__all__ = ["history", "keygen", "report", "verify"]


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--public-key", type=click.Path(path_type=Path), help="Ed25519 public key (.pub).")
def verify(run_dir: Path, public_key: Path | None) -> None:
    """Check a run folder's manifest, signature and (--public-key) attestation; name changes."""
    from drills.app.run_command import verify_run

    try:
        sys.exit(verify_run(run_dir, os.environ.get("DRILL_SIGNING_KEY"), public_key, out=out))
    except DrillError as exc:
        _fail(exc)


@click.command()
@click.argument("key_file", type=click.Path(path_type=Path), default=Path("drill-signing.key"))
def keygen(key_file: Path) -> None:
    """Write an Ed25519 key pair (KEY_FILE, mode 0600, and KEY_FILE.pub) to sign runs with."""
    from drills.app.run_command import keygen_and_show

    try:
        sys.exit(keygen_and_show(key_file, out=out))
    except DrillError as exc:
        _fail(exc)


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--pdf", is_flag=True, help="Also print report.pdf (headless Chromium).")
def report(run_dir: Path, pdf: bool) -> None:
    """Rebuild a run folder's HTML report (and PDF) from the folder alone."""
    from drills.app.run_command import rebuild_report

    try:
        sys.exit(rebuild_report(run_dir, out=out, pdf=pdf))
    except DrillError as exc:
        _fail(exc)


@click.command()
@click.option("--runs", "runs_dir", type=click.Path(path_type=Path), default=Path("runs"))
@click.option("--out", "out_file", type=click.Path(path_type=Path), default=None)
def history(runs_dir: Path, out_file: Path | None) -> None:
    """List past runs with verdict, RTO, RPO and trend; write a trend chart page."""
    from drills.app.run_command import show_history

    try:
        sys.exit(show_history(runs_dir, out_file, out=out))
    except DrillError as exc:
        _fail(exc)
