"""How fast events are matched against many subscriptions: through the index, and with a plain loop.

``attache bench alert`` reports ``events_per_s`` (matching alone, one core) next to
``naive_events_per_s`` (the same events against the same subscriptions, every query evaluated), measured
in the same run; this module computes both without any I/O. Subscriptions and events are generated
from the real vocabulary (the knowledge base's countries and leaders, the schema's types and
modalities) with the skew of real news: a few states and their leaders appear in most events.

Both loops share the work the index does not save (one prepared :class:`Document` per event, so titles
are analysed once either way); the ratio measures the index alone. Times are process CPU time.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from typing import Any

from services.common.query.catalogue import Catalogue, load_catalogue
from services.common.query.document import Document
from services.common.query.index import SubscriptionIndex
from services.common.query.query import Query, parse_query
from services.common.query.vocabulary import Vocabulary, load_vocabulary

# States that dominate diplomatic news come first; the rest of the knowledge base follows in a fixed order.
PROMINENT = ("US", "CN", "RU", "UA", "IL", "IR", "KP", "KR", "JP", "IN", "GB", "FR", "DE", "TR", "SA",
             "QA", "EG", "PS", "BY", "PL", "HU", "IT", "CA", "AU", "BR", "MX", "ZA", "VE", "PK", "AF",
             "SY", "IQ", "AE", "VN", "PH", "TW", "EU")
TYPE_WEIGHTS = {"leader_meeting": 30, "talks": 20, "phone_call": 15, "state_visit": 10, "summit": 8,
                "agreement": 7, "sanctions": 5, "diplomatic_expulsion": 3, "ambassador_summoned_or_recalled": 2}
MODALITY_WEIGHTS = {"occurred": 40, "planned": 25, "potential": 20, "cancelled": 8, "denied": 7}
TITLE_WORDS = ("meeting", "talks", "summit", "visit", "call", "sanctions", "leaders", "agree", "deal",
               "envoy", "ceasefire", "trade", "security", "nuclear", "border", "minister", "president")


class _World:
    """The generator's view of the vocabulary: countries by prominence, leaders by country."""

    def __init__(self, vocabulary: Vocabulary, catalogue: Catalogue, rng: random.Random, skew: float) -> None:
        self.rng = rng
        codes = [c for c in PROMINENT if c in vocabulary.countries]
        rest = sorted(set(vocabulary.countries) - set(codes))
        self.countries = codes + rest
        # Zipf-like: the k-th country is chosen with weight 1/(k+1)**skew. News is skewed (skew 1);
        # subscribers' interests are spread wider (skew 0.5): many watch one region or one pair of states.
        self.country_weights = [1.0 / (k + 1) ** skew for k in range(len(self.countries))]
        by_country: dict[str, list[str]] = defaultdict(list)
        # Leaders in office first: news and subscriptions name them far more than former ones.
        for name, entry in sorted(vocabulary.leaders.items(), key=lambda item: (not item[1].current, item[0])):
            by_country[entry.country].append(name)
        self.leaders = dict(by_country)
        type_info = catalogue.get("type")
        modality_info = catalogue.get("modality")
        types = list(type_info.values or ()) if type_info else []
        modalities = list(modality_info.values or ()) if modality_info else []
        self.types = types or list(TYPE_WEIGHTS)
        self.type_weights = [TYPE_WEIGHTS.get(t, 1) for t in self.types]
        self.modalities = modalities or list(MODALITY_WEIGHTS)
        self.modality_weights = [MODALITY_WEIGHTS.get(m, 1) for m in self.modalities]

    def country(self) -> str:
        return self.rng.choices(self.countries, self.country_weights)[0]

    def countries_of_event(self) -> list[str]:
        count = self.rng.choices((1, 2, 3), (25, 60, 15))[0]
        chosen: list[str] = []
        while len(chosen) < count:
            code = self.country()
            if code not in chosen:
                chosen.append(code)
        return chosen

    def leader_of(self, code: str) -> str | None:
        names = self.leaders.get(code)
        if not names:
            return None
        # A country's news names a few of its leaders far more than the rest.
        return self.rng.choices(names, [1.0 / (k + 1) for k in range(len(names))])[0]

    def leader(self) -> str:
        while True:
            name = self.leader_of(self.country())
            if name is not None:
                return name

    def type(self) -> str:
        return self.rng.choices(self.types, self.type_weights)[0]

    def modality(self) -> str:
        return self.rng.choices(self.modalities, self.modality_weights)[0]


def generate_events(count: int, seed: int = 11, vocabulary: Vocabulary | None = None,
                    catalogue: Catalogue | None = None) -> list[dict[str, Any]]:
    """Schema-shaped events with realistic skew (used by the benchmark and by tests)."""
    rng = random.Random(seed)
    world = _World(vocabulary or load_vocabulary(), catalogue or load_catalogue(), rng, skew=1.0)
    events: list[dict[str, Any]] = []
    for i in range(count):
        countries = world.countries_of_event()
        leaders = sorted({name for code in countries if rng.random() < 0.7
                          for name in [world.leader_of(code)] if name})
        event_type, modality = world.type(), world.modality()
        words = rng.sample(TITLE_WORDS, 3)
        title = " ".join([*(n.split()[-1] for n in leaders), *words]).capitalize()
        day = 1 + i % 28
        events.append({
            "event_id": f"{i:024x}",
            "article_id": f"{i + 1:024x}",
            "article_version": 1,
            "type": event_type,
            "modality": modality,
            "countries": countries,
            "leaders": leaders,
            "date": f"2025-03-{day:02d}" if rng.random() < 0.4 else None,
            "location": None,
            "evidence": [{"field": "title", "start": 0, "end": len(words[0]), "text": words[0],
                          "rule": f"{event_type}.trigger", "rule_ids": ["event.trigger"]}],
            "confidence": round(rng.uniform(0.3, 1.0), 2),
            "article": {"title": title, "url": f"https://news.example.org/{i}",
                        "published": f"2025-03-{day:02d}T08:00:00Z",
                        "source_domain": rng.choice(("news.example.org", "wire.example.com", "daily.example.net")),
                        "feed_id": "bench"},
            "tagged_at": f"2025-03-{day:02d}T08:00:05Z",
            "tagger_version": "bench",
        })
    return events


def generate_queries(count: int, seed: int = 7, vocabulary: Vocabulary | None = None,
                     catalogue: Catalogue | None = None) -> list[str]:
    """Realistic subscription queries over leaders, countries and types, some requiring no exact term."""
    rng = random.Random(seed)
    world = _World(vocabulary or load_vocabulary(), catalogue or load_catalogue(), rng, skew=0.5)
    out: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.35:
            out.append(f"type:{world.type()} AND countries:{world.country()}")
        elif roll < 0.60:
            out.append(f'leaders:"{world.leader()}"')
        elif roll < 0.68:
            out.append(f'leaders:"{world.leader()}" AND type:({world.type()} OR {world.type()})')
        elif roll < 0.85:
            a, b = world.country(), world.country()
            out.append(f"countries:({a} OR {b}) AND modality:(planned OR occurred) AND confidence:>=0.7")
        elif roll < 0.94:
            a, b = world.country(), world.country()
            out.append(f"countries:{a} AND countries:{b}")
        elif roll < 0.97:
            out.append(f"type:{world.type()} AND NOT countries:{world.country()} AND confidence:>=0.6")
        elif roll < 0.98:
            out.append(f"(type:{world.type()} OR type:{world.type()}) AND modality:{world.modality()}")
        else:  # no exact term required: kept by a least confidence, or checked against every event
            threshold = rng.choice(("0.8", "0.85", "0.9", "0.95"))
            surname = world.leader().split()[-1]
            out.append(rng.choice((
                f"confidence:>={threshold}",
                f"NOT modality:{world.modality()} AND confidence:>={threshold}",
                f"_exists_:date AND -countries:{world.country()} AND confidence:>{threshold}",
                f"leaders:*{surname}*",
                f"article.title:{rng.choice(TITLE_WORDS)[:4]}* AND modality:({world.modality()} OR planned)",
            )))
    return out


def bench_matching(subscriptions: int = 10_000, events: int = 2_000, naive_events: int | None = 200,
                   seed: int = 7) -> dict[str, Any]:
    """Match ``events`` generated events against ``subscriptions`` generated queries, indexed and naive.

    ``naive_events`` (default 200; None for all) bounds the plain loop, which is slow by design; its
    rate is per event, so the two rates compare directly. ``agree`` says whether both gave the same
    matches for the events both saw.
    """
    vocabulary, catalogue = load_vocabulary(), load_catalogue()
    texts = generate_queries(subscriptions, seed=seed, vocabulary=vocabulary, catalogue=catalogue)
    sample = generate_events(events, seed=seed + 1, vocabulary=vocabulary, catalogue=catalogue)

    started = time.process_time()
    queries: list[tuple[int, Query]] = [(i, parse_query(t, catalogue=catalogue, vocabulary=vocabulary))
                                        for i, t in enumerate(texts)]
    parse_s = time.process_time() - started

    started = time.process_time()
    index: SubscriptionIndex[int] = SubscriptionIndex(catalogue)
    for key, query in queries:
        index.add(key, query)
    build_s = time.process_time() - started

    started = time.process_time()
    indexed_results = [index.match(event) for event in sample]
    indexed_s = time.process_time() - started

    candidates = sum(len(index.candidates(event)) for event in sample)

    naive_sample = sample if naive_events is None else sample[:naive_events]
    started = time.process_time()
    naive_results = []
    for event in naive_sample:
        document = Document(event)
        naive_results.append([key for key, query in queries if query.matches_document(document)])
    naive_s = time.process_time() - started

    events_per_s = len(sample) / indexed_s if indexed_s > 0 else float("inf")
    naive_per_s = len(naive_sample) / naive_s if naive_s > 0 else float("inf")
    return {
        "subscriptions": len(queries),
        "term_subscriptions": index.filed_by_terms,
        "threshold_subscriptions": index.filed_by_threshold,
        "unanchored_subscriptions": index.unanchored,
        "events": len(sample),
        "events_per_s": round(events_per_s, 1),
        "naive_events": len(naive_sample),
        "naive_events_per_s": round(naive_per_s, 1),
        "speedup": round(events_per_s / naive_per_s, 1) if naive_per_s else None,
        "candidates_per_event": round(candidates / max(1, len(sample)), 1),
        "matches_per_event": round(sum(map(len, indexed_results)) / max(1, len(sample)), 2),
        "parse_s": round(parse_s, 3),
        "index_build_s": round(build_s, 3),
        "agree": indexed_results[: len(naive_results)] == naive_results,
        "clock": "process CPU time",
    }
