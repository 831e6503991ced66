"""The CloudFormation side of an adoption: the deployed stack, its template, and the Retain change.

A stack's own record is the source of physical ids. Where that record has none (moto's CloudFormation
lists types it cannot create with an empty id, and a few real types, e.g. ``AWS::RDS::DBSubnetGroup``
on moto, come back blank), the resource's name is evaluated from the template and the stack's
parameters, and the resource is marked so the report says where its id came from.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

TAPSTACK_MARKERS = ("AWS::RDS::DBInstance", "AWS::EFS::FileSystem", "AWS::ECS::Service")
"""A stack is taken for a TapStack when it declares these and an ``EnvironmentSuffix`` parameter."""


class AdoptError(Exception):
    """Bad input: the message names what to change; nothing has been written."""


# The template's name property per type, for resources whose physical id the stack does not record.
NAME_PROPERTY: dict[str, str] = {
    "AWS::RDS::DBSubnetGroup": "DBSubnetGroupName",
    "AWS::ApplicationAutoScaling::ScalableTarget": "ResourceId",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "PolicyName",
    "AWS::CodeBuild::Project": "Name",
    "AWS::CodePipeline::Pipeline": "Name",
    "AWS::CloudWatch::Alarm": "AlarmName",
}


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    cfn_type: str
    physical_id: str
    properties: dict[str, Any]
    """Template properties with ``Ref``/``Fn::Sub`` to parameters and resources evaluated where possible."""
    id_from_template: bool = False


@dataclass
class DeployedStack:
    name: str
    parameters: dict[str, str]
    template: dict[str, Any]
    resources: dict[str, StackResource] = field(default_factory=dict)

    @property
    def environment_suffix(self) -> str:
        return self.parameters.get("EnvironmentSuffix", "")


# ------------------------------------------------------------------ template parsing
class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]  # yaml ships no type hints here
    """YAML with CloudFormation's short-form tags (``!Ref``, ``!Sub``, ``!GetAtt`` ...) as their long form."""


def _construct(tag: str) -> Any:
    name = "Ref" if tag == "Ref" else f"Fn::{tag}"

    def build(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return build


for _tag in ("Ref", "Sub", "GetAtt", "Join", "Select", "GetAZs", "If", "Equals", "Not", "And", "Or", "Split"):
    _CfnLoader.add_constructor(f"!{_tag}", _construct(_tag))
_CfnLoader.add_constructor("!Base64", _construct("Base64"))
_CfnLoader.add_constructor("!ImportValue", _construct("ImportValue"))


def parse_template(body: str | dict[str, Any]) -> dict[str, Any]:
    """A template body (JSON or YAML, short-form tags allowed) as a dict."""
    if isinstance(body, dict):
        return body
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = yaml.load(body, Loader=_CfnLoader)  # a SafeLoader: no arbitrary objects
    if not isinstance(parsed, dict) or not isinstance(parsed.get("Resources"), dict):
        raise AdoptError("the template has no Resources section; pass the stack of the original TapStack.yml")
    return parsed


# ------------------------------------------------------------------ evaluation of Ref / Sub
def evaluate(value: Any, symbols: dict[str, str]) -> Any:
    """``value`` with ``Ref`` and ``Fn::Sub`` to known symbols replaced; anything else is kept as is."""
    if isinstance(value, list):
        return [evaluate(v, symbols) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"} and value["Ref"] in symbols:
        return symbols[value["Ref"]]
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        text: str = value["Fn::Sub"]
        if all(m in symbols for m in re.findall(r"\$\{([^}!]+)\}", text)):
            return re.sub(r"\$\{([^}!]+)\}", lambda m: symbols[m.group(1)], text)
    return {k: evaluate(v, symbols) for k, v in value.items()}


# ------------------------------------------------------------------ the deployed stack
def read_stack(cfn: Any, name: str, *, account: str, region: str) -> DeployedStack:
    """The stack ``name`` with its parameters, template and resources; AdoptError when it is not a TapStack."""
    from botocore.exceptions import ClientError

    try:
        (described,) = cfn.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        raise AdoptError(
            f"CloudFormation stack {name!r} does not exist in {region} "
            f"({error.response['Error']['Message']}); pass --stack with the name of the deployed TapStack"
        ) from None
    template = parse_template(cfn.get_template(StackName=name)["TemplateBody"])
    declared = {r.get("Type") for r in template["Resources"].values()}
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in described.get("Parameters", [])}
    missing = [t for t in TAPSTACK_MARKERS if t not in declared]
    if missing or "EnvironmentSuffix" not in parameters:
        lacks = ", ".join([*missing, *([] if "EnvironmentSuffix" in parameters else ["parameter EnvironmentSuffix"])])
        raise AdoptError(
            f"stack {name!r} is not a TapStack (it lacks {lacks}); pass --stack with the stack deployed "
            "from the original TapStack.yml"
        )
    stack = DeployedStack(name, parameters, template)
    summaries: list[dict[str, Any]] = []
    paginator = cfn.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=name):
        summaries.extend(page["StackResourceSummaries"])
    physical = {s["LogicalResourceId"]: s.get("PhysicalResourceId", "") for s in summaries if s["LogicalResourceId"]}
    symbols = {**parameters, "AWS::AccountId": account, "AWS::Region": region, "AWS::StackName": name}
    symbols.update({k: v for k, v in physical.items() if v})
    for logical_id, declaration in template["Resources"].items():
        cfn_type = declaration["Type"]
        properties = evaluate(declaration.get("Properties", {}), symbols)
        physical_id = physical.get(logical_id, "")
        from_template = False
        if not physical_id and isinstance(properties.get(NAME_PROPERTY.get(cfn_type, ""), None), str):
            physical_id = properties[NAME_PROPERTY[cfn_type]]
            from_template = True
        stack.resources[logical_id] = StackResource(logical_id, cfn_type, physical_id, properties, from_template)
    return stack


# ------------------------------------------------------------------ the Retain change
def retain_template(template: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The template with ``DeletionPolicy``/``UpdateReplacePolicy: Retain`` on every resource, and the
    logical ids it changed. Nothing else differs, so an update of the stack changes no resource."""
    changed = []
    resources = {}
    for logical_id, declaration in template["Resources"].items():
        updated = dict(declaration)
        if updated.get("DeletionPolicy") != "Retain" or updated.get("UpdateReplacePolicy") != "Retain":
            changed.append(logical_id)
        updated["DeletionPolicy"] = "Retain"
        updated["UpdateReplacePolicy"] = "Retain"
        resources[logical_id] = updated
    return {**template, "Resources": resources}, changed
