"""Manifest and signature: untouched folders verify; every kind of tampering is named."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from reports import load_signing_key, publish, verify
from reports.manifest import MANIFEST_FILE, SIGNATURE_FILE
from tests.runfolder import build_run_folder

__all__: list[str] = []

KEY = b"test-signing-key-0123456789"
FILES = ("timeline.jsonl", "probes.csv", "markers.csv", "ground_truth.jsonl", "junit.xml",
         "evidence.json", "report.html", "metrics.prom")


@pytest.fixture(scope="module")
def _sealed_once(tmp_path_factory):
    """One published, signed synthetic run folder; tests tamper with copies of it."""
    # Publishing renders the report (about a second); copying the result takes milliseconds.
    run = build_run_folder(tmp_path_factory.mktemp("sealed") / "run")
    publish(run.path, signing_key=KEY)
    return run.path


@pytest.fixture
def sealed(_sealed_once, tmp_path):
    """A fresh copy of the signed folder, byte for byte, for this test to change."""
    return shutil.copytree(_sealed_once, tmp_path / "run")


def test_untouched_folder_verifies_with_a_valid_signature(sealed):
    result = verify(sealed, KEY)
    assert (result.ok, result.signature, result.problems()) == (True, "valid", ())


def test_manifest_lists_every_file_sorted_except_itself(sealed):
    lines = (sealed / MANIFEST_FILE).read_text().splitlines()
    paths = [line.split("  ", 1)[1] for line in lines]
    assert paths == sorted(FILES)


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils sha256sum absent")
def test_manifest_is_checkable_with_sha256sum(sealed):
    done = subprocess.run(["sha256sum", "--check", "--strict", MANIFEST_FILE], cwd=sealed,
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", FILES, ids=FILES)
def test_a_changed_byte_names_the_file(sealed, name):
    path = sealed / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = verify(sealed, KEY)
    assert (result.ok, result.altered, result.signature) == (False, (name,), "valid")
    assert any(p.startswith(f"{name}: altered") for p in result.problems())


def test_a_removed_file_is_named(sealed):
    (sealed / "probes.csv").unlink()
    result = verify(sealed, KEY)
    assert (result.ok, result.removed) == (False, ("probes.csv",))


def test_an_added_file_is_named(sealed):
    (sealed / "extra").mkdir()
    (sealed / "extra" / "notes.txt").write_text("added later\n")
    result = verify(sealed, KEY)
    assert (result.ok, result.added) == (False, ("extra/notes.txt",))


def test_an_edited_manifest_breaks_the_signature(sealed):
    manifest = sealed / MANIFEST_FILE
    manifest.write_text(manifest.read_text().replace("  junit.xml\n", "  junit.xml\n", 1)
                        + f"{'0' * 64}  ghost.txt\n")
    result = verify(sealed, KEY)
    assert (result.ok, result.signature) == (False, "invalid")
    assert result.removed == ("ghost.txt",)
    assert any(p.startswith(f"{MANIFEST_FILE}: signature") for p in result.problems())


def test_a_consistently_rewritten_file_and_manifest_are_caught_by_the_signature(sealed):
    from reports.manifest import manifest_text

    (sealed / "evidence.json").write_text('{"run_id": "forged", "passed": true}\n')
    (sealed / MANIFEST_FILE).write_text(manifest_text(sealed))
    result = verify(sealed, KEY)
    assert (result.intact, result.ok, result.signature) == (True, False, "invalid")


@pytest.mark.parametrize("index", [0, 20, -2, -1], ids=["algorithm", "key-id", "mac", "newline"])
def test_any_changed_byte_of_the_signature_fails(sealed, index):
    sig = sealed / SIGNATURE_FILE
    data = bytearray(sig.read_bytes())
    data[index] ^= 0x01  # the newline becomes a vertical tab: still whitespace, still tampering
    sig.write_bytes(bytes(data))
    result = verify(sealed, KEY)
    assert not result.ok and result.signature in ("invalid", "wrong-key")
    assert any(SIGNATURE_FILE in p for p in result.problems()), result.problems()


def test_wrong_key_is_told_apart(sealed):
    assert verify(sealed, b"another key").signature == "wrong-key"


def test_removed_signature_fails_when_a_key_is_given(sealed):
    (sealed / SIGNATURE_FILE).unlink()
    result = verify(sealed, KEY)
    assert (result.ok, result.signature) == (False, "missing")


def test_unsigned_run_says_unsigned(tmp_path):
    run = build_run_folder(tmp_path / "run")
    publish(run.path)
    result = verify(run.path)
    assert (result.ok, result.signature) == (True, "unsigned")
    assert "UNSIGNED" in result.summary()
    assert not (run.path / SIGNATURE_FILE).exists()


def test_signed_run_without_key_is_not_reported_as_checked(sealed):
    result = verify(sealed)
    assert result.signature == "not-checked"
    assert "NOT checked" in result.summary()


def test_missing_manifest_fails(tmp_path):
    run = build_run_folder(tmp_path / "run")
    result = verify(run.path)
    assert (result.ok, result.manifest_present) == (False, False)


def test_signing_key_from_file_drops_the_newline(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_bytes(KEY + b"\n")
    assert load_signing_key(path=key_file) == KEY
    assert load_signing_key(value=KEY.decode()) == KEY


def test_empty_signing_key_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        load_signing_key(value="")
