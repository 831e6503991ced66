"""Numeric ranges of settings, written once on the field and read by both the check and the docs.

A setting declares its range where it is defined::

    build_timeout_minutes: int = field(default=30, metadata=bounded(5, 480, "CodeBuild"))

:func:`bounds_problems` checks every such field of an environment (validation), and
``tooling.settings_reference`` prints the same range in ``docs/settings.md``, so the two cannot
disagree. Ranges that depend on another field (``desired_count`` between the capacities, Fargate
memory per CPU) stay rules in ``config/validation_layers.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

KEY = "bounds"


@dataclass(frozen=True)
class Bounds:
    """``low`` to ``high`` inclusive (``high`` None: no upper limit); ``note`` says whose limit or why."""

    low: int
    high: int | None = None
    note: str = ""

    def allows(self, value: int | float) -> bool:
        return self.low <= value and (self.high is None or value <= self.high)

    def __str__(self) -> str:
        span = f"{self.low} or more" if self.high is None else f"{self.low} to {self.high}"
        return f"{span} ({self.note})" if self.note else span


def bounded(low: int, high: int | None = None, note: str = "") -> Mapping[str, Bounds]:
    """Field metadata declaring the range ``low`` to ``high``."""
    return {KEY: Bounds(low, high, note)}


def bounds_of(f: dataclasses.Field[Any]) -> Bounds | None:
    found = f.metadata.get(KEY)
    return found if isinstance(found, Bounds) else None


def bounds_problems(settings: Any, path: str = "") -> Iterable[str]:
    """One line per bounded field of the dataclass ``settings`` (nested ones too) outside its range.

    Run after the type check: every bounded value is a number by then."""
    for f in dataclasses.fields(settings):
        value, field_path = getattr(settings, f.name), f"{path}.{f.name}" if path else f.name
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            yield from bounds_problems(value, field_path)
            continue
        limits = bounds_of(f)
        if limits is not None and not limits.allows(value):
            yield f"{field_path}: {value} is not allowed; use {limits}"
