from __future__ import annotations

import json
import re
from pathlib import Path

from config import ENVIRONMENTS
from stacks.local_endpoint import LocalEndpoint
from tests.conftest import Synth

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL_OUTPUTS = {
    "VPCId",
    "PublicSubnet1Id",
    "PublicSubnet2Id",
    "PrivateSubnet1Id",
    "PrivateSubnet2Id",
    "NatGatewayId",
    "RDSKMSKeyId",
    "EFSKMSKeyId",
    "EnvironmentSuffix",
    "StackName",
}


def test_every_environment_is_synthesized_as_its_own_stack(synthesized_app: tuple) -> None:
    outdir, _ = synthesized_app
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == sorted(f"healthtech-{e}" for e in ENVIRONMENTS)
    for env in ENVIRONMENTS:
        assert (outdir / "stacks" / f"healthtech-{env}" / "cdk.tf.json").is_file()


def test_terraform_and_provider_versions_are_pinned(each_env: tuple) -> None:
    _, synth = each_env
    terraform = synth.doc["terraform"]
    assert terraform["required_version"] == ">= 1.10, < 2.0"
    assert terraform["required_providers"]["aws"] == {"source": "hashicorp/aws", "version": "5.100.0"}


def test_state_lives_in_s3_per_environment_with_both_locks(each_env: tuple) -> None:
    config, synth = each_env
    assert synth.doc["terraform"]["backend"] == {
        "s3": {
            "bucket": f"healthtech-tfstate-{config.account_id}-eu-south-1",
            "key": f"healthtech/{config.name}/terraform.tfstate",
            "region": "eu-south-1",
            "encrypt": True,
            "kms_key_id": "alias/healthtech-state-bootstrap",
            "dynamodb_table": "healthtech-terraform-locks",
            "use_lockfile": True,
        }
    }


def test_backend_example_matches_what_is_synthesized(dev: Synth) -> None:
    example = (ROOT / "backend.tf.example").read_text()
    backend = dev.doc["terraform"]["backend"]["s3"]
    pairs = dict(re.findall(r'^\s*(\w+)\s*=\s*"?([^"\n]+?)"?\s*$', example, re.M))
    expected = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in backend.items()}
    assert pairs == expected


def test_provider_tags_every_resource_and_targets_the_configured_region(each_env: tuple) -> None:
    config, synth = each_env
    (provider,) = synth.doc["provider"]["aws"]
    assert provider["region"] == config.region
    assert provider["default_tags"] == [
        {
            "tags": {
                "Project": "healthtech",
                "Environment": config.name,
                "EnvironmentSuffix": config.name,
                "ManagedBy": "cdktf",
                "Compliance": "HIPAA",
                "DataClassification": config.data_classification.value,
                "Owner": config.owner,
                "CostCenter": config.cost_center,
                "Stack": f"healthtech-{config.name}",
            }
        }
    ]


def test_real_aws_json_carries_no_local_endpoint_settings(each_env: tuple) -> None:
    _, synth = each_env
    (provider,) = synth.doc["provider"]["aws"]
    assert set(provider) == {"region", "default_tags", "allowed_account_ids"}
    for key in LocalEndpoint(url="http://127.0.0.1:1").backend_overrides():
        assert key not in synth.doc["terraform"]["backend"]["s3"]
    assert "127.0.0.1" not in synth.json  # (the container health check probes its own localhost, not AWS)


def test_outputs_keep_the_original_template_names(each_env: tuple) -> None:
    config, synth = each_env
    outputs = synth.doc["output"]
    assert set(outputs) >= ORIGINAL_OUTPUTS
    assert outputs["EnvironmentSuffix"]["value"] == config.name
    assert outputs["StackName"]["value"] == f"healthtech-{config.name}"
    assert outputs["VPCId"]["value"] == synth.ref("network/vpc")
    assert outputs["RDSKMSKeyId"]["value"] == synth.ref("encryption/rds/key", "key_id")
