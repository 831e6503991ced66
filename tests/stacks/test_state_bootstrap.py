"""The state bootstrap stack as synthesized: what each environment's S3 backend relies on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cdktf
import pytest

from config import ENVIRONMENTS, ConfigError
from config.account import state_bucket
from config.settings import EnvironmentConfig, StateBackendSettings
from main import BOOTSTRAP_STATE_FILE, LOCAL_BOOTSTRAP_STATE_FILE, build_bootstrap_stack, shared_state, synthesize
from stacks.state_bootstrap import BOOTSTRAP_STACK
from tests.conftest import Synth

STATE = StateBackendSettings()


def _synth(tmp: Path, *, local_endpoint: str | None = None) -> dict[str, Any]:
    app = cdktf.App(outdir=str(tmp))
    stack = build_bootstrap_stack(
        app,
        list(ENVIRONMENTS.values()),
        outdir=tmp,
        state_file=tmp.parent / "bootstrap" / "terraform.tfstate",
        local_endpoint=local_endpoint,
    )
    doc: dict[str, Any] = json.loads(cdktf.Testing.synth(stack))
    return doc


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _synth(tmp_path_factory.mktemp("real") / "cdktf.out")


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _synth(tmp_path_factory.mktemp("local") / "cdktf.out", local_endpoint="http://127.0.0.1:5055")


def only(doc: dict[str, Any], tf_type: str) -> dict[str, Any]:
    (resource,) = doc["resource"][tf_type].values()
    return {k: v for k, v in resource.items() if k != "//"}


def test_state_lives_in_a_local_file_next_to_the_project(real: dict[str, Any]) -> None:
    # Terraform runs in cdktf.out/stacks/healthtech-state-bootstrap: three levels up is cdktf.out's parent.
    assert real["terraform"]["backend"] == {"local": {"path": "../../../bootstrap/terraform.tfstate"}}
    assert real["terraform"]["required_providers"]["aws"]["version"] == "5.100.0"
    assert real["provider"]["aws"][0]["region"] == STATE.region
    assert BOOTSTRAP_STATE_FILE.parts[-2:] == ("bootstrap", "terraform.tfstate")
    assert LOCAL_BOOTSTRAP_STATE_FILE.parts[-3:] == (".local", "bootstrap", "terraform.tfstate")


def test_bucket_is_the_one_every_backend_names_and_cannot_be_destroyed(real: dict[str, Any]) -> None:
    bucket = only(real, "aws_s3_bucket")
    assert bucket["bucket"] == state_bucket(ENVIRONMENTS["prod"]) == state_bucket(ENVIRONMENTS["dev"])
    assert bucket["bucket"] == f"healthtech-tfstate-{ENVIRONMENTS['prod'].account_id}-{STATE.region}"
    assert bucket["force_destroy"] is False and bucket["lifecycle"] == {"prevent_destroy": True}
    assert only(real, "aws_s3_bucket_versioning")["versioning_configuration"] == {"status": "Enabled"}


def test_bucket_encrypts_with_the_state_key_and_blocks_public_access(real: dict[str, Any]) -> None:
    (key_id,) = real["resource"]["aws_kms_key"]
    (rule,) = only(real, "aws_s3_bucket_server_side_encryption_configuration")["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {
        "sse_algorithm": "aws:kms",
        "kms_master_key_id": f"${{aws_kms_key.{key_id}.arn}}",
    }
    block = only(real, "aws_s3_bucket_public_access_block")
    assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls"))
    assert block["restrict_public_buckets"] is True
    assert only(real, "aws_kms_alias")["name"] == "alias/healthtech-state-bootstrap"
    assert only(real, "aws_kms_key")["enable_key_rotation"] is True


def test_backends_of_every_environment_encrypt_with_the_bootstrap_key(synths: dict[str, Synth]) -> None:
    for synth in synths.values():
        assert synth.doc["terraform"]["backend"]["s3"]["kms_key_id"] == "alias/healthtech-state-bootstrap"


def test_bucket_policy_denies_plain_http_and_other_encryption(real: dict[str, Any]) -> None:
    policy = json.loads(only(real, "aws_s3_bucket_policy")["policy"])
    tls, sse = policy["Statement"]
    assert (tls["Effect"], tls["Action"], tls["Condition"]) == (
        "Deny",
        "s3:*",
        {"Bool": {"aws:SecureTransport": "false"}},
    )
    assert sse["Effect"] == "Deny" and sse["Action"] == "s3:PutObject"
    assert sse["Condition"]["StringNotEquals"] == {"s3:x-amz-server-side-encryption": "aws:kms"}


def test_old_state_versions_expire(real: dict[str, Any]) -> None:
    (rule,) = only(real, "aws_s3_bucket_lifecycle_configuration")["rule"]
    assert rule["status"] == "Enabled"
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]


def test_lock_table_is_on_demand_encrypted_with_the_key_and_recoverable(real: dict[str, Any]) -> None:
    (key_id,) = real["resource"]["aws_kms_key"]
    table = only(real, "aws_dynamodb_table")
    assert table["name"] == STATE.lock_table and table["hash_key"] == "LockID"
    assert table["attribute"] == [{"name": "LockID", "type": "S"}]
    assert table["billing_mode"] == "PAY_PER_REQUEST"
    assert table["server_side_encryption"] == {"enabled": True, "kms_key_arn": f"${{aws_kms_key.{key_id}.arn}}"}
    assert table["point_in_time_recovery"] == {"enabled": True}
    assert table["deletion_protection_enabled"] is True and table["lifecycle"] == {"prevent_destroy": True}


def test_local_mode_targets_the_endpoint_and_stays_destroyable(real: dict[str, Any], local: dict[str, Any]) -> None:
    assert local["provider"]["aws"][0]["endpoints"][0]["s3"] == "http://127.0.0.1:5055"
    assert "endpoints" not in real["provider"]["aws"][0] and "access_key" not in real["provider"]["aws"][0]
    assert only(local, "aws_s3_bucket")["force_destroy"] is True
    assert "lifecycle" not in only(local, "aws_s3_bucket")
    assert only(local, "aws_dynamodb_table")["deletion_protection_enabled"] is False


def test_environments_with_different_state_backends_are_refused() -> None:
    other = EnvironmentConfig(name="qa", account_id="480596171823", state=StateBackendSettings(bucket="other-state"))
    with pytest.raises(ConfigError, match="the selected environments use different state backends"):
        shared_state([ENVIRONMENTS["dev"], other])
    # Another account means another bucket (and the provider of the bootstrap names one account).
    other_account = EnvironmentConfig(name="qa", account_id="731264905518")
    with pytest.raises(ConfigError, match="of account 731264905518"):
        shared_state([ENVIRONMENTS["dev"], other_account])
    resolved = shared_state([ENVIRONMENTS["dev"], ENVIRONMENTS["prod"]])
    assert resolved.bucket == state_bucket(ENVIRONMENTS["dev"]) and resolved.lock_table == STATE.lock_table


def test_the_app_synthesizes_the_bootstrap_after_the_environments(tmp_path: Path) -> None:
    names = synthesize([ENVIRONMENTS["dev"]], tmp_path / "out", bootstrap_state_file=tmp_path / "b.tfstate")
    assert names == ["healthtech-dev", BOOTSTRAP_STACK]
    doc = json.loads((tmp_path / "out" / "stacks" / BOOTSTRAP_STACK / "cdk.tf.json").read_text())
    assert doc["terraform"]["backend"]["local"]["path"] == "../../../b.tfstate"


def test_the_readme_imports_an_existing_github_provider_at_its_synthesized_address(real: dict[str, Any]) -> None:
    (address,) = real["resource"]["aws_iam_openid_connect_provider"]
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"  aws_iam_openid_connect_provider.{address} \\\n" in readme
    assert '"arn:aws:iam::$ACCOUNT_ID:oidc-provider/token.actions.githubusercontent.com"' in readme
