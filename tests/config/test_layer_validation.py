"""Bad compute, load balancer, delivery and alarm settings fail at synth, naming the field and what is allowed."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import main
from config import ENVIRONMENTS, ConfigError, EnvironmentConfig, validate
from config.settings import ComputeSettings, LoadBalancerSettings, SourceKind

DEV, PROD = ENVIRONMENTS["dev"], ENVIRONMENTS["prod"]
CERT = "arn:aws:acm:eu-south-1:480596171823:certificate/0c8f7f0e-6f7b-4b55-8d0e-2f1a9c3e4d57"


def compute(**changes: Any) -> EnvironmentConfig:
    return dataclasses.replace(DEV, compute=dataclasses.replace(DEV.compute, **changes))


def lb(base: EnvironmentConfig = DEV, **changes: Any) -> EnvironmentConfig:
    return dataclasses.replace(base, load_balancer=dataclasses.replace(base.load_balancer, **changes))


def delivery(**changes: Any) -> EnvironmentConfig:
    return dataclasses.replace(DEV, delivery=dataclasses.replace(DEV.delivery, **changes))


def thresholds(**changes: Any) -> EnvironmentConfig:
    obs = DEV.observability
    return dataclasses.replace(
        DEV, observability=dataclasses.replace(obs, thresholds=dataclasses.replace(obs.thresholds, **changes))
    )


BAD: dict[str, tuple[EnvironmentConfig, str]] = {
    "https missing in prod": (
        lb(PROD, certificate_arn=None, domain_name=None, hosted_zone=None),
        "load_balancer.domain_name: required (with hosted_zone; or an ACM certificate_arn in eu-south-1); plain "
        "HTTP is allowed only where load_balancer.allow_plain_http=True",
    ),
    "certificate from another region": (
        lb(certificate_arn=CERT.replace("eu-south-1", "us-east-1")),
        "load_balancer.certificate_arn: 'arn:aws:acm:us-east-1:",
    ),
    "certificate that is not an acm arn": (
        lb(certificate_arn="my-cert"),
        "is not an ACM certificate ARN in eu-south-1",
    ),
    "fargate cpu": (compute(cpu=300), "compute.cpu: 300 is not allowed; Fargate offers 256, 512, 1024"),
    "fargate memory for the cpu": (
        compute(cpu=512, memory_mib=512),
        "compute.memory_mib: 512 is not allowed with cpu 512; Fargate accepts 1024 to 4096 in steps of 1024",
    ),
    "min above max": (compute(min_capacity=3, max_capacity=2, desired_count=2), "compute.min_capacity/max_capacity"),
    "desired outside the range": (compute(desired_count=5), "compute.desired_count: 5 is not allowed"),
    "cpu target": (compute(cpu_target_percent=95), "compute.cpu_target_percent: 95 is not allowed; use 10 to 90"),
    "image tag starting with a hyphen": (
        compute(image_tag="-latest"),
        "compute.image_tag: '-latest' is not allowed; use letters, digits, '_', '.' and '-', at most 128, "
        "not starting with '.' or '-'",
    ),
    "image tag starting with a period": (compute(image_tag=".latest"), "compute.image_tag: '.latest' is not allowed"),
    "image tag too long": (compute(image_tag="a" * 129), f"compute.image_tag: '{'a' * 129}' is not allowed"),
    "image tag with a newline": (compute(image_tag="latest\n"), "compute.image_tag: 'latest\\n' is not allowed"),
    "container name": (compute(container_name="my app"), "compute.container_name: 'my app' is not allowed"),
    "negative grace period": (
        compute(health_check_grace_period_seconds=-1),
        "compute.health_check_grace_period_seconds: -1 is not allowed; use 0 to 2147483647 (ECS)",
    ),
    "images kept": (compute(ecr_images_kept=0), "compute.ecr_images_kept: 0 is not allowed; use 1 to 1000"),
    "health check path": (lb(health_check_path="health"), "load_balancer.health_check_path: 'health' must be"),
    "health check matcher": (lb(health_check_matcher="ok"), "load_balancer.health_check_matcher: 'ok' is not allowed"),
    "health check interval": (
        lb(health_check_interval_seconds=1),
        "load_balancer.health_check_interval_seconds: 1 is not allowed; use 5 to 300",
    ),
    "unknown source": (
        delivery(source="github"),
        "delivery.source: 'github' is not allowed; use SourceKind.S3 or SourceKind.CODESTAR",
    ),
    "codestar without a connection": (
        delivery(source=SourceKind.CODESTAR, repository="healthtech/app"),
        "delivery.connection_arn: None is not allowed; with source codestar give a CodeStar connection ARN",
    ),
    "codestar repository not owner/name": (
        delivery(
            source=SourceKind.CODESTAR,
            connection_arn="arn:aws:codestar-connections:eu-south-1:480596171823:connection/"
            "0c8f7f0e-6f7b-4b55-8d0e-2f1a9c3e4d57",
            repository="app",
        ),
        "delivery.repository: 'app' is not allowed; with source codestar use owner/name",
    ),
    "source key with a leading slash": (delivery(source_object_key="/app.zip"), "delivery.source_object_key"),
    "build compute type": (
        delivery(build_compute_type="huge"),
        "delivery.build_compute_type: 'huge' is not allowed; use BuildComputeType.SMALL or BuildComputeType.MEDIUM",
    ),
    "build image outside the managed ones": (
        delivery(build_image="docker.io/me/builder"),
        "delivery.build_image: 'docker.io/me/builder' is not allowed; use a managed aws/codebuild/ image",
    ),
    "build timeout": (delivery(build_timeout_minutes=1), "delivery.build_timeout_minutes: 1 is not allowed"),
    "alarm period": (thresholds(period_seconds=90), "observability.thresholds.period_seconds: 90 is not allowed"),
    "alarm percent": (thresholds(rds_cpu_percent=120), "observability.thresholds.rds_cpu_percent: 120 is not allowed"),
    "alarm count": (thresholds(unhealthy_hosts=0), "observability.thresholds.unhealthy_hosts: 0 is not allowed"),
    "negative log retention": (
        lb(access_log_retention_days=-5),
        "load_balancer.access_log_retention_days: -5 is not allowed; use 1 to 3650",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_compute_setting_is_rejected_naming_the_field(case: str) -> None:
    config, expected = BAD[case]
    with pytest.raises(ConfigError) as error:
        validate(config)
    assert len(error.value.problems) == 1, error.value.problems
    assert expected in error.value.problems[0]


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_compute_setting_writes_nothing(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config, expected = BAD[case]
    registry = {**ENVIRONMENTS, config.name: config}
    outdir = tmp_path / "cdktf.out"
    assert main.main({"HEALTHTECH_ENVIRONMENTS": config.name, "CDKTF_OUTDIR": str(outdir)}, registry) == 2
    assert expected in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_every_fargate_size_the_docs_list_is_accepted() -> None:
    for cpu, memory in ((256, 512), (256, 2048), (512, 4096), (1024, 8192), (4096, 30720), (16384, 122880)):
        validate(compute(cpu=cpu, memory_mib=memory))
    with pytest.raises(ConfigError, match="memory_mib: 1536 is not allowed with cpu 256"):
        validate(compute(cpu=256, memory_mib=1536))


def test_plain_http_needs_the_explicit_switch_and_a_certificate_overrides_it() -> None:
    assert DEV.load_balancer.allow_plain_http and DEV.load_balancer.certificate_arn is None
    assert not any(e.load_balancer.allow_plain_http for e in ENVIRONMENTS.values() if e.name != "dev")
    validate(lb(certificate_arn=CERT))  # dev may still use HTTPS
    with pytest.raises(ConfigError, match="domain_name: required"):
        validate(lb(allow_plain_http=False))


def test_settings_defaults_are_the_safe_ones() -> None:
    assert LoadBalancerSettings().allow_plain_http is False
    assert ComputeSettings().fargate_spot is False and ComputeSettings().min_capacity >= 2
