"""Numbers as the app writes them: plain text for labels, hovers and metrics, LaTeX for
formulas, and powers of ten far beyond float64 (the lab's profiles carry log10 values).

Only the standard library here, no plotly: pages and helpers that print numbers but
draw nothing (dashboard/ui.py) import this module alone.
"""

from __future__ import annotations

import math

SIGNIFICANT_DIGITS = 3
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _general(value: float, digits: int) -> str:
    """`digits` significant digits in Python's general format ("0.638", "3.08e-05")."""
    return f"{value:.{digits}g}"


def fmt(value: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """A number as the app prints it: `digits` significant digits, e.g. 0.638, and very
    small or large ones as a power of ten a student reads, 3.08 × 10⁻⁵ (not 3.08e-05)."""
    if not math.isfinite(value):
        return "not a number" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    if value == 0:
        return "0"
    text = _general(value, digits)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT)}"


def parse(text: str) -> float:
    """The number fmt wrote (3.08 × 10⁻⁵ back to 3.08e-05)."""
    if " × 10" not in text:
        return float(text)
    mantissa, power = text.split(" × 10")
    normal = power.translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
    return float(f"{mantissa}e{normal}")


def fmt_signed(value: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """Like fmt, with an explicit + for positive numbers (updates are added)."""
    text = fmt(value, digits)
    return "+" + text if value > 0 and math.isfinite(value) else text


def latex_number(value: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """fmt(value) as LaTeX: 3.08e-05 becomes 3.08 \\times 10^{-5}."""
    if not math.isfinite(value):
        return r"\infty" if value > 0 else (r"-\infty" if value < 0 else r"\text{NaN}")
    text = _general(value, digits)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def latex_factor(value: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """latex_number for use inside a product: negative numbers get parentheses."""
    text = latex_number(value, digits)
    return f"({text})" if value < 0 else text


def fmt_power(log10: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """The number 10**log10 as text, also far beyond float64: 4.11 × 10⁻³² (plain, e.g.
    0.334, between 10⁻³ and 10⁴)."""
    if not math.isfinite(log10):
        return "not measured" if math.isnan(log10) else fmt(10.0 if log10 > 0 else 0.0)
    if -3 <= log10 < 4:
        return fmt(10.0**log10, digits)
    exponent = math.floor(log10)
    mantissa = float(f"{10.0 ** (log10 - exponent):.{digits}g}")
    if mantissa >= 10:  # 9.996 rounded up to 10
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.{digits}g} × 10{str(exponent).translate(_SUPERSCRIPT)}"


def power_text(base: str, exponent: int) -> str:
    """A power written as it is read, e.g. power_text("0.5", 100) -> "0.5¹⁰⁰"."""
    return f"{base}{str(exponent).translate(_SUPERSCRIPT)}"


def fmt_factor(factor: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """A per-layer factor as "×0.234"."""
    return f"×{fmt(factor, digits)}" if math.isfinite(factor) else "not measured"
