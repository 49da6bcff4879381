"""The alerts promise, end to end on the embedded stack (`attache run` as a user starts it):

a subscription created through the API while the pipeline runs gets exactly one signed webhook for the
founding article's story; three re-worded reports of the same potential meeting from other outlets add
no alert; a report that the meeting took place adds exactly one update, with the modality history.
"""

from __future__ import annotations

import time

import httpx
from fixtures.articles import founding_article, rss

from services.api.tokens import add_token
from tests.integration.stack import Pipeline, Stack, es_sources, wait_for
from tests.integration.webhooks import WebhookReceiver

SIGNING_KEY = "end-to-end-signing-key-0123456789"
FOUNDING = {**founding_article(), "published": "2023-11-07T09:00:00Z", "base_url": "https://news.example.org"}
REWORDED = [
    {"id": "kim-may-travel", "published": "2023-11-07T10:00:00Z", "base_url": "https://wire.example.com",
     "title": "Kim Jong Un may travel to Russia to meet Vladimir Putin, officials say",
     "text": "North Korean leader Kim Jong Un may visit Russia for a possible meeting with President Vladimir "
             "Putin, South Korean officials said, citing intelligence reports."},
    {"id": "putin-kim-could-hold-talks", "published": "2023-11-07T11:00:00Z",
     "base_url": "https://asia-desk.example.net",
     "title": "Putin and Kim could hold talks soon, diplomats say",
     "text": "Russian President Vladimir Putin could meet North Korea's Kim Jong Un in the coming weeks, "
             "diplomats said."},
    {"id": "kremlin-kim-meeting-possible", "published": "2023-11-07T12:00:00Z",
     "base_url": "https://eurasia.example.org",
     "title": "Kremlin does not rule out a Putin meeting with Kim Jong Un",
     "text": "The Kremlin said a meeting between Vladimir Putin and North Korean leader Kim Jong Un was possible, "
             "without giving a date."},
]
TOOK_PLACE = {"id": "kim-putin-meet-vladivostok", "published": "2023-11-08T15:00:00Z",
              "base_url": "https://wire.example.com",
              "title": "Kim Jong Un and Vladimir Putin meet in Vladivostok",
              "text": "North Korean leader Kim Jong Un and Russian President Vladimir Putin held talks in Vladivostok "
                      "on Wednesday, their first meeting in years, state media reported."}


def test_one_signed_alert_per_story_and_one_update_when_the_meeting_takes_place(
        stack: Stack, pipeline: Pipeline) -> None:
    receiver = WebhookReceiver().up()
    stack.write_subscriptions([])  # nothing seeded: the subscription comes through the API
    stack.extra_env["ATTACHE_WEBHOOK_SIGNING_KEY"] = SIGNING_KEY
    token = add_token(stack.settings.resolved_api_tokens_file, "korea-desk")
    headers = {"Authorization": f"Bearer {token}"}
    api = httpx.Client(base_url=f"http://127.0.0.1:{stack.api_port}", headers=headers, timeout=20)
    try:
        stack.serve_feed("world.xml", rss([]), interval_s=1)
        pipeline.start()
        wait_for(lambda: _healthy(api), 90, "the API to answer")

        created = api.post("/subscriptions", json={
            "id": "kp-leaders", "name": "North Korea's leader meets anyone",
            "query": "type:leader_meeting AND countries:KP",
            "channels": [{"kind": "webhook", "url": receiver.url}]})
        assert created.status_code == 201, created.text
        secret = api.get("/subscriptions/kp-leaders/secret").json()["secret"]

        stack.serve_feed("world.xml", rss([FOUNDING]), interval_s=1)
        first = wait_for(lambda: receiver.verified(secret), 90, "the founding article's alert")
        assert len(first) == 1
        alert = first[0]["data"]
        assert first[0]["type"] == "alert.new" and alert["kind"] == "new"
        assert alert["story"]["countries"] == ["KP", "RU"] and alert["story"]["modality"] == "potential"
        story_id = alert["story"]["story_id"]

        stack.serve_feed("world.xml", rss([FOUNDING, *REWORDED]), interval_s=1)
        stories = wait_for(lambda: [s for s in es_sources(stack.settings, "stories", f"story_id:{story_id}")
                                    if s["sources_count"] == 4], 90, "the three re-worded reports in the story")
        assert stories[0]["modality"] == "potential"
        time.sleep(3)  # an alert they caused would be on its way by now
        assert len(receiver.verified(secret)) == 1, "re-worded reports of the same story must not alert"

        stack.serve_feed("world.xml", rss([FOUNDING, *REWORDED, TOOK_PLACE]), interval_s=1)
        both = wait_for(lambda: got if len(got := receiver.verified(secret)) >= 2 else None, 90,
                        "the update alert")
        time.sleep(3)
        assert len(receiver.verified(secret)) == 2, "exactly one update"
        update = both[1]["data"]
        assert both[1]["type"] == "alert.update" and update["kind"] == "update" and update["change"] == "modality"
        assert update["story"]["story_id"] == story_id and update["revision"] == 2
        assert [m["modality"] for m in update["story"]["modality_history"]] == ["potential", "occurred"]
        ids = [m.headers["webhook-id"] for m in receiver.messages()]
        assert ids == [alert["alert_id"], update["alert_id"]] and len(set(ids)) == 2
    finally:
        api.close()
        receiver.down()


def _healthy(api: httpx.Client) -> bool:
    try:
        return api.get("/health").status_code == 200
    except httpx.HTTPError:
        return False
