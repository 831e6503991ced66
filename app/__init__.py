"""The reference application: a small HTTP service that honours the platform's container contract (README)."""
