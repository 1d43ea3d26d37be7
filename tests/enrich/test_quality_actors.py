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
    from pipeline.enrich.actors import actors_component
    from pipeline.enrich.extensions import register

    register()
    doc = get_nlp()("Police officers marched in a parade.")
    doc._.parsed = True  # no rule decision: no event
    doc = actors_component(doc)
    assert doc._.actors == [] and doc._.actor_mentions
    assert [s.label_ for s in doc.spans["actors"]] == [m.category for m in doc._.actor_mentions]


def test_evaluator_matches_aliases_of_one_known_group():
    from pipeline.evaluation.devset import names_match

    assert names_match("Israel Defense Forces", "Israeli military")
    assert names_match("Baloch Liberation Army", "Balochistan Liberation Army (BLA)")
    assert not names_match("Israel Defense Forces", "Syrian military")
    assert not names_match("Hamas", "Palestinian Islamic Jihad")


def _roles(text: str) -> dict[str, tuple[str, str, str | None]]:
    return {a.name: (a.category, a.role, a.country_code) for a in _actors(text)}


def test_nationality_of_a_military_is_kept():
    roles = _roles("Turkish soldiers shelled a village near the border, killing two farmers.")
    assert roles.get("Turkish military") == ("State forces", "initiator", "TR")
    roles = _roles("American troops raided a compound overnight and killed three militants.")
    assert roles.get("US military", ("", ""))[:2] == ("State forces", "initiator")


def test_national_military_with_known_force_is_one_actor():
    roles = _roles("Israeli troops raided the camp at dawn. The IDF said the raid killed two gunmen.")
    state = [n for n, v in roles.items() if v[0] == "State forces"]
    assert len(state) == 1


def test_unnamed_attackers_are_initiators():
    roles = _roles("An unknown armed group attacked the convoy and killed four drivers.")
    assert roles.get("Unidentified armed group", ("",))[0] == "External/Other"
    roles = _roles("Two men opened fire on a bus stop, killing a teacher.")
    assert roles.get("Unidentified gunmen", ("", ""))[1] == "initiator"
    assert "Civilians" in roles
    roles = _roles("A teacher was stabbed at the market. The attacker fled on foot.")
    assert roles.get("Unidentified attacker", ("", ""))[1] == "initiator"


def test_coordinated_attack_verb_gives_the_subject_its_role():
    roles = _roles("Masked gunmen stormed into a cafe and opened fire on the customers.")
    assert roles.get("Unidentified gunmen", ("", ""))[1] == "initiator"


def test_headline_passive_subject_is_the_target():
    roles = _roles("Three soldiers killed in roadside ambush")
    assert roles.get("Military", ("", ""))[1] == "target"


def test_agent_of_a_non_attack_verb_is_no_initiator():
    roles = _roles("A missile struck a depot used by the Ukrainian navy, killing two guards.")
    assert roles.get("Ukrainian military", ("", "other"))[1] != "initiator"


def test_people_arrested_are_not_victims():
    roles = _roles("Police fired tear gas at the march and 40 people were arrested.")
    assert "Civilians" not in roles


def test_group_modifying_a_generic_noun_is_that_group():
    roles = _roles("Gulf Cartel gunmen ambushed a patrol outside the town, killing a soldier.")
    assert "Unidentified gunmen" not in roles and roles.get("Gulf Cartel", ("", ""))[1] == "initiator"


def _framed(text: str, sub_event_type: str) -> dict[str, tuple[str, str]]:
    mentions = find_actor_mentions(get_nlp()(text))
    return {a.name: (a.category, a.role) for a in merge_actors(mentions, "FR", sub_event_type)}


def test_peaceful_protest_has_the_protesters_as_only_actor():
    actors = _framed("Thousands of residents marched through the city centre; police watched from a distance.",
                     "Peaceful protest")
    assert actors == {"Protesters": ("Protesters", "initiator")}


def test_intervention_targets_the_crowd_not_civilians():
    actors = _framed("Police used water cannon to disperse hundreds of residents blocking the road.",
                     "Protest with intervention")
    assert actors == {"Police": ("State forces", "initiator"), "Protesters": ("Protesters", "target")}


def test_rioters_are_initiators_and_police_the_target():
    actors = _framed("Youths threw stones at police officers and burned cars after the match.",
                     "Violent demonstration")
    assert actors.get("Rioters") == ("Rioters", "initiator")
    assert actors.get("Police") == ("State forces", "target")


def test_rival_named_only_in_a_long_running_feud_is_context():
    roles = _roles("Gunmen of the Gulf Cartel ambushed a police patrol outside Reynosa on Friday, killing two "
                   "officers. The Gulf Cartel has fought the Cartel del Noreste for control of the border since 2010, "
                   "and both groups have battled the army for years.")
    assert roles.get("Gulf Cartel", ("", ""))[:2] == ("Criminal groups", "initiator")
    assert "Cartel del Noreste" not in roles


def test_generic_cartel_is_the_one_named_cartel():
    roles = _roles("Soldiers clashed with a cartel cell in the hills on Monday. The gunmen belonged to the "
                   "Sinaloa Cartel, the army said.")
    assert "Cartel" not in roles and "Sinaloa Cartel" in roles


def test_weapon_with_a_nationality_is_that_military():
    roles = _roles("Russian drones struck a fuel depot on the edge of the city overnight, killing two guards.")
    assert roles.get("Russian military") == ("State forces", "initiator", "RU")
    roles = _roles("Israeli strikes killed four people in the south of the country on Monday.")
    assert roles.get("Israeli military", ("", ""))[:2] == ("State forces", "initiator")


def _with_sub_event(text: str, sub_event_type: str) -> dict[str, tuple[str, str]]:
    from pipeline.enrich.actors import shooting_cue

    doc = get_nlp()(text)
    actors = merge_actors(find_actor_mentions(doc), "US", sub_event_type, shooting_cue(doc))
    return {a.name: (a.category, a.role) for a in actors}


def test_attack_with_no_named_attacker_gets_an_unidentified_one():
    assert _with_sub_event("A man was shot dead outside a bakery on Sunday night, police said.", "Attack") == {
        "Unidentified gunmen": ("External/Other", "initiator"), "Civilians": ("Civilians", "target")}
    roles = _with_sub_event("A roadside bomb killed three farmers on their way to market.",
                            "Remote explosive/landmine/IED")
    assert roles.get("Unidentified armed group") == ("External/Other", "initiator")
    roles = _with_sub_event("Gunmen from a local gang shot dead two shopkeepers on Sunday.", "Attack")
    assert not any(name.startswith("Unidentified armed") for name in roles)


def test_implied_attacker_gives_way_to_one_named_in_another_event():
    from pipeline.enrich.events import _union_actors
    from pipeline.schemas import Actor, Event

    implied = Actor(name="Unidentified armed group", category="External/Other", role="initiator", mentions=[])
    named = Actor(name="Israeli military", category="State forces", role="initiator", mentions=["Israeli strikes"])
    idf = Actor(name="Israel Defense Forces", category="State forces", role="other", mentions=["the IDF"])
    events = [Event(event_type="Explosions/Remote violence", actors=[implied]),
              Event(event_type="Explosions/Remote violence", actors=[named, idf])]
    assert [a.name for a in _union_actors(events)] == ["Israeli military"]
    gunmen = Actor(name="Unidentified gunmen", category="External/Other", role="initiator", mentions=["gunmen"])
    bandits = Actor(name="Bandits", category="Criminal groups", role="initiator", mentions=["bandits"])
    implied_victims = Actor(name="Civilians", category="Civilians", role="target", mentions=[])
    victims = Actor(name="Civilians", category="Civilians", role="target", mentions=["villagers"])
    events = [Event(event_type="Violence against civilians", actors=[bandits, implied_victims]),
              Event(event_type="Violence against civilians", actors=[gunmen, victims])]
    assert [(a.name, a.mentions) for a in _union_actors(events)] == [("Bandits", ["bandits"]),
                                                                     ("Civilians", ["villagers"])]


def test_violence_against_civilians_always_has_civilian_victims():
    roles = _with_sub_event("Gunmen of a local gang kidnapped a shopkeeper on Sunday.", "Abduction/forced disappearance")
    assert roles.get("Civilians") == ("Civilians", "target")


def test_armed_men_of_a_community_are_its_ethnic_militia():
    roles = _roles("Dogon militiamen attacked a village near Bankass on Friday, killing 17 villagers.")
    assert roles.get("Dogon ethnic militia", ("", ""))[:2] == ("Identity militias", "initiator")
    roles = _roles("Suspected Fulani herdsmen attacked a farming village on Sunday night, killing 12 people.")
    assert "Fulani ethnic militia" in roles and "Suspected Fulani ethnic militia" not in roles and "Herders" not in roles
    names = set(_roles("Meitei militia members and Kuki-Zo militants exchanged fire near a hill village on Tuesday."))
    assert {"Meitei ethnic militia", "Kuki-Zo ethnic militia"} <= names
    roles = _roles("Somali soldiers and Kurdish police patrolled the market on Sunday.")
    assert not any(name.endswith("ethnic militia") for name in roles)
