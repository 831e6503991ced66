"""Every timing the project tracks, measured in one run: ``.venv/bin/python -m bench.run [--rounds N] [FIGURE ...]``.

Each figure is the median of ``--rounds`` runs (3 by default) with min and max; ours and the AWS CDK peer's
synth are interleaved, so a busy machine slows both alike and their ratio holds. Figures (all by default):

    synth      end-to-end synth of every environment: ours (lazy bindings), ours with the eager import, the
               AWS CDK Python peer (bench/peer_cdk_app.py in .bench-venv), and the floor (a process that
               only loads the bindings the app uses)
    marginal   in-process: one more environment (a copy of staging) on top of dev, staging and prod
    cli        ``cdktf synth`` through cdktf-cli
    suites     the unit test suite (everything but the local endpoint) and the integration tests
    local      apply, no-change re-plan and destroy of dev on the local endpoint

The peer needs ``python3 -m venv .bench-venv && .bench-venv/bin/pip install -r bench/requirements-peer.txt``.
Timings are for reading (bench/RESULTS.md), never thresholds in tests.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tooling import JSII_QUIET

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PEER_PYTHON = ROOT / ".bench-venv" / "bin" / "python"
FLOOR = "from tooling import quiet_jsii; quiet_jsii(); import cdktf, stacks.platform_stack, stacks.state_bootstrap"
FIGURES = ("synth", "marginal", "cli", "suites", "local")


@dataclasses.dataclass
class Figure:
    name: str
    samples: list[float]

    def row(self, reference: Figure | None = None) -> str:
        median = statistics.median(self.samples)
        ratio = f"{median / statistics.median(reference.samples):.2f}" if reference else ""
        low, high = min(self.samples), max(self.samples)
        return f"| {self.name} | {median:.2f} | {low:.2f} | {high:.2f} | {len(self.samples)} | {ratio} |"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NODE_OPTIONS", "HEALTHTECH_PROVIDER_BINDINGS")}
    return env | JSII_QUIET | {"PYTHONPATH": str(ROOT), **extra}


def _timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {result.returncode}:\n{result.stderr[-2000:]}")
    return elapsed


def synth(rounds: int, scratch: Path) -> list[Figure]:
    cases: dict[str, Callable[[Path], float]] = {
        "ours: python main.py, every environment + bootstrap": lambda out: _timed(
            [PYTHON, "main.py"], _env(CDKTF_OUTDIR=str(out), HEALTHTECH_BOOTSTRAP_STATE=str(out / "b.tfstate"))
        ),
        "AWS CDK Python peer, same topology": lambda out: _timed(
            [str(PEER_PYTHON), "bench/peer_cdk_app.py", str(out)], _env()
        ),
        "floor: load only the bindings the app uses": lambda out: _timed([PYTHON, "-c", FLOOR], _env()),
        "before: python main.py with the eager import": lambda out: _timed(
            [PYTHON, "main.py"],
            _env(
                CDKTF_OUTDIR=str(out),
                HEALTHTECH_BOOTSTRAP_STATE=str(out / "b.tfstate"),
                HEALTHTECH_PROVIDER_BINDINGS="eager",
            ),
        ),
    }
    if not PEER_PYTHON.exists():
        raise SystemExit("the peer needs .bench-venv: see this module's docstring")
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for round_ in range(rounds):
        for index, (name, run) in enumerate(cases.items()):
            samples[name].append(run(scratch / f"synth-{round_}-{index}"))
    return [Figure(name, values) for name, values in samples.items()]


def marginal(rounds: int, scratch: Path) -> list[Figure]:
    from tooling import quiet_jsii

    quiet_jsii()
    import cdktf

    from config import ENVIRONMENTS
    from main import build_bootstrap_stack, build_stacks

    configs = list(ENVIRONMENTS.values())
    extra = dataclasses.replace(ENVIRONMENTS["staging"], name="perf")
    three: list[float] = []
    four: list[float] = []
    for round_ in range(rounds + 1):  # the first round also imports the submodules in use: not counted
        for label, selected in (("3", configs), ("4", [*configs, extra])):
            out = scratch / f"marginal-{round_}-{label}"
            started = time.perf_counter()
            app = cdktf.App(outdir=str(out))
            build_stacks(app, selected)
            build_bootstrap_stack(app, configs, outdir=out, state_file=out / "b.tfstate")
            app.synth()
            (three if label == "3" else four).append(time.perf_counter() - started)
    three, four = three[1:], four[1:]
    return [
        Figure("in-process build + synth, 3 environments + bootstrap", three),
        Figure("one more environment (4th minus 3rd, per round)", [b - a for a, b in zip(three, four, strict=True)]),
    ]


def cli(rounds: int, scratch: Path) -> list[Figure]:
    cdktf_cli = str(ROOT / "node_modules" / ".bin" / "cdktf")
    runs = [
        _timed([cdktf_cli, "synth", "--app", f"{PYTHON} main.py", "--output", str(scratch / f"cli-{i}")], _env())
        for i in range(rounds)
    ]
    return [Figure("cdktf synth (cdktf-cli 0.21), every environment", runs)]


def suites(rounds: int, scratch: Path) -> list[Figure]:
    pytest = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    unit = [_timed([*pytest, "-m", "not integration"], _env()) for _ in range(rounds)]
    integration = [_timed([*pytest, "-m", "integration"], _env()) for _ in range(rounds)]
    return [
        Figure("unit test suite (-m 'not integration')", unit),
        Figure("integration tests (-m integration)", integration),
    ]


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Terraform writes its plan and progress to our stdout (fd 1): keep it out of the table."""
    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


def local(rounds: int, scratch: Path) -> list[Figure]:
    from config import ENVIRONMENTS
    from config.account import in_local_account, state_bucket
    from tooling.local import Terraform, bootstrap_state, free_port, start_server, stop_server, synthesize_local
    from tooling.terraform_cli import write_cli_config

    dev = ENVIRONMENTS["dev"]
    cli_config = write_cli_config(scratch / "cli.hcl")
    timings: dict[str, list[float]] = {"apply": [], "re-plan": [], "destroy": []}
    for round_ in range(rounds):
        work = scratch / f"local-{round_}"
        server = start_server(free_port(), log_path=work / "moto.log")
        try:
            with _quiet_stdout():
                _, stack_dir = synthesize_local("dev", server.url, work / "cdktf.out")
                bucket = state_bucket(in_local_account(dev))
                bootstrap_state(server.url, bucket=bucket, lock_table=dev.state.lock_table, region=dev.state.region)
                terraform = Terraform(stack_dir, cli_config)
                terraform.init()
                for step, action in (
                    ("apply", terraform.apply),
                    ("re-plan", terraform.plan_exit_code),
                    ("destroy", terraform.destroy),
                ):
                    started = time.perf_counter()
                    outcome = action()
                    timings[step].append(time.perf_counter() - started)
                    if step == "re-plan" and outcome != 0:
                        raise SystemExit(f"the re-plan of dev after apply was not clean (exit {outcome})")
        finally:
            stop_server(server)
    return [Figure(f"dev on the local endpoint: {step}", values) for step, values in timings.items()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("figures", nargs="*", metavar="FIGURE", help=f"any of {', '.join(FIGURES)} (default: all)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.figures) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figure(s) {', '.join(unknown)}; allowed: {', '.join(FIGURES)}")
    if args.rounds < 3:
        parser.error("--rounds: at least 3 (each figure is a median with min and max)")
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    print("| figure | median s | min s | max s | runs | ratio |\n|---|---|---|---|---|---|")
    scratch = Path(tempfile.mkdtemp(prefix="healthtech-bench-"))
    try:
        for name in args.figures or FIGURES:
            figures = {"synth": synth, "marginal": marginal, "cli": cli, "suites": suites, "local": local}[name](
                args.rounds, scratch
            )
            reference = figures[1] if name == "synth" else None  # ratios to the AWS CDK peer
            for figure in figures:
                print(figure.row(reference), flush=True)
            if name == "synth":
                print(Figure("ours vs floor", figures[0].samples).row(figures[2]), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"load after: {os.getloadavg()[0]:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
