"""Session-wide fixtures: every environment is built and synthesized once and shared by all tests.

Importing the AWS provider bindings costs 10-16 s per process; synthesis itself ~0.1 s per stack.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import ENVIRONMENTS, EnvironmentConfig
from config.naming import stack_name
from tooling import quiet_jsii
from tooling.terraform_cli import write_cli_config

quiet_jsii()

import cdktf  # noqa: E402  (after quiet_jsii, which must precede the jsii runtime start)

from main import build_stacks  # noqa: E402
from tooling.checkov_scan import StackScan, scan_stacks  # noqa: E402


class Synth:
    """One synthesized stack: the ``Testing.synth`` string for cdktf's matchers and its parsed JSON."""

    def __init__(self, stack: cdktf.TerraformStack) -> None:
        self.stack = stack
        self.json: str = cdktf.Testing.synth(stack)
        self.doc: dict[str, Any] = json.loads(self.json)

    def resources(self, tf_type: str) -> dict[str, dict[str, Any]]:
        """Resources of ``tf_type`` by logical id (cdktf's path metadata removed)."""
        found = self.doc.get("resource", {}).get(tf_type, {})
        return {k: {a: v for a, v in r.items() if a != "//"} for k, r in found.items()}

    def only(self, tf_type: str) -> dict[str, Any]:
        (resource,) = self.resources(tf_type).values()
        return resource

    def element(self, path: str) -> Any:
        """The construct at ``path`` below the stack, e.g. ``network/vpc``."""
        node: Any = self.stack
        for part in path.split("/"):
            node = node.node.find_child(part)
        return node

    def address(self, path: str) -> str:
        """Terraform address of the resource or data source at ``path``, e.g. ``aws_vpc.network_vpc_4E8F0223``."""
        element = self.element(path)
        prefix = "data." if isinstance(element, cdktf.TerraformDataSource) else ""
        return f"{prefix}{element.terraform_resource_type}.{element.friendly_unique_id}"

    def ref(self, path: str, attribute: str = "id") -> str:
        """The interpolation another resource uses to refer to ``path``'s ``attribute``."""
        return f"${{{self.address(path)}.{attribute}}}"

    def by_path(self, path: str) -> dict[str, Any]:
        element = self.element(path)
        return self.resources(element.terraform_resource_type)[element.friendly_unique_id]

    def has(self, tf_type: str, properties: dict[str, Any]) -> bool:
        return bool(cdktf.Testing.to_have_resource_with_properties(self.json, tf_type, properties))


@pytest.fixture(scope="session")
def tf_cli_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = write_cli_config(tmp_path_factory.mktemp("terraform") / "cli.hcl")
    os.environ["TF_CLI_CONFIG_FILE"] = str(path)
    return path


@pytest.fixture(scope="session")
def synthesized_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Synth]]:
    outdir = tmp_path_factory.mktemp("cdktf.out")
    app = cdktf.App(outdir=str(outdir))
    stacks = build_stacks(app, list(ENVIRONMENTS.values()))
    synths = {s.config.name: Synth(s) for s in stacks}
    app.synth()
    return outdir, synths


@pytest.fixture(scope="session")
def synths(synthesized_app: tuple[Path, dict[str, Synth]]) -> dict[str, Synth]:
    return synthesized_app[1]


@pytest.fixture(scope="session")
def dev(synths: dict[str, Synth]) -> Synth:
    return synths["dev"]


@pytest.fixture(scope="session")
def prod(synths: dict[str, Synth]) -> Synth:
    return synths["prod"]


@pytest.fixture(scope="session", params=sorted(ENVIRONMENTS))
def each_env(request: pytest.FixtureRequest, synths: dict[str, Synth]) -> Iterator[tuple[EnvironmentConfig, Synth]]:
    yield ENVIRONMENTS[request.param], synths[request.param]


@pytest.fixture(scope="session")
def stack_docs(synthesized_app: tuple[Path, dict[str, Synth]]) -> dict[str, dict[str, Any]]:
    """The written ``cdk.tf.json`` of every environment. Unlike ``Testing.synth`` it keeps each block's
    ``//`` comment, where the compliance annotations (suppressions, any-resource reasons) live."""
    outdir, _ = synthesized_app
    return {env: json.loads((outdir / "stacks" / stack_name(env) / "cdk.tf.json").read_text()) for env in ENVIRONMENTS}


@pytest.fixture(scope="session")
def checkov_scans(stack_docs: dict[str, dict[str, Any]]) -> dict[str, StackScan]:
    """checkov run once over every environment's stack (~3 s), by environment."""
    scans = scan_stacks({stack_name(env): doc for env, doc in stack_docs.items()})
    return {env: scans[stack_name(env)] for env in stack_docs}


INTEGRATION = Path(__file__).parent / "integration"


INTEGRATION_WORKERS = 4
"""Workers for a run with the integration tests: their groups overlap in the endpoint's waits (pyproject)."""


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: :data:`INTEGRATION_WORKERS`, or one worker per core for the unit tests alone (``-m "not
    integration"``): CPU-bound, they do the same work with fewer jsii kernels and session synths to start."""
    unit_only = "not integration" in (config.option.markexpr or "")
    return (os.cpu_count() or 2) if unit_only else INTEGRATION_WORKERS


SHARED_SCAN = "checkov_scans"
"""The session fixture that runs checkov over every stack (~5 s of CPU): the modules using it share a worker."""


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each unit-test module runs in one pytest-xdist worker (`--dist loadgroup`), so its module-scoped
    fixtures (the variant stacks a module builds and synthesizes) are built once, not once per worker
    that happens to get one of its tests; the modules that read the session's checkov scan run in one
    worker too, so checkov scans every stack once per run. tests/integration groups its tests by shared
    deployment."""
    scanning = {item.path for item in items if SHARED_SCAN in getattr(item, "fixturenames", ())}
    for item in items:
        if INTEGRATION not in item.path.parents:
            group = "checkov-scan" if item.path in scanning else f"module:{item.path.relative_to(INTEGRATION.parent)}"
            item.add_marker(pytest.mark.xdist_group(group))
