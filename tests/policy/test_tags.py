"""Every resource carries the required tags: the provider's default_tags hold them all with the right
values, no resource overrides one with another value, and no taggable resource opts out (one that a team's own
upload replaces, :data:`TAGGED_AT_CREATION`, is tagged when created and may ignore its tags after)."""

from __future__ import annotations

import copy
from typing import Any

from config import ENVIRONMENTS
from stacks.platform_stack import required_tags
from tests.conftest import Synth
from tests.policy.resources import as_list, first, resources, taggable_types

# Taggable types created with the default tags and then left to someone else, whose tags they may ignore.
TAGGED_AT_CREATION: dict[str, str] = {
    "aws_s3_object": "the seeded source archive (components/source_seed.py TEAM_OWNED): the team's own "
    "uploads replace it, tags included",
}


def tag_problems(doc: dict[str, Any], required: dict[str, str], taggable: set[str]) -> list[str]:
    problems: list[str] = []
    providers = as_list(doc.get("provider", {}).get("aws", []))
    if not providers:
        problems.append("no aws provider, so no default_tags")
    for provider in providers:
        alias = provider.get("alias", "default")
        tags = first(provider.get("default_tags")).get("tags", {})
        wrong = {k: tags.get(k) for k, v in required.items() if tags.get(k) != v}
        if wrong:
            problems.append(f"provider aws ({alias}): default_tags lack or change {wrong}; required {required}")
        if "ignore_tags" in provider:
            problems.append(f"provider aws ({alias}): ignore_tags {provider['ignore_tags']} hides tags from Terraform")
    for resource in resources(doc):
        for attribute in ("tags", "tags_all"):
            for key, value in (resource.body.get(attribute) or {}).items():
                if key in required and value != required[key]:
                    problems.append(
                        f"{resource.address}: {attribute}.{key} = {value!r} overrides the required {required[key]!r}"
                    )
        if "default_tags" in first(resource.body.get("override_provider")):
            problems.append(f"{resource.address}: override_provider.default_tags opts it out of the required tags")
        if resource.tf_type in taggable and resource.tf_type not in TAGGED_AT_CREATION:
            ignored = first(resource.body.get("lifecycle")).get("ignore_changes", [])
            if ignored == "all" or {"tags", "tags_all"} & set(as_list(ignored)):
                problems.append(f"{resource.address}: lifecycle.ignore_changes {ignored} excludes it from tagging")
    return problems


def test_every_resource_carries_the_required_tags(each_env: tuple, stack_docs: dict[str, dict[str, Any]]) -> None:
    config, synth = each_env
    taggable = taggable_types(synth.stack)
    assert {"aws_vpc", "aws_db_instance", "aws_kms_key", "aws_cloudwatch_log_group"} <= taggable
    assert tag_problems(stack_docs[config.name], required_tags(config), taggable) == []


def test_required_tags_name_the_environment_and_the_data_class() -> None:
    tags = required_tags(ENVIRONMENTS["prod"])
    assert tags["Environment"] == "prod"
    assert tags["Stack"] == "healthtech-prod"
    assert tags["DataClassification"] == "PHI"
    assert tags["Compliance"] == "HIPAA"


def test_planted_tag_violations_are_caught(dev: Synth, stack_docs: dict[str, dict[str, Any]]) -> None:
    doc = copy.deepcopy(stack_docs["dev"])
    required = required_tags(ENVIRONMENTS["dev"])
    del doc["provider"]["aws"][0]["default_tags"][0]["tags"]["Owner"]
    vpc = next(iter(doc["resource"]["aws_vpc"].values()))
    vpc["tags"]["Environment"] = "prod"
    vpc["lifecycle"] = {"ignore_changes": ["tags"]}
    seed = next(iter(doc["resource"]["aws_s3_object"].values()))
    seed["override_provider"] = [{"default_tags": [{"tags": {}}]}]
    problems = tag_problems(doc, required, taggable_types(dev.stack))
    assert len(problems) == 4, problems
    provider, opted_out, overridden, ignored = problems  # the provider first, then by resource type
    assert "default_tags lack or change {'Owner': None}" in provider
    assert opted_out.startswith("aws_s3_object.") and "override_provider.default_tags opts it out" in opted_out
    assert "tags.Environment = 'prod' overrides the required 'dev'" in overridden
    assert "lifecycle.ignore_changes ['tags'] excludes it from tagging" in ignored
