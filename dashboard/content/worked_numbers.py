"""The worked example's numbers as a student reads them: their names, which ones the
student has been shown yet (Shown), the values the article prints for them, and when a
typed answer counts as the same number.

No Streamlit and no page logic: the step-through, the quiz and the predictions use these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from core.worked_example import COURSE_LR, COURSE_V, COURSE_W, COURSE_X, COURSE_Y, WorkedStep
from dashboard.plots.format import fmt, latex_factor, latex_number, parse

D_OUT = r"\delta_{\text{out}}"

# --- what a student reads for each number ---------------------------------------------
# By WorkedStep field: (LaTeX, plain text). Code names (dw21, delta_out) never reach
# the page; everything a student reads names a number this way.
NAMES: dict[str, tuple[str, str]] = {
    "x1": ("x_1", "x₁"),
    "x2": ("x_2", "x₂"),
    "w11": ("w_{11}", "w₁₁"),
    "w12": ("w_{12}", "w₁₂"),
    "w21": ("w_{21}", "w₂₁"),
    "w22": ("w_{22}", "w₂₂"),
    "v1": ("v_1", "v₁"),
    "v2": ("v_2", "v₂"),
    "y": ("y", "y"),
    "lr": (r"\eta", "η"),
    "a1": ("a_1", "a₁"),
    "a2": ("a_2", "a₂"),
    "h1": ("h_1", "h₁"),
    "h2": ("h_2", "h₂"),
    "b": ("b", "b"),
    "y_hat": (r"\hat y", "ŷ"),
    "E": ("E", "E"),
    "delta_out": (D_OUT, "δ_out"),
    "delta1": (r"\delta_1", "δ₁"),
    "delta2": (r"\delta_2", "δ₂"),
    "dv1": (r"\Delta v_1", "Δv₁"),
    "dv2": (r"\Delta v_2", "Δv₂"),
    "dw11": (r"\Delta w_{11}", "Δw₁₁"),
    "dw12": (r"\Delta w_{12}", "Δw₁₂"),
    "dw21": (r"\Delta w_{21}", "Δw₂₁"),
    "dw22": (r"\Delta w_{22}", "Δw₂₂"),
}


def label(name: str) -> str:
    """A WorkedStep field as a student reads it in text: "delta_out" -> "δ_out"."""
    return NAMES[name][1]


# --- numbers not shown yet -------------------------------------------------------------
class Unknown:
    """A number the student has not been shown yet; formulas write it as a question mark."""

    def __repr__(self) -> str:
        return "?"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class Shown:
    """A pass as the student may see it: the numbers named in `hidden` read as UNKNOWN.

    The stage formulas take a Shown or a WorkedStep alike (same attributes and methods).
    Hidden names are WorkedStep fields, "slope_b", "slope_a1", "slope_a2" (the sigmoid
    slopes a stage works out), "new_w11", ... (a weight with its update added) and
    "grad_w11", ... (the slope of the error with respect to a weight).
    """

    step: WorkedStep
    hidden: frozenset[str] = frozenset()

    def __getattr__(self, name: str) -> float | Unknown:
        if name.startswith("_") or name in ("step", "hidden"):
            raise AttributeError(name)
        return UNKNOWN if name in self.hidden else getattr(self.step, name)

    def weight(self, name: str) -> float:
        return self.step.weight(name)

    def update(self, name: str) -> float | Unknown:
        return UNKNOWN if "d" + name in self.hidden else self.step.update(name)

    def gradient(self, name: str) -> float | Unknown:
        """∂E/∂weight = -Δweight / η: hidden with the update, or as "grad_<weight>"."""
        if {"d" + name, "grad_" + name} & self.hidden:
            return UNKNOWN
        return self.step.gradient(name)

    def updated(self, name: str) -> float | Unknown:
        if {"d" + name, "new_" + name} & self.hidden:
            return UNKNOWN
        return self.step.updated(name)


# A number not shown yet, in LaTeX: an ordinary symbol, spaced like a digit (a bare "?" is
# punctuation to TeX: "=?·?" ran together).
UNKNOWN_TEX = r"\mathord{?}"


def f(value: float | Unknown, digits: int = 3) -> str:
    """A number inside a product (negative ones in parentheses), or ? if not shown yet."""
    return UNKNOWN_TEX if value is UNKNOWN else latex_factor(value, digits)


def plain(value: float | Unknown, digits: int = 3) -> str:
    """A number in running text (fmt), or ? if not shown yet."""
    return "?" if value is UNKNOWN else fmt(value, digits)


def n(value: float | Unknown, digits: int = 3) -> str:
    """A number as a formula's result, or ? if not shown yet."""
    return UNKNOWN_TEX if value is UNKNOWN else latex_number(value, digits)


# --- the article's own numbers ----------------------------------------------------------
# What the article prints for its example (the course's numbers), exactly as printed: facts
# of the article, and the only literal numbers of this module. Each one is core's exact
# value rounded to the decimals shown (tests/test_content_worked_example.py checks it).
ARTICLE_PRINTED: dict[str, str] = {
    "a1": "0.26",
    "h1": "0.565",
    "a2": "0.30",
    "h2": "0.574",
    "b": "0.569",
    "y_hat": "0.638",
    "E": "0.065",
    "delta_out": "0.083",
    "dv1": "0.024",
    "dv2": "0.024",
    "delta1": "0.012",
    "delta2": "0.008",
    "dw11": "0.003",
}
ARTICLE_DECIMALS = 3  # how the article rounds the numbers it does not print itself


def decimals_of(name: str) -> int:
    """The decimals the article gives this number (three where it prints none)."""
    printed = ARTICLE_PRINTED.get(name)
    return len(printed.split(".")[1]) if printed else ARTICLE_DECIMALS


def is_course(step: WorkedStep) -> bool:
    """Does this pass use the article's numbers (inputs, weights, target, learning rate)?"""
    given = (step.x, step.w, step.v, step.y, step.lr)
    return given == (COURSE_X, COURSE_W, COURSE_V, COURSE_Y, COURSE_LR)


def article_value(name: str, step: WorkedStep) -> str | None:
    """What the article prints for this number, if the pass is the article's and it does."""
    return ARTICLE_PRINTED.get(name) if is_course(step) else None


def article_rounded(name: str, step: WorkedStep) -> str | None:
    """The article's printed value where it reads differently from the exact one as the
    page prints it (E: the article's 0.065 against 0.0654); None where they agree."""
    printed = article_value(name, step)
    if printed is None or float(printed) == parse(fmt(getattr(step, name))):
        return None
    return printed


QUIZ_REL_TOL = 0.02
QUIZ_ABS_TOL = 1e-4


def within_tolerance(answer: float, exact: float) -> bool:
    """Within QUIZ_REL_TOL of the exact value, or within QUIZ_ABS_TOL near zero."""
    return abs(answer - exact) <= max(QUIZ_REL_TOL * abs(exact), QUIZ_ABS_TOL)


def matches(answer: float, exact: float, decimals: int = ARTICLE_DECIMALS) -> bool:
    """Is a typed answer right? Within tolerance (within_tolerance), or equal to the exact
    value at the article's precision: 0.012 for 0.0123 (the article's own δ₁), 0.002 for
    0.00185. Rounding counts only where it leaves a digit that is not zero: at three
    decimals 0.0003 is 0.000, and so would be -0.0003."""
    if within_tolerance(answer, exact):
        return True
    rounded = round(exact, decimals)
    return rounded != 0 and round(answer, decimals) == rounded


# --- old + update = new ------------------------------------------------------------------
SUM_DIGITS = 6  # significant digits of a new weight
MAX_SUM_DECIMALS = 12  # a new weight near 0 (cancellation) would need ever more


def _decimals(value: float, digits: int = SUM_DIGITS) -> int:
    """Decimals that give value `digits` significant digits (0 for large values)."""
    if value == 0 or not math.isfinite(value):
        return digits
    return min(max(digits - 1 - math.floor(math.log10(abs(value))), 0), MAX_SUM_DECIMALS)


def _fixed(value: float, decimals: int) -> str:
    """value to that many decimals, trailing zeros dropped (0.400000 -> 0.4)."""
    text = f"{value:.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def sum_line(old: float, update: float | Unknown, new: float | Unknown) -> str:
    """old + update = new, every part to the decimals of the new weight's six significant
    digits, so that the parts add up as shown (a tester read "0.4 + 0.024 = 0.423973").
    Where the rounded parts do not add up to the rounded sum (an old weight with more
    decimals), or the update rounds to 0 there (it is then shown as it is), ≈ says so."""
    if update is UNKNOWN or new is UNKNOWN:
        return rf"{f(old)} + {f(update)} = {n(new, SUM_DIGITS)}"
    places = _decimals(new)
    old_t, update_t, new_t = (_fixed(v, places) for v in (old, update, new))
    if float(update_t) == 0 and update != 0:
        return rf"{old_t} + {latex_factor(update)} \approx {new_t}"
    adds_up = Decimal(old_t) + Decimal(update_t) == Decimal(new_t)
    shown_update = f"({update_t})" if update_t.startswith("-") else update_t
    relation = "=" if adds_up else r"\approx"
    return rf"{old_t} + {shown_update} {relation} {new_t}"
