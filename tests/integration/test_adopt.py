"""Adopt a CloudFormation TapStack into dev on the local endpoint: bad input, the config change, plan,
apply, delete, re-plan, and a later synth from config alone (as the next deploy makes) that keeps it all.

Two moto servers of their own (not the shared deployment's): one holds the stacks the tool must refuse,
the other the TapStack that is adopted. On AWS the runbook first updates the stack with the Retain
change; moto's UpdateStack fails on this template (HTTP 500), so the stack is created from the
template the tool's Retain change produces, the one the update would leave behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import main as app
from config import ENVIRONMENTS, EnvironmentConfig
from config.account import in_local_account, state_bucket
from config.settings import AdoptedSettings, Tier
from tests.integration.tapstack import TEMPLATE, deploy, network_parameters
from tooling.adopt import IMPORTS_FILE, main
from tooling.adopt_cfn import parse_template, retain_template
from tooling.adopt_map import STATEFUL
from tooling.local import LocalServer, Terraform, bootstrap_state, boto_client, free_port, start_server, stop_server

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]
NET = DEV.network
DEV_NETWORK = network_parameters(
    NET.vpc_cidr, NET.public_subnet_cidrs, NET.private_subnet_cidrs, NET.availability_zones
)
STACK = "TapStackdev"
OBJECT = ("source/app.zip", b"patient-portal release 41")


def _server(tmp_path_factory: pytest.TempPathFactory, name: str) -> LocalServer:
    return start_server(free_port(), log_path=tmp_path_factory.mktemp(name) / "moto.log")


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A stack that is not a TapStack, and a TapStack with the original's CIDRs (10.0.0.0/16), not dev's."""
    server = _server(tmp_path_factory, "adopt-refusals")
    try:
        client = _clients(server)
        client("cloudformation").create_stack(
            StackName="NotATapStack",
            TemplateBody=json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}),
        )
        deploy(
            client,
            STACK,
            network_parameters(
                "10.0.0.0/16", ("10.0.0.0/24", "10.0.1.0/24"), ("10.0.10.0/24", "10.0.11.0/24"), NET.availability_zones
            ),
        )
        yield server
    finally:
        stop_server(server)


def _clients(server: LocalServer) -> Any:
    return lambda service: boto_client(server.url, service, DEV.region)


def _adopt(server: LocalServer, outdir: Path, stack: str, *extra: str, environment: str = "dev") -> int:
    environ = {"HEALTHTECH_LOCAL_ENDPOINT": server.url}
    return main(["--stack", stack, "--environment", environment, "--outdir", str(outdir), *extra], environ=environ)


@pytest.mark.parametrize(
    ("stack", "message"),
    [
        ("TapStackqa", "CloudFormation stack 'TapStackqa' does not exist in eu-south-1"),
        ("NotATapStack", "stack 'NotATapStack' is not a TapStack (it lacks AWS::RDS::DBInstance"),
    ],
)
def test_a_wrong_stack_is_refused_and_nothing_written(refusals, tmp_path, capsys, stack, message):
    assert _adopt(refusals, tmp_path / "out", stack) == 2
    error = capsys.readouterr().err
    assert message in error and "pass --stack" in error
    assert not (tmp_path / "out").exists()


def test_another_environment_than_the_stack_was_deployed_as_is_refused(refusals, tmp_path, capsys):
    assert _adopt(refusals, tmp_path / "out", STACK, environment="staging") == 2
    error = capsys.readouterr().err
    assert "was deployed with EnvironmentSuffix='dev'; pass --environment dev" in error
    assert not (tmp_path / "out").exists()


def test_cidrs_that_differ_are_refused_naming_the_settings(refusals, tmp_path, capsys):
    assert _adopt(refusals, tmp_path / "out", STACK) == 2
    error = capsys.readouterr().err
    assert "refused, nothing written" in error
    assert "config/environments.py: network.vpc_cidr='10.0.0.0/16'" in error
    assert 'in network.private_subnet_cidrs, use "10.0.11.0/24" in place of "10.10.11.0/24"' in error
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []  # no scratch directory left either


@dataclass
class Adopted:
    server: LocalServer
    terraform: Terraform
    stack_dir: Path
    before: dict[str, str]
    plan: dict[str, Any]
    refusal: str
    """What the first run printed (exit 2) while config/environments.py lacked the live values."""
    config: EnvironmentConfig
    """dev with the change that refusal printed: config/environments.py as the operator leaves it."""
    seconds: dict[str, float] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        return boto_client(self.server.url, service, DEV.region)


@contextlib.contextmanager
def configured(config: EnvironmentConfig) -> Iterator[None]:
    """config/environments.py holding ``config`` in place of dev (only while the tool or the app runs)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(ENVIRONMENTS, config.name, config)
        yield


def printed_change(refusal: str) -> AdoptedSettings:
    """The ``adopted=AdoptedSettings(...)`` lines the refusal prints, evaluated as config/environments.py does."""
    found = re.search(r"^    adopted=(AdoptedSettings\(\n.*?^    \)),$", refusal, re.MULTILINE | re.DOTALL)
    assert found, refusal
    settings = eval(found.group(1), {"AdoptedSettings": AdoptedSettings, "Tier": Tier})
    assert isinstance(settings, AdoptedSettings)
    return settings


def identifiers(client: Any) -> dict[str, str]:
    """What must not change: the RDS ARN and resource id, the EFS id and ARN, both key ids and ARNs."""
    (db,) = client("rds").describe_db_instances(DBInstanceIdentifier="healthtech-postgres-dev")["DBInstances"]
    (fs,) = [f for f in client("efs").describe_file_systems()["FileSystems"] if f["Name"] == "healthtech-efs-dev"]
    found = {
        "rds_arn": db["DBInstanceArn"],
        "rds_resource_id": db["DbiResourceId"],
        "efs_id": fs["FileSystemId"],
        "efs_arn": fs["FileSystemArn"],
    }
    kms = client("kms")
    for purpose in ("rds", "efs"):
        key = kms.describe_key(KeyId=f"alias/healthtech-{purpose}-dev")["KeyMetadata"]
        found[f"{purpose}_key_id"], found[f"{purpose}_key_arn"] = key["KeyId"], key["Arn"]
    return found


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory, tf_cli_config: Path) -> Iterator[Adopted]:
    server = _server(tmp_path_factory, "adopt")
    try:
        client = _clients(server)
        retained, _ = retain_template(parse_template(TEMPLATE.read_text()))
        outputs = deploy(client, STACK, DEV_NETWORK, body=json.dumps(retained))
        client("s3").put_object(Bucket=outputs["ArtifactBucketName"], Key=OBJECT[0], Body=OBJECT[1])
        bucket = state_bucket(in_local_account(DEV))
        bootstrap_state(server.url, bucket=bucket, lock_table=DEV.state.lock_table, region=DEV.state.region)
        before = identifiers(client)
        outdir = tmp_path_factory.mktemp("adopt-out") / "cdktf.out"
        # the first run refuses, printing the config change; made, the second run writes the imports
        with contextlib.redirect_stderr(io.StringIO()) as refusal:
            assert _adopt(server, outdir, STACK, "--apply-prerequisites") == 2
        assert not outdir.exists()
        config = dataclasses.replace(DEV, adopted=printed_change(refusal.getvalue()))
        with configured(config):
            assert _adopt(server, outdir, STACK, "--apply-prerequisites") == 0
        stack_dir = outdir / "stacks" / "healthtech-dev"
        terraform = Terraform(stack_dir, tf_cli_config)
        terraform.init()
        started = time.monotonic()
        terraform.run("plan", "-input=false", "-out=adopt.tfplan", capture=True)
        plan = json.loads(terraform.run("show", "-json", "adopt.tfplan", capture=True).stdout)
        adopted = Adopted(
            server, terraform, stack_dir, before, plan, refusal.getvalue(), config, {"plan": time.monotonic() - started}
        )
        yield adopted
    finally:
        stop_server(server)


def _changes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in plan["resource_changes"] if c["mode"] == "managed"]


def test_plan_imports_every_mapped_resource_and_destroys_nothing(adopted):
    imports = {i["to"]: i["id"] for i in json.loads((adopted.stack_dir / IMPORTS_FILE).read_text())["import"]}
    changes = _changes(adopted.plan)
    imported = {c["address"] for c in changes if c["change"].get("importing")}
    assert imported == set(imports)
    assert len(imports) >= 50
    assert [c["address"] for c in changes if "delete" in c["change"]["actions"]] == []
    created = {c["address"] for c in changes if c["change"]["actions"] == ["create"]}
    assert created.isdisjoint(imports)  # only what the original lacks is created
    stateful = {c["address"].split(".")[0] for c in changes if c["change"].get("importing")} & STATEFUL
    assert stateful == STATEFUL  # the database, file system, keys, bucket and log groups are all imported
    # imported by the ids Terraform documents for each type
    by_type = {a.split(".")[0]: i for a, i in imports.items()}
    assert by_type["aws_db_instance"] == "healthtech-postgres-dev"
    assert by_type["aws_efs_file_system"] == adopted.before["efs_id"]
    assert by_type["aws_ecs_service"] == "healthtech-cluster-dev/healthtech-service-dev"
    assert by_type["aws_route_table_association"].startswith("subnet-")
    # the template's inline rules, imported as our aws_security_group_rule resources
    rules = sorted(i.split("_", 1)[1] for a, i in imports.items() if a.startswith("aws_security_group_rule."))
    assert [r.rsplit("_", 1)[0] for r in rules] == [
        "ingress_tcp_2049_2049",
        "ingress_tcp_443_443",
        "ingress_tcp_5432_5432",
        "ingress_tcp_8080_8080",
        "ingress_tcp_80_80",
    ]


def test_the_live_values_our_code_would_replace_are_kept_by_config_not_by_an_override(adopted):
    assert "refused, nothing written: 5 live value(s) would replace their resource" in adopted.refusal
    kept = adopted.config.adopted
    assert kept is not None and kept.efs_creation_token is not None
    assert kept.efs_creation_token.startswith(f"{STACK}-EFSFileSystem-")
    assert f'config line: efs_creation_token="{kept.efs_creation_token}",' in adopted.refusal
    assert dict(kept.security_group_descriptions) == {
        Tier.ALB: "Internet-facing load balancer",
        Tier.ECS: "ECS tasks",
        Tier.RDS: "PostgreSQL from ECS tasks",
        Tier.EFS: "NFS from ECS tasks",
    }
    assert 'config line: Tier.RDS: "PostgreSQL from ECS tasks", (in security_group_descriptions)' in adopted.refusal
    # the stack directory holds the synthesized stack and the imports, nothing a later synth would drop
    assert sorted(p.name for p in adopted.stack_dir.glob("*.tf.json")) == [IMPORTS_FILE, "cdk.tf.json"]


def test_apply_keeps_the_identifiers_and_the_data(adopted):
    started = time.monotonic()
    adopted.terraform.run("apply", "-input=false", "adopt.tfplan")
    adopted.seconds["apply"] = time.monotonic() - started
    assert identifiers(adopted.client) == adopted.before
    account = adopted.client("sts").get_caller_identity()["Account"]
    body = adopted.client("s3").get_object(Bucket=f"healthtech-artifacts-dev-{account}", Key=OBJECT[0])["Body"].read()
    assert body == OBJECT[1]


def test_deleting_the_retained_stack_leaves_everything_and_replan_is_clean(adopted):
    cfn = adopted.client("cloudformation")
    cfn.delete_stack(StackName=STACK)
    assert [s["StackStatus"] for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == STACK] == [
        "DELETE_COMPLETE"
    ]
    assert identifiers(adopted.client) == adopted.before
    started = time.monotonic()
    adopted.terraform.run("plan", "-input=false", "-out=replan.tfplan", capture=True)
    replan = json.loads(adopted.terraform.run("show", "-json", "replan.tfplan", capture=True).stdout)
    adopted.seconds["replan"] = time.monotonic() - started
    print("\nadoption timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in adopted.seconds.items()))
    assert [c["address"] for c in _changes(replan) if c["change"]["actions"] != ["no-op"]] == []
    # moto makes a new master secret when the apply moves it to our secrets key (AWS re-encrypts the same
    # secret), so the refreshed instance shows a secret ARN the output recorded at apply time did not.
    changed_outputs = [name for name, c in replan.get("output_changes", {}).items() if c["actions"] != ["no-op"]]
    assert changed_outputs in ([], ["RDSMasterSecretArn"])


def test_a_later_synth_from_config_keeps_the_file_system_and_the_security_groups(adopted, tmp_path, tf_cli_config):
    # what the next `cdktf deploy` does: synthesize from config/environments.py alone into a fresh cdktf.out
    outdir = tmp_path / "cdktf.out"
    environ = {app.ENV_LOCAL_ENDPOINT: adopted.server.url, app.ENV_SELECT: "dev", "CDKTF_OUTDIR": str(outdir)}
    with configured(adopted.config):
        assert app.main(environ) == 0
    stack_dir = outdir / "stacks" / "healthtech-dev"
    assert sorted(p.name for p in stack_dir.glob("*.tf.json")) == ["cdk.tf.json"]
    terraform = Terraform(stack_dir, tf_cli_config)
    terraform.init()
    changes = [c for c in terraform.planned_changes() if c["mode"] == "managed"]
    kept = [c for c in changes if c["type"] in ("aws_efs_file_system", "aws_security_group")]
    assert sorted(c["type"] for c in kept) == ["aws_efs_file_system"] + ["aws_security_group"] * 4
    assert [(c["address"], c["change"]["actions"]) for c in kept if c["change"]["actions"] != ["no-op"]] == []
    assert [c["address"] for c in changes if {"delete", "create"} & set(c["change"]["actions"])] == []
    assert [c["address"] for c in changes if c["change"]["actions"] != ["no-op"]] == []
    assert identifiers(adopted.client) == adopted.before
