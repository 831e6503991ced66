"""The previous layout (main at 687b424, before components owned their security groups), how a
synthesized stack maps back onto it through its ``moved`` blocks, and the deliberate changes since
(:data:`INTENDED`).

``previous_layout/{env}.tf.json`` is that layout's real-AWS JSON (cdktf's path metadata removed, the
compliance annotations kept); ``dev.local.tf.json`` is its local-endpoint dev stack with the endpoint
as a placeholder (and the domain the integration tests give dev), which the upgrade test deploys
before applying today's code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.compliance import COMMENT

PREVIOUS_LAYOUT = Path(__file__).resolve().parent / "previous_layout"
ENDPOINT_PLACEHOLDER = "@ENDPOINT@"
_METADATA = "metadata"


def without_metadata(value: Any) -> Any:
    """``value`` without cdktf's ``//.metadata`` (construct paths), keeping the compliance annotations."""
    if isinstance(value, list):
        return [without_metadata(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == COMMENT:
            item = {k: v for k, v in item.items() if k != _METADATA}
            if not item:
                continue
        out[key] = without_metadata(item)
    return out


# What the release path (issue 13) changed on purpose since the previous layout, by construct path: a new
# resource, or one updated in place; the upgrade plan (tests/integration/test_upgrade.py) replaces none.
RELEASE_PATH_CHANGES: dict[str, tuple[str, str]] = {
    "compute/scalable-target": ("changed", "created at min 0, minimum ignored: a deployed one keeps its own"),
    "compute/service": ("changed", "created at 0 tasks, desired_count ignored (as before): no change"),
    "delivery/build": ("changed", "the buildspec skips the build and push of a tag that is already there"),
    "delivery/pipeline": (
        "changed",
        "Deploy is the release project; it depends on the seeded source and its roles' policies",
    ),
    "delivery/pipeline-role": ("changed", "its description: it no longer deploys to ECS itself"),
    "delivery/pipeline-policy": ("changed", "no ECS or PassRole; starts the release project"),
    "registry/push-images-build-role": ("changed", "ecr:DescribeImages, to find an existing tag"),
    "delivery/release/log-group": ("added", "the release project's logs"),
    "delivery/release/project": ("added", "the release project (delivery/release.py)"),
    "delivery/release/role": ("added", "its role"),
    "delivery/release/policy": ("added", "its policy: its logs, its input artifact"),
    "compute/deploy-role": ("added", "its ECS permissions, granted by Compute.grant_deploy"),
    "delivery/source-seed": ("added", "the reference application as the first source archive"),
}


def release_path_addresses(doc: dict[str, Any], state: str) -> list[str]:
    """Addresses in ``doc`` of the RELEASE_PATH_CHANGES entries in ``state`` (``added`` or ``changed``)."""
    prefixes = {path.replace("/", "_") for path, (s, _) in RELEASE_PATH_CHANGES.items() if s == state}
    return sorted(
        f"{tf_type}.{logical_id}"
        for tf_type, by_id in doc.get("resource", {}).items()
        for logical_id in by_id
        if logical_id.rsplit("_", 1)[0] in prefixes
    )


def previous(environment: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PREVIOUS_LAYOUT / f"{environment}.tf.json").read_text())
    return loaded


def previous_local_dev(endpoint: str) -> str:
    """The previous layout's local dev stack (with the integration tests' domain), pointed at ``endpoint``."""
    return (PREVIOUS_LAYOUT / "dev.local.tf.json").read_text().replace(ENDPOINT_PLACEHOLDER, endpoint)


def moves(doc: dict[str, Any]) -> dict[str, str]:
    """New address -> previous address, from the stack's ``moved`` blocks."""
    return {str(m["to"]): str(m["from"]) for m in doc.get("moved", [])}


def in_previous_layout(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with every moved resource put back at its previous address, references included."""
    mapping = moves(doc)
    body = {k: v for k, v in without_metadata(doc).items() if k not in ("moved", COMMENT)}
    text = json.dumps(body)
    for new, old in mapping.items():
        # An address as a whole token: inside ${...}, in depends_on, never a prefix of a longer id.
        text = re.sub(rf"(?<![A-Za-z0-9_.-]){re.escape(new)}(?![A-Za-z0-9_-])", old, text)
    out: dict[str, Any] = json.loads(text)
    for new, old in mapping.items():
        tf_type, new_id = new.split(".", 1)
        old_type, old_id = old.split(".", 1)
        assert tf_type == old_type, f"moved block changes the type: {old} -> {new}"
        by_id = out["resource"][tf_type]
        by_id[old_id] = by_id.pop(new_id)
    return out


def _state(now: Any, before: Any) -> str:
    if before is None:
        return "added"
    if now is None:
        return "removed"
    if isinstance(now, dict) and isinstance(before, dict):
        changed = sorted(k for k in {*now, *before} if now.get(k) != before.get(k))
        return f"changed ({', '.join(changed)})"
    return "changed"


def differences(doc: dict[str, Any], environment: str) -> list[str]:
    """What differs between ``doc`` (mapped back) and the previous layout, one line per address (and per
    output), naming the attributes that changed."""
    # The top-level comment only indexes the outputs, which are compared themselves.
    now = in_previous_layout(doc)
    before = {k: v for k, v in previous(environment).items() if k != COMMENT}
    found: list[str] = []
    for section in sorted({*now, *before}):
        a, b = now.get(section, {}), before.get(section, {})
        if section == "output":
            names = sorted(name for name in {*a, *b} if a.get(name) != b.get(name))
            found.extend(f"output {name}: {_state(a.get(name), b.get(name))}" for name in names)
            continue
        if section not in ("resource", "data"):
            if a != b:
                found.append(f"{section}: differs")
            continue
        for tf_type in sorted({*a, *b}):
            for logical_id in sorted({*a.get(tf_type, {}), *b.get(tf_type, {})}):
                x, y = a.get(tf_type, {}).get(logical_id), b.get(tf_type, {}).get(logical_id)
                if x != y:
                    found.append(f"{section} {tf_type}.{logical_id}: {_state(x, y)}")
    return found


@dataclass(frozen=True)
class Intended:
    """A deliberate change since the previous layout: what ``differences`` reports for it, the actions
    Terraform plans for it over a state deployed from that layout (empty: no-op), and why."""

    difference: str
    plan: tuple[str, ...]
    why: str


# Deliberate changes to what is deployed since the previous layout, each by address. Everything else must
# still equal it: a change not listed here fails tests/stacks/test_previous_layout.py, and a plan action
# not listed here fails tests/integration/test_upgrade.py. Never a database, role or task definition
# address of the previous layout changes (that would be a destroy and a create).
_MIGRATE_TASK = "aws_ecs_task_definition.compute_migrate-task_07DD058C"
_APP_TASK = "aws_ecs_task_definition.compute_task_EC0E96B6"
_MIGRATE_ROLE = "aws_iam_role.identity_migrate-role_507420DF"
_CONNECT = "aws_iam_role_policy.database_connect-task-role_58A77A8C"
_EXECUTION_READS_SECRET = "aws_iam_role_policy.database_read-secret-execution-role_FA9945C0"
_MIGRATE_READS_SECRET = "aws_iam_role_policy.database_read-secret-migrate-role_6A6AC919"
_SERVICE = "aws_ecs_service.compute_service_6517EA38"
_FILE_SYSTEM_POLICY = "aws_efs_file_system_policy.file-storage_policy_34768A61"
_MOUNTS = "aws_iam_role_policy.file-storage_client-task-role_A145F188"
_FLOW_LOGS = "aws_iam_role_policy.network_flow-logs-policy_C5B6AD10"
INTENDED: dict[str, Intended] = {
    # Issue 13: the application logs in as its own user with IAM database authentication.
    _APP_TASK: Intended(
        f"resource {_APP_TASK}: changed (container_definitions)",
        ("delete", "create"),
        "IAM database auth: PORT, DB_USER, AWS_REGION, HEALTH_PATH in, the master secret out, python health "
        "check; a task definition revision is immutable, so Terraform registers a new one (same family)",
    ),
    _SERVICE: Intended(
        f"resource {_SERVICE}: changed (depends_on)",
        (),
        "it no longer waits for the execution role's secret policy, which is gone; depends_on is not state",
    ),
    _EXECUTION_READS_SECRET: Intended(
        f"resource {_EXECUTION_READS_SECRET}: removed",
        ("delete",),
        "no container gets the master secret through `secrets` any more",
    ),
    _CONNECT: Intended(f"resource {_CONNECT}: added", ("create",), "the task role may rds-db:connect as the app user"),
    _MIGRATE_ROLE: Intended(f"resource {_MIGRATE_ROLE}: added", ("create",), "the migration task's own role"),
    _MIGRATE_READS_SECRET: Intended(
        f"resource {_MIGRATE_READS_SECRET}: added",
        ("create",),
        "the migration role, the only reader of the master secret",
    ),
    _MIGRATE_TASK: Intended(
        f"resource {_MIGRATE_TASK}: added", ("create",), "python -m app.migrate, run once per release"
    ),
    "ECSMigrationTaskDefinitionFamily": Intended(
        "output ECSMigrationTaskDefinitionFamily: added", (), "the release step runs it by family"
    ),
    "RDSAppUsername": Intended("output RDSAppUsername: added", (), "the user the application logs in as"),
    # Issue 23, what the IAM lint (tooling/iam_lint.py) found: each policy updated in place.
    _FILE_SYSTEM_POLICY: Intended(
        f"resource {_FILE_SYSTEM_POLICY}: changed (policy)",
        ("update",),
        "ArnEquals for elasticfilesystem:AccessPointArn, an ARN-typed key (was StringEquals)",
    ),
    _MOUNTS: Intended(
        f"resource {_MOUNTS}: changed (policy)",
        ("update",),
        "ArnEquals for elasticfilesystem:AccessPointArn, an ARN-typed key (was StringEquals)",
    ),
    _FLOW_LOGS: Intended(
        f"resource {_FLOW_LOGS}: changed (//, policy)",
        ("update",),
        "logs:DescribeLogGroups, which takes only *, in its own statement on * (its reason in the // comment)",
    ),
}


# Issue 23, by resource type: the attribute every resource of that type in the previous layout changes,
# in place: each role takes its environment's permissions boundary (PutRolePermissionsBoundary), each
# key's policy names the deploy role and lists its administrative actions (PutKeyPolicy). A key's ``//``
# comment also holds its IAM lint annotation now, which Terraform ignores.
DEPLOY_PATH_CHANGES: dict[str, str] = {"aws_iam_role": "permissions_boundary", "aws_kms_key": "//, policy"}


def deploy_path_changes(environment: str) -> dict[str, str]:
    """Address -> what ``differences`` reports for it, for every resource :data:`DEPLOY_PATH_CHANGES` covers."""
    resources = previous(environment)["resource"]
    return {
        f"{tf_type}.{logical_id}": f"resource {tf_type}.{logical_id}: changed ({attribute})"
        for tf_type, attribute in DEPLOY_PATH_CHANGES.items()
        for logical_id in sorted(resources.get(tf_type, {}))
    }


def intended_differences() -> list[str]:
    """The lines ``differences`` reports for :data:`INTENDED`, in its order."""
    return sorted(i.difference for i in INTENDED.values())


def intended_plan() -> dict[str, list[str]]:
    """Address -> the actions Terraform plans over the previous layout's state, for every resource it touches."""
    return {address: list(i.plan) for address, i in INTENDED.items() if i.plan}
