"""The image, read statically (no Docker engine where the tests run): the contract the Dockerfile keeps."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from dockerfile_parse import DockerfileParser

from app.settings import DEFAULT_CA_BUNDLE
from config import ENVIRONMENTS
from config.settings import FileStorageSettings, LoadBalancerSettings, NetworkSettings

APP = Path(__file__).resolve().parents[2] / "app"
# The eu-south-1 root of rds-ca-rsa2048-g1 (components/database.py CA_CERTIFICATE), identical in five
# independently published copies of AWS's global bundle; not checked against AWS itself (see app/README.md).
EU_SOUTH_1_RSA2048_G1_SHA256 = "8ea634c367d3f18a471da9bb38f833cbec4a408e472b58ad7d69bd47390a6640"


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(str(APP / "Dockerfile"))


def _final_stage(parser: DockerfileParser) -> list[dict[str, str]]:
    instructions = [i for i in parser.structure if i["instruction"] != "COMMENT"]
    last_from = max(n for n, i in enumerate(instructions) if i["instruction"] == "FROM")
    return instructions[last_from:]


def _args(stage: list[dict[str, str]]) -> dict[str, str]:
    return dict(i["value"].split("=", 1) for i in stage if i["instruction"] == "ARG")


def test_the_image_runs_as_the_uid_and_gid_the_task_definition_sets(dockerfile: DockerfileParser) -> None:
    stage = _final_stage(dockerfile)
    users = [i["value"] for i in stage if i["instruction"] == "USER"]
    assert users == ["${APP_UID}:${APP_GID}"]
    storage = FileStorageSettings()
    assert _args(stage) == {"APP_UID": str(storage.posix_uid), "APP_GID": str(storage.posix_gid)}


def test_the_health_check_uses_the_images_own_python_and_no_download_tool(dockerfile: DockerfileParser) -> None:
    checks = [i["value"] for i in dockerfile.structure if i["instruction"] == "HEALTHCHECK"]
    assert len(checks) == 1
    assert checks[0].endswith('CMD ["python", "-m", "app.healthcheck"]')
    text = (APP / "Dockerfile").read_text()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for tool in ("curl", "wget", "apt-get", "apk "):
        assert tool not in code


def test_the_environment_fits_a_read_only_root_and_the_platform_defaults(dockerfile: DockerfileParser) -> None:
    env = dockerfile.envs
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"  # no __pycache__ writes into the read-only code directory
    assert env["TMPDIR"] == "/tmp"  # the task's scratch volume (components/compute.py SCRATCH_PATH)
    assert env["PORT"] == str(NetworkSettings().app_port)
    assert env["HEALTH_PATH"] == LoadBalancerSettings().health_check_path
    assert env["PGSSLMODE"] == "verify-full"
    # The shipped bundle, at the path the code defaults to once the package sits at /opt/service/app.
    assert env["PGSSLROOTCERT"] == "/opt/service/app/" + str(DEFAULT_CA_BUNDLE.relative_to(APP))
    exposed = [i["value"] for i in _final_stage(dockerfile) if i["instruction"] == "EXPOSE"]
    assert exposed == [str(NetworkSettings().app_port)]


def test_bytecode_is_compiled_at_build_time_and_dependencies_are_hash_checked(dockerfile: DockerfileParser) -> None:
    runs = " ".join(i["value"] for i in dockerfile.structure if i["instruction"] == "RUN")
    assert "pip install --require-hashes --only-binary=:all: --no-deps -r /build/requirements.txt" in runs
    assert "compileall -q --invalidation-mode unchecked-hash /opt/service/app /opt/venv" in runs


def test_every_copied_file_exists_in_the_build_context(dockerfile: DockerfileParser) -> None:
    for instruction in dockerfile.structure:
        if instruction["instruction"] == "COPY" and "--from=" not in instruction["value"]:
            source = instruction["value"].split()[0]
            assert list(APP.glob(source)), f"COPY {source}: nothing in app/ matches"


def test_every_requirement_is_pinned_with_hashes() -> None:
    text = (APP / "requirements.txt").read_text()
    blocks = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", text, re.M)
    names = {name.lower() for name, _, _ in blocks}
    assert {"pg8000", "botocore", "scramp", "asn1crypto"} <= names
    requirement_lines = [line for line in text.splitlines() if re.match(r"^[A-Za-z0-9]", line)]
    assert len(requirement_lines) == len(blocks)  # no requirement without its hashes
    direct = dict(line.split("==") for line in (APP / "requirements.in").read_text().splitlines() if "==" in line)
    for name, version, _ in blocks:
        if name in direct:
            assert direct[name] == version


def _common_name(certificate: x509.Certificate) -> str:
    return str(certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def test_the_ca_bundle_holds_only_current_amazon_rds_root_cas() -> None:
    certificates = x509.load_pem_x509_certificates(DEFAULT_CA_BUNDLE.read_bytes())
    now = datetime.datetime.now(datetime.UTC)
    assert len(certificates) >= 100
    for certificate in certificates:
        name = _common_name(certificate)
        assert certificate.subject == certificate.issuer, name  # roots only: nothing else is trusted
        certificate.verify_directly_issued_by(certificate)  # and self-signed for real
        assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca, name
        organisation = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value
        assert organisation == "Amazon RDS", name
        assert certificate.not_valid_before_utc < now < certificate.not_valid_after_utc, name


def test_every_environment_region_has_the_root_of_the_databases_ca() -> None:
    by_name = {_common_name(c): c for c in x509.load_pem_x509_certificates(DEFAULT_CA_BUNDLE.read_bytes())}
    for env in ENVIRONMENTS.values():
        assert f"Amazon RDS {env.region} Root CA RSA2048 G1" in by_name, env.name
    pinned = by_name["Amazon RDS eu-south-1 Root CA RSA2048 G1"]
    assert pinned.fingerprint(hashes.SHA256()).hex() == EU_SOUTH_1_RSA2048_G1_SHA256
