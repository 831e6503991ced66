"""IAM documents as typed statements, rendered to JSON in one place, and the role and grant helpers.

A :class:`Statement` is frozen data; ``policy_document`` is the only code that writes the JSON, in the
key order AWS documents (Sid, Effect, Principal, Action, Resource, Condition). A one-element action or
resource stays a plain string, as AWS accepts and as the previous documents were written.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from components.aws_context import AwsContext


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True, kw_only=True)
class Statement:
    """One IAM policy statement. ``actions``/``resources`` given as a str render as a JSON string,
    as a sequence as a JSON list."""

    actions: str | Sequence[str]
    resources: str | Sequence[str] | None
    """None only in a trust policy, whose resource is the role itself."""
    effect: Effect = Effect.ALLOW
    sid: str | None = None
    principal: dict[str, Any] | None = None
    """``{"Service": ...}`` or ``{"AWS": ...}``, for resource and key policies only."""
    condition: dict[str, Any] | None = None
    not_actions: bool = False
    """Render ``actions`` as ``NotAction``: every action but those (a permissions boundary's ceiling)."""
    not_resources: bool = False
    """Render ``resources`` as ``NotResource``: every resource but those (a Deny of all but one's own)."""

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.sid is not None:
            out["Sid"] = self.sid
        out["Effect"] = self.effect.value
        if self.principal is not None:
            out["Principal"] = self.principal
        out["NotAction" if self.not_actions else "Action"] = _json_value(self.actions)
        if self.resources is not None:
            out["NotResource" if self.not_resources else "Resource"] = _json_value(self.resources)
        if self.condition is not None:
            out["Condition"] = self.condition
        return out


def _json_value(value: str | Sequence[str]) -> str | list[str]:
    return value if isinstance(value, str) else list(value)


def policy_document(*statements: Statement) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [s.render() for s in statements]})


def service_role(
    scope: Construct,
    id: str,
    *,
    name: str,
    service: str,
    aws: AwsContext,
    description: str,
    source_arn: str | None = None,
) -> IamRole:
    """A role only ``service`` (e.g. ``ecs-tasks.amazonaws.com``) of this account can assume."""
    condition: dict[str, Any] = {"StringEquals": {"aws:SourceAccount": aws.account_id}}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return IamRole(
        scope,
        id,
        name=name,
        description=description,
        # The environment's ceiling (components/ci_boundary.boundary_statements): its deploy role can make
        # no role without it, so none of the environment's roles can reach further than the environment.
        permissions_boundary=aws.permissions_boundary,
        assume_role_policy=policy_document(
            Statement(
                principal={"Service": service},
                actions="sts:AssumeRole",
                resources=None,
                # Confused-deputy guard: the service may assume the role only on this account's behalf.
                condition=condition,
            )
        ),
    )


# Inline policies granted so far, by role object (read by policies_of); weak, so a finished app's
# roles (tests build many) leave nothing behind.
_GRANTED: weakref.WeakKeyDictionary[IamRole, list[IamRolePolicy]] = weakref.WeakKeyDictionary()


def grant(scope: Construct, id: str, *, role: IamRole, name: str, statements: Sequence[Statement]) -> IamRolePolicy:
    """Attach ``statements`` to ``role`` as one inline policy named ``name``."""
    policy = IamRolePolicy(scope, id, role=role.id, name=name, policy=policy_document(*statements))
    _GRANTED.setdefault(role, []).append(policy)
    return policy


def policies_of(role: IamRole) -> list[IamRolePolicy]:
    """The inline policies :func:`grant` has attached to ``role`` so far, so a resource that needs them
    in place when it is created (e.g. an ECS service and its execution role) can depend on them."""
    return list(_GRANTED.get(role, []))
