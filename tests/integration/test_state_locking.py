"""State locking on the shared dev deployment: a second run of the same environment is refused while
the state is locked (S3 lockfile: ``412 PreconditionFailed``; DynamoDB: ``ConditionalCheckFailedException``),
the first run finishes, and the state stays consistent. Also the drift check, for real, in local mode.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from config import ENVIRONMENTS
from config.account import in_local_account, state_bucket
from tests.integration.conftest import Deployment
from tooling.drift import CLEAN, DRIFT, check_stack

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]
BUCKET = state_bucket(in_local_account(DEV))  # local mode deploys into the endpoint's account

STATE_KEY = f"{DEV.state.key_prefix}/dev/terraform.tfstate"
LOCK_ID = f"{BUCKET}/{STATE_KEY}"  # Terraform's DynamoDB lock item key
LOCKFILE = f"{STATE_KEY}.tflock"  # Terraform's S3 lockfile (use_lockfile)


def _held_lock_info() -> str:
    """A lock as Terraform records it (DynamoDB ``Info`` / the lockfile's body), held by someone else."""
    return json.dumps(
        {
            "ID": "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5",
            "Operation": "OperationTypeApply",
            "Info": "",
            "Who": "someone-else@their-laptop",
            "Version": "1.11.4",
            "Created": "2026-01-01T00:00:00Z",
            "Path": LOCK_ID,
        }
    )


def _apply_now(deployment: Deployment) -> subprocess.CompletedProcess[str]:
    """A second apply of the same environment that does not wait for a lock."""
    return deployment.terraform.run(
        "apply", "-input=false", "-auto-approve", "-lock-timeout=0s", "-no-color", check=False, capture=True
    )


def _no_lock_left(deployment: Deployment) -> None:
    items = deployment.client("dynamodb").scan(TableName=DEV.state.lock_table)["Items"]
    assert [i["LockID"]["S"] for i in items] == [f"{LOCK_ID}-md5"]  # only the state digest
    with pytest.raises(ClientError, match="404"):
        deployment.client("s3").head_object(Bucket=BUCKET, Key=LOCKFILE)


def test_a_held_dynamodb_lock_refuses_a_second_apply(deployment: Deployment) -> None:
    dynamodb = deployment.client("dynamodb")
    dynamodb.put_item(
        TableName=DEV.state.lock_table,
        Item={"LockID": {"S": LOCK_ID}, "Info": {"S": _held_lock_info()}},
        ConditionExpression="attribute_not_exists(LockID)",
    )
    try:
        refused = _apply_now(deployment)
    finally:
        dynamodb.delete_item(TableName=DEV.state.lock_table, Key={"LockID": {"S": LOCK_ID}})
    assert refused.returncode == 1
    assert "Error acquiring the state lock" in refused.stderr
    assert "ConditionalCheckFailedException" in refused.stderr
    assert "someone-else@their-laptop" in refused.stderr  # Terraform names the holder
    _no_lock_left(deployment)  # the refused run released the lockfile it had taken first


def test_a_held_s3_lockfile_refuses_a_second_apply(deployment: Deployment) -> None:
    s3 = deployment.client("s3")
    s3.put_object(Bucket=BUCKET, Key=LOCKFILE, Body=_held_lock_info().encode())
    try:
        refused = _apply_now(deployment)
    finally:
        s3.delete_object(Bucket=BUCKET, Key=LOCKFILE)
    assert refused.returncode == 1
    assert "Error acquiring the state lock" in refused.stderr
    assert "StatusCode: 412" in refused.stderr and "PreconditionFailed" in refused.stderr
    _no_lock_left(deployment)


def _wait_for_lockfile(deployment: Deployment, first: subprocess.Popen[str], timeout: float = 60.0) -> None:
    s3, deadline = deployment.client("s3"), time.monotonic() + timeout
    while time.monotonic() < deadline and first.poll() is None:
        with contextlib.suppress(ClientError):
            s3.head_object(Bucket=BUCKET, Key=LOCKFILE)
            return
        time.sleep(0.2)
    raise AssertionError("the first apply never took the lock")


def test_drift_is_reported_then_a_concurrent_apply_is_refused_while_the_first_repairs_it(
    deployment: Deployment, tf_cli_config: Path
) -> None:
    ec2, vpc_id = deployment.client("ec2"), deployment.outputs["VPCId"]
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "Owner"}])  # a change made outside Terraform
    started = time.monotonic()
    assert check_stack(deployment.terraform.stack_dir, tf_cli_config).status == DRIFT
    deployment.seconds["drift check"] = time.monotonic() - started

    started = time.monotonic()
    first = subprocess.Popen(
        [
            "terraform",
            f"-chdir={deployment.terraform.stack_dir}",
            "apply",
            "-input=false",
            "-auto-approve",
            "-no-color",
        ],
        env=deployment.terraform.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_lockfile(deployment, first)
        second = _apply_now(deployment)
    finally:
        out, err = first.communicate(timeout=600)
    deployment.seconds["concurrent applies"] = time.monotonic() - started
    assert second.returncode == 1
    assert "Error acquiring the state lock" in second.stderr and "PreconditionFailed" in second.stderr
    assert first.returncode == 0, err
    assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in out
    tags = ec2.describe_tags(
        Filters=[{"Name": "resource-id", "Values": [vpc_id]}, {"Name": "key", "Values": ["Owner"]}]
    )
    assert [t["Value"] for t in tags["Tags"]] == [DEV.owner]
    _no_lock_left(deployment)
    assert check_stack(deployment.terraform.stack_dir, tf_cli_config).status == CLEAN  # state is consistent
