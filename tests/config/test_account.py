"""The account an environment deploys into, placeholders, subscribers and the data classification
(issue 12): bad input fails the synth naming the field, and local mode accepts moto's own account."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import main
from config import ENVIRONMENTS, ConfigError, EnvironmentConfig, validate
from config.account import LOCAL_ENDPOINT_ACCOUNT_ID, state_bucket
from config.settings import DataClassification

STAGING = ENVIRONMENTS["staging"]
DEV = ENVIRONMENTS["dev"]


def staging(**changes: Any) -> EnvironmentConfig:
    return dataclasses.replace(STAGING, **changes)


def lb(**changes: Any) -> EnvironmentConfig:
    return staging(load_balancer=dataclasses.replace(STAGING.load_balancer, **changes))


def obs(**changes: Any) -> EnvironmentConfig:
    return staging(observability=dataclasses.replace(STAGING.observability, **changes))


PLACEHOLDER_ARN = "arn:aws:acm:eu-south-1:123456789012:certificate/5b2b4a4e-3c1d-4f43-9a52-7d0e8c6f1a21"

BAD: dict[str, tuple[EnvironmentConfig, str]] = {
    "no account": (staging(account_id=""), "account_id: '' is not allowed; use the 12-digit id"),
    "account too short": (staging(account_id="12345"), "account_id: '12345' is not allowed; use the 12-digit id"),
    "placeholder account": (
        staging(account_id="123456789012"),
        "account_id: '123456789012' is a documentation placeholder",
    ),
    "placeholder certificate": (
        lb(certificate_arn=PLACEHOLDER_ARN),
        "load_balancer.certificate_arn: '" + PLACEHOLDER_ARN + "' names the documentation placeholder account",
    ),
    "neither domain nor certificate": (
        lb(domain_name=None, hosted_zone=None),
        "load_balancer.domain_name: required (with hosted_zone; or an ACM certificate_arn in eu-south-1)",
    ),
    "domain without zone": (lb(hosted_zone=None), "load_balancer.domain_name/hosted_zone: give both"),
    "domain outside its zone": (
        lb(domain_name="app.other-company.com"),
        "load_balancer.domain_name: 'app.other-company.com' is not in the hosted zone 'healthtech-platform.com'",
    ),
    "reserved domain": (
        lb(domain_name="app.example.com", hosted_zone="example.com"),
        "load_balancer.hosted_zone: 'example.com' is reserved for examples",
    ),
    "no subscriber": (obs(alarm_email=None), "observability.alarm_email: required"),
    "subscriber not an address": (obs(alarm_email="oncall"), "observability.alarm_email: 'oncall' is not an email"),
    "subscriber on a reserved domain": (
        obs(alarm_email="oncall@healthtech.example"),
        "observability.alarm_email: 'oncall@healthtech.example' is on a domain reserved for examples",
    ),
    "waf action not an enum": (
        lb(waf_rule_groups=dataclasses.replace(STAGING.load_balancer.waf_rule_groups, common="allow")),  # type: ignore[arg-type]
        "load_balancer.waf_rule_groups.common: 'allow' is not allowed; use WafAction.BLOCK or WafAction.COUNT",
    ),
    "PHI over plain HTTP": (
        dataclasses.replace(DEV, data_classification=DataClassification.PHI),
        "data_classification: PHI is not allowed on an environment that serves plain HTTP",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_account_setting_is_refused_naming_the_field(case: str) -> None:
    config, expected = BAD[case]
    with pytest.raises(ConfigError) as error:
        validate(config)
    assert any(expected in p for p in error.value.problems), error.value.problems


def test_refused_synth_writes_nothing_and_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outdir = tmp_path / "out"
    code = main.main({"CDKTF_OUTDIR": str(outdir)}, {"staging": staging(account_id="123456789012")})
    assert code == 2 and not outdir.exists()
    err = capsys.readouterr().err
    assert "account_id: '123456789012' is a documentation placeholder" in err and "Traceback" not in err


def test_local_mode_accepts_the_endpoint_account_and_reserved_domains() -> None:
    local = staging(account_id=LOCAL_ENDPOINT_ACCOUNT_ID, observability=dataclasses.replace(
        STAGING.observability, alarm_email="oncall@healthtech.test"))  # fmt: skip
    validate(local, local=True)
    configs = main.selected_configs({main.ENV_SELECT: "staging", main.ENV_LOCAL_ENDPOINT: "http://127.0.0.1:1"})
    assert [c.account_id for c in configs] == [LOCAL_ENDPOINT_ACCOUNT_ID]


def test_state_bucket_is_named_from_account_and_region() -> None:
    assert state_bucket(STAGING) == "healthtech-tfstate-480596171823-eu-south-1"
    other = staging(account_id="731264905518")
    assert state_bucket(other) == "healthtech-tfstate-731264905518-eu-south-1"


def test_shipped_classification_matches_what_each_environment_serves() -> None:
    assert DEV.data_classification is DataClassification.NON_PHI and DEV.load_balancer.allow_plain_http
    for env in ("staging", "prod"):
        config = ENVIRONMENTS[env]
        assert config.data_classification is DataClassification.PHI and config.load_balancer.domain_name
