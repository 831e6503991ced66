"""Compliance annotations land in the resource's ``//`` comment, and only well-formed ones are accepted."""

from __future__ import annotations

from typing import Any

import cdktf
import pytest
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.provider import AwsProvider

from components.compliance import (
    Suppression,
    allow_any_resource,
    explain_lint,
    lint_explanations,
    suppress,
    suppress_short_retention,
    suppressions,
)

REASON = "covered by the load balancer redirect"


def _stack() -> tuple[cdktf.TerraformStack, CloudwatchLogGroup]:
    stack = cdktf.TerraformStack(cdktf.App(), "test")
    AwsProvider(stack, "aws", region="eu-south-1")
    return stack, CloudwatchLogGroup(stack, "group", name="/healthtech/dev/x")


def _doc(stack: cdktf.TerraformStack) -> dict[str, Any]:
    doc: dict[str, Any] = stack.to_terraform()
    return doc


def test_suppression_is_written_beside_the_resource_and_read_back() -> None:
    stack, group = _stack()
    suppress(group, "CKV_AWS_338", REASON)
    allow_any_resource(group, "DescribeAll", "describe calls have no resource-level permissions")
    comment = _doc(stack)["resource"]["aws_cloudwatch_log_group"]["group"]["//"]
    assert comment["compliance"] == {
        "checkov_skip": {"CKV_AWS_338": REASON},
        "any_resource": {"DescribeAll": "describe calls have no resource-level permissions"},
    }
    assert comment["metadata"]["path"] == "test/group"  # cdktf's own metadata is kept
    assert suppressions(_doc(stack)) == [Suppression("aws_cloudwatch_log_group.group", "CKV_AWS_338", REASON)]


@pytest.mark.parametrize(
    ("check_id", "reason", "message"),
    [
        ("CKV_AWS_338", "", "must explain the exception in at least 4 words"),
        ("CKV_AWS_338", "by design", "must explain the exception in at least 4 words"),
        ("338", REASON, "check id '338' must look like CKV_AWS_123"),
    ],
)
def test_malformed_suppression_is_refused(check_id: str, reason: str, message: str) -> None:
    _, group = _stack()
    with pytest.raises(ValueError, match=message):
        suppress(group, check_id, reason)


def test_any_resource_reason_needs_an_iam_sid() -> None:
    _, group = _stack()
    with pytest.raises(ValueError, match="Sid 'ecr-auth' must be letters and digits only"):
        allow_any_resource(group, "ecr-auth", REASON)


@pytest.mark.parametrize(("days", "suppressed"), [(30, True), (364, True), (365, False), (2192, False)])
def test_short_retention_is_explained_only_below_a_year(days: int, suppressed: bool) -> None:
    stack, group = _stack()
    suppress_short_retention(group, days)
    found = suppressions(_doc(stack))
    assert [s.check_id for s in found] == (["CKV_AWS_338"] if suppressed else [])
    assert all(f"({days} days)" in s.reason for s in found)


def test_lint_explanation_is_written_beside_the_policy_and_read_back() -> None:
    stack, group = _stack()
    explain_lint(group, "UnscopedActions", "RESOURCE_STAR", "scalable target ARNs hold a generated id")
    explain_lint(group, "UnscopedActions", "RESOURCE_MISMATCH", "the alias half comes from IAM")
    body = _doc(stack)["resource"]["aws_cloudwatch_log_group"]["group"]
    assert body["//"]["compliance"]["iam_lint"] == {
        "UnscopedActions": {
            "RESOURCE_STAR": "scalable target ARNs hold a generated id",
            "RESOURCE_MISMATCH": "the alias half comes from IAM",
        }
    }
    assert sorted(lint_explanations(body)) == [
        ("UnscopedActions", "RESOURCE_MISMATCH", "the alias half comes from IAM"),
        ("UnscopedActions", "RESOURCE_STAR", "scalable target ARNs hold a generated id"),
    ]
