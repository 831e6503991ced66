"""Walking a synthesized stack: every resource with its Terraform address, and the references between them.

The policy tests work on the JSON Terraform receives, by Terraform type, so a resource added by any
component is covered the moment it is synthesized.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import cdktf

from components.compliance import COMMENT, policy_documents_of

REFERENCE = re.compile(r"\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\.[A-Za-z0-9_.\[\]*]+)?\}")


@dataclass(frozen=True)
class Resource:
    address: str
    tf_type: str
    logical_id: str
    body: dict[str, Any]
    """The resource's arguments, without cdktf's ``//`` comment block."""
    comment: dict[str, Any]


def resources(doc: dict[str, Any], tf_type: str | None = None) -> Iterator[Resource]:
    """Every managed resource of a stack (of ``tf_type`` when given), sorted by address."""
    for rtype, by_id in sorted(doc.get("resource", {}).items()):
        if tf_type is not None and rtype != tf_type:
            continue
        for logical_id, body in sorted(by_id.items()):
            clean = {k: v for k, v in body.items() if k != COMMENT}
            yield Resource(f"{rtype}.{logical_id}", rtype, logical_id, clean, body.get(COMMENT, {}))


def references(value: Any) -> list[str]:
    """Addresses (``aws_kms_key.x``) that ``value`` interpolates, at any depth."""
    text = value if isinstance(value, str) else json.dumps(value)
    return [f"{data or ''}{rtype}.{rid}" for data, rtype, rid in REFERENCE.findall(text)]


def refers_to(value: Any, tf_type: str) -> list[str]:
    return [a for a in references(value) if a.split(".")[0] == tf_type]


def first(block: Any) -> dict[str, Any]:
    """A nested block as cdktf writes it: an object, or a list holding one."""
    if isinstance(block, list):
        return block[0] if block and isinstance(block[0], dict) else {}
    return block if isinstance(block, dict) else {}


def addresses(doc: dict[str, Any], tf_type: str) -> set[str]:
    return {r.address for r in resources(doc, tf_type)}


def taggable_types(stack: cdktf.TerraformStack) -> set[str]:
    """Terraform types in ``stack`` whose provider schema has ``tags_all``, i.e. that take default tags."""
    return {
        element.terraform_resource_type
        for element in stack.node.find_all()
        if isinstance(element, cdktf.TerraformResource) and hasattr(type(element), "tags_all")
    }


def policy_documents(resource: Resource) -> Iterator[tuple[str, dict[str, Any]]]:
    """(attribute, parsed document) of every IAM policy JSON held in a top-level string attribute."""
    yield from policy_documents_of(resource.body)


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def resource_classes(stack: cdktf.TerraformStack) -> dict[str, type]:
    """Terraform type -> provider binding class of every resource in ``stack``."""
    return {
        element.terraform_resource_type: type(element)
        for element in stack.node.find_all()
        if isinstance(element, cdktf.TerraformResource)
    }


def unregistered(
    classes: Mapping[str, type], telltales: frozenset[str], registry: Mapping[str, object], registry_name: str
) -> list[str]:
    """Types whose schema has any of ``telltales`` (arguments only such a type has) but that ``registry``
    does not list: a policy test fails closed on a type it has never been told how to check."""
    return [
        f"{tf_type} has {', '.join(sorted(found))} but is not registered in {registry_name}"
        for tf_type, cls in sorted(classes.items())
        if (found := {a for a in telltales if hasattr(cls, a)}) and tf_type not in registry
    ]
