"""Stacks wire components together: provider, backend, components, outputs. No resource lives here."""
