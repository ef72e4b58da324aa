"""Vanishing-gradient lab: how big the blame is at every layer of a fresh deep network.

URL keys: depth, width, batch, seeds, act, init, sw2 (with init=custom), scale (the
networks); metric, theory (what is drawn); story (the depth animation). The presets set
them all (dashboard.lab_presets), so a preset's view is a link like any other.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core import lab
from dashboard import glossary, lab_presets, ui
from dashboard.content.glossary import VANISHING_LAB_TERMS
from dashboard.lab_charts import forward_charts, profile_chart, story_chart
from dashboard.lab_compute import measure, story
from dashboard.lab_controls import LabControls
from dashboard.lab_presets import DEFAULTS, METRICS, PRESETS, RANGES, SCALES
from dashboard.navigation import page
from dashboard.plots.format import fmt, fmt_factor, fmt_power

MYTHS = page("myths.py")
MYTH_PRESETS = ("course", "relu_no_he", "residual_unscaled", "batchnorm")  # one claim each
FIELD_WIDTH = 150  # pixels: two number fields side by side on a phone
# Plotly's toolbar, trimmed so that it does not cover the chart's title on a phone: the
# PNG download and the reset stay (dragging still zooms, a double click resets).
CHART_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": [
        "zoom2d",
        "pan2d",
        "select2d",
        "lasso2d",
        "zoomIn2d",
        "zoomOut2d",
        "autoScale2d",
    ],
}
THEORY_NAMES = {
    "mean_field": "mean field, settled",
    "mean_field_residual": "mean field, layer by layer",
    "batchnorm_rate": "Yang et al. (2019)",
    "": "no closed form here",
}
INIT_HELP = (
    "How big the random starting weights are (the initialization). A neuron adds up "
    "fan-in inputs (its number of incoming weights), so the usual rules shrink each weight "
    "with the fan-in. default: each network's usual rule (Xavier for sigmoid and tanh, He "
    "for ReLU). xavier: variance 2/(fan-in + fan-out). he: 2/fan-in. lecun: 1/fan-in. "
    "custom: σw²/fan-in with the σw² you type."
)
ACT_HELP = (
    "The activation of the residual and batch-normalized networks (the plain ones are "
    "named by theirs). tanh or leaky_relu also adds a plain network with that activation, "
    "drawn in sky blue."
)
METRIC_HELP = (
    "backward signal: δ = ∂L/∂z, the blame a layer receives (its size per example). "
    "weight gradient: ‖∂L/∂W‖ for the layer's weights. update size: the mean |Δw| that one "
    f"gradient-descent step with η = {lab.LabSettings().lr:g} would make."
)
THEORY_HELP = (
    "Orange dotted: the bound of 0.25 per layer for plain sigmoid (σ′ ≤ 1/4, weights left "
    "out), and σw/4 with the weights. Grey dashed: mean-field theory for plain networks and "
    "Yang et al.'s rate for batch-normalized ReLU. Drawn for the backward signal, each "
    "line through its network's last hidden layer."
)


def apply_preset(values: dict[str, Any]) -> None:
    """A preset sets every control but the story toggle (on_click: before widgets draw)."""
    ui.set_values({k: v for k, v in values.items() if k != "story"})


WHY_THEY_DIFFER = (
    "Why the two factors can differ: a weight's update is what came forward (the input "
    "on its wire) times the blame that came back (Δw = η · input · δ). Where the forward "
    "signal also grows or shrinks from layer to layer, the update's factor is not the "
    "backward signal's. The update is what decides how fast a layer learns: level updates "
    "mean every layer learns at a similar pace, even when the signal itself grows or "
    "fades. The factor per layer describes the middle layers; the output layer and the "
    "first ones can differ, so layer 1 ÷ output is not simply the factor multiplied "
    "depth times."
)
SHOW_TEXT = (
    "**Show** picks what is measured at each layer: the **backward signal** is the blame δ "
    "the layer receives; the **weight gradient** is how much the error would change per "
    "unit change of the layer's weights, all of them together; the **update size** is "
    "how far one step of learning moves them (η times the gradient), the article's "
    "“updates shrink”."
)


def _factor_text(value: float) -> str:
    return fmt_factor(value) if pd.notna(value) else "—"


def factor_table(factors: pd.DataFrame) -> pd.DataFrame:
    """The measured-vs-predicted table, as text for display: the backward signal and the
    update, each per layer toward the input."""
    signal = factors[factors["quantity"] == "signal"].set_index("variant")
    update = factors[factors["quantity"] == "update"].set_index("variant")
    return pd.DataFrame(
        {
            "network": signal["label"],
            "signal per layer, measured": [_factor_text(v) for v in signal["measured"]],
            "signal per layer, predicted": [_factor_text(v) for v in signal["predicted"]],
            "update per layer, measured": [_factor_text(v) for v in update["measured"]],
            "update per layer, predicted": [_factor_text(v) for v in update["predicted"]],
            "theory": [THEORY_NAMES[k] for k in signal["predicted_kind"]],
            "signal: measured ÷ predicted": [
                fmt(v) if pd.notna(v) else "—" for v in signal["agreement"]
            ],
            "signal, layer 1 ÷ output layer": [fmt_power(v) for v in signal["first_log10"]],
        }
    )


def preset_text(preset: lab_presets.Preset, result: lab.LabResult) -> str:
    """What the preset is about, and the measured numbers of the networks it is about:
    the backward signal and the update, per layer, each beside its prediction."""
    signal = result.factors[result.factors["quantity"] == "signal"].set_index("variant")
    update = result.factors[result.factors["quantity"] == "update"].set_index("variant")
    lines = [f"**{preset.title}.** {preset.look_for}"]
    for name in preset.focus:
        if name not in signal.index:
            continue
        r, u = signal.loc[name], update.loc[name]
        theory_text = f" (theory {fmt_factor(r['predicted'])})" if pd.notna(r["predicted"]) else ""
        update_theory = (
            f" (theory {fmt_factor(u['predicted'])})" if pd.notna(u["predicted"]) else ""
        )
        lines.append(
            f"**{r['label']}**: {fmt_factor(r['measured'])} per layer for the backward signal"
            f"{theory_text} and {_factor_text(u['measured'])} for the update{update_theory}; "
            f"layer 1 receives {fmt_power(r['first_log10'])} times the output layer's signal "
            f"and makes {fmt_power(u['first_log10'])} times its update."
        )
    lines.append(WHY_THEY_DIFFER)
    return "\n\n".join(lines)


def similarity_text(result: lab.LabResult) -> str:
    """The forward half of the story in plain words, with each network's number."""
    depth = result.settings.depth
    last = result.summary[result.summary["layer"] == depth].set_index("variant")
    parts = []
    for name, label in result.labels.items():
        value = last["similarity_median"].get(name, float("nan"))
        if pd.notna(value):
            gap = 1.0 - value
            close = f" (1 − {fmt(gap)})" if 0 < gap < 1e-3 else ""
            parts.append(f"{label} {fmt(value, 4)}{close}")
    return (
        "Each line compares what different inputs look like after each layer: 0 means "
        "unrelated, 1 means identical. When it climbs to 1 the network has forgotten which "
        "input it was given, so no update can teach it to tell them apart: this is the "
        "ordered regime, where the blame fades too (the backward factor is below ×1). When "
        "it falls, nearby inputs are pulled apart (the chaotic regime, where the blame "
        "grows). Between the two, at the edge of chaos, both are kept. The grey dashed "
        "lines are mean-field theory's prediction for the plain networks. At the last "
        f"hidden layer (layer {depth}): " + "; ".join(parts) + "." + _batchnorm_note(result)
    )


def _batchnorm_note(result: lab.LabResult) -> str:
    """Why the batch-normalized network's line sits just below 0 and does not move."""
    if "batchnorm" not in result.labels:
        return ""
    batch = result.settings.batch
    return (
        f" {result.labels['batchnorm']} stays near {fmt(-1 / (batch - 1), 3)} at every "
        "layer: batch normalization subtracts the batch's average from each unit, so the "
        f"{batch} inputs of a batch point away from each other on average (for {batch} "
        f"centred vectors of equal length the average is exactly −1/{batch - 1})."
    )


ui.page_header(
    "Vanishing-gradient lab",
    "Every line here is measured live on freshly initialized networks: a random batch goes "
    "forward, the loss's blame comes back, and its size is recorded at every layer. Pick a "
    "preset or change the settings; the address bar always holds a link to this view.",
)
controls = LabControls()
controls.note_unknown(DEFAULTS)


preset_box = st.container()  # filled once the controls are read: it shows which is on
with st.container(border=True):
    row = st.container(horizontal=True, gap="small")
    depth = controls.integer(
        "Hidden layers",
        "depth",
        DEFAULTS["depth"],
        RANGES["depth"],
        where=row,
        width=FIELD_WIDTH,
        help="How deep every network is.",
    )
    width = controls.integer(
        "Neurons per layer",
        "width",
        DEFAULTS["width"],
        RANGES["width"],
        where=row,
        width=FIELD_WIDTH,
        help="Every hidden layer and the input have this many.",
    )
    batch = controls.integer(
        "Batch size",
        "batch",
        DEFAULTS["batch"],
        RANGES["batch"],
        where=row,
        width=FIELD_WIDTH,
        help="Random inputs per measurement. Batch norm normalizes over them.",
    )
    seeds = controls.integer(
        "Seeds",
        "seeds",
        DEFAULTS["seeds"],
        RANGES["seeds"],
        where=row,
        width=FIELD_WIDTH,
        help="How many random networks of each kind (seeds 0, 1, ...): the line is their "
        "median, the shaded band their 10-90% range.",
    )
    row = st.container(horizontal=True, gap="small")
    act = controls.activation("Activation", DEFAULTS["act"], where=row, help=ACT_HELP)
    init = controls.choice(
        "Initialization", "init", lab.INITS, DEFAULTS["init"], where=row, help=INIT_HELP
    )
    sw2 = DEFAULTS["sw2"]
    if init == "custom":
        sw2 = controls.number(
            "σw² (custom init)",
            "sw2",
            DEFAULTS["sw2"],
            RANGES["sw2"],
            step=0.1,
            where=row,
            width=FIELD_WIDTH,
            help="Weights are drawn with variance σw²/fan_in. He's choice for ReLU is 2; "
            "1 puts tanh at the edge of chaos.",
        )
    scale = controls.choice(
        "Residual branch scale",
        "scale",
        SCALES,
        DEFAULTS["scale"],
        where=row,
        help="The residual network adds s · φ(z) to each layer's input: s = 1, or "
        "1/sqrt(depth) to keep the sum from growing.",
    )

with st.spinner("Measuring every layer of every network…"):
    result, problem, deepest = measure(depth, width, batch, seeds, act, init, sw2, scale)

shown = {
    "depth": float(depth),
    "width": float(width),
    "batch": float(batch),
    "seeds": float(seeds),
    "act": act,
    "init": init,
    "sw2": sw2,
    "scale": scale,
}
active = lab_presets.matching_preset(shown)
with preset_box:
    st.markdown("**Presets**: one click sets every control.")
    with st.container(horizontal=True, gap="small"):
        for p in PRESETS:
            st.button(
                p.title,
                key=f"preset_{p.key}",
                on_click=apply_preset,
                args=(p.values,),
                help=p.look_for,
                type="primary" if active is p else "secondary",
            )
    if active is not None and result is not None:
        st.info(preset_text(active, result), icon=":material/lightbulb:")
        if active.key in MYTH_PRESETS:
            st.page_link(
                MYTHS.link_target,
                label="The claim behind this view, measured",
                icon=MYTHS.icon,
            )

view = st.container(horizontal=True, gap="medium", vertical_alignment="center")
with view:
    metric = controls.radio("Show", "metric", list(METRICS), DEFAULTS["metric"], help=METRIC_HELP)
    show_theory = controls.toggle("Theory lines", "theory", DEFAULTS["theory"], help=THEORY_HELP)
st.caption(SHOW_TEXT)
glossary.explain(*VANISHING_LAB_TERMS)  # fan-in, Xavier, mean field...: not the article's
quantity = METRICS[metric]

if result is None:
    st.error(f"These settings cannot be measured. {problem}", icon=":material/error:")
    if deepest:
        st.button(
            f"Use {deepest} hidden layers (the deepest that fits)",
            on_click=ui.set_values,
            args=({"depth": float(deepest)},),
            icon=":material/build:",
        )
else:
    factors = result.factors[result.factors["quantity"] == quantity]
    per_layer = {
        q: result.factors[result.factors["quantity"] == q].set_index("variant")["measured"]
        for q in ("signal", "update")
    }
    st.subheader("What reaches the first layer")
    with st.container(horizontal=True, gap="small"):
        for _, r in factors.iterrows():
            st.metric(
                result.short_labels[r["variant"]],
                fmt_power(r["first_log10"]),
                delta=f"signal {_factor_text(per_layer['signal'][r['variant']])}, update "
                f"{_factor_text(per_layer['update'][r['variant']])} per layer",
                delta_color="off",
                delta_arrow="off",
                help=f"{r['label']}: the {metric} at layer 1 divided by the output layer's "
                f"(the middle of {seeds} random network(s)), and below it the factor per "
                "layer of the backward signal and of the update, fitted over the middle "
                "layers: under ×1 it fades toward the input, over ×1 it grows.",
                width="content",  # as wide as its number: two fit a phone's row
                border=True,
            )
    if active is None:  # a preset's box above says it already
        st.caption(WHY_THEY_DIFFER)
    use_theory = show_theory and quantity == "signal"
    settings = lab.LabSettings(depth, width, batch, seeds, act, init, sw2, scale)
    fig, numbers = profile_chart(settings, quantity, use_theory, result)
    ui.chart(
        fig,
        summary=numbers,
        key="profile_chart",
        config={
            **CHART_CONFIG,
            "toImageButtonOptions": {"filename": f"profile_{quantity}_depth{depth}"},
        },
    )
    if show_theory and quantity != "signal":
        st.caption("Theory lines are drawn for the backward signal only: switch to it to see them.")
    if result.notes:
        st.warning(
            "Some values could not be measured; the chart leaves them out.\n\n"
            + "\n".join(f"- {n}" for n in result.notes),
            icon=":material/warning:",
        )
        with st.expander("What went wrong, seed by seed"):
            st.markdown("\n".join(f"- {m}" for m in result.messages))

    st.subheader("Measured against theory")
    ui.table(factor_table(result.factors))
    st.caption(
        "Factor per layer toward the input, of the backward signal and of the update: the "
        f"slope of the middle line over the middle layers ({lab.FIT_SKIP} are left out at "
        "each end, where the signal has not settled yet). Theory assumes infinitely wide "
        "layers, so narrow networks stray more. A residual network's prediction changes "
        "from layer to layer (its forward signal keeps growing), so its line may curve."
    )

    st.subheader("Why: the forward pass")
    forward = forward_charts(settings, result)
    ui.chart(
        forward["forward_chart"][0],
        summary=forward["forward_chart"][1],
        key="forward_chart",
        config={**CHART_CONFIG, "toImageButtonOptions": {"filename": f"forward_depth{depth}"}},
    )
    inactive = result.factors[result.factors["quantity"] == "signal"]
    st.markdown(
        "Each layer multiplies the blame by its weights and by the slope of its activation. "
        "A sigmoid's slope is at most 1/4, so it shrinks the blame even when no unit is "
        "saturated (pinned near 0 or 1, where the slope is almost 0); ReLU's slope is 1 "
        "where the unit is on and 0 where it is off. A residual network can saturate many "
        "units and still pass the blame: the shortcut carries it around them. The largest "
        "share of inactive units (saturated, or off for every input in this batch) in any "
        "hidden layer: "
        + "; ".join(
            f"{label} {fmt(100 * v)}%"
            for label, v in zip(inactive["label"], inactive["inactive_max"], strict=True)
        )
        + ". At the start, before any training, a ReLU unit is off for a whole batch when "
        "the inputs have come to look alike (next chart), not because it has died."
    )
    ui.chart(
        forward["similarity_chart"][0],
        summary=forward["similarity_chart"][1],
        key="similarity_chart",
        config={**CHART_CONFIG, "toImageButtonOptions": {"filename": f"similarity_{depth}"}},
    )
    st.markdown(similarity_text(result))

    st.subheader("Depth as a story")
    play = controls.toggle(
        "Build the animation",
        "story",
        DEFAULTS["story"],
        help=f"Measures the same networks at up to {lab.STORY_FRAMES} growing depths (one "
        "seed each) and plays them as an animation.",
    )
    if play:
        with st.spinner("Measuring the networks at growing depths…"):
            told = story(depth, width, batch, act, init, sw2, scale)
        if told.skipped:
            st.info(told.skipped, icon=":material/info:")
        else:
            fig, numbers = story_chart(
                lab.LabSettings(depth, width, batch, 1, act, init, sw2, scale), told
            )
            ui.chart(
                fig,
                summary=numbers,
                key="story_chart",
                config={**CHART_CONFIG, "toImageButtonOptions": {"filename": "depth_story"}},
            )
            st.caption(
                "Press Play, or drag the slider: each frame is a network that many layers "
                "deep, its signal divided by its own output layer's. One seed per depth."
            )
    else:
        st.caption(
            "Switch it on to watch the profile grow as layers are added, one depth at a time."
        )

    st.subheader("Download")
    with st.container(horizontal=True, gap="small"):
        name = f"depth{depth}_width{width}_batch{batch}_{act}_{init}"
        st.download_button(
            "Profile, every seed (CSV)",
            data=lambda: result.frame.to_csv(index=False),
            file_name=f"profile_{name}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
        st.download_button(
            "Median and band (CSV)",
            data=lambda: result.summary.to_csv(index=False),
            file_name=f"summary_{name}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )
        st.download_button(
            "Factors per layer (CSV)",
            data=lambda: result.factors.to_csv(index=False),
            file_name=f"factors_{name}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
        )

controls.share_box()
