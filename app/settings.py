"""The platform's contract with the application, read once from the environment at start.

Every name here is one the task definition sets (components/compute.py) or one the README's contract
asks the platform to add; a missing or weakened value fails the start with every problem named, so a
task that cannot honour the contract never passes a health check by accident.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Shipped in the image (app/certs): the RDS global bundle, so no trust decision depends on the OS store.
DEFAULT_CA_BUNDLE = Path(__file__).resolve().parent / "certs" / "rds-global-bundle.pem"
DEFAULT_PORT = 8080
DEFAULT_HEALTH_PATH = "/health"
# libpq's name for "TLS, chain verified against our CA, and the server name matched": the only mode
# that stops a man in the middle with any certificate of its own. Anything weaker is refused.
REQUIRED_SSL_MODE = "verify-full"


class ConfigurationError(ValueError):
    """The environment does not give the application what the contract promises."""


@dataclass(frozen=True, kw_only=True)
class DatabaseSettings:
    host: str
    port: int
    name: str
    user: str
    region: str | None
    """Set: authenticate with an IAM token signed for this region. None: ``password`` (local use only)."""
    password: str | None
    ca_bundle: Path
    connect_timeout_seconds: float = 3.0


@dataclass(frozen=True, kw_only=True)
class Settings:
    port: int = DEFAULT_PORT
    health_path: str = DEFAULT_HEALTH_PATH
    data_dir: Path
    database: DatabaseSettings | None
    """None when DB_HOST is unset: the health body then says the database is not configured."""


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (default: the process environment); raises one error naming every problem."""
    env = os.environ if environ is None else environ
    problems: list[str] = []
    port = _int(env, "PORT", DEFAULT_PORT, problems)
    if not 1 <= port <= 65535:
        problems.append(f"PORT: {port} is not a TCP port (1-65535)")
    health_path = env.get("HEALTH_PATH", DEFAULT_HEALTH_PATH)
    if not health_path.startswith("/"):
        problems.append(f"HEALTH_PATH: {health_path!r} must start with '/'")
    data_dir = env.get("DATA_DIR", "")
    if not data_dir:
        problems.append("DATA_DIR: not set (the platform mounts EFS there)")
    database = _database(env, problems) if env.get("DB_HOST") else None
    if problems:
        raise ConfigurationError("invalid configuration: " + "; ".join(problems))
    return Settings(port=port, health_path=health_path, data_dir=Path(data_dir), database=database)


def _database(env: Mapping[str, str], problems: list[str]) -> DatabaseSettings:
    sslmode = env.get("PGSSLMODE", REQUIRED_SSL_MODE)
    if sslmode != REQUIRED_SSL_MODE:
        problems.append(f"PGSSLMODE: {sslmode!r} is weaker than {REQUIRED_SSL_MODE!r}; the application refuses it")
    for name in ("DB_NAME", "DB_USER"):
        if not env.get(name):
            problems.append(f"{name}: not set")
    password = env.get("DB_PASSWORD") or None
    # IAM authentication is the default; a static password is a local-development escape hatch and is
    # refused beside IAM so a task can never silently fall back to a long-lived credential.
    use_iam = env.get("DB_IAM_AUTH", "true").lower() != "false"
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if use_iam and password:
        problems.append("DB_PASSWORD: set while DB_IAM_AUTH is on; remove it (the app user has no password)")
    if use_iam and not region:
        problems.append("AWS_REGION: not set; IAM database tokens are signed for a region")
    if not use_iam and not password:
        problems.append("DB_PASSWORD: DB_IAM_AUTH=false needs a password")
    ca_bundle = Path(env.get("PGSSLROOTCERT") or DEFAULT_CA_BUNDLE)
    if not ca_bundle.is_file():
        problems.append(f"PGSSLROOTCERT: {ca_bundle} is not a file")
    return DatabaseSettings(
        host=env["DB_HOST"],
        port=_int(env, "DB_PORT", 5432, problems),
        name=env.get("DB_NAME", ""),
        user=env.get("DB_USER", ""),
        region=region if use_iam else None,
        password=None if use_iam else password,
        ca_bundle=ca_bundle,
    )


def _int(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        problems.append(f"{name}: {raw!r} is not an integer")
        return default
