"""The architecture diagram of each environment, generated from its synthesized stack (never drawn by hand).

    .venv/bin/python -m tooling.architecture_diagram           write docs/architecture.md, docs/architecture-{env}.svg
                                                               and dev's diagram into README.md
    .venv/bin/python -m tooling.architecture_diagram --check   exit 1 when either is stale

Mermaid (GitHub renders it) and an SVG per environment drawn by Graphviz's ``dot`` from the same
model: the VPC with its subnets per Availability Zone, the WAF, load balancer,
ECS service, RDS and EFS, the KMS keys each of them uses, the pipeline, and one edge per ingress
security-group rule (SG to SG, or from the internet). Everything is read from the Terraform JSON, so a
new component, key or rule shows up the moment it is synthesized; tests/tooling/test_architecture_diagram.py
fails while a checked-in diagram is stale.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "architecture.md"
SVG = ROOT / "docs" / "architecture-{environment}.svg"
README = ROOT / "README.md"
README_ENVIRONMENT = "dev"
BEGIN, END = "<!-- architecture:dev:begin -->", "<!-- architecture:dev:end -->"
REFERENCE = re.compile(r"\$\{(?:data\.)?([a-z0-9_]+\.[A-Za-z0-9_-]+)")


class Shape(StrEnum):
    BOX = "box"
    STORE = "store"
    """Holds data: a cylinder."""
    CIRCLE = "circle"
    KEY = "key"


INTERNET = "internet"

# Terraform type -> (label, shape) of the components drawn as nodes.
NODES: dict[str, tuple[str, Shape]] = {
    "aws_wafv2_web_acl": ("WAF web ACL", Shape.BOX),
    "aws_lb": ("ALB", Shape.BOX),
    "aws_ecs_service": ("ECS Fargate service", Shape.BOX),
    "aws_db_instance": ("RDS PostgreSQL", Shape.STORE),
    "aws_efs_file_system": ("EFS", Shape.STORE),
    "aws_ecr_repository": ("ECR repository", Shape.STORE),
    "aws_codepipeline": ("CodePipeline", Shape.BOX),
    "aws_codebuild_project": ("CodeBuild", Shape.BOX),
    "aws_sns_topic": ("SNS alarm topic", Shape.BOX),
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


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    shape: Shape


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    members: tuple[Node | Group, ...]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    dotted: bool = False


@dataclass(frozen=True)
class Diagram:
    """One environment's picture, whatever it is drawn with: Mermaid for GitHub, Graphviz for the SVG."""

    members: tuple[Node | Group, ...]
    edges: tuple[Edge, ...]


def diagram(doc: dict[str, Any]) -> Diagram:
    """The diagram of one synthesized stack."""
    nodes = {address: _node_id(address) for tf_type in NODES for address, _ in _resources(doc, tf_type)}
    (vpc_address, vpc), *_ = _resources(doc, "aws_vpc")
    by_az: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for address, subnet in _resources(doc, "aws_subnet"):
        by_az.setdefault(subnet["availability_zone"], []).append((address, subnet))
    zones = tuple(
        Group(
            f"az_{_node_id(az)}",
            az,
            tuple(
                Node(_node_id(a), f"{s['tags']['Tier']} {s['cidr_block']}", Shape.BOX)
                for a, s in sorted(subnets, key=lambda s: s[1]["tags"]["Tier"], reverse=True)
            ),
        )
        for az, subnets in sorted(by_az.items())
    )
    in_vpc = ("aws_lb", "aws_ecs_service", "aws_db_instance", "aws_efs_file_system")
    inside = tuple(_node(address, body) for tf_type in in_vpc for address, body in _resources(doc, tf_type))
    outside = tuple(
        _node(address, body) for tf_type in NODES if tf_type not in in_vpc for address, body in _resources(doc, tf_type)
    )
    keys = dict(_resources(doc, "aws_kms_key"))
    kms = Group(
        "kms",
        "KMS keys (customer-managed, rotated)",
        tuple(Node(_node_id(a), k["tags"]["Purpose"], Shape.KEY) for a, k in keys.items()),
    )
    members: tuple[Node | Group, ...] = (
        Node(INTERNET, "internet", Shape.CIRCLE),
        Group(_node_id(vpc_address), f"VPC {vpc['cidr_block']}", (*zones, *inside)),
        *outside,
        kms,
    )
    return Diagram(members, (*_traffic_edges(doc, nodes), *_other_edges(doc, nodes, keys)))


def _node(address: str, body: dict[str, Any]) -> Node:
    label, shape = NODES[address.split(".")[0]]
    name = _name(body)
    return Node(_node_id(address), f"{label}\n{name}" if name else label, shape)


MERMAID_SHAPES: dict[Shape, str] = {
    Shape.BOX: "[{}]",
    Shape.STORE: "[({})]",
    Shape.CIRCLE: "(({}))",
    Shape.KEY: "{{{{{}}}}}",
}


def render_environment(doc: dict[str, Any]) -> list[str]:
    """Mermaid flowchart lines of one synthesized stack."""
    drawn = diagram(doc)
    lines = ["```mermaid", "flowchart LR"]

    lines += _nested(
        drawn.members,
        node=_mermaid_node,
        open_group=lambda g: f'subgraph {g.id}["{g.label}"]',
        close_group="end",
    )
    for e in drawn.edges:
        lines.append(_mermaid_edge(e))
    return [*lines, "```"]


def _nested(
    members: Iterable[Node | Group],
    *,
    node: Callable[[Node], str],
    open_group: Callable[[Group], str],
    close_group: str,
    indent: str = "  ",
) -> list[str]:
    """The lines of ``members``, groups opened and closed around theirs, each level indented two more."""
    lines: list[str] = []
    for m in members:
        if isinstance(m, Node):
            lines.append(indent + node(m))
            continue
        lines.append(indent + open_group(m))
        lines += _nested(m.members, node=node, open_group=open_group, close_group=close_group, indent=indent + "  ")
        lines.append(indent + close_group)
    return lines


def _mermaid_node(m: Node) -> str:
    label = m.label.replace("\n", "<br/>")
    return m.id + MERMAID_SHAPES[m.shape].format('"' + label + '"')


def _dot_node(m: Node) -> str:
    label = m.label.replace("\n", "\\n")
    return f'{m.id} [label="{label}", shape={DOT_SHAPES[m.shape]}];'


def _mermaid_edge(e: Edge) -> str:
    arrow = "-.->" if e.dotted else "-->"
    return f"  {e.source} {arrow}{f'|{e.label}|' if e.label else ''} {e.target}"


DOT_SHAPES: dict[Shape, str] = {
    Shape.BOX: "box",
    Shape.STORE: "cylinder",
    Shape.CIRCLE: "circle",
    Shape.KEY: "hexagon",
}


def render_dot(doc: dict[str, Any], title: str) -> str:
    """Graphviz source of one synthesized stack (rendered to SVG by ``dot``)."""
    drawn = diagram(doc)
    lines = [
        f'digraph "{title}" {{',
        "  rankdir=LR;",
        '  graph [fontname="Helvetica", fontsize=12];',
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]

    lines += _nested(
        drawn.members,
        node=_dot_node,
        open_group=lambda g: f'subgraph cluster_{g.id} {{ label="{g.label}";',
        close_group="}",
    )
    for e in drawn.edges:
        attributes = [f'label="{e.label}"'] if e.label else []
        attributes += ["style=dotted"] if e.dotted else []
        lines.append(f"  {e.source} -> {e.target}" + (f" [{', '.join(attributes)}];" if attributes else ";"))
    return "\n".join([*lines, "}"]) + "\n"


def render_svg(dot_source: str) -> str:
    """``dot_source`` drawn by Graphviz's ``dot`` (Debian's graphviz; scripts/setup.sh installs it)."""
    if shutil.which("dot") is None:
        raise SystemExit("Graphviz's dot is not on PATH: run scripts/setup.sh (or apt-get install graphviz)")
    return subprocess.run(["dot", "-Tsvg"], input=dot_source, capture_output=True, text=True, check=True).stdout


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


def _traffic_edges(doc: dict[str, Any], nodes: dict[str, str]) -> list[Edge]:
    owners = _owners(doc, nodes)
    edges: set[Edge] = set()
    for _, rule in _resources(doc, "aws_security_group_rule"):
        if rule.get("type") != "ingress":
            continue
        target = owners.get(next(iter(_refs(rule["security_group_id"])), ""))
        port = rule["from_port"] if rule["from_port"] == rule["to_port"] else f"{rule['from_port']}-{rule['to_port']}"
        if "source_security_group_id" in rule:
            source = owners.get(next(iter(_refs(rule["source_security_group_id"])), ""))
        else:
            source = INTERNET if rule.get("cidr_blocks") else None
        if source and target:
            edges.add(Edge(source, target, f"tcp {port}"))
    return sorted(edges, key=_mermaid_edge)


def _other_edges(doc: dict[str, Any], nodes: dict[str, str], keys: dict[str, Any]) -> list[Edge]:
    edges: set[Edge] = set()
    for address, node in nodes.items():
        tf_type = address.split(".")[0]
        body = doc["resource"][tf_type][address.split(".", 1)[1]]
        for ref in sorted(_refs(body)):
            if ref in keys:
                edges.add(Edge(node, _node_id(ref), dotted=True))
            elif ref in nodes and tf_type == "aws_codepipeline" and ref.startswith("aws_codebuild_project."):
                edges.add(Edge(node, nodes[ref], "runs"))
    for _, association in _resources(doc, "aws_wafv2_web_acl_association"):
        acl, lb = _refs(association["web_acl_arn"]), _refs(association["resource_arn"])
        edges |= {Edge(nodes[a], nodes[b], "filters") for a in acl & nodes.keys() for b in lb & nodes.keys()}
    for address, project in _resources(doc, "aws_codebuild_project"):
        for ecr in (a for a in nodes if a.startswith("aws_ecr_repository.")):
            if ecr in _refs(project.get("environment")):
                edges.add(Edge(nodes[address], nodes[ecr], "pushes"))
        # The release project (its environment names the service it deploys to).
        for service_address, _ in _resources(doc, "aws_ecs_service"):
            if service_address in _refs(project.get("environment")):
                edges.add(Edge(nodes[address], nodes[service_address], "deploys"))
    for address, pipeline in _resources(doc, "aws_codepipeline"):
        for service_address, _ in _resources(doc, "aws_ecs_service"):
            if service_address in _refs(pipeline.get("stage")):
                edges.add(Edge(nodes[address], nodes[service_address], "deploys"))
    return sorted(edges, key=_mermaid_edge)


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
        svg = SVG.name.format(environment=environment)
        out += [f"## {environment}", "", f"SVG (Graphviz): [{svg}]({svg})", "", *render_environment(doc), ""]
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
    wanted = {
        OUTPUT: render(docs),
        README: readme_with(README.read_text(), docs[README_ENVIRONMENT]),
        **{SVG.with_name(SVG.name.format(environment=e)): render_svg(render_dot(d, e)) for e, d in docs.items()},
    }
    if "--check" in argv:
        stale = [p for p, t in wanted.items() if not p.exists() or p.read_text() != t]
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale; run python -m tooling.architecture_diagram", file=sys.stderr)
        return 1 if stale else 0
    for path, text in wanted.items():
        path.write_text(text)
    print(f"wrote {', '.join(str(p.relative_to(ROOT)) for p in wanted)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
