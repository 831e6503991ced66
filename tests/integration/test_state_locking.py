"""State locking of dev's backend: a second run of the same environment is refused while the state is
locked (S3 lockfile: ``412 PreconditionFailed``; DynamoDB: ``ConditionalCheckFailedException``), the first
run finishes, and the state stays consistent. Also the drift check, for real, in local mode.

Locking is the backend's, not the resources': the stack here is dev's local stack as synthesized (its
backend, provider and VPC) less every other resource, on its own endpoint and worker, so each of the
runs below takes seconds instead of a refresh of the whole environment.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from config import ENVIRONMENTS
from config.account import in_local_account, state_bucket
from config.naming import stack_name
from tests.integration.conftest import Deployment, local_endpoint, today
from tooling.drift import CLEAN, DRIFT, check_stack
from tooling.local import Terraform, stop_server
from tooling.local_leftovers import IncompleteDestroyError, destroy_checked

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]
BUCKET = state_bucket(in_local_account(DEV))  # local mode deploys into the endpoint's account

STATE_KEY = f"{DEV.state.key_prefix}/dev/terraform.tfstate"
LOCK_ID = f"{BUCKET}/{STATE_KEY}"  # Terraform's DynamoDB lock item key
LOCKFILE = f"{STATE_KEY}.tflock"  # Terraform's S3 lockfile (use_lockfile)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory, tf_cli_config: Path) -> Iterator[Deployment]:
    """dev's VPC alone, deployed with dev's local backend (S3 state, DynamoDB lock and S3 lockfile)."""
    work = tmp_path_factory.mktemp("locking")
    server, zone_id = local_endpoint(work)
    try:
        stack_dir = today(server, work, tf_cli_config).stack_dir
        doc = json.loads((stack_dir / "cdk.tf.json").read_text())
        (vpc,) = doc["resource"]["aws_vpc"]
        doc = {
            "terraform": doc["terraform"],
            "provider": doc["provider"],
            "resource": {"aws_vpc": doc["resource"]["aws_vpc"]},
            "output": {"VPCId": {"value": f"${{aws_vpc.{vpc}.id}}"}},
        }
        (stack_dir / "cdk.tf.json").write_text(json.dumps(doc))
        terraform = Terraform(stack_dir, tf_cli_config)
        terraform.apply()
        yield Deployment(server, terraform, terraform.outputs(), "", zone_id)
    finally:
        stop_server(server)


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


def _apply_now(small: Deployment) -> subprocess.CompletedProcess[str]:
    """A second apply of the same environment that does not wait for a lock."""
    return small.terraform.run(
        "apply", "-input=false", "-auto-approve", "-lock-timeout=0s", "-no-color", check=False, capture=True
    )


def _no_lock_left(small: Deployment) -> None:
    items = small.client("dynamodb").scan(TableName=DEV.state.lock_table)["Items"]
    assert [i["LockID"]["S"] for i in items] == [f"{LOCK_ID}-md5"]  # only the state digest
    with pytest.raises(ClientError, match="404"):
        small.client("s3").head_object(Bucket=BUCKET, Key=LOCKFILE)


def test_a_held_dynamodb_lock_refuses_a_second_apply(small: Deployment) -> None:
    dynamodb = small.client("dynamodb")
    dynamodb.put_item(
        TableName=DEV.state.lock_table,
        Item={"LockID": {"S": LOCK_ID}, "Info": {"S": _held_lock_info()}},
        ConditionExpression="attribute_not_exists(LockID)",
    )
    try:
        refused = _apply_now(small)
    finally:
        dynamodb.delete_item(TableName=DEV.state.lock_table, Key={"LockID": {"S": LOCK_ID}})
    assert refused.returncode == 1
    assert "Error acquiring the state lock" in refused.stderr
    assert "ConditionalCheckFailedException" in refused.stderr
    assert "someone-else@their-laptop" in refused.stderr  # Terraform names the holder
    _no_lock_left(small)  # the refused run released the lockfile it had taken first


def test_a_held_s3_lockfile_refuses_a_second_apply(small: Deployment) -> None:
    s3 = small.client("s3")
    s3.put_object(Bucket=BUCKET, Key=LOCKFILE, Body=_held_lock_info().encode())
    try:
        refused = _apply_now(small)
    finally:
        s3.delete_object(Bucket=BUCKET, Key=LOCKFILE)
    assert refused.returncode == 1
    assert "Error acquiring the state lock" in refused.stderr
    assert "StatusCode: 412" in refused.stderr and "PreconditionFailed" in refused.stderr
    _no_lock_left(small)


def _wait_for_lockfile(small: Deployment, first: subprocess.Popen[str], timeout: float = 60.0) -> None:
    s3, deadline = small.client("s3"), time.monotonic() + timeout
    while time.monotonic() < deadline and first.poll() is None:
        with contextlib.suppress(ClientError):
            s3.head_object(Bucket=BUCKET, Key=LOCKFILE)
            return
        time.sleep(0.2)
    raise AssertionError("the first apply never took the lock")


def test_drift_is_reported_then_a_concurrent_apply_is_refused_while_the_first_repairs_it(
    small: Deployment, tf_cli_config: Path
) -> None:
    ec2, vpc_id = small.client("ec2"), small.outputs["VPCId"]
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "Owner"}])  # a change made outside Terraform
    started = time.monotonic()
    assert check_stack(small.terraform.stack_dir, tf_cli_config).status == DRIFT
    small.seconds["drift check"] = time.monotonic() - started

    started = time.monotonic()
    # The first apply holds the lock at its approval prompt until the second has been refused.
    first = subprocess.Popen(
        ["terraform", f"-chdir={small.terraform.stack_dir}", "apply", "-no-color"],
        env=small.terraform.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_lockfile(small, first)
        second = _apply_now(small)
    finally:
        out, err = first.communicate(input="yes\n", timeout=600)
    small.seconds["concurrent applies"] = time.monotonic() - started
    assert second.returncode == 1
    assert "Error acquiring the state lock" in second.stderr and "PreconditionFailed" in second.stderr
    assert first.returncode == 0, err
    assert "Apply complete! Resources: 0 added, 1 changed, 0 destroyed." in out
    tags = ec2.describe_tags(
        Filters=[{"Name": "resource-id", "Values": [vpc_id]}, {"Name": "key", "Values": ["Owner"]}]
    )
    assert [t["Value"] for t in tags["Tags"]] == [DEV.owner]
    _no_lock_left(small)
    assert check_stack(small.terraform.stack_dir, tf_cli_config).status == CLEAN  # state is consistent


def test_a_destroy_that_cannot_finish_stops_soon_and_names_what_is_left(small: Deployment) -> None:
    """Runs last here: a subnet made outside Terraform keeps DeleteVpc failing (DependencyViolation, which
    the provider retries for 20 minutes); the bounded destroy stops and the error lists the subnet."""
    ec2, vpc_id = small.client("ec2"), small.outputs["VPCId"]
    tags = [{"Key": "Stack", "Value": stack_name(DEV.name)}]
    orphan = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.10.200.0/24", TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}]
    )["Subnet"]["SubnetId"]
    started = time.monotonic()
    with pytest.raises(IncompleteDestroyError) as failed:
        destroy_checked(small.terraform, small.server.url, DEV.region, DEV.name, timeout=30)
    assert time.monotonic() - started < 150  # 30 s, then Terraform's own stop after Ctrl-C
    message = str(failed.value)
    assert "did not finish" in message
    assert f"subnet {orphan}" in message and f"vpc {vpc_id}" in message
