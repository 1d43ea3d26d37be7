"""Assemble per-incident :class:`Event` objects; the first is the article's main event.

Trigger sentences are grouped by the place they name: two groups become two incidents when their
places are distinct (neither contains the other) and each has enough evidence on its own. Every
other sentence belongs to the nearest preceding incident, or to the main one.
"""

from dataclasses import dataclass, field
from datetime import date

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.enrich.actors import known_group, merge_actors, shooting_cue
from pipeline.enrich.classify import decide
from pipeline.enrich.dates import pick_date
from pipeline.enrich.decision import sentence_decisions
from pipeline.enrich.extensions import register as register_extensions
from pipeline.enrich.locate import choose_location, contains
from pipeline.enrich.mentions import Decision, Trigger
from pipeline.enrich.numbers import aggregate
from pipeline.enrich.sents import sentences
from pipeline.schemas import Actor, Event, Location

SECONDARY_MIN_SCORE = 2.0
_MAX_EVENTS = 5


@dataclass
class _Cluster:
    location: Location | None
    triggers: list[Trigger] = field(default_factory=list)
    sents: set[int] = field(default_factory=set)

    @property
    def score(self) -> float:
        return sum(t.weight for t in self.triggers if t.violent)


@dataclass
class _Main:
    """The main event's type and date (the article's decision, or its first incident's)."""

    decision: Decision
    event_date: str | None
    event_date_precision: str | None


def _cluster(doc: Doc) -> list[_Cluster]:
    spacy_doc = doc
    placed = doc._.placed
    violent = [t for t in doc._.triggers if t.violent]
    clusters: list[_Cluster] = []
    by_sent: dict[int, list[Trigger]] = {}
    for t in violent:
        by_sent.setdefault(t.sent, []).append(t)
    current: _Cluster | None = None
    for si in sorted(by_sent):
        trig = by_sent[si]
        loc = choose_location(spacy_doc, placed, trig, doc._.title_sents, sents={si}) if placed else None
        loc = _headline_place(doc, si, loc)
        target = None
        if loc is not None:
            for c in clusters:
                if c.location is not None and (contains(c.location, loc) or contains(loc, c.location)
                                               or _title_area(c, loc, doc._.title_sents, trig)):
                    target = c
                    if c.location.precision != "city" and loc.precision == "city":
                        c.location = loc
                    break
        if target is None and (loc is None or loc.precision == "country") and current is not None:
            target = current
        if target is None and loc is None and clusters:
            target = clusters[0]
        if target is None:
            target = _Cluster(loc)
            clusters.append(target)
        target.triggers.extend(trig)
        target.sents.add(si)
        current = target
    return clusters


def _headline_place(doc: Doc, si: int, loc: Location | None) -> Location | None:
    """A headline placed only by its country or state ('Police in Mexico ...') takes the article's
    event location inside it ('recorded in Madera, Chihuahua'), so a body sentence about another
    state of that country ('journalists shot dead in Guerrero') stays a separate incident."""
    if si < doc._.title_sents and loc is not None and doc._.location is not None and loc.precision != "city" \
            and contains(loc, doc._.location):
        return doc._.location
    return loc


def _title_area(title: _Cluster, loc: Location, title_sents: int, triggers: list[Trigger]) -> bool:
    """The headline's incident told again in the body, placed more precisely: same admin1 area
    ('Sumy region' in the title, a town of that region in the body) and same event type."""
    if min(title.sents) >= title_sents or title.location is None or not title.location.admin1:
        return False
    same_area = (title.location.country_code, title.location.admin1) == (loc.country_code, loc.admin1)
    return same_area and decide(title.triggers).event_type == decide(triggers).event_type


def _assign_sentences(clusters: list[_Cluster], n_sents: int) -> None:
    """Non-trigger sentences go to the closest preceding cluster (within 2 sentences) or the first."""
    owner: dict[int, _Cluster] = {}
    for c in clusters:
        for s in c.sents:
            owner[s] = c
    last: _Cluster | None = None
    last_at = -10
    for s in range(n_sents):
        if s in owner:
            last, last_at = owner[s], s
            continue
        c = last if last is not None and s - last_at <= 2 else clusters[0]
        c.sents.add(s)


def build_events(doc: Doc) -> list[Event]:
    """Events of ``doc`` (main first); assumes triggers/geoparse/actors/numbers/dates have run."""
    decision = doc._.decision
    if decision.event_type is None:
        return []
    raw = doc._.raw
    pub: date | None = raw.published_at.date() if raw is not None and raw.published_at else None
    main_fields = _Main(decision, doc._.event_date, doc._.event_date_precision)
    clusters = _cluster(doc) if decision.violent else []
    if clusters:
        strong = [c for c in clusters if c.score >= SECONDARY_MIN_SCORE] or clusters
        main = min(strong, key=lambda c: min(c.sents)) if len(strong) > 1 else max(clusters, key=lambda c: c.score)
        others = [c for c in clusters if c is not main and c.score >= SECONDARY_MIN_SCORE and c.location is not None
                  and main.location is not None]
        for c in clusters:
            if c is not main and c not in others:
                main.triggers.extend(c.triggers)
                main.sents |= c.sents
        clusters = [main, *sorted(others, key=lambda c: min(c.sents))][:_MAX_EVENTS]
    if len(clusters) <= 1:
        return [_article_event(doc, main_fields)]
    _assign_sentences(clusters, len(sentences(doc)))
    decisions = sentence_decisions(doc, [({t.sent for t in c.triggers}, decide(c.triggers)) for c in clusters])
    main_dec = decisions[0]
    if main_dec.event_type is not None:
        main_fields = _Main(main_dec, *pick_date(doc._.date_mentions, {t.sent for t in clusters[0].triggers}, pub))
    events = [_article_event(doc, main_fields, clusters[0].sents)]
    for c, dec in zip(clusters[1:], decisions[1:]):
        if dec.event_type is None:
            continue
        mentions = [m for m in doc._.number_mentions if m.sent in c.sents]
        actors = merge_actors([m for m in doc._.actor_mentions if m.sent in c.sents],
                              c.location.country_code if c.location else None, dec.sub_event_type,
                              shooting_cue(doc, c.sents))
        d, prec = pick_date(doc._.date_mentions, {t.sent for t in c.triggers}, pub)
        events.append(Event(
            event_type=dec.event_type, sub_event_type=dec.sub_event_type, confidence=dec.confidence,
            location=c.location.model_copy(update={"is_event_location": True}) if c.location else None,
            actors=actors, fatalities=aggregate(mentions, "fatalities"), injured=aggregate(mentions, "injured"),
            event_date=d, event_date_precision=prec, evidence=_evidence(doc, c.triggers),
        ))
    return events


def _article_event(doc: Doc, main: _Main, sents: set[int] | None = None) -> Event:
    """The main event from the article-level fields (restricted to ``sents`` for multi-event)."""
    dec = main.decision
    fatalities, injured, actors = doc._.fatalities, doc._.injured, doc._.actors
    location = doc._.location
    if sents is not None:
        mentions = [m for m in doc._.number_mentions if m.sent in sents]
        fatalities, injured = aggregate(mentions, "fatalities"), aggregate(mentions, "injured")
        cc = location.country_code if location else None
        actors = merge_actors([m for m in doc._.actor_mentions if m.sent in sents], cc, dec.sub_event_type,
                              shooting_cue(doc, sents))
    return Event(
        event_type=dec.event_type, sub_event_type=dec.sub_event_type, confidence=dec.confidence,
        location=location, actors=actors, fatalities=fatalities, injured=injured,
        event_date=main.event_date, event_date_precision=main.event_date_precision,
        evidence=_evidence(doc, [t for t in doc._.triggers if t.event_type == dec.event_type]),
    )


def _evidence(doc: Doc, triggers: list[Trigger]) -> str | None:
    if not triggers or not doc._.parsed:
        return None
    best = max(triggers, key=lambda t: t.weight)
    return sentences(doc)[best.sent].text.strip()[:500]


def _single_event(doc: Doc) -> list[Event]:
    """The one event of an article decided without a parse (the multilingual rule layer)."""
    dec = doc._.decision
    if dec.event_type is None:
        return []
    evidence = doc._.evidence
    return [Event(
        event_type=dec.event_type, sub_event_type=dec.sub_event_type, confidence=dec.confidence,
        location=doc._.location, actors=doc._.actors, fatalities=doc._.fatalities, injured=doc._.injured,
        event_date=doc._.event_date, event_date_precision=doc._.event_date_precision,
        evidence=evidence[:500] if evidence else None,
    )]


def events_component(doc: Doc) -> Doc:
    """The event assembler: set ``events`` (main first) from the mentions and the decision."""
    doc._.events = build_events(doc) if doc._.parsed else _single_event(doc)
    return doc


@Language.factory("radar_events", assigns=["doc._.events"],
                  requires=["doc._.triggers", "doc._.placed", "doc._.decision", "token.is_sent_start", "doc._.location", "doc._.actor_mentions",
                            "doc._.actors", "doc._.number_mentions", "doc._.date_mentions", "doc._.event_date"])
def make_events(nlp: Language, name: str):  # noqa: ANN201, ARG001
    """The event assembler (one per article and incident)."""
    register_extensions()
    return events_component


def article_fields(doc: Doc) -> dict:
    """The enriched article's top-level event fields, derived in this one place from ``events[0]``.

    Without an event the article is not violent and has no type, counts or actors; an English
    article keeps the date its date mentions give, another keeps none and confidence 0.
    """
    events: list[Event] = doc._.events
    fields = {"locations": doc._.locations, "events": events}
    if events:
        main = events[0]
        fields.update(
            violent=doc._.decision.violent, event_type=main.event_type, sub_event_type=main.sub_event_type,
            confidence=max(0.0, min(1.0, main.confidence)), location=main.location or doc._.location,
            fatalities=main.fatalities, injured=main.injured, event_date=main.event_date,
            event_date_precision=main.event_date_precision,
            actors=_union_actors(events) if len(events) > 1 else main.actors,
        )
        return fields
    english = doc._.english
    fields.update(
        violent=False, event_type=None, sub_event_type=None, fatalities=None, injured=None, actors=[],
        confidence=max(0.0, min(1.0, doc._.decision.confidence)) if english else 0.0,
        location=doc._.location, event_date=doc._.event_date if english else None,
        event_date_precision=doc._.event_date_precision if english else None,
    )
    return fields


def _union_actors(events: list[Event]) -> list:
    """The actors of all events, once each (the one with mentions first); implied and unidentified
    attackers give way to an attacker that another event names."""
    seen: dict[tuple[str, str], Actor] = {}
    for e in events:
        for a in e.actors:
            group = known_group(a.name)  # 'Israeli military' in one event, 'IDF' in another
            key = (group.name if group else a.name, a.category)
            if key not in seen or (a.mentions and not seen[key].mentions):
                seen[key] = a
    named = [a for a in seen.values() if a.role == "initiator" and a.mentions and not a.name.startswith("Unidentified")]
    if not named:
        return list(seen.values())
    return [a for a in seen.values() if not (a.role == "initiator" and a.name.startswith("Unidentified"))]
