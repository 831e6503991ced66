"""Our constructs, one per logical unit of the platform.

This package is deliberately not called ``constructs``: that name would shadow the ``constructs``
library that every CDKTF construct imports.
"""

from components.provider_bindings import load as _load_provider_bindings

# Before any component imports a binding: see components/provider_bindings.py for why and how.
_load_provider_bindings()
