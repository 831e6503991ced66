"""Every IAM policy statement that grants on ``"Resource": "*"`` carries a reason declared in code.

Rule for key policies: a KMS key policy is attached to one key, and there ``"Resource": "*"`` means
"this key" (AWS KMS developer guide, key policies), so statements of ``aws_kms_key.policy`` and
``aws_kms_key_policy.policy`` need no reason; they must still name a principal other than ``*``.
Everywhere else the statement needs a ``Sid`` and ``components.compliance.allow_any_resource`` on the
resource holding the policy, which records the reason next to it in the synthesized JSON.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from components.compliance import ANNOTATIONS, ANY_RESOURCE, COMMENT, annotations_of
from config.naming import KEY_PURPOSES
from tests.policy.resources import as_list, first, policy_documents, resources, statements

KEY_POLICY_TYPES = {"aws_kms_key", "aws_kms_key_policy"}
# Arguments named like a policy that are not IAM policy documents, and what they are instead.
NOT_PERMISSIONS: dict[tuple[str, str], str] = {
    ("aws_ecr_lifecycle_policy", "policy"): "image expiry rules",
    ("aws_lb_listener", "ssl_policy"): "the name of an ELB TLS policy",
}


def wildcard_problems(doc: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for resource in resources(doc):
        reasons = annotations_of({COMMENT: resource.comment}, ANY_RESOURCE)
        documents = dict(policy_documents(resource))
        for attribute, value in sorted(resource.body.items()):
            is_policy = attribute == "policy" or attribute.endswith("_policy")
            if (resource.tf_type, attribute) in NOT_PERMISSIONS:
                continue
            if is_policy and isinstance(value, str) and attribute not in documents and value.strip():
                problems.append(f"{resource.address}: {attribute} is not a JSON policy document the test can read")
        for attribute, document in documents.items():
            for statement in statements(document):
                targets = as_list(statement.get("Resource", [])) + as_list(statement.get("NotResource", []))
                if "*" not in targets:
                    continue
                if resource.tf_type in KEY_POLICY_TYPES:
                    principal = statement.get("Principal")
                    if principal == "*" or "*" in as_list(first(principal).get("AWS", [])):
                        problems.append(f"{resource.address}: key policy statement gives the key to any principal")
                    continue
                sid = statement.get("Sid")
                if not sid or not reasons.get(sid, "").strip():
                    problems.append(
                        f"{resource.address}: {attribute} statement {sid or '(no Sid)'} grants on Resource '*' without "
                        "a reason; give it a Sid and call components.compliance.allow_any_resource"
                    )
    for data in doc.get("data", {}).get("aws_iam_policy_document", {}):
        problems.append(f"data.aws_iam_policy_document.{data}: build policies with components.iam.policy_document")
    return problems


def test_every_any_resource_statement_has_a_reason(each_env: tuple, stack_docs: dict[str, Any]) -> None:
    config, _ = each_env
    doc = stack_docs[config.name]
    assert wildcard_problems(doc) == []
    key_policies = [d for r in resources(doc, "aws_kms_key") for _, d in policy_documents(r)]
    assert len(key_policies) == len(KEY_PURPOSES)  # the key policies were inspected, not skipped


def _flow_log_policy(doc: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    (logical_id,) = (k for k in doc["resource"]["aws_iam_role_policy"] if k.startswith("network_flow-logs-policy"))
    return f"aws_iam_role_policy.{logical_id}", doc["resource"]["aws_iam_role_policy"][logical_id]


def test_planted_any_resource_statement_needs_a_reason(stack_docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(stack_docs["dev"])
    address, policy = _flow_log_policy(doc)
    document = json.loads(policy["policy"])
    document["Statement"].append({"Sid": "Describe", "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})
    policy["policy"] = json.dumps(document)
    assert wildcard_problems(doc) == [
        f"{address}: policy statement Describe grants on Resource '*' without a reason; give it a Sid and call "
        "components.compliance.allow_any_resource"
    ]
    reasons = policy[COMMENT][ANNOTATIONS][ANY_RESOURCE]  # the policy's own FindLogGroups reason is kept
    reasons["Describe"] = "  "
    assert len(wildcard_problems(doc)) == 1
    reasons["Describe"] = "ec2 Describe calls have no resource-level permissions"
    assert wildcard_problems(doc) == []


def test_key_policies_may_use_star_for_the_key_but_not_for_the_principal(stack_docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(stack_docs["dev"])
    key = next(iter(doc["resource"]["aws_kms_key"].values()))
    document = json.loads(key["policy"])
    document["Statement"][0]["Principal"] = {"AWS": "*"}
    key["policy"] = json.dumps(document)
    problems = wildcard_problems(doc)
    assert len(problems) == 1 and "key policy statement gives the key to any principal" in problems[0]


def test_unreadable_policies_are_reported(stack_docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(stack_docs["dev"])
    address, policy = _flow_log_policy(doc)
    policy["policy"] = "${jsonencode(local.policy)}"
    assert wildcard_problems(doc) == [f"{address}: policy is not a JSON policy document the test can read"]
