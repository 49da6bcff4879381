"""Stage 5: an article's candidates become its events — one per type, with evidence naming every rule.

The candidates of one type are merged: for leader meetings, the pair of states most sentences support
wins (hosts and mediators named beside it widen it); the modality is that of the most confident
candidate, unless a denial or cancellation in the lead outranks it; the evidence is the words of the
first four candidates, each span naming the rules that put it there.
"""

from __future__ import annotations

from collections import defaultdict

from services.tagger.core.candidates.meetings import (
    ONE_VISITOR_TWO_HOSTS,
    TWO_MEETINGS,
    hosts_of,
)
from services.tagger.core.context import Article, Candidate
from services.tagger.core.dates import resolve_date
from services.tagger.core.modality import CUE
from services.tagger.core.model import Evidence, TaggedEvent
from services.tagger.core.rules import rule

MEETING_PAIR = rule("event.meeting_pair", "event",
                    "A leader meeting's states: the pair most of its sentences support; hosts and mediators widen it")
STRONGEST = rule("event.most_confident_modality", "event",
                 "An event's modality is that of its most confident candidate that has one")
DENIAL_OUTRANKS = rule("event.denial_in_lead_outranks", "event",
                       "A denial or cancellation in the lead outranks an earlier announcement, unless the event "
                       "occurred")
OTHER_MEETINGS = rule("event.other_meetings", "event",
                      'A second meeting in one sentence ("met Biden, then flew on to meet Albanese") is an event of '
                      "its own")
DEFAULT_OCCURRED = rule("event.default_occurred", "event", "No rule decided the modality: the event occurred")

# rules that find two meetings in one sentence: a second pair stated there is its own event (measured on the
# labelled sets: 18 of 21 such pairs right; any other pair the main meeting leaves out, 233 of 347)
SPLIT_MEETINGS = frozenset((ONE_VISITOR_TWO_HOSTS, TWO_MEETINGS))


def merge_events(candidates: list[Candidate], article: Article) -> list[TaggedEvent]:
    by_type: dict[str, list[Candidate]] = defaultdict(list)
    for cand in candidates:
        by_type[cand.type].append(cand)
    events = []
    for kind, group in by_type.items():
        if kind != "leader_meeting":
            events.append(_event(kind, group, article))
            continue
        main = _event(kind, _meeting_group(group), article)
        events.append(main)
        for chosen in _other_meetings(group, main):
            other = _event(kind, chosen, article, (OTHER_MEETINGS,))
            # the article's own meeting stays its most confident one
            other.confidence = min(other.confidence, round(main.confidence - 0.01, 3))
            events.append(other)
    events.sort(key=lambda e: (e.type != "leader_meeting", -e.confidence))
    return events


def _event(kind: str, chosen: list[Candidate], article: Article, extra_rules: tuple[str, ...] = ()) -> TaggedEvent:
    modality, modality_rules = _modality(chosen)
    future = modality in ("planned", "potential")
    date = None
    for cand in chosen:
        date = resolve_date(cand.sentence.text, article.day, future, relative=article.dated)
        if date:
            break
    countries = list(chosen[0].countries)
    if kind == "leader_meeting":
        # the best-supported pair, widened only by a candidate that names the extra states as hosts
        pair = _best_pair(chosen)
        wider = [c for c in chosen if set(pair) < set(c.countries)
                 and set(c.countries) - set(pair) <= {m.country for m in hosts_of(c.sentence, c.mentions)}]
        countries = list(max(wider, key=lambda c: len(c.countries)).countries if wider else pair)
    leaders = sorted({name for c in chosen if c.countries == tuple(countries) or kind != "leader_meeting"
                      for name in c.leaders})
    if kind == "leader_meeting":
        leaders = sorted({m.name for c in chosen for m in c.mentions
                          if m.is_leader and m.name and m.country in countries})
    evidence = _evidence(chosen, [*extra_rules, *modality_rules], kind == "leader_meeting")
    confidence = min(0.98, max(c.weight for c in chosen) + 0.08 * (len(chosen) - 1))
    return TaggedEvent(kind, modality, countries, leaders, date, _location(chosen), evidence, round(confidence, 3))


def _other_meetings(group: list[Candidate], main: TaggedEvent) -> list[list[Candidate]]:
    """Further leader meetings of the same article ("Xi met Biden, then flew on to meet Albanese"): pairs
    the main meeting does not cover, from a rule that found two meetings in one sentence."""
    covered = [set(main.countries)]
    rest = [c for c in group if not set(c.countries) <= covered[0]]
    others = []
    while rest:
        chosen = _meeting_group(rest)
        rest = [c for c in rest if c not in chosen]
        pair = set(max(chosen, key=lambda c: len(c.countries)).countries)
        if any(c.rule_id in SPLIT_MEETINGS for c in chosen) and not any(pair <= seen for seen in covered):
            others.append(chosen)
            covered.append(pair)
    return others


def _best_pair(group: list[Candidate]) -> tuple[str, ...]:
    scores: dict[tuple[str, ...], float] = defaultdict(float)
    for cand in group:
        scores[cand.countries] += cand.weight
    return max(scores, key=lambda k: (scores[k], -group.index(next(c for c in group if c.countries == k))))


def _meeting_group(group: list[Candidate]) -> list[Candidate]:
    """The candidates of the article's leader meeting: the best-supported pair, plus weak candidates and
    wider ones whose extra states are hosts or mediators ("hosted by the emir")."""
    scores: dict[tuple[str, ...], float] = defaultdict(float)
    for cand in group:
        scores[cand.countries] += cand.weight
    best = max(scores, key=lambda k: (scores[k], -group.index(next(c for c in group if c.countries == k))))
    return [c for c in group if c.countries == best or c.weight < 0.4
            or (set(best) < set(c.countries)
                and set(c.countries) - set(best) <= {m.country for m in hosts_of(c.sentence, c.mentions)})]


def _modality(chosen: list[Candidate]) -> tuple[str, list[str]]:
    """The event's modality and the ids of the rules that decided it."""
    decided = next((c for c in sorted(chosen, key=lambda c: -c.weight) if c.modality), None)
    modality = decided.modality if decided else None
    rules = [STRONGEST, decided.modality_rule or CUE] if decided else []
    # a denial or cancellation anywhere near the lead outranks an earlier announcement; not a meeting
    # the lead says took place (a later "will not attend" is about something else)
    if modality != "occurred":
        denial = next((c for c in chosen if c.modality in ("denied", "cancelled")
                       and (c.sentence.position <= 1 or c.weight >= 0.6)), None)
        if denial is not None:
            modality, rules = denial.modality, [DENIAL_OUTRANKS, denial.modality_rule or CUE]
    if modality is None:
        return "occurred", [DEFAULT_OCCURRED]
    return modality, rules


def _evidence(chosen: list[Candidate], modality_rules: list[str], meeting: bool) -> list[Evidence]:
    """The words of the first four candidates; each span names the rules that made it evidence, and the
    first trigger also names how the event's states and modality were decided."""
    spans: dict[tuple[str, int, int], tuple[str, str, list[str]]] = {}
    for number, cand in enumerate(chosen[:4]):
        s = cand.sentence
        trigger_rules = [cand.rule_id]
        if cand.modality_rule and not cand.cue:
            trigger_rules.append(cand.modality_rule)
        if number == 0:
            trigger_rules += [MEETING_PAIR] if meeting else []
            trigger_rules += modality_rules
        items = [(cand.trigger.start, cand.trigger.end, f"{cand.type}.trigger", trigger_rules)]
        items += [(m.start, m.end, m.rule, [m.rule_id]) for m in cand.mentions]
        if cand.cue:
            items.append((cand.cue.start, cand.cue.end, f"modality.{cand.cue.value}", [cand.modality_rule or CUE]))
        for start, end, label, rule_ids in items:
            key = (s.field, s.start + start, s.start + end)
            if key not in spans:
                spans[key] = (label, s.text[start:end], [])
            known = spans[key][2]
            known.extend(r for r in rule_ids if r not in known)
    evidence = [Evidence(field, start, end, text, label, tuple(rule_ids))
                for (field, start, end), (label, text, rule_ids) in spans.items()]
    return sorted(evidence, key=lambda e: (e.field != "title", e.start))


def _location(chosen: list[Candidate]) -> str | None:
    for cand in chosen:
        folded = cand.sentence.folded
        for mention in cand.sentence.mentions:
            if mention.rule.startswith("capital:") and folded[max(0, mention.start - 3):mention.start] == "in ":
                return cand.sentence.text[mention.start:mention.end]
    return None
