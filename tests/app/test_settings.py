"""The platform's environment, read into settings; a weakened or incomplete contract stops the start."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import DEFAULT_CA_BUNDLE, ConfigurationError, DatabaseSettings, Settings, load

# What components/compute.py sets (tests/components/test_compute.py loads the synthesized one too).
PLATFORM = {
    "PORT": "8080",
    "DATA_DIR": "/mnt/data",
    "DB_HOST": "healthtech-postgres-dev.abc.eu-south-1.rds.amazonaws.com",
    "DB_NAME": "healthtech",
    "DB_PORT": "5432",
    "DB_USER": "healthtech_app",
    "PGSSLMODE": "verify-full",
    "AWS_REGION": "eu-south-1",
}


def test_the_platform_environment_gives_iam_authenticated_settings() -> None:
    assert load(PLATFORM) == Settings(
        port=8080,
        health_path="/health",
        data_dir=Path("/mnt/data"),
        database=DatabaseSettings(
            host=PLATFORM["DB_HOST"],
            port=5432,
            name="healthtech",
            user="healthtech_app",
            region="eu-south-1",
            password=None,
            ca_bundle=DEFAULT_CA_BUNDLE,
        ),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"PGSSLMODE": "require"}, "PGSSLMODE: 'require' is weaker than 'verify-full'"),
        ({"DB_PASSWORD": "hunter2"}, "DB_PASSWORD: set while DB_IAM_AUTH is on"),
        ({"AWS_REGION": ""}, "AWS_REGION: not set"),
        ({"DB_IAM_AUTH": "false"}, "DB_PASSWORD: DB_IAM_AUTH=false needs a password"),
        ({"PORT": "http"}, "PORT: 'http' is not an integer"),
        ({"PORT": "70000"}, "PORT: 70000 is not a TCP port"),
        ({"HEALTH_PATH": "health"}, "HEALTH_PATH: 'health' must start with '/'"),
        ({"PGSSLROOTCERT": "/nonexistent.pem"}, "PGSSLROOTCERT: /nonexistent.pem is not a file"),
    ],
)
def test_a_weakened_or_broken_contract_is_refused(change: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid configuration") as refused:
        load({**PLATFORM, **change})
    assert message in str(refused.value)


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ConfigurationError) as refused:
        load({"DB_HOST": "db", "PGSSLMODE": "disable"})
    text = str(refused.value)
    for name in ("DATA_DIR", "PGSSLMODE", "DB_NAME", "DB_USER", "AWS_REGION"):
        assert f"{name}:" in text


def test_a_password_is_accepted_only_with_iam_switched_off() -> None:
    settings = load({**PLATFORM, "DB_IAM_AUTH": "false", "DB_PASSWORD": "local-only"})
    assert settings.database is not None
    assert (settings.database.region, settings.database.password) == (None, "local-only")


def test_without_a_database_host_the_database_is_not_configured() -> None:
    assert load({"DATA_DIR": "/mnt/data"}).database is None
