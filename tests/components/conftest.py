"""A bare stack: one component built and synthesized alone, without the rest of the platform.

``bare_stack()`` gives a fresh stack with the AWS provider and the account/region lookups a component
needs (``namer``, ``aws``, dev's settings as ``config``); build the component under ``bare.stack`` and
call ``bare.synth()``. The whole-platform fixtures (``dev``, ``each_env``) stay the default for
wiring; this one is for what a component does on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cdktf
import pytest

from components.aws_context import AwsContext
from components.encryption import KEY_SPECS, EncryptionKey
from components.file_storage import FileStorage
from components.network import Network
from config import ENVIRONMENTS, EnvironmentConfig
from config.naming import KeyPurpose, Namer
from stacks.aws_provider import use_aws
from tests.conftest import Synth


@dataclass(frozen=True)
class BareStack:
    stack: cdktf.TerraformStack
    config: EnvironmentConfig
    namer: Namer
    aws: AwsContext

    def synth(self) -> Synth:
        return Synth(self.stack)

    def file_storage(self) -> FileStorage:
        """The file system in its own network (one key for both), as the platform builds it."""
        key = self.key(KeyPurpose.EFS)
        network = Network(
            self.stack, "network", settings=self.config.network, namer=self.namer, aws=self.aws, logs_key=key,
            log_retention_days=7,
        )  # fmt: skip
        return FileStorage(
            self.stack, "files", settings=self.config.file_storage, namer=self.namer, network=network, key=key
        )

    def key(self, purpose: KeyPurpose, id: str = "key") -> EncryptionKey:
        """The customer-managed key of ``purpose``, as the platform's ``Encryption`` makes it."""
        return EncryptionKey(
            self.stack, id, spec=KEY_SPECS[purpose], settings=self.config.encryption, namer=self.namer, aws=self.aws
        )


@pytest.fixture
def bare_stack() -> Callable[[], BareStack]:
    def make(environment: str = "dev") -> BareStack:
        config = ENVIRONMENTS[environment]
        stack = cdktf.TerraformStack(cdktf.Testing.app(), "bare")
        use_aws(stack, region=config.region, tags={}, account_id=config.account_id, local=None)
        aws = AwsContext(stack, "context", region=config.region)
        return BareStack(stack, config, Namer(config.name), aws)

    return make
