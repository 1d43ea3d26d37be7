"""Event classification: trigger phrases in dependency context, then article-level decision.

Each trigger match is checked for negation ("no one was hurt"), modality and intention
("threatened to attack", "could strike"), commemoration, and metaphorical domains (sports, cyber,
finance, entertainment) and accidents; generic killing/attack triggers take their type from who
did what to whom (armed vs civilian participants) and from weapons in the same sentence.
"""

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.enrich import lexicon as lx
from pipeline.enrich import tables as tb
from pipeline.enrich.decision import rule_cats
from pipeline.enrich.extensions import register as register_extensions
from pipeline.enrich.mentions import Decision, Trigger, write_spans
from pipeline.enrich.sents import doc_text, sent_index, sent_no, sentences

_SUBJ = {"nsubj", "nsubjpass", "csubj", "expl"}
_OBJ = {"dobj", "nsubjpass", "attr", "oprd"}
_YEAR_RE = re.compile(r"^(1[89]\d\d|20\d\d)$")
_AGO_RE = re.compile(r"\b(a|one|two|three|four|five|several|many|\d+)\s+(years?|decades?)\s+ago\b|\blast year\b")
_CLAUSE_UP = {"xcomp", "ccomp", "advcl", "acl", "relcl", "conj", "pcomp", "pobj", "prep", "dobj", "nsubj",
              "nsubjpass", "compound", "amod", "nmod", "poss", "appos", "attr"}

# Thresholds of the article-level decision (sums of trigger weights).
VIOLENT_THRESHOLD = 1.5
NONVIOLENT_THRESHOLD = 1.2
MIN_STRONG_TRIGGER = 0.9


@dataclass(frozen=True)
class _Index:
    by_first: dict[str, tuple[lx.TriggerSpec, ...]]


@lru_cache(maxsize=1)
def _index() -> _Index:
    by_first: dict[str, list[lx.TriggerSpec]] = defaultdict(list)
    for spec in lx.TRIGGERS:
        by_first[spec.words[0]].append(spec)
    return _Index({k: tuple(sorted(v, key=lambda s: -len(s.words))) for k, v in by_first.items()})


def _forms(tok) -> tuple[str, str]:  # noqa: ANN001
    return tok.lower_, tok.lemma_.lower()


def match_triggers(doc) -> list[tuple[lx.TriggerSpec, int, int]]:  # noqa: ANN001
    """All trigger phrases in ``doc`` as ``(spec, start, end)``; longest match wins, no overlaps."""
    index = _index().by_first
    out: list[tuple[lx.TriggerSpec, int, int]] = []
    n = len(doc)
    i = 0
    while i < n:
        tok = doc[i]
        lower, lemma = _forms(tok)
        specs = index.get(lower, ()) or index.get(lemma, ())
        if lower != lemma and index.get(lower) and index.get(lemma):
            specs = tuple(sorted(dict.fromkeys(index[lower] + index[lemma]), key=lambda s: -len(s.words)))
        found = None
        for spec in specs:
            k = len(spec.words)
            if i + k > n:
                continue
            if all(w in _forms(doc[i + j]) for j, w in enumerate(spec.words)):
                found = (spec, i, i + k)
                break
        if found:
            out.append(found)
            i = found[2]
        else:
            i += 1
    return out


def head_of(doc, start: int, end: int):  # noqa: ANN001, ANN201
    """The token of ``doc[start:end]`` whose syntactic head lies outside the span."""
    for tok in doc[start:end]:
        if tok.head.i < start or tok.head.i >= end or tok.head.i == tok.i:
            return tok
    return doc[start]


def _clause_verb(tok):  # noqa: ANN001, ANN201
    """The verb governing ``tok`` (itself when it is a verb)."""
    cur = tok
    for _ in range(4):
        if cur.pos_ in ("VERB", "AUX") or cur.head.i == cur.i:
            return cur
        cur = cur.head
    return cur


def is_negated(tok) -> bool:  # noqa: ANN001
    """True if the clause of ``tok`` is negated or its subject is 'no one'/'nobody'."""
    verb = _clause_verb(tok)
    for cand in {tok, verb}:
        for child in cand.children:
            if child.dep_ == "neg":
                return True
            if child.dep_ == "det" and child.lower_ == "no":
                return True
            if child.dep_ in _SUBJ and _is_nobody(child):
                return True
    if tok.dep_ == "pobj" and tok.head.lower_ == "without":
        return True
    return False


def _is_nobody(tok) -> bool:  # noqa: ANN001
    if tok.lower_ in lx.NEGATION_SUBJECTS:
        return True
    if tok.lower_ in ("one", "casualties", "injuries", "deaths", "fatalities") and any(
        c.lower_ == "no" for c in tok.children
    ):
        return True
    return False


def is_hypothetical(tok) -> bool:  # noqa: ANN001
    """True if ``tok`` is under a modal, a conditional, or an intention/threat/prevention head."""
    cur = tok
    prev_dep = ""
    for depth in range(5):
        for child in cur.children:
            if child.dep_ in ("aux", "auxpass") and child.lower_ in lx.MODAL_AUX:
                if not any(c.dep_ == "neg" for c in cur.children) or depth == 0:
                    return True
            if child.dep_ == "mark" and child.lower_ in ("if", "unless", "whether", "lest"):
                return True
        if depth > 0 and cur.lemma_.lower() in lx.HYPOTHETICAL_HEADS and prev_dep in ("xcomp", "dobj", "pcomp", "pobj", "prep"):
            return True
        if depth > 0 and cur.pos_ == "NOUN" and cur.lemma_.lower() in lx.HYPOTHETICAL_NOUNS and prev_dep in ("pobj", "prep", "compound", "acl", "amod", "nmod"):
            return True
        if cur.head.i == cur.i or cur.dep_ not in _CLAUSE_UP:
            break
        prev_dep = cur.dep_
        cur = cur.head
    if tok.pos_ in ("NOUN", "PROPN"):
        for child in tok.children:
            if child.dep_ in ("compound", "amod") and child.lemma_.lower() in lx.HYPOTHETICAL_NOUNS:
                return True
            if child.dep_ in ("compound", "amod") and child.lower_ in lx.HYPOTHETICAL_MODIFIERS:
                return True
    return False


def _sent_words(sent) -> set[str]:  # noqa: ANN001
    words: set[str] = set()
    for tok in sent:
        words.add(tok.lower_)
        words.add(tok.lemma_.lower())
    return words


@dataclass
class _SentCtx:
    words: set[str]
    violence: int
    sports: int
    cyber: int
    finance: int
    entertainment: int
    politics: int
    accident: int
    commemoration: bool
    old_year: bool
    court: int
    armed: set[str]
    civilian: bool


def _sent_ctx(sent, pub_year: int | None) -> _SentCtx:  # noqa: ANN001
    words = _sent_words(sent)
    armed: set[str] = set()
    civilian = False
    for tok in sent:
        entry = lx.ACTOR_NOUNS.get(tok.lemma_.lower()) or lx.ACTOR_NOUNS.get(tok.lower_)
        if entry:
            if entry[1]:
                armed.add(entry[0])
            elif entry[0] in (lx.CIVILIANS, lx.PROTESTERS):
                civilian = True
    for group in _known_group_lower():
        if group in words:
            armed.add(_known_group_lower()[group])
    old_year = False
    if pub_year:
        for tok in sent:
            if _YEAR_RE.match(tok.text) and int(tok.text) < pub_year - 1:
                old_year = True
    text_lower = sent.text.lower()
    commemoration = bool(words & lx.COMMEMORATION_CUES) or "years since" in text_lower
    old_year = old_year or bool(_AGO_RE.search(text_lower))
    return _SentCtx(
        words=words,
        violence=len(words & lx.VIOLENCE_CUES),
        sports=len(words & lx.SPORTS_CUES),
        cyber=len(words & lx.CYBER_CUES),
        finance=len(words & lx.FINANCE_CUES),
        entertainment=len(words & lx.ENTERTAINMENT_CUES),
        politics=len(words & lx.POLITICS_CUES),
        accident=len(words & lx.ACCIDENT_CUES),
        commemoration=commemoration,
        old_year=old_year,
        court=len(words & lx.COURT_CUES),
        armed=armed,
        civilian=civilian,
    )


@lru_cache(maxsize=1)
def _known_group_lower() -> dict[str, str]:
    """Single-word known group names/aliases (lower-case) -> category."""
    out: dict[str, str] = {}
    for g in lx.KNOWN_GROUPS:
        for name in (g.name, *g.aliases):
            if " " not in name and len(name) > 2:
                out[name.lower()] = g.category
    return out


_ARMED_TARGET_WORDS = tb.words("classify", "armed_target_words")
_CIVILIAN_TARGET_WORDS = tb.words("classify", "civilian_target_words")


def _participants(tok):  # noqa: ANN001, ANN201
    """(agents, patients) lemmas of the clause headed by the trigger ``tok``."""
    verb = _clause_verb(tok) if tok.pos_ != "VERB" else tok
    agents, patients = [], []
    for child in verb.children:
        if child.dep_ == "nsubj":
            agents.append(child)
        elif child.dep_ in ("dobj", "nsubjpass"):
            patients.append(child)
        elif child.dep_ == "agent":
            agents.extend(c for c in child.children if c.dep_ == "pobj")
        elif child.dep_ == "prep" and child.lower_ in ("on", "against", "at"):
            patients.extend(c for c in child.children if c.dep_ == "pobj")
    if tok.pos_ == "NOUN":
        for child in tok.children:
            if child.dep_ == "prep" and child.lower_ in ("on", "against", "at"):
                patients.extend(c for c in child.children if c.dep_ == "pobj")
            elif child.dep_ == "prep" and child.lower_ == "by":
                agents.extend(c for c in child.children if c.dep_ == "pobj")
            elif child.dep_ == "poss":
                agents.append(child)
    for group in (agents, patients):
        for t in list(group):
            group.extend(c for c in t.children if c.dep_ == "conj")
    return agents, patients


_MOB_AGENTS = tb.words("classify", "mob_agents")


def _is_armed(tok) -> bool:  # noqa: ANN001
    lemma = tok.lemma_.lower()
    if lemma in _ARMED_TARGET_WORDS or tok.lower_ in _ARMED_TARGET_WORDS:
        return True
    if tok.lower_ in _known_group_lower():
        return True
    if any(c.dep_ == "amod" and c.lower_ in ("armed", "rival") for c in tok.children):
        return True
    return any(c.dep_ == "compound" and c.lemma_.lower() in _ARMED_TARGET_WORDS for c in tok.children)


def _is_civilian(tok) -> bool:  # noqa: ANN001
    lemma = tok.lemma_.lower()
    return lemma in _CIVILIAN_TARGET_WORDS or tok.ent_type_ == "PERSON"


def _resolve_generic(spec: lx.TriggerSpec, tok, ctx: _SentCtx) -> tuple[str, str]:  # noqa: ANN001
    """Type of a generic kill/attack/clash trigger from its participants."""
    agents, patients = _participants(tok)
    patients_protesters = any(p.lemma_.lower() in ("protester", "protestor", "demonstrator", "marcher") for p in patients)
    agents_state = any(a.lemma_.lower() in ("police", "soldier", "troop", "army", "officer", "force") for a in agents)
    if spec.kind == "clash":
        sides = {("armed" if _is_armed(t) else "other") for t in agents + patients}
        if any(_is_armed(t) and t.lemma_.lower() not in _STATE_AGENTS for t in agents + patients):
            return lx.BATTLES, "Armed clash"  # 'armed groups clash': not a crowd, whoever else is around
        words = ctx.words
        if words & lx.CROWD_WORDS and not (ctx.armed - {lx.STATE}):
            return lx.RIOTS, _riot_sub(ctx)
        if "other" in sides and "armed" not in sides and not ctx.armed and ctx.civilian:
            return lx.RIOTS, "Mob violence"
        return lx.BATTLES, "Armed clash"
    if patients_protesters or ("protester" in ctx.words or "protesters" in ctx.words) and (agents_state or not agents):
        if spec.kind in ("kill", "attack"):
            return lx.PROTESTS, "Excessive force against protesters"
    if spec.kind in ("kill", "attack") and any(a.lemma_.lower() in _MOB_AGENTS for a in agents):
        return lx.RIOTS, "Mob violence"
    if spec.kind in ("kill", "attack", "injure", "body"):
        armed_patient = any(_is_armed(p) for p in patients)
        civilian_patient = any(_is_civilian(p) for p in patients)
        armed_agent = any(_is_armed(a) for a in agents)
        if armed_patient and not civilian_patient and (armed_agent or not agents or spec.kind == "attack"):
            return lx.BATTLES, "Armed clash"
    return spec.event_type, spec.sub_event_type


def _riot_sub(ctx: _SentCtx) -> str:
    """Crowd violence at a protest (or pressing demands) is a violent demonstration, else mob violence."""
    return "Violent demonstration" if ctx.words & lx.PROTEST_CONTEXT else "Mob violence"


def _agents_of(verb) -> list:  # noqa: ANN001
    """Doers of ``verb``: its subject, the subject of the verb it is coordinated with, or the noun
    a participle describes ('groups of youths setting fire to cars')."""
    cur = verb
    for _ in range(4):
        subj = [c for c in cur.children if c.dep_ in ("nsubj", "agent")]
        if subj:
            out = []
            for c in subj:
                out.extend(g for g in c.children if g.dep_ == "pobj") if c.dep_ == "agent" else out.append(c)
            return [*out, *(g for t in out for p in t.children if p.dep_ == "prep" and p.lower_ == "of"
                            for g in p.children if g.dep_ == "pobj")]
        if cur.dep_ in ("acl", "relcl") and cur.head.pos_ in ("NOUN", "PROPN"):
            noun = cur.head
            return [noun, *(g for p in noun.children if p.dep_ == "prep" and p.lower_ == "of"
                            for g in p.children if g.dep_ == "pobj")]
        if cur.dep_ not in ("conj", "xcomp", "advcl") or cur.head.i == cur.i:
            break
        cur = cur.head
    return []


def _crowd_agent(tok, ctx: _SentCtx) -> bool:  # noqa: ANN001
    """The act is done by an unorganised crowd (protesters, students, youths, fans), not by armed actors."""
    verb = _clause_verb(tok) if tok.pos_ != "VERB" else tok
    agents = _agents_of(verb)
    if not agents:
        return bool(ctx.words & lx.CROWD_WORDS) and not (ctx.armed - {lx.STATE})
    if any(_is_armed(a) for a in agents):
        return False
    return any(a.lemma_.lower() in lx.CROWD_WORDS or a.lower_ in lx.CROWD_WORDS for a in agents)


def _burns_barricade(tok) -> bool:  # noqa: ANN001
    """'protesters burned tyres': burning barricade material, not destroying property."""
    objs = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
    objs += [g for c in tok.children if c.dep_ == "prep" and c.lower_ == "to" for g in c.children if g.dep_ == "pobj"]
    return bool(objs) and all(o.lemma_.lower() in lx.BARRICADE_MATERIAL for o in objs)


def _crowd_violence(spec: lx.TriggerSpec, tok, ctx: _SentCtx) -> bool:  # noqa: ANN001
    """An attack or clash by a crowd, or property destruction by protesters (looting itself stays looting)."""
    if spec.kind in ("attack", "clash"):
        return _crowd_agent(tok, ctx)
    if spec.kind != "loot" or spec.words[0] in ("loot", "looting", "looter") or _burns_barricade(tok):
        return False
    return bool(ctx.words & lx.PROTEST_CONTEXT) and _crowd_agent(tok, ctx)


def _crowd_acts(doc, ctxs: list[_SentCtx], title_sents: int, taken: set[int]) -> list[Trigger]:  # noqa: ANN001
    """Riot acts without a lexicon phrase: a crowd throwing rocks, ramming a gate, setting something on fire."""
    out: list[Trigger] = []
    for tok in doc:
        if tok.i in taken or tok.pos_ != "VERB" or tok.lemma_.lower() not in lx.CROWD_ACT_VERBS:
            continue
        lemma = tok.lemma_.lower()
        objs = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
        objs += [g for o in objs for g in o.children if g.dep_ == "conj"]
        if lemma in ("throw", "hurl") and not any(o.lemma_.lower() in lx.PROJECTILES for o in objs):
            continue
        if lemma == "set" and not any(t.lower_ in ("fire", "ablaze", "alight") for t in tok.subtree):
            continue
        if lemma in ("set", "burn", "torch") and (_burns_barricade(tok) or not ctx_has_protest(ctxs, doc, tok)):
            continue
        if lemma in ("ram", "smash", "storm") and not objs:
            continue
        si = sent_no(doc, tok.i)
        ctx = ctxs[si]
        if not _crowd_agent(tok, ctx) or is_negated(tok) or is_hypothetical(tok):
            continue
        weight = 1.6 * _position_factor(si, title_sents)
        sub = _riot_sub(ctx)
        out.append(Trigger(start=tok.i, end=tok.i + 1, sent=si, event_type=lx.RIOTS, sub_event_type=sub,
                           weight=weight, phrase=tok.text, violent=True))
    return out


def ctx_has_protest(ctxs: list[_SentCtx], doc, tok) -> bool:  # noqa: ANN001
    """Property destruction counts as rioting only at a protest (or a crowd pressing demands)."""
    return bool(ctxs[sent_no(doc, tok.i)].words & lx.PROTEST_CONTEXT)


def _natural_force(tok) -> bool:  # noqa: ANN001
    """'an earthquake struck the region', 'a storm hit': a natural force as the subject of the verb."""
    if tok.pos_ != "VERB":
        return False
    return any(c.dep_ == "nsubj" and (c.lemma_.lower() in lx.ACCIDENT_STRONG or c.lower_ in lx.ACCIDENT_STRONG)
               for c in tok.children)


def _equipment_use(tok, spec: lx.TriggerSpec) -> bool:  # noqa: ANN001
    """'riot police', 'riot gear', 'flash-bang grenades', 'stun grenades': equipment, not an event."""
    if spec.kind == "riot" and tok.lower_ == "riot" and tok.dep_ in ("compound", "amod", "nmod"):
        return tok.head.lemma_.lower() in lx.RIOT_EQUIPMENT_HEADS
    if spec.sub_event_type == "Grenade":
        before = {t.lower_ for t in tok.doc[max(tok.i - 4, 0):tok.i]}
        return bool(before & lx.NONLETHAL_GRENADE_WORDS)
    return False


def _domain_blocked(spec: lx.TriggerSpec, ctx: _SentCtx, article_domain: int) -> bool:
    """A metaphorical use: sports/cyber/finance/entertainment context without real violence cues."""
    domain = ctx.sports + ctx.cyber + ctx.finance + ctx.entertainment + ctx.politics
    if not spec.ambiguous and spec.kind not in ("protest", "riot"):
        return False
    if ctx.cyber and ({"hacker", "hackers", "cyber", "cyberattack", "ransomware", "malware", "ddos"} & ctx.words):
        return spec.kind in ("attack", "event", "clash") or spec.event_type != lx.PROTESTS
    strong_violence = ctx.violence - (1 if spec.words[0] in lx.VIOLENCE_CUES else 0)
    if domain >= 1 and strong_violence <= 0:
        return True
    if domain >= 2 and strong_violence <= 1:
        return True
    if domain >= 3 and strong_violence <= 1 and article_domain >= 4:
        return True
    return False


_LABOUR_WORDS = tb.words("classify", "labour_words")
_WEAPON_WORDS = tb.words("classify", "weapon_words")


def _accident(spec: lx.TriggerSpec, ctx: _SentCtx) -> bool:
    if spec.kind not in ("kill", "injure", "body", "blast", "event", "attack") or not spec.ambiguous:
        return False
    weapons = ctx.words & _WEAPON_WORDS
    return ctx.accident > 0 and not weapons


def _position_factor(sent_index: int, title_sents: int) -> float:
    if sent_index < title_sents:
        return 1.6
    body_index = sent_index - title_sents
    if body_index < 2:
        return 1.3
    if body_index < 8:
        return 1.0
    return 0.7


def find_event_triggers(doc, title_sents: int = 1, pub_year: int | None = None) -> list[Trigger]:  # noqa: ANN001
    """Triggers of real events in ``doc`` with context-adjusted weights and resolved types."""
    sents = sentences(doc)
    ctxs = [_sent_ctx(s, pub_year) for s in sents]
    article_domain = sum(c.sports + c.cyber + c.finance + c.entertainment for c in ctxs[:6])
    title_domain = sum(c.sports + c.cyber + c.finance + c.entertainment for c in ctxs[:title_sents])
    title_court = any(c.court for c in ctxs[:title_sents])
    title_commemoration = any(c.commemoration for c in ctxs[:title_sents])
    title_damped = any(
        (c.sports + c.cyber + c.finance + c.entertainment + c.politics >= 2 and c.violence <= 1)
        or bool(c.words & lx.NONEVENT_TITLE_CUES)
        or (c.words & lx.ACCIDENT_STRONG and not c.words & _WEAPON_WORDS)
        for c in ctxs[:title_sents]
    )
    triggers: list[Trigger] = []
    for spec, start, end in match_triggers(doc):
        tok = head_of(doc, start, end)
        if spec.pos and not _pos_ok(tok, spec.pos):
            continue
        if tok.text == "March" or (tok.lower_ == "march" and tok.ent_type_ == "DATE"):
            continue
        if _equipment_use(tok, spec) or _natural_force(tok):
            continue
        if spec.kind == "body" and not _body_found(tok):
            continue
        if tok.lemma_.lower() == "disperse" and not _transitive(tok):
            continue
        seized_weapons = spec.kind == "territory" and _weapon_object(tok)
        taken_person = spec.kind == "territory" and not seized_weapons and _person_taken(tok)
        if spec.kind == "territory" and not seized_weapons and not taken_person and not _territory_object(tok, spec):
            continue
        if spec.kind in ("kill", "injure", "attack") and (_abstract_agent(tok) or _abstract_patient(tok)):
            continue
        si = sent_no(doc, tok.i)
        ctx = ctxs[si]
        if is_negated(tok) or is_hypothetical(tok):
            continue
        if _domain_blocked(spec, ctx, article_domain + 2 * title_domain):
            continue
        if _accident(spec, ctx):
            continue
        weight = spec.weight
        if ctx.commemoration or ctx.old_year or title_commemoration:
            weight *= 0.15
        if ctx.court or title_court:
            weight *= 0.2
        if _in_background_clause(tok):
            weight *= 0.3
        if _in_quotes(tok):
            weight *= 0.4
        if title_damped and spec.kind not in ("protest", "intervention", "riot", "arrest"):
            weight *= 0.25
        if (spec.ambiguous and spec.event_type not in (lx.PROTESTS, lx.STRATEGIC)
                and ctx.violence - (1 if spec.words[0] in lx.VIOLENCE_CUES else 0) <= 0 and not ctx.armed):
            weight *= 0.5
        if spec.words == ("strike",) and (ctx.violence - 0 >= 1 or ctx.armed) and not ctx.words & _LABOUR_WORDS:
            etype, sub, weight = lx.EXPLOSIONS, "Air/drone strike", weight * 2.5
        elif _crowd_violence(spec, tok, ctx):
            etype, sub = lx.RIOTS, _riot_sub(ctx)
        elif spec.kind in ("kill", "attack", "clash", "injure"):
            etype, sub = _resolve_generic(spec, tok, ctx)
        elif taken_person:
            etype, sub = lx.VAC, "Abduction/forced disappearance"
        elif seized_weapons:
            etype, sub = lx.STRATEGIC, "Disrupted weapons use"
        elif spec.kind == "territory":
            etype, sub = _resolve_territory(spec, tok)
        else:
            etype, sub = spec.event_type, spec.sub_event_type
        weight *= _position_factor(si, title_sents)
        triggers.append(
            Trigger(
                start=start, end=end, sent=si, event_type=etype, sub_event_type=sub, weight=weight,
                phrase=doc[start:end].text, violent=sub in lx.VIOLENT_SUBTYPES,
                generic=spec.kind in ("kill", "injure"),
            )
        )
    triggers.extend(_crowd_acts(doc, ctxs, title_sents, {t.start for t in triggers}))
    _disrupted(triggers)
    _propagate_weapons(triggers)
    _propagate_specific(triggers)
    _protest_interplay(triggers, ctxs)
    return triggers


_NOMINAL_DEPS = frozenset("nsubj nsubjpass dobj pobj conj appos".split())


def _pos_ok(tok, pos: str) -> bool:  # noqa: ANN001
    """``tok`` has the trigger's required POS; a gerund in a noun's place ('Fighting ... killed 14')
    counts as a noun."""
    if tok.pos_ == pos or (pos == "VERB" and tok.tag_.startswith("VB")):
        return True
    return pos == "NOUN" and tok.tag_ == "VBG" and tok.dep_ in _NOMINAL_DEPS


_PLACE_NOUNS = tb.words("classify", "place_nouns")
_STATE_AGENTS = tb.words("classify", "state_agents")


def _territory_object(tok, spec: lx.TriggerSpec) -> bool:  # noqa: ANN001
    """'seize Uvira', 'took control of the town': the object is a place or control."""
    if len(spec.words) > 1 and spec.words[-1] in ("control", "town", "city", "village", "over"):
        if spec.words[-1] != "over":
            return True
    for child in tok.children:
        if child.dep_ in ("dobj", "nsubjpass") or (child.dep_ == "prt" and child.lower_ == "over"):
            objs = [child] if child.dep_ != "prt" else [c for c in tok.children if c.dep_ == "dobj"]
            for obj in objs:
                if obj.ent_type_ in ("GPE", "LOC", "FAC") or obj.lemma_.lower() in _PLACE_NOUNS:
                    return True
                if obj.pos_ == "PROPN" and obj.ent_type_ not in ("PERSON", "ORG", "NORP"):
                    return True
    return False


_WEAPON_NOUNS = tb.words("classify", "weapon_nouns")


def _transitive(tok) -> bool:  # noqa: ANN001
    """'police dispersed the crowd' (or passive / 'to disperse'), not 'the crowd dispersed'."""
    return tok.dep_ in ("xcomp", "advcl") or any(c.dep_ in ("dobj", "nsubjpass", "auxpass") for c in tok.children)


def _person_taken(tok) -> bool:  # noqa: ANN001
    """'an activist was taken by security agents', 'gunmen seized two engineers': an abduction."""
    if tok.lemma_.lower() not in ("take", "seize", "capture"):
        return False
    for child in tok.children:
        if child.dep_ in ("dobj", "nsubjpass") and (child.ent_type_ == "PERSON" or _is_civilian(child)):
            if child.lemma_.lower() in _CIVILIAN_TARGET_WORDS - {"village", "market", "church", "mosque", "school",
                                                                 "hospital", "home", "house", "bus"} or child.ent_type_ == "PERSON":
                return any(c.dep_ in ("nsubj", "agent") for c in tok.children)
    return False


def _weapon_object(tok) -> bool:  # noqa: ANN001
    """'Troops seized two drones and a mortar tube': a weapons seizure."""
    for child in tok.children:
        if child.dep_ in ("dobj", "nsubjpass"):
            objs = [child, *[c for c in child.children if c.dep_ == "conj"]]
            if any(o.lemma_.lower() in _WEAPON_NOUNS for o in objs):
                return True
    return False


def _in_background_clause(tok) -> bool:  # noqa: ANN001
    """'the cartel, which has launched drone attacks ...': a relative clause describing an actor."""
    cur = tok
    for _ in range(4):
        if cur.dep_ == "relcl":
            return any(c.lemma_.lower() == "have" and c.dep_ == "aux" for c in cur.children) or cur.head.pos_ == "PROPN"
        if cur.head.i == cur.i:
            return False
        cur = cur.head
    return False


def _resolve_territory(spec: lx.TriggerSpec, tok) -> tuple[str, str]:  # noqa: ANN001
    agents, _ = _participants(tok)
    if spec.sub_event_type == "Government regains territory":
        nonstate = any(_is_armed(a) and a.lemma_.lower() not in _STATE_AGENTS for a in agents)
        return (lx.BATTLES, "Non-state actor overtakes territory") if nonstate else (spec.event_type, spec.sub_event_type)
    if any(a.lemma_.lower() in _STATE_AGENTS or any(c.lemma_.lower() in _STATE_AGENTS for c in a.children)
           for a in agents):
        return lx.BATTLES, "Government regains territory"
    if agents:
        return lx.BATTLES, "Non-state actor overtakes territory"
    return spec.event_type, spec.sub_event_type


def _abstract_patient(tok) -> bool:  # noqa: ANN001
    """'lawmakers attacked the budget': the target is not a person or place."""
    _, patients = _participants(tok)
    return bool(patients) and all(p.lemma_.lower() in lx.ABSTRACT_PATIENTS for p in patients)


def _in_quotes(tok) -> bool:  # noqa: ANN001
    """The token is inside a quotation in its sentence (rhetoric, not reporting)."""
    before = doc_text(tok.doc)[sent_index(tok.doc).start_chars[sent_no(tok.doc, tok.i)]:tok.idx]
    return before.count("\u201c") > before.count("\u201d") or before.count('"') % 2 == 1


def _abstract_agent(tok) -> bool:  # noqa: ANN001
    """'The war has killed tens of thousands': a cumulative toll, not an event."""
    verb = _clause_verb(tok)
    if any(c.dep_ in ("compound", "amod") and c.lower_ in lx.NON_HUMAN_AGENTS for c in tok.children):
        return True
    agents, _ = _participants(tok)
    if any(a.lower_ in lx.NON_HUMAN_AGENTS or a.lemma_.lower() in lx.NON_HUMAN_AGENTS for a in agents):
        return True
    for prep in (c for c in verb.children if c.dep_ == "prep" and c.lower_ in ("in", "by")):
        for obj in (c for c in prep.children if c.dep_ == "pobj"):
            if obj.lemma_.lower() in lx.NON_HUMAN_AGENTS or any(
                c.dep_ in ("compound", "amod") and c.lemma_.lower() in lx.NON_HUMAN_AGENTS for c in obj.children
            ):
                return True
    return any(c.dep_ == "nsubj" and (c.lemma_.lower() in lx.ABSTRACT_AGENTS or c.lower_ in lx.ACCIDENT_STRONG)
               for c in verb.children)


def _disrupted(triggers: list[Trigger]) -> None:
    """'Soldiers defused a bomb': weapons in a sentence with a disruption are not attacks."""
    disrupted = {t.sent for t in triggers if t.sub_event_type == "Disrupted weapons use"}
    for t in triggers:
        if t.sent in disrupted and t.event_type == lx.EXPLOSIONS:
            t.event_type, t.sub_event_type, t.violent = lx.STRATEGIC, "Disrupted weapons use", False
            t.weight *= 0.5


_SPECIFIC_KINDS_SUBS = {"Armed clash", "Violent demonstration", "Mob violence", "Sexual violence",
                        "Abduction/forced disappearance", "Excessive force against protesters",
                        "Non-state actor overtakes territory", "Government regains territory"}


def _propagate_specific(triggers: list[Trigger]) -> None:
    """Generic casualty triggers ('killed', 'injured') take the type of a specific event in their sentence."""
    by_sent: dict[int, list[Trigger]] = defaultdict(list)
    for t in triggers:
        by_sent[t.sent].append(t)
    for group in by_sent.values():
        specific = [t for t in group if t.violent and t.sub_event_type in _SPECIFIC_KINDS_SUBS and not t.generic]
        if not specific:
            continue
        best = max(specific, key=lambda t: t.weight)
        for t in group:
            if t.generic and t.violent and t.event_type in (lx.VAC, lx.BATTLES) and t.sub_event_type in ("Attack", "Armed clash"):
                t.event_type, t.sub_event_type = best.event_type, best.sub_event_type


def _body_found(tok) -> bool:  # noqa: ANN001
    if tok.lemma_.lower() not in ("body", "corpse", "grave"):
        return True
    if tok.lemma_.lower() == "body" and tok.tag_ != "NNS":
        return False
    verb = _clause_verb(tok)
    return verb.lemma_.lower() in {"find", "discover", "recover", "dump", "exhume", "bury", "identify", "lie",
                                   "leave", "abandon", "locate", "retrieve", "hang", "show"}


_GENERIC_SUBS = {"Attack", "Armed clash"}
_GENERIC_EXPLOSIVES = tb.words("classify", "generic_explosives")


def _propagate_weapons(triggers: list[Trigger]) -> None:
    """Casualty/attack triggers in a sentence that names a remote weapon take the weapon's type."""
    by_sent: dict[int, list[Trigger]] = defaultdict(list)
    for t in triggers:
        by_sent[t.sent].append(t)
    for group in by_sent.values():
        weapon = max((t for t in group if t.event_type == lx.EXPLOSIONS), key=lambda t: t.weight, default=None)
        if weapon is None:
            continue
        if any(t.sub_event_type == "Air/drone strike" for t in group):
            for t in group:
                if t.sub_event_type == "Remote explosive/landmine/IED" and t.phrase.lower().rstrip("s") in _GENERIC_EXPLOSIVES:
                    t.sub_event_type = "Air/drone strike"
            weapon = max((t for t in group if t.event_type == lx.EXPLOSIONS), key=lambda t: t.weight)
        for t in group:
            if t.sub_event_type in _GENERIC_SUBS and t.event_type in (lx.VAC, lx.BATTLES):
                t.event_type, t.sub_event_type = weapon.event_type, weapon.sub_event_type


def _protest_interplay(triggers: list[Trigger], ctxs: list[_SentCtx]) -> None:
    """Protest triggers with police intervention, repression or rioting change sub-type."""
    protest_sents = {t.sent for t in triggers if t.event_type in (lx.PROTESTS, lx.RIOTS)}
    if not protest_sents:
        return
    has_protest = any(t.event_type == lx.PROTESTS and t.sub_event_type == "Peaceful protest" for t in triggers)
    if not has_protest:
        return
    excessive = any(t.sub_event_type == "Excessive force against protesters" and t.violent and t.phrase.lower() != "live ammunition"
                    for t in triggers)
    riot = any(t.event_type == lx.RIOTS and t.sub_event_type == "Violent demonstration" for t in triggers)
    intervention = any(t.sub_event_type == "Protest with intervention" for t in triggers) or any(
        t.sub_event_type == "Arrests" and t.sent in protest_sents for t in triggers
    )
    for t in triggers:
        if t.event_type != lx.PROTESTS or t.sub_event_type != "Peaceful protest":
            continue
        if excessive:
            t.sub_event_type = "Excessive force against protesters"
        elif riot:
            t.event_type, t.sub_event_type = lx.RIOTS, "Violent demonstration"
        elif intervention:
            t.sub_event_type = "Protest with intervention"
        t.violent = t.sub_event_type in lx.VIOLENT_SUBTYPES


def decide(triggers: list[Trigger]) -> Decision:
    """Main event type of an article from its weighted triggers."""
    type_scores: dict[str, float] = defaultdict(float)
    sub_scores: dict[tuple[str, str], float] = defaultdict(float)
    for t in triggers:
        type_scores[t.event_type] += t.weight
        sub_scores[(t.event_type, t.sub_event_type)] += t.weight
    violent_total = sum(t.weight for t in triggers if t.violent)
    nonviolent_total = sum(t.weight for t in triggers if not t.violent)

    def best_sub(etype: str, violent: bool | None = None) -> str:
        cands = [(s, v) for (e, s), v in sub_scores.items() if e == etype
                 and (violent is None or (s in lx.VIOLENT_SUBTYPES) == violent)]
        return max(cands, key=lambda kv: kv[1])[0]

    max_violent = max((t.weight for t in triggers if t.violent), default=0.0)
    if violent_total >= VIOLENT_THRESHOLD and max_violent >= MIN_STRONG_TRIGGER:
        vtypes: dict[str, float] = defaultdict(float)
        for t in triggers:
            if t.violent:
                vtypes[t.event_type] += t.weight
        etype = max(vtypes, key=vtypes.get)
        sub = best_sub(etype, violent=True)
        if etype == lx.BATTLES and sub == "Armed clash":
            territory = [(s_, v) for (e, s_), v in sub_scores.items() if e == lx.BATTLES and s_ != "Armed clash"]
            if territory:
                t_sub, t_score = max(territory, key=lambda kv: kv[1])
                if t_score >= 0.5 * sub_scores[(lx.BATTLES, "Armed clash")]:
                    sub = t_sub
        score = vtypes[etype]
        conf = _confidence(violent_total, violent_total - vtypes[etype] + 0.5 * nonviolent_total, score)
        return Decision(True, etype, sub, conf, violent_total)
    if nonviolent_total >= NONVIOLENT_THRESHOLD:
        ntypes: dict[str, float] = defaultdict(float)
        for t in triggers:
            if not t.violent:
                ntypes[t.event_type] += t.weight
        etype = max(ntypes, key=ntypes.get)
        sub = best_sub(etype, violent=False)
        conf = _confidence(nonviolent_total, nonviolent_total - ntypes[etype] + violent_total, ntypes[etype])
        return Decision(False, etype, sub, conf, nonviolent_total)
    total = violent_total + nonviolent_total
    return Decision(False, None, None, round(max(0.0, 1 - math.exp(-total / 2.0)) * 0.3, 3), total)


def _confidence(total: float, competing: float, chosen: float) -> float:
    strength = 1 - math.exp(-total / 2.5)
    purity = chosen / (chosen + max(competing, 0.0) + 1e-9)
    return round(max(0.0, min(1.0, 0.25 + 0.75 * strength * (0.5 + 0.5 * purity))), 3)


def classify_component(doc: Doc) -> Doc:
    """Write the triggers (``doc._.triggers``, ``doc.spans["triggers"]``), the rule decision and ``doc.cats``."""
    if not doc._.english or not doc._.parsed:
        return doc
    pub = doc._.raw.published_at if doc._.raw is not None else None
    doc._.triggers = find_event_triggers(doc, doc._.title_sents, pub.year if pub else None)
    doc._.rule_decision = decide(doc._.triggers)
    doc.cats.update(rule_cats(doc._.rule_decision))
    write_spans(doc, "triggers", [(t.start, t.end, t.sub_event_type) for t in doc._.triggers])
    return doc


@Language.factory("radar_triggers", assigns=["doc.spans", "doc.cats", "doc._.triggers", "doc._.rule_decision"],
                  requires=["doc._.parsed", "doc._.title_sents", "token.is_sent_start", "token.lemma", "token.pos", "token.tag", "token.dep",
                            "token.ent_type"])
def make_triggers(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """Event triggers in dependency context and the rules' event classes."""
    register_extensions()
    return classify_component
