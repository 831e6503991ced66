"""Live descriptions of a TapStack's resources, in the Terraform attribute names of their counterparts.

Each describer reads one CloudFormation resource through the service's own API (never the template,
which may be stale) and returns a :class:`Live`: the Terraform type that takes its place, the
``terraform import`` id, the attributes compared with our configuration, and the attributes other
resources refer to (``id``, ``arn``, ``name``, ``key_id``) so references in our JSON can be resolved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tooling.adopt_cfn import StackResource


@dataclass
class Live:
    tf_type: str
    import_id: str
    attrs: dict[str, Any]
    """Attributes compared with our configuration (Terraform names)."""
    exports: dict[str, str] = field(default_factory=dict)
    """What a ``${type.name.ATTR}`` reference to the counterpart resolves to once imported."""
    notes: list[str] = field(default_factory=list)


Clients = Callable[[str], Any]
"""service name -> boto3 client for the stack's account and region."""


def _tags(items: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or [] if not t["Key"].startswith("aws:")}


def _vpc(r: StackResource, c: Clients) -> Live:
    (vpc,) = c("ec2").describe_vpcs(VpcIds=[r.physical_id])["Vpcs"]
    attrs = {"cidr_block": vpc["CidrBlock"], "tags.Name": _tags(vpc.get("Tags")).get("Name")}
    return Live("aws_vpc", vpc["VpcId"], attrs, {"id": vpc["VpcId"]})


def _subnet(r: StackResource, c: Clients) -> Live:
    (subnet,) = c("ec2").describe_subnets(SubnetIds=[r.physical_id])["Subnets"]
    attrs = {
        "cidr_block": subnet["CidrBlock"],
        "availability_zone": subnet["AvailabilityZone"],
        "vpc_id": subnet["VpcId"],
        "tags.Name": _tags(subnet.get("Tags")).get("Name"),
    }
    return Live("aws_subnet", subnet["SubnetId"], attrs, {"id": subnet["SubnetId"]})


def _igw(r: StackResource, c: Clients) -> Live:
    (igw,) = c("ec2").describe_internet_gateways(InternetGatewayIds=[r.physical_id])["InternetGateways"]
    vpcs = [a["VpcId"] for a in igw.get("Attachments", [])]
    attrs = {"vpc_id": vpcs[0] if vpcs else None, "tags.Name": _tags(igw.get("Tags")).get("Name")}
    return Live("aws_internet_gateway", igw["InternetGatewayId"], attrs, {"id": igw["InternetGatewayId"]})


def _eip(r: StackResource, c: Clients) -> Live:
    # CloudFormation records a VPC address by its allocation id, moto by its public IP.
    key = "AllocationIds" if r.physical_id.startswith("eipalloc-") else "PublicIps"
    (address,) = c("ec2").describe_addresses(**{key: [r.physical_id]})["Addresses"]
    attrs = {"tags.Name": _tags(address.get("Tags")).get("Name")}
    return Live("aws_eip", address["AllocationId"], attrs, {"id": address["AllocationId"]})


def _nat(r: StackResource, c: Clients) -> Live:
    (nat,) = c("ec2").describe_nat_gateways(NatGatewayIds=[r.physical_id])["NatGateways"]
    allocation = (nat.get("NatGatewayAddresses") or [{}])[0].get("AllocationId")
    attrs = {"subnet_id": nat["SubnetId"], "allocation_id": allocation, "tags.Name": _tags(nat.get("Tags")).get("Name")}
    return Live("aws_nat_gateway", nat["NatGatewayId"], attrs, {"id": nat["NatGatewayId"]})


def _route_table(r: StackResource, c: Clients) -> Live:
    (table,) = c("ec2").describe_route_tables(RouteTableIds=[r.physical_id])["RouteTables"]
    attrs = {"vpc_id": table["VpcId"], "tags.Name": _tags(table.get("Tags")).get("Name")}
    return Live("aws_route_table", table["RouteTableId"], attrs, {"id": table["RouteTableId"]})


def _route(r: StackResource, c: Clients) -> Live:
    table, cidr = r.properties["RouteTableId"], r.properties["DestinationCidrBlock"]
    target = r.properties.get("GatewayId") or r.properties.get("NatGatewayId")
    attrs = {"route_table_id": table, "destination_cidr_block": cidr, "target": target}
    return Live("aws_route", f"{table}_{cidr}", attrs)


def _association(r: StackResource, c: Clients) -> Live:
    subnet, table = r.properties["SubnetId"], r.properties["RouteTableId"]
    return Live("aws_route_table_association", f"{subnet}/{table}", {"subnet_id": subnet, "route_table_id": table})


def _security_group(r: StackResource, c: Clients) -> Live:
    (group,) = c("ec2").describe_security_groups(GroupIds=[r.physical_id])["SecurityGroups"]
    attrs = {
        "name": group["GroupName"],
        "description": group["Description"],
        "vpc_id": group["VpcId"],
        "ingress": group.get("IpPermissions", []),
        "egress": group.get("IpPermissionsEgress", []),
    }
    return Live(
        "aws_security_group",
        group["GroupId"],
        attrs,
        {"id": group["GroupId"], "arn": group.get("SecurityGroupArn", "")},
    )


def _role(r: StackResource, c: Clients) -> Live:
    iam = c("iam")
    role = iam.get_role(RoleName=r.physical_id)["Role"]
    inline = iam.list_role_policies(RoleName=r.physical_id)["PolicyNames"]
    managed = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=r.physical_id)["AttachedPolicies"]]
    live = Live(
        "aws_iam_role",
        role["RoleName"],
        {"name": role["RoleName"]},
        {"arn": role["Arn"], "name": role["RoleName"], "id": role["RoleName"]},
    )
    if inline or managed:
        live.notes.append(
            f"keeps what the template attached ({', '.join([*inline, *managed])}): aws_iam_role does not manage "
            "policies it is not given; detach them once our aws_iam_role_policy grants are applied and verified"
        )
    return live


def _log_group(r: StackResource, c: Clients) -> Live:
    groups = c("logs").describe_log_groups(logGroupNamePrefix=r.physical_id)["logGroups"]
    (group,) = [g for g in groups if g["logGroupName"] == r.physical_id]
    arn = group["arn"].removesuffix(":*")
    attrs = {
        "name": group["logGroupName"],
        "retention_in_days": group.get("retentionInDays"),
        "kms_key_id": group.get("kmsKeyId"),
    }
    return Live(
        "aws_cloudwatch_log_group",
        group["logGroupName"],
        attrs,
        {"arn": arn, "name": group["logGroupName"], "id": group["logGroupName"]},
    )


def _flow_log(r: StackResource, c: Clients) -> Live:
    (flow,) = c("ec2").describe_flow_logs(FlowLogIds=[r.physical_id])["FlowLogs"]
    attrs = {
        "vpc_id": flow["ResourceId"],
        "log_destination": flow.get("LogDestination"),
        "traffic_type": flow.get("TrafficType"),
        "max_aggregation_interval": flow.get("MaxAggregationInterval"),
    }
    return Live("aws_flow_log", flow["FlowLogId"], attrs, {"id": flow["FlowLogId"]})


def _kms_key(r: StackResource, c: Clients) -> Live:
    key = c("kms").describe_key(KeyId=r.physical_id)["KeyMetadata"]
    attrs = {
        "key_usage": key.get("KeyUsage"),
        "customer_master_key_spec": key.get("KeySpec") or key.get("CustomerMasterKeySpec"),
    }
    return Live("aws_kms_key", key["KeyId"], attrs, {"id": key["KeyId"], "key_id": key["KeyId"], "arn": key["Arn"]})


def _kms_alias(r: StackResource, c: Clients) -> Live:
    aliases = c("kms").list_aliases()["Aliases"]
    (alias,) = [a for a in aliases if a["AliasName"] == r.physical_id]
    attrs = {"name": alias["AliasName"], "target_key_id": alias.get("TargetKeyId")}
    return Live("aws_kms_alias", alias["AliasName"], attrs, {"name": alias["AliasName"]})


def _db_subnet_group(r: StackResource, c: Clients) -> Live:
    (group,) = c("rds").describe_db_subnet_groups(DBSubnetGroupName=r.physical_id)["DBSubnetGroups"]
    attrs = {"name": group["DBSubnetGroupName"]}
    return Live(
        "aws_db_subnet_group",
        group["DBSubnetGroupName"],
        attrs,
        {"name": group["DBSubnetGroupName"], "id": group["DBSubnetGroupName"]},
    )


def _db_instance(r: StackResource, c: Clients) -> Live:
    (db,) = c("rds").describe_db_instances(DBInstanceIdentifier=r.physical_id)["DBInstances"]
    attrs = {
        "identifier": db["DBInstanceIdentifier"],
        "engine": db["Engine"],
        "engine_version": db["EngineVersion"],
        "instance_class": db["DBInstanceClass"],
        "allocated_storage": int(db["AllocatedStorage"]),
        "storage_encrypted": db.get("StorageEncrypted", False),
        "kms_key_id": db.get("KmsKeyId"),
        "username": db.get("MasterUsername"),
        "db_name": db.get("DBName"),
        "multi_az": db.get("MultiAZ", False),
        "db_subnet_group_name": (db.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
        "manage_master_user_password": bool(db.get("MasterUserSecret")),
    }
    exports = {
        "id": db.get("DbiResourceId", db["DBInstanceIdentifier"]),
        "arn": db["DBInstanceArn"],
        "identifier": db["DBInstanceIdentifier"],
    }
    return Live("aws_db_instance", db["DBInstanceIdentifier"], attrs, exports)


def _efs(r: StackResource, c: Clients) -> Live:
    (fs,) = c("efs").describe_file_systems(FileSystemId=r.physical_id)["FileSystems"]
    attrs = {
        "creation_token": fs["CreationToken"],
        "encrypted": fs.get("Encrypted", False),
        "kms_key_id": fs.get("KmsKeyId"),
        "performance_mode": fs.get("PerformanceMode"),
        "throughput_mode": fs.get("ThroughputMode"),
        "tags.Name": _tags(fs.get("Tags")).get("Name"),
    }
    return Live(
        "aws_efs_file_system", fs["FileSystemId"], attrs, {"id": fs["FileSystemId"], "arn": fs.get("FileSystemArn", "")}
    )


def _mount_target(r: StackResource, c: Clients) -> Live:
    (mt,) = c("efs").describe_mount_targets(MountTargetId=r.physical_id)["MountTargets"]
    attrs = {"file_system_id": mt["FileSystemId"], "subnet_id": mt["SubnetId"]}
    return Live("aws_efs_mount_target", mt["MountTargetId"], attrs, {"id": mt["MountTargetId"]})


def _cluster(r: StackResource, c: Clients) -> Live:
    (cluster,) = c("ecs").describe_clusters(clusters=[r.physical_id])["clusters"]
    return Live(
        "aws_ecs_cluster",
        cluster["clusterName"],
        {"name": cluster["clusterName"]},
        {"id": cluster["clusterArn"], "arn": cluster["clusterArn"], "name": cluster["clusterName"]},
    )


def _service(r: StackResource, c: Clients) -> Live:
    cluster = r.properties["Cluster"]
    (service,) = c("ecs").describe_services(cluster=cluster, services=[r.physical_id])["services"]
    attrs = {"name": service["serviceName"], "launch_type": service.get("launchType")}
    exports = {"id": service["serviceArn"], "name": service["serviceName"]}
    return Live("aws_ecs_service", f"{cluster}/{service['serviceName']}", attrs, exports)


def _task_definition(r: StackResource, c: Clients) -> Live:
    task = c("ecs").describe_task_definition(taskDefinition=r.physical_id)["taskDefinition"]
    return Live(
        "aws_ecs_task_definition",
        task["taskDefinitionArn"],
        {"family": task["family"]},
        {"arn": task["taskDefinitionArn"]},
    )


def _lb(r: StackResource, c: Clients) -> Live:
    (lb,) = c("elbv2").describe_load_balancers(LoadBalancerArns=[r.physical_id])["LoadBalancers"]
    attrs = {"name": lb["LoadBalancerName"], "internal": lb.get("Scheme") == "internal" if lb.get("Scheme") else None}
    return Live("aws_lb", lb["LoadBalancerArn"], attrs, {"arn": lb["LoadBalancerArn"], "id": lb["LoadBalancerArn"]})


def _target_group(r: StackResource, c: Clients) -> Live:
    (tg,) = c("elbv2").describe_target_groups(TargetGroupArns=[r.physical_id])["TargetGroups"]
    attrs = {
        "name": tg["TargetGroupName"],
        "port": tg.get("Port"),
        "protocol": tg.get("Protocol"),
        "target_type": tg.get("TargetType"),
        "vpc_id": tg.get("VpcId"),
    }
    return Live(
        "aws_lb_target_group", tg["TargetGroupArn"], attrs, {"arn": tg["TargetGroupArn"], "id": tg["TargetGroupArn"]}
    )


def _listener(r: StackResource, c: Clients) -> Live:
    (listener,) = c("elbv2").describe_listeners(ListenerArns=[r.physical_id])["Listeners"]
    attrs = {
        "load_balancer_arn": listener["LoadBalancerArn"],
        "port": listener["Port"],
        "protocol": listener.get("Protocol"),
    }
    return Live("aws_lb_listener", listener["ListenerArn"], attrs, {"arn": listener["ListenerArn"]})


def _scalable_target(r: StackResource, c: Clients) -> Live:
    namespace, dimension = r.properties["ServiceNamespace"], r.properties["ScalableDimension"]
    found = c("application-autoscaling").describe_scalable_targets(
        ServiceNamespace=namespace, ResourceIds=[r.physical_id]
    )
    (target,) = found["ScalableTargets"]
    attrs = {"resource_id": target["ResourceId"], "scalable_dimension": target["ScalableDimension"]}
    exports = {"resource_id": target["ResourceId"], "scalable_dimension": dimension, "service_namespace": namespace}
    return Live("aws_appautoscaling_target", f"{namespace}/{target['ResourceId']}/{dimension}", attrs, exports)


def _scaling_policy(r: StackResource, c: Clients) -> Live:
    policies = c("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="ecs", PolicyNames=[r.physical_id]
    )
    (policy,) = policies["ScalingPolicies"]
    import_id = f"ecs/{policy['ResourceId']}/{policy['ScalableDimension']}/{policy['PolicyName']}"
    return Live("aws_appautoscaling_policy", import_id, {"name": policy["PolicyName"]}, {"arn": policy["PolicyARN"]})


def _bucket(r: StackResource, c: Clients) -> Live:
    from botocore.exceptions import ClientError

    s3 = c("s3")
    s3.head_bucket(Bucket=r.physical_id)
    configured: list[str] = []
    if s3.get_bucket_versioning(Bucket=r.physical_id).get("Status") == "Enabled":
        configured.append("aws_s3_bucket_versioning")
    for resource, call in (
        ("aws_s3_bucket_server_side_encryption_configuration", s3.get_bucket_encryption),
        ("aws_s3_bucket_public_access_block", s3.get_public_access_block),
    ):
        try:
            call(Bucket=r.physical_id)
            configured.append(resource)
        except ClientError:
            pass  # not configured: ours is created, not imported
    attrs = {"bucket": r.physical_id, "configured": configured}
    return Live(
        "aws_s3_bucket",
        r.physical_id,
        attrs,
        {"id": r.physical_id, "bucket": r.physical_id, "arn": f"arn:aws:s3:::{r.physical_id}"},
    )


def _codebuild(r: StackResource, c: Clients) -> Live:
    (project,) = c("codebuild").batch_get_projects(names=[r.physical_id])["projects"]
    return Live(
        "aws_codebuild_project",
        project["name"],
        {"name": project["name"]},
        {"arn": project["arn"], "name": project["name"]},
    )


def _pipeline(r: StackResource, c: Clients) -> Live:
    pipeline = c("codepipeline").get_pipeline(name=r.physical_id)["pipeline"]
    return Live("aws_codepipeline", pipeline["name"], {"name": pipeline["name"]}, {"name": pipeline["name"]})


def _alarm(r: StackResource, c: Clients) -> Live:
    (alarm,) = c("cloudwatch").describe_alarms(AlarmNames=[r.physical_id])["MetricAlarms"]
    return Live(
        "aws_cloudwatch_metric_alarm",
        alarm["AlarmName"],
        {"alarm_name": alarm["AlarmName"]},
        {"arn": alarm["AlarmArn"]},
    )


DESCRIBERS: dict[str, Callable[[StackResource, Clients], Live]] = {
    "AWS::EC2::VPC": _vpc,
    "AWS::EC2::Subnet": _subnet,
    "AWS::EC2::InternetGateway": _igw,
    "AWS::EC2::EIP": _eip,
    "AWS::EC2::NatGateway": _nat,
    "AWS::EC2::RouteTable": _route_table,
    "AWS::EC2::Route": _route,
    "AWS::EC2::SubnetRouteTableAssociation": _association,
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::EC2::FlowLog": _flow_log,
    "AWS::IAM::Role": _role,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::KMS::Key": _kms_key,
    "AWS::KMS::Alias": _kms_alias,
    "AWS::RDS::DBSubnetGroup": _db_subnet_group,
    "AWS::RDS::DBInstance": _db_instance,
    "AWS::EFS::FileSystem": _efs,
    "AWS::EFS::MountTarget": _mount_target,
    "AWS::ECS::Cluster": _cluster,
    "AWS::ECS::Service": _service,
    "AWS::ECS::TaskDefinition": _task_definition,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _lb,
    "AWS::ElasticLoadBalancingV2::TargetGroup": _target_group,
    "AWS::ElasticLoadBalancingV2::Listener": _listener,
    "AWS::ApplicationAutoScaling::ScalableTarget": _scalable_target,
    "AWS::ApplicationAutoScaling::ScalingPolicy": _scaling_policy,
    "AWS::S3::Bucket": _bucket,
    "AWS::CodeBuild::Project": _codebuild,
    "AWS::CodePipeline::Pipeline": _pipeline,
    "AWS::CloudWatch::Alarm": _alarm,
}

WITHOUT_COUNTERPART: dict[str, str] = {
    "AWS::EC2::VPCGatewayAttachment": (
        "kept: the attachment is aws_internet_gateway.vpc_id here, imported with the gateway"
    ),
}
