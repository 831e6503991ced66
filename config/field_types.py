"""Every setting has the type its annotation says, checked before any rule compares or parses it.

The settings are plain frozen dataclasses, so nothing stops ``desired_count="2"`` or a string where an
enum member belongs; without this check such a value reached a rule's ``<=`` and failed the synth with
a ``TypeError`` traceback. Here each field of :class:`~config.settings.EnvironmentConfig`, nested
settings included, is checked against its annotation (``int``, ``float``, ``bool``, ``str``, a
``StrEnum``, ``X | None``, ``tuple[X, ...]``, ``dict[K, V]``, a nested settings class), and each
mismatch is one line naming the field, the value and the type it must have.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable
from enum import Enum
from typing import Any

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def type_problems(value: Any, path: str = "") -> Iterable[str]:
    """One line per field of the dataclass ``value`` (recursively) whose value does not match its type."""
    for f in dataclasses.fields(value):
        field_path = f"{path}.{f.name}" if path else f.name
        yield from _check(getattr(value, f.name), _hints(type(value))[f.name], field_path)


def _check(value: Any, expected: Any, path: str) -> Iterable[str]:
    problem = _mismatch(value, expected)
    if problem:
        yield f"{path}: {value!r} is not allowed; {problem}"
        return
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if isinstance(expected, type) and dataclasses.is_dataclass(expected):
        yield from type_problems(value, path)
    elif origin in (types.UnionType, typing.Union) and value is not None:
        (inner,) = [a for a in args if a is not type(None)]
        yield from _check(value, inner, path)
    elif origin is tuple:
        for i, item in enumerate(value):
            yield from _check(item, args[0], f"{path}[{i}]")
    elif origin is dict:
        for key, item in value.items():
            yield from _check(key, args[0], f"{path} key {key!r}")
            yield from _check(item, args[1], f"{path}[{key!r}]")


def _mismatch(value: Any, expected: Any) -> str | None:
    """What ``value`` should be instead, or None when it has the type ``expected`` (shallowly)."""
    origin, args = typing.get_origin(expected), typing.get_args(expected)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        if value is None and len(inner) < len(args):
            return None
        if len(inner) == 1:
            problem = _mismatch(value, inner[0])
            return None if problem is None else f"{problem} (or None)"
        return None if any(_mismatch(value, a) is None for a in inner) else f"use one of {_names(inner)}"
    if origin is tuple:
        return None if isinstance(value, tuple) else f'use a tuple of {_name(args[0])} (e.g. ("a", "b"))'
    if origin is dict:
        return None if isinstance(value, dict) else f"use a dict of {_name(args[0])} to {_name(args[1])}"
    if isinstance(expected, type) and issubclass(expected, Enum):
        if isinstance(value, expected):
            return None
        return f"use {' or '.join(f'{expected.__name__}.{m.name}' for m in expected)}"
    if expected is bool:
        return None if isinstance(value, bool) else "use True or False"
    if expected is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else "use a whole number (int)"
    if expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else "use a number"
    if expected is str:
        return None if isinstance(value, str) else "use a string"
    if isinstance(expected, type) and dataclasses.is_dataclass(expected):
        return None if isinstance(value, expected) else f"use a {expected.__name__}(...)"
    return None  # a type this check does not know: the rules that read the field decide


def _name(t: Any) -> str:
    return getattr(t, "__name__", str(t))


def _names(ts: list[Any]) -> str:
    return ", ".join(_name(t) for t in ts)
