"""Training lab: the four networks learn the same toy problem side by side.

URL keys: ds, variants (repeated, one per network: ?variants=plain_relu&variants=residual;
an empty ?variants= means none), act, depth, width, lr, steps, batch, n, noise, seed, loss,
and data: the digest of uploaded points (dashboard/own_data.py), which replace ds.
The page trains as soon as it opens (a shared link shows its results without a click);
each network's run is cached on its own, so a rerun, a return to earlier settings, or
adding or removing a network trains nothing that was trained before.
"""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st

from core.datasets import DATASETS
from core.experiments import (
    MAX_BATCH,
    MAX_NOISE,
    MAX_TRAIN_SAMPLES,
    MAX_TRAIN_STEPS,
    MIN_TRAIN_SAMPLES,
    VARIANT_LABELS,
    VARIANTS,
    TrainingResult,
    TrainingSettings,
    VariantRun,
    check_training,
    train_network,
    training_result,
    variant_spec,
)
from core.losses import LOSSES
from core.points import Points
from core.variants import network_activation
from dashboard import compute, own_data, training_playback, ui
from dashboard.plots.training import (
    map_points,
    training_variant_label,
)
from dashboard.training_results import SUMMARY_COLUMNS, Shown, shown_run

# The default run is the one bench/bench.py times ("training: 4 variants, depth 6, width
# 16, 500 steps"); it must finish well under 5 s with the progress bar showing.
DEFAULTS: dict[str, Any] = {
    "ds": "moons",
    "act": "sigmoid",
    "loss": "bce",
    "depth": 6,
    "width": 16,
    "lr": 0.5,
    "steps": 500,
    "batch": 32,
    "n": 400,
    "noise": 0.2,
    "seed": 0,
}
DETAIL_KEYS = ("batch", "n", "noise", "seed", "loss")  # in the "more settings" expander
DEPTH_RANGE = ui.Allowed(1, 100, integer=True)
WIDTH_RANGE = ui.Allowed(2, 256, integer=True)
LR_RANGE = ui.Allowed(0.0, 100.0, lo_open=True)
STEPS_RANGE = ui.Allowed(1, MAX_TRAIN_STEPS, integer=True)
BATCH_RANGE = ui.Allowed(2, MAX_BATCH, integer=True)  # batch norm needs two rows
SAMPLES_RANGE = ui.Allowed(MIN_TRAIN_SAMPLES, MAX_TRAIN_SAMPLES, integer=True)
NOISE_RANGE = ui.Allowed(0.0, MAX_NOISE)
SEED_RANGE = ui.Allowed(0, 10_000, integer=True)
FIELD_WIDTH = 150  # pixels: two fields side by side on a phone
CACHE_ENTRIES = 32  # per network: ~0.5 MB each (its map, 30 playback snapshots, tables)

# Each idea sets every control in one click (its changes on top of DEFAULTS); every one
# runs within core's limits (tests/test_pages_training.py runs them).
IDEAS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "Deeper.",
        "Twelve hidden layers: watch the bottom rows of the plain sigmoid map, and whether "
        "its accuracy ever leaves 50%. Then try 20.",
        {"depth": 12},
    ),
    (
        "Another activation.",
        "The residual and batch-norm networks with ReLU, to compare with the plain ones.",
        {"act": "relu"},
    ),
    (
        "Too fast.",
        "A learning rate of 10: steps that are too big can undo the learning, or make the "
        "loss overflow; the page then says at which step.",
        {"lr": 10.0},
    ),
    (
        "Harder data.",
        "Spirals need more steps and more neurons: 1500 steps, 24 neurons a layer.",
        {"ds": "spirals", "steps": 1500, "width": 24},
    ),
    (
        "Luck or law?",
        "Another random seed: does the ranking of the networks stay?",
        {"seed": 7},
    ),
)
DATASET_HELP = (
    "moons: two interlocking half circles. circles: a ring around a smaller ring. "
    "spirals: two arms wound into each other (the hardest). xor: opposite corners of a "
    "square share a class."
)
VARIANTS_HELP = (
    "Plain sigmoid: the course's network, sigmoid layers (Xavier's starting weights). "
    "Plain ReLU: ReLU layers (He's starting weights). Residual: a shortcut around every "
    "hidden layer that has its input's width. Batch norm: each hidden layer's sums "
    "normalized over the batch (the examples of one update)."
)
ACT_HELP = (
    "The hidden activation of the residual and batch-norm networks (the plain ones are "
    "named after theirs). Left at sigmoid, they show what a shortcut or batch "
    "normalization does for a sigmoid network."
)
LOSS_HELP = (
    "bce: binary cross-entropy, the usual loss for two classes. squared_error: the "
    "course's E = ½(y − ŷ)², whose gradient also passes through the output sigmoid's slope."
)


@compute.cached(max_entries=CACHE_ENTRIES * len(VARIANTS))
def train_one(
    variant: str,
    network_act: str,
    depth: int,
    width: int,
    settings: TrainingSettings,
    _points: Points | None = None,
) -> VariantRun:
    """One network's run (core.training.train_network), cached on its own: a run does
    not depend on the networks trained beside it. network_act is the activation this
    network has (a plain one keeps its own whatever the page's choice). Uploaded
    _points are not hashed: checked settings name them by their digest."""
    spec = variant_spec(variant, depth, width, n_in=2, activation=network_act)
    label = training_variant_label(variant)
    bar = compute.Bar(f"Training the {label} network for {settings.steps} steps…", "Training…")
    return compute.run(train_network, variant, spec, settings, bar=bar, points=_points)


def train(
    ds: str,
    variants: tuple[str, ...],
    act: str,
    loss: str,
    depth: int,
    width: int,
    lr: float,
    steps: int,
    batch: int,
    n: int,
    noise: float,
    seed: int,
    own: Points | None = None,
) -> tuple[TrainingResult | None, str | None]:
    """The page's core call: (the trained networks, None) or (None, why core refused).

    Core checks the whole set first (the time limit is for all of them together), then
    each network comes from its own cache entry, trained only if it is new (two at a
    time, dashboard.compute.in_parallel). With own (uploaded points) the networks learn
    those instead of the data set ds."""
    try:
        specs = {v: variant_spec(v, depth, width, n_in=2, activation=act) for v in variants}
        given = TrainingSettings(ds, n, noise, steps, lr, batch, seed, loss=loss)
        settings = check_training(specs, given, own)
    except compute.REFUSED as exc:  # past a limit: too big for the time budget, batch > samples...
        return None, str(exc)
    # Two networks at a time, on the server's two worker processes when both are free.
    trained = compute.in_parallel(
        [
            functools.partial(train_one, v, network_activation(v, act), depth, width, settings, own)
            for v in variants
        ]
    )
    return training_result(dict(zip(variants, trained, strict=True)), settings, own), None


def idea_values(changes: dict[str, Any]) -> dict[str, Any]:
    """Every setting of an idea: the defaults with its changes (as a preset does), whole
    numbers as the fields hold them (floats, see dashboard.ui.Controls.integer)."""
    values = {**DEFAULTS, **changes}
    return {k: float(v) if isinstance(v, int) else v for k, v in values.items()}


def chart(shown: Shown, key: str, where: Any = None) -> None:
    ui.chart(shown.figures[key], summary=shown.summaries[key], key=key, where=where)


def show_maps(result: TrainingResult, shown: Shown) -> None:
    """The gradient maps and the decision maps, one panel a row each, side by side:
    Streamlit stacks columns on a narrow screen, so on a phone every panel gets the
    whole width (~270 px of map instead of ~125 px two a row)."""
    grad_col, map_col = st.columns(2, gap="large")
    with grad_col:
        st.subheader("Do the early layers learn?")
        st.markdown(
            "Each map shows one network. A row is a weight layer (row 1 takes the two "
            "inputs, the top row is the output unit), a column is a moment of training, "
            "and the color is how big that layer's gradient is, on a log scale: one unit "
            "of the color bar is a factor of ten. A layer's update is the learning rate "
            "times this gradient, so dark bottom rows mean the first layers hardly move: "
            "little blame reaches them. All maps share one color scale."
        )
        st.markdown(shown.stuck)
        chart(shown, "grad_maps")
        st.caption(
            "Empty cells: the gradient there was exactly zero or not a finite number. The "
            "color scale spans the networks that did not diverge; a diverged network's "
            "larger values are drawn in the top color."
        )
    with map_col:
        st.subheader("What each network learned")
        st.markdown(
            "The background is each trained network's answer at every point of the "
            "plane: blue where it says class 0 (circles), orange where it says class 1 "
            "(diamonds), pale where it is unsure. The black line is where it is exactly "
            "50/50: its decision boundary."
        )
        chart(shown, "boundary_maps")
        n_points, n_drawn = len(result.X), len(map_points(len(result.X)))
        if n_drawn < n_points:
            st.caption(
                f"The maps show {n_drawn} of the {n_points} training points, spread evenly "
                f"over the data set, so that the page stays quick; the accuracy above each "
                f"map counts all {n_points}."
            )


def show(
    result: TrainingResult, settings: dict[str, Any], controls: ui.Controls, view: tuple
) -> None:
    for run in result.runs.values():
        if run.diverged_at is not None:
            st.warning(run.message, icon=":material/trending_up:")

    # The run played back first: the results table would tell how it ends.
    training_playback.section(result, controls, view)
    shown = shown_run(view, result)
    st.subheader("The whole run")
    ui.table(shown.table, SUMMARY_COLUMNS)
    loss_col, acc_col = st.columns(2)
    chart(shown, "loss_chart", where=loss_col)
    chart(shown, "accuracy_chart", where=acc_col)

    show_maps(result, shown)

    tag = f"{settings['ds']}_depth{settings['depth']}_width{settings['width']}"
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            "Loss and accuracy (CSV)",
            shown.history_csv,
            file_name=f"training_history_{tag}.csv",
            mime="text/csv",
            icon=":material/download:",
        )
        st.download_button(
            "Gradient norms per layer (CSV)",
            shown.grads_csv,
            file_name=f"training_gradient_norms_{tag}.csv",
            mime="text/csv",
            icon=":material/download:",
        )


ui.page_header(
    "Training lab: do the early layers learn?",
    "Up to four networks of the same depth and width learn to separate the same two "
    "classes of points, from the same random start and with the same batches. Watch "
    "which ones learn, and whether their first layers take part. The networks train as "
    "soon as you change a setting; results are kept, so going back is instant.",
)
controls = ui.Controls()
with st.container(border=True):
    row = st.container(horizontal=True, gap="small")
    ds = controls.choice("Data set", "ds", DATASETS, DEFAULTS["ds"], where=row, help=DATASET_HELP)
    act = controls.activation(
        "Activation (residual, batch norm)", DEFAULTS["act"], where=row, help=ACT_HELP
    )
    variants = controls.several(
        "Networks", "variants", VARIANTS, VARIANTS, labels=VARIANT_LABELS, help=VARIANTS_HELP
    )
    row = st.container(horizontal=True, gap="small")
    depth = controls.integer(
        "Hidden layers",
        "depth",
        DEFAULTS["depth"],
        DEPTH_RANGE,
        where=row,
        width=FIELD_WIDTH,
        help="How deep every network is.",
    )
    width = controls.integer(
        "Neurons per layer",
        "width",
        DEFAULTS["width"],
        WIDTH_RANGE,
        where=row,
        width=FIELD_WIDTH,
        help="Units in every hidden layer (the input is the two coordinates of a point).",
    )
    lr = controls.number(
        "η (learning rate)",
        "lr",
        DEFAULTS["lr"],
        LR_RANGE,
        step=0.05,
        where=row,
        width=FIELD_WIDTH,
        help="Each step moves every weight by η times its gradient. Too large: divergence.",
    )
    steps = controls.integer(
        "Training steps",
        "steps",
        DEFAULTS["steps"],
        STEPS_RANGE,
        where=row,
        width=FIELD_WIDTH,
        help="Updates, each on one batch of points.",
    )
    changed = any(st.session_state.get(k, DEFAULTS[k]) != DEFAULTS[k] for k in DETAIL_KEYS)
    linked = any(k in st.query_params for k in DETAIL_KEYS)
    with st.expander("Data and training details", expanded=changed or linked):
        row = st.container(horizontal=True, gap="small")
        batch = controls.integer(
            "Batch size",
            "batch",
            DEFAULTS["batch"],
            BATCH_RANGE,
            where=row,
            width=FIELD_WIDTH,
            help="Points per update (at most the number of points).",
        )
        n = controls.integer(
            "Points",
            "n",
            DEFAULTS["n"],
            SAMPLES_RANGE,
            where=row,
            width=FIELD_WIDTH,
            help="Size of the training set, half of each class.",
        )
        noise = controls.number(
            "Noise",
            "noise",
            DEFAULTS["noise"],
            NOISE_RANGE,
            step=0.05,
            where=row,
            width=FIELD_WIDTH,
            help="Random jitter added to every point; more noise blurs the shapes.",
        )
        seed = controls.integer(
            "Random seed",
            "seed",
            DEFAULTS["seed"],
            SEED_RANGE,
            where=row,
            width=FIELD_WIDTH,
            help="Picks the points, the starting weights and the batch order.",
        )
        loss = controls.choice("Loss", "loss", LOSSES, DEFAULTS["loss"], where=row, help=LOSS_HELP)

own = own_data.section(controls)  # uploaded points, or None for the toy data sets
with st.expander("Ideas to try", icon=":material/lightbulb:"):
    for number, (title, text, changes) in enumerate(IDEAS):
        st.markdown(f"**{title}** {text}")
        st.button(
            "Try it",
            key=f"idea_{number}",
            on_click=ui.set_values,
            args=(idea_values(changes),),
            icon=":material/play_arrow:",
        )

settings = controls.values
if not variants:
    st.info("Pick at least one network above to train.", icon=":material/info:")
else:
    result, problem = train(
        ds, variants, act, loss, depth, width, lr, steps, batch, n, noise, seed, own
    )
    if result is None:
        st.error(f"These settings cannot be trained: {problem}", icon=":material/error:")
    else:
        view = (ds, variants, act, loss, depth, width, lr, steps, batch, n, noise, seed)
        show(result, settings, controls, (*view, own.digest if own else None))

controls.share_box(promise="the same settings and trains the same networks")
