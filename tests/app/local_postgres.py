"""A throwaway PostgreSQL server with TLS only, signed by a throwaway CA, for the application's tests.

It looks like RDS where the application can tell: ``hostssl`` only (as ``rds.force_ssl``), SCRAM
passwords, a non-superuser master that owns the database and may grant ``rds_iam`` (which exists as a
plain role here: there is no IAM authentication outside RDS, so tests give the app user a password).
"""

from __future__ import annotations

import datetime
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SUPERUSER = "postgres"
MASTER = "healthtech_admin"
MASTER_PASSWORD = "master-password-for-tests"
DATABASE = "healthtech"
SERVER_NAME = "localhost"  # the only name in the server certificate; 127.0.0.1 is deliberately not in it


@dataclass(frozen=True)
class Authority:
    """A CA: its certificate file, and what it needs to sign."""

    pem: Path
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def make_authority(directory: Path, name: str) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    pem = directory / f"{name}.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return Authority(pem=pem, certificate=certificate, key=key)


def issue_server_certificate(authority: Authority, directory: Path, dns_name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_name)]))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(authority.key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def server_binaries() -> Path | None:
    """The directory holding initdb/pg_ctl/postgres: on PATH, else Debian/Ubuntu's newest versioned one."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versioned = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versioned[-1]).parent if versioned else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalPostgres:
    """initdb + pg_ctl in a temporary directory; ``stop()`` removes it. Runs as a non-root user."""

    def __init__(self, binaries: Path) -> None:
        self.bin = binaries
        # PostgreSQL refuses to run as root; under root (a container) it runs as the system's postgres user.
        self._user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="app-pg-"))
        self.port = free_port()
        self.ca = make_authority(self.root, "test-ca")
        self.other_ca = make_authority(self.root, "other-ca")
        self.data = self.root / "data"
        self._cert, self._key = issue_server_certificate(self.ca, self.root, SERVER_NAME)
        pwfile = self.root / "superuser-password"
        pwfile.write_text("superuser-password-for-tests\n")
        self._own(self.root, pwfile, self._cert, self._key)
        self._key.chmod(0o600)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=scram-sha-256", f"--pwfile={pwfile}")
        (self.data / "pg_hba.conf").write_text(
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "hostssl all all ::1/128 scram-sha-256\n"
            "host all all all reject\n"  # as rds.force_ssl: a client that does not negotiate TLS is refused
        )
        options = " ".join(
            [
                "-c listen_addresses=localhost",
                f"-c port={self.port}",
                f"-c unix_socket_directories={self.root}",
                "-c ssl=on",
                f"-c ssl_cert_file={self._cert}",
                f"-c ssl_key_file={self._key}",
                "-c password_encryption=scram-sha-256",
            ]
        )
        self._own(self.data / "pg_hba.conf")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-o", options, "start")

    def _own(self, *paths: Path) -> None:
        if self._user is not None:
            for path in paths:
                os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [str(self.bin / tool), *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.root,
            check=False,
            user=self._user.pw_uid if self._user else None,
            group=self._user.pw_gid if self._user else None,
            extra_groups=[] if self._user else None,
        )
        if result.returncode != 0:
            log = self.root / "server.log"
            raise RuntimeError(f"{tool} failed: {result.stderr}\n{log.read_text() if log.exists() else ''}")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
