"""The state-lock patch (tooling/moto_patches_locks.py), through boto3 against a threaded moto server.

Unlike the other patches it closes no gap between moto and DynamoDB: it makes the local endpoint
forgive one thing, the retry of a conditional lock write that was applied but whose answer was lost,
and logs every lock call. These tests pin that the forgiveness is that narrow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from tooling import moto_patches_locks

REGION = "eu-south-1"
TABLE = "locks"
LOCK = "bucket/healthtech/dev/terraform.tfstate"


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    moto_patches_locks.apply_all()
    moto_patches_locks.apply_all()  # idempotent, like the others
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        client = boto3.client(
            "dynamodb",
            endpoint_url=f"http://{host}:{port}",
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )
        client.create_table(
            TableName=TABLE,
            AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client
    finally:
        server.stop()


def _lock(holder: str) -> dict[str, Any]:
    """The conditional write Terraform's S3 backend makes to take the lock."""
    info = json.dumps({"ID": holder, "Operation": "OperationTypePlan", "Who": "root@vm", "Path": LOCK})
    return {
        "TableName": TABLE,
        "Item": {"LockID": {"S": LOCK}, "Info": {"S": info}},
        "ConditionExpression": "attribute_not_exists(LockID)",
    }


def test_an_identical_retry_is_answered_as_written_and_any_other_holder_is_refused(
    dynamodb: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    try:
        dynamodb.put_item(**_lock("032c3adc"))
        dynamodb.put_item(**_lock("032c3adc"))  # the SDK's retry of the same request
        with pytest.raises(ClientError, match="ConditionalCheckFailedException"):
            dynamodb.put_item(**_lock("5f0c0000"))  # a second run of Terraform
        stored = dynamodb.get_item(TableName=TABLE, Key={"LockID": {"S": LOCK}})["Item"]
        assert json.loads(stored["Info"]["S"])["ID"] == "032c3adc"
    finally:
        dynamodb.delete_item(TableName=TABLE, Key={"LockID": {"S": LOCK}})
    logged = [line for line in capfd.readouterr().err.splitlines() if line.startswith("[lock ")]
    assert [line.split("] ", 1)[1] for line in logged] == [
        f"PutItem {LOCK} holder=032c3adc: written",
        f"PutItem {LOCK} holder=032c3adc: identical item already stored: a retry, answered as written",
        f"PutItem {LOCK} holder=5f0c0000: ConditionalCheckFailed",
        f"DeleteItem {LOCK}: deleted",
    ]


def test_a_lock_taken_after_release_and_other_tables_behave_as_dynamodb(dynamodb: Any) -> None:
    dynamodb.put_item(**_lock("aaaa"))
    dynamodb.delete_item(TableName=TABLE, Key={"LockID": {"S": LOCK}})
    dynamodb.put_item(**_lock("bbbb"))  # released: the next holder gets it
    dynamodb.delete_item(TableName=TABLE, Key={"LockID": {"S": LOCK}})
    dynamodb.create_table(
        TableName="other",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    item = {"TableName": "other", "Item": {"pk": {"S": "x"}}, "ConditionExpression": "attribute_not_exists(pk)"}
    dynamodb.put_item(**item)
    with pytest.raises(ClientError, match="ConditionalCheckFailedException"):
        dynamodb.put_item(**item)  # no LockID key: untouched, even for an identical item
