"""The reads a Terraform plan makes of the platform's configuration, granted to the CI roles on ``*``.

Kept apart from components/ci_policies.py, which grants them, because the list is long and changes on
its own: a resource type added to the stacks may need its read actions here (a plan as the plan role
then fails with AccessDenied, naming the action).
"""

from __future__ import annotations

# Reads of the platform's configuration: what a plan's refresh calls for every resource type the stacks
# declare (the Terraform AWS provider's read functions). Deliberately not AWS's ReadOnlyAccess: that policy
# also reads data, and this account holds PHI (s3:GetObject on every bucket, logs:GetLogEvents and
# FilterLogEvents on application logs, dynamodb:GetItem/Scan, ecr:BatchGetImage). No data-plane read
# (object contents, log events, secret values, images, items) is listed here; the state objects and
# lock items are granted separately, on their own ARNs.
PLATFORM_READ_ACTIONS: tuple[str, ...] = (
    "acm:DescribeCertificate",
    "acm:GetCertificate",
    "acm:ListTagsForCertificate",
    "application-autoscaling:Describe*",
    "application-autoscaling:ListTagsForResource",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetDashboard",
    "cloudwatch:ListTagsForResource",
    "codebuild:BatchGetProjects",
    "codepipeline:GetPipeline",
    "codepipeline:ListTagsForResource",
    "codestar-connections:GetConnection",
    "codestar-connections:ListTagsForResource",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:DescribeTable",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:ListTagsOfResource",
    "ec2:Describe*",
    "ecr:DescribeRepositories",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:ListTagsForResource",
    "ecs:Describe*",
    "ecs:ListTagsForResource",
    "elasticfilesystem:Describe*",
    "elasticfilesystem:ListTagsForResource",
    "elasticloadbalancing:Describe*",
    "events:DescribeRule",
    "events:ListTagsForResource",
    "events:ListTargetsByRule",
    "iam:GetOpenIDConnectProvider",
    # The bootstrap's managed policies (the boundaries, the CI reads): a refresh reads each and its version.
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "rds:DescribeDBInstances",
    "rds:DescribeDBParameterGroups",
    "rds:DescribeDBParameters",
    "rds:DescribeDBSubnetGroups",
    "rds:ListTagsForResource",
    "route53:GetChange",
    "route53:GetHostedZone",
    "route53:ListHostedZones",
    "route53:ListResourceRecordSets",
    "route53:ListTagsForResource",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucket*",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "secretsmanager:DescribeSecret",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "wafv2:GetLoggingConfiguration",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
    "wafv2:ListTagsForResource",
)
READ_REASON = (
    "Describe/List/Get of resource configuration: many of these actions have no resource-level permissions, "
    "and a plan reads every environment's resources; no data-plane read (objects, log events, secret "
    "values, images, items) is in the list"
)
READ_LINT_REASON = (
    "configuration reads of "
    + ", ".join(sorted({action.split(":", 1)[0] for action in PLATFORM_READ_ACTIONS}))
    + ": the plan role refreshes every environment's resources, many named by generated ids (EC2, keys, "
    "certificates, scalable targets), and none of these reads returns data (objects, log events, secret "
    "values, images, items)"
)
