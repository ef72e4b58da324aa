"""dashboard/plots/style.py: the palette every page shares, colors and symbols."""

from __future__ import annotations

from core import experiments as ex
from core import lab
from dashboard.plots.profiles import (
    depth_story_figure,
    forward_stats_figure,
    lab_profile_figure,
    similarity_figure,
)
from dashboard.plots.style import (
    CLAIM_COLOR,
    OKABE_ITO,
    OTHER_SYMBOL,
    THEORY_COLOR,
    VARIANT_COLORS,
    VARIANT_LABELS,
    variant_symbol,
)
from dashboard.plots.training import training_accuracy_figure, training_loss_figure


def test_palette_gives_each_variant_its_own_color():
    colors = list(VARIANT_COLORS.values())
    assert set(VARIANT_COLORS) == {"plain_sigmoid", "plain_relu", "residual", "batchnorm"}
    assert len(set(colors)) == len(colors)
    assert set(colors) <= set(OKABE_ITO.values())
    assert THEORY_COLOR not in colors and CLAIM_COLOR not in colors
    assert set(VARIANT_LABELS) == set(VARIANT_COLORS)


def test_each_variant_also_has_its_own_symbol():
    symbols = [variant_symbol(v) for v in VARIANT_COLORS]
    assert len(set(symbols)) == len(symbols) and OTHER_SYMBOL not in symbols
    assert variant_symbol("plain_tanh") == OTHER_SYMBOL


def _network_symbols(fig, names) -> dict[str, str]:
    """Each named network's marker symbol (the first, where it is per point)."""
    found = {}
    for trace in fig.data:
        if trace.name in names and "markers" in trace.mode:
            symbol = trace.marker.symbol
            found[trace.name] = symbol[0] if isinstance(symbol, tuple | list) else symbol
    return found


def test_lines_of_networks_differ_by_symbol_not_only_by_color():
    """WCAG 1.4.1: where color tells the networks apart, so does a marker symbol, and the
    legend shows it (the training curves keep their legend's symbols at one size)."""
    result = lab.lab_profiles(
        lab.LabSettings(depth=6, width=8, batch=8, n_seeds=2, activation="tanh")
    )
    names = set(result.labels.values())
    assert len(names) == 5  # the four variants and a plain tanh network
    story = lab.depth_story(lab.LabSettings(depth=6, width=8, batch=8, n_seeds=1))
    figures = [
        lab_profile_figure(result.summary, "signal", result.labels, theory=result.theory),
        forward_stats_figure(result.summary, result.labels),
        similarity_figure(result.summary, result.labels, result.similarity_theory),
    ]
    for fig in figures:
        symbols = _network_symbols(fig, names)
        assert set(symbols) == names and len(set(symbols.values())) == len(names)
    assert len(
        set(
            _network_symbols(
                depth_story_figure(story.frame, story.depths, story.labels),
                set(story.labels.values()),
            ).values()
        )
    ) == len(story.labels)
    specs = {v: ex.variant_spec(v, 2, 4, n_in=2) for v in ex.VARIANTS}
    run = ex.train_variants(specs, "moons", steps=20, batch=16, n_samples=60, grid_size=10)
    labels = {VARIANT_LABELS[v] for v in ex.VARIANTS}
    for fig in (
        training_loss_figure(run.history_frame()),
        training_accuracy_figure(run.history_frame()),
    ):
        symbols = _network_symbols(fig, labels)
        assert len(set(symbols.values())) == len(labels)
        assert fig.layout.legend.itemsizing == "constant"
        assert all(0 < sum(s > 0 for s in t.marker.size) < len(t.x) for t in fig.data)
