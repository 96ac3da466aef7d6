"""OSM tag parsing shared by the road network and the travel-mode profiles.

Everything a profile needs from raw way tags is decided here, once:

* :func:`parse_oneway` — direction of travel (``oneway``, implied by ``junction=roundabout`` / ``motorway``);
* :func:`parse_maxspeed_kmh` / :func:`parse_zone_maxspeed_kmh` — the posted limit from ``maxspeed``, and the
  implicit (zone) limit from ``maxspeed=UA:urban`` or the zone tags ``maxspeed:type`` / ``source:maxspeed`` /
  ``zone:maxspeed`` (``UA:urban`` = 50 km/h ...);
* :func:`access_allowed` — the OSM access hierarchy of a mode (the most specific tag present wins:
  ``access`` → ``vehicle`` → ``motor_vehicle`` → ``motorcar`` for a car, ``access`` → ``foot`` on foot, so
  ``foot=yes`` opens a way tagged ``access=no`` to pedestrians and ``motor_vehicle=no`` closes it to cars).

The implicit speed limits of Ukraine (:data:`IMPLICIT_MAXSPEED_KMH`) are those of the traffic rules
(:data:`TRAFFIC_RULES_SOURCE`): 50 km/h in settlements (п. 12.4), 20 km/h in residential and pedestrian zones
(п. 12.5), outside settlements 90 km/h, 110 km/h on roads with separate carriageways and 130 km/h on motorways
(п. 12.6 ґ) for cars.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

#: Where the implicit Ukrainian speed limits come from.
TRAFFIC_RULES_SOURCE = (
    "Правила дорожнього руху України (постанова КМУ № 1306 від 10.10.2001), п. 12.4 (у населених пунктах "
    "не більше 50 км/год — у редакції постанови КМУ № 883 від 10.11.2017, чинна з 01.01.2018), п. 12.5 (житлові й "
    "пішохідні зони — 20 км/год), п. 12.6 ґ (поза населеними пунктами 90 км/год, дороги з окремими проїзними "
    "частинами 110 км/год, автомагістралі 130 км/год) / Ukrainian traffic rules, clauses 12.4–12.6"
)

#: Implicit speed-limit values (the part after ``XX:`` of ``maxspeed`` / ``maxspeed:type`` / ``source:maxspeed`` /
#: ``zone:maxspeed``), km/h. Ukrainian values per :data:`TRAFFIC_RULES_SOURCE` (the OSM wiki "Default speed
#: limits" table gives the same for UA); other countries' codes use the same contexts.
IMPLICIT_MAXSPEED_KMH: dict[str, float] = {
    "urban": 50.0,
    "rural": 90.0,
    "trunk": 110.0,
    "dual_carriageway": 110.0,
    "motorway": 130.0,
    "living_street": 20.0,
    "pedestrian_zone": 20.0,
    "zone20": 20.0,
    "zone30": 30.0,
}
#: Countries whose ``XX:context`` codes are read with :data:`IMPLICIT_MAXSPEED_KMH` (Ukraine and its neighbours;
#: their urban/rural limits agree with Ukraine's on ordinary roads). Other codes stay unparsed (NaN).
IMPLICIT_MAXSPEED_COUNTRIES = frozenset({"UA", "PL", "SK", "HU", "RO", "MD"})
#: Zone tags read when ``maxspeed`` is not a number, in order of preference.
MAXSPEED_ZONE_KEYS: tuple[str, ...] = ("maxspeed:type", "source:maxspeed", "zone:maxspeed")

#: Values of an access tag that close a way to the mode they apply to.
ACCESS_DENIED = frozenset({"no", "private", "agricultural", "forestry", "discouraged", "military", "restricted"})
#: The access hierarchy per kind of traveller, general to specific (OSM wiki "Key:access").
ACCESS_KEYS_DRIVE: tuple[str, ...] = ("access", "vehicle", "motor_vehicle", "motorcar")
ACCESS_KEYS_FOOT: tuple[str, ...] = ("access", "foot")

_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}
_ONEWAY_BOTH = {"no", "false", "0", "alternating", "reversible"}
_IMPLIED_ONEWAY_HIGHWAYS = {"motorway"}
_IMPLIED_ONEWAY_JUNCTIONS = {"roundabout", "circular"}
_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)
_IMPLICIT = re.compile(r"^\s*([A-Za-z]{2}):([A-Za-z_0-9]+)\s*$")
_MPH_TO_KMH = 1.609344
_KNOTS_TO_KMH = 1.852


def parse_oneway(oneway: pd.Series, highway: pd.Series, junction: pd.Series | None = None) -> np.ndarray:
    """Direction code per way segment: 1 forward only, -1 backward only, 0 both ways.

    Follows the OSM wiki: explicit ``oneway`` wins; otherwise ``junction=roundabout`` and ``highway=motorway``
    imply one-way forward.
    """
    raw = oneway.astype("string").str.strip().str.lower().fillna("")
    code = np.zeros(len(raw), dtype=np.int8)
    code[raw.isin(list(_ONEWAY_FORWARD)).to_numpy(dtype=bool)] = 1
    code[raw.isin(list(_ONEWAY_BACKWARD)).to_numpy(dtype=bool)] = -1
    untagged = (~raw.isin(list(_ONEWAY_FORWARD | _ONEWAY_BACKWARD | _ONEWAY_BOTH))).to_numpy(dtype=bool)
    implied = np.array(highway.astype("string").isin(list(_IMPLIED_ONEWAY_HIGHWAYS)), dtype=bool)
    if junction is not None:
        implied = implied | np.array(junction.astype("string").isin(list(_IMPLIED_ONEWAY_JUNCTIONS)), dtype=bool)
    code[untagged & implied] = 1
    return code


def maxspeed_value_kmh(value: object, *, implicit: bool | None = None) -> float:
    """One raw speed-limit value in km/h, NaN when it says nothing usable.

    Understands numbers (``"50"``, ``"60 km/h"``, ``"30 mph"``, ``"10 knots"``), lists of alternatives
    (``"50;70"``: the lowest, the limit that binds everyone; ``"90|70"`` per lane: the highest lane), ``walk``
    (5 km/h), and implicit values ``XX:context`` of :data:`IMPLICIT_MAXSPEED_COUNTRIES` (``UA:urban`` = 50,
    ``UA:rural`` = 90, ``UA:motorway`` = 130, ``UA:living_street`` = 20 ...; :data:`IMPLICIT_MAXSPEED_KMH`).
    ``none``, ``signals``, ``variable`` and anything unrecognised give NaN. ``implicit=True`` keeps only implicit
    values, ``implicit=False`` only explicit ones (numbers, ``walk``).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    text = str(value).strip()
    if not text:
        return math.nan
    if "|" in text or ";" in text:
        parts = [maxspeed_value_kmh(p, implicit=implicit) for p in re.split(r"[|;]", text)]
        finite = [p for p in parts if math.isfinite(p)]
        if not finite:
            return math.nan
        return max(finite) if "|" in text else min(finite)
    match = _IMPLICIT.match(text)
    if match:
        if implicit is False or match.group(1).upper() not in IMPLICIT_MAXSPEED_COUNTRIES:
            return math.nan
        return IMPLICIT_MAXSPEED_KMH.get(match.group(2).lower(), math.nan)
    if implicit is True:
        return math.nan
    if text.lower() == "walk":
        return 5.0
    match = _NUMBER.match(text)
    if match:
        number = float(match.group(1).replace(",", "."))
        unit = (match.group(2) or "").lower()
        if unit == "mph":
            number *= _MPH_TO_KMH
        elif unit == "knots":
            number *= _KNOTS_TO_KMH
        return number if number > 0 else math.nan
    return math.nan


def _parse_each(values: pd.Series, implicit: bool | None) -> np.ndarray:
    """:func:`maxspeed_value_kmh` once per distinct value."""
    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    table = np.array([maxspeed_value_kmh(u, implicit=implicit) for u in uniques] + [math.nan], dtype=float)
    return table[codes]


def parse_maxspeed_kmh(maxspeed: pd.Series) -> np.ndarray:
    """The posted speed limit per way segment in km/h: explicit ``maxspeed`` values (numbers, ``walk``); NaN where
    untagged or only an implicit zone value is given (see :func:`parse_zone_maxspeed_kmh`)."""
    return _parse_each(maxspeed, implicit=False)


def parse_zone_maxspeed_kmh(maxspeed: pd.Series, zones: dict[str, pd.Series] | None = None) -> np.ndarray:
    """The implicit (zone) speed limit per way segment in km/h: ``maxspeed=UA:urban`` itself, else the zone tags
    ``maxspeed:type`` / ``source:maxspeed`` / ``zone:maxspeed`` in that order (:data:`MAXSPEED_ZONE_KEYS`); NaN
    where none. A zone limit is the legal default of the place, not a posted sign: profiles use it as a cap."""
    speed = _parse_each(maxspeed, implicit=True)
    for key in MAXSPEED_ZONE_KEYS:
        if zones and zones.get(key) is not None:
            missing = ~np.isfinite(speed)
            if not missing.any():
                break
            speed = np.where(missing, _parse_each(zones[key], implicit=True), speed)
    return speed


def access_allowed(edges: pd.DataFrame, keys: tuple[str, ...]) -> np.ndarray:
    """Whether each way is open under an access hierarchy (``keys`` from general to specific).

    The most specific key that is tagged decides: a value in :data:`ACCESS_DENIED` closes the way, any other
    value (``yes``, ``designated``, ``permissive``, ``destination``, ``customers`` ...) opens it; untagged ways are
    open. Examples: ``access=no`` + ``foot=yes`` is open on foot and closed to cars; ``motor_vehicle=no`` closes
    a way to cars whatever ``access`` says.
    """
    allowed = np.ones(len(edges), dtype=bool)
    for key in keys:
        if key not in edges.columns:
            continue
        raw = edges[key].astype("string").str.strip().str.lower()
        tagged = raw.notna().to_numpy(dtype=bool) & (raw.fillna("") != "").to_numpy(dtype=bool)
        denied = raw.isin(list(ACCESS_DENIED)).to_numpy(dtype=bool)
        allowed = np.where(tagged, ~denied, allowed)
    return allowed


#: Surfaces that slow a car down: speed multiplied by this factor on such ways.
UNPAVED_SURFACES: frozenset[str] = frozenset(
    {"unpaved", "gravel", "fine_gravel", "dirt", "earth", "ground", "grass", "sand", "mud", "compacted", "pebblestone"}
)


def _per_value(frame: pd.DataFrame, column: str, fn, default, dtype=object) -> np.ndarray:
    """``fn(value)`` for every row of ``frame[column]`` (values stripped and lower-cased), computed once per
    distinct value; ``default`` where the value is missing or the column is absent."""
    n = len(frame)
    if column not in frame:
        return np.full(n, default, dtype=dtype)
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    table = np.array([fn(str(u).strip().lower()) for u in uniques] + [default], dtype=dtype)
    return table[codes]  # code -1 (missing) picks the trailing default


def _tag_in(frame: pd.DataFrame, column: str, values) -> np.ndarray:
    """True where ``frame[column]`` (stripped, lower-cased) is one of ``values``."""
    values = frozenset(values)
    return _per_value(frame, column, lambda v: v in values, False, dtype=bool)
