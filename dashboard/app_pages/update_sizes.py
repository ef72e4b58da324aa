"""Update sizes: how big each layer's update is, by distance from the output.

URL keys: net, depth, width, act, init, lr, batch, seed (the deeper network).
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from core import NetworkSpec
from core.experiments import update_size_table
from core.limits import estimate_profile_bytes
from core.worked_example import COURSE_LR, worked_example
from dashboard import compute, ui
from dashboard.plots.format import fmt
from dashboard.plots.style import OKABE_ITO, VARIANT_COLORS
from dashboard.plots.summaries import update_size_summary
from dashboard.plots.updates import update_size_figure

COURSE_CLAIM = 10.0  # the course: "about 10x smaller" one layer further back
METRIC_WIDTH = 260  # pixels: metrics wrap two or four to a row, one on a phone
DEPTH_RANGE = ui.Allowed(1, 200, integer=True)
WIDTH_RANGE = ui.Allowed(2, 256, integer=True)
BATCH_RANGE = ui.Allowed(2, 256, integer=True)
SEED_RANGE = ui.Allowed(0, 10_000, integer=True)
LR_RANGE = ui.Allowed(0.0, 10.0, lo_open=True)
NETWORKS = ("plain", "residual", "batchnorm")
INITS = ("xavier", "he", "lecun")
NETWORK_HELP = (
    "plain: a stack of layers, as in the course. residual: a shortcut around every hidden "
    "layer, whose branch adds activation-then-weights to it (He et al. 2015-16). "
    "batchnorm: every hidden layer's sums are normalized over the batch, the examples "
    "that go through together (Ioffe & Szegedy 2015)."
)
INIT_HELP = (
    "How big the random starting weights are (the initialization). A neuron adds up "
    "fan-in inputs (its number of incoming weights), so each rule shrinks the weights "
    "with it: xavier, variance 2/(fan-in + fan-out) (Glorot & Bengio 2010); he, 2/fan-in "
    "(He et al. 2015, made for ReLU); lecun, 1/fan-in."
)
TABLE_ROWS_SHOWN = 13  # a deeper network's table scrolls within TABLE_HEIGHT pixels
TABLE_HEIGHT = 480
TABLE_COLUMNS = {
    "layer": st.column_config.NumberColumn(
        "layer", help="1 = next to the input, as in the article's diagram"
    ),
    "label": st.column_config.TextColumn("which"),
    "distance": st.column_config.NumberColumn(
        "distance from the output", help="the article's measure: 1 = the output layer"
    ),
    "mean_abs_update": st.column_config.NumberColumn("mean |update|", format="%.3e"),
    "ratio_to_output": st.column_config.NumberColumn(
        "÷ output layer", format="%.3g", help="mean |update| divided by the output layer's"
    ),
    "log10_mean_abs_update": st.column_config.NumberColumn("log₁₀ mean |update|", format="%.2f"),
    "shrink_per_layer": st.column_config.NumberColumn(
        "÷ layer one closer",
        format="%.3g",
        help="mean |update| divided by that of the layer one step closer to the output",
    ),
}


@compute.cached(max_entries=64, spinner="Measuring the updates layer by layer…")
def measure(
    net: str, depth: int, width: int, act: str, init: str, lr: float, batch: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame | None, str | None]:
    """The one core call: (the course's table, the deeper network's table or None, why not)."""
    course = update_size_table(None, lr=COURSE_LR)
    spec = NetworkSpec(
        sizes=(width, *([width] * depth), 1),
        activation=act,
        output_activation="sigmoid",
        init=init,
        residual=net == "residual",
        batchnorm=net == "batchnorm",
    )
    try:
        nbytes = estimate_profile_bytes({net: spec}, batch)
        table = compute.run(update_size_table, spec, lr=lr, batch=batch, seed=seed, nbytes=nbytes)
        return course, table, None
    except compute.REFUSED as exc:  # too big for the time budget, or the forward pass overflowed
        return course, None, str(exc)


@st.cache_data(max_entries=1, show_spinner=False)
def course_updates() -> dict[str, float]:
    """The course's updates by weight name (for the Δv1 / Δw11 comparison)."""
    step = worked_example()
    return {name: step.update(name) for name in ("v1", "w11")}


def times_smaller(ratio: float) -> str:
    """A ratio (deeper / closer to the output) in words: "11.6× smaller" or "1.3× larger"."""
    if not math.isfinite(ratio) or ratio <= 0:
        return "not measurable"
    return f"{fmt(1 / ratio)}× smaller" if ratio < 1 else f"{fmt(ratio)}× larger"


def ratio_text(ratio: float, log10_value: float, table: pd.DataFrame) -> str:
    """A ratio to the output layer; as a power of ten when it underflowed to 0."""
    if ratio > 0:
        return fmt(ratio)
    return f"10^{log10_value - table['log10_mean_abs_update'].iloc[0]:.0f}"


def bar_color(net: str, act: str) -> str:
    if net != "plain":
        return VARIANT_COLORS[net]
    return VARIANT_COLORS.get(f"plain_{act}", OKABE_ITO["sky_blue"])


ui.page_header(
    "Update sizes: does the blame fade with distance?",
    "The course notices that layers far from the output get much smaller updates than "
    "the layers next to it, “about ten times smaller” per layer. Here you measure it: "
    "first on the course's own network, then on a deeper one you design.",
)
controls = ui.Controls()
course_box = st.container()
deep_box = st.container()

with deep_box:
    st.header("A deeper network")
    st.markdown(
        "Equally wide hidden layers and one sigmoid output, random starting weights, one "
        "update computed on a random batch. Choose its shape:"
    )
    with st.container(border=True):
        row = st.container(horizontal=True, gap="small")
        net = controls.choice("Network", "net", NETWORKS, "plain", where=row, help=NETWORK_HELP)
        act = controls.activation(
            "Activation",
            "sigmoid",
            where=row,
            help="The squashing function of the hidden layers (the output stays a sigmoid).",
        )
        init = controls.choice("Initialization", "init", INITS, "xavier", where=row, help=INIT_HELP)
        row = st.container(horizontal=True, gap="small")
        depth = controls.integer(
            "Hidden layers", "depth", 10, DEPTH_RANGE, where=row, width=150, help="How deep."
        )
        width = controls.integer(
            "Neurons per layer",
            "width",
            32,
            WIDTH_RANGE,
            where=row,
            width=150,
            help="Every hidden layer has this many; the input has as many numbers.",
        )
        lr = controls.number(
            "η (learning rate)",
            "lr",
            COURSE_LR,
            LR_RANGE,
            where=row,
            width=150,
            help="Scales every update alike: it moves the bars, not the ratios.",
        )
        batch = controls.integer(
            "Batch size",
            "batch",
            32,
            BATCH_RANGE,
            where=row,
            width=150,
            help="Examples per update.",
        )
        seed = controls.integer(
            "Random seed",
            "seed",
            0,
            SEED_RANGE,
            where=row,
            width=150,
            help="Picks the starting weights and the batch: the same seed, the same numbers.",
        )

course, deep, problem = measure(net, depth, width, act, init, lr, batch, seed)
updates = course_updates()

with course_box:
    st.header("The course's network")
    chart_col, text_col = st.columns([3, 2])
    ui.chart(
        update_size_figure(
            course, claim_factor=COURSE_CLAIM, title="The course's 2-2-1 network, one update"
        ),
        summary=update_size_summary(course, COURSE_CLAIM),
        key="course_chart",
        where=chart_col,
    )
    with text_col:
        measured = course["shrink_per_layer"].iloc[1]
        st.markdown(
            f"One layer further back, the mean update is **{times_smaller(measured)}** "
            f"(mean of |Δw| against mean of |Δv|). Comparing single weights instead, "
            f"Δv₁ = {fmt(updates['v1'])} against Δw₁₁ = {fmt(updates['w11'])} is "
            f"**{times_smaller(updates['w11'] / updates['v1'])}**. The course's "
            f"“about 10×” is a fair round number for this network, not a law: the next "
            "section shows it depends on the network."
        )
    ui.table(course[list(TABLE_COLUMNS)], TABLE_COLUMNS)

with deep_box:
    if deep is None:
        st.error(f"This network cannot be measured: {problem}", icon=":material/error:")
    else:
        hops = deep["shrink_per_layer"].iloc[1:]
        first, deepest = deep.iloc[1], deep.iloc[-1]
        with st.container(horizontal=True, gap="medium"):
            st.metric(
                "The course's claim, per layer",
                f"{COURSE_CLAIM:g}× smaller",
                width=METRIC_WIDTH,
            )
            st.metric(
                "Measured, one step back",
                times_smaller(first["shrink_per_layer"]),
                help="The last hidden layer against the output layer.",
                width=METRIC_WIDTH,
            )
            st.metric(
                "Measured, typical step",
                times_smaller(hops.median()),
                help="The median over all steps from one layer to the next.",
                width=METRIC_WIDTH,
            )
            st.metric(
                "First layer ÷ output layer",
                ratio_text(deepest["ratio_to_output"], deepest["log10_mean_abs_update"], deep),
                help="The mean update next to the input divided by the output layer's.",
                width=METRIC_WIDTH,
            )
        ui.chart(
            update_size_figure(
                deep,
                color=bar_color(net, act),
                claim_factor=COURSE_CLAIM,
                title=f"{net}: {depth} layers × {width}, {act}, {init}",
            ),
            summary=update_size_summary(deep, COURSE_CLAIM),
            key="deep_chart",
        )
        st.markdown(
            "A sigmoid's slope is at most 0.25, so each sigmoid layer can shrink the "
            "backward signal about fourfold or more, and the weights multiply in as well. "
            "Try ReLU with He initialization, or a residual network, and watch the bars "
            "level out; try batch norm and watch them grow toward the input."
        )
        with st.expander("The table behind the chart", expanded=depth <= 12):
            ui.table(
                deep[list(TABLE_COLUMNS)],
                TABLE_COLUMNS,
                height=TABLE_HEIGHT if len(deep) > TABLE_ROWS_SHOWN else None,
                notes=False,  # explained under the course's table
            )
            st.download_button(
                "Download this table (CSV)",
                deep.to_csv(index=False).encode(),
                file_name=f"update_sizes_{net}_{act}_{init}_depth{depth}_width{width}.csv",
                mime="text/csv",
                icon=":material/download:",
            )

controls.share_box()
