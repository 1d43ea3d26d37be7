"""The daily digest: incidents of the last 24 h that match a rule, sent through the rule's sinks."""

from __future__ import annotations

import logging
from datetime import timedelta

from pipeline.alert.cli import recent_incidents
from pipeline.alert.message import digest_message
from pipeline.alert.rules import load_config, matches
from pipeline.alert.sinks import SinkError, build_sinks
from pipeline.schemas import utcnow
from pipeline.settings import Settings, get_settings

log = logging.getLogger(__name__)


def send_rule_digest(rule_name: str, s: Settings | None = None, hours: int = 24) -> dict:
    """Send the digest of ``rule_name``; return {sink: "ok" | error}. Raises when a sink failed."""
    s = s or get_settings()
    config = load_config(s.alerts_file)
    rule = config.rule(rule_name)
    until = utcnow()
    since = until - timedelta(hours=hours)
    incidents = [i for i in recent_incidents(s, since.isoformat()) if matches(rule, i)]
    msg = digest_message(rule, incidents, since, until)
    sinks = build_sinks(config, s)
    outcome: dict[str, str] = {}
    for name in config.sinks_of(rule):
        sink = sinks[name]
        try:
            sink.send(msg)
            outcome[name] = "ok"
        except SinkError as exc:
            outcome[name] = str(exc)
        finally:
            sink.close()
    failed = {k: v for k, v in outcome.items() if v != "ok"}
    log.info("digest %s: %d incident(s) → %s", rule_name, len(incidents), outcome)
    if failed:
        raise SinkError(f"digest {rule_name}: sinks failed: {failed}")
    return {"rule": rule_name, "incidents": len(incidents), "sinks": outcome}
