"""Pure decisions of the rule types (frequency, spike, cardinality, new_term, flatline), query keys,
realert with exponential back-off, silences, templates (hostile text too) and their validation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pipeline.alert.delivery import sink_failure_alert, streak_after
from pipeline.alert.incidents import ClusterConfig, cluster
from pipeline.alert.message import alert_text, build_alert
from pipeline.alert.rules import Decision, RuleConfigError, parse_config
from pipeline.alert.ruletypes import (after_alert, aggregate, clean_value, counted_key, flatline, query_keys,
                                      spike_down, with_counted_mark,
                                      realert_allows, realert_s, remember_terms, render, silenced, template_fields)
from pipeline.schemas import Actor, Incident, Location, RuleAlertState, RuleKeyState, Silence
from pipeline.settings import Settings

T = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
HEAD = "sinks:\n  log: {type: log}\nrules:\n"


def rule_of(body: str, **kw):
    """The one rule of a rules file made of ``body``."""
    return parse_config(HEAD + body, **kw).rules[0]


def inc(n: int, minutes: float, admin1: str = "Borno", cc: str = "NG", actors: tuple[str, ...] = ("Boko Haram",),
        source: str = "a") -> Incident:
    """An incident first seen ``minutes`` after T."""
    loc = Location(name=f"town{n}", country_code=cc, admin1=admin1, lat=11.0, lon=13.0, precision="city")
    return Incident(id=f"inc-{n}", title=f"Attack {n}", event_type="Battles", sub_event_type="Armed clash",
                    location=loc, countries=[cc], first_seen=T + timedelta(minutes=minutes), fatalities=2,
                    actors=[Actor(name=a, category="Rebel groups") for a in actors], sources=[source], n_sources=1)


def counted(rule, *incidents: Incident) -> list[Incident]:
    """Mark incidents as counted in the rule's windows at their first-seen time (what the tracker does)."""
    for i in incidents:
        i.alert_state[counted_key(rule)] = RuleAlertState(last_at=i.first_seen)
    return list(incidents)


def run(rule, incidents: list[Incident], max_terms: int = 100) -> list[Decision]:
    """Feed incidents one by one, as the tracker does; return the decisions."""
    pool: list[Incident] = []
    states: dict[str, RuleKeyState] = {}
    out = []
    for i in incidents:
        counted(rule, i)
        pool.append(i)
        for group in query_keys(rule, i):
            members = [p for p in pool if group in query_keys(rule, p)]
            d, states[group] = aggregate(rule, group, i, members, states.get(group), max_terms)
            if d:
                out.append(d)
    return out


FREQ = """  - name: burst
    type: frequency
    query_key: admin1
    num_events: 3
    timeframe: 6h
"""


def test_frequency_counts_event_time_per_group_and_fires_once_per_window():
    rule = rule_of(FREQ)
    # three in Borno within 6 h of event time (processed in any wall-clock order), two in Yobe
    decisions = run(rule, [inc(1, 0), inc(2, 60, "Yobe"), inc(3, 120), inc(4, 130, "Yobe"), inc(5, 300), inc(6, 310)])
    assert [(d.trigger, d.group, d.count) for d in decisions] == [("frequency", "NG|Borno", 3)]
    assert decisions[0].incidents == ("inc-1", "inc-3", "inc-5")
    assert decisions[0].key == f"frequency:NG|Borno:{(T + timedelta(minutes=300)).isoformat()}"
    # a replay of the same events decides the same key (the alert id), whatever the wall clock
    assert run(rule, [inc(1, 0), inc(2, 60, "Yobe"), inc(3, 120), inc(4, 130, "Yobe"), inc(5, 300)]) == decisions
    # spread over more than the timeframe: nothing
    assert run(rule, [inc(1, 0), inc(2, 200), inc(3, 400)]) == []


def test_frequency_after_alert_needs_new_incidents_and_realert_backs_off_exponentially():
    rule = rule_of(FREQ.replace("num_events: 3", "num_events: 2") + "    realert: 1h\n    exponential_realert: 4h\n")
    st = RuleKeyState(rule="burst", key="NG|Borno")
    assert realert_allows(rule, st, T)
    st = after_alert(rule, st, T)
    assert realert_s(rule, st) == 3600 and not realert_allows(rule, st, T + timedelta(minutes=59))
    st = after_alert(rule, st, T + timedelta(minutes=90))  # < 2 x 1h after the last: doubles
    assert st.exponent == 1 and realert_s(rule, st) == 7200
    st = after_alert(rule, st, T + timedelta(minutes=90 + 150))  # < 2 x 2h: doubles again
    st = after_alert(rule, st, T + timedelta(minutes=90 + 150 + 300))  # capped at 4h
    assert realert_s(rule, st) == 4 * 3600 and st.exponent == 2
    st = after_alert(rule, st, T + timedelta(days=2))  # calm gap: back to 1h
    assert st.exponent == 0 and realert_s(rule, st) == 3600
    # the stream: 2 incidents fire, the 3rd is held back by the realert, the 4th (past the realert) fires
    # counting only the incidents since the last alert (the 3rd and the 4th)
    decisions = run(rule, [inc(1, 0), inc(2, 10), inc(3, 20), inc(4, 80), inc(5, 85)])
    assert [d.incidents for d in decisions] == [("inc-1", "inc-2"), ("inc-3", "inc-4")]


def test_spike_up_down_and_thresholds():
    up = rule_of("""  - name: sp
    type: spike
    timeframe: 1h
    spike_height: 3
    spike_type: up
    threshold_cur: 3
""")
    ref = [inc(i, i) for i in range(1)]  # 1 in the reference hour
    cur = [inc(10 + i, 61 + i) for i in range(3)]
    decisions = run(up, ref + cur)
    assert [(d.trigger, d.count) for d in decisions] == [("spike", 3)] and "spike up" in decisions[0].detail
    assert run(up, ref + cur[:2]) == []  # below threshold_cur
    assert run(up, cur) == []  # reference 0 alerts only with alert_on_new_data
    assert run(up.model_copy(update={"alert_on_new_data": True}), cur)
    down = up.model_copy(update={"spike_type": "down", "threshold_cur": None, "threshold_ref": 3})
    quiet = [inc(i, i) for i in range(4)] + [inc(20, 70)]
    assert [d.detail.split(":")[0] for d in run(down, quiet)] == ["spike down"]
    assert run(up.model_copy(update={"spike_type": "both", "threshold_cur": None}), quiet)


def test_cardinality_above_and_below():
    many = rule_of("""  - name: card
    type: cardinality
    cardinality_field: actor
    max_cardinality: 2
    timeframe: 1d
""")
    incidents = [inc(1, 0, actors=("A",)), inc(2, 5, actors=("A", "B")), inc(3, 9, actors=("C",))]
    decisions = run(many, incidents)
    assert [(d.trigger, d.count) for d in decisions] == [("cardinality", 3)] and "A, B, C" in decisions[0].detail
    few = many.model_copy(update={"max_cardinality": None, "min_cardinality": 2})
    assert [d.count for d in run(few, incidents[:1])] == [1]


def test_new_term_first_actor_or_admin1_and_terms_window():
    rule = rule_of("""  - name: nt
    type: new_term
    fields: [actor, admin1]
    terms_window: 30d
""")
    decisions = run(rule, [inc(1, 0, actors=("Boko Haram",)), inc(2, 60, actors=("Boko Haram",)),
                           inc(3, 120, "Yobe", actors=("Boko Haram", "ISWAP")),
                           inc(4, 60 * 24 * 40, actors=("Boko Haram",))])
    assert [(d.incidents, d.detail.split(" (")[0]) for d in decisions] == [
        (("inc-1",), "first incident with Boko Haram, Borno"),
        (("inc-3",), "first incident with ISWAP, Yobe"),
        (("inc-4",), "first incident with Boko Haram, Borno"),  # not seen for 40 days > terms_window
    ]
    st = remember_terms(rule, RuleKeyState(rule="nt", key="NG"), inc(5, 0, actors=tuple("abcdef")), T, 3)
    assert len(st.terms) == 3  # capped (RADAR_ALERT_NEW_TERM_MAX_TERMS)


def test_query_keys_multi_valued_and_missing():
    rule = rule_of(FREQ.replace("query_key: admin1", "query_key: [admin1, actor]"))
    assert query_keys(rule, inc(1, 0, actors=("B", "A"))) == ["NG|Borno|A", "NG|Borno|B"]
    assert query_keys(rule, inc(1, 0, actors=())) == []
    plain = rule_of(FREQ.replace("    query_key: admin1\n", ""))
    assert query_keys(plain, inc(1, 0)) == ["NG"]


def test_flatline_watches_groups_seen_before_and_named_by_filters():
    rule = rule_of("""  - name: quiet
    type: flatline
    filters: {countries: [NG, ML]}
    query_key: country
    threshold: 2
    timeframe: 1d
""")
    end = T + timedelta(days=3)
    before = [inc(1, 60 * 24 * 1, cc="NE"), inc(2, 60 * 24 * 1, cc="NG")]  # seen in the key lookback
    window = [inc(3, 60 * 24 * 2 + 60, cc="NG"), inc(4, 60 * 24 * 2 + 90, cc="NG"), inc(5, 60 * 24 * 2 + 99, cc="NE")]
    decisions = flatline(rule, before + window, end)
    assert [(d.group, d.count) for d in decisions] == [("ML", 0), ("NE", 1)]
    assert flatline(rule, before + window, end + timedelta(minutes=15))[0].key == decisions[0].key  # same bucket
    assert flatline(rule, before + window, end + timedelta(days=1))[0].key != decisions[0].key


def test_scheduled_spike_down_per_group_seen_in_the_reference_window():
    rule = rule_of("""  - name: quieter
    type: spike
    spike_type: both
    spike_height: 2
    timeframe: 6h
""")
    end = T + timedelta(hours=12)
    ref = [inc(i, 60 * (2 + i), cc="NG") for i in range(4)] + [inc(10 + i, 60 * (2 + i), cc="ML") for i in range(2)]
    cur = [inc(20, 60 * 7, cc="NG"), inc(21, 60 * 7, cc="ML"), inc(22, 60 * 8, cc="ML")]
    decisions = spike_down(rule, with_counted_mark(rule, ref + cur), end)
    assert [(d.group, d.count, d.trigger) for d in decisions] == [("NG", 1, "spike")]
    assert decisions[0].detail.startswith("spike down: 1 incidents") and decisions[0].incidents == ("inc-20",)
    assert spike_down(rule, with_counted_mark(rule, ref + cur), end + timedelta(minutes=15))[0].key == decisions[0].key
    assert spike_down(rule.model_copy(update={"spike_type": "up"}), with_counted_mark(rule, ref + cur), end) == []
    assert spike_down(rule, with_counted_mark(rule, cur), end) == []  # nothing in the reference window


def test_quiet_hours_hold_only_the_sinks_to_people():
    config = parse_config("""sinks:
  hook: {type: webhook, url: "http://127.0.0.1:9/hook"}
  log: {type: log}
rules:
  - name: night
    quiet_hours: {start: "22:00", end: "06:00", timezone: UTC}
""")
    rule = config.rule("night")
    assert config.held_until(rule, datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc)) == {
        "hook": datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)}
    assert config.held_until(rule, datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)) == {}


def test_sink_streak_is_the_one_after_the_latest_attempt():
    assert streak_after([]) == 0
    assert streak_after([{"status": "pending"}]) == 0
    assert streak_after([{"status": "retrying", "attempted_at": "2026-03-01T12:00:00+00:00", "streak": 3},
                         {"status": "retrying", "attempted_at": "2026-03-01T12:05:00+00:00", "streak": 4},
                         {"status": "delivered", "attempted_at": "2026-03-01T11:00:00+00:00", "streak": 0},
                         {"status": "retrying", "attempted_at": "2026-03-01T12:06:00+00:00"}]) == 4
    assert streak_after([{"status": "retrying", "attempted_at": "2026-03-01T12:00:00+00:00", "streak": 3},
                         {"status": "delivered", "attempted_at": "2026-03-01T12:01:00+00:00", "streak": 0}]) == 0


def test_silences_by_rule_key_and_expiry():
    s = [Silence(id="r", rule="r", until=T + timedelta(hours=2)),
         Silence(id="k|MX", rule="k", key="Michoacán", until=T + timedelta(hours=2))]
    assert silenced(s, "r", None, T) and silenced(s, "r", "NG|Borno", T)
    assert not silenced(s, "r", None, T + timedelta(hours=2))
    assert silenced(s, "k", "MX|Michoacán", T) and not silenced(s, "k", "MX|Sinaloa", T)
    assert not silenced(s, "other", None, T)


def test_templates_are_safe_on_hostile_text():
    view = {"title": "{rule.__class__} {0} }{ \x1b[31mred\u202e\x00", "where": "x" * 900, "rule": "r",
            "actors": ["A", "B"], "fatalities": None}
    out = render("{title} | {where} | {actors} | {fatalities} {{literal}}", view, 4000, 100)
    assert out.startswith("{rule.__class__} {0} }{  [31mred")  # a value is never expanded again
    assert "\x1b" not in out and "\u202e" not in out and "\x00" not in out
    assert "x" * 99 + "…" in out and "A, B" in out and "unknown {literal}" in out
    assert len(render("{where}" * 100, view, 300, 100)) == 300
    for bad, why in (("{title.__class__}", "unknown template field"), ("{title[0]}", "unknown template field"),
                     ("{title!r}", "conversion"), ("{fatalities:>99999}", "format spec"),
                     ("{secret}", "unknown template field"), ("{0}", "unknown template field"), ("{title", "expected '}'")):
        with pytest.raises(ValueError, match=why):
            template_fields(bad)


def test_alert_templates_render_into_subject_and_body():
    rule = rule_of("""  - name: t
    filters: {countries: [MX]}
    alert_subject: "{rule}: {fatalities} dead in {where}"
    alert_text: "Title: {title}"
""")
    [incident] = cluster([], ClusterConfig()) or [inc(1, 0, cc="MX")]
    incident.title = "Gunmen {key} attack\nSubject: injected"
    alert = build_alert(rule, incident, Decision("t", "new", "new", "new incident"), T, s=Settings())
    assert alert.headline == "t: 2 dead in town1, Borno, MX"
    body = alert_text(alert)
    assert body.startswith("Title: Gunmen {key} attack Subject: injected\n\nt: 2 dead in town1, Borno, MX\nWhat:")
    only = rule.model_copy(update={"alert_text_type": "alert_text_only"})
    assert alert_text(build_alert(only, incident, Decision("t", "new", "new", "x"), T, s=Settings())) == (
        "Title: Gunmen {key} attack Subject: injected")


def test_validation_of_new_fields_names_line_and_field():
    bad = HEAD + """  - name: f
    type: frequency
    timeframe: 6h
    spike_height: 2
  - name: s
    type: spike
    timeframe: 5d
    spike_height: 0.5
  - name: n
    type: new_term
    fields: [actor, colour]
  - name: r
    type: frequency
    num_events: 2
    timeframe: 1h
    exponential_realert: 2h
    realert: 3h
    triggers: {new: true}
  - name: t
    alert_text: "{title.__class__}"
    query_key: planet
"""
    with pytest.raises(RuleConfigError) as err:
        parse_config(bad, "alerts.yaml")
    text = str(err.value)
    assert "line 11: rules[1](s).spike_height: Input should be greater than or equal to 1" in text
    assert "line 14: rules[2](n).fields[1]: Input should be 'country'" in text
    assert "line 23: rules[4](t).alert_text: Value error, unknown template field {title.__class__}" in text
    assert "line 24: rules[4](t).query_key" in text
    fixed = (bad.replace("spike_height: 0.5", "spike_height: 2").replace(", colour", "")
             .replace('"{title.__class__}"', '"{title}"').replace("query_key: planet", "query_key: admin1"))
    with pytest.raises(RuleConfigError) as err:
        parse_config(fixed, "alerts.yaml", max_window_s=7 * 86400)
    text = str(err.value)
    assert "line 7: rules[0](f).spike_height: spike_height is an option of spike rules, not of type frequency" in text
    assert "line 5: rules[0](f).type: a frequency rule needs num_events" in text
    assert "line 10: rules[1](s).timeframe: the window (240h, spike: two timeframes) is longer" in text
    assert "line 19: rules[3](r).exponential_realert: exponential_realert (the maximum) is below realert" in text
    assert "line 21: rules[3](r).triggers: triggers are for type any rules" in text


def test_sink_failure_alert_id_is_shared_within_the_realert_bucket():
    s = Settings(alert_sink_failure_realert_s=3600)
    a = sink_failure_alert("hook", 5, "HTTP 500", T, s)
    assert a.id == sink_failure_alert("hook", 7, "timeout", T + timedelta(minutes=30), s).id
    assert a.id != sink_failure_alert("hook", 5, "HTTP 500", T + timedelta(hours=1), s).id
    assert a.trigger == "sink_failure" and "hook" in a.headline and clean_value(a.key, 10) == "hook"
