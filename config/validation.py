"""Validation of environment settings, run before any construct is built.

Every problem found is collected and raised together in one :class:`ConfigError`, each line naming
the field, the bad value and what is allowed, so a failed synth tells the operator everything at once.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

from config.naming import Namer, check_name
from config.settings import EnvironmentConfig

ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
DYNAMODB_TABLE = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
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


def validate(config: EnvironmentConfig) -> None:
    """Raise :class:`ConfigError` listing every problem in ``config``; return None when it is valid."""
    problems = list(_problems(config))
    if problems:
        raise ConfigError(problems)


def select(registry: Mapping[str, EnvironmentConfig], requested: Iterable[str] | None) -> list[EnvironmentConfig]:
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
        problems.extend(_problems(cfg))
    if problems:
        raise ConfigError(problems)
    return selected


def _problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    if not ENVIRONMENT_NAME.match(cfg.name):
        yield (
            f"{env}: name: {cfg.name!r} is not allowed; use lowercase letters, digits and single hyphens, "
            "starting with a letter (e.g. dev, staging, prod, qa-2)"
        )
        return  # every name below derives from it, so further messages would only repeat this one
    if not REGION.match(cfg.region):
        yield f"{env}: region: {cfg.region!r} is not an AWS region code (e.g. eu-south-1)"
    yield from _name_problems(cfg)
    yield from _network_problems(cfg)
    if not 7 <= cfg.encryption.key_deletion_window_days <= 30:
        yield (
            f"{env}: encryption.key_deletion_window_days: {cfg.encryption.key_deletion_window_days} "
            "is not allowed; AWS KMS accepts 7 to 30"
        )
    retention = cfg.observability.log_retention_days
    if retention not in LOG_RETENTION_DAYS:
        yield (
            f"{env}: observability.log_retention_days: {retention} is not allowed; "
            f"CloudWatch accepts {', '.join(map(str, LOG_RETENTION_DAYS))}"
        )
    email = cfg.observability.alarm_email
    if email is not None and not EMAIL.match(email):
        yield f"{env}: observability.alarm_email: {email!r} is not an email address (e.g. oncall@example.com)"
    yield from _state_problems(cfg)
    yield from _database_problems(cfg)
    yield from _file_storage_problems(cfg)


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

    if not 1024 <= net.app_port <= 65535:
        yield (
            f"{env}: network.app_port: {net.app_port} is not allowed; use 1024-65535 "
            "(the containers run as a non-root user, which cannot bind lower ports)"
        )
    if net.flow_log_max_aggregation_seconds not in (60, 600):
        yield (
            f"{env}: network.flow_log_max_aggregation_seconds: {net.flow_log_max_aggregation_seconds} "
            "is not allowed; AWS accepts 60 or 600"
        )


def _state_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    state = cfg.state
    if not state.bucket:
        yield f"{env}: state.bucket: must be set to the S3 bucket that holds Terraform state"
    elif not BUCKET.match(state.bucket) or ".." in state.bucket:
        yield (
            f"{env}: state.bucket: {state.bucket!r} is not a valid S3 bucket name "
            "(3-63 lowercase letters, digits, '.', '-')"
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


# Current-generation Graviton and Intel/AMD families RDS PostgreSQL 16 offers; micro and small are
# excluded because Performance Insights (always on) does not support them.
DB_INSTANCE_CLASS = re.compile(r"^db\.(t3|t4g|m5|m6g|m6gd|m6i|m7g|r5|r6g|r6gd|r6i|r7g)\.(medium|large|\d*xlarge)$")
DB_INSTANCE_CLASS_EXAMPLES = "db.t4g.medium, db.m7g.large, db.r6g.2xlarge"
WEEKDAY_TIME = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$"
)
DAILY_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
PG_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
IA_TRANSITIONS = (
    "AFTER_1_DAY",
    "AFTER_7_DAYS",
    "AFTER_14_DAYS",
    "AFTER_30_DAYS",
    "AFTER_60_DAYS",
    "AFTER_90_DAYS",
    "AFTER_180_DAYS",
    "AFTER_270_DAYS",
    "AFTER_365_DAYS",
)
RESERVED_PG_USERS = ("postgres", "rdsadmin", "admin", "root")


def _database_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    db = cfg.database
    if not re.fullmatch(r"1[4-7]", db.engine_version):
        yield f"{env}: database.engine_version: {db.engine_version!r} is not allowed; use a major version 14 to 17"
    if not DB_INSTANCE_CLASS.match(db.instance_class):
        yield (
            f"{env}: database.instance_class: {db.instance_class!r} is not allowed; use a current-generation "
            f"class of size medium or larger (e.g. {DB_INSTANCE_CLASS_EXAMPLES})"
        )
    if not 20 <= db.allocated_storage_gb <= 65536:
        yield f"{env}: database.allocated_storage_gb: {db.allocated_storage_gb} is not allowed; gp3 takes 20 to 65536"
    if db.max_allocated_storage_gb < db.allocated_storage_gb:
        yield (
            f"{env}: database.max_allocated_storage_gb: {db.max_allocated_storage_gb} is below "
            f"allocated_storage_gb {db.allocated_storage_gb}; it must be at least that"
        )
    if not 1 <= db.backup_retention_days <= 35:
        yield f"{env}: database.backup_retention_days: {db.backup_retention_days} is not allowed; RDS keeps 1 to 35"
    backup = DAILY_WINDOW.match(db.backup_window)
    if not backup:
        yield f"{env}: database.backup_window: {db.backup_window!r} is not a UTC window hh:mm-hh:mm (e.g. 02:00-02:30)"
    else:
        h1, m1, h2, m2 = (int(g) for g in backup.groups())
        if (h2 * 60 + m2 - h1 * 60 - m1) % 1440 < 30:
            yield f"{env}: database.backup_window: {db.backup_window!r} is shorter than the 30 minutes RDS requires"
    if not WEEKDAY_TIME.match(db.maintenance_window):
        yield (
            f"{env}: database.maintenance_window: {db.maintenance_window!r} is not a UTC window "
            "ddd:hh:mm-ddd:hh:mm (e.g. sun:03:00-sun:04:00)"
        )
    if db.enhanced_monitoring_interval_seconds not in (0, 1, 5, 10, 15, 30, 60):
        yield (
            f"{env}: database.enhanced_monitoring_interval_seconds: {db.enhanced_monitoring_interval_seconds} "
            "is not allowed; use 0 (off), 1, 5, 10, 15, 30 or 60"
        )
    pi_days = db.performance_insights_retention_days
    if pi_days != 7 and not (pi_days % 31 == 0 and 31 <= pi_days <= 731):
        yield (
            f"{env}: database.performance_insights_retention_days: {pi_days} is not allowed; "
            "use 7 or a multiple of 31 up to 731"
        )
    if not PG_IDENTIFIER.match(db.database_name):
        yield (
            f"{env}: database.database_name: {db.database_name!r} is not allowed; use lowercase letters, "
            "digits and '_', starting with a letter, at most 63"
        )
    if not PG_IDENTIFIER.match(db.master_username) or db.master_username in RESERVED_PG_USERS:
        yield (
            f"{env}: database.master_username: {db.master_username!r} is not allowed; use lowercase letters, "
            f"digits and '_', starting with a letter, and none of {', '.join(RESERVED_PG_USERS)}"
        )
    if cfg.deletion_protection and not db.final_snapshot:
        yield (
            f"{env}: database.final_snapshot: False is not allowed while deletion_protection is on; a "
            "protected database is also snapshotted on deletion"
        )


def _file_storage_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    fs = cfg.file_storage
    if fs.transition_to_ia not in IA_TRANSITIONS:
        yield (
            f"{env}: file_storage.transition_to_ia: {fs.transition_to_ia!r} is not allowed; "
            f"use one of {', '.join(IA_TRANSITIONS)}"
        )
    if fs.throughput_mode not in ("elastic", "bursting"):
        yield f"{env}: file_storage.throughput_mode: {fs.throughput_mode!r} is not allowed; use elastic or bursting"
    for label, value in (("posix_uid", fs.posix_uid), ("posix_gid", fs.posix_gid)):
        if not 1 <= value <= 4294967294:
            yield f"{env}: file_storage.{label}: {value} is not allowed; use 1 to 4294967294 (0 is root)"
    if not re.fullmatch(r"(/[A-Za-z0-9_.-]+)+", fs.root_directory):
        yield (
            f"{env}: file_storage.root_directory: {fs.root_directory!r} is not allowed; use an absolute path "
            "below / such as /app"
        )


def _parse(cidr: str) -> ipaddress.IPv4Network | None:
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        return None
    return network if isinstance(network, ipaddress.IPv4Network) else None
