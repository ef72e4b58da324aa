"""What the lesson measures, by name, and lazy access to it.

MEASUREMENTS names every core call the lesson makes, with its fixed arguments: the
course's network, a deeper network, theory, the slope curves, the labs' preset views and
a training run. The lab and training settings are the ones the lesson's links open, so
that a student who follows a link sees the numbers the stop showed.

Facts(load) reaches them as attributes and loads each on first use only: a stop
computes what it shows and nothing else. load(name) defaults to calling core directly;
the page passes a cached one that runs in a worker (dashboard.gate).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core import activations, lab, lesson, myths
from core.lab import LabResult
from core.lesson import (
    CourseNumbers,
    DeepUpdates,
    TheoryNumbers,
    TrainingOutcome,
)
from dashboard.lab_presets import Preset, preset
from dashboard.ui import url_text

# The lab views the lesson links to (dashboard.lab_presets), by the stop that uses them.
POWER_PRESET = preset("course")  # the article's deep network
RELU_PRESET = preset("relu_no_he")
RESIDUAL_PRESET = preset("residual_unscaled")
BATCHNORM_PRESET = preset("batchnorm")


def lab_settings(p: Preset) -> lab.LabSettings:
    """The lab's settings at a preset, built as the lab page builds them."""
    v = p.values
    return lab.LabSettings(
        int(v["depth"]),
        int(v["width"]),
        int(v["batch"]),
        int(v["seeds"]),
        v["act"],
        v["init"],
        float(v["sw2"]),
        v["scale"],
    )


def preset_depth(p: Preset) -> int:
    return lab_settings(p).depth


MEASUREMENTS: dict[str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
    "course": (lesson.course_numbers, ()),
    "deep": (lesson.deep_updates, (lesson.DEEP,)),
    "theory": (lesson.theory_numbers, (preset_depth(POWER_PRESET),)),
    "slopes": (lesson.slope_curves, ()),
    "power": (myths.power_myth, (preset_depth(POWER_PRESET),)),
    "relu": (lab.lab_profiles, (lab_settings(RELU_PRESET),)),
    "residual": (myths.residual_myth, (preset_depth(RESIDUAL_PRESET),)),
    "batchnorm": (
        myths.batchnorm_myth,
        (preset_depth(BATCHNORM_PRESET), lab_settings(BATCHNORM_PRESET).batch),
    ),
    "training": (lesson.training_outcome, (lesson.TRAINING,)),
}


def measure(name: str) -> Any:
    """The named measurement, computed now (the default loader)."""
    fn, args = MEASUREMENTS[name]
    return fn(*args)


class Facts:
    """Core's results for the lesson, each loaded on first use by load(name)."""

    def __init__(self, load: Callable[[str], Any] = measure) -> None:
        self._load = load
        self._loaded: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if name not in MEASUREMENTS:
            raise KeyError(f"no measurement {name!r}; they are {', '.join(MEASUREMENTS)}")
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    @property
    def loaded(self) -> tuple[str, ...]:
        """The measurements used so far."""
        return tuple(self._loaded)

    @property
    def course(self) -> CourseNumbers:
        return self.get("course")

    @property
    def deep(self) -> DeepUpdates:
        return self.get("deep")

    @property
    def theory(self) -> TheoryNumbers:
        return self.get("theory")

    @property
    def slopes(self) -> Any:
        """core.lesson.slope_curves(): columns z, sigmoid, relu."""
        return self.get("slopes")

    @property
    def power(self) -> myths.PowerMyth:
        return self.get("power")

    @property
    def relu(self) -> LabResult:
        return self.get("relu")

    @property
    def residual(self) -> myths.ResidualMyth:
        return self.get("residual")

    @property
    def batchnorm(self) -> myths.BatchnormMyth:
        return self.get("batchnorm")

    @property
    def training(self) -> TrainingOutcome:
        return self.get("training")


def lab_factor(result: LabResult, variant: str, quantity: str, column: str = "measured") -> float:
    """One number of a lab result's factors table (core.lab.LabResult.factors)."""
    rows = result.factors
    row = rows[(rows["variant"] == variant) & (rows["quantity"] == quantity)]
    if len(row) != 1:
        raise LookupError(f"no single row for {variant!r}, {quantity!r}")
    return float(row[column].iloc[0])


# --- the views the deep stops link to ----------------------------------------------
def deep_params() -> dict[str, str]:
    """The update-sizes page at DEEP's network."""
    d = lesson.DEEP
    return {
        "net": "plain",
        "act": activations.label(d.activation),
        "init": d.init,
        "depth": str(d.depth),
        "width": str(d.width),
        "lr": url_text(d.lr),
        "batch": str(d.batch),
        "seed": str(d.seed),
    }


def training_params() -> dict[str, str]:
    """The training lab at TRAINING's run."""
    t = lesson.TRAINING
    return {
        "ds": t.dataset,
        "act": activations.label(t.activation),
        "loss": t.loss,
        "depth": str(t.depth),
        "width": str(t.width),
        "lr": url_text(t.lr),
        "steps": str(t.steps),
        "batch": str(t.batch),
        "n": str(t.n_samples),
        "noise": url_text(t.noise),
        "seed": str(t.seed),
    }
