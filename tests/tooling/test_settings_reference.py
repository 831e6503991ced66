"""docs/settings.md is generated from config/settings.py; its ranges are the ones validation enforces."""

from __future__ import annotations

import dataclasses

import pytest

from config import ENVIRONMENTS, ConfigError, validate
from config.bounds import bounds_of
from config.settings import DeliverySettings
from tooling.settings_reference import OUTPUT, render


def test_the_checked_in_reference_is_current() -> None:
    assert OUTPUT.read_text() == render(), "stale: run .venv/bin/python -m tooling.settings_reference"


def test_a_range_is_read_from_the_field_by_the_page_and_by_validation() -> None:
    (timeout,) = [f for f in dataclasses.fields(DeliverySettings) if f.name == "build_timeout_minutes"]
    limits = bounds_of(timeout)
    assert limits is not None and (limits.low, limits.high) == (5, 480)
    assert "| `build_timeout_minutes` | `int` | `30` | 5 to 480 (CodeBuild) |" in render()
    dev = ENVIRONMENTS["dev"]
    for value, refused in ((4, True), (5, False), (480, False), (481, True)):
        config = dataclasses.replace(dev, delivery=dataclasses.replace(dev.delivery, build_timeout_minutes=value))
        if refused:
            with pytest.raises(ConfigError, match=rf"build_timeout_minutes: {value} is not allowed; use 5 to 480"):
                validate(config)
        else:
            validate(config)


def test_every_enum_member_is_listed_with_its_meaning() -> None:
    page = render()
    assert "| `ThroughputMode.BURSTING` | `bursting` | Credits grow with the data stored. |" in page
    assert "| `SourceKind.CODESTAR` | `codestar` |" in page
