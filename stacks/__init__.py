"""Stacks wire components together: provider, backend, components, outputs. No resource lives here."""

import components  # noqa: F401  (loads the provider bindings lazily before any stack module imports one)
