"""The database bootstrap, run against the local TLS-only PostgreSQL as a non-superuser master (as on RDS)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pg8000.native
import pytest
from moto import mock_aws

from app import migrate
from app.database import connect
from app.settings import DatabaseSettings
from tests.app.conftest import as_user
from tests.app.local_postgres import LocalPostgres

APP_USER = "healthtech_app"
# There is no IAM authentication outside RDS: the test gives the role a password to log in with.
TEST_PASSWORD = "app-password-for-tests"


def _sqlstate(error: pg8000.native.DatabaseError) -> str:
    return str(error.args[0]["C"])


@pytest.fixture(scope="module")
def migrated(master_settings: DatabaseSettings, postgres: LocalPostgres) -> Iterator[list[str]]:
    plan = migrate.Plan(database=master_settings.name, app_user=APP_USER)
    executed = migrate.apply(plan, master_settings)
    master = connect(master_settings)
    # What a later migration does: a table in the schema, created by the master (the schema's owner).
    master.run("CREATE TABLE app.visits (id bigserial PRIMARY KEY, note text NOT NULL)")
    master.run(f"ALTER ROLE {APP_USER} PASSWORD '{TEST_PASSWORD}'")
    master.close()
    yield executed


def test_the_app_user_reads_and_writes_tables_a_later_migration_creates(
    migrated: list[str], master_settings: DatabaseSettings
) -> None:
    app = connect(as_user(master_settings, APP_USER, TEST_PASSWORD))
    try:
        app.run("INSERT INTO visits (note) VALUES ('first')")  # unqualified: search_path is the app schema
        assert app.run("SELECT note FROM app.visits") == [["first"]]
        assert app.run("SELECT current_schemas(false)") == [[["app"]]]
    finally:
        app.close()


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE app.mine (id int)",  # DDL stays with migrations
        "CREATE TABLE public.mine (id int)",
        "DROP TABLE app.visits",
        "CREATE ROLE intruder",
        "CREATE DATABASE other",
    ],
)
def test_the_app_user_cannot_change_the_schema_or_make_roles(
    migrated: list[str], master_settings: DatabaseSettings, statement: str
) -> None:
    app = connect(as_user(master_settings, APP_USER, TEST_PASSWORD))
    try:
        with pytest.raises(pg8000.native.DatabaseError) as refused:
            app.run(statement)
        assert _sqlstate(refused.value) == "42501"  # insufficient_privilege
    finally:
        app.close()


def test_the_app_role_has_no_superpowers_and_is_in_rds_iam(
    migrated: list[str], master_settings: DatabaseSettings
) -> None:
    master = connect(master_settings)
    try:
        rows = master.run(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin,"
            " pg_has_role(rolname, 'rds_iam', 'MEMBER') FROM pg_roles WHERE rolname = :name",
            name=APP_USER,
        )
    finally:
        master.close()
    assert rows == [[False, False, False, False, False, True, True]]


def test_running_it_again_changes_nothing_but_takes_the_password_away(
    migrated: list[str], master_settings: DatabaseSettings
) -> None:
    again = migrate.apply(migrate.Plan(database=master_settings.name, app_user=APP_USER), master_settings)
    assert again == migrated
    # PASSWORD NULL: on RDS an IAM token is then the app role's only way in; here, the login now fails.
    with pytest.raises(pg8000.native.DatabaseError) as refused:
        connect(as_user(master_settings, APP_USER, TEST_PASSWORD))
    assert _sqlstate(refused.value) == "28P01"
    master = connect(master_settings)
    master.run(f"ALTER ROLE {APP_USER} PASSWORD '{TEST_PASSWORD}'")  # for the tests that follow in the module
    master.close()


@pytest.mark.parametrize("name", ["App", "app-user", "x; DROP TABLE y", "", "a" * 64])
def test_names_that_would_need_quoting_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a plain PostgreSQL name"):
        migrate.Plan(database="healthtech", app_user=name)


def test_the_master_credentials_come_from_the_current_secret_version() -> None:
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-south-1")
        arn = client.create_secret(
            Name="rds!db-1234", SecretString=json.dumps({"username": "healthtech_admin", "password": "before"})
        )["ARN"]
        client.put_secret_value(
            SecretId=arn, SecretString=json.dumps({"username": "healthtech_admin", "password": "rotated"})
        )
        assert migrate.master_credentials(arn, "eu-south-1") == ("healthtech_admin", "rotated")


def test_main_names_every_missing_variable(caplog: pytest.LogCaptureFixture) -> None:
    assert migrate.main({"DB_HOST": "db.internal"}) == 2
    assert "missing environment: DB_NAME, DB_USER, DB_MASTER_SECRET_ARN, AWS_REGION" in caplog.text
