"""Geoparse step: toponyms from :mod:`pipeline.geo`, then the primary EVENT location.

The geocoding itself belongs to ``pipeline.geo``; this module only decides which resolved place is
where the event happened: the toponym attached to the trigger ("killed ... in X"), in trigger
sentences, most specific, early in the article, and not a government that merely commented.
"""

import re
from dataclasses import dataclass, replace

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.enrich import tables as tb
from pipeline.enrich.actors import known_group_spans
from pipeline.enrich.extensions import register as register_extensions
from pipeline.enrich.mentions import Trigger, write_spans
from pipeline.enrich.sents import doc_text, sent_at, sent_index
from pipeline.geo import get_geoparser
from pipeline.geo.distance import haversine_km
from pipeline.schemas import Location

_EVENT_PREPS = tb.words("locate", "event_preps")
_SPEECH = tb.words("locate", "speech")
_PRECISION_BONUS = {"city": 1.2, "admin2": 0.8, "admin1": 0.5, "country": 0.0}
_RECORDED_BONUS = 5.0
_REFERENCE_PENALTY = 2.0  # 'X, west of Y': Y only says where X is
_ADMIN2_KM = 75.0  # a town this close to a district's point, in the same admin1, lies in that district
_OWNED_KM = 100.0  # "X's Y": Y lies within this distance of X, or Y is a local feature resolved elsewhere


@dataclass
class PlacedToponym:
    """A resolved toponym with its token and sentence index."""

    toponym: object
    location: Location
    token: int
    sent: int


_DATELINE = re.compile(r"\s*(?=[A-Z]{3}|[A-Z]+ [A-Z]{2})[A-Z][A-Z'.-]+(?: [A-Z][A-Z'.-]+)*(?:, [A-Z][\w.]+(?: [A-Z][\w.]+)*)?"
                       r"(?: \([^)\n]{1,40}\))?\s+(?:—|–|--?)\s")


def dateline_end(text: str, body_start: int) -> int:
    """End offset of the body's dateline ('EL PASO, Texas — ', 'KYIV (Reuters) - '), or ``body_start``
    when there is none. A dateline names where the story was filed, not where the event happened."""
    m = _DATELINE.match(text, body_start)
    return m.end() if m else body_start


def place_toponyms(doc, toponyms: list, body_start: int = 0) -> list[PlacedToponym]:  # noqa: ANN001
    """Attach token and sentence indices to resolved, non-demonym toponyms outside the dateline
    (the body starts at ``body_start``)."""
    sent_starts = sent_index(doc).start_chars
    skip_to = dateline_end(doc_text(doc), body_start)
    out = []
    for t in toponyms:
        if t.location is None or getattr(t, "demonym", False) or body_start <= t.start < skip_to:
            continue
        span = doc.char_span(t.start, t.end, alignment_mode="expand")
        if span is None:
            continue
        sent = sent_at(sent_starts, t.start)
        out.append(PlacedToponym(t, t.location, span.root.i, sent))
    return out


def _attached_to_trigger(tok, trigger_heads: set[int]) -> bool:  # noqa: ANN001
    """``tok`` is in a locative phrase ("in X", "near X") governed by a trigger's clause."""
    cur = tok
    saw_prep = False
    for _ in range(6):
        if cur.dep_ == "prep" and (cur.lower_ in _EVENT_PREPS or (
                cur.lower_ == "of" and cur.head.lemma_.lower() in _SETTLEMENTS)):  # 'shelled the towns of X'
            saw_prep = True
        if cur.dep_ in ("dobj", "obj") and cur.head.i in trigger_heads and (cur is tok or saw_prep):
            return True  # 'shelled Kafr Zita', 'shelled the towns of Kafr Zita'
        if saw_prep and cur.i in trigger_heads:
            return True
        if cur.head.i == cur.i:
            return saw_prep and cur.i in trigger_heads
        cur = cur.head
        if saw_prep and cur.i in trigger_heads:
            return True
    return False


def _clause_heads(doc, triggers: list[Trigger]) -> set[int]:  # noqa: ANN001
    heads: set[int] = set()
    for t in triggers:
        tok = doc[t.start]
        heads.update(x.i for x in doc[t.start:t.end])
        cur = tok
        for _ in range(3):
            heads.add(cur.i)
            if cur.head.i == cur.i:
                break
            cur = cur.head
    return heads


_RECORDED_IN = re.compile(r"\b(?:recorded|filmed|captured|videotaped|shot)\s+(?:in|near|outside|at)\s+(?:the\s+)?$", re.I)


_REFERENCE_POINT = re.compile(r"\b(?:(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?|suburbs?)\s+of\s+"
                              r"(?:the\s+)?$", re.I)
_SUBURB_WORDS = frozenset({"suburb", "suburbs", "outskirt", "outskirts", "countryside"})
_SETTLEMENTS = frozenset({"town", "village", "city", "neighbourhood", "neighborhood", "district", "camp"})


def _reference_point(text: str, start: int, placed: list[PlacedToponym], sent: int) -> bool:
    """'Nanterre, west of Paris', 'Allen, a suburb of Dallas': a place named only to say where an earlier
    place of the same sentence lies."""
    lo = max(0, start - 30)
    m = _REFERENCE_POINT.search(text[lo:start])
    return m is not None and any(p.sent == sent and p.toponym.end <= lo + m.start() for p in placed)


def _recorded_in(text: str, start: int) -> bool:
    """'The video was recorded in Madera', 'footage filmed near X': where the reported scene happened
    (a surface pattern: sentences without triggers are not dependency-parsed)."""
    return bool(_RECORDED_IN.search(text[max(0, start - 40):start]))


def _commenter(tok) -> bool:  # noqa: ANN001
    """'Mexico condemned ...', 'Washington said': a place standing for a government."""
    if tok.dep_ in ("nsubj",) and tok.head.lemma_.lower() in _SPEECH:
        return True
    if tok.dep_ == "pobj" and tok.head.dep_ == "prep" and tok.head.head.lemma_.lower() in _SPEECH:
        return True  # 'the monitor said from Britain', 'told reporters in Washington'
    return tok.dep_ == "poss" and tok.head.lemma_.lower() in ("government", "ministry", "president", "embassy")


def score_places(doc, placed: list[PlacedToponym], triggers: list[Trigger], title_sents: int) -> dict[int, float]:  # noqa: ANN001
    """Event-location score per geonameid/name key."""
    heads = _clause_heads(doc, triggers)
    weight_by_sent: dict[int, float] = {}
    for t in triggers:
        if t.violent or t.weight >= 1.0:
            weight_by_sent[t.sent] = max(weight_by_sent.get(t.sent, 0.0), t.weight)
    scores: dict[int, float] = {}
    ends = {p.toponym.end for p in placed}
    text = doc_text(doc)
    possessors = _possessives(text, placed)[0]
    for i, p in enumerate(placed):
        tok = doc[p.token]
        s = _PRECISION_BONUS.get(p.location.precision, 0.0)
        if p.location.feature_class == "L":
            s -= 2.0
        s += min(weight_by_sent.get(p.sent, 0.0), 3.0)
        commenter = _commenter(tok)
        if _attached_to_trigger(tok, heads) and not commenter:  # 'killing 11, according to reports from Yangon'
            s += 2.5
        if p.sent < title_sents:
            s += 1.0
        elif p.sent == title_sents:
            s += 0.8
        if _recorded_in(text, p.toponym.start):
            s += _RECORDED_BONUS
        if commenter:
            s -= 3.0
        if _reference_point(text, p.toponym.start, placed, p.sent) or (
                tok.dep_ == "compound" and tok.head.lower_ in _SUBURB_WORDS):  # 'riots in a Paris suburb'
            s -= _REFERENCE_PENALTY
        if _is_qualifier(text, p.toponym.start, ends) or i in possessors:
            s -= 1.5
        s += 0.5 * float(getattr(p.toponym, "score", 0.0))
        s -= 0.03 * p.sent
        scores[i] = s
    return scores


def _is_qualifier(text: str, start: int, ends: set[int]) -> bool:
    """'Madera, Chihuahua': the second name only qualifies the first."""
    j = start
    while j > 0 and text[j - 1] == " ":
        j -= 1
    if j > 0 and text[j - 1] == ",":
        k = j - 1
        while k > 0 and text[k - 1] == " ":
            k -= 1
        return k in ends
    return False


def _possessives(text: str, placed: list[PlacedToponym]) -> tuple[set[int], set[int]]:
    """Indices of places that own the next one ("Manipur's Churachandpur": Manipur only says where
    Churachandpur is) and of owned places resolved far from their owner ("Mogadishu's Lido beach" is not
    the Lido in Venice)."""
    by_start = {p.toponym.start: i for i, p in enumerate(placed)}
    possessors: set[int] = set()
    strays: set[int] = set()
    for i, p in enumerate(placed):
        for suffix in ("'s ", "\u2019s "):
            j = by_start.get(p.toponym.end + len(suffix)) if text.startswith(suffix, p.toponym.end) else None
            if j is None:
                continue
            owner, owned = p.location, placed[j].location
            if contains(owner, owned) or (owner.lat is not None and owned.lat is not None and haversine_km(
                    owner.lat, owner.lon, owned.lat, owned.lon) <= _OWNED_KM):
                possessors.add(i)
            else:
                strays.add(j)
    return possessors, strays


def _key(loc: Location) -> object:
    return loc.geonameid if loc.geonameid is not None else loc.name


def choose_location(doc, placed: list[PlacedToponym], triggers: list[Trigger], title_sents: int,  # noqa: ANN001
                    sents: set[int] | None = None) -> Location | None:
    """Best event location among ``placed`` (restricted to ``sents`` if given)."""
    if not placed:
        return None
    scores = score_places(doc, placed, triggers, title_sents)
    totals: dict[object, float] = {}
    first: dict[object, PlacedToponym] = {}
    for i, p in enumerate(placed):
        if sents is not None and p.sent not in sents:
            continue
        k = _key(p.location)
        totals[k] = max(totals.get(k, float("-inf")), scores[i]) + (0.3 if k in totals else 0.0)
        first.setdefault(k, p)
    if not totals:
        return None
    best = max(totals, key=totals.get)
    loc = first[best].location
    return _prefer_specific(loc, [first[k].location for k in totals if totals[k] >= totals[best] - 1.5])


def _prefer_specific(loc: Location, close: list[Location]) -> Location:
    """A country/state beaten narrowly by nothing: prefer a close-scoring place inside it."""
    if loc.precision == "city":
        return loc
    for other in close:
        if other.precision in ("city", "admin2") and other.precision != loc.precision and \
                other.country_code == loc.country_code and (loc.precision == "country" or other.admin1 == loc.admin1):
            return other
    if loc.precision == "country":
        for other in close:
            if other.precision == "admin1" and other.country_code == loc.country_code:
                return other
    return loc


def contains(outer: Location, inner: Location) -> bool:
    """``outer`` is the same place as, or an administrative parent of, ``inner``."""
    if _key(outer) == _key(inner):
        return True
    if outer.country_code != inner.country_code:
        return False
    if outer.precision == "country":
        return True
    if outer.precision == "admin2":  # no admin2 key on towns: same admin1 and near the district's point
        return inner.precision == "city" and outer.admin1 == inner.admin1 and None not in (
            outer.lat, outer.lon, inner.lat, inner.lon) and haversine_km(
            outer.lat, outer.lon, inner.lat, inner.lon) <= _ADMIN2_KM
    return outer.precision == "admin1" and inner.precision in ("city", "admin2") and outer.admin1 == inner.admin1


def demonym_country(doc, toponyms: list, triggers: list[Trigger], body_start: int = 0) -> Location | None:  # noqa: ANN001
    """The country of the demonyms ('Libyan forces', 'Russian shelling') when no place is named: the one
    in the headline or in a trigger sentence first, then the most frequent, then the earliest. The
    result is the event's country (or state: 'Chechen') only; a demonym never becomes a place of ``locations``."""
    sent_starts = sent_index(doc).start_chars
    skip_to = dateline_end(doc_text(doc), body_start)
    trigger_sents = {t.sent for t in triggers}
    votes: dict[str, list] = {}
    for t in toponyms:
        if not getattr(t, "demonym", False) or t.location is None or body_start <= t.start < skip_to:
            continue
        sent = sent_at(sent_starts, t.start)
        rank = (sent < doc._.title_sents, sent in trigger_sents)
        entry = votes.setdefault(t.location.country_code or t.location.name, [(False, False), 0, -t.start, t])
        entry[0] = max(entry[0], rank)
        entry[1] += 1
    if not votes:
        return None
    _, _, _, best = max(votes.values(), key=lambda v: (v[0], v[1], v[2]))
    return best.location.model_copy(update={"is_event_location": True, "mentions": [best.text]})


def _main_event_triggers(doc: Doc) -> list[Trigger]:
    """Triggers that can place the main event: the violent ones when it is violent ('a ceasefire
    agreed in Doha' does not place the capture of Uvira), else those of its type."""
    decision, triggers = doc._.decision, doc._.triggers
    if decision.violent:
        return [t for t in triggers if t.violent] or triggers
    if decision.event_type is not None:
        return [t for t in triggers if t.event_type == decision.event_type] or triggers
    return triggers


def geoparse_component(doc: Doc) -> Doc:
    """Set ``toponyms`` (also ``doc.spans["toponyms"]``), ``locations`` (all places), ``placed`` and ``location`` (the event location)."""
    if not doc._.english or not doc._.parsed:
        return doc
    parser = get_geoparser()
    text = doc_text(doc)
    groups = known_group_spans(text)
    raw = doc._.raw
    found = parser.parse(text, doc, region=raw.region if raw is not None else None)
    toponyms = [t for t in found if not any(start < t.end and t.start < end for start, end in groups)]
    placed = place_toponyms(doc, toponyms, doc._.title_chars)
    strays = {placed[j].toponym.text for j in _possessives(text, placed)[1]}
    if strays:  # "Mogadishu's Lido beach", and every other "Lido": a local feature, not the Lido in Venice
        toponyms = [replace(t, location=None) if t.text in strays else t for t in toponyms]
        placed = [p for p in placed if p.toponym.text not in strays]
    doc._.toponyms = toponyms
    doc._.locations = parser.locations(toponyms)
    doc._.placed = placed
    write_spans(doc, "toponyms", [(t.start, t.end, t.location.precision if t.location else "unresolved")
                                  for t in doc._.toponyms], chars=True)
    triggers = _main_event_triggers(doc)
    event_loc = choose_location(doc, doc._.placed, triggers, doc._.title_sents)
    if event_loc is None:
        doc._.location = demonym_country(doc, found, triggers, doc._.title_chars)
    else:
        for loc in doc._.locations:
            if _key(loc) == _key(event_loc):
                loc.is_event_location = True
                event_loc = loc
        doc._.location = event_loc if event_loc.is_event_location else event_loc.model_copy(update={"is_event_location": True})
    return doc


@Language.factory("radar_geoparse", assigns=["doc.spans", "doc._.toponyms", "doc._.locations", "doc._.placed",
                                             "doc._.location"],
                  requires=["doc._.parsed", "doc._.triggers", "doc._.title_sents", "token.is_sent_start", "token.dep", "token.lemma",
                            "token.ent_type"])
def make_geoparse(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """Toponyms from pipeline.geo and the event location among them."""
    register_extensions()
    return geoparse_component
