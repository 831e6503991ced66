"""RDS PostgreSQL as synthesized for each environment (dev and prod differ on purpose)."""

from __future__ import annotations

import json

from cdktf_cdktf_provider_aws.db_instance import DbInstance

from config import ENVIRONMENTS
from tests.conftest import Synth


def _instance(synth: Synth) -> dict:
    return synth.by_path("database/instance")


def test_postgres_is_private_encrypted_with_our_key_and_in_the_private_subnets(each_env: tuple) -> None:
    config, synth = each_env
    db = _instance(synth)
    assert db["identifier"] == f"healthtech-postgres-{config.name}"
    assert (db["engine"], db["engine_version"], db["storage_type"]) == ("postgres", "16", "gp3")
    assert db["storage_encrypted"] is True and db["kms_key_id"] == synth.ref("encryption/rds/key", "arn")
    assert db["publicly_accessible"] is False
    assert db["vpc_security_group_ids"] == [synth.ref("database/connections/security-group")]
    group = synth.by_path("database/subnet-group")
    assert db["db_subnet_group_name"] == synth.ref("database/subnet-group", "name")
    assert group["subnet_ids"] == [synth.ref("network/private-subnet-1"), synth.ref("network/private-subnet-2")]
    assert db["port"] == 5432 and db["iam_database_authentication_enabled"] is True
    assert db["ca_cert_identifier"] == "rds-ca-rsa2048-g1"
    assert db["auto_minor_version_upgrade"] is True and db["allow_major_version_upgrade"] is False


def test_master_password_is_managed_by_rds_with_our_secrets_key_and_never_in_the_stack(each_env: tuple) -> None:
    _, synth = each_env
    db = _instance(synth)
    assert db["manage_master_user_password"] is True
    assert db["master_user_secret_kms_key_id"] == synth.ref("encryption/secrets/key", "arn")
    assert "password" not in db
    assert not synth.resources("aws_secretsmanager_secret")  # RDS creates and rotates the secret itself
    keys = {k for resources in synth.doc["resource"].values() for r in resources.values() for k in r}
    assert [k for k in keys if "password" in k] == ["manage_master_user_password"]
    assert "variable" not in synth.doc  # nothing to pass a password in through
    assert synth.doc["output"]["RDSMasterSecretArn"]["value"] == (
        f"${{{synth.address('database/instance')}.master_user_secret[0].secret_arn}}"
    )


def test_only_the_migration_role_reads_the_secret_and_decrypts_with_only_the_secrets_key(each_env: tuple) -> None:
    _, synth = each_env
    (policy,) = [p for p in synth.resources("aws_iam_role_policy").values() if p["name"] == "read-database-secret"]
    assert policy["role"] == synth.ref("identity/migrate-role")
    read, decrypt = json.loads(policy["policy"])["Statement"]
    assert read["Action"] == ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    assert read["Resource"] == f"${{{synth.address('database/instance')}.master_user_secret[0].secret_arn}}"
    assert decrypt["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert decrypt["Resource"] == synth.ref("encryption/secrets/key", "arn")


READS_SECRET = {"secretsmanager:GetSecretValue", "secretsmanager:*", "*"}


def test_no_other_policy_in_the_stack_reads_a_secret(each_env: tuple) -> None:
    _, synth = each_env
    readers = {
        p["role"]
        for p in synth.resources("aws_iam_role_policy").values()
        for s in json.loads(p["policy"])["Statement"]
        if s["Effect"] == "Allow"
        and {"secretsmanager:GetSecretValue", "secretsmanager:*", "*"} & set(_list(s["Action"]))
    }
    assert readers == {synth.ref("identity/migrate-role")}


def _list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def test_the_task_role_may_connect_as_the_app_user_of_this_instance_only(each_env: tuple) -> None:
    config, synth = each_env
    policy = synth.by_path("database/connect-task-role")
    assert policy["role"] == synth.ref("identity/task-role") and policy["name"] == "connect-to-database"
    (connect,) = json.loads(policy["policy"])["Statement"]
    assert connect == {
        "Effect": "Allow",
        "Action": "rds-db:connect",
        "Resource": (
            f"arn:{synth.ref('context/partition', 'partition')}:rds-db:{config.region}:"
            f"{synth.ref('context/caller', 'account_id')}:dbuser:"
            f"{synth.ref('database/instance', 'resource_id')}/healthtech_app"
        ),
    }
    # No other policy grants rds-db:connect, to anyone.
    connects = [p for p in synth.resources("aws_iam_role_policy").values() if "rds-db:" in p["policy"]]
    assert connects == [policy]


def test_iam_database_authentication_is_enabled(each_env: tuple) -> None:
    _, synth = each_env
    assert synth.has(DbInstance.TF_RESOURCE_TYPE, {"iam_database_authentication_enabled": True})


def test_parameter_group_forces_tls_and_logs_connections(each_env: tuple) -> None:
    config, synth = each_env
    params = synth.by_path("database/parameters")
    assert params["family"] == "postgres16" and params["name"] == f"healthtech-db-params-{config.name}"
    assert {p["name"]: p["value"] for p in params["parameter"]} == {
        "rds.force_ssl": "1",
        "log_connections": "1",
        "log_disconnections": "1",
    }
    assert _instance(synth)["parameter_group_name"] == synth.ref("database/parameters", "name")


def test_log_exports_go_to_pre_created_encrypted_groups(each_env: tuple) -> None:
    config, synth = each_env
    db = _instance(synth)
    assert db["enabled_cloudwatch_logs_exports"] == ["postgresql", "upgrade"]
    for export in ("postgresql", "upgrade"):
        group = synth.by_path(f"database/log-group-{export}")
        assert group["name"] == f"/aws/rds/instance/healthtech-postgres-{config.name}/{export}"
        assert group["kms_key_id"] == synth.ref("encryption/logs/key", "arn")
        assert group["retention_in_days"] == config.observability.log_retention_days
        assert synth.address(f"database/log-group-{export}") in db["depends_on"]


def test_performance_insights_is_encrypted_and_kept_as_configured(each_env: tuple) -> None:
    config, synth = each_env
    db = _instance(synth)
    assert db["performance_insights_enabled"] is True
    assert db["performance_insights_kms_key_id"] == synth.ref("encryption/rds/key", "arn")
    assert db["performance_insights_retention_period"] == config.database.performance_insights_retention_days
    assert "lifecycle" not in db  # the local-mode ignore_changes never reaches a real-AWS stack


def test_backups_windows_and_snapshot_tags(each_env: tuple) -> None:
    config, synth = each_env
    db = _instance(synth)
    assert db["backup_retention_period"] == config.database.backup_retention_days
    assert db["backup_window"] == "02:00-02:30" and db["maintenance_window"] == "sun:03:00-sun:04:00"
    assert db["copy_tags_to_snapshot"] is True


def test_dev_is_single_az_destroyable_without_snapshot(dev: Synth) -> None:
    assert dev.has(
        DbInstance.TF_RESOURCE_TYPE,
        {
            "multi_az": False,
            "deletion_protection": False,
            "skip_final_snapshot": True,
            "delete_automated_backups": True,
            "apply_immediately": True,
            "monitoring_interval": 0,
        },
    )
    db = _instance(dev)
    assert "final_snapshot_identifier" not in db and "monitoring_role_arn" not in db
    assert not [r for r in dev.resources("aws_iam_role").values() if "monitoring" in r["name"]]


def test_prod_is_multi_az_protected_with_a_named_final_snapshot_and_enhanced_monitoring(prod: Synth) -> None:
    db = _instance(prod)
    assert db["multi_az"] is True and db["deletion_protection"] is True
    assert db["skip_final_snapshot"] is False and db["final_snapshot_identifier"] == "healthtech-postgres-final-prod"
    assert db["delete_automated_backups"] is False and db["apply_immediately"] is False
    assert db["instance_class"] == "db.r6g.large" and db["backup_retention_period"] == 35
    assert db["monitoring_interval"] == 60
    assert db["monitoring_role_arn"] == prod.ref("database/monitoring-role", "arn")
    role = prod.by_path("database/monitoring-role")
    assert role["name"] == "healthtech-rds-monitoring-role-prod"
    trust = json.loads(role["assume_role_policy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    (attachment,) = prod.resources("aws_iam_role_policy_attachment").values()
    assert attachment["policy_arn"].endswith(":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")


def test_staging_keeps_the_safe_defaults() -> None:
    staging = ENVIRONMENTS["staging"]
    assert staging.database.multi_az and staging.database.final_snapshot and staging.deletion_protection
