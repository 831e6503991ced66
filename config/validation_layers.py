"""Validation rules of the application layers (database, file storage, compute, load balancer, delivery,
observability). Same contract as ``config.validation``: each rule yields one line per problem naming
the field, the bad value and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from config.settings import EnvironmentConfig, SourceKind

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
# A plain (unquoted) PostgreSQL role name: what app.migrate creates and what the task role may
# rds-db:connect as, letter for letter.
PG_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Roles PostgreSQL and RDS create themselves (pg_* is reserved by PostgreSQL, rds_* and rds*admin by RDS).
RESERVED_APP_USERS = (*RESERVED_PG_USERS, "public", "rds_iam", "rds_superuser", "rdsrepladmin", "rdstopmgr")
RESERVED_ROLE_PREFIXES = ("pg_", "rds_")


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
    if db.max_allocated_storage_gb < db.allocated_storage_gb:
        yield (
            f"{env}: database.max_allocated_storage_gb: {db.max_allocated_storage_gb} is below "
            f"allocated_storage_gb {db.allocated_storage_gb}; it must be at least that"
        )
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
    yield from _app_user_problems(env, db.app_username, db.master_username)
    if cfg.deletion_protection and not db.final_snapshot:
        yield (
            f"{env}: database.final_snapshot: False is not allowed while deletion_protection is on; a "
            "protected database is also snapshotted on deletion"
        )


def _app_user_problems(env: str, user: str, master: str) -> Iterable[str]:
    field = f"{env}: database.app_username: {user!r}"
    if not PG_ROLE_NAME.match(user):
        yield (
            f"{field} is not allowed; use a plain PostgreSQL name: lowercase letters, digits and '_', "
            "starting with a letter or '_', at most 63 (e.g. healthtech_app)"
        )
    elif user == master:
        yield f"{field} is not allowed; it is the master user's name, and the application must log in as its own"
    elif user in RESERVED_APP_USERS or user.startswith(RESERVED_ROLE_PREFIXES):
        yield (
            f"{field} is not allowed; PostgreSQL or RDS reserves it: use none of {', '.join(RESERVED_APP_USERS)} "
            f"and no name starting with {' or '.join(RESERVED_ROLE_PREFIXES)}"
        )


def _file_storage_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    fs = cfg.file_storage
    if fs.transition_to_ia not in IA_TRANSITIONS:
        yield (
            f"{env}: file_storage.transition_to_ia: {fs.transition_to_ia!r} is not allowed; "
            f"use one of {', '.join(IA_TRANSITIONS)}"
        )
    if not re.fullmatch(r"(/[A-Za-z0-9_.-]+)+", fs.root_directory):
        yield (
            f"{env}: file_storage.root_directory: {fs.root_directory!r} is not allowed; use an absolute path "
            "below / such as /app"
        )


# Task memory (MiB) Fargate accepts for each CPU size: (lowest, highest, step).
FARGATE_MEMORY: dict[int, tuple[int, int, int]] = {
    256: (512, 2048, 512),  # 512, 1024, 2048 (1536 is not offered)
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}
CONTAINER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$")
# Docker's tag grammar ("docker image tag": "may contain lowercase and uppercase letters, digits,
# underscores, periods and hyphens. A tag name may not start with a period or a hyphen and may contain a
# maximum of 128 characters"). The build derives its tags from the source revision inside it too
# (delivery/buildspec.yml).
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
HTTP_MATCHER = re.compile(r"^[1-5]\d\d(-[1-5]\d\d)?(,[1-5]\d\d(-[1-5]\d\d)?)*$")
HEALTH_CHECK_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$")


def _fargate_memory(cpu: int) -> list[int]:
    low, high, step = FARGATE_MEMORY[cpu]
    values = list(range(low, high + 1, step))
    return [v for v in values if v != 1536] if cpu == 256 else values


def _compute_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    c = cfg.compute
    if c.cpu not in FARGATE_MEMORY:
        yield f"{env}: compute.cpu: {c.cpu} is not allowed; Fargate offers {', '.join(map(str, FARGATE_MEMORY))}"
    elif c.memory_mib not in _fargate_memory(c.cpu):
        low, high, step = FARGATE_MEMORY[c.cpu]
        yield (
            f"{env}: compute.memory_mib: {c.memory_mib} is not allowed with cpu {c.cpu}; "
            f"Fargate accepts {low} to {high} in steps of {step}"
        )
    if not 1 <= c.min_capacity <= c.max_capacity:
        yield (
            f"{env}: compute.min_capacity/max_capacity: {c.min_capacity}/{c.max_capacity} is not allowed; "
            "use 1 <= min_capacity <= max_capacity"
        )
    elif not c.min_capacity <= c.desired_count <= c.max_capacity:
        yield (
            f"{env}: compute.desired_count: {c.desired_count} is not allowed; use a count from min_capacity "
            f"{c.min_capacity} to max_capacity {c.max_capacity}"
        )
    if not CONTAINER_NAME.match(c.container_name):
        yield (
            f"{env}: compute.container_name: {c.container_name!r} is not allowed; use letters, digits, '_' "
            "and '-', at most 255"
        )
    if not IMAGE_TAG.fullmatch(c.image_tag):
        yield (
            f"{env}: compute.image_tag: {c.image_tag!r} is not allowed; use letters, digits, '_', '.' and '-', "
            "at most 128, not starting with '.' or '-'"
        )


def _load_balancer_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    lb = cfg.load_balancer
    certificate = re.compile(rf"^arn:aws[a-z-]*:acm:{re.escape(cfg.region)}:\d{{12}}:certificate/[0-9a-f-]{{36}}$")
    if lb.certificate_arn is None:
        if not lb.allow_plain_http and lb.domain_name is None:
            yield (
                f"{env}: load_balancer.domain_name: required (with hosted_zone; or an ACM certificate_arn in "
                f"{cfg.region}); plain HTTP is allowed only where load_balancer.allow_plain_http=True (dev, no PHI)"
            )
    elif not certificate.match(lb.certificate_arn):
        yield (
            f"{env}: load_balancer.certificate_arn: {lb.certificate_arn!r} is not an ACM certificate ARN in "
            f"{cfg.region} (arn:aws:acm:{cfg.region}:<account>:certificate/<uuid>)"
        )
    if not HEALTH_CHECK_PATH.match(lb.health_check_path):
        yield f"{env}: load_balancer.health_check_path: {lb.health_check_path!r} must be a URL path starting with '/'"
    if not HTTP_MATCHER.match(lb.health_check_matcher):
        yield (
            f"{env}: load_balancer.health_check_matcher: {lb.health_check_matcher!r} is not allowed; "
            "use HTTP codes such as 200, 200,204 or 200-299"
        )


CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$"
)
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
OBJECT_KEY = re.compile(r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$")


def _delivery_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    d = cfg.delivery
    if d.source == SourceKind.CODESTAR:
        if d.connection_arn is None or not CONNECTION_ARN.match(d.connection_arn):
            yield (
                f"{env}: delivery.connection_arn: {d.connection_arn!r} is not allowed; with source codestar give a "
                "CodeStar connection ARN (arn:aws:codestar-connections:<region>:<account>:connection/<uuid>)"
            )
        if d.repository is None or not REPOSITORY.match(d.repository):
            yield f"{env}: delivery.repository: {d.repository!r} is not allowed; with source codestar use owner/name"
    if not OBJECT_KEY.match(d.source_object_key):
        yield (
            f"{env}: delivery.source_object_key: {d.source_object_key!r} is not allowed; use an S3 key such as "
            "source/app.zip (no leading slash)"
        )
    if not d.build_image.startswith("aws/codebuild/"):
        yield f"{env}: delivery.build_image: {d.build_image!r} is not allowed; use a managed aws/codebuild/ image"


def _threshold_problems(cfg: EnvironmentConfig) -> Iterable[str]:
    env = f"environment {cfg.name!r}"
    t = cfg.observability.thresholds
    if t.period_seconds < 60 or t.period_seconds % 60:
        yield f"{env}: observability.thresholds.period_seconds: {t.period_seconds} is not allowed; use 60 or a multiple"


LAYER_CHECKS: tuple[Callable[[EnvironmentConfig], Iterable[str]], ...] = (
    _database_problems,
    _file_storage_problems,
    _compute_problems,
    _load_balancer_problems,
    _delivery_problems,
    _threshold_problems,
)
