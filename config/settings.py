"""Typed, frozen settings for one environment.

Every field has a documented default. Defaults are the *safe* choice (HA on, deletion protection
on, long retention); cheaper environments turn them off explicitly in ``environments.py``.
HIPAA invariants (encryption at rest with customer-managed keys, a private data tier, TLS in
transit) are deliberately not settings: no field here can switch them off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from config.bounds import bounded


@dataclass(frozen=True, kw_only=True)
class NetworkSettings:
    """VPC layout: two public and two private subnets over two Availability Zones."""

    vpc_cidr: str = "10.0.0.0/16"
    """IPv4 CIDR of the VPC; AWS allows prefixes /16 to /28."""
    availability_zones: tuple[str, ...] = ("eu-south-1a", "eu-south-1b")
    """Exactly one public and one private subnet is placed in each; at least 2, all in the region."""
    public_subnet_cidrs: tuple[str, ...] = ("10.0.0.0/24", "10.0.1.0/24")
    """One per Availability Zone, inside ``vpc_cidr``; hosts the ALB and the NAT gateway(s)."""
    private_subnet_cidrs: tuple[str, ...] = ("10.0.10.0/24", "10.0.11.0/24")
    """One per Availability Zone, inside ``vpc_cidr``; hosts ECS tasks, RDS and EFS."""
    nat_gateway_per_az: bool = True
    """True: one NAT gateway per AZ (an AZ outage keeps egress). False: one shared NAT (cheaper)."""
    app_port: int = field(default=8080, metadata=bounded(1024, 65535, "non-root containers cannot bind lower"))
    """Port the application containers listen on; the ALB reaches the ECS tier on it alone."""
    flow_log_max_aggregation_seconds: int = 600
    """VPC flow log aggregation interval: 60 or 600 seconds."""


@dataclass(frozen=True, kw_only=True)
class EncryptionSettings:
    """Customer-managed KMS keys (one per purpose). Rotation is always on and not a setting."""

    key_deletion_window_days: int = field(default=30, metadata=bounded(7, 30, "AWS KMS"))
    """Waiting period before a destroyed key is deleted."""


@dataclass(frozen=True, kw_only=True)
class DatabaseSettings:
    """RDS PostgreSQL. Encryption, TLS-only connections, private placement and an RDS-managed master
    secret are invariants, not settings."""

    engine_version: str = "16"
    """PostgreSQL major version; with minor upgrades on, RDS keeps the newest 16.x and Terraform sees no drift."""
    instance_class: str = "db.t4g.medium"
    """A current-generation class, medium or larger (Performance Insights needs it)."""
    allocated_storage_gb: int = field(default=50, metadata=bounded(20, 65536, "gp3"))
    """Initial gp3 storage in GiB."""
    max_allocated_storage_gb: int = 200
    """Ceiling for storage autoscaling; at least ``allocated_storage_gb``."""
    multi_az: bool = True
    """Synchronous standby in the second AZ; dev turns it off to halve the cost."""
    backup_retention_days: int = field(default=14, metadata=bounded(1, 35, "RDS"))
    """Automated backups kept this many days (HIPAA contingency plan, 164.308(a)(7))."""
    backup_window: str = "02:00-02:30"
    """Daily UTC backup window, ``hh:mm-hh:mm``, at least 30 minutes, not overlapping maintenance."""
    maintenance_window: str = "sun:03:00-sun:04:00"
    """Weekly UTC maintenance window, ``ddd:hh:mm-ddd:hh:mm``."""
    final_snapshot: bool = True
    """Take a final snapshot on destroy; dev turns it off to be destroyable without leftovers."""
    enhanced_monitoring_interval_seconds: int = 0
    """OS metrics every N seconds (1, 5, 10, 15, 30 or 60) through a monitoring role; 0 disables."""
    performance_insights_retention_days: int = 7
    """7 (free tier) or a multiple of 31 up to 731."""
    apply_immediately: bool = False
    """Apply modifications now instead of in the maintenance window."""
    database_name: str = "healthtech"
    """Initial database created in the instance."""
    master_username: str = "healthtech_admin"
    """Master user; its password is generated and rotated by RDS in Secrets Manager, never in code. Only
    the one-off migration task reads it (to create ``app_username``); the application never does."""
    app_username: str = "healthtech_app"
    """The application's own PostgreSQL role (``DB_USER``): created by ``python -m app.migrate`` with no
    password, no DDL rights and ``rds_iam``, so an IAM authentication token is its only way in. A plain
    lowercase name, not the master's and not one PostgreSQL or RDS reserves."""


class ThroughputMode(StrEnum):
    """How EFS provides throughput (``provisioned`` is not offered: it bills a fixed rate whatever the load)."""

    ELASTIC = "elastic"
    """Pay per use, scales with load."""
    BURSTING = "bursting"
    """Credits grow with the data stored."""


@dataclass(frozen=True, kw_only=True)
class FileStorageSettings:
    """EFS for the application's shared files. Encryption and TLS-only access are invariants."""

    transition_to_ia: str = "AFTER_30_DAYS"
    """When files not read move to Infrequent Access (AFTER_1_DAY ... AFTER_365_DAYS)."""
    throughput_mode: ThroughputMode = ThroughputMode.ELASTIC
    """See :class:`ThroughputMode`."""
    posix_uid: int = field(default=1000, metadata=bounded(1, 4_294_967_294, "0 is root"))
    """User id the application runs as; owner of the access point's root directory."""
    posix_gid: int = field(default=1000, metadata=bounded(1, 4_294_967_294, "0 is root"))
    """Group id the application runs as."""
    root_directory: str = "/app"
    """Directory the access point exposes as the application's root; created with mode 0750."""


@dataclass(frozen=True, kw_only=True)
class ComputeSettings:
    """The application on ECS Fargate. Private placement, a read-only non-root container, no database
    password anywhere (IAM database authentication) and EFS over TLS with IAM authorization are
    invariants, not settings."""

    cpu: int = 512
    """Task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384."""
    memory_mib: int = 1024
    """Task memory in MiB; Fargate accepts only certain values per ``cpu`` (e.g. 512 CPU: 1024-4096)."""
    desired_count: int = 2
    """Tasks the first release starts (the service is created with none, so nothing runs before an image
    exists); autoscaling owns the count afterwards (Terraform ignores it)."""
    min_capacity: int = 2
    """Fewest tasks autoscaling keeps; 2 keeps one task per AZ. Set by the release (Terraform creates the
    scalable target at 0 and ignores its minimum): a change here takes effect with the next release."""
    max_capacity: int = 6
    """Most tasks autoscaling starts."""
    cpu_target_percent: int = field(default=60, metadata=bounded(10, 90))
    """Average service CPU that target tracking holds."""
    memory_target_percent: int = field(default=75, metadata=bounded(10, 90))
    """Average service memory that target tracking holds."""
    fargate_spot: bool = False
    """Run most tasks on FARGATE_SPOT (one on FARGATE as a base); for environments that tolerate interruption."""
    container_name: str = "app"
    """Name of the application container in the task definition (and in ``imagedefinitions.json``)."""
    image_tag: str = "bootstrap"
    """Placeholder image tag of Terraform's template task definition, which never runs: each release
    registers the template with the image it built (tagged with the source revision)."""
    health_check_grace_period_seconds: int = field(default=60, metadata=bounded(0, 2_147_483_647, "ECS"))
    """Time a new task has before failing load balancer health checks stops it."""
    ecr_images_kept: int = field(default=30, metadata=bounded(1, 1000, "ECR lifecycle policy"))
    """The repository's lifecycle policy keeps this many most recent images."""


class WafAction(StrEnum):
    """What a managed rule group does with a request it matches."""

    BLOCK = "block"
    """Refuse the request (HTTP 403)."""
    COUNT = "count"
    """Let it through and only count and log the match: how a new environment starts, so legitimate
    traffic the group would block (large uploads, clinics behind a VPN) shows in the WAF logs first."""


@dataclass(frozen=True, kw_only=True)
class WafRuleGroupActions:
    """The action of each AWS managed rule group in the web ACL. Every default is ``count``: a new
    environment observes first, then switches a group to ``block`` once its logs show no false positives."""

    ip_reputation: WafAction = WafAction.COUNT
    """AWSManagedRulesAmazonIpReputationList: sources on Amazon's threat-intelligence list."""
    anonymous_ip: WafAction = WafAction.COUNT
    """AWSManagedRulesAnonymousIpList: Tor, VPNs and hosting providers (patients and clinics use VPNs too)."""
    common: WafAction = WafAction.COUNT
    """AWSManagedRulesCommonRuleSet: OWASP-style exploits; includes SizeRestrictions_BODY (bodies over 8 KB),
    which blocks file uploads."""
    known_bad_inputs: WafAction = WafAction.COUNT
    """AWSManagedRulesKnownBadInputsRuleSet: known exploit inputs (Log4j and others)."""
    sql_injection: WafAction = WafAction.COUNT
    """AWSManagedRulesSQLiRuleSet: SQL injection patterns."""

    @classmethod
    def every(cls, action: WafAction) -> WafRuleGroupActions:
        """The same ``action`` for every group."""
        return cls(
            ip_reputation=action,
            anonymous_ip=action,
            common=action,
            known_bad_inputs=action,
            sql_injection=action,
        )


@dataclass(frozen=True, kw_only=True)
class LoadBalancerSettings:
    """The internet-facing ALB. HTTPS is required unless an environment explicitly allows plain HTTP."""

    domain_name: str | None = None
    """Host name the application is served on (e.g. ``app.healthtech-platform.com``). With ``hosted_zone``
    the stack requests a DNS-validated ACM certificate for it and points an alias A/AAAA record at the ALB."""
    hosted_zone: str | None = None
    """Name of the Route 53 public hosted zone that holds ``domain_name`` (e.g. ``healthtech-platform.com``)."""
    certificate_arn: str | None = None
    """An existing ACM certificate (same region) for the HTTPS listener instead of requesting one; HTTP
    then only redirects to HTTPS."""
    allow_plain_http: bool = False
    """Without a domain or certificate, serve plain HTTP instead of failing the synth (dev, no PHI)."""
    health_check_path: str = "/health"
    """Path the target group probes on each task."""
    health_check_matcher: str = "200"
    """HTTP codes that count as healthy: ``200``, ``200,204`` or ``200-299``."""
    health_check_interval_seconds: int = field(default=30, metadata=bounded(5, 300, "ALB"))
    """Seconds between probes."""
    healthy_threshold: int = field(default=3, metadata=bounded(2, 10, "ALB"))
    """Consecutive successes before a target is healthy."""
    unhealthy_threshold: int = field(default=3, metadata=bounded(2, 10, "ALB"))
    """Consecutive failures before a target is unhealthy."""
    deregistration_delay_seconds: int = field(default=30, metadata=bounded(0, 3600, "ALB"))
    """Seconds in-flight requests get to finish when a task leaves."""
    idle_timeout_seconds: int = field(default=60, metadata=bounded(1, 4000, "ALB"))
    """Seconds an idle connection stays open."""
    access_log_retention_days: int = field(default=365, metadata=bounded(1, 3650))
    """Days the access-log bucket keeps ALB logs before they expire."""
    waf_rate_limit_per_5_minutes: int = field(default=2000, metadata=bounded(100, 2_000_000_000, "AWS WAF"))
    """Requests one client IP may send in 5 minutes before the web ACL blocks it."""
    waf_rule_groups: WafRuleGroupActions = field(default_factory=WafRuleGroupActions)
    """Block or count, per AWS managed rule group; count-first by default (see ``WafRuleGroupActions``)."""


@dataclass(frozen=True, kw_only=True)
class AlarmThresholds:
    """When an alarm fires. Each alarm needs ``evaluation_periods`` periods of ``period_seconds`` in breach."""

    period_seconds: int = 300
    """Length of one evaluation period: 60 or a multiple of 60."""
    evaluation_periods: int = field(default=2, metadata=bounded(1, 10))
    """Consecutive breaching periods before the alarm fires."""
    ecs_cpu_percent: int = field(default=85, metadata=bounded(1, 100))
    """Service average CPU above this (autoscaling should have caught it before)."""
    ecs_memory_percent: int = field(default=85, metadata=bounded(1, 100))
    """Service average memory above this."""
    rds_cpu_percent: int = field(default=80, metadata=bounded(1, 100))
    """Database CPU above this."""
    rds_connections: int = field(default=100, metadata=bounded(1))
    """Database connections above this (the original template's DB connections alarm)."""
    rds_free_storage_gb: int = field(default=10, metadata=bounded(1))
    """Free database storage below this many GiB."""
    alb_5xx_count: int = field(default=10, metadata=bounded(1))
    """5xx responses generated by the load balancer itself, per period."""
    target_5xx_count: int = field(default=10, metadata=bounded(1))
    """5xx responses returned by the application's tasks, per period."""
    unhealthy_hosts: int = field(default=1, metadata=bounded(1))
    """Unhealthy targets at or above this count."""


@dataclass(frozen=True, kw_only=True)
class ObservabilitySettings:
    """Logging, alarms and who hears about them."""

    log_retention_days: int = 365
    """CloudWatch Logs retention; must be a value CloudWatch accepts (1, 3, 5, 7, 14, 30, ...)."""
    alarm_email: str | None = None
    """Address subscribed to the alarm topic (it must confirm the subscription once)."""
    alarm_email_required: bool = True
    """Refuse the synth without ``alarm_email``; only an environment nobody is paged for turns it off."""
    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)
    """Alarm thresholds; the defaults suit a small service and are documented on each field."""


class BuildComputeType(StrEnum):
    """CodeBuild's Linux compute sizes (general purpose, on-demand)."""

    SMALL = "BUILD_GENERAL1_SMALL"
    """2 vCPUs, 3 GiB."""
    MEDIUM = "BUILD_GENERAL1_MEDIUM"
    """4 vCPUs, 7 GiB."""
    LARGE = "BUILD_GENERAL1_LARGE"
    """8 vCPUs, 15 GiB."""
    XLARGE = "BUILD_GENERAL1_XLARGE"
    """36 vCPUs, 72 GiB."""
    XXLARGE = "BUILD_GENERAL1_2XLARGE"
    """72 vCPUs, 144 GiB."""


class SourceKind(StrEnum):
    """Where the pipeline takes the application's source from."""

    S3 = "s3"
    """A zip uploaded to ``source_object_key`` in the artifact bucket starts the pipeline (local default)."""
    CODESTAR = "codestar"
    """A CodeStar connection to ``repository`` / ``branch`` (real use)."""


@dataclass(frozen=True, kw_only=True)
class DeliverySettings:
    """The release pipeline: source, image build and push, release to ECS. No step needs a person."""

    source: SourceKind = SourceKind.S3
    """See :class:`SourceKind`."""
    source_object_key: str = "source/app.zip"
    """Object key of the source archive when ``source`` is ``s3``."""
    connection_arn: str | None = None
    """CodeStar connection (created and authorized once in the console) when ``source`` is ``codestar``."""
    repository: str | None = None
    """``owner/name`` of the application repository when ``source`` is ``codestar``."""
    branch: str = "main"
    """Branch whose pushes are released when ``source`` is ``codestar``."""
    build_image: str = "aws/codebuild/amazonlinux2-x86_64-standard:5.0"
    """CodeBuild managed image (Docker included; the build runs privileged only to build the image)."""
    build_compute_type: BuildComputeType = BuildComputeType.SMALL
    """CodeBuild compute size of the image build (the release always runs on the smallest)."""
    build_timeout_minutes: int = field(default=30, metadata=bounded(5, 480, "CodeBuild"))
    """A build running longer is stopped."""
    artifact_retention_days: int = field(default=30, metadata=bounded(1, 3650))
    """Pipeline artifacts expire after this many days."""
    release_timeout_minutes: int = field(default=30, metadata=bounded(5, 470, "within the build's 480"))
    """The Deploy stage fails when its migration and the service's move to the new revision have not both
    finished after this long (one deadline for the whole release)."""
    seed_source: bool = True
    """With the ``s3`` source: upload this repository's ``app/`` (the reference application) as the first
    source archive, so the pipeline's run on creation has something to build and the first deploy ends
    healthy. Created once and never rewritten (a team's own uploads stay). Set False before applying to
    an environment whose source archive was uploaded before this setting existed: creating the seed
    there would replace that archive with the reference application and start a release of it."""


@dataclass(frozen=True, kw_only=True)
class StateBackendSettings:
    """Where this environment's Terraform state lives (created once by the bootstrap)."""

    bucket: str | None = None
    """S3 bucket holding the state, created by the bootstrap; None (the default) names it after the
    account and region, ``healthtech-tfstate-{account}-{region}``, since bucket names are global."""
    lock_table: str = "healthtech-terraform-locks"
    """DynamoDB table used for state locking (in addition to the S3 lockfile)."""
    region: str = "eu-south-1"
    """Region of the state bucket and lock table."""
    key_prefix: str = "healthtech"
    """State object key is ``{key_prefix}/{environment}/terraform.tfstate``."""


class Tier(StrEnum):
    """A security tier: the ``{tier}-sg`` group name, its ``Tier`` tag and the label of its rules."""

    ALB = "alb"
    ECS = "ecs"
    RDS = "rds"
    EFS = "efs"


@dataclass(frozen=True, kw_only=True)
class AdoptedSettings:
    """Live values of an environment adopted from a CloudFormation TapStack (README, "Adopting a running
    CloudFormation TapStack") that differ from what our code sets and that AWS cannot change in place:
    here, every synth keeps them, so the adopted resources stay. Copy them from what ``python -m
    tooling.adopt`` prints; never change them afterwards (each change replaces its resource)."""

    efs_creation_token: str | None = None
    """The EFS file system's creation token (CloudFormation generated it, e.g. ``TapStackdev-EFSFileSystem-
    1A2B3C4D``), 1 to 64 characters; None: ours, ``healthtech-efs-{env}``. Changing it replaces the file
    system and the patient files on it."""
    security_group_descriptions: Mapping[Tier, str] = field(default_factory=dict)
    """The live description of each tier's security group whose description differs from ours (1 to 255
    characters of ``a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*``); a tier left out gets ours. Changing one replaces
    the group. Read-only once built."""

    def __post_init__(self) -> None:
        # frozen: a read-only copy, so no one changes what every later synth reads
        object.__setattr__(
            self, "security_group_descriptions", MappingProxyType(dict(self.security_group_descriptions))
        )

    def security_group_description(self, tier: Tier, ours: str) -> str:
        """The description the ``tier`` group keeps: the adopted one, else ``ours``."""
        return self.security_group_descriptions.get(tier, ours)


class DataClassification(StrEnum):
    """What an environment may hold; the value of its ``DataClassification`` tag."""

    PHI = "PHI"
    """Protected health information: validation requires HTTPS."""
    NON_PHI = "NonPHI"
    """Synthetic or test data only; the one class allowed to serve plain HTTP."""


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Everything that may differ between two environments of the platform."""

    name: str
    """Environment suffix used in every physical name (``healthtech-{type}-{name}``)."""
    account_id: str = ""
    """The 12-digit AWS account the environment deploys into; the provider refuses credentials of any
    other account (``allowed_account_ids``). Required: documentation placeholders are refused."""
    data_classification: DataClassification = DataClassification.PHI
    """What the environment may hold; PHI (the default) requires HTTPS."""
    region: str = "eu-south-1"
    """AWS region of every resource in the environment."""
    deletion_protection: bool = True
    """Protect stateful resources (RDS, ALB) from deletion; dev turns it off to stay destroyable."""
    owner: str = "platform-team"
    """Value of the ``Owner`` tag."""
    cost_center: str = "healthtech-saas"
    """Value of the ``CostCenter`` tag."""
    force_destroy: bool = False
    """Let ``destroy`` delete buckets and image repositories that still hold objects; dev only."""
    network: NetworkSettings = field(default_factory=NetworkSettings)
    encryption: EncryptionSettings = field(default_factory=EncryptionSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    file_storage: FileStorageSettings = field(default_factory=FileStorageSettings)
    compute: ComputeSettings = field(default_factory=ComputeSettings)
    load_balancer: LoadBalancerSettings = field(default_factory=LoadBalancerSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    observability: ObservabilitySettings = field(default_factory=ObservabilitySettings)
    state: StateBackendSettings = field(default_factory=StateBackendSettings)
    adopted: AdoptedSettings | None = None
    """Set only on an environment adopted from a CloudFormation TapStack: the live values its resources keep
    (see ``AdoptedSettings``); None for an environment this project created."""
