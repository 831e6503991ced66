"""Destroy of the shared deployment (nothing left); runs last (tests/integration/conftest.py, RUN_LAST)."""

from __future__ import annotations

import time

import pytest

from config import ENVIRONMENTS
from tests.integration.conftest import Deployment
from tooling.local_leftovers import destroy_checked, leftovers

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]


def test_destroy_leaves_nothing_behind(deployment: Deployment) -> None:
    started = time.monotonic()
    deployment.destroyed = True  # tried once: the fixture never repeats a destroy, failed or not
    destroy_checked(deployment.terraform, deployment.server.url, DEV.region, DEV.name)  # fails naming what is left
    deployment.seconds["destroy"] = time.monotonic() - started
    assert leftovers(deployment.server.url, DEV.region, DEV.name) == {}
    kms = deployment.client("kms")
    for output in ("RDSKMSKeyId", "EFSKMSKeyId", "LogsKMSKeyId", "S3KMSKeyId", "SecretsKMSKeyId", "ECRKMSKeyId"):
        assert kms.describe_key(KeyId=deployment.outputs[output])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert deployment.client("rds").describe_db_snapshots()["DBSnapshots"] == []  # dev: no final snapshot
    assert deployment.client("ec2").describe_addresses()["Addresses"] == []
