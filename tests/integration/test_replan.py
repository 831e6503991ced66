"""A re-plan of the shared deployment as applied shows no drift; runs after every test that only reads it,
before the release path changes it (tests/integration/conftest.py, RUN_LAST)."""

from __future__ import annotations

import time

import pytest

from tests.integration.conftest import Deployment

pytestmark = pytest.mark.integration


def test_replan_shows_no_drift(deployment: Deployment) -> None:
    started = time.monotonic()
    assert deployment.terraform.plan_exit_code() == 0
    deployment.seconds["plan"] = time.monotonic() - started
