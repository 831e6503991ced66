"""The ALB as synthesized: HTTPS with TLS 1.2+ and a 301 redirect, or plain HTTP where dev allows it."""

from __future__ import annotations

import json

from tests.conftest import Synth


def _listeners(synth: Synth) -> dict[int, dict]:
    return {listener["port"]: listener for listener in synth.resources("aws_lb_listener").values()}


def test_alb_is_internet_facing_in_the_public_subnets_and_drops_bad_headers(each_env: tuple) -> None:
    config, synth = each_env
    alb = synth.by_path("load-balancer/alb")
    assert alb["name"] == f"healthtech-alb-{config.name}"
    assert (alb["internal"], alb["load_balancer_type"]) == (False, "application")
    assert alb["subnets"] == [synth.ref("network/public-subnet-1"), synth.ref("network/public-subnet-2")]
    assert alb["security_groups"] == [synth.ref("load-balancer/connections/security-group")]
    assert alb["drop_invalid_header_fields"] is True
    assert alb["enable_deletion_protection"] is config.deletion_protection
    assert alb["access_logs"] == {
        "bucket": synth.ref("load-balancer/access-logs/bucket", "bucket"),
        "prefix": "alb",
        "enabled": True,
    }
    assert synth.address("load-balancer/access-logs/policy") in alb["depends_on"]


def test_prod_alb_is_protected_and_dev_is_not(dev: Synth, prod: Synth) -> None:
    assert prod.by_path("load-balancer/alb")["enable_deletion_protection"] is True
    assert dev.by_path("load-balancer/alb")["enable_deletion_protection"] is False


def test_target_group_probes_the_configured_health_check_on_ip_targets(each_env: tuple) -> None:
    config, synth = each_env
    tg = synth.by_path("load-balancer/target-group")
    lb = config.load_balancer
    assert tg["name"] == f"healthtech-tg-{config.name}"
    assert (tg["target_type"], tg["port"], tg["protocol"]) == ("ip", 8080, "HTTP")
    assert tg["deregistration_delay"] == str(lb.deregistration_delay_seconds)
    assert tg["health_check"] == {
        "enabled": True,
        "protocol": "HTTP",
        "port": "traffic-port",
        "path": lb.health_check_path,
        "matcher": lb.health_check_matcher,
        "interval": lb.health_check_interval_seconds,
        "timeout": 5,
        "healthy_threshold": lb.healthy_threshold,
        "unhealthy_threshold": lb.unhealthy_threshold,
    }


def test_with_a_certificate_https_forwards_and_http_only_redirects(each_env: tuple) -> None:
    config, synth = each_env
    if config.load_balancer.certificate_arn is None:
        return
    listeners = _listeners(synth)
    assert sorted(listeners) == [80, 443]
    https = listeners[443]
    assert (https["protocol"], https["ssl_policy"]) == ("HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert https["certificate_arn"] == config.load_balancer.certificate_arn
    assert https["default_action"] == [
        {"type": "forward", "target_group_arn": synth.ref("load-balancer/target-group", "arn")}
    ]
    assert listeners[80]["default_action"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}
    ]
    assert synth.doc["output"]["LoadBalancerURL"]["value"].startswith("https://")


def test_staging_and_prod_serve_https_and_only_dev_serves_plain_http(synths: dict[str, Synth]) -> None:
    assert sorted(_listeners(synths["staging"])) == sorted(_listeners(synths["prod"])) == [80, 443]
    (http,) = _listeners(synths["dev"]).values()
    assert (http["port"], http["protocol"]) == (80, "HTTP")
    assert http["default_action"][0]["type"] == "forward"
    assert synths["dev"].doc["output"]["LoadBalancerURL"]["value"].startswith("http://")


def test_access_log_bucket_is_private_tls_only_and_writable_by_the_regional_elb_account(each_env: tuple) -> None:
    config, synth = each_env
    bucket = synth.by_path("load-balancer/access-logs/bucket")
    account = synth.ref("context/caller", "account_id")
    assert bucket["bucket"] == f"healthtech-alb-logs-{config.name}-{account}"
    assert bucket["force_destroy"] is config.force_destroy
    pab = synth.by_path("load-balancer/access-logs/public-access-block")
    assert all(
        pab[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    (rule,) = synth.by_path("load-balancer/access-logs/encryption")["rule"]
    assert rule["apply_server_side_encryption_by_default"] == {"sse_algorithm": "AES256"}  # what ALB delivery supports
    deny, allow, access_logs = json.loads(synth.by_path("load-balancer/access-logs/policy")["policy"])["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert access_logs["Principal"] == {"Service": "logging.s3.amazonaws.com"}  # the artifact bucket's access logs
    assert access_logs["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    assert allow["Principal"] == {"AWS": synth.ref("load-balancer/elb-account", "arn")}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == f"{synth.ref('load-balancer/access-logs/bucket', 'arn')}/alb/AWSLogs/{account}/*"
    (lifecycle,) = synth.by_path("load-balancer/access-logs/lifecycle")["rule"]
    assert lifecycle["expiration"] == [{"days": config.load_balancer.access_log_retention_days}]
    assert synth.by_path("load-balancer/access-logs/versioning")["versioning_configuration"] == {"status": "Enabled"}


def test_outputs_keep_the_original_names(each_env: tuple) -> None:
    _, synth = each_env
    out = synth.doc["output"]
    assert out["LoadBalancerDNS"]["value"] == synth.ref("load-balancer/alb", "dns_name")
    assert out["LoadBalancerArn"]["value"] == synth.ref("load-balancer/alb", "arn")
    assert out["ECSClusterName"]["value"] == synth.ref("compute/cluster", "name")
    assert out["ECSClusterArn"]["value"] == synth.ref("compute/cluster", "arn")
    assert out["ECSServiceName"]["value"] == synth.ref("compute/service", "name")
    assert out["ECSServiceArn"]["value"] == synth.ref("compute/service", "id")
    assert out["ECRRepositoryUrl"]["value"] == synth.ref("registry/repository", "repository_url")
