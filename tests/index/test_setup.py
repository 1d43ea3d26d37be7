"""Index setup against the embedded search server: idempotent, mappings as declared."""

import pytest

from pipeline.index.client import make_client
from pipeline.index.setup import TEMPLATES, alias_name, lifecycle_policy, setup_indices, template_body
from pipeline.settings import Settings

pytestmark = pytest.mark.e2e


def test_setup_is_idempotent_and_applies_mappings(radar_settings):
    s = radar_settings
    es = make_client(s)
    first = setup_indices(es, s)
    second = setup_indices(es, s)
    assert first == second == [alias_name(n, s) for n in TEMPLATES]
    for alias in first:
        indices = es.indices.get_alias(name=alias)
        assert list(indices) == [f"{alias}-000001"]
    mapping = es.indices.get_mapping(index=s.articles_alias)
    props = next(iter(mapping.values()))["mappings"]["properties"]
    assert props["geo"]["type"] == "geo_point"
    assert props["body"]["analyzer"] == "radar_english"
    assert props["event_type"]["type"] == "keyword"


def test_template_gets_lifecycle_settings_only_with_a_policy():
    s = Settings(index_prefix="abc")
    plain = template_body("articles", s)
    assert plain["index_patterns"] == ["abc-articles-*"]
    assert "index.lifecycle.name" not in plain["template"]["settings"]
    managed = template_body("articles", s, policy="abc-policy")
    assert managed["template"]["settings"]["index.lifecycle.rollover_alias"] == "abc-articles"


def test_lifecycle_policy_from_settings():
    delete = lifecycle_policy(Settings(index_hot_days=30, index_after_hot="delete"))
    assert delete["phases"]["delete"]["min_age"] == "30d" and "warm" not in delete["phases"]
    warm = lifecycle_policy(Settings(index_hot_days=10, index_after_hot="warm", index_warm_delete_days=200))
    assert warm["phases"]["warm"]["min_age"] == "10d" and warm["phases"]["delete"]["min_age"] == "200d"
    assert warm["phases"]["hot"]["actions"]["rollover"]["max_age"] == "30d"
