"""What the stages hand each other: words found, people named, sentences, candidate events, the article.

Small and plain on purpose: the stages (``matcher``, ``mentions``, ``candidates``, ``modality``,
``events``) are functions over these objects, so a rule reads its inputs from one context object
rather than a long list of positional arguments.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from services.tagger.core.knowledge import Knowledge, Leader
from services.tagger.core.text import bounded


class Hit(NamedTuple):
    """A lexicon entry found in the text (a tuple: created by the ten thousand per second)."""

    start: int
    end: int
    kind: str
    value: Any


@dataclass(slots=True)
class Mention:
    """A person or state taking part: a leader, an official, or a country name/metonym.

    ``rule`` is the evidence label ("leader:Xi Jinping", "capital:RU"); ``rule_id`` the catalogue id of the
    rule that named it ("mention.full_name")."""

    start: int
    end: int
    country: str
    name: str | None
    is_leader: bool
    is_official: bool
    rule: str
    rule_id: str


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
    """An event one rule proposes from one sentence; the ``events`` stage merges them per article."""

    type: str
    sentence: Sentence
    countries: tuple[str, ...]
    leaders: tuple[str, ...]
    trigger: Hit
    modality: str | None
    cue: Hit | None
    mentions: list[Mention]
    weight: float
    rule_id: str = ""  # the candidate rule that proposed it
    modality_rule: str | None = None  # the modality rule that decided ``modality`` (None: undecided)


@dataclass
class Article:
    """Per-article state the rules share: the day every name and date is resolved on, and what earlier
    sentences established (the article's leader meeting, the first pair of states any event joins)."""

    knowledge: Knowledge
    day: dt.date
    dated: bool = True  # False: an undated article, read as of the knowledge base's date
    # family names shared by several office holders, learnt from the full names anywhere in the article
    seen_surnames: dict[str, Leader] = dataclasses.field(default_factory=dict)
    # leaders named so far, the latest last: "the president" is the last president the article named
    named_leaders: list[Leader] = dataclasses.field(default_factory=list)
    main_pair: tuple[str, ...] | None = None  # the article's leader meeting, for "the two leaders"
    context_pair: tuple[str, ...] | None = None  # the first two states any event joins


def unique(values: Any) -> tuple[str, ...]:
    """Distinct non-empty values in first-seen order (countries of mentions, mostly)."""
    return tuple(dict.fromkeys(v for v in values if v))
