"""Neither the database password nor the signing key appears anywhere a drill writes."""

from __future__ import annotations

import re

import pytest

from reports import verify
from tests.drillcli import ATTESTATION_SEED, DB_PASSWORD, SIGNING_KEY, write_attestation_keys

__all__: list[str] = []


def _attestation_key_forms() -> dict[str, str]:
    """The attestation's private key as it could leak: PEM body, hex and base64 of the seed."""
    import base64
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        pem = write_attestation_keys(Path(tmp))[0].read_text(encoding="ascii")
    return {"private key PEM": "".join(pem.splitlines()[1:-1]),
            "private key hex": ATTESTATION_SEED.hex(),
            "private key base64": base64.b64encode(ATTESTATION_SEED).decode("ascii")}


SECRETS = {"DBPassword": DB_PASSWORD, "signing key": SIGNING_KEY, **_attestation_key_forms()}
IDS = ["db-password", "signing-key", "private-key-pem", "private-key-hex", "private-key-b64"]


@pytest.fixture(scope="module")
def written(signed_run) -> dict[str, bytes]:
    """Every file under the folder `drill run --out` was given, by path, as raw bytes."""
    # The whole --out folder, not only the run folder: bookkeeping beside it counts too.
    out = signed_run.run_dir.parent
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file()}


def test_the_run_finished_and_was_signed_with_the_known_key(signed_run, sealed_run_dir):
    assert signed_run.exit_code in (0, 1), signed_run.stderr[-2000:]
    assert verify(sealed_run_dir, SIGNING_KEY.encode("utf-8")).signature == "valid"
    assert (sealed_run_dir / "attestation.dsse.json").is_file()


@pytest.mark.parametrize("name", list(SECRETS), ids=IDS)
def test_no_file_holds_the_secret(written, name):
    secret = SECRETS[name].encode("utf-8")

    assert len(written) >= 10
    leaks = [path for path, data in written.items() if secret in data or secret in path.encode()]
    assert not leaks, f"the {name} appears in {leaks}"


def test_no_file_holds_the_raw_attestation_key(written):
    assert not [path for path, data in written.items() if ATTESTATION_SEED in data]


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
@pytest.mark.parametrize("name", list(SECRETS), ids=IDS)
def test_no_output_line_holds_the_secret(signed_run, stream, name):
    text = getattr(signed_run, stream)
    leaks = [line for line in text.splitlines() if SECRETS[name] in line]
    assert not leaks, f"the {name} appears on {stream}: {leaks}"
    # The terminal wraps long lines; a secret split across two must not slip through.
    assert SECRETS[name] not in re.sub(r"\s+", "", text), f"the {name} appears on {stream}"
