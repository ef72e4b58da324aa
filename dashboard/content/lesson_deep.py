"""The lesson's stops on deep networks: vanishing gradients, the article's 100 layers,
and the fixes one by one and together (stops keyed by id; dashboard/content/lesson.py
orders them).

Numbers come from core through dashboard.content.lesson_facts: a deeper network's update
sizes, theory, the lab's preset views (dashboard.lab_presets) and a training run. The
links open those same views, so a student who follows one sees the stop's numbers.
"""

from __future__ import annotations

import pandas as pd

from core import myths
from core.lesson import LEARNED_ACCURACY
from core.variants import VARIANTS, variant_label
from dashboard.content.lesson_facts import (
    BATCHNORM_PRESET,
    POWER_PRESET,
    RELU_PRESET,
    RESIDUAL_PRESET,
    Facts,
    deep_params,
    lab_factor,
    lab_settings,
    preset_depth,
    training_params,
)
from dashboard.content.lesson_model import Choice, Link, Numbers, Picture, Question, Stop
from dashboard.content.lesson_words import (
    NOT_HERE,
    closest,
    course_words,
    percent,
    power,
    trend,
)
from dashboard.plots.format import fmt, fmt_factor, fmt_power, power_text
from dashboard.plots.slopes import slope_figure, slope_summary

LAB = "vanishing_lab.py"
# The choices of the vanishing stop: layer 1's update as 10 to the minus these.
EXPONENTS: dict[str, int] = {"e1": 1, "e3": 3, "e7": 7, "e15": 15}


# --- numbers --------------------------------------------------------------------------
def deep_words(f: Facts) -> Numbers:
    """The course's words, the deeper network's update sizes and theory."""
    d, t = f.deep, f.theory
    return {
        **course_words(f),
        "deep_depth": str(d.setup.depth),
        "deep_width": str(d.setup.width),
        "deep_seed": str(d.setup.seed),
        "deep_out": fmt(d.output_update),
        "deep_first_abs": power(d.first_update),
        "deep_first": fmt_power(d.first_log10),
        "typical": fmt(1 / d.typical_shrink),
        "e15_per_layer": fmt(10 ** (EXPONENTS["e15"] / d.setup.depth), 2),
        "relu_slope": fmt(t.relu_slope),
        "sigmoid_at_zero": fmt(t.sigmoid_at_zero),
        "sigmoid_xavier": fmt_factor(t.sigmoid_xavier),
        "relu_he": fmt_factor(t.relu_he),
        "article_base": fmt(t.article_base),
        "article_power_name": power_text(fmt(t.article_base), t.depth),
        "peak_power_name": power_text(fmt(t.sigmoid_peak), t.depth),
    }


def _power_words(f: Facts) -> Numbers:
    t, p = f.theory, f.power
    return {
        **deep_words(f),
        "depth": str(t.depth),
        "article_power": fmt_power(t.article_log10),
        "bound_power": fmt_power(t.bound_log10),
        "bound_decades": fmt(-t.bound_log10),
        "decades_apart": fmt(p.decades_apart),
        "lab_width": str(lab_settings(POWER_PRESET).width),
        "measured": fmt_power(p.measured_log10),
        "measured_factor": fmt_factor(p.measured_factor),
        "mean_field": fmt_factor(p.mean_field_factor),
        "sigma_w": fmt(p.sigma_w),
    }


def _relu_words(f: Facts) -> Numbers:
    r, t = f.relu, f.theory
    return {
        **deep_words(f),
        "relu_depth": str(lab_settings(RELU_PRESET).depth),
        "relu_width": str(lab_settings(RELU_PRESET).width),
        "lecun_sw2": fmt(t.lecun_sigma_w2),
        "signal": fmt_factor(lab_factor(r, "plain_relu", "signal")),
        "signal_first": fmt_power(lab_factor(r, "plain_relu", "signal", "first_log10")),
        "signal_theory": fmt_factor(lab_factor(r, "plain_relu", "signal", "predicted")),
        "update": fmt_factor(lab_factor(r, "plain_relu", "update")),
        "update_first": fmt_power(lab_factor(r, "plain_relu", "update", "first_log10")),
    }


def _residual_words(f: Facts) -> Numbers:
    r = f.residual
    return {
        "res_depth": str(r.depth),
        "res_width": str(myths.LAB.width),
        "unscaled": fmt_factor(r.unscaled_factor),
        "unscaled_first": fmt_power(r.unscaled_log10),
        "res_claim": fmt_factor(r.claim_factor),
        "res_update": fmt_factor(r.unscaled.update),
        "scaled": fmt_factor(r.scaled_factor),
        "scaled_first": fmt_power(r.scaled_log10),
    }


def _batchnorm_words(f: Facts) -> Numbers:
    b = f.batchnorm
    return {
        "bn_depth": str(b.depth),
        "bn_batch": str(b.batch),
        "bn_width": str(myths.LAB.width),
        "bn_measured": fmt_factor(b.measured),
        "bn_predicted": fmt_factor(b.predicted),
        "bn_first": fmt_power(b.measured_log10),
        "bn_plain": fmt_factor(b.plain_factor),
    }


def _training_words(f: Facts) -> Numbers:
    o = f.training
    s = o.setup
    labels = {v: variant_label(v, s.activation) for v in VARIANTS}
    return {
        **{f"label_{v}": label for v, label in labels.items()},
        "train_depth": str(s.depth),
        "train_width": str(s.width),
        "train_steps": str(s.steps),
        "train_points": str(s.n_samples),
        "accuracies": "; ".join(f"{labels[v]} {percent(a)}" for v, a in o.accuracy.items()),
        "worst_label": labels[o.worst],
        "worst_accuracy": percent(o.accuracy[o.worst]),
        "learned": percent(LEARNED_ACCURACY),
    }


# --- the slope picture ------------------------------------------------------------------
def slope_picture(f: Facts) -> Picture:
    """sigma' and ReLU' with the course's hidden sums a1, a2 on the sigmoid's curve."""
    c = f.course
    points = pd.DataFrame(
        {"label": ["a₁", "a₂"], "z": [c.step.a1, c.step.a2], "slope": [c.slope_a1, c.slope_a2]}
    )
    return Picture(slope_figure(f.slopes, points), slope_summary(f.slopes, points))


def _trend_choices(fades: str, level: str, grows: str) -> tuple[Choice, ...]:
    """Fades / stays level / grows, each with what to say when it is not the answer."""
    return (
        Choice("fades", "It fades toward the input", fades),
        Choice("level", "It stays level", level),
        Choice("grows", "It grows toward the input", grows),
    )


def _lab(label: str, preset_params: dict[str, str]) -> Link:
    return Link(LAB, preset_params, label)


# --- the stops ----------------------------------------------------------------------
VANISHING = Stop(
    id="vanishing",
    section="The Vanishing Gradient Problem: A Game of Telephone",
    title="Vanishing gradients: the slope picture",
    intro=(
        "On its way back, the blame is multiplied at every hidden layer by a sigmoid's "
        "slope σ′(aⱼ) and by a weight. The picture shows how steep a sigmoid is at each "
        "sum z, and ReLU's slope beside it (for later). Your two hidden neurons sit at "
        "a₁ = {a1} and a₂ = {a2}, close to the top of the σ′ curve, and even there the "
        "slope is only {slope_a1}."
    ),
    numbers=deep_words,
    picture=slope_picture,
    picture_first=True,
    do="Find the highest point of the σ′ curve, then your a₁ and a₂ on it.",
    do_first=True,
    questions=(
        Question(
            id="vanishing_ten_layers",
            text="Stack {deep_depth} hidden sigmoid layers of {deep_width} neurons, with the "
            "usual starting weights (Xavier initialization). How big is the update of "
            "layer 1, next to the input, compared with the output layer's?",
            choices=(
                Choice(
                    "e1",
                    "About 10⁻¹: a tenth",
                    "That is about the article's ratio for one step back. Here each of the "
                    "{deep_depth} layers multiplies in a slope of at most {peak} and a "
                    "weight, and the shrinking compounds.",
                ),
                Choice(
                    "e3",
                    "About 10⁻³",
                    "Too mild: a typical layer of this network ({deep_depth} layers of "
                    "{deep_width}) shrinks the update about {typical}×, and there are "
                    "{deep_depth} layers.",
                ),
                Choice("e7", "About 10⁻⁷", NOT_HERE),
                Choice(
                    "e15",
                    "About 10⁻¹⁵",
                    "Too harsh: that would take {e15_per_layer}× per layer. A typical layer "
                    "of this network ({deep_depth} layers of {deep_width}) shrinks the update "
                    "{typical}×: one slope (at most {peak}) times a weight.",
                ),
            ),
            answer=lambda f: closest({k: -e for k, e in EXPONENTS.items()}, f.deep.first_log10),
            right="Right: layer 1's update is {deep_first} of the output layer's.",
        ),
    ),
    reveal=(
        "Measured on a freshly started network ({deep_depth} layers of {deep_width} neurons, "
        "seed {deep_seed}): the output layer's mean update is {deep_out}, layer 1's is "
        "{deep_first_abs}, {deep_first} of it. A typical layer of these {deep_depth} layers of "
        "{deep_width} shrinks the update {typical}× (the median over the layers; the layers at "
        "the two ends differ): one sigmoid slope (at most {peak}) times a weight. Every "
        "layer passes on a smaller "
        "message, as in a game of telephone."
    ),
    link=Link("update_sizes.py", deep_params(), "Update sizes: every layer"),
    terms=("initialization", "variance", "xavier", "seed"),
)

TELEPHONE = Stop(
    id="telephone",
    section="The Vanishing Gradient Problem: A Game of Telephone (100 layers)",
    title="A hundred layers: a game of telephone",
    intro=(
        "Like a message whispered down a long line of people, the blame fades a little at "
        "every layer. For a network {depth} layers deep the article multiplies a slope of "
        "{peak} once per layer, but then writes {article_power_name} ≈ {article_power}."
    ),
    numbers=_power_words,
    questions=(
        Question(
            id="telephone_power",
            text="What is {peak_power_name}, the slope {peak} multiplied {depth} times?",
            choices=(
                Choice(
                    "article",
                    "{article_power}, as the article says",
                    "That is {article_power_name}, the article's slip. {peak} = "
                    "{article_base}², so {peak_power_name} has twice as many powers of ten: "
                    "{bound_power}.",
                ),
                Choice("bound", "{bound_power}", NOT_HERE),
                Choice(
                    "hundred",
                    "About 10⁻¹⁰⁰: one zero per layer",
                    "A factor of {peak} is less than one power of ten: {depth} of them make "
                    "{bound_decades} powers of ten, not {depth}.",
                ),
            ),
            answer=lambda f: closest(
                {
                    "article": f.theory.article_log10,
                    "bound": f.theory.bound_log10,
                    "hundred": -float(f.theory.depth),
                },
                f.theory.bound_log10,
            ),
            right="Right: {peak_power_name} = {bound_power}, about {decades_apart} powers of "
            "ten below the article's {article_power}.",
        ),
    ),
    reveal=(
        "Measured on a fresh plain sigmoid network {depth} layers deep ({lab_width} neurons "
        "a layer, Xavier weights): layer 1 receives {measured} of the output layer's "
        "backward signal. It changes {measured_factor} per layer through the middle of the "
        "network (mean-field theory predicts {mean_field}); the layers at the two ends "
        "differ. Either way, essentially nothing reaches the first layers."
    ),
    rounding=(
        "The slope bound {peak} leaves the weights out. With them, a layer's typical factor "
        "is at most σw/4, which is {peak} only at Xavier's σw = {sigma_w}: larger starting "
        "weights let the blame fade more slowly."
    ),
    link=_lab(f"Lab: {preset_depth(POWER_PRESET)} sigmoid layers", POWER_PRESET.params()),
    terms=("variance", "sigma_w2", "xavier", "mean_field", "log_scale"),
)

RELU = Stop(
    id="relu",
    section="Why Deep Learning Finally Worked: ReLU Activation",
    title="ReLU: slope 1, but…",
    intro=(
        "ReLU passes a positive sum on unchanged: its slope is {relu_slope} there (the "
        "dotted line of the slope picture), where a sigmoid's is at most {peak}. The article "
        "concludes: no more vanishing gradients. That holds when the starting weights suit "
        "ReLU (He initialization). Try a network of {relu_depth} ReLU layers started with "
        "σw² = {lecun_sw2} instead (LeCun initialization)."
    ),
    numbers=_relu_words,
    questions=(
        Question(
            id="relu_lecun",
            text="Does the backward signal of this fresh ReLU network still fade toward the input?",
            choices=_trend_choices(
                NOT_HERE,
                "A slope of {relu_slope} only stops the slope from shrinking the signal; "
                "the weights still scale it. Half of the sums are negative and pass nothing "
                "back, so a layer needs He's larger weights to pass the signal on in full.",
                "σw² = {lecun_sw2} is too small for ReLU, not too large: half of the units "
                "pass nothing back, and the weights do not make up for it.",
            ),
            answer=lambda f: trend(lab_factor(f.relu, "plain_relu", "signal")),
            right="Right: it fades, {signal} per layer through the middle of these "
            "{relu_depth} layers of {relu_width} (theory: {signal_theory}), more slowly than "
            "theory's {sigmoid_xavier} for sigmoid layers with Xavier weights.",
        ),
    ),
    reveal=(
        "Measured on {relu_depth} ReLU layers of {relu_width} (σw² = {lecun_sw2}): the backward "
        "signal shrinks {signal} per layer through the middle of the network, and layer 1 "
        "receives {signal_first} of the output layer's. Yet the update size stays level, "
        "{update} per layer through the middle of the network; the layers at the two ends "
        "differ, so layer 1's update ends at {update_first} of the output layer's. A "
        "weight's update is "
        "what came forward times what came back, and here the forward signal shrinks on its "
        "way up just as the blame shrinks on its way down. With He initialization both stay "
        "level (theory: {relu_he} per layer)."
    ),
    link=_lab("Lab: ReLU without He", RELU_PRESET.params()),
    do="In the lab, switch “Show” to update size and watch the blue line level out.",
    terms=("initialization", "variance", "sigma_w2", "he", "lecun", "dead_relu"),
)

RESIDUAL = Stop(
    id="residual",
    section="Why Deep Learning Finally Worked: Residual Connections",
    title="Residual connections: a shortcut for the blame",
    intro=(
        "A residual network adds a skip connection around each layer: the layer's input "
        "passes on unchanged and the layer only adds its own contribution to it, so the "
        "blame can travel back along the shortcuts. Here: {res_depth} ReLU layers with He "
        "initialization, each layer's contribution added at full strength."
    ),
    numbers=lambda f: {**deep_words(f), **_residual_words(f)},
    questions=(
        Question(
            id="residual_unscaled",
            text="Toward the input, the backward signal of this fresh residual network…",
            choices=_trend_choices(
                "The shortcut is exactly the identity, so nothing forces the signal down; "
                "every layer adds to it.",
                "The shortcut passes the signal on unchanged, but every layer adds its own "
                "contribution on top, and {res_depth} additions compound.",
                NOT_HERE,
            ),
            answer=lambda f: trend(f.residual.unscaled_factor),
            right="Right: it grows, {unscaled} per layer ({res_depth} layers of {res_width}).",
        ),
    ),
    reveal=(
        "Measured on {res_depth} residual ReLU layers of {res_width}: {unscaled} per layer "
        "toward the input through the middle of the network, and layer 1 receives "
        "{unscaled_first} times the output layer's signal. Theory predicts {res_claim}: "
        "each layer adds as much spread as the shortcut carries. The updates stay about "
        "level ({res_update} per layer), because the forward signal grows just as fast on "
        "the way up and an update is the product of the two. Scaling each "
        "layer's contribution by 1/√depth tames it: {scaled} per layer through the middle of "
        "the network; the layers at the two ends differ, so layer 1 ends at {scaled_first} "
        "times the output layer's signal. Real residual networks also put "
        "batch normalization in each branch."
    ),
    link=_lab("Lab: unscaled residual network", RESIDUAL_PRESET.params()),
    do="In the lab, set the residual branch scale to 1/sqrt(depth) and watch the green line.",
    terms=("branch_scale", "variance", "sigma_w2", "he"),
)

BATCHNORM = Stop(
    id="batchnorm",
    section="Why Deep Learning Finally Worked: Batch Normalization",
    title="Batch normalization at the start",
    intro=(
        "Batch normalization rescales each layer's sums over the current batch to mean 0 "
        "and spread 1, which keeps the forward pass in a healthy range. The article says "
        "it keeps the gradients from getting too large or too small. Check it on a fresh "
        "network of {bn_depth} ReLU layers with batch normalization, fed batches of "
        "{bn_batch} examples."
    ),
    numbers=lambda f: {**deep_words(f), **_batchnorm_words(f)},
    questions=(
        Question(
            id="batchnorm_start",
            text="Toward the input, the gradient of this fresh network…",
            choices=_trend_choices(
                "The plain ReLU network beside it ({bn_depth} layers of {bn_width}) already "
                "keeps the gradient level ({bn_plain} per layer); batch normalization "
                "pushes it up, not down.",
                "Normalizing the forward pass does not normalize the backward one: at the "
                "start, each batch-normalized layer multiplies the gradient by a little "
                "more than 1 (Yang et al., 2019).",
                NOT_HERE,
            ),
            answer=lambda f: trend(f.batchnorm.measured),
            right="Right: it explodes, {bn_measured} per layer (ReLU with batch norm, "
            "batches of {bn_batch}; {bn_depth} layers of {bn_width}).",
        ),
    ),
    reveal=(
        "Measured on ReLU with batch norm, batches of {bn_batch} ({bn_depth} layers of "
        "{bn_width}): {bn_measured} per layer toward the input through the middle of the "
        "network; Yang et al. (2019) predict {bn_predicted} at a batch of {bn_batch}. The "
        "layers at the two ends differ; layer 1 receives {bn_first} times the output "
        "layer's gradient. Why does batch normalization help, then? It lets training "
        "use larger learning rates and makes the error change more smoothly as the weights "
        "move, so each update is a safer step downhill; and after the first few "
        "updates the gradients settle: in the training lab, batch-normalized networks learn "
        "well."
    ),
    link=_lab("Lab: batch normalization", BATCHNORM_PRESET.params()),
    terms=("batch", "batchnorm_statistics", "rms"),
)

FIXES_TOGETHER = Stop(
    id="fixes_together",
    section="Why Deep Learning Finally Worked (~2012)",
    title="The fixes, side by side",
    intro=(
        "The article credits ReLU, residual connections and batch normalization (and fast "
        "graphics processors). The training lab trains four networks of {train_depth} "
        "hidden layers of {train_width} neurons on the same {train_points} points of two "
        "interlocking half-moons, for {train_steps} steps: {label_plain_sigmoid}, "
        "{label_plain_relu}, {label_residual} and {label_batchnorm}."
    ),
    numbers=lambda f: {**deep_words(f), **_training_words(f)},
    questions=(
        Question(
            id="fixes_still_guessing",
            text="Which network is still guessing (about half the points right) after "
            "{train_steps} steps?",
            choices=(
                Choice("plain_sigmoid", "{label_plain_sigmoid}", NOT_HERE),
                Choice(
                    "plain_relu",
                    "{label_plain_relu}",
                    "With He's starting weights ReLU keeps the blame level; it learns fast.",
                ),
                Choice(
                    "residual",
                    "{label_residual}",
                    "The shortcuts carry the blame past the sigmoid slopes: it learns, if "
                    "more slowly.",
                ),
                Choice(
                    "batchnorm",
                    "{label_batchnorm}",
                    "Normalized sums keep its sigmoids in their steep middle: it learns.",
                ),
                Choice(
                    "none",
                    "None: all four learn",
                    "One of them never gets past guessing: its blame fades before it reaches "
                    "the first layers.",
                ),
            ),
            answer=lambda f: "none" if f.training.learned(f.training.worst) else f.training.worst,
            right="Right: {worst_label} ends at {worst_accuracy} of the points right.",
        ),
    ),
    reveal=(
        "Share of the points classified right at the end: {accuracies} (guessing gets "
        "about half; {learned} or more counts as learned here). The plain sigmoid network "
        "fails for two reasons at once: the blame fades before it reaches the first layers, "
        "and its forward pass forgets the input, so that every point produces nearly the "
        "same last hidden layer."
    ),
    link=Link("training_lab.py", training_params(), "Training lab: these four networks"),
    do="In the training lab, look at the gradient maps: which network's bottom rows stay dark?",
    terms=("accuracy", "loss", "cross_entropy", "decision_boundary", "input_correlation"),
)
