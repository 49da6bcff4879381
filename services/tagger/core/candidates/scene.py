"""What one sentence offers the candidate rules: its event words by kind, who it names, and a way to propose.

A ``Scene`` is built once per sentence; the rules of ``meetings``, ``visits`` and ``others`` read it and
call ``propose``, which asks the modality stage and records the rule's id on the candidate.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from services.tagger.core.context import Article, Candidate, Hit, Mention, Sentence, unique
from services.tagger.core.modality import modality_of
from services.tagger.core.rules import rule

SPEAKER = rule("veto.speaker", "veto",
               '"U.S. officials said Xi would meet Kim": who speaks about an event is not at it')
RECEIVED_A_THING = rule("veto.received_a_thing", "veto",
                        '"Turkey received deliveries of S-400 parts": receiving a thing is not receiving a visitor')
NEGATIVE_CONTEXT = rule("veto.negative_context", "veto",
                        'A cabinet meeting, a mountain summit, a football match, a film (lexicon: misleading)')

SPEAKING = re.compile(r"(?:,? [a-z'-]+){0,2},? (?:said|say|says|told|announced|confirmed|added|noted|warned|expect|"
                      r"expected|believe|believed|cautioned|insisted|stressed|briefed|familiar with)\b")


@dataclass
class Scene:
    """One sentence, seen by the candidate rules. ``leaders`` and ``leader_countries`` narrow as the
    meeting rules learn who is at the meeting; the rules after them read the narrowed lists."""

    s: Sentence
    article: Article
    triggers: dict[str, list[Hit]]
    negative: bool
    leaders: list[Mention]
    officials: list[Mention]
    people: list[Mention]  # leaders and officials as first named, before any narrowing
    leader_countries: tuple[str, ...]
    all_countries: tuple[str, ...]
    lead_bonus: float
    out: list[Candidate] = field(default_factory=list)

    @property
    def phone(self) -> list[Hit] | None:
        return self.triggers.get("phone")

    def found(self, kind: str) -> bool:
        """Has a rule already proposed an event of this kind from this sentence?"""
        return any(c.type == kind for c in self.out)

    def propose(self, kind: str, rule_id: str, trigger: Hit, countries: tuple[str, ...], mentions: list[Mention],
                weight: float) -> None:
        """Propose an event; its modality comes from the trigger's clause, its weight grows in the lead."""
        modality, cue, modality_rule = modality_of(self.s, trigger, self.article.day)
        names = tuple(sorted({m.name for m in mentions if m.name and (m.is_leader or m.is_official)}))
        self.out.append(Candidate(kind, self.s, tuple(sorted(countries)), names, trigger, modality, cue, mentions,
                                  weight + self.lead_bonus, rule_id, modality_rule))


def build_scene(s: Sentence, article: Article, triggers: dict[str, list[Hit]]) -> Scene:
    leaders = [m for m in s.mentions if m.is_leader]
    # "U.S. officials said Xi would meet Kim": those who speak about a meeting are not at it
    officials = [m for m in s.mentions if m.is_official and not SPEAKING.match(s.folded, m.end)]
    return Scene(
        s, article, triggers, negative=bool(s.has("negative")), leaders=leaders, officials=officials,
        people=leaders + officials, leader_countries=unique(m.country for m in leaders),
        all_countries=unique(m.country for m in s.mentions),
        lead_bonus=0.15 if s.field == "title" or s.position <= 1 else 0.0,
    )


def triggers_by_kind(s: Sentence, dated: list[Hit]) -> dict[str, list[Hit]]:
    """Event words by the kind they may start, leaving out history ("hosted him in Paris in December
    2007") and, in a sentence that dates one, "the meeting" that refers back to it."""
    triggers: dict[str, list[Hit]] = defaultdict(list)
    # "the 2015 agreement ... was signed by Iran and six powers": one dated word makes the deal, sanctions,
    # expulsion or recall of the whole sentence history
    dated_kinds = {h.value[0] for h in dated} & DATED_AS_A_WHOLE
    for hit in s.has("trigger"):
        if hit in dated or (dated and s.folded[:hit.start].endswith(("the ", "that ", "their "))) \
                or hit.value[0] in dated_kinds:
            continue  # history, and "an exhibition on the meeting" that refers back to it
        if s.position > 1 and s.folded[hit.start:hit.end] in HEADLINE_WORDS:
            continue  # "trip", "tour": a visit in a headline's few words, anything in a body's many
        triggers[hit.value[0]].append(hit)
    return triggers


HEADLINE_WORDS = frozenset(("trip", "tour", "visiting"))
DATED_AS_A_WHOLE = frozenset(("agreement", "sanctions", "expulsion", "ambassador"))


def received_a_thing(s: Sentence, hit: Hit) -> bool:
    """"Turkey received deliveries of S-400 parts": receiving a person is diplomacy, a thing is not."""
    return s.folded[hit.start:hit.end] == "received" and not any(
        0 <= m.start - hit.end <= 40 and (m.is_leader or m.is_official) for m in s.mentions)
