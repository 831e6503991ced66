"""CPU by kind of process while a command runs: ``python -m bench.process_cpu OUT -- COMMAND...``.

Samples every process's cumulative CPU (user + system, from ``/proc``) twice a second while COMMAND runs,
and writes to OUT the CPU of each kind (the AWS provider, terraform, the pytest-xdist workers, moto, node,
checkov...) and the heaviest processes with their command lines. Processes already running at the start
are left out; a process that lives under half a second may be missed, and a process's last half second
is not counted. Linux only. Used for bench/RESULTS.md (where a test run's CPU goes), never by CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
KINDS: tuple[tuple[str, str], ...] = (
    ("terraform-provider-aws", "provider"),
    ("tooling.moto_server", "moto"),
    ("checkov", "checkov"),
    ("mypy", "mypy"),
    ("exec(eval(sys.stdin.readline()))", "pytest-xdist worker"),
    ("-m pytest", "pytest"),
    ("main.py", "app (main.py)"),
)
"""Substrings of a command line and the kind they name, first match wins; then terraform, node, python."""


def kind_of(args: str) -> str:
    for needle, kind in KINDS:
        if needle in args:
            return kind
    program = Path(args.split(" ", 1)[0]).name
    if program == "terraform":
        return "terraform"
    if program == "node":
        return "node"
    return "python (other)" if program.startswith("python") else f"other ({program})"


@dataclass
class Seen:
    kind: str
    args: str
    cpu: float = 0.0


def _sample(seen: dict[tuple[str, str], Seen], skip: set[tuple[str, str]], first: bool) -> None:
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        key = (pid, fields[19])  # a pid with its start time: pids are reused
        if first:
            skip.add(key)
        if key in skip or not args:
            continue
        entry = seen.setdefault(key, Seen(kind_of(args), args[:200]))
        entry.cpu = (int(fields[11]) + int(fields[12])) / TICKS


def measure(command: list[str], interval: float = 0.5) -> tuple[int, list[Seen]]:
    """Run ``command``, sampling beside it; its exit code and what each process it started used."""
    seen: dict[tuple[str, str], Seen] = {}
    skip: set[tuple[str, str]] = set()
    _sample(seen, skip, first=True)
    done = threading.Event()

    def sampler() -> None:
        while not done.wait(interval):
            _sample(seen, skip, first=False)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    code = subprocess.call(command)
    done.set()
    thread.join()
    me = str(os.getpid())
    return code, [s for (pid, _), s in seen.items() if pid != me]


def report(processes: list[Seen], heaviest: int = 30) -> str:
    by_kind: dict[str, float] = {}
    count: Counter[str] = Counter()
    for process in processes:
        by_kind[process.kind] = by_kind.get(process.kind, 0.0) + process.cpu
        count[process.kind] += 1
    lines = ["| kind | CPU s | processes |", "|---|---|---|"]
    lines += [f"| {k} | {c:.1f} | {count[k]} |" for k, c in sorted(by_kind.items(), key=lambda kc: -kc[1]) if c >= 0.05]
    lines.append(f"| total | {sum(by_kind.values()):.1f} | {len(processes)} |")
    lines += ["", "| CPU s | kind | command |", "|---|---|---|"]
    for process in sorted(processes, key=lambda p: -p.cpu)[:heaviest]:
        lines.append(f"| {process.cpu:.1f} | {process.kind} | `{process.args[:120]}` |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m bench.process_cpu OUT -- COMMAND...", file=sys.stderr)
        return 2
    started = time.monotonic()
    code, processes = measure(argv[2:])
    Path(argv[0]).write_text(report(processes) + f"\nwall {time.monotonic() - started:.1f} s, exit {code}\n")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
