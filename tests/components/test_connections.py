"""Each reachable component owns its security group; the stack's allow_from edges are SG to SG, on the
owner's port, and the only CIDR rules are the load balancer's listeners and the tasks' HTTPS egress."""

from __future__ import annotations

GROUPS = {
    "alb": "load-balancer/connections/security-group",
    "ecs": "compute/connections/security-group",
    "rds": "database/connections/security-group",
    "efs": "file-storage/connections/security-group",
}


def test_each_group_keeps_its_tier_name_and_tag(each_env: tuple) -> None:
    config, synth = each_env
    for tier, path in GROUPS.items():
        group = synth.by_path(path)
        assert (group["name"], group["tags"]["Tier"]) == (f"healthtech-{tier}-sg-{config.name}", tier)


def test_tasks_reach_the_internet_on_https_only(each_env: tuple) -> None:
    _, synth = each_env
    open_egress = [
        r for r in synth.resources("aws_security_group_rule").values() if r["type"] == "egress" and "cidr_blocks" in r
    ]
    assert [(r["security_group_id"], r["from_port"], r["cidr_blocks"]) for r in open_egress] == [
        (synth.ref(GROUPS["ecs"]), 443, ["0.0.0.0/0"])
    ]


def test_only_the_alb_takes_traffic_from_the_internet_on_80_and_443(each_env: tuple) -> None:
    _, synth = each_env
    alb_sg = synth.ref(GROUPS["alb"])
    open_ingress = [
        r for r in synth.resources("aws_security_group_rule").values() if r["type"] == "ingress" and "cidr_blocks" in r
    ]
    assert sorted((r["security_group_id"], r["from_port"], r["to_port"]) for r in open_ingress) == [
        (alb_sg, 80, 80),
        (alb_sg, 443, 443),
    ]


def test_tiers_are_connected_sg_to_sg_on_their_ports_only(each_env: tuple) -> None:
    config, synth = each_env
    sg = {tier: synth.ref(path) for tier, path in GROUPS.items()}
    sg_rules = {
        (r["type"], r["security_group_id"], r["source_security_group_id"], r["from_port"], r["to_port"])
        for r in synth.resources("aws_security_group_rule").values()
        if "source_security_group_id" in r
    }
    port = config.network.app_port
    assert sg_rules == {
        ("ingress", sg["ecs"], sg["alb"], port, port),
        ("egress", sg["alb"], sg["ecs"], port, port),
        ("ingress", sg["rds"], sg["ecs"], 5432, 5432),
        ("egress", sg["ecs"], sg["rds"], 5432, 5432),
        ("ingress", sg["efs"], sg["ecs"], 2049, 2049),
        ("egress", sg["ecs"], sg["efs"], 2049, 2049),
    }
    # The data tier never talks out: no egress rule on the RDS or EFS groups.
    egress_sources = {
        r["security_group_id"] for r in synth.resources("aws_security_group_rule").values() if r["type"] == "egress"
    }
    assert sg["rds"] not in egress_sources and sg["efs"] not in egress_sources
