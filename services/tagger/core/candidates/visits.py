"""Candidate rules for visit words: a leader's trip abroad, the meeting it implies, a minister's trip.

A head of state or government travelling to another state is on a state visit and meets whoever leads
it; a minister or envoy travelling is holding talks with the host state.
"""

from __future__ import annotations

import re

from services.tagger.core.candidates.scene import Scene
from services.tagger.core.context import Hit, Mention, Sentence, unique
from services.tagger.core.rules import rule

OFFICIAL_TRIP = rule("talks.official_trip", "candidate",
                     "A minister's or envoy's trip to another state: talks with it")
LEADER_TRIP = rule("visit.leader_trip", "candidate",
                   '"Xi\'s state visit to France", "Modi travels to Japan": the nearest leader named before travels')
REGIONAL_TOUR = rule("visit.regional_tour", "candidate",
                     '"Trump\'s Middle East tour", "an Asia trip": a leader touring a region, hosts unnamed')
VISIT_HOST = rule("meeting.visit_host", "candidate",
                  "A leader visiting another state meets whoever leads it there that day")
VISIT_SEAT_OF_POWER = rule("meeting.visit_seat_of_power", "candidate",
                           'A visit to a seat of power ("the White House", "the Kremlin") meets its occupant')
INVITED_VISITOR = rule("meeting.invited_visitor", "candidate",
                       '"Macron invited Modi to visit Paris": the visitor would meet the leader who invited him')
SUMMIT_TRIP = rule("veto.summit_trip", "veto",
                   '"Travels to South Africa for the BRICS summit": a trip to a summit is not a visit to its host')
SOMEONE_ELSES_VISIT = rule("veto.someone_elses_visit", "veto",
                           '"Met former President Clinton during a visit", "the highest-level Chinese visit to '
                           'Ukraine": the visit is not the leader\'s')

# words of travel that speak of a visit only with the place right after them ("heads to Tokyo")
TRAVEL_WORDS = frozenset(("due in", "expected in", "expected at", "heads to", "head to", "headed to", "heading to",
                          "flies to", "flew to", "jets to", "jets off to", "arriving in", "travelling to",
                          "traveling to"))
TAKING_IN = re.compile(r"^[^,;.]{0,25}\b(?:taking in|took in|takes in|spanning|including|to|of) [^,;.]{0,12}$")
# "trip", "tour", "visiting": a visit only with a destination or a region named
LOOSE_WORDS = frozenset(("trip", "tour", "visiting"))
FOR_A_SUMMIT = re.compile(r"[^.;]{0,80}?\b(?:for|to attend|attending|at) (?:the |a |an )?"
                          r"(?:(?!annual |bilateral )[a-z0-9'’-]+ ){0,5}"
                          r"(?:summit(?! with| between)|general assembly|heads of government meeting|"
                          r"leaders' meeting|g-?7|g-?20|nato|brics|apec|asean|sco|cop\d*|chogm|un)\b")


def official_trip(sc: Scene) -> None:
    """A minister's or envoy's trip abroad is consultations between officials."""
    visit = sc.triggers.get("visit")
    if not visit or not sc.officials or sc.leaders or sc.negative:
        return
    traveller = sc.officials[0]
    destination = _destination(sc.s, visit[0], traveller.country)
    if destination and visit[0].start > traveller.start:
        sc.propose("talks", OFFICIAL_TRIP, visit[0], unique([traveller.country, destination]), [traveller], 0.45)


def leader_trip(sc: Scene) -> None:
    """A leader's visit: the state visit, and the meeting with the host it implies."""
    visit, s = sc.triggers.get("visit"), sc.s
    if not visit or not sc.leaders or sc.negative:
        return
    for hit in visit:
        # the traveller: the nearest leader named before the trigger ("Xi's state visit to France")
        before = [m for m in sc.leaders if m.end <= hit.start]
        traveller = before[-1] if before else sc.leaders[0]
        if any(traveller.end <= m.start and m.end <= hit.start and not m.is_leader
               and "former " in s.folded[max(0, m.start - 25):m.start] for m in s.mentions):
            continue  # "Kim Jong Il met former President Clinton during a visit": Clinton's visit
        if any(0 <= hit.start - m.end <= 1 and m.country != traveller.country and not m.is_leader
               and m.rule.startswith("adj:") for m in s.mentions):
            continue  # "talks with Zelensky, the highest-level Chinese visit to Ukraine": not his
        # "travels to South Africa this week for the BRICS summit": not a visit to its host
        for_a_summit = FOR_A_SUMMIT.match(s.folded, hit.end) and s.contains("state visit") < 0 \
            and s.contains("official visit") < 0
        destination = _destination(s, hit, traveller.country)
        if len(sc.leader_countries) == 1 and not s.has("multilateral") and any(
                0 <= hit.start - h.end <= 1 for h in s.has("region")):
            # "Trump's Middle East tour", "a four-day Middle East visit": a tour of a region's states, hosts unnamed
            sc.propose("state_visit", REGIONAL_TOUR, hit, (traveller.country,), [traveller], 0.5)
            break
        if s.folded[hit.start:hit.end] in LOOSE_WORDS and not any(
                m.country == destination and (0 <= hit.start - m.end <= 1 or hit.end < m.start <= hit.end + 8
                                              or TAKING_IN.search(s.folded, hit.end, m.start))
                for m in s.mentions if m.start > hit.end or m.end <= hit.start):
            continue  # "his Japan trip", "a tour of Africa", "a tour taking in Ghana": the places it names
        if s.folded[hit.start:hit.end] in TRAVEL_WORDS and (s.position > 1 or not any(
                hit.end < m.start <= hit.end + 5 and m.country == destination for m in s.mentions)):
            continue  # "heads to Tokyo" in a headline or lead: the place right after the word
        if destination and (s.contains("state visit") >= 0 or s.contains("official visit") >= 0
                            or hit.start > traveller.start):
            if not for_a_summit:
                sc.propose("state_visit", LEADER_TRIP, hit, unique([traveller.country, destination]), [traveller], 0.55)
            if not sc.phone and len(sc.leader_countries) < 2:
                _visit_meeting(sc, hit, traveller, destination)
            inviter = next((m for m in sc.leaders if m.country == destination), None)
            if inviter and not sc.phone and not sc.found("leader_meeting"):
                # "Macron invited Modi to visit Paris": the visitor would meet the host who invited him
                sc.propose("leader_meeting", INVITED_VISITOR, hit, unique([traveller.country, destination]),
                           [traveller, inviter], 0.45)
            break


def _visit_meeting(sc: Scene, hit: Hit, traveller: Mention, destination: str) -> None:
    """A leader visiting another state meets whoever leads it; a visit to its seat of power ("the White
    House", "the Kremlin") says so outright. Not for summit trips, nor when the host is named anyway."""
    s = sc.s
    seat = next((m for m in s.mentions if m.start >= hit.end and m.country == destination
                 and m.rule.startswith("metonym:")), None)
    if s.has("multilateral") and not seat:
        return
    holder = sc.article.knowledge.office_holder(destination, "leader", sc.article.day)
    if holder is None:
        return
    place = seat or next((m for m in s.mentions if m.country == destination), None)
    span = (place.start, place.end) if place else (hit.start, hit.end)
    rule_id = VISIT_SEAT_OF_POWER if seat else VISIT_HOST
    label = f"seat_of_power:{holder.name}" if seat else f"host:{holder.name}"
    receiver = Mention(span[0], span[1], destination, holder.name, True, False, label, rule_id)
    sc.propose("leader_meeting", rule_id, hit, unique([traveller.country, destination]), [traveller, receiver],
               0.45 if seat else 0.4)


def _destination(s: Sentence, trigger: Hit, home: str) -> str | None:
    for mention in s.mentions:  # "his UAE visit", "begins Morocco state visit as Algeria row simmers"
        if s.folded.startswith(" to ", trigger.end):
            break  # "the highest-level Chinese visit to Ukraine": the adjective is the visitor's
        if 0 <= trigger.start - mention.end <= 1 and mention.country != home and not mention.is_leader \
                and not mention.is_official and mention.rule.startswith(("adj:", "country:", "capital:")):
            first = mention  # "his Germany and Angola trip": the first of the places listed
            while (prior := next((m for m in s.mentions if m.end < first.start and m.country != home
                                  and s.folded[m.end:first.start] in (" and ", ", ", " & ")), None)):
                first = prior
            return first.country
    for mention in s.mentions:
        if mention.start >= trigger.end and mention.country != home and not mention.is_official:
            return mention.country
    return None
