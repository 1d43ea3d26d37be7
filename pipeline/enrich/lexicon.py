"""Hand-written lexicons: event triggers, context cues, actor nouns and known armed groups.

Everything here is general vocabulary or well-known group names written for this project; no
text is copied from articles or data sets.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.enrich import tables as tb
from pipeline.schemas import ACTOR_CATEGORIES, EVENT_TYPES

TRIGGER_KINDS = ("abduct", "agreement", "arrest", "attack", "blast", "body", "clash", "disrupt", "event", "injure",
                 "intervention", "kill", "loot", "mob", "protest", "riot", "territory")

BATTLES = "Battles"
EXPLOSIONS = "Explosions/Remote violence"
VAC = "Violence against civilians"
PROTESTS = "Protests"
RIOTS = "Riots"
STRATEGIC = "Strategic developments"

VIOLENT_SUBTYPES: frozenset[str] = frozenset(
    {
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
        "Excessive force against protesters",
        "Protest with intervention",
        "Violent demonstration",
        "Mob violence",
    }
)


@dataclass(frozen=True)
class TriggerSpec:
    """A trigger phrase (lower-case words, each matched against a token's text or lemma)."""

    words: tuple[str, ...]
    event_type: str
    sub_event_type: str
    weight: float
    ambiguous: bool = False  # needs violent context (weapon, casualty, armed actor) nearby
    pos: str | None = None  # required POS of the head token ("VERB" / "NOUN")
    kind: str = "event"  # "event", "kill", "injure", "attack", "protest", "arrest"


def _t(phrase: str, etype: str, sub: str, weight: float, **kw) -> TriggerSpec:  # noqa: ANN003
    return TriggerSpec(tuple(phrase.lower().split()), etype, sub, weight, **kw)


def _load_triggers() -> tuple[TriggerSpec, ...]:
    """Trigger phrases from ``data/triggers.jsonl`` (types checked against the taxonomy)."""
    out = []
    fields = {"phrase": (str,), "event_type": (str,), "sub_event_type": (str,), "weight": (int, float),
              "ambiguous": (bool,), "pos": (str,), "kind": (str,)}
    for row in tb.rows("triggers", fields, ("phrase", "event_type", "sub_event_type", "weight")):
        where = row.pop("_line")
        tb.check_member(row["event_type"], tuple(EVENT_TYPES), "event type", where)
        tb.check_member(row["sub_event_type"], EVENT_TYPES[row["event_type"]], "sub-event type", where)
        tb.check_member(row.get("pos", "VERB"), ("VERB", "NOUN"), "pos", where)
        tb.check_member(row.get("kind", "event"), TRIGGER_KINDS, "kind", where)
        out.append(_t(row.pop("phrase"), row.pop("event_type"), row.pop("sub_event_type"), row.pop("weight"), **row))
    return tuple(out)


TRIGGERS: tuple[TriggerSpec, ...] = _load_triggers()

# Unorganised crowds whose violence is coded as Riots.
CROWD_WORDS: frozenset[str] = tb.words("lexicon", "crowd_words")
# Words that place crowd violence at a demonstration (or a crowd pressing demands).
PROTEST_CONTEXT: frozenset[str] = tb.words("lexicon", "protest_context")
# Verbs of crowd violence, and what a crowd throws.
CROWD_ACT_VERBS: frozenset[str] = tb.words("lexicon", "crowd_act_verbs")
PROJECTILES: frozenset[str] = tb.words("lexicon", "projectiles")
# What protesters burn to block a road (burning it alone is not a riot).
BARRICADE_MATERIAL: frozenset[str] = tb.words("lexicon", "barricade_material")
# Heads after "riot" that make it equipment or a unit, and words that make a grenade non-lethal.
RIOT_EQUIPMENT_HEADS: frozenset[str] = tb.words("lexicon", "riot_equipment_heads")
NONLETHAL_GRENADE_WORDS: frozenset[str] = tb.words("lexicon", "nonlethal_grenade_words")

# Words that make a sentence about physical violence (weapons, casualties, armed actors).
VIOLENCE_CUES: frozenset[str] = tb.words("lexicon", "violence_cues")

# Context detectors: words that signal a metaphorical or non-violent domain.
SPORTS_CUES: frozenset[str] = tb.words("lexicon", "sports_cues")
POLITICS_CUES: frozenset[str] = tb.words("lexicon", "politics_cues")
CYBER_CUES: frozenset[str] = tb.words("lexicon", "cyber_cues")
FINANCE_CUES: frozenset[str] = tb.words("lexicon", "finance_cues")
ENTERTAINMENT_CUES: frozenset[str] = tb.words("lexicon", "entertainment_cues")
ACCIDENT_CUES: frozenset[str] = tb.words("lexicon", "accident_cues")
ACCIDENT_STRONG: frozenset[str] = tb.words("lexicon", "accident_strong")
COMMEMORATION_CUES: frozenset[str] = tb.words("lexicon", "commemoration_cues")
POLICY_CUES: frozenset[str] = tb.words("lexicon", "policy_cues")
COURT_CUES: frozenset[str] = tb.words("lexicon", "court_cues")
ABSTRACT_PATIENTS: frozenset[str] = tb.words("lexicon", "abstract_patients")
ABSTRACT_AGENTS: frozenset[str] = tb.words("lexicon", "abstract_agents")
FICTION_CUES: frozenset[str] = tb.words("lexicon", "fiction_cues")

# Governing verbs / nouns that make a trigger hypothetical, intended, prevented or denied.
MODAL_AUX: frozenset[str] = tb.words("lexicon", "modal_aux")
HYPOTHETICAL_HEADS: frozenset[str] = tb.words("lexicon", "hypothetical_heads")
HYPOTHETICAL_NOUNS: frozenset[str] = tb.words("lexicon", "hypothetical_nouns")
HYPOTHETICAL_MODIFIERS: frozenset[str] = tb.words("lexicon", "hypothetical_modifiers")
NON_HUMAN_AGENTS: frozenset[str] = tb.words("lexicon", "non_human_agents")
NONEVENT_TITLE_CUES: frozenset[str] = tb.words("lexicon", "nonevent_title_cues")
NEGATION_SUBJECTS: frozenset[str] = tb.words("lexicon", "negation_subjects")

# Actor nouns (lemma) -> (category, armed?)
STATE = "State forces"
REBEL = "Rebel groups"
POLMIL = "Political militias"
IDMIL = "Identity militias"
RIOTERS = "Rioters"
PROTESTERS = "Protesters"
CIVILIANS = "Civilians"
OTHER = "External/Other"
CRIMINAL = "Criminal groups"

ACTOR_NOUNS: dict[str, tuple[str, bool]] = tb.mapping("lexicon", "actor_nouns")

# Generic actor nouns -> the ACLED-style name analysts use for them.
GENERIC_NAMES: dict[str, str] = tb.mapping("lexicon", "generic_names")

# Adjectival modifiers that change an actor noun's category.
STATE_MODIFIERS: frozenset[str] = tb.words("lexicon", "state_modifiers")


@dataclass(frozen=True)
class KnownGroup:
    """A named armed group, force or organisation with its category and country."""

    name: str
    category: str
    country_code: str | None
    aliases: tuple[str, ...] = ()


def _g(name: str, category: str, cc: str | None, *aliases: str) -> KnownGroup:
    return KnownGroup(name, category, cc, aliases)


def _load_groups() -> tuple[KnownGroup, ...]:
    """Known groups from ``data/known_groups.jsonl``."""
    out = []
    fields = {"name": (str,), "category": (str,), "country_code": (str, type(None)), "aliases": (list,)}
    for row in tb.rows("known_groups", fields, ("name", "category", "country_code")):
        where = row["_line"]
        tb.check_member(row["category"], ACTOR_CATEGORIES, "category", where)
        aliases = row.get("aliases", [])
        if not all(isinstance(a, str) and a for a in aliases):
            raise tb.TableError(f"{where}: aliases must be non-empty strings")
        out.append(_g(row["name"], row["category"], row["country_code"], *aliases))
    return tuple(out)


KNOWN_GROUPS: tuple[KnownGroup, ...] = _load_groups()

# Demonyms -> ISO country code (for "Malian soldiers", "Nigerian police").
# Ethnic and religious communities whose armed members ACLED codes as identity militias
# ("Fulani herdsmen" -> Fulani ethnic militia), whatever the NER label of the word.
COMMUNITIES = tb.words("lexicon", "communities")

DEMONYMS: dict[str, str] = tb.mapping("lexicon", "demonyms")
