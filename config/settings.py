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
    observability: ObservabilitySettings = field(default_factory=ObservabilitySettings)
    state: StateBackendSettings = field(default_factory=StateBackendSettings)
