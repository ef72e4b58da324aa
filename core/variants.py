"""The networks the labs compare, by name: the one source of every network name and
label the app shows.

Four named variants, each `depth` hidden layers of `width` units and one sigmoid output
unit, biases on (starting at 0):

    plain_sigmoid  sigmoid hidden layers                     (the course's network)
    plain_relu     ReLU hidden layers
    residual       a skip around every hidden layer whose input has its width
    batchnorm      each hidden layer's pre-activation normalized over the batch

and, for any other activation the labs offer, a plain network with it
(``plain_name(activation)``, e.g. "plain_tanh"). Unless an init is given, each network
starts from its activation's usual initialization (core.activations: Xavier for the
squashing ones, He for the rectifiers).
"""

from __future__ import annotations

import math

from core.activations import get_activation, label
from core.limits import MAX_DEPTH, MAX_WIDTH, Refused, check_choice, check_int
from core.network import NetworkSpec

VARIANTS: tuple[str, ...] = ("plain_sigmoid", "plain_relu", "residual", "batchnorm")
VARIANT_LABELS: dict[str, str] = {
    "plain_sigmoid": "Plain sigmoid",
    "plain_relu": "Plain ReLU",
    "residual": "Residual",
    "batchnorm": "Batch norm",
}
# The plain variants are named by their activation; the others take the one chosen.
PLAIN_ACTIVATION: dict[str, str] = {"plain_sigmoid": "sigmoid", "plain_relu": "relu"}
RESIDUAL_SCALES: tuple[str, ...] = ("1", "1/sqrt(depth)")
INIT_NAMES: dict[str, str] = {"xavier": "Xavier", "he": "He", "lecun": "LeCun"}
_PLAIN_PREFIX = "plain_"


def plain_name(activation: str) -> str:
    """The name of a plain network with this activation ("plain_tanh")."""
    return _PLAIN_PREFIX + activation


def extra_plain(activation: str) -> str | None:
    """The plain network a lab adds for `activation` when no named variant is a plain
    network with it (tanh, leaky ReLU, ...); None for sigmoid and ReLU."""
    if activation in PLAIN_ACTIVATION.values():
        return None
    return plain_name(activation)


def short_label(name: str) -> str:
    """A network's short name for a student: "Plain ReLU", "Residual", "Plain tanh"."""
    if name in VARIANT_LABELS:
        return VARIANT_LABELS[name]
    if name.startswith(_PLAIN_PREFIX):
        return f"Plain {label(name[len(_PLAIN_PREFIX) :])}"
    return name


def init_name(init: str | float) -> str:
    """How an initialization is named on screen: "Xavier", "He", "σw² = 1.5"."""
    if isinstance(init, str):
        return INIT_NAMES.get(init, init)
    return f"σw² = {init:g}"


def residual_scale_value(residual_scale: str, depth: int) -> float:
    """The branch scale a residual_scale choice stands for: "1" or 1/sqrt(depth)."""
    check_choice("residual_scale", residual_scale, RESIDUAL_SCALES)
    return 1.0 if residual_scale == "1" else 1.0 / math.sqrt(depth)


def network_activation(name: str, activation: str) -> str:
    """The hidden activation of network `name` when the lab's choice is `activation`."""
    if name in PLAIN_ACTIVATION:
        return PLAIN_ACTIVATION[name]
    if name.startswith(_PLAIN_PREFIX):
        return name[len(_PLAIN_PREFIX) :]
    return activation


def variant_spec(
    variant: str,
    depth: int,
    width: int,
    *,
    n_in: int | None = None,
    activation: str = "sigmoid",
    init: str | float | None = None,
    residual_scale: str = "1",
) -> NetworkSpec:
    """One of the labs' named networks (see the module docstring): a name in VARIANTS
    or plain_name(a) for a registered activation a.

    `activation` is used by residual and batchnorm only; the plain networks are named by
    theirs. `init` None means the hidden activation's default (core.activations); a
    given init ("xavier", "he", "lecun" or a number sigma_w^2) applies to any network.
    residual: h_l = h_{l-1} + s * (phi(h_{l-1}) W_l + b_l), the pre-activation block,
    on every hidden layer whose input has the same width (all of them when n_in ==
    width), s = 1 or 1/sqrt(depth) (`residual_scale`, which matters for residual only).
    n_in (inputs) defaults to width, so that the first hidden layer can carry a skip too.
    Limits: depth 1..MAX_DEPTH, width and n_in 1..MAX_WIDTH.
    """
    if variant not in VARIANTS and not variant.startswith(_PLAIN_PREFIX):
        raise Refused(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}")
    depth = check_int("depth", depth, 1, MAX_DEPTH, "MAX_DEPTH")
    width = check_int("width", width, 1, MAX_WIDTH, "MAX_WIDTH")
    n_in = width if n_in is None else check_int("n_in", n_in, 1, MAX_WIDTH, "MAX_WIDTH")
    get_activation(activation)
    scale = residual_scale_value(residual_scale, depth)
    act = get_activation(network_activation(variant, activation))
    residual = variant == "residual"
    if residual and n_in != width and depth < 2:
        raise Refused(
            "a residual network needs a hidden layer whose input has its width: use n_in = "
            f"width or depth >= 2 (got n_in={n_in}, width={width}, depth={depth})"
        )
    return NetworkSpec(
        sizes=(n_in, *([width] * depth), 1),
        activation=act.name,
        output_activation="sigmoid",
        init=act.default_init if init is None else init,
        bias=True,
        residual=residual,
        residual_scale=scale if residual else 1.0,
        batchnorm=variant == "batchnorm",
    )


def variant_label(
    variant: str,
    activation: str = "sigmoid",
    residual_scale: str = "1",
    init: str | float | None = None,
) -> str:
    """A legend label naming what varies, e.g. "Plain ReLU (He)" or
    "Residual (sigmoid, Xavier, branch × 1/√depth)"; arguments as for variant_spec."""
    spec = variant_spec(
        variant, 2, 2, activation=activation, init=init, residual_scale=residual_scale
    )
    plain = variant.startswith(_PLAIN_PREFIX)
    parts = [init_name(spec.init)] if plain else [label(spec.activation), init_name(spec.init)]
    if variant == "residual" and residual_scale != "1":
        parts.append("branch × 1/√depth")
    return f"{short_label(variant)} ({', '.join(parts)})"
