"""An environment adopted from a CloudFormation TapStack keeps the live values its configuration carries
(``EnvironmentConfig.adopted``) in every synth, and nothing else changes."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import cdktf
import pytest

from config import ENVIRONMENTS
from config.settings import AdoptedSettings, Tier
from main import build_stacks
from tests.conftest import Synth

DEV = ENVIRONMENTS["dev"]
ADOPTED = AdoptedSettings(
    efs_creation_token="TapStackdev-EFSFileSystem-1A2B3C4D5E6F",
    security_group_descriptions={Tier.ALB: "Internet-facing load balancer", Tier.RDS: "PostgreSQL from ECS tasks"},
)


@pytest.fixture(scope="module")
def adopted_dev(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    app = cdktf.App(outdir=str(tmp_path_factory.mktemp("adopted")))
    (stack,) = build_stacks(app, [dataclasses.replace(DEV, adopted=ADOPTED)])
    return Synth(stack)


def _differences(ours: dict[str, Any], adopted: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, Any]]:
    """(address, argument) -> (our value, adopted value), for every top-level argument that differs."""
    found = {}
    assert ours["resource"].keys() == adopted["resource"].keys()
    for tf_type, group in ours["resource"].items():
        assert group.keys() == adopted["resource"][tf_type].keys()
        for name, body in group.items():
            other = adopted["resource"][tf_type][name]
            for argument in body.keys() | other.keys():
                if body.get(argument) != other.get(argument):
                    found[(f"{tf_type}.{name}", argument)] = (body.get(argument), other.get(argument))
    return found


def test_an_adopted_environment_is_never_seeded_over_its_own_source_archive(dev: Synth, adopted_dev: Synth) -> None:
    seed = dev.address("delivery/source-seed")
    assert seed.split(".")[1] in dev.doc["resource"]["aws_s3_object"]
    assert "aws_s3_object" not in adopted_dev.doc["resource"]  # the TapStack's own upload stays
    assert seed not in adopted_dev.by_path("delivery/pipeline")["depends_on"]


def _unseeded(doc: dict[str, Any], seed: str) -> dict[str, Any]:
    """``doc`` without the seed archive (an adopted environment has none) and the pipeline's wait for it."""
    out = copy.deepcopy(doc)
    del out["resource"]["aws_s3_object"]
    for pipeline in out["resource"]["aws_codepipeline"].values():
        pipeline["depends_on"] = [d for d in pipeline["depends_on"] if d != seed]
    return out


def test_the_adopted_values_replace_ours_and_nothing_else_changes(dev: Synth, adopted_dev: Synth) -> None:
    assert _differences(_unseeded(dev.doc, dev.address("delivery/source-seed")), adopted_dev.doc) == {
        (dev.address("file-storage/file-system"), "creation_token"): (
            "healthtech-efs-dev",
            "TapStackdev-EFSFileSystem-1A2B3C4D5E6F",
        ),
        (dev.address("load-balancer/connections/security-group"), "description"): (
            "Internet-facing load balancer: HTTPS (and HTTP redirect) in",
            "Internet-facing load balancer",
        ),
        (dev.address("database/connections/security-group"), "description"): (
            "PostgreSQL: 5432 from ECS tasks only",
            "PostgreSQL from ECS tasks",
        ),
    }
    # the tiers it leaves out keep ours
    assert adopted_dev.by_path("compute/connections/security-group")["description"] == (
        "ECS tasks: application port from the load balancer only"
    )
    assert adopted_dev.by_path("file-storage/connections/security-group")["description"] == (
        "EFS mount targets: NFS from ECS tasks only"
    )
