"""The first source archive: this repository's ``app/`` (the reference application), uploaded by Terraform.

CodePipeline starts a run when a pipeline is created; with the S3 source and nothing uploaded, that run
failed at Source, and the first deploy needed a hand step. The stack uploads a zip of ``app/`` (it has a
Dockerfile and keeps the platform's contract, app/README.md) to the source key before the pipeline is
created, so that run builds and releases it and the environment ends its first deploy healthy.

The object is created once and then ignored (``ignore_changes`` on its content and tags,
:data:`TEAM_OWNED`): the source key belongs to the team's releases after that, and an apply must never
replace their application with the reference one, nor show their upload as drift. A change to ``app/``
is released by uploading it like any other source. The archive is built deterministically (sorted
names, fixed timestamps and modes, no bytecode), so its hash changes only when ``app/``'s files do.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from cdktf_cdktf_provider_aws.s3_object import S3Object
from constructs import Construct

from components.bucket import SecureBucket
from components.encryption import EncryptionKey

APP_DIR = Path(__file__).resolve().parent.parent / "app"
_SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold


def archive_files(app_dir: Path = APP_DIR) -> list[Path]:
    """The files that go into the archive, relative to ``app_dir``, sorted."""
    return sorted(
        p.relative_to(app_dir)
        for p in app_dir.rglob("*")
        if p.is_file() and not _SKIPPED_PARTS & set(p.relative_to(app_dir).parts) and p.suffix != ".pyc"
    )


def seed_archive(app_dir: Path = APP_DIR, out_dir: Path | None = None) -> Path:
    """Zip ``app_dir``'s files at the archive's root (where the buildspec runs ``docker build .``)."""
    out_dir = out_dir or Path(tempfile.gettempdir()) / "healthtech-source-seed"
    out_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    for name in archive_files(app_dir):
        digest.update(name.as_posix().encode() + b"\0" + (app_dir / name).read_bytes() + b"\0")
    path = out_dir / f"app-{digest.hexdigest()[:16]}.zip"
    if not path.exists():
        partial = path.with_suffix(f".{os.getpid()}.part")  # concurrent synths never share a half-written file
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in archive_files(app_dir):
                info = zipfile.ZipInfo(name.as_posix(), date_time=_FIXED_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, (app_dir / name).read_bytes())
        partial.replace(path)
    return path


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# What a team's own upload over the seeded key replaces, and an apply must then leave alone: the content,
# and the tags. A PutObject writes a new object version with the request's tag set, none by default
# (Amazon S3 API Reference, PutObject, ``x-amz-tagging``), so after the team's upload S3 reports the
# team's tags. The seed is created with the provider's default_tags (``tags_all``, "including those
# inherited from the provider default_tags configuration block": aws_s3_object docs); ignoring ``tags``
# alone would still plan to put them back, since ``tags_all`` is where default_tags land. Checked with
# Terraform 1.11 and provider 5.100.0 on the local endpoint: after an upload with no tags, or with tags
# of its own, the stack plans no change with both ignored, and an in-place tags_all update without.
TEAM_OWNED: tuple[str, ...] = ("source", "source_hash", "content_type", "tags", "tags_all")


def seed_source(scope: Construct, id: str, *, bucket: SecureBucket, key: str, kms_key: EncryptionKey) -> S3Object:
    """Upload the reference application's archive to ``bucket``/``key`` once (see the module docstring)."""
    archive = seed_archive()
    asset = TerraformAsset(scope, f"{id}-archive", path=str(archive), type=AssetType.FILE)
    return S3Object(
        scope,
        id,
        bucket=bucket.bucket.id,
        key=key,
        source=asset.path,
        source_hash=file_sha256(archive),
        content_type="application/zip",
        kms_key_id=kms_key.arn,
        lifecycle={"ignore_changes": list(TEAM_OWNED)},
        # Written once versioning is on, so the seed gets a version id, the revision the pipeline's S3
        # source runs and the build tags the image with: "Objects that are stored in an Amazon S3 bucket
        # before you set the versioning state have a version ID of null" (Amazon S3 User Guide, "Working
        # with objects in a versioning-enabled bucket"). The same guide ("Enabling versioning on buckets")
        # says the first enabling "may take up to 15 minutes to fully propagate" and recommends waiting
        # that long before writes; nothing here waits, so on a real account a seed written inside that
        # window may still get the null version. The team's uploads come later and are versioned.
        depends_on=[bucket.versioning],
    )
