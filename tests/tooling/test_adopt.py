"""tooling.adopt without an endpoint: template parsing, the Retain change, matching and the risk report.

Matching is checked against the synthesized dev stack by type and attribute values only, as the tool
does, so these tests survive construct moves too.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from config import ENVIRONMENTS
from config.settings import AdoptedSettings, Tier
from tooling import adopt
from tooling.adopt import main
from tooling.adopt_cfn import AdoptError, DeployedStack, evaluate, parse_template, retain_template
from tooling.adopt_live import Live
from tooling.adopt_map import Effect, Keep, Stack, compare, match

TEMPLATE = Path(__file__).resolve().parent.parent / "integration" / "tapstack.yml"
DEV = ENVIRONMENTS["dev"]


@pytest.fixture(scope="module")
def template() -> dict:
    return parse_template(TEMPLATE.read_text())


def test_template_has_the_52_resources_of_the_original(template):
    resources = template["Resources"]
    assert len(resources) == 52
    types = [r["Type"] for r in resources.values()]
    assert types.count("AWS::EC2::SecurityGroup") == 4
    assert types.count("AWS::IAM::Role") == 5
    assert types.count("AWS::KMS::Key") == 2
    assert types.count("AWS::Logs::LogGroup") == 3
    assert types.count("AWS::CloudWatch::Alarm") == 2


def test_short_form_tags_become_their_long_form(template):
    flow_log = template["Resources"]["VPCFlowLog"]["Properties"]
    assert flow_log["ResourceId"] == {"Ref": "VPC"}
    assert flow_log["LogDestination"] == {"Fn::GetAtt": ["VPCFlowLogsLogGroup", "Arn"]}
    name = template["Resources"]["RDSInstance"]["Properties"]["DBInstanceIdentifier"]
    assert evaluate(name, {"EnvironmentSuffix": "dev"}) == "healthtech-postgres-dev"


def test_a_body_without_resources_is_refused():
    with pytest.raises(AdoptError, match="no Resources section"):
        parse_template('{"AWSTemplateFormatVersion": "2010-09-09"}')


def test_retain_change_sets_both_policies_on_every_resource_and_nothing_else(template):
    original = copy.deepcopy(template)
    retained, changed = retain_template(template)
    assert len(changed) == 52
    for logical_id, declaration in retained["Resources"].items():
        assert declaration["DeletionPolicy"] == "Retain"
        assert declaration["UpdateReplacePolicy"] == "Retain"
        before = {k: v for k, v in original["Resources"][logical_id].items() if not k.endswith("Policy")}
        assert {k: v for k, v in declaration.items() if not k.endswith("Policy")} == before
    assert template == original  # the input is not modified
    assert retain_template(retained)[1] == []  # a second run changes nothing


def _live_network(vpc_cidr: str) -> dict[str, Live]:
    return {
        "VPC": Live("aws_vpc", "vpc-1", {"cidr_block": vpc_cidr, "tags.Name": "healthtech-vpc-dev"}, {"id": "vpc-1"}),
        "PrivateSubnet2": Live(
            "aws_subnet",
            "subnet-2",
            {"cidr_block": DEV.network.private_subnet_cidrs[1], "availability_zone": "eu-south-1b", "vpc_id": "vpc-1"},
            {"id": "subnet-2"},
        ),
        "EFSKMSKeyAlias": Live(
            "aws_kms_alias", "alias/healthtech-efs-dev", {"name": "alias/healthtech-efs-dev", "target_key_id": "k-2"}
        ),
        "EFSKMSKey": Live("aws_kms_key", "k-2", {}, {"id": "k-2", "key_id": "k-2", "arn": "arn:aws:kms:r:1:key/k-2"}),
    }


def test_resources_match_by_attributes_and_references(dev):
    stack = Stack(dev.doc, "123456789012")
    matched = match(stack, _live_network(DEV.network.vpc_cidr))
    assert set(matched) == {"VPC", "PrivateSubnet2", "EFSKMSKeyAlias", "EFSKMSKey"}
    assert stack.value(matched["VPC"], "cidr_block") == "10.10.0.0/16"
    assert stack.value(matched["PrivateSubnet2"], "cidr_block") == "10.10.11.0/24"
    # the key has no name: it is the one our EFS alias targets
    alias_target = stack.resources[matched["EFSKMSKeyAlias"]]["target_key_id"]
    assert alias_target == f"${{{matched['EFSKMSKey']}.key_id}}"
    assert stack.value(matched["EFSKMSKeyAlias"], "target_key_id") == "k-2"


def test_a_vpc_cidr_difference_names_the_setting_that_keeps_it(dev):
    stack = Stack(dev.doc, "123456789012")
    live = _live_network("10.0.0.0/16")
    matched = match(stack, live)  # matched by its Name tag, whatever the CIDR
    (difference,) = compare(stack, matched["VPC"], live["VPC"])
    assert (difference.attr, difference.live, difference.configured) == ("cidr_block", "10.0.0.0/16", "10.10.0.0/16")
    assert difference.effect is Effect.REPLACE
    assert difference.blocking
    assert difference.fix == "config/environments.py: network.vpc_cidr='10.0.0.0/16'"


def _file_system(dev) -> tuple[Stack, str]:
    """dev's stack with its EFS key resolved to ``k-2``, and the file system's address."""
    stack = Stack(dev.doc, "123456789012")
    (address,) = stack.of_type("aws_efs_file_system")
    stack.exports[stack.resources[address]["kms_key_id"][2:-5]] = {"arn": "arn:aws:kms:r:1:key/k-2"}
    return stack, address


def test_an_efs_creation_token_blocks_until_the_config_keeps_it(dev):
    stack, address = _file_system(dev)
    live = Live(
        "aws_efs_file_system",
        "fs-1",
        {"creation_token": "TapStackdev-EFS-X", "encrypted": True, "kms_key_id": "arn:aws:kms:r:1:key/k-2"},
    )
    (difference,) = compare(stack, address, live)
    assert (difference.attr, difference.live, difference.configured) == (
        "creation_token",
        "TapStackdev-EFS-X",
        "healthtech-efs-dev",
    )
    assert difference.keep == Keep("efs_creation_token") and difference.blocking
    assert difference.fix == "config/environments.py: adopted.efs_creation_token='TapStackdev-EFS-X'"


def test_a_security_group_description_is_kept_under_its_tier(dev):
    stack = Stack(dev.doc, "123456789012")
    (address,) = [a for a in stack.of_type("aws_security_group") if stack.value(a, "tags.Tier") == "rds"]
    live = Live("aws_security_group", "sg-1", {"description": "PostgreSQL from ECS tasks"})
    (difference,) = compare(stack, address, live)
    assert difference.keep == Keep("security_group_descriptions", Tier.RDS) and difference.blocking
    assert difference.fix == (
        "config/environments.py: adopted.security_group_descriptions[Tier.RDS]='PostgreSQL from ECS tasks'"
    )


LIVE_TOKEN = "TapStackdev-EFSFileSystem-1A2B3C4D5E6F"
LIVE_DESCRIPTIONS = {
    Tier.ALB: "Internet-facing load balancer",
    Tier.ECS: "ECS tasks",
    Tier.RDS: "PostgreSQL from ECS tasks",
    Tier.EFS: "NFS from ECS tasks",
}


@pytest.fixture
def tapstack(monkeypatch: pytest.MonkeyPatch) -> None:
    """A deployed TapStackdev whose file system and security groups have the original template's values."""
    live = {
        "EFSFileSystem": Live(
            "aws_efs_file_system", "fs-1", {"tags.Name": "healthtech-efs-dev", "creation_token": LIVE_TOKEN}
        )
    }
    for tier, description in LIVE_DESCRIPTIONS.items():
        attrs = {"name": f"healthtech-{tier}-sg-dev", "description": description, "ingress": [], "egress": []}
        live[f"{tier.name}SecurityGroup"] = Live("aws_security_group", f"sg-{tier}", attrs)
    account = SimpleNamespace(get_caller_identity=lambda: {"Account": "123456789012"})
    monkeypatch.setattr(adopt, "clients_for", lambda region, endpoint: lambda service: account)
    monkeypatch.setattr(
        adopt, "read_stack", lambda cfn, name, **_: DeployedStack(name, {"EnvironmentSuffix": "dev"}, {})
    )
    monkeypatch.setattr(adopt, "describe", lambda stack, clients: (live, {}))


def _adopted_block(error: str) -> AdoptedSettings:
    """Evaluate the adopted=AdoptedSettings(...) lines the refusal prints, as config/environments.py would."""
    found = re.search(r"^    adopted=(AdoptedSettings\(\n.*?^    \)),$", error, re.MULTILINE | re.DOTALL)
    assert found, error
    settings = eval(found.group(1), {"AdoptedSettings": AdoptedSettings, "Tier": Tier})
    assert isinstance(settings, AdoptedSettings)
    return settings


@pytest.mark.parametrize("flags", [[], ["--allow-stateful-replacement"]])
def test_live_values_the_config_lacks_are_refused_printing_the_config_change(tapstack, tmp_path, capsys, flags):
    outdir = tmp_path / "out"
    assert main(["--stack", "TapStackdev", "--environment", "dev", "--outdir", str(outdir), *flags], environ={}) == 2
    error = capsys.readouterr().err
    assert "refused, nothing written: 5 live value(s) would replace their resource unless the configuration" in error
    assert "--allow-stateful-replacement does not skip this" in error
    # each field, its live value and its config line
    assert re.search(
        rf"  - aws_efs_file_system\.\S+ creation_token \(adopted\.efs_creation_token\): live '{LIVE_TOKEN}', "
        rf"configured 'healthtech-efs-dev'; config line: efs_creation_token=\"{LIVE_TOKEN}\",",
        error,
    )
    assert re.search(
        r"  - aws_security_group\.\S+ description \(adopted\.security_group_descriptions\[Tier\.RDS\]\): "
        r"live 'PostgreSQL from ECS tasks', configured 'PostgreSQL: 5432 from ECS tasks only'; "
        r'config line: Tier\.RDS: "PostgreSQL from ECS tasks", \(in security_group_descriptions\)',
        error,
    )
    assert (
        "In config/environments.py, add this argument to DEV = EnvironmentConfig(name='dev', ...) "
        "(and import AdoptedSettings and Tier from config.settings):"
    ) in error
    assert _adopted_block(error) == AdoptedSettings(
        efs_creation_token=LIVE_TOKEN, security_group_descriptions=LIVE_DESCRIPTIONS
    )
    assert not outdir.exists()
    assert list(tmp_path.iterdir()) == []  # no scratch directory left either


def test_with_the_printed_change_in_config_the_imports_are_written_and_no_override(
    tapstack, tmp_path, capsys, monkeypatch
):
    outdir = tmp_path / "out"
    argv = ["--stack", "TapStackdev", "--environment", "dev", "--outdir", str(outdir)]
    assert main(argv, environ={}) == 2
    change = _adopted_block(capsys.readouterr().err)
    monkeypatch.setitem(ENVIRONMENTS, "dev", dataclasses.replace(DEV, adopted=change))
    assert main(argv, environ={}) == 0
    printed = capsys.readouterr().out
    assert "Differences between" not in printed and "AdoptedSettings" not in printed
    stack_dir = outdir / "stacks" / "healthtech-dev"
    assert sorted(p.name for p in stack_dir.glob("*.tf.json")) == ["adopt-imports.tf.json", "cdk.tf.json"]
    imports = json.loads((stack_dir / "adopt-imports.tf.json").read_text())["import"]
    assert sorted(i["id"] for i in imports) == ["fs-1", "sg-alb", "sg-ecs", "sg-efs", "sg-rds"]
    # the synthesized stack itself carries the live values: any later synth of this config does too
    doc = json.loads((stack_dir / "cdk.tf.json").read_text())["resource"]
    assert [fs["creation_token"] for fs in doc["aws_efs_file_system"].values()] == [LIVE_TOKEN]
    groups = {g["tags"]["Tier"]: g["description"] for g in doc["aws_security_group"].values()}
    assert groups == {tier.value: description for tier, description in LIVE_DESCRIPTIONS.items()}


def test_an_unknown_environment_is_refused_before_any_aws_call(tmp_path, capsys):
    outdir = tmp_path / "out"
    code = main(["--stack", "TapStackqa", "--environment", "qa", "--outdir", str(outdir)], environ={})
    assert code == 2
    error = capsys.readouterr().err
    assert "--environment 'qa'" in error and "dev" in error
    assert not outdir.exists()


def test_an_unreachable_aws_is_a_message_not_a_traceback(tmp_path, capsys):
    # a closed loopback port stands in for missing credentials or network: both are botocore errors
    environ = {"HEALTHTECH_LOCAL_ENDPOINT": "http://127.0.0.1:9"}
    code = main(["--stack", "TapStackdev", "--environment", "dev", "--outdir", str(tmp_path / "out")], environ=environ)
    assert code == 2
    error = capsys.readouterr().err
    assert "an AWS call failed, nothing written" in error and "Traceback" not in error
    assert not (tmp_path / "out").exists()


def test_a_throughput_mode_difference_names_the_enum_member_validation_accepts(dev):
    stack, address = _file_system(dev)
    live = Live(
        "aws_efs_file_system",
        "fs-1",
        {
            "creation_token": "healthtech-efs-dev",
            "throughput_mode": "bursting",
            "kms_key_id": "arn:aws:kms:r:1:key/k-2",
        },
    )
    (difference,) = [d for d in compare(stack, address, live) if d.attr == "throughput_mode"]
    assert difference.effect is Effect.UPDATE and not difference.blocking
    assert difference.fix == "config/environments.py: file_storage.throughput_mode=ThroughputMode.BURSTING"
