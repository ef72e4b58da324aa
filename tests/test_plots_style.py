"""dashboard/plots/style.py: the palette every page shares."""

from __future__ import annotations

from dashboard.plots.style import (
    CLAIM_COLOR,
    OKABE_ITO,
    THEORY_COLOR,
    VARIANT_COLORS,
    VARIANT_LABELS,
)


def test_palette_gives_each_variant_its_own_color():
    colors = list(VARIANT_COLORS.values())
    assert set(VARIANT_COLORS) == {"plain_sigmoid", "plain_relu", "residual", "batchnorm"}
    assert len(set(colors)) == len(colors)
    assert set(colors) <= set(OKABE_ITO.values())
    assert THEORY_COLOR not in colors and CLAIM_COLOR not in colors
    assert set(VARIANT_LABELS) == set(VARIANT_COLORS)
