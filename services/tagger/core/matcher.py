"""Stage 1: find every lexicon word in an article with one Aho-Corasick pass per field, then cut sentences.

Why one automaton: the knowledge base (two thousand office holders with their aliases, two hundred
states with names, adjectives, capitals and seats of power) and the whole lexicon are matched in a
single linear pass, which keeps tagging at thousands of articles per second. A second, smaller
automaton of event words alone rejects most news (no event word at all) before any other work.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from typing import Any

import ahocorasick

from services.tagger.core import lexicon
from services.tagger.core.context import Hit, Sentence
from services.tagger.core.knowledge import Knowledge, Leader
from services.tagger.core.model import Document
from services.tagger.core.text import SentenceIndex, fold, sentence_spans, word_form

PROPER_KINDS = frozenset({"leader", "surname", "country", "adj", "capital", "metonym"})
NESTABLE = frozenset(("leader", "surname", "country", "adj", "capital", "metonym", "title", "official_title",
                      "title_plural", "country_poss", "cue", "stateless_title"))
# verbs of meeting and travel, after a modal: "May Visit", "could meet", "may take place"
MEETING_VERBS = (r"meet|visit|travel|hold|attend|host|sign|skip|go|be|seek|cancel|postpone|join|make|return|talk|"
                 r"discuss|call|invite|head|fly")
MAY_THEN_VERB = re.compile(r" (?:not |also |soon |still )?(?:" + MEETING_VERBS + r")\b")


class Matcher:
    """The compiled automata for one knowledge base (compiling takes a moment; matching is then fast)."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        # family names kept whole in the surname because several office holders share them, by leader index
        self.families = [family_name(leader) for leader in knowledge.leaders]
        self._automaton, self._triggers = self._compile()

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
            if (family := self.families[index]) is not None:
                add(family, "surname", family)  # "Trudeau" after "Justin Trudeau" (see mentions)
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
        for group, triggers in lexicon.TRIGGER_SETS.items():
            for phrase, tense in triggers.items():
                add(phrase, "trigger", (group, tense))
        for name in lexicon.MULTILATERAL:
            add(name, "multilateral", name)
        for modality, cues in lexicon.MODALITY_CUES.items():
            for cue in cues:
                add(cue, "cue", modality)
        for cue in lexicon.PAST_CUES:
            add(cue, "past_cue", cue)
        for kind, phrases in (("negative", lexicon.NEGATIVE_CONTEXT), ("diplomat", lexicon.DIPLOMAT_WORDS),
                              ("ambassador_word", lexicon.AMBASSADOR_WORDS), ("signing", lexicon.SIGNING_WORDS),
                              ("coref_pair", lexicon.COREF_PAIR), ("sanction_act", lexicon.SANCTION_ACTS),
                              ("sports", lexicon.SPORTS_BODIES), ("not_diplomatic", lexicon.NOT_DIPLOMATIC_TALKS),
                              ("region", lexicon.REGIONS)):
            for phrase in phrases:
                add(phrase, kind, phrase)
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

    def hits(self, text: str, words: str) -> list[Hit]:
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

    def sentences(self, doc: Document) -> list[Sentence]:
        """Sentences with at least one hit; the others can neither name anyone nor hold an event."""
        prepared = []
        for field_name, text in (("title", doc.title or ""), ("text", doc.text or "")):
            if text.strip():
                folded = fold(text)
                prepared.append((field_name, text, folded, f" {word_form(folded)} "))
        if not any(next(self._triggers.iter(words), None) for *_, words in prepared):
            return []  # no event word at all (most news): no need for the full pass or sentences
        fields = [(name, text, folded, self.hits(text, words)) for name, text, folded, words in prepared]
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


def family_name(leader: Leader) -> str | None:
    """The last word of a full-name surname kept whole because it is shared ("justin trudeau" -> "trudeau")."""
    words = fold(leader.surname).split()
    return words[-1] if len(words) > 1 and len(words[-1]) >= 4 and words[-1].isalpha() else None


def _looks_proper(original: str, kind: str) -> bool:
    core = original[4:] if original.lower().startswith("the ") else original
    letters = [c for c in core if c.isalpha()]
    if not letters:
        return False
    if len(letters) <= 3 and kind in ("country", "capital"):  # "US" the country, not "us"
        return all(c.isupper() for c in letters)
    return core[:1].isupper()


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
