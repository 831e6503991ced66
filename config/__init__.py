"""Per-environment configuration: typed settings, the environment registry, validation and naming."""

from config.environments import ENVIRONMENTS
from config.naming import Namer
from config.settings import (
    EncryptionSettings,
    EnvironmentConfig,
    NetworkSettings,
    ObservabilitySettings,
    StateBackendSettings,
)
from config.validation import ConfigError, select, validate

__all__ = [
    "ENVIRONMENTS",
    "ConfigError",
    "EncryptionSettings",
    "EnvironmentConfig",
    "Namer",
    "NetworkSettings",
    "ObservabilitySettings",
    "StateBackendSettings",
    "select",
    "validate",
]
