"""Scheduled rule checks: ``flatline`` rules (a country, region or outlet gone quiet). The alert worker
only sees incidents that arrive, and a partition with no traffic has no event time that advances,
so silence is checked by the scheduler instead: the Airflow DAG ``alert_checks`` (or
``radar alerts check-flatline``) evaluates every flatline rule for the window ending at the run's
logical ``data_interval_end``, over the incidents index (all partitions at once), and delivers
through the ledger: the alert id holds the window bucket, so a retried or re-run check sends nothing
twice."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from pipeline.alert.delivery import Ledger, deliver_now, ledger_document
from pipeline.alert.digest import incidents_first_seen
from pipeline.alert.message import group_alert
from pipeline.alert.rules import AlertsConfig, load_config, matches
from pipeline.alert.ruletypes import flatline, silenced
from pipeline.alert.silences import Silences
from pipeline.alert.sinks import SinkError, build_sinks
from pipeline.index.archive import Archive
from pipeline.index.client import make_client
from pipeline.schemas import utcnow
from pipeline.settings import Settings, get_settings

log = logging.getLogger(__name__)


def check_flatline(end: datetime, s: Settings | None = None, config: AlertsConfig | None = None) -> dict[str, Any]:
    """Evaluate the flatline rules for windows ending at ``end`` and deliver their alerts; return
    ``{rules, alerts: {id: {sink: outcome}}, silenced}``. Raises :class:`SinkError` when a sink failed
    (a retry sends only what is still pending)."""
    s = s or get_settings()
    config = config or load_config(s.alerts_file)
    rules = [r for r in config.active_rules if r.type == "flatline"]
    if not rules:
        return {"rules": 0, "alerts": {}, "silenced": 0}
    longest = max(r.timeframe_s + r.key_lookback_s for r in rules)
    incidents = incidents_first_seen(s, end - timedelta(seconds=longest), end)
    now = utcnow()
    es = make_client(s)
    sinks = build_sinks(config, s)
    try:
        active = Silences(es, s).active(now)
        docs, quiet = [], 0
        for rule in rules:
            for decision in flatline(rule, [i for i in incidents if matches(rule, i)], end):
                alert = group_alert(rule, decision, now, s)
                if silenced(active, rule.name, alert.key, now):
                    quiet += 1
                    continue
                docs.append(ledger_document(alert, config.sinks_of(rule), {}))
        ledger = Ledger(es, s, Archive("alerts", s) if s.archive_enabled else None)
        outcome = deliver_now(ledger, sinks, docs) if docs else {}
    finally:
        for sink in sinks.values():
            sink.close()
        es.close()
    log.info("flatline check to %s: %d rule(s), %d alert(s), %d silenced", end.isoformat(), len(rules), len(docs), quiet)
    failed = {f"{k}/{n}": v for k, r in outcome.items() for n, v in r.items() if v != "delivered"}
    if failed:
        raise SinkError(f"flatline alerts: sinks failed: {failed}")
    return {"rules": len(rules), "alerts": outcome, "silenced": quiet}
