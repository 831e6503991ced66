"""EFS for the application: encrypted with our key, reachable over TLS only, through one access point."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinitionVolume,
    EcsTaskDefinitionVolumeEfsVolumeConfiguration,
    EcsTaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfig,
)
from cdktf_cdktf_provider_aws.efs_access_point import (
    EfsAccessPoint,
    EfsAccessPointPosixUser,
    EfsAccessPointRootDirectory,
    EfsAccessPointRootDirectoryCreationInfo,
)
from cdktf_cdktf_provider_aws.efs_backup_policy import EfsBackupPolicy, EfsBackupPolicyBackupPolicy
from cdktf_cdktf_provider_aws.efs_file_system import EfsFileSystem, EfsFileSystemLifecyclePolicy
from cdktf_cdktf_provider_aws.efs_file_system_policy import EfsFileSystemPolicy
from cdktf_cdktf_provider_aws.efs_mount_target import EfsMountTarget
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from components.connections import NFS_PORT, Connections, Reachable, Tier
from components.container import ContainerSpec
from components.context import StackContext
from components.encryption import EncryptionKey
from components.iam import Effect, Statement, grant, policy_document
from components.network import Network
from config.naming import Kind
from config.settings import FileStorageSettings

CLIENT_ACTIONS = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
ROOT_DIRECTORY_MODE = "0750"


class FileStorage(Construct):
    """An EFS file system with a mount target per private subnet and an access point for the app.

    ``grant_mount(role)`` lets a role (the ECS task role) mount and write, through the access point
    only; the file system policy denies every request that is not made over TLS.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: FileStorageSettings,
        context: StackContext,
        network: Network,
        key: EncryptionKey,
    ) -> None:
        """An adopted environment (``context.adopted``) keeps its live creation token and group description."""
        super().__init__(scope, id)
        namer, adopted = context.namer, context.adopted
        self.connections = Connections(
            self,
            "connections",
            tier=Tier.EFS,
            description="EFS mount targets: NFS from ECS tasks only",
            vpc_id=network.vpc.id,
            context=context,
            port=NFS_PORT,
        )
        self.file_system = EfsFileSystem(
            self,
            "file-system",
            # a changed token replaces the file system: an adopted one keeps the token it was created with
            creation_token=(adopted and adopted.efs_creation_token) or namer.name(Kind.EFS),
            encrypted=True,
            kms_key_id=key.arn,
            performance_mode="generalPurpose",
            throughput_mode=settings.throughput_mode.value,  # a plain str for jsii
            lifecycle_policy=[
                EfsFileSystemLifecyclePolicy(transition_to_ia=settings.transition_to_ia),
                EfsFileSystemLifecyclePolicy(transition_to_primary_storage_class="AFTER_1_ACCESS"),
            ],
            tags={"Name": namer.name(Kind.EFS)},
        )
        EfsBackupPolicy(
            self,
            "backup-policy",
            file_system_id=self.file_system.id,
            backup_policy=EfsBackupPolicyBackupPolicy(status="ENABLED"),
        )
        self.mount_targets = [
            EfsMountTarget(
                self,
                f"mount-target-{i + 1}",
                file_system_id=self.file_system.id,
                subnet_id=subnet.id,
                security_groups=[self.connections.id],
            )
            for i, subnet in enumerate(network.private_subnets)
        ]
        self.access_point = EfsAccessPoint(
            self,
            "access-point",
            file_system_id=self.file_system.id,
            posix_user=EfsAccessPointPosixUser(uid=settings.posix_uid, gid=settings.posix_gid),
            root_directory=EfsAccessPointRootDirectory(
                path=settings.root_directory,
                creation_info=EfsAccessPointRootDirectoryCreationInfo(
                    owner_uid=settings.posix_uid, owner_gid=settings.posix_gid, permissions=ROOT_DIRECTORY_MODE
                ),
            ),
            tags={"Name": namer.name(Kind.EFS_ACCESS_POINT)},
        )
        # elasticfilesystem:AccessPointArn is ARN-typed (SAR, Amazon EFS, condition keys): ArnEquals.
        self._through_access_point = {"ArnEquals": {"elasticfilesystem:AccessPointArn": self.access_point.arn}}
        self._clients: list[IamRole] = []
        self._policy = EfsFileSystemPolicy(
            self, "policy", file_system_id=self.file_system.id, policy=self._file_system_policy()
        )

    def bind(self, container: ContainerSpec, path: str) -> None:
        """Mount the access point at ``path`` in ``container`` (TLS, IAM authorization), tell the
        application where (``DATA_DIR``), and make its service wait for the mount targets: a task started
        before they exist fails with ResourceInitializationError and trips the circuit breaker."""
        container.mount(
            EcsTaskDefinitionVolume(
                name="data",
                efs_volume_configuration=EcsTaskDefinitionVolumeEfsVolumeConfiguration(
                    file_system_id=self.file_system.id,
                    transit_encryption="ENABLED",
                    authorization_config=EcsTaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfig(
                        access_point_id=self.access_point.id, iam="ENABLED"
                    ),
                ),
            ),
            path,
        )
        container.set("DATA_DIR", path)
        container.depends_on.extend(self.mount_targets)

    def grant_mount(self, role: IamRole) -> IamRolePolicy:
        """Let ``role`` mount and write through the access point only: its identity policy and the file
        system policy both name it (EFS evaluates both). Returns the identity policy it attached."""
        self._clients.append(role)
        self._policy.policy = self._file_system_policy()
        return grant(
            self,
            f"client-{role.node.id}",
            role=role,
            name="mount-application-file-system",
            statements=[
                Statement(actions=CLIENT_ACTIONS, resources=self.file_system.arn, condition=self._through_access_point)
            ],
        )

    def _file_system_policy(self) -> str:
        statements = [
            Statement(
                sid="DenyWithoutTls",
                effect=Effect.DENY,
                principal={"AWS": "*"},
                actions="*",
                resources=self.file_system.arn,
                condition={"Bool": {"aws:SecureTransport": "false"}},
            )
        ]
        if self._clients:
            statements.append(
                Statement(
                    sid="ApplicationThroughAccessPointOnly",
                    principal={"AWS": [role.arn for role in self._clients]},
                    actions=CLIENT_ACTIONS,
                    resources=self.file_system.arn,
                    condition=self._through_access_point,
                )
            )
        return policy_document(*statements)

    def allow_from(self, peer: Reachable) -> None:
        """Let ``peer`` reach the mount targets over NFS (2049), SG to SG."""
        self.connections.allow_from(peer)
