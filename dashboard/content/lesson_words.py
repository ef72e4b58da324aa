"""The lesson's numbers as its texts name them: every {name} a stop's template uses,
written as the app writes numbers, from core's results (dashboard.content.lesson_facts).

course_words covers the article's small network; the later stops add their own words on
top of it. Nothing here computes: it reads core's numbers and formats them.
"""

from __future__ import annotations

import math

from core.gradcheck import DEFAULT_STEP
from core.lesson import V2_STRONG, article_rounding
from core.myths import TOLERANCE
from core.worked_example import WEIGHT_NAMES, WorkedStep
from dashboard.content.lesson_facts import Facts
from dashboard.content.lesson_model import Link, Numbers
from dashboard.plots.format import fmt, fmt_power

WORKED = "worked_example.py"
# What a choice that the numbers make wrong says when no particular mistake leads to it
# (the choice the lesson expects to be right: core decides, so it may not be).
NOT_HERE = "Not with these numbers: see the answer below."
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def power(value: float) -> str:
    """A number as a power of ten when it is tiny or huge (1.3 × 10⁻¹⁰), as fmt otherwise;
    students read e-notation (1.3e-10) less easily."""
    if value == 0 or not math.isfinite(value):
        return fmt(value)
    sign = "−" if value < 0 else ""
    return sign + fmt_power(math.log10(abs(value)))


def weight_symbol(name: str) -> str:
    """A weight's name as a student reads it: "w21" -> "w₂₁"."""
    return name[0] + name[1:].translate(_SUBSCRIPT)


def article(value: float) -> str:
    """A number as the article prints it: three decimals."""
    return f"{article_rounding(value):.3f}"


def aligned(lhs: str, *steps: str) -> str:
    """LaTeX: lhs = steps[0] = steps[1] ..., one '=' a line (narrow enough for a phone)."""
    return rf"\begin{{aligned}} {lhs} &= " + r" \\ &= ".join(steps) + r" \end{aligned}"


def worked(label: str, **params: str) -> Link:
    """A link to the worked example at the given view."""
    return Link(WORKED, params, label)


def pass_words(s: WorkedStep, prefix: str = "") -> dict[str, str]:
    """Every named number of one pass (a1, h1, ..., dw22), as the app prints numbers."""
    return {prefix + name: fmt(value) for name, value in s.as_dict().items()}


def _blame_words(f: Facts) -> dict[str, str]:
    """The six weights ranked by |dE/dw|, for the factory stop."""
    grads = f.course.gradients
    ranked = sorted(WEIGHT_NAMES, key=lambda n: -abs(grads[n]))
    hidden = [abs(grads[n]) for n in WEIGHT_NAMES if n.startswith("w")]
    output = [abs(grads[n]) for n in WEIGHT_NAMES if n.startswith("v")]
    sizes = [abs(g) for g in grads.values()]
    return {
        "ranking": ", ".join(f"{weight_symbol(n)} {fmt(abs(grads[n]))}" for n in ranked),
        "top": weight_symbol(ranked[0]),
        "g_top": fmt(abs(grads[ranked[0]])),
        "second": weight_symbol(ranked[1]),
        "g_second": fmt(abs(grads[ranked[1]])),
        "g_v1": fmt(abs(grads["v1"])),
        "g_v2": fmt(abs(grads["v2"])),
        "g_vmax": fmt(max(output)),
        "g_vmin": fmt(min(output)),
        "g_wmax": fmt(max(hidden)),
        "g_wmin": fmt(min(hidden)),
        "spread": fmt(max(sizes) / min(sizes), 2),
    }


def _article_words(s: WorkedStep) -> dict[str, str]:
    """The pass's numbers as the article prints them (three decimals)."""
    names = ("h1", "h2", "y_hat", "E", "delta_out", "dv1", "dv2", "delta1", "delta2", "dw11")
    return {f"{name}_article": article(getattr(s, name)) for name in names}


def _precise_words(s: WorkedStep) -> dict[str, str]:
    """Numbers the article's three decimals make look equal, with one digit more."""
    return {f"{name}_4": fmt(getattr(s, name), 4) for name in ("dv1", "dv2")}


def course_words(f: Facts) -> Numbers:
    """The numbers of the course's network as the stops' texts name them."""
    c, s = f.course, f.course.step
    chain = c.chain_w11
    return {
        **pass_words(s),
        **pass_words(c.strong, "s_"),
        **_article_words(s),
        **_precise_words(s),
        **_blame_words(f),
        "peak": fmt(f.theory.sigmoid_peak),
        "slope_b": fmt(c.slope_b),
        "slope_a1": fmt(c.slope_a1),
        "slope_a2": fmt(c.slope_a2),
        "error_slope": fmt(c.error_slope),
        "wire": weight_symbol(c.x2_to_h1),
        "wire_value": fmt(s.weight(c.x2_to_h1)),
        "a1_swapped": fmt(c.a1_swapped),
        "a1_unweighted": fmt(c.a1_unweighted),
        "v2_strong": fmt(V2_STRONG),
        "grad_w11": fmt(c.gradients["w11"]),
        "minus_grad_w11": fmt(-c.gradients["w11"]),
        "minus_dw11": fmt(-s.dw11),
        "chain_count": str(len(chain.factors)),
        "chain_product": fmt(chain.product),
        "chain_fd": fmt(chain.finite_difference),
        "chain_rel": power(chain.relative_error),
        "nudge": f"{DEFAULT_STEP:f}".rstrip("0"),
        "claim": fmt(c.claim),
        "single_ratio": fmt(c.single_ratio),
        "rounded_ratio": fmt(c.rounded_ratio),
        "mean_ratio": fmt(c.mean_ratio),
        "error_after_one": fmt(c.error_after_one),
    }


# --- small helpers for the questions' answers -------------------------------------------
def sign_word(value: float) -> str:
    """The sign as a word: positive, negative or zero (the ids of sign questions' choices)."""
    return "positive" if value > 0 else "negative" if value < 0 else "zero"


def closest(values: dict[str, float], target: float) -> str:
    """The key whose value is nearest to target."""
    return min(values, key=lambda k: abs(values[k] - target))


def trend(factor: float) -> str:
    """A factor per layer toward the input as fades, level or grows, level meaning within
    core.myths.TOLERANCE of 1 (the ids of trend questions' choices)."""
    if factor < 1 - TOLERANCE:
        return "fades"
    return "grows" if factor > 1 + TOLERANCE else "level"


def percent(share: float) -> str:
    """0.975 -> "97.5%"."""
    return f"{fmt(100 * share)}%"
