"""The architecture diagram of each environment, generated from its synthesized stack (never drawn by hand).

    .venv/bin/python -m tooling.architecture_diagram           write docs/architecture.md and dev's into README.md
    .venv/bin/python -m tooling.architecture_diagram --check   exit 1 when either is stale

Mermaid (GitHub renders it): the VPC with its subnets per Availability Zone, the WAF, load balancer,
ECS service, RDS and EFS, the KMS keys each of them uses, the pipeline, and one edge per ingress
security-group rule (SG to SG, or from the internet). Everything is read from the Terraform JSON, so a
new component, key or rule shows up the moment it is synthesized; tests/tooling/test_architecture_diagram.py
fails while a checked-in diagram is stale.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "architecture.md"
README = ROOT / "README.md"
README_ENVIRONMENT = "dev"
BEGIN, END = "<!-- architecture:dev:begin -->", "<!-- architecture:dev:end -->"
REFERENCE = re.compile(r"\$\{(?:data\.)?([a-z0-9_]+\.[A-Za-z0-9_-]+)")

# Terraform type -> (label, Mermaid shape) of the components drawn as nodes.
NODES: dict[str, tuple[str, str]] = {
    "aws_wafv2_web_acl": ("WAF web ACL", "[{}]"),
    "aws_lb": ("ALB", "[{}]"),
    "aws_ecs_service": ("ECS Fargate service", "[{}]"),
    "aws_db_instance": ("RDS PostgreSQL", "[({})]"),
    "aws_efs_file_system": ("EFS", "[({})]"),
    "aws_ecr_repository": ("ECR repository", "[({})]"),
    "aws_codepipeline": ("CodePipeline", "[{}]"),
    "aws_codebuild_project": ("CodeBuild", "[{}]"),
    "aws_sns_topic": ("SNS alarm topic", "[{}]"),
}
# Where each node type lists its security groups.
SECURITY_GROUPS_OF: dict[str, tuple[str, ...]] = {
    "aws_lb": ("security_groups",),
    "aws_db_instance": ("vpc_security_group_ids",),
    "aws_ecs_service": ("network_configuration",),
    "aws_efs_mount_target": ("security_groups",),
}


def _resources(doc: dict[str, Any], tf_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, body in sorted(doc.get("resource", {}).get(tf_type, {}).items()):
        yield f"{tf_type}.{logical_id}", body


def _refs(value: Any) -> set[str]:
    return set(REFERENCE.findall(json.dumps(value)))


def _node_id(address: str) -> str:
    """A Mermaid id from a Terraform address, without the ``aws_`` prefix and cdktf's hash suffix."""
    return re.sub(r"[^A-Za-z0-9]", "_", re.sub(r"_[0-9A-F]{8}$", "", address.removeprefix("aws_")))


def _name(body: dict[str, Any]) -> str:
    for key in ("name", "identifier", "creation_token"):
        if isinstance(body.get(key), str) and "${" not in body[key]:
            return str(body[key])
    return ""


def render_environment(doc: dict[str, Any]) -> list[str]:
    """Mermaid flowchart lines of one synthesized stack."""
    lines = ["```mermaid", "flowchart LR", '  internet(("internet"))']
    nodes = {address: _node_id(address) for tf_type in NODES for address, _ in _resources(doc, tf_type)}
    (vpc_address, vpc), *_ = _resources(doc, "aws_vpc")
    lines.append(f'  subgraph {_node_id(vpc_address)}["VPC {vpc["cidr_block"]}"]')
    by_az: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for address, subnet in _resources(doc, "aws_subnet"):
        by_az.setdefault(subnet["availability_zone"], []).append((address, subnet))
    for az, subnets in sorted(by_az.items()):
        lines.append(f'    subgraph az_{_node_id(az)}["{az}"]')
        for address, subnet in sorted(subnets, key=lambda s: s[1]["tags"]["Tier"], reverse=True):
            lines.append(f'      {_node_id(address)}["{subnet["tags"]["Tier"]} {subnet["cidr_block"]}"]')
        lines.append("    end")
    in_vpc = ("aws_lb", "aws_ecs_service", "aws_db_instance", "aws_efs_file_system")
    for tf_type in in_vpc:
        lines += [_node_line(address, body, "    ") for address, body in _resources(doc, tf_type)]
    lines.append("  end")
    for tf_type in NODES:
        if tf_type not in in_vpc:
            lines += [_node_line(address, body, "  ") for address, body in _resources(doc, tf_type)]
    keys = dict(_resources(doc, "aws_kms_key"))
    lines.append('  subgraph kms["KMS keys (customer-managed, rotated)"]')
    lines += [f'    {_node_id(a)}{{{{"{k["tags"]["Purpose"]}"}}}}' for a, k in keys.items()]
    lines.append("  end")
    lines += _traffic_edges(doc, nodes)
    lines += _other_edges(doc, nodes, keys)
    return [*lines, "```"]


def _node_line(address: str, body: dict[str, Any], indent: str) -> str:
    label, shape = NODES[address.split(".")[0]]
    name = _name(body)
    return f"{indent}{_node_id(address)}{shape.format(repr_label(label, name))}"


def repr_label(label: str, name: str) -> str:
    return f'"{label}<br/>{name}"' if name else f'"{label}"'


def _owners(doc: dict[str, Any], nodes: dict[str, str]) -> dict[str, str]:
    """Security group address -> node id of the component using it (mount targets count as EFS)."""
    efs = {a for a in nodes if a.startswith("aws_efs_file_system.")}
    owners: dict[str, str] = {}
    for tf_type, arguments in SECURITY_GROUPS_OF.items():
        for address, body in _resources(doc, tf_type):
            node = address
            if tf_type == "aws_efs_mount_target":
                node = next(iter(_refs(body.get("file_system_id")) & efs), address)
            for group in _refs([body.get(a) for a in arguments]):
                if group.startswith("aws_security_group.") and node in nodes:
                    owners[group] = nodes[node]
    return owners


def _traffic_edges(doc: dict[str, Any], nodes: dict[str, str]) -> list[str]:
    owners = _owners(doc, nodes)
    edges: set[str] = set()
    for _, rule in _resources(doc, "aws_security_group_rule"):
        if rule.get("type") != "ingress":
            continue
        target = owners.get(next(iter(_refs(rule["security_group_id"])), ""))
        port = rule["from_port"] if rule["from_port"] == rule["to_port"] else f"{rule['from_port']}-{rule['to_port']}"
        if "source_security_group_id" in rule:
            source = owners.get(next(iter(_refs(rule["source_security_group_id"])), ""))
        else:
            source = "internet" if rule.get("cidr_blocks") else None
        if source and target:
            edges.add(f"  {source} -->|tcp {port}| {target}")
    return sorted(edges)


def _other_edges(doc: dict[str, Any], nodes: dict[str, str], keys: dict[str, Any]) -> list[str]:
    edges: set[str] = set()
    for address, node in nodes.items():
        tf_type = address.split(".")[0]
        body = doc["resource"][tf_type][address.split(".", 1)[1]]
        for ref in sorted(_refs(body)):
            if ref in keys:
                edges.add(f"  {node} -.-> {_node_id(ref)}")
            elif ref in nodes and tf_type == "aws_codepipeline" and ref.startswith("aws_codebuild_project."):
                edges.add(f"  {node} -->|runs| {nodes[ref]}")
    for _, association in _resources(doc, "aws_wafv2_web_acl_association"):
        acl, lb = _refs(association["web_acl_arn"]), _refs(association["resource_arn"])
        edges |= {f"  {nodes[a]} -->|filters| {nodes[b]}" for a in acl & nodes.keys() for b in lb & nodes.keys()}
    for address, project in _resources(doc, "aws_codebuild_project"):
        for ecr in (a for a in nodes if a.startswith("aws_ecr_repository.")):
            if ecr in _refs(project.get("environment")):
                edges.add(f"  {nodes[address]} -->|pushes| {nodes[ecr]}")
    for address, pipeline in _resources(doc, "aws_codepipeline"):
        for service_address, _ in _resources(doc, "aws_ecs_service"):
            if service_address in _refs(pipeline.get("stage")):
                edges.add(f"  {nodes[address]} -->|deploys| {nodes[service_address]}")
    return sorted(edges)


def render(docs: dict[str, dict[str, Any]]) -> str:
    out = [
        "# Architecture",
        "",
        "Generated from each environment's synthesized stack by `.venv/bin/python -m tooling.architecture_diagram`;",
        "do not edit. Solid edges labelled `tcp` are the ingress security-group rules (SG to SG, or from the",
        "internet); dotted edges go to the KMS key a resource is encrypted with.",
        "",
    ]
    for environment, doc in docs.items():
        out += [f"## {environment}", "", *render_environment(doc), ""]
    return "\n".join(out)


def readme_with(readme: str, doc: dict[str, Any]) -> str:
    """``readme`` with the diagram between its architecture markers replaced by ``doc``'s."""
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    return readme[:start] + "\n" + "\n".join(render_environment(doc)) + "\n" + readme[end:]


def generate(outdir: Path, environments: Iterable[str]) -> dict[str, dict[str, Any]]:
    from config.naming import stack_name

    return {env: json.loads((outdir / "stacks" / stack_name(env) / "cdk.tf.json").read_text()) for env in environments}


def main(argv: list[str]) -> int:
    from config import ENVIRONMENTS
    from main import synthesize

    with tempfile.TemporaryDirectory(prefix="architecture-") as scratch:
        outdir = Path(scratch) / "cdktf.out"
        synthesize(list(ENVIRONMENTS.values()), outdir)
        docs = generate(outdir, ENVIRONMENTS)
    text, readme = render(docs), readme_with(README.read_text(), docs[README_ENVIRONMENT])
    if "--check" in argv:
        stale = [p for p, t in ((OUTPUT, text), (README, readme)) if not p.exists() or p.read_text() != t]
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale; run python -m tooling.architecture_diagram", file=sys.stderr)
        return 1 if stale else 0
    OUTPUT.write_text(text)
    README.write_text(readme)
    print(f"wrote {OUTPUT.relative_to(ROOT)} and the dev diagram in {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
