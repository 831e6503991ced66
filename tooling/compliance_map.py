"""Generate ``docs/compliance.md``: the HIPAA Security Rule safeguards we address, the resources that
implement each in every environment, and the checkov checks that evidence them.

    .venv/bin/python -m tooling.compliance_map           synthesize, scan, write docs/compliance.md
    .venv/bin/python -m tooling.compliance_map --check   exit 1 when the checked-in file is stale

Everything in the document is read from the synthesized JSON and checkov's verdicts on it, so it
follows the code: the mapping below only says which resource types and arguments, and which checks,
evidence which safeguard. The output is sorted and carries no dates, so it only changes with the code.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tooling import quiet_jsii

quiet_jsii()  # before components starts the jsii runtime: no Node banner in the command's output

from components.compliance import ANY_RESOURCE, annotations_of, blocks  # noqa: E402  (after quiet_jsii)
from config.naming import stack_name  # noqa: E402
from tooling.checkov_scan import StackScan, load_stacks, scan_stacks  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "compliance.md"
REFERENCE = re.compile(r"\$\{([^}]*)\}")
HASH = re.compile(r"_[0-9A-F]{8}(?=\.|$)")


@dataclass(frozen=True)
class Evidence:
    """Resources of ``tf_type`` whose arguments match ``requires`` implement the safeguard as ``what``."""

    tf_type: str
    what: str
    shows: tuple[str, ...]
    requires: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Safeguard:
    citation: str
    title: str
    how: str
    evidence: tuple[Evidence, ...]
    checks: tuple[str, ...]


def _ids(text: str) -> tuple[str, ...]:
    """checkov check ids from a space-separated list (keeps the mapping compact)."""
    return tuple(text.split())


_ENCRYPTED_WITH_OUR_KEY = "encrypted at rest with a customer-managed key (164.312(a)(2)(iv))"
SAFEGUARDS: tuple[Safeguard, ...] = (
    Safeguard(
        "164.312(a)(1)",
        "Access control",
        "Tiered security groups (SG to SG), a private data tier, one least-privilege role per workload, "
        "EFS reached only through an access point with a fixed POSIX identity, and encryption at rest with "
        "per-purpose customer-managed keys whose policies allow use only through their service.",
        (
            Evidence("aws_security_group", "tier boundary", ("name", "description")),
            Evidence("aws_iam_role", "workload identity", ("name", "description")),
            Evidence(
                "aws_db_instance",
                "private database",
                ("publicly_accessible", "db_subnet_group_name"),
                {"publicly_accessible": False},
            ),
            Evidence("aws_efs_access_point", "fixed POSIX identity", ("posix_user",)),
            Evidence("aws_kms_key", "key usable only through its service", ("policy", "enable_key_rotation")),
            Evidence("aws_db_instance", _ENCRYPTED_WITH_OUR_KEY, ("kms_key_id",), {"storage_encrypted": True}),
            Evidence("aws_efs_file_system", _ENCRYPTED_WITH_OUR_KEY, ("kms_key_id",), {"encrypted": True}),
            Evidence("aws_cloudwatch_log_group", _ENCRYPTED_WITH_OUR_KEY, ("kms_key_id",)),
            Evidence("aws_s3_bucket_server_side_encryption_configuration", _ENCRYPTED_WITH_OUR_KEY, ("rule",)),
            Evidence("aws_sns_topic", _ENCRYPTED_WITH_OUR_KEY, ("kms_master_key_id",)),
            Evidence("aws_ecr_repository", _ENCRYPTED_WITH_OUR_KEY, ("encryption_configuration",)),
            Evidence("aws_secretsmanager_secret", _ENCRYPTED_WITH_OUR_KEY, ("kms_key_id",)),
        ),
        _ids(
            "CKV_AWS_17 CKV_AWS_24 CKV_AWS_25 CKV_AWS_260 CKV_AWS_277 CKV2_AWS_12 CKV_AWS_130 "
            "CKV_AWS_60 CKV_AWS_61 CKV_AWS_62 CKV_AWS_63 CKV_AWS_274 CKV2_AWS_40 CKV2_AWS_56 "
            "CKV_AWS_329 CKV_AWS_330 CKV_AWS_33 CKV_AWS_16 CKV_AWS_42 CKV_AWS_158 CKV_AWS_184 "
            "CKV_AWS_354 CKV_AWS_136 CKV_AWS_145 CKV2_AWS_6 CKV_AWS_26 CKV_AWS_149"
        ),
    ),
    Safeguard(
        "164.312(b)",
        "Audit controls",
        "VPC flow logs of all traffic, PostgreSQL connection logging exported to CloudWatch Logs, Performance "
        "Insights, every log group encrypted and kept for the environment's retention (prod: six years).",
        (
            Evidence("aws_flow_log", "network audit trail", ("traffic_type", "max_aggregation_interval")),
            Evidence("aws_cloudwatch_log_group", "audit log retention", ("name", "retention_in_days")),
            Evidence("aws_db_parameter_group", "connection logging", ("parameter",)),
            Evidence(
                "aws_db_instance",
                "database log exports and insights",
                ("enabled_cloudwatch_logs_exports", "performance_insights_enabled", "monitoring_interval"),
            ),
        ),
        _ids(
            "CKV2_AWS_11 CKV_AWS_66 CKV_AWS_338 CKV_AWS_158 CKV_AWS_129 CKV2_AWS_30 CKV_AWS_118 "
            "CKV_AWS_353 CKV_AWS_91 CKV_AWS_67 CKV_AWS_252 CKV_AWS_35"
        ),
    ),
    Safeguard(
        "164.312(c)(1)",
        "Integrity",
        "Keys rotate yearly, the production database cannot be deleted by accident and takes minor engine "
        "fixes automatically, snapshots keep their tags, and EFS is backed up.",
        (
            Evidence("aws_kms_key", "key rotation", ("enable_key_rotation", "deletion_window_in_days")),
            Evidence(
                "aws_db_instance",
                "protected, patched database",
                ("deletion_protection", "auto_minor_version_upgrade", "copy_tags_to_snapshot"),
            ),
            Evidence("aws_efs_backup_policy", "file backups", ("backup_policy",)),
            Evidence("aws_s3_bucket_versioning", "object versions kept", ("versioning_configuration",)),
        ),
        _ids("CKV_AWS_7 CKV_AWS_227 CKV_AWS_293 CKV_AWS_226 CKV2_AWS_60 CKV_AWS_21 CKV_AWS_51"),
    ),
    Safeguard(
        "164.312(d)",
        "Person or entity authentication",
        "Roles are assumable only by their AWS service on this account's behalf (confused-deputy condition); "
        "database users authenticate with IAM, and the master password is generated and rotated by RDS in "
        "Secrets Manager, never written in code; the provider holds no static credentials.",
        (
            Evidence("aws_iam_role", "service-only trust", ("assume_role_policy",)),
            Evidence(
                "aws_db_instance",
                "IAM auth, managed master secret",
                ("iam_database_authentication_enabled", "manage_master_user_password", "master_user_secret_kms_key_id"),
            ),
        ),
        _ids("CKV_AWS_161 CKV_AWS_60 CKV_AWS_61 CKV_AWS_41"),
    ),
    Safeguard(
        "164.312(e)(1)",
        "Transmission security",
        "PostgreSQL refuses clients without TLS and presents a current CA, the EFS policy denies any request "
        "not made over TLS, and the load balancer terminates HTTPS (port 80 only redirects).",
        (
            Evidence("aws_db_parameter_group", "TLS-only database", ("parameter",)),
            Evidence("aws_db_instance", "current server CA", ("ca_cert_identifier",)),
            Evidence("aws_efs_file_system_policy", "TLS-only file system", ("policy",)),
            Evidence("aws_lb_listener", "HTTPS termination", ("protocol", "ssl_policy")),
        ),
        _ids("CKV2_AWS_69 CKV_AWS_211 CKV_AWS_2 CKV_AWS_103 CKV2_AWS_20"),
    ),
    Safeguard(
        "164.308(a)(7)",
        "Contingency plan",
        "Automated database backups for the environment's retention, a standby in a second AZ and a final "
        "snapshot where the environment asks for them, EFS backups, and subnets (and in prod NAT gateways) in "
        "every Availability Zone.",
        (
            Evidence(
                "aws_db_instance",
                "backups and standby",
                ("backup_retention_period", "multi_az", "skip_final_snapshot", "delete_automated_backups"),
            ),
            Evidence("aws_efs_backup_policy", "file backups", ("backup_policy",)),
            Evidence("aws_subnet", "spread over AZs", ("availability_zone",)),
            Evidence("aws_nat_gateway", "egress per AZ", ("subnet_id",)),
        ),
        _ids("CKV_AWS_133 CKV_AWS_157 CKV2_AWS_60 CKV_AWS_293"),
    ),
)


def _short(text: str) -> str:
    """``${aws_kms_key.encryption_rds_key_2C6D0E1A.arn}`` -> ``aws_kms_key.encryption_rds_key``."""
    return REFERENCE.sub(lambda m: HASH.sub("", m.group(1)).rsplit(".", 1)[0], text)


def render_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str) and value.lstrip().startswith("{") and '"Statement"' in value:
        document = json.loads(value)
        statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        services = [s.get("Principal", {}).get("Service") for s in statements]
        if all(isinstance(s, str) for s in services) and services:
            return "trusts " + ", ".join(sorted({str(s) for s in services}))
        return "statements " + ", ".join(sorted(str(s.get("Sid", "?")) for s in statements))
    if isinstance(value, list) and value and all(isinstance(v, dict) and {"name", "value"} <= v.keys() for v in value):
        return ", ".join(sorted(f"{v['name']}={v['value']}" for v in value))
    if isinstance(value, (list, dict)):
        return _short(json.dumps(value, sort_keys=True, separators=(",", ":")))
    return _short(str(value))


def _matches(body: dict[str, Any], evidence: Evidence) -> bool:
    return all(body.get(k) == v for k, v in evidence.requires.items()) and any(a in body for a in evidence.shows)


def _evidence_rows(evidence: Evidence, docs: dict[str, dict[str, Any]]) -> list[str]:
    """One row per resource: values equal in every environment once, the others in each environment's cell."""
    found: dict[str, dict[str, dict[str, str]]] = {}
    for env, doc in docs.items():
        for logical_id, body in doc.get("resource", {}).get(evidence.tf_type, {}).items():
            if _matches(body, evidence):
                shown = {a: render_value(body[a]) for a in evidence.shows if a in body}
                found.setdefault(f"{evidence.tf_type}.{logical_id}", {})[env] = shown
    rows = []
    for address, by_env in sorted(found.items()):
        values = list(by_env.values())
        common = {a: v for a, v in values[0].items() if all(other.get(a) == v for other in values)}
        cells = []
        for env in docs:
            if env not in by_env:
                cells.append("—")
                continue
            own = "; ".join(f"{a}: {v}" for a, v in by_env[env].items() if a not in common)
            cells.append(_cell(own or "yes"))
        shared = _cell("; ".join(f"{a}: {v}" for a, v in common.items()))
        rows.append(f"| `{address}` | {evidence.what} | {shared} | " + " | ".join(cells) + " |")
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _check_rows(safeguard: Safeguard, scans: dict[str, StackScan]) -> tuple[list[str], list[str]]:
    rows, unevaluated = [], []
    for check_id in sorted(safeguard.checks):
        names = {f.check_name for s in scans.values() for f in (*s.passed, *s.failed) if f.check_id == check_id}
        if not names:
            unevaluated.append(check_id)
            continue
        cells = []
        for scan in scans.values():
            counts = (
                (sum(f.check_id == check_id for f in scan.passed), "passed"),
                (sum(s.check_id == check_id for s in scan.suppressions), "suppressed"),
                (sum(f.check_id == check_id for f in scan.unexplained), "FAILED"),
            )
            cells.append(", ".join(f"{n} {label}" for n, label in counts if n) or "—")
        rows.append(f"| {check_id} | {_cell(sorted(names)[0])} | " + " | ".join(cells) + " |")
    return rows, unevaluated


def render(docs: dict[str, dict[str, Any]], scans: dict[str, StackScan], checkov_version: str) -> str:
    """The control map for ``docs`` (environment -> synthesized JSON) and their scans, in environment order."""
    envs = list(docs)
    head = " | ".join(envs)
    rule = " | ".join("---" for _ in envs)
    out = [
        "# HIPAA Security Rule control map",
        "",
        "Generated by `.venv/bin/python -m tooling.compliance_map` from the synthesized stacks and a checkov "
        f"{checkov_version} scan of them; do not edit by hand (`tests/tooling/test_compliance_map.py` fails when "
        "this file is stale). Resource addresses are Terraform addresses in each environment's stack. Values shared "
        "by every environment that has the resource are shown once; an environment's cell shows its own values, "
        "`yes` when it has nothing of its own, and a dash when it has no such resource (or, for a check, nothing "
        "to evaluate).",
        "",
    ]
    for safeguard in SAFEGUARDS:
        out += [f"## {safeguard.citation} {safeguard.title}", "", safeguard.how, ""]
        out += [f"| resource | implements | in every environment | {head} |", f"| --- | --- | --- | {rule} |"]
        out += [row for evidence in safeguard.evidence for row in _evidence_rows(evidence, docs)]
        rows, unevaluated = _check_rows(safeguard, scans)
        out += ["", f"| checkov check | title | {head} |", f"| --- | --- | {rule} |", *rows, ""]
        if unevaluated:
            out += [f"Mapped, with no matching resource yet: {', '.join(unevaluated)}.", ""]
    out += _exceptions(docs, scans)
    return "\n".join(out).rstrip() + "\n"


def _exceptions(docs: dict[str, dict[str, Any]], scans: dict[str, StackScan]) -> list[str]:
    out = ["## Exceptions declared in code", "", "| environment | check | resource | reason |"]
    out += ["| --- | --- | --- | --- |"]
    out += [
        f"| {env} | {s.check_id} | `{s.address}` | {_cell(s.reason)} |"
        for env, scan in scans.items()
        for s in sorted(scan.suppressions, key=lambda s: (s.check_id, s.address))
    ]
    wildcard = [
        f"| {env} | `{address}` | {sid} | {_cell(reason)} |"
        for env, doc in docs.items()
        for address, body in blocks(doc)
        for sid, reason in sorted(annotations_of(body, ANY_RESOURCE).items())
    ]
    if wildcard:
        out += ["", "| environment | IAM policy | statement | why `Resource: *` |", "| --- | --- | --- | --- |"]
        out += wildcard
    return [*out, ""]


def generate(outdir: Path, environments: Iterable[str]) -> str:
    """The control map of a synthesized ``outdir`` (runs checkov once)."""
    from checkov.version import version

    stacks = load_stacks(outdir)
    docs = {env: stacks[stack_name(env)] for env in environments}
    scans = scan_stacks({stack_name(env): doc for env, doc in docs.items()})
    return render(docs, {env: scans[stack_name(env)] for env in docs}, version)


def main(argv: list[str]) -> int:
    from config import ENVIRONMENTS
    from main import synthesize

    with tempfile.TemporaryDirectory(prefix="compliance-map-") as scratch:
        outdir = Path(scratch) / "cdktf.out"
        synthesize(list(ENVIRONMENTS.values()), outdir)
        text = generate(outdir, ENVIRONMENTS)
    if "--check" in argv:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale; run python -m tooling.compliance_map", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
