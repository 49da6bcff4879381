"""Rule-based event tagger: one Aho-Corasick pass per field, then per-sentence rules.

Why rules and not a model: every event must point at the words that caused it (evidence spans),
tagging must run at thousands of articles per second on one core, and analysts must be able to
read why an alert fired.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import ahocorasick

from services.tagger.core import lexicon
from services.tagger.core.dates import MONTH_NAMES, WEEKDAY_NAMES, resolve_date
from services.tagger.core.knowledge import Knowledge, Leader, load_knowledge
from services.tagger.core.lexicon import (
    AGREED_TO_A_DEAL,
    COREF_PAIR,
    HEDGED_OCCASIONS,
    MODALS,
    OFFICIAL_GROUPS,
    PRESENT_TENSE_MOVES,
    SIGNING_WORDS,
    STATE_TALKS_WORDS,
    TRIGGER_SETS,
)
from services.tagger.core.model import Document, Evidence, TaggedEvent
from services.tagger.core.text import SentenceIndex, bounded, fold, sentence_spans, word_form

TAGGER_VERSION = "rules-4"  # bump when rules change, so re-tagging can be told apart

MODALITY_ORDER = ("denied", "cancelled", "potential", "planned", "occurred")
PROPER_KINDS = frozenset({"leader", "surname", "country", "adj", "capital", "metonym"})
# "signed an executive order", "signs the bill into law": a state's own act, not a deal between states
DOMESTIC_ACT = re.compile(r" (?:(?:an?|the|two|several|[a-z]+'s)\s+)?(?:new\s+)?(?:[a-z-]+\s+)?"
                          r"(?:order|orders|decree|decrees|law|laws|bill|bills|legislation|proclamation|memo)\b")
# "officials said Xi would hold talks": an announced plan, not a hedge
REPORTED = re.compile(r"\b(?:officials|ministry|spokesman|spokeswoman|spokesperson|kremlin|aide) "
                      r"(?:said|says|announced|confirmed) (?:that )?(?:[a-z'-]+ ){0,4}$")
ARRIVED_TO = re.compile(r"\b(?:flew|travelled|traveled|went|came|arrived|arrives|crossed|crosses|stepped|steps|"
                        r"drove|landed|lands|(?:made|makes) (?:an? )?(?:[a-z-]+ ){0,2}(?:visit|trip|stop|stopover|"
                        r"journey))\b[^,;]*$")
# Surnames that are also names of days and months ("Friday"): a leader only after the full name came up
WORDLIKE_SURNAMES = frozenset((*WEEKDAY_NAMES, *MONTH_NAMES))
# "will inaugurate the plant via videoconference": leaders opening something together, not calling each other
CEREMONY_BY_VIDEO = re.compile(r"\b(?:inaugurat|launch|unveil|open(?:ed|s)? the|address|broke ground|lay the|"
                               r"appear)[^,;]*$")
# "Putin's envoy", "Trump's son-in-law": the leader is named, someone else acts
PROXY_AFTER = re.compile(r"(?:'s|’s) (?:[a-z-]+ ){0,3}(?:envoys?|emissary|aides?|advis[eo]rs?|"
                         r"spokes(?:man|woman|person)|representatives?|chief of staff|son|daughter|wife|husband|"
                         r"brother|sister|son-in-law|negotiators?|ministers?|officials|government|administration|"
                         r"office|party|team)\b")
MESSAGE_FROM = re.compile(r"\b(?:(?:message|letter|note|greetings|invitation)s? from|on behalf of|"
                          r"(?:advis[eo]r|aide|envoy|emissary|spokes(?:man|woman|person)|representative|negotiator)s? "
                          r"(?:to|of|for)) (?:[a-z'’.-]+ ){0,3}$")
BARE_PROXY_AFTER = re.compile(r" (?:envoys?|emissary|aides?|advis[eo]rs?|negotiators?|officials|administration)\b")
RELATIVE_BEFORE = re.compile(r"\b(?:first lady|wife|husband|son|daughter|brother|sister|mother|father|widow|"
                             r"nephew|niece|grandson|granddaughter),? [a-z]+ $")
# "Putin meets Witkoff as Trump tells Moscow ...": who is named after these is not at the meeting
SUBORDINATE = re.compile(r" (?:as|amid|after|while|whereas) (?!well as|part of|host|guests?\b)")
# "the two leaders held formal talks": a past verb before a noun trigger
HELD_BEFORE = re.compile(r"\b(?:held|had|hosted|concluded|wrapped up|began|opened|attended)(?: [a-z'-]+){0,3} $")
# parts of a visit whose cancellation or planning says nothing of the meeting itself
_SIDE_EVENTS = (r"(?:signing|ceremony|lunch|dinner|banquet|news conference|press conference|joint statement|"
                r"photo opportunity|walkabout)\b")
SIDE_EVENT = re.compile(r"\b" + _SIDE_EVENTS + r"[^,;]{0,30}$")  # "a signing ceremony was called off"
SIDE_EVENT_AFTER = re.compile(r"(?: [a-z'-]+){0,2} " + _SIDE_EVENTS)  # "a planned working lunch"
# "in December 2007": an event dated months or years back is history
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, 1)}
PAST_YEAR = re.compile(r"\b(?:in|during) (?:(?:early |late |mid-)?(" + "|".join(MONTHS) + r") )?((?:19|20)\d\d)\b")
# "Kim May Visit Russia": in Title Case, "May" before a verb is the modal
BACKGROUND_TIME = re.compile(r"\b(?:last (?:week|month|year)|earlier this (?:month|year)|months ago|years ago)\b")
# verbs of meeting and travel, after a modal: "May Visit", "could meet", "may take place"
_MEETING_VERBS = (r"meet|visit|travel|hold|attend|host|sign|skip|go|be|seek|cancel|postpone|join|make|return|talk|"
                  r"discuss|call|invite|head|fly")
MAY_THEN_VERB = re.compile(r" (?:not |also |soon |still )?(?:" + _MEETING_VERBS + r")\b")
# "to make a visit" or "to pay a visit" plans one; "to make contacts" does not
MADE_VISIT = re.compile(r"(?: [a-z'-]+){0,4} (?:visit|trip|stop|stopover|tour|journey)\b")
# "a sign of warming ties", "no signs of progress": the noun, not the verb
SIGN_NOUN = re.compile(r"\b(?:a|the|no|any|first|clear|latest|another|strongest|encouraging|positive|welcome|"
                       r"further|fresh|new|little|early|[a-z]+est) $")
SIGN_NOUN_AFTER = re.compile(r" (?:of|yet|that)\b")
# "its refusal to agree to a ceasefire", "an unsuccessful attempt to sign a peace treaty": no agreement
UNDONE_BEFORE = re.compile(r"\b(?:refus\w*|fail\w*|declin\w*|unwilling|unable|attempts?|bid|efforts?)"
                           r"(?: [a-z'-]+){0,2} to $")
# after a modal, verbs that are not about meeting: "might sign", "could discuss", "could be operational"
OTHER_VERB_AFTER = re.compile(r" (?:also |still |soon |then )?(?:sign|discuss|focus|address|cover|include|boost|ease|"
                              r"help|pave|cost|affect|announce|unveil|"
                              r"agree|approve|handle|take effect|be (?!held|hosted|organi[sz]ed|arranged|scheduled|"
                              r"the first|their|his|her|a meeting|a summit|a visit|invited|received|welcomed))")
# the verbs after a modal that still speak of the meeting or the trip ("could meet", "may take place")
MODAL_KEEPS = re.compile(
    r"[,.;]| [‘'\"“]?(?:not |also |soon |still |then |probably |possibly |likely |well |even |yet |eventually |"
    r"finally |now |only |[a-z]+ly )*(?:" + _MEETING_VERBS + r"|take|happen|come|occur|see|sit|stop|arrive|get|"
    r"start|resume|begin|open|welcome|receive|have|pay|tour|accept|agree|decide|choose|plan|want|like|consider|try|"
    r"use|shake|greet|embrace|reach|lead|go ahead|proceed|convene|gather|summit|chat|confer|engage|love|prefer)")
PRESENT_MOVE_BEFORE = re.compile(r"\b(?:arrives in|travels to|heads to|flies to|visits)\b[^,;]*$")
# "Albania will host two migrant centres": a host of things, not of a guest
HOSTED_THING = re.compile(r" (?:(?:a|an|the|two|three|four|several|\d+|its|their) )?(?:[a-z-]+ ){0,2}"
                          r"(?:centres|centers|camps|bases|refugees|migrants|troops|games|olympics|world cup|"
                          r"tournament|exhibition|expo|conference|forum|festival|concert|fair|race|championships?|"
                          r"cop\d*|event)\b")
SAID_THAT = re.compile(r"\b(?:say|says|said|saying|insist|insists|insisted|insisting|warn|warns|warned|warning|"
                       r"argue|argues|argued|arguing|stress|stressed|stressing|note|noted|noting|claim|claimed|"
                       r"claiming|told [a-z]+|agree|agreed|agreeing) that\b")
HOSTED_THE_MEETING = re.compile(r"\b(?:hosted|co-hosted|facilitated|mediated|chaired|co-chaired|brokered) the "
                                r"(?:[a-z0-9-]+ ){0,2}(?:meeting|talks|discussions|encounter)\b|\bsat in\b|"
                                r"\bjoined them\b")
PLANS_NOUN = re.compile(r"\b(?:concrete|detailed|new|military|defence|defense|contingency|economic|future|"
                        r"ambitious|agree|adopt|approve|its|their) $")
# a summit of many, whoever the sentence names: "on the sidelines of a summit of Southeast Asian leaders"
GATHERING = re.compile(r"\b(?:sidelines of (?:a|an|the) (?:[a-z'-]+ ){0,4}summit|summit of (?:[a-z'-]+ ){0,4}"
                       r"(?:leaders|heads of state|heads of government|nations|countries|states)|summit hosted by|"
                       r"regional summit)\b")
FOR_A_SUMMIT = re.compile(r"[^.;]{0,80}?\b(?:for|to attend|attending|at) (?:the |a |an )?"
                          r"(?:(?!annual |bilateral )[a-z0-9'’-]+ ){0,5}"
                          r"(?:summit(?! with| between)|general assembly|heads of government meeting|"
                          r"leaders' meeting)\b")
ACCEPTED = re.compile(r"\b(?:accepted|accepts|has accepted|agreed to come|agreed to go)\b")
_BY_PHONE = r"(?:by (?:tele)?phone|by video|via video)"
JOINED_BY_PHONE = re.compile(r",? (?:who )?(?:also )?joined (?:the (?:meeting|talks) )?" + _BY_PHONE)
EACH_IN_ITS_CAPITAL = re.compile(r" in (?:[a-z'’-]+ ){1,3}and (?:[a-z'’-]+ ){0,4}$")
CALLED_BEFORE = re.compile(r"\b(?:call|calls|called|calling|phone|phones|phoned|rang|telephoned)\s+"
                           r"(?:on\s+)?(?:[a-z.'’-]+\s+){0,3}$")
ON_THE_LINE = re.compile(r",? (?:who )?(?:joined |was |were )?(?:on the (?:line|phone)|" + _BY_PHONE + ")")
# "talks hosted by Qatar's emir", "a ceremony witnessed by President Clinton": the host takes part
HOST_BEFORE = re.compile(r"\b(?:(?:hosted|mediated|brokered|witnessed|chaired|convened) by|"
                         r"in the presence of) (?:[a-z'’-]+,? ){0,5}$")
# "holds talks with A and is expected to meet B": a second meeting with the same subject
AND_THEN = re.compile(r"\band (?:is |was |will |would |also |then |later |to )*(?:[a-z]+ )?(?:to )?$"
                      r"|\b(?:before|then) (?:[a-z]+ ){1,5}$")  # "... before travelling on to Luanda to meet B"
SPEAKING = re.compile(r"(?:,? [a-z'-]+){0,2},? (?:said|say|says|told|announced|confirmed|added|noted|warned|expect|"
                      r"expected|believe|believed|cautioned|insisted|stressed|briefed|familiar with)\b")
# "the first prime minister to visit Ireland": a description, not a plan
FIRST_TO = re.compile(r"\b(?:first|second|third|last|only|latest|youngest|oldest)\b(?: [a-z'-]+){0,4} $")
# "at Trump's invitation": the visit is on, the invitation was accepted
AT_INVITATION = re.compile(r"\bat (?:the )?(?:[a-z'-]+ ){0,2}$")
CONDITION = re.compile(r"\b(?:unless|until)\b")  # "as long as he is in power" is a refusal, not a condition
# "were not holding talks", "did not hold a bilateral meeting"
NOT_BEFORE = re.compile(r"\b(?:not|never|n't)(?: yet| currently| now)?(?: (?:hold|have|had|held|a|any|formal|"
                        r"separate|their|planned))* $")
NO_BEFORE = re.compile(r"\bno\s+(?:[a-z'-]+\s+){0,2}$")
OFFICIAL_PLURALS = OFFICIAL_GROUPS | {t for t in lexicon.OFFICIAL_TITLES if t.endswith(("ministers", "secretaries"))}
ASKED_ABOUT = re.compile(r"\b(?:asked|questioned|quizzed) (?:about|on|over) (?:the|a|his|her|their) $")
FOR_BEFORE = re.compile(r"\bfor (?:urgent |further |immediate )?$")  # "recalled for urgent consultations"


class Hit(NamedTuple):
    """A lexicon entry found in the text (a tuple: created by the ten thousand per second)."""

    start: int
    end: int
    kind: str
    value: Any


@dataclass(slots=True)
class Mention:
    """A person or state taking part: a leader, an official, or a country name/metonym."""

    start: int
    end: int
    country: str
    name: str | None
    is_leader: bool
    is_official: bool
    rule: str


@dataclass(slots=True)
class Sentence:
    field: str
    start: int
    end: int
    text: str
    folded: str
    hits: list[Hit] = dataclasses.field(default_factory=list)
    position: int = 0  # among all sentences of the article, the title being 0
    mentions: list[Mention] = dataclasses.field(default_factory=list)

    def has(self, kind: str, value: Any = None) -> list[Hit]:
        return [h for h in self.hits if h.kind == kind and (value is None or h.value == value)]

    def contains(self, phrase: str) -> int:
        """Offset (within the sentence) of a bounded occurrence of a folded phrase, or -1."""
        pos = self.folded.find(phrase)
        while pos != -1:
            if bounded(self.folded, pos, pos + len(phrase)):
                return pos
            pos = self.folded.find(phrase, pos + 1)
        return -1


@dataclass
class Candidate:
    type: str
    sentence: Sentence
    countries: tuple[str, ...]
    leaders: tuple[str, ...]
    trigger: Hit
    modality: str | None
    cue: Hit | None
    mentions: list[Mention]
    weight: float


class Tagger:
    """Tag documents with diplomatic events. Build once (compiles the automaton), call ``tag`` often."""

    def __init__(self, knowledge: Knowledge | None = None) -> None:
        self.knowledge = knowledge or load_knowledge()
        # family names kept whole in the surname because several office holders share them, by leader index
        self._families = [_family_name(leader) for leader in self.knowledge.leaders]
        self._automaton, self._triggers = self._compile()
        self._surnames: dict[str, list[Leader]] = defaultdict(list)
        for leader in self.knowledge.leaders:
            self._surnames[fold(leader.surname)].append(leader)

    # -- automaton -------------------------------------------------------------------------
    def _compile(self) -> tuple[ahocorasick.Automaton, ahocorasick.Automaton]:
        """The full lexicon, and the event words alone (to reject most articles cheaply)."""
        entries: dict[str, list[tuple[str, Any]]] = defaultdict(list)

        def add(phrase: str, kind: str, value: Any) -> None:
            words = word_form(fold(phrase.strip())).strip()
            if words:
                entries[f" {words} "].append((kind, value))

        for index, leader in enumerate(self.knowledge.leaders):
            for alias in leader.aliases:
                add(alias, "leader", index)
            add(leader.surname, "surname", fold(leader.surname))
            if (family := self._families[index]) is not None:
                add(family, "surname", family)  # "Trudeau" after "Justin Trudeau" (see _mentions)
        for country in self.knowledge.countries.values():
            for name in country.names:
                add(name, "country", country.code)
                add(name + "'s", "country_poss", country.code)
            for adjective in country.adjectives:
                add(adjective, "adj", country.code)
            for capital in country.capitals:
                add(capital, "capital", country.code)
            for metonym in country.metonyms:
                add(metonym, "metonym", country.code)
        for title in lexicon.LEADER_TITLES:
            add(title, "title", title)
        for title in lexicon.OFFICIAL_TITLES:
            add(title, "official_title", title)
        for title in lexicon.PLURAL_LEADER_TITLES:
            add(title, "title_plural", title)
        for title, code in lexicon.STATELESS_TITLES.items():
            add(title, "stateless_title", code)
        for group, triggers in TRIGGER_SETS.items():
            for phrase, tense in triggers.items():
                add(phrase, "trigger", (group, tense))
        for name in lexicon.MULTILATERAL:
            add(name, "multilateral", name)
        for modality, cues in lexicon.MODALITY_CUES.items():
            for cue in cues:
                add(cue, "cue", modality)
        for cue in lexicon.PAST_CUES:
            add(cue, "past_cue", cue)
        for phrase in lexicon.NEGATIVE_CONTEXT:
            add(phrase, "negative", phrase)
        for phrase in lexicon.DIPLOMAT_WORDS:
            add(phrase, "diplomat", phrase)
        for phrase in lexicon.AMBASSADOR_WORDS:
            add(phrase, "ambassador_word", phrase)
        for phrase in SIGNING_WORDS:
            add(phrase, "signing", phrase)
        for phrase in COREF_PAIR:
            add(phrase, "coref_pair", phrase)
        for phrase in lexicon.SANCTION_ACTS:
            add(phrase, "sanction_act", phrase)
        for phrase in lexicon.SPORTS_BODIES:
            add(phrase, "sports", phrase)
        add("former", "former", True)
        add("ex-", "former", True)
        add("opposition leader", "opposition", True)
        add("opposition", "opposition", True)

        automaton = ahocorasick.Automaton()
        triggers = ahocorasick.Automaton()
        for key, payload in entries.items():
            automaton.add_word(key, (len(key), tuple(payload)))
            if any(kind == "trigger" for kind, _ in payload):
                triggers.add_word(key, len(key))
        automaton.make_automaton()
        triggers.make_automaton()
        return automaton, triggers

    def _hits(self, text: str, words: str) -> list[Hit]:
        hits = []
        # keys are " words " and the text is padded with a space on each side: index i of the padded
        # text is i - 1 of the original, so a match covers original [end - length + 1, end - 1)
        for end_index, (length, payload) in self._automaton.iter(words):
            start, end = end_index - length + 1, end_index - 1
            original = text[start:end]
            for kind, value in payload:
                if kind in PROPER_KINDS and not _looks_proper(original, kind):
                    continue
                if kind == "cue" and original == "May" and not MAY_THEN_VERB.match(words, end_index):
                    continue  # the month or Theresa May, unless a verb follows ("Kim May Visit Russia")
                if kind == "country_poss" and not original[:1].isupper():
                    continue
                hits.append(Hit(start, end, kind, value))
        return _drop_nested(hits)

    # -- mentions --------------------------------------------------------------------------
    def _mentions(self, sentence: Sentence, day: dt.date, seen_surnames: dict[str, Leader]) -> list[Mention]:
        """Who and which states a sentence names: leaders (by name, surname or title) and countries."""
        text, folded = sentence.text, sentence.folded
        mentions: list[Mention] = []
        claimed: list[tuple[int, int]] = []
        leaders = self.knowledge.leaders

        def former_before(start: int) -> bool:
            window = folded[max(0, start - 25):start]
            return "former" in window or "ex-" in window or "late " in window

        # 1. full names
        for hit in sentence.hits:
            if hit.kind != "leader" or (hit.start, hit.end) in claimed:
                continue  # one mention per name, however many aliases spell it alike
            leader = leaders[hit.value]
            # several people may share an alias: prefer whoever was in office that day
            same_alias = [i for h in sentence.hits if h.kind == "leader" and (h.start, h.end) == (hit.start, hit.end)
                          for i in [h.value]]
            in_office = [i for i in same_alias if leaders[i].is_official_on(day)]
            if in_office and hit.value != in_office[0]:
                continue
            if not in_office and hit.value != same_alias[0]:
                continue
            is_leader = leader.is_leader_on(day) and not former_before(hit.start)
            titled = self._title_before(sentence, hit.start)
            if titled and titled.value in lexicon.LEADER_TITLES and not former_before(titled.start):
                is_leader = True
            mentions.append(Mention(hit.start, hit.end, leader.country_on(day), leader.name, is_leader,
                                    leader.is_official_on(day) and not is_leader, f"leader:{leader.name}"))
            seen_surnames[fold(leader.surname)] = leader
            if (family := self._families[hit.value]) is not None:
                # a family name shared by several office holders ("Trudeau", "Aliyev", "Sharif") names one
                # only after the article has named them in full
                seen_surnames[family] = leader
            claimed.append((hit.start, hit.end))

        def is_claimed(start: int, end: int) -> bool:
            return any(s <= start and end <= e for s, e in claimed)

        # 2. surnames on second mention
        for hit in sentence.hits:
            if hit.kind != "surname" or is_claimed(hit.start, hit.end) or (
                    _given_name(text, hit.end) and not _title_case(text)):
                continue  # "Abbas Kamel" is not Mahmoud Abbas; in "Erdogan Meets Putin" every word is capitalised
            leader_or_none = seen_surnames.get(hit.value)
            if leader_or_none is None and hit.value not in WORDLIKE_SURNAMES:  # "Friday" is a day first
                active = [p for p in self._surnames.get(hit.value, []) if p.is_official_on(day)]
                active_leaders = [p for p in active if p.is_leader_on(day)]
                pool = active_leaders or active
                leader_or_none = pool[0] if len(pool) == 1 else None
            if leader_or_none is None or RELATIVE_BEFORE.search(folded, max(0, hit.start - 40), hit.start):
                continue  # "first lady Melania Trump", "his son Hunter Biden": the family, not the leader
            leader = leader_or_none
            is_leader = leader.is_leader_on(day) and not former_before(hit.start)
            mentions.append(Mention(hit.start, hit.end, leader.country_on(day), leader.name, is_leader,
                                    leader.is_official_on(day) and not is_leader, f"surname:{leader.surname}"))
            claimed.append((hit.start, hit.end))

        # 3. titles with a nationality: "the Russian president", "North Korea's leader", "Chinese Premier Li"
        for hit in sentence.hits:
            if hit.kind == "stateless_title" and not is_claimed(hit.start, hit.end) and not former_before(hit.start):
                holder = self.knowledge.office_holder(str(hit.value), "leader", day)
                if holder:  # "the pontiff": whoever held the office that day
                    mentions.append(Mention(hit.start, hit.end, str(hit.value), holder.name, True, False,
                                            f"title:{fold(sentence.text[hit.start:hit.end])}"))
                    claimed.append((hit.start, hit.end))
                continue
            if hit.kind == "title_plural" and (listed := self._states_after(sentence, hit)):
                # "the presidents of Congo and Rwanda": one leader for each state listed
                title = lexicon.PLURAL_LEADER_TITLES[hit.value]
                for state in listed:
                    holder = self.knowledge.office_holder(str(state.value), title, day)
                    mentions.append(Mention(state.start, state.end, str(state.value),
                                            holder.name if holder else None, True, False, f"title:{title}"))
                    claimed.append((state.start, state.end))
                claimed.append((hit.start, hit.end))
                continue
            if hit.kind == "official_title" and hit.value in OFFICIAL_PLURALS and (
                    listed := self._states_after(sentence, hit)):
                # "ministers from the United States, Russia and China": officials of every state listed
                for state in listed:
                    mentions.append(Mention(state.start, state.end, str(state.value), None, False, True,
                                            f"official:{hit.value}"))
                    claimed.append((state.start, state.end))
                claimed.append((hit.start, hit.end))
                continue
            if hit.kind not in ("title", "official_title", "title_plural") or is_claimed(hit.start, hit.end):
                continue
            nationality = self._nationality_before(sentence, hit.start)
            if nationality is None and hit.kind == "title" and (of_state := self._state_after(sentence, hit)):
                nationality = of_state  # "the emir of Qatar", "the president of France"
                claimed.append((of_state.start, of_state.end))
            if nationality is None:
                continue
            country = str(nationality.value)
            if former_before(hit.start) or "opposition" in folded[max(0, hit.start - 20):hit.start]:
                continue
            if hit.kind == "title_plural" or (hit.kind == "official_title" and hit.value in OFFICIAL_GROUPS):
                # "the French and German leaders", "Russian and Ukrainian delegations": every state listed
                listed = self._coordinated_before(sentence, nationality)
                if hit.kind == "title_plural":
                    if not listed:
                        continue  # "Chinese leaders" on their own: nobody in particular
                    title = lexicon.PLURAL_LEADER_TITLES[hit.value]
                    for state in (*listed, nationality):
                        holder = self.knowledge.office_holder(str(state.value), title, day)
                        mentions.append(Mention(state.start, state.end, str(state.value),
                                                holder.name if holder else None, True, False, f"title:{title}"))
                        claimed.append((state.start, state.end))
                    claimed.append((hit.start, hit.end))
                    continue
                for state in listed:
                    mentions.append(Mention(state.start, state.end, str(state.value), None, False, True,
                                            f"official:{hit.value}"))
                    claimed.append((state.start, state.end))
            named = [m for m in mentions if 0 <= m.start - hit.end <= 2]
            if named:  # "President Putin": the name already counts; the title confirms leadership
                if hit.kind == "title" and hit.value != "crown prince":  # an heir leads only if he governs
                    named[0].is_leader, named[0].is_official = True, False
                continue
            if hit.kind == "title" and hit.value == "crown prince" and \
                    not self.knowledge.office_holder(country, hit.value, day):
                # "the Saudi crown prince" in 2021: an heir, who meets a leader for talks
                mentions.append(Mention(hit.start, hit.end, country, None, False, True, "official:crown prince"))
            elif hit.kind == "title":
                holder = self.knowledge.office_holder(country, hit.value, day)
                name = holder.name if holder else self._unknown_name(text, hit.end)
                mentions.append(Mention(hit.start, hit.end, country, name, True, False, f"title:{hit.value}"))
            elif hit.value == "counterpart" and (peer := next((m for m in reversed(mentions) if m.end <= hit.start
                                                               and (m.is_leader or m.is_official)), None)):
                # "Modi met his Chinese counterpart": the peer of a leader leads too, of a minister is a minister
                if peer.is_leader:
                    holder = self.knowledge.office_holder(country, "leader", day)
                    mentions.append(Mention(hit.start, hit.end, country, holder.name if holder else None,
                                            True, False, "title:counterpart"))
                else:
                    mentions.append(Mention(hit.start, hit.end, country, None, False, True, "official:counterpart"))
            else:
                holder = self.knowledge.office_holder(country, hit.value, day)
                mentions.append(Mention(hit.start, hit.end, country, holder.name if holder else None,
                                        False, True, f"official:{hit.value}"))
            claimed.append((hit.start, hit.end))

        # "Putin's envoy", "Trump's son-in-law": the leader sends someone, and is not there himself; nor is
        # "Saddam Hussein's Iraq", the sender of "a message from President Trump" or "an adviser to Lula"
        states_at = {h.start for h in sentence.hits if h.kind in ("country", "capital")}
        for mention in mentions:
            if mention.is_leader and mention.country == "EU":
                # the EU's presidents lead a bloc, not a state: meeting them is talks, not a leaders' meeting
                mention.is_leader, mention.is_official = False, True
                continue
            if mention.is_leader and (PROXY_AFTER.match(folded, mention.end) or BARE_PROXY_AFTER.match(
                    folded, mention.end) or MESSAGE_FROM.search(
                    folded, max(0, mention.start - 50), mention.start) or (
                    folded.startswith(("'s ", "’s "), mention.end) and mention.end + 3 in states_at)):
                mention.is_leader = mention.is_official = False

        # 4. states named outright or by capital / seat of power
        for hit in sentence.hits:
            if hit.kind in ("country", "country_poss", "capital", "metonym", "adj") and not is_claimed(hit.start,
                                                                                                  hit.end):
                mentions.append(Mention(hit.start, hit.end, hit.value, None, False, False, f"{hit.kind}:{hit.value}"))
        mentions.sort(key=lambda m: m.start)
        return mentions

    def _title_before(self, sentence: Sentence, start: int) -> Hit | None:
        for hit in sentence.hits:
            if hit.kind in ("title", "official_title") and 0 <= start - hit.end <= 2:
                return hit
        return None

    def _nationality_before(self, sentence: Sentence, start: int) -> Hit | None:
        """The adjective ("Russian") or possessive ("Russia's") naming a title's country, right before it."""
        for hit in sentence.hits:
            if hit.kind in ("adj", "country_poss", "country") and 0 <= start - hit.end <= 2:
                if hit.kind == "country" and sentence.folded[hit.end:hit.end + 2] not in ("'s", " "):
                    continue
                return hit
            if hit.kind in ("adj", "country_poss") and 0 <= start - hit.end <= 12:
                between = sentence.folded[hit.end:start].strip()
                if between in ("'s", "new", "then", "acting", "interim", "incoming", "outgoing", "then-"):
                    return hit
        return None

    @staticmethod
    def _coordinated_before(sentence: Sentence, nationality: Hit) -> list[Hit]:
        """Adjectives listed before another with "and" or commas: "Russian, Turkish and Iranian"."""
        listed: list[Hit] = []
        edge = nationality.start
        for hit in sorted(sentence.hits, key=lambda h: -h.start):
            if hit.end > edge or hit.kind not in ("adj", "country_poss"):
                continue
            if sentence.folded[hit.end:edge].strip() not in ("and", ",", ", and", "or", "&"):
                break
            listed.append(hit)
            edge = hit.start
        return listed[::-1]

    @staticmethod
    def _state_after(sentence: Sentence, title: Hit) -> Hit | None:
        """The state named right after a title and "of": "the emir of Qatar" (not a bloc's president)."""
        if not sentence.folded.startswith(" of ", title.end):
            return None
        for hit in sentence.hits:
            if hit.kind == "country" and hit.value != "EU" and hit.start in (title.end + 4, title.end + 8) \
                    and sentence.folded[title.end + 4:hit.start] in ("", "the "):
                return hit
        return None

    @staticmethod
    def _states_after(sentence: Sentence, title: Hit) -> list[Hit]:
        """Two or more states listed right after a plural title and "of": "the leaders of Thailand and Cambodia"."""
        if not sentence.folded.startswith((" of ", " from "), title.end):
            return []
        listed: list[Hit] = []
        edge = sentence.folded.index(" ", title.end + 1)
        for hit in sorted(sentence.hits, key=lambda h: h.start):
            if hit.start < edge or hit.kind not in ("country", "country_poss"):
                continue
            gap = sentence.folded[edge:hit.start].strip()
            if gap not in (("", "the") if not listed else ("and", ",", ", and", "and the", ", the", ", and the")):
                break
            listed.append(hit)
            edge = hit.end
        return listed if len(listed) >= 2 else []

    @staticmethod
    def _unknown_name(text: str, end: int) -> str | None:
        """A capitalised name right after a title that the knowledge base does not know."""
        words = []
        for word in text[end:end + 60].split():
            clean = word.strip(",.;:'\"()’")
            if clean[:1].isupper() and clean.replace("-", "").isalpha():
                words.append(clean)
                if word != clean:
                    break
            else:
                break
        return " ".join(words[:3]) if words else None

    # -- sentences -------------------------------------------------------------------------
    def _sentences(self, doc: Document) -> list[Sentence]:
        """Sentences with at least one hit; the others can neither name anyone nor hold an event."""
        prepared = []
        for field_name, text in (("title", doc.title or ""), ("text", doc.text or "")):
            if text.strip():
                folded = fold(text)
                prepared.append((field_name, text, folded, f" {word_form(folded)} "))
        if not any(next(self._triggers.iter(words), None) for *_, words in prepared):
            return []  # no event word at all (most news): no need for the full pass or sentences
        fields = [(name, text, folded, self._hits(text, words)) for name, text, folded, words in prepared]
        sentences = []
        position = 0
        for field_name, text, folded, hits in fields:
            spans = sentence_spans(text)
            if not hits:
                position += len(spans)
                continue
            index = SentenceIndex(spans)
            per_sentence: dict[int, list[Hit]] = defaultdict(list)
            for hit in hits:
                per_sentence[index.sentence_of(hit.start)].append(hit)
            for number in sorted(per_sentence):
                start, end = spans[number]
                local = [Hit(h.start - start, h.end - start, h.kind, h.value) for h in per_sentence[number]
                         if h.end <= end]
                if local:
                    sentences.append(Sentence(field_name, start, end, text[start:end], folded[start:end], local,
                                              position + number))
            position += len(spans)
        return sentences

    # -- rules -----------------------------------------------------------------------------
    def tag(self, doc: Document) -> list[TaggedEvent]:
        day = doc.published_date
        sentences = self._sentences(doc)
        # a headline's "Aliyev" is the Ilham Aliyev its body names in full: family names shared by several
        # office holders are learnt from the whole article first
        seen_surnames: dict[str, Leader] = {}
        for sentence in sentences:
            for hit in sentence.hits:
                if hit.kind == "leader" and (family := self._families[hit.value]) is not None \
                        and (leader := self.knowledge.leaders[hit.value]).is_official_on(day):
                    seen_surnames.setdefault(family, leader)
        for sentence in sentences:
            sentence.mentions = self._mentions(sentence, day, seen_surnames)

        candidates: list[Candidate] = []
        main_pair: tuple[str, ...] | None = None  # the article's leader meeting, for "the two leaders"
        context_pair: tuple[str, ...] | None = None  # the first two states any event joins
        for sentence in sentences:
            found = self._candidates(sentence, sentence.position, main_pair, day, context_pair)
            for cand in found:
                if cand.type == "leader_meeting" and main_pair is None:
                    main_pair = cand.countries
                if context_pair is None and len(cand.countries) == 2:
                    context_pair = cand.countries
            candidates.extend(found)
        return self._events(candidates, doc)

    def _candidates(self, s: Sentence, position: int, main_pair: tuple[str, ...] | None,
                    day: dt.date, context_pair: tuple[str, ...] | None = None) -> list[Candidate]:
        triggers: dict[str, list[Hit]] = defaultdict(list)
        hits = s.has("trigger")
        dated = [h for h in hits if self._dated_before(s, h, day)]  # "hosted him in Paris in December 2007"
        for hit in hits:
            if hit in dated or (dated and s.folded[:hit.start].endswith(("the ", "that ", "their "))):
                continue  # history, and "an exhibition on the meeting" that refers back to it
            triggers[hit.value[0]].append(hit)
        if not triggers:
            return []
        negative = bool(s.has("negative"))
        leaders = [m for m in s.mentions if m.is_leader]
        # "U.S. officials said Xi would meet Kim": those who speak about a meeting are not at it
        officials = [m for m in s.mentions if m.is_official and not SPEAKING.match(s.folded, m.end)]
        people = leaders + officials
        leader_countries = _unique(m.country for m in leaders)
        all_countries = _unique(m.country for m in s.mentions)
        lead_bonus = 0.15 if s.field == "title" or position <= 1 else 0.0
        out: list[Candidate] = []

        def add(kind: str, trigger: Hit, countries: tuple[str, ...], mentions: list[Mention], weight: float) -> None:
            modality, cue = self._modality(s, trigger, day)
            names = tuple(sorted({m.name for m in mentions if m.name and (m.is_leader or m.is_official)}))
            out.append(Candidate(kind, s, tuple(sorted(countries)), names, trigger, modality, cue, mentions,
                                 weight + lead_bonus))

        phone = triggers.get("phone")
        # "the Quad summit" is a multilateral gathering, not a meeting of the leaders it names
        meeting = [h for h in triggers.get("meeting", ())
                   if not any(0 <= h.start - m.end <= 2 for m in s.has("multilateral"))
                   and not self._received_a_thing(s, h)
                   # "Biden, asked about the meeting, said ...": he is commenting on it, not at it
                   and not ASKED_ABOUT.search(s.folded, max(0, h.start - 30), h.start)
                   and not (s.folded[h.start:h.end].endswith(("host", "hosts", "hosted"))
                            and (HOSTED_THING.match(s.folded, h.end) or "summit" in triggers))
                   # "hosts the leaders of Turkey, Iran and Qatar at the summit": the venue, not the meeting
                   and not (s.folded[h.start:h.end] == "summit" and s.folded[:h.start].endswith(("at the ", "at a ")))]
        # a call is not a meeting, but "will meet Putin in Budapest after a phone call" plans one
        in_person = not phone or bool(meeting and meeting[0].value[1] == "future" and meeting[0].end < phone[0].start)
        if phone and meeting and all(any(m.end < h.start <= m.end + 25 and JOINED_BY_PHONE.match(s.folded, m.end)
                                         for m in leaders) for h in phone):
            in_person = True  # "Erdogan joined by telephone": his call, while the others met in person
        # "met Hu ... while praising China for staging the Olympic Games": only a nearby sports or business
        # word makes the meeting something else ("a cabinet meeting", "the football match against")
        if meeting and in_person and not any(h.start - 60 < meeting[0].end and meeting[0].start < h.end + 60
                                             for h in s.has("negative")):
            leaders = self._present(s, meeting[0], leaders)
            leader_countries = _unique(m.country for m in leaders)
            part_start = s.folded.rfind(";", 0, meeting[0].start) + 1
            part_end = s.folded.find(";", meeting[0].end)
            part_end = len(s.folded) if part_end == -1 else part_end
            if any(not part_start <= m.start < part_end for m in leaders):
                # "Putin opens BRICS summit; Modi and Xi to hold talks": only the meeting's own part
                leaders = [m for m in leaders if part_start <= m.start < part_end]
                leader_countries = _unique(m.country for m in leaders)
            between = self._between(s, meeting[0], leaders) or self._compound_before(s, meeting[0], leaders)
            if between:  # "a meeting between Putin and Zelensky", whoever else the sentence names
                leaders, leader_countries = between, _unique(m.country for m in between)
            elif (aside := SUBORDINATE.search(s.folded, meeting[0].end)) and any(m.start < aside.start()
                                                                                  for m in leaders):
                # "Putin meets Witkoff as Trump tells Moscow to get moving": Trump is not at the meeting
                leaders = [m for m in leaders if m.start < aside.start()]
                leader_countries = _unique(m.country for m in leaders)
            second = next((h for h in meeting[1:] if AND_THEN.search(s.folded, max(0, h.start - 45), h.start)
                           and any(meeting[0].end <= m.start < h.start for m in leaders)), None)
            subject = [m for m in leaders if m.end <= meeting[0].start]
            guests = [m for m in leaders if m.start >= meeting[0].end]
            if subject and len(guests) >= 2 and not between and len(leader_countries) >= 3 and \
                    EACH_IN_ITS_CAPITAL.match(s.folded[guests[0].end:guests[1].start]):
                # "was due to meet Tshisekedi in Kinshasa and Kiir in Juba": two meetings, one visitor
                for guest in guests[:2]:
                    add("leader_meeting", meeting[0], _unique(m.country for m in [*subject, guest]), [*subject, guest],
                        0.6)
            elif second and not between and len(leader_countries) >= 3:
                # "Xi will hold talks with Tokayev and is expected to meet Putin": two meetings, one subject
                for trigger, guests in ((meeting[0], [m for m in leaders if meeting[0].end <= m.start < second.start]),
                                        (second, [m for m in leaders if m.start >= second.end])):
                    pair = _unique(m.country for m in subject + guests)
                    if len(pair) >= 2:
                        add("leader_meeting", trigger, pair, subject + guests, 0.6)
            elif main_pair and leaders and not set(leader_countries) <= set(main_pair) \
                    and HOSTED_THE_MEETING.search(s.folded):
                # "Macron, who hosted the meeting, and Merkel mediated": hosts of the article's meeting join it
                add("leader_meeting", meeting[0], _unique([*main_pair, *leader_countries]), leaders, 0.35)
            elif len(leader_countries) >= 2:
                add("leader_meeting", meeting[0], leader_countries, leaders, 0.6)
                host = None if s.has("multilateral") else self._host(s, leader_countries)
                visitors = [m for m in leaders if m.country != host]
                if host and visitors:  # "Orban met Putin in Moscow": Orban is on an official visit
                    add("state_visit", meeting[0], leader_countries, visitors[:1], 0.4)
            elif s.has("coref_pair") and main_pair and len(leaders) <= 2:
                # "the two leaders signed it at a ceremony hosted by Clinton": the host joins them
                hosts = [m for m in leaders if HOST_BEFORE.search(s.folded, max(0, m.start - 60), m.start)
                         and not BACKGROUND_TIME.search(s.folded)]  # "follows talks hosted by Erdogan last month"
                add("leader_meeting", meeting[0], _unique([*main_pair, *(m.country for m in hosts)]), leaders, 0.35)
            elif len(leaders) == 1 and officials and any(o.country != leaders[0].country for o in officials):
                add("talks", meeting[0], _unique(m.country for m in people), people, 0.5)
            elif len(leader_countries) < 2 and (
                len(_unique(m.country for m in officials)) >= 2
                or (s.has("official_title") and not leaders and len(all_countries) >= 2)
            ):  # ministers, envoys or delegations of two or more states meeting
                add("talks", meeting[0], _unique(m.country for m in officials) or all_countries, people, 0.45)
            elif not leaders and len(all_countries) < 2 and (main_pair or context_pair) and any(
                    h.value in OFFICIAL_PLURALS and not SPEAKING.match(s.folded, h.end)
                    for h in s.has("official_title")):
                # "the delegations are due to meet on Thursday", "the foreign secretaries of the two countries"
                add("talks", meeting[0], main_pair or context_pair or (), people, 0.35)
        if (visit := triggers.get("visit")) and officials and not leaders and not negative:
            # a minister's or envoy's trip abroad is consultations between officials
            traveller = officials[0]
            destination = self._destination(s, visit[0], traveller.country)
            if destination and visit[0].start > traveller.start:
                add("talks", visit[0], _unique([traveller.country, destination]), [traveller], 0.45)
        if (visit := triggers.get("visit")) and leaders and not negative:
            for hit in visit:
                # the traveller: the nearest leader named before the trigger ("Xi's state visit to France")
                before = [m for m in leaders if m.end <= hit.start]
                traveller = before[-1] if before else leaders[0]
                if any(traveller.end <= m.start and m.end <= hit.start and not m.is_leader
                       and "former " in s.folded[max(0, m.start - 25):m.start] for m in s.mentions):
                    continue  # "Kim Jong Il met former President Clinton during a visit": Clinton's visit
                if any(0 <= hit.start - m.end <= 1 and m.country != traveller.country and not m.is_leader
                       and m.rule.startswith("adj:") for m in s.mentions):
                    continue  # "talks with Zelensky, the highest-level Chinese visit to Ukraine": not his
                # "travels to South Africa this week for the BRICS summit": not a visit to its host
                for_a_summit = FOR_A_SUMMIT.match(s.folded, hit.end) and s.contains("state visit") < 0 \
                    and s.contains("official visit") < 0
                destination = self._destination(s, hit, traveller.country)
                if destination and (s.contains("state visit") >= 0 or s.contains("official visit") >= 0
                                    or hit.start > traveller.start):
                    if not for_a_summit:
                        add("state_visit", hit, _unique([traveller.country, destination]), [traveller], 0.55)
                    self._visit_meeting(s, hit, traveller, destination, day, add,
                                        alone=not phone and len(leader_countries) < 2)
                    inviter = next((m for m in leaders if m.country == destination), None)
                    if inviter and not phone and not any(c.type == "leader_meeting" for c in out):
                        # "Macron invited Modi to visit Paris": the visitor would meet the host who invited him
                        add("leader_meeting", hit, _unique([traveller.country, destination]), [traveller, inviter],
                            0.45)
                    break
        summit_names = s.has("multilateral")
        if (summit := triggers.get("summit")) and not negative and not phone:
            # multilateral: a named grouping, or leaders of three or more states (places do not count)
            if summit_names or len(leader_countries) >= 3 or GATHERING.search(s.folded):
                add("summit", summit[0], leader_countries, leaders, 0.6)
        elif summit_names and meeting and not negative and (leaders or s.contains("leaders") >= 0) \
                and not any(h.value in OFFICIAL_GROUPS for h in s.has("official_title")) \
                and any(-40 < m.start - meeting[0].end < 40 or -40 < meeting[0].start - m.end < 40
                        for m in summit_names):  # not "hosts the emir, names Qatar a major non-NATO ally"
            # "invites Modi to the SCO meeting": a leaders' gathering, unless ministers are meeting
            add("summit", meeting[0], leader_countries, leaders, 0.45)
        talks = [h for h in triggers.get("talks", ()) if not FOR_BEFORE.search(s.folded, max(0, h.start - 30), h.start)
                 and not self._received_a_thing(s, h)]
        if talks and not negative and not phone:  # "recalled for consultations" is a protest, not talks
            is_meeting = any(c.type == "leader_meeting" for c in out)
            official_words = any(h.value in OFFICIAL_GROUPS and not SPEAKING.match(s.folded, h.end)
                                 for h in s.has("official_title"))
            # a bloc's officials at the leaders' own meeting ("the two leaders were joined for part of the
            # talks by von der Leyen") are part of it, not talks of their own
            with_the_leaders = (is_meeting or s.has("coref_pair")) and all(o.country == "EU" for o in officials)
            if officials and not with_the_leaders and (
                    len(_unique(m.country for m in people)) >= 2 or len(all_countries) >= 2):
                add("talks", talks[0], _unique(m.country for m in people) or all_countries, people, 0.55)
            elif (not is_meeting and len(all_countries) >= 2
                  and not (main_pair and s.folded[:talks[0].start].endswith("the "))  # the leaders' talks again
                  and (official_words or (not leaders and any(s.contains(w) >= 0 for w in STATE_TALKS_WORDS)))
                  and (not leaders or len(leader_countries) < 2)):
                # "the U.S. and Iran held talks"; "Modi to hold White House talks" is a leader's, not officials'
                add("talks", talks[0], all_countries, people, 0.45)
            elif not is_meeting and s.has("official_title") and summit_names and not leaders:
                # "G7 finance ministers discussed debt": a ministerial meeting, not a leaders' summit
                add("talks", talks[0], all_countries, people, 0.45)
            elif not is_meeting and official_words and len(all_countries) < 2 and (main_pair or context_pair) \
                    and not leaders:
                # "preparing for talks between senior officials": the article's two states
                add("talks", talks[0], main_pair or context_pair or (), people, 0.35)
        if phone and (people or len(all_countries) >= 2) and not negative and not CEREMONY_BY_VIDEO.search(
                s.folded, max(0, phone[0].start - 90), phone[0].start):
            add("phone_call", phone[0], _unique(m.country for m in people) or all_countries, people, 0.6)
        agreement = [h for h in triggers.get("agreement", ())
                     if self._agrees_between_states(s, h, sanctioning=bool(triggers.get("sanctions")))]
        if agreement and s.has("signing") and not negative:
            parties = all_countries
            if len(parties) < 2 and main_pair and set(parties) <= set(main_pair):
                parties = main_pair  # "the two leaders signed ...", "they also signed a joint communique"
            if len(parties) >= 2:  # a deal between states: one state's deal with its own parties is not
                add("agreement", agreement[0], parties, people, 0.5)
            signing = [h for h in agreement if s.folded[h.start:h.end] in ("signed", "sign", "signing", "inked")]
            met = any(c.type == "leader_meeting" for c in out)
            if signing and len(leader_countries) >= 2 and not phone and not met and \
                    self._modality(s, signing[0], day)[0] not in ("denied", "cancelled", "potential"):
                # leaders of two states signing together met to do it
                add("leader_meeting", signing[0], leader_countries, leaders, 0.45)
        if (sanctions := triggers.get("sanctions")) and not s.has("sports") and s.has("sanction_act"):
            hit = sanctions[0]
            clause_start, _ = _clause(s.folded, hit.start, hit.end)
            background = s.folded[clause_start:].lstrip().startswith(lexicon.BACKGROUND_OPENERS)
            if not background and (all_countries or s.contains("eu") >= 0 or s.contains("un") >= 0):
                add("sanctions", hit, all_countries, people, 0.55)
        expulsion = triggers.get("expulsion")
        if expulsion and (s.has("diplomat") or (s.contains("persona non grata") >= 0 and not s.has("negative"))):
            add("diplomatic_expulsion", expulsion[0], all_countries, people, 0.6)
        if (ambassador := triggers.get("ambassador")) and s.has("ambassador_word") and not s.has("negative"):
            add("ambassador_summoned_or_recalled", ambassador[0], all_countries, people, 0.6)
        return out

    @staticmethod
    def _present(s: Sentence, trigger: Hit, leaders: list[Mention]) -> list[Mention]:
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
                _unique(m.country for m in leaders if m.start < said.start())) >= 2:
            # "met ..., with both insisting that the Iraqi president posed a threat": what they said
            leaders = [m for m in leaders if m.start < said.start()]
        return leaders

    @staticmethod
    def _received_a_thing(s: Sentence, hit: Hit) -> bool:
        """"Turkey received deliveries of S-400 parts": receiving a person is diplomacy, a thing is not."""
        return s.folded[hit.start:hit.end] == "received" and not any(
            0 <= m.start - hit.end <= 40 and (m.is_leader or m.is_official) for m in s.mentions)

    @staticmethod
    def _agrees_between_states(s: Sentence, hit: Hit, sanctioning: bool) -> bool:
        """Is this agreement word about a deal between states, not "agreed to meet", "signed an order",
        "a sign of", "its refusal to agree to" or "agreed on a sanctions package"?"""
        word, folded = s.folded[hit.start:hit.end], s.folded
        if word.endswith(" to") and not folded[hit.end:hit.end + 40].lstrip().startswith(AGREED_TO_A_DEAL):
            return False
        if word in ("signed", "sign", "signing", "signs") and DOMESTIC_ACT.match(folded, hit.end):
            return False
        if word in ("sign", "signs") and (SIGN_NOUN.search(folded[:hit.start])
                                          or SIGN_NOUN_AFTER.match(folded, hit.end)):
            return False
        if UNDONE_BEFORE.search(folded, max(0, hit.start - 45), hit.start):
            return False
        return not (sanctioning and word in ("agreed to", "agree to", "agreed on"))

    def _visit_meeting(self, s: Sentence, hit: Hit, traveller: Mention, destination: str, day: dt.date,
                       add: Any, alone: bool) -> None:
        """A leader visiting another state meets whoever leads it; a visit to its seat of power ("the White
        House", "the Kremlin") says so outright. Not for summit trips, nor when the host is named anyway."""
        if not alone:
            return
        seat = next((m for m in s.mentions if m.start >= hit.end and m.country == destination
                     and m.rule.startswith("metonym:")), None)
        if s.has("multilateral") and not seat:
            return
        holder = self.knowledge.office_holder(destination, "leader", day)
        if holder is None:
            return
        place = seat or next((m for m in s.mentions if m.country == destination), None)
        span = (place.start, place.end) if place else (hit.start, hit.end)
        rule = f"seat_of_power:{holder.name}" if seat else f"host:{holder.name}"
        receiver = Mention(span[0], span[1], destination, holder.name, True, False, rule)
        add("leader_meeting", hit, _unique([traveller.country, destination]), [traveller, receiver],
            0.45 if seat else 0.4)

    @staticmethod
    def _between(s: Sentence, trigger: Hit, leaders: list[Mention]) -> list[Mention]:
        """Leaders named right after "<meeting> between" (or "with"), up to the end of the clause."""
        after = s.folded[trigger.end:trigger.end + 10]
        if not after.startswith(" between "):
            return []
        _, clause_end = _clause(s.folded, trigger.start, trigger.end)
        named = [m for m in leaders if trigger.end < m.start < clause_end]
        return named if len(_unique(m.country for m in named)) >= 2 else []

    @staticmethod
    def _compound_before(s: Sentence, trigger: Hit, leaders: list[Mention]) -> list[Mention]:
        """"a Putin-Zelensky meeting", "the Trump–Kim summit": the leaders joined right before the word."""
        last = next((m for m in leaders if 0 <= trigger.start - m.end <= 1), None)
        if last is None:
            return []
        named = [last]
        while (prior := next((m for m in leaders if m.end < named[0].start
                              and s.folded[m.end:named[0].start] in ("-", "–", "—", "/")), None)):
            named.insert(0, prior)
        return named if len(_unique(m.country for m in named)) >= 2 else []

    @staticmethod
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

    def _destination(self, s: Sentence, trigger: Hit, home: str) -> str | None:
        for mention in s.mentions:  # "his UAE visit", "begins Morocco state visit as Algeria row simmers"
            if s.folded.startswith(" to ", trigger.end):
                break  # "the highest-level Chinese visit to Ukraine": the adjective is the visitor's
            if 0 <= trigger.start - mention.end <= 1 and mention.country != home and not mention.is_leader \
                    and not mention.is_official and mention.rule.startswith(("adj:", "country:", "capital:")):
                return mention.country
        for mention in s.mentions:
            if mention.start >= trigger.end and mention.country != home and not mention.is_official:
                return mention.country
        return None

    def _modality(self, s: Sentence, trigger: Hit, day: dt.date) -> tuple[str | None, Hit | None]:
        """The strongest cue in the trigger's clause; past-tense triggers default to "occurred"."""
        clause_start, clause_end = _clause(s.folded, trigger.start, trigger.end)
        if NO_BEFORE.search(s.folded, max(clause_start, trigger.start - 40), trigger.start) or \
                NOT_BEFORE.search(s.folded, max(clause_start, trigger.start - 45), trigger.start):
            # "no Putin-Zelensky meeting", "were not holding talks"; "not meet him until ..." sets a condition
            return ("potential" if CONDITION.search(s.folded, trigger.end, clause_end) else "denied"), trigger
        if s.folded[:trigger.start].endswith(("after ", "following ")) and trigger.value[1] is None:
            return "occurred", None  # "said after meeting Sisi": the meeting is behind him
        if s.text.rstrip(" '\"’”").endswith("?"):
            return "potential", None  # "Will Modi and Xi meet in Tianjin?": a question, not a plan
        cues = [h for h in s.has("cue") if clause_start <= h.start and h.end <= clause_end
                and not self._cue_misleads(s, h)]
        tense = trigger.value[1]
        if tense == "past" and s.folded.startswith(" by ", trigger.end):
            tense = None  # "the first state visit hosted by King Charles": a participle, not a past event
        others = [h for h in cues if (h.start, h.end) != (trigger.start, trigger.end)]
        if tense == "future" and not others and ARRIVED_TO.search(s.folded, max(clause_start, trigger.start - 90),
                                                                 trigger.start):
            return "occurred", None  # "stepped across the border to meet Moon": the purpose, achieved
        # a cue after a comma past the trigger belongs to another phrase ("..., in what would be the
        # first visit"): it decides only when nothing nearer does
        near = [h for h in cues if h.start < trigger.start or not _new_clause(s.folded[trigger.end:h.start])]
        held = HELD_BEFORE.search(s.folded, max(0, trigger.start - 50), trigger.start)
        if near or (cues and tense not in ("past", "present", "future") and not held):
            pool = near or cues
            best = min(pool, key=lambda h: MODALITY_ORDER.index(h.value))
            if best.value == "potential" and s.folded[best.start:best.end] == "would" and (
                    resolve_date(s.text[best.start:clause_end], dt.date(2000, 1, 1), True)
                    or REPORTED.search(s.folded, clause_start, best.start)):
                # reported plans: "they would hold talks on Wednesday", "officials said Xi would meet Kim"
                return "planned", best
            if best.value == "denied" and CONDITION.search(s.folded, best.end, clause_end):
                return "potential", best  # "would not meet Erdogan until Turkey withdraws": on a condition
            if s.folded[best.start:best.end].startswith("invit") and ACCEPTED.search(s.folded, best.end, clause_end):
                return "planned", best  # "invited Xi to visit Moscow, and Xi has accepted": a plan now
            # "to meet" after a denial cue elsewhere in the clause is still a denial
            return best.value, best
        move = PRESENT_MOVE_BEFORE.search(s.folded, clause_start, trigger.start)
        if tense in (None, "present") and (s.folded[trigger.start:trigger.end] in PRESENT_TENSE_MOVES
                                                   or move):
            # "Ramaphosa arrives in Britain on Monday", written on the Friday before: the plan of the week
            clause = s.text[move.start() if move else trigger.start:clause_end]  # not the dateline
            when = resolve_date(clause, day, True)
            if when and when > day and resolve_date(clause, day, False) != day:
                return "planned", None
        if tense in ("past", "present") or s.has("past_cue") or held:
            return "occurred", None  # "the two leaders held formal talks"
        if tense == "future":
            return "planned", None
        return None, None

    @staticmethod
    def _dated_before(s: Sentence, trigger: Hit, day: dt.date) -> bool:
        """Does the trigger's clause date it to an earlier year ("in December 2007", "in 2019")?"""
        clause_start, clause_end = _clause(s.folded, trigger.start, trigger.end)
        # within the trigger's own phrase: "Trump, who met Kim in 2019, will meet him again" is news
        clause_start = max(clause_start, s.folded.rfind(",", 0, trigger.start) + 1)
        comma = s.folded.find(",", trigger.end)
        clause_end = min(clause_end, comma) if comma != -1 else clause_end
        for match in PAST_YEAR.finditer(s.folded, clause_start, clause_end):
            if "since" in s.folded[clause_start:match.start()]:
                continue  # "their first meeting since 2019" is news
            year, month = int(match.group(2)), MONTHS.get(match.group(1) or "", 12)
            if (day.year - year) * 12 + day.month - month > 2:  # weeks-old events are still the news
                return True
        return False

    @staticmethod
    def _cue_misleads(s: Sentence, cue: Hit) -> bool:
        """Cue words that say nothing about the meeting: "a possible ceasefire", "the first British prime
        minister to visit Ireland", "at Trump's invitation"."""
        word = s.folded[cue.start:cue.end]
        before = s.folded[max(0, cue.start - 60):cue.start]
        if cue.value == "cancelled" and SIDE_EVENT.search(before):
            return True  # "a planned signing ceremony was called off": the meeting itself went ahead
        if SIDE_EVENT_AFTER.match(s.folded, cue.end):
            return True  # "a planned working lunch", "a scheduled news conference"
        if word in MODALS and (OTHER_VERB_AFTER.match(s.folded, cue.end) or (
                cue.end < len(s.folded) and not MODAL_KEEPS.match(s.folded, cue.end))):
            return True  # "the two sides might sign a pact", "their countries could trust each other"
        if word in ("to make", "to pay") and not MADE_VISIT.match(s.folded, cue.end):
            return True  # "to make a visit" plans one; "agreed to make contacts" does not
        if word.startswith("to ") and (FIRST_TO.search(before) or ARRIVED_TO.search(before)):
            return True  # "the first prime minister to visit", "arrived in Hiroshima to attend": no plan
        if word == "invitation" and AT_INVITATION.search(before):
            return True
        if word in ("plans to", "planned") and PLANS_NOUN.search(before):
            return True  # "calling on NATO to agree concrete plans to defend its flank": not the meeting's plan
        if word not in ("possible", "potential", "planned") or not before.endswith(
                ("a ", "an ", "the ", "any ", "of ", "'s ", "’s ", "its ", "their ")):
            return False  # "as soon as possible", "if possible": about the meeting itself
        window = s.folded[cue.end:cue.end + 30]
        stop = min((i for i in (window.find(","), window.find("."), window.find(";")) if i != -1), default=30)
        if any(word in window[:stop].split() for word in HEDGED_OCCASIONS):
            return False
        return not any(h.kind == "trigger" and cue.end < h.start <= cue.end + stop for h in s.hits)

    def _events(self, candidates: list[Candidate], doc: Document) -> list[TaggedEvent]:
        day = doc.published_date
        by_type: dict[str, list[Candidate]] = defaultdict(list)
        for cand in candidates:
            by_type[cand.type].append(cand)
        events = []
        for kind, group in by_type.items():
            if kind == "leader_meeting":
                scores: dict[tuple[str, ...], float] = defaultdict(float)
                for cand in group:
                    scores[cand.countries] += cand.weight
                best_countries = max(scores, key=lambda k: (scores[k], -group.index(
                    next(c for c in group if c.countries == k))))
                # a sentence naming the meeting's host or mediator as well widens it: "hosted by the emir"
                chosen = [c for c in group if c.countries == best_countries or c.weight < 0.4
                          or (set(best_countries) < set(c.countries)
                              and set(c.countries) - set(best_countries) <= {m.country for m in _hosts(c)})]
            else:
                chosen = group
            modality = next((c.modality for c in sorted(chosen, key=lambda c: -c.weight) if c.modality), None)
            # a denial or cancellation anywhere near the lead outranks an earlier announcement; not a meeting
            # the lead says took place (a later "will not attend" is about something else)
            if modality != "occurred":
                modality = next((c.modality for c in chosen if c.modality in ("denied", "cancelled")
                                 and (c.sentence.field == "title" or c.weight >= 0.6)), modality)
            modality = modality or "occurred"
            first = chosen[0]
            future = modality in ("planned", "potential")
            date = None
            for cand in chosen:
                date = resolve_date(cand.sentence.text, day, future)
                if date:
                    break
            countries = list(first.countries)
            if kind == "leader_meeting":
                countries = list(max(chosen, key=lambda c: len(c.countries)).countries)
            leaders = sorted({name for c in chosen if c.countries == tuple(countries) or kind != "leader_meeting"
                              for name in c.leaders})
            if kind == "leader_meeting":
                leaders = sorted({m.name for c in chosen for m in c.mentions
                                  if m.is_leader and m.name and m.country in countries})
            evidence = _evidence(chosen)
            confidence = min(0.98, max(c.weight for c in chosen) + 0.08 * (len(chosen) - 1))
            events.append(TaggedEvent(kind, modality, countries, leaders, date, self._location(chosen),
                                      evidence, round(confidence, 3)))
        events.sort(key=lambda e: (e.type != "leader_meeting", -e.confidence))
        return events

    def _location(self, chosen: list[Candidate]) -> str | None:
        for cand in chosen:
            folded = cand.sentence.folded
            for mention in cand.sentence.mentions:
                if mention.rule.startswith("capital:") and folded[max(0, mention.start - 3):mention.start] == "in ":
                    return cand.sentence.text[mention.start:mention.end]
        return None


def _hosts(cand: Candidate) -> list[Mention]:
    """Leaders a candidate's sentence names as hosting, mediating or witnessing: "hosted by the emir"."""
    folded = cand.sentence.folded
    if HOSTED_THE_MEETING.search(folded):  # "Macron, who hosted the meeting, and Merkel mediated"
        return [m for m in cand.mentions if m.is_leader]
    return [m for m in cand.mentions if m.is_leader and HOST_BEFORE.search(folded, max(0, m.start - 60), m.start)]


def _evidence(chosen: list[Candidate]) -> list[Evidence]:
    spans: dict[tuple[str, int, int], Evidence] = {}
    for cand in chosen[:4]:
        s = cand.sentence
        items = [(cand.trigger.start, cand.trigger.end, f"{cand.type}.trigger")]
        items += [(m.start, m.end, m.rule) for m in cand.mentions]
        if cand.cue:
            items.append((cand.cue.start, cand.cue.end, f"modality.{cand.cue.value}"))
        for start, end, rule in items:
            key = (s.field, s.start + start, s.start + end)
            if key not in spans:
                spans[key] = Evidence(s.field, s.start + start, s.start + end, s.text[start:end], rule)
    return sorted(spans.values(), key=lambda e: (e.field != "title", e.start))


BACKGROUND_PREFIXES = lexicon.BACKGROUND_OPENERS


PARENTHETICAL = re.compile(r", (?:which|who|whose) [^,;]*, ")
_CLAUSE_OPENERS = (",", " and the ", " under which ", " which ", " after which ", " while ", " whereas ")


def _new_clause(between: str) -> bool:
    """Does the text between a trigger and a later cue open another clause ("..., under which ... will")?
    A relative clause set off by commas does not: "the visit, which was to include talks, was postponed"."""
    between = PARENTHETICAL.sub("", between)
    return any(opener in between for opener in _CLAUSE_OPENERS)


def _clause(folded: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the clause around a trigger: cut at ';', ' but ', ' while ' and sentence ends."""
    left = max(folded.rfind(";", 0, start), folded.rfind(" but ", 0, start), folded.rfind(" while ", 0, start),
               folded.rfind(", ", 0, start) if folded.startswith(BACKGROUND_PREFIXES) else -1)
    right_candidates = [i for i in (folded.find(";", end), folded.find(" but ", end), folded.find(" while ", end))
                        if i != -1]
    return (left + 1 if left != -1 else 0), (min(right_candidates) if right_candidates else len(folded))


def _title_case(text: str) -> bool:
    """"Erdogan Meets Putin In Sochi": nearly every longer word capitalised, not just the many names."""
    words = [w for w in text.split() if len(w) >= 4 and w[:1].isalpha()]
    return bool(words) and sum(1 for w in words if w[:1].isupper()) > 0.85 * len(words)


def _given_name(text: str, end: int) -> bool:
    """Is the matched surname followed by another name ("Abbas Kamel"), so it is someone else's first name?"""
    following = text[end:end + 25].split(maxsplit=1)
    if not following or text[end:end + 1] != " ":
        return False
    word = following[0].strip(",.;:'\"()’")
    return (word[:1].isupper() and word[1:].islower() and word.isalpha()
            and word.lower() not in WORDLIKE_SURNAMES and word not in ("The", "On", "In", "At", "And"))


def _looks_proper(original: str, kind: str) -> bool:
    core = original[4:] if original.lower().startswith("the ") else original
    letters = [c for c in core if c.isalpha()]
    if not letters:
        return False
    if len(letters) <= 3 and kind in ("country", "capital"):  # "US" the country, not "us"
        return all(c.isupper() for c in letters)
    return core[:1].isupper()


NESTABLE = frozenset(("leader", "surname", "country", "adj", "capital", "metonym", "title", "official_title",
                      "title_plural", "country_poss", "cue", "stateless_title"))


def _drop_nested(hits: list[Hit]) -> list[Hit]:
    """Drop a name/title/cue hit lying inside a longer one ("minister" inside "prime minister")."""
    longest_from: dict[int, int] = {}
    for hit in hits:
        if hit.kind in NESTABLE and hit.end > longest_from.get(hit.start, -1):
            longest_from[hit.start] = hit.end
    if len(longest_from) < 2 and all(h.kind not in NESTABLE or h.end == longest_from[h.start] for h in hits):
        return hits
    starts = sorted(longest_from)
    reach, furthest = [], -1  # reach[i]: the furthest end of any span starting at or before starts[i]
    for start in starts:
        furthest = max(furthest, longest_from[start])
        reach.append(furthest)
    kept = []
    for hit in hits:
        if hit.kind in NESTABLE:
            i = bisect_left(starts, hit.start)
            if (i > 0 and reach[i - 1] >= hit.end) or longest_from[hit.start] > hit.end:
                continue  # inside a span that starts earlier, or a longer one starting here
        kept.append(hit)
    return kept


def _family_name(leader: Leader) -> str | None:
    """The last word of a full-name surname kept whole because it is shared ("justin trudeau" -> "trudeau")."""
    words = fold(leader.surname).split()
    return words[-1] if len(words) > 1 and len(words[-1]) >= 4 and words[-1].isalpha() else None


def _unique(values: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


@cache
def default_tagger(knowledge_dir: Path | None = None) -> Tagger:
    """One compiled tagger per knowledge base (compiling takes a moment; tagging is then fast)."""
    return Tagger(load_knowledge(knowledge_dir) if knowledge_dir else load_knowledge())
