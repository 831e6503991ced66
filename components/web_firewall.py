"""A WAF web ACL in front of the public load balancer: AWS managed rule groups and a per-IP rate limit.

Requests it blocks never reach the application; every decision is logged to a KMS-encrypted log group
(WAF requires the ``aws-waf-logs-`` name prefix).
"""

from __future__ import annotations

from typing import Any

from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import (
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
    Wafv2WebAclLoggingConfigurationRedactedFieldsQueryString,
    Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader,
)
from constructs import Construct

from components.context import StackContext
from components.load_balancer import LoadBalancer
from config.naming import Kind
from config.settings import WafAction, WafRuleGroupActions

# AWS managed rule groups, in evaluation order: IPs on Amazon's reputation list, anonymizing sources
# (Tor, VPNs, hosting providers), OWASP-style common exploits, known bad inputs (incl. Log4j) and SQL
# injection. Each one blocks or only counts as ``LoadBalancerSettings.waf_rule_groups`` says.
MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesAnonymousIpList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)


def group_actions(actions: WafRuleGroupActions) -> dict[str, WafAction]:
    """The configured action of each group of :data:`MANAGED_RULE_GROUPS`, by group name."""
    return dict(
        zip(
            MANAGED_RULE_GROUPS,
            (actions.ip_reputation, actions.anonymous_ip, actions.common, actions.known_bad_inputs,
             actions.sql_injection),
            strict=True,
        )
    )  # fmt: skip


# Headers that carry credentials (bearer tokens, session cookies) and the query string, which can carry
# patient identifiers in a URL: WAF logs replace them with REDACTED (WAF developer guide, "Log fields":
# redacted fields). The URI path stays, it is what an investigation needs.
REDACTED_HEADERS: tuple[str, ...] = ("authorization", "cookie")


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


class WebFirewall(Construct):
    """The web ACL, its association with the load balancer and its logging."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        context: StackContext,
        load_balancer: LoadBalancer,
        rate_limit_per_5_minutes: int,
        rule_groups: WafRuleGroupActions,
    ) -> None:
        super().__init__(scope, id)
        name = context.namer.name(Kind.WAF)
        self.web_acl = Wafv2WebAcl(
            self,
            "web-acl",
            name=name,
            description="Managed rule groups and a per-IP rate limit in front of the application",
            scope="REGIONAL",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()),
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            ),
        )
        rules: list[dict[str, Any]] = [
            {
                "name": group,
                "priority": priority,
                # A group's own actions apply ("none"), or each match is only counted ("count").
                "override_action": [{"none" if action is WafAction.BLOCK else "count": [{}]}],
                "statement": [{"managed_rule_group_statement": [{"name": group, "vendor_name": "AWS"}]}],
                "visibility_config": [_visibility(group)],
            }
            for priority, (group, action) in enumerate(group_actions(rule_groups).items())
        ]
        rules.append(
            {
                "name": "RateLimitPerIp",
                "priority": len(MANAGED_RULE_GROUPS),
                "action": [{"block": [{}]}],
                "statement": [
                    {"rate_based_statement": [{"limit": rate_limit_per_5_minutes, "aggregate_key_type": "IP"}]}
                ],
                "visibility_config": [_visibility("RateLimitPerIp")],
            }
        )
        # Raw blocks: the typed rule structs are nested ten levels deep and say nothing more.
        self.web_acl.add_override("rule", rules)
        Wafv2WebAclAssociation(self, "association", resource_arn=load_balancer.alb.arn, web_acl_arn=self.web_acl.arn)
        self.log_group = context.log_group(self, "log-group", name=context.namer.name(Kind.WAF_LOG_GROUP))
        Wafv2WebAclLoggingConfiguration(
            self,
            "logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[self.log_group.arn],
            redacted_fields=[
                *(
                    Wafv2WebAclLoggingConfigurationRedactedFields(
                        single_header=Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader(name=header)
                    )
                    for header in REDACTED_HEADERS
                ),
                Wafv2WebAclLoggingConfigurationRedactedFields(
                    query_string=Wafv2WebAclLoggingConfigurationRedactedFieldsQueryString()
                ),
            ],
        )
