"""What one environment's saved plan would do, read from ``terraform show -json``, and the stateful guard.

A plan is judged by Terraform resource type, never by construct path or logical id: addresses change
when components are refactored (with ``moved`` blocks), types do not. The JSON fields read here are
documented in Terraform's "JSON Output Format" (``resource_changes[].change.actions``,
``action_reason``, ``replace_paths``, ``previous_address``); nothing else of the plan is used.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any


class Action(StrEnum):
    """What a plan does to one resource instance, as the summary table counts it."""

    ADD = "add"
    CHANGE = "change"
    DESTROY = "destroy"
    REPLACE = "replace"


# Terraform's action lists (JSON Output Format, "Change Representation"). A replacement is one row,
# whichever order it runs in; no-op, read (data sources) and forget (a `removed` block with
# destroy = false, the object stays in AWS) change nothing in AWS and are not counted.
_ACTIONS: Mapping[tuple[str, ...], Action | None] = {
    ("create",): Action.ADD,
    ("update",): Action.CHANGE,
    ("delete",): Action.DESTROY,
    ("delete", "create"): Action.REPLACE,
    ("create", "delete"): Action.REPLACE,
    ("no-op",): None,
    ("read",): None,
    ("forget",): None,
}
LOSSES = frozenset({Action.DESTROY, Action.REPLACE})


class StatefulType(StrEnum):
    """Resource types whose destroy loses data or makes data unreadable (a key), by Terraform type."""

    DB_INSTANCE = "aws_db_instance"
    RDS_CLUSTER = "aws_rds_cluster"
    EFS_FILE_SYSTEM = "aws_efs_file_system"
    KMS_KEY = "aws_kms_key"
    S3_BUCKET = "aws_s3_bucket"
    LOG_GROUP = "aws_cloudwatch_log_group"
    ECR_REPOSITORY = "aws_ecr_repository"
    DYNAMODB_TABLE = "aws_dynamodb_table"
    SECRET = "aws_secretsmanager_secret"
    BACKUP_VAULT = "aws_backup_vault"

    @property
    def what(self) -> str:
        return _WHAT[self]


_WHAT: Mapping[StatefulType, str] = {
    StatefulType.DB_INSTANCE: "database",
    StatefulType.RDS_CLUSTER: "database cluster",
    StatefulType.EFS_FILE_SYSTEM: "file system",
    StatefulType.KMS_KEY: "encryption key (what it encrypted becomes unreadable)",
    StatefulType.S3_BUCKET: "bucket",
    StatefulType.LOG_GROUP: "log group (audit logs)",
    StatefulType.ECR_REPOSITORY: "image repository",
    StatefulType.DYNAMODB_TABLE: "table",
    StatefulType.SECRET: "secret",
    StatefulType.BACKUP_VAULT: "backup vault",
}
_STATEFUL = {t.value: t for t in StatefulType}


@dataclass(frozen=True, kw_only=True)
class ResourceChange:
    address: str
    type: str
    action: Action
    reason: str | None = None
    """Terraform's ``action_reason``, e.g. ``replace_because_cannot_update``."""
    forced_by: tuple[str, ...] = ()
    """Attributes whose change forces the replacement (``replace_paths``), e.g. ``db_name``."""

    @property
    def stateful(self) -> StatefulType | None:
        return _STATEFUL.get(self.type)


@dataclass(frozen=True, kw_only=True)
class PlanSummary:
    """One environment: its counted changes, or the error that stopped its plan."""

    environment: str
    changes: tuple[ResourceChange, ...] = ()
    moved: int = 0
    """Instances planned at a new address (``moved`` blocks): no destroy, counted apart."""
    error: str | None = None
    """The first error line when init or plan failed (then ``changes`` is empty and unknown)."""

    @property
    def failed(self) -> bool:
        return self.error is not None

    def count(self, action: Action) -> int:
        return Counter(c.action for c in self.changes)[action]

    @property
    def losses(self) -> tuple[ResourceChange, ...]:
        """Stateful resources this plan destroys or replaces."""
        return tuple(c for c in self.changes if c.action in LOSSES and c.stateful is not None)


class PlanFormatError(ValueError):
    pass


def _path(parts: Sequence[Any]) -> str:
    return ".".join(str(p) for p in parts)


def summarize(environment: str, plan: Mapping[str, Any]) -> PlanSummary:
    """Summarize a parsed ``terraform show -json`` plan."""
    if "format_version" not in plan:
        raise PlanFormatError(f"{environment}: not a `terraform show -json` plan (no format_version)")
    changes, moved = [], 0
    for entry in plan.get("resource_changes", []):
        raw = tuple(entry["change"]["actions"])
        if raw not in _ACTIONS:
            raise PlanFormatError(f"{environment}: {entry['address']}: unknown plan actions {list(raw)}")
        if entry.get("previous_address") not in (None, entry["address"]):
            moved += 1
        action = _ACTIONS[raw]
        if action is None or entry.get("mode", "managed") != "managed":
            continue
        forced = tuple(_path(p) for p in entry["change"].get("replace_paths") or ())
        changes.append(
            ResourceChange(
                address=entry["address"] + (" (deposed)" if entry.get("deposed") else ""),
                type=entry["type"],
                action=action,
                reason=entry.get("action_reason"),
                forced_by=forced,
            )
        )
    return PlanSummary(environment=environment, changes=tuple(changes), moved=moved)


def first_error_line(log: str) -> str:
    """The first ``Error:`` line of Terraform's output (box-drawing prefix removed), else the first line."""
    lines = [line.lstrip("│╷╵ ").strip() for line in log.splitlines()]
    lines = [line for line in lines if line]
    return next((line for line in lines if line.startswith("Error")), lines[0] if lines else "no output")


# Files of one environment's directory, written by `python -m tooling.pr_comment plan`.
PLAN_JSON = "plan.json"  # terraform show -json (sensitive values in clear: never uploaded)
PLAN_TEXT = "plan.txt"  # terraform show -no-color (sensitive values redacted: the artifact)
ERROR_LOG = "error.txt"  # init or plan output when either failed


def load(environment_dir: Path) -> PlanSummary:
    """The summary of one environment directory: its error log when there is one, else its plan JSON."""
    environment = environment_dir.name
    error_log = environment_dir / ERROR_LOG
    if error_log.exists():
        return PlanSummary(environment=environment, error=first_error_line(error_log.read_text()))
    plan_json = environment_dir / PLAN_JSON
    if not plan_json.exists():
        return PlanSummary(environment=environment, error=f"no {PLAN_JSON} and no {ERROR_LOG}: the plan did not run")
    try:
        return summarize(environment, json.loads(plan_json.read_text()))
    except (ValueError, KeyError, TypeError) as error:
        return PlanSummary(environment=environment, error=f"unreadable {PLAN_JSON}: {error}")
