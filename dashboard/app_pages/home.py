"""Home: the guided lesson first, then the story in short steps, each linking to the page
that shows it; the timeline of the fixes; the course's network. No URL keys (nothing on
this page changes the view).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.worked_example import WorkedStep, worked_example
from dashboard import landing, ui
from dashboard.content.lesson import LAST_STOP, MINUTES
from dashboard.content.worked_example import CHAIN_RULE_ANCHOR, step_of
from dashboard.display import Frozen
from dashboard.navigation import page
from dashboard.plots.format import fmt
from dashboard.plots.network import FORWARD, network_figure
from dashboard.plots.summaries import network_summary, timeline_summary
from dashboard.plots.timeline import timeline_figure

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
        "A weight's share is a product of local slopes, one per link on its path to the "
        "error (in bigger networks, a sum of such products, one per path). Nudging the "
        "weight and watching the error confirms the product.",
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
# The article names the four fixes of its last section; the rows it skips come first in
# time and say why deep networks were hard long before (SCIENCE.md, "The fixes").
FIXES = pd.DataFrame(
    [
        (1991, "Hochreiter", "Hochreiter shows why the blame fades: it is a product of "
         "many factors, and a long product of small factors vanishes (large ones explode)",
         "the problem"),
        (1994, "Bengio et al.", "Bengio, Simard and Frasconi prove that learning long-range "
         "dependencies by gradient descent is hard for the same reason", "the problem"),
        (1997, "LSTM", "LSTM (Hochreiter and Schmidhuber): gated units whose error flows "
         "back at a constant size, the first fix", "architecture"),
        (2010, "Glorot init", "Glorot and Bengio: starting weights scaled to each layer's "
         "size, and sigmoid's saturation named as a culprit", "starting weights"),
        (2011, "ReLU", "ReLU for deep networks (Nair and Hinton 2010; Glorot, Bordes and "
         "Bengio 2011): slope 1 wherever a unit is on", "activation"),
        (2012, "GPUs", "Deep networks trained on graphics processors start beating older "
         "methods by wide margins", "hardware"),
        (2013, "Clipping", "Gradient clipping (Pascanu, Mikolov and Bengio): cap the size "
         "of an update, against exploding gradients", "training"),
        (2015, "He init", "He et al.: starting weights made for ReLU (variance 2/fan-in), "
         "which keep its signal level", "starting weights"),
        (2015, "Batch norm", "Batch normalization (Ioffe and Szegedy): every layer's inputs "
         "re-centred and re-scaled on each batch", "normalization"),
        (2015, "ResNets", "Residual networks (He et al. 2015, and the pre-activation block of "
         "2016): an identity shortcut around each block", "architecture"),
    ],
    columns=["year", "label", "detail", "kind"],
)  # fmt: skip


@st.cache_data(max_entries=1, show_spinner=False)
def course_step() -> WorkedStep:
    """The course's network at the course's numbers."""
    return worked_example()


@st.cache_resource(max_entries=1, show_spinner=False)
def pictures() -> dict[str, tuple[Frozen, str]]:
    """The page's two charts with their lines of numbers, by chart key: the same for
    everyone, so built once (plotly's checks cost 0.06 s on every visit)."""
    step = course_step()
    return {
        "network": (
            Frozen(network_figure(step, FORWARD, revealed=())),  # the worked example reveals them
            network_summary(step, FORWARD, revealed=()),
        ),
        "timeline": (Frozen(timeline_figure(FIXES)), timeline_summary(FIXES)),
    }


ui.page_header(
    "Backprop, by hand",
    f"How does a neural network learn from a mistake? In about {MINUTES} minutes, with your own "
    "numbers, you will follow the blame for an error back through a small network, see why "
    "it fades in deep sigmoid networks, and measure what ReLU, residual connections and "
    "batch normalization do about it. Every number is computed live; nothing is a picture.",
)
step = course_step()

lesson = page("lesson.py")
with st.container(border=True):
    st.markdown(
        f"**Just read the article? Follow it here.** {LAST_STOP} short stops walk its "
        f"sections in order, in about {MINUTES} minutes: at each one you predict first, "
        "then see the answer computed live."
    )
    st.page_link(lesson.link_target, label="Start the guided lesson", icon=lesson.icon)

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
    charts = pictures()
    ui.chart(
        charts["network"][0],
        summary=charts["network"][1],
        config={"displayModeBar": False},
        key="network",
    )
    st.markdown(
        f"Two inputs, two hidden sigmoid neurons, one sigmoid output, no biases (no extra "
        f"number added to a sum), and the "
        f"course's numbers: the target is y = {fmt(step.y)}. What does it predict, and "
        "how wrong is it? The worked example lets you work out each number before it "
        "shows it."
    )
    ui.chart(
        charts["timeline"][0],
        summary=charts["timeline"][1],
        config={"displayModeBar": False},
        key="timeline",
    )
    st.markdown(
        "**The fuller story.** The article names ReLU, GPUs, residual connections and "
        "batch normalization. The problem and its first fixes are older:\n\n"
        + "\n".join(f"- **{row.year}**: {row.detail}." for row in FIXES.itertuples())
    )
    myths = page("myths.py")
    st.page_link(myths.link_target, label="Myths and measurements", icon=myths.icon)

ui.Controls().share_box()
