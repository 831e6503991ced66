"""RDS PostgreSQL and EFS of the deployed dev stack, checked with boto3."""

from __future__ import annotations

import json

import pytest

from config import ENVIRONMENTS
from tests.integration.conftest import Deployment

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]


def test_postgres_is_encrypted_private_tls_only_with_a_managed_secret(deployment: Deployment) -> None:
    rds, kms, out = deployment.client("rds"), deployment.client("kms"), deployment.outputs
    (db,) = rds.describe_db_instances(DBInstanceIdentifier="healthtech-postgres-dev")["DBInstances"]
    assert db["Engine"] == "postgres" and db["DBInstanceStatus"] == "available"
    assert db["StorageEncrypted"] is True and db["KmsKeyId"].endswith(out["RDSKMSKeyId"])
    assert db["MultiAZ"] is DEV.database.multi_az
    assert db["PubliclyAccessible"] is False and db["DeletionProtection"] is DEV.deletion_protection
    assert db["Endpoint"]["Address"] == out["RDSInstanceEndpoint"] and db["Endpoint"]["Port"] == 5432
    assert {s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"]} == {
        out["PrivateSubnet1Id"],
        out["PrivateSubnet2Id"],
    }
    assert db["MasterUserSecret"]["SecretArn"] == out["RDSMasterSecretArn"]
    secrets_key = kms.describe_key(KeyId=out["SecretsKMSKeyId"])["KeyMetadata"]["Arn"]
    assert db["MasterUserSecret"]["KmsKeyId"] == secrets_key
    assert sorted(db["EnabledCloudwatchLogsExports"]) == ["postgresql", "upgrade"]
    (group,) = db["DBParameterGroups"]
    params = rds.describe_db_parameters(DBParameterGroupName=group["DBParameterGroupName"], Source="user")
    assert {p["ParameterName"]: p["ParameterValue"] for p in params["Parameters"]} == {
        "rds.force_ssl": "1",
        "log_connections": "1",
        "log_disconnections": "1",
    }
    assert db["IAMDatabaseAuthenticationEnabled"] is True
    # Not checkable here: moto accepts Performance Insights but does not store it (README, Local mode).


def test_the_app_connects_with_iam_and_only_the_migration_role_reads_the_master_secret(
    deployment: Deployment,
) -> None:
    rds, iam, out = deployment.client("rds"), deployment.client("iam"), deployment.outputs
    (db,) = rds.describe_db_instances(DBInstanceIdentifier="healthtech-postgres-dev")["DBInstances"]

    def policies(role: str) -> dict[str, list[dict]]:
        names = iam.list_role_policies(RoleName=role)["PolicyNames"]
        return {n: iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"]["Statement"] for n in names}

    (connect,) = policies("healthtech-task-role-dev")["connect-to-database"]
    assert connect["Action"] == "rds-db:connect"
    assert connect["Resource"].endswith(
        f":rds-db:{DEV.region}:{db['DBInstanceArn'].split(':')[4]}:dbuser:{db['DbiResourceId']}/{out['RDSAppUsername']}"
    )
    assert "read-database-secret" not in policies("healthtech-execution-role-dev")
    read, _ = policies("healthtech-migrate-role-dev")["read-database-secret"]
    assert read["Resource"] == out["RDSMasterSecretArn"]


def test_efs_is_encrypted_with_our_key_mounted_in_both_azs_and_tls_only(deployment: Deployment) -> None:
    efs, out = deployment.client("efs"), deployment.outputs
    (fs,) = efs.describe_file_systems(FileSystemId=out["EFSFileSystemId"])["FileSystems"]
    assert fs["Encrypted"] is True and fs["KmsKeyId"].endswith(out["EFSKMSKeyId"])
    targets = efs.describe_mount_targets(FileSystemId=out["EFSFileSystemId"])["MountTargets"]
    assert len(targets) == 2
    assert {t["SubnetId"] for t in targets} == {out["PrivateSubnet1Id"], out["PrivateSubnet2Id"]}
    assert len({t["AvailabilityZoneName"] for t in targets}) == 2
    policy = json.loads(efs.describe_file_system_policy(FileSystemId=out["EFSFileSystemId"])["Policy"])
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (allow,) = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"]["AWS"] in (out["ECSTaskRoleArn"], [out["ECSTaskRoleArn"]])
    backup = efs.describe_backup_policy(FileSystemId=out["EFSFileSystemId"])["BackupPolicy"]
    assert backup["Status"] == "ENABLED"
    (ap,) = efs.describe_access_points(AccessPointId=out["EFSAccessPointId"])["AccessPoints"]
    assert ap["PosixUser"] == {"Uid": 1000, "Gid": 1000}
    assert ap["RootDirectory"]["Path"] == "/app"
