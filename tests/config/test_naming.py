from __future__ import annotations

import pytest

from config.naming import NAME_RULES, Namer, PhysicalNameError


def test_names_follow_healthtech_type_env() -> None:
    namer = Namer("dev")
    assert namer.name("alb") == "healthtech-alb-dev"
    assert namer.name("private-subnet", index=2) == "healthtech-private-subnet-2-dev"
    assert namer.name("key-alias", purpose="rds") == "alias/healthtech-rds-dev"


def test_a_name_over_its_aws_limit_is_refused() -> None:
    with pytest.raises(PhysicalNameError, match="is 33 characters; AWS allows at most 32"):
        Namer("abcdefghijklmnopqr").name("alb")


def test_bucket_names_count_the_account_id_and_must_be_lowercase() -> None:
    assert Namer("dev").name("artifacts", account="123456789012") == "healthtech-artifacts-dev-123456789012"
    long_env = "e" * 30  # 21 + 30 + 13 = 64 > 63
    with pytest.raises(PhysicalNameError, match="AWS allows at most 63"):
        Namer(long_env).name("artifacts", account="${data.aws_caller_identity.x.account_id}")
    with pytest.raises(PhysicalNameError, match="must match"):
        Namer("Dev").name("artifacts", account="123456789012")


def test_unknown_kinds_are_refused_so_every_name_is_catalogued() -> None:
    with pytest.raises(KeyError, match="unknown name kind 'bucket'"):
        Namer("dev").name("bucket")


def test_every_name_covers_the_catalogue() -> None:
    kinds = {kind for kind, _ in Namer("dev").every_name()}
    assert kinds == set(NAME_RULES)
