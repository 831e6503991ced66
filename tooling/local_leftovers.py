"""What the local endpoint still holds of one environment's stack, by service.

A resource belongs to the environment's stack when it carries the stack's ``Stack`` tag (one of the
provider's default tags) or, where the listing shows no tags, a name the namer gives it (``healthtech-...-{env}``,
``/healthtech/{env}/...``), and it is still live: a KMS key pending deletion or a NAT gateway that is
deleted is gone as far as a destroy is concerned, as on AWS. Task definition revisions are not listed
(see ``_ecs``). The teardown test requires this listing to be empty after a destroy, and a destroy that
fails prints it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from config.naming import PROJECT, stack_name
from tooling.local import LOCAL_DESTROY_SECONDS, Terraform, boto_client

Lister = Callable[[Callable[[str], Any], str], Iterable[str]]


def named(environment: str) -> re.Pattern[str]:
    """Names the namer gives ``environment``'s resources: the project, then the environment as a token."""
    return re.compile(rf"{PROJECT}(?:.*[-/_.])?{re.escape(environment)}(?:$|[-/_.:])")


def _tagged(tags: Iterable[dict[str, str]] | None, environment: str) -> bool:
    found = {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in tags or []}
    return found.get("Stack") == stack_name(environment)


def _tag_filters(environment: str) -> list[dict[str, Any]]:
    return [{"Name": "tag:Stack", "Values": [stack_name(environment)]}]


def _ec2(client: Callable[[str], Any], environment: str) -> Iterable[str]:
    ec2, filters = client("ec2"), _tag_filters(environment)
    vpcs = [v["VpcId"] for v in ec2.describe_vpcs(Filters=filters)["Vpcs"]]
    yield from (f"vpc {v}" for v in vpcs)
    yield from (f"subnet {s['SubnetId']}" for s in ec2.describe_subnets(Filters=filters)["Subnets"])
    for table in ec2.describe_route_tables(Filters=filters)["RouteTables"]:
        name = next((t["Value"] for t in table.get("Tags", []) if t["Key"] == "Name"), "")
        yield f"route table {table['RouteTableId']} ({name})"
    gateways = ec2.describe_internet_gateways(Filters=filters)["InternetGateways"]
    yield from (f"internet gateway {g['InternetGatewayId']}" for g in gateways)
    for nat in ec2.describe_nat_gateways(Filters=filters)["NatGateways"]:
        if nat["State"] not in ("deleted", "deleting"):
            yield f"NAT gateway {nat['NatGatewayId']}"
    yield from (f"Elastic IP {a['AllocationId']}" for a in ec2.describe_addresses(Filters=filters)["Addresses"])
    groups = ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
    yield from (f"security group {g['GroupId']} ({g['GroupName']})" for g in groups)
    if vpcs:  # interfaces carry no stack tags: those still in the environment's VPCs
        interfaces = ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": vpcs}])
        for eni in interfaces["NetworkInterfaces"]:
            yield f"network interface {eni['NetworkInterfaceId']} ({eni.get('Description', '')})"
    yield from (f"flow log {f['FlowLogId']}" for f in ec2.describe_flow_logs(Filter=filters)["FlowLogs"])


def _rds_snapshots(client: Callable[[str], Any], environment: str) -> Iterable[str]:
    """Snapshots by the instance they were taken of (a final snapshot's own name is the caller's)."""
    name = named(environment)
    for snapshot in client("rds").describe_db_snapshots()["DBSnapshots"]:
        if name.search(snapshot["DBInstanceIdentifier"]):
            yield f"DB snapshot {snapshot['DBSnapshotIdentifier']}"


def _efs(client: Callable[[str], Any], environment: str) -> Iterable[str]:
    for fs in client("efs").describe_file_systems()["FileSystems"]:
        if _tagged(fs.get("Tags"), environment):
            yield f"file system {fs['FileSystemId']}"


def _ecs(client: Callable[[str], Any], environment: str) -> Iterable[str]:
    ecs, name = client("ecs"), named(environment)
    arns = ecs.list_clusters()["clusterArns"]
    for cluster in ecs.describe_clusters(clusters=arns)["clusters"] if arns else []:
        if cluster["status"] == "ACTIVE" and name.search(cluster["clusterName"]):
            yield f"cluster {cluster['clusterName']}"
            for service in ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]:
                yield f"service {service.rsplit('/', 1)[-1]}"
    # Task definition revisions are not listed: each release registers its own (the application's and
    # the migration's) outside the stack, and ECS keeps them after the stack is destroyed, on AWS too.


Listing = tuple[str, Callable[[Any], Iterable[str]]]
"""A label and what lists the names of that kind from the service's client."""


def _named_in(service: str, *listings: Listing) -> Lister:
    """Every name of ``listings`` (from ``service``'s client) that the namer gives the environment."""

    def lister(client: Callable[[str], Any], environment: str) -> Iterable[str]:
        name, api = named(environment), client(service)
        return [f"{label} {n}" for label, names in listings for n in names(api) if name.search(n)]

    return lister


def _all_of(*listers: Lister) -> Lister:
    """One service's listers as one."""

    def lister(client: Callable[[str], Any], environment: str) -> Iterable[str]:
        return [item for each in listers for item in each(client, environment)]

    return lister


def _kms_keys(client: Callable[[str], Any], environment: str) -> Iterable[str]:
    kms = client("kms")
    for key in kms.list_keys()["Keys"]:
        if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion":
            continue
        tags = [
            {"Key": t["TagKey"], "Value": t["TagValue"]} for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]
        ]
        if _tagged(tags, environment):
            yield f"key {key['KeyId']}"


def _iam(client: Callable[[str], Any], environment: str) -> Iterable[str]:
    iam = client("iam")
    for role in iam.list_roles()["Roles"]:
        if role["RoleName"].startswith(f"{PROJECT}-") and _tagged(
            iam.list_role_tags(RoleName=role["RoleName"])["Tags"], environment
        ):
            yield f"role {role['RoleName']}"


LISTERS: dict[str, Lister] = {
    "ec2": _ec2,
    "rds": _all_of(
        _named_in(
            "rds",
            ("DB instance", lambda c: [i["DBInstanceIdentifier"] for i in c.describe_db_instances()["DBInstances"]]),
            (
                "DB subnet group",
                lambda c: [g["DBSubnetGroupName"] for g in c.describe_db_subnet_groups()["DBSubnetGroups"]],
            ),
            (
                "DB parameter group",
                lambda c: [g["DBParameterGroupName"] for g in c.describe_db_parameter_groups()["DBParameterGroups"]],
            ),
        ),
        _rds_snapshots,
    ),
    "efs": _efs,
    "elbv2": _named_in(
        "elbv2",
        ("load balancer", lambda c: [b["LoadBalancerName"] for b in c.describe_load_balancers()["LoadBalancers"]]),
        ("target group", lambda c: [g["TargetGroupName"] for g in c.describe_target_groups()["TargetGroups"]]),
    ),
    "ecs": _ecs,
    "kms": _all_of(
        _named_in("kms", ("key alias", lambda c: [a["AliasName"] for a in c.list_aliases()["Aliases"]])), _kms_keys
    ),
    "ecr": _named_in(
        "ecr", ("repository", lambda c: [r["repositoryName"] for r in c.describe_repositories()["repositories"]])
    ),
    "iam": _iam,
    "logs": _named_in(
        "logs", ("log group", lambda c: [g["logGroupName"] for g in c.describe_log_groups()["logGroups"]])
    ),
    "s3": _named_in("s3", ("bucket", lambda c: [b["Name"] for b in c.list_buckets().get("Buckets", [])])),
    "sns": _named_in("sns", ("topic", lambda c: [t["TopicArn"].rsplit(":", 1)[-1] for t in c.list_topics()["Topics"]])),
    "codebuild": _named_in("codebuild", ("project", lambda c: c.list_projects()["projects"])),
    "codepipeline": _named_in(
        "codepipeline", ("pipeline", lambda c: [p["name"] for p in c.list_pipelines()["pipelines"]])
    ),
    "cloudwatch": _named_in(
        "cloudwatch", ("alarm", lambda c: [a["AlarmName"] for a in c.describe_alarms()["MetricAlarms"]])
    ),
    "wafv2": _named_in(
        "wafv2", ("web ACL", lambda c: [a["Name"] for a in c.list_web_acls(Scope="REGIONAL")["WebACLs"]])
    ),
}


def held(client: Callable[[str], Any], environment: str) -> dict[str, list[str]]:
    """By service, what the endpoint that ``client(service)`` reaches still holds of ``environment``."""
    found = {service: sorted(lister(client, environment)) for service, lister in LISTERS.items()}
    return {service: items for service, items in found.items() if items}


def leftovers(server_url: str, region: str, environment: str) -> dict[str, list[str]]:
    """By service, what the endpoint at ``server_url`` still holds of ``environment``; empty when nothing."""
    return held(lambda service: boto_client(server_url, service, region), environment)


def describe(found: dict[str, list[str]]) -> str:
    return "\n".join(f"  {service}: {', '.join(items)}" for service, items in sorted(found.items()))


class IncompleteDestroyError(RuntimeError):
    """A local destroy that failed, was stopped, or finished with resources of the stack left behind."""


def destroy_checked(
    terraform: Terraform, server_url: str, region: str, environment: str, *, timeout: float = LOCAL_DESTROY_SECONDS
) -> None:
    """Destroy ``environment``'s stack (bounded, see :meth:`Terraform.destroy`); raise
    :class:`IncompleteDestroyError` naming what the endpoint still holds unless it finished and left nothing."""
    finished = terraform.destroy(timeout=timeout)
    left = leftovers(server_url, region, environment)
    if finished and not left:
        return
    outcome = "finished" if finished else "did not finish (see Terraform's errors above)"
    listing = describe(left) or "  nothing this listing knows of"
    raise IncompleteDestroyError(
        f"destroy of {stack_name(environment)} {outcome}; the local endpoint still holds:\n{listing}"
    )
