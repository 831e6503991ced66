"""A throwaway self-signed certificate in the local endpoint's ACM, so local stacks can serve HTTPS.

The key is generated with openssl in a temporary directory at deploy time, imported, and deleted:
it never lands in the repository or in a real-AWS stack (the local endpoint has no CA to issue one).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from tooling.local import boto_client

VALID_DAYS = 7


def import_self_signed(server_url: str, region: str, common_name: str) -> str:
    """Create a self-signed certificate for ``common_name``, import it into ACM, return its ARN."""
    with tempfile.TemporaryDirectory() as scratch:
        key, cert = Path(scratch) / "key.pem", Path(scratch) / "cert.pem"
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
                "-days", str(VALID_DAYS), "-subj", f"/CN={common_name}",
                "-keyout", str(key), "-out", str(cert),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        acm = boto_client(server_url, "acm", region)
        arn: str = acm.import_certificate(Certificate=cert.read_bytes(), PrivateKey=key.read_bytes())["CertificateArn"]
        return arn
