"""Property-based bad input: whole families of bad values each give exactly one problem that names the
field, the value and what is allowed (hypothesis draws the values; validation is pure and fast)."""

from __future__ import annotations

import dataclasses
import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from config import ENVIRONMENTS, ConfigError, validate
from config.settings import EnvironmentConfig
from config.validation import ENVIRONMENT_NAME, LOG_RETENTION_DAYS

DEV = ENVIRONMENTS["dev"]
FAST = settings(max_examples=60, deadline=None)


def only_problem(config: EnvironmentConfig) -> str:
    try:
        validate(config)
    except ConfigError as error:
        assert len(error.problems) == 1, error.problems
        return error.problems[0]
    raise AssertionError(f"{config} was accepted")


@FAST
@given(st.text(min_size=1, max_size=12).filter(lambda n: not ENVIRONMENT_NAME.match(n)))
def test_any_malformed_environment_name_is_refused(name: str) -> None:
    problem = only_problem(dataclasses.replace(DEV, name=name))
    assert f"name: {name!r} is not allowed; use lowercase letters, digits and single hyphens" in problem


@FAST
@given(st.integers(min_value=-10_000, max_value=10_000).filter(lambda d: d not in LOG_RETENTION_DAYS))
def test_any_retention_cloudwatch_refuses_is_refused(days: int) -> None:
    config = dataclasses.replace(DEV, observability=dataclasses.replace(DEV.observability, log_retention_days=days))
    problem = only_problem(config)
    assert f"observability.log_retention_days: {days} is not allowed; CloudWatch accepts 1, 3, 5, 7" in problem


@FAST
@given(st.text(alphabet=st.characters(blacklist_characters="@"), min_size=1, max_size=30))
def test_any_address_without_an_at_sign_is_refused(email: str) -> None:
    config = dataclasses.replace(DEV, observability=dataclasses.replace(DEV.observability, alarm_email=email))
    assert f"observability.alarm_email: {email!r} is not an email address" in only_problem(config)


@FAST
@given(st.integers(min_value=0, max_value=2**32 - 1), st.integers(min_value=16, max_value=28))
def test_any_private_subnet_outside_the_vpc_is_refused(address: int, prefix: int) -> None:
    vpc = ipaddress.ip_network(DEV.network.vpc_cidr)
    candidate = ipaddress.ip_network((address, prefix), strict=False)
    if candidate.overlaps(vpc):
        return
    cidr = str(candidate)
    network = dataclasses.replace(DEV.network, private_subnet_cidrs=(DEV.network.private_subnet_cidrs[0], cidr))
    problem = only_problem(dataclasses.replace(DEV, network=network))
    assert f"network.private_subnet_cidrs: {cidr!r} is outside the VPC {DEV.network.vpc_cidr}" in problem


@FAST
@given(st.integers(min_value=0, max_value=65535).filter(lambda p: not 1024 <= p <= 65535))
def test_any_privileged_app_port_is_refused(port: int) -> None:
    config = dataclasses.replace(DEV, network=dataclasses.replace(DEV.network, app_port=port))
    assert f"network.app_port: {port} is not allowed; use 1024 to 65535" in only_problem(config)
