"""Bad input fails before anything is built, with one message naming the field and what is allowed,
and leaves the output directory untouched."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import main
from config import ENVIRONMENTS, ConfigError, EnvironmentConfig, NetworkSettings, select, validate
from config.settings import AdoptedSettings, Tier

DEV = ENVIRONMENTS["dev"]


def net(**changes: Any) -> NetworkSettings:
    return dataclasses.replace(DEV.network, **changes)


def env(**changes: Any) -> EnvironmentConfig:
    return dataclasses.replace(DEV, **changes)


def db(**changes: Any) -> EnvironmentConfig:
    return env(database=dataclasses.replace(DEV.database, **changes))


def fs(**changes: Any) -> EnvironmentConfig:
    return env(file_storage=dataclasses.replace(DEV.file_storage, **changes))


def adopted(**changes: Any) -> EnvironmentConfig:
    return env(adopted=AdoptedSettings(**changes))


BAD: dict[str, tuple[EnvironmentConfig, str]] = {
    "name with symbols": (env(name="Dev!"), "name: 'Dev!' is not allowed; use lowercase letters"),
    "name too long for an ALB": (
        env(name="integration-tests1"),
        "application load balancer name 'healthtech-alb-integration-tests1' is 33 characters; AWS allows at most 32",
    ),
    "bad region": (
        env(region="europe", network=net(availability_zones=("europea", "europeb"))),
        "region: 'europe' is not an AWS region code",
    ),
    "vpc cidr not a network": (
        env(network=net(vpc_cidr="10.0.0.0/33")),
        "network.vpc_cidr: '10.0.0.0/33' is not an IPv4 network",
    ),
    "vpc cidr host bits set": (
        env(network=net(vpc_cidr="10.10.0.1/16")),
        "network.vpc_cidr: '10.10.0.1/16' is not an IPv4",
    ),
    "vpc too large": (
        env(
            network=net(
                vpc_cidr="10.0.0.0/8",
                public_subnet_cidrs=("10.0.0.0/24", "10.0.1.0/24"),
                private_subnet_cidrs=("10.0.10.0/24", "10.0.11.0/24"),
            )
        ),
        "network.vpc_cidr: '10.0.0.0/8' has prefix /8; AWS allows /16 to /28",
    ),
    "subnet outside the vpc": (
        env(network=net(private_subnet_cidrs=("10.10.10.0/24", "10.99.0.0/24"))),
        "network.private_subnet_cidrs: '10.99.0.0/24' is outside the VPC 10.10.0.0/16",
    ),
    "overlapping subnets": (
        env(network=net(private_subnet_cidrs=("10.10.0.128/25", "10.10.11.0/24"))),
        "network.private_subnet_cidrs 10.10.0.128/25 overlaps network.public_subnet_cidrs 10.10.0.0/24",
    ),
    "one availability zone": (
        env(
            network=net(
                availability_zones=("eu-south-1a",),
                public_subnet_cidrs=("10.10.0.0/24",),
                private_subnet_cidrs=("10.10.10.0/24",),
            )
        ),
        "network.availability_zones: ['eu-south-1a'] has 1; at least 2 are required",
    ),
    "zone of another region": (
        env(network=net(availability_zones=("eu-south-1a", "eu-west-1b"))),
        "network.availability_zones: 'eu-west-1b' is not a zone of region eu-south-1",
    ),
    "repeated zone": (env(network=net(availability_zones=("eu-south-1a", "eu-south-1a"))), "repeats a zone"),
    "fewer subnets than zones": (
        env(network=net(public_subnet_cidrs=("10.10.0.0/24",))),
        "network.public_subnet_cidrs: ['10.10.0.0/24'] has 1; one per availability zone (2)",
    ),
    "privileged app port": (
        env(network=net(app_port=80)),
        "network.app_port: 80 is not allowed; use 1024 to 65535 (non-root containers cannot bind lower)",
    ),
    "flow log interval": (
        env(network=net(flow_log_max_aggregation_seconds=30)),
        "network.flow_log_max_aggregation_seconds: 30 is not allowed; AWS accepts 60 or 600",
    ),
    "negative log retention": (
        env(observability=dataclasses.replace(DEV.observability, log_retention_days=-1)),
        "observability.log_retention_days: -1 is not allowed; CloudWatch accepts 1, 3, 5",
    ),
    "unsupported log retention": (
        env(observability=dataclasses.replace(DEV.observability, log_retention_days=10)),
        "observability.log_retention_days: 10 is not allowed",
    ),
    "bad alarm email": (
        env(observability=dataclasses.replace(DEV.observability, alarm_email="oncall@")),
        "observability.alarm_email: 'oncall@' is not an email address",
    ),
    "key deletion window": (
        env(encryption=dataclasses.replace(DEV.encryption, key_deletion_window_days=3)),
        "encryption.key_deletion_window_days: 3 is not allowed; use 7 to 30 (AWS KMS)",
    ),
    "bad state bucket": (
        env(state=dataclasses.replace(DEV.state, bucket="Healthtech_State")),
        "state.bucket: 'Healthtech_State' is not a valid S3 bucket name",
    ),
    "missing lock table": (env(state=dataclasses.replace(DEV.state, lock_table="")), "state.lock_table: must be set"),
    "unknown instance class": (
        db(instance_class="db.x9.huge"),
        "database.instance_class: 'db.x9.huge' is not allowed; use a current-generation class of size medium or "
        "larger (e.g. db.t4g.medium",
    ),
    "instance class too small for performance insights": (
        db(instance_class="db.t4g.micro"),
        "database.instance_class: 'db.t4g.micro' is not allowed",
    ),
    "unsupported engine": (
        db(engine_version="12"),
        "database.engine_version: '12' is not allowed; use a major version",
    ),
    "no backups": (db(backup_retention_days=0), "database.backup_retention_days: 0 is not allowed; use 1 to 35 (RDS)"),
    "negative backup retention": (db(backup_retention_days=-7), "database.backup_retention_days: -7 is not allowed"),
    "backup window too short": (
        db(backup_window="02:00-02:10"),
        "database.backup_window: '02:00-02:10' is shorter than the 30 minutes RDS requires",
    ),
    "maintenance window malformed": (
        db(maintenance_window="sunday 3am"),
        "database.maintenance_window: 'sunday 3am' is not a UTC window ddd:hh:mm-ddd:hh:mm",
    ),
    "storage ceiling below storage": (
        db(allocated_storage_gb=100, max_allocated_storage_gb=50),
        "database.max_allocated_storage_gb: 50 is below allocated_storage_gb 100",
    ),
    "reserved master user": (db(master_username="postgres"), "database.master_username: 'postgres' is not allowed"),
    "app user not a plain name": (
        db(app_username="Healthtech-App"),
        "database.app_username: 'Healthtech-App' is not allowed; use a plain PostgreSQL name: lowercase letters, "
        "digits and '_', starting with a letter or '_', at most 63",
    ),
    "app user too long": (db(app_username="a" * 64), "database.app_username: '" + "a" * 64 + "' is not allowed"),
    "app user is the master": (
        db(app_username="healthtech_admin"),
        "database.app_username: 'healthtech_admin' is not allowed; it is the master user's name",
    ),
    "app user reserved by rds": (
        db(app_username="rds_iam"),
        "database.app_username: 'rds_iam' is not allowed; PostgreSQL or RDS reserves it",
    ),
    "app user rdsadmin": (db(app_username="rdsadmin"), "database.app_username: 'rdsadmin' is not allowed"),
    "app user postgres": (db(app_username="postgres"), "database.app_username: 'postgres' is not allowed"),
    "app user reserved prefix": (
        db(app_username="pg_app"),
        "no name starting with pg_ or rds_",
    ),
    "performance insights retention": (
        db(performance_insights_retention_days=30),
        "database.performance_insights_retention_days: 30 is not allowed; use 7 or a multiple of 31 up to 731",
    ),
    "enhanced monitoring interval": (
        db(enhanced_monitoring_interval_seconds=7),
        "database.enhanced_monitoring_interval_seconds: 7 is not allowed; use 0 (off), 1, 5, 10, 15, 30 or 60",
    ),
    "protected database without final snapshot": (
        env(deletion_protection=True, database=dataclasses.replace(DEV.database, final_snapshot=False)),
        "database.final_snapshot: False is not allowed while deletion_protection is on",
    ),
    "efs throughput mode": (
        fs(throughput_mode="provisioned"),
        "file_storage.throughput_mode: 'provisioned' is not allowed; "
        "use ThroughputMode.ELASTIC or ThroughputMode.BURSTING",
    ),
    "efs root user": (fs(posix_uid=0), "file_storage.posix_uid: 0 is not allowed; use 1 to 4294967294 (0 is root)"),
    "efs relative root directory": (fs(root_directory="app"), "file_storage.root_directory: 'app' is not allowed"),
    "efs transition": (
        fs(transition_to_ia="AFTER_2_DAYS"),
        "file_storage.transition_to_ia: 'AFTER_2_DAYS' is not allowed; use one of AFTER_1_DAY",
    ),
    "adopted creation token too long": (
        adopted(efs_creation_token="x" * 65),
        "adopted.efs_creation_token: 'xxxx",
    ),
    "adopted creation token empty": (
        adopted(efs_creation_token=""),
        "adopted.efs_creation_token: '' is not allowed; EFS takes 1 to 64 characters on one line",
    ),
    "adopted creation token on two lines": (
        adopted(efs_creation_token="TapStackdev-EFS\nX"),
        "adopted.efs_creation_token: 'TapStackdev-EFS\\nX' is not allowed",
    ),
    "adopted description with a character AWS refuses": (
        adopted(security_group_descriptions={Tier.ECS: "ECS tasks <private>"}),
        "adopted.security_group_descriptions[Tier.ECS]: 'ECS tasks <private>' is not allowed; AWS takes 1 to 255 "
        "of a-z A-Z 0-9, space and ._-:/()#,@[]+=&;{}!$*",
    ),
    "adopted description too long": (
        adopted(security_group_descriptions={Tier.RDS: "d" * 256}),
        "adopted.security_group_descriptions[Tier.RDS]: 'dddd",
    ),
    "adopted description keyed by a string": (
        adopted(security_group_descriptions={"alb": "Internet-facing load balancer"}),
        "adopted.security_group_descriptions: key 'alb' is not a Tier; use Tier.ALB, Tier.ECS, Tier.RDS or Tier.EFS",
    ),
}


# A value of the wrong type is named before any rule compares it (it used to end in a TypeError); mypy
# catches some of these, but an operator adding an environment may not run it.
BAD.update(
    {
        "count as text": (
            env(compute=dataclasses.replace(DEV.compute, desired_count="2")),  # type: ignore[arg-type]
            "compute.desired_count: '2' is not allowed; use a whole number (int)",
        ),
        "bool as text": (
            env(deletion_protection="yes"),
            "deletion_protection: 'yes' is not allowed; use True or False",
        ),
        "bool as count": (
            env(compute=dataclasses.replace(DEV.compute, desired_count=True)),
            "compute.desired_count: True is not allowed; use a whole number (int)",
        ),
        "zones as a list": (
            env(network=net(availability_zones=["eu-south-1a", "eu-south-1b"])),
            "network.availability_zones: ['eu-south-1a', 'eu-south-1b'] is not allowed; use a tuple of str",
        ),
        "a zone as a number": (
            env(network=net(availability_zones=("eu-south-1a", 2))),
            "network.availability_zones[1]: 2 is not allowed; use a string",
        ),
        "settings as a dict": (env(database={}), "database: {} is not allowed; use a DatabaseSettings(...)"),
        "enum member as text": (
            env(
                load_balancer=dataclasses.replace(
                    DEV.load_balancer,
                    waf_rule_groups=dataclasses.replace(DEV.load_balancer.waf_rule_groups, ip_reputation="block"),  # type: ignore[arg-type]
                )
            ),
            "load_balancer.waf_rule_groups.ip_reputation: 'block' is not allowed; "
            "use WafAction.BLOCK or WafAction.COUNT",
        ),
    }
)


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_setting_is_rejected_naming_the_field(case: str) -> None:
    config, expected = BAD[case]
    with pytest.raises(ConfigError) as error:
        validate(config)
    assert len(error.value.problems) == 1, error.value.problems
    assert expected in error.value.problems[0]
    assert f"environment {config.name!r}" in error.value.problems[0]


@pytest.mark.parametrize("user", ["healthtech_app", "_svc", "clinic_app_2", "a" * 63, "rdsapp"])
def test_a_plain_app_user_other_than_the_master_is_accepted(user: str) -> None:
    validate(db(app_username=user))


def test_a_name_too_long_for_several_resources_names_each_limit() -> None:
    with pytest.raises(ConfigError) as error:
        validate(env(name="integration-tests-1"))
    assert [p.split(": name: ")[1].split(" 'healthtech")[0] for p in error.value.problems] == [
        "application load balancer name",
        "target group name",
    ]
    assert "is 34 characters; AWS allows at most 32" in error.value.problems[0]
    assert "is 33 characters; AWS allows at most 32" in error.value.problems[1]


def test_the_live_values_of_an_adopted_tapstack_are_valid() -> None:
    longest = "".join(sorted("a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*")) * 8
    validate(
        adopted(
            efs_creation_token="TapStackdev-EFSFileSystem-1A2B3C4D5E6F".ljust(64, "x"),
            security_group_descriptions={Tier.ALB: "Internet-facing load balancer", Tier.EFS: longest[:255]},
        )
    )
    validate(adopted())  # nothing differs: nothing to keep


def test_adopted_settings_cannot_be_changed_once_built() -> None:
    descriptions = {Tier.ECS: "ECS tasks"}
    settings = AdoptedSettings(security_group_descriptions=descriptions)
    descriptions[Tier.ECS] = "changed afterwards"
    assert settings.security_group_description(Tier.ECS, "ours") == "ECS tasks"
    assert settings.security_group_description(Tier.RDS, "ours") == "ours"
    with pytest.raises(TypeError):
        settings.security_group_descriptions[Tier.ECS] = "x"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.efs_creation_token = "x"  # type: ignore[misc]


def test_shipped_environments_are_valid() -> None:
    assert [c.name for c in select(ENVIRONMENTS, None)] == ["dev", "staging", "prod"]


def test_every_problem_is_reported_at_once() -> None:
    config = env(region="mars-1", network=net(app_port=22, flow_log_max_aggregation_seconds=5))
    with pytest.raises(ConfigError) as error:
        validate(config)
    fields = [p.split(": ")[1] for p in error.value.problems]
    assert fields == [
        "network.app_port",  # the ranges declared on the fields come first (config/bounds.py)
        "region",
        "network.availability_zones",
        "network.availability_zones",
        "network.flow_log_max_aggregation_seconds",
    ]


def test_unknown_environment_lists_the_allowed_ones() -> None:
    with pytest.raises(ConfigError, match=r"environment 'qa': unknown; allowed: dev, staging, prod"):
        select(ENVIRONMENTS, ["dev", "qa"])


@pytest.mark.parametrize("case", ["unknown environment", *sorted(BAD)])
def test_failed_synth_writes_nothing(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outdir = tmp_path / "cdktf.out"
    if case == "unknown environment":
        registry, environ, expected = ENVIRONMENTS, {"HEALTHTECH_ENVIRONMENTS": "dev,qa"}, "environment 'qa': unknown"
    else:
        config, expected = BAD[case]
        registry, environ = {**ENVIRONMENTS, config.name: config}, {"HEALTHTECH_ENVIRONMENTS": config.name}
    environ["CDKTF_OUTDIR"] = str(outdir)
    assert main.main(environ, registry) == 2
    err = capsys.readouterr().err
    assert err.startswith("synth refused, nothing written: invalid configuration:")
    assert expected in err
    assert list(tmp_path.iterdir()) == []


def test_a_synth_that_fails_while_building_leaves_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outdir = tmp_path / "cdktf.out"
    outdir.mkdir()
    (outdir / "previous.json").write_text("{}")

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("construct failed")

    monkeypatch.setattr("components.network.Network.__init__", broken)
    with pytest.raises(RuntimeError, match="construct failed"):
        main.synthesize([DEV], outdir)
    assert [p.name for p in tmp_path.iterdir()] == ["cdktf.out"]
    assert [p.name for p in outdir.iterdir()] == ["previous.json"]
