"""Actor precision rules: attribution, background groups, synonym merges, no actors without an event."""

from pipeline.enrich.actors import find_actor_mentions, merge_actors
from pipeline.nlp import get_nlp


def _actors(text: str):
    return merge_actors(find_actor_mentions(get_nlp()(text)))


def test_blamed_group_is_initiator_and_absorbs_gunmen():
    actors = _actors("Gunmen shot dead four farmers near the river on Monday. "
                     "Officials blamed the Gulf Cartel, which has been fighting the Zetas for years.")
    names = {a.name: a.role for a in actors}
    assert names.get("Gulf Cartel") == "initiator"
    assert "Unidentified gunmen" not in names
    assert "Los Zetas" not in names and "Zetas" not in names


def test_members_of_group_take_the_clause_role():
    actors = _actors("Soldiers and members of the Rapid Support Forces attacked a market, killing ten traders.")
    roles = {a.name: a.role for a in actors}
    assert roles.get("Rapid Support Forces") == "initiator"


def test_same_category_generic_actors_merge():
    actors = _actors("Bandits stormed the village and gang members burned houses, killing six villagers.")
    criminal = [a for a in actors if a.category == "Criminal groups"]
    assert len(criminal) == 1


def test_no_event_means_no_participants():
    from pipeline.enrich.actors import actors_step
    from pipeline.enrich.base import EnrichDoc
    from pipeline.schemas import RawArticle

    doc = EnrichDoc(raw=RawArticle(id="q", title="t", body="b"), text="Police officers marched in a parade.")
    doc.doc = get_nlp()(doc.text)
    doc.event_type = None
    assert actors_step(doc).actors == [] and actors_step(doc).actor_mentions


def test_evaluator_matches_aliases_of_one_known_group():
    from pipeline.evaluation.devset import names_match

    assert names_match("Israel Defense Forces", "Israeli military")
    assert names_match("Baloch Liberation Army", "Balochistan Liberation Army (BLA)")
    assert not names_match("Israel Defense Forces", "Syrian military")
    assert not names_match("Hamas", "Palestinian Islamic Jihad")
