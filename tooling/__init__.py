"""Developer tooling: Terraform CLI config, the local AWS endpoint, and helpers shared by tests."""

import os

# jsii prints a large banner on every import under an end-of-life Node (20 on these machines). The
# variables take the Node major versions to silence; listing them here keeps users' output clean.
_QUIET_NODE_MAJORS = "18,19,20,21"
JSII_QUIET: dict[str, str] = {
    variable: _QUIET_NODE_MAJORS
    for variable in (
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION",
        "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION",
    )
}
"""The environment that silences jsii's banners, for this process and the ones it starts."""


def quiet_jsii() -> None:
    """Prepare the jsii runtime before anything starts it (call it before importing cdktf): silence jsii's
    Node support banners for this process and the ones it starts, and load the AWS provider bindings
    lazily, which must happen before the jsii kernel starts (components/provider_bindings.py)."""
    for variable, majors in JSII_QUIET.items():
        os.environ.setdefault(variable, majors)
    import components  # noqa: F401  (its __init__ loads the provider bindings)
