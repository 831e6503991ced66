"""A pytest plugin that records each test's worker, start and end: ``-p bench.timeline``.

``HEALTHTECH_TIMELINE=path`` names the JSON-lines file (one line per test phase: setup, call,
teardown); ``python -m bench.timeline path`` prints each worker's busy time, the slowest tests and
the test groups in the order each worker ran them. Used for bench/RESULTS.md, never by CI.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = os.environ.get("HEALTHTECH_TIMELINE")
    if not path or not hasattr(report, "start"):
        return
    line = {
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
        "test": report.nodeid,
        "phase": report.when,
        "start": report.start,
        "stop": report.stop,
        "outcome": report.outcome,
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def summarize(path: Path, slowest: int = 25) -> str:
    rows: list[dict[str, Any]] = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if any(r["worker"] != "main" for r in rows):  # under xdist the controller logs each report again
        rows = [r for r in rows if r["worker"] != "main"]
    begin = min(r["start"] for r in rows)
    end = max(r["stop"] for r in rows)
    busy: dict[str, float] = defaultdict(float)
    per_test: dict[str, float] = defaultdict(float)
    per_file: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        seconds = r["stop"] - r["start"]
        busy[r["worker"]] += seconds
        per_test[r["test"]] += seconds
        span = per_file.setdefault((r["worker"], r["test"].split("::")[0]), [r["start"], r["stop"], 0.0])
        span[0], span[1], span[2] = min(span[0], r["start"]), max(span[1], r["stop"]), span[2] + seconds
    lines = [f"tests ran for {end - begin:.0f} s (first start to last stop)", "", "| worker | busy s |", "|---|---|"]
    lines += [f"| {w} | {s:.0f} |" for w, s in sorted(busy.items())]
    lines += ["", "| worker | file | from s | to s | in tests s |", "|---|---|---|---|---|"]
    for (worker, name), (first, last, total) in sorted(per_file.items(), key=lambda kv: (kv[0][0], kv[1][0])):
        if total >= 5:
            lines.append(f"| {worker} | {name} | {first - begin:.0f} | {last - begin:.0f} | {total:.0f} |")
    lines += ["", "| test (setup + call + teardown) | s |", "|---|---|"]
    for test, seconds in sorted(per_test.items(), key=lambda kv: -kv[1])[:slowest]:
        lines.append(f"| {test} | {seconds:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarize(Path(sys.argv[1])))
