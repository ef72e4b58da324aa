"""Home: the story in short steps, each linking to the page that shows it; the timeline
of the fixes; the course's network. No URL keys (nothing on this page changes the view).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.worked_example import WorkedStep, worked_example
from dashboard import landing, ui
from dashboard.content.worked_example import CHAIN_RULE_ANCHOR, step_of
from dashboard.navigation import page
from dashboard.plots.format import fmt
from dashboard.plots.network import FORWARD, network_figure, timeline_figure

# (heading, what it means, page file, query parameters that open the right view, link text)
STORY: tuple[tuple[str, str, str, dict[str, str], str], ...] = (
    (
        "Who is to blame?",
        "A network gives a wrong answer. Think of an assembly line with an inspector at the "
        "end: the fault is traced back from the last worker to the first, and each one is "
        "charged in proportion to what they contributed.",
        "worked_example.py",
        {},
        "Meet the network",
    ),
    (
        "The forward pass",
        "Numbers flow from the inputs to the output: every neuron adds up its weighted "
        "inputs and squashes the sum.",
        "worked_example.py",
        {"step": str(step_of("a1"))},
        "Watch the forward pass",
    ),
    (
        "The backward pass",
        "The miss at the output flows back along the same wires, and every weight is handed "
        "its share of the blame: that share is its update.",
        "worked_example.py",
        {"step": str(step_of("delta_out"))},
        "Watch the backward pass",
    ),
    (
        "The chain rule",
        "A weight's share is a product of local slopes, one per link between the weight and "
        "the error. A finite-difference check confirms the product.",
        "worked_example.py",
        # The last step shows every number; the page scrolls to its chain-rule section.
        {
            "weight": "w11",
            "step": str(step_of("new_weights")),
            **landing.link_params(CHAIN_RULE_ANCHOR),
        },
        "Take one weight apart",
    ),
    (
        "Updates shrink",
        "Layers far from the output get smaller updates than the layers next to it. How "
        "much smaller? Measure it.",
        "update_sizes.py",
        {},
        "Measure the update sizes",
    ),
    (
        "Vanishing gradients",
        "A sigmoid's slope is at most 0.25, so each layer can shrink the blame fourfold or "
        "more; after many layers almost nothing reaches the first ones.",
        "vanishing_lab.py",
        {},
        "See it fade",
    ),
    (
        "The fixes",
        "ReLU, residual connections and batch normalization each change how the blame "
        "travels. Train deep networks with and without them.",
        "training_lab.py",
        {},
        "Train with and without them",
    ),
)
FIXES = pd.DataFrame(
    [
        (
            2010,
            "ReLU",
            "ReLU: slope 1 for every positive input, so a layer no longer "
            "squeezes the backward signal",
            "activation",
        ),
        (
            2012,
            "GPU breakthrough",
            "Deep networks trained on graphics processors start "
            "beating older methods by wide margins",
            "hardware",
        ),
        (
            2015,
            "Residual<br>connections",
            "Residual connections: an identity shortcut around "
            "each layer gives the gradient a direct path back",
            "architecture",
        ),
        (
            2015,
            "Batch<br>normalization",
            "Batch normalization: every layer's inputs are "
            "re-centred and re-scaled on each mini-batch",
            "normalization",
        ),
    ],
    columns=["year", "label", "detail", "kind"],
)


@st.cache_data(max_entries=1, show_spinner=False)
def course_step() -> WorkedStep:
    """The course's network at the course's numbers."""
    return worked_example()


ui.page_header(
    "Backprop, by hand",
    "How does a neural network learn from a mistake? In about ten minutes, with your own "
    "numbers, you will follow the blame for an error back through a small network, see why "
    "it fades in deep sigmoid networks, and measure what ReLU, residual connections and "
    "batch normalization do about it. Every number is computed live; nothing is a picture.",
)
step = course_step()

story_col, picture_col = st.columns([1, 1], gap="large")
with story_col:
    st.header("The story in seven steps")
    for number, (heading, text, file, params, link) in enumerate(STORY, start=1):
        info = page(file)
        with st.container(border=True):
            st.markdown(f"**{number}. {heading}**  \n{text}")
            st.page_link(info.link_target, label=link, icon=info.icon, query_params=params)
with picture_col:
    st.header("The network you will take apart")
    st.plotly_chart(
        network_figure(step, FORWARD),
        width="stretch",
        config={"displayModeBar": False},
        key="network",
    )
    st.markdown(
        f"Two inputs, two hidden sigmoid neurons, one sigmoid output, no biases. With the "
        f"course's numbers it predicts ŷ = {fmt(step.y_hat)} where the target is "
        f"y = {fmt(step.y)}: an error of E = {fmt(step.E)} to hand out."
    )
    st.plotly_chart(
        timeline_figure(FIXES),
        width="stretch",
        config={"displayModeBar": False},
        key="timeline",
    )
    st.caption("Hover a marker (or tap it on a phone) for a one-line summary.")
    myths = page("myths.py")
    st.page_link(myths.link_target, label="Myths and measurements", icon=myths.icon)

ui.Controls().share_box()
