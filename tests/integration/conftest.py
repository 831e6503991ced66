"""Deployments of the dev stack on the local AWS endpoint (moto), each on its own endpoint and worker.

``deployment``: today's code applied once per session, as a first deploy of dev is, shared by every test
of a layer (each checks it with boto3); tests/integration/test_replan.py re-plans it, the release path
then changes it, and tests/integration/test_teardown.py destroys it, in that order, last. ``upgrade``: on
another endpoint, the previous layout (tests/stacks/previous_layout/dev.local.tf.json, main before
components owned their security groups), then today's code planned and applied over its state, for
tests/integration/test_upgrade.py; the pull-request plans (tests/integration/test_pr_comment.py) are made
over that upgraded state, which only they read. Each endpoint is stopped after. These tests run in CI
(never skipped there). What moto cannot check is listed in the README (Local mode) and next to each check.
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
from tooling.local_leftovers import destroy_checked

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
    seconds: dict[str, float] = field(default_factory=dict)
    destroyed: bool = False
    """A destroy was started (whatever its outcome): nothing destroys this deployment a second time."""

    def client(self, service: str) -> Any:
        return boto_client(self.server.url, service, DEV.region)


@dataclass(frozen=True)
class Upgrade:
    server: LocalServer
    plan: list[dict[str, Any]]
    """``resource_changes`` of today's code planned over the previous layout's deployed state."""
    stack_dir: Path
    """Today's code, applied over that state: the endpoint now holds dev as a first deploy would."""

    def client(self, service: str) -> Any:
        return boto_client(self.server.url, service, DEV.region)


def local_endpoint(work: Path) -> tuple[LocalServer, str]:
    """A started endpoint with dev's state bucket and lock table and the tests' Route 53 zone (its id).

    dev serves plain HTTP by configuration; here it gets a domain in a local Route 53 zone, so the
    DNS-validated certificate, its validation record, the HTTPS listener, the HTTP->HTTPS redirect and
    the alias record are applied and checked too (the zone is made outside the stack, as a registered
    domain's zone is in a real account).
    """
    server = start_server(free_port(), log_path=work / "moto.log")
    try:
        zone = boto_client(server.url, "route53", DEV.region).create_hosted_zone(
            Name=LOCAL_ZONE, CallerReference=f"healthtech-{time.time()}"
        )["HostedZone"]
        bootstrap_state(
            server.url,
            bucket=state_bucket(in_local_account(DEV)),
            lock_table=DEV.state.lock_table,
            region=DEV.state.region,
        )
    except BaseException:
        stop_server(server)
        raise
    return server, str(zone["Id"])


def today(server: LocalServer, work: Path, tf_cli_config: Path) -> Terraform:
    _, stack_dir = synthesize_local("dev", server.url, work / "cdktf.out", domain=(LOCAL_DOMAIN, LOCAL_ZONE))
    terraform = Terraform(stack_dir, tf_cli_config)
    terraform.init()
    return terraform


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory, tf_cli_config: Path) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("local")
    server, zone_id = local_endpoint(work)
    try:
        terraform = today(server, work, tf_cli_config)
        started = time.monotonic()
        terraform.apply()
        seconds = {"apply": time.monotonic() - started}
        acm = boto_client(server.url, "acm", DEV.region)
        (certificate,) = [
            c["CertificateArn"]
            for c in acm.list_certificates()["CertificateSummaryList"]
            if c["DomainName"] == LOCAL_DOMAIN
        ]
        deployment = Deployment(server, terraform, terraform.outputs(), certificate, zone_id, seconds)
        yield deployment
        if not deployment.destroyed:  # test_teardown did not get to it; a destroy it tried is never repeated
            deployment.destroyed = True
            destroy_checked(terraform, server.url, DEV.region, DEV.name)
        print("\nlocal endpoint timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in deployment.seconds.items()))
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def upgrade(tmp_path_factory: pytest.TempPathFactory, tf_cli_config: Path) -> Iterator[Upgrade]:
    """The previous layout deployed, then today's code planned and applied over its state. The endpoint is
    stopped after without a destroy: what it held goes with it (the destroy is test_teardown's)."""
    work = tmp_path_factory.mktemp("upgrade")
    server, _ = local_endpoint(work)
    try:
        previous_dir = work / "previous" / "stacks" / stack_name(DEV.name)
        previous_dir.mkdir(parents=True)
        (previous_dir / "cdk.tf.json").write_text(previous_local_dev(server.url))
        previous = Terraform(previous_dir, tf_cli_config)
        previous.init()
        previous.apply()
        terraform = today(server, work, tf_cli_config)
        plan = terraform.planned_changes()
        terraform.apply()  # the moves and changes apply, not only plan
        yield Upgrade(server, plan, terraform.stack_dir)
    finally:
        stop_server(server)


# Tests that share one applied stack run in one pytest-xdist worker (`--dist loadgroup` in pyproject), so
# each stack is applied once per run while the other workers run everything else alongside its waits. The
# groups are listed longest first (bench/RESULTS.md, "2026-12-08, issue 22"): with `--no-loadscope-reorder`
# the workers take them in this order, ahead of the unit tests, so the longest chain starts at once.
GROUPS = {
    "deployment": "dev-deployment",
    "upgrade": "upgrade",
    "adopted": "adoption",
    "refusals": "adoption",
    "ci_access": "ci-roles",
    "small": "state-locking",
    "bootstrap": "state-bootstrap",
}
HERE = Path(__file__).parent
RUN_LAST = ("test_replan.py", "test_release_path.py", "test_teardown.py")
"""The dev deployment's last modules, in this order: the re-plan reads it as applied (no drift), the release
path then changes it (its applies are not undone), the destroy ends it."""


def _group_of(item: pytest.Item) -> str | None:
    if HERE not in item.path.parents:  # a unit test's own fixture may share a name (tests/stacks: bootstrap)
        return None
    return next((g for f, g in GROUPS.items() if f in getattr(item, "fixturenames", ())), None)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Group each shared deployment's tests, put the groups first (longest first), and run the dev
    deployment's re-plan, release path and destroy after every test that reads it."""
    order = list(dict.fromkeys(GROUPS.values()))

    def rank(item: pytest.Item) -> tuple[int, int]:
        group = _group_of(item)
        last = RUN_LAST.index(item.path.name) + 1 if item.path.name in RUN_LAST else 0
        return (order.index(group) if group else len(order), last)

    for item in items:
        if group := _group_of(item):
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=rank)
