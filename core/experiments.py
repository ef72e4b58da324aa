"""The depth experiments in one import, and `python -m core.experiments` (= `python -m core`).

Each concept has its own module; this one only gathers their public names for scripts
and outside checks that want them in one place:

- core.limits     every maximum, the validators, the cost model, Refused
- core.variants   the labs' named networks and their labels
- core.profile    per-layer profiles of fresh networks (gradient_profile)
- core.summaries  medians and bands, factors per layer, what reaches layer 1
- core.updates    update sizes by distance from the output
- core.training   minibatch SGD on toy data, several networks side by side
- core.cli        the command line
"""

from __future__ import annotations

import sys

from core.cli import main
from core.limits import (
    MAX_BATCH,
    MAX_DEPTH,
    MAX_GRID,
    MAX_LR,
    MAX_MEMORY_BYTES,
    MAX_NOISE,
    MAX_SECONDS,
    MAX_SEED,
    MAX_SEEDS,
    MAX_TRAIN_SAMPLES,
    MAX_TRAIN_STEPS,
    MAX_WIDTH,
    MIN_GRID,
    MIN_TRAIN_SAMPLES,
    Refused,
    check_float,
    check_int,
    estimate_profile_bytes,
    estimate_profile_seconds,
    estimate_training_seconds,
    too_big_message,
)
from core.profile import (
    INPUT_SEED_OFFSET,
    METRICS,
    PROFILE_COLUMNS,
    ProfileIssue,
    ProfileResult,
    gradient_profile,
    largest_depth,
    variant_profiles,
)
from core.summaries import (
    LayerRatio,
    first_layer_ratio,
    per_layer_factor_measured,
    summarize_profile,
)
from core.training import (
    TrainingResult,
    TrainingSettings,
    VariantRun,
    check_training,
    train_network,
    train_variants,
    training_result,
)
from core.updates import update_size_table
from core.variants import (
    RESIDUAL_SCALES,
    VARIANT_LABELS,
    VARIANTS,
    residual_scale_value,
    variant_label,
    variant_spec,
)

__all__ = [
    "INPUT_SEED_OFFSET",
    "MAX_BATCH",
    "MAX_DEPTH",
    "MAX_GRID",
    "MAX_LR",
    "MAX_MEMORY_BYTES",
    "MAX_NOISE",
    "MAX_SECONDS",
    "MAX_SEED",
    "MAX_SEEDS",
    "MAX_TRAIN_SAMPLES",
    "MAX_TRAIN_STEPS",
    "MAX_WIDTH",
    "METRICS",
    "MIN_GRID",
    "MIN_TRAIN_SAMPLES",
    "PROFILE_COLUMNS",
    "RESIDUAL_SCALES",
    "VARIANTS",
    "VARIANT_LABELS",
    "LayerRatio",
    "ProfileIssue",
    "ProfileResult",
    "Refused",
    "TrainingResult",
    "TrainingSettings",
    "VariantRun",
    "check_float",
    "check_int",
    "check_training",
    "estimate_profile_bytes",
    "estimate_profile_seconds",
    "estimate_training_seconds",
    "first_layer_ratio",
    "gradient_profile",
    "largest_depth",
    "main",
    "per_layer_factor_measured",
    "residual_scale_value",
    "summarize_profile",
    "too_big_message",
    "train_network",
    "train_variants",
    "training_result",
    "update_size_table",
    "variant_label",
    "variant_profiles",
    "variant_spec",
]

if __name__ == "__main__":
    sys.exit(main())
