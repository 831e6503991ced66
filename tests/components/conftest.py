"""A bare stack: one component built and synthesized alone, without the rest of the platform.

``bare_stack()`` gives a fresh stack with the AWS provider and the account/region lookups a component
needs (``namer``, ``aws``, dev's settings as ``config``, and ``context``, the stack context a platform
component takes); build the component under ``bare.stack`` and call ``bare.synth()``. The
whole-platform fixtures (``dev``, ``each_env``) stay the default for wiring; this one is for what a
component does on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import cdktf
import pytest

from components.aws_context import AwsContext
from components.context import StackContext
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

    @cached_property
    def context(self) -> StackContext:
        """The environment's stack context, with its own logs key (made on first use)."""
        logs_key = self.key(KeyPurpose.LOGS, "logs-key")
        return StackContext.of(self.config, namer=self.namer, aws=self.aws, logs_key=logs_key)

    def file_storage(self) -> FileStorage:
        """The file system in its own network, as the platform builds it."""
        context = self.context
        network = Network(self.stack, "network", settings=self.config.network, context=context)
        return FileStorage(
            self.stack, "files", settings=self.config.file_storage, context=context, network=network,
            key=self.key(KeyPurpose.EFS),
        )  # fmt: skip

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
