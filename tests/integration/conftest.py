"""One deployment of the dev stack on the local AWS endpoint (moto), shared by every integration test.

The endpoint is started on a free loopback port and the stack deployed once per session as an
upgrade: first the previous layout (tests/stacks/previous_layout/dev.local.tf.json, main before
components owned their security groups), then today's code over the same state, whose plan is
recorded for tests/integration/test_upgrade.py. The endpoint is stopped after. Tests of each layer
check it with boto3; tests/integration/test_teardown.py re-plans and destroys it, and always runs
last. These tests run in CI (never skipped there). What moto cannot check is listed in the README
(Local mode) and next to each check.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from config import ENVIRONMENTS
from config.account import in_local_account, state_bucket
from config.naming import stack_name
from tests.stacks.layout import previous_local_dev
from tooling.local import (
    LocalServer,
    Terraform,
    bootstrap_state,
    boto_client,
    free_port,
    start_server,
    stop_server,
    synthesize_local,
)

DEV = ENVIRONMENTS["dev"]
LOCAL_ZONE = "healthtech.test"
LOCAL_DOMAIN = f"dev.{LOCAL_ZONE}"


@dataclass
class Deployment:
    server: LocalServer
    terraform: Terraform
    outputs: dict[str, Any]
    certificate_arn: str
    zone_id: str
    upgrade_plan: list[dict[str, Any]]
    """``resource_changes`` of today's code planned over the previous layout's deployed state."""
    seconds: dict[str, float] = field(default_factory=dict)
    destroyed: bool = False

    def client(self, service: str) -> Any:
        return boto_client(self.server.url, service, DEV.region)


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory, tf_cli_config: Path) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("local")
    server = start_server(free_port(), log_path=work / "moto.log")
    try:
        # dev serves plain HTTP by configuration; here it gets a domain in a local Route 53 zone, so the
        # DNS-validated certificate, its validation record, the HTTPS listener, the HTTP->HTTPS redirect
        # and the alias record are applied and checked too (the zone is made outside the stack, as a
        # registered domain's zone is in a real account).
        zone = boto_client(server.url, "route53", DEV.region).create_hosted_zone(
            Name=LOCAL_ZONE, CallerReference=f"healthtech-{time.time()}"
        )["HostedZone"]
        local_dev = in_local_account(DEV)
        bootstrap_state(
            server.url, bucket=state_bucket(local_dev), lock_table=DEV.state.lock_table, region=DEV.state.region
        )
        previous_dir = work / "previous" / "stacks" / stack_name(DEV.name)
        previous_dir.mkdir(parents=True)
        (previous_dir / "cdk.tf.json").write_text(previous_local_dev(server.url))
        started = time.monotonic()
        previous = Terraform(previous_dir, tf_cli_config)
        previous.init()
        previous.apply()
        seconds = {"apply previous layout": time.monotonic() - started}
        _, stack_dir = synthesize_local("dev", server.url, work / "cdktf.out", domain=(LOCAL_DOMAIN, LOCAL_ZONE))
        terraform = Terraform(stack_dir, tf_cli_config)
        terraform.init()
        started = time.monotonic()
        upgrade_plan = terraform.planned_changes()
        terraform.apply()
        seconds["plan and apply upgrade"] = time.monotonic() - started
        acm = boto_client(server.url, "acm", DEV.region)
        (certificate,) = [
            c["CertificateArn"]
            for c in acm.list_certificates()["CertificateSummaryList"]
            if c["DomainName"] == LOCAL_DOMAIN
        ]
        deployment = Deployment(server, terraform, terraform.outputs(), certificate, zone["Id"], upgrade_plan, seconds)
        yield deployment
        if not deployment.destroyed:
            terraform.destroy()
        print("\nlocal endpoint timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in deployment.seconds.items()))
    finally:
        stop_server(server)


# Tests that share one applied stack run in one pytest-xdist worker (`--dist loadgroup` in pyproject), so
# each stack is applied once per run while the other worker runs everything else alongside its waits.
GROUPS = {
    "deployment": "dev-deployment",
    "bootstrap": "state-bootstrap",
    "adopted": "adoption",
    "refusals": "adoption",
    "ci_access": "ci-roles",
}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group each shared deployment's tests; run its re-plan and destroy after every test that reads it."""
    for item in items:
        for fixture, group in GROUPS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(group))
                break
    items.sort(key=lambda item: item.path.name == "test_teardown.py")
