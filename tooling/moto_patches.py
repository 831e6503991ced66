"""Patches to moto, applied only inside the local endpoint's process.

Each patch closes one gap between moto and the AWS behaviour Terraform relies on for our topology.
Every patch has a test in tests/tooling/test_moto_patches.py that fails once upstream moto no longer
needs it, so the patch can be deleted then.

moto is imported inside each patch, not at module level, so importing this module stays cheap and
moto reads its settings (e.g. MOTO_IAM_LOAD_MANAGED_POLICIES) only after the launcher has set them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


class PatchSet:
    """One module's patches in the order they are registered (``@patch_set``); ``apply_all`` runs each."""

    def __init__(self) -> None:
        self.patches: list[Callable[[], None]] = []

    def __call__(self, func: Callable[[], None]) -> Callable[[], None]:
        self.patches.append(func)
        return func

    def apply_all(self) -> None:
        for patch in self.patches:
            patch()


_patch = PatchSet()
PATCHES = _patch.patches
apply_all = _patch.apply_all

# Marks an attribute that moto itself does not define (the patch adds it rather than replacing it).
ABSENT: Any = object()

# (class, attribute name) -> moto's own attribute (or ABSENT), recorded before our first replacement.
# Wrappers call the original through here, which keeps a second apply from wrapping a wrapper, and the
# "upstream still needs it" tests put these back to show the gap in unpatched moto.
ORIGINALS: dict[tuple[Any, str], Any] = {}


def _replace(owner: Any, name: str, value: Any) -> None:
    """Set ``owner.name`` (a class or a module) to ``value``, remembering moto's own first."""
    ORIGINALS.setdefault((owner, name), owner.__dict__.get(name, ABSENT))
    setattr(owner, name, value)


@_patch
def rds_parameters_report_user_source() -> None:
    """DescribeDBParameters: mark the parameters set with ModifyDBParameterGroup as ``Source: user``.

    moto stores only the parameters a caller set (it has no engine defaults) and returns them without
    ``Source``; aws_db_parameter_group keeps only ``Source == user`` entries, so ``rds.force_ssl``
    showed as drift on every plan. The ``Source`` filter, ignored by moto, is honoured too.
    """
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import DBParameterGroupNotFoundError
    from moto.rds.responses import RDSResponse

    def describe_db_parameters(self: Any) -> Any:
        name = self.params.get("DBParameterGroupName")
        groups = self.backend.describe_db_parameter_groups({"db_parameter_group_name": name})
        if not groups:
            raise DBParameterGroupNotFoundError(name)
        parameters = [{**parameter, "Source": "user"} for parameter in groups[0].parameters.values()]
        source = self.params.get("Source")
        if source:
            parameters = [p for p in parameters if p["Source"] == source]
        return ActionResult({"Parameters": parameters})

    _replace(RDSResponse, "describe_db_parameters", describe_db_parameters)


@_patch
def efs_delete_file_system_policy() -> None:
    """EFS DeleteFileSystemPolicy (missing in moto: destroying aws_efs_file_system_policy failed).

    The route ``/2015-02-01/file-systems/<id>/policy`` is already in moto/efs/urls.py for Describe/Put;
    the action is resolved from method + path, so adding the handler method is enough.
    """
    from moto.efs.exceptions import FileSystemNotFound
    from moto.efs.responses import EFSResponse

    def delete_file_system_policy(self: Any) -> tuple[str, dict[str, Any]]:
        file_system_id = self._get_param("FileSystemId")
        file_system = self.efs_backend.file_systems_by_id.get(file_system_id)
        if file_system is None:
            raise FileSystemNotFound(file_system_id)
        file_system.file_system_policy = None  # DescribeFileSystemPolicy then answers PolicyNotFound
        return "", {"status": 200}

    _replace(EFSResponse, "delete_file_system_policy", delete_file_system_policy)


@_patch
def efs_put_backup_policy() -> None:
    """EFS PutBackupPolicy (missing in moto: creating aws_efs_backup_policy failed with a 500).

    moto models the backup flag (set by CreateFileSystem's ``Backup``) and answers DescribeBackupPolicy
    from it, but has no handler for PUT on ``/file-systems/<id>/backup-policy``; this sets that flag.
    Once a status was put, DescribeBackupPolicy reports it as AWS does (``DISABLED`` included): the
    provider deletes the resource by putting DISABLED and waits to read that back.
    """
    from moto.efs.exceptions import FileSystemNotFound
    from moto.efs.responses import EFSResponse

    def put_backup_policy(self: Any) -> tuple[str, dict[str, Any]]:
        file_system_id = self._get_param("FileSystemId")
        file_system = self.efs_backend.file_systems_by_id.get(file_system_id)
        if file_system is None:
            raise FileSystemNotFound(file_system_id)
        status = (self._get_param("BackupPolicy") or {}).get("Status", "DISABLED")
        file_system._backup = status == "ENABLED"
        file_system._backup_status = status
        return json.dumps({"BackupPolicy": {"Status": status}}), {"Content-Type": "application/json"}

    def describe_backup_policy(self: Any) -> Any:
        file_system = self.efs_backend.file_systems_by_id.get(self._get_param("FileSystemId"))
        status = getattr(file_system, "_backup_status", None)
        if status is None:
            return ORIGINALS[(EFSResponse, "describe_backup_policy")](self)
        return json.dumps({"BackupPolicy": {"Status": status}}), {"Content-Type": "application/json"}

    _replace(EFSResponse, "put_backup_policy", put_backup_policy)
    _replace(EFSResponse, "describe_backup_policy", describe_backup_policy)


@_patch
def application_autoscaling_tags() -> None:
    """Application Auto Scaling List/Tag/UntagResource, plus the ``Tags`` of RegisterScalableTarget.

    moto has none of these: ListTagsForResource answered 500 and the provider retried for minutes on
    aws_appautoscaling_target. Tags live on the scalable target object (so they go with it on
    deregistration or a moto reset). Register-time tags are kept too: the provider sends our
    default_tags there and reads them back with ListTagsForResource, else every plan shows drift.
    """
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.core.exceptions import JsonRESTError

    attr = "_local_endpoint_tags"

    def target_tags(self: Any, arn: str) -> dict[str, str]:
        for by_resource in self.applicationautoscaling_backend.targets.values():
            for target in by_resource.values():
                if target.arn == arn:
                    if not hasattr(target, attr):
                        setattr(target, attr, {})
                    tags: dict[str, str] = getattr(target, attr)
                    return tags
        raise JsonRESTError("ResourceNotFoundException", f"No scalable target found for ARN: {arn}")

    def register_scalable_target(self: Any) -> str:
        original = ORIGINALS[(ApplicationAutoScalingResponse, "register_scalable_target")]
        body: str = original(self)
        target_tags(self, json.loads(body)["ScalableTargetARN"]).update(self._get_param("Tags") or {})
        return body

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"Tags": target_tags(self, self._get_param("ResourceARN"))})

    def tag_resource(self: Any) -> str:
        target_tags(self, self._get_param("ResourceARN")).update(self._get_param("Tags") or {})
        return "{}"

    def untag_resource(self: Any) -> str:
        tags = target_tags(self, self._get_param("ResourceARN"))
        for key in self._get_param("TagKeys") or []:
            tags.pop(key, None)
        return "{}"

    _replace(ApplicationAutoScalingResponse, "register_scalable_target", register_scalable_target)
    _replace(ApplicationAutoScalingResponse, "list_tags_for_resource", list_tags_for_resource)
    _replace(ApplicationAutoScalingResponse, "tag_resource", tag_resource)
    _replace(ApplicationAutoScalingResponse, "untag_resource", untag_resource)


@_patch
def codepipeline_metadata_epoch_timestamps() -> None:
    """CodePipeline pipeline metadata ``created``/``updated`` as epoch seconds, not ISO strings.

    The AWS JSON protocol sends timestamps as epoch numbers and the Go SDK refuses strings, so reading
    aws_codepipeline failed. Patched on the model's ``metadata`` property, which both GetPipeline and
    ListPipelines serialize.
    """
    from moto.codepipeline.models import CodePipeline
    from moto.core.utils import unix_time

    def metadata(self: Any) -> dict[str, Any]:
        # _created/_updated are naive UTC datetimes; unix_time treats them as UTC (datetime.timestamp would not).
        return {"pipelineArn": self._arn, "created": unix_time(self._created), "updated": unix_time(self._updated)}

    _replace(CodePipeline, "metadata", property(metadata))


@_patch
def codebuild_pipeline_projects() -> None:
    """CodeBuild projects driven by CodePipeline, as AWS accepts them, with their encryption key kept.

    moto demands a ``location`` on source and artifacts even for type CODEPIPELINE (AWS takes none:
    the pipeline supplies both), and reports every project's ``encryptionKey`` as ``alias/aws/s3``
    whatever was sent, which showed as drift on every plan (and moto has no UpdateProject to apply it).
    """
    from moto.codebuild import responses
    from moto.codebuild.responses import CodeBuildResponse

    def pipeline_free(name: str) -> Callable[[dict[str, Any]], None]:
        def validate(params: dict[str, Any]) -> None:
            if params.get("type") == "CODEPIPELINE":
                return
            ORIGINALS[(responses, name)](params)

        return validate

    def create_project(self: Any) -> Any:
        result = ORIGINALS[(CodeBuildResponse, "create_project")](self)
        key = self._get_param("encryptionKey")
        if key:
            self.codebuild_backend.codebuild_projects[self._get_param("name")].project_metadata["encryptionKey"] = key
        return result

    for name in ("_validate_required_params_source", "_validate_required_params_artifacts"):
        _replace(responses, name, pipeline_free(name))
    _replace(CodeBuildResponse, "create_project", create_project)


@_patch
def s3_notification_reports_eventbridge() -> None:
    """GetBucketNotificationConfiguration returns ``EventBridgeConfiguration`` when it is on.

    moto stores the setting from PutBucketNotificationConfiguration but leaves it out of the answer, so
    aws_s3_bucket_notification showed ``eventbridge = false -> true`` on every plan.
    """
    from moto.s3.responses import S3Response

    def get_bucket_notification(self: Any) -> Any:
        response = ORIGINALS[(S3Response, "get_bucket_notification")](self)
        config = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if config is None or config.event_bridge is None:
            return response
        status, headers, body = response
        text = body.decode() if isinstance(body, bytes) else str(body)
        closing = "</NotificationConfiguration>"
        if closing in text:
            text = text.replace(closing, f"<EventBridgeConfiguration></EventBridgeConfiguration>{closing}")
        else:  # moto answered with an empty document: it knew of nothing but EventBridge
            text = (
                '<?xml version="1.0" encoding="UTF-8"?><NotificationConfiguration '
                'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><EventBridgeConfiguration>'
                f"</EventBridgeConfiguration>{closing}"
            )
        headers = {k: v for k, v in dict(headers).items() if k.lower() != "content-length"}
        return status, headers, text

    _replace(S3Response, "get_bucket_notification", get_bucket_notification)


@_patch
def conditional_deny_applies_only_when_evaluated() -> None:
    """A ``Deny`` statement with a ``Condition`` moto cannot evaluate no longer denies unconditionally.

    moto evaluates only ``StringEquals`` and skips any other operator as if it were met, so a
    conditional ``Deny`` in a bucket policy denied every request: the state bucket's TLS-only
    statement (``Bool`` ``aws:SecureTransport`` false) made each object read and write of Terraform's
    S3 backend fail with 403. With the patch such a statement applies only when every condition uses an
    operator moto evaluates and the request carries a value for its key; otherwise it does not apply.
    The local endpoint is plain HTTP, so enforcing the TLS-only statement there would be wrong anyway.
    """
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult
    from moto.iam.policy_conditions import CONDITION_OPERATIONS

    original = ORIGINALS.get((IAMPolicyStatement, "is_action_permitted"), IAMPolicyStatement.is_action_permitted)

    def is_action_permitted(
        self: Any,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> Any:
        result = original(self, action, resource, principal, incoming_condition_values)
        conditions: dict[str, dict[str, Any]] = self._statement.get("Condition") or {}
        evaluated = all(
            operator in CONDITION_OPERATIONS and set(keys) <= set(incoming_condition_values or {})
            for operator, keys in conditions.items()
        )
        if result == PermissionResult.DENIED and self._statement.get("Effect") == "Deny" and not evaluated:
            return PermissionResult.NEUTRAL
        return result

    _replace(IAMPolicyStatement, "is_action_permitted", is_action_permitted)


@_patch
def s3_delete_marker_dispose() -> None:
    """Deleting a key with a delete marker from a bucket whose versioning is suspended no longer fails.

    There moto drops the key with all its versions, and calls ``dispose`` on each, which delete markers
    lack (AttributeError, HTTP 500). Terraform's S3 lockfile leaves a delete marker after each run, and
    destroying the bootstrap suspends versioning before ``force_destroy`` empties the bucket, so the
    local-mode destroy of the state bucket failed.
    A delete marker holds no data: disposing of it does nothing.
    """
    from moto.s3.models import FakeDeleteMarker

    def dispose(self: Any, garbage: bool = False) -> None:
        return None

    _replace(FakeDeleteMarker, "dispose", dispose)


@_patch
def rds_modify_db_subnet_group_keeps_group() -> None:
    """ModifyDBSubnetGroup no longer removes the group it modifies.

    moto pops the group from its registry and never puts it back, so after any change of description
    or subnets the group is gone ("Root object was present, but now absent" from Terraform). An
    adopted CloudFormation subnet group gets our description, which is such a change.
    """
    from moto.rds.exceptions import DBSubnetGroupNotFoundError
    from moto.rds.models import RDSBackend

    def modify_db_subnet_group(self: Any, subnet_name: str, description: str, subnets: list[Any]) -> Any:
        subnet_group = self.subnet_groups.get(subnet_name)
        if subnet_group is None:
            raise DBSubnetGroupNotFoundError(subnet_name)
        subnet_group.subnets = subnets
        if description is not None:
            subnet_group.description = description
        return subnet_group

    _replace(RDSBackend, "modify_db_subnet_group", modify_db_subnet_group)


@_patch
def logs_associate_kms_key() -> None:
    """CloudWatch Logs AssociateKmsKey / DisassociateKmsKey (missing in moto: HTTP 500).

    Adopting a log group created without a key (as the original template's are) encrypts it with ours
    in place; without these the apply failed.
    """
    from moto.logs.exceptions import ResourceNotFoundException
    from moto.logs.responses import LogsResponse

    def _group(self: Any) -> Any:
        group = self.logs_backend.groups.get(self._get_param("logGroupName"))
        if group is None:
            raise ResourceNotFoundException()
        return group

    def associate_kms_key(self: Any) -> str:
        _group(self).kms_key_id = self._get_param("kmsKeyId")
        return ""

    def disassociate_kms_key(self: Any) -> str:
        _group(self).kms_key_id = None
        return ""

    _replace(LogsResponse, "associate_kms_key", associate_kms_key)
    _replace(LogsResponse, "disassociate_kms_key", disassociate_kms_key)


@_patch
def efs_update_file_system() -> None:
    """EFS UpdateFileSystem (missing in moto: HTTP 500): throughput mode and provisioned throughput.

    The route ``/2015-02-01/file-systems/<id>`` is in moto/efs/urls.py for Describe/Delete; the action
    is resolved from method + path. The original template's file system is ``bursting``, ours ``elastic``.
    """
    from moto.efs.exceptions import FileSystemNotFound
    from moto.efs.responses import EFSResponse

    def update_file_system(self: Any) -> tuple[str, dict[str, Any]]:
        file_system_id = self._get_param("FileSystemId")
        file_system = self.efs_backend.file_systems_by_id.get(file_system_id)
        if file_system is None:
            raise FileSystemNotFound(file_system_id)
        if self._get_param("ThroughputMode"):
            file_system.throughput_mode = self._get_param("ThroughputMode")
        if self._get_param("ProvisionedThroughputInMibps") is not None:
            file_system.provisioned_throughput_in_mibps = self._get_param("ProvisionedThroughputInMibps")
        return json.dumps(file_system.info_json()), {"status": 202, "Content-Type": "application/json"}

    _replace(EFSResponse, "update_file_system", update_file_system)


@_patch
def codebuild_update_project() -> None:
    """CodeBuild UpdateProject (missing in moto: HTTP 500): the fields sent replace the stored ones.

    moto stores a project under the API's own field names, so the request merges over them. An adopted
    project (the original's) takes our buildspec, environment, logs and key this way.
    """
    from moto.codebuild.exceptions import ResourceNotFoundException
    from moto.codebuild.responses import CodeBuildResponse
    from moto.core.responses import ActionResult
    from moto.core.utils import iso_8601_datetime_with_milliseconds

    def update_project(self: Any) -> Any:
        name = self._get_param("name")
        project = self.codebuild_backend.codebuild_projects.get(name)
        if project is None:
            raise ResourceNotFoundException(f"Project cannot be found: {name}")
        for key, value in json.loads(self.body).items():
            if key != "name":
                project.project_metadata[key] = value
        project.project_metadata["lastModifiedDate"] = iso_8601_datetime_with_milliseconds()
        return ActionResult({"project": project.project_metadata})

    _replace(CodeBuildResponse, "update_project", update_project)


@_patch
def ecs_run_task_takes_task_level_memory() -> None:
    """RunTask of a Fargate task definition whose containers leave ``memory`` to the task.

    ECS requires memory at the task level for Fargate and makes the container's optional; moto adds up
    the containers' ``memory`` and answers HTTP 500 (``int + None``) when one has none, which is how the
    migration task (and every Fargate task of ours) is defined. Here a container without it counts 0.
    """
    from moto.ecs.models import EC2ContainerServiceBackend

    original = ORIGINALS.get(
        (EC2ContainerServiceBackend, "_calculate_task_resource_requirements"),
        EC2ContainerServiceBackend.__dict__["_calculate_task_resource_requirements"],
    ).__func__

    def requirements(task_definition: Any) -> Any:
        keys = ("memory", "memoryReservation", "Memory", "MemoryReservation")
        declared = task_definition.container_definitions
        task_definition.container_definitions = [
            c if any(c.get(k) is not None for k in keys) else {**c, "memory": 0} for c in declared
        ]
        try:
            return original(task_definition)
        finally:
            task_definition.container_definitions = declared

    _replace(EC2ContainerServiceBackend, "_calculate_task_resource_requirements", staticmethod(requirements))


@_patch
def ecs_stopped_tasks_release_their_network_interfaces() -> None:
    """A stopped awsvpc task's network interface is deleted, as ECS does when the task stops.

    moto creates an interface (``moto ECS``) for every awsvpc task and never deletes it: after a release
    the migration tasks' interfaces stayed in the private subnets and security group, so destroying the
    stack failed on DeleteSubnet/DeleteSecurityGroup with DependencyViolation. Whenever a task's status
    is set or read as STOPPED (moto advances it on describe; StopTask sets it), its interface is removed
    from EC2 and the attachment reads DELETED, as ECS reports it.
    """
    from moto.ec2.models import ec2_backends
    from moto.ecs.models import Task

    original: property = ORIGINALS.get((Task, "last_status"), Task.__dict__["last_status"])

    def release(task: Any) -> None:
        for attachment in task.attachments:
            if attachment.get("type") != "ElasticNetworkInterface" or attachment.get("status") == "DELETED":
                continue
            details = {d["name"]: d["value"] for d in attachment.get("details", [])}
            ec2 = ec2_backends[task._account_id][task.region_name]
            ec2.enis.pop(details.get("networkInterfaceId", ""), None)
            attachment["status"] = "DELETED"

    def get_status(task: Any) -> str:
        value: str = original.fget(task)  # type: ignore[misc]
        if value == "STOPPED":
            release(task)
        return value

    def set_status(task: Any, value: str) -> None:
        original.fset(task, value)  # type: ignore[misc]
        if value == "STOPPED":
            release(task)

    _replace(Task, "last_status", property(get_status, set_status))


@_patch
def codebuild_delete_project_takes_an_arn() -> None:
    """DeleteProject accepts the project's ARN, as the provider sends it (its resource id is the ARN).

    moto looks the value up only as a name, answers 200 and keeps the project: every destroy left both
    CodeBuild projects on the endpoint.
    """
    from moto.codebuild.models import CodeBuildBackend

    original = ORIGINALS.get((CodeBuildBackend, "delete_project"), CodeBuildBackend.delete_project)

    def delete_project(self: Any, project_name: str) -> None:
        original(self, project_name.rsplit(":project/", 1)[-1])

    _replace(CodeBuildBackend, "delete_project", delete_project)
