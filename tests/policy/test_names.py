"""Every physical name comes from the naming catalogue (config/naming.py), fits its AWS limit and names
its environment. A resource type this test does not know fails it, so a new type must be registered
here with the argument holding its name (or the reason it has none)."""

from __future__ import annotations

import copy
import re
from typing import Any

from config.naming import NAME_RULES, PROJECT, Kind, check_name
from tests.policy.resources import Resource, first, resources

# type -> (argument path, NameRule.aws_resource it must be built with); the first is required.
NAMED: dict[str, tuple[tuple[str, str], ...]] = {
    "aws_vpc": (("tags.Name", "VPC Name tag"),),
    "aws_internet_gateway": (("tags.Name", "internet gateway Name tag"),),
    "aws_subnet": (("tags.Name", "subnet Name tag"),),
    "aws_route_table": (("tags.Name", "route table Name tag"),),
    "aws_eip": (("tags.Name", "Elastic IP Name tag"),),
    "aws_nat_gateway": (("tags.Name", "NAT gateway Name tag"),),
    "aws_default_security_group": (("tags.Name", "default security group Name tag"),),
    "aws_security_group": (("name", "security group name"),),
    "aws_flow_log": (("tags.Name", "VPC flow log Name tag"),),
    "aws_iam_role": (("name", "IAM role name"),),
    "aws_cloudwatch_log_group": (("name", "CloudWatch log group name"),),
    "aws_kms_key": (("tags.Name", "KMS key description"),),
    "aws_kms_alias": (("name", "KMS alias name"),),
    "aws_db_instance": (
        ("identifier", "RDS DB instance identifier"),
        ("final_snapshot_identifier", "RDS final snapshot identifier"),
    ),
    "aws_db_subnet_group": (("name", "DB subnet group name"),),
    "aws_db_parameter_group": (("name", "DB parameter group name"),),
    "aws_efs_file_system": (("creation_token", "EFS creation token"),),
    "aws_efs_access_point": (("tags.Name", "EFS access point Name tag"),),
    "aws_lb": (("name", "application load balancer name"),),
    "aws_lb_target_group": (("name", "target group name"),),
    "aws_s3_bucket": (("bucket", "S3 bucket name"),),
    "aws_ecs_cluster": (("name", "ECS cluster name"),),
    "aws_ecs_service": (("name", "ECS service name"),),
    "aws_ecs_task_definition": (("family", "ECS task definition family"),),
    "aws_ecr_repository": (("name", "ECR repository name"),),
    "aws_appautoscaling_policy": (("name", "Application Auto Scaling policy name"),),
    "aws_sns_topic": (("name", "SNS topic name"),),
    "aws_cloudwatch_metric_alarm": (("alarm_name", "CloudWatch alarm name"),),
    "aws_cloudwatch_dashboard": (("dashboard_name", "CloudWatch dashboard name"),),
    "aws_cloudwatch_event_rule": (("name", "EventBridge rule name"),),
    "aws_codebuild_project": (("name", "CodeBuild project name"),),
    "aws_codepipeline": (("name", "CodePipeline name"),),
    "aws_wafv2_web_acl": (("name", "WAF web ACL name"),),
}
_ATTACHMENT = "no name of its own: it is identified by the resources it connects"
UNNAMED: dict[str, str] = {
    "aws_route": _ATTACHMENT,
    "aws_route_table_association": _ATTACHMENT,
    "aws_security_group_rule": _ATTACHMENT,
    "aws_efs_mount_target": _ATTACHMENT,
    "aws_efs_backup_policy": _ATTACHMENT,
    "aws_efs_file_system_policy": _ATTACHMENT,
    "aws_iam_role_policy_attachment": _ATTACHMENT,
    "aws_iam_role_policy": "inline policy: its name is scoped to its role, which is named",
    "aws_appautoscaling_target": "identified by the ECS service it scales (service/{cluster}/{service})",
    "aws_s3_object": "an object in a named bucket, identified by its key (delivery.source_object_key)",
    "aws_ecs_cluster_capacity_providers": _ATTACHMENT,
    "aws_ecr_lifecycle_policy": _ATTACHMENT,
    "aws_lb_listener": "identified by its load balancer and port",
    "aws_cloudwatch_event_target": "identified by its rule and a target id",
    "aws_sns_topic_policy": _ATTACHMENT,
    "aws_s3_bucket_lifecycle_configuration": _ATTACHMENT,
    "aws_s3_bucket_notification": _ATTACHMENT,
    "aws_s3_bucket_ownership_controls": _ATTACHMENT,
    "aws_s3_bucket_policy": _ATTACHMENT,
    "aws_s3_bucket_public_access_block": _ATTACHMENT,
    "aws_s3_bucket_server_side_encryption_configuration": _ATTACHMENT,
    "aws_s3_bucket_versioning": _ATTACHMENT,
    "aws_s3_bucket_logging": _ATTACHMENT,
    "aws_wafv2_web_acl_association": _ATTACHMENT,
    "aws_wafv2_web_acl_logging_configuration": _ATTACHMENT,
    "aws_sns_topic_subscription": _ATTACHMENT,
    "aws_acm_certificate": "identified by its ARN; its domain_name is the environment's configured host name",
    "aws_acm_certificate_validation": _ATTACHMENT,
    "aws_route53_record": "DNS names from the environment's domain_name and ACM's validation records",
}
TOKEN = re.compile(r"\$\{[^}]*\}")
ACCOUNT = "${account}"


def catalogue_names(environment: str, aws_resource: str) -> dict[str, Kind]:
    """Every name the catalogue's templates build for ``aws_resource`` in ``environment``: name -> kind.

    Built from the templates, not ``Namer.name``, which would refuse a name over its limit before the
    test could report it."""
    names = {}
    for kind, rule in NAME_RULES.items():
        if rule.aws_resource != aws_resource:
            continue
        for purpose in rule.purposes or (None,):
            for index in (None, *range(1, 10)):
                fields = {"index": "" if index is None else index, "purpose": purpose or "", "account": ACCOUNT}
                names[rule.template.format(project=PROJECT, type=kind, env=environment, **fields)] = kind
    return names


def _value(body: dict[str, Any], path: str) -> Any:
    node: Any = body
    for part in path.split("."):
        node = first(node).get(part) if isinstance(node, (dict, list)) else None
    return node


def name_problems(doc: dict[str, Any], environment: str) -> list[str]:
    problems: list[str] = []
    for resource in resources(doc):
        if resource.tf_type in UNNAMED:
            continue
        if resource.tf_type not in NAMED:
            problems.append(
                f"{resource.address}: type {resource.tf_type} is not registered in tests/policy/test_names.py "
                "NAMED (argument holding its name and its NameRule) or UNNAMED (why it has none)"
            )
            continue
        problems.extend(_resource_problems(resource, environment))
    return problems


def _resource_problems(resource: Resource, environment: str) -> list[str]:
    problems = []
    if "name_prefix" in resource.body:
        problems.append(f"{resource.address}: name_prefix lets AWS pick the name; use a name from config/naming.py")
    for position, (path, aws_resource) in enumerate(NAMED[resource.tf_type]):
        value = _value(resource.body, path)
        if value is None:
            if position == 0:
                problems.append(f"{resource.address}: has no {path}")
            continue
        normalized = TOKEN.sub(ACCOUNT, str(value))
        kind = catalogue_names(environment, aws_resource).get(normalized)
        if kind is None:
            problems.append(
                f"{resource.address}: {path} {value!r} is not a {aws_resource} from config/naming.py "
                f"for environment {environment!r}"
            )
            continue
        problem = check_name(kind, TOKEN.sub("0" * 12, str(value)))
        if problem:
            problems.append(f"{resource.address}: {problem}")
        if not re.search(rf"(^|[-/]){re.escape(environment)}($|[-/])", normalized) or "healthtech" not in normalized:
            problems.append(f"{resource.address}: {path} {value!r} does not name project and environment")
    return problems


def test_every_physical_name_comes_from_the_catalogue(each_env: tuple, stack_docs: dict[str, Any]) -> None:
    config, _ = each_env
    doc = stack_docs[config.name]
    assert name_problems(doc, config.name) == []
    (database,) = doc["resource"]["aws_db_instance"].values()
    assert database["identifier"] == f"healthtech-postgres-{config.name}"


def test_planted_name_violations_are_caught(stack_docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(stack_docs["dev"])
    groups = doc["resource"]["aws_security_group"]
    (rds_sg,) = (k for k in groups if k.startswith("database_connections_security-group"))
    groups[rds_sg]["name"] = "healthtech-rds-sg-prod"
    (database,) = doc["resource"]["aws_db_instance"].values()
    database.pop("identifier")
    doc["resource"]["aws_sqs_queue"] = {"jobs": {"name": "healthtech-jobs-dev"}}
    assert name_problems(doc, "dev") == [
        f"aws_db_instance.{next(iter(doc['resource']['aws_db_instance']))}: has no identifier",
        f"aws_security_group.{rds_sg}: name 'healthtech-rds-sg-prod' is not a security group name from "
        "config/naming.py for environment 'dev'",
        "aws_sqs_queue.jobs: type aws_sqs_queue is not registered in tests/policy/test_names.py NAMED (argument "
        "holding its name and its NameRule) or UNNAMED (why it has none)",
    ]


def test_a_name_over_its_limit_is_caught() -> None:
    long_env = "a-very-long-environment-name-x"
    doc = {"resource": {"aws_lb": {"alb": {"name": f"healthtech-alb-{long_env}"}}}}
    problems = name_problems(doc, long_env)
    assert len(problems) == 1 and "AWS allows at most 32" in problems[0], problems
