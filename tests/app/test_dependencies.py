"""The application's Python packages are importable where its tests run (the rest of tests/app needs them)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[2] / "app" / "requirements.txt"


def test_the_app_requirements_are_installed_in_the_test_environment() -> None:
    pinned = re.findall(r"^([A-Za-z0-9_.-]+)==", REQUIREMENTS.read_text(), re.M)
    modules = {"python-dateutil": "dateutil"}
    missing = [name for name in pinned if importlib.util.find_spec(modules.get(name, name).replace("-", "_")) is None]
    assert missing == [], (
        f"not installed: {', '.join(missing)}; add them to Pipfile [dev-packages] (see app/README.md): "
        "without them the application's other tests are not collected"
    )
