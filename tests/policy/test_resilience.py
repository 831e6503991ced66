"""Production keeps its stateful resources protected from deletion and spread over Availability Zones."""

from __future__ import annotations

import copy
from typing import Any

from tests.policy.resources import resources

# type -> arguments that must be true in prod
PROD_REQUIRES: dict[str, tuple[str, ...]] = {
    "aws_db_instance": ("deletion_protection", "multi_az"),
    "aws_rds_cluster": ("deletion_protection",),
    "aws_lb": ("enable_deletion_protection",),
}


def prod_problems(doc: dict[str, Any]) -> list[str]:
    problems = [
        f"{resource.address}: {argument} is {resource.body.get(argument)!r}; prod requires true"
        for tf_type, arguments in PROD_REQUIRES.items()
        for resource in resources(doc, tf_type)
        for argument in arguments
        if resource.body.get(argument) is not True
    ]
    nat_gateways = list(resources(doc, "aws_nat_gateway"))
    public_subnets = [s for s in resources(doc, "aws_subnet") if s.body.get("tags", {}).get("Tier") == "public"]
    if len(nat_gateways) < len(public_subnets):
        problems.append(f"{len(nat_gateways)} NAT gateway(s) for {len(public_subnets)} AZs; prod needs one per AZ")
    return problems


def test_prod_is_protected_and_multi_az(stack_docs: dict[str, Any]) -> None:
    doc = stack_docs["prod"]
    assert prod_problems(doc) == []
    (database,) = doc["resource"]["aws_db_instance"].values()
    assert (database["deletion_protection"], database["multi_az"], database["skip_final_snapshot"]) == (
        True,
        True,
        False,
    )


def test_dev_differs_only_where_its_settings_say(stack_docs: dict[str, Any]) -> None:
    problems = prod_problems(stack_docs["dev"])
    assert [p.split(": ", 1)[-1] for p in problems] == [
        "deletion_protection is False; prod requires true",
        "multi_az is False; prod requires true",
        "enable_deletion_protection is False; prod requires true",
        "1 NAT gateway(s) for 2 AZs; prod needs one per AZ",
    ]


def test_planted_unprotected_load_balancer_is_caught(stack_docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(stack_docs["prod"])
    doc["resource"]["aws_lb"] = {"alb": {"name": "healthtech-alb-prod", "internal": False}}
    assert prod_problems(doc) == ["aws_lb.alb: enable_deletion_protection is None; prod requires true"]
