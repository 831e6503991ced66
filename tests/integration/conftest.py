"""One deployment of the dev stack on the local AWS endpoint (moto), shared by every integration test.

The endpoint is started on a free loopback port, the stack applied once per session, and the
endpoint stopped after. Tests of each layer check it with boto3; tests/integration/test_teardown.py
re-plans and destroys it, and always runs last. These tests run in CI (never skipped there). What
moto cannot check is listed in the README (Local mode) and next to each check.
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
from tooling.local_certificate import import_self_signed

DEV = ENVIRONMENTS["dev"]


@dataclass
class Deployment:
    server: LocalServer
    terraform: Terraform
    outputs: dict[str, Any]
    certificate_arn: str
    seconds: dict[str, float] = field(default_factory=dict)
    destroyed: bool = False

    def client(self, service: str) -> Any:
        return boto_client(self.server.url, service, DEV.region)


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory, tf_cli_config: Path) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("local")
    server = start_server(free_port(), log_path=work / "moto.log")
    try:
        # dev serves plain HTTP by configuration; here it gets a self-signed certificate from the local
        # ACM so the HTTPS listener and the HTTP->HTTPS redirect are applied and checked too.
        certificate = import_self_signed(server.url, DEV.region, "dev.healthtech.test")
        _, stack_dir = synthesize_local("dev", server.url, work / "cdktf.out", certificate_arn=certificate)
        local_dev = in_local_account(DEV)
        bootstrap_state(
            server.url, bucket=state_bucket(local_dev), lock_table=DEV.state.lock_table, region=DEV.state.region
        )
        terraform = Terraform(stack_dir, tf_cli_config)
        terraform.init()
        started = time.monotonic()
        terraform.apply()
        deployment = Deployment(
            server, terraform, terraform.outputs(), certificate, {"apply": time.monotonic() - started}
        )
        yield deployment
        if not deployment.destroyed:
            terraform.destroy()
        print("\nlocal endpoint timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in deployment.seconds.items()))
    finally:
        stop_server(server)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the re-plan and destroy of the shared deployment after every test that reads it."""
    items.sort(key=lambda item: item.path.name == "test_teardown.py")
