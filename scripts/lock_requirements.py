"""Print Pipfile.lock as a hash-pinned requirements file: ``python3 scripts/lock_requirements.py [--no-dev]``.

Pipfile and Pipfile.lock stay the source of truth (``pipenv lock`` writes them); scripts/setup.sh installs
the lock with uv from this output, which takes well under a minute where ``pipenv sync`` takes about
three. The lock lists every dependency, so the result installs with ``uv pip sync --require-hashes``
(no resolution). Standard library only: it runs before any virtual environment exists.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

LOCK = Path(__file__).resolve().parents[1] / "Pipfile.lock"


def requirements(lock: dict[str, Any], *, dev: bool = True) -> list[str]:
    """One ``name[extras]==version ; markers --hash=...`` line per locked package, sorted by name."""
    lines: list[str] = []
    packages = {**lock["default"], **(lock["develop"] if dev else {})}
    for name, spec in sorted(packages.items()):
        if not str(spec.get("version", "")).startswith("==") or not spec.get("hashes"):
            raise SystemExit(f"Pipfile.lock: {name} is not pinned with hashes ({spec}); run pipenv lock")
        extras = f"[{','.join(spec['extras'])}]" if spec.get("extras") else ""
        markers = f" ; {spec['markers']}" if spec.get("markers") else ""
        hashes = " ".join(f"--hash={h}" for h in spec["hashes"])
        lines.append(f"{name}{extras}{spec['version']}{markers} {hashes}")
    return lines


if __name__ == "__main__":
    print("\n".join(requirements(json.loads(LOCK.read_text()), dev="--no-dev" not in sys.argv[1:])))
