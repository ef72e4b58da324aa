"""What to tell a student whose number is not the exact one: the likely slip, named.

Each quantity has its own slips, computed from core's numbers of the same pass: a δ has
no learning rate in it, so "you left out η" is never said about a δ; an update has one,
so it is. A wrong sign gets the sign rule of that quantity, with the signs of this pass.
Used by the quiz ("Try it yourself") and by the step-through's predictions.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.worked_example import ChainRule, WorkedStep
from dashboard.content.worked_example import sigmoid_slope
from dashboard.content.worked_numbers import decimals_of, label, matches, within_tolerance
from dashboard.plots.format import fmt

REDO = "Redo it from the formula of that step."
NO_ETA = "That has the learning rate η in it, but {name} has none: η enters only the updates Δ."
SIGMOID_RANGE = "A sigmoid's output always lies strictly between 0 and 1"


def sign_word(value: float) -> str:
    return "positive" if value > 0 else ("negative" if value < 0 else "zero")


def sign_rule(quantity: str, s: WorkedStep) -> str:
    """Why the quantity has the sign it has, with the signs of this pass."""
    if quantity == "delta_out":
        return (
            f"δ_out has the sign of the miss y − ŷ = {fmt(s.y - s.y_hat)}, because the slope "
            f"σ′(b) is never negative: here δ_out is {sign_word(s.delta_out)}. (ŷ − y, the "
            "other way round, is how fast the error grows with ŷ; the course turns it around "
            "so that its updates are added.)"
        )
    if quantity.startswith("delta"):
        j = quantity[-1]
        d, v, a = label(quantity), label(f"v{j}"), label(f"a{j}")
        return (
            f"{d} = δ_out · {v} · σ′({a}), and a slope is never negative, so {d} has the sign "
            f"of δ_out ({sign_word(s.delta_out)}) times the sign of {v} "
            f"({sign_word(getattr(s, f'v{j}'))})."
        )
    if quantity.startswith("dv"):
        j = quantity[-1]
        dv, h = label(quantity), label(f"h{j}")
        return (
            f"{dv} = η · δ_out · {h}: η is positive and so is {h} (a sigmoid's output always "
            f"is), so {dv} has the sign of δ_out ({sign_word(s.delta_out)}). The course adds "
            "its updates (v ← v + Δv): the minus sign that makes a step go downhill is "
            "already inside δ."
        )
    i, j = quantity[2], quantity[3]
    x, d = f"x{i}", f"delta{j}"
    return (
        f"{label(quantity)} = η · {label(d)} · {label(x)}: η is positive, so the sign is "
        f"{label(d)}'s ({sign_word(getattr(s, d))}) times {label(x)}'s "
        f"({sign_word(getattr(s, x))})."
    )


def slips(
    quantity: str, s: WorkedStep, chains: Mapping[str, ChainRule]
) -> tuple[tuple[float, str], ...]:
    """(the number a likely slip gives, what to say) for one quantity, most likely first."""
    if quantity == "y_hat":
        return (
            (s.b, "That is b, the sum before squashing: ŷ = σ(b) = 1 / (1 + e^(−b))."),
            (1 - s.y_hat, "That is σ(−b): the exponent of e is −b, with its minus sign."),
            (s.y, "That is the target y; the network's answer comes from its weights."),
        )
    if quantity == "delta_out":
        return _delta_out_slips(s, chains)
    if quantity.startswith("delta"):
        return _hidden_delta_slips(quantity, s, chains)
    if quantity.startswith("dv"):
        return _output_update_slips(quantity, s)
    return _hidden_update_slips(quantity, s)


def _delta_out_slips(s: WorkedStep, chains: Mapping[str, ChainRule]) -> tuple:
    miss, slope = s.y - s.y_hat, sigmoid_slope(chains, "b")
    return (
        (miss, "That is the miss (y − ŷ) alone: multiply it by the slope σ′(b) = ŷ(1 − ŷ)."),
        (slope, "That is the slope σ′(b) = ŷ(1 − ŷ) alone: multiply it by the miss (y − ŷ)."),
        (miss * s.y_hat, "You multiplied the miss by ŷ; the slope is σ′(b) = ŷ(1 − ŷ)."),
        (s.lr * s.delta_out, NO_ETA.format(name="δ_out")),
        (s.E, "That is the error E; δ_out starts from the miss (y − ŷ) itself."),
    )


def _hidden_delta_slips(quantity: str, s: WorkedStep, chains: Mapping[str, ChainRule]) -> tuple:
    j, k = quantity[-1], str(3 - int(quantity[-1]))
    v, h, a = label(f"v{j}"), label(f"h{j}"), label(f"a{j}")
    v_j, h_j, slope = getattr(s, f"v{j}"), getattr(s, f"h{j}"), sigmoid_slope(chains, f"a_{j}")
    return (
        (s.delta_out * v_j, f"You left out the slope σ′({a}) = {h}(1 − {h})."),
        (s.delta_out * slope, f"You left out the weight {v} that carried the blame back."),
        (s.delta_out * v_j * h_j, f"You multiplied by {h}; the slope is σ′({a}) = {h}(1 − {h})."),
        (s.lr * getattr(s, quantity), NO_ETA.format(name=label(quantity))),
        (
            getattr(s, f"delta{k}"),
            f"That is {label('delta' + k)}, hidden neuron {k}'s blame: {label(quantity)} "
            f"takes {v} and σ′({a}).",
        ),
    )


def _output_update_slips(quantity: str, s: WorkedStep) -> tuple:
    j, k = quantity[-1], str(3 - int(quantity[-1]))
    v, h, h_k = label(f"v{j}"), label(f"h{j}"), label(f"h{k}")
    h_j = getattr(s, f"h{j}")
    return (
        (s.delta_out * h_j, "That is the value without the learning rate: multiply by η."),
        (
            s.lr * s.delta_out * getattr(s, f"h{k}"),
            f"That uses {h_k}; {v} carries hidden neuron {j}'s output, {h}.",
        ),
        (s.lr * s.delta_out, f"You left out {h}, the signal that travelled along {v}."),
        (s.lr * (s.y - s.y_hat) * h_j, "You used the miss (y − ŷ) for δ_out: times σ′(b) too."),
    )


def _hidden_update_slips(quantity: str, s: WorkedStep) -> tuple:
    i, j = quantity[2], quantity[3]
    m, k = str(3 - int(i)), str(3 - int(j))
    w, x, d = label(f"w{i}{j}"), label(f"x{i}"), label(f"delta{j}")
    x_i, delta_j = getattr(s, f"x{i}"), getattr(s, f"delta{j}")
    return (
        (delta_j * x_i, "That is the value without the learning rate: multiply by η."),
        (
            s.lr * delta_j * getattr(s, f"x{m}"),
            f"That uses {label('x' + m)}; {w} carries input {i}, {x} (the first index is the "
            "input).",
        ),
        (
            s.lr * getattr(s, f"delta{k}") * x_i,
            f"That uses {label('delta' + k)}; {w} feeds hidden neuron {j}, so it takes {d} "
            "(the second index is the hidden neuron).",
        ),
        (
            s.lr * s.delta_out * x_i,
            f"That uses δ_out; one layer further back a weight takes the blame of the hidden "
            f"neuron it feeds, {d}.",
        ),
        (
            s.lr * delta_j * getattr(s, f"h{j}"),
            f"That uses {label('h' + j)}; the signal that travelled along {w} is the input {x}.",
        ),
    )


def diagnose(
    quantity: str, answer: float, s: WorkedStep, chains: Mapping[str, ChainRule]
) -> str | None:
    """What went wrong with a wrong answer, if it looks like a known slip (else None)."""
    exact = getattr(s, quantity)
    if quantity != "y_hat" and exact != 0 and matches(answer, -exact, decimals_of(quantity)):
        return "The size is right but the sign is not. " + sign_rule(quantity, s)
    known = slips(quantity, s, chains)
    # A slip's number is exact: first look for one within tolerance, and only then at the
    # article's coarser precision (where 0.00204 and 0.00185 are both 0.002).
    for value, message in known:
        if within_tolerance(answer, value):
            return message
    for value, message in known:
        if matches(answer, value, decimals_of(quantity)):
            return message
    if quantity == "y_hat" and not 0 < answer < 1:
        ends = ", so it can never reach a target of 1" if s.y >= 1 else ""
        return f"{SIGMOID_RANGE}{ends}: ŷ = σ(b) = 1 / (1 + e^(−b))."
    return None


def quiz_verdict(
    quantity: str, answer: float, s: WorkedStep, chains: Mapping[str, ChainRule]
) -> tuple[bool, str]:
    """(right?, what to say): right within the quiz's tolerance or at the article's
    precision (see worked_numbers.matches); otherwise the likely slip, or "redo"."""
    exact = getattr(s, quantity)
    places = decimals_of(quantity)
    if within_tolerance(answer, exact):
        return True, ""
    if matches(answer, exact, places):
        return True, f"It is the same number at {places} decimals, the article's precision."
    return False, diagnose(quantity, answer, s, chains) or REDO
