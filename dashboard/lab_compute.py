"""The vanishing-gradient lab's core calls, each cached: the comparison measured in parts
(its networks in as many groups as the server has slots, dashboard.compute.in_parallel),
the page's answer made of the parts, and the depth animation.

The cached functions take a core.lab.LabSettings (small, frozen: hashed by its values).
"""

from __future__ import annotations

import functools

from core import lab
from core.limits import estimate_profile_bytes
from core.profile import ProfileResult
from dashboard import compute

PART_ENTRIES = 64  # networks' measurements: two parts a view, the last 32 views
VIEW_ENTRIES = 32


@compute.cached(max_entries=VIEW_ENTRIES)
def refusal(settings: lab.LabSettings) -> tuple[str | None, int]:
    """(why the comparison is refused, the deepest depth that fits) or (None, 0): the
    cost model's check, made here in the server (it computes nothing)."""
    try:
        lab.check_comparison(settings)
    except compute.REFUSED as exc:  # past the time or memory limit
        return str(exc), lab.deepest(settings)
    return None, 0


@compute.cached(max_entries=PART_ENTRIES)
def measure_part(settings: lab.LabSettings, names: tuple[str, ...]) -> ProfileResult:
    """The measurement of some of the networks (names: theirs)."""
    specs = lab.lab_specs(settings)
    nbytes = estimate_profile_bytes({n: specs[n] for n in names}, settings.batch)
    return compute.run(lab.lab_part, settings, names, nbytes=nbytes)


@compute.cached(max_entries=VIEW_ENTRIES)
def _combined(settings: lab.LabSettings, _parts: tuple[ProfileResult, ...]) -> lab.LabResult:
    """The page's answer from the parts (summary and theory: a fraction of a second);
    the parts are not hashed: the settings decide them."""
    return lab.lab_result(settings, _parts)


def measure(
    depth: int, width: int, batch: int, seeds: int, act: str, init: str, sw2: float, scale: str
) -> tuple[lab.LabResult | None, str | None, int]:
    """(result, None, 0), or (None, why not, the deepest that fits)."""
    settings = lab.LabSettings(depth, width, batch, seeds, act, init, sw2, scale)
    why, deepest = refusal(settings)
    if why is not None:
        return None, why, deepest
    groups = lab.lab_groups(settings, compute.worker_pool().slots)
    parts = compute.in_parallel([functools.partial(measure_part, settings, g) for g in groups])
    return _combined(settings, tuple(parts)), None, 0


@compute.cached(max_entries=16)
def story(
    depth: int, width: int, batch: int, act: str, init: str, sw2: float, scale: str
) -> lab.StoryResult:
    """The same networks at growing depths (one seed), for the animation."""
    settings = lab.LabSettings(depth, width, batch, 1, act, init, sw2, scale)
    nbytes = estimate_profile_bytes(lab.lab_specs(settings), batch)  # its deepest frame
    return compute.run(lab.depth_story, settings, nbytes=nbytes)
