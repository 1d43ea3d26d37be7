"""Casualty counting rules (fatalities / injured) on sentences written for these tests."""

from __future__ import annotations

import pytest

from pipeline.enrich.numbers import aggregate, find_numbers
from pipeline.nlp import get_nlp


def _counts(text: str, title_sents: int = 0) -> tuple[int | None, int | None]:
    doc = get_nlp()(text)
    mentions = find_numbers(doc)
    return aggregate(mentions, "fatalities", title_sents), aggregate(mentions, "injured", title_sents)


def test_coordinated_sides_are_added() -> None:
    assert _counts("The army said seven soldiers and twelve insurgents were killed in the fighting.")[0] == 19


def test_also_killed_in_a_later_sentence_is_added() -> None:
    text = ("Rebels attacked a police station on Friday, killing three officers. "
            "Four of the attackers were also killed, the governor said.")
    assert _counts(text)[0] == 7


def test_singular_addition_with_also() -> None:
    text = "Troops killed five bandits in a raid on their camp. A soldier was also killed."
    assert _counts(text)[0] == 6


def test_restatement_by_another_source_is_not_added() -> None:
    text = "The strike killed four people, medics said. The army said it had killed four fighters."
    assert _counts(text)[0] == 4


def test_partitive_subset_is_not_added() -> None:
    assert _counts("Raiders killed nine farmers, burning five of them inside a barn.")[0] == 9


def test_family_of_n_and_list_of_victims() -> None:
    assert _counts("Gunmen shot dead a farmer, his wife and their two sons at their home.")[0] == 4
    assert _counts("A family of six was killed when gunmen stormed the house.")[0] == 6


def test_body_lead_wins_over_shorter_headline() -> None:
    text = "Bomb kills six soldiers.\n\nSix soldiers and their interpreter were killed when a bomb exploded under their truck."
    assert _counts(text, title_sents=1)[0] == 7


def test_place_and_event_nouns_are_not_victims() -> None:
    text = "Attackers killed eight villagers in three hamlets. The two raids began at 4 a.m."
    assert _counts(text)[0] == 8


@pytest.mark.parametrize(
    "text,injured",
    [
        ("A grenade hit a bar, killing one man. Two other customers were injured.", 2),
        ("A third guard survived with bullet wounds to the chest.", 1),
        ("At least nine marchers were treated for the effects of pepper spray.", 9),
        ("Three students were taken to hospital with head injuries.", 3),
    ],
)
def test_injured_from_survival_and_treatment(text: str, injured: int) -> None:
    assert _counts(text)[1] == injured


def test_arrests_coordinated_with_injuries_are_not_injuries() -> None:
    assert _counts("Eight officers were injured and 45 people were arrested after the match.")[1] == 8


def test_pronoun_victim_and_killing_of_a_person() -> None:
    assert _counts("A drone dropped a grenade on a farmer in his field, killing him instantly.")[0] == 1
    assert _counts("Teachers walked out over the killing of a colleague, who was shot last week.")[0] == 1


def test_no_injuries_means_zero_both() -> None:
    assert _counts("The shell landed in a car park, causing damage but no injuries.") == (0, 0)


def test_zero_in_an_earlier_incident_is_ignored() -> None:
    text = ("Militants ambushed a convoy on Monday, a week after they bombed a bridge in which nobody was hurt. "
            "Two drivers were wounded in the ambush.")
    assert _counts(text)[1] == 2
