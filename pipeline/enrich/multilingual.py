"""A small, honest rule layer for Spanish, French and Portuguese articles.

The English steps (spaCy parse, trigger classifier, geoparser, actor roles) do not run on other
languages. For ``es``/``fr``/``pt`` this step fills what plain patterns can support:

- ``violent`` from a hand-written lexicon of violence triggers per language. A trigger is ignored
  when a negation word precedes it closely ("no hubo disparos", "aucun tir"), when its sentence is
  hypothetical or a threat ("amenazó con", "pourrait", "ameaçou"), or when the sentence is about
  sport, accidents or natural disasters.
- ``event_type`` / ``sub_event_type``: a coarse choice from the strongest trigger family (explosive,
  abduction, sexual violence, clash, territory, killing, riot, protest). ``confidence`` is at most
  :data:`MAX_CONFIDENCE` because no parse backs it.
- ``fatalities`` / ``injured`` from number + casualty-word patterns in digits or words ("murieron 3",
  "tres muertos", "trois morts", "dois feridos"); the largest figure of each kind is kept; explicit
  "sin heridos" / "aucun blessé" give 0.
- places: capitalised n-grams looked up in the project gazetteer (``pipeline.geo``), countries and
  first-level regions named in the text favour same-country senses of a city name; the event
  location is the first city named in the title, else in the body, else the first region/country.
- ``event_date``: "ayer"/"hier"/"ontem" and weekday names counted back from the publication date,
  else the publication day.
- actors: known armed groups from the shared lexicon written with a capital (so a common word such
  as Spanish "junta" is not read as an alias), with role ``other`` (no roles without a parse).

English articles and other languages pass through untouched.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.enrich import lexicon as lx
from pipeline.enrich import tables as tb
from pipeline.enrich.actors import _group_patterns, known_group_spans
from pipeline.enrich.decision import rule_cats
from pipeline.enrich.extensions import register as register_extensions
from pipeline.enrich.mentions import Decision
from pipeline.enrich.text import fold, fold_keep_offsets
from pipeline.schemas import EVENT_TYPES, Actor, Location

SUPPORTED = ("es", "fr", "pt")
MAX_CONFIDENCE = 0.5
_BASE_CONFIDENCE = 0.3
_NEG_WINDOW = 3  # words before a trigger searched for a negation


@dataclass(frozen=True)
class _Family:
    event_type: str
    sub_event_type: str
    weight: float
    stems: dict[str, tuple[str, ...]]  # language -> accent-free word prefixes or phrases


def _load_families() -> tuple[_Family, ...]:
    """Trigger families from ``data/multilingual_families.jsonl``."""
    out = []
    fields = {"event_type": (str,), "sub_event_type": (str,), "weight": (int, float), "stems": (dict,)}
    for row in tb.rows("multilingual_families", fields, tuple(fields)):
        where = row["_line"]
        tb.check_member(row["event_type"], tuple(EVENT_TYPES), "event type", where)
        tb.check_member(row["sub_event_type"], EVENT_TYPES[row["event_type"]], "sub-event type", where)
        stems = row["stems"]
        for lang, values in stems.items():
            tb.check_member(lang, SUPPORTED, "language", where)
            if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                raise tb.TableError(f"{where}: stems.{lang} must be a list of non-empty strings")
        out.append(_Family(row["event_type"], row["sub_event_type"], row["weight"], {k: tuple(v) for k, v in stems.items()}))
    return tuple(out)


_FAMILIES: tuple[_Family, ...] = _load_families()

_VIOLENT_TYPES = {lx.BATTLES, lx.EXPLOSIONS, lx.VAC, lx.RIOTS}
_VIOLENT_PROTESTS = {"Protest with intervention"}

_NEGATIONS = tb.mapping("multilingual", "negations", frozenset)
_BLOCKERS = tb.mapping("multilingual", "blockers")

_NUMBER_WORDS = {lang: tb.number_words(lang) for lang in SUPPORTED}
_DEAD = tb.mapping("multilingual", "dead")
_DEAD_VERBS = tb.mapping("multilingual", "dead_verbs")
_HURT = tb.mapping("multilingual", "hurt")
_ZERO_HURT = tb.mapping("multilingual", "zero_hurt")
_ZERO_DEAD = tb.mapping("multilingual", "zero_dead")
_QUALIFIERS = tb.mapping("multilingual", "qualifiers")
_YESTERDAY = tb.mapping("multilingual", "yesterday")
_WEEKDAYS = tb.mapping("multilingual", "weekdays")
_CONNECTORS = r"(?:de|del|de la|de los|la|las|los|el|do|da|dos|das|du|des|le|di)"
_CAP = r"[A-ZÁÉÍÓÚÑÇÀÂÊÎÔÛÈËÏÜ][\w'’\-]+"
_NGRAM_RE = re.compile(rf"(?<![\w]){_CAP}(?:(?:\s+{_CONNECTORS})?\s+{_CAP}){{0,3}}")
_NOT_PLACES = tb.words("multilingual", "not_places")


@dataclass
class MultilingualResult:
    """What the patterns found in one non-English text."""

    violent: bool
    event_type: str | None
    sub_event_type: str | None
    confidence: float
    fatalities: int | None
    injured: int | None
    evidence: str | None


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _words_before(folded: str, pos: int) -> list[str]:
    return re.findall(r"[\w']+", folded[:pos])[-_NEG_WINDOW:]


def _negated(folded_sent: str, pos: int, lang: str) -> bool:
    before = _words_before(folded_sent, pos)
    return any(w in _NEGATIONS[lang] or w.startswith("n'") for w in before)


def _blocked(folded_sent: str, lang: str) -> bool:
    return any(b in folded_sent for b in _BLOCKERS[lang])


def classify_text(text: str, lang: str) -> MultilingualResult:
    """Violence, coarse event type, casualties and evidence sentence of ``text`` in ``lang``."""
    scores: dict[tuple[str, str], float] = {}
    best_sent: dict[tuple[str, str], str] = {}
    first_at: dict[tuple[str, str], int] = {}
    offset = 0
    for i, sent in enumerate(_sentences(text)):
        offset += len(sent) + 1
        folded = fold_keep_offsets(sent) + " "
        if _blocked(folded, lang):
            continue
        factor = 1.5 if i == 0 else 1.0
        for fam in _FAMILIES:
            for stem in fam.stems.get(lang, ()):
                m = re.search(r"(?<![\w])" + re.escape(stem), folded)
                if m is None or _negated(folded, m.start(), lang):
                    continue
                key = (fam.event_type, fam.sub_event_type)
                scores[key] = scores.get(key, 0.0) + fam.weight * factor
                best_sent.setdefault(key, sent.strip())
                first_at.setdefault(key, offset + m.start())
                break
    fatalities, injured = casualties(text, lang)
    if not scores:
        return MultilingualResult(False, None, None, 0.0, None, None, None)
    violent_keys = {k: v for k, v in scores.items() if k[0] in _VIOLENT_TYPES or k[1] in _VIOLENT_PROTESTS}
    pool = violent_keys or scores
    if fatalities and (lx.VAC, "Attack") in pool and (lx.BATTLES, "Armed clash") not in pool:
        pool[(lx.VAC, "Attack")] += 1.0
    key = max(pool, key=lambda k: (pool[k], -first_at[k]))
    total = sum(scores.values())
    confidence = min(MAX_CONFIDENCE, _BASE_CONFIDENCE + 0.2 * pool[key] / total)
    violent = key[0] in _VIOLENT_TYPES or key[1] in _VIOLENT_PROTESTS
    return MultilingualResult(violent, key[0], key[1], round(confidence, 3), fatalities, injured, best_sent[key])


@lru_cache(maxsize=8)
def _number_re(lang: str) -> str:
    words = sorted(_NUMBER_WORDS[lang], key=len, reverse=True)
    return r"(\d{1,4}|" + "|".join(re.escape(w) for w in words) + r")"


def _value(token: str, lang: str) -> int | None:
    if token.isdigit():
        return int(token)
    return _NUMBER_WORDS[lang].get(token)


def casualties(text: str, lang: str) -> tuple[int | None, int | None]:
    """(fatalities, injured) stated in ``text``: the largest figure of each kind, or 0 when denied."""
    folded = fold_keep_offsets(text)
    num, qual = _number_re(lang), _QUALIFIERS[lang]
    dead_nouns = "|".join(re.escape(w) for w in _DEAD[lang])
    dead_verbs = "|".join(re.escape(w) for w in _DEAD_VERBS[lang])
    hurt = "|".join(re.escape(w) for w in _HURT[lang])
    dead_vals = _values(rf"(?<![\w]){qual}{num}\s+(?:\w+\s+)?(?:{dead_nouns})(?![\w])", folded, lang)
    dead_vals += _values(rf"(?<![\w])(?:{dead_verbs})\s+{qual}{num}(?![\w])", folded, lang)
    hurt_vals = _values(rf"(?<![\w]){qual}{num}\s+(?:\w+\s+)?(?:{hurt})(?![\w])", folded, lang)
    fatalities = max(dead_vals) if dead_vals else (0 if any(z in folded for z in _ZERO_DEAD[lang]) else None)
    injured = max(hurt_vals) if hurt_vals else (0 if any(z in folded for z in _ZERO_HURT[lang]) else None)
    return fatalities, injured


def _values(pattern: str, folded: str, lang: str) -> list[int]:
    out = []
    for m in re.finditer(pattern, folded):
        v = _value(m.group(1), lang)
        if v is not None and not _is_year_or_age(folded, m):
            out.append(v)
    return out


def _is_year_or_age(folded: str, m: re.Match[str]) -> bool:
    token = m.group(1)
    if token.isdigit() and 1900 <= int(token) <= 2100:
        return True
    return bool(re.match(r"\s*(anos|ans|annees)\b", folded[m.end(1):m.end(1) + 8]))


def event_date(text: str, lang: str, published: date | None) -> tuple[str | None, str | None]:
    """Event date from "yesterday"/weekday words counted back from ``published`` (else that day)."""
    if published is None:
        return None, None
    folded = fold_keep_offsets(text)
    if any(re.search(rf"(?<![\w]){w}(?![\w])", folded) for w in _YESTERDAY[lang]):
        return (published - timedelta(days=1)).isoformat(), "day"
    for m in re.finditer(r"[\w\-]+", folded):
        word = m.group(0)
        if word in _WEEKDAYS[lang]:
            back = (published.weekday() - _WEEKDAYS[lang].index(word)) % 7
            return (published - timedelta(days=back)).isoformat(), "day"
    return published.isoformat(), "day"


def place_candidates(text: str) -> list[tuple[str, int]]:
    """Capitalised n-grams of ``text`` that may be place names, with their offsets."""
    out = []
    for m in _NGRAM_RE.finditer(text):
        surface = m.group(0)
        words = surface.split()
        if len(words) > 1:
            out.append((surface, m.start()))
        while words and fold_keep_offsets(words[0]) in _NOT_PLACES:
            words = words[1:]
        if not words:
            continue
        surface = " ".join(words)
        out.append((surface, m.end() - len(surface)))
        if len(words) > 1:
            out.extend((w, m.end() - len(surface) + surface.index(w)) for w in words[:1]
                       if fold_keep_offsets(w) not in _NOT_PLACES)
    return out


def resolve_places(text: str) -> list[tuple[int, Location]]:
    """(offset, Location) for capitalised n-grams found in the gazetteer, using country/region context."""
    from pipeline.geo.parser import _prior, get_geoparser

    parser = get_geoparser()
    g = parser.g
    groups = known_group_spans(text)
    found: list[tuple[int, str, list[int], set[int]]] = []
    taken: list[tuple[int, int]] = []
    for surface, start in sorted(place_candidates(text), key=lambda x: (x[1], -len(x[0]))):
        end = start + len(surface)
        if any(a < end and start < b for a, b in groups + taken):
            continue
        cands, alts = _lookup(parser, surface)
        if cands:
            found.append((start, surface, cands, alts))
            taken.append((start, end))
    tops = [max(cands, key=lambda c, a=alts: _prior(g, c, c in a)) for _, _, cands, alts in found]
    out = []
    for i, (start, surface, cands, alts) in enumerate(found):
        context = [t for j, t in enumerate(tops) if j != i]
        countries = {g.cc[t] for t in context}
        regions = {(g.cc[t], g.admin1[t]) for t in context if g.kind[t] != _city_kind() and g.admin1[t]}

        def score(c: int, a: set[int] = alts, cc: set[str] = countries, rg: set = regions) -> float:
            s = _prior(g, c, c in a)
            s += 2.0 if g.cc[c] in cc else 0.0
            s += 1.5 if g.kind[c] == _city_kind() and (g.cc[c], g.admin1[c]) in rg else 0.0
            return s
        best = max(cands, key=score)
        out.append((start, parser._location(best, surface)))
    return out


def _lookup(parser, surface: str) -> tuple[list[int], set[int]]:  # noqa: ANN001 - Geoparser
    """Gazetteer candidates; short capitalised names ("Gao") are looked up among populated places."""
    from pipeline.geo.gazetteer import normalize

    cands, alts = parser._lookup(surface)
    if not cands and len(surface) <= 3 and surface[:1].isupper():
        cands = [c for c in parser.g.names.get(normalize(surface), []) if parser.g.kind[c] == _city_kind()]
    return cands, alts


def _city_kind() -> int:
    from pipeline.geo.gazetteer import KIND_CITY

    return KIND_CITY


_LOCATIVE_RE = re.compile(r"(?:\b(?:en|a|à|de|del|pres de|près de|cerca de|em|no|na|dans|au)\s+)$", re.I)


def _event_location(placed: list[tuple[int, Location]], text: str, title_chars: int) -> Location | None:
    """First city after a locative preposition ("en X", "à X", "em X"), title first; then any city."""
    for needs_prep in (True, False):
        for in_title in (True, False):
            for start, loc in placed:
                if (start < title_chars) != in_title or loc.precision != "city":
                    continue
                if not needs_prep or _LOCATIVE_RE.search(text[max(0, start - 12):start]):
                    return loc
    return placed[0][1] if placed else None


def _merge_locations(placed: list[tuple[int, Location]]) -> list[Location]:
    merged: dict[object, Location] = {}
    for _, loc in placed:
        key = loc.geonameid if loc.geonameid is not None else loc.name
        if key in merged:
            merged[key].mentions.extend(m for m in loc.mentions if m not in merged[key].mentions)
        else:
            merged[key] = loc.model_copy(update={"mentions": list(loc.mentions)})
    return list(merged.values())


def _actors(text: str) -> list[Actor]:
    _, _, by_alias = _group_patterns()
    seen: dict[str, Actor] = {}
    for start, end in sorted(known_group_spans(text)):
        group = by_alias.get(fold(text[start:end]))
        if group is None or not text[start].isupper():
            continue
        actor = seen.setdefault(group.name, Actor(name=group.name, category=group.category, role="other",
                                                  country_code=group.country_code, mentions=[]))
        if text[start:end] not in actor.mentions:
            actor.mentions.append(text[start:end])
    return list(seen.values())


def multilingual_component(doc: Doc) -> Doc:
    """Fill the decision and article fields of a Spanish, French or Portuguese article from the rules above."""
    lang, text = doc._.language, doc._.text
    if doc._.english or lang not in SUPPORTED or not text:
        return doc
    res = classify_text(text, lang)
    placed = resolve_places(text)
    doc._.locations = _merge_locations(placed)
    raw = doc._.raw
    pub = raw.published_at.date() if raw is not None and raw.published_at else None
    if res.event_type is None:
        return doc
    loc = _event_location(placed, text, doc._.title_chars)
    if loc is not None:
        for known in doc._.locations:
            if known.geonameid == loc.geonameid:
                known.is_event_location = True
                loc = known
    doc._.rule_decision = Decision(res.violent, res.event_type, res.sub_event_type, res.confidence, res.confidence)
    doc.cats.update(rule_cats(doc._.rule_decision))
    doc._.fatalities, doc._.injured, doc._.location = res.fatalities, res.injured, loc
    doc._.event_date, doc._.event_date_precision = event_date(text, lang, pub)
    doc._.actors = _actors(text)
    doc._.evidence = res.evidence
    return doc


@Language.factory("radar_multilingual", assigns=["doc.cats", "doc._.rule_decision", "doc._.locations", "doc._.location",
                                                 "doc._.actors", "doc._.fatalities", "doc._.injured", "doc._.event_date",
                                                 "doc._.event_date_precision", "doc._.evidence"],
                  requires=["doc._.language", "doc._.english"])
def make_multilingual(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """The Spanish/French/Portuguese rule layer (confidence capped at MAX_CONFIDENCE)."""
    register_extensions()
    return multilingual_component
