"""The numpy engine behind the backprop dashboard: exact backprop and depth experiments.

No Streamlit, no plotly: everything here is plain numbers, float64 throughout.
"""

from core.activations import ACTIVATIONS, get_activation
from core.gradcheck import check_network, numerical_gradient, relative_error
from core.losses import LOSSES, binary_cross_entropy, squared_error
from core.network import (
    INITS,
    LayerGrads,
    LayerParams,
    NetworkSpec,
    backward,
    forward,
    init_params,
    loss_and_grads,
    sgd_step,
)
from core.worked_example import WorkedStep, chain_rule, worked_example

# Loaded on first use: importing the experiments eagerly here would make
# `python -m core.experiments` warn that the module was imported twice, and every
# `import core` pay for pandas.
_LAZY = {
    "gradient_profile": "core.profile",
    "variant_profiles": "core.profile",
    "update_size_table": "core.updates",
    "train_variants": "core.training",
    "Refused": "core.limits",
    "theory": "core.theory",
    "experiments": "core.experiments",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(_LAZY[name])
        return module if module.__name__ == f"core.{name}" else getattr(module, name)
    raise AttributeError(f"module 'core' has no attribute {name!r}")


__all__ = [
    "ACTIVATIONS",
    "INITS",
    "LOSSES",
    "LayerGrads",
    "LayerParams",
    "NetworkSpec",
    "WorkedStep",
    "backward",
    "binary_cross_entropy",
    "chain_rule",
    "check_network",
    "forward",
    "get_activation",
    "init_params",
    "loss_and_grads",
    "numerical_gradient",
    "relative_error",
    "sgd_step",
    "squared_error",
    "worked_example",
]
