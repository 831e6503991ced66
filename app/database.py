"""Connections to PostgreSQL as the application's own user, over TLS verified like libpq's verify-full.

The password is an RDS IAM authentication token, signed locally with the task role's credentials for
each new connection: it is valid for 15 minutes, nothing stores it, and there is nothing to rotate, so
the application keeps connecting through any rotation of the master secret without a restart.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pg8000.native

from app.settings import DatabaseSettings

# RDS requires IAM tokens to be sent only over TLS; libpq's verify-full is what the platform asks for.
TokenSigner = Callable[[DatabaseSettings], str]


def tls_context(ca_bundle: Path) -> ssl.SSLContext:
    """Chain checked against ``ca_bundle`` only (not the OS store) and the server name checked: verify-full."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca_bundle))
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def iam_token(settings: DatabaseSettings) -> str:
    """A token for ``settings.user`` on ``host:port``: a SigV4-presigned rds-db:connect URL, made offline."""
    # Imported here: only IAM-authenticated settings need botocore, and its import is the slowest of the app's.
    import botocore.session

    client = botocore.session.get_session().create_client("rds", region_name=settings.region)
    token: str = client.generate_db_auth_token(
        DBHostname=settings.host, Port=settings.port, DBUsername=settings.user, Region=settings.region
    )
    return token


def password_for(settings: DatabaseSettings, signer: TokenSigner = iam_token) -> str:
    if settings.region is not None:
        return signer(settings)
    if settings.password is None:  # settings.load refuses this; kept for callers that build settings by hand
        raise ValueError("no IAM region and no password: nothing to authenticate with")
    return settings.password


def connect(settings: DatabaseSettings, *, signer: TokenSigner = iam_token) -> pg8000.native.Connection:
    """A new connection; a fresh token each time, so a pool that reconnects never holds an expired one."""
    return pg8000.native.Connection(
        user=settings.user,
        host=settings.host,
        port=settings.port,
        database=settings.name,
        password=password_for(settings, signer),
        ssl_context=tls_context(settings.ca_bundle),
        timeout=settings.connect_timeout_seconds,
        application_name="healthtech-app",
    )


@dataclass(frozen=True)
class DatabaseStatus:
    reachable: bool
    tls: bool
    latency_ms: float | None = None
    server_version: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def probe(settings: DatabaseSettings, *, signer: TokenSigner = iam_token) -> DatabaseStatus:
    """Connect, confirm the session is encrypted from the server's side, and say how long it took."""
    started = time.monotonic()
    try:
        connection = connect(settings, signer=signer)
    except Exception as error:  # any failure is a health fact to report, never a crash of the endpoint
        return DatabaseStatus(reachable=False, tls=False, error=_describe(error))
    try:
        # The server's own view: proves the bytes went over TLS, not only that the client asked for it.
        rows = connection.run(
            "SELECT ssl, current_setting('server_version') FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        )
        encrypted, version = (bool(rows[0][0]), str(rows[0][1])) if rows else (False, None)
        return DatabaseStatus(
            reachable=True,
            tls=encrypted,
            latency_ms=round((time.monotonic() - started) * 1000, 1),
            server_version=version,
        )
    except Exception as error:
        return DatabaseStatus(reachable=False, tls=False, error=_describe(error))
    finally:
        connection.close()


def _describe(error: BaseException) -> str:
    """A short, credential-free reason: the exception class plus the cause's, never a token or a DSN."""
    # pg8000 puts the server's message fields in args[0] as a dict; keep its SQLSTATE and message only.
    first = error.args[0] if error.args else None
    if isinstance(first, dict):
        return f"{type(error).__name__}: {first.get('C', '?')} {first.get('M', '')}".strip()
    reason = f"{type(error).__name__}: {error}"
    if error.__cause__ is not None:
        reason += f" ({type(error.__cause__).__name__}: {error.__cause__})"
    return reason[:300]
