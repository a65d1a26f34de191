"""Throw-away TLS material for a TCP+TLS Docker endpoint: a CA, a server and a client certificate."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["TLSMaterial", "make_tls_material"]


@dataclass(frozen=True)
class TLSMaterial:
    """``client_dir`` holds ca.pem, cert.pem and key.pem: what DOCKER_CERT_PATH points at."""

    client_dir: Path
    server_dir: Path

    @property
    def ca(self) -> Path:
        return self.client_dir / "ca.pem"

    @property
    def cert(self) -> Path:
        return self.client_dir / "cert.pem"

    @property
    def key(self) -> Path:
        return self.client_dir / "key.pem"

    def server_context(self) -> ssl.SSLContext:
        """Server side: serves the server certificate and requires a client certificate from the CA."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(self.ca))
        context.load_cert_chain(str(self.server_dir / "cert.pem"), str(self.server_dir / "key.pem"))
        context.verify_mode = ssl.CERT_REQUIRED
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _issue(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, issuer_key: ec.EllipticCurvePrivateKey,
           *, ca: bool = False, usage: x509.ObjectIdentifier | None = None,
           sans: list[x509.GeneralName] | None = None) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False), critical=True)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_tls_material(directory: Path, name: str = "csdt") -> TLSMaterial:
    """A fresh CA, a server certificate for 127.0.0.1/localhost and a client certificate, as files."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{name}-ca")
    ca_cert = _issue(f"{name}-ca", ca_key, ca_name, ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _issue("localhost", server_key, ca_name, ca_key, usage=ExtendedKeyUsageOID.SERVER_AUTH,
                         sans=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    client_key = ec.generate_private_key(ec.SECP256R1())
    client_cert = _issue(f"{name}-client", client_key, ca_name, ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH)

    client_dir, server_dir = directory / "client", directory / "server"
    for folder, cert, key in ((client_dir, client_cert, client_key), (server_dir, server_cert, server_key)):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ca.pem").write_bytes(_cert_pem(ca_cert))
        (folder / "cert.pem").write_bytes(_cert_pem(cert))
        (folder / "key.pem").write_bytes(_key_pem(key))
        (folder / "key.pem").chmod(0o600)
    return TLSMaterial(client_dir=client_dir, server_dir=server_dir)
