"""Candidate rules for meeting words: leaders meeting in person, and officials meeting (talks).

First the meeting word is checked (not a venue, not a thing received, not a call), then the sentence's
leaders are narrowed to those at the meeting in person, then the rules below are tried in order and the
first whose condition holds proposes the events — as an ``elif`` chain would, but each with an id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from services.tagger.core import lexicon
from services.tagger.core.candidates.scene import SPEAKING, Scene, received_a_thing
from services.tagger.core.clauses import clause
from services.tagger.core.context import Hit, Mention, Sentence, unique
from services.tagger.core.mentions import CAPITAL, OFFICIAL_PLURALS, SEAT_OF_POWER, STATE_NAME
from services.tagger.core.rules import rule

ONE_VISITOR_TWO_HOSTS = rule("meeting.one_visitor_two_hosts", "candidate",
                             '"Was due to meet Tshisekedi in Kinshasa and Kiir in Juba": two meetings, one visitor')
TWO_MEETINGS = rule("meeting.two_meetings_one_subject", "candidate",
                    '"Xi will hold talks with Tokayev and is expected to meet Putin": two meetings, one subject')
HOST_JOINS = rule("meeting.host_joins", "candidate",
                  '"Macron, who hosted the meeting, and Merkel mediated": hosts of the article\'s meeting join it')
LEADERS_MEET = rule("meeting.leaders_of_two_states", "candidate",
                    "Leaders of two or more states with a meeting word: \"Orban met Putin\"")
MEETING_ABROAD = rule("visit.meeting_abroad", "candidate",
                      '"Orban met Putin in Moscow": the leader not at home is on an official visit')
AT_SEAT_OF_POWER = rule("meeting.at_seat_of_power", "candidate",
                        '"Merz in an Oval Office meeting", "talks at the Kremlin": a leader meeting at another '
                        "state's seat of power meets its occupant")
STATE_HOSTS_LEADER = rule("meeting.state_hosts_leader", "candidate",
                          '"Beijing hosts Putin", "Kremlin welcomes Orban": a state hosting a foreign leader meets him '
                          "through whoever leads it")
THE_TWO_LEADERS = rule("meeting.the_two_leaders", "candidate",
                       '"The two leaders signed it at a ceremony hosted by Clinton": the article\'s meeting, '
                       "and its host")
LEADER_MEETS_OFFICIAL = rule("talks.leader_meets_official", "candidate",
                             "A leader meeting an official of another state: talks, not a leaders' meeting")
OFFICIALS_MEET = rule("talks.officials_meet", "candidate",
                      "Ministers, envoys or delegations of two or more states meeting")
DELEGATIONS_MEET = rule("talks.article_delegations_meet", "candidate",
                        '"The delegations are due to meet on Thursday": officials of the article\'s two states')

NOT_A_MEETING = rule("veto.not_a_meeting", "veto",
                     '"The Quad summit", "asked about the meeting", "hosts two migrant centres", "at the summit": '
                     "a grouping, a comment, a thing hosted or a venue, not leaders meeting")
BY_PHONE = rule("veto.by_phone", "veto", "A meeting word beside a call word is a call, unless a meeting is planned "
                                         'after it or one leader "joined by telephone"')
NOT_IN_PERSON = rule("veto.not_in_person", "veto",
                     'Leaders called ("call Trump on Gaza"), on the line, named in what others said, or after '
                     '"as"/"amid" ("as Trump tells Moscow"), or in another part of a headline, are not at the meeting')

TOPICAL_TALKS = rule("veto.topical_talks", "veto",
                     '"Ukraine peace talks", "EU trade talks": talks named by their subject are not a meeting of '
                     "the leaders the sentence names, unless they hold them")
# "Trump blames Zelensky as Ukraine peace talks stumble": a subject or a state before "talks"
TALKS_SUBJECT = re.compile(r"(?:^|[^a-z'])(?:" + "|".join(lexicon.TALKS_TOPICS) + r")(?:[ -][a-z]+)? $")
# "held peace talks", "to attend direct peace talks", "at peace talks": the leaders take part
TAKE_PART_BEFORE = re.compile(r"\b(?:(?:hold|holds|held|holding|join|joins|joined|joining|attend|attends|"
                              r"attended|attending|at|for|during|in)(?: (?:the|a|an))?(?: [a-z'-]+){0,2}|"
                              r"(?:have|has|had)(?: [a-z'-]+)?|(?:weeks|days|rounds?|hours) of(?: [a-z'-]+){0,4}) $")
ASKED_ABOUT = re.compile(r"\b(?:asked|questioned|quizzed) (?:about|on|over) (?:the|a|his|her|their) $")
# "Albania will host two migrant centres": a host of things, not of a guest
HOSTED_THING = re.compile(r" (?:(?:a|an|the|two|three|four|several|\d+|its|their) )?(?:[a-z-]+ ){0,2}"
                          r"(?:centres|centers|camps|bases|refugees|migrants|troops|games|olympics|world cup|"
                          r"tournament|exhibition|expo|conference|forum|festival|concert|fair|race|championships?|"
                          r"cop\d*|event)\b")
_BY_PHONE = r"(?:by (?:tele)?phone|by video|via video)"
JOINED_BY_PHONE = re.compile(r",? (?:who )?(?:also )?joined (?:the (?:meeting|talks) )?" + _BY_PHONE)
ON_THE_LINE = re.compile(r",? (?:who )?(?:joined |was |were )?(?:on the (?:line|phone)|" + _BY_PHONE + ")")
CALLED_BEFORE = re.compile(r"\b(?:call|calls|called|calling|phone|phones|phoned|rang|telephoned)\s+(?!off\b)"
                           r"(?:on\s+)?(?:[a-z.'’-]+\s+){0,3}$")
SAID_THAT = re.compile(r"\b(?:say|says|said|saying|insist|insists|insisted|insisting|warn|warns|warned|warning|"
                       r"argue|argues|argued|arguing|stress|stressed|stressing|note|noted|noting|claim|claimed|"
                       r"claiming|told [a-z]+|agree|agreed|agreeing) that\b")
# "Putin meets Witkoff as Trump tells Moscow ...": who is named after these is not at the meeting
SUBORDINATE = re.compile(r" (?:as|amid|after|while|whereas) (?!well as|part of|host|guests?\b)")
EACH_IN_ITS_CAPITAL = re.compile(r" in (?:[a-z'’-]+ ){1,3}and (?:[a-z'’-]+ ){0,4}$")
# "holds talks with A and is expected to meet B": a second meeting with the same subject
AND_THEN = re.compile(r"\band (?:is |was |will |would |also |then |later |to )*(?:[a-z]+ )?(?:to )?$"
                      r"|\b(?:before|then) (?:[a-z]+ ){1,5}$")  # "... before travelling on to Luanda to meet B"
HOSTED_THE_MEETING = re.compile(r"\b(?:hosted|co-hosted|facilitated|mediated|chaired|co-chaired|brokered) the "
                                r"(?:[a-z0-9-]+ ){0,2}(?:meeting|talks|discussions|encounter)\b|\bsat in\b|"
                                r"\bjoined them\b")
# "talks hosted by Qatar's emir", "a ceremony witnessed by President Clinton": the host takes part
HOST_BEFORE = re.compile(r"\b(?:(?:hosted|mediated|brokered|witnessed|chaired|convened) by|"
                         r"in the presence of) (?:[a-z'’-]+,? ){0,5}$")
BACKGROUND_TIME = re.compile(r"\b(?:last (?:week|month|year)|earlier this (?:month|year)|months ago|years ago)\b")


# "a summit" of more leaders than this is a summit (the summit rules), not a leaders' meeting
MOST_AT_A_MEETING = 4


@dataclass
class Meeting:
    """The meeting word of a sentence, and who the sentence places around it."""

    trigger: Hit
    between: list[Mention]  # "a meeting between A and B" / "an A-B meeting", else empty
    second: Hit | None  # a second meeting word with the same subject ("... and is expected to meet B")
    subject: list[Mention]  # leaders named before the meeting word
    guests: list[Mention]  # leaders named after it


TALKS_VERB_AFTER = re.compile(r" (?:about|of|up|down|tough|big|to reporters|to the press|on (?:tv|television))\b")
# "welcomed the agreement", "welcomes the decision": a thing welcomed, not a visitor
WELCOMED_A_THING = re.compile(r" (?:the|a|an|this|that|these|his|her|its|their|any|such) (?!(?:[a-z'’-]+ ){0,2}"
                              r"(?:president|prime minister|leader|king|queen|emir|chancellor|pope|premier|"
                              r"crown prince|sultan|minister|delegation|envoy|counterpart|visitor|guest))")


def meeting_words(sc: Scene) -> list[Hit]:
    """Meeting words that speak of leaders meeting, not of a grouping, a comment, a thing or a venue."""
    s, triggers = sc.s, sc.triggers
    if s.field == "title" and s.folded.startswith("meet the "):
        return []  # "Meet the Russian dubbed 'Putin's brain'": an introduction, not a meeting
    return [h for h in triggers.get("meeting", ())
            # "the Quad summit" is a multilateral gathering, not a meeting of the leaders it names
            if not any(0 <= h.start - m.end <= 2 for m in s.has("multilateral"))
            and not received_a_thing(s, h)
            # "Biden, asked about the meeting, said ...": he is commenting on it, not at it
            and not ASKED_ABOUT.search(s.folded, max(0, h.start - 30), h.start)
            and not (s.folded[h.start:h.end].endswith(("host", "hosts", "hosted"))
                     and (HOSTED_THING.match(s.folded, h.end) or "summit" in triggers))
            # "hosts the leaders of Turkey, Iran and Qatar at the summit": the venue, not the meeting
            and not (s.folded[h.start:h.end] == "summit" and s.folded[:h.start].endswith(("at the ", "at a ")))
            and not topical_talks(s, h)
            # "Why Trump talks about Putin so much": the verb, not a meeting
            and not (s.folded[h.start:h.end] == "talks" and TALKS_VERB_AFTER.match(s.folded, h.end))
            and not (s.folded[h.start:h.end] in ("welcomed", "welcomes", "welcome") and WELCOMED_A_THING.match(
                s.folded, h.end))]


def topical_talks(s: Sentence, hit: Hit) -> bool:
    """"Ukraine peace talks", "U.S.-China trade talks": talks named by their subject or by a state before
    the word are negotiations the sentence speaks of, not a meeting of its leaders ("held peace talks" is)."""
    if s.folded[hit.start:hit.end] != "talks":
        return False
    before = s.folded[max(0, hit.start - 40):hit.start]
    if TAKE_PART_BEFORE.search(before) or s.folded.startswith((" with ", " between "), hit.end):
        return False
    if TALKS_SUBJECT.search(before):
        return True
    return any(0 <= hit.start - m.end <= 1 and not m.is_leader and not m.is_official for m in s.mentions)


def in_person(sc: Scene, meeting: list[Hit]) -> bool:
    """A call is not a meeting, but "will meet Putin in Budapest after a phone call" plans one."""
    phone, s = sc.phone, sc.s
    if not phone:
        return True
    if meeting and meeting[0].value[1] == "future" and meeting[0].end < phone[0].start:
        return True
    # "Erdogan joined by telephone", "with Erdogan on the line": his call, while the others met in person
    return bool(meeting) and all(any(m.end < h.start <= m.end + 25 and (JOINED_BY_PHONE.match(s.folded, m.end)
                                                                     or ON_THE_LINE.match(s.folded, m.end))
                                     for m in sc.leaders) for h in phone)


def leader_meetings(sc: Scene, meeting: list[Hit]) -> None:
    """Narrow the sentence to who is at the meeting, then let the first rule that applies propose."""
    # "met Hu ... while praising China for staging the Olympic Games": only a nearby sports or business
    # word makes the meeting something else ("a cabinet meeting", "the football match against")
    if not meeting or not in_person(sc, meeting) or any(
            h.start - 60 < meeting[0].end and meeting[0].start < h.end + 60 for h in sc.s.has("negative")):
        return
    view = _narrow(sc, meeting)
    for rule_applies in MEETING_RULES:
        if rule_applies(sc, view):
            return


def _narrow(sc: Scene, meeting: list[Hit]) -> Meeting:
    s, trigger = sc.s, meeting[0]
    leaders = present(s, trigger, sc.leaders)
    part_start = s.folded.rfind(";", 0, trigger.start) + 1
    part_end = s.folded.find(";", trigger.end)
    part_end = len(s.folded) if part_end == -1 else part_end
    if any(not part_start <= m.start < part_end for m in leaders):
        # "Putin opens BRICS summit; Modi and Xi to hold talks": only the meeting's own part
        leaders = [m for m in leaders if part_start <= m.start < part_end]
    between = _between(s, trigger, leaders) or _compound_before(s, trigger, leaders)
    if between:  # "a meeting between Putin and Zelensky", whoever else the sentence names
        leaders = between
    elif (aside := SUBORDINATE.search(s.folded, trigger.end)) and any(m.start < aside.start() for m in leaders):
        # "Putin meets Witkoff as Trump tells Moscow to get moving": Trump is not at the meeting
        leaders = [m for m in leaders if m.start < aside.start()]
    sc.leaders, sc.leader_countries = leaders, unique(m.country for m in leaders)
    second = next((h for h in meeting[1:] if AND_THEN.search(s.folded, max(0, h.start - 45), h.start)
                   and any(trigger.end <= m.start < h.start for m in leaders)), None)
    return Meeting(trigger, between, second, [m for m in leaders if m.end <= trigger.start],
                   [m for m in leaders if m.start >= trigger.end])


def _one_visitor_two_hosts(sc: Scene, m: Meeting) -> bool:
    if not (m.subject and len(m.guests) >= 2 and not m.between and len(sc.leader_countries) >= 3
            and EACH_IN_ITS_CAPITAL.match(sc.s.folded[m.guests[0].end:m.guests[1].start])):
        return False
    for guest in m.guests[:2]:
        sc.propose("leader_meeting", ONE_VISITOR_TWO_HOSTS, m.trigger, unique(x.country for x in [*m.subject, guest]),
                   [*m.subject, guest], 0.6)
    return True


def _two_meetings_one_subject(sc: Scene, m: Meeting) -> bool:
    if not (m.second and not m.between and len(sc.leader_countries) >= 3):
        return False
    second = m.second
    for trigger, guests in ((m.trigger, [x for x in sc.leaders if m.trigger.end <= x.start < second.start]),
                            (second, [x for x in sc.leaders if x.start >= second.end])):
        pair = unique(x.country for x in m.subject + guests)
        if len(pair) >= 2:
            sc.propose("leader_meeting", TWO_MEETINGS, trigger, pair, m.subject + guests, 0.6)
    return True


def _host_joins(sc: Scene, m: Meeting) -> bool:
    main_pair = sc.article.main_pair
    if not (main_pair and sc.leaders and not set(sc.leader_countries) <= set(main_pair)
            and HOSTED_THE_MEETING.search(sc.s.folded)):
        return False
    sc.propose("leader_meeting", HOST_JOINS, m.trigger, unique([*main_pair, *sc.leader_countries]), sc.leaders, 0.35)
    return True


def _leaders_of_two_states(sc: Scene, m: Meeting) -> bool:
    if len(sc.leader_countries) < 2:
        return False
    if len(sc.leader_countries) > MOST_AT_A_MEETING and sc.s.folded[m.trigger.start:m.trigger.end] in ("summit",
                                                                                                    "summits"):
        return True  # "a summit of European leaders" with seven of them named is a summit, not their meeting
    sc.propose("leader_meeting", LEADERS_MEET, m.trigger, sc.leader_countries, sc.leaders, 0.6)
    host = None if sc.s.has("multilateral") else _host(sc.s, sc.leader_countries)
    visitors = [x for x in sc.leaders if x.country != host]
    if host and visitors:  # "Orban met Putin in Moscow": Orban is on an official visit
        sc.propose("state_visit", MEETING_ABROAD, m.trigger, sc.leader_countries, visitors[:1], 0.4)
    return True


def _at_seat_of_power(sc: Scene, m: Meeting) -> bool:
    """One leader, a meeting word and another state's seat of power next to it: "an Oval Office meeting"."""
    if len(sc.leader_countries) != 1 or sc.s.has("multilateral"):
        return False
    visitor = sc.leaders[0]
    seat = next((x for x in sc.s.mentions if x.rule_id == SEAT_OF_POWER and x.country not in (visitor.country, "EU")
                 and -45 < x.start - m.trigger.end < 45), None)
    if seat is None:
        return False
    holder = sc.article.knowledge.office_holder(seat.country, "leader", sc.article.day)
    if holder is None or holder.name == visitor.name:
        return False
    host = Mention(seat.start, seat.end, seat.country, holder.name, True, False, f"seat_of_power:{holder.name}",
                   AT_SEAT_OF_POWER)
    sc.propose("leader_meeting", AT_SEAT_OF_POWER, m.trigger, unique([visitor.country, seat.country]), [visitor, host],
               0.5)
    return True


HOSTING_WORDS = frozenset(("hosts", "hosted", "host", "to host", "will host", "welcomes", "welcomed", "receives",
                           "received", "invites", "invited"))


def _state_hosts_leader(sc: Scene, m: Meeting) -> bool:
    """"Beijing hosts Putin": a capital, seat of power or state right before a hosting word, one foreign leader
    after it; the host's leader that day receives him."""
    s, trigger = sc.s, m.trigger
    if len(sc.leader_countries) != 1 or s.folded[trigger.start:trigger.end] not in HOSTING_WORDS \
            or s.has("multilateral"):
        return False
    host = next((x for x in s.mentions if 0 <= trigger.start - x.end <= 1 and not x.is_leader and not x.is_official
                 and x.rule_id in (CAPITAL, SEAT_OF_POWER, STATE_NAME)), None)
    guest = sc.leaders[0]
    if host is None or host.country == guest.country or guest.start < trigger.end:
        return False
    holder = sc.article.knowledge.office_holder(host.country, "leader", sc.article.day)
    if holder is None:
        return False
    receiver = Mention(host.start, host.end, host.country, holder.name, True, False, f"host:{holder.name}",
                       STATE_HOSTS_LEADER)
    sc.propose("leader_meeting", STATE_HOSTS_LEADER, trigger, unique([guest.country, host.country]),
               [guest, receiver], 0.5)
    sc.propose("state_visit", MEETING_ABROAD, trigger, unique([guest.country, host.country]), [guest], 0.4)
    return True


def _the_two_leaders(sc: Scene, m: Meeting) -> bool:
    main_pair, s = sc.article.main_pair, sc.s
    if not (s.has("coref_pair") and main_pair and len(sc.leaders) <= 2):
        return False
    # "the two leaders signed it at a ceremony hosted by Clinton": the host joins them
    hosts = [x for x in sc.leaders if HOST_BEFORE.search(s.folded, max(0, x.start - 60), x.start)
             and not BACKGROUND_TIME.search(s.folded)]  # "follows talks hosted by Erdogan last month"
    sc.propose("leader_meeting", THE_TWO_LEADERS, m.trigger, unique([*main_pair, *(x.country for x in hosts)]),
               sc.leaders, 0.35)
    return True


def _leader_meets_official(sc: Scene, m: Meeting) -> bool:
    if not (len(sc.leaders) == 1 and sc.officials and any(o.country != sc.leaders[0].country for o in sc.officials)):
        return False
    sc.propose("talks", LEADER_MEETS_OFFICIAL, m.trigger, unique(x.country for x in sc.people), sc.people, 0.5)
    return True


def _officials_meet(sc: Scene, m: Meeting) -> bool:
    if not (len(sc.leader_countries) < 2 and (
            len(unique(x.country for x in sc.officials)) >= 2
            or (sc.s.has("official_title") and not sc.leaders and len(sc.all_countries) >= 2))):
        return False
    sc.propose("talks", OFFICIALS_MEET, m.trigger, unique(x.country for x in sc.officials) or sc.all_countries,
               sc.people, 0.45)
    return True


def _article_delegations_meet(sc: Scene, m: Meeting) -> bool:
    pair = sc.article.main_pair or sc.article.context_pair
    if sc.leaders or len(sc.all_countries) >= 2 or not pair or not any(
            h.value in OFFICIAL_PLURALS and not SPEAKING.match(sc.s.folded, h.end) for h in sc.s.has("official_title")):
        return False
    # "the delegations are due to meet on Thursday", "the foreign secretaries of the two countries"
    sc.propose("talks", DELEGATIONS_MEET, m.trigger, pair, sc.people, 0.35)
    return True


MEETING_RULES: tuple[Callable[[Scene, Meeting], bool], ...] = (
    _one_visitor_two_hosts, _two_meetings_one_subject, _host_joins, _leaders_of_two_states, _at_seat_of_power,
    _state_hosts_leader, _the_two_leaders,
    _leader_meets_official, _officials_meet, _article_delegations_meet,
)


def present(s: Sentence, trigger: Hit, leaders: list[Mention]) -> list[Mention]:
    """The leaders a meeting sentence names who are at the meeting in person."""
    # "meet in Cairo, call Trump on Gaza", "with Erdogan on the line": not there in person
    leaders = [m for m in leaders if not CALLED_BEFORE.search(s.folded, max(0, m.start - 40), m.start)
               and not ON_THE_LINE.match(s.folded, m.end)]
    said_before = list(SAID_THAT.finditer(s.folded, 0, trigger.start))
    if said_before and any(said_before[-1].end() <= h.start < trigger.start and (
            h.value in OFFICIAL_PLURALS or h.value in ("envoy", "special envoy", "delegation"))
            for h in s.has("official_title")):
        # "Modi and Xi agreed that their special representatives would meet soon": the envoys meet
        leaders = [m for m in leaders if m.start > said_before[-1].end()]
    if (said := SAID_THAT.search(s.folded, trigger.end)) and len(
            unique(m.country for m in leaders if m.start < said.start())) >= 2:
        # "met ..., with both insisting that the Iraqi president posed a threat": what they said
        leaders = [m for m in leaders if m.start < said.start()]
    return leaders


def hosts_of(s: Sentence, mentions: list[Mention]) -> list[Mention]:
    """Leaders a sentence names as hosting, mediating or witnessing: "hosted by the emir"."""
    if HOSTED_THE_MEETING.search(s.folded):  # "Macron, who hosted the meeting, and Merkel mediated"
        return [m for m in mentions if m.is_leader]
    return [m for m in mentions if m.is_leader and HOST_BEFORE.search(s.folded, max(0, m.start - 60), m.start)]


def _between(s: Sentence, trigger: Hit, leaders: list[Mention]) -> list[Mention]:
    """Leaders named right after "<meeting> between" (or "with"), up to the end of the clause."""
    if not s.folded[trigger.end:trigger.end + 10].startswith(" between "):
        return []
    _, clause_end = clause(s.folded, trigger.start, trigger.end)
    named = [m for m in leaders if trigger.end < m.start < clause_end]
    return named if len(unique(m.country for m in named)) >= 2 else []


def _compound_before(s: Sentence, trigger: Hit, leaders: list[Mention]) -> list[Mention]:
    """"a Putin-Zelensky meeting", "the Trump–Kim summit": the leaders joined right before the word."""
    last = next((m for m in leaders if 0 <= trigger.start - m.end <= 1), None)
    if last is None:
        return []
    named = [last]
    while (prior := next((m for m in leaders if m.end < named[0].start
                          and s.folded[m.end:named[0].start] in ("-", "–", "—", "/")), None)):
        named.insert(0, prior)
    return named if len(unique(m.country for m in named)) >= 2 else []


def _host(s: Sentence, countries: tuple[str, ...]) -> str | None:
    """The participant state a meeting takes place in: "in Moscow", "at the Kremlin", "to Beijing"."""
    for mention in s.mentions:
        if mention.country not in countries or mention.is_leader or mention.is_official:
            continue
        kind = mention.rule.split(":", 1)[0]
        before = s.folded[max(0, mention.start - 10):mention.start]
        if kind in ("capital", "country", "metonym") and before.endswith(
                ("in ", "to ", "at the ", "in the ", "at ", "visit ", "visiting ", "arrived in ")):
            return mention.country
    return None
