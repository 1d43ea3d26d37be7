"""Clustering articles into incidents: pure functions, no servers.

An article joins the best-scoring candidate incident when the hard gates pass (compatible event
type, event dates within a window, locations within a distance) and enough evidence agrees (same
place, shared named actors, similar wording, same sub-type, same death toll). Near-duplicate and
syndicated copies (MinHash over word shingles) join regardless of the evidence score.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlparse

from pipeline.schemas import Actor, EnrichedArticle, Incident, Location
from pipeline.settings import Settings
from pipeline.geo.distance import haversine_km

TYPE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"Battles", "Explosions/Remote violence", "Violence against civilians"}),
    frozenset({"Protests", "Riots"}),
    frozenset({"Strategic developments"}),
)
PRECISION_RANK = {"city": 4, "admin2": 3, "admin1": 2, "country": 1}
GENERIC_ACTORS = frozenset({
    "police", "gunmen", "soldiers", "civilians", "military", "army", "security forces", "attackers",
    "militants", "residents", "protesters", "rioters", "unidentified armed group", "unidentified gunmen",
    "armed men", "villagers", "troops", "government", "authorities", "students", "workers",
})
STOPWORDS = frozenset("""
a about after against all also an and any are as at be been before but by during for from had has have he
her his in into is it its killed more near new no not of on one or other our out over said say says she
since some than that the their them then there these they this those three to two up was were when which
while who will with would you yesterday today sunday monday tuesday wednesday thursday friday saturday
officials official according told local state reported people report reports police news agency
""".split())
_WORD = re.compile(r"[a-z0-9]+")
_MERSENNE = (1 << 61) - 1


@dataclass(frozen=True)
class ClusterConfig:
    """The clustering limits (from :class:`~pipeline.settings.Settings`)."""

    max_distance_km: float = 50.0
    same_place_km: float = 5.0
    date_window_days: int = 2
    match_threshold: float = 2.5
    duplicate_jaccard: float = 0.5
    minhash_perm: int = 64
    max_article_ids: int = 1_000
    max_signatures: int = 20
    max_terms: int = 80
    outlier_ratio: float = 3.0
    max_links: int = 10

    @classmethod
    def from_settings(cls, s: Settings) -> ClusterConfig:
        """Take every limit from settings."""
        return cls(
            max_distance_km=s.incident_max_distance_km, same_place_km=s.incident_same_place_km,
            date_window_days=s.incident_date_window_days, match_threshold=s.incident_match_threshold,
            duplicate_jaccard=s.incident_duplicate_jaccard, minhash_perm=s.incident_minhash_perm,
            max_article_ids=s.incident_max_article_ids, max_signatures=s.incident_max_signatures,
            max_terms=s.incident_max_terms, outlier_ratio=s.incident_fatalities_outlier_ratio,
            max_links=s.alert_max_links,
        )


def fold(text: str) -> str:
    """Lower-case ASCII folding (accents removed)."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    """Folded word tokens."""
    return _WORD.findall(fold(text))


def content_terms(text: str) -> list[str]:
    """Content words (no stopwords, no short tokens, no numbers)."""
    return [w for w in words(text) if len(w) > 2 and w not in STOPWORDS and not w.isdigit()]


def _hash64(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "big")


def _permutations(n: int) -> list[tuple[int, int]]:
    rng = random.Random(20_260_101)
    return [(rng.randrange(1, _MERSENNE), rng.randrange(0, _MERSENNE)) for _ in range(n)]


_PERMS: dict[int, list[tuple[int, int]]] = {}


def minhash(text: str, num_perm: int = 64, shingle: int = 4) -> list[int]:
    """MinHash signature of the word ``shingle``-grams of ``text`` (deterministic across processes)."""
    toks = words(text)
    grams = {" ".join(toks[i:i + shingle]) for i in range(max(1, len(toks) - shingle + 1))} if toks else set()
    perms = _PERMS.setdefault(num_perm, _permutations(num_perm))
    if not grams:
        return [_MERSENNE] * num_perm
    hashes = [_hash64(g) for g in grams]
    return [min((a * h + b) % _MERSENNE for h in hashes) for a, b in perms]


def signature_similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two MinHash signatures."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b) if x == y and x != _MERSENNE) / len(a)


def source_of(article: EnrichedArticle) -> str:
    """The outlet: ``source`` or the URL's host without ``www.``."""
    if article.source:
        return article.source.strip().lower()
    host = urlparse(article.url or "").hostname or ""
    return host.removeprefix("www.") or "unknown"


def actor_key(name: str) -> str:
    """Normalised actor name for comparison."""
    return " ".join(w for w in words(name) if w not in {"the", "de", "del", "la", "el"})


def named_actors(actors: list[Actor]) -> set[str]:
    """Keys of the specific (non-generic) actors."""
    return {k for k in (actor_key(a.name) for a in actors) if k and k not in GENERIC_ACTORS}


def type_group(event_type: str | None) -> frozenset[str]:
    """The set of event types that may describe the same incident as ``event_type``."""
    for group in TYPE_GROUPS:
        if event_type in group:
            return group
    return frozenset({event_type}) if event_type else frozenset()


def _parse_day(value: str | None) -> date | None:
    if value and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def article_day(article: EnrichedArticle) -> date | None:
    """The event day: a day/week-precise event date, else the publication (or fetch) day."""
    if article.event_date_precision in (None, "day", "week"):
        day = _parse_day(article.event_date)
        if day:
            return day
    when = article.published_at or article.fetched_at
    return when.astimezone(timezone.utc).date() if when else None


def location_key(loc: Location) -> str:
    """Identity of a place: GeoNames id, else the folded name."""
    return str(loc.geonameid) if loc.geonameid else f"{fold(loc.name)}|{loc.country_code or ''}"


@dataclass
class ArticleView:
    """What clustering needs from an enriched article."""

    article: EnrichedArticle
    source: str
    day: date | None
    terms: Counter
    signature: list[int]
    actors: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        """Article id."""
        return self.article.id


def view(article: EnrichedArticle, cfg: ClusterConfig) -> ArticleView:
    """Precompute the features of ``article``."""
    text = f"{article.title}\n{article.body}"
    lead = f"{article.title} {article.title} {article.body[:800]}"
    return ArticleView(article=article, source=source_of(article), day=article_day(article),
                       terms=Counter(content_terms(lead)), signature=minhash(text, cfg.minhash_perm),
                       actors=named_actors(article.actors))


def _cosine(a: Counter, b: dict[str, int]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def is_duplicate(a: ArticleView, inc: Incident, cfg: ClusterConfig) -> bool:
    """True when the article's text is a near copy of one already in the incident."""
    return any(signature_similarity(a.signature, sig) >= cfg.duplicate_jaccard for sig in inc.signatures)


def _distance(loc: Location | None, inc_loc: Location | None) -> float | None:
    if loc is None or inc_loc is None or None in (loc.lat, loc.lon, inc_loc.lat, inc_loc.lon):
        return None
    return haversine_km(loc.lat, loc.lon, inc_loc.lat, inc_loc.lon)  # type: ignore[arg-type]


def _gates(a: ArticleView, inc: Incident, cfg: ClusterConfig) -> bool:
    """Hard constraints: compatible type, dates within the window, places within the distance."""
    art = a.article
    if not art.event_type or inc.event_type not in type_group(art.event_type):
        return False
    inc_day = _parse_day(inc.event_date)
    if a.day and inc_day and abs((a.day - inc_day).days) > cfg.date_window_days:
        return False
    loc, inc_loc = art.location, inc.location
    if loc is None or inc_loc is None:
        return True
    if loc.country_code and inc_loc.country_code and loc.country_code != inc_loc.country_code:
        return False
    if loc.precision == "city" and inc_loc.precision == "city":
        dist = _distance(loc, inc_loc)
        return dist is None or dist <= cfg.max_distance_km
    if loc.precision == "country" or inc_loc.precision == "country":
        return True
    return not (loc.admin1 and inc_loc.admin1 and fold(loc.admin1) != fold(inc_loc.admin1))


def _place_score(loc: Location | None, inc_loc: Location | None, cfg: ClusterConfig) -> float:
    """+2 same place, +0.5 same region, -1 two different precise towns, 0 unknown."""
    if loc is None or inc_loc is None:
        return 0.0
    if location_key(loc) == location_key(inc_loc):
        return 2.0
    dist = _distance(loc, inc_loc)
    both_city = loc.precision == "city" and inc_loc.precision == "city"
    if dist is not None and dist <= cfg.same_place_km:
        return 2.0
    if both_city:
        return -1.0
    if loc.admin1 and loc.admin1 == inc_loc.admin1:
        return 0.5
    return 0.0


def evidence(a: ArticleView, inc: Incident, cfg: ClusterConfig) -> float:
    """How strongly the article and the incident agree (after the gates passed)."""
    art = a.article
    score = _place_score(art.location, inc.location, cfg)
    inc_actors = named_actors(inc.actors)
    if a.actors and inc_actors:
        overlap = len(a.actors & inc_actors) / min(len(a.actors), len(inc_actors))
        score += 1.5 * overlap if overlap else -0.5
    score += 4.0 * _cosine(a.terms, inc.term_counts)
    if art.sub_event_type and art.sub_event_type == inc.sub_event_type:
        score += 0.5
    if art.fatalities is not None and inc.fatalities is not None:
        score += 0.5 if art.fatalities in inc.fatality_reports.values() else 0.0
    inc_day = _parse_day(inc.event_date)
    if a.day and inc_day and art.event_date_precision == "day":
        score += 0.5 if a.day == inc_day else -1.0
    return score


def best_match(a: ArticleView, candidates: list[Incident], cfg: ClusterConfig) -> Incident | None:
    """The incident ``a`` belongs to, or None when it starts a new one."""
    best: tuple[float, Incident] | None = None
    for inc in candidates:
        if not _gates(a, inc, cfg):
            continue
        score = 100.0 if is_duplicate(a, inc, cfg) else evidence(a, inc, cfg)
        if score >= cfg.match_threshold and (best is None or score > best[0]):
            best = (score, inc)
    return best[1] if best else None


def incident_id_for(article_id: str) -> str:
    """Deterministic incident id from the article that opened it (re-processing yields the same id)."""
    return "inc-" + hashlib.sha1(article_id.encode("utf-8")).hexdigest()[:16]


def credible_fatalities(reports: dict[str, int], outlier_ratio: float) -> tuple[int | None, int]:
    """The highest credible death toll and how many sources report at least that figure.

    A figure reported by a single source that is more than ``outlier_ratio`` times the next highest
    figure (from at least two other reports) is treated as not credible.
    """
    figures = sorted(reports.values(), reverse=True)
    if not figures:
        return None, 0
    top = figures[0]
    if len(figures) >= 3 and figures.count(top) == 1 and figures[1] > 0 and top > outlier_ratio * figures[1]:
        top = figures[1]
    return top, sum(1 for f in figures if f >= top)


def _vote_type(inc: Incident) -> tuple[str | None, str | None]:
    if not inc.type_votes:
        return inc.event_type, inc.sub_event_type
    key = max(inc.type_votes.items(), key=lambda kv: (kv[1], kv[0]))[0]
    etype, _, sub = key.partition("|")
    return etype or None, sub or None


def _better_location(current: Location | None, new: Location | None, votes: dict[str, int]) -> Location | None:
    if new is None:
        return current
    if current is None:
        return new
    rank_new, rank_cur = PRECISION_RANK.get(new.precision, 0), PRECISION_RANK.get(current.precision, 0)
    if (new.lat is None) != (current.lat is None):
        return new if new.lat is not None else current
    if rank_new != rank_cur:
        return new if rank_new > rank_cur else current
    return new if votes.get(location_key(new), 0) > votes.get(location_key(current), 0) else current


def _merge_actors(actors: list[Actor], new: list[Actor]) -> list[Actor]:
    seen = {actor_key(a.name) for a in actors}
    out = list(actors)
    for actor in new:
        key = actor_key(actor.name)
        if key and key not in seen:
            seen.add(key)
            out.append(Actor(name=actor.name, category=actor.category, role=actor.role, country_code=actor.country_code))
    return out


def _top_terms(counts: dict[str, int], extra: Counter, limit: int) -> dict[str, int]:
    merged = Counter(counts)
    merged.update(extra)
    return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])


def apply_article(inc: Incident | None, a: ArticleView, now: datetime, cfg: ClusterConfig) -> Incident:
    """Return the incident after adding article ``a`` (a new incident when ``inc`` is None).

    Adding an article that is already in the incident returns it unchanged.
    """
    art = a.article
    if inc is not None and art.id in inc.article_ids:
        return inc
    seen_at = art.published_at or art.fetched_at
    if inc is None:
        inc = Incident(id=incident_id_for(art.id), status="new", version=0, title=art.title,
                       first_seen=seen_at, last_updated=now, event_type=art.event_type,
                       sub_event_type=art.sub_event_type, event_date=a.day.isoformat() if a.day else None)
        before_fatalities = None
    else:
        inc = inc.model_copy(deep=True)
        before_fatalities = inc.fatalities
    inc.version += 1
    inc.n_articles += 1
    if len(inc.article_ids) < cfg.max_article_ids:
        inc.article_ids.append(art.id)
    if art.url and art.url not in inc.urls and len(inc.urls) < cfg.max_links:
        inc.urls.append(art.url)
    if a.source not in inc.sources:
        inc.sources.append(a.source)
    inc.n_sources = len(inc.sources)
    if art.fatalities is not None:
        inc.fatality_reports[a.source] = max(art.fatalities, inc.fatality_reports.get(a.source, 0))
    inc.fatalities, inc.fatalities_sources = credible_fatalities(inc.fatality_reports, cfg.outlier_ratio)
    if art.injured is not None:
        inc.injured = max(art.injured, inc.injured or 0)
    type_key = f"{art.event_type or ''}|{art.sub_event_type or ''}"
    inc.type_votes[type_key] = inc.type_votes.get(type_key, 0) + 1
    inc.event_type, inc.sub_event_type = _vote_type(inc)
    if art.location is not None:
        key = location_key(art.location)
        inc.location_votes[key] = inc.location_votes.get(key, 0) + 1
        inc.location = _better_location(inc.location, art.location, inc.location_votes)
        if art.location.country_code and art.location.country_code not in inc.countries:
            inc.countries.append(art.location.country_code)
    inc.actors = _merge_actors(inc.actors, art.actors)
    inc.confidence = max(inc.confidence, art.confidence)
    if a.day and (inc.event_date is None or a.day.isoformat() < inc.event_date):
        inc.event_date = a.day.isoformat()
    if seen_at and seen_at < inc.first_seen:
        inc.first_seen = seen_at
    inc.last_updated = max(now, inc.last_updated)
    inc.term_counts = _top_terms(inc.term_counts, a.terms, cfg.max_terms)
    if len(inc.signatures) < cfg.max_signatures:
        inc.signatures.append(a.signature)
    if inc.n_articles == 1:
        inc.status = "new"
    elif inc.fatalities is not None and (before_fatalities is None or inc.fatalities > before_fatalities):
        inc.status = "escalated"
    else:
        inc.status = "updated"
    return inc


def cluster(articles: list[EnrichedArticle], cfg: ClusterConfig, now: datetime | None = None,
            lookback: timedelta | None = None) -> list[Incident]:
    """Cluster ``articles`` (in the given order) from scratch; the offline twin of the worker."""
    incidents: dict[str, Incident] = {}
    for art in articles:
        if not art.event_type:
            continue
        a = view(art, cfg)
        when = now or art.published_at or art.fetched_at
        candidates = [inc for inc in incidents.values()
                      if lookback is None or inc.last_updated >= when - lookback]
        match = best_match(a, candidates, cfg)
        inc = apply_article(match, a, when, cfg)
        incidents[inc.id] = inc
    return list(incidents.values())
