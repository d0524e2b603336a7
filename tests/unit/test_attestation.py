"""Public-key evidence: keygen, the DSSE/in-toto attestation, and `drill verify --public-key`."""

from __future__ import annotations

import base64
import json
import shutil
import stat
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization

from reports import generate_keypair, load_public_key, load_signer, publish, verify
from reports.attestation import ATTESTATION_FILE, PAYLOAD_TYPE, STATEMENT_TYPE, verify_attestation
from reports.manifest import MANIFEST_FILE, SIGNATURE_FILE, write_manifest
from reports.publish import RUN_PREDICATE_TYPE
from tests.drillcli import drill_command, drill_env
from tests.runfolder import build_run_folder

__all__: list[str] = []

HMAC_KEY = b"test-hmac-key-0123456789"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """One key pair the folder is signed with, and another nobody signed with."""
    folder = tmp_path_factory.mktemp("keys")
    return generate_keypair(folder / "signer.key"), generate_keypair(folder / "other.key")


@pytest.fixture(scope="module")
def _attested_once(tmp_path_factory, keys):
    run = build_run_folder(tmp_path_factory.mktemp("attested") / "run")
    publish(run.path, signing_key=HMAC_KEY, signer=load_signer(keys[0].private_key))
    return run


@pytest.fixture
def attested(_attested_once, tmp_path):
    """A fresh copy of the HMAC-signed and attested folder, for this test to change."""
    return shutil.copytree(_attested_once.path, tmp_path / "run")


def _drill_verify(run_dir, public_key, **env):
    return subprocess.run(drill_command("verify", str(run_dir), "--public-key", str(public_key)),
                          capture_output=True, text=True, timeout=60, check=False,
                          env=drill_env(**env))


def test_keygen_writes_a_private_key_only_its_owner_reads_and_refuses_to_overwrite(tmp_path):
    pair = generate_keypair(tmp_path / "k")
    assert stat.S_IMODE(pair.private_key.stat().st_mode) == 0o600
    assert pair.public_key == tmp_path / "k.pub"
    assert load_public_key(pair.public_key).keyid == pair.keyid
    before = pair.private_key.read_bytes()
    done = subprocess.run(drill_command("keygen", str(pair.private_key)), capture_output=True,
                          text=True, timeout=60, check=False, env=drill_env())
    assert done.returncode == 2, done.stderr
    assert "already exists" in done.stderr and "Traceback" not in done.stderr
    assert pair.private_key.read_bytes() == before


def test_cli_keygen_prints_both_paths_and_the_key_id(tmp_path):
    done = subprocess.run(drill_command("keygen", str(tmp_path / "drill.key")),
                          capture_output=True, text=True, timeout=60, check=False,
                          env=drill_env())
    assert done.returncode == 0, done.stderr
    keyid = load_public_key(tmp_path / "drill.key.pub").keyid
    assert keyid in done.stdout and "drill.key.pub" in done.stdout
    assert stat.S_IMODE((tmp_path / "drill.key").stat().st_mode) == 0o600
    pem_body = "".join((tmp_path / "drill.key").read_text().splitlines()[1:-1])
    assert pem_body not in "".join((done.stdout + done.stderr).split())


def test_the_statement_names_every_file_and_states_the_run(_attested_once, keys):
    run = _attested_once
    envelope = json.loads((run.path / ATTESTATION_FILE).read_text())
    assert envelope["payloadType"] == PAYLOAD_TYPE
    assert [s["keyid"] for s in envelope["signatures"]] == [keys[0].keyid]
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == STATEMENT_TYPE
    assert statement["predicateType"] == RUN_PREDICATE_TYPE
    names = {s["name"] for s in statement["subject"]}
    assert {MANIFEST_FILE, SIGNATURE_FILE, "evidence.json", "report.html"} <= names
    assert ATTESTATION_FILE not in names
    evidence = json.loads((run.path / "evidence.json").read_text())
    predicate = statement["predicate"]
    assert (predicate["runId"], predicate["scenario"], predicate["verdict"]) == (
        run.run_id, evidence["scenario"], evidence["verdict"])
    assert predicate["backend"] == evidence["backend"]
    assert predicate["rto"]["achievedSeconds"] == run.rto_seconds
    assert predicate["rto"]["objectiveSeconds"] == evidence["objectives"]["rto_seconds"]
    assert predicate["rpo"]["achievedSeconds"] == run.rpo_seconds
    assert predicate["toolVersion"] == evidence["provenance"]["tool_version"]


def test_an_untouched_folder_verifies_with_the_public_key_alone(attested, keys):
    result = verify_attestation(attested, load_public_key(keys[0].public_key))
    assert (result.ok, result.status, result.problems()) == (True, "valid", ())
    done = _drill_verify(attested, keys[0].public_key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "attestation valid" in done.stdout


def test_every_altered_added_and_removed_file_is_named(attested, keys):
    (attested / "probes.csv").write_text("forged\n")
    (attested / "extra.txt").write_text("new\n")
    (attested / "markers.csv").unlink()
    result = verify_attestation(attested, load_public_key(keys[0].public_key))
    assert (result.altered, result.added, result.removed) == (
        ("probes.csv",), ("extra.txt",), ("markers.csv",))
    done = _drill_verify(attested, keys[0].public_key)
    assert done.returncode == 1
    for line in ("probes.csv: altered (hash differs from the attestation)",
                 "extra.txt: added (not in the attestation)",
                 "markers.csv: removed (attested, missing)"):
        assert line in done.stdout


def test_a_wrong_public_key_is_named_as_such(attested, keys):
    result = verify_attestation(attested, load_public_key(keys[1].public_key))
    assert result.status == "wrong-key" and not result.ok
    done = _drill_verify(attested, keys[1].public_key)
    assert done.returncode == 1
    assert f"signed by key {keys[0].keyid}, not by the given public key {keys[1].keyid}" in (
        done.stdout)


def test_a_truncated_envelope_is_reported_not_a_traceback(attested, keys):
    path = attested / ATTESTATION_FILE
    path.write_bytes(path.read_bytes()[:200])
    done = _drill_verify(attested, keys[0].public_key)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "attestation.dsse.json: not a JSON DSSE envelope (truncated or edited?)" in done.stdout


def test_a_payload_edited_under_the_old_signature_fails_the_signature(attested, keys):
    path = attested / ATTESTATION_FILE
    envelope = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["verdict"] = "passed"
    statement["predicate"]["rto"]["achievedSeconds"] = 1.0
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    path.write_text(json.dumps(envelope))
    result = verify_attestation(attested, load_public_key(keys[0].public_key))
    assert result.status == "bad-signature"
    assert "envelope edited after signing" in result.summary()


def test_a_manifest_rewritten_and_hmac_signed_again_is_caught(attested, keys):
    evidence = attested / "evidence.json"
    evidence.write_text(evidence.read_text().replace('"verdict": "', '"verdict": "x', 1))
    write_manifest(attested, key=HMAC_KEY)  # the forger holds the shared HMAC secret
    assert verify(attested, HMAC_KEY).ok  # so the HMAC alone says all is well
    done = _drill_verify(attested, keys[0].public_key, DRILL_SIGNING_KEY=HMAC_KEY.decode())
    assert done.returncode == 1
    assert "intact and signed (signature valid)" in done.stdout
    assert "evidence.json: altered (hash differs from the attestation)" in done.stdout
    assert "MANIFEST.sha256: rewritten after the attestation was signed" in done.stdout


def test_an_hmac_only_run_still_verifies_and_has_no_attestation_to_check(tmp_path, keys):
    run = build_run_folder(tmp_path / "old")
    publish(run.path, signing_key=HMAC_KEY)
    assert verify(run.path, HMAC_KEY).ok and not (run.path / ATTESTATION_FILE).exists()
    done = _drill_verify(run.path, keys[0].public_key, DRILL_SIGNING_KEY=HMAC_KEY.decode())
    assert done.returncode == 1
    assert "intact and signed (signature valid)" in done.stdout
    assert "attestation.dsse.json: missing" in done.stdout


def test_a_bad_public_key_file_is_bad_input(attested, tmp_path):
    not_a_key = tmp_path / "nope.pub"
    not_a_key.write_text("hello\n")
    for path in (not_a_key, tmp_path / "absent.pub"):
        done = _drill_verify(attested, path)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert "--public-key" in done.stderr


def test_the_private_key_appears_in_no_artifact(_attested_once, keys):
    signer = load_signer(keys[0].private_key)
    raw = signer._private_key.private_bytes(serialization.Encoding.Raw,
                                            serialization.PrivateFormat.Raw,
                                            serialization.NoEncryption())
    pem_body = b"".join(keys[0].private_key.read_bytes().splitlines()[1:-1])
    needles = (raw, raw.hex().encode(), base64.b64encode(raw), pem_body,
               str(keys[0].private_key).encode())
    for path in _attested_once.path.rglob("*"):
        data = path.read_bytes()
        assert not [n for n in needles if n in data], path.name
