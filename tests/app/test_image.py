"""The image, read statically (no Docker engine where the tests run): the contract the Dockerfile keeps."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from app.settings import DEFAULT_CA_BUNDLE
from config import ENVIRONMENTS
from config.settings import FileStorageSettings, LoadBalancerSettings, NetworkSettings

APP = Path(__file__).resolve().parents[2] / "app"
# The eu-south-1 root of rds-ca-rsa2048-g1 (components/database.py CA_CERTIFICATE), identical in five
# independently published copies of AWS's global bundle; not checked against AWS itself (see app/README.md).
EU_SOUTH_1_RSA2048_G1_SHA256 = "8ea634c367d3f18a471da9bb38f833cbec4a408e472b58ad7d69bd47390a6640"


Instruction = tuple[str, str]


def parse(text: str) -> list[Instruction]:
    """``(INSTRUCTION, arguments)`` per instruction: comments dropped, backslash continuations joined."""
    instructions: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        keyword, _, value = pending.strip().partition(" ")
        instructions.append((keyword.upper(), " ".join(value.split())))
        pending = ""
    return instructions


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse((APP / "Dockerfile").read_text())


def _final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last_from = max(n for n, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def _values(instructions: list[Instruction], keyword: str) -> list[str]:
    return [value for k, value in instructions if k == keyword]


def _args(stage: list[Instruction]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in _values(stage, "ARG"))


def _env(stage: list[Instruction]) -> dict[str, str]:
    return dict(pair.split("=", 1) for value in _values(stage, "ENV") for pair in value.split())


# The base image's registry and repository: Docker's official python image as ECR Public mirrors it.
BASE_REPOSITORY = "public.ecr.aws/docker/library/python"


def _base_images(instructions: list[Instruction]) -> list[str]:
    """Each ``FROM`` image with the ``ARG`` defaults declared before the first ``FROM`` substituted."""
    first_from = next(n for n, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    defaults = _args(instructions[:first_from])
    images = []
    for value in _values(instructions, "FROM"):
        image = value.split()[0]
        for name, default in defaults.items():
            image = image.replace(f"${{{name}}}", default).replace(f"${name}", default)
        images.append(image)
    return images


def test_every_stage_builds_from_ecr_public_never_docker_hub(dockerfile: list[Instruction]) -> None:
    images = _base_images(dockerfile)
    assert images == [f"{BASE_REPOSITORY}:3.11-slim-bookworm"] * 2


def test_no_frontend_image_is_pulled() -> None:
    text = (APP / "Dockerfile").read_text()
    # Parser directives are the `# key=value` comments before anything else; `syntax` would pull a frontend.
    directives = []
    for line in text.splitlines():
        found = re.fullmatch(r"#\s*([A-Za-z]+)\s*=.*", line.strip())
        if not found:
            break
        directives.append(found.group(1).lower())
    assert "syntax" not in directives


def test_the_pipeline_builds_with_the_dockerfiles_defaults() -> None:
    """No --build-arg: neither BUILDKIT_SYNTAX (a frontend image) nor PYTHON_IMAGE (another base) is set."""
    spec = yaml.safe_load((APP.parent / "delivery" / "buildspec.yml").read_text())
    (build,) = [c for c in spec["phases"]["build"]["commands"] if "docker build" in c]
    assert "docker build --pull --tag" in build
    assert "--build-arg" not in build and "BUILDKIT_SYNTAX" not in build


def test_the_image_runs_as_the_uid_and_gid_the_task_definition_sets(dockerfile: list[Instruction]) -> None:
    stage = _final_stage(dockerfile)
    assert _values(stage, "USER") == ["${APP_UID}:${APP_GID}"]
    storage = FileStorageSettings()
    assert _args(stage) == {"APP_UID": str(storage.posix_uid), "APP_GID": str(storage.posix_gid)}


def test_the_health_check_uses_the_images_own_python_and_no_download_tool(dockerfile: list[Instruction]) -> None:
    checks = _values(dockerfile, "HEALTHCHECK")
    assert len(checks) == 1
    assert checks[0].endswith('CMD ["python", "-m", "app.healthcheck"]')
    text = (APP / "Dockerfile").read_text()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for tool in ("curl", "wget", "apt-get", "apk "):
        assert tool not in code


def test_the_environment_fits_a_read_only_root_and_the_platform_defaults(dockerfile: list[Instruction]) -> None:
    env = _env(_final_stage(dockerfile))
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"  # no __pycache__ writes into the read-only code directory
    assert env["TMPDIR"] == "/tmp"  # the task's scratch volume (components/compute.py SCRATCH_PATH)
    assert env["PORT"] == str(NetworkSettings().app_port)
    assert env["HEALTH_PATH"] == LoadBalancerSettings().health_check_path
    assert env["PGSSLMODE"] == "verify-full"
    # The shipped bundle, at the path the code defaults to once the package sits at /opt/service/app.
    assert env["PGSSLROOTCERT"] == "/opt/service/app/" + str(DEFAULT_CA_BUNDLE.relative_to(APP))
    assert _values(_final_stage(dockerfile), "EXPOSE") == [str(NetworkSettings().app_port)]


def test_bytecode_is_compiled_at_build_time_and_dependencies_are_hash_checked(dockerfile: list[Instruction]) -> None:
    runs = " ".join(_values(dockerfile, "RUN"))
    assert "pip install --require-hashes --only-binary=:all: --no-deps -r /build/requirements.txt" in runs
    assert "compileall -q --invalidation-mode unchecked-hash /opt/service/app /opt/venv" in runs


def test_every_copied_file_exists_in_the_build_context(dockerfile: list[Instruction]) -> None:
    copies = [value for value in _values(dockerfile, "COPY") if "--from=" not in value]
    assert len(copies) == 3
    for value in copies:
        source = value.split()[0]
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
