"""The depth experiments on the command line, as CSV.

    python -m core --help              (python -m core.experiments works too)
    python -m core compare --depth 50 --width 128 > compare.csv
    python -m core profile --activation relu --init 1 --depth 30 --summary
    python -m core updates             # the course's 2-2-1 table
    python -m core factors             # this machine's cost-model factors, and the pair to pin

Rows go to stdout (or --out FILE); problems such as overflow are reported on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import pandas as pd

from core import calibration
from core.activations import get_activation
from core.limits import MAX_DEPTH, MAX_WIDTH, check_int
from core.network import NetworkSpec
from core.profile import gradient_profile, variant_profiles
from core.summaries import summarize_profile
from core.updates import update_size_table
from core.variants import RESIDUAL_SCALES, VARIANTS, residual_scale_value


def _parse_seeds(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"seeds must be whole numbers separated by commas, e.g. 0,1,2; got {text!r}"
        ) from None


def _parse_init(text: str) -> str | float:
    try:
        return float(text)
    except ValueError:
        return text


def _parse_scale(text: str) -> str:
    if text in RESIDUAL_SCALES:
        return text
    try:
        float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"residual scale must be 1, 1/sqrt(depth) or a number; got {text!r}"
        ) from None
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m core",
        description=(
            "Depth experiments as CSV: per-layer gradient profiles, the labs' variant "
            "comparison, and update sizes by distance from the output. Rows go to stdout "
            "(or --out FILE); problems such as overflow are reported on stderr."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_profile(sub)
    _add_compare(sub)
    _add_updates(sub)
    factors = sub.add_parser(
        "factors",
        help="this machine's cost-model factors, measured several times, and the pair to pin",
        description=(
            "Measure the cost model's factors (core.calibration) --times times, --gap "
            "seconds apart, print each reading, and last the lowest of each as the line "
            "that pins them (BACKPROP_COST_SCALE=products,rest): a slow spell of a shared "
            "machine only ever reads higher (README.md says when to pin)."
        ),
    )
    factors.add_argument("--times", type=int, default=10, help="readings, 1-100 (default 10)")
    factors.add_argument("--gap", type=float, default=1.0, help="seconds between, 0-60")
    return parser


def _factors(args: argparse.Namespace) -> list[str]:
    """The factors command's lines: each reading, then the pair to pin."""
    readings = []
    lines = []
    for k in range(args.times):
        if k:
            time.sleep(args.gap)
        readings.append(calibration.measure())
        last = readings[-1]
        lines.append(f"reading {k + 1}: products x{last.products:.3f}, rest x{last.rest:.3f}")
    pin = calibration.lowest(readings)
    return [*lines, f"{calibration.COST_SCALE_ENV}={pin.products:.3f},{pin.rest:.3f}"]


def _common(p: argparse.ArgumentParser) -> None:
    """The options profile and compare share."""
    p.add_argument("--depth", type=int, default=50, help="hidden layers (default 50)")
    p.add_argument("--width", type=int, default=128, help="units per hidden layer")
    p.add_argument("--batch", type=int, default=64, help="rows of input (default 64)")
    p.add_argument("--seeds", type=_parse_seeds, default=(0, 1, 2), help="e.g. 0,1,2 (default)")
    p.add_argument(
        "--init",
        type=_parse_init,
        default=None,
        help="xavier, he, lecun or a number sigma_w^2 (default: per network)",
    )
    p.add_argument("--out", default=None, help="write the CSV here instead of stdout")


def _add_profile(sub: argparse._SubParsersAction) -> None:
    profile = sub.add_parser(
        "profile",
        help="one network's per-layer profile, one row per (seed, layer)",
        description="Per-layer gradient profile of one plain, residual or batchnorm network.",
    )
    _common(profile)
    profile.add_argument("--activation", default="sigmoid", help="hidden activation")
    profile.add_argument("--residual", action="store_true", help="add identity skips")
    profile.add_argument(
        "--residual-scale",
        type=_parse_scale,
        default="1",
        help="branch scale: 1, 1/sqrt(depth) or a number",
    )
    profile.add_argument("--batchnorm", action="store_true", help="batch-normalize")
    profile.add_argument("--lr", type=float, default=0.1, help="for log10_update")
    profile.add_argument("--summary", action="store_true", help="median and 10-90%% band")


def _add_compare(sub: argparse._SubParsersAction) -> None:
    compare = sub.add_parser(
        "compare",
        help="the labs' named variants side by side (median and band per layer)",
        description="Profiles of plain sigmoid, plain ReLU, residual and batchnorm networks.",
    )
    _common(compare)
    compare.add_argument(
        "--activation", default="sigmoid", help="activation of residual and batchnorm"
    )
    compare.add_argument(
        "--residual-scale", choices=RESIDUAL_SCALES, default="1", help="residual branch scale"
    )
    compare.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated subset of {','.join(VARIANTS)}",
    )
    compare.add_argument("--tidy", action="store_true", help="one row per (variant, seed, layer)")
    compare.add_argument("--lr", type=float, default=0.1, help="for log10_update")


def _add_updates(sub: argparse._SubParsersAction) -> None:
    updates = sub.add_parser(
        "updates",
        help="mean |update| by distance from the output",
        description=(
            "Update sizes by distance from the output: the course's 2-2-1 network by "
            "default, or a plain network given --depth (and --width, --activation, --init)."
        ),
    )
    updates.add_argument("--depth", type=int, default=None, help="hidden layers of a plain net")
    updates.add_argument("--width", type=int, default=64, help="units per hidden layer")
    updates.add_argument("--activation", default="sigmoid", help="hidden activation")
    updates.add_argument("--init", type=_parse_init, default="xavier", help="weight init")
    updates.add_argument("--batch", type=int, default=64, help="rows of input")
    updates.add_argument("--seed", type=int, default=0, help="weights and data seed")
    updates.add_argument("--lr", type=float, default=0.5, help="learning rate (course: 0.5)")
    updates.add_argument("--out", default=None, help="write the CSV here instead of stdout")


def _run(args: argparse.Namespace) -> tuple[pd.DataFrame, list[str]]:
    if args.command == "updates":
        spec = None
        if args.depth is not None:
            depth = check_int("--depth", args.depth, 1, MAX_DEPTH, "MAX_DEPTH")
            width = check_int("--width", args.width, 1, MAX_WIDTH, "MAX_WIDTH")
            spec = NetworkSpec(
                sizes=(width, *([width] * depth), 1), activation=args.activation, init=args.init
            )
        return update_size_table(spec, lr=args.lr, batch=args.batch, seed=args.seed), []
    if args.command == "compare":
        variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
        result = variant_profiles(
            args.depth,
            args.width,
            args.batch,
            args.seeds,
            args.activation,
            args.init,
            args.residual_scale,
            variants,
            lr=args.lr,
        )
        frame = result.frame if args.tidy else summarize_profile(result)
        return frame, result.messages()
    depth = check_int("--depth", args.depth, 1, MAX_DEPTH, "MAX_DEPTH")
    if args.residual_scale in RESIDUAL_SCALES:
        scale = residual_scale_value(args.residual_scale, depth)
    else:
        scale = float(args.residual_scale)
    init = args.init
    if init is None:
        init = get_activation(args.activation).default_init
    width = check_int("--width", args.width, 1, MAX_WIDTH, "MAX_WIDTH")
    spec = NetworkSpec(
        sizes=(width, *([width] * depth), 1),
        activation=args.activation,
        init=init,
        residual=args.residual,
        residual_scale=scale,
        batchnorm=args.batchnorm,
    )
    result = gradient_profile({"network": spec}, args.batch, args.seeds, args.lr)
    frame = summarize_profile(result) if args.summary else result.frame
    return frame, result.messages()


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (see --help); returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "factors":
        if not (1 <= args.times <= 100 and 0 <= args.gap <= 60):
            parser.error("--times must be 1..100 and --gap 0..60")
        print("\n".join(_factors(args)))
        return 0
    try:
        frame, messages = _run(args)
    except ValueError as error:
        parser.error(str(error))  # exits with status 2 and the message on stderr
    for text in messages:
        print(text, file=sys.stderr)
    csv = frame.to_csv(index=False, float_format="%.8g")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(csv)
    else:
        sys.stdout.write(csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
