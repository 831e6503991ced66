# What mypy reads for the package itself: nothing. The package's __init__.py defines no name of its own
# (its header only loads the jsii assembly) and then imports its ~2,140 submodules, which mypy would
# parse and check on every cold run (~50 of mypy's ~60 s). With this stub it reads only the submodules
# the code imports (cdktf_cdktf_provider_aws.vpc and the rest, from the installed package, as the lazy
# loader in components/provider_bindings.py does at run time); their types are checked as before.
# tests/components/test_provider_bindings.py checks that the package header still defines nothing.
