"""Integrity of a run folder: a sha256sum-style manifest and an HMAC-SHA256 signature over it.

``MANIFEST.sha256`` lists every file of the folder except itself, its signature and the
public-key attestation written over it (reports/attestation.py), as
``<sha256>  <relative/path>`` lines sorted by path, so ``sha256sum -c MANIFEST.sha256`` run in
the folder checks it too. ``MANIFEST.sha256.sig`` holds ``hmac-sha256 <key-id> <hex>``: the
HMAC of the manifest's bytes under a key the organisation keeps. The manifest alone detects
accidental change; only the signature shows that nobody rewrote files *and* manifest.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reports import run_folder
from reports.attestation import ATTESTATION_FILE
from reports.sources import sha256_file

__all__ = [
    "MANIFEST_FILE",
    "SIGNATURE_FILE",
    "SignatureStatus",
    "VerifyResult",
    "load_signing_key",
    "manifest_text",
    "verify",
    "write_manifest",
]

log = logging.getLogger(__name__)

MANIFEST_FILE = run_folder.MANIFEST
SIGNATURE_FILE = run_folder.SIGNATURE
_ALGORITHM = "hmac-sha256"

SignatureStatus = Literal["valid", "invalid", "wrong-key", "missing", "unsigned", "not-checked"]


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """What :func:`verify` found; ``ok`` only when nothing is wrong."""

    run_dir: Path
    manifest_present: bool
    signature: SignatureStatus
    altered: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    malformed: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        """Every listed file is present and unchanged, and nothing was added."""
        return self.manifest_present and not (
            self.altered or self.added or self.removed or self.malformed)

    @property
    def ok(self) -> bool:
        """Intact, and the signature is valid or there was no key to check one with."""
        return self.intact and self.signature in ("valid", "unsigned", "not-checked")

    def problems(self) -> tuple[str, ...]:
        """One line per problem, each naming the file concerned."""
        lines = [] if self.manifest_present else [f"{MANIFEST_FILE}: missing"]
        lines += [f"{p}: altered (hash differs from the manifest)" for p in self.altered]
        lines += [f"{p}: added (not in the manifest)" for p in self.added]
        lines += [f"{p}: removed (listed in the manifest, missing)" for p in self.removed]
        lines += [f"{MANIFEST_FILE}: unreadable line {m!r}" for m in self.malformed]
        lines += _SIGNATURE_PROBLEMS.get(self.signature, [])
        return tuple(lines)

    def summary(self) -> str:
        """A one-paragraph verdict for a terminal or a log."""
        head = {"valid": "intact and signed (signature valid)",
                "unsigned": "UNSIGNED: files match the manifest, but nothing proves the "
                            "manifest itself was not rewritten",
                "not-checked": "signed, but the signature was NOT checked (no key given)"}
        if self.ok:
            return f"{self.run_dir}: {head[self.signature]}"
        return f"{self.run_dir}: FAILED: " + "; ".join(self.problems())


_SIGNATURE_PROBLEMS: dict[str, list[str]] = {
    "invalid": [f"{MANIFEST_FILE}: signature in {SIGNATURE_FILE} does not match "
                "(manifest or signature edited)"],
    "wrong-key": [f"{SIGNATURE_FILE}: made with a different key than the one given"],
    "missing": [f"{SIGNATURE_FILE}: missing, but a key was given (signature removed?)"],
}


def load_signing_key(*, value: str | bytes | None = None, path: Path | None = None) -> bytes:
    """The signing key from a value or a key file (trailing newline dropped); never empty."""
    if (value is None) == (path is None):
        raise ValueError("give exactly one of a key value or a key file path")
    raw = Path(path).read_bytes().rstrip(b"\r\n") if path is not None else value
    key = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw or b"")
    if not key:
        raise ValueError("the signing key is empty")
    return key


def _key_id(key: bytes) -> str:
    # Lets a verifier tell "wrong key" from "edited manifest" without revealing the key.
    return hashlib.sha256(b"streamflix-dr key id\0" + key).hexdigest()[:16]


def _escape(rel: str) -> str:
    # GNU sha256sum escapes names holding a backslash or newline and marks the line with '\'.
    return rel.replace("\\", "\\\\").replace("\n", "\\n")


def _unescape(rel: str) -> str:
    return rel.replace("\\n", "\n").replace("\\\\", "\\")


def _listed_files(run_dir: Path) -> dict[str, Path]:
    # The attestation is written after the manifest, over it: it cannot be listed in it.
    skip = {MANIFEST_FILE, SIGNATURE_FILE, ATTESTATION_FILE}
    return {p.relative_to(run_dir).as_posix(): p for p in sorted(run_dir.rglob("*"))
            if p.is_file() and p.relative_to(run_dir).as_posix() not in skip}


def manifest_text(run_dir: Path) -> str:
    """The manifest the folder's current files would have."""
    lines = []
    for rel, path in sorted(_listed_files(Path(run_dir)).items()):
        prefix = "\\" if _escape(rel) != rel else ""
        lines.append(f"{prefix}{sha256_file(path)}  {_escape(rel)}\n")
    return "".join(lines)


def _signature(manifest: bytes, key: bytes) -> str:
    mac = hmac.new(key, manifest, hashlib.sha256).hexdigest()
    return f"{_ALGORITHM} {_key_id(key)} {mac}\n"


def write_manifest(run_dir: Path, *, key: bytes | None = None) -> tuple[Path, Path | None]:
    """Write MANIFEST.sha256 (and its signature when a key is given); return both paths."""
    run_dir = Path(run_dir)
    manifest = run_dir / MANIFEST_FILE
    sig = run_dir / SIGNATURE_FILE
    manifest.write_text(manifest_text(run_dir), encoding="utf-8")
    if key is None:
        # A stale signature from an earlier, signed publish would no longer match.
        sig.unlink(missing_ok=True)
        log.info("%s: manifest written UNSIGNED (no signing key configured)", run_dir)
        return manifest, None
    sig.write_text(_signature(manifest.read_bytes(), key), encoding="utf-8")
    return manifest, sig


def _parse(text: str) -> tuple[dict[str, str], list[str]]:
    entries: dict[str, str] = {}
    bad: list[str] = []
    for line in text.splitlines():
        escaped = line.startswith("\\")
        digest, sep, rel = line.removeprefix("\\").partition("  ")
        if not sep or len(digest) != 64 or not rel:
            bad.append(line)
            continue
        entries[_unescape(rel) if escaped else rel] = digest.lower()
    return entries, bad


def _check_signature(run_dir: Path, manifest: bytes, key: bytes | None) -> SignatureStatus:
    sig_path = run_dir / SIGNATURE_FILE
    if not sig_path.exists():
        return "missing" if key is not None else "unsigned"
    if key is None:
        return "not-checked"
    expected = _signature(manifest, key).encode("utf-8")
    found = sig_path.read_bytes()
    if found.split(b" ")[1:2] != expected.split(b" ")[1:2]:
        return "wrong-key"
    # Byte for byte, whitespace included: any change to a sealed file is tampering.
    return "valid" if hmac.compare_digest(expected, found) else "invalid"


def verify(run_dir: Path, key: bytes | None = None) -> VerifyResult:
    """Check every file of the run folder against its manifest, and the manifest's signature."""
    run_dir = Path(run_dir)
    manifest_path = run_dir / MANIFEST_FILE
    if not manifest_path.exists():
        return VerifyResult(run_dir, False, "missing" if key else "unsigned",
                            added=tuple(sorted(_listed_files(run_dir))))
    raw = manifest_path.read_bytes()
    listed, bad = _parse(raw.decode("utf-8", errors="replace"))
    actual = _listed_files(run_dir)
    altered = tuple(sorted(rel for rel, digest in listed.items()
                           if rel in actual and sha256_file(actual[rel]) != digest))
    return VerifyResult(
        run_dir, True, _check_signature(run_dir, raw, key), altered=altered,
        added=tuple(sorted(set(actual) - set(listed))),
        removed=tuple(sorted(set(listed) - set(actual))), malformed=tuple(bad))
