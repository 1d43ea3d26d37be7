"""The pure decisions of the rule types beyond per-incident triggers (ElastAlert 2 is the reference):
``frequency``, ``spike``, ``cardinality`` and ``new_term`` evaluated by the alert worker on the
incidents of one input partition, ``flatline`` and ``spike`` down (a group quieter than its
reference window, with no arrival to trigger the worker) evaluated by a scheduled check over the
incidents index; plus query keys, realert with exponential back-off, silences and safe alert-text templates.

Every window is on EVENT time: an incident counts at the time it was first seen (the earliest
``published_at`` of its articles) when it first matched the rule (``RuleAlertState.last_at`` under
:func:`counted_key`), never at the wall-clock time it was processed, so a replay decides the same.
The input stream is partitioned by country, so the stream-side aggregates group by country first:
the group key is ``<country>|<query_key values>``; exact however many partitions or workers there are.
"""

from __future__ import annotations

import itertools
import math
import re
import string
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pipeline.schemas import Incident, RuleAlertState, RuleKeyState, Silence

if TYPE_CHECKING:
    from pipeline.alert.rules import Decision, Rule

AGGREGATE_TYPES = frozenset({"frequency", "spike", "cardinality", "new_term"})
KEY_FIELDS = ("country", "admin1", "location", "event_type", "sub_event_type", "actor", "actor_category", "source")
NO_COUNTRY = "--"
VIEW_FIELDS = ("rule", "trigger", "key", "count", "detail", "what", "where", "title", "event_type",
               "sub_event_type", "country", "admin1", "fatalities", "injured", "n_sources", "n_articles",
               "sources", "actors", "first_seen", "event_date", "link", "incident_id")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


# ---------------------------------------------------------------- keys and windows


def country_of(inc: Incident) -> str:
    """The incident's country (the input's region key), ``--`` when unknown."""
    loc = inc.location
    if loc is not None and loc.country_code:
        return loc.country_code.upper()
    return inc.countries[0].upper() if inc.countries else NO_COUNTRY


def field_values(inc: Incident, field: str) -> list[str]:
    """The values of a query_key / new_term / cardinality field for ``inc`` (several for actors and
    sources, none when unknown)."""
    loc = inc.location
    values: list[str | None]
    if field == "country":
        values = [country_of(inc)] if country_of(inc) != NO_COUNTRY else []
    elif field == "admin1":
        values = [loc.admin1 if loc else None]
    elif field == "location":
        values = [loc.name if loc else None]
    elif field == "event_type":
        values = [inc.event_type]
    elif field == "sub_event_type":
        values = [inc.sub_event_type]
    elif field == "actor":
        values = [a.name for a in inc.actors]
    elif field == "actor_category":
        values = [a.category for a in inc.actors]
    elif field == "source":
        values = list(inc.sources)
    else:
        raise ValueError(f"unknown field {field!r}; choose from {', '.join(KEY_FIELDS)}")
    return sorted({v for v in values if v})


def query_keys(rule: Rule, inc: Incident, with_country: bool = True) -> list[str]:
    """The group keys ``inc`` counts under for ``rule``: ``<country>|<value>[|<value>...]`` (one per
    combination of multi-valued fields); empty when a query_key field has no value (ElastAlert
    ignores such events too)."""
    fields = [f for f in rule.query_keys if not (with_country and f == "country")]
    combos = itertools.product(*(field_values(inc, f) for f in fields))
    head = [country_of(inc)] if with_country else []
    return ["|".join(head + list(c)) or "*" for c in combos]


def counted_key(rule: Rule) -> str:
    """The ``Incident.alert_state`` entry marking that an incident counted in ``rule``'s windows
    (``@`` never occurs in a rule name)."""
    return f"{rule.name}@window"


def counted_at(inc: Incident, rule: Rule) -> datetime | None:
    """The event time ``inc`` counts at in ``rule``'s windows (None: it never matched)."""
    st = inc.alert_state.get(counted_key(rule))
    return st.last_at if st else None


def in_window(pool: list[Incident], rule: Rule, start: datetime, end: datetime) -> list[Incident]:
    """Incidents of ``pool`` counted in ``rule``'s windows at an event time in ``(start, end]``."""
    return [i for i in pool if (t := counted_at(i, rule)) is not None and start < t <= end]


# ---------------------------------------------------------------- realert


def realert_s(rule: Rule, state: RuleKeyState | None) -> float:
    """The realert now in force for one group: ``realert * 2**exponent``, capped at exponential_realert."""
    base = rule.realert_s
    if state is None or not rule.exponential_realert:
        return base
    return min(base * 2 ** state.exponent, rule.exponential_realert_s)


def realert_allows(rule: Rule, state: RuleKeyState | None, at: datetime) -> bool:
    """True when an alert of the group at event time ``at`` is not suppressed by the realert."""
    if state is None or state.last_alert_at is None:
        return True
    return (at - state.last_alert_at).total_seconds() >= realert_s(rule, state)


def after_alert(rule: Rule, state: RuleKeyState, at: datetime) -> RuleKeyState:
    """The group's state after an alert at event time ``at``: with ``exponential_realert``, two alerts
    less than twice the realert apart double it (up to the maximum), a calmer gap resets it."""
    exponent = 0
    if rule.exponential_realert and state.last_alert_at is not None:
        gap = (at - state.last_alert_at).total_seconds()
        if gap < 2 * realert_s(rule, state):
            top = math.ceil(math.log2(max(rule.exponential_realert_s / max(rule.realert_s, 1.0), 1.0)))
            exponent = min(state.exponent + 1, top)
    return state.model_copy(update={"last_alert_at": at, "exponent": exponent})


# ---------------------------------------------------------------- the rule types


def _decision(rule: Rule, trigger: str, group: str, at: datetime, detail: str, count: int,
              hits: list[Incident]) -> Decision:
    from pipeline.alert.rules import Decision

    return Decision(rule.name, trigger, f"{trigger}:{group}:{at.isoformat()}", detail, group=group, count=count,
                    incidents=tuple(sorted(i.id for i in hits)))


def frequency(rule: Rule, group: str, pool: list[Incident], at: datetime,
              state: RuleKeyState | None) -> Decision | None:
    """``num_events`` incidents in ``timeframe`` ending at ``at``, counting only incidents after the
    group's previous alert (as ElastAlert clears its window when it fires)."""
    start = at - timedelta(seconds=rule.timeframe_s)
    if state is not None and state.last_alert_at is not None:
        start = max(start, state.last_alert_at)
    hits = in_window(pool, rule, start, at)
    if len(hits) < rule.num_events_or_count:
        return None
    trigger = "spike" if rule.type == "any" else "frequency"
    return _decision(rule, trigger, group, at, f"{len(hits)} incidents matching rule {rule.name} within "
                     f"{rule.timeframe_text} ({group})", len(hits), hits)


def spike(rule: Rule, group: str, pool: list[Incident], at: datetime) -> Decision | None:
    """The current window ``(at - timeframe, at]`` against the reference window before it: up when
    cur >= spike_height * ref, down when ref >= spike_height * cur; ``threshold_cur`` /
    ``threshold_ref`` are minimum counts; a reference of 0 alerts only with ``alert_on_new_data``."""
    tf = timedelta(seconds=rule.timeframe_s)
    cur_hits = in_window(pool, rule, at - tf, at)
    cur, ref = len(cur_hits), len(in_window(pool, rule, at - 2 * tf, at - tf))
    if rule.threshold_cur is not None and cur < rule.threshold_cur:
        return None
    if rule.threshold_ref is not None and ref < rule.threshold_ref:
        return None
    height = rule.spike_height or 2.0
    up = (cur >= height * ref and cur > 0) if ref > 0 else (cur > 0 and rule.alert_on_new_data)
    down = ref > 0 and ref >= height * cur
    direction = "up" if up and rule.spike_type in ("up", "both") else "down" if down and rule.spike_type in ("down", "both") else None
    if direction is None:
        return None
    return _decision(rule, "spike", group, at, f"spike {direction}: {cur} incidents matching rule {rule.name} in the "
                     f"last {rule.timeframe_text} against {ref} the {rule.timeframe_text} before ({group})", cur, cur_hits)


def cardinality(rule: Rule, group: str, pool: list[Incident], at: datetime) -> Decision | None:
    """Distinct values of ``cardinality_field`` among the group's incidents in the window ending at
    ``at``: alert above ``max_cardinality`` or below ``min_cardinality``."""
    hits = in_window(pool, rule, at - timedelta(seconds=rule.timeframe_s), at)
    values = {v for i in hits for v in field_values(i, rule.cardinality_field or "actor")}
    n = len(values)
    if rule.max_cardinality is not None and n > rule.max_cardinality:
        side = f"more than {rule.max_cardinality}"
    elif rule.min_cardinality is not None and n < rule.min_cardinality:
        side = f"fewer than {rule.min_cardinality}"
    else:
        return None
    shown = ", ".join(sorted(values)[:10])
    return _decision(rule, "cardinality", group, at, f"{n} distinct {rule.cardinality_field} ({side}) in "
                     f"{rule.timeframe_text} ({group}): {shown}", n, hits)


def term_keys(rule: Rule, inc: Incident) -> list[str]:
    """The ``field:value`` terms of ``inc`` a new_term rule watches."""
    return [f"{f}:{v}" for f in rule.fields for v in field_values(inc, f)]


def new_terms(rule: Rule, inc: Incident, state: RuleKeyState | None, earlier: list[Incident],
              at: datetime) -> list[str]:
    """Terms of ``inc`` not seen in the group within ``terms_window`` before ``at``: neither in the
    durable seen-set nor in an earlier incident still held in state."""
    since = at - timedelta(seconds=rule.terms_window_s)
    seen = {t for t, last in (state.terms.items() if state else ()) if since <= last <= at}
    for other in earlier:
        t = counted_at(other, rule)
        if other.id != inc.id and t is not None and since <= t <= at:
            seen.update(term_keys(rule, other))
    return [t for t in term_keys(rule, inc) if t not in seen]


def remember_terms(rule: Rule, state: RuleKeyState, inc: Incident, at: datetime, max_terms: int) -> RuleKeyState:
    """The seen-set after ``inc``: its terms at ``at`` (latest wins), those older than the terms window
    dropped, the oldest dropped beyond ``max_terms``."""
    terms = dict(state.terms)
    for t in term_keys(rule, inc):
        if terms.get(t) is None or terms[t] < at:
            terms[t] = at
    since = at - timedelta(seconds=rule.terms_window_s)
    kept = sorted(((t, last) for t, last in terms.items() if last >= since), key=lambda kv: kv[1], reverse=True)
    return state.model_copy(update={"terms": dict(kept[:max_terms])})


def new_term(rule: Rule, group: str, inc: Incident, state: RuleKeyState | None, earlier: list[Incident],
             at: datetime) -> Decision | None:
    """The first incident of the group with a term (actor, admin1, ...) never seen before."""
    fresh = new_terms(rule, inc, state, earlier, at)
    if not fresh:
        return None
    from pipeline.alert.rules import Decision

    shown = ", ".join(t.split(":", 1)[1] for t in fresh)
    return Decision(rule.name, "new_term", f"new_term:{group}:{'|'.join(fresh)}",
                    f"first incident with {shown} ({group}; not seen in {rule.terms_window})", group=group,
                    count=len(fresh), incidents=(inc.id,))


def aggregate(rule: Rule, group: str, inc: Incident, pool: list[Incident], state: RuleKeyState | None,
              max_terms: int) -> tuple[Decision | None, RuleKeyState]:
    """Evaluate an aggregate rule (frequency, spike, cardinality, new_term, legacy ``triggers.spike``)
    for the group when ``inc`` first counts in it; apply the realert. Returns the decision (or None)
    and the group's state after it."""
    at = counted_at(inc, rule) or inc.first_seen
    before = state or RuleKeyState(rule=rule.name, key=group)
    after = before
    if rule.type == "new_term":
        decision = new_term(rule, group, inc, state, pool, at)
        after = remember_terms(rule, before, inc, at, max_terms)
    elif rule.type == "spike":
        decision = spike(rule, group, pool, at)
    elif rule.type == "cardinality":
        decision = cardinality(rule, group, pool, at)
    else:
        decision = frequency(rule, group, pool, at, state)
    if decision is None:
        return None, after
    if not realert_allows(rule, before, at):
        return None, after
    return decision, after_alert(rule, after, at)


def window_bucket(rule: Rule, end: datetime) -> int:
    """The bucket of a scheduled check ending at ``end`` (``max(timeframe, realert)`` wide): the
    trigger key of its decisions, so a retried or re-run check decides the same alert ids."""
    return int(end.timestamp() // max(rule.timeframe_s, rule.realert_s, 1.0))


def with_counted_mark(rule: Rule, incidents: list[Incident]) -> list[Incident]:
    """``incidents`` (all matching ``rule``) as the alert worker counts them: an incident without the
    rule's counted mark (the rule is newer than it) counts at its first-seen time."""
    mark = counted_key(rule)
    return [i if mark in i.alert_state else i.model_copy(update={"alert_state": {
        **i.alert_state, mark: RuleAlertState(count=0, last_at=i.first_seen)}}) for i in incidents]


def spike_down(rule: Rule, incidents: list[Incident], end: datetime) -> list[Decision]:
    """Scheduled ``spike`` down (rules with ``spike_type`` down or both): for every group with an
    incident in the reference window ``(end - 2*timeframe, end - timeframe]``, :func:`spike` at
    ``end`` with the down direction only (up needs an arrival: the alert worker's job). Incidents
    must match the rule (see :func:`with_counted_mark`); the trigger key is :func:`window_bucket`."""
    from pipeline.alert.rules import Decision

    if rule.spike_type == "up":
        return []
    tf = timedelta(seconds=rule.timeframe_s)
    down = rule.model_copy(update={"spike_type": "down"})
    groups = {g for i in in_window(incidents, rule, end - 2 * tf, end - tf) for g in query_keys(rule, i)}
    bucket = window_bucket(rule, end)
    out: list[Decision] = []
    for group in sorted(groups):
        decision = spike(down, group, [i for i in incidents if group in query_keys(rule, i)], end)
        if decision is not None:
            out.append(Decision(rule.name, "spike", f"spike_down:{group}:{bucket}", decision.detail, group=group,
                                count=decision.count, incidents=decision.incidents))
    return out


def flatline(rule: Rule, incidents: list[Incident], end: datetime) -> list[Decision]:
    """Groups gone quiet: fewer than ``threshold`` matching incidents first seen in
    ``[end - timeframe, end)``. The groups watched are those with a matching incident in the
    ``key_lookback`` before the window and the values the rule's filters name (countries, admin1);
    without a query_key one group ``*``. Incidents must already match the rule. The trigger key is
    the window bucket (``max(timeframe, realert)``), so a retried or replayed check decides the same."""
    from pipeline.alert.rules import Decision

    tf = timedelta(seconds=rule.timeframe_s)
    start = end - tf
    watched: set[str] = set() if rule.query_keys else {"*"}
    counts: dict[str, int] = {}
    for inc in incidents:
        keys = query_keys(rule, inc, with_country=False) if rule.query_keys else ["*"]
        if start <= inc.first_seen < end:
            for k in keys:
                counts[k] = counts.get(k, 0) + 1
        elif start - timedelta(seconds=rule.key_lookback_s) <= inc.first_seen < start:
            watched.update(keys)
    if rule.query_keys == ["country"]:
        watched.update(rule.filters.countries)
    elif rule.query_keys == ["admin1"]:
        watched.update(rule.filters.admin1)
    bucket = window_bucket(rule, end)
    out = []
    for key in sorted(watched):
        n = counts.get(key, 0)
        if n < (rule.threshold or 1):
            out.append(Decision(rule.name, "flatline", f"flatline:{key}:{bucket}",
                                f"only {n} incident(s) matching rule {rule.name} in the {rule.timeframe_text} "
                                f"before {end:%Y-%m-%d %H:%M} UTC (threshold {rule.threshold}) for {key}",
                                group=key, count=n))
    return out


# ---------------------------------------------------------------- silences


def silenced(silences: list[Silence], rule: str, key: str | None, now: datetime) -> Silence | None:
    """The silence in force at wall-clock ``now`` for an alert of ``rule`` about ``key`` (a silence with
    a key covers alerts whose key equals it or has it as one ``|`` part)."""
    for s in silences:
        if s.rule != rule or s.until <= now:
            continue
        if s.key is None or (key is not None and (s.key == key or s.key in key.split("|"))):
            return s
    return None


# ---------------------------------------------------------------- templates


def template_fields(template: str) -> list[str]:
    """The fields a template uses; ValueError for anything but ``{field}`` of :data:`VIEW_FIELDS`
    (no attribute or index access, no conversion, no format spec) or unbalanced braces."""
    fields = []
    for _, name, spec, conv in string.Formatter().parse(template):
        if name is None:
            continue
        if name not in VIEW_FIELDS:
            raise ValueError(f"unknown template field {{{name}}}; fields: {', '.join(VIEW_FIELDS)}")
        if spec or conv:
            raise ValueError(f"template field {{{name}}} may not have a conversion or format spec")
        fields.append(name)
    return fields


def clean_value(value: Any, max_chars: int) -> str:
    """A value as inserted into a template: lists joined, control and bidi characters replaced by a
    space, cut to ``max_chars``."""
    if value is None:
        text = "unknown"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, datetime):
        text = value.isoformat()
    else:
        text = str(value)
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def render(template: str, view: dict[str, Any], max_chars: int, value_chars: int) -> str:
    """Fill ``{field}`` from ``view`` (values cleaned, never re-expanded) and cut to ``max_chars``."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            if name not in VIEW_FIELDS:
                raise ValueError(f"unknown template field {{{name}}}")
            parts.append(clean_value(view.get(name), value_chars))
    text = "".join(parts)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
