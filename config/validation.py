"""Validation of environment settings, run before any construct is built.

Every problem found is collected and raised together in one :class:`ConfigError`, each line naming
the field, the bad value and what is allowed, so a failed synth tells the operator everything at once.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

from config.account import account_problems, state_bucket
from config.bounds import bounds_problems
from config.field_types import type_problems
from config.naming import Namer, check_name
from config.settings import EnvironmentConfig, Tier
from config.validation_layers import LAYER_CHECKS

ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
DYNAMODB_TABLE = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
# EFS CreateFileSystem's CreationToken: 1 to 64 characters matching ".+" (any but line terminators).
EFS_CREATION_TOKEN = re.compile(r"[^\n\r\u0085\u2028\u2029]{1,64}")
# EC2 CreateSecurityGroup's GroupDescription in a VPC: up to 255 of these (and not empty: it is required).
SECURITY_GROUP_DESCRIPTION = re.compile(r"[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]{1,255}")
# Values accepted by CloudWatch Logs PutRetentionPolicy (0 = never expire is excluded on purpose:
# HIPAA audit logs need a defined retention, and the GDPR wants it bounded).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


class ConfigError(ValueError):
    """One or more settings are invalid; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def validate(config: EnvironmentConfig, *, local: bool = False) -> None:
    """Raise :class:`ConfigError` listing every problem in ``config``; return None when it is valid.

    ``local``: the config deploys to the local endpoint, where documentation placeholders are fine."""
    problems = list(_problems(config, local=local))
    if problems:
        raise ConfigError(problems)


def select(
    registry: Mapping[str, EnvironmentConfig], requested: Iterable[str] | None, *, local: bool = False
) -> list[EnvironmentConfig]:
    """The configs for ``requested`` names (all when None), each validated; raise on any problem."""
    names = list(registry) if requested is None else [n.strip() for n in requested if n.strip()]
    problems: list[str] = []
    if not names:
        problems.append(f"environments: none selected; allowed: {', '.join(registry)}")
    for name in names:
        if name not in registry:
            problems.append(f"environment {name!r}: unknown; allowed: {', '.join(registry)}")
    for key, cfg in registry.items():
        if key != cfg.name:
            problems.append(f"environment {key!r}: registered under a key that differs from its name {cfg.name!r}")
    selected = [registry[n] for n in names if n in registry]
    for cfg in selected:
        problems.extend(_problems(cfg, local=local))
    if problems:
        raise ConfigError(problems)
    return selected


def _problems(cfg: EnvironmentConfig, *, local: bool) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    if not ENVIRONMENT_NAME.match(cfg.name):
        yield (
            f"{env}: name: {cfg.name!r} is not allowed; use lowercase letters, digits and single hyphens, "
            "starting with a letter (e.g. dev, staging, prod, qa-2)"
        )
        return  # every name below derives from it, so further messages would only repeat this one
    mistyped = [f"{env}: {problem}" for problem in type_problems(cfg)]
    if mistyped:
        yield from mistyped
        return  # the rules below compare and parse values: with a wrong type they would only fail
    yield from (f"{env}: {problem}" for problem in bounds_problems(cfg))
    if not REGION.match(cfg.region):
        yield f"{env}: region: {cfg.region!r} is not an AWS region code (e.g. eu-south-1)"
    yield from _name_problems(cfg)
    yield from _network_problems(cfg)
    retention = cfg.observability.log_retention_days
    if retention not in LOG_RETENTION_DAYS:
        yield (
            f"{env}: observability.log_retention_days: {retention} is not allowed; "
            f"CloudWatch accepts {', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    yield from account_problems(cfg, local=local)
    yield from _state_problems(cfg)
    yield from _adopted_problems(cfg)
    for check in LAYER_CHECKS:
        yield from check(cfg)


def _name_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    seen: set[str] = set()
    for kind, value in Namer(cfg.name).every_name():
        problem = check_name(kind, value)
        if problem and problem not in seen:
            seen.add(problem)
            yield f"environment {cfg.name!r}: name: {problem} (shorten the environment name)"


def _network_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    net = cfg.network
    vpc = _parse(net.vpc_cidr)
    if vpc is None:
        yield f"{env}: network.vpc_cidr: {net.vpc_cidr!r} is not an IPv4 network in CIDR form (e.g. 10.0.0.0/16)"
    elif not 16 <= vpc.prefixlen <= 28:
        yield f"{env}: network.vpc_cidr: {net.vpc_cidr!r} has prefix /{vpc.prefixlen}; AWS allows /16 to /28"

    azs = net.availability_zones
    if len(azs) < 2:
        yield f"{env}: network.availability_zones: {list(azs)} has {len(azs)}; at least 2 are required"
    if len(set(azs)) != len(azs):
        yield f"{env}: network.availability_zones: {list(azs)} repeats a zone; each must be distinct"
    for az in azs:
        if not re.fullmatch(re.escape(cfg.region) + r"[a-z]", az):
            yield f"{env}: network.availability_zones: {az!r} is not a zone of region {cfg.region} (e.g. {cfg.region}a)"

    subnets: list[tuple[str, ipaddress.IPv4Network]] = []
    for label, cidrs in (
        ("public_subnet_cidrs", net.public_subnet_cidrs),
        ("private_subnet_cidrs", net.private_subnet_cidrs),
    ):
        field = f"network.{label}"
        if len(cidrs) != len(azs):
            yield f"{env}: {field}: {list(cidrs)} has {len(cidrs)}; one per availability zone ({len(azs)}) is required"
        for cidr in cidrs:
            subnet = _parse(cidr)
            if subnet is None:
                yield f"{env}: {field}: {cidr!r} is not an IPv4 network in CIDR form (e.g. 10.0.1.0/24)"
                continue
            if not 16 <= subnet.prefixlen <= 28:
                yield f"{env}: {field}: {cidr!r} has prefix /{subnet.prefixlen}; AWS allows /16 to /28"
            if vpc is not None and not subnet.subnet_of(vpc):
                yield f"{env}: {field}: {cidr!r} is outside the VPC {net.vpc_cidr}"
            subnets.append((f"{field} {cidr}", subnet))
    for i, (a_label, a) in enumerate(subnets):
        for b_label, b in subnets[i + 1 :]:
            if a.overlaps(b):
                yield f"{env}: {b_label} overlaps {a_label}; subnets must not overlap"

    if net.flow_log_max_aggregation_seconds not in (60, 600):
        yield (
            f"{env}: network.flow_log_max_aggregation_seconds: {net.flow_log_max_aggregation_seconds} "
            "is not allowed; AWS accepts 60 or 600"
        )


def _state_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    state = cfg.state
    bucket = state_bucket(cfg)
    if not BUCKET.match(bucket) or ".." in bucket:
        yield (
            f"{env}: state.bucket: {bucket!r} is not a valid S3 bucket name (3-63 lowercase letters, digits, '.', '-')"
        )
    if not state.lock_table:
        yield f"{env}: state.lock_table: must be set to the DynamoDB table used for state locking"
    elif not DYNAMODB_TABLE.match(state.lock_table):
        yield (
            f"{env}: state.lock_table: {state.lock_table!r} is not a valid DynamoDB table name "
            "(3-255 of a-z A-Z 0-9 _ . -)"
        )
    if not REGION.match(state.region):
        yield f"{env}: state.region: {state.region!r} is not an AWS region code (e.g. eu-south-1)"
    if not re.fullmatch(r"[a-zA-Z0-9_-]+(/[a-zA-Z0-9_-]+)*", state.key_prefix):
        yield f"{env}: state.key_prefix: {state.key_prefix!r} must be path segments of letters, digits, '_' and '-'"


def _adopted_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    adopted = cfg.adopted
    if adopted is None:
        return
    token = adopted.efs_creation_token
    if token is not None and not (isinstance(token, str) and EFS_CREATION_TOKEN.fullmatch(token)):
        yield (
            f"{env}: adopted.efs_creation_token: {token!r} is not allowed; EFS takes 1 to 64 characters on one "
            "line (copy the live token as python -m tooling.adopt prints it)"
        )
    *others, last = (f"Tier.{t.name}" for t in Tier)
    tiers = f"{', '.join(others)} or {last}"
    for tier, description in adopted.security_group_descriptions.items():
        if type(tier) is not Tier:
            yield (
                f"{env}: adopted.security_group_descriptions: key {tier!r} is not a Tier; use {tiers} "
                "(from config.settings)"
            )
            continue
        if not (isinstance(description, str) and SECURITY_GROUP_DESCRIPTION.fullmatch(description)):
            yield (
                f"{env}: adopted.security_group_descriptions[Tier.{tier.name}]: {description!r} is not allowed; "
                "AWS takes 1 to 255 of a-z A-Z 0-9, space and ._-:/()#,@[]+=&;{}!$*"
            )


def _parse(cidr: str) -> ipaddress.IPv4Network | None:
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        return None
    return network if isinstance(network, ipaddress.IPv4Network) else None
