"""core.limits.too_big_message: plain words, and an estimate that reads as over the limit."""

from __future__ import annotations

from core import limits


def test_the_message_names_the_limit_in_plain_words_and_reads_as_over_it():
    text = limits.too_big_message("This", limits.MAX_SECONDS + 0.02, 0, "Try less.")
    assert text is not None and "MAX_" not in text
    assert f"about {limits.MAX_SECONDS + 0.02:.2f} s" in text  # "3.02", not "3.0" against 3
    assert f"at most {limits.MAX_SECONDS:g} s on this machine. Try less." in text
    memory = limits.too_big_message("This", 0.1, limits.MAX_MEMORY_BYTES + 4_000_000, "")
    assert memory is not None and "MAX_" not in memory
    assert f"at most {limits.MAX_MEMORY_BYTES / 1e9:g} GB" in memory
    assert f"about {(limits.MAX_MEMORY_BYTES + 4_000_000) / 1e9:.3f} GB" in memory
    assert limits.too_big_message("This", limits.MAX_SECONDS, limits.MAX_MEMORY_BYTES, "") is None
