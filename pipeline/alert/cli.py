"""``radar alerts`` / ``radar alerts test RULE`` / ``radar alerts silence RULE --for 2h`` (``unsilence``,
``silences``) / ``radar alerts check`` (alias ``check-flatline``) / ``radar incidents``: wired into :mod:`pipeline.cli`
through :func:`add_commands`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipeline.alert.message import what, where
from datetime import datetime

from pipeline.alert.rules import RuleConfigError, load_config, matches, parse_duration
from pipeline.alert.silences import Silences
from pipeline.index.archive import Archive
from pipeline.index.client import make_client
from pipeline.index.setup import alias_name
from pipeline.schemas import Incident, utcnow
from pipeline.search import QueryError, parse_since
from pipeline.settings import Settings, get_settings


def recent_incidents(s: Settings, since: str, size: int = 1_000) -> list[Incident]:
    """Incidents updated since ``since`` (e.g. '24h', '7d' or an ISO date), newest first."""
    es = make_client(s)
    try:
        resp = es.search(index=alias_name("incidents", s), query={"range": {"last_updated": {"gte": parse_since(since)}}},
                         size=size, sort=[{"last_updated": "desc"}])
    finally:
        es.close()
    return [Incident.model_validate(h["_source"]) for h in resp["hits"]["hits"]]


def recent_alerts(s: Settings, since: str, size: int = 200) -> list[dict[str, Any]]:
    """Ledger documents of alerts created since ``since``, newest first."""
    es = make_client(s)
    try:
        resp = es.search(index=alias_name("alerts", s), query={"range": {"created_at": {"gte": parse_since(since)}}},
                         size=size, sort=[{"created_at": "desc"}])
    finally:
        es.close()
    return [h["_source"] for h in resp["hits"]["hits"]]


def format_incident(inc: Incident) -> str:
    """One line per incident."""
    killed = "?" if inc.fatalities is None else inc.fatalities
    return (f"{inc.last_updated:%Y-%m-%d %H:%M} {inc.id} [{inc.status}] {what(inc)} in {where(inc)} — "
            f"{killed} killed, {inc.n_sources} source(s), {inc.n_articles} article(s): {inc.title}")


def cmd_alerts(args: argparse.Namespace) -> int:
    """List recent alerts, or dry-run a rule (``alerts test RULE``)."""
    s = get_settings()
    try:
        if getattr(args, "alerts_command", None) == "test":
            return _dry_run(s, args)
        docs = recent_alerts(s, args.since)
    except (QueryError, RuleConfigError, KeyError) as exc:
        print(f"radar alerts: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(docs, ensure_ascii=False, indent=1))
        return 0
    print(f"{len(docs)} alert(s) since {args.since}")
    for d in docs:
        sinks = ", ".join(d.get("sinks") or []) or "-"
        pending = ", ".join(d.get("pending_sinks") or [])
        print(f"{d['created_at'][:16]} {d['id']} {d['rule']}/{d['trigger']} {d.get('headline', '')}\n"
              f"    delivered: {sinks}" + (f"   pending: {pending}" if pending else ""))
    return 0


def _dry_run(s: Settings, args: argparse.Namespace) -> int:
    config = load_config(args.file or s.alerts_file)
    rule = config.rule(args.rule)
    hits = [i for i in recent_incidents(s, args.since) if matches(rule, i)]
    if args.json:
        print(json.dumps([i.model_dump(mode="json", exclude={"signatures", "term_counts"}) for i in hits],
                         ensure_ascii=False, indent=1))
        return 0
    print(f"rule {rule.name}: {len(hits)} incident(s) since {args.since} would match (sinks: "
          f"{', '.join(config.sinks_of(rule)) or 'none'}; nothing sent)")
    for inc in hits:
        print(format_incident(inc))
    return 0


def _silences(s: Settings) -> Silences:
    es = make_client(s)
    from pipeline.index.setup import setup_indices

    setup_indices(es, s)
    return Silences(es, s, Archive("silences", s) if s.archive_enabled else None)


def cmd_silence(args: argparse.Namespace) -> int:
    """``alerts silence RULE --for 2h [--key K]``, ``alerts unsilence RULE [--key K]``, ``alerts silences``."""
    s = get_settings()
    try:
        store = _silences(s)
        if args.alerts_command == "silences":
            now = utcnow()
            rows = store.all()
            if args.json:
                print(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False, indent=1))
                return 0
            active = [r for r in rows if r.until > now]
            print(f"{len(active)} active silence(s)")
            for r in active:
                print(f"{r.rule}{'/' + r.key if r.key else ''} until {r.until:%Y-%m-%d %H:%M} UTC"
                      + (f" — {r.reason}" if r.reason else ""))
            return 0
        load_config(args.file or s.alerts_file).rule(args.rule)
        seconds = parse_duration(args.duration) if args.alerts_command == "silence" else 0.0
        if args.alerts_command == "silence" and seconds <= 0:
            raise ValueError("--for must be positive, e.g. 30m, 2h, 1d")
        silence = store.put(args.rule, seconds, args.key, getattr(args, "reason", "") or "")
    except (RuleConfigError, KeyError, ValueError) as exc:
        print(f"radar alerts {args.alerts_command}: {exc}", file=sys.stderr)
        return 2
    what = f"{args.rule}" + (f" (key {args.key})" if args.key else "")
    if seconds:
        print(f"silenced {what} until {silence.until:%Y-%m-%d %H:%M} UTC (all alert workers within "
              f"{s.alert_silence_refresh_s:g}s)")
    else:
        print(f"unsilenced {what}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """``alerts check [--at ISO]`` (alias ``check-flatline``): evaluate the scheduled rules (flatline,
    spike down) for the windows ending then."""
    from pipeline.alert.checks import run_checks

    end = datetime.fromisoformat(args.at) if args.at else utcnow()
    result = run_checks(end)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def cmd_incidents(args: argparse.Namespace) -> int:
    """List recent incidents."""
    s = get_settings()
    try:
        incidents = recent_incidents(s, args.since, args.size)
    except QueryError as exc:
        print(f"radar incidents: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([i.model_dump(mode="json", exclude={"signatures", "term_counts"}) for i in incidents],
                         ensure_ascii=False, indent=1))
    else:
        print(f"{len(incidents)} incident(s) since {args.since}")
        for inc in incidents:
            print(format_incident(inc))
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``alerts`` (with ``test RULE``) and ``incidents`` to the ``radar`` sub-commands."""
    a = sub.add_parser("alerts", help="recent alerts; `alerts test RULE` dry-runs a rule over indexed incidents")
    a.add_argument("--since", default="24h", help="e.g. 30m, 24h, 7d or an ISO date")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_alerts)
    asub = a.add_subparsers(dest="alerts_command")
    t = asub.add_parser("test", help="which indexed incidents a rule would match (sends nothing)")
    t.add_argument("rule")
    t.add_argument("--since", default="7d")
    t.add_argument("--file", help="alerts file (default: RADAR_ALERTS_FILE)")
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_alerts)
    for name, helptext in (("silence", "hold back a rule's alerts for a while (all workers)"),
                           ("unsilence", "lift a silence")):
        sp = asub.add_parser(name, help=helptext)
        sp.add_argument("rule")
        sp.add_argument("--key", help="only alerts about this query-key value (e.g. MX or Michoacán)")
        sp.add_argument("--file", help="alerts file (default: RADAR_ALERTS_FILE)")
        if name == "silence":
            sp.add_argument("--for", dest="duration", required=True, help="e.g. 30m, 2h, 1d")
            sp.add_argument("--reason", default="")
        sp.set_defaults(func=cmd_silence)
    sl = asub.add_parser("silences", help="active silences")
    sl.add_argument("--json", action="store_true")
    sl.set_defaults(func=cmd_silence)
    fl = asub.add_parser("check", aliases=["check-flatline"],
                         help="evaluate the flatline and spike-down rules now (the alert_checks DAG does it every 15 min)")
    fl.add_argument("--at", help="end of the window (ISO time; default now)")
    fl.set_defaults(func=cmd_check)

    i = sub.add_parser("incidents", help="recent incidents")
    i.add_argument("--since", default="24h")
    i.add_argument("--size", type=int, default=50)
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=cmd_incidents)
