from __future__ import annotations

import pytest

from config.naming import NAME_RULES, Kind, Namer, PhysicalNameError


def test_names_follow_healthtech_type_env() -> None:
    namer = Namer("dev")
    assert namer.name(Kind.ALB) == "healthtech-alb-dev"
    assert namer.name(Kind.PRIVATE_SUBNET, index=2) == "healthtech-private-subnet-2-dev"
    assert namer.name(Kind.KEY_ALIAS, purpose="rds") == "alias/healthtech-rds-dev"


def test_a_name_over_its_aws_limit_is_refused() -> None:
    with pytest.raises(PhysicalNameError, match="is 33 characters; AWS allows at most 32"):
        Namer("abcdefghijklmnopqr").name(Kind.ALB)


def test_bucket_names_count_the_account_id_and_must_be_lowercase() -> None:
    assert Namer("dev").name(Kind.ARTIFACTS, account="123456789012") == "healthtech-artifacts-dev-123456789012"
    long_env = "e" * 30  # 21 + 30 + 13 = 64 > 63
    with pytest.raises(PhysicalNameError, match="AWS allows at most 63"):
        Namer(long_env).name(Kind.ARTIFACTS, account="${data.aws_caller_identity.x.account_id}")
    with pytest.raises(PhysicalNameError, match="must match"):
        Namer("Dev").name(Kind.ARTIFACTS, account="123456789012")


def test_unknown_kinds_are_refused_so_every_name_is_catalogued() -> None:
    # mypy refuses a str where a Kind is expected; at run time the catalogue refuses it too.
    with pytest.raises(KeyError, match="unknown name kind 'bucket'"):
        Namer("dev").name("bucket")  # type: ignore[arg-type]


def test_every_kind_has_a_rule_and_names_its_own_type_segment() -> None:
    assert set(NAME_RULES) == set(Kind)
    assert Namer("dev").name(Kind.ALB) == "healthtech-alb-dev"


def test_every_name_covers_the_catalogue() -> None:
    kinds = {kind for kind, _ in Namer("dev").every_name()}
    assert kinds == set(NAME_RULES)
