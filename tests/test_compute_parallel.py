"""dashboard.compute.in_parallel in a real script run (AppTest): a page's parts compute in
two worker processes at once, answers in the order asked, a part's error raised in the
script, and each part's elements drawn in a container of its own."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.share import APPTEST_TIMEOUT


def _two_parts_script() -> None:
    import streamlit as st

    from dashboard import compute
    from tests import worker_calls

    @compute.cached(max_entries=4)
    def part(k: int) -> tuple[int, float, float]:
        st.caption(f"part {k} computed")  # replayed from the cache afterwards
        return compute.run(worker_calls.pid_and_times, 1.5)

    st.session_state["slots"] = compute.worker_pool().slots
    st.session_state["answers"] = compute.in_parallel([lambda k=k: part(k) for k in range(3)])
    st.markdown("after the parts")


def _busy_server_script() -> None:
    import streamlit as st

    from dashboard import compute
    from tests import worker_calls

    @compute.cached(max_entries=4)
    def part(k: int) -> tuple[int, float, float]:
        return compute.run(worker_calls.pid_and_times, 0.5 + k / 1000)

    pool = compute.worker_pool()
    pool.running = lambda: pool.slots  # every slot taken (by other sessions)
    try:
        st.session_state["answers"] = compute.in_parallel([lambda k=k: part(k) for k in range(2)])
    finally:
        del pool.running  # the class's own method again


def _failing_part_script() -> None:
    import streamlit as st

    from dashboard import compute
    from tests import worker_calls

    def fine() -> int:
        return 1

    def refused() -> None:
        compute.run(worker_calls.refuse, "too big for this test")

    try:
        compute.in_parallel([fine, refused])
    except compute.REFUSED as exc:
        st.session_state["refused"] = str(exc)


def test_parts_compute_in_two_workers_at_once_and_answer_in_order():
    at = AppTest.from_function(_two_parts_script, default_timeout=APPTEST_TIMEOUT).run()
    assert not at.exception
    answers = at.session_state["answers"]
    assert len(answers) == 3
    if at.session_state["slots"] >= 2:  # a machine with two cores or more
        (pid0, start0, end0), (pid1, start1, end1) = answers[0], answers[1]
        assert pid0 != pid1  # two worker processes...
        assert start1 < end0 and start0 < end1  # ...computing at the same time
    captions = [c.value for c in at.caption]
    assert sorted(captions) == ["part 0 computed", "part 1 computed", "part 2 computed"]
    assert at.markdown[-1].value == "after the parts"  # drawn after every part
    at.run()  # from the cache: the same answers, the elements replayed
    assert not at.exception and at.session_state["answers"] == answers
    assert sorted(c.value for c in at.caption) == sorted(captions)


def test_on_a_busy_server_the_parts_are_computed_one_after_the_other():
    at = AppTest.from_function(_busy_server_script, default_timeout=APPTEST_TIMEOUT).run()
    assert not at.exception
    (_, _, end0), (_, start1, _) = at.session_state["answers"]
    assert end0 <= start1  # in order, the second after the first: one place in the queue


def test_a_parts_refusal_reaches_the_script():
    at = AppTest.from_function(_failing_part_script, default_timeout=APPTEST_TIMEOUT).run()
    assert not at.exception
    assert at.session_state["refused"] == "too big for this test"
