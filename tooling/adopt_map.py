"""Which Terraform address of our synthesized stack takes each live resource's place, and at what risk.

Matching reads the synthesized JSON only (resource type plus physical names, CIDRs, tags and the
references between resources), never construct paths or logical ids, so it survives a refactor that
moves constructs (with ``moved`` blocks). Resources are matched in passes: first by name-like
attributes, then through references to resources already matched (a mount target by its subnet, a
KMS key by the alias that targets it), until a pass matches nothing new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any, Literal

from config.settings import AdoptedSettings, ThroughputMode, Tier
from tooling.adopt_live import Live

# Matched on these attributes, in order; the first giving exactly one unclaimed candidate wins.
MATCH_KEYS: dict[str, list[tuple[str, ...]]] = {
    "aws_vpc": [("tags.Name",), ("cidr_block",)],
    "aws_subnet": [("cidr_block",), ("tags.Name",)],
    "aws_internet_gateway": [("vpc_id",), ("tags.Name",)],
    "aws_eip": [("tags.Name",)],
    "aws_nat_gateway": [("subnet_id",), ("tags.Name",)],
    "aws_route_table": [("tags.Name",)],
    "aws_route": [("route_table_id", "destination_cidr_block")],
    "aws_route_table_association": [("subnet_id",)],
    "aws_security_group": [("name",)],
    "aws_flow_log": [("vpc_id",)],
    "aws_iam_role": [("name",)],
    "aws_cloudwatch_log_group": [("name",)],
    "aws_kms_alias": [("name",)],
    "aws_db_subnet_group": [("name",)],
    "aws_db_instance": [("identifier",)],
    "aws_efs_file_system": [("tags.Name",), ("creation_token",)],
    "aws_efs_mount_target": [("subnet_id",)],
    "aws_ecs_cluster": [("name",)],
    "aws_ecs_service": [("name",)],
    "aws_ecs_task_definition": [("family",)],
    "aws_lb": [("name",)],
    "aws_lb_target_group": [("name",)],
    "aws_lb_listener": [("load_balancer_arn", "port")],
    "aws_appautoscaling_target": [("resource_id",)],
    "aws_appautoscaling_policy": [("name",)],
    "aws_s3_bucket": [("bucket",)],
    "aws_codebuild_project": [("name",)],
    "aws_codepipeline": [("name",)],
    "aws_cloudwatch_metric_alarm": [("alarm_name",)],
}

STATEFUL = frozenset(
    {"aws_db_instance", "aws_efs_file_system", "aws_kms_key", "aws_s3_bucket", "aws_cloudwatch_log_group"}
)
"""Their replacement loses data (or, for keys, makes it unreadable)."""
HOLDS_STATEFUL = frozenset({"aws_vpc", "aws_subnet", "aws_db_subnet_group"})
"""Replacing these moves the database and file system with them, i.e. replaces those too."""
GUARDING = frozenset({"aws_security_group"})
"""Replacing one detaches the load balancer, the tasks, the database and the mount targets it guards."""

NOT_IMPORTED: dict[str, str] = {
    "aws_ecs_task_definition": (
        "not imported: task definitions are immutable, so importing would plan a replacement; ours "
        "registers a new revision of the same family and the original revision stays until deregistered"
    ),
}


class Effect(Enum):
    REPLACE = "replace"
    UPDATE = "update in place"
    REFUSED = "refused by AWS"


@dataclass(frozen=True)
class FieldCheck:
    attr: str
    effect: Effect
    setting: str | None = None
    """The config field that keeps the live value (``None``: no setting controls it)."""
    adopted: Literal["efs_creation_token", "security_group_descriptions"] | None = None
    """The ``AdoptedSettings`` field that keeps the live value: the configuration must carry it (every
    later synth then keeps it) before the adoption writes anything."""


# Settings typed as an enum: the config line names the member, as validation requires.
ENUM_SETTINGS: dict[str, type[StrEnum]] = {"file_storage.throughput_mode": ThroughputMode}

CHECKS: dict[str, list[FieldCheck]] = {
    "aws_vpc": [FieldCheck("cidr_block", Effect.REPLACE, "network.vpc_cidr")],
    "aws_subnet": [
        FieldCheck("cidr_block", Effect.REPLACE, "network.{tier}_subnet_cidrs"),
        FieldCheck("availability_zone", Effect.REPLACE, "network.availability_zones"),
    ],
    "aws_security_group": [
        FieldCheck("description", Effect.REPLACE, adopted="security_group_descriptions"),
        FieldCheck("vpc_id", Effect.REPLACE),
    ],
    "aws_nat_gateway": [FieldCheck("subnet_id", Effect.REPLACE)],
    "aws_flow_log": [
        FieldCheck("log_destination", Effect.REPLACE),
        FieldCheck("traffic_type", Effect.REPLACE),
        FieldCheck("max_aggregation_interval", Effect.REPLACE, "network.flow_log_max_aggregation_seconds"),
    ],
    "aws_kms_key": [FieldCheck("key_usage", Effect.REPLACE), FieldCheck("customer_master_key_spec", Effect.REPLACE)],
    "aws_db_instance": [
        FieldCheck("engine", Effect.REPLACE),
        FieldCheck("storage_encrypted", Effect.REPLACE),
        FieldCheck("kms_key_id", Effect.REPLACE),
        FieldCheck("username", Effect.REPLACE, "database.master_username"),
        FieldCheck("db_name", Effect.REPLACE, "database.database_name"),
        FieldCheck("engine_version", Effect.UPDATE, "database.engine_version"),
        FieldCheck("instance_class", Effect.UPDATE, "database.instance_class"),
        FieldCheck("allocated_storage", Effect.UPDATE, "database.allocated_storage_gb"),
        FieldCheck("multi_az", Effect.UPDATE, "database.multi_az"),
    ],
    "aws_efs_file_system": [
        FieldCheck("creation_token", Effect.REPLACE, adopted="efs_creation_token"),
        FieldCheck("encrypted", Effect.REPLACE),
        FieldCheck("kms_key_id", Effect.REPLACE),
        FieldCheck("performance_mode", Effect.REPLACE),
        FieldCheck("throughput_mode", Effect.UPDATE, "file_storage.throughput_mode"),
    ],
    "aws_efs_mount_target": [FieldCheck("subnet_id", Effect.REPLACE), FieldCheck("file_system_id", Effect.REPLACE)],
    "aws_lb": [FieldCheck("internal", Effect.REPLACE)],
    "aws_lb_target_group": [
        FieldCheck("port", Effect.REPLACE, "network.app_port"),
        FieldCheck("protocol", Effect.REPLACE),
        FieldCheck("target_type", Effect.REPLACE),
        FieldCheck("vpc_id", Effect.REPLACE),
    ],
    "aws_route_table_association": [FieldCheck("route_table_id", Effect.UPDATE)],
}


@dataclass(frozen=True)
class Keep:
    """Where ``AdoptedSettings`` keeps one live value: its field and, for a security group, the group's tier."""

    name: Literal["efs_creation_token", "security_group_descriptions"]
    tier: Tier | None = None

    @property
    def setting(self) -> str:
        if self.tier is None:
            return f"adopted.{self.name}"
        return f"adopted.{self.name}[Tier.{self.tier.name}]"


@dataclass
class Difference:
    address: str
    attr: str
    live: Any
    configured: Any
    effect: Effect
    fix: str
    keep: Keep | None = None
    """Set when the configuration can keep the live value (``EnvironmentConfig.adopted``): until it does,
    the adoption is refused whatever the flags."""

    @property
    def blocking(self) -> bool:
        tf_type = self.address.split(".")[0]
        if self.effect is Effect.REFUSED:
            return True
        return self.effect is Effect.REPLACE and tf_type in STATEFUL | HOLDS_STATEFUL | GUARDING


def kept(current: AdoptedSettings | None, differences: list[Difference]) -> AdoptedSettings:
    """``current`` (the environment's ``adopted``) with the live value of every difference it can keep."""
    token = current.efs_creation_token if current else None
    descriptions = dict(current.security_group_descriptions) if current else {}
    for difference in differences:
        if difference.keep is None:
            continue
        if difference.keep.name == "efs_creation_token":
            token = difference.live
        elif difference.keep.tier is not None:
            descriptions[difference.keep.tier] = difference.live
    ordered = {tier: descriptions[tier] for tier in Tier if tier in descriptions}
    return AdoptedSettings(efs_creation_token=token, security_group_descriptions=ordered)


@dataclass
class Adoption:
    imports: dict[str, str] = field(default_factory=dict)
    """Terraform address -> import id."""
    mapped: dict[str, str] = field(default_factory=dict)
    """CloudFormation logical id -> Terraform address."""
    differences: list[Difference] = field(default_factory=list)
    unmatched: dict[str, str] = field(default_factory=dict)
    """CloudFormation logical id -> what happens to it."""
    notes: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    """Our addresses with no live counterpart: the plan creates them."""
    prerequisites: list[Prerequisite] = field(default_factory=list)
    """Live changes Terraform cannot plan without (run by --apply-prerequisites, or by hand)."""


@dataclass(frozen=True)
class Prerequisite:
    why: str
    command: str
    """The AWS CLI equivalent, for the runbook."""
    service: str
    operation: str
    arguments: dict[str, Any]


_REF = re.compile(r"^\$\{((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z_]+)\}$")
_UNRESOLVED = object()


class Stack:
    """The synthesized JSON of one environment with references resolved through the matches so far."""

    def __init__(self, doc: dict[str, Any], account: str) -> None:
        self.resources: dict[str, dict[str, Any]] = {
            f"{tf_type}.{name}": body
            for tf_type, group in doc.get("resource", {}).items()
            for name, body in group.items()
        }
        self.account = account
        self.exports: dict[str, dict[str, str]] = {}

    def of_type(self, tf_type: str) -> list[str]:
        return sorted(a for a in self.resources if a.split(".")[0] == tf_type)

    def value(self, address: str, attr: str) -> Any:
        body: Any = self.resources[address]
        for part in attr.split("."):
            body = body.get(part) if isinstance(body, dict) else None
        return self.resolve(body)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, str) or "${" not in value:
            return value
        whole = _REF.match(value)
        if whole and not whole.group(1).startswith("data."):
            return self.exports.get(whole.group(1), {}).get(whole.group(2), _UNRESOLVED)

        def export(found: re.Match[str]) -> str:
            return self.exports.get(found.group(1), {}).get(found.group(2), found.group(0))

        text = re.sub(r"\$\{((?!data\.)[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z_]+)\}", export, value)
        text = re.sub(r"\$\{data\.aws_caller_identity\.[^.}]+\.account_id\}", self.account, text)
        text = re.sub(r"\$\{data\.aws_partition\.[^.}]+\.partition\}", "aws", text)
        return _UNRESOLVED if "${" in text else text


def same(live: Any, configured: Any) -> bool:
    """Equal, treating a KMS key id and its ARN (or an ARN and its final segment) as one value."""
    if live == configured:
        return True
    if isinstance(live, str) and isinstance(configured, str) and live and configured:
        return live.endswith("/" + configured) or configured.endswith("/" + live)
    if isinstance(live, int | float) and isinstance(configured, str):
        return str(live) == configured
    return False


def _indexless(name: Any) -> Any:
    # healthtech-private-rt-1-dev -> healthtech-private-rt-dev: the original has one of what we have per AZ.
    return re.sub(r"-\d+-", "-", name) if isinstance(name, str) else name


def match(stack: Stack, live: dict[str, Live]) -> dict[str, str]:
    """CloudFormation logical id -> Terraform address, for every live resource that has a counterpart."""
    matched: dict[str, str] = {}
    claimed: set[str] = set()
    progress = True
    while progress:
        progress = False
        for logical_id, resource in live.items():
            if logical_id in matched:
                continue
            address = _match_one(stack, resource, claimed, live, matched)
            if address:
                matched[logical_id] = address
                claimed.add(address)
                stack.exports[address] = resource.exports
                progress = True
    return matched


# A resource without a name of its own is named by a matched resource that refers to it:
# (that resource's type, its attribute holding the reference, the export the reference points at).
REFERRED_BY: dict[str, tuple[str, str, str]] = {
    "aws_kms_key": ("aws_kms_alias", "target_key_id", "key_id"),
    "aws_eip": ("aws_nat_gateway", "allocation_id", "id"),
    "aws_route_table": ("aws_route_table_association", "route_table_id", "id"),
}


def _match_one(
    stack: Stack, resource: Live, claimed: set[str], live: dict[str, Live], matched: dict[str, str]
) -> str | None:
    candidates = [a for a in stack.of_type(resource.tf_type) if a not in claimed]
    for keys in MATCH_KEYS.get(resource.tf_type, []):
        hits = [a for a in candidates if all(same(resource.attrs.get(k), stack.value(a, k)) for k in keys)]
        if len(hits) == 1:
            return hits[0]
        if keys == ("tags.Name",):
            loose = [
                a for a in candidates if _indexless(stack.value(a, "tags.Name")) == resource.attrs.get("tags.Name")
            ]
            if loose:
                return loose[0]
    if resource.tf_type in REFERRED_BY:
        other_type, attr, export = REFERRED_BY[resource.tf_type]
        referrers = sorted(
            (address, logical_id)
            for logical_id, address in matched.items()
            if live[logical_id].tf_type == other_type
            and same(live[logical_id].attrs.get(attr), resource.exports.get(export))
        )
        for address, _ in referrers:
            target = stack.resources[address].get(attr, "")
            found = _REF.match(target) if isinstance(target, str) else None
            if found and found.group(1) in candidates:
                return found.group(1)
    return None


def compare(stack: Stack, address: str, resource: Live) -> list[Difference]:
    """Every checked attribute whose live value our configuration would change."""
    differences = []
    tf_type = address.split(".")[0]
    for check in CHECKS.get(tf_type, []):
        configured = stack.value(address, check.attr)
        live = resource.attrs.get(check.attr)
        if configured is None or live is None or same(live, configured):
            continue
        if check.attr == "engine_version" and str(live).startswith(f"{configured}."):
            continue  # "16" in our config follows the live 16.x, as the provider does
        effect = check.effect
        if check.attr == "allocated_storage" and isinstance(configured, int) and configured < live:
            effect = Effect.REFUSED  # RDS storage never shrinks
        shown = "(a resource the plan creates)" if configured is _UNRESOLVED else configured
        keep = None
        if check.adopted == "security_group_descriptions":
            keep = Keep(check.adopted, Tier(stack.value(address, "tags.Tier")))
        elif check.adopted is not None:
            keep = Keep(check.adopted)
        fix = f"config/environments.py: {keep.setting}={live!r}" if keep else _fix(stack, address, check, live)
        differences.append(Difference(address, check.attr, live, shown, effect, fix, keep))
    return differences


def _fix(stack: Stack, address: str, check: FieldCheck, live: Any) -> str:
    if check.setting is None:
        return "no setting keeps it: adopt this resource by hand or accept a new one"
    tier = stack.value(address, "tags.Tier") or "public"
    setting = check.setting.format(tier=tier)
    if setting.endswith("_cidrs") or setting.endswith("availability_zones"):
        configured = stack.value(address, check.attr)
        return f'config/environments.py: in {setting}, use "{live}" in place of "{configured}"'
    enum = ENUM_SETTINGS.get(setting)
    if enum is not None and live in {m.value for m in enum}:
        return f"config/environments.py: {setting}={enum.__name__}.{enum(live).name}"
    return f"config/environments.py: {setting}={live!r}"
