"""Adopt a running CloudFormation TapStack into an environment's Terraform stack, keeping its resources.

    python -m tooling.adopt --stack TapStackdev --environment dev          report, then write the imports
    python -m tooling.adopt --stack TapStackdev --environment dev --print-retain   the Retain change only

Reads the deployed stack (its template, parameters and each resource's live description), maps every
resource to the Terraform address of our construct that takes its place, and compares the live values
with the environment's configuration. Every difference that would replace a resource is reported with
the config change that keeps it. Live values our code would otherwise set differently and only the
environment's ``adopted`` setting keeps (the EFS creation token, the security groups' descriptions) are
printed as the exact lines to add to config/environments.py, and nothing is written until the
configuration carries them: kept there, every later synth keeps them too. While a stateful resource
(RDS, EFS, KMS keys, S3 buckets, log groups), the network holding them or a security group would be
replaced for another reason, nothing is written unless --allow-stateful-replacement is given.
Otherwise the environment is synthesized into $CDKTF_OUTDIR (default cdktf.out; .local/cdktf.out when
HEALTHTECH_LOCAL_ENDPOINT is set) and adopt-imports.tf.json (Terraform import blocks) is written beside
its cdk.tf.json. Then: terraform init, plan, apply in that directory (README, Adopt).
Exit status: 0 written (or printed), 2 bad input or refused (nothing written).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from config import ConfigError, EnvironmentConfig
from config.naming import stack_name
from tooling.adopt_cfn import AdoptError, DeployedStack, read_stack, retain_template
from tooling.adopt_live import DESCRIBERS, WITHOUT_COUNTERPART, Clients, Live
from tooling.adopt_map import NOT_IMPORTED, Adoption, Difference, Keep, Prerequisite, Stack, compare, kept, match

IMPORTS_FILE = "adopt-imports.tf.json"
ENVIRONMENTS_FILE = "config/environments.py"
_SECRET_REF = re.compile(r"\{\{resolve:secretsmanager:([^:}]+)")


def clients_for(region: str, endpoint: str | None) -> Clients:
    import boto3

    session = boto3.session.Session(region_name=region)
    extra: dict[str, Any] = {}
    if endpoint:
        extra = {"endpoint_url": endpoint, "aws_access_key_id": "local", "aws_secret_access_key": "local"}
    cache: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, **extra)
        return cache[service]

    return client


def describe(stack: DeployedStack, clients: Clients) -> tuple[dict[str, Live], dict[str, str]]:
    """Live descriptions by logical id, and what happens to the resources that have none."""
    from botocore.exceptions import ClientError

    live: dict[str, Live] = {}
    other: dict[str, str] = {}
    for logical_id, resource in stack.resources.items():
        describer = DESCRIBERS.get(resource.cfn_type)
        if describer is None:
            other[logical_id] = WITHOUT_COUNTERPART.get(
                resource.cfn_type, f"{resource.cfn_type}: no counterpart here; it stays as it is, unmanaged"
            )
            continue
        try:
            live[logical_id] = describer(resource, clients)
        except (ClientError, ValueError, KeyError) as error:
            other[logical_id] = f"{resource.cfn_type} {resource.physical_id!r} could not be read live ({error})"
    return live, other


def plan_adoption(stack: DeployedStack, doc: dict[str, Any], clients: Clients, account: str) -> Adoption:
    live, other = describe(stack, clients)
    synthesized = Stack(doc, account)
    matched = match(synthesized, live)
    adoption = Adoption(unmatched=other)
    for logical_id, resource in live.items():
        address = matched.get(logical_id)
        if address is None:
            adoption.unmatched[logical_id] = (
                f"{resource.tf_type} {resource.import_id!r}: no counterpart in our stack matched it by name or "
                "reference; it stays as it is, unmanaged (delete it by hand once unused)"
            )
            continue
        adoption.mapped[logical_id] = address
        adoption.notes.extend(f"{address}: {n}" for n in resource.notes)
        if resource.tf_type in NOT_IMPORTED:
            adoption.notes.append(f"{address}: {NOT_IMPORTED[resource.tf_type]}")
            continue
        adoption.imports[address] = resource.import_id
        adoption.differences.extend(compare(synthesized, address, resource))
        if resource.tf_type == "aws_db_instance":
            _master_secret(synthesized, address, resource, adoption)
        if resource.tf_type == "aws_s3_bucket":
            _bucket_parts(synthesized, address, resource, adoption)
        if resource.tf_type == "aws_security_group":
            _security_group_rules(synthesized, address, resource, adoption)
    for name in sorted({m for r in stack.resources.values() for m in _SECRET_REF.findall(json.dumps(r.properties))}):
        adoption.unmatched[f"secret {name}"] = (
            "referenced by the template, not created by it: ours uses the RDS-managed master secret instead; "
            "the old secret stays as it is; delete it once nothing reads it"
        )
    adoption.created = [a for a in synthesized.resources if a not in adoption.imports]
    return adoption


def _master_secret(stack: Stack, address: str, resource: Live, adoption: Adoption) -> None:
    # Our code reads master_user_secret[0]; an imported instance whose password the template set has
    # none, and the provider plans that list as still empty, so every reference to it fails the plan.
    if stack.value(address, "manage_master_user_password") and not resource.attrs["manage_master_user_password"]:
        identifier = resource.import_id
        adoption.prerequisites.append(
            Prerequisite(
                why=(
                    f"{address}: the password comes from the template's secret; RDS must manage it (a new "
                    "secret under aws/secretsmanager, moved to our secrets key by the apply) before the plan. "
                    "Tasks started afterwards need the new secret: do it right before the apply"
                ),
                command=(
                    f"aws rds modify-db-instance --db-instance-identifier {identifier} "
                    "--manage-master-user-password --apply-immediately"
                ),
                service="rds",
                operation="modify_db_instance",
                arguments={
                    "DBInstanceIdentifier": identifier,
                    "ManageMasterUserPassword": True,
                    "ApplyImmediately": True,
                },
            )
        )


def _bucket_parts(stack: Stack, bucket: str, resource: Live, adoption: Adoption) -> None:
    # The template sets versioning, encryption and public access inline; here each is its own resource.
    for tf_type in resource.attrs["configured"]:
        for address in stack.of_type(tf_type):
            if stack.value(address, "bucket") == resource.import_id:
                adoption.imports[address] = resource.import_id


def _security_group_rules(stack: Stack, group: str, resource: Live, adoption: Adoption) -> None:
    """Import each of our rules the live group already has; report the live rules we do not declare."""
    group_id = resource.import_id
    used: set[tuple[str, int, str]] = set()
    for address in stack.of_type("aws_security_group_rule"):
        if stack.value(address, "security_group_id") != group_id:
            continue
        kind = stack.value(address, "type")
        protocol, low, high = (
            stack.value(address, "protocol"),
            stack.value(address, "from_port"),
            stack.value(address, "to_port"),
        )
        sources = stack.value(address, "cidr_blocks") or [stack.value(address, "source_security_group_id")]
        permissions = resource.attrs["ingress" if kind == "ingress" else "egress"]
        for index, permission in enumerate(permissions):
            if (permission.get("IpProtocol"), permission.get("FromPort"), permission.get("ToPort")) != (
                protocol,
                low,
                high,
            ):
                continue
            present = {r["CidrIp"] for r in permission.get("IpRanges", [])} | {
                p["GroupId"] for p in permission.get("UserIdGroupPairs", [])
            }
            if all(isinstance(s, str) and s in present for s in sources):
                adoption.imports[address] = f"{group_id}_{kind}_{protocol}_{low}_{high}_{'_'.join(sources)}"
                used.update((kind, index, s) for s in sources)
    for kind in ("ingress", "egress"):
        for index, permission in enumerate(resource.attrs[kind]):
            for source in [r["CidrIp"] for r in permission.get("IpRanges", [])] + [
                p["GroupId"] for p in permission.get("UserIdGroupPairs", [])
            ]:
                if (kind, index, source) not in used:
                    ports = f"{permission.get('FromPort', 'all')}-{permission.get('ToPort', 'all')}"
                    adoption.notes.append(
                        f"{group}: live {kind} rule {permission['IpProtocol']} {ports} {source} is not declared "
                        f"here and stays (aws_security_group leaves rules it is not given); revoke it by hand "
                        f"after the apply (aws ec2 revoke-security-group-{kind} --group-id {group_id} ...)"
                    )


def report(adoption: Adoption, stack: DeployedStack, environment: str) -> str:
    lines = [f"Adoption of CloudFormation stack {stack.name} into {stack_name(environment)}:"]
    lines.append(
        f"  {len(adoption.mapped)} of {len(stack.resources)} resources have a counterpart; "
        f"{len(adoption.imports)} imports; {len(adoption.created)} resources the original lacks are created"
    )
    if adoption.differences:
        lines.append("\nDifferences between the live resources and the configuration:")
        for d in adoption.differences:
            mark = "BLOCKS" if d.blocking else "      "
            lines.append(
                f"  {mark} {d.address} {d.attr}: live {d.live!r}, configured {d.configured!r} -> {d.effect.value}"
            )
            lines.append(f"         keep it: {d.fix}")
    lines.append("\nMapping (CloudFormation logical id -> Terraform address):")
    lines.extend(f"  {logical_id} -> {address}" for logical_id, address in sorted(adoption.mapped.items()))
    if adoption.unmatched:
        lines.append("\nWithout a counterpart:")
        lines.extend(f"  {logical_id}: {what}" for logical_id, what in sorted(adoption.unmatched.items()))
    if adoption.prerequisites:
        lines.append("\nBefore the plan (--apply-prerequisites runs these):")
        for step in adoption.prerequisites:
            lines.append(f"  {step.command}")
            lines.append(f"    why: {step.why}")
    if adoption.notes:
        lines.append("\nNotes:")
        lines.extend(f"  {note}" for note in adoption.notes)
    return "\n".join(lines)


def write(stack_dir: Path, adoption: Adoption) -> list[Path]:
    imports = {"import": [{"to": a, "id": i} for a, i in sorted(adoption.imports.items())]}
    written = stack_dir / IMPORTS_FILE
    written.write_text(json.dumps(imports, indent=2) + "\n")
    return [written]


def _literal(text: str) -> str:
    # a JSON string is a Python string literal too (double quotes, escapes Python reads the same way)
    return json.dumps(text)


def _config_line(keep: Keep, live: str) -> str:
    if keep.tier is None:
        return f"{keep.name}={_literal(live)},"
    return f"Tier.{keep.tier.name}: {_literal(live)}, (in security_group_descriptions)"


def config_change(config: EnvironmentConfig, missing: list[Difference]) -> str:
    """The exact change to config/environments.py that keeps every live value in ``missing`` (differences
    with a ``keep``), merged with what the environment's ``adopted`` setting already holds."""
    import config.environments as module

    settings = kept(config.adopted, missing)
    block = ["    adopted=AdoptedSettings("]
    if settings.efs_creation_token is not None:
        block.append(f"        efs_creation_token={_literal(settings.efs_creation_token)},")
    if settings.security_group_descriptions:
        block.append("        security_group_descriptions={")
        block.extend(
            f"            Tier.{tier.name}: {_literal(description)},"
            for tier, description in settings.security_group_descriptions.items()
        )
        block.append("        },")
    block.append("    ),")
    variables = [
        name
        for name, value in vars(module).items()
        if isinstance(value, EnvironmentConfig) and value.name == config.name and name.isupper()
    ]
    target = (
        f"{variables[0]} = EnvironmentConfig(name={config.name!r}, ...)"
        if len(variables) == 1
        else f"the EnvironmentConfig(name={config.name!r}, ...) registered in ENVIRONMENTS"
    )
    verb = "replace its adopted=... argument with" if config.adopted else "add this argument to"
    needed = ["AdoptedSettings"] + (["Tier"] if settings.security_group_descriptions else [])
    imports = [name for name in needed if not hasattr(module, name)]
    also = f" (and import {' and '.join(imports)} from config.settings)" if imports else ""
    per_field = [
        f"  - {d.address} {d.attr} ({d.keep.setting}): live {d.live!r}, configured {d.configured!r}; "
        f"config line: {_config_line(d.keep, d.live)}"
        for d in missing
        if d.keep
    ]
    return "\n".join(
        [
            *per_field,
            "",
            f"In {ENVIRONMENTS_FILE}, {verb} {target}{also}:",
            "",
            *block,
        ]
    )


def _environment(name: str, endpoint: str | None) -> EnvironmentConfig:
    """``name``'s settings; with a local endpoint, deployed into its account as every local synth is."""
    from main import ENV_LOCAL_ENDPOINT, ENV_SELECT, selected_configs

    try:
        (config,) = selected_configs({ENV_SELECT: name, **({ENV_LOCAL_ENDPOINT: endpoint} if endpoint else {})})
    except ConfigError as error:
        raise AdoptError(f"--environment {name!r}: {error}") from None
    return config


def _synthesize(config: EnvironmentConfig, outdir: Path, endpoint: str | None) -> tuple[Path, Path]:
    """Synthesize into a sibling scratch directory (same depth: relative backend paths stay right)."""
    from main import synthesize

    outdir = outdir.resolve()
    outdir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-adopt-", dir=outdir.parent)) / "out"
    synthesize([config], scratch, local_endpoint=endpoint)
    return scratch, scratch / "stacks" / stack_name(config.name)


def adopt(
    stack_name_: str,
    environment: str,
    *,
    outdir: Path,
    endpoint: str | None,
    allow_replacement: bool,
    apply_prerequisites: bool = False,
) -> tuple[str, list[Path]]:
    config = _environment(environment, endpoint)
    clients = clients_for(config.region, endpoint)
    account: str = clients("sts").get_caller_identity()["Account"]
    stack = read_stack(clients("cloudformation"), stack_name_, account=account, region=config.region)
    if stack.environment_suffix != config.name:
        raise AdoptError(
            f"stack {stack.name!r} was deployed with EnvironmentSuffix={stack.environment_suffix!r}; pass "
            f"--environment {stack.environment_suffix} (or add that environment to config/environments.py)"
        )
    scratch, stack_dir = _synthesize(config, outdir, endpoint)
    try:
        adoption = plan_adoption(stack, json.loads((stack_dir / "cdk.tf.json").read_text()), clients, account)
        text = report(adoption, stack, environment)
        missing = [d for d in adoption.differences if d.keep]
        blocking = [d for d in adoption.differences if d.blocking and not d.keep and not allow_replacement]
        refusals = []
        if missing:
            refusals.append(
                f"{len(missing)} live value(s) would replace their resource unless the configuration keeps them "
                "(the environment's adopted setting; kept there, every later synth keeps them too; "
                f"--allow-stateful-replacement does not skip this):\n{config_change(config, missing)}"
            )
        if blocking:
            fixes = "\n".join(f"  - {d.address} {d.attr}: {d.fix}" for d in blocking)
            refusals.append(
                f"{len(blocking)} difference(s) would replace stateful resources, the network they live in or "
                f"their security groups. Change:\n{fixes}\n"
                "(or pass --allow-stateful-replacement to accept the replacement)"
            )
        if refusals:
            raise AdoptError(f"{text}\n\nrefused, nothing written: " + "\n\n".join(refusals) + "\n\nthen run again.")
        if apply_prerequisites:
            for step in adoption.prerequisites:
                getattr(clients(step.service), step.operation)(**step.arguments)
                text += f"\ndone: {step.command}"
        target = outdir.resolve()
        shutil.rmtree(target, ignore_errors=True)
        scratch.rename(target)
        return text, write(target / "stacks" / stack_name(config.name), adoption)
    finally:
        shutil.rmtree(scratch.parent, ignore_errors=True)


def print_retain(stack_name_: str, environment: str, endpoint: str | None) -> str:
    config = _environment(environment, endpoint)
    clients = clients_for(config.region, endpoint)
    account: str = clients("sts").get_caller_identity()["Account"]
    stack = read_stack(clients("cloudformation"), stack_name_, account=account, region=config.region)
    template, changed = retain_template(stack.template)
    parameters = " ".join(f"ParameterKey={k},UsePreviousValue=true" for k in sorted(stack.parameters))
    return (
        f"# {len(changed)} of {len(template['Resources'])} resources get DeletionPolicy/UpdateReplacePolicy: Retain;"
        " nothing else changes. Save the JSON below as retain.json, then:\n"
        f"#   aws cloudformation update-stack --stack-name {stack.name} --template-body file://retain.json "
        f"--capabilities CAPABILITY_NAMED_IAM --parameters {parameters}\n"
        f"{json.dumps(template, indent=2)}"
    )


def main(argv: list[str] | None = None, environ: Mapping[str, str] = os.environ) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from tooling import quiet_jsii

    quiet_jsii()
    parser = argparse.ArgumentParser(
        prog="python -m tooling.adopt", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stack", required=True, help="name of the deployed CloudFormation TapStack")
    parser.add_argument("--environment", required=True, help="environment of config/environments.py to adopt into")
    parser.add_argument("--print-retain", action="store_true", help="print the Retain change of the stack and stop")
    parser.add_argument("--allow-stateful-replacement", action="store_true")
    parser.add_argument(
        "--apply-prerequisites", action="store_true", help="make the live changes the plan needs (listed in the report)"
    )
    parser.add_argument("--outdir", type=Path, default=None)
    args = parser.parse_args(argv)
    endpoint = environ.get("HEALTHTECH_LOCAL_ENDPOINT") or None
    outdir = args.outdir or Path(environ.get("CDKTF_OUTDIR") or (".local/cdktf.out" if endpoint else "cdktf.out"))
    try:
        if args.print_retain:
            print(print_retain(args.stack, args.environment, endpoint))
            return 0
        text, written = adopt(
            args.stack,
            args.environment,
            outdir=outdir,
            endpoint=endpoint,
            allow_replacement=args.allow_stateful_replacement,
            apply_prerequisites=args.apply_prerequisites,
        )
    except AdoptError as error:
        print(f"adopt: {error}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:
        print(
            f"adopt: an AWS call failed, nothing written: {error}\n(check the credentials and region, e.g. "
            "AWS_PROFILE, or HEALTHTECH_LOCAL_ENDPOINT for the local endpoint)",
            file=sys.stderr,
        )
        return 2
    print(text)
    print("\nwritten: " + ", ".join(str(p) for p in written))
    print(f"next: terraform -chdir={written[0].parent} init && terraform -chdir={written[0].parent} plan")
    return 0


if __name__ == "__main__":
    sys.exit(main())
