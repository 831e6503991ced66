"""Deploy tests/integration/tapstack.yml (the original delivery's stand-in) to the local endpoint.

moto's CloudFormation creates 46 of its 52 resources. It records the other six with an empty id and
creates nothing for them: AWS::ApplicationAutoScaling::ScalableTarget and ::ScalingPolicy,
AWS::CodeBuild::Project, AWS::CodePipeline::Pipeline and the two AWS::CloudWatch::Alarm. Those are
created here with boto3, with the names and settings the template gives them, so the adoption finds
them live as it would on AWS. The template's prerequisite, the secret healthtech/rds/credentials, is
created first, as the original's runbook asks.

Where moto's CloudFormation creates a type but not as AWS would, the resource is put right here with
boto3 (never in the tool), to the template's own settings:
- ``Fn::GetAZs`` answers us-east-1's zones whatever the region: the subnets get the environment's AZs
  as parameters;
- a KMS ``KeyPolicy`` and a role's inline ``Policies`` are stored as objects, which moto's DescribeKey
  then fails to parse (HTTP 500) and the AWS provider rejects as "invalid JSON": they are put back as
  JSON strings;
- ``AWS::EC2::SubnetRouteTableAssociation`` associates nothing: the four associations are made;
- ``AWS::ECS::Service`` keeps neither ``LaunchType``, ``NetworkConfiguration`` nor ``LoadBalancers``
  (and the AWS provider crashes reading the empty network configuration): the service is recreated
  under the same name, so with the same ARN, with the template's settings.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

TEMPLATE = Path(__file__).with_name("tapstack.yml")
SECRET = "healthtech/rds/credentials"
# The KeyPolicy both keys of the template declare.
TEMPLATE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::ACCOUNT:root"}, "Action": "kms:*", "Resource": "*"}
        ],
    }
)


def network_parameters(
    vpc: str, public: tuple[str, ...], private: tuple[str, ...], zones: tuple[str, ...]
) -> dict[str, str]:
    return {
        "AvailabilityZone1": zones[0],
        "AvailabilityZone2": zones[1],
        "VpcCidr": vpc,
        "PublicSubnet1Cidr": public[0],
        "PublicSubnet2Cidr": public[1],
        "PrivateSubnet1Cidr": private[0],
        "PrivateSubnet2Cidr": private[1],
    }


def deploy(
    client: Any, name: str, parameters: dict[str, str], *, suffix: str = "dev", body: str | None = None
) -> dict[str, str]:
    """Create the stack ``name`` from ``body`` (default: the template) and the resources moto's
    CloudFormation skips; return its outputs."""
    secrets = client("secretsmanager")
    if SECRET not in {s["Name"] for s in secrets.list_secrets()["SecretList"]}:
        secrets.create_secret(
            Name=SECRET, SecretString=json.dumps({"username": "healthtech_admin", "password": "x" * 24})
        )
    cfn = client("cloudformation")
    cfn.create_stack(
        StackName=name,
        TemplateBody=body or TEMPLATE.read_text(),
        Parameters=[
            {"ParameterKey": k, "ParameterValue": v} for k, v in {"EnvironmentSuffix": suffix, **parameters}.items()
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    (stack,) = cfn.describe_stacks(StackName=name)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
        if r["LogicalResourceId"]
    }
    _put_right(client, physical, suffix)
    _create_skipped(client, suffix)
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _put_right(client: Any, physical: dict[str, str], suffix: str) -> None:
    account = client("sts").get_caller_identity()["Account"]
    kms = client("kms")
    for key in ("RDSKMSKey", "EFSKMSKey"):
        kms.put_key_policy(
            KeyId=physical[key], PolicyName="default", Policy=TEMPLATE_POLICY.replace("ACCOUNT", account)
        )
    iam = client("iam")
    role = physical["VPCFlowLogsRole"]
    for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
        if isinstance(document, str):  # moto returns the stored object's Python repr
            document = ast.literal_eval(document)
        iam.put_role_policy(RoleName=role, PolicyName=policy, PolicyDocument=json.dumps(document))
    ec2 = client("ec2")
    for subnet, table in (
        ("PublicSubnet1", "PublicRouteTable"),
        ("PublicSubnet2", "PublicRouteTable"),
        ("PrivateSubnet1", "PrivateRouteTable"),
        ("PrivateSubnet2", "PrivateRouteTable"),
    ):
        ec2.associate_route_table(SubnetId=physical[subnet], RouteTableId=physical[table])
    ecs = client("ecs")
    cluster, service = f"healthtech-cluster-{suffix}", f"healthtech-service-{suffix}"
    ecs.delete_service(cluster=cluster, service=service, force=True)
    ecs.create_service(
        cluster=cluster,
        serviceName=service,
        taskDefinition=physical["ECSTaskDefinition"],
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": [physical["PrivateSubnet1"], physical["PrivateSubnet2"]],
                "securityGroups": [physical["ECSSecurityGroup"]],
                "assignPublicIp": "DISABLED",
            }
        },
        loadBalancers=[{"targetGroupArn": physical["ALBTargetGroup"], "containerName": "app", "containerPort": 8080}],
    )


def _create_skipped(client: Any, suffix: str) -> None:
    cluster, service = f"healthtech-cluster-{suffix}", f"healthtech-service-{suffix}"
    scaling = client("application-autoscaling")
    resource_id = f"service/{cluster}/{service}"
    scaling.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=resource_id,
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=2,
        MaxCapacity=6,
    )
    scaling.put_scaling_policy(
        PolicyName=f"healthtech-scale-cpu-{suffix}",
        ServiceNamespace="ecs",
        ResourceId=resource_id,
        ScalableDimension="ecs:service:DesiredCount",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        },
    )
    iam = client("iam")
    build_role = iam.get_role(RoleName=f"healthtech-build-role-{suffix}")["Role"]["Arn"]
    pipeline_role = iam.get_role(RoleName=f"healthtech-pipeline-role-{suffix}")["Role"]["Arn"]
    account = client("sts").get_caller_identity()["Account"]
    bucket = f"healthtech-artifacts-{suffix}-{account}"
    client("codebuild").create_project(
        name=f"healthtech-build-{suffix}",
        source={"type": "CODEPIPELINE", "location": bucket},
        artifacts={"type": "CODEPIPELINE", "location": bucket},
        environment={
            "type": "LINUX_CONTAINER",
            "computeType": "BUILD_GENERAL1_SMALL",
            "image": "aws/codebuild/amazonlinux2-x86_64-standard:5.0",
            "privilegedMode": True,
        },
        serviceRole=build_role,
    )
    client("codepipeline").create_pipeline(
        pipeline={
            "name": f"healthtech-pipeline-{suffix}",
            "roleArn": pipeline_role,
            "artifactStore": {"type": "S3", "location": bucket},
            "stages": [
                _stage(
                    "Source",
                    "Source",
                    "S3",
                    {"S3Bucket": bucket, "S3ObjectKey": "source/app.zip"},
                    [],
                    ["SourceOutput"],
                ),
                _stage(
                    "Build",
                    "Build",
                    "CodeBuild",
                    {"ProjectName": f"healthtech-build-{suffix}"},
                    ["SourceOutput"],
                    ["BuildOutput"],
                ),
                _stage(
                    "Deploy", "Deploy", "ECS", {"ClusterName": cluster, "ServiceName": service}, ["BuildOutput"], []
                ),
            ],
        }
    )
    cloudwatch = client("cloudwatch")
    for name, namespace, metric, dimensions in (
        (
            f"healthtech-ecs-cpu-high-{suffix}",
            "AWS/ECS",
            "CPUUtilization",
            {"ClusterName": cluster, "ServiceName": service},
        ),
        (
            f"healthtech-rds-connections-high-{suffix}",
            "AWS/RDS",
            "DatabaseConnections",
            {"DBInstanceIdentifier": f"healthtech-postgres-{suffix}"},
        ),
    ):
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace=namespace,
            MetricName=metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
            Statistic="Average",
            Period=300,
            EvaluationPeriods=2,
            Threshold=80.0,
            ComparisonOperator="GreaterThanThreshold",
        )


def _stage(
    name: str, category: str, provider: str, configuration: dict[str, str], inputs: list[str], outputs: list[str]
) -> dict[str, Any]:
    return {
        "name": name,
        "actions": [
            {
                "name": name,
                "actionTypeId": {"category": category, "owner": "AWS", "provider": provider, "version": "1"},
                "configuration": configuration,
                "inputArtifacts": [{"name": n} for n in inputs],
                "outputArtifacts": [{"name": n} for n in outputs],
            }
        ],
    }
