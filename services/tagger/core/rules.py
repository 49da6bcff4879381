"""The rule catalogue: every rule of the tagger has a stable id and a one-line description.

Why: an analyst reading an alert, or a developer reading ``attache eval --mistakes``, must be able to
tell which rule made an event, which decided its modality, and which named each person in it. Rules
register themselves here when their stage module is imported; evidence spans carry their ids.

Stages, in the order the tagger runs them:

- ``mention``: who and which states a sentence names, resolved on the article's date;
- ``veto``: what keeps a word or a person out (history, proxies, venues, words out of context);
- ``candidate``: per sentence, the rules that propose an event of a type between states;
- ``modality``: whether a proposed event occurred, is planned, potential, cancelled or denied;
- ``event``: how the candidates of one article become its events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

STAGES = ("mention", "veto", "candidate", "modality", "event")


@dataclass(frozen=True)
class Rule:
    id: str
    stage: str
    description: str


_CATALOGUE: dict[str, Rule] = {}

F = TypeVar("F", bound=Callable[..., object])


def rule(rule_id: str, stage: str, description: str) -> str:
    """Register a rule and return its id (a rule defined as a pattern or a branch of a function)."""
    if stage not in STAGES:
        raise ValueError(f"rule {rule_id}: unknown stage {stage!r} (one of {', '.join(STAGES)})")
    known = _CATALOGUE.get(rule_id)
    if known is not None and known != Rule(rule_id, stage, description):
        raise ValueError(f"rule id {rule_id} registered twice with different meanings")
    _CATALOGUE[rule_id] = Rule(rule_id, stage, description)
    return rule_id


def rule_function(rule_id: str, stage: str, description: str) -> Callable[[F], F]:
    """Register a rule written as a function; the function keeps its id in ``rule_id``."""
    def register(function: F) -> F:
        rule(rule_id, stage, description)
        function.rule_id = rule_id  # type: ignore[attr-defined]
        return function
    return register


def catalogue() -> list[Rule]:
    """Every registered rule, by stage then id. Importing the tagger registers them all."""
    from services.tagger.core import tagger  # noqa: F401  (imports every stage module)

    return sorted(_CATALOGUE.values(), key=lambda r: (STAGES.index(r.stage), r.id))


def known(rule_id: str) -> bool:
    return rule_id in _CATALOGUE
