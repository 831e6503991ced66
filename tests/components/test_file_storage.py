"""EFS as synthesized: encrypted with our key, TLS-only, reachable through one access point."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.components.conftest import BareStack
from tests.conftest import Synth


def test_file_system_is_encrypted_with_the_efs_key_and_moves_cold_files_to_ia(each_env: tuple) -> None:
    config, synth = each_env
    fs = synth.by_path("file-storage/file-system")
    assert fs["creation_token"] == f"healthtech-efs-{config.name}"
    assert fs["encrypted"] is True and fs["kms_key_id"] == synth.ref("encryption/efs/key", "arn")
    assert fs["throughput_mode"] == "elastic" and fs["performance_mode"] == "generalPurpose"
    assert fs["lifecycle_policy"] == [
        {"transition_to_ia": "AFTER_30_DAYS"},
        {"transition_to_primary_storage_class": "AFTER_1_ACCESS"},
    ]
    backup = synth.by_path("file-storage/backup-policy")
    assert backup == {"file_system_id": synth.ref("file-storage/file-system"), "backup_policy": {"status": "ENABLED"}}


def test_one_mount_target_per_private_subnet_behind_the_efs_security_group(each_env: tuple) -> None:
    _, synth = each_env
    targets = synth.resources("aws_efs_mount_target").values()
    assert sorted(t["subnet_id"] for t in targets) == sorted(
        [synth.ref("network/private-subnet-1"), synth.ref("network/private-subnet-2")]
    )
    efs_group = synth.ref("file-storage/connections/security-group")
    assert all(t["security_groups"] == [efs_group] for t in targets)
    rules = synth.resources("aws_security_group_rule").values()
    efs_in = [r for r in rules if r["security_group_id"] == efs_group and r["type"] == "ingress"]
    assert [(r["from_port"], r["to_port"], r["source_security_group_id"]) for r in efs_in] == [
        (2049, 2049, synth.ref("compute/connections/security-group"))
    ]


def test_access_point_runs_as_the_app_user_in_a_0750_root(each_env: tuple) -> None:
    config, synth = each_env
    ap = synth.by_path("file-storage/access-point")
    settings = config.file_storage
    assert ap["posix_user"] == {"uid": settings.posix_uid, "gid": settings.posix_gid}
    assert ap["root_directory"] == {
        "path": "/app",
        "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"},
    }


def test_policy_denies_non_tls_and_admits_the_task_role_only_through_the_access_point(each_env: tuple) -> None:
    _, synth = each_env
    policy = json.loads(synth.by_path("file-storage/policy")["policy"])
    deny, allow = policy["Statement"]
    fs_arn, ap_arn = synth.ref("file-storage/file-system", "arn"), synth.ref("file-storage/access-point", "arn")
    assert deny == {
        "Sid": "DenyWithoutTls",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "*",
        "Resource": fs_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    assert allow["Effect"] == "Allow" and allow["Principal"] == {"AWS": [synth.ref("identity/task-role", "arn")]}
    assert allow["Action"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert allow["Condition"] == {"ArnEquals": {"elasticfilesystem:AccessPointArn": ap_arn}}
    policies = synth.resources("aws_iam_role_policy").values()
    (grant,) = [p for p in policies if p["name"] == "mount-application-file-system"]
    assert grant["role"] == synth.ref("identity/task-role")
    (statement,) = json.loads(grant["policy"])["Statement"]
    assert statement["Resource"] == fs_arn and statement["Condition"] == allow["Condition"]


def test_outputs_keep_the_original_names(dev: Synth) -> None:
    outputs = dev.doc["output"]
    assert outputs["EFSFileSystemId"]["value"] == dev.ref("file-storage/file-system")
    assert outputs["EFSFileSystemArn"]["value"] == dev.ref("file-storage/file-system", "arn")
    assert outputs["EFSAccessPointId"]["value"] == dev.ref("file-storage/access-point")
    assert outputs["RDSInstanceEndpoint"]["value"] == dev.ref("database/instance", "address")
    assert outputs["RDSInstancePort"]["value"] == dev.ref("database/instance", "port")
    assert outputs["RDSInstanceArn"]["value"] == dev.ref("database/instance", "arn")


def test_grant_mount_names_each_role_in_both_policies_and_no_grant_admits_nobody(
    bare_stack: Callable[[], BareStack],
) -> None:
    from cdktf_cdktf_provider_aws.efs_file_system_policy import EfsFileSystemPolicy
    from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy

    from components.file_storage import CLIENT_ACTIONS
    from components.iam import service_role

    attached: list[str] = []

    def build(bare: BareStack, roles: int) -> Synth:
        storage = bare.file_storage()
        for i in range(roles):
            role = service_role(
                bare.stack, f"r{i}", name=f"r{i}", service="ecs-tasks.amazonaws.com", aws=bare.aws, description="t"
            )
            attached.append(storage.grant_mount(role).friendly_unique_id)
        return bare.synth()

    alone = build(bare_stack(), 0)
    (deny,) = json.loads(alone.only(EfsFileSystemPolicy.TF_RESOURCE_TYPE)["policy"])["Statement"]
    assert deny["Sid"] == "DenyWithoutTls" and deny["Effect"] == "Deny"
    assert [p for p in alone.resources(IamRolePolicy.TF_RESOURCE_TYPE).values() if p["name"].startswith("mount")] == []

    two = build(bare_stack(), 2)
    _, allow = json.loads(two.only(EfsFileSystemPolicy.TF_RESOURCE_TYPE)["policy"])["Statement"]
    assert allow["Principal"] == {"AWS": [two.ref("r0", "arn"), two.ref("r1", "arn")]}
    assert sorted(allow["Action"]) == sorted(CLIENT_ACTIONS)
    mounts = {k: p for k, p in two.resources(IamRolePolicy.TF_RESOURCE_TYPE).items() if p["name"].startswith("mount")}
    assert sorted(mounts) == sorted(attached)  # grant_mount returns the identity policy it attached
    identity = [json.loads(p["policy"]) for p in mounts.values()]
    assert all(p["Statement"][0]["Condition"] == allow["Condition"] for p in identity)
