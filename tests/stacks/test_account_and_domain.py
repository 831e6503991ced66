"""One account per environment, a state bucket per account, and HTTPS on the environment's own domain
(issue 12), read from the synthesized JSON by resource type and attribute."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import main
from config import ENVIRONMENTS
from config.account import LOCAL_ENDPOINT_ACCOUNT_ID, state_bucket
from tests.conftest import Synth


def test_provider_refuses_credentials_of_another_account(each_env: tuple) -> None:
    config, synth = each_env
    (provider,) = synth.doc["provider"]["aws"]
    assert provider["allowed_account_ids"] == [config.account_id]


def test_backend_names_the_account_and_region_state_bucket(each_env: tuple) -> None:
    config, synth = each_env
    backend = synth.doc["terraform"]["backend"]["s3"]
    assert backend["bucket"] == f"healthtech-tfstate-{config.account_id}-{config.state.region}"


def test_data_classification_tag_follows_what_the_environment_serves(each_env: tuple) -> None:
    config, synth = each_env
    (provider,) = synth.doc["provider"]["aws"]
    tag = provider["default_tags"][0]["tags"]["DataClassification"]
    assert tag == ("NonPHI" if config.name == "dev" else "PHI")


@pytest.fixture(scope="module")
def app_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("app")
    assert main.main({"CDKTF_OUTDIR": str(outdir)}) == 0
    return outdir


def _stack(outdir: Path, name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text())
    return doc


def test_bootstrap_creates_exactly_the_bucket_the_backends_name(app_out: Path) -> None:
    bootstrap = _stack(app_out, "healthtech-state-bootstrap")
    (bucket,) = bootstrap["resource"]["aws_s3_bucket"].values()
    names = {_stack(app_out, f"healthtech-{e}")["terraform"]["backend"]["s3"]["bucket"] for e in ENVIRONMENTS}
    assert names == {bucket["bucket"]} == {state_bucket(ENVIRONMENTS["prod"])}
    (provider,) = bootstrap["provider"]["aws"]
    assert provider["allowed_account_ids"] == [ENVIRONMENTS["prod"].account_id]


def test_local_mode_uses_the_endpoint_account(tmp_path: Path) -> None:
    environ = {"CDKTF_OUTDIR": str(tmp_path), main.ENV_SELECT: "dev", main.ENV_LOCAL_ENDPOINT: "http://127.0.0.1:1"}
    assert main.main(environ) == 0
    for name in ("healthtech-dev", "healthtech-state-bootstrap"):
        (provider,) = _stack(tmp_path, name)["provider"]["aws"]
        assert provider["allowed_account_ids"] == [LOCAL_ENDPOINT_ACCOUNT_ID]
    backend = _stack(tmp_path, "healthtech-dev")["terraform"]["backend"]["s3"]
    assert backend["bucket"] == f"healthtech-tfstate-{LOCAL_ENDPOINT_ACCOUNT_ID}-eu-south-1"


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_https_uses_a_dns_validated_certificate_for_the_domain(synths: dict[str, Synth], env: str) -> None:
    config, synth = ENVIRONMENTS[env], synths[env]
    domain = config.load_balancer.domain_name
    (zone_id, zone), = synth.doc["data"]["aws_route53_zone"].items()  # fmt: skip
    assert zone["name"] == config.load_balancer.hosted_zone and zone["private_zone"] is False
    (cert_id, cert), = synth.resources("aws_acm_certificate").items()  # fmt: skip
    assert cert["domain_name"] == domain and cert["validation_method"] == "DNS"
    records = synth.resources("aws_route53_record")
    (validation_record,) = [r for r in records.values() if "for_each" in r]
    assert f"aws_acm_certificate.{cert_id}.domain_validation_options" in validation_record["for_each"]
    assert validation_record["zone_id"] == f"${{data.aws_route53_zone.{zone_id}.zone_id}}"
    assert validation_record["records"] == ["${each.value.resource_record_value}"]
    (validation_id, validation), = synth.resources("aws_acm_certificate_validation").items()  # fmt: skip
    assert validation["certificate_arn"] == f"${{aws_acm_certificate.{cert_id}.arn}}"
    # The listener reads the ARN through the validation, so it waits until the certificate is ISSUED.
    (https,) = [r for r in synth.resources("aws_lb_listener").values() if r["protocol"] == "HTTPS"]
    assert https["certificate_arn"] == f"${{aws_acm_certificate_validation.{validation_id}.certificate_arn}}"
    (alb_id,) = synth.resources("aws_lb")
    (alias,) = [r for r in records.values() if "alias" in r]
    assert alias["name"] == domain and alias["type"] == "A"
    assert alias["alias"] == {
        "name": f"${{aws_lb.{alb_id}.dns_name}}",
        "zone_id": f"${{aws_lb.{alb_id}.zone_id}}",
        "evaluate_target_health": True,
    }


def test_an_existing_certificate_arn_still_works_without_a_domain() -> None:
    import dataclasses

    import cdktf

    staging = ENVIRONMENTS["staging"]
    arn = "arn:aws:acm:eu-south-1:480596171823:certificate/0c8f7f0e-6f7b-4b55-8d0e-2f1a9c3e4d57"
    config = dataclasses.replace(
        staging,
        load_balancer=dataclasses.replace(
            staging.load_balancer, domain_name=None, hosted_zone=None, certificate_arn=arn
        ),
    )
    (stack,) = main.build_stacks(cdktf.Testing.app(), [config])
    synth = Synth(stack)
    (https,) = [r for r in synth.resources("aws_lb_listener").values() if r["protocol"] == "HTTPS"]
    assert https["certificate_arn"] == arn
    assert not synth.resources("aws_acm_certificate") and not synth.resources("aws_route53_record")
