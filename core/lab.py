"""The vanishing-gradient lab's numbers: every value the lab page shows, from two calls.

``lab_profiles(settings)`` measures the labs' networks at initialization
(core.profile.gradient_profile) and derives everything the page draws or prints,
so that the page itself does no arithmetic. One call flows one way: settings ->
specs (built once) -> profiles -> summary -> factors and theory lines -> result.

- ``summary``: median and 10-90% band over the seeds per network and layer
  (summarize_profile), plus ``inactive_frac_*``: the share of units that pass (almost)
  no gradient, i.e. saturated sigmoid/tanh outputs or dead ReLUs, whichever the
  layer's activation can have;
- ``factors``: per network and quantity, the measured factor per layer, what reaches
  the first layer relative to the output layer, and for the backward signal the
  factor theory predicts where it has a closed form;
- ``theory``: lines to draw over the backward signal (bounds, mean-field predictions,
  the batchnorm explosion rate), each anchored at its network's last hidden layer;
- ``notes``: one short sentence per network that had overflow or zero gradients.

``depth_story(settings)`` profiles the same networks at growing depths (one seed) for
the page's "depth as a story" animation.

The networks are the labs' four variants (core.variants) and, when the chosen
activation is not one a plain variant has (tanh, leaky ReLU, any newly registered
one), a fifth: a plain network with that activation, so that a plain tanh net (the
"edge of chaos" at sigma_w^2 = 1) can be measured too. Every limit of core.limits
applies; past one, Refused says what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from core import activations, lab_theory
from core.lab_theory import FIT_SKIP as FIT_SKIP
from core.lab_theory import QUANTITIES as QUANTITIES
from core.lab_theory import Prediction
from core.limits import (
    MAX_BATCH,
    MAX_DEPTH,
    MAX_LR,
    MAX_SECONDS,
    MAX_SEEDS,
    MAX_WIDTH,
    Refused,
    check_choice,
    check_float,
    check_int,
    estimate_profile_bytes,
    estimate_profile_seconds,
    largest_fitting,
    profile_fits,
    too_big_message,
)
from core.network import NetworkSpec
from core.profile import ProfileIssue, ProfileResult, gradient_profile, merge_profiles
from core.summaries import summarize_profile
from core.variants import (
    VARIANTS,
    extra_plain,
    residual_scale_value,
    short_label,
    variant_label,
    variant_spec,
)

# "default": each network's own init (its activation's); "custom": sigma_w^2 = sigma_w2.
INITS: tuple[str, ...] = ("default", "xavier", "he", "lecun", "custom")
MIN_BATCH = 4  # batchnorm's explosion rate (theory.batchnorm_rate) needs 4 rows or more
MAX_SIGMA_W2 = 100.0
STORY_FRAMES = 10
STORY_SECONDS = MAX_SECONDS  # the whole animation is held to one call's time limit
SPLIT_MAX_BYTES = 125_000_000  # a comparison measured in parts at most (see lab_groups):
# two parts of it fit the worker pool's memory together (dashboard.gate.MEMORY_BYTES)


@dataclass(frozen=True)
class LabSettings:
    """Everything the lab's measurement depends on (small and hashable).

    depth: hidden layers (1..MAX_DEPTH); width: units per hidden layer and inputs
    (1..MAX_WIDTH); batch: rows of input (MIN_BATCH..MAX_BATCH); n_seeds: seeds
    0..n_seeds-1 (1..MAX_SEEDS); activation: of the residual and batchnorm networks
    (and of the extra plain one, see EXTRA_PLAIN); init: one of INITS, with sigma_w2
    used for "custom"; residual_scale: "1" or "1/sqrt(depth)"; lr: turns gradients
    into updates.
    """

    depth: int = 50
    width: int = 128
    batch: int = 64
    n_seeds: int = 3
    activation: str = "sigmoid"
    init: str = "default"
    sigma_w2: float = 1.0
    residual_scale: str = "1"
    lr: float = 0.1

    def __post_init__(self) -> None:
        check_int("depth", self.depth, 1, MAX_DEPTH, "MAX_DEPTH")
        check_int("width", self.width, 1, MAX_WIDTH, "MAX_WIDTH")
        check_int("batch", self.batch, MIN_BATCH, MAX_BATCH, "MAX_BATCH")
        check_int("n_seeds", self.n_seeds, 1, MAX_SEEDS, "MAX_SEEDS")
        check_choice("activation", self.activation, activations.offered())
        check_choice("init", self.init, INITS)
        check_float("sigma_w2", self.sigma_w2, 0.0, MAX_SIGMA_W2, low_open=True)
        residual_scale_value(self.residual_scale, self.depth)
        check_float("lr (learning rate)", self.lr, 0.0, MAX_LR, low_open=True)

    @property
    def seeds(self) -> tuple[int, ...]:
        return tuple(range(self.n_seeds))

    @property
    def init_value(self) -> str | float | None:
        """The init as variant_spec takes it: None for each network's default."""
        if self.init == "default":
            return None
        if self.init == "custom":
            return float(self.sigma_w2)
        return self.init

    def with_depth(self, depth: int) -> LabSettings:
        return replace(self, depth=depth)


def network_names(settings: LabSettings) -> tuple[str, ...]:
    """The networks the lab compares: the named variants, then the extra plain one."""
    extra = extra_plain(settings.activation)
    return VARIANTS if extra is None else (*VARIANTS, extra)


def lab_specs(settings: LabSettings) -> dict[str, NetworkSpec]:
    """The networks the lab compares, by name (variant names, then "plain_<activation>")."""
    s = settings
    return {
        name: variant_spec(
            name,
            s.depth,
            s.width,
            activation=s.activation,
            init=s.init_value,
            residual_scale=s.residual_scale,
        )
        for name in network_names(settings)
    }


def lab_labels(settings: LabSettings) -> dict[str, str]:
    """Legend label of every network, naming what varies, e.g. "Plain ReLU (He)"."""
    s = settings
    return {
        name: variant_label(name, s.activation, s.residual_scale, s.init_value)
        for name in network_names(settings)
    }


def lab_short_labels(settings: LabSettings) -> dict[str, str]:
    """A short name of every network, e.g. "Plain ReLU", "Residual (sigmoid)": the
    networks that take the lab's activation say which (lab_labels says the init too)."""
    act = activations.label(settings.activation)
    return {
        name: short_label(name) if name.startswith("plain_") else f"{short_label(name)} ({act})"
        for name in network_names(settings)
    }


def fits(settings: LabSettings) -> bool:
    """True if the lab's comparison at these settings fits the time and memory limits."""
    return profile_fits(lab_specs(settings), settings.batch, settings.n_seeds)


def deepest(settings: LabSettings) -> int:
    """The largest depth at which these settings fit the time and memory limits (0: none)."""
    return largest_fitting(lambda depth: fits(settings.with_depth(depth)))


def check_comparison(settings: LabSettings) -> None:
    """Refused, naming the deepest depth that fits, if the lab's comparison at these
    settings is past the time or memory limits (what lab_profiles and lab_part check)."""
    _check_size(settings, lab_specs(settings))


def _check_size(settings: LabSettings, specs: dict[str, NetworkSpec]) -> None:
    """Refused, naming the deepest depth that fits, if the comparison is too big."""
    message = too_big_message(
        "This comparison",
        estimate_profile_seconds(specs, settings.batch, settings.n_seeds),
        estimate_profile_bytes(specs, settings.batch),
        "",
    )
    if message:
        most = deepest(settings)
        hint = (
            f"At width {settings.width}, batch {settings.batch} and {settings.n_seeds} "
            f"seed(s) the depth can be at most {most}; fewer seeds, narrower layers or a "
            "smaller batch let it go deeper."
            if most
            else "Lower the width, the batch or the number of seeds."
        )
        raise Refused(f"{message}{hint}")


# ------------------------------------------------------------------------ theory


def predictions(
    settings: LabSettings, specs: dict[str, NetworkSpec] | None = None
) -> dict[str, list[Prediction]]:
    """What theory says about each network (core.lab_theory.predictions); specs:
    lab_specs(settings), if at hand."""
    specs = lab_specs(settings) if specs is None else specs
    return lab_theory.predictions(specs, settings.width, settings.depth, settings.batch)


# ------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class LabResult:
    """Everything the lab page shows (see the module docstring).

    frame: the tidy profile (core.profile.ProfileResult.frame).
    summary: summarize_profile(frame) plus inactive_frac_median/_p10/_p90.
    factors: one row per (network, quantity): variant, label, quantity (a key of
      QUANTITIES), measured (factor per layer, toward the input), first_log10 and
      first_factor (layer 1 relative to the output layer; the factor may under- or
      overflow where the log10 stays exact), and for the backward signal predicted,
      predicted_kind (a Prediction.kind, "" when none), agreement (measured /
      predicted), predicted_log10 (predicted ** steps, in log10); bound_log10 (0.25 **
      steps, for plain sigmoid); inactive_max (the largest share of inactive units over
      the hidden layers, medians over seeds); steps (layers from the output to layer 1,
      = depth). NaN where a value does not apply.
    theory: columns variant, kind, label, factor, layer, log10_delta_rms: the lines
      to draw over the backward signal, each through its network's measured median
      at the last hidden layer (layer = depth); empty where that is not finite.
    similarity_theory: columns variant, layer, similarity: the mean-field correlation
      map of the plain networks, from their measured similarity at layer 1.
    labels: network -> legend label; short_labels: network -> short name ("Plain ReLU").
    issues / messages: from the profile.
    notes: one short sentence per (network, kind of problem), for a chart annotation.
    """

    settings: LabSettings
    frame: pd.DataFrame
    summary: pd.DataFrame
    factors: pd.DataFrame
    theory: pd.DataFrame
    similarity_theory: pd.DataFrame
    labels: dict[str, str]
    short_labels: dict[str, str]
    issues: tuple[ProfileIssue, ...]
    messages: tuple[str, ...]
    notes: tuple[str, ...]


def _add_inactive(summary: pd.DataFrame) -> pd.DataFrame:
    # A layer's activation has either saturation (sigmoid, tanh) or dead units (ReLU),
    # never both, so per row one of the two is 0 and the sum is the one that applies.
    summary = summary.copy()
    for stat in ("median", "p10", "p90"):
        summary[f"inactive_frac_{stat}"] = (
            summary[f"saturated_frac_{stat}"] + summary[f"dead_frac_{stat}"]
        )
    return summary


_PROBLEM = {
    "forward_overflow": "forward pass overflowed",
    "backward_overflow": "gradient overflowed",
    "zero_gradient": "gradient exactly zero",
}


def issue_notes(
    issues: tuple[ProfileIssue, ...], labels: dict[str, str], n_seeds: int
) -> tuple[str, ...]:
    """One short line per (network, kind of problem), short enough for a chart annotation
    on a phone: e.g. "Plain ReLU (He): gradient exactly zero in 2 of 3 seeds, from layer
    61 down". The layer is where it starts over all seeds: the forward pass runs from the
    input up, the backward pass from the output down."""
    grouped: dict[tuple[str, str], list[ProfileIssue]] = {}
    for issue in issues:
        grouped.setdefault((issue.variant, issue.kind), []).append(issue)
    notes = []
    for (variant, kind), found in grouped.items():
        if kind == "forward_overflow":
            where = f"from layer {min(i.layer for i in found)} on"
        else:
            where = f"from layer {max(i.layer for i in found)} down"
        notes.append(
            f"{labels.get(variant, variant)}: {_PROBLEM[kind]} in "
            f"{len(found)} of {n_seeds} seeds, {where}"
        )
    return tuple(notes)


def lab_profiles(settings: LabSettings) -> LabResult:
    """Measure the lab's networks under `settings` and derive what the page shows.

    Raises Refused (with the deepest depth that would fit) when the comparison is
    past the time or memory limits of core.limits.
    """
    return lab_result(settings, [lab_part(settings, network_names(settings))])


def lab_groups(settings: LabSettings, groups: int = 2) -> tuple[tuple[str, ...], ...]:
    """The lab's networks in up to `groups` groups of about equal cost (the cost model's
    estimate; the costliest first, each to the cheapest group so far), for measuring in
    as many processes at once (lab_part, then lab_result). Each group keeps the lab's
    order of networks; no group is empty. One group if the comparison is estimated past
    SPLIT_MAX_BYTES: every process measuring a part draws the weights of its shape
    again, so a split holds them twice at once."""
    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"groups must be a whole number of at least 1; got {groups!r}")
    specs = lab_specs(settings)
    if estimate_profile_bytes(specs, settings.batch) > SPLIT_MAX_BYTES:
        groups = 1  # each part would hold its own copy of the weights: memory, not time
    cost = {
        n: estimate_profile_seconds({n: s}, settings.batch, settings.n_seeds)
        for n, s in specs.items()
    }
    parts: list[list[str]] = [[] for _ in range(min(groups, len(specs)))]
    for name in sorted(specs, key=lambda n: -cost[n]):
        min(parts, key=lambda g: sum(cost[n] for n in g)).append(name)
    order = list(specs)
    return tuple(tuple(sorted(g, key=order.index)) for g in parts if g)


def lab_part(settings: LabSettings, names: tuple[str, ...]) -> ProfileResult:
    """The measurement of some of the lab's networks (by name, see network_names), as
    gradient_profile gives it; lab_result makes the page's answer of the parts. The
    whole comparison must fit the limits, whichever part is asked for: Refused (naming
    the deepest depth that fits) otherwise."""
    if not isinstance(settings, LabSettings):
        raise ValueError("settings must be a LabSettings")
    specs = lab_specs(settings)
    unknown = [n for n in names if n not in specs]
    if not names or unknown:
        raise ValueError(f"names must be some of {list(specs)}; got {list(names)}")
    _check_size(settings, specs)
    part = {n: specs[n] for n in specs if n in names}
    return gradient_profile(part, settings.batch, settings.seeds, settings.lr)


def lab_result(settings: LabSettings, parts: Sequence[ProfileResult]) -> LabResult:
    """What the page shows, from the measurements of all the lab's networks (lab_part,
    each network in one part): the same answer however they were split."""
    if not isinstance(settings, LabSettings):
        raise ValueError("settings must be a LabSettings")
    specs = lab_specs(settings)
    result = merge_profiles(parts, specs)
    labels = lab_labels(settings)
    summary = _add_inactive(summarize_profile(result))
    predicted = predictions(settings, specs)
    return LabResult(
        settings=settings,
        frame=result.frame,
        summary=summary,
        factors=lab_theory.factor_rows(settings.depth, summary, labels, predicted),
        theory=lab_theory.theory_lines(settings.depth, summary, predicted),
        similarity_theory=lab_theory.similarity_lines(specs, settings, summary),
        labels=labels,
        short_labels=lab_short_labels(settings),
        issues=result.issues,
        messages=tuple(result.messages()),
        notes=issue_notes(result.issues, labels, settings.n_seeds),
    )


# -------------------------------------------------------------------------- story


@dataclass(frozen=True, eq=False)
class StoryResult:
    """Profiles at growing depths, one seed (seed 0).

    frame: columns depth, variant, layer, relative_log10 = log10 of the backward signal
    at `layer` relative to the output layer of that same network (0 at the output).
    depths: the depths, in order. skipped: why the story could not be computed, or "".
    """

    frame: pd.DataFrame
    depths: tuple[int, ...]
    labels: dict[str, str]
    skipped: str = ""


def story_depths(settings: LabSettings, frames: int = STORY_FRAMES) -> tuple[int, ...]:
    """Up to `frames` depths, evenly spaced up to settings.depth, whose profiles (one
    seed each) fit STORY_SECONDS together; fewer frames when they would not. Empty when
    not even two frames fit."""
    for count in range(min(frames, settings.depth), 1, -1):
        depths = tuple(
            sorted({max(1, round(settings.depth * k / count)) for k in range(1, count + 1)})
        )
        seconds = sum(
            estimate_profile_seconds(lab_specs(settings.with_depth(d)), settings.batch, 1)
            for d in depths
        )
        if seconds <= STORY_SECONDS:
            return depths
    return ()


def depth_story(settings: LabSettings, frames: int = STORY_FRAMES) -> StoryResult:
    """The lab's networks at growing depths (story_depths), seed 0: how what reaches
    the first layer changes as layers are added."""
    if not isinstance(settings, LabSettings):
        raise ValueError("settings must be a LabSettings")
    labels = lab_labels(settings)
    depths = story_depths(settings, frames)
    columns = ["depth", "variant", "layer", "relative_log10"]
    if not depths:
        reason = (
            "The animation is left out at this size: even two depths would take longer "
            f"than its budget of {STORY_SECONDS:g} s. Lower the depth, width or batch to see it."
            if settings.depth > 1
            else "With one hidden layer there is nothing to grow: raise the depth."
        )
        return StoryResult(pd.DataFrame(columns=columns), (), labels, reason)
    parts = []
    for depth in depths:
        specs = lab_specs(settings.with_depth(depth))
        result = gradient_profile(specs, settings.batch, (0,), settings.lr)
        frame = result.frame
        top = frame[frame["layer"] == depth + 1].set_index("variant")["log10_delta_rms"]
        parts.append(
            pd.DataFrame(
                {
                    "depth": depth,
                    "variant": frame["variant"],
                    "layer": frame["layer"],
                    "relative_log10": frame["log10_delta_rms"] - frame["variant"].map(top),
                }
            )
        )
    return StoryResult(pd.concat(parts, ignore_index=True), depths, labels)
