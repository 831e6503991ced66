"""HTTPS on the environment's own domain, applied on the local endpoint and read back with boto3.

What moto cannot show: it issues a requested certificate once it is MOTO_ACM_VALIDATION_WAIT seconds
old (tooling/moto_server.py sets 5), without resolving the validation CNAME; AWS issues only after
the CNAME in the zone resolves. That the record is written where ACM asked is what is checked here.
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import DEV, LOCAL_DOMAIN, Deployment

pytestmark = pytest.mark.integration


def _records(deployment: Deployment) -> list[dict[str, object]]:
    route53 = deployment.client("route53")
    records: list[dict[str, object]] = route53.list_resource_record_sets(HostedZoneId=deployment.zone_id)[
        "ResourceRecordSets"
    ]
    return records


def test_certificate_is_requested_for_the_domain_with_dns_validation_and_issued(deployment: Deployment) -> None:
    acm = deployment.client("acm")
    certificate = acm.describe_certificate(CertificateArn=deployment.certificate_arn)["Certificate"]
    assert certificate["DomainName"] == LOCAL_DOMAIN
    assert certificate["Type"] == "AMAZON_ISSUED" and certificate["Status"] == "ISSUED"
    (option,) = certificate["DomainValidationOptions"]
    assert option["ValidationMethod"] == "DNS" and option["ValidationStatus"] == "SUCCESS"


def test_validation_record_is_in_the_zone_where_acm_asked(deployment: Deployment) -> None:
    acm = deployment.client("acm")
    (option,) = acm.describe_certificate(CertificateArn=deployment.certificate_arn)["Certificate"][
        "DomainValidationOptions"
    ]
    wanted = option["ResourceRecord"]
    (record,) = [r for r in _records(deployment) if r["Type"] == "CNAME"]
    assert str(record["Name"]).rstrip(".") == wanted["Name"].rstrip(".")
    assert record["ResourceRecords"] == [{"Value": wanted["Value"]}]


def test_domain_is_an_alias_of_the_load_balancer(deployment: Deployment) -> None:
    (alias,) = [r for r in _records(deployment) if r["Type"] == "A"]
    assert str(alias["Name"]).rstrip(".") == LOCAL_DOMAIN
    target = alias["AliasTarget"]
    assert isinstance(target, dict)
    elb = deployment.client("elbv2")
    (alb,) = elb.describe_load_balancers(LoadBalancerArns=[deployment.outputs["LoadBalancerArn"]])["LoadBalancers"]
    assert str(target["DNSName"]).rstrip(".").lower() == alb["DNSName"].lower()
    assert target["HostedZoneId"] == alb["CanonicalHostedZoneId"]
    assert deployment.outputs["LoadBalancerURL"] == f"https://{LOCAL_DOMAIN}"


def test_https_listener_serves_the_issued_certificate(deployment: Deployment) -> None:
    elb = deployment.client("elbv2")
    listeners = elb.describe_listeners(LoadBalancerArn=deployment.outputs["LoadBalancerArn"])["Listeners"]
    (https,) = [listener for listener in listeners if listener["Protocol"] == "HTTPS"]
    assert https["Certificates"] == [{"CertificateArn": deployment.certificate_arn}]
    assert DEV.load_balancer.allow_plain_http  # dev's own setting; the domain overrides it here
