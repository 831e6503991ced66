"""parliament over each statement of every IAM policy document of every synthesized stack.

    .venv/bin/python -m tooling.iam_lint             synthesize every environment and the bootstrap, lint
    .venv/bin/python -m tooling.iam_lint cdktf.out   lint an output directory already synthesized

Exit 0 when every finding is explained by an annotation beside its statement and every annotation still
explains a finding; exit 1 otherwise, listing each unexplained finding (stack, resource address, Sid,
issue, detail), each stale annotation and each annotation without a reason. Annotations are written by
``components.compliance.explain_lint`` into the ``//`` comment of the resource holding the policy and
matched by (address, Sid, issue): a statement without a Sid cannot be annotated. A finding that lists
actions (RESOURCE_STAR, RESOURCE_MISMATCH) is explained only by a reason that names each of their
services, so a service added to the statement later is not covered by a reason written before it.

Every resource argument holding a JSON policy document is linted: identity policies, trust policies and
the key, bucket, topic and file-system policies. parliament reads resource policies as written; two kinds
get their implicit resource made explicit first, since parliament requires one and would otherwise only
report its absence: a trust policy's resource is the role itself, and a key policy's ``"*"`` means "this
key" (KMS developer guide, "Key policies"). Terraform interpolations become stand-ins of the right type
(the ARN of the referenced resource's type and name, a name, a partition, an account id), so that
parliament parses every ARN; an interpolation the gate has no stand-in for stops it, never a guess. Each
statement is analyzed alone, as annotations are per statement; each document is then analyzed whole for
what only spans statements (duplicate Sids, the bucket-policy escalation check). parliament's own checks
only: its community auditors are not run.
"""

from __future__ import annotations

import json
import re
import string
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tooling import quiet_jsii

quiet_jsii()

from components.compliance import lint_explanations, policy_documents_of  # noqa: E402  (after quiet_jsii)
from tooling.checkov_scan import NoStacksError, load_stacks  # noqa: E402

with warnings.catch_warnings():  # parliament 1.6.4 imports setuptools' deprecated pkg_resources
    warnings.simplefilter("ignore", UserWarning)
    import parliament

ACCOUNT = "123456789012"
INTERPOLATION = re.compile(r"\$\{([^}]*)\}")
REFERENCE = re.compile(r"^(data\.)?(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(.+)$")
LISTS_ACTIONS = {"RESOURCE_STAR", "RESOURCE_MISMATCH"}
KEY_ARN = "arn:aws:kms:{region}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# The ARN of each resource type a policy refers to, built from the resource's own arguments.
ARNS: dict[str, str] = {
    "aws_appautoscaling_target": "arn:aws:application-autoscaling:{region}:{account}:scalable-target/"
    "0123456789abcdef0123456789abcdef",
    "aws_cloudwatch_log_group": "arn:aws:logs:{region}:{account}:log-group:{name}",
    "aws_codebuild_project": "arn:aws:codebuild:{region}:{account}:project/{name}",
    "aws_codepipeline": "arn:aws:codepipeline:{region}:{account}:{name}",
    "aws_db_instance": "arn:aws:rds:{region}:{account}:db:{identifier}",
    "aws_dynamodb_table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "aws_ecr_repository": "arn:aws:ecr:{region}:{account}:repository/{name}",
    "aws_ecs_cluster": "arn:aws:ecs:{region}:{account}:cluster/{name}",
    "aws_ecs_service": "arn:aws:ecs:{region}:{account}:service/{cluster_name}/{name}",
    "aws_ecs_task_definition": "arn:aws:ecs:{region}:{account}:task-definition/{family}:1",
    "aws_efs_access_point": "arn:aws:elasticfilesystem:{region}:{account}:access-point/fsap-0123456789abcdef0",
    "aws_efs_file_system": "arn:aws:elasticfilesystem:{region}:{account}:file-system/fs-0123456789abcdef0",
    "aws_iam_openid_connect_provider": "arn:aws:iam::{account}:oidc-provider/{host}",
    "aws_iam_policy": "arn:aws:iam::{account}:policy/{name}",
    "aws_iam_role": "arn:aws:iam::{account}:role/{name}",
    "aws_kms_key": KEY_ARN,
    "aws_s3_bucket": "arn:aws:s3:::{bucket}",
    "aws_sns_topic": "arn:aws:sns:{region}:{account}:{name}",
}
ID_IS_ARN = {"aws_ecs_cluster", "aws_ecs_service", "aws_iam_policy", "aws_sns_topic"}  # the provider's ids
# Other attributes, by (type, attribute), in the shape AWS gives them; any other attribute that is a plain
# argument of the resource (name, bucket, family) stands for itself.
ATTRIBUTES: dict[tuple[str, str], str] = {
    ("aws_db_instance", "resource_id"): "db-ABCDEFGHIJKLMNOPQRSTUVWXY0",
    ("aws_db_instance", "master_user_secret[0].secret_arn"): "arn:aws:secretsmanager:{region}:{account}:"
    "secret:rds!db-01234567-89ab-cdef-0123-456789abcdef-AbCdEf",
    ("aws_partition", "partition"): "aws",
    ("aws_partition", "dns_suffix"): "amazonaws.com",
    ("aws_caller_identity", "account_id"): "{account}",
    ("aws_region", "name"): "{region}",
    ("aws_elb_service_account", "arn"): "arn:aws:iam::210987654321:root",  # ELB's account in the region
}
TRUST_POLICY = ("aws_iam_role", "assume_role_policy")
KEY_POLICIES = {("aws_kms_key", "policy"), ("aws_kms_key_policy", "policy")}


@dataclass(frozen=True, order=True)
class Finding:
    """One parliament finding on one statement (``sid`` ``""``: none, or the document as a whole)."""

    stack: str
    address: str
    sid: str
    issue: str
    detail: str
    actions: tuple[str, ...] = field(default=(), compare=False)

    @property
    def services(self) -> list[str]:
        return sorted({a.split(":", 1)[0] for a in self.actions})


@dataclass(frozen=True, order=True)
class Explanation:
    """An annotation: ``issue`` is expected on the statement ``sid`` of ``address``'s policy, for ``reason``."""

    stack: str
    address: str
    sid: str
    issue: str
    reason: str

    def unnamed(self, finding: Finding) -> list[str]:
        """The services of ``finding``'s actions that the reason does not name."""
        return [s for s in finding.services if not re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", self.reason, re.I)]


class Stack:
    """One synthesized stack, which gives the stand-ins for the interpolations its policies hold."""

    def __init__(self, name: str, doc: dict[str, Any]) -> None:
        self.name, self.doc = name, doc
        self.region = str(doc.get("provider", {}).get("aws", [{}])[0].get("region", "us-east-1"))

    def resolve(self, value: str) -> str:
        return INTERPOLATION.sub(lambda m: self._stand_in(m.group(1)), value)

    def concrete(self, value: Any) -> Any:
        """A parsed policy value with every string resolved."""
        if isinstance(value, str):
            return self.resolve(value)
        if isinstance(value, list):
            return [self.concrete(v) for v in value]
        if isinstance(value, dict):
            return {self.resolve(k): self.concrete(v) for k, v in value.items()}
        return value

    def arn(self, template: str, tf_type: str, body: dict[str, Any]) -> str:
        """``template`` filled from ``body``'s arguments (those it names only)."""
        fields = {"region": self.region, "account": ACCOUNT}
        for _, name, _, _ in string.Formatter().parse(template):
            if name and name not in fields:
                fields[name] = self._argument(name, tf_type, body)
        return template.format(**fields)

    def _stand_in(self, expression: str) -> str:
        match = REFERENCE.match(expression)
        data, tf_type, logical_id, attribute = match.groups() if match else ("", "", "", "")
        body = self.doc.get("data" if data else "resource", {}).get(tf_type, {}).get(logical_id)
        if body is None:
            raise ValueError(f"{self.name}: ${{{expression}}} names nothing in the stack")
        if (attribute == "arn" and tf_type in ARNS) or (attribute == "id" and tf_type in ID_IS_ARN):
            return self.arn(ARNS[tf_type], tf_type, body)
        if (tf_type, attribute) in ATTRIBUTES:
            return self.arn(ATTRIBUTES[tf_type, attribute], tf_type, body)
        if isinstance(body.get(attribute), str):
            return self.resolve(body[attribute])
        raise ValueError(f"{self.name}: no stand-in for ${{{expression}}}; add one to tooling/iam_lint.py")

    def _argument(self, name: str, tf_type: str, body: dict[str, Any]) -> str:
        if name == "cluster_name":  # a service names its cluster by ARN, whose last part is the name
            return self.resolve(body["cluster"]).rsplit("/", 1)[-1]
        if name == "host":
            return self.resolve(body["url"]).removeprefix("https://")
        if not isinstance(body.get(name), str):
            raise ValueError(f"{self.name}: a {tf_type} without a plain {name} argument has no stand-in ARN")
        return self.resolve(body[name])


@dataclass(frozen=True)
class StackLint:
    """parliament's findings on one stack next to the annotations its code declares."""

    stack: str
    documents: int
    statements: int
    findings: tuple[Finding, ...]
    explanations: tuple[Explanation, ...]

    def _explanation(self, finding: Finding) -> Explanation | None:
        key = (finding.address, finding.sid, finding.issue)
        return next((e for e in self.explanations if (e.address, e.sid, e.issue) == key), None)

    @property
    def unexplained(self) -> list[Finding]:
        return [f for f in self.findings if (e := self._explanation(f)) is None or not e.reason.strip() or e.unnamed(f)]

    def problems(self) -> list[str]:
        """One line per unexplained finding, stale annotation or annotation without a reason."""
        found = {(f.address, f.sid, f.issue) for f in self.findings}
        lines = []
        for f in self.unexplained:
            explanation = self._explanation(f)
            why = "no annotation explains it"
            if explanation is not None and explanation.reason.strip():
                why = f"the annotation's reason does not name {', '.join(explanation.unnamed(f))}"
            lines.append(f"{self.stack}: {f.address} Sid {f.sid or '(none)'}: {f.issue}: {f.detail}: {why}")
        for e in self.explanations:
            where = f"{self.stack}: {e.address} Sid {e.sid}: the annotation of {e.issue}"
            if (e.address, e.sid, e.issue) not in found:
                lines.append(f"{where} is stale: parliament finds no {e.issue} there")
            if not e.reason.strip():
                lines.append(f"{where} has no reason")
        return lines


def policy_documents(doc: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(type, logical id, argument, parsed document) of every policy document a resource holds."""
    return [
        (tf_type, logical_id, argument, document)
        for tf_type, by_id in sorted(doc.get("resource", {}).items())
        for logical_id, body in sorted(by_id.items())
        for argument, document in policy_documents_of(body)
    ]


def _finding(stack: str, address: str, sid: str, found: Any) -> Finding:
    detail = found.detail
    listed = detail if found.issue in LISTS_ACTIONS and isinstance(detail, list) else []
    actions = tuple(str(i["action"] if isinstance(i, dict) else i) for i in listed)
    shown = ", ".join(actions[:6]) + (f" and {len(actions) - 6} more" if len(actions) > 6 else "")
    text = shown or (detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True))
    return Finding(stack, address, sid, found.issue, text, actions)


def _explicit(stack: Stack, tf_type: str, argument: str, body: dict[str, Any], statement: Any) -> Any:
    """``statement`` resolved, with a trust policy's or a key policy's implicit resource written out."""
    concrete = stack.concrete(statement)
    if (tf_type, argument) == TRUST_POLICY:
        concrete.setdefault("Resource", stack.arn(ARNS["aws_iam_role"], tf_type, body))
    elif (tf_type, argument) in KEY_POLICIES and concrete.get("Resource") == "*":
        concrete["Resource"] = stack.arn(KEY_ARN, tf_type, body)
    return concrete


def lint_stack(name: str, doc: dict[str, Any]) -> StackLint:
    """Run parliament on each statement of each policy document of one stack, then on each document whole."""
    stack, statements, findings = Stack(name, doc), 0, set[Finding]()
    documents = policy_documents(doc)
    for tf_type, logical_id, argument, document in documents:
        body, address = doc["resource"][tf_type][logical_id], f"{tf_type}.{logical_id}"
        raw = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
        ready = [_explicit(stack, tf_type, argument, body, s) for s in raw]
        parts = [(str(r.get("Sid", "")), [c], False) for r, c in zip(raw, ready, strict=True)] + [("", ready, True)]
        for sid, part, whole in parts:
            version = document.get("Version", "2012-10-17")
            policy = parliament.analyze_policy_string(json.dumps({"Version": version, "Statement": part}))
            # The whole document adds only its own findings: those of each statement are in already.
            findings.update(_finding(name, address, sid, f) for f in (policy._findings if whole else policy.findings))
        statements += len(raw)
    explanations = sorted(
        Explanation(name, f"{tf_type}.{logical_id}", sid, issue, reason)
        for tf_type, by_id in doc.get("resource", {}).items()
        for logical_id, body in by_id.items()
        for sid, issue, reason in lint_explanations(body)
    )
    return StackLint(name, len(documents), statements, tuple(sorted(findings)), tuple(explanations))


def synthesized(directory: Path) -> dict[str, dict[str, Any]]:
    """Every environment and the state bootstrap, synthesized into ``directory``."""
    from config import ENVIRONMENTS
    from main import synthesize

    outdir = directory / "cdktf.out"
    synthesize(list(ENVIRONMENTS.values()), outdir, bootstrap_state_file=directory / "bootstrap.tfstate")
    return load_stacks(outdir)


def main(argv: list[str]) -> int:
    if argv:
        try:
            docs = load_stacks(Path(argv[0]))
        except NoStacksError as error:
            print(f"iam_lint: {error}", file=sys.stderr)
            return 2
    else:
        with tempfile.TemporaryDirectory(prefix="iam-lint-") as scratch:
            docs = synthesized(Path(scratch))
    lints = [lint_stack(name, doc) for name, doc in docs.items()]
    for lint in lints:
        print(
            f"{lint.stack}: {lint.statements} statements in {lint.documents} policy documents, "
            f"{len(lint.findings)} findings, {len(lint.findings) - len(lint.unexplained)} of them explained"
        )
    problems = [p for lint in lints for p in lint.problems()]
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
