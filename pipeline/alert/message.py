"""Alert and digest contents: what happened, where, who, how many killed, how many sources,
first seen, links, and which rule matched (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.alert.rules import Decision, Rule, alert_id, describe_filters
from pipeline.schemas import Alert, Incident


@dataclass
class Message:
    """What a sink sends: a subject line, plain text, and a JSON payload."""

    subject: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    idempotency_key: str | None = None


def where(inc: Incident) -> str:
    """'Madera, Chihuahua, MX' or 'unknown location'."""
    loc = inc.location
    if loc is None:
        return "unknown location"
    parts = [loc.name]
    if loc.admin1 and loc.admin1 != loc.name:
        parts.append(loc.admin1)
    if loc.country_code and loc.country_code not in parts:
        parts.append(loc.country_code)
    return ", ".join(parts)


def what(inc: Incident) -> str:
    """'Battles / Armed clash'."""
    return " / ".join(p for p in (inc.event_type, inc.sub_event_type) if p) or "incident"


def build_alert(rule: Rule, inc: Incident, decision: Decision, now: datetime,
                trigger_article_id: str | None = None, related: list[str] | None = None) -> Alert:
    """The alert for ``decision`` on ``inc`` (deterministic id)."""
    killed = f"{inc.fatalities} killed" if inc.fatalities is not None else "fatalities unknown"
    label = {"new": "New incident", "escalation": "Escalation", "spike": "Spike"}[decision.trigger]
    headline = f"[{rule.name}] {label}: {what(inc)} in {where(inc)} — {killed}, {inc.n_sources} source(s)"
    loc = inc.location
    return Alert(
        id=alert_id(rule.name, inc.id, decision.key), rule=rule.name, trigger=decision.trigger,
        trigger_key=decision.key, reason=f"{decision.detail}; rule {rule.name} filters: {describe_filters(rule)}",
        incident_id=inc.id, created_at=now, headline=headline, what=f"{what(inc)}: {inc.title}",
        where=where(inc), who=[f"{a.name} ({a.category})" for a in inc.actors], fatalities=inc.fatalities,
        fatalities_sources=inc.fatalities_sources, injured=inc.injured, n_sources=inc.n_sources,
        n_articles=inc.n_articles, sources=list(inc.sources), first_seen=inc.first_seen, event_date=inc.event_date,
        links=list(inc.urls), event_type=inc.event_type, sub_event_type=inc.sub_event_type,
        country_code=loc.country_code if loc else None, admin1=loc.admin1 if loc else None,
        lat=loc.lat if loc else None, lon=loc.lon if loc else None, trigger_article_id=trigger_article_id,
        related_incidents=related or [],
    )


def alert_text(alert: Alert) -> str:
    """Plain-text body of an alert."""
    killed = "unknown" if alert.fatalities is None else (
        f"{alert.fatalities} (reported by {alert.fatalities_sources} source(s))")
    lines = [
        alert.headline,
        f"What:       {alert.what}",
        f"Where:      {alert.where}" + (f" ({alert.lat:.4f}, {alert.lon:.4f})" if alert.lat is not None and alert.lon is not None else ""),
        f"Who:        {', '.join(alert.who) or 'unknown'}",
        f"Killed:     {killed}" + (f"; injured {alert.injured}" if alert.injured else ""),
        f"Sources:    {alert.n_sources} ({', '.join(alert.sources)}), {alert.n_articles} article(s)",
        f"First seen: {alert.first_seen.isoformat() if alert.first_seen else 'unknown'}"
        + (f"; event date {alert.event_date}" if alert.event_date else ""),
        f"Why:        {alert.reason}",
        f"Incident:   {alert.incident_id}",
    ]
    if alert.related_incidents:
        lines.append(f"Incidents:  {', '.join(alert.related_incidents)}")
    lines += ["Links:"] + [f"  {u}" for u in alert.links]
    return "\n".join(lines)


def alert_message(alert: Alert) -> Message:
    """The message sinks deliver for ``alert``."""
    return Message(subject=alert.headline, text=alert_text(alert),
                   payload={"kind": "alert", "idempotency_key": alert.id, **alert.model_dump(mode="json")},
                   key=alert.incident_id, idempotency_key=alert.id)


def digest_message(rule: Rule, incidents: list[Incident], since: datetime, until: datetime) -> Message:
    """A digest of ``incidents`` that matched ``rule`` between ``since`` and ``until``."""
    subject = f"[{rule.name}] digest: {len(incidents)} incident(s) since {since:%Y-%m-%d %H:%M} UTC"
    lines = [subject, rule.description] if rule.description else [subject]
    for inc in sorted(incidents, key=lambda i: (-(i.fatalities or 0), i.first_seen)):
        killed = "?" if inc.fatalities is None else str(inc.fatalities)
        lines.append(f"- {what(inc)} in {where(inc)}: {killed} killed, {inc.n_sources} source(s), "
                     f"first seen {inc.first_seen:%Y-%m-%d %H:%M} — {inc.title}")
        lines += [f"    {u}" for u in inc.urls[:3]]
    if not incidents:
        lines.append("No incidents matched.")
    digest_id = f"digest:{rule.name}:{since.isoformat()}:{until.isoformat()}"
    payload = {"kind": "digest", "idempotency_key": digest_id, "rule": rule.name, "since": since.isoformat(), "until": until.isoformat(),
               "incidents": [{"id": i.id, "what": what(i), "where": where(i), "fatalities": i.fatalities,
                              "n_sources": i.n_sources, "first_seen": i.first_seen.isoformat(), "title": i.title,
                              "links": i.urls} for i in incidents]}
    return Message(subject=subject, text="\n".join(lines), payload=payload, key=f"digest:{rule.name}",
                   idempotency_key=digest_id)
