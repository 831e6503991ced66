"""Alarms as synthesized: every one notifies the encrypted topic on alarm and on recovery."""

from __future__ import annotations

import json

from config.environments import ALARM_EMAIL
from config.naming import ALARMS
from tests.conftest import Synth


def test_topic_is_encrypted_and_only_this_accounts_alarms_and_rules_publish(each_env: tuple) -> None:
    config, synth = each_env
    topic = synth.by_path("observability/topic")
    assert topic["name"] == f"healthtech-alarms-{config.name}"
    assert topic["kms_master_key_id"] == synth.ref("encryption/sns/key", "arn")
    allow, deny = json.loads(synth.by_path("observability/topic-policy")["policy"])["Statement"]
    assert allow["Principal"] == {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]}
    assert allow["Condition"] == {"StringEquals": {"aws:SourceAccount": synth.ref("context/caller", "account_id")}}
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    key_policy = json.loads(synth.by_path("encryption/sns/key")["policy"])["Statement"]
    (publishers,) = [s for s in key_policy if s.get("Sid") == "ServicesPublishToThisAccountsTopics"]
    assert publishers["Principal"] == {"Service": ["cloudwatch.amazonaws.com"]}
    (events,) = [s for s in key_policy if s.get("Sid") == "EventBridgeRulesPublishToEncryptedTopics"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"}


def test_email_subscription_only_where_configured(synths: dict[str, Synth]) -> None:
    for env in ("staging", "prod"):
        (subscription,) = synths[env].resources("aws_sns_topic_subscription").values()
        assert (subscription["protocol"], subscription["endpoint"]) == ("email", ALARM_EMAIL)
    assert not synths["dev"].resources("aws_sns_topic_subscription")


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(each_env: tuple) -> None:
    config, synth = each_env
    alarms = {a["alarm_name"]: a for a in synth.resources("aws_cloudwatch_metric_alarm").values()}
    assert sorted(alarms) == sorted(f"healthtech-{name}-{config.name}" for name in ALARMS)
    topic = synth.ref("observability/topic", "arn")
    for alarm in alarms.values():
        assert alarm["alarm_actions"] == [topic] and alarm["ok_actions"] == [topic]
        assert alarm["period"] == 300 and alarm["evaluation_periods"] == 2


def test_alarm_metrics_and_thresholds_follow_the_config(each_env: tuple) -> None:
    config, synth = each_env
    t = config.observability.thresholds
    alarms = {a["alarm_name"].split("healthtech-")[1].rsplit(f"-{config.name}", 1)[0]: a
              for a in synth.resources("aws_cloudwatch_metric_alarm").values()}  # fmt: skip
    expect = {
        "ecs-cpu-high": ("AWS/ECS", "CPUUtilization", t.ecs_cpu_percent),
        "ecs-memory-high": ("AWS/ECS", "MemoryUtilization", t.ecs_memory_percent),
        "rds-cpu-high": ("AWS/RDS", "CPUUtilization", t.rds_cpu_percent),
        "rds-connections-high": ("AWS/RDS", "DatabaseConnections", t.rds_connections),
        "rds-storage-low": ("AWS/RDS", "FreeStorageSpace", t.rds_free_storage_gb * 1024**3),
        "alb-5xx": ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", t.alb_5xx_count),
        "target-5xx": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", t.target_5xx_count),
        "unhealthy-hosts": ("AWS/ApplicationELB", "UnHealthyHostCount", t.unhealthy_hosts),
    }
    assert {k: (a["namespace"], a["metric_name"], a["threshold"]) for k, a in alarms.items()} == expect
    assert alarms["rds-storage-low"]["comparison_operator"] == "LessThanThreshold"
    assert alarms["rds-cpu-high"]["dimensions"] == {
        "DBInstanceIdentifier": synth.ref("database/instance", "identifier")
    }
    assert alarms["target-5xx"]["dimensions"] == {
        "LoadBalancer": synth.ref("load-balancer/alb", "arn_suffix"),
        "TargetGroup": synth.ref("load-balancer/target-group", "arn_suffix"),
    }


def test_a_failed_release_reaches_the_topic(each_env: tuple) -> None:
    _, synth = each_env
    rule = synth.by_path("observability/pipeline-failed-rule")
    pattern = json.loads(rule["event_pattern"])
    assert pattern["detail"] == {"pipeline": [synth.ref("delivery/pipeline", "name")], "state": ["FAILED"]}
    assert synth.by_path("observability/pipeline-failed-target")["arn"] == synth.ref("observability/topic", "arn")


def test_dashboard_shows_every_alarmed_metric(each_env: tuple) -> None:
    config, synth = each_env
    dashboard = synth.by_path("observability/dashboard")
    assert dashboard["dashboard_name"] == f"healthtech-dashboard-{config.name}"
    metrics = [w["properties"]["metrics"][0][1] for w in json.loads(dashboard["dashboard_body"])["widgets"]]
    assert sorted(metrics) == sorted(a["metric_name"] for a in synth.resources("aws_cloudwatch_metric_alarm").values())


def test_every_log_group_is_encrypted_with_the_logs_key_and_expires(each_env: tuple) -> None:
    config, synth = each_env
    groups = synth.resources("aws_cloudwatch_log_group").values()
    assert len(groups) >= 5
    for group in groups:
        assert group["kms_key_id"] == synth.ref("encryption/logs/key", "arn")
        assert group["retention_in_days"] == config.observability.log_retention_days
