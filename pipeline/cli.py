"""``radar``: the command-line tool (stack, workers, search, batch enrichment, status, eval)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from pipeline.settings import get_settings

log = logging.getLogger("radar")


def _setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)


def cmd_up(args: argparse.Namespace) -> int:
    """Start the embedded stack and run until Ctrl-C."""
    from pipeline.stack import run_stack

    return run_stack(demo=args.demo, airflow=not args.no_airflow, enrich_workers=args.enrich_workers)


def cmd_worker(args: argparse.Namespace) -> int:
    """Run one worker process in its consumer group."""
    from pipeline.workers import WORKERS

    worker = WORKERS[args.name]()
    stats = worker.run(max_records=args.max_records, idle_exit_s=args.idle_exit)
    print(json.dumps({"worker": args.name, **stats.__dict__}))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Full-text search with filters over indexed articles."""
    from pipeline.index.client import make_client
    from pipeline.search import QueryError, SearchQuery, format_hit, run_search

    s = get_settings()
    q = SearchQuery(text=" ".join(args.query), event_types=args.type or [], countries=[args.country] if args.country else [],
                    since=args.since,
                    near=args.near, violent_only=args.violent, actor=args.actor, size=args.size, sort=args.sort)
    es = make_client(s)
    try:
        result = run_search(es, s.articles_alias, q, links_index=s.links_alias)
    except QueryError as exc:
        print(f"radar search: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"{result['total']} result(s)")
        for doc in result["hits"]:
            print(format_hit(doc))
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the search page and its JSON API until Ctrl-C."""
    from pipeline.web.app import serve

    s = get_settings()
    updates = {k: v for k, v in (("web_host", args.host), ("web_port", args.port)) if v is not None}
    s = s.model_copy(update=updates)
    print(f"Incident Radar web page: http://{s.web_host}:{s.web_port}/  (API docs: /openapi.json)", flush=True)
    serve(s)
    return 0


def cmd_enrich(args: argparse.Namespace) -> int:
    """Batch-enrich a JSON-lines file (no servers needed)."""
    from pipeline.batch import enrich_file

    done, failed = enrich_file(Path(args.input), Path(args.output))
    print(f"enriched {done} article(s) into {args.output}; {failed} bad line(s) reported on stderr", file=sys.stderr)
    return 0 if not failed else 1


def cmd_status(args: argparse.Namespace) -> int:
    """Consumer lag per topic and group, index counts, last run and error of each feed."""
    from pipeline.status import collect_status, format_status

    report = collect_status(get_settings())
    print(json.dumps(report, indent=1, default=str) if args.json else format_status(report))
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    """Create topics, index templates and aliases (idempotent)."""
    from pipeline.bus import ensure_topics
    from pipeline.index.client import make_client
    from pipeline.index.setup import setup_indices, wait_for_search

    s = get_settings()
    es = make_client(s)
    wait_for_search(es, s.startup_timeout_s)
    print("aliases:", ", ".join(setup_indices(es, s)))
    if not args.skip_kafka:
        print("topics created:", ", ".join(ensure_topics(s)) or "none (all existed)")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    """Poll feeds once now (the same code the Airflow DAG runs), producing to Kafka."""
    from pipeline.ingest.feeds import FeedsFileError, load_feeds
    from pipeline.ingest.poll import poll_feeds

    try:
        feeds = [f for f in load_feeds(Path(args.feeds) if args.feeds else None) if not args.feed or f.name in args.feed]
    except FeedsFileError as exc:
        print(f"radar ingest: {exc}", file=sys.stderr)
        return 2
    failed = 0
    for report in poll_feeds(feeds, get_settings()):
        if report.status == "failed":
            failed += 1
            print(f"FAILED {report.error}", file=sys.stderr)
        else:
            print(report)
    return 1 if failed else 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Print enrichment quality on the dev set and/or the public geoparsing corpora."""
    rest = args.rest or []
    if args.what in ("dev", "all"):
        from pipeline.evaluation import devset

        devset.main(rest if args.what == "dev" else [])
    if args.what in ("clustering", "all"):
        from pipeline.evaluation import clustering

        clustering.main(rest if args.what == "clustering" else [])
    if args.what in ("events", "all"):
        from pipeline.evaluation import events

        events.main(rest if args.what == "events" else [])
    if args.what in ("corpora", "all"):
        from pipeline.evaluation import corpora

        corpora.main(rest if args.what == "corpora" else [])
    if args.what in ("extraction", "all"):
        from pipeline.evaluation import extraction

        extraction.main(rest if args.what == "extraction" else [])
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Rebuild the learned event model from the corpus, or (``radar train geo``) the geo ranker, or
    (``radar train encoder``, needs PyTorch) the event model's int8 sentence encoder (deterministic, offline)."""
    rest = args.rest or []
    if rest[:1] == ["geo"]:
        from pipeline.geo import train as geo_train

        return geo_train.main(rest[1:])
    if rest[:1] == ["encoder"]:
        from pipeline.enrich.model import build_encoder

        return build_encoder.main(rest[1:])
    from pipeline.enrich.model import train

    return train.main(rest)


def build_parser() -> argparse.ArgumentParser:
    """The ``radar`` argument parser."""
    p = argparse.ArgumentParser(prog="radar", description="Incident Radar: violent-incident detection from news feeds")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the embedded stack (Kafka, search, Airflow, workers) until Ctrl-C")
    up.add_argument("--demo", action="store_true", help="use the bundled offline demo feeds served on loopback")
    up.add_argument("--no-airflow", action="store_true", help="poll feeds from this process instead of Airflow")
    up.add_argument("--enrich-workers", type=int, default=None)
    up.set_defaults(func=cmd_up)

    w = sub.add_parser("worker", help="run a pipeline worker")
    w.add_argument("name", choices=["fetch", "enrich", "index", "alert"])
    w.add_argument("--max-records", type=int, default=None)
    w.add_argument("--idle-exit", type=float, default=None, help="exit after this many idle seconds")
    w.set_defaults(func=cmd_worker)

    s = sub.add_parser("search", help="full-text search of indexed articles")
    s.add_argument("query", nargs="*")
    s.add_argument("--type", action="append", help="event type or sub-type (repeatable)")
    s.add_argument("--country", help="ISO-2 country code of the event location")
    s.add_argument("--since", help="e.g. 30m, 12h, 7d, 2w or an ISO date")
    s.add_argument("--near", help="LAT,LON,KM")
    s.add_argument("--actor", help="actor name")
    s.add_argument("--violent", action="store_true", help="only violent events")
    s.add_argument("--sort", choices=["best", "newest"], default="best")
    s.add_argument("--size", type=int, default=10)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_search)

    wb = sub.add_parser("web", help="serve the search page and JSON API (default http://127.0.0.1:18000)")
    wb.add_argument("--host", help="bind address (default RADAR_WEB_HOST, 127.0.0.1)")
    wb.add_argument("--port", type=int, help="port (default RADAR_WEB_PORT, 18000)")
    wb.set_defaults(func=cmd_web)

    e = sub.add_parser("enrich", help="enrich a JSON-lines file of articles (no servers needed)")
    e.add_argument("input")
    e.add_argument("-o", "--output", required=True)
    e.set_defaults(func=cmd_enrich)

    st = sub.add_parser("status", help="consumer lag, index counts, feed runs and errors")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_status)

    su = sub.add_parser("setup", help="create index templates, aliases and topics (idempotent)")
    su.add_argument("--skip-kafka", action="store_true")
    su.set_defaults(func=cmd_setup)

    i = sub.add_parser("ingest", help="poll feeds once now (same code as the Airflow DAG)")
    i.add_argument("--feed", action="append", help="only this feed (repeatable)")
    i.add_argument("--feeds", help="feeds file (default: settings feeds_file)")
    i.set_defaults(func=cmd_ingest)

    ev = sub.add_parser("eval", help="quality: dev set, event model, incident clustering, public geoparsing corpora, text extraction")
    ev.add_argument("what", choices=["dev", "events", "clustering", "corpora", "extraction", "all"], nargs="?", default="all")
    ev.add_argument("rest", nargs=argparse.REMAINDER, help="options passed to the evaluation")
    ev.set_defaults(func=cmd_eval)

    tr = sub.add_parser("train", help="rebuild the learned event model from corpus/events (see pipeline.enrich.model.train); "
                                           "`radar train geo`: the geoparser's toponym filter and sense ranker; "
                                           "`radar train encoder`: the int8 MiniLM encoder (needs PyTorch)")
    tr.add_argument("rest", nargs=argparse.REMAINDER, help="options passed to the trainer (--out, --no-ged); `geo [--out DIR]`")
    tr.set_defaults(func=cmd_train)

    from pipeline.alert.cli import add_commands

    add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``radar``."""
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
