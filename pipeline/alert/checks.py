"""Scheduled rule checks: decisions the alert worker cannot make because they need no arrival.
``flatline`` rules (a country, region or outlet gone quiet) and ``spike`` rules with ``spike_type``
down or both (a group quieter than its reference window). The worker only sees incidents that
arrive, and a partition with no traffic has no event time that advances, so the scheduler checks
instead: the Airflow DAG ``alert_checks`` (or ``radar alerts check``, alias ``check-flatline``)
evaluates these rules for event-time windows ending at the run's logical ``data_interval_end``, over
the incidents index (all partitions at once), and delivers through the ledger: the alert id holds
the window bucket, so a retried or re-run check sends nothing twice.

Silences drop an alert (it is not recorded); quiet hours hold it, as in the alert worker: it is
recorded with ``not_before`` on the rule's sinks to people (webhook, Slack, email) and sent to Kafka
and log at once. Each check also re-sends the pending alerts of these rules that no partition owns
(held ones now due, sinks that failed), created within ``alert_give_up_after_s``."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from pipeline.alert.delivery import DEFERRED, Ledger, deliver_now, ledger_document
from pipeline.alert.digest import incidents_first_seen
from pipeline.alert.message import group_alert
from pipeline.alert.rules import AlertsConfig, Decision, Rule, load_config, matches
from pipeline.alert.ruletypes import flatline, silenced, spike_down, with_counted_mark
from pipeline.alert.silences import Silences
from pipeline.alert.sinks import SinkError, build_sinks
from pipeline.index.archive import Archive
from pipeline.index.client import make_client
from pipeline.schemas import Incident, utcnow
from pipeline.settings import Settings, get_settings

log = logging.getLogger(__name__)


def scheduled_rules(config: AlertsConfig) -> list[Rule]:
    """The active rules a scheduled check evaluates: flatline, and spike with a down direction."""
    return [r for r in config.active_rules
            if r.type == "flatline" or (r.type == "spike" and r.spike_type in ("down", "both"))]


def lookback_s(rule: Rule) -> float:
    """How much event time before the check's end ``rule`` reads."""
    return rule.timeframe_s + rule.key_lookback_s if rule.type == "flatline" else 2 * rule.timeframe_s


def rule_decisions(rule: Rule, incidents: list[Incident], end: datetime) -> list[Decision]:
    """The scheduled decisions of ``rule`` for the windows ending at ``end`` (pure)."""
    matching = [i for i in incidents if matches(rule, i)]
    if rule.type == "flatline":
        return flatline(rule, matching, end)
    return spike_down(rule, with_counted_mark(rule, matching), end)


def run_checks(end: datetime, s: Settings | None = None, config: AlertsConfig | None = None) -> dict[str, Any]:
    """Evaluate the scheduled rules for windows ending at ``end`` and deliver their alerts (and the
    pending ones of earlier checks); return ``{rules, alerts: {id: {sink: outcome}}, silenced,
    deferred}``. Raises :class:`SinkError` when a sink failed (a retry sends only what is pending)."""
    s = s or get_settings()
    config = config or load_config(s.alerts_file)
    rules = scheduled_rules(config)
    if not rules:
        return {"rules": 0, "alerts": {}, "silenced": 0, "deferred": 0}
    incidents = incidents_first_seen(s, end - timedelta(seconds=max(lookback_s(r) for r in rules)), end)
    now = utcnow()
    es = make_client(s)
    sinks = build_sinks(config, s)
    try:
        active = Silences(es, s).active(now)
        docs, quiet = [], 0
        for rule in rules:
            for decision in rule_decisions(rule, incidents, end):
                alert = group_alert(rule, decision, now, s)
                if silenced(active, rule.name, alert.key, now):
                    quiet += 1
                    continue
                docs.append(ledger_document(alert, config.sinks_of(rule), config.held_until(rule, now)))
        ledger = Ledger(es, s, Archive("alerts", s) if s.archive_enabled else None)
        since = now - timedelta(seconds=s.alert_give_up_after_s)
        resume = [d["id"] for d in ledger.pending_unowned([r.name for r in rules], since)]
        outcome = deliver_now(ledger, sinks, docs, resume) if docs or resume else {}
    finally:
        for sink in sinks.values():
            sink.close()
        es.close()
    deferred = sum(v.startswith(DEFERRED) for r in outcome.values() for v in r.values())
    log.info("scheduled check to %s: %d rule(s), %d new alert(s), %d resumed, %d silenced, %d deferred",
             end.isoformat(), len(rules), len(docs), len(resume), quiet, deferred)
    failed = {f"{k}/{n}": v for k, r in outcome.items() for n, v in r.items()
              if v != "delivered" and not v.startswith(DEFERRED)}
    if failed:
        raise SinkError(f"scheduled alerts: sinks failed: {failed}")
    return {"rules": len(rules), "alerts": outcome, "silenced": quiet, "deferred": deferred}
