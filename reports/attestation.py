"""Public-key evidence: a DSSE envelope over an in-toto Statement v1 naming a folder's files.

``attestation.dsse.json`` is written last, over a folder that already holds its
``MANIFEST.sha256`` (a run folder, or a forecast folder): its subjects are every other file
of the folder with its SHA-256, manifest and HMAC signature included, and its predicate says
what the folder is evidence of. It is signed with an Ed25519 key (``drill keygen``) through
securesystemslib, so an auditor checks it with the public key alone: whoever can verify
cannot forge, unlike the manifest's HMAC.

Formats: DSSE https://github.com/secure-systems-lab/dsse/blob/master/envelope.md; in-toto
Statement v1 https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md.
"""

from __future__ import annotations

import binascii
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import FormatError, VerificationError
from securesystemslib.signer import CryptoSigner, SSlibKey

from reports.sources import sha256_file

__all__ = [
    "ATTESTATION_FILE",
    "PAYLOAD_TYPE",
    "STATEMENT_TYPE",
    "AttestationResult",
    "KeyFileError",
    "KeyPair",
    "generate_keypair",
    "load_public_key",
    "load_signer",
    "verify_attestation",
    "write_attestation",
]

ATTESTATION_FILE = "attestation.dsse.json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
_MANIFEST = "MANIFEST.sha256"

AttestationStatus = Literal["valid", "missing", "malformed", "wrong-key", "bad-signature"]


class KeyFileError(ValueError):
    """A key file that is missing, unreadable, of another kind, or already there."""


@dataclass(frozen=True, slots=True)
class KeyPair:
    """Where ``generate_keypair`` wrote the two halves, and the public key's id."""

    private_key: Path
    public_key: Path
    keyid: str


def generate_keypair(private_path: Path) -> KeyPair:
    """Write a new Ed25519 private key (mode 0600) and ``<path>.pub``; never overwrite."""
    private_path = Path(private_path)
    public_path = private_path.with_name(private_path.name + ".pub")
    for path in (private_path, public_path):
        if path.exists():
            raise KeyFileError(f"{str(path)!r} already exists; keygen never overwrites a key "
                               "(move it away, or give another path)")
    signer = CryptoSigner.generate_ed25519()
    private_pem = signer.private_bytes
    public_pem = _public_pem(signer)
    try:
        # O_EXCL: refused if the file appeared meanwhile; 0600 from the first byte written.
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # the umask may only narrow it; make it exact
            handle.write(private_pem)
        with open(public_path, "xb") as handle:
            handle.write(public_pem)
    except OSError as exc:
        raise KeyFileError(f"cannot write the key pair at {str(private_path)!r}: "
                           f"{exc.strerror or exc}") from None
    return KeyPair(private_path, public_path, signer.public_key.keyid)


def _public_pem(signer: CryptoSigner) -> bytes:
    crypto_key = signer.public_key._crypto_key()  # the library's own accessor for the key
    return crypto_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def _load_pem(path: Path, what: str, load: Callable[[bytes], Any], kind: type,
              hint: str) -> Any:
    """The Ed25519 key of ``kind`` in a PEM file; KeyFileError saying what is wrong."""
    try:
        pem = Path(path).read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"{what} {str(path)!r} does not exist (make one with "
                           "`drill keygen PATH`)") from None
    except OSError as exc:
        raise KeyFileError(f"{what} {str(path)!r} cannot be read: {exc.strerror or exc}"
                           ) from None
    try:
        key = load(pem)
    except (ValueError, TypeError):
        raise KeyFileError(f"{what} {str(path)!r} is not {hint}") from None
    if not isinstance(key, kind):
        raise KeyFileError(f"{what} {str(path)!r} holds a {type(key).__name__}, not an "
                           "Ed25519 key")
    return key


def load_signer(path: Path) -> CryptoSigner:
    """The Ed25519 signer in a PEM (PKCS#8) private key file, as ``drill keygen`` writes."""
    key = _load_pem(path, "signing key file",
                    lambda pem: serialization.load_pem_private_key(pem, password=None),
                    Ed25519PrivateKey, "an unencrypted PEM private key (write one with "
                    "`drill keygen PATH`)")
    return CryptoSigner(key)


def load_public_key(path: Path) -> SSlibKey:
    """The Ed25519 public key in a PEM file (``<key>.pub`` from ``drill keygen``)."""
    key = _load_pem(path, "public key file", serialization.load_pem_public_key,
                    Ed25519PublicKey, "a PEM public key (give the `.pub` file `drill keygen` "
                    "wrote)")
    return SSlibKey.from_crypto(key)


def _subjects(folder: Path) -> dict[str, str]:
    """Every file of the folder but the attestation itself, with its SHA-256."""
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() != ATTESTATION_FILE}


def write_attestation(folder: Path, signer: CryptoSigner, *, predicate_type: str,
                      predicate: Mapping[str, Any]) -> Path:
    """Sign a Statement over every file of a folder that has its manifest; return the path."""
    folder = Path(folder)
    if not (folder / _MANIFEST).is_file():
        raise FileNotFoundError(f"{folder}: no {_MANIFEST}; write the manifest first")
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {"sha256": digest}}
                    for name, digest in _subjects(folder).items()],
        "predicateType": predicate_type,
        "predicate": dict(predicate),
    }
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode("utf-8")
    envelope = Envelope(payload, PAYLOAD_TYPE, {})
    envelope.sign(signer)
    path = folder / ATTESTATION_FILE
    path.write_text(json.dumps(envelope.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path


@dataclass(frozen=True, slots=True)
class AttestationResult:
    """What :func:`verify_attestation` found; ``ok`` only when nothing is wrong."""

    folder: Path
    status: AttestationStatus
    detail: str = ""
    altered: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    predicate: Mapping[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """Signed by the given key, and every attested file present and unchanged."""
        return self.status == "valid" and not (self.altered or self.added or self.removed)

    def problems(self) -> tuple[str, ...]:
        """One line per problem, each naming the file concerned."""
        lines = [] if self.status == "valid" else [f"{ATTESTATION_FILE}: {self.detail}"]
        lines += [f"{p}: altered (hash differs from the attestation)" for p in self.altered]
        lines += [f"{p}: added (not in the attestation)" for p in self.added]
        lines += [f"{p}: removed (attested, missing)" for p in self.removed]
        if _MANIFEST in self.altered:
            lines.append(f"{_MANIFEST}: rewritten after the attestation was signed; a manifest "
                         "re-hashed (and HMAC-signed again) does not change what was attested")
        return tuple(lines)

    def summary(self) -> str:
        """A one-paragraph verdict for a terminal or a log."""
        if self.ok:
            return f"{self.folder}: attestation valid ({self.detail})"
        return f"{self.folder}: attestation FAILED: " + "; ".join(self.problems())


def _envelope(path: Path) -> Envelope:
    """The envelope in the file; ValueError saying why it cannot be read as one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        envelope = Envelope.from_dict(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a JSON DSSE envelope (truncated or edited?): {exc}") from None
    except (KeyError, TypeError, AttributeError, FormatError, binascii.Error) as exc:
        raise ValueError(f"not a DSSE envelope (field {exc} missing or malformed)") from None
    if envelope.payload_type != PAYLOAD_TYPE:
        raise ValueError(f"payloadType is {envelope.payload_type!r}, not {PAYLOAD_TYPE!r}")
    return envelope


def _statement(payload: bytes) -> tuple[dict[str, str], Mapping[str, Any]]:
    """The subjects (name -> sha256) and predicate of a signed Statement payload."""
    try:
        statement = json.loads(payload)
        if statement["_type"] != STATEMENT_TYPE:
            raise ValueError(f"_type {statement['_type']!r}")
        subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
        return subjects, statement["predicate"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the signed payload is not an in-toto Statement v1 ({exc})") from None


def verify_attestation(folder: Path, public_key: SSlibKey) -> AttestationResult:
    """Check a folder's attestation with a public key, and every file against its subjects."""
    folder = Path(folder)
    path = folder / ATTESTATION_FILE
    if not path.is_file():
        return AttestationResult(folder, "missing", "missing (the folder was not signed with "
                                 "a key pair, or the attestation was removed)")
    try:
        envelope = _envelope(path)
    except ValueError as exc:
        return AttestationResult(folder, "malformed", str(exc))
    if public_key.keyid not in envelope.signatures:
        signed_by = ", ".join(sorted(envelope.signatures)) or "no key"
        return AttestationResult(folder, "wrong-key", f"signed by key {signed_by}, not by the "
                                 f"given public key {public_key.keyid}")
    try:
        envelope.verify([public_key], 1)
    except VerificationError:
        return AttestationResult(folder, "bad-signature", "the signature does not match the "
                                 "signed statement (envelope edited after signing)")
    try:
        attested, predicate = _statement(envelope.payload)
    except ValueError as exc:
        return AttestationResult(folder, "malformed", str(exc))
    actual = _subjects(folder)
    return AttestationResult(
        folder, "valid", f"signed by key {public_key.keyid}",
        altered=tuple(sorted(n for n, d in attested.items() if n in actual and actual[n] != d)),
        added=tuple(sorted(set(actual) - set(attested))),
        removed=tuple(sorted(set(attested) - set(actual))), predicate=predicate)
