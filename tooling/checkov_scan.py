"""Run checkov on every synthesized stack and explain each failure by a suppression declared in code.

    .venv/bin/python -m tooling.checkov_scan [cdktf.out]
    .venv/bin/python -m tooling.checkov_scan --prepare DIR [cdktf.out]   only write checkov's input to DIR

Exit 0 when every failed check is explained by a suppression on exactly that resource (see
``components/compliance.py``) and every suppression still matches a failure; exit 1 otherwise, listing
each unexplained failure and each stale suppression. Suppressions are matched by (check id, Terraform
address), never skipped globally, so the same check still guards every other resource.

checkov 3.2's ``terraform_json`` parser crashes on the plain-string ``terraform.required_version`` that
CDKTF writes ("this method receives only dicts", bridgecrewio/checkov#7454; the fix, #7467, is not
merged). checkov therefore scans a scratch copy of each stack without that one key, which no check
reads; ``tests/tooling/test_checkov_scan.py`` fails once checkov parses the original, so the workaround
is removed when it is no longer needed. The top-level ``moved`` list (state moves from a previous
layout, ``stacks/previous_layout.py``) crashes the same parser the same way and is dropped too: it
declares no resource and no check reads it.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tooling import quiet_jsii

quiet_jsii()  # before components starts the jsii runtime: no Node banner in the command's output

from components.compliance import Suppression, blocks, suppressions  # noqa: E402  (after quiet_jsii)

STACK_FILE = "cdk.tf.json"
CHECKOV_ARGS = ("--framework", "terraform_json", "--output", "json", "--skip-download")


@dataclass(frozen=True, order=True)
class Finding:
    """One checkov result on one resource of one stack."""

    stack: str
    address: str
    check_id: str
    check_name: str


@dataclass(frozen=True)
class StackScan:
    """checkov's verdicts on one stack next to the suppressions its code declares."""

    stack: str
    passed: tuple[Finding, ...]
    failed: tuple[Finding, ...]
    suppressions: tuple[Suppression, ...]

    def _suppressed_keys(self) -> set[tuple[str, str]]:
        return {(s.address, s.check_id) for s in self.suppressions if s.reason.strip()}

    @property
    def unexplained(self) -> list[Finding]:
        """Failures no suppression with a reason covers."""
        keys = self._suppressed_keys()
        return [f for f in self.failed if (f.address, f.check_id) not in keys]

    @property
    def stale(self) -> list[Suppression]:
        """Suppressions naming a check that does not fail (any more) on their resource."""
        failing = {(f.address, f.check_id) for f in self.failed}
        return [s for s in self.suppressions if (s.address, s.check_id) not in failing]

    @property
    def reasonless(self) -> list[Suppression]:
        return [s for s in self.suppressions if not s.reason.strip()]

    def problems(self) -> list[str]:
        """One line per unexplained failure, stale suppression or suppression without a reason."""
        return [
            *(f"{self.stack}: {f.check_id} fails on {f.address} ({f.check_name}) and no suppression explains it"
              for f in self.unexplained),
            *(f"{self.stack}: suppression of {s.check_id} on {s.address} is stale: the check does not fail there"
              for s in self.stale),
            *(f"{self.stack}: suppression of {s.check_id} on {s.address} has no reason" for s in self.reasonless),
        ]  # fmt: skip


def checkov_ready(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without the two keys checkov 3.2 cannot parse (see module doc): ``terraform.required_version``
    and the top-level ``moved`` blocks."""
    ready = copy.deepcopy(doc)
    ready.get("terraform", {}).pop("required_version", None)
    ready.pop("moved", None)
    return ready


def checkov_command() -> str:
    """The checkov of this interpreter's environment (the pinned one), else the one on PATH."""
    beside = Path(sys.executable).parent / "checkov"
    found = str(beside) if beside.exists() else shutil.which("checkov")
    if found is None:
        raise FileNotFoundError("checkov is not installed; it is pinned in the Pipfile's dev packages")
    return found


def run_checkov(directory: Path) -> dict[str, Any]:
    """checkov's JSON report for every ``*.tf.json`` below ``directory``."""
    result = subprocess.run(
        [checkov_command(), "--directory", str(directory), *CHECKOV_ARGS],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode not in (0, 1):  # 1 means "some check failed"; anything else is a crash
        raise RuntimeError(f"checkov exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    report: Any = json.loads(result.stdout)
    if isinstance(report, list):
        report = next(r for r in report if r.get("check_type") == "terraform_json")
    if not isinstance(report, dict) or "results" not in report:
        raise RuntimeError(f"checkov found nothing to scan in {directory}: {result.stdout[:500]}")
    errors = report["results"].get("parsing_errors", [])
    if errors:
        raise RuntimeError(f"checkov could not parse {errors}")
    return report


class NoStacksError(FileNotFoundError):
    """A cdktf output directory without synthesized stacks: the commands say so and exit 2."""


def load_stacks(outdir: Path) -> dict[str, dict[str, Any]]:
    """The synthesized JSON of every stack in a cdktf output directory, by stack name."""
    docs = {p.parent.name: json.loads(p.read_text()) for p in sorted((outdir / "stacks").glob(f"*/{STACK_FILE}"))}
    if not docs:
        raise NoStacksError(f"no stacks in {outdir}/stacks; synthesize first (python main.py)")
    return docs


def write_checkov_input(docs: dict[str, dict[str, Any]], directory: Path) -> None:
    """Write each stack, made :func:`checkov_ready`, to ``directory/<stack>/cdk.tf.json`` for checkov."""
    for name, doc in docs.items():
        (directory / name).mkdir(parents=True, exist_ok=True)
        (directory / name / STACK_FILE).write_text(json.dumps(checkov_ready(doc), indent=2))


def scan_stacks(docs: dict[str, dict[str, Any]]) -> dict[str, StackScan]:
    """Run checkov once over every stack and pair its verdicts with each stack's suppressions."""
    with tempfile.TemporaryDirectory(prefix="checkov-") as scratch:
        write_checkov_input(docs, Path(scratch))
        report = run_checkov(Path(scratch))
    addresses = {name: {a.rsplit(".", 1)[1]: a for a, _ in blocks(doc)} for name, doc in docs.items()}
    verdicts: dict[str, dict[str, list[Finding]]] = {name: {"PASSED": [], "FAILED": []} for name in docs}
    for outcome, key in (("PASSED", "passed_checks"), ("FAILED", "failed_checks")):
        for item in report["results"].get(key, []):
            stack = Path(item["file_path"]).parts[1]
            # checkov names resources "aws_vpc.<id>" in graph checks but "resource.<id>" in others;
            # cdktf's logical ids are unique within a stack, so the id alone finds the real address.
            logical_id = item["resource"].rsplit(".", 1)[-1]
            address = addresses[stack].get(logical_id, item["resource"])
            verdicts[stack][outcome].append(Finding(stack, address, item["check_id"], item["check_name"]))
    return {
        name: StackScan(
            stack=name,
            passed=tuple(sorted(set(verdicts[name]["PASSED"]))),
            failed=tuple(sorted(set(verdicts[name]["FAILED"]))),
            suppressions=tuple(suppressions(doc)),
        )
        for name, doc in docs.items()
    }


def main(argv: list[str]) -> int:
    try:
        return _main(argv)
    except NoStacksError as error:
        print(f"checkov_scan: {error}", file=sys.stderr)
        return 2


def _main(argv: list[str]) -> int:
    if argv[:1] == ["--prepare"]:
        # For other checkov runs (e.g. the PR workflow's SARIF report): the same input the gate scans.
        target, outdir = Path(argv[1]), Path(argv[2] if len(argv) > 2 else "cdktf.out")
        docs = load_stacks(outdir)
        write_checkov_input(docs, target)
        print(f"checkov input for {', '.join(sorted(docs))} written to {target}")
        return 0
    outdir = Path(argv[0] if argv else "cdktf.out")
    scans = scan_stacks(load_stacks(outdir))
    problems = [p for scan in scans.values() for p in scan.problems()]
    for scan in scans.values():
        print(
            f"{scan.stack}: {len(scan.passed)} passed, {len(scan.failed)} failed, "
            f"{len(scan.failed) - len(scan.unexplained)} of them suppressed in code with a reason"
        )
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
