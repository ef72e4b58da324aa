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
