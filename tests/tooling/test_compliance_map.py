"""The checked-in HIPAA control map is what the code generates, and it really follows the code."""

from __future__ import annotations

import copy
from typing import Any

from checkov.version import version

from tooling.checkov_scan import StackScan
from tooling.compliance_map import OUTPUT, SAFEGUARDS, render


def test_checked_in_control_map_is_current(stack_docs: dict[str, Any], checkov_scans: dict[str, StackScan]) -> None:
    expected = render(stack_docs, checkov_scans, version)
    assert OUTPUT.read_text() == expected, "docs/compliance.md is stale: run .venv/bin/python -m tooling.compliance_map"


def test_every_safeguard_has_resources_and_passing_checks_in_every_environment(
    stack_docs: dict[str, Any], checkov_scans: dict[str, StackScan]
) -> None:
    assert [s.citation for s in SAFEGUARDS] == [
        "164.312(a)(1)",
        "164.312(b)",
        "164.312(c)(1)",
        "164.312(d)",
        "164.312(e)(1)",
        "164.308(a)(7)",
    ]
    for env, doc in stack_docs.items():
        for safeguard in SAFEGUARDS:
            types = {e.tf_type for e in safeguard.evidence}
            assert types & set(doc["resource"]), (env, safeguard.citation)
            passed = {f.check_id for f in checkov_scans[env].passed}
            assert passed & set(safeguard.checks), (env, safeguard.citation)


def test_map_follows_the_synthesized_resources(stack_docs: dict[str, Any], checkov_scans: dict[str, StackScan]) -> None:
    docs = copy.deepcopy(stack_docs)
    flow_log = next(iter(docs["prod"]["resource"]["aws_flow_log"]))
    assert (
        f"`aws_flow_log.{flow_log}` | network audit trail | traffic_type: ALL | max_aggregation_interval: 600 | "
        "max_aggregation_interval: 600 | max_aggregation_interval: 60 |" in render(docs, checkov_scans, version)
    )
    del docs["prod"]["resource"]["aws_flow_log"]
    row = f"`aws_flow_log.{flow_log}` | network audit trail | traffic_type: ALL; max_aggregation_interval: 600 | "
    row += "yes | yes | — |"
    assert row in render(docs, checkov_scans, version)
