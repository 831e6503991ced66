"""Nothing is open to the internet but the load balancer on 80/443, and the data tier is neither public
nor placed in a public subnet."""

from __future__ import annotations

import copy
from typing import Any

from config.naming import Kind, Namer
from tests.policy.resources import (
    as_list,
    first,
    policy_documents,
    refers_to,
    resource_classes,
    resources,
    statements,
    unregistered,
)

ANYWHERE = {"0.0.0.0/0", "::/0"}
PUBLIC_LISTENER_PORTS = {80, 443}
# Data-tier types and the argument naming where they are placed (a subnet group or a subnet).
DATABASES = ("aws_db_instance", "aws_rds_cluster", "aws_rds_cluster_instance")
IN_SUBNET = {"aws_efs_mount_target": "subnet_id"}
# Every type placed in the VPC or able to face the internet, and the check below that covers it.
PLACED: dict[str, str] = {
    "aws_db_instance": "DATABASES: publicly_accessible false, subnet group of private subnets",
    "aws_db_subnet_group": "DATABASES: no public subnet in it",
    "aws_efs_mount_target": "IN_SUBNET: no public subnet; its security group takes NFS from ECS only",
    "aws_lb": "the one internet-facing type: only its security group is open, on 80/443 (ingress_problems)",
    "aws_subnet": "public_subnets: only the public tier routes to the internet gateway",
    "aws_nat_gateway": "sits in a public subnet by design; takes no inbound connection",
    "aws_route_table_association": "public_subnets reads it to find what routes to the internet gateway",
    "aws_flow_log": "attached to the VPC, not placed in it",
    "aws_ecs_service": "assign_public_ip false, private subnets (tests/components/test_compute.py)",
    "aws_codebuild_project": "no vpc_config: builds run outside the VPC and reach only AWS APIs",
}
# Arguments only a type that is placed in a VPC or can face the internet has.
PLACEMENT_TELLTALES = frozenset(
    {
        "publicly_accessible",
        "internal",
        "associate_public_ip_address",
        "map_public_ip_on_launch",
        "vpc_security_group_ids",
        "security_group_ids",
        "security_groups",
        "subnet_ids",
        "subnet_id",
        "subnets",
        "subnet_group_name",
        "db_subnet_group_name",
        "network_configuration",
        "vpc_config",
        "vpc_configuration",
    }
)
PLACED_REGISTRY = "tests/policy/test_exposure.py PLACED"


def _open_rules(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(rule address, security group address, rule) of every ingress rule from 0.0.0.0/0 or ::/0."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    for group_type in ("aws_security_group", "aws_default_security_group"):
        for group in resources(doc, group_type):
            for rule in as_list(group.body.get("ingress") or []):
                found.append((group.address, group.address, rule))
    for rule in resources(doc, "aws_security_group_rule"):
        if rule.body.get("type") == "ingress":
            groups = refers_to(rule.body.get("security_group_id"), "aws_security_group")
            found.append((rule.address, groups[0] if groups else "?", rule.body))
    for rule in resources(doc, "aws_vpc_security_group_ingress_rule"):
        groups = refers_to(rule.body.get("security_group_id"), "aws_security_group")
        body = {**rule.body, "cidr_blocks": [rule.body.get("cidr_ipv4"), rule.body.get("cidr_ipv6")]}
        found.append((rule.address, groups[0] if groups else "?", body))
    return [
        (address, group, rule)
        for address, group, rule in found
        if ANYWHERE & {*(rule.get("cidr_blocks") or []), *(rule.get("ipv6_cidr_blocks") or [])}
    ]


def ingress_problems(doc: dict[str, Any], environment: str) -> list[str]:
    alb_group_name = Namer(environment).name(Kind.ALB_SG)
    alb_groups = {g.address for g in resources(doc, "aws_security_group") if g.body.get("name") == alb_group_name}
    problems = []
    for address, group, rule in _open_rules(doc):
        ports = (rule.get("from_port"), rule.get("to_port"))
        on_listener = ports[0] == ports[1] and ports[0] in PUBLIC_LISTENER_PORTS and rule.get("protocol") == "tcp"
        if group not in alb_groups or not on_listener:
            problems.append(
                f"{address}: ingress from the internet to {group} on ports {ports[0]}-{ports[1]}; only the ALB "
                f"security group ({alb_group_name}) may take it, on tcp 80 or 443"
            )
    return problems


def public_subnets(doc: dict[str, Any]) -> set[str]:
    """Subnets routed to an internet gateway, or launching instances with a public IP."""
    to_internet = {
        table
        for route in resources(doc, "aws_route")
        if refers_to(route.body.get("gateway_id"), "aws_internet_gateway")
        for table in refers_to(route.body.get("route_table_id"), "aws_route_table")
    }
    for table in resources(doc, "aws_route_table"):
        if any(refers_to(r.get("gateway_id"), "aws_internet_gateway") for r in as_list(table.body.get("route") or [])):
            to_internet.add(table.address)
    public = {
        subnet
        for association in resources(doc, "aws_route_table_association")
        if set(refers_to(association.body.get("route_table_id"), "aws_route_table")) & to_internet
        for subnet in refers_to(association.body.get("subnet_id"), "aws_subnet")
    }
    public |= {s.address for s in resources(doc, "aws_subnet") if s.body.get("map_public_ip_on_launch") is not False}
    return public


def data_tier_problems(doc: dict[str, Any]) -> list[str]:
    public = public_subnets(doc)
    groups = {g.address: g.body for g in resources(doc, "aws_db_subnet_group")}
    problems = []
    for tf_type in DATABASES:
        for db in resources(doc, tf_type):
            if tf_type != "aws_rds_cluster" and db.body.get("publicly_accessible") is not False:
                problems.append(f"{db.address}: publicly_accessible is {db.body.get('publicly_accessible')!r}")
            for group in refers_to(db.body.get("db_subnet_group_name"), "aws_db_subnet_group"):
                for subnet in sorted(set(refers_to(groups[group].get("subnet_ids"), "aws_subnet")) & public):
                    problems.append(f"{db.address}: subnet group {group} places it in public subnet {subnet}")
            if "db_subnet_group_name" not in db.body and tf_type != "aws_rds_cluster_instance":
                problems.append(f"{db.address}: no db_subnet_group_name, so RDS would use the default VPC")
    for tf_type, argument in IN_SUBNET.items():
        for placed in resources(doc, tf_type):
            for subnet in sorted(set(refers_to(placed.body.get(argument), "aws_subnet")) & public):
                problems.append(f"{placed.address}: {argument} places it in public subnet {subnet}")
    for bucket in resources(doc, "aws_s3_bucket"):
        blocks = [
            b.body
            for b in resources(doc, "aws_s3_bucket_public_access_block")
            if bucket.address in refers_to(b.body.get("bucket"), "aws_s3_bucket")
        ]
        flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
        if not any(all(b.get(f) is True for f in flags) for b in blocks):
            problems.append(f"{bucket.address}: no public access block with {', '.join(flags)} all true")
    for resource in resources(doc):
        for attribute, document in policy_documents(resource):
            for statement in statements(document):
                principal = statement.get("Principal")
                anyone = principal == "*" or "*" in as_list(first(principal).get("AWS", []))
                if statement.get("Effect") == "Allow" and anyone and not statement.get("Condition"):
                    problems.append(f"{resource.address}: {attribute} allows anyone ({statement.get('Sid', '')})")
    return problems


def test_only_the_load_balancer_is_open_to_the_internet(each_env: tuple, stack_docs: dict[str, Any]) -> None:
    config, _ = each_env
    doc = stack_docs[config.name]
    assert ingress_problems(doc, config.name) == []
    names = {g.address: g.body["name"] for g in resources(doc, "aws_security_group")}
    assert sorted((rule["from_port"], names[group]) for _, group, rule in _open_rules(doc)) == [
        (80, f"healthtech-alb-sg-{config.name}"),
        (443, f"healthtech-alb-sg-{config.name}"),
    ]


def test_data_tier_is_private(each_env: tuple, stack_docs: dict[str, Any]) -> None:
    config, _ = each_env
    doc = stack_docs[config.name]
    assert len(public_subnets(doc)) == len(config.network.public_subnet_cidrs)
    assert data_tier_problems(doc) == []


def test_planted_exposures_are_caught(stack_docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(stack_docs["dev"])
    rules = doc["resource"]["aws_security_group_rule"]
    (ecs_to_rds,) = (r for k, r in rules.items() if k.startswith("database_connections_ecs-to-rds-ingress"))
    ecs_to_rds.pop("source_security_group_id")
    ecs_to_rds["cidr_blocks"] = ["0.0.0.0/0"]
    (database,) = doc["resource"]["aws_db_instance"].values()
    database["publicly_accessible"] = True
    (group,) = doc["resource"]["aws_db_subnet_group"].values()
    public = sorted(public_subnets(doc))[0]
    group["subnet_ids"][0] = f"${{{public}.id}}"
    (policy,) = doc["resource"]["aws_efs_file_system_policy"].values()
    policy["policy"] = policy["policy"].replace('"Deny"', '"Allow"').replace('"Condition"', '"Unused"')
    assert len(ingress := ingress_problems(doc, "dev")) == 1 and "on ports 5432-5432" in ingress[0], ingress
    db_address = f"aws_db_instance.{next(iter(doc['resource']['aws_db_instance']))}"
    group_address = f"aws_db_subnet_group.{next(iter(doc['resource']['aws_db_subnet_group']))}"
    policy_address = f"aws_efs_file_system_policy.{next(iter(doc['resource']['aws_efs_file_system_policy']))}"
    assert data_tier_problems(doc) == [
        f"{db_address}: publicly_accessible is True",
        f"{db_address}: subnet group {group_address} places it in public subnet {public}",
        f"{policy_address}: policy allows anyone (DenyWithoutTls)",
    ]


def test_every_placed_or_internet_facing_type_is_registered(synths: dict) -> None:
    for synth in synths.values():
        assert unregistered(resource_classes(synth.stack), PLACEMENT_TELLTALES, PLACED, PLACED_REGISTRY) == []


def test_an_unregistered_placed_type_fails_closed() -> None:
    from cdktf_cdktf_provider_aws.elasticache_replication_group import ElasticacheReplicationGroup

    import components  # noqa: F401  (loads the provider bindings lazily)

    classes = {"aws_elasticache_replication_group": ElasticacheReplicationGroup}
    assert unregistered(classes, PLACEMENT_TELLTALES, PLACED, PLACED_REGISTRY) == [
        "aws_elasticache_replication_group has security_group_ids, subnet_group_name but is not registered in "
        f"{PLACED_REGISTRY}"
    ]
