"""The peer: the same three-environment topology in AWS CDK Python (aws-cdk-lib), for bench/run.py.

    .bench-venv/bin/python bench/peer_cdk_app.py OUTDIR

Per environment: a VPC over two AZs (public + private subnets, one NAT gateway, flow logs), a KMS key per
purpose (data, logs, secrets, storage), RDS PostgreSQL with a managed secret, EFS with an access point,
ECR, an ECS Fargate service behind an ALB, an encrypted bucket, and an SNS topic with two alarms. It runs
only in the bench-only environment (bench/requirements-peer.txt), never in the project's.
"""

from __future__ import annotations

import sys

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as patterns
from aws_cdk import aws_efs as efs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

ENVIRONMENTS = {"dev": "10.0.0.0/16", "staging": "10.1.0.0/16", "prod": "10.2.0.0/16"}
KEY_PURPOSES = ("data", "logs", "secrets", "storage")


class PlatformStack(cdk.Stack):
    def __init__(self, scope: Construct, env_name: str, cidr: str) -> None:
        super().__init__(scope, f"healthtech-{env_name}")
        keys = {
            p: kms.Key(self, f"{p}-key", enable_key_rotation=True, alias=f"healthtech-{p}-{env_name}")
            for p in KEY_PURPOSES
        }
        vpc = ec2.Vpc(
            self,
            "vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            max_azs=2,
            nat_gateways=1,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=24),
            ],
            flow_logs={"all": ec2.FlowLogOptions()},
        )
        database = rds.DatabaseInstance(
            self,
            "database",
            engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_16),
            instance_type=ec2.InstanceType("t4g.medium"),
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            storage_encrypted=True,
            storage_encryption_key=keys["data"],
            credentials=rds.Credentials.from_generated_secret("healthtech", encryption_key=keys["secrets"]),
            multi_az=env_name == "prod",
            backup_retention=cdk.Duration.days(7),
        )
        file_system = efs.FileSystem(self, "efs", vpc=vpc, encrypted=True, kms_key=keys["storage"])
        access_point = file_system.add_access_point(
            "app", path="/app", posix_user=efs.PosixUser(uid="1000", gid="1000")
        )
        repository = ecr.Repository(self, "ecr", image_scan_on_push=True, encryption=ecr.RepositoryEncryption.KMS)
        cluster = ecs.Cluster(self, "cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        service = patterns.ApplicationLoadBalancedFargateService(
            self,
            "service",
            cluster=cluster,
            cpu=512,
            memory_limit_mib=1024,
            desired_count=2,
            task_image_options=patterns.ApplicationLoadBalancedTaskImageOptions(
                image=ecs.ContainerImage.from_ecr_repository(repository, "latest"),
                container_port=8080,
                secrets={"DB_PASSWORD": ecs.Secret.from_secrets_manager(database.secret, "password")},
                environment={"DB_HOST": database.db_instance_endpoint_address},
            ),
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        )
        service.task_definition.add_volume(
            name="data",
            efs_volume_configuration=ecs.EfsVolumeConfiguration(
                file_system_id=file_system.file_system_id,
                transit_encryption="ENABLED",
                authorization_config=ecs.AuthorizationConfig(
                    access_point_id=access_point.access_point_id, iam="ENABLED"
                ),
            ),
        )
        database.connections.allow_default_port_from(service.service)
        file_system.connections.allow_default_port_from(service.service)
        s3.Bucket(
            self,
            "artifacts",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=keys["data"],
            enforce_ssl=True,
            versioned=True,
        )
        topic = sns.Topic(self, "alarms", master_key=keys["logs"])
        for name, metric in {
            "cpu": service.service.metric_cpu_utilization(),
            "db-cpu": database.metric_cpu_utilization(),
        }.items():
            alarm = cloudwatch.Alarm(self, f"{name}-alarm", metric=metric, threshold=80, evaluation_periods=3)
            alarm.add_alarm_action(actions.SnsAction(topic))


def main(outdir: str) -> None:
    app = cdk.App(outdir=outdir)
    for env_name, cidr in ENVIRONMENTS.items():
        PlatformStack(app, env_name, cidr)
    app.synth()


if __name__ == "__main__":
    main(sys.argv[1])
