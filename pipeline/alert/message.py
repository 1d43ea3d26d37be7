"""Alert and digest contents: what happened, where, who, how many killed, how many sources,
first seen, links, and which rule matched (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.alert.rules import Decision, Rule, alert_id, describe_filters
from pipeline.alert.ruletypes import render
from pipeline.schemas import Alert, Incident
from pipeline.settings import Settings, get_settings

LABELS = {"new": "New incident", "escalation": "Escalation", "spike": "Spike", "frequency": "Frequency",
          "flatline": "Gone quiet", "new_term": "New term", "cardinality": "Cardinality",
          "sink_failure": "Sink failing", "digest": "Digest"}


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


def template_view(rule: Rule, inc: Incident, decision: Decision) -> dict[str, Any]:
    """The whitelisted values an ``alert_subject`` / ``alert_text`` template may use (plain data only:
    no object reaches the template)."""
    loc = inc.location
    return {"rule": rule.name, "trigger": decision.trigger, "key": decision.group, "count": decision.count,
            "detail": decision.detail, "what": what(inc), "where": where(inc), "title": inc.title,
            "event_type": inc.event_type, "sub_event_type": inc.sub_event_type,
            "country": loc.country_code if loc else None, "admin1": loc.admin1 if loc else None,
            "fatalities": inc.fatalities, "injured": inc.injured, "n_sources": inc.n_sources,
            "n_articles": inc.n_articles, "sources": list(inc.sources), "actors": [a.name for a in inc.actors],
            "first_seen": inc.first_seen, "event_date": inc.event_date,
            "link": inc.urls[0] if inc.urls else None, "incident_id": inc.id}


def build_alert(rule: Rule, inc: Incident, decision: Decision, now: datetime,
                trigger_article_id: str | None = None, related: list[str] | None = None,
                s: Settings | None = None) -> Alert:
    """The alert for ``decision`` on ``inc`` (deterministic id: per incident, or per query-key group
    for the window rule types), with the rule's templates rendered."""
    killed = f"{inc.fatalities} killed" if inc.fatalities is not None else "fatalities unknown"
    headline = (f"[{rule.name}] {LABELS.get(decision.trigger, decision.trigger)}: {what(inc)} in {where(inc)} — "
                f"{killed}, {inc.n_sources} source(s)")
    loc = inc.location
    per_group = decision.group is not None and decision.trigger not in ("new", "escalation")
    subject = f"group:{decision.group}" if per_group else inc.id
    alert = Alert(
        id=alert_id(rule.name, subject, decision.key), rule=rule.name, trigger=decision.trigger,
        trigger_key=decision.key, reason=f"{decision.detail}; rule {rule.name} filters: {describe_filters(rule)}",
        incident_id=inc.id, created_at=now, headline=headline, what=f"{what(inc)}: {inc.title}",
        where=where(inc), who=[f"{a.name} ({a.category})" for a in inc.actors], fatalities=inc.fatalities,
        fatalities_sources=inc.fatalities_sources, injured=inc.injured, n_sources=inc.n_sources,
        n_articles=inc.n_articles, sources=list(inc.sources), first_seen=inc.first_seen, event_date=inc.event_date,
        links=list(inc.urls), event_type=inc.event_type, sub_event_type=inc.sub_event_type,
        country_code=loc.country_code if loc else None, admin1=loc.admin1 if loc else None,
        lat=loc.lat if loc else None, lon=loc.lon if loc else None, trigger_article_id=trigger_article_id,
        related_incidents=related or [], key=decision.group, count=decision.count,
    )
    return apply_templates(rule, alert, template_view(rule, inc, decision), s)


def apply_templates(rule: Rule, alert: Alert, view: dict[str, Any], s: Settings | None = None) -> Alert:
    """Render the rule's ``alert_subject`` into the headline and ``alert_text`` into the body (before
    the standard body, or instead of it with ``alert_text_type: alert_text_only``)."""
    if not rule.alert_subject and not rule.alert_text:
        return alert
    s = s or get_settings()
    limits = (s.alert_template_max_chars, s.alert_template_value_chars)
    if rule.alert_subject:
        alert.headline = render(rule.alert_subject, view, *limits).replace("\n", " ")
    if rule.alert_text:
        body = render(rule.alert_text, view, *limits)
        alert.text = body if rule.alert_text_type == "alert_text_only" else body + "\n\n" + alert_text(alert)
    return alert


def group_alert(rule: Rule, decision: Decision, now: datetime, s: Settings | None = None) -> Alert:
    """The alert of a decision about a query-key group rather than one incident (flatline)."""
    subject = f"group:{decision.group}"
    headline = f"[{rule.name}] {LABELS.get(decision.trigger, decision.trigger)}: {decision.group} — {decision.detail}"
    alert = Alert(id=alert_id(rule.name, subject, decision.key), rule=rule.name, trigger=decision.trigger,
                  trigger_key=decision.key, reason=f"{decision.detail}; rule {rule.name} filters: {describe_filters(rule)}",
                  incident_id=f"{decision.trigger}:{rule.name}:{decision.group}", created_at=now, headline=headline,
                  key=decision.group, count=decision.count, related_incidents=list(decision.incidents))
    view = {"rule": rule.name, "trigger": decision.trigger, "key": decision.group, "count": decision.count,
            "detail": decision.detail}
    alert = apply_templates(rule, alert, view, s)
    if not alert.text:
        alert.text = f"{alert.headline}\nWhy: {alert.reason}\nAlert id: {alert.id}"
    return alert


def alert_text(alert: Alert) -> str:
    """Plain-text body of an alert (the rendered template when the rule has one)."""
    if alert.text:
        return alert.text
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
