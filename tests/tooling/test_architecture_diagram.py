"""The checked-in architecture diagrams are what the synthesized stacks say, and they follow the stack."""

from __future__ import annotations

import copy
from typing import Any

from tooling.architecture_diagram import (
    OUTPUT,
    README,
    README_ENVIRONMENT,
    SVG,
    diagram,
    readme_with,
    render,
    render_dot,
    render_environment,
    render_svg,
)


def test_checked_in_diagrams_are_current(stack_docs: dict[str, Any]) -> None:
    stale = "is stale: run .venv/bin/python -m tooling.architecture_diagram"
    assert OUTPUT.read_text() == render(stack_docs), f"docs/architecture.md {stale}"
    assert README.read_text() == readme_with(README.read_text(), stack_docs[README_ENVIRONMENT]), f"README.md {stale}"


def test_diagram_shows_every_az_and_the_security_group_edges(stack_docs: dict[str, Any]) -> None:
    lines = render_environment(stack_docs["prod"])
    assert [line.strip() for line in lines if "subgraph az_" in line] == [
        'subgraph az_eu_south_1a["eu-south-1a"]',
        'subgraph az_eu_south_1b["eu-south-1b"]',
    ]
    edges = sorted(line.strip() for line in lines if "|tcp" in line)
    assert edges == [
        "ecs_service_compute_service -->|tcp 2049| efs_file_system_file_storage_file_system",
        "ecs_service_compute_service -->|tcp 5432| db_instance_database_instance",
        "internet -->|tcp 443| lb_load_balancer_alb",
        "internet -->|tcp 80| lb_load_balancer_alb",
        "lb_load_balancer_alb -->|tcp 8080| ecs_service_compute_service",
    ]


def test_a_new_rule_appears_in_the_diagram(stack_docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(stack_docs["dev"])
    rules = doc["resource"]["aws_security_group_rule"]
    (ecs_to_rds,) = (r for k, r in rules.items() if k.startswith("database_connections_ecs-to-rds-ingress"))
    rules["planted"] = {**ecs_to_rds, "from_port": 6379, "to_port": 6379}
    assert "ecs_service_compute_service -->|tcp 6379| db_instance_database_instance" in [
        line.strip() for line in render_environment(doc)
    ]


def test_checked_in_svgs_are_what_graphviz_draws_from_the_stack(stack_docs: dict[str, Any]) -> None:
    for environment, doc in stack_docs.items():
        path = SVG.with_name(SVG.name.format(environment=environment))
        assert path.read_text() == render_svg(render_dot(doc, environment)), f"{path.name} is stale"


def test_mermaid_and_graphviz_draw_the_same_nodes_and_edges(stack_docs: dict[str, Any]) -> None:
    doc = stack_docs["prod"]
    dot, mermaid = render_dot(doc, "prod"), "\n".join(render_environment(doc))
    drawn = diagram(doc)
    for edge in drawn.edges:
        assert f"{edge.source} -> {edge.target}" in dot
        assert f"{edge.source} -" in mermaid and edge.target in mermaid
    assert dot.count(" -> ") == len(drawn.edges) == mermaid.count("->")
    assert (
        "shape=cylinder" in dot
        and 'db_instance_database_instance [label="RDS PostgreSQL\\nhealthtech-postgres-prod"' in dot
    )
