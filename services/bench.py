"""``attache bench``: throughput measured on a generated corpus, with the cost floor beside it.

The floor is reading and JSON-decoding the same corpus, so the report says what tagging itself costs.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from services.tagger.core import Document, default_tagger
from services.tagger.core.knowledge import load_knowledge

FILLER = (
    "Markets in the region were mixed on the day, with energy stocks leading the gains.",
    "The central bank left its benchmark interest rate unchanged, citing persistent inflation.",
    "Heavy rain caused flooding in several northern districts, officials said.",
    "The national football team won its qualifier after a late penalty.",
    "Analysts expect growth to slow in the coming quarter as exports weaken.",
    "Opposition lawmakers criticised the budget, saying it failed to address housing costs.",
    "A new high-speed rail line is due to open next year after repeated delays.",
    "Police said the investigation into the incident was continuing.",
    "The ministry of health reported a rise in seasonal influenza cases.",
    "Farmers protested outside parliament over fuel prices and import rules.",
    "The company announced record quarterly profits and a share buyback.",
    "Scientists published new findings on coral reef recovery in warmer seas.",
    "Tourism numbers returned to pre-pandemic levels, according to official data.",
    "The court adjourned the hearing until next month at the request of the defence.",
    "Residents were urged to conserve water as the drought entered its third year.",
)
EVENT_TEMPLATES = (
    "{a} met {b} in {city} on Tuesday, their first meeting in two years.",
    "{a} and {b} could meet later this year, officials said, though no date has been set.",
    "{a} will travel to {city} next week for talks with {b}.",
    "A planned summit between {a} and {b} was called off at short notice.",
    "The government of {country} summoned the ambassador of {other} to protest.",
    "{country} imposed new sanctions on {other} over its military activity.",
    "{a} spoke by phone with {b} about the crisis.",
)


def _leaders_on(day: dt.date) -> list[tuple[str, str]]:
    knowledge = load_knowledge()
    return [(leader.name, leader.country) for leader in knowledge.leaders if leader.is_leader_on(day)]


def generate_corpus(path: Path, articles: int, seed: int = 7, target_bytes: int = 2000) -> int:
    """Write ``articles`` JSONL records of about ``target_bytes`` each; return total bytes."""
    rng = random.Random(seed)
    knowledge = load_knowledge()
    day = dt.date(2024, 6, 1)
    leaders = _leaders_on(day) or [("Vladimir Putin", "RU"), ("Xi Jinping", "CN")]
    total = 0
    with path.open("wb") as out:
        for i in range(articles):
            sentences = []
            if rng.random() < 0.35 and len(leaders) >= 2:
                (a, ca), (b, cb) = rng.sample(leaders, 2)
                country, other = knowledge.countries.get(ca), knowledge.countries.get(cb)
                city = (other.capitals[0] if other and other.capitals else "Geneva")
                sentences.append(rng.choice(EVENT_TEMPLATES).format(
                    a=a, b=b, city=city, country=country.name if country else ca,
                    other=other.name if other else cb))
            while sum(len(s) + 1 for s in sentences) < target_bytes:
                sentences.append(rng.choice(FILLER))
            rng.shuffle(sentences)
            record = {"id": f"bench-{i}", "title": sentences[0][:80], "text": " ".join(sentences),
                      "published": f"{day.isoformat()}T12:00:00Z"}
            line = orjson.dumps(record) + b"\n"
            total += len(line)
            out.write(line)
    return total


def bench_tag(articles: int) -> dict[str, Any]:
    from services.common.settings import get_settings

    tagger = default_tagger(get_settings().knowledge_dir)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        total_bytes = generate_corpus(corpus, articles)

        def read_decode() -> list[Any]:
            with corpus.open("rb") as handle:
                return [orjson.loads(line) for line in handle]

        floor_wall, floor_cpu = time.perf_counter(), time.process_time()
        read_decode()
        floor_wall, floor_cpu = time.perf_counter() - floor_wall, time.process_time() - floor_cpu

        wall, cpu = time.perf_counter(), time.process_time()
        events = with_events = 0
        with corpus.open("rb") as handle:
            for line in handle:
                record = orjson.loads(line)
                published = dt.datetime.fromisoformat(record["published"].replace("Z", "+00:00"))
                found = len(tagger.tag(Document(record["id"], record["title"], record["text"], published)))
                events += found
                with_events += found > 0
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "benchmark": "tag",
        "articles": articles,
        "avg_article_bytes": round(total_bytes / articles),
        "events_found": events,
        "articles_with_events": with_events,
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "articles_per_s": round(articles / cpu, 1),
        "floor_seconds": round(floor_wall, 3),
        "floor_articles_per_s": round(articles / max(floor_cpu, 1e-9), 1),
        "cost_vs_floor": round(cpu / max(floor_cpu, 1e-9), 1),
        "note": "per core: single-threaded, rates from process CPU time",
    }


def bench_collect(feeds: int) -> dict[str, Any]:
    """Two polling rounds over ``feeds`` generated feeds on the local feed server, publishing to Kafka
    (embedded): the first fetches and publishes everything, the second should be all 304s."""
    import asyncio
    import sys

    from services.collector.service import Collector
    from services.collector.store import CollectorStore
    from services.common.config_files import FeedConfig
    from services.common.embedded import EmbeddedServers
    from services.common.kafka import make_producer
    from services.common.metrics import Metrics
    from services.common.processes import free_port, port_answers, spawn, terminate, wait_until
    from services.common.settings import Settings
    from services.common.setup import run_setup

    with tempfile.TemporaryDirectory() as tmp:
        # the local server stands in for many hosts, so the per-host limit is the overall one here
        lab_port = free_port()
        settings = Settings(data_dir=Path(tmp), kafka_bootstrap=f"127.0.0.1:{free_port()}",
                            es_url=f"http://127.0.0.1:{free_port()}", collector_concurrency=50,
                            collector_per_host=50,
                            allow_private_addresses=f"127.0.0.1:{lab_port}")  # the local feed server
        embedded = EmbeddedServers(settings)
        lab = spawn([sys.executable, "-m", "services.feedlab", "--feeds", str(feeds), "--port", str(lab_port)],
                    log_file=Path(tmp) / "feedlab.log")
        try:
            embedded.start()
            run_setup(settings)
            if not wait_until(lambda: port_answers("127.0.0.1", lab_port), 30):
                raise RuntimeError(f"the feed server did not start; see {Path(tmp) / 'feedlab.log'}")
            configs = [FeedConfig(f"lab-{n}", f"http://127.0.0.1:{lab_port}/feeds/{n}.xml", f"lab {n}", 300.0)
                       for n in range(feeds)]
            metrics = Metrics("bench")
            store = CollectorStore(Path(tmp) / "collector.sqlite3")
            producer = make_producer(settings, "attache-bench")
            collector = Collector(settings, configs, producer, store, metrics)
            rounds: list[tuple[float, float]] = []

            async def two_rounds() -> None:
                for _ in range(2):
                    wall, cpu = time.perf_counter(), time.process_time()
                    await collector.poll_round()
                    rounds.append((time.perf_counter() - wall, time.process_time() - cpu))

            asyncio.run(two_rounds())
            collector.close_producer(10)  # the one it holds (it replaces a producer after unconfirmed sends)
            store.close()
        finally:
            terminate(lab, 5)
            embedded.stop()
    counters = metrics.counters
    return {
        "benchmark": "collect",
        "feeds": feeds,
        "first_round_s": round(rounds[0][0], 2),
        "first_round_cpu_s": round(rounds[0][1], 2),
        "second_round_s": round(rounds[1][0], 2),
        "second_round_cpu_s": round(rounds[1][1], 2),
        "second_round_cpu_ratio": round(rounds[1][1] / max(rounds[0][1], 1e-9), 3),
        "responses_200": int(counters.get("responses_200", 0)),
        "responses_304": int(counters.get("responses_304", 0)),
        "feed_errors": int(counters.get("feed_polls_failed", 0)),
        "articles_published": int(counters.get("articles_published", 0)),
        "note": "collector CPU time (this process: event loop, parsing, Kafka producer); the feed server "
                "and Kafka run in their own processes. Feeds 2m and 2m+1 share stories: each is published once.",
    }


def run_bench(what: str, size: int) -> dict[str, Any]:
    """``size``: articles for ``tag``, feeds for ``collect``."""
    report = {"tag": bench_tag, "collect": bench_collect}[what](size)
    report["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    report["measured_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return report
