"""Typed, frozen settings for one environment.

Every field has a documented default. Defaults are the *safe* choice (HA on, deletion protection
on, long retention); cheaper environments turn them off explicitly in ``environments.py``.
HIPAA invariants (encryption at rest with customer-managed keys, a private data tier, TLS in
transit) are deliberately not settings: no field here can switch them off.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    app_port: int = 8080
    """Port the application containers listen on; the ALB reaches the ECS tier on it alone."""
    flow_log_max_aggregation_seconds: int = 600
    """VPC flow log aggregation interval: 60 or 600 seconds."""


@dataclass(frozen=True, kw_only=True)
class EncryptionSettings:
    """Customer-managed KMS keys (one per purpose). Rotation is always on and not a setting."""

    key_deletion_window_days: int = 30
    """Waiting period before a destroyed key is deleted: 7 to 30 days."""


@dataclass(frozen=True, kw_only=True)
class DatabaseSettings:
    """RDS PostgreSQL. Encryption, TLS-only connections, private placement and an RDS-managed master
    secret are invariants, not settings."""

    engine_version: str = "16"
    """PostgreSQL major version; with minor upgrades on, RDS keeps the newest 16.x and Terraform sees no drift."""
    instance_class: str = "db.t4g.medium"
    """A current-generation class, medium or larger (Performance Insights needs it)."""
    allocated_storage_gb: int = 50
    """Initial gp3 storage, 20 to 65536 GiB."""
    max_allocated_storage_gb: int = 200
    """Ceiling for storage autoscaling; at least ``allocated_storage_gb``."""
    multi_az: bool = True
    """Synchronous standby in the second AZ; dev turns it off to halve the cost."""
    backup_retention_days: int = 14
    """Automated backups kept 1 to 35 days (HIPAA contingency plan, 164.308(a)(7))."""
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
    """Master user; its password is generated and rotated by RDS in Secrets Manager, never in code."""


@dataclass(frozen=True, kw_only=True)
class FileStorageSettings:
    """EFS for the application's shared files. Encryption and TLS-only access are invariants."""

    transition_to_ia: str = "AFTER_30_DAYS"
    """When files not read move to Infrequent Access (AFTER_1_DAY ... AFTER_365_DAYS)."""
    throughput_mode: str = "elastic"
    """``elastic`` (pay per use, scales with load) or ``bursting`` (credits grow with stored data)."""
    posix_uid: int = 1000
    """User id the application runs as; owner of the access point's root directory."""
    posix_gid: int = 1000
    """Group id the application runs as."""
    root_directory: str = "/app"
    """Directory the access point exposes as the application's root; created with mode 0750."""


@dataclass(frozen=True, kw_only=True)
class ObservabilitySettings:
    """Logging and alarm routing."""

    log_retention_days: int = 365
    """CloudWatch Logs retention; must be a value CloudWatch accepts (1, 3, 5, 7, 14, 30, ...)."""
    alarm_email: str | None = None
    """Address subscribed to the alarm topic; None leaves the topic without a subscription."""


@dataclass(frozen=True, kw_only=True)
class StateBackendSettings:
    """Where this environment's Terraform state lives (created once by the bootstrap)."""

    bucket: str = "healthtech-terraform-state"
    """S3 bucket holding the state; it must already exist (see README, state bootstrap)."""
    lock_table: str = "healthtech-terraform-locks"
    """DynamoDB table used for state locking (in addition to the S3 lockfile)."""
    region: str = "eu-south-1"
    """Region of the state bucket and lock table."""
    key_prefix: str = "healthtech"
    """State object key is ``{key_prefix}/{environment}/terraform.tfstate``."""


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """Everything that may differ between two environments of the platform."""

    name: str
    """Environment suffix used in every physical name (``healthtech-{type}-{name}``)."""
    region: str = "eu-south-1"
    """AWS region of every resource in the environment."""
    deletion_protection: bool = True
    """Protect stateful resources (RDS, ALB) from deletion; dev turns it off to stay destroyable."""
    owner: str = "platform-team"
    """Value of the ``Owner`` tag."""
    cost_center: str = "healthtech-saas"
    """Value of the ``CostCenter`` tag."""
    network: NetworkSettings = field(default_factory=NetworkSettings)
    encryption: EncryptionSettings = field(default_factory=EncryptionSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    file_storage: FileStorageSettings = field(default_factory=FileStorageSettings)
    observability: ObservabilitySettings = field(default_factory=ObservabilitySettings)
    state: StateBackendSettings = field(default_factory=StateBackendSettings)
