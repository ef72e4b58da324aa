"""The vanishing-gradient lab's settings as data: URL keys, defaults, ranges and presets.

Shared by the lab page (its controls and preset buttons) and the myths page (links that
open the lab at a preset). A preset names every setting it changes; applying it puts the
others back to their defaults, so a preset always opens the same view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core import activations, lab
from core import experiments as ex
from dashboard.ui import Allowed, url_text

# Quantity shown -> core.lab.QUANTITIES key. The names are what the URL carries.
METRICS: dict[str, str] = {
    "backward signal": "signal",
    "weight gradient": "weight_grad",
    "update size": "update",
}
SCALES: tuple[str, ...] = ex.RESIDUAL_SCALES
_DEFAULT = lab.LabSettings()
# URL key -> default. Whole-number fields hold floats (see dashboard.ui.Controls.integer).
DEFAULTS: dict[str, Any] = {
    "metric": "backward signal",
    "theory": True,
    "depth": float(_DEFAULT.depth),
    "width": float(_DEFAULT.width),
    "batch": float(_DEFAULT.batch),
    "seeds": float(_DEFAULT.n_seeds),
    "act": _DEFAULT.activation,
    "init": _DEFAULT.init,
    "sw2": _DEFAULT.sigma_w2,
    "scale": _DEFAULT.residual_scale,
    "story": False,
}
RANGES: dict[str, Allowed] = {
    "depth": Allowed(1, ex.MAX_DEPTH, integer=True),
    "width": Allowed(2, ex.MAX_WIDTH, integer=True),
    "batch": Allowed(lab.MIN_BATCH, ex.MAX_BATCH, integer=True),
    "seeds": Allowed(1, ex.MAX_SEEDS, integer=True),
    "sw2": Allowed(0.0, lab.MAX_SIGMA_W2, lo_open=True),
}


@dataclass(frozen=True)
class Preset:
    """A named view of the lab: the settings it changes from DEFAULTS, and what to see."""

    key: str
    title: str
    look_for: str  # one or two sentences: what the student should look at
    focus: tuple[str, ...]  # the networks (core.lab names) the preset is about
    changes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, Any]:
        """Every setting of this view (DEFAULTS overridden by the preset's changes)."""
        return {**DEFAULTS, **self.changes}

    def params(self, **overrides: Any) -> dict[str, str]:
        """URL parameters that open this view (settings equal to DEFAULTS are left out);
        overrides change settings on top of the preset, e.g. depth=100.0."""
        values = {**self.values, **overrides}
        return {k: _url_value(k, v) for k, v in values.items() if v != DEFAULTS[k]}


def _url_value(key: str, value: Any) -> str:
    """A setting as the lab's address bar carries it: an activation by its label."""
    return activations.label(value) if key == "act" else url_text(value)


PRESETS: tuple[Preset, ...] = (
    Preset(
        "course",
        "The course's claim",
        "The course's own example: a plain sigmoid network 100 layers deep. Compare its "
        "line with the dotted bound of ×0.25 per layer that the course multiplies, and "
        "with the dashed mean-field prediction.",
        ("plain_sigmoid",),
        {"depth": 100.0},
    ),
    Preset(
        "relu_no_he",
        "ReLU without He initialization",
        "Every network now starts with LeCun weights (σw² = 1) instead of He's σw² = 2. "
        "Watch plain ReLU: its backward signal no longer stays flat but fades, more slowly "
        "than sigmoid's. Switch the chart to update size: the updates stay level, because "
        "the forward signal fades just as fast on the way up.",
        ("plain_relu",),
        {"act": "relu", "init": "lecun"},
    ),
    Preset(
        "residual_unscaled",
        "Unscaled residual: the blame grows",
        "ReLU residual blocks added at full strength: each block adds its own spread to the "
        "signal, so the backward signal grows layer after layer toward the input. Switch the "
        "chart to update size: the updates stay about level, because the forward signal grows "
        "just as fast. A branch scale of 1/sqrt(depth) tames the growth.",
        ("residual",),
        {"act": "relu", "scale": "1"},
    ),
    Preset(
        "batchnorm",
        "Batch normalization at initialization",
        "A batch-normalized ReLU network fed small batches: at initialization its gradient "
        "grows toward the input, at the rate Yang et al. (2019) derived, while plain ReLU "
        "stays flat.",
        ("batchnorm", "plain_relu"),
        {"act": "relu", "batch": 16.0},
    ),
    Preset(
        "edge_of_chaos",
        "Edge of chaos (tanh)",
        "A plain tanh network (sky blue) with σw² = 1 sits exactly at the edge of chaos, "
        "where mean-field theory predicts no exponential change at all. What is left is a "
        "slow drift: at this setting the forward signal itself fades, slowly.",
        ("plain_tanh",),
        {"act": "tanh", "init": "custom", "sw2": 1.0},
    ),
)


def preset(key: str) -> Preset:
    """The preset with this key."""
    for p in PRESETS:
        if p.key == key:
            return p
    raise KeyError(f"no preset {key!r}; presets are {', '.join(p.key for p in PRESETS)}")


def matching_preset(values: Mapping[str, Any]) -> Preset | None:
    """The preset whose view these settings are (the shown quantity, the overlay and
    the story left aside), or None."""
    aside = {"metric", "theory", "story"}
    for p in PRESETS:
        if all(values.get(k) == v for k, v in p.values.items() if k not in aside):
            return p
    return None
