"""The stream services' ``consumer`` check: each way it fails, and that idle is not failing."""

from __future__ import annotations

from services.common.streams import STALL_S, ConsumerHealth


def test_without_partitions_or_an_answering_broker_the_check_fails() -> None:
    state = ConsumerHealth(now=0.0)
    state.probed(1.0, assigned=0, highwater=None, error=None)
    assert state.status(1.0) == (False, "no partitions assigned (group not joined yet, or its topics missing)")
    state.probed(2.0, assigned=3, highwater=None, error="TimeoutError")
    ok, detail = state.status(2.0)
    assert not ok and "did not answer" in detail


def test_input_arriving_while_nothing_is_processed_fails_but_a_quiet_topic_does_not() -> None:
    state = ConsumerHealth(now=0.0)
    state.probed(1.0, assigned=3, highwater=100, error=None)
    assert state.status(STALL_S * 3)[0]  # nothing new arrived: idle, healthy
    state.probed(STALL_S * 3, assigned=3, highwater=140, error=None)
    ok, detail = state.status(STALL_S * 3)
    assert not ok and "40 new messages" in detail
    state.progressed(STALL_S * 3 + 1)
    assert state.status(STALL_S * 3 + 2)[0]
