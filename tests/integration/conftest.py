"""A real drill run through the ``drill`` CLI, shared by the evidence tests of one session.

The drill runs as a subprocess, exactly as an operator starts it, with a known database
password and signing key, so tests can look for them in everything the run leaves behind.
It starts in the background (``signed_drill``): a test that runs a drill of its own requests
``shared_drill_alongside`` first, so the two drills overlap instead of queueing. Under
pytest-xdist one drill serves every worker (``SharedDrill``), not one per worker.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.template_gate import TEMPLATES
from reports.pdf import find_chromium
from tests.drillcli import (
    DB_PASSWORD,
    SIGNING_KEY,
    DrillRun,
    SharedDrill,
    drill_env,
    write_attestation_keys,
)

# The region simulator's fixtures, for every module here without importing them one by one.
from tests.integration.simulator_stack import sim_settings, simulator, stack  # noqa: F401

# Fixtures that hand out the shared run.
_SHARED = {"signed_run", "sealed_run_dir"}


@pytest.fixture(scope="session")
def attestation_keys(tmp_path_factory) -> tuple[Path, Path]:
    """The shared drill's Ed25519 key pair (private, public), the same in every worker."""
    return write_attestation_keys(tmp_path_factory.getbasetemp() / "attestation-keys")


@pytest.fixture(scope="session")
def signed_drill(request, tmp_path_factory, attestation_keys) -> Iterator[SharedDrill]:
    """The shared drill, HMAC-signed and attested, with a known password, in the background.

    Where Chromium is installed it also writes report.pdf, so the PDF is sealed with the rest.
    """
    root = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # an xdist worker: the session's folder
        root = root.parent
    env = drill_env(DRILL_DB_PASSWORD=DB_PASSWORD, DRILL_SIGNING_KEY=SIGNING_KEY,
                    DRILL_SIGNING_KEY_FILE=str(attestation_keys[0]))
    if find_chromium() is not None:
        config = tmp_path_factory.getbasetemp() / "pdf-report.toml"
        config.write_text("pdf_report = true\n", encoding="utf-8")
        env["DRILL_CONFIG"] = str(config)
    # It deploys a copy of the project's templates through --templates, as a team drills
    # its own edited copy (tests/integration/test_templates_dir.py checks what it recorded).
    templates = shutil.copytree(TEMPLATES, tmp_path_factory.mktemp("templates") / "lib")
    with SharedDrill(root / "signed-drill", env, ("--templates", str(templates))) as shared:
        yield shared


@pytest.fixture(scope="session")
def signed_run(signed_drill) -> DrillRun:
    """ONE signed drill run through the CLI: (run_dir, stdout, stderr, exit code)."""
    return signed_drill.wait()


@pytest.fixture(scope="session")
def sealed_run_dir(signed_run, signed_drill) -> Path:
    """A copy of the shared run folder exactly as ``drill run`` sealed it."""
    return signed_drill.sealed(signed_run)


@pytest.fixture(scope="session", autouse=True)
def shared_drill_alongside(request) -> None:
    """Start the shared drill now, if a selected test will use it, to overlap this one's own."""
    # Drills spend most of their wall time waiting on drill-time latencies, so two at once
    # take little longer than one. Autouse: it starts with the first integration test, so
    # the tests that read the run rarely wait for it.
    if any(_SHARED & set(item.fixturenames) for item in request.session.items):
        request.getfixturevalue("signed_drill")
