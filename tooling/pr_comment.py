"""The pull request's sticky plan comment, built from each environment's saved plan, and its guard.

    python -m tooling.pr_comment plan --out DIR [ENV ...]
        synthesize ENV (default: $HEALTHTECH_ENVIRONMENTS, else every environment; local mode when
        HEALTHTECH_LOCAL_ENDPOINT is set) and save each plan into DIR/ENV/: plan.json
        (`terraform show -json`), plan.txt (`terraform show -no-color`), or error.txt when init or plan failed
    python -m tooling.pr_comment comment DIR [--output FILE] [--revision SHA] [--artifact-url URL]
                                             [--allow-stateful-destroy]
        write the comment (default comment.md); exit 1 when a plan failed, or destroys or replaces a
        stateful resource and --allow-stateful-destroy (the pull request's override label) is not given

The comment: a warning naming every stateful resource a plan destroys or replaces, one table row per
environment, and each readable plan in a collapsible block, cut so the whole body stays under GitHub's
comment limit, with a pointer to the full plans in the workflow artifact.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tooling.plan_summary import ERROR_LOG, PLAN_JSON, PLAN_TEXT, Action, PlanSummary, load

MARKER = "<!-- healthtech-plan-summary -->"
"""Finds the comment to update on the next push (the workflow's github-script step matches it)."""
GITHUB_COMMENT_LIMIT = 65_536
"""GitHub refuses a comment body over 65,536 characters. Budgets here count UTF-8 bytes, which is never
fewer than characters or UTF-16 code units, so the limit holds however GitHub counts."""
OVERRIDE_LABEL = "allow-stateful-destroy"
"""The pull-request label that lets the check pass despite a stateful destroy (README, Pull-request workflow)."""
ARTIFACT_NAME = "plans"
_MAX_ERROR = 200  # characters of an error line in the table
_MAX_LOSSES = 30  # stateful losses listed per environment before "and N more"
_TABLE_ACTIONS = (Action.ADD, Action.CHANGE, Action.DESTROY, Action.REPLACE)


def _size(text: str) -> int:
    return len(text.encode())


def _cell(text: str) -> str:
    """Text safe inside a table cell and inline HTML: no pipes, no markup, one line."""
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"


def _status(summary: PlanSummary) -> str:
    if summary.error is not None:
        return f"❌ failed: {_cell(summary.error)}"
    if summary.losses:
        return "⛔ destroys or replaces stateful resources"
    return "changes" if summary.changes else "no changes"


def _headline(summary: PlanSummary) -> str:
    if summary.error is not None:
        return "plan failed"
    counts = [f"{summary.count(a)} to {a}" for a in _TABLE_ACTIONS if summary.count(a)]
    counts += [f"{summary.moved} moved"] if summary.moved else []
    return ", ".join(counts) or "no changes"


def blocking_reasons(summaries: Sequence[PlanSummary], *, override: bool) -> list[str]:
    """Why the pull-request check fails (empty: it passes). A failed plan always fails it: an unknown plan
    may hide a destroy, and the override label only covers destroys the comment names."""
    reasons = [f"{s.environment}: plan failed: {s.error}" for s in summaries if s.error is not None]
    if not override:
        reasons += [
            f"{s.environment}: {c.action} {c.address} ({c.stateful.what if c.stateful else c.type}); "
            f"add the label '{OVERRIDE_LABEL}' only if this loss is intended"
            for s in summaries
            for c in s.losses
        ]
    return reasons


def _warning(summaries: Sequence[PlanSummary], *, override: bool) -> list[str]:
    losing = [s for s in summaries if s.losses]
    if not losing:
        return []
    verdict = (
        f"the label `{OVERRIDE_LABEL}` is on this pull request: the check passes anyway"
        if override
        else f"this check fails until a maintainer adds the label `{OVERRIDE_LABEL}` (README, Pull-request workflow)"
    )
    lines = ["> [!CAUTION]", f"> **Stateful resources would be destroyed or replaced**: {verdict}."]
    for summary in losing:
        for change in summary.losses[:_MAX_LOSSES]:
            what = change.stateful.what if change.stateful else change.type
            forced = f"; forced by {', '.join(f'`{p}`' for p in change.forced_by)}" if change.forced_by else ""
            lines.append(f"> - **{summary.environment}**: {change.action} `{change.address}` ({what}{forced})")
        if len(summary.losses) > _MAX_LOSSES:
            lines.append(f"> - **{summary.environment}**: and {len(summary.losses) - _MAX_LOSSES} more")
    return [*lines, ""]


def _table(summaries: Sequence[PlanSummary]) -> list[str]:
    lines = [
        "| environment | status | " + " | ".join(a.value for a in _TABLE_ACTIONS) + " | moved |",
        "|---|---|" + "--:|" * (len(_TABLE_ACTIONS) + 1),
    ]
    for s in summaries:
        numbers = ["n/a"] * (len(_TABLE_ACTIONS) + 1) if s.failed else [str(s.count(a)) for a in _TABLE_ACTIONS]
        numbers += [] if s.failed else [str(s.moved)]
        lines.append(f"| {s.environment} | {_status(s)} | " + " | ".join(numbers) + " |")
    note = "A replacement is counted once, under replace (Terraform's `Plan:` line counts it as an add and a destroy)."
    return [*lines, "", note, ""]


def _fence(text: str) -> str:
    """A code fence longer than any backtick run in ``text``, so a plan cannot close it early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _block(summary: PlanSummary, text: str, cut_note: str) -> str:
    fence = _fence(text + cut_note)
    body = text if text.endswith("\n") or not text else text + "\n"
    return (
        f"<details><summary><b>{_cell(summary.environment)}</b>: {_headline(summary)}</summary>\n\n"
        f"{fence}text\n{body}{cut_note}{fence}\n\n</details>\n"
    )


def _cut(text: str, budget: int) -> tuple[str, int]:
    """The longest run of whole leading lines of ``text`` within ``budget`` bytes, and how many lines it drops."""
    lines = text.splitlines(keepends=True)
    kept, used = 0, 0
    while kept < len(lines) and used + _size(lines[kept]) <= budget:
        used += _size(lines[kept])
        kept += 1
    return "".join(lines[:kept]), len(lines) - kept


def _allot(sizes: Sequence[int], budget: int) -> list[int]:
    """Share ``budget`` among blocks: small plans keep everything, the rest split what is left evenly."""
    allotted = [0] * len(sizes)
    remaining, order = max(budget, 0), sorted(range(len(sizes)), key=lambda i: sizes[i])
    for position, index in enumerate(order):
        share = remaining // (len(order) - position)
        allotted[index] = min(sizes[index], share)
        remaining -= allotted[index]
    return allotted


def render(
    summaries: Sequence[PlanSummary],
    texts: Mapping[str, str],
    *,
    revision: str,
    artifact_url: str | None,
    override: bool,
    limit: int = GITHUB_COMMENT_LIMIT,
) -> str:
    """The comment body: at most ``limit`` bytes, whatever the size of the plans in ``texts``."""
    where = f"[this run]({artifact_url})" if artifact_url else "this workflow run"
    title = f"### Terraform plan for `{revision}`"
    head = "\n".join([MARKER, title, "", *_warning(summaries, override=override), *_table(summaries)])
    tail = f"\nFull readable plans (sensitive values redacted): artifact `{ARTIFACT_NAME}` of {where}.\n"
    cut_note = f"… plan cut to keep this comment under GitHub's limit: see artifact `{ARTIFACT_NAME}`\n"
    # Trailing blanks carry nothing in a plan, and editors and pre-commit strip them from the README's copy.
    plain = ["".join(line.rstrip() + "\n" for line in texts.get(s.environment, "").splitlines()) for s in summaries]
    overhead = sum(_size(_block(s, "", cut_note)) for s in summaries)
    shares = _allot([_size(t) for t in plain], limit - _size(head) - _size(tail) - overhead)
    blocks = []
    for summary, text, share in zip(summaries, plain, shares, strict=True):
        kept, dropped = _cut(text, share)
        blocks.append(_block(summary, kept, cut_note if dropped or (text and not kept) else ""))
    body = head + "\n" + "\n".join(blocks) + tail
    if _size(body) > limit:  # only when the warnings and the table alone outgrow the limit
        body = head.encode()[: limit - _size(tail) - 1].decode(errors="ignore") + "\n" + tail
    return body


def read_plans(plans_dir: Path) -> tuple[list[PlanSummary], dict[str, str]]:
    """Every environment directory below ``plans_dir`` (sorted by name): its summary and readable plan."""
    if not plans_dir.is_dir():
        raise SystemExit(f"comment: PLANS directory '{plans_dir}' does not exist (write it with the `plan` command)")
    dirs = sorted(d for d in plans_dir.iterdir() if d.is_dir())
    if not dirs:
        raise SystemExit(f"comment: PLANS directory '{plans_dir}' holds no environment directories")
    summaries = [load(d) for d in dirs]
    texts = {}
    for d in dirs:
        log = d / ERROR_LOG
        readable = log if log.exists() else d / PLAN_TEXT
        texts[d.name] = readable.read_text() if readable.exists() else ""
    return summaries, texts


def save_plan(stack_dir: Path, cli_config: Path, environment_dir: Path, *, lock_timeout: str = "120s") -> PlanSummary:
    """Init and plan one synthesized stack; write its plan files (or error log) into ``environment_dir``."""
    from tooling.local import Terraform

    if environment_dir.exists():
        shutil.rmtree(environment_dir)  # never mix a new error with an old plan
    environment_dir.mkdir(parents=True)
    terraform = Terraform(stack_dir, cli_config)
    binary = (environment_dir / "tfplan").resolve()  # sensitive values in clear: never uploaded
    steps = [
        ("init", "-input=false", "-reconfigure", "-no-color"),
        ("plan", "-input=false", f"-lock-timeout={lock_timeout}", "-no-color", f"-out={binary}"),
    ]
    for step in steps:
        run = terraform.run(*step, check=False, capture=True)
        if run.returncode != 0:
            (environment_dir / ERROR_LOG).write_text(f"terraform {step[0]} failed\n{run.stderr}{run.stdout}")
            return load(environment_dir)
    (environment_dir / PLAN_JSON).write_text(terraform.run("show", "-json", str(binary), capture=True).stdout)
    (environment_dir / PLAN_TEXT).write_text(terraform.run("show", "-no-color", str(binary), capture=True).stdout)
    return load(environment_dir)


def _plan(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from config import ConfigError
    from config.naming import stack_name
    from main import ENV_LOCAL_ENDPOINT, ENV_SELECT, selected_configs, synthesize
    from tooling import quiet_jsii
    from tooling.local import ROOT
    from tooling.terraform_cli import write_cli_config

    quiet_jsii()
    selection = {ENV_SELECT: ",".join(args.environments)} if args.environments else dict(environ)
    try:
        configs = selected_configs({k: v for k, v in selection.items() if k == ENV_SELECT})
    except ConfigError as error:
        print(f"plan refused: {error}", file=sys.stderr)
        return 1
    outdir = Path(environ.get("CDKTF_OUTDIR") or ROOT / "cdktf.out")
    synthesize(configs, outdir, local_endpoint=environ.get(ENV_LOCAL_ENDPOINT) or None)
    cli_config = write_cli_config(ROOT / ".terraform-cli.hcl")
    for config in configs:
        summary = save_plan(outdir / "stacks" / stack_name(config.name), cli_config, args.out / config.name)
        print(f"{config.name}: {_headline(summary)}" + (f": {summary.error}" if summary.error else ""))
    return 0  # failures are the comment's to report, and the `comment` step's to fail on


def _comment(args: argparse.Namespace) -> int:
    summaries, texts = read_plans(args.plans)
    body = render(
        summaries, texts, revision=args.revision, artifact_url=args.artifact_url, override=args.allow_stateful_destroy
    )
    args.output.write_text(body)
    reasons = blocking_reasons(summaries, override=args.allow_stateful_destroy)
    for reason in reasons:
        print(f"plan check failed: {reason}", file=sys.stderr)
    print(f"wrote {args.output} ({_size(body)} bytes); check {'fails' if reasons else 'passes'}")
    return 1 if reasons else 0


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tooling.pr_comment", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", help="save each environment's plan")
    plan.add_argument("--out", type=Path, required=True, help="directory for one subdirectory per environment")
    plan.add_argument("environments", nargs="*")
    comment = commands.add_parser("comment", help="write the comment from saved plans; exit 1 if the check fails")
    comment.add_argument("plans", type=Path, help="directory written by the plan command")
    comment.add_argument("--output", type=Path, default=Path("comment.md"))
    comment.add_argument("--revision", default=(environ.get("GITHUB_SHA") or "local")[:7])
    comment.add_argument("--artifact-url", default=None, help="the workflow run holding the plans artifact")
    comment.add_argument("--allow-stateful-destroy", action="store_true", help=f"the '{OVERRIDE_LABEL}' label is set")
    args = parser.parse_args(argv)
    return _plan(args, environ) if args.command == "plan" else _comment(args)


if __name__ == "__main__":
    sys.exit(main())
