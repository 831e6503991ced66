"""Where the time of a synth goes, measured in one run: ``.venv/bin/python -m bench.synth_bench``.

Prints seconds for loading the provider bindings, building and writing every stack (repeated, so the
figure is not one noisy sample), and one checkov scan, and each as a ratio of the import. Figures are
for reading, not for asserting: nothing in the test suite depends on them.
"""

from __future__ import annotations

import importlib
import statistics
import tempfile
import time
from pathlib import Path

ROUNDS = 5


def main() -> None:
    from tooling import quiet_jsii

    quiet_jsii()
    started = time.perf_counter()
    import cdktf

    for module in ("stacks.platform_stack", "stacks.state_bootstrap"):  # loads the provider bindings (jsii)
        importlib.import_module(module)
    from config import ENVIRONMENTS
    from main import build_bootstrap_stack, build_stacks

    imported = time.perf_counter() - started
    configs = list(ENVIRONMENTS.values())
    synths: list[float] = []
    resources = 0
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(ROUNDS):
            outdir = Path(scratch) / f"out{round_}"
            began = time.perf_counter()
            app = cdktf.App(outdir=str(outdir))
            built = build_stacks(app, configs)
            build_bootstrap_stack(app, configs, outdir=outdir, state_file=outdir / "bootstrap.tfstate")
            app.synth()
            synths.append(time.perf_counter() - began)
            resources = sum(len(s.node.find_all()) for s in built)
        from tooling.checkov_scan import load_stacks, scan_stacks

        began = time.perf_counter()
        scan_stacks(load_stacks(outdir))
        checkov = time.perf_counter() - began
    synth = statistics.median(synths)
    print(f"provider bindings import   {imported:6.2f} s   1.00")
    print(f"build + synth, {len(configs)} envs + bootstrap ({resources} constructs), median of {ROUNDS}")
    print(f"                           {synth:6.2f} s   {synth / imported:.2f}")
    print(f"checkov scan of the stacks {checkov:6.2f} s   {checkov / imported:.2f}")


if __name__ == "__main__":
    main()
