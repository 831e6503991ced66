"""The environments this app synthesizes. Add one by adding an entry to ``ENVIRONMENTS``.

Only what differs from the safe defaults in ``settings.py`` is written here.
"""

from __future__ import annotations

from config.settings import (
    ComputeSettings,
    DatabaseSettings,
    EncryptionSettings,
    EnvironmentConfig,
    LoadBalancerSettings,
    NetworkSettings,
    ObservabilitySettings,
)

DEV = EnvironmentConfig(
    name="dev",
    deletion_protection=False,  # dev must stay destroyable by `cdktf destroy`
    force_destroy=True,
    network=NetworkSettings(
        vpc_cidr="10.10.0.0/16",
        public_subnet_cidrs=("10.10.0.0/24", "10.10.1.0/24"),
        private_subnet_cidrs=("10.10.10.0/24", "10.10.11.0/24"),
        nat_gateway_per_az=False,  # one NAT (~32 USD/month) is enough where an AZ outage is tolerable
    ),
    encryption=EncryptionSettings(key_deletion_window_days=7),
    # Single-AZ and no final snapshot: dev holds no real data and must tear down cleanly.
    database=DatabaseSettings(multi_az=False, final_snapshot=False, backup_retention_days=1, apply_immediately=True),
    compute=ComputeSettings(desired_count=1, min_capacity=1, max_capacity=2, fargate_spot=True),
    # dev holds no PHI and has no certificate: the one environment allowed to serve plain HTTP.
    load_balancer=LoadBalancerSettings(allow_plain_http=True, access_log_retention_days=30),
    observability=ObservabilitySettings(log_retention_days=30),
)

# The ACM certificates of the staging and prod host names, issued in eu-south-1 by the account that
# runs the environment. Replace them with your own before the first deploy: a certificate that does
# not exist fails the apply at the HTTPS listener, and an environment without one fails the synth.
STAGING_CERTIFICATE = "arn:aws:acm:eu-south-1:123456789012:certificate/5b2b4a4e-3c1d-4f43-9a52-7d0e8c6f1a21"
PROD_CERTIFICATE = "arn:aws:acm:eu-south-1:123456789012:certificate/0c8f7f0e-6f7b-4b55-8d0e-2f1a9c3e4d57"

STAGING = EnvironmentConfig(
    name="staging",
    network=NetworkSettings(
        vpc_cidr="10.20.0.0/16",
        public_subnet_cidrs=("10.20.0.0/24", "10.20.1.0/24"),
        private_subnet_cidrs=("10.20.10.0/24", "10.20.11.0/24"),
        nat_gateway_per_az=False,
    ),
    load_balancer=LoadBalancerSettings(certificate_arn=STAGING_CERTIFICATE),
    observability=ObservabilitySettings(log_retention_days=90),
)

PROD = EnvironmentConfig(
    name="prod",
    network=NetworkSettings(
        vpc_cidr="10.30.0.0/16",
        public_subnet_cidrs=("10.30.0.0/24", "10.30.1.0/24"),
        private_subnet_cidrs=("10.30.10.0/24", "10.30.11.0/24"),
        flow_log_max_aggregation_seconds=60,
    ),
    database=DatabaseSettings(
        instance_class="db.r6g.large",
        allocated_storage_gb=100,
        max_allocated_storage_gb=1000,
        backup_retention_days=35,
        enhanced_monitoring_interval_seconds=60,
        performance_insights_retention_days=93,
    ),
    compute=ComputeSettings(cpu=1024, memory_mib=2048, min_capacity=2, max_capacity=10),
    load_balancer=LoadBalancerSettings(certificate_arn=PROD_CERTIFICATE, access_log_retention_days=2192),
    # HIPAA asks that audit records be kept six years (164.316(b)(2)); 2192 days covers it.
    observability=ObservabilitySettings(log_retention_days=2192, alarm_email="oncall@healthtech.example"),
)

ENVIRONMENTS: dict[str, EnvironmentConfig] = {cfg.name: cfg for cfg in (DEV, STAGING, PROD)}
