"""Compliance annotations, declared in the component right beside the resource they explain.

checkov reads no inline skip comments in CDKTF's JSON (its upstream issue on CDKTF inline suppression
was closed unresolved), and a global ``--skip-check`` would hide the same finding on every resource.
So each exception is data on the resource itself: it is written into the resource's ``//`` comment
block of the synthesized JSON, which Terraform ignores, and read back from there by
``tooling.checkov_scan`` (to explain a finding on exactly that resource address) and by the policy
tests. The synthesized JSON an auditor reads therefore carries every exception and its reason.

Three kinds exist:

* ``suppress(resource, check_id, reason)``: a checkov check that fails on this resource by design.
* ``allow_any_resource(policy_holder, sid, reason)``: an IAM statement (by ``Sid``) whose
  ``Resource`` is ``"*"`` because the actions have no resource-level permissions.
* ``explain_lint(policy_holder, sid, issue, reason)``: a parliament finding (``tooling.iam_lint``) on
  the statement ``sid`` that is deliberate. An ``allow_any_resource`` reason never explains one: where
  parliament reports RESOURCE_STAR, its database says some of the actions do take resources, so the
  statement needs a reason for those, naming their services.

Only the writing side touches CDKTF; the reading side works on plain JSON, so the scanner can run on
a ``cdktf.out`` directory without loading the provider bindings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cdktf import TerraformResource

COMMENT = "//"
"""Terraform JSON ignores this key in every block; cdktf already keeps its construct metadata there."""
ANNOTATIONS = "compliance"
CHECKOV_SKIP = "checkov_skip"
ANY_RESOURCE = "any_resource"
IAM_LINT = "iam_lint"
LINT_ISSUE = re.compile(r"^[A-Z][A-Z_]*[A-Z]$")  # parliament's issue names, e.g. RESOURCE_STAR
CHECK_ID = re.compile(r"^CKV2?_AWS_\d+$")
SID = re.compile(r"^[A-Za-z0-9]+$")  # what IAM accepts in a statement id
MIN_REASON_WORDS = 4  # "by design" is not a reason; say what covers the risk instead
ONE_YEAR_DAYS = 365


@dataclass(frozen=True)
class Suppression:
    """A checkov check that is expected to fail on one resource, and why that is acceptable."""

    address: str
    """Terraform address, e.g. ``aws_db_instance.database_instance_D7FC2283``."""
    check_id: str
    reason: str


def _require_reason(reason: str, what: str) -> None:
    if len(reason.split()) < MIN_REASON_WORDS:
        raise ValueError(f"{what}: reason {reason!r} must explain the exception in at least {MIN_REASON_WORDS} words")


def suppress(resource: TerraformResource, check_id: str, reason: str) -> None:
    """Record that checkov's ``check_id`` fails on ``resource`` by design, for ``reason``."""
    if not CHECK_ID.match(check_id):
        raise ValueError(f"suppression: check id {check_id!r} must look like CKV_AWS_123 or CKV2_AWS_5")
    _require_reason(reason, f"suppression of {check_id}")
    resource.add_override(f"{COMMENT}.{ANNOTATIONS}.{CHECKOV_SKIP}.{check_id}", reason)


def allow_any_resource(policy_holder: TerraformResource, sid: str, reason: str) -> None:
    """Record why the statement ``sid`` of ``policy_holder``'s policy uses ``"Resource": "*"``."""
    if not SID.match(sid):
        raise ValueError(f"any-resource statement: Sid {sid!r} must be letters and digits only (IAM's rule)")
    _require_reason(reason, f"any-resource statement {sid}")
    policy_holder.add_override(f"{COMMENT}.{ANNOTATIONS}.{ANY_RESOURCE}.{sid}", reason)


def explain_lint(policy_holder: TerraformResource, sid: str, issue: str, reason: str) -> None:
    """Record why parliament's finding ``issue`` on the statement ``sid`` of ``policy_holder``'s policy is
    deliberate (``tooling.iam_lint`` fails on the finding without it, and on it without the finding)."""
    if not SID.match(sid):
        raise ValueError(f"lint explanation: Sid {sid!r} must be letters and digits only (IAM's rule)")
    if not LINT_ISSUE.match(issue):
        raise ValueError(f"lint explanation of {sid}: issue {issue!r} must be a parliament issue such as RESOURCE_STAR")
    _require_reason(reason, f"lint explanation of {issue} on {sid}")
    policy_holder.add_override(f"{COMMENT}.{ANNOTATIONS}.{IAM_LINT}.{sid}.{issue}", reason)


def suppress_short_retention(log_group: TerraformResource, days: int) -> None:
    """Explain CKV_AWS_338 (logs kept under a year) where the environment's retention setting is shorter.

    Only non-production environments set less than a year (config/environments.py); prod keeps 2192 days,
    the six years HIPAA 164.316(b)(2) asks for. Nothing is recorded when the check would pass, so a
    stale suppression cannot appear.
    """
    if days < ONE_YEAR_DAYS:
        suppress(
            log_group,
            "CKV_AWS_338",
            f"retention is this environment's observability.log_retention_days ({days} days), set short for a "
            "non-production environment; prod keeps 2192 days (HIPAA 164.316(b)(2))",
        )


# ---- reading side: plain JSON of one synthesized stack ----------------------------------------------


def blocks(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(address, body) of every resource and data source of a synthesized stack."""
    for kind, prefix in (("resource", ""), ("data", "data.")):
        for tf_type, by_id in sorted(doc.get(kind, {}).items()):
            for logical_id, body in sorted(by_id.items()):
                yield f"{prefix}{tf_type}.{logical_id}", body


def policy_documents_of(body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(argument, parsed document) of every IAM policy JSON one resource body holds in a top-level string."""
    for argument, value in sorted(body.items()):
        if isinstance(value, str) and value.lstrip().startswith("{"):
            try:
                document = json.loads(value)
            except json.JSONDecodeError:
                continue
            if isinstance(document, dict) and "Statement" in document:
                yield argument, document


def annotations_of(body: dict[str, Any], kind: str) -> dict[str, str]:
    """The ``checkov_skip`` or ``any_resource`` annotations of one resource body: key -> reason."""
    found = body.get(COMMENT, {}).get(ANNOTATIONS, {}).get(kind, {})
    return {str(k): str(v) for k, v in found.items()}


def lint_explanations(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(Sid, issue, reason) of every :func:`explain_lint` annotation of one resource body."""
    found = body.get(COMMENT, {}).get(ANNOTATIONS, {}).get(IAM_LINT, {})
    return [
        (str(sid), str(issue), str(reason)) for sid, by_issue in found.items() for issue, reason in by_issue.items()
    ]


def suppressions(doc: dict[str, Any]) -> list[Suppression]:
    """Every suppression declared in one synthesized stack, sorted by address and check."""
    return [
        Suppression(address=address, check_id=check_id, reason=reason)
        for address, body in blocks(doc)
        for check_id, reason in sorted(annotations_of(body, CHECKOV_SKIP).items())
    ]
