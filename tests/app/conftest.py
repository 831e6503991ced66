"""Fixtures of the application's tests: one TLS-only PostgreSQL per test session, settings that point at it."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from app.settings import DatabaseSettings
from tests.app.local_postgres import DATABASE, MASTER, MASTER_PASSWORD, SERVER_NAME, LocalPostgres, server_binaries

SUPERUSER_PASSWORD = "superuser-password-for-tests"

# The app's driver comes from app/requirements.txt; the project's .venv gets it from Pipfile's dev-packages.
# Without it these modules cannot even be imported, and one import error at collection stops the whole
# suite: so they are left out and test_dependencies.py fails instead, naming what is missing.
if importlib.util.find_spec("pg8000") is None:
    collect_ignore_glob = ["test_[!d]*.py", "test_database.py"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # One server per session: the tests that use it run in one xdist worker (`--dist loadgroup`).
    for item in items:
        if "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("app-postgres"))


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    binaries = server_binaries()
    if binaries is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin: "
            "install the Debian/Ubuntu package postgresql"
        )
    import pg8000.native

    from app.database import tls_context

    server = LocalPostgres(binaries)
    try:
        superuser = pg8000.native.Connection(
            "postgres",
            host=SERVER_NAME,
            port=server.port,
            password=SUPERUSER_PASSWORD,
            ssl_context=tls_context(server.ca.pem),
        )
        # The RDS shape: a master that is not a superuser, owns the database, and may grant rds_iam.
        superuser.run("CREATE ROLE rds_iam NOLOGIN")
        superuser.run(f"CREATE ROLE {MASTER} LOGIN CREATEROLE PASSWORD '{MASTER_PASSWORD}'")
        superuser.run(f"GRANT rds_iam TO {MASTER} WITH ADMIN OPTION")
        superuser.run(f"CREATE DATABASE {DATABASE} OWNER {MASTER}")
        superuser.close()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def master_settings(postgres: LocalPostgres) -> DatabaseSettings:
    """The master user's connection settings (password authentication, verify-full against the test CA)."""
    return DatabaseSettings(
        host=SERVER_NAME,
        port=postgres.port,
        name=DATABASE,
        user=MASTER,
        region=None,
        password=MASTER_PASSWORD,
        ca_bundle=postgres.ca.pem,
    )


def as_user(settings: DatabaseSettings, user: str, password: str) -> DatabaseSettings:
    return replace(settings, user=user, password=password, region=None)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    return directory
