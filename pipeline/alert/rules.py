"""Alert rules (``configs/alerts.yaml``): the config models, validation with line numbers, and the
pure decisions: does a rule match an incident, which per-incident trigger fires, quiet hours. The
decisions of the other rule types (frequency, spike, flatline, new_term, cardinality), realert,
silences and templates are in :mod:`pipeline.alert.ruletypes`.

Strings may reference environment variables as ``${NAME}`` or ``${NAME:-default}``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pycountry
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.alert.incidents import fold, words
from pipeline.alert.ruletypes import AGGREGATE_TYPES, KEY_FIELDS, template_fields
from pipeline.geo.distance import haversine_km
from pipeline.schemas import ACTOR_CATEGORIES, EVENT_TYPES, Incident, RuleAlertState

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SUB_TYPES = {sub for subs in EVENT_TYPES.values() for sub in subs}
HUMAN_SINK_TYPES = frozenset({"webhook", "slack", "email"})


class RuleConfigError(ValueError):
    """``alerts.yaml`` is invalid; the message lists every problem with its line and field."""


def parse_duration(value: str | int | float) -> float:
    """'45s' / '30m' / '6h' / '1d' / '2w' (or a number of seconds) → seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("duration must not be negative")
        return float(value)
    m = _DURATION.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a duration: use e.g. 45s, 30m, 6h, 1d, 2w")
    return float(int(m.group(1)) * _UNIT_S[m.group(2)])


def expand_env(value: Any, env: dict[str, str] | None = None) -> Any:
    """Replace ``${NAME}`` / ``${NAME:-default}`` in every string of a loaded YAML tree."""
    env = os.environ if env is None else env
    if isinstance(value, str):
        return _ENV.sub(lambda m: env.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, list):
        return [expand_env(v, env) for v in value]
    if isinstance(value, dict):
        return {k: expand_env(v, env) for k, v in value.items()}
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Near(_Strict):
    """A point and a radius."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0)


class BBox(_Strict):
    """A bounding box."""

    min_lat: float = Field(ge=-90, le=90)
    min_lon: float = Field(ge=-180, le=180)
    max_lat: float = Field(ge=-90, le=90)
    max_lon: float = Field(ge=-180, le=180)

    @model_validator(mode="after")
    def _ordered(self) -> BBox:
        if self.min_lat > self.max_lat:
            raise ValueError("min_lat is greater than max_lat")
        return self


class Filters(_Strict):
    """Which incidents a rule is about; every filter given must hold."""

    event_types: list[str] = Field(default_factory=list)
    sub_event_types: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    admin1: list[str] = Field(default_factory=list)
    near: Near | None = None
    bbox: BBox | None = None
    actors: list[str] = Field(default_factory=list)
    actor_categories: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    min_fatalities: int | None = Field(default=None, ge=0)
    min_sources: int | None = Field(default=None, ge=1)
    min_confidence: float | None = Field(default=None, ge=0, le=1)

    @field_validator("event_types")
    @classmethod
    def _types(cls, v: list[str]) -> list[str]:
        for t in v:
            if t not in EVENT_TYPES and t not in _SUB_TYPES:
                raise ValueError(f"unknown event type {t!r}; choose from {', '.join(EVENT_TYPES)}")
        return v

    @field_validator("sub_event_types")
    @classmethod
    def _subtypes(cls, v: list[str]) -> list[str]:
        for t in v:
            if t not in _SUB_TYPES:
                raise ValueError(f"unknown sub-event type {t!r}")
        return v

    @field_validator("countries")
    @classmethod
    def _countries(cls, v: list[str]) -> list[str]:
        out = []
        for c in v:
            if len(c) != 2 or pycountry.countries.get(alpha_2=c.upper()) is None:
                raise ValueError(f"{c!r} is not an ISO 3166-1 alpha-2 country code")
            out.append(c.upper())
        return out

    @field_validator("actor_categories")
    @classmethod
    def _categories(cls, v: list[str]) -> list[str]:
        for c in v:
            if c not in ACTOR_CATEGORIES:
                raise ValueError(f"unknown actor category {c!r}; choose from {', '.join(ACTOR_CATEGORIES)}")
        return v


class Escalation(_Strict):
    """Re-alert when the death toll rises by ``fatalities_rise`` or ``new_sources`` more outlets report."""

    fatalities_rise: int | None = Field(default=None, ge=1)
    new_sources: int | None = Field(default=None, ge=1)


class Spike(_Strict):
    """Alert when ``count`` matching incidents were first seen within ``window``."""

    count: int = Field(ge=2)
    window: str

    @field_validator("window")
    @classmethod
    def _window(cls, v: str) -> str:
        if parse_duration(v) <= 0:
            raise ValueError("window must be positive")
        return v

    @property
    def window_s(self) -> float:
        """Window in seconds."""
        return parse_duration(self.window)


class Triggers(_Strict):
    """When a matching incident alerts."""

    new: bool = True
    escalation: Escalation | None = None
    spike: Spike | None = None


class QuietHours(_Strict):
    """Local hours in which alerts to people (webhook, Slack, email) wait; Kafka and log still get them."""

    start: str
    end: str
    timezone: str = "UTC"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        try:
            time.fromisoformat(v)
        except ValueError:
            raise ValueError(f"{v!r} is not a time of day HH:MM") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v


RuleType = Literal["any", "frequency", "spike", "flatline", "new_term", "cardinality"]
KeyField = Literal[KEY_FIELDS]  # type: ignore[valid-type]
# options of each rule type: given to a rule of another type they are an error
TYPE_OPTIONS: dict[str, tuple[str, ...]] = {
    "frequency": ("num_events", "timeframe"),
    "spike": ("spike_height", "spike_type", "threshold_ref", "threshold_cur", "alert_on_new_data", "timeframe"),
    "flatline": ("threshold", "timeframe", "key_lookback"),
    "new_term": ("fields", "terms_window"),
    "cardinality": ("cardinality_field", "max_cardinality", "min_cardinality", "timeframe"),
}
TYPE_REQUIRED: dict[str, tuple[str, ...]] = {
    "frequency": ("num_events", "timeframe"), "spike": ("spike_height", "timeframe"),
    "flatline": ("threshold", "timeframe"), "new_term": ("fields",), "cardinality": ("cardinality_field", "timeframe"),
}


def _duration_or_none(v: str | None) -> str | None:
    if v is not None:
        parse_duration(v)
    return v


class Rule(_Strict):
    """A named alert rule: ``type: any`` (the default) alerts per incident through ``triggers``; the
    other types follow ElastAlert 2 (see configs/alerts.yaml)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    description: str = ""
    enabled: bool = True
    type: RuleType = "any"
    filters: Filters = Field(default_factory=Filters)
    triggers: Triggers = Field(default_factory=Triggers)
    cooldown: str = "0s"
    max_alerts_per_incident: int = Field(default=10, ge=1)
    quiet_hours: QuietHours | None = None
    sinks: list[str] | None = None
    digest: bool = True
    query_key: KeyField | list[KeyField] | None = None
    timeframe: str | None = None
    num_events: int | None = Field(default=None, ge=1)
    spike_height: float | None = Field(default=None, ge=1)
    spike_type: Literal["up", "down", "both"] = "up"
    threshold_ref: int | None = Field(default=None, ge=0)
    threshold_cur: int | None = Field(default=None, ge=0)
    alert_on_new_data: bool = False
    threshold: int | None = Field(default=None, ge=1)
    key_lookback: str = "7d"
    fields: list[KeyField] = Field(default_factory=list)
    terms_window: str = "30d"
    cardinality_field: KeyField | None = None
    max_cardinality: int | None = Field(default=None, ge=0)
    min_cardinality: int | None = Field(default=None, ge=1)
    realert: str | None = None
    exponential_realert: str | None = None
    alert_subject: str | None = Field(default=None, max_length=500)
    alert_text: str | None = Field(default=None, max_length=4000)
    alert_text_type: Literal["default", "alert_text_only"] = "default"

    @field_validator("cooldown", "key_lookback", "terms_window")
    @classmethod
    def _duration(cls, v: str) -> str:
        parse_duration(v)
        return v

    @field_validator("timeframe", "realert", "exponential_realert")
    @classmethod
    def _optional_duration(cls, v: str | None) -> str | None:
        if v is not None and parse_duration(v) <= 0 and v != "0s":
            raise ValueError("must be positive")
        return _duration_or_none(v)

    @field_validator("alert_subject", "alert_text")
    @classmethod
    def _template(cls, v: str | None) -> str | None:
        if v is not None:
            template_fields(v)
        return v

    @model_validator(mode="after")
    def _some_trigger(self) -> Rule:
        t = self.triggers
        if self.type == "any" and not (t.new or t.escalation or t.spike):
            raise ValueError("rule has no trigger: set triggers.new, triggers.escalation or triggers.spike")
        return self

    @property
    def cooldown_s(self) -> float:
        """Cooldown in seconds."""
        return parse_duration(self.cooldown)

    @property
    def aggregate(self) -> bool:
        """True for rules the alert worker evaluates over windows (frequency, spike, cardinality,
        new_term, and ``type: any`` with the legacy ``triggers.spike``)."""
        return self.type in AGGREGATE_TYPES or (self.type == "any" and self.triggers.spike is not None)

    @property
    def query_keys(self) -> list[str]:
        """``query_key`` as a list."""
        if self.query_key is None:
            return []
        return [self.query_key] if isinstance(self.query_key, str) else list(self.query_key)

    @property
    def timeframe_s(self) -> float:
        """The window in seconds (the legacy ``triggers.spike.window`` for ``type: any``)."""
        if self.timeframe is None and self.triggers.spike is not None:
            return self.triggers.spike.window_s
        return parse_duration(self.timeframe or "0s")

    @property
    def timeframe_text(self) -> str:
        """The window as written."""
        return self.timeframe or (self.triggers.spike.window if self.triggers.spike else "0s")

    @property
    def num_events_or_count(self) -> int:
        """Incidents a frequency window needs (``triggers.spike.count`` for ``type: any``)."""
        if self.num_events is None and self.triggers.spike is not None:
            return self.triggers.spike.count
        return self.num_events or 1

    @property
    def realert_s(self) -> float:
        """Least event time between two alerts of one group; default 0 for ``type: any`` and the
        timeframe for the window types."""
        if self.realert is not None:
            return parse_duration(self.realert)
        return 0.0 if self.type == "any" else self.timeframe_s

    @property
    def exponential_realert_s(self) -> float:
        """The most the realert grows to (0: no exponential back-off)."""
        return parse_duration(self.exponential_realert) if self.exponential_realert else 0.0

    @property
    def terms_window_s(self) -> float:
        """How long a new_term rule remembers a term."""
        return parse_duration(self.terms_window)

    @property
    def key_lookback_s(self) -> float:
        """How far back a flatline rule looks for the groups it watches."""
        return parse_duration(self.key_lookback)

    @property
    def stream_window_s(self) -> float:
        """The stretch of event time the alert worker must hold for this rule (spike: two windows)."""
        if not self.aggregate or self.type == "new_term":
            return 0.0
        return self.timeframe_s * (2 if self.type == "spike" else 1)


SinkType = Literal["webhook", "slack", "email", "kafka", "log"]


class SinkConfig(_Strict):
    """One named destination. Empty ``url`` / ``host`` (an unset env var) disables the sink."""

    type: SinkType
    url: str = ""
    secret_env: str | None = None
    signature_header: str = "X-Radar-Signature"
    headers: dict[str, str] = Field(default_factory=dict)
    host: str = ""
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    ssl: bool = False
    username: str = ""
    password_env: str | None = None
    sender: str = "incident-radar@localhost"
    to: list[str] = Field(default_factory=list)
    topic: str | None = None
    stream: Literal["stdout", "log"] = "log"
    retries: int | None = Field(default=None, ge=1)
    backoff_s: float | None = Field(default=None, gt=0)
    timeout_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _fields_for_type(self) -> SinkConfig:
        if self.type in ("webhook", "slack") and self.url and not re.match(r"^https?://", self.url):
            raise ValueError(f"url {self.url!r} must start with http:// or https://")
        if self.type == "email" and self.host and not self.to:
            raise ValueError("email sink needs at least one address in 'to'")
        if self.starttls and self.ssl:
            raise ValueError("choose starttls or ssl, not both")
        return self

    @property
    def enabled(self) -> bool:
        """False when the sink's address is empty (its env var is unset)."""
        if self.type in ("webhook", "slack"):
            return bool(self.url)
        if self.type == "email":
            return bool(self.host)
        return True


class Defaults(_Strict):
    """Values rules inherit."""

    sinks: list[str] | None = None
    cooldown: str | None = None


class AlertsConfig(_Strict):
    """The whole ``alerts.yaml``."""

    defaults: Defaults = Field(default_factory=Defaults)
    sinks: dict[str, SinkConfig] = Field(default_factory=lambda: {"log": SinkConfig(type="log")})
    rules: list[Rule] = Field(default_factory=list)

    def rule(self, name: str) -> Rule:
        """The rule called ``name`` (KeyError with the known names otherwise)."""
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(f"no rule {name!r}; rules: {', '.join(r.name for r in self.rules)}")

    def sinks_of(self, rule: Rule) -> list[str]:
        """Names of the enabled sinks ``rule`` delivers to."""
        names = rule.sinks if rule.sinks is not None else self.defaults.sinks
        return [n for n in (names if names is not None else list(self.sinks)) if self.sinks[n].enabled]

    @property
    def active_rules(self) -> list[Rule]:
        """Enabled rules."""
        return [r for r in self.rules if r.enabled]

    def held_until(self, rule: Rule, now: datetime) -> dict[str, datetime]:
        """Per sink of ``rule`` that goes to people (webhook, Slack, email), when its delivery may
        start: the end of the rule's quiet hours when they are on at ``now``; empty otherwise (Kafka
        and log are never held)."""
        quiet = quiet_until(rule.quiet_hours, now)
        if quiet is None:
            return {}
        return {n: quiet for n in self.sinks_of(rule) if self.sinks[n].type in HUMAN_SINK_TYPES}


def _node_at(node: yaml.Node | None, loc: tuple[Any, ...]) -> yaml.Node | None:
    """The YAML node at a pydantic error location: the key node of the last mapping field, else the
    deepest node that exists."""
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                return node
            node = pair[0] if last else pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _where(root: yaml.Node | None, data: Any, loc: tuple[Any, ...]) -> str:
    node = _node_at(root, loc)
    line = f"line {node.start_mark.line + 1}" if node is not None else "line ?"
    parts: list[str] = []
    cur = data
    for part in loc:
        if isinstance(part, int):
            name = cur[part].get("name") if isinstance(cur, list) and part < len(cur) and isinstance(cur[part], dict) else None
            parts.append(f"[{part}]" + (f"({name})" if name else ""))
        else:
            parts.append(("." if parts else "") + str(part))
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            cur = None
    return f"{line}: {''.join(parts) or '<root>'}"


def _type_checks(i: int, rule: Rule, max_window_s: float | None) -> list[tuple[tuple[Any, ...], str]]:
    """A rule's options against its type: missing required options, options of another type, windows
    longer than the alert worker holds incidents, realert options that contradict each other."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    given = rule.model_fields_set
    mine = set(TYPE_OPTIONS.get(rule.type, ()))
    for opt in sorted(given - mine):
        owners = [kind for kind, options in TYPE_OPTIONS.items() if opt in options]
        if owners:
            problems.append((("rules", i, opt), f"{opt} is an option of {'/'.join(owners)} rules, not of type {rule.type}"))
    for opt in TYPE_REQUIRED.get(rule.type, ()):
        if opt not in given or getattr(rule, opt) in (None, []):
            problems.append((("rules", i, "type"), f"a {rule.type} rule needs {opt}"))
    if rule.type == "cardinality" and rule.max_cardinality is None and rule.min_cardinality is None:
        problems.append((("rules", i, "type"), "a cardinality rule needs max_cardinality or min_cardinality"))
    if rule.type != "any" and ("triggers" in given):
        problems.append((("rules", i, "triggers"), f"triggers are for type any rules; a {rule.type} rule alerts by its type"))
    if max_window_s is not None and rule.stream_window_s > max_window_s:
        where = "timeframe" if rule.timeframe else "triggers"
        problems.append((("rules", i, where), f"the window ({rule.stream_window_s / 3600:g}h, spike: two timeframes) is "
                         f"longer than the alert worker holds incidents ({max_window_s / 3600:g}h, "
                         "RADAR_INCIDENT_LOOKBACK_DAYS)"))
    if rule.exponential_realert is not None:
        if rule.realert_s <= 0:
            problems.append((("rules", i, "exponential_realert"), "exponential_realert needs a positive realert"))
        elif rule.exponential_realert_s < rule.realert_s:
            problems.append((("rules", i, "exponential_realert"), "exponential_realert (the maximum) is below realert"))
    if rule.alert_text_type == "alert_text_only" and not rule.alert_text:
        problems.append((("rules", i, "alert_text_type"), "alert_text_only needs alert_text"))
    if rule.query_keys and len(set(rule.query_keys)) != len(rule.query_keys):
        problems.append((("rules", i, "query_key"), "a field is repeated in query_key"))
    return problems


def _cross_checks(cfg: AlertsConfig, env: dict[str, str],
                  max_window_s: float | None = None) -> list[tuple[tuple[Any, ...], str]]:
    problems: list[tuple[tuple[Any, ...], str]] = []
    names: set[str] = set()
    for name in cfg.defaults.sinks or []:
        if name not in cfg.sinks:
            problems.append((("defaults", "sinks"), f"unknown sink {name!r}; sinks: {', '.join(cfg.sinks)}"))
    for i, rule in enumerate(cfg.rules):
        if rule.name in names:
            problems.append((("rules", i, "name"), f"duplicate rule name {rule.name!r}"))
        names.add(rule.name)
        for name in rule.sinks or []:
            if name not in cfg.sinks:
                problems.append((("rules", i, "sinks"), f"unknown sink {name!r}; sinks: {', '.join(cfg.sinks)}"))
        problems += _type_checks(i, rule, max_window_s)
    for name, sink in cfg.sinks.items():
        if sink.type == "webhook" and sink.enabled and sink.secret_env and not env.get(sink.secret_env):
            problems.append((("sinks", name, "secret_env"), f"environment variable {sink.secret_env} (HMAC secret) is not set"))
    return problems


def _inherit_cooldown(data: dict[str, Any]) -> None:
    defaults = data.get("defaults")
    cooldown = defaults.get("cooldown") if isinstance(defaults, dict) else None
    if cooldown is not None and isinstance(data.get("rules"), list):
        for rule in data["rules"]:
            if isinstance(rule, dict):
                rule.setdefault("cooldown", cooldown)


def parse_config(text: str, source: str = "alerts.yaml", env: dict[str, str] | None = None,
                 max_window_s: float | None = None) -> AlertsConfig:
    """Parse and validate alert rules; raise :class:`RuleConfigError` listing ``source:line: field: problem``.
    ``max_window_s``: the longest stream-side window allowed (the alert worker's incident lookback)."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleConfigError(f"{source}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RuleConfigError(f"{source}: line 1: the file must be a mapping with 'sinks' and 'rules'")
    expanded = expand_env(data, env)
    _inherit_cooldown(expanded)
    try:
        cfg = AlertsConfig.model_validate(expanded)
    except ValidationError as exc:
        lines = [f"{source}: {_where(root, data, tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise RuleConfigError("invalid alert rules:\n  " + "\n  ".join(lines)) from None
    problems = _cross_checks(cfg, os.environ if env is None else env, max_window_s)
    if problems:
        lines = [f"{source}: {_where(root, data, loc)}: {msg}" for loc, msg in problems]
        raise RuleConfigError("invalid alert rules:\n  " + "\n  ".join(lines))
    return cfg


def load_config(path: Path | str, max_window_s: float | None = None) -> AlertsConfig:
    """Read and validate an alerts file (windows up to ``max_window_s``, by default the incident
    lookback of the settings)."""
    from pipeline.settings import get_settings

    path = Path(path)
    if not path.is_file():
        raise RuleConfigError(f"{path}: alert rules file not found (RADAR_ALERTS_FILE)")
    if max_window_s is None:
        max_window_s = get_settings().incident_lookback_days * 86_400.0
    return parse_config(path.read_text(encoding="utf-8"), str(path), max_window_s=max_window_s)


# ---------------------------------------------------------------- decisions (pure)


def _phrase_in(phrase: str, inc: Incident) -> bool:
    toks = words(phrase)
    if not toks:
        return False
    title = " ".join(words(inc.title))
    if " ".join(toks) in title:
        return True
    if all(t in inc.term_counts for t in toks):
        return True
    return any(" ".join(toks) in " ".join(words(a.name)) for a in inc.actors)


def matches(rule: Rule, inc: Incident) -> bool:
    """True when every filter of ``rule`` holds for ``inc``."""
    f = rule.filters
    loc = inc.location
    if f.event_types and inc.event_type not in f.event_types and inc.sub_event_type not in f.event_types:
        return False
    if f.sub_event_types and inc.sub_event_type not in f.sub_event_types:
        return False
    if f.countries and not ({c.upper() for c in inc.countries} | ({loc.country_code} if loc and loc.country_code else set())) & set(f.countries):
        return False
    if f.admin1 and not (loc and loc.admin1 and fold(loc.admin1) in {fold(a) for a in f.admin1}):
        return False
    if f.near and not (loc and loc.lat is not None and loc.lon is not None
                       and haversine_km(f.near.lat, f.near.lon, loc.lat, loc.lon) <= f.near.radius_km):
        return False
    if f.bbox and not (loc and loc.lat is not None and loc.lon is not None
                       and f.bbox.min_lat <= loc.lat <= f.bbox.max_lat and _in_lon(f.bbox, loc.lon)):
        return False
    if f.actors and not any(" ".join(words(want)) in " ".join(words(a.name)) for want in f.actors for a in inc.actors):
        return False
    if f.actor_categories and not any(a.category in f.actor_categories for a in inc.actors):
        return False
    if f.keywords and not any(_phrase_in(k, inc) for k in f.keywords):
        return False
    if f.min_fatalities is not None and (inc.fatalities or 0) < f.min_fatalities:
        return False
    if f.min_sources is not None and inc.n_sources < f.min_sources:
        return False
    if f.min_confidence is not None and inc.confidence < f.min_confidence:
        return False
    return True


def _in_lon(box: BBox, lon: float) -> bool:
    if box.min_lon <= box.max_lon:
        return box.min_lon <= lon <= box.max_lon
    return lon >= box.min_lon or lon <= box.max_lon


@dataclass(frozen=True)
class Decision:
    """A trigger that fired for one rule and incident (or group); ``key`` makes the alert id
    deterministic; ``group`` is the query-key group, ``count`` what an aggregate counted and
    ``incidents`` the incidents it counted."""

    rule: str
    trigger: str
    key: str
    detail: str
    group: str | None = None
    count: int | None = None
    incidents: tuple[str, ...] = ()


def alert_id(rule: str, incident_id: str, key: str) -> str:
    """Deterministic alert id: the same rule, incident and trigger key give the same id."""
    return "alr-" + hashlib.sha1(f"{rule}|{incident_id}|{key}".encode()).hexdigest()[:20]


def evaluate(rule: Rule, inc: Incident, now: datetime) -> tuple[Decision | None, RuleAlertState | None]:
    """Which trigger (new / escalation) fires for ``inc`` now, and the rule's state after it.

    Returns ``(None, None)`` when nothing changes. Without a ``new`` trigger the first match only
    records a baseline for later escalations.
    """
    if not rule.enabled or rule.type != "any" or not matches(rule, inc):
        return None, None
    state = inc.alert_state.get(rule.name)
    after = RuleAlertState(count=(state.count if state else 0) + 1, last_at=now, fatalities=inc.fatalities,
                           n_sources=inc.n_sources)
    if state is None:
        if not rule.triggers.new:
            return None, after.model_copy(update={"count": 0})
        return Decision(rule.name, "new", "new", f"new incident matching rule {rule.name}"), after
    esc = rule.triggers.escalation
    if esc is None or state.count >= rule.max_alerts_per_incident:
        return None, None
    if state.last_at is not None and (now - state.last_at).total_seconds() < rule.cooldown_s:
        return None, None
    parts, details = [], []
    rise = (inc.fatalities or 0) - (state.fatalities or 0)
    if esc.fatalities_rise and rise >= esc.fatalities_rise:
        parts.append(f"fatalities:{inc.fatalities}")
        details.append(f"death toll rose from {state.fatalities or 0} to {inc.fatalities}")
    if esc.new_sources and inc.n_sources - state.n_sources >= esc.new_sources:
        parts.append(f"sources:{inc.n_sources}")
        details.append(f"reported by {inc.n_sources - state.n_sources} more sources ({inc.n_sources} in all)")
    if not parts:
        return None, None
    return Decision(rule.name, "escalation", "escalation:" + ":".join(parts), "; ".join(details)), after


def quiet_until(q: QuietHours | None, now: datetime) -> datetime | None:
    """When quiet hours are on at ``now``, the UTC time they end; otherwise None."""
    if q is None:
        return None
    tz = ZoneInfo(q.timezone)
    local = now.astimezone(tz)
    start, end = time.fromisoformat(q.start), time.fromisoformat(q.end)
    t = local.time().replace(tzinfo=None)
    inside = (start <= t < end) if start <= end else (t >= start or t < end)
    if not inside:
        return None
    end_dt = datetime.combine(local.date(), end, tzinfo=tz)
    if end_dt <= local:
        end_dt += timedelta(days=1)
    return end_dt.astimezone(timezone.utc)


def describe_filters(rule: Rule) -> str:
    """The rule's filters in one line (for alerts: why it matched)."""
    f = rule.filters.model_dump(exclude_none=True, exclude_defaults=True)
    return ", ".join(f"{k}={v}" for k, v in f.items()) or "all incidents"
