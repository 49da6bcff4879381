"""Events and queries for the query-language tests: the schema's example event, and small worlds to draw from."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from services.common.schemas import SCHEMA_DIR

EXAMPLE_EVENT: dict[str, Any] = json.loads((SCHEMA_DIR / "examples" / "event.json").read_text())

# A small world, so random queries and random events meet often.
COUNTRIES = ("KP", "RU", "US", "CN", "IR", "GB", "FR", "UA")
LEADERS = ("Kim Jong Un", "Vladimir Putin", "Xi Jinping", "Volodymyr Zelensky", "Emmanuel Macron",
           "Keir Starmer", "Masoud Pezeshkian")
TYPES = ("leader_meeting", "state_visit", "summit", "talks", "phone_call", "agreement", "sanctions",
         "diplomatic_expulsion", "ambassador_summoned_or_recalled")
MODALITIES = ("occurred", "planned", "potential", "cancelled", "denied")
WORDS = ("meeting", "talks", "summit", "Putin", "Kim", "nuclear", "visit", "the", "leaders", "sanctions")


def event(**changes: Any) -> dict[str, Any]:
    """The example event with some fields replaced (``article_title=...`` sets ``article.title``)."""
    result = copy.deepcopy(EXAMPLE_EVENT)
    for key, value in changes.items():
        if key.startswith("article_"):
            result["article"][key.removeprefix("article_")] = value
        else:
            result[key] = value
    return result


def random_event(rng: random.Random) -> dict[str, Any]:
    countries = rng.sample(COUNTRIES, rng.randint(0, 3))
    leaders = rng.sample(LEADERS, rng.randint(0, 2))
    words = [rng.choice(WORDS) for _ in range(rng.randint(1, 6))]
    evidence_words = [rng.choice(WORDS) for _ in range(rng.randint(1, 3))]
    return event(
        type=rng.choice(TYPES),
        modality=rng.choice(MODALITIES),
        countries=countries,
        leaders=leaders,
        confidence=round(rng.uniform(0, 1), 2),
        date=rng.choice((None, "2025-01-01", "2025-06-15", "2023-11-07")),
        location=rng.choice((None, "Moscow", "Pyongyang")),
        evidence=[{"field": "title", "start": 0, "end": 1, "text": " ".join(evidence_words),
                   "rule": rng.choice(("leader_meeting.trigger", "modality.potential")),
                   "rule_ids": ["event.trigger"]}],
        article_title=" ".join(words),
        article_published=rng.choice(("2023-11-07T09:00:00Z", "2025-01-01T00:00:00Z", "2025-06-15T12:30:00Z")),
    )


def random_clause(rng: random.Random) -> str:
    """One field clause of every kind the language has, over the small world."""
    kind = rng.randrange(16)
    if kind == 0:
        return f"type:{rng.choice(TYPES)}"
    if kind == 1:
        return f"countries:{rng.choice(COUNTRIES)}"
    if kind == 2:
        return f'leaders:"{rng.choice(LEADERS)}"'
    if kind == 3:
        return f"modality:({rng.choice(MODALITIES)} OR {rng.choice(MODALITIES)})"
    if kind == 4:
        return f"confidence:>={rng.choice(('0.2', '0.5', '0.7', '0.9'))}"
    if kind == 5:
        return f"confidence:[{rng.choice(('0', '0.3'))} TO {rng.choice(('0.6', '1'))}]"
    if kind == 6:
        return f"article.title:{rng.choice(WORDS)}"
    if kind == 7:
        return f'evidence.text:"{rng.choice(WORDS)} {rng.choice(WORDS)}"'
    if kind == 8:
        return "_exists_:date"
    if kind == 9:
        return rng.choice(("type:leader_*", "type:*_call", "leaders:*Putin*", "countries:K?"))
    if kind == 10:
        return rng.choice(WORDS).lower()  # a bare word: every field
    if kind == 11:
        return f"countries:({rng.choice(COUNTRIES)} OR {rng.choice(COUNTRIES)})"
    if kind == 12:
        return rng.choice(("date:[2024-01-01 TO now]", "article.published:>2024-12-31", "date:2023-11-07"))
    if kind == 13:
        return f"countries:{rng.choice(COUNTRIES)} AND countries:{rng.choice(COUNTRIES)}"
    if kind == 14:
        return f"location:{rng.choice(('Moscow', 'Pyongyang', '*'))}"
    return f"type:{rng.choice(TYPES)} AND countries:{rng.choice(COUNTRIES)}"


def random_query(rng: random.Random, depth: int = 0) -> str:
    """A query of random shape: clauses joined by AND, OR, implicit OR, with NOT, +, - and parentheses."""
    if depth > 2 or rng.random() < 0.35:
        return random_clause(rng)
    parts = []
    for index in range(rng.randint(2, 3)):
        part = random_query(rng, depth + 1)
        modifier = rng.choice(("", "", "", "NOT ", "-", "+"))
        # Unparenthesised compound parts test Lucene's left-to-right rules; one modifier per clause.
        if " " in part and (rng.random() < 0.8 or (modifier and part.startswith(("NOT ", "-", "+")))):
            part = f"({part})"
        operator = "" if index == 0 else rng.choice((" AND ", " OR ", " "))
        parts.append(f"{operator}{modifier}{part}")
    return "".join(parts)
