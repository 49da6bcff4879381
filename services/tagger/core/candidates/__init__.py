"""Stage 3: per sentence, the rules that propose events ("candidates"), each with its rule id.

The order is fixed and matters: the meeting rules first narrow who is at the meeting, and the rules
after them (visits, summits, talks, ...) read that narrowed list and what was already proposed.
"""

from __future__ import annotations

from services.tagger.core.candidates import meetings, others, visits
from services.tagger.core.candidates.scene import build_scene, triggers_by_kind
from services.tagger.core.context import Article, Candidate, Sentence
from services.tagger.core.modality import dated_before


def sentence_candidates(s: Sentence, article: Article) -> list[Candidate]:
    """Every event the rules propose from one sentence, in the order the rules ran."""
    hits = s.has("trigger")
    dated = [h for h in hits if dated_before(s, h, article.day)]  # "hosted him in Paris in December 2007"
    triggers = triggers_by_kind(s, dated)
    if not triggers:
        return []
    scene = build_scene(s, article, triggers)
    meeting = meetings.meeting_words(scene)
    meetings.leader_meetings(scene, meeting)
    visits.official_trip(scene)
    visits.leader_trip(scene)
    others.summits(scene, meeting)
    others.talks(scene)
    others.calls(scene)
    others.agreements(scene)
    others.sanctions(scene)
    others.expulsions(scene)
    others.ambassadors(scene)
    return scene.out
