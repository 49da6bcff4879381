"""The ``attache`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from services import __version__
from services.common.logging import configure_logging
from services.common.redact import redact_text
from services.common.settings import get_settings
from services.common.text import clean_text

EPILOG = "Settings come from ATTACHE_* environment variables; see README.md (Configuration)."


def _cmd_run(args: argparse.Namespace) -> int:
    from services.runner.run import run_pipeline

    settings = get_settings()
    configure_logging(settings, "runner")
    dashboard = False if args.no_dashboard else None
    return run_pipeline(settings, duration_s=args.duration, dashboard=dashboard)


def _cmd_setup(_args: argparse.Namespace) -> int:
    from services.common.setup import run_setup

    settings = get_settings()
    configure_logging(settings, "setup")
    report = run_setup(settings)
    print(orjson.dumps(report.__dict__).decode())
    return 0


def _cmd_service(args: argparse.Namespace) -> int:
    import importlib

    importlib.import_module(f"services.{args.command}.__main__").main()
    return 0


def _cmd_tag(args: argparse.Namespace) -> int:
    import time

    from services.batch import tag_lines
    from services.tagger.core import default_tagger

    try:
        source = sys.stdin.buffer if args.file in (None, "-") else Path(args.file).open("rb")  # noqa: SIM115
    except OSError as exc:
        print(f"attache tag: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    failures = lines = 0
    out = sys.stdout.buffer
    last_progress = time.monotonic()
    try:
        for result, ok in tag_lines(default_tagger(get_settings().knowledge_dir), source):
            out.write(orjson.dumps(result) + b"\n")
            lines += 1
            if not ok:
                failures += 1
                print(f"attache tag: {result['error']}", file=sys.stderr)
            if time.monotonic() - last_progress > 5:  # long inputs: say we are alive, on stderr
                last_progress = time.monotonic()
                print(f"attache tag: {lines} lines tagged, {failures} rejected", file=sys.stderr)
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    out.flush()
    return 1 if failures else 0


def _cmd_search(args: argparse.Namespace) -> int:
    from services.search import SearchError, search

    settings = get_settings()
    try:
        hits = search(settings, args.query, index=args.index, size=args.size)
    except SearchError as exc:
        print(redact_text(f"attache search: {exc}"), file=sys.stderr)
        return 2
    if args.json:
        for hit in hits:
            sys.stdout.write(orjson.dumps(hit).decode() + "\n")
        return 0
    if not hits:
        print("no hits")
    for hit in hits:
        print(clean_text(_describe(args.index, hit)))  # documents indexed before control characters were cut
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from services.tagger.core import default_tagger
    from services.tagger.evaluate import (
        GoldError,
        attach_texts,
        evaluate,
        format_mistakes_by_rule,
        format_report,
        load_gold,
        load_texts,
    )

    reading = args.gold
    try:
        with Path(args.gold).open("rb") as handle:
            items = load_gold(handle)
        texts: dict[str, dict[str, Any]] = {}
        for name in args.texts or ():
            reading = name
            with Path(name).open("rb") as handle:
                texts.update(load_texts(handle))
        reading = args.gold
        items = attach_texts(items, texts)
    except OSError as exc:
        print(f"attache eval: cannot read {reading}: {exc.strerror}", file=sys.stderr)
        return 2
    except GoldError as exc:
        print(f"attache eval: {reading}: {exc}", file=sys.stderr)
        return 2
    scores = evaluate(default_tagger(get_settings().knowledge_dir), items)
    report = scores.report()
    if args.json:
        sys.stdout.write(orjson.dumps(report).decode() + "\n")
    else:
        print(format_report(report))
    if args.mistakes:
        print("\nMistakes by rule (an event's creating rules for false positives and countries, its modality "
              "rules for modality)", file=sys.stderr)
        print(format_mistakes_by_rule(scores), file=sys.stderr)
        for mistake in scores.mistakes:
            print(orjson.dumps(mistake).decode(), file=sys.stderr)
    return 0


def _cmd_rules(args: argparse.Namespace) -> int:
    from services.tagger.core.rules import catalogue

    rules = [r for r in catalogue() if args.stage in (None, r.stage)]
    if args.json:
        for item in rules:
            sys.stdout.write(orjson.dumps(item.__dict__).decode() + "\n")
        return 0
    for item in rules:
        print(f"{item.id:<44} {item.stage:<10} {item.description}")
    return 0


def _cmd_feeds(args: argparse.Namespace) -> int:
    import asyncio

    from services.collector import manage
    from services.collector.opml import OpmlError, Outline
    from services.common.config_files import load_feeds

    settings = get_settings()
    path = settings.feeds_file
    action = args.action
    if action == "list":
        rows = manage.feed_health(settings)
        if args.json:
            for row in rows:
                sys.stdout.write(orjson.dumps(row).decode() + "\n")
            return 0
        for row in rows:
            health = ("never polled" if not row["last_attempt"] else
                      f"error x{row['consecutive_errors']}: {row['last_error']}" if row["consecutive_errors"]
                      else f"ok (HTTP {row['last_status']}, last success {row['last_success']})")
            print(clean_text(f"{row['id']:<28} {row['url'][:60]:<60} {health}"))
        return 0
    if action == "add":
        if args.id and args.id in {f.id for f in load_feeds(path)}:
            print(f"attache feeds add: feed id {args.id!r} is already taken in {path}", file=sys.stderr)
            return 1
        added = manage.add_feeds(path, [Outline(args.target, args.name or args.target)], args.interval, args.id)
        print(f"added {added[0]} to {path}" if added else f"{args.target} is already in {path}")
        return 0
    if action == "remove":
        if manage.remove_feed(path, args.target):
            print(f"removed {args.target} from {path}")
            return 0
        print(f"attache feeds remove: no feed {args.target!r} in {path}", file=sys.stderr)
        return 1
    if action == "check":
        report = asyncio.run(manage.check_feed(settings, args.target))
        if args.json:
            sys.stdout.write(orjson.dumps(report).decode() + "\n")
        else:
            if report["ok"]:
                print(f"{report['url']}: HTTP {report['status']}, {report['entries']} entries, "
                      f"{report['title']!r}{' (' + report['warning'] + ')' if report['warning'] else ''}")
                for article in report["articles"]:
                    print(f"  {article['published']}  {article['title'][:100]}")
            else:
                print(f"{report['url']}: {report['error']}")
        return 0 if report["ok"] else 1
    if action == "import":
        try:
            added, total, refused = manage.import_opml(path, Path(args.target))
        except OpmlError as exc:
            print(f"attache feeds import: {exc}", file=sys.stderr)
            return 2
        for url, reason in refused:
            print(f"attache feeds import: refused {url!r}: it {reason}", file=sys.stderr)
        print(f"{total} feeds in {args.target}: {len(added)} added to {path}, "
              f"{total - len(added) - len(refused)} already there, {len(refused)} refused")
        return 1 if refused else 0
    text = manage.export_opml(path)  # export
    if args.target:
        Path(args.target).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_deadletter(args: argparse.Namespace) -> int:
    from services import deadletter

    settings = get_settings()
    filters = deadletter.Filters(service=args.service, reason=args.reason, source_topic=args.source_topic)
    letters = deadletter.read_dead_letters(settings, filters)
    if args.action == "list":
        for letter in letters:
            print(orjson.dumps(letter).decode() if args.json else clean_text(deadletter.describe(letter)))
        if not letters and not args.json:
            print("no dead letters" + (" matching the filters" if filters != deadletter.Filters() else ""))
        return 0
    report = deadletter.replay(settings, letters, dry_run=args.dry_run)
    for letter, why in report.skipped:
        print(f"skipped {letter.get('source_topic')}/{letter.get('partition')}/{letter.get('offset')}: {why}",
              file=sys.stderr)
    verb = "would replay" if args.dry_run else "replayed"
    print(f"{verb} {report.replayed} of {len(letters)} dead letters to their source topics"
          f"{f'; {len(report.skipped)} skipped' if report.skipped else ''}")
    return 0


def _describe(index: str, hit: dict[str, Any]) -> str:
    if index == "events":
        return (f"{hit['article']['published'][:10]}  {hit['type']:<31} {hit['modality']:<9} "
                f"{','.join(hit['countries']):<12} {'; '.join(hit['leaders'])[:40]:<40}  "
                f"{hit['article']['title'][:70]}")
    if index == "articles":
        return f"{hit['published'][:10]}  {','.join(hit.get('event_types', [])):<30} {hit['title'][:90]}"
    event = hit["event"]
    return f"{hit['matched_at'][:19]}  {hit['subscription_id']:<20} {event['type']} {event['modality']} " \
           f"{','.join(event['countries'])}  {event['article']['title'][:70]}"


def _cmd_bench(args: argparse.Namespace) -> int:
    from services.bench import run_bench

    configure_logging(get_settings(), "bench")
    size = args.articles if args.what == "tag" else args.feeds
    report = run_bench(args.what, size)
    text = orjson.dumps(report, option=orjson.OPT_INDENT_2 if not args.json else 0).decode()
    if args.output:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text + "\n")
    print(text)
    return 0


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text}")
    return value


# -- subscriptions and the API (services/api/) --------------------------------------------------------------


def _cli_settings() -> Any:
    """Settings for a command: its own log lines (registry, Kafka clients) go to stderr, and only from
    warnings up unless ATTACHE_LOG_LEVEL asks for more detail, so stdout stays the command's output."""
    import logging

    settings = get_settings()
    quiet = settings.model_copy(update={"log_level": "warning"}) if settings.log_level == "info" else settings
    configure_logging(quiet, "cli")
    if settings.log_level != "debug":  # the command says itself what it could not reach, once
        for client in ("aiokafka", "kafka", "elastic_transport", "asyncio"):
            logging.getLogger(client).setLevel(logging.CRITICAL)
    return settings


def _cmd_subscriptions(args: argparse.Namespace) -> int:
    from services.api.commands import subscriptions_command

    return subscriptions_command(_cli_settings(), args)


def _cmd_api(args: argparse.Namespace) -> int:
    if args.api_command == "token":
        from services.api.commands import token_command

        return token_command(_cli_settings(), args)
    from services.api.__main__ import main as serve_api

    serve_api()
    return 0


def _add_channel_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("channels (repeatable; on update they replace all channels)")
    group.add_argument("--log", action="store_true", help="a log line per alert")
    group.add_argument("--file", action="append", nargs="?", const="", metavar="PATH",
                       help="JSON lines in the alerts directory (default file without PATH)")
    group.add_argument("--webhook", action="append", metavar="URL", help="signed POST (Standard Webhooks) to URL")
    group.add_argument("--webhook-ref", action="append", metavar="NAME",
                       help="webhook whose URL is the secret NAME (ATTACHE_SECRET_<NAME>)")
    group.add_argument("--slack-ref", action="append", metavar="NAME",
                       help="Slack incoming webhook whose URL is the secret NAME")
    group.add_argument("--email", action="append", metavar="ADDR", help="email to ADDR (repeat for more)")


def _add_subscription_commands(commands: Any) -> None:
    subs = commands.add_parser(
        "subscriptions", help="list, show, add, update, pause, resume, delete, test (backtest) subscriptions",
        description="Alert subscriptions on the compacted subscriptions topic; works without the API running. "
        "Exit codes: 0 done, 1 no such subscription or it exists, 2 refused input, 3 Kafka or Elasticsearch "
        "unreachable.", epilog=EPILOG)
    actions = subs.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every subscription, by id")
    listing.add_argument("--status", choices=("active", "paused"))
    listing.add_argument("--owner", help="only those of this owner (a token's name, cli, file:...)")
    listing.add_argument("--json", action="store_true", help="JSON lines")

    def by_id(name: str, text: str) -> None:
        action = actions.add_parser(name, help=text)
        action.add_argument("id", metavar="ID")
        action.add_argument("--json", action="store_true", help="JSON output")

    by_id("show", "one subscription")
    add = actions.add_parser("add", help="create a subscription (owner: cli)")
    add.add_argument("--id", help="lowercase letters, digits, '_.-' (at most 64)")
    add.add_argument("--name", help="what it is about (default: the id)")
    add.add_argument("--query", help="Lucene query over event fields, e.g. 'type:leader_meeting AND countries:KP'")
    add.add_argument("--from-file", metavar="FILE", help="the subscription as YAML or JSON (flags override it)")
    add.add_argument("--paused", action="store_true", help="create it paused")
    add.add_argument("--json", action="store_true", help="print the stored subscription as JSON")
    _add_channel_flags(add)
    update = actions.add_parser("update", help="change a subscription's name, query, channels or throttle")
    update.add_argument("id", metavar="ID")
    update.add_argument("--name")
    update.add_argument("--query")
    update.add_argument("--throttle", type=float, metavar="PER_MINUTE",
                        help="at most this many alerts a minute per target; 0 removes the throttle")
    update.add_argument("--from-file", metavar="FILE", help="replace the whole subscription with this YAML/JSON")
    update.add_argument("--json", action="store_true", help="print the stored subscription as JSON")
    _add_channel_flags(update)
    by_id("pause", "stop its alerts until resumed")
    by_id("resume", "alert again")
    by_id("delete", "remove it (a tombstone on the topic)")
    test = actions.add_parser("test", help="backtest: what QUERY would have matched, as stories")
    test.add_argument("query", metavar="QUERY")
    test.add_argument("--since", default="30d", help="period back from now: 12h, 30d, 2w (default 30d)")
    test.add_argument("--limit", type=_positive_int, default=1000, help="most events scanned, newest first "
                      "(default 1000, at most 10000)")
    test.add_argument("--json", action="store_true", help="one JSON object")
    by_id("secret", "its webhook signing secret (whsec_...), derived from the deployment key")
    by_id("rotate-secret", "a new signing secret (bumps secret_version)")
    subs.set_defaults(handler=_cmd_subscriptions)

    api = commands.add_parser("api", help="serve the HTTP API (subscriptions, backtests, SSE alerts); "
                              "`api token` manages its tokens", epilog=EPILOG,
                              description="Without a subcommand: serve the API on ATTACHE_API_HOST:"
                              "ATTACHE_API_PORT (OpenAPI at /docs).")
    api_commands = api.add_subparsers(dest="api_command", metavar="token")
    token = api_commands.add_parser("token", aliases=["tokens"], help="add, list or revoke bearer tokens")
    token_actions = token.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    token_add = token_actions.add_parser("add", help="make a token (printed once; stored hashed)")
    token_add.add_argument("name", metavar="NAME", help="who it is for; owner of what it creates")
    token_add.add_argument("--read-only", action="store_true", help="reads only, no writes")
    token_list = token_actions.add_parser("list", help="names, scopes and creation times (never the tokens)")
    token_list.add_argument("--json", action="store_true", help="JSON lines")
    token_revoke = token_actions.add_parser("revoke", help="remove a token (takes effect at once)")
    token_revoke.add_argument("name", metavar="NAME")
    api.set_defaults(handler=_cmd_api)
    token.set_defaults(api_command="token")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="attache", description="Streaming news monitoring for leader "
                                     "meetings and diplomatic events.", epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"attache {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="start servers (embedded by default) and every service; Ctrl-C stops",
                              epilog=EPILOG)
    run.add_argument("--duration", type=float, metavar="SECONDS", help="stop by itself after SECONDS")
    run.add_argument("--no-dashboard", action="store_true", help="log progress lines instead of the live view")
    run.set_defaults(handler=_cmd_run)

    setup = commands.add_parser("setup", help="create topics and index templates, sync subscriptions (idempotent)")
    setup.set_defaults(handler=_cmd_setup)

    for name, text in (("collector", "poll feeds and publish articles"), ("tagger", "tag articles (faust worker)"),
                       ("indexer", "index articles, events and alerts"), ("alerter", "match events, send alerts")):
        service = commands.add_parser(name, help=f"run one service: {text}")
        service.set_defaults(handler=_cmd_service)

    tag = commands.add_parser("tag", help="tag JSONL articles {id,title,text,published} from FILE or stdin")
    tag.add_argument("file", nargs="?", metavar="FILE", help="JSONL input; '-' or nothing reads stdin")
    tag.set_defaults(handler=_cmd_tag)

    search = commands.add_parser("search", help="search with Lucene query syntax, as in Kibana")
    search.add_argument("query", metavar="QUERY", help="e.g. 'type:leader_meeting AND countries:KP'")
    search.add_argument("--json", action="store_true", help="print the hits' sources as JSON lines")
    search.add_argument("--index", choices=("events", "articles", "alerts"), default="events")
    search.add_argument("--size", type=int, default=20, help="how many hits, newest first (default 20)")
    search.set_defaults(handler=_cmd_search)

    feeds = commands.add_parser("feeds", help="list, add, remove, check, import (OPML) and export feeds")
    feeds.add_argument("action", choices=("list", "add", "remove", "check", "import", "export"))
    feeds.add_argument("target", nargs="?", metavar="URL|ID|FILE",
                       help="add/check: feed URL; remove: id or URL; import: OPML file; export: output file")
    feeds.add_argument("--json", action="store_true", help="list/check: JSON output")
    feeds.add_argument("--id", help="add: feed id (default: from the name)")
    feeds.add_argument("--name", help="add: display name")
    feeds.add_argument("--interval", type=_positive, help="add: seconds between polls")
    feeds.set_defaults(handler=_cmd_feeds)

    dead = commands.add_parser("deadletter", help="list the dead-letter topic, or replay its messages")
    dead.add_argument("action", choices=("list", "replay"))
    dead.add_argument("--service", help="only those of this service (tagger, indexer, alerter)")
    dead.add_argument("--reason", help="only this reason (e.g. index_failed, schema_violation)")
    dead.add_argument("--source-topic", help="only those read from this topic (full name)")
    dead.add_argument("--json", action="store_true", help="list: the dead letters as JSON lines")
    dead.add_argument("--dry-run", action="store_true", help="replay: say what would be sent, send nothing")
    dead.set_defaults(handler=_cmd_deadletter)

    evaluation = commands.add_parser("eval", help="precision/recall of the tagger on a labelled gold set")
    evaluation.add_argument("gold", metavar="GOLD.jsonl", help="lines of {id, published, title, text, gold}")
    evaluation.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    evaluation.add_argument("--mistakes", action="store_true",
                            help="on stderr: mistakes grouped by the rules behind them, then each disagreement")
    evaluation.add_argument("--texts", action="append", metavar="FILE",
                            help="JSONL {id, title, text, published} for items labelled by id only (repeatable)")
    evaluation.set_defaults(handler=_cmd_eval)

    rules = commands.add_parser("rules", help="the tagger's rules: id, stage, what each does")
    rules.add_argument("action", choices=("list",))
    rules.add_argument("--stage", choices=("mention", "veto", "candidate", "modality", "event"),
                       help="only the rules of one stage")
    rules.add_argument("--json", action="store_true", help="JSON lines {id, stage, description}")
    rules.set_defaults(handler=_cmd_rules)

    bench = commands.add_parser("bench", help="measure throughput; prints a JSON report")
    bench.add_argument("what", choices=("tag", "collect"), help="what to measure")
    bench.add_argument("--json", action="store_true", help="one compact JSON object")
    bench.add_argument("--articles", type=_positive_int, default=10_000, help="tag: corpus size (default 10000)")
    bench.add_argument("--feeds", type=_positive_int, default=2_000, help="collect: feeds to poll (default 2000)")
    bench.add_argument("--output", help="also write the report to this file")
    bench.set_defaults(handler=_cmd_bench)
    _add_subscription_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    from aiokafka.errors import KafkaError as AIOKafkaError
    from elastic_transport import TransportError
    from kafka.errors import KafkaError
    from pydantic import ValidationError

    from services.common.config_files import ConfigFileError
    from services.common.embedded import EmbeddedStartError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "feeds" and args.action in ("add", "remove", "check", "import") and not args.target:
        parser.error(f"feeds {args.action} needs a {'URL' if args.action in ('add', 'check') else 'target'}")
    try:
        code = args.handler(args)
    except (ConfigFileError, EmbeddedStartError) as exc:
        print(redact_text(f"attache {args.command}: {exc}"), file=sys.stderr)
        code = 2
    except ValidationError as exc:  # a bad ATTACHE_* value
        problems = "; ".join(f"ATTACHE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        print(f"attache {args.command}: invalid setting: {problems}", file=sys.stderr)
        code = 2
    except (KafkaError, AIOKafkaError, TransportError) as exc:
        print(redact_text(f"attache {args.command}: cannot talk to Kafka or Elasticsearch: {exc!r}"),
              file=sys.stderr)
        code = 3
    except OSError as exc:
        print(redact_text(f"attache {args.command}: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")),
              file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:
        code = 0
    sys.exit(code)


if __name__ == "__main__":
    main()
