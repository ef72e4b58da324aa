"""The look every figure shares: the palette with one color per network variant, fonts,
margins and heights, and the layout helpers of more than one family of figures (title
and margins, log axes, a legend under the plot). No streamlit here.

Figures leave backgrounds, fonts and the template alone so that Streamlit's theme
(light or dark) styles them; only trace colors are set, from the Okabe-Ito palette,
which stays distinguishable for the common forms of color blindness. Every page
reuses VARIANT_COLORS so a network variant has one color everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

# Okabe & Ito (2008), "Color Universal Design". Black is left out: it vanishes on a
# dark background.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}
# One color per network variant, the same on every page.
VARIANT_COLORS: dict[str, str] = {
    "plain_sigmoid": OKABE_ITO["vermillion"],
    "plain_relu": OKABE_ITO["blue"],
    "residual": OKABE_ITO["bluish_green"],
    "batchnorm": OKABE_ITO["reddish_purple"],
}
# ...and one marker symbol, so that a network's line is told apart without its color
# (WCAG 1.4.1: color is never the only cue). Dashes stay free for the theory lines.
VARIANT_SYMBOLS: dict[str, str] = {
    "plain_sigmoid": "circle",
    "plain_relu": "square",
    "residual": "diamond",
    "batchnorm": "triangle-up",
}
OTHER_SYMBOL = "star"  # a network outside the four (the lab's plain tanh, say)
LINE_MARKERS = 8  # markers along a line: enough to follow it, few enough to see the line
LINE_MARKER_SIZE = 8
VARIANT_LABELS: dict[str, str] = {
    "plain_sigmoid": "plain sigmoid",
    "plain_relu": "plain ReLU",
    "residual": "residual",
    "batchnorm": "batch norm",
}
# Overlays: what theory predicts, and what the course claims.
THEORY_COLOR = OKABE_ITO["grey"]
CLAIM_COLOR = OKABE_ITO["orange"]
MEASURED_COLOR = OKABE_ITO["blue"]
# Nodes, number labels, notes and buttons are opaque light badges with dark text, so
# they read the same on a light and on a dark page (and hide what passes beneath them).
BADGE_FILL = "#F0F2F6"
BADGE_BORDER = "#B8BDC6"
BADGE_TEXT = "#262730"

FONT_SIZE = 13
SMALL_FONT_SIZE = 12
# The right margin holds plotly's vertical toolbar: on a touch screen plotly shows it all
# the time, and over the plot it would cover the last bars and the ends of the lines.
TOOLBAR_WIDTH = 36
MARGIN = {"l": 10, "r": TOOLBAR_WIDTH, "t": 40, "b": 10}
# For the figures the app shows without a toolbar (the diagram, the timeline).
NO_TOOLBAR_MARGIN = {**MARGIN, "r": 10}
LEGEND_MARGIN_BOTTOM = 90  # room for the axis title and a two-row legend under it
CHART_HEIGHT = 380
LOG_AXIS_SPAN = 10.0  # use a log axis once max/min exceeds one decade


def base_layout(fig: go.Figure, title: str, height: int, toolbar: bool = True) -> go.Figure:
    """Title, height, fonts and margins every figure shares. toolbar=False: the page shows
    the figure without plotly's toolbar (config displayModeBar False), so no room for it."""
    fig.update_layout(
        title={"text": title, "font": {"size": FONT_SIZE + 2}},
        height=height,
        margin=MARGIN if toolbar else NO_TOOLBAR_MARGIN,
        font={"size": FONT_SIZE},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0.0},
        hoverlabel={"font": {"size": SMALL_FONT_SIZE}},
        # A vertical toolbar at the right edge: a horizontal one covers the title on phones.
        modebar={"orientation": "v"},
    )
    return fig


def legend_below(fig: go.Figure, bottom: int) -> None:
    """The legend at the very bottom of the figure, under the axis title, in a bottom
    margin of `bottom` pixels: above the plot a legend that wraps to two rows or more on
    a phone runs into the title."""
    fig.update_layout(
        legend={"yref": "container", "y": 0.0, "yanchor": "bottom", "x": 0.0},
        margin={**MARGIN, "b": bottom},
    )


def spans_decades(values: Sequence[float], span: float = LOG_AXIS_SPAN) -> bool:
    """True when all values are positive and finite and the largest exceeds span x the smallest."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite or min(finite) <= 0:
        return False
    return max(finite) / min(finite) > span


def nice_log_ticks(low: float, high: float) -> list[float]:
    """1, 2 and 5 times powers of ten from just below low to just above high: labels for
    a log axis spanning a few decades, where plotly would mix "5", "2" and "10^-1"."""
    ticks = []
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for mantissa in (1, 2, 5):
            value = mantissa * 10.0**exponent
            if low / 2.5 <= value <= high * 2.5:
                ticks.append(value)
    return ticks


def variant_symbol(variant: str) -> str:
    """A network's marker symbol: its variant's, or OTHER_SYMBOL for any other network."""
    return VARIANT_SYMBOLS.get(variant, OTHER_SYMBOL)


def line_markers(symbol: str, color: str) -> dict:
    """Marker settings for a long line: plotly draws at most LINE_MARKERS of its points
    (spread along it, staggered between lines), each the same size, so that the legend's
    sample shows the symbol at full size."""
    return {
        "symbol": symbol,
        "color": color,
        "size": LINE_MARKER_SIZE,
        "maxdisplayed": LINE_MARKERS,
    }
