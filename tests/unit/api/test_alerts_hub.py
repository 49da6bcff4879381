"""The alert fan-out behind GET /alerts/stream: filtered per client, a slow client dropped rather than
holding up the others, and a reconnect with Last-Event-ID given what it missed."""

from __future__ import annotations

import asyncio

import orjson

from services.api.alerts import AlertsHub, sse_frame


def alert(number: int, subscription: str = "kp") -> bytes:
    return orjson.dumps({"alert_id": f"{number:024x}", "subscription_id": subscription, "kind": "new"})


def frames(hub_queue: asyncio.Queue[bytes | None]) -> list[bytes | None]:
    out = []
    while not hub_queue.empty():
        out.append(hub_queue.get_nowait())
    return out


async def test_each_client_gets_the_alerts_of_the_subscriptions_it_follows() -> None:
    hub = AlertsHub()
    everything = hub.subscribe(None)
    only_kp = hub.subscribe(frozenset({"kp"}))
    assert hub.handle(alert(1, "kp")) and hub.handle(alert(2, "iran"))
    assert len(frames(everything.queue)) == 2
    (frame,) = frames(only_kp.queue)
    assert frame == sse_frame(f"{1:024x}", alert(1, "kp"))
    assert frame.startswith(b"event: alert\nid: ") and frame.endswith(b"\n\n") and frame.count(b"\ndata: ") == 1


async def test_a_client_that_falls_behind_is_dropped_and_the_others_keep_receiving() -> None:
    hub = AlertsHub(queue_size=3)
    slow, fast = hub.subscribe(None), hub.subscribe(None)
    for number in range(5):
        hub.handle(alert(number))
        frames(fast.queue)  # the fast client reads as they come
    assert slow.dropped and slow not in hub.listeners
    assert frames(slow.queue)[-1] is None  # wakes the stream to say so
    assert not fast.dropped and fast in hub.listeners
    assert hub.dropped == 1


async def test_a_reconnect_with_last_event_id_gets_the_alerts_after_it() -> None:
    hub = AlertsHub(replay_size=10)
    for number in range(5):
        hub.handle(alert(number, "kp" if number % 2 else "iran"))
    again = hub.subscribe(frozenset({"kp"}), last_event_id=f"{1:024x}")
    assert frames(again.queue) == [sse_frame(f"{3:024x}", alert(3, "kp"))]
    unknown = hub.subscribe(None, last_event_id="not-remembered")
    assert frames(unknown.queue) == []  # new alerts only


async def test_records_that_are_no_alerts_are_not_streamed() -> None:
    hub = AlertsHub()
    listener = hub.subscribe(None)
    for value in (b"not json", b"[]", b'{"alert_id": 5}', orjson.dumps({"alert_id": "a\nb", "subscription_id": "x"}),
                  None):
        assert not hub.handle(value)
    assert frames(listener.queue) == []


async def test_closing_the_hub_ends_every_stream() -> None:
    hub = AlertsHub()
    listener = hub.subscribe(None)
    hub.close()
    assert frames(listener.queue) == [None] and not listener.dropped and not hub.listeners
