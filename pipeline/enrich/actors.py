"""Actors: known armed groups (lexicon) and generic participant nouns, normalised, with roles."""

import re
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.enrich import lexicon as lx
from pipeline.enrich import tables as tb
from pipeline.enrich.extensions import register as register_extensions
from pipeline.enrich.mentions import ActorMention, write_spans
from pipeline.enrich.sents import doc_text, sent_at, sent_index, sent_no
from pipeline.enrich.text import fold, fold_keep_offsets
from pipeline.schemas import EVENT_TYPES, Actor

_SPEECH_VERBS = tb.words("actors", "speech_verbs")
_ATTACK_VERBS = tb.words("actors", "attack_verbs")
_PERPETRATE_VERBS = tb.words("actors", "perpetrate_verbs")
_HARM_VERBS = tb.words("actors", "harm_verbs")
_CLASH_VERBS = tb.words("actors", "clash_verbs")
_BLAME_VERBS = tb.words("actors", "blame_verbs")
_CLAIM_OBJECTS = tb.words("actors", "claim_objects")
_PART_NOUNS = tb.words("actors", "part_nouns")
_BACKGROUND_AUX = tb.words("actors", "background_aux")
_ACRONYM_MAX = 5


@lru_cache(maxsize=1)
def _group_patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, lx.KnownGroup]]:
    """(case-insensitive pattern for long names, case-sensitive one for acronyms, alias -> group)."""
    by_alias: dict[str, lx.KnownGroup] = {}
    long_names, acronyms = [], []
    for g in lx.KNOWN_GROUPS:
        for name in (g.name, *g.aliases):
            by_alias[fold(name)] = g
            if len(name) <= _ACRONYM_MAX and name.upper() == name:
                acronyms.append(name)
            else:
                long_names.append(fold(name))
    long_names.sort(key=len, reverse=True)
    acronyms.sort(key=len, reverse=True)
    lp = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in long_names) + r")(?![\w-])")
    ap = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in acronyms) + r")(?![\w-])")
    return lp, ap, by_alias


def known_group(name: str) -> lx.KnownGroup | None:
    """The known group whose name or alias is ``name`` (case- and accent-insensitive), else None."""
    return _group_patterns()[2].get(fold(name))


def known_group_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of known armed-group names in ``text`` ("Juárez Cartel", "La Línea", "ELN")."""
    long_names, acronyms, _ = _group_patterns()
    spans = [m.span() for m in long_names.finditer(fold_keep_offsets(text))]
    spans += [m.span() for m in acronyms.finditer(text)]
    return spans


def attribution_role(tok) -> str | None:  # noqa: ANN001
    """'initiator' when the clause attributes the attack to this actor ("blamed X", "linked to X",
    "X claimed responsibility", "X said it had targeted ..."), else None."""
    dep, head = tok.dep_, tok.head
    hl = head.lemma_.lower()
    if dep in ("dobj", "nsubjpass") and hl in _BLAME_VERBS:
        return "initiator"
    if dep == "pobj" and head.lower_ in ("to", "on", "by") and head.head.lemma_.lower() in _BLAME_VERBS | {"blame"}:
        return "initiator"
    if dep == "nsubj" and hl == "claim" and any(c.lemma_.lower() in _CLAIM_OBJECTS for c in head.subtree):
        return "initiator"
    if dep == "nsubj" and hl in ("say", "announce", "claim"):
        for clause in head.children:
            if clause.dep_ == "ccomp" and clause.lemma_.lower() in _ATTACK_VERBS and any(
                c.dep_ == "nsubj" and c.lower_ in ("it", "they", "we") for c in clause.children
            ):
                return "initiator"
    return None


_DURATION_NOUNS = tb.words("actors", "duration_nouns")


def _background(verb) -> bool:  # noqa: ANN001
    """Context, not the event: a relative clause in the perfect ("which has been fighting X"), or a
    clause of long duration ("have fought X for years", "... since 2019")."""
    if verb.dep_ == "relcl" and any(c.dep_ == "aux" and c.lower_ in _BACKGROUND_AUX for c in verb.children):
        return True
    return any(c.dep_ == "prep" and c.lower_ in ("for", "since") and any(
        p.dep_ == "pobj" and (p.lower_ in _DURATION_NOUNS or (c.lower_ == "since" and p.shape_ == "dddd"))
        for p in c.children) for c in verb.children)


def _role(tok) -> str:  # noqa: ANN001
    """Role of the actor whose head token is ``tok`` in its clause."""
    dep, head = tok.dep_, tok.head
    if dep == "conj":
        return _role(head)
    if dep == "compound" or dep == "amod":
        return _role(head)
    if dep in ("appos", "nmod") and head.pos_ in ("NOUN", "PROPN") and head is not tok:
        return _role(head)
    if dep == "pobj" and head.lower_ == "of":
        for part in (head.head, tok.doc[head.i - 1] if head.i > 0 else head.head):
            if part.lemma_.lower() in _PART_NOUNS and part is not tok:
                return _role(part)
    attributed = attribution_role(tok)
    if attributed:
        return attributed
    if _background(head):
        return "other"
    hl = head.lemma_.lower()
    if dep == "nsubj" and hl in _HARM_VERBS and _elided_passive(head):
        return "target"
    if any(c.dep_ == "acl" and c.tag_ == "VBN" and c.lemma_.lower() in _HARM_VERBS for c in tok.children):
        return "target"
    if dep == "nsubj" and (hl in _ATTACK_VERBS or _verb_has_trigger(head) or _conj_attacks(head)):
        return "initiator"
    if dep in ("dobj", "nsubjpass") and (hl in _ATTACK_VERBS or _verb_has_trigger(head)):
        return "target"
    if dep == "pobj":
        prep = head
        gov = prep.head
        gl = gov.lemma_.lower()
        if prep.lower_ == "by" and (gl in _ATTACK_VERBS | _PERPETRATE_VERBS or _verb_has_trigger(gov)):
            return "initiator"
        if prep.lower_ in ("on", "against", "at") and (gl in _ATTACK_VERBS or gov.pos_ == "NOUN"):
            return "target"
        if prep.lower_ == "with" and gl in _CLASH_VERBS | {"battle", "clash", "fight", "gunfight", "shootout"}:
            return "initiator"
        if prep.lower_ == "between":
            return "initiator"
        if prep.lower_ == "of" and gl in ("killing", "murder", "abduction", "kidnapping", "death", "body"):
            return "target"
    if dep == "poss" and head.lemma_.lower() in ("attack", "offensive", "ambush", "raid"):
        return "initiator"
    if dep == "nsubj" and hl in ("die",):
        return "target"
    if dep in ("nsubjpass",) and hl in ("wound", "injure", "hurt", "find", "hospitalize"):
        return "target"
    return "other"


def _elided_passive(verb) -> bool:  # noqa: ANN001
    """A harm verb with a subject but no object: the headline passive ('two soldiers killed in ambush')."""
    return not any(c.dep_ in ("dobj", "prt", "ccomp", "xcomp") for c in verb.children)


def _conj_attacks(verb) -> bool:  # noqa: ANN001
    """The verb's coordinated verb is an attack ('gunmen burst into a bar and opened fire')."""
    return any(c.dep_ == "conj" and c.pos_ == "VERB" and not any(g.dep_.startswith("nsubj") for g in c.children)
               and (c.lemma_.lower() in _ATTACK_VERBS or _verb_has_trigger(c)) for c in verb.children)


def _verb_has_trigger(verb) -> bool:  # noqa: ANN001
    return any(c.dep_ in ("dobj", "acomp", "oprd", "prt") and c.lemma_.lower() in ("fire", "dead", "attack")
               for c in verb.children)


def _is_speaker(tok) -> bool:  # noqa: ANN001
    """'police said' / 'according to police': a source, not a participant."""
    if tok.dep_ == "nsubj" and tok.head.lemma_.lower() in _SPEECH_VERBS:
        return True
    if tok.dep_ == "pobj" and tok.head.lower_ == "to" and tok.head.head.lower_ == "according":
        return True
    return False


def _demonym_of(tok) -> tuple[str | None, str | None]:  # noqa: ANN001
    for child in tok.children:
        if child.dep_ in ("amod", "compound", "nmod") and child.i < tok.i:
            low = child.lower_
            prev = tok.doc[child.i - 1].lower_ if child.i > 0 else ""
            if f"{prev} {low}" in lx.DEMONYMS:
                return f"{prev} {low}", lx.DEMONYMS[f"{prev} {low}"]
            if low in lx.DEMONYMS:
                return child.text, lx.DEMONYMS[low]
    return None, None


def _noun_phrase(tok) -> tuple[str, str, int] | None:  # noqa: ANN001
    """(lexicon key, display name, start) of a generic actor noun headed by ``tok``."""
    lemma = tok.lemma_.lower()
    prev = tok.doc[tok.i - 1] if tok.i > 0 else None
    if prev is not None and f"{prev.lemma_.lower()} {lemma}" in lx.ACTOR_NOUNS:
        return f"{prev.lemma_.lower()} {lemma}", f"{prev.text} {tok.text}", prev.i
    if prev is not None and f"{prev.lower_} {tok.lower_}" in lx.ACTOR_NOUNS:
        return f"{prev.lower_} {tok.lower_}", f"{prev.text} {tok.text}", prev.i
    if lemma in lx.ACTOR_NOUNS:
        return lemma, tok.text, tok.i
    if tok.lower_ in lx.ACTOR_NOUNS:
        return tok.lower_, tok.text, tok.i
    return None


_SKIP_ENT = {"PERSON", "DATE", "TIME", "MONEY", "CARDINAL", "ORDINAL", "PERCENT", "QUANTITY"}


def find_actor_mentions(doc, location_cc: str | None = None) -> list[ActorMention]:  # noqa: ANN001
    """Actor mentions in ``doc``: known groups first, then generic actor nouns."""
    text = doc_text(doc)
    folded = fold_keep_offsets(text)
    lp, ap, by_alias = _group_patterns()
    sent_starts = sent_index(doc).starts
    out: list[ActorMention] = []
    covered: set[int] = set()
    spans = [(m.start(), m.end(), fold(m.group(1))) for m in lp.finditer(folded)]
    spans += [(m.start(), m.end(), fold(m.group(1))) for m in ap.finditer(text)]
    spans.sort()
    for start, end, key in spans:
        group = by_alias.get(key)
        span = doc.char_span(start, end, alignment_mode="expand")
        if group is None or span is None or any(t.i in covered for t in span):
            continue
        head = span.root
        covered.update(t.i for t in span)
        sent = sent_at(sent_starts, head.i)
        out.append(ActorMention(
            key=f"group:{group.name}", name=group.name, category=group.category, role=_role(head),
            country_code=group.country_code, start=span.start, end=span.end, sent=sent, text=span.text,
            armed=group.category not in (lx.CIVILIANS, lx.PROTESTERS),
        ))
    for tok in doc:
        if tok.i in covered or tok.pos_ not in ("NOUN", "PROPN") or tok.ent_type_ in _SKIP_ENT:
            continue
        if tok.dep_ == "compound" and tok.head.pos_ == "NOUN" and _noun_phrase(tok.head) is not None:
            continue
        if any(c.dep_ == "compound" and c.i in covered for c in tok.children):
            continue
        found = _noun_phrase(tok)
        if found is None:
            continue
        key, display, start = found
        category, armed = lx.ACTOR_NOUNS[key]
        demonym, cc = _demonym_of(tok)
        category = _adjust_category(tok, key, category)
        if _is_speaker(tok):
            continue
        role = _role(tok)
        name = _generic_name(key, category, tok)
        if category == lx.CIVILIANS and role == "initiator":
            category, name, role = (lx.OTHER, _attacker_name(tok), role) if key in _PERSON_NOUNS else (category, name, "target")
        if armed and _unidentified(tok):
            category, name = lx.OTHER, _unidentified_name(name, display)
        if category == lx.OTHER and armed and role == "other":
            role = "initiator"
        if category == lx.CIVILIANS and tok.head.lemma_.lower() in _DETAIN_VERBS:
            role = "other"
        ethnic = _ethnic_modifier(tok, start)
        if ethnic and armed and category != lx.STATE:
            name, category = f"{ethnic}{_ETHNIC}", lx.IDMIL
        actor_key = f"{category}:{name}"
        if name == "Military" and demonym:
            actor_key, name, cc = _national_military(demonym, cc)
        out.append(ActorMention(
            key=actor_key, name=name, category=category, role=role, country_code=cc,
            start=start, end=tok.i + 1, sent=sent_at(sent_starts, tok.i), text=doc[start:tok.i + 1].text,
            armed=armed,
        ))
    out.extend(_weapon_owners(doc, covered, sent_starts))
    out.sort(key=lambda m: m.start)
    return out


_STATE_WEAPONS = tb.words("actors", "state_weapons")


def _weapon_owners(doc, covered: set[int], sent_starts: list[int]) -> list[ActorMention]:  # noqa: ANN001
    """'Russian drones struck ...', 'Israeli strikes killed ...': a weapon or strike qualified by a
    nationality is that country's military, the attacker."""
    out: list[ActorMention] = []
    for tok in doc:
        if tok.i in covered or tok.pos_ != "NOUN" or tok.lemma_.lower() not in _STATE_WEAPONS:
            continue
        demonym, cc = _demonym_of(tok)
        if demonym is None:
            continue
        key, name, cc = _national_military(demonym, cc)
        start = min(c.i for c in tok.children if c.dep_ in ("amod", "compound", "nmod") and c.i < tok.i)
        out.append(ActorMention(
            key=key, name=name, category=lx.STATE, role="initiator", country_code=cc, start=start, end=tok.i + 1,
            sent=sent_at(sent_starts, tok.i), text=doc[start:tok.i + 1].text, armed=True,
        ))
    return out


def _generic_name(key: str, category: str, tok) -> str:  # noqa: ANN001
    """ACLED-style name of a generic actor noun ('police officers' -> 'Police')."""
    if category == lx.CIVILIANS:
        return "Civilians"
    name = lx.GENERIC_NAMES.get(key)
    if name:
        return name
    text = tok.text
    return text[0].upper() + text[1:]


_PERSON_NOUNS = tb.words("actors", "person_nouns")
_DETAIN_VERBS = tb.words("actors", "detain_verbs")
_UNKNOWN_MODS = tb.words("actors", "unknown_mods")


def _unidentified(tok) -> bool:  # noqa: ANN001
    """'unidentified attackers', 'an unknown armed group': the article does not name the perpetrator."""
    return any(c.dep_ in ("amod", "compound") and c.lower_ in _UNKNOWN_MODS for c in tok.children)


def _attacker_name(tok) -> str:  # noqa: ANN001
    """Name of an unnamed person who attacked: gunmen when they shot, else an attacker."""
    verb = tok.head
    shot = verb.lemma_.lower() == "shoot" or any(c.lemma_.lower() == "fire" for c in verb.children)
    return "Unidentified gunmen" if shot else "Unidentified attacker"


def _unidentified_name(name: str, display: str) -> str:
    """'unknown armed group' -> 'Unidentified armed group' (names already unidentified are kept)."""
    return name if name.startswith("Unidentified") else f"Unidentified {display.lower()}"


_NATION_LABELS = tb.mapping("actors", "nation_labels")


def _national_military(demonym: str, cc: str | None) -> tuple[str, str, str | None]:
    """(key, name, country) of a military qualified by nationality ('Israeli troops' -> 'Israeli
    military', one actor with the known force Israel Defense Forces when the lexicon has it)."""
    nation = _NATION_LABELS.get(demonym.lower()) or " ".join(w.capitalize() for w in demonym.split())
    name = f"{nation} military"
    group = known_group(name)
    if group is not None:
        return f"group:{group.name}", name, group.country_code or cc
    return f"{lx.STATE}:{name}", name, cc


_ETHNIC = " ethnic militia"  # a community's armed men: one actor per community, never merged


def _ethnic_modifier(tok, start: int) -> str | None:  # noqa: ANN001
    """'Fulani herders' -> 'Fulani', 'Kuki-Zo militants' -> 'Kuki-Zo': a community named just before
    the noun phrase starting at ``start`` (a known community, or a NORP modifier that is not a
    nationality)."""
    doc = tok.doc
    i = start
    while i > 0 and (doc[i - 1].text == "-" or doc[i - 1].text[:1].isupper()):
        i -= 1
        if doc[i].is_sent_start:
            break
    spans = [(i, start)] + [(c.left_edge.i, c.i + 1) for c in tok.children
                            if c.i < tok.i and c.dep_ in ("amod", "compound", "nmod")]
    for lo, hi in spans:
        first = next((w.i for w in doc[lo:hi] if w.lower_ in lx.COMMUNITIES and w.text[:1].isupper()), None)
        if first is not None:
            return doc[first:hi].text
    for child in tok.children:
        if child.i < tok.i and child.dep_ in ("amod", "compound") and child.ent_type_ == "NORP":
            if child.lower_ not in lx.DEMONYMS and child.lemma_.lower() not in lx.ACTOR_NOUNS:
                return child.text
    return None


def _adjust_category(tok, key: str, category: str) -> str:  # noqa: ANN001
    mods = {c.lemma_.lower() for c in tok.children if c.dep_ in ("amod", "compound")}
    if key in ("gunman", "gunmen", "armed man", "armed men", "attacker", "assailant", "shooter") and (
        mods & {"cartel", "gang", "criminal", "narco"}
    ):
        return lx.CRIMINAL
    if key in ("officer", "agent") and mods & lx.STATE_MODIFIERS | {"police"}:
        return lx.STATE
    return category


_ROLE_RANK = {"initiator": 2, "target": 1, "other": 0}


def merge_actors(mentions: list[ActorMention], default_cc: str | None = None,
                 sub_event_type: str | None = None, shooting: bool = False) -> list[Actor]:
    """One :class:`Actor` per normalisation key; role = strongest role over mentions; protests and
    riots get their crowd actor (see :func:`_crowd_frame`); attacks on civilians and remote violence
    with no named attacker get an unidentified one (``shooting``: gunmen)."""
    merged: dict[str, Actor] = {}
    for m in mentions:
        actor = merged.get(m.key)
        if actor is None:
            cc = m.country_code
            if cc is None and m.category == lx.STATE and default_cc:
                cc = default_cc
            actor = Actor(name=m.name, category=m.category, role=m.role, country_code=cc, mentions=[])
            merged[m.key] = actor
        else:
            if _ROLE_RANK[m.role] > _ROLE_RANK[actor.role]:
                actor.role = m.role
            actor.country_code = actor.country_code or m.country_code
        if m.text not in actor.mentions:
            actor.mentions.append(m.text)
    if sub_event_type in _CROWD_SUBTYPES:
        _crowd_frame(merged, sub_event_type, default_cc)
    _resolve_conflicts(merged)
    if sub_event_type in _ATTACKER_IMPLIED and all(a.category == lx.CIVILIANS for a in merged.values()):
        name = "Unidentified gunmen" if shooting else "Unidentified armed group"
        merged[f"{lx.OTHER}:{name}"] = Actor(name=name, category=lx.OTHER, role="initiator",
                                             country_code=default_cc, mentions=[])
    if sub_event_type in EVENT_TYPES[lx.VAC] and not any(a.category == lx.CIVILIANS for a in merged.values()):
        # violence against civilians has civilian victims by definition, named or not
        merged[f"{lx.CIVILIANS}:Civilians"] = Actor(name="Civilians", category=lx.CIVILIANS, role="target",
                                                    country_code=default_cc, mentions=[])
    return list(merged.values())


_ATTACKER_IMPLIED = frozenset((*EVENT_TYPES[lx.VAC], *EVENT_TYPES[lx.EXPLOSIONS]))
_SHOOTING_LEMMAS = tb.words("actors", "shooting_lemmas")


def shooting_cue(doc, sents: set[int] | None = None) -> bool:  # noqa: ANN001 - spacy Doc
    """The text (or its sentences ``sents``) tells of shooting: an unnamed attacker is a gunman."""
    for tok in doc:
        lemma = tok.lemma_.lower()
        if lemma in _SHOOTING_LEMMAS or (lemma == "open" and any(c.lower_ == "fire" for c in tok.children)):
            if sents is None or sent_no(doc, tok.i) in sents:
                return True
    return False


_INTERVENTIONS = frozenset({"Protest with intervention", "Excessive force against protesters"})
_CROWD_SUBTYPES = {"Peaceful protest": lx.PROTESTERS, **dict.fromkeys(_INTERVENTIONS, lx.PROTESTERS),
                   "Violent demonstration": lx.RIOTERS, "Mob violence": lx.RIOTERS}


def _crowd_frame(merged: dict[str, Actor], sub_event_type: str, cc: str | None) -> None:
    """Protests and riots: the crowd (protesters, rioters, people in it) is one actor, added when only
    implied. It is the initiator, or the target of a police intervention; state forces are the other
    side (absent from a peaceful protest). Victims stay only in mob violence."""
    category = _CROWD_SUBTYPES[sub_event_type]
    name = "Protesters" if category == lx.PROTESTERS else "Rioters"
    crowd = Actor(name=name, category=category, role="initiator", country_code=cc, mentions=[])
    intervention = sub_event_type in _INTERVENTIONS
    for k in list(merged):
        a = merged[k]
        if k.startswith("group:"):
            continue
        victims = a.category == lx.CIVILIANS and a.role == "target" and sub_event_type == "Mob violence"
        if a.category in (lx.PROTESTERS, lx.RIOTERS, lx.CIVILIANS) and not victims:
            crowd.mentions.extend(x for x in merged.pop(k).mentions if x not in crowd.mentions)
        elif a.category == lx.STATE:
            if sub_event_type == "Peaceful protest":
                del merged[k]
            else:
                a.role = "initiator" if intervention else "target"
    crowd.role = "target" if intervention else "initiator"
    merged[f"{category}:{name}"] = crowd


_MERGEABLE = tb.words("actors", "mergeable")


_ARMED_NONSTATE = (lx.REBEL, lx.CRIMINAL, lx.IDMIL, lx.POLMIL)


def _mergeable(actor: Actor) -> bool:
    """A generic armed actor that a named group in the same story may stand for."""
    return actor.name in _MERGEABLE or actor.name.startswith("Unidentified")


def _absorb(named: Actor, generic: Actor) -> None:
    if _ROLE_RANK[generic.role] > _ROLE_RANK[named.role]:
        named.role = generic.role
    named.mentions.extend(x for x in generic.mentions if x not in named.mentions)


def _resolve_conflicts(merged: dict[str, Actor]) -> None:
    """Generic 'gunmen'/'militants' in a story that names one armed group (or one group as the
    attacker) are that group: merge them. Named groups that are only context (role 'other' while
    another armed actor is the initiator) are dropped, as are generic actors with no role."""
    initiators = [k for k, a in merged.items() if k.startswith("group:") and a.category in _ARMED_NONSTATE
                  and a.role == "initiator"]
    if len(initiators) == 1:
        named = merged[initiators[0]]
        for k in list(merged):
            a = merged[k]
            if not k.startswith("group:") and _mergeable(a) and a.role != "target":
                _absorb(named, a)
                del merged[k]
    for generic_names, cats in ((_MERGEABLE - {"Militia"}, (lx.REBEL, lx.CRIMINAL, lx.IDMIL, lx.OTHER)),
                                ({"Militia"}, (lx.POLMIL, lx.IDMIL))):
        groups = [k for k, a in merged.items() if k.startswith("group:") and a.category in cats]
        if len(groups) != 1:
            continue
        named = merged[groups[0]]
        for k in list(merged):
            a = merged[k]
            if not k.startswith("group:") and a.name in generic_names:
                if _ROLE_RANK[a.role] > _ROLE_RANK[named.role]:
                    named.role = a.role
                named.mentions.extend(x for x in a.mentions if x not in named.mentions)
                del merged[k]
    _merge_generics(merged)
    if any(a.role == "initiator" and a.category != lx.CIVILIANS for a in merged.values()):
        for k in list(merged):
            if k.startswith("group:") and merged[k].role == "other":
                del merged[k]
    named_state = [a for k, a in merged.items() if a.category == lx.STATE and _is_named_force(k, a)]
    for k in list(merged):
        a = merged[k]
        if k.startswith("group:"):
            continue
        if a.role == "other":
            del merged[k]
        elif a.category == lx.STATE and a.name == "Military" and named_state:
            for s in named_state:
                if _ROLE_RANK[a.role] > _ROLE_RANK[s.role]:
                    s.role = a.role
            del merged[k]


def _is_named_force(key: str, actor: Actor) -> bool:
    """A known force or a military qualified by nationality ('Pakistani military')."""
    return key.startswith("group:") or (actor.name.endswith(" military") and actor.name != "Military")


def _merge_generics(merged: dict[str, Actor]) -> None:
    """Synonymous generic armed actors are one actor: same-category generics ('gangs' / 'bandits',
    'militants' / 'separatists') merge into the most-mentioned one, or into the story's only
    community militia ('herders' are the Fulani ethnic militia); two communities stay apart. Then
    unidentified gunmen merge into the only other armed non-state initiator."""
    generic = [k for k, a in merged.items() if not k.startswith("group:") and a.category in (*_ARMED_NONSTATE, lx.OTHER)]
    by_cat: dict[str, list[str]] = {}
    for k in generic:
        by_cat.setdefault(merged[k].category, []).append(k)
    for keys in by_cat.values():
        ethnic = [k for k in keys if merged[k].name.endswith(_ETHNIC)]
        if len(ethnic) > 1:
            continue
        keep = ethnic[0] if ethnic else max(keys, key=lambda k: len(merged[k].mentions))
        for k in keys:
            if k != keep:
                _absorb(merged[keep], merged.pop(k))
    gunmen = [k for k, a in merged.items() if not k.startswith("group:") and a.name.startswith("Unidentified")]
    armed = [a for k, a in merged.items() if a.category in _ARMED_NONSTATE and a.role == "initiator"]
    if len(gunmen) == 1 and len(armed) == 1 and merged[gunmen[0]].role != "target":
        _absorb(armed[0], merged.pop(gunmen[0]))


def actors_component(doc: Doc) -> Doc:
    """Set ``actor_mentions`` (also ``doc.spans["actors"]``) and ``actors`` (article level, merged)."""
    if not doc._.english or not doc._.parsed:
        return doc
    location, decision = doc._.location, doc._.decision
    cc = location.country_code if location else None
    doc._.actor_mentions = find_actor_mentions(doc, cc)
    write_spans(doc, "actors", [(m.start, m.end, m.category) for m in doc._.actor_mentions])
    actors = (merge_actors(doc._.actor_mentions, cc, decision.sub_event_type, shooting_cue(doc))
              if decision.event_type is not None else [])
    nonstate = [a for a in actors if a.category not in (lx.STATE, lx.CIVILIANS)]
    if decision.sub_event_type == "Armed clash" and len(nonstate) >= 2 and not any(a.category == lx.STATE for a in actors):
        for a in nonstate:
            a.role = "other"
    doc._.actors = actors
    return doc


@Language.factory("radar_actors", assigns=["doc.spans", "doc._.actor_mentions", "doc._.actors"],
                  requires=["doc._.parsed", "doc._.location", "token.is_sent_start", "token.dep", "token.lemma", "token.ent_type"])
def make_actors(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """Actor mentions with their roles, merged into the article's actors."""
    register_extensions()
    return actors_component
