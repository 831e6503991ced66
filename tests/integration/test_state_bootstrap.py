"""Apply the state bootstrap to the local endpoint, check it with boto3, use it as dev's backend, destroy.

Runs in CI (never skipped there). What moto does not enforce: the bucket policy's TLS-only and
KMS-only statements (the endpoint is plain HTTP; tooling/moto_patches.py lets such conditional Denys
not apply) and the key policy. Both are read back here and asserted on the synthesized JSON.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from config import ENVIRONMENTS
from config.account import in_local_account, state_bucket
from main import synthesize
from stacks.state_bootstrap import BOOTSTRAP_STACK
from tooling.local import LocalServer, Terraform, boto_client, free_port, start_server, stop_server

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]
STATE = DEV.state
BUCKET = state_bucket(in_local_account(DEV))  # local mode deploys into the endpoint's account


@dataclass
class Bootstrap:
    server: LocalServer
    terraform: Terraform
    outdir: Path
    state_file: Path
    outputs: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)
    destroyed: bool = False

    def client(self, service: str) -> Any:
        return boto_client(self.server.url, service, STATE.region)


@pytest.fixture(scope="module")
def bootstrap(tmp_path_factory: pytest.TempPathFactory, tf_cli_config: Path) -> Iterator[Bootstrap]:
    work = tmp_path_factory.mktemp("bootstrap")
    server = start_server(free_port(), log_path=work / "moto.log")
    try:
        outdir, state_file = work / "cdktf.out", work / "bootstrap" / "terraform.tfstate"
        synthesize([DEV], outdir, local_endpoint=server.url, bootstrap_state_file=state_file)
        terraform = Terraform(outdir / "stacks" / BOOTSTRAP_STACK, tf_cli_config)
        terraform.init()
        started = time.monotonic()
        terraform.apply()
        result = Bootstrap(server, terraform, outdir, state_file, terraform.outputs())
        result.seconds["apply"] = time.monotonic() - started
        yield result
        if not result.destroyed:
            terraform.destroy()
        print("\nstate bootstrap timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()))
    finally:
        stop_server(server)


def test_its_own_state_is_the_local_file(bootstrap: Bootstrap) -> None:
    state = json.loads(bootstrap.state_file.read_text())
    types = {r["type"] for r in state["resources"]}
    assert {"aws_s3_bucket", "aws_dynamodb_table", "aws_kms_key", "aws_s3_bucket_policy"} <= types
    assert bootstrap.outputs["StateBucketName"] == BUCKET
    assert bootstrap.outputs["LockTableName"] == STATE.lock_table
    assert bootstrap.outputs["StateKeyAlias"] == "alias/healthtech-state-bootstrap"


def test_bucket_is_versioned_kms_encrypted_private_and_expires_old_versions(bootstrap: Bootstrap) -> None:
    s3, key_arn = bootstrap.client("s3"), bootstrap.outputs["StateKeyArn"]
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert lifecycle["Status"] == "Enabled" and lifecycle["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    (tls,) = [s for s in policy["Statement"] if s["Sid"] == "DenyWithoutTls"]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_lock_table_is_on_demand_kms_encrypted_with_point_in_time_recovery(bootstrap: Bootstrap) -> None:
    dynamodb, key_arn = bootstrap.client("dynamodb"), bootstrap.outputs["StateKeyArn"]
    table = dynamodb.describe_table(TableName=STATE.lock_table)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]
    assert table["SSEDescription"]["Status"] == "ENABLED" and table["SSEDescription"]["SSEType"] == "KMS"
    assert table["SSEDescription"]["KMSMasterKeyArn"] == key_arn
    backups = dynamodb.describe_continuous_backups(TableName=STATE.lock_table)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    kms = bootstrap.client("kms")
    assert kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"] is True


def test_dev_backend_initializes_locks_and_writes_state_encrypted_with_the_key(
    bootstrap: Bootstrap, tf_cli_config: Path
) -> None:
    dev = Terraform(bootstrap.outdir / "stacks" / "healthtech-dev", tf_cli_config)
    started = time.monotonic()
    dev.init()
    # An empty state write goes through the whole backend: both locks taken and released, one KMS-encrypted put.
    empty = bootstrap.outdir.parent / "empty.tfstate"
    empty.write_text(json.dumps({"version": 4, "serial": 1, "lineage": str(uuid.uuid4()), "resources": []}))
    pushed = dev.run("state", "push", "-lock-timeout=0s", str(empty), check=False, capture=True)
    bootstrap.seconds["dev init + state push"] = time.monotonic() - started
    assert pushed.returncode == 0, pushed.stderr
    s3 = bootstrap.client("s3")
    state_key = f"{STATE.key_prefix}/dev/terraform.tfstate"
    head = s3.head_object(Bucket=BUCKET, Key=state_key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] in (bootstrap.outputs["StateKeyAlias"], bootstrap.outputs["StateKeyArn"])
    items = bootstrap.client("dynamodb").scan(TableName=STATE.lock_table)["Items"]
    assert [i["LockID"]["S"] for i in items] == [f"{BUCKET}/{state_key}-md5"]  # digest only: lock released
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [state_key]  # the .tflock lockfile is gone


def test_destroy_removes_bucket_and_table_and_schedules_the_key(bootstrap: Bootstrap) -> None:
    started = time.monotonic()
    bootstrap.terraform.destroy()
    bootstrap.seconds["destroy"] = time.monotonic() - started
    bootstrap.destroyed = True
    assert BUCKET not in [b["Name"] for b in bootstrap.client("s3").list_buckets()["Buckets"]]
    assert STATE.lock_table not in bootstrap.client("dynamodb").list_tables()["TableNames"]
    key = bootstrap.client("kms").describe_key(KeyId=bootstrap.outputs["StateKeyArn"])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"
