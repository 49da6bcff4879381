"""Rule-based event tagger: the stages, in order, over one article.

Why rules and not a model: every event must point at the words that caused it (evidence spans, each
naming its rules), tagging must run at thousands of articles per second on one core, and analysts must
be able to read why an alert fired.

1. ``matcher``: every lexicon word, one Aho-Corasick pass per field; sentences that hold any.
2. ``mentions``: who and which states each sentence names, resolved on the article's date.
3. ``candidates``: per sentence, the events the rules propose (with ``modality`` deciding each one's).
4. ``events``: the candidates of the article merged into its events.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from services.tagger.core.candidates import sentence_candidates
from services.tagger.core.context import Article, Candidate
from services.tagger.core.events import merge_events
from services.tagger.core.knowledge import Knowledge, load_knowledge
from services.tagger.core.matcher import Matcher
from services.tagger.core.mentions import MentionFinder
from services.tagger.core.model import Document, TaggedEvent

TAGGER_VERSION = "rules-5"  # bump when rules change, so re-tagging can be told apart


class Tagger:
    """Tag documents with diplomatic events. Build once (compiles the automaton), call ``tag`` often."""

    def __init__(self, knowledge: Knowledge | None = None) -> None:
        self.knowledge = knowledge or load_knowledge()
        self.matcher = Matcher(self.knowledge)
        self.mentions = MentionFinder(self.knowledge, self.matcher.families)
        # undated input is read as of the knowledge base's latest change of office, not "today": the same
        # article then tags the same way on any day
        self.undated_day = self.knowledge.as_of

    def tag(self, doc: Document) -> list[TaggedEvent]:
        day = doc.published_date
        article = Article(self.knowledge, day or self.undated_day, dated=day is not None)
        sentences = self.matcher.sentences(doc)
        self.mentions.learn_families(sentences, article)
        for sentence in sentences:
            sentence.mentions = self.mentions.find(sentence, article)
        candidates: list[Candidate] = []
        for sentence in sentences:
            found = sentence_candidates(sentence, article)
            for cand in found:
                if cand.type == "leader_meeting" and article.main_pair is None:
                    article.main_pair = cand.countries
                if article.context_pair is None and len(cand.countries) == 2:
                    article.context_pair = cand.countries
            candidates.extend(found)
        return merge_events(candidates, article)


@cache
def default_tagger(knowledge_dir: Path | None = None) -> Tagger:
    """One compiled tagger per knowledge base (compiling takes a moment; tagging is then fast)."""
    return Tagger(load_knowledge(knowledge_dir) if knowledge_dir else load_knowledge())
