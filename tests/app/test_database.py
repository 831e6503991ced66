"""The database connection: verify-full TLS against the shipped CA, a fresh IAM token per connection."""

from __future__ import annotations

import socket
import threading
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from app import database
from app.settings import DEFAULT_CA_BUNDLE, DatabaseSettings
from tests.app.local_postgres import LocalPostgres


def test_verify_full_connects_with_the_right_ca_and_host_name_and_the_server_sees_tls(
    master_settings: DatabaseSettings, postgres: LocalPostgres
) -> None:
    status = database.probe(master_settings)
    assert status.reachable is True, status.error
    assert status.tls is True  # pg_stat_ssl of our own backend: the server, not the client, says so
    assert status.server_version is not None and status.server_version.split(".")[0].isdigit()


def test_a_host_name_missing_from_the_certificate_is_refused(master_settings: DatabaseSettings) -> None:
    # Same server, same CA, but reached by an address the certificate does not name: verify-full refuses.
    status = database.probe(replace(master_settings, host="127.0.0.1"))
    assert status.reachable is False
    assert status.error is not None
    assert "SSLCertVerificationError" in status.error and "IP address mismatch" in status.error


def test_a_certificate_from_another_ca_is_refused(master_settings: DatabaseSettings, postgres: LocalPostgres) -> None:
    status = database.probe(replace(master_settings, ca_bundle=postgres.other_ca.pem))
    assert status.reachable is False
    assert status.error is not None and "certificate verify failed" in status.error


def test_a_server_that_declines_tls_gets_no_password() -> None:
    """A server (or a man in the middle) answering 'N' to the SSLRequest: the client stops, sends nothing more."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    received: list[bytes] = []

    def decline() -> None:
        conn, _ = listener.accept()
        with conn:
            received.append(conn.recv(8))
            conn.sendall(b"N")
            conn.settimeout(2)
            try:
                received.append(conn.recv(1024))
            except TimeoutError:
                received.append(b"timeout")

    thread = threading.Thread(target=decline, daemon=True)
    thread.start()
    settings = DatabaseSettings(
        host="127.0.0.1",
        port=listener.getsockname()[1],
        name="healthtech",
        user="app",
        region=None,
        password="must-never-be-sent",
        ca_bundle=_bundle(),
    )
    status = database.probe(settings)
    thread.join(5)
    listener.close()
    assert status.reachable is False and status.error is not None and "Server refuses SSL" in status.error
    assert received[0] == bytes.fromhex("0000000804d2162f")  # length 8, SSLRequest code 80877103
    assert received[1] in (b"", b"timeout")  # closed without a startup message, let alone a password


def _bundle() -> Path:  # the shipped RDS bundle: any CA will do where the TLS handshake never starts
    return DEFAULT_CA_BUNDLE


def test_each_connection_gets_a_freshly_signed_token(master_settings: DatabaseSettings) -> None:
    calls: list[str] = []

    def signer(settings: DatabaseSettings) -> str:
        calls.append(settings.user)
        return master_settings.password or ""

    iam = replace(master_settings, region="eu-south-1", password=None)
    assert database.probe(iam, signer=signer).reachable is True
    assert database.probe(iam, signer=signer).reachable is True
    assert calls == ["healthtech_admin", "healthtech_admin"]


def test_a_wrong_password_is_reported_with_its_sqlstate_and_without_the_password(
    master_settings: DatabaseSettings,
) -> None:
    status = database.probe(replace(master_settings, password="not-the-password"))
    assert status.reachable is False
    assert status.error is not None and "28P01" in status.error and "not-the-password" not in status.error


def test_the_iam_token_is_a_sigv4_presigned_connect_url_for_the_host_user_and_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    settings = DatabaseSettings(
        host="healthtech-postgres-dev.abc.eu-south-1.rds.amazonaws.com",
        port=5432,
        name="healthtech",
        user="healthtech_app",
        region="eu-south-1",
        password=None,
        ca_bundle=_bundle(),
    )
    token = database.iam_token(settings)
    url = urlsplit("https://" + token)  # RDS takes the URL without its scheme as the password
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert (url.hostname, url.port, url.path) == (settings.host, 5432, "/")
    assert query["Action"] == "connect" and query["DBUser"] == "healthtech_app"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "900"  # 15 minutes: why each connection signs its own
    assert query["X-Amz-Credential"].startswith("AKIAIOSFODNN7EXAMPLE/")
    assert query["X-Amz-Credential"].endswith("/eu-south-1/rds-db/aws4_request")
    assert len(query["X-Amz-Signature"]) == 64
