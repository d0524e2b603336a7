"""A certificate authority made for one embedded world, and TLS contexts for AWS's names.

``drill up``'s proxy answers ``CONNECT <service>.<region>.amazonaws.com:443`` itself: it
terminates TLS with a certificate for that name signed by this authority, and a shell that
sourced env.sh trusts only this authority for AWS (``AWS_CA_BUNDLE``). So an aws CLI that
ignores ``AWS_ENDPOINT_URL`` (v2 before 2.13) or pins one service to its real endpoint (v1
sends RDS in us-east-1 to ``rds.amazonaws.com``) still lands on the embedded AWS, and a
request meant for the real AWS fails verification rather than leave the simulation.

The key pair lives in a private temporary folder for as long as the world runs; only the
authority's certificate (public) is written where env.sh points. Keys are elliptic-curve
(P-256): quick to make, one per name on first use.
"""

from __future__ import annotations

import datetime
import shutil
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["AWS_DOMAIN", "WorldCA"]

AWS_DOMAIN = "amazonaws.com"
_VALID = datetime.timedelta(days=2)  # a world lives hours; a wide margin for clock skew


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "StreamFlix drill world"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class WorldCA:
    """One authority per world; :meth:`context_for` gives the server side of a name's TLS."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="drill-world-ca-"))
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        self._cert = (
            x509.CertificateBuilder().subject_name(_name("StreamFlix drill world CA"))
            .issuer_name(_name("StreamFlix drill world CA"))
            .public_key(self._key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + _VALID)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(self._key, hashes.SHA256()))
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    @property
    def cert_pem(self) -> bytes:
        """The authority's certificate, for ``AWS_CA_BUNDLE``."""
        return self._cert.public_bytes(serialization.Encoding.PEM)

    @staticmethod
    def covers(host: str) -> bool:
        """Whether ``host`` is an AWS endpoint name this world answers for."""
        host = host.lower().rstrip(".")
        return host.endswith("." + AWS_DOMAIN) and all(host.split("."))

    def context_for(self, host: str) -> ssl.SSLContext:
        """A server-side TLS context presenting a certificate for ``host``."""
        host = host.lower().rstrip(".")
        with self._lock:
            if host not in self._contexts:
                self._contexts[host] = self._issue(host)
            return self._contexts[host]

    def _issue(self, host: str) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(_name(host))
                .issuer_name(self._cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(hours=1))
                .not_valid_after(now + _VALID)
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]),
                               critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                               critical=True)
                .sign(self._key, hashes.SHA256()))
        path = self._dir / f"{host}.pem"
        path.write_bytes(_pem_key(key) + cert.public_bytes(serialization.Encoding.PEM))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(path)
        return context

    def close(self) -> None:
        """Remove the private folder (the keys); safe to repeat."""
        shutil.rmtree(self._dir, ignore_errors=True)
