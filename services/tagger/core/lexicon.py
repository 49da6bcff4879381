"""The tagger's vocabulary, loaded from ``services/tagger/data/lexicon.yaml`` and checked against its schema.

Why data and not code: the word lists are what analysts and labellers argue about ("is 'virtually' a
call?"); they change far more often than the rules, and a list in a data file can be reviewed, diffed and
validated without reading Python. The rules (``services/tagger/core/``) name these constants.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
LEXICON_FILE = DATA_DIR / "lexicon.yaml"
SCHEMA_FILE = DATA_DIR / "lexicon.schema.json"


class LexiconError(ValueError):
    """The lexicon file does not follow its schema; the message names the file, the place and the reason."""


def load_lexicon(path: Path = LEXICON_FILE) -> dict[str, Any]:
    """The lexicon as plain data, validated; raises ``LexiconError`` naming the entry that is wrong."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from exc
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise LexiconError(f"{path}: {where}: {error.message}")
    return dict(data)


_DATA = load_lexicon()
_TITLES = _DATA["titles"]
_TRIGGERS = _DATA["triggers"]


def _phrases(values: list[str]) -> tuple[str, ...]:
    return tuple(values)


def _triggers(kind: str) -> Mapping[str, str | None]:
    return dict(_TRIGGERS[kind])


LEADER_TITLES = _phrases(_TITLES["leader"])
STATELESS_TITLES: dict[str, str] = dict(_TITLES["stateless"])
PLURAL_LEADER_TITLES: dict[str, str] = dict(_TITLES["plural_leader"])
OFFICIAL_TITLES = _phrases(_TITLES["official"])
OFFICIAL_GROUPS = frozenset(_TITLES["official_groups"])

MEETING_TRIGGERS = _triggers("meeting")
VISIT_TRIGGERS = _triggers("visit")
SUMMIT_TRIGGERS = _triggers("summit")
TALKS_TRIGGERS = _triggers("talks")
PHONE_TRIGGERS = _triggers("phone")
AGREEMENT_TRIGGERS = _triggers("agreement")
SANCTIONS_TRIGGERS = _triggers("sanctions")
EXPULSION_TRIGGERS = _triggers("expulsion")
AMBASSADOR_TRIGGERS = _triggers("ambassador")
# trigger group -> phrases, in the order the automaton is built (the order of the file)
TRIGGER_SETS: dict[str, Mapping[str, str | None]] = {kind: _triggers(kind) for kind in _TRIGGERS}

MULTILATERAL = _phrases(_DATA["multilateral"])
# strongest first: denied, cancelled, potential, planned
MODALITY_CUES: dict[str, tuple[str, ...]] = {kind: tuple(cues) for kind, cues in _DATA["modality_cues"].items()}
PAST_CUES = _phrases(_DATA["past_cues"])
MODALS = frozenset(_DATA["modals"])
NEGATIVE_CONTEXT = _phrases(_DATA["misleading"]["negative_context"])
SPORTS_BODIES = _phrases(_DATA["misleading"]["sports_bodies"])
DIPLOMAT_WORDS = _phrases(_DATA["diplomat_words"])
AMBASSADOR_WORDS = _phrases(_DATA["ambassador_words"])
SANCTION_ACTS = _phrases(_DATA["sanction_acts"])
BACKGROUND_OPENERS = _phrases(_DATA["background_openers"])
SIGNING_WORDS = _phrases(_DATA["signing_words"])
AGREED_TO_A_DEAL = _phrases(_DATA["agreed_to_a_deal"])
HEDGED_OCCASIONS = frozenset(_DATA["hedged_occasions"])
PRESENT_TENSE_MOVES = frozenset(_DATA["present_tense_moves"])
STATE_TALKS_WORDS = _phrases(_DATA["state_talks_words"])
COREF_PAIR = _phrases(_DATA["coref_pair"])
TALKS_TOPICS = _phrases(_DATA["talks_topics"])
NOT_DIPLOMATIC_TALKS = _phrases(_DATA["not_diplomatic_talks"])
DEAL_HEDGES = _phrases(_DATA["deal_hedges"])
DEAL_MAYBES = _phrases(_DATA["deal_maybes"])
REGIONS = _phrases(_DATA["regions"])
