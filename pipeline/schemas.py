"""Every message that crosses Kafka, in one place.

Each message is JSON and carries ``schema_version``. Producers build these models and call
:func:`dump`; consumers call :func:`load` with the expected model and route a
:class:`SchemaError` to the dead-letter topic.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCHEMA_VERSION = 1

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": ("Sexual violence", "Attack", "Abduction/forced disappearance"),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}

ACTOR_CATEGORIES: tuple[str, ...] = (
    "State forces",
    "Rebel groups",
    "Political militias",
    "Identity militias",
    "Rioters",
    "Protesters",
    "Civilians",
    "External/Other",
    "Criminal groups",
)

GeoPrecision = Literal["city", "admin2", "admin1", "country"]
DatePrecision = Literal["day", "week", "month", "year"]
ActorRole = Literal["initiator", "target", "other"]
TextSource = Literal["article", "feed"]


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


class SchemaError(ValueError):
    """A message that does not match its schema (bad JSON, missing or invalid fields)."""


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    schema_version: int = SCHEMA_VERSION

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v > SCHEMA_VERSION:
            raise ValueError(f"schema_version {v} is newer than this code understands ({SCHEMA_VERSION})")
        return v


class RawArticle(_Message):
    """An article: topic ``articles.entries`` (from the feed, ``body`` = teaser) and ``articles.raw``
    (after the fetch stage, ``body`` = full text when ``text_source`` is ``article``), key = ``id``.
    ``summary``, ``text_source``, ``fetch_error`` and ``region`` were added to schema version 1 with defaults,
    so older messages still load."""

    id: str = Field(min_length=1, max_length=128)
    url: str | None = None
    source: str | None = None
    feed: str | None = None
    title: str = Field(default="", max_length=2_000)
    body: str = ""
    published_at: datetime | None = None
    fetched_at: datetime = Field(default_factory=utcnow)
    language: str | None = None
    tags: list[str] = Field(default_factory=list)
    summary: str = Field("", description="the feed's teaser")
    text_source: TextSource = Field("feed", description="where body comes from: the article page or the feed")
    fetch_error: str | None = Field(None, description="why the page's text was not used (teaser fallback)")
    region: str | None = Field(None, max_length=6, description="the feed's home region (ISO 3166 'MX', 'US-TX')")

    @field_validator("title", "body", "summary")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v.strip()

    @model_validator(mode="after")
    def _has_text(self) -> "RawArticle":
        if not self.title and not self.body:
            raise ValueError("article has neither title nor body")
        return self


class Location(BaseModel):
    """A resolved place (GeoNames) with where it was found in the text."""

    name: str
    country_code: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    geonameid: int | None = None
    feature_class: str | None = None
    precision: GeoPrecision = "city"
    mentions: list[str] = Field(default_factory=list)
    is_event_location: bool = False


class Actor(BaseModel):
    """A participant, normalised over its mentions."""

    name: str
    category: str = "External/Other"
    role: ActorRole = "other"
    country_code: str | None = None
    mentions: list[str] = Field(default_factory=list)


class Event(BaseModel):
    """One incident reported by an article."""

    event_type: str | None = None
    sub_event_type: str | None = None
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    location: Location | None = None
    actors: list[Actor] = Field(default_factory=list)
    fatalities: int | None = None
    injured: int | None = None
    event_date: str | None = None
    event_date_precision: DatePrecision | None = None
    evidence: str | None = None


class EnrichedArticle(RawArticle):
    """An enriched article: topic ``articles.enriched``, key = ``id``; also the search document.

    The top-level event fields describe the article's main event (``events[0]``).
    """

    violent: bool = False
    event_type: str | None = None
    sub_event_type: str | None = None
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    location: Location | None = None
    locations: list[Location] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    fatalities: int | None = None
    injured: int | None = None
    event_date: str | None = None
    event_date_precision: DatePrecision | None = None
    events: list[Event] = Field(default_factory=list)
    enriched_at: datetime = Field(default_factory=utcnow)
    enricher_version: str = ""
    incident_id: str | None = None

    @field_validator("event_type")
    @classmethod
    def _known_type(cls, v: str | None) -> str | None:
        if v is not None and v not in EVENT_TYPES:
            raise ValueError(f"unknown event_type {v!r}")
        return v


class DeadLetter(_Message):
    """A message that failed: topic ``articles.dlq``. Keeps the original bytes (as text)."""

    stage: str
    error: str
    source_topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    payload: str
    failed_at: datetime = Field(default_factory=utcnow)


IncidentStatus = Literal["new", "updated", "escalated"]


class RuleAlertState(BaseModel):
    """What was last alerted for one incident under one rule (drives escalation and cooldown)."""

    count: int = 0
    last_at: datetime | None = None
    fatalities: int | None = None
    n_sources: int = 0


class RuleKeyState(_Message):
    """The alert stage's state of one aggregate rule for one group key (``<country>|<query_key value>``)
    in one input partition: changelog record ``__rule__|<rule>|<key>`` in ``<incidents>.changelog``.
    Realert times are event times (the incidents' ``first_seen``), so a replay decides the same."""

    rule: str
    key: str
    partition: int | None = None
    last_alert_at: datetime | None = None
    exponent: int = Field(0, ge=0, description="exponential_realert: the realert now lasts realert * 2**exponent")
    terms: dict[str, datetime] = Field(default_factory=dict, description="new_term: term -> last seen (event time)")


class Silence(_Message):
    """``radar alerts silence RULE --for 2h``: no alert of ``rule`` (for ``key`` only, when given) is
    recorded or sent before ``until``; a document of the silences index, ``_id`` = ``rule`` or
    ``rule|key``."""

    id: str
    rule: str
    key: str | None = None
    until: datetime
    created_at: datetime = Field(default_factory=utcnow)
    reason: str = ""


class Incident(_Message):
    """A real-world event reported by one or more articles: topic ``incidents``, key = ``id``;
    also the document of the incidents index (plus ``incident_id`` and ``geo``)."""

    id: str = Field(min_length=1, max_length=128)
    status: IncidentStatus = "new"
    version: int = 1
    event_type: str | None = None
    sub_event_type: str | None = None
    title: str = ""
    location: Location | None = None
    actors: list[Actor] = Field(default_factory=list)
    fatalities: int | None = None
    fatalities_sources: int = 0
    fatality_reports: dict[str, int] = Field(default_factory=dict)
    injured: int | None = None
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    event_date: str | None = None
    first_seen: datetime = Field(default_factory=utcnow)
    last_updated: datetime = Field(default_factory=utcnow)
    n_articles: int = 0
    n_sources: int = 0
    sources: list[str] = Field(default_factory=list)
    article_ids: list[str] = Field(default_factory=list)
    urls: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    term_counts: dict[str, int] = Field(default_factory=dict)
    signatures: list[list[int]] = Field(default_factory=list)
    type_votes: dict[str, int] = Field(default_factory=dict)
    location_votes: dict[str, int] = Field(default_factory=dict)
    alert_state: dict[str, RuleAlertState] = Field(default_factory=dict)


AlertTrigger = Literal["new", "escalation", "spike", "frequency", "flatline", "new_term", "cardinality",
                       "sink_failure", "digest"]


class Alert(_Message):
    """One alert: a rule matched an incident (topic ``alerts``, key = incident id). ``id`` is
    deterministic (rule + incident + trigger key), so the same alert is never created twice."""

    id: str = Field(min_length=1, max_length=128)
    rule: str
    trigger: AlertTrigger
    trigger_key: str
    reason: str = ""
    incident_id: str
    created_at: datetime = Field(default_factory=utcnow)
    headline: str = ""
    what: str = ""
    where: str = ""
    who: list[str] = Field(default_factory=list)
    fatalities: int | None = None
    fatalities_sources: int = 0
    injured: int | None = None
    n_sources: int = 0
    n_articles: int = 0
    sources: list[str] = Field(default_factory=list)
    first_seen: datetime | None = None
    event_date: str | None = None
    links: list[str] = Field(default_factory=list)
    event_type: str | None = None
    sub_event_type: str | None = None
    country_code: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    trigger_article_id: str | None = None
    related_incidents: list[str] = Field(default_factory=list)
    key: str | None = Field(None, description="the query_key value the alert is about (country|admin1, ...)")
    count: int | None = Field(None, description="what an aggregate rule counted (incidents, distinct values)")
    text: str | None = Field(None, description="body rendered from the rule's alert_text template")


M = TypeVar("M", bound=BaseModel)


def region_key(article: EnrichedArticle) -> str:
    """Kafka key of ``articles.enriched``: the country of the article's main location (else of any
    location, else ``--``). Clustering never matches across countries, so the alert stage can be
    partitioned by it."""
    for loc in [article.location, *article.locations]:
        if loc is not None and loc.country_code:
            return loc.country_code.upper()
    return "--"


def dump(message: BaseModel) -> bytes:
    """Serialise a message to UTF-8 JSON bytes."""
    return message.model_dump_json(exclude_none=False).encode("utf-8")


def load(model: type[M], data: bytes | str | None) -> M:
    """Parse and validate ``data`` as ``model``; raise :class:`SchemaError` with a clear message."""
    if data is None:
        raise SchemaError(f"empty message (expected {model.__name__})")
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
        )
        raise SchemaError(f"invalid {model.__name__}: {problems}") from None
