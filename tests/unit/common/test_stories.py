"""Stories: reports of one happening become one story, alerted once and updated only on material change."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any

import orjson
import pytest

from services.common.ids import stable_id
from services.common.schemas import SCHEMA_DIR, index_templates, validate
from services.common.stories import (
    Bucket,
    Change,
    Story,
    StoryRules,
    alert_id,
    apply,
    bucket_key,
    modality_moves,
    parse_thresholds,
    report_time,
    sources_crossed,
    story_id_for,
)

FOUNDING: dict[str, Any] = json.loads((SCHEMA_DIR / "examples" / "event.json").read_text())
EXAMPLE_STORY: dict[str, Any] = json.loads((SCHEMA_DIR / "examples" / "story.json").read_text())
EXAMPLE_BUCKET: dict[str, Any] = json.loads((SCHEMA_DIR / "examples" / "story_bucket.json").read_text())
KIM, PUTIN = "Kim Jong Un", "Vladimir Putin"

# Other outlets' re-worded reports of the founding article's potential meeting (written for these tests).
REWORDED = [
    ("wire.example.com", "Kim Jong Un could meet Vladimir Putin, officials say"),
    ("asia-desk.example.net", "Vladimir Putin may host Kim Jong Un for a possible meeting"),
    ("eurasia.example.org", "Kim Jong Un and Vladimir Putin could hold a meeting, diplomats say"),
    ("morning-post.example.com", "Possible meeting of Kim Jong Un and Vladimir Putin draws attention"),
    ("capital-times.example.net", "Officials weigh a potential meeting between Vladimir Putin and Kim Jong Un"),
    ("seoul-report.example.org", "Seoul watches for a possible meeting of Kim Jong Un and Vladimir Putin"),
    ("baltic-news.example.com", "Vladimir Putin and Kim Jong Un may meet, says analyst"),
    ("pacific-wire.example.net", "A Kim Jong Un and Vladimir Putin meeting could be near"),
    ("globe-desk.example.org", "Kim Jong Un might meet Vladimir Putin in Russia"),
]
CUES = ("potential", "possible", "could", "may", "might", "planned", "will", "met", "held", "cancelled", "denied")
TRIGGERS = ("meeting", "meet", "met", "talks", "summit")


def report(domain: str, title: str, published: str, *, modality: str = "potential", date: str | None = None,
           leaders: tuple[str, ...] = (KIM, PUTIN), countries: tuple[str, ...] = ("KP", "RU"),
           event_type: str = "leader_meeting", version: int = 1, confidence: float = 0.8,
           slug: str | None = None) -> dict[str, Any]:
    """An event as the tagger would publish it for this headline: ids derived as the pipeline derives them,
    evidence spans pointing at the headline's words, and valid against the event schema."""
    url = f"https://{domain}/2023/{slug or re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')}"
    article_id = stable_id(url)
    evidence = []
    for word, rule in ([(c, f"modality.{modality}") for c in CUES] + [(t, f"{event_type}.trigger") for t in TRIGGERS]
                       + [(name, f"leader:{name}") for name in leaders]):
        match = re.search(rf"\b{re.escape(word)}\b", title, re.IGNORECASE)
        if match and not any(e["rule"] == rule for e in evidence):
            evidence.append({"field": "title", "start": match.start(), "end": match.end(), "text": match.group(),
                             "rule": rule, "rule_ids": ["modality.cue" if rule.startswith("modality") else
                                                        "meeting.leaders_of_two_states"]})
    if not any(e["rule"].endswith(".trigger") for e in evidence):
        evidence.append({"field": "text", "start": 12, "end": 19, "text": "meeting", "rule": f"{event_type}.trigger",
                         "rule_ids": ["meeting.leaders_of_two_states"]})
    tagged_at = (_time(published) + dt.timedelta(seconds=73)).isoformat().replace("+00:00", "Z")
    event = {
        **copy.deepcopy(FOUNDING),
        "event_id": stable_id(article_id, event_type, list(countries)),
        "article_id": article_id,
        "article_version": version,
        "type": event_type,
        "modality": modality,
        "countries": list(countries),
        "leaders": sorted(leaders),
        "date": date,
        "evidence": sorted(evidence, key=lambda e: e["start"]),
        "sentence": title,
        "confidence": confidence,
        "article": {"title": title, "url": url, "published": published, "source_domain": domain,
                    "feed_id": domain.split(".")[0] + "-world"},
        "tagged_at": tagged_at,
    }
    validate("event", event)
    return event


def founding_and_reworded(count: int = 3) -> list[dict[str, Any]]:
    """The founding article, then ``count`` re-worded reports from other outlets, an hour apart."""
    return [FOUNDING] + [report(domain, title, f"2023-11-07T{10 + n:02d}:00:00Z")
                         for n, (domain, title) in enumerate(REWORDED[:count])]


def run(events: list[dict[str, Any]], rules: StoryRules | None = None,
        buckets: dict[str, Bucket] | None = None) -> tuple[dict[str, Bucket], list[Change | None]]:
    """Apply events in order, one bucket per key, as the alerter's table would."""
    buckets = {} if buckets is None else buckets
    changes = []
    for event in events:
        key = bucket_key(event)
        _, change = apply(buckets.setdefault(key, Bucket(key)), event, rules)
        changes.append(change)
    return buckets, changes


def stories(buckets: dict[str, Bucket]) -> list[Story]:
    return [story for bucket in buckets.values() for story in bucket.stories]


def only_story(buckets: dict[str, Bucket]) -> Story:
    found = stories(buckets)
    assert len(found) == 1, [s.title for s in found]
    return found[0]


def kinds(changes: list[Change | None]) -> list[str]:
    return [c.kind for c in changes if c is not None]


def _time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


# --- one happening, one story -----------------------------------------------------------------------------


def test_ten_outlets_reporting_the_same_potential_meeting_form_one_story_with_ten_sources() -> None:
    buckets, changes = run(founding_and_reworded(9))
    story = only_story(buckets)
    assert story.sources_count == 10 and story.articles_count == 10
    assert len({s.source_domain for s in story.sources}) == 10
    # one "new" alert; the only update is the fifth outlet crossing the default sources threshold
    assert kinds(changes) == ["new", "sources"]
    assert changes[0] is not None and changes[0].story_id == story.story_id
    assert changes[4] is not None and changes[4].threshold == 5 and changes[4].revision == 2
    assert story.revision == 2 and story.modality == "potential"
    assert story.title == FOUNDING["article"]["title"] and story.url == FOUNDING["article"]["url"]
    assert story.first_seen == _time("2023-11-07T09:00:00Z") and story.last_seen == _time("2023-11-07T18:00:00Z")


def test_the_founding_article_and_three_reworded_reports_from_other_outlets_are_one_story_and_no_update() -> None:
    buckets, changes = run(founding_and_reworded(3))
    story = only_story(buckets)
    assert kinds(changes) == ["new"] and changes[1:] == [None, None, None]
    assert story.sources_count == 4 and story.revision == 1 and story.last_change == "new"
    assert story.article_ids[0] == FOUNDING["article_id"] and len(story.event_ids) == 4


def test_more_reports_from_the_same_outlet_are_not_more_sources() -> None:
    same_outlet = [report("news.example.org", f"Kim Jong Un and Vladimir Putin could meet, update {n}",
                          f"2023-11-07T1{n}:00:00Z") for n in range(6)]
    buckets, changes = run([FOUNDING, *same_outlet])
    story = only_story(buckets)
    assert story.sources_count == 1 and story.articles_count == 7 and kinds(changes) == ["new"]
    assert story.sources[0].articles == 7 and story.sources[0].feed_ids == ["example-world", "news-world"]


def test_the_story_keeps_the_union_of_leaders_and_the_highest_confidence() -> None:
    putin_only = report("wire.example.com", "Vladimir Putin could meet North Korea's leader",
                        "2023-11-07T10:00:00Z", leaders=(PUTIN,), confidence=0.91)
    buckets, changes = run([putin_only, FOUNDING])
    story = only_story(buckets)
    assert story.leaders == [KIM, PUTIN] and story.confidence == 0.91 and kinds(changes) == ["new"]


# --- material change: modality ----------------------------------------------------------------------------


def test_a_report_that_the_meeting_took_place_is_exactly_one_modality_change_with_its_history() -> None:
    took_place = report("wire.example.com", "Kim Jong Un and Vladimir Putin met at a Russian spaceport",
                        "2023-11-13T08:00:00Z", modality="occurred", date="2023-11-13")
    also_took_place = report("asia-desk.example.net", "Putin and Kim Jong Un held a meeting on Monday",
                             "2023-11-13T09:30:00Z", modality="occurred", date="2023-11-13")
    buckets, changes = run([*founding_and_reworded(3), took_place, also_took_place])
    story = only_story(buckets)
    assert kinds(changes) == ["new", "modality"]
    change = changes[4]
    assert change is not None and change.previous_modality == "potential" and change.modality == "occurred"
    assert change.revision == 2 == story.revision and story.last_change == "modality"
    assert [(m.modality, m.source) for m in story.modality_history] == [
        ("potential", "news.example.org"), ("occurred", "wire.example.com")]
    assert story.date == dt.date(2023, 11, 13)  # the report that it happened knows the date
    assert story.evidence.text == also_took_place["article"]["title"]  # the latest report's evidence


def test_a_later_report_of_an_earlier_stage_is_older_news_and_no_change() -> None:
    took_place = report("wire.example.com", "Kim Jong Un and Vladimir Putin met in Vladivostok",
                        "2023-11-13T08:00:00Z", modality="occurred")
    still_planned = report("asia-desk.example.net", "Kim Jong Un will meet Vladimir Putin, Kremlin says",
                           "2023-11-13T12:00:00Z", modality="planned")
    still_potential = report("eurasia.example.org", "A potential meeting of Kim Jong Un and Vladimir Putin",
                             "2023-11-14T07:00:00Z", modality="potential")
    buckets, changes = run([FOUNDING, took_place, still_planned, still_potential])
    story = only_story(buckets)
    assert kinds(changes) == ["new", "modality"]
    assert story.modality == "occurred" and [m.modality for m in story.modality_history] == ["potential", "occurred"]


def test_reports_arriving_out_of_order_move_the_story_forward_only() -> None:
    planned = report("wire.example.com", "Kim Jong Un will meet Vladimir Putin next week",
                     "2023-11-08T08:00:00Z", modality="planned")
    took_place = report("asia-desk.example.net", "Kim Jong Un and Vladimir Putin met on Monday",
                        "2023-11-13T08:00:00Z", modality="occurred")
    # the "occurred" report arrives before the older "planned" one: planned is then older news
    buckets, changes = run([FOUNDING, took_place, planned])
    story = only_story(buckets)
    assert kinds(changes) == ["new", "modality"] and story.modality == "occurred"
    # a late report that it happened is still news: knowledge of a meeting only grows
    late_but_forward = report("eurasia.example.org", "Kim Jong Un will meet Vladimir Putin, officials confirm",
                              "2023-11-07T08:00:00Z", modality="planned")
    _, changes = run([FOUNDING, late_but_forward])
    assert kinds(changes) == ["new", "modality"]


def test_a_cancelled_meeting_that_is_back_on_is_a_change_each_way() -> None:
    cancelled = report("wire.example.com", "Kim Jong Un and Vladimir Putin meeting cancelled",
                       "2023-11-09T08:00:00Z", modality="cancelled")
    denied_too = report("asia-desk.example.net", "Kremlin denied a Kim Jong Un and Vladimir Putin meeting",
                        "2023-11-09T10:00:00Z", modality="denied")
    maybe_again = report("eurasia.example.org", "Kim Jong Un could still meet Vladimir Putin, analysts say",
                         "2023-11-10T08:00:00Z", modality="potential")
    back_on = report("morning-post.example.com", "Kim Jong Un will meet Vladimir Putin after all, Kremlin says",
                     "2023-11-11T08:00:00Z", modality="planned")
    buckets, changes = run([FOUNDING, cancelled, denied_too, maybe_again, back_on])
    story = only_story(buckets)
    assert kinds(changes) == ["new", "modality", "modality"]
    assert [m.modality for m in story.modality_history] == ["potential", "cancelled", "planned"]
    assert story.modality == "planned" and story.revision == 3


def test_a_stale_report_never_reverses_a_newer_one() -> None:
    took_place = report("wire.example.com", "Kim Jong Un and Vladimir Putin met in Vladivostok",
                        "2023-11-13T08:00:00Z", modality="occurred")
    stale_cancellation = report("asia-desk.example.net", "Kim Jong Un and Vladimir Putin meeting cancelled",
                                "2023-11-10T08:00:00Z", modality="cancelled")
    _, changes = run([FOUNDING, took_place, stale_cancellation])
    assert kinds(changes) == ["new", "modality"]

    cancelled = report("eurasia.example.org", "Kim Jong Un and Vladimir Putin meeting cancelled",
                       "2023-11-12T08:00:00Z", modality="cancelled")
    stale_plan = report("morning-post.example.com", "Kim Jong Un will meet Vladimir Putin, officials said",
                        "2023-11-11T08:00:00Z", modality="planned")
    buckets, changes = run([FOUNDING, cancelled, stale_plan])
    assert kinds(changes) == ["new", "modality"] and only_story(buckets).modality == "cancelled"


@pytest.mark.parametrize(("current", "reported", "newer", "moves"), [
    ("potential", "planned", True, True), ("planned", "occurred", True, True), ("potential", "occurred", False, True),
    ("occurred", "planned", True, False), ("planned", "potential", True, False), ("occurred", "occurred", True, False),
    ("occurred", "cancelled", True, True), ("potential", "denied", True, True), ("planned", "cancelled", False, False),
    ("cancelled", "planned", True, True), ("denied", "occurred", True, True), ("cancelled", "planned", False, False),
    ("cancelled", "potential", True, False), ("cancelled", "denied", True, False),
])
def test_the_modality_lattice(current: str, reported: str, newer: bool, moves: bool) -> None:
    assert modality_moves(current, reported, newer=newer) is moves


def test_a_modality_change_that_also_crosses_a_sources_threshold_is_one_revision() -> None:
    took_place = report("morning-post.example.com", "Kim Jong Un and Vladimir Putin met on Monday",
                        "2023-11-13T08:00:00Z", modality="occurred")
    buckets, changes = run([*founding_and_reworded(3), took_place])  # the fifth outlet
    change = changes[-1]
    assert kinds(changes) == ["new", "modality"]
    assert change is not None and change.threshold == 5 and change.sources_count == 5
    assert only_story(buckets).revision == 2


def test_sources_thresholds_are_a_setting() -> None:
    rules = StoryRules(sources_thresholds=(10, 3, 3))
    assert rules.sources_thresholds == (3, 10)
    _, changes = run(founding_and_reworded(9), rules)
    assert [(c.kind, c.threshold) for c in changes if c] == [("new", None), ("sources", 3), ("sources", 10)]
    assert sources_crossed(2, 4, (3, 4, 5)) == 4 and sources_crossed(5, 6, (3, 5)) is None


# --- what is the same story -------------------------------------------------------------------------------


def test_reports_with_dates_that_disagree_are_different_stories() -> None:
    on_the_20th = report("wire.example.com", "Kim Jong Un will meet Vladimir Putin on November 20",
                         "2023-11-08T08:00:00Z", modality="planned", date="2023-11-20")
    on_the_21st = report("asia-desk.example.net", "Kim Jong Un will meet Vladimir Putin on November 21",
                         "2023-11-08T09:00:00Z", modality="planned", date="2023-11-21")
    in_december = report("eurasia.example.org", "Kim Jong Un will meet Vladimir Putin again in December",
                         "2023-11-09T08:00:00Z", modality="planned", date="2023-12-15")
    buckets, changes = run([FOUNDING, on_the_20th, on_the_21st, in_december])
    found = stories(buckets)
    assert len(found) == 2 and kinds(changes) == ["new", "modality", "new"]
    first, second = found
    assert first.date == dt.date(2023, 11, 20) and first.sources_count == 3  # unknown agrees, 1 day tolerated
    assert second.date == dt.date(2023, 12, 15) and second.sources_count == 1
    assert first.story_id != second.story_id


def test_a_report_beyond_the_window_opens_a_new_story() -> None:
    thirteen_days = report("wire.example.com", "Kim Jong Un could meet Vladimir Putin, officials say",
                           "2023-11-20T08:00:00Z")
    twenty_eight_days = report("asia-desk.example.net", "Kim Jong Un could meet Vladimir Putin, diplomats say",
                               "2023-12-05T08:00:00Z")
    _, changes = run([FOUNDING, thirteen_days, twenty_eight_days])
    # the window runs from the story's latest report: 13 days, then 15 more
    assert kinds(changes) == ["new", "new"]
    _, changes = run([FOUNDING, thirteen_days, twenty_eight_days], StoryRules(window_days=30))
    assert kinds(changes) == ["new"]


def test_a_third_country_makes_a_different_story() -> None:
    with_china = report("wire.example.com", "Xi Jinping to host Kim Jong Un and Vladimir Putin for a possible summit",
                        "2023-11-07T10:00:00Z", countries=("CN", "KP", "RU"), leaders=("Xi Jinping", KIM, PUTIN))
    assert bucket_key(with_china) == "leader_meeting:CN+KP+RU" != bucket_key(FOUNDING) == "leader_meeting:KP+RU"
    buckets, changes = run([FOUNDING, with_china])
    assert len(stories(buckets)) == 2 and kinds(changes) == ["new", "new"]


def test_the_same_countries_but_other_leaders_are_a_different_story() -> None:
    ministers = report("wire.example.com", "Sergei Lavrov and Choe Son Hui could meet in Pyongyang",
                       "2023-11-07T10:00:00Z", leaders=("Choe Son Hui", "Sergei Lavrov"))
    buckets, changes = run([FOUNDING, ministers])
    assert len(stories(buckets)) == 2 and kinds(changes) == ["new", "new"]
    # a report naming only one of the leaders joins their story
    putin_only = report("asia-desk.example.net", "Vladimir Putin could meet North Korea's leader",
                        "2023-11-07T11:00:00Z", leaders=(PUTIN,))
    buckets, changes = run([FOUNDING, ministers, putin_only])
    assert kinds(changes) == ["new", "new"] and stories(buckets)[0].sources_count == 2
    # leaders are not compared for types where they are incidental
    sanctions = [report(domain, f"Sanctions on North Korea over Russia ties ({n})", f"2023-11-07T1{n}:00:00Z",
                        event_type="sanctions", leaders=(leader,), slug=f"sanctions-{n}")
                 for n, (domain, leader) in enumerate([("wire.example.com", PUTIN), ("eurasia.example.org", KIM)])]
    buckets, changes = run(sanctions)
    assert kinds(changes) == ["new"]


def test_the_bucket_key_and_story_id_come_from_the_event_alone() -> None:
    reordered = {**FOUNDING, "countries": ["RU", "KP"]}
    assert bucket_key(reordered) == bucket_key(FOUNDING) == "leader_meeting:KP+RU"
    assert story_id_for(FOUNDING) == stable_id("leader_meeting", ["KP", "RU"], FOUNDING["event_id"])
    no_countries = {**FOUNDING, "countries": []}
    assert bucket_key(no_countries) == "leader_meeting:leader:kim jong un+leader:vladimir putin"
    with pytest.raises(ValueError, match=r"belongs to story bucket 'leader_meeting:KP\+RU', not 'talks:KP\+RU'"):
        apply(Bucket("talks:KP+RU"), FOUNDING)


def test_a_feed_dated_in_the_future_is_timed_when_the_tagger_saw_it() -> None:
    future = report("wire.example.com", "Kim Jong Un could meet Vladimir Putin", "2031-01-01T00:00:00Z")
    future["tagged_at"] = "2023-11-07T10:00:00Z"
    assert report_time(future) == _time("2023-11-07T10:00:00Z")
    buckets, changes = run([FOUNDING, future])
    assert kinds(changes) == ["new"] and only_story(buckets).last_seen == _time("2023-11-07T10:00:00Z")


# --- replays ----------------------------------------------------------------------------------------------


def _a_busy_fortnight() -> list[dict[str, Any]]:
    took_place = report("wire.example.com", "Kim Jong Un and Vladimir Putin met at a Russian spaceport",
                        "2023-11-13T08:00:00Z", modality="occurred", date="2023-11-13")
    in_december = report("eurasia.example.org", "Kim Jong Un will meet Vladimir Putin again in December",
                         "2023-11-14T08:00:00Z", modality="planned", date="2023-12-15")
    with_china = report("wire.example.com", "Xi Jinping could host Kim Jong Un and Vladimir Putin",
                        "2023-11-14T09:00:00Z", countries=("CN", "KP", "RU"), leaders=("Xi Jinping", KIM, PUTIN))
    return [*founding_and_reworded(9), took_place, in_december, with_china]


def test_replaying_the_same_events_in_the_same_order_rebuilds_identical_stories_and_ids() -> None:
    first, first_changes = run(_a_busy_fortnight())
    again, again_changes = run(copy.deepcopy(_a_busy_fortnight()))
    assert [b.to_dict() for b in first.values()] == [b.to_dict() for b in again.values()]
    assert first_changes == again_changes
    assert len(stories(first)) == 3


def test_applying_an_event_twice_changes_nothing() -> None:
    events = _a_busy_fortnight()
    buckets, _ = run(events)
    before = {key: b.to_dict() for key, b in buckets.items()}
    _, changes = run(events, buckets=buckets)  # the whole stream again, into the same table
    assert changes == [None] * len(events)
    assert {key: b.to_dict() for key, b in buckets.items()} == before


def test_a_retagged_article_updates_its_report_instead_of_adding_a_source() -> None:
    retagged = {**copy.deepcopy(FOUNDING), "article_version": 2, "modality": "occurred",
                "tagged_at": "2023-11-13T09:00:00Z"}
    buckets, changes = run([*founding_and_reworded(3), retagged])
    story = only_story(buckets)
    assert kinds(changes) == ["new", "modality"]
    assert story.sources_count == 4 and story.articles_count == 4
    assert story.report_for(FOUNDING["article_id"]).article_version == 2  # type: ignore[union-attr]
    _, changes = run([FOUNDING, retagged], buckets=buckets)  # the older and the same version again
    assert changes == [None, None]


def test_a_report_older_than_what_a_long_story_remembers_is_taken_as_a_replay() -> None:
    rules = StoryRules(max_reports=3)
    events = founding_and_reworded(5)
    buckets, _ = run(events, rules)
    story = only_story(buckets)
    assert len(story.reports) == 3 and story.articles_count == 6
    assert story.forgotten_before == _time("2023-11-07T11:00:00Z")
    _, changes = run(events[:3], rules, buckets=buckets)
    assert changes == [None] * 3 and story.articles_count == 6 and story.sources_count == 6


def test_alert_ids_are_one_per_subscription_story_and_revision() -> None:
    story_id = story_id_for(FOUNDING)
    assert alert_id("kp-watch", story_id, 1) == alert_id("kp-watch", story_id, 1)
    assert len({alert_id("kp-watch", story_id, 1), alert_id("kp-watch", story_id, 2),
                alert_id("ru-watch", story_id, 1), alert_id("kp-watch", "0" * 24, 1)}) == 4
    assert re.fullmatch(r"[0-9a-f]{24}", alert_id("kp-watch", story_id, 1))


# --- the contract -----------------------------------------------------------------------------------------


def test_a_bucket_round_trips_through_json_and_validates_against_the_schema() -> None:
    buckets, _ = run(_a_busy_fortnight())
    for bucket in buckets.values():
        document = orjson.loads(orjson.dumps(bucket.to_dict()))
        validate("story_bucket", document)
        for story in document["stories"]:
            validate("story", story)
        assert Bucket.from_dict(document) == bucket
        assert Bucket.from_dict(document).to_dict() == document


def test_the_example_story_is_what_the_founding_article_and_three_reworded_reports_make() -> None:
    buckets, _ = run(founding_and_reworded(3))
    bucket = buckets[bucket_key(FOUNDING)]
    assert only_story(buckets).to_document() == EXAMPLE_STORY
    assert bucket.to_dict() == EXAMPLE_BUCKET


def test_the_stories_index_maps_every_story_field_strictly_with_keywords_for_what_queries_match_exactly() -> None:
    mappings = index_templates("attache")["attache-stories"]["template"]["mappings"]
    schema = json.loads((SCHEMA_DIR / "story.schema.json").read_text())
    assert mappings["dynamic"] == "strict"
    properties = mappings["properties"]
    assert set(properties) == set(schema["properties"]) - {"notified"}  # the alerter's memory, never indexed
    for name, definition in schema["$defs"].items():
        field_name = {"source": "sources", "report": "reports", "modality_step": "modality_history"}.get(name, name)
        assert set(properties[field_name]["properties"]) == set(definition["properties"]), name
    for keyword in ("story_id", "type", "modality", "countries", "leaders", "article_ids", "event_ids", "last_change"):
        assert properties[keyword]["type"] == "keyword", keyword
    assert properties["sources"]["properties"]["source_domain"]["type"] == "keyword"
    assert properties["title"]["fields"]["keyword"]["type"] == "keyword"
    assert {properties[d]["type"] for d in ("date", "first_seen", "last_seen")} == {"date"}


def test_a_damaged_story_document_is_refused_with_its_id_and_the_reason() -> None:
    damaged = {**EXAMPLE_STORY, "first_seen": "yesterday"}
    with pytest.raises(ValueError, match=EXAMPLE_STORY["story_id"]):
        Story.from_dict(damaged)
    with pytest.raises(ValueError, match="leader_meeting:KP\\+RU"):
        Bucket.from_dict({"bucket_key": "leader_meeting:KP+RU", "stories": []})


# --- a bucket stays small ---------------------------------------------------------------------------------


def test_pruning_keeps_a_bucket_to_the_stories_a_report_could_still_join() -> None:
    start = dt.datetime(2023, 1, 2, 8, tzinfo=dt.UTC)
    weekly = []
    for week in range(40):  # a new dated meeting every week for most of a year
        published = start + dt.timedelta(weeks=week)
        weekly.append(report("wire.example.com", f"Kim Jong Un will meet Vladimir Putin (week {week})",
                             published.isoformat().replace("+00:00", "Z"), modality="planned",
                             date=(published + dt.timedelta(days=3)).date().isoformat(), slug=f"week-{week}"))
    buckets, changes = run(weekly)
    bucket = buckets[bucket_key(FOUNDING)]
    assert kinds(changes) == ["new"] * 40
    assert len(bucket.stories) == 3  # this week's, and the two a report of the last 14 days could still join
    assert bucket.watermark == start + dt.timedelta(weeks=39)

    capped, _ = run(weekly[:10], StoryRules(window_days=365, max_stories_per_bucket=4))
    kept = capped[bucket_key(FOUNDING)].stories
    assert [s.title for s in kept] == [e["article"]["title"] for e in weekly[6:10]]


def test_rules_refuse_settings_that_make_no_sense() -> None:
    assert StoryRules().sources_thresholds == (5,) and StoryRules().window == dt.timedelta(days=14)
    with pytest.raises(ValueError, match="window_days"):
        StoryRules(window_days=0)
    with pytest.raises(ValueError, match="date_tolerance_days"):
        StoryRules(date_tolerance_days=-1)
    with pytest.raises(ValueError, match="sources_thresholds must be 2 or more"):
        StoryRules(sources_thresholds=(1, 5))
    assert parse_thresholds("5") == (5,) and parse_thresholds("10, 3,5") == (3, 5, 10)
    assert parse_thresholds("[3, 5]") == (3, 5)
    with pytest.raises(ValueError, match="'five'"):
        parse_thresholds("five")


def test_a_meeting_that_took_place_joins_its_story_even_when_the_plan_named_another_day() -> None:
    planned = report("wire.example.com", "Kim Jong Un to meet Putin next week", "2023-11-07T10:00:00Z",
                     modality="planned", date="2023-11-14")
    held = report("eurasia.example.org", "Kim Jong Un and Putin meet", "2023-11-09T10:00:00Z",
                  modality="occurred", date="2023-11-09")
    buckets, _ = run([FOUNDING, planned, held])
    story = only_story(buckets)
    assert [m.modality for m in story.modality_history] == ["potential", "planned", "occurred"]
    assert story.date == dt.date(2023, 11, 9)  # the day it took place
