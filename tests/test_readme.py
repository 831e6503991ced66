"""The README's layout table names every directory of the tree, and nothing that is not there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _layout_rows() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return {m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE)}


def test_the_layout_table_matches_the_tracked_directories() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    directories = {f"{path.split('/', 1)[0]}/" for path in tracked.splitlines() if "/" in path}
    listed = _layout_rows()
    assert sorted(directories - listed) == []  # a directory the table does not explain
    assert sorted(d for d in listed if d.endswith("/") and d not in directories) == []  # listed, not there
    assert all((ROOT / f).is_file() for f in listed if not f.endswith("/"))
