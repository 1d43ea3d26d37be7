"""Pure parts of the tracker and alerter: clustering, rule validation, triggers, quiet hours, signing."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest

from pipeline.alert.incidents import (ClusterConfig, apply_article, best_match, cluster, credible_fatalities, minhash,
                                      signature_similarity, view)
from pipeline.alert.message import alert_text, build_alert
from pipeline.alert.rules import (RuleConfigError, alert_id, evaluate, load_config, matches, parse_config,
                                  quiet_until)
from pipeline.alert.ruletypes import aggregate, counted_key
from pipeline.schemas import RuleAlertState
from pipeline.alert.sinks import sign
from pipeline.settings import PROJECT_ROOT
from tests.alert.stories import AMBUSH, ambush_articles, nearby_clash, toll_update

CFG = ClusterConfig()
NOW = datetime(2026, 3, 22, 12, 0, tzinfo=timezone.utc)

RULES = """
sinks:
  log: {type: log}
rules:
  - name: michoacan
    filters: {countries: [MX], admin1: [Michoacan], min_fatalities: 1}
    triggers: {new: true, escalation: {fatalities_rise: 2}}
  - name: cartels
    filters: {actor_categories: [Criminal groups], min_sources: 3, keywords: [ambush]}
    triggers: {new: true, escalation: {fatalities_rise: 2}}
    cooldown: 1h
  - name: sahel
    filters: {bbox: {min_lat: 10, min_lon: -6, max_lat: 18, max_lon: 4.5}}
"""


def test_five_reports_collapse_into_one_incident_with_five_sources():
    incidents = cluster(ambush_articles(), CFG)
    assert len(incidents) == 1
    inc = incidents[0]
    assert inc.n_articles == 5 and inc.n_sources == 5
    assert inc.fatalities == 6 and inc.fatalities_sources == 1
    assert inc.location.name == "Tepalcatepec" and inc.location.precision == "city"
    assert [a.name for a in inc.actors] == ["Jalisco New Generation Cartel", "Police"]


def test_nearby_town_same_day_stays_separate_and_toll_update_joins():
    incidents = cluster([*ambush_articles(), nearby_clash(), toll_update()], CFG)
    assert sorted(i.n_articles for i in incidents) == [1, 6]
    big = max(incidents, key=lambda i: i.n_articles)
    assert big.fatalities == 9 and big.status == "escalated"


def test_syndicated_copy_is_a_near_duplicate_and_unrelated_text_is_not():
    a, b = (minhash(f"{s[1]} {s[2]}") for s in (AMBUSH[0], AMBUSH[4]))
    c = minhash(f"{AMBUSH[1][1]} {AMBUSH[1][2]}")
    assert signature_similarity(a, b) == 1.0
    assert signature_similarity(a, c) < CFG.duplicate_jaccard


def test_reprocessing_an_article_changes_nothing():
    arts = ambush_articles()
    inc = apply_article(None, view(arts[0], CFG), NOW, CFG)
    again = apply_article(inc, view(arts[0], CFG), NOW + timedelta(hours=1), CFG)
    assert again == inc


def test_article_far_away_or_other_week_starts_a_new_incident():
    arts = ambush_articles()
    inc = apply_article(None, view(arts[0], CFG), NOW, CFG)
    late = arts[1].model_copy(update={"event_date": "2020-01-01", "published_at": NOW - timedelta(days=2000)})
    assert best_match(view(late, CFG), [inc], CFG) is None
    protest = arts[1].model_copy(update={"event_type": "Protests", "sub_event_type": "Peaceful protest"})
    assert best_match(view(protest, CFG), [inc], CFG) is None


def test_credible_fatalities_ignores_a_lone_outlier():
    assert credible_fatalities({"a": 5, "b": 5, "c": 60}, 3.0) == (5, 3)
    assert credible_fatalities({"a": 5, "b": 6}, 3.0) == (6, 1)
    assert credible_fatalities({}, 3.0) == (None, 0)


def test_rules_new_then_escalation_then_cooldown():
    cfg = parse_config(RULES)
    incidents = cluster(ambush_articles()[:2], CFG)
    inc = incidents[0]
    mich, cartels = cfg.rule("michoacan"), cfg.rule("cartels")
    assert matches(mich, inc) and not matches(cartels, inc)  # cartels needs 3 sources
    decision, state = evaluate(mich, inc, NOW)
    assert decision.trigger == "new" and state.count == 1
    inc.alert_state["michoacan"] = state
    assert evaluate(mich, inc, NOW) == (None, None)
    inc.fatalities = 8
    decision, state = evaluate(mich, inc, NOW + timedelta(minutes=1))
    assert decision.trigger == "escalation" and decision.key == "escalation:fatalities:8"
    assert alert_id("michoacan", inc.id, decision.key) == alert_id("michoacan", inc.id, "escalation:fatalities:8")
    inc.alert_state["cartels"] = state.model_copy(update={"fatalities": 5})
    assert evaluate(cartels, inc.model_copy(update={"n_sources": 3}), NOW + timedelta(minutes=2)) == (None, None)


def test_spike_and_quiet_hours():
    cfg = parse_config(RULES + """
  - name: burst
    filters: {countries: [MX]}
    triggers: {new: false, spike: {count: 2, window: 6h}}
    quiet_hours: {start: "22:00", end: "06:00", timezone: "America/Mexico_City"}
""")
    burst = cfg.rule("burst")
    incs = cluster([*ambush_articles(), nearby_clash()], CFG, now=NOW)
    for inc in incs:
        inc.alert_state[counted_key(burst)] = RuleAlertState(last_at=inc.first_seen)
    assert aggregate(burst, "MX", incs[0], incs[:1], None, 100)[0] is None
    decision, state = aggregate(burst, "MX", incs[1], incs, None, 100)
    assert decision is not None and decision.trigger == "spike" and decision.count == 2
    assert state.last_alert_at == incs[1].first_seen  # event time, not the wall clock
    night = datetime(2026, 3, 22, 5, 0, tzinfo=timezone.utc)  # 23:00 in Mexico City
    assert quiet_until(burst.quiet_hours, night) == datetime(2026, 3, 22, 12, 0, tzinfo=timezone.utc)
    assert quiet_until(burst.quiet_hours, NOW) is None


def test_validation_errors_name_line_and_field():
    bad = """sinks:
  log: {type: log}
rules:
  - name: ok
    filters:
      countries: [XX]
      min_fatalities: many
      colour: red
  - name: ok
    sinks: [pager]
"""
    with pytest.raises(RuleConfigError) as err:
        parse_config(bad, "alerts.yaml")
    text = str(err.value)
    assert "alerts.yaml: line 6: rules[0](ok).filters.countries" in text and "XX" in text
    assert "line 7: rules[0](ok).filters.min_fatalities" in text
    assert "line 8: rules[0](ok).filters.colour: Extra inputs are not permitted" in text
    with pytest.raises(RuleConfigError) as err:
        parse_config(bad.replace("[XX]", "[MX]").replace("many", "1").replace("      colour: red\n", ""))
    assert "line 8: rules[1](ok).name: duplicate rule name 'ok'" in str(err.value)
    assert "line 9: rules[1](ok).sinks: unknown sink 'pager'" in str(err.value)


def test_env_expansion_and_disabled_sinks(monkeypatch):
    text = """sinks:
  hook: {type: webhook, url: "${HOOK_URL:-}", secret_env: HOOK_SECRET}
rules: []
"""
    assert not parse_config(text, env={}).sinks["hook"].enabled
    monkeypatch.delenv("HOOK_SECRET", raising=False)
    with pytest.raises(RuleConfigError, match="HOOK_SECRET"):
        parse_config(text, env={"HOOK_URL": "http://127.0.0.1:1/x"})


def test_shipped_rules_file_is_valid():
    cfg = load_config(PROJECT_ROOT / "configs" / "alerts.yaml")
    assert {r.name for r in cfg.rules} >= {"mexico-criminal-violence", "mass-casualty"}


def test_alert_says_what_where_who_killed_sources_first_seen_links_and_rule():
    cfg = parse_config(RULES)
    inc = cluster(ambush_articles(), CFG)[0]
    decision, _ = evaluate(cfg.rule("cartels"), inc, NOW)
    text = alert_text(build_alert(cfg.rule("cartels"), inc, decision, NOW))
    for needle in ("Battles / Armed clash", "Tepalcatepec, Michoacán, MX", "Jalisco New Generation Cartel",
                   "Killed:     6", "Sources:    5", "First seen:", "https://valle-diario.example/amb/0", "cartels"):
        assert needle in text


def test_hmac_signature_matches_reference():
    body = b'{"a":1}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", "1700000000", body) == f"sha256={expected}"
