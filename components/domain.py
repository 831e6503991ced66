"""The application's host name: a DNS-validated ACM certificate and an alias record to the load balancer.

What AWS CDK's ``ApplicationLoadBalancedFargateService`` does with ``domainName``/``domainZone``: the
certificate is requested for ``domain_name`` with DNS validation, its validation record is written into
the Route 53 public hosted zone, the HTTPS listener waits for ``aws_acm_certificate_validation`` (the
certificate is ISSUED), and an alias A record sends the name to the ALB. ACM renews a DNS-validated
certificate on its own for as long as the validation record stays in the zone (ACM user guide, DNS
validation), so nobody renews anything by hand.
"""

from __future__ import annotations

from cdktf import TerraformIterator, Token
from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation
from cdktf_cdktf_provider_aws.data_aws_route53_zone import DataAwsRoute53Zone
from cdktf_cdktf_provider_aws.lb import Lb
from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordAlias
from constructs import Construct

VALIDATION_RECORD_TTL = 300


class Domain(Construct):
    """``domain_name`` in the public zone ``hosted_zone``, with its certificate. Point it at an ALB with
    :meth:`alias_to` once the load balancer exists (the listener needs the certificate first)."""

    def __init__(self, scope: Construct, id: str, *, domain_name: str, hosted_zone: str) -> None:
        super().__init__(scope, id)
        self.domain_name = domain_name
        self.zone = DataAwsRoute53Zone(self, "zone", name=hosted_zone, private_zone=False)
        self.certificate = AcmCertificate(
            self,
            "certificate",
            domain_name=domain_name,
            validation_method="DNS",
            tags={"Name": domain_name},
            # A changed name needs a new certificate; the listener moves to it before the old one goes.
            lifecycle={"create_before_destroy": True},
        )
        # One record per name ACM asks to validate, keyed by domain name (known at plan time; the
        # record values are not until the certificate is requested).
        options = TerraformIterator.from_complex_list(self.certificate.domain_validation_options, "domain_name")
        records = Route53Record(
            self,
            "validation-record",
            for_each=options,
            zone_id=self.zone.zone_id,
            name=options.get_string("resource_record_name"),
            type=options.get_string("resource_record_type"),
            records=[options.get_string("resource_record_value")],
            ttl=VALIDATION_RECORD_TTL,
            # Requesting the certificate again (e.g. after a destroy) yields the same CNAME: take it over.
            allow_overwrite=True,
        )
        self.validation = AcmCertificateValidation(
            self,
            "validation",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=Token.as_list(TerraformIterator.from_resources(records).pluck_property("fqdn")),
        )

    @property
    def certificate_arn(self) -> str:
        """The certificate's ARN, read from the validation: whatever uses it waits until it is ISSUED."""
        return self.validation.certificate_arn

    def alias_to(self, alb: Lb) -> Route53Record:
        """An alias A record from the domain name to ``alb`` (IPv4: the ALB and VPC have no IPv6)."""
        return Route53Record(
            self,
            "alias-a",
            zone_id=self.zone.zone_id,
            name=self.domain_name,
            type="A",
            alias=Route53RecordAlias(name=alb.dns_name, zone_id=alb.zone_id, evaluate_target_health=True),
        )
