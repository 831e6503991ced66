"""Our constructs, one per logical unit of the platform.

This package is deliberately not called ``constructs``: that name would shadow the ``constructs``
library that every CDKTF construct imports.
"""
