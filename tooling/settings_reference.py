"""Write docs/settings.md, the reference of every environment setting, from config/settings.py itself.

Each settings class, and each field's type, default, allowed range (the ``bounded(...)`` metadata the
validation checks: config/bounds.py) and docstring, plus the members of every enum. Nothing in the
page is written by hand, so it cannot drift from the code; tests/tooling/test_settings_reference.py
fails while the checked-in page is stale. Run ``python -m tooling.settings_reference``.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
from enum import Enum
from pathlib import Path
from typing import Any

from config import settings
from config.bounds import bounds_of

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "config" / "settings.py"
OUTPUT = ROOT / "docs" / "settings.md"


def _documented(tree: ast.Module) -> dict[str, tuple[str, dict[str, tuple[str, str]]]]:
    """class -> (its docstring, field -> (annotation as written, the string literal after it))."""
    found: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields: dict[str, tuple[str, str]] = {}
        body = node.body
        for i, item in enumerate(body):
            target: ast.expr | None = item.target if isinstance(item, ast.AnnAssign) else None
            if isinstance(item, ast.Assign) and len(item.targets) == 1:
                target = item.targets[0]
            if not isinstance(target, ast.Name):
                continue
            after = body[i + 1] if i + 1 < len(body) else None
            text = ""
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                text = str(after.value.value)
            annotation = ast.unparse(item.annotation) if isinstance(item, ast.AnnAssign) else ""
            fields[target.id] = (annotation, " ".join(text.split()))
        found[node.name] = (" ".join((ast.get_docstring(node) or "").split()), fields)
    return found


def _default(f: dataclasses.Field[Any]) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
        if dataclasses.is_dataclass(value):
            return f"`{type(value).__name__}()`"
    else:
        return "required"
    if isinstance(value, Enum):
        return f"`{type(value).__name__}.{value.name}`"
    return f"`{value!r}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    documented = _documented(ast.parse(SOURCE.read_text()))
    out = [
        "# Environment settings",
        "",
        "Generated from `config/settings.py` by `python -m tooling.settings_reference`: do not edit. Each",
        "environment is an `EnvironmentConfig` in `config/environments.py`; a value of the wrong type or",
        "outside its range fails the synth naming the field (`config/field_types.py`, `config/bounds.py`,",
        "`config/validation*.py`).",
        "",
    ]
    for name, (doc, fields) in documented.items():
        cls = getattr(settings, name, None)
        if isinstance(cls, type) and issubclass(cls, Enum):
            out += [f"## `{name}` (enum)", "", doc, "", "| member | value | meaning |", "|---|---|---|"]
            for member in cls:
                out.append(
                    f"| `{name}.{member.name}` | `{member.value}` | {_cell(fields.get(member.name, ('', ''))[1])} |"
                )
            out.append("")
        elif isinstance(cls, type) and dataclasses.is_dataclass(cls):
            out += [
                f"## `{name}`",
                "",
                doc,
                "",
                "| field | type | default | allowed | meaning |",
                "|---|---|---|---|---|",
            ]
            for f in dataclasses.fields(cls):
                annotation, text = fields.get(f.name, ("", ""))
                limits = bounds_of(f)
                allowed = str(limits) if limits else ""
                row = [f"`{f.name}`", f"`{annotation}`", _default(f), allowed, text]
                out.append("| " + " | ".join(_cell(c) for c in row) + " |")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    OUTPUT.write_text(render())
    print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
