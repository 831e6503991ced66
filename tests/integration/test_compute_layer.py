"""ECS, the load balancer, autoscaling and ECR of the deployed dev stack, checked with boto3."""

from __future__ import annotations

import json

import pytest

from config import ENVIRONMENTS
from tests.integration.conftest import Deployment

pytestmark = pytest.mark.integration
DEV = ENVIRONMENTS["dev"]


def test_ecs_cluster_and_service_run_privately_behind_the_target_group(deployment: Deployment) -> None:
    ecs, out = deployment.client("ecs"), deployment.outputs
    (cluster,) = ecs.describe_clusters(clusters=[out["ECSClusterName"]], include=["SETTINGS"])["clusters"]
    assert cluster["clusterName"] == "healthtech-cluster-dev" and cluster["clusterArn"] == out["ECSClusterArn"]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    assert sorted(cluster["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    (service,) = ecs.describe_services(cluster=out["ECSClusterName"], services=[out["ECSServiceName"]])["services"]
    assert service["serviceArn"] == out["ECSServiceArn"]
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert sorted(network["subnets"]) == sorted([out["PrivateSubnet1Id"], out["PrivateSubnet2Id"]])
    assert network["assignPublicIp"] == "DISABLED"
    ecs_sg = deployment.client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["healthtech-ecs-sg-dev"]}]
    )["SecurityGroups"][0]["GroupId"]
    assert network["securityGroups"] == [ecs_sg]
    (target,) = service["loadBalancers"]
    assert target == {"targetGroupArn": out["TargetGroupArn"], "containerName": "app", "containerPort": 8080}
    assert service.get("enableExecuteCommand", False) is False
    # Not checkable here: moto returns no deploymentConfiguration (circuit breaker, min/max percent);
    # tests/components/test_compute.py asserts them on the synthesized JSON.


def test_task_definition_locks_down_the_container_and_mounts_efs_over_tls(deployment: Deployment) -> None:
    ecs, out = deployment.client("ecs"), deployment.outputs
    task = ecs.describe_task_definition(taskDefinition=out["ECSTaskDefinitionFamily"])["taskDefinition"]
    assert (task["cpu"], task["memory"], task["networkMode"]) == ("512", "1024", "awsvpc")
    assert task["taskRoleArn"] == out["ECSTaskRoleArn"] and task["executionRoleArn"] == out["ECSExecutionRoleArn"]
    (container,) = task["containerDefinitions"]
    assert container["readonlyRootFilesystem"] is True and container["user"] == "1000:1000"
    assert container["image"] == f"{out['ECRRepositoryUrl']}:{DEV.compute.image_tag}"
    assert not container.get("secrets")  # IAM database authentication: no password to inject
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert (env["DB_USER"], env["PORT"], env["AWS_REGION"]) == (out["RDSAppUsername"], "8080", DEV.region)
    assert container["healthCheck"]["command"] == ["CMD", "python", "-m", "app.healthcheck"]
    assert container["logConfiguration"]["options"]["awslogs-group"] == out["ECSLogGroupName"]
    (efs_volume,) = [v for v in task["volumes"] if "efsVolumeConfiguration" in v]
    efs = efs_volume["efsVolumeConfiguration"]
    assert efs["fileSystemId"] == out["EFSFileSystemId"] and efs["transitEncryption"] == "ENABLED"
    assert efs["authorizationConfig"] == {"accessPointId": out["EFSAccessPointId"], "iam": "ENABLED"}


def test_migration_task_runs_app_migrate_as_its_own_role_with_the_secret_arn(deployment: Deployment) -> None:
    ecs, iam, out = deployment.client("ecs"), deployment.client("iam"), deployment.outputs
    assert out["ECSMigrationTaskDefinitionFamily"] == "healthtech-migrate-dev"
    task = ecs.describe_task_definition(taskDefinition=out["ECSMigrationTaskDefinitionFamily"])["taskDefinition"]
    role = iam.get_role(RoleName="healthtech-migrate-role-dev")["Role"]
    assert task["taskRoleArn"] == role["Arn"] and task["executionRoleArn"] == out["ECSExecutionRoleArn"]
    (container,) = task["containerDefinitions"]
    assert container["command"] == ["python", "-m", "app.migrate"]
    assert container["readonlyRootFilesystem"] is True and container["user"] == "1000:1000"
    assert container["image"] == f"{out['ECRRepositoryUrl']}:{DEV.compute.image_tag}"
    assert not container.get("portMappings") and not container.get("secrets")
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["DB_MASTER_SECRET_ARN"] == out["RDSMasterSecretArn"] and env["DB_USER"] == out["RDSAppUsername"]
    assert not [v for v in task["volumes"] if "efsVolumeConfiguration" in v]


def test_alb_serves_https_and_redirects_http(deployment: Deployment) -> None:
    elb, out = deployment.client("elbv2"), deployment.outputs
    (alb,) = elb.describe_load_balancers(LoadBalancerArns=[out["LoadBalancerArn"]])["LoadBalancers"]
    assert alb["DNSName"] == out["LoadBalancerDNS"]  # moto returns no Scheme: internal=false is a synth check
    assert {z["SubnetId"] for z in alb["AvailabilityZones"]} == {out["PublicSubnet1Id"], out["PublicSubnet2Id"]}
    attributes = {
        a["Key"]: a["Value"]
        for a in elb.describe_load_balancer_attributes(LoadBalancerArn=out["LoadBalancerArn"])["Attributes"]
    }
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == out["ALBAccessLogsBucketName"]
    listeners = {
        listener["Port"]: listener
        for listener in elb.describe_listeners(LoadBalancerArn=out["LoadBalancerArn"])["Listeners"]
    }
    assert sorted(listeners) == [80, 443]
    https = listeners[443]
    assert (https["Protocol"], https["SslPolicy"]) == ("HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert https["Certificates"][0]["CertificateArn"] == deployment.certificate_arn
    assert https["DefaultActions"][0]["TargetGroupArn"] == out["TargetGroupArn"]
    redirect = listeners[80]["DefaultActions"][0]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS" and redirect["RedirectConfig"]["StatusCode"] == "HTTP_301"
    (tg,) = elb.describe_target_groups(TargetGroupArns=[out["TargetGroupArn"]])["TargetGroups"]
    assert (tg["TargetType"], tg["Port"], tg["HealthCheckPath"]) == ("ip", 8080, "/health")


def test_access_log_bucket_is_private_and_tls_only(deployment: Deployment) -> None:
    s3, bucket = deployment.client("s3"), deployment.outputs["ALBAccessLogsBucketName"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert statements[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_autoscaling_tracks_cpu_and_memory(deployment: Deployment) -> None:
    scaling, out = deployment.client("application-autoscaling"), deployment.outputs
    resource = f"service/{out['ECSClusterName']}/{out['ECSServiceName']}"
    (target,) = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"]
    # Created at a floor of 0 (no task before the first release, which raises it to compute.min_capacity:
    # tests/integration/test_release_path.py); the apply owns the maximum.
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, DEV.compute.max_capacity)
    policies = scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"]
    assert sorted(p["PolicyName"] for p in policies) == ["healthtech-scale-cpu-dev", "healthtech-scale-memory-dev"]
    assert {p["PolicyType"] for p in policies} == {"TargetTrackingScaling"}


def test_repository_is_immutable_scanned_and_encrypted_with_our_key(deployment: Deployment) -> None:
    ecr, kms, out = deployment.client("ecr"), deployment.client("kms"), deployment.outputs
    (repo,) = ecr.describe_repositories(repositoryNames=["healthtech-dev"])["repositories"]
    assert repo["repositoryUri"] == out["ECRRepositoryUrl"]
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    ecr_key = kms.describe_key(KeyId=out["ECRKMSKeyId"])["KeyMetadata"]["Arn"]
    assert repo["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": ecr_key}
    rules = json.loads(ecr.get_lifecycle_policy(repositoryName="healthtech-dev")["lifecyclePolicyText"])["rules"]
    assert rules[0]["selection"]["countNumber"] == DEV.compute.ecr_images_kept


def test_web_acl_guards_the_load_balancer_and_logs_its_decisions(deployment: Deployment) -> None:
    waf, out = deployment.client("wafv2"), deployment.outputs
    acl = waf.get_web_acl_for_resource(ResourceArn=out["LoadBalancerArn"])["WebACL"]
    assert acl["ARN"] == out["WebACLArn"] and acl["Name"] == "healthtech-waf-dev"
    assert "AWSManagedRulesKnownBadInputsRuleSet" in json.dumps(acl["Rules"])
    logging = waf.get_logging_configuration(ResourceArn=out["WebACLArn"])["LoggingConfiguration"]
    assert logging["LogDestinationConfigs"][0].endswith(":log-group:aws-waf-logs-healthtech-dev")
