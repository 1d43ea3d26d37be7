"""The daily digest: the incidents first seen in the DAG run's logical interval that match a rule,
sent through the rule's sinks via the delivery ledger (id = rule + interval), so a retried or
re-run digest sends only to the sinks still pending, and the same interval always lists the same
incidents (event time, not the wall clock of the run)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from pipeline.alert.delivery import Ledger, deliver_now, ledger_document
from pipeline.alert.message import digest_message
from pipeline.alert.rules import alert_id, load_config, matches
from pipeline.alert.sinks import SinkError, build_sinks
from pipeline.index.archive import Archive
from pipeline.index.client import make_client
from pipeline.index.setup import alias_name
from pipeline.schemas import Alert, Incident, utcnow
from pipeline.settings import Settings, get_settings

log = logging.getLogger(__name__)


def incidents_first_seen(s: Settings, since: datetime, until: datetime) -> list[Incident]:
    """Incidents first seen (event time) in ``[since, until)``, oldest first (at most
    ``alert_check_max_incidents``)."""
    es = make_client(s)
    try:
        resp = es.search(index=alias_name("incidents", s),
                         query={"range": {"first_seen": {"gte": since.isoformat(), "lt": until.isoformat()}}},
                         size=s.alert_check_max_incidents, sort=[{"first_seen": "asc"}, {"id": "asc"}])
    finally:
        es.close()
    return [Incident.model_validate(h["_source"]) for h in resp["hits"]["hits"]]


def send_rule_digest(rule_name: str, since: datetime | None = None, until: datetime | None = None,
                     s: Settings | None = None) -> dict[str, Any]:
    """Send the digest of ``rule_name`` for ``[since, until)`` (default: the 24 h before now); return
    ``{rule, incidents, sinks: {sink: "delivered" | error}}``. Raises when a sink failed (the task is
    retried; the sinks that took it are not sent it again)."""
    s = s or get_settings()
    config = load_config(s.alerts_file)
    rule = config.rule(rule_name)
    until = until or utcnow()
    since = since or until - timedelta(hours=24)
    incidents = [i for i in incidents_first_seen(s, since, until) if matches(rule, i)]
    msg = digest_message(rule, incidents, since, until)
    alert = Alert(id=alert_id(rule.name, "digest", f"{since.isoformat()}/{until.isoformat()}"), rule=rule.name,
                  trigger="digest", trigger_key=f"digest:{since.isoformat()}/{until.isoformat()}",
                  incident_id=f"digest:{rule.name}", headline=msg.subject, text=msg.text, count=len(incidents),
                  related_incidents=[i.id for i in incidents])
    msg.idempotency_key = alert.id
    msg.payload["idempotency_key"] = alert.id
    es = make_client(s)
    sinks = build_sinks(config, s)
    try:
        ledger = Ledger(es, s, Archive("alerts", s) if s.archive_enabled else None)
        outcome = deliver_now(ledger, sinks, [ledger_document(alert, config.sinks_of(rule), {}, message=msg)])
    finally:
        for sink in sinks.values():
            sink.close()
        es.close()
    result = outcome.get(alert.id, {})
    log.info("digest %s [%s, %s): %d incident(s) → %s", rule_name, since.isoformat(), until.isoformat(),
             len(incidents), result or "nothing pending")
    failed = {k: v for k, v in result.items() if v != "delivered"}
    if failed:
        raise SinkError(f"digest {rule_name}: sinks failed: {failed}")
    return {"rule": rule_name, "incidents": len(incidents), "id": alert.id, "sinks": result}
