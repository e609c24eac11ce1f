"""Test certificates made at test time (no private key is ever committed): a CA, and certificates
it signs for 127.0.0.1/localhost, written as Kafka-style PEM key stores (key + chain in one file)
and a PEM trust store."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Pki:
    """Paths of one CA's files: ``truststore`` holds the CA certificate."""

    truststore: Path
    server: Path
    client: Path
    encrypted_server: Path
    key_password: str

    def text(self, path: Path) -> str:
        return path.read_text()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key(key: ec.EllipticCurvePrivateKey, password: str | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def make_pki(directory: Path, ca_name: str = "distconnect test CA") -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate(ca_name, ca_key, ca_name, ca_key, ca=True)
    truststore = directory / "ca.pem"
    truststore.write_bytes(_pem(ca_cert))
    paths = {}
    password = "key-secret-pw"
    for role, encrypted in (("server", False), ("client", False), ("encrypted_server", True)):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(f"{role}.{ca_name}", key, ca_name, ca_key, ca=False)
        path = directory / f"{role}.pem"
        path.write_bytes(_key(key, password if encrypted else None) + _pem(cert) + _pem(ca_cert))
        path.chmod(0o600)
        paths[role] = path
    return Pki(truststore, paths["server"], paths["client"], paths["encrypted_server"], password)


def split_keystore(path: Path) -> tuple[str, str]:
    """``(key, certificate chain)`` of a PEM key store file, for the inline settings."""
    text = path.read_text()
    end = text.index("-----END", text.index("PRIVATE KEY-----"))
    end = text.index("\n", end) + 1
    return text[:end], text[end:]
