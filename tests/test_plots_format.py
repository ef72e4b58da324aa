"""dashboard/plots/format.py: numbers as text and LaTeX."""

from __future__ import annotations

import math

import pytest

from dashboard.plots.format import (
    fmt,
    fmt_factor,
    fmt_power,
    fmt_signed,
    latex_factor,
    latex_number,
    parse,
    power_text,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.6384305551096378, "0.638"),
        (0.26, "0.26"),
        (1.0, "1"),
        (3.0775e-5, "3.08 × 10⁻⁵"),  # a power of ten a student reads, not 3.08e-05
        (-1.09e3, "-1.09 × 10³"),
        (0.0, "0"),
    ],
)
def test_fmt_three_significant_digits(value, text):
    assert fmt(value) == text


def test_parse_reads_back_what_fmt_wrote():
    for value in (0.638, 3.0775e-5, -1.09e3, 2.5e300, 1e-300):
        assert parse(fmt(value)) == float(f"{value:.3g}")


def test_number_text_for_special_values():
    assert fmt(math.nan) == "not a number"
    assert fmt(-math.inf) == "−∞"
    assert fmt_signed(0.5) == "+0.5" and fmt_signed(-0.5) == "-0.5"
    assert latex_number(3.0775e-5) == r"3.08 \times 10^{-5}"
    assert latex_factor(-0.25) == "(-0.25)" and latex_factor(0.25) == "0.25"
    assert latex_number(math.inf) == r"\infty"


@pytest.mark.parametrize(
    ("log10", "text"),
    [
        (math.log10(4.11e-32), "4.11 × 10⁻³²"),
        (-600.5, "3.16 × 10⁻⁶⁰¹"),
        (10.534, "3.42 × 10¹⁰"),
        (math.log10(0.334), "0.334"),
        (0.0, "1"),
        (-31.999999, "1 × 10⁻³²"),  # a mantissa that rounds up to 10 moves the exponent
        (math.nan, "not measured"),
    ],
)
def test_fmt_power_writes_numbers_beyond_float64(log10, text):
    assert fmt_power(log10) == text


def test_factor_and_power_text():
    assert fmt_factor(0.2337) == "×0.234"
    assert fmt_factor(math.nan) == "not measured"
    assert power_text("0.5", 100) == "0.5¹⁰⁰"
