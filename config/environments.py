"""The environments this app synthesizes. Add one by adding an entry to ``ENVIRONMENTS``.

Only what differs from the safe defaults in ``settings.py`` is written here.
"""

from __future__ import annotations

from config.ci import GitHubEnvironment, GitHubRepository, Reviewer, ReviewerType
from config.settings import (
    ComputeSettings,
    DatabaseSettings,
    DataClassification,
    EncryptionSettings,
    EnvironmentConfig,
    LoadBalancerSettings,
    NetworkSettings,
    ObservabilitySettings,
    WafAction,
    WafRuleGroupActions,
)

# ---- Your organisation's values: replace these six before the first deploy (README, "First deploy to
# a new account"). A real-AWS synth refuses documentation placeholders (account 123456789012, domains
# such as example.com), so the values below are fictitious but shaped like real ones.
ACCOUNT_ID = "480596171823"
"""The AWS account every environment below deploys into (`aws sts get-caller-identity`)."""
HOSTED_ZONE = "healthtech-platform.com"
"""A Route 53 public hosted zone in that account, for a domain you own."""
ALARM_EMAIL = "platform-oncall@healthtech-platform.com"
"""The mailbox that receives alarms (it confirms the SNS subscription once)."""
PROD_REVIEWERS = (Reviewer(type=ReviewerType.TEAM, id=7305218),)
"""Who approves each deploy to prod: GitHub users or teams by numeric id (``gh api orgs/ORG/teams/SLUG --jq .id``),
each with read access to the repository."""
GITHUB_REPOSITORY = GitHubRepository(
    owner="healthtech-platform",
    name="healthtech-platform",
    # Every environment deploys from main (the default branch); prod's jobs wait for a reviewer.
    environments={"prod": GitHubEnvironment(reviewers=PROD_REVIEWERS)},
)
"""The repository whose workflows plan and deploy (only its OIDC tokens may assume the CI roles), and its
GitHub environments: ``python -m tooling.github_settings --apply`` writes them to GitHub."""
STAGING_DOMAIN = f"staging.{HOSTED_ZONE}"
PROD_DOMAIN = f"app.{HOSTED_ZONE}"

# dev, staging and prod were created with every managed rule group blocking; they keep it. A new
# environment gets the count-first default (config/settings.py, WafRuleGroupActions).
ENFORCING_WAF = WafRuleGroupActions.every(WafAction.BLOCK)

DEV = EnvironmentConfig(
    name="dev",
    account_id=ACCOUNT_ID,
    # dev serves plain HTTP and so may hold no PHI: synthetic test data only.
    data_classification=DataClassification.NON_PHI,
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
    load_balancer=LoadBalancerSettings(
        allow_plain_http=True, access_log_retention_days=30, waf_rule_groups=ENFORCING_WAF
    ),
    # Nobody is paged for dev.
    observability=ObservabilitySettings(log_retention_days=30, alarm_email_required=False),
)

STAGING = EnvironmentConfig(
    name="staging",
    account_id=ACCOUNT_ID,
    network=NetworkSettings(
        vpc_cidr="10.20.0.0/16",
        public_subnet_cidrs=("10.20.0.0/24", "10.20.1.0/24"),
        private_subnet_cidrs=("10.20.10.0/24", "10.20.11.0/24"),
        nat_gateway_per_az=False,
    ),
    load_balancer=LoadBalancerSettings(
        domain_name=STAGING_DOMAIN, hosted_zone=HOSTED_ZONE, waf_rule_groups=ENFORCING_WAF
    ),
    observability=ObservabilitySettings(log_retention_days=90, alarm_email=ALARM_EMAIL),
)

PROD = EnvironmentConfig(
    name="prod",
    account_id=ACCOUNT_ID,
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
    load_balancer=LoadBalancerSettings(
        domain_name=PROD_DOMAIN,
        hosted_zone=HOSTED_ZONE,
        access_log_retention_days=2192,
        waf_rule_groups=ENFORCING_WAF,
    ),
    # HIPAA asks that audit records be kept six years (164.316(b)(2)); 2192 days covers it.
    observability=ObservabilitySettings(log_retention_days=2192, alarm_email=ALARM_EMAIL),
)

ENVIRONMENTS: dict[str, EnvironmentConfig] = {cfg.name: cfg for cfg in (DEV, STAGING, PROD)}
