"""The WAF web ACL in front of the ALB, and the artifact bucket's access logs in the log archive."""

from __future__ import annotations

from components.web_firewall import MANAGED_RULE_GROUPS


def test_web_acl_runs_the_managed_groups_then_a_rate_limit_and_guards_the_alb(each_env: tuple) -> None:
    config, synth = each_env
    acl = synth.by_path("web-firewall/web-acl")
    assert acl["name"] == f"healthtech-waf-{config.name}" and acl["scope"] == "REGIONAL"
    assert acl["default_action"] == {"allow": {}}
    rules = sorted(acl["rule"], key=lambda r: r["priority"])
    groups = [r["statement"][0]["managed_rule_group_statement"][0]["name"] for r in rules[:-1]]
    assert groups == list(MANAGED_RULE_GROUPS)
    assert "AWSManagedRulesKnownBadInputsRuleSet" in groups  # Log4j and other known exploit inputs
    rate = rules[-1]
    assert rate["action"] == [{"block": [{}]}]
    assert rate["statement"][0]["rate_based_statement"][0] == {
        "limit": config.load_balancer.waf_rate_limit_per_5_minutes,
        "aggregate_key_type": "IP",
    }
    association = synth.by_path("web-firewall/association")
    assert association["resource_arn"] == synth.ref("load-balancer/alb", "arn")
    assert association["web_acl_arn"] == synth.ref("web-firewall/web-acl", "arn")


def test_waf_decisions_are_logged_to_an_encrypted_group(each_env: tuple) -> None:
    config, synth = each_env
    group = synth.by_path("web-firewall/log-group")
    assert group["name"] == f"aws-waf-logs-healthtech-{config.name}"
    assert group["kms_key_id"] == synth.ref("encryption/logs/key", "arn")
    logging = synth.by_path("web-firewall/logging")
    assert logging["log_destination_configs"] == [synth.ref("web-firewall/log-group", "arn")]


def test_artifact_bucket_access_is_logged_into_the_log_archive(each_env: tuple) -> None:
    _, synth = each_env
    logging = synth.by_path("delivery/artifacts/access-logging")
    assert logging["bucket"] == synth.ref("delivery/artifacts/bucket")
    assert logging["target_bucket"] == synth.ref("load-balancer/access-logs/bucket")
    assert logging["target_prefix"] == f"s3-access/{synth.ref('delivery/artifacts/bucket', 'bucket')}/"
