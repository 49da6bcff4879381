"""The tagger's input and output types; plain dataclasses so both the stream and the batch use them."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

EVENT_TYPES = (
    "leader_meeting", "state_visit", "summit", "talks", "phone_call", "agreement", "sanctions",
    "diplomatic_expulsion", "ambassador_summoned_or_recalled",
)


@dataclass(frozen=True)
class Document:
    """What the tagger reads: an article reduced to the fields that carry meaning."""

    id: str
    title: str
    text: str
    published: dt.datetime | None = None

    @property
    def published_date(self) -> dt.date | None:
        """The day names and dates are resolved on; None for undated input (see ``Tagger.tag``)."""
        return self.published.date() if self.published else None


@dataclass(frozen=True)
class Evidence:
    """Words that caused an event: where they are, what they are (``rule``: "leader:Xi Jinping",
    "leader_meeting.trigger", "modality.potential") and the ids of the rules that made them evidence
    (``rule_ids``, as ``attache rules list`` prints them)."""

    field: str  # "title" or "text"
    start: int
    end: int
    text: str
    rule: str
    rule_ids: tuple[str, ...] = ()


@dataclass
class TaggedEvent:
    type: str
    modality: str
    countries: list[str]
    leaders: list[str]
    date: dt.date | None
    location: str | None
    evidence: list[Evidence] = field(default_factory=list)
    confidence: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = self.date.isoformat() if self.date else None
        for span in data["evidence"]:
            span["rule_ids"] = list(span["rule_ids"])  # JSON arrays, as the schema says
        return data
