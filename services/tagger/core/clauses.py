"""Clause bounds inside a sentence: where a trigger's own statement starts and ends.

Modality cues and participants belong to the clause of the event word, not to the whole sentence:
"Xi met Biden on Monday, but a visit to Taipei was ruled out" holds a meeting that occurred.
"""

from __future__ import annotations

import re

from services.tagger.core import lexicon

PARENTHETICAL = re.compile(r", (?:which|who|whose) [^,;]*, ")
_CLAUSE_OPENERS = (",", " and the ", " under which ", " which ", " after which ", " while ", " whereas ")


def new_clause(between: str) -> bool:
    """Does the text between a trigger and a later cue open another clause ("..., under which ... will")?
    A relative clause set off by commas does not: "the visit, which was to include talks, was postponed"."""
    between = PARENTHETICAL.sub("", between)
    return any(opener in between for opener in _CLAUSE_OPENERS)


def clause(folded: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the clause around a trigger: cut at ';', ' but ', ' while ' and sentence ends; a sentence
    opening with background ("As sanctions bite, ...") starts its clause after the first comma."""
    left = max(folded.rfind(";", 0, start), folded.rfind(" but ", 0, start), folded.rfind(" while ", 0, start),
               folded.rfind(", ", 0, start) if folded.startswith(lexicon.BACKGROUND_OPENERS) else -1)
    right_candidates = [i for i in (folded.find(";", end), folded.find(" but ", end), folded.find(" while ", end))
                        if i != -1]
    return (left + 1 if left != -1 else 0), (min(right_candidates) if right_candidates else len(folded))
