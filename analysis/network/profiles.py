"""Travel-mode profiles: which roads a mode may use, how fast, and whether one-way applies.

All profiles live in :data:`PROFILES`, the one table later profiles (e.g. a wheelchair walking profile) are
added to. A profile turns the edges of a :class:`analysis.network.RoadNetwork` into per-direction travel
times; :mod:`analysis.routing` never looks at OSM tags itself.

Which ways a mode may use: its highway classes (:data:`DRIVE_SPEEDS_KMH`, :data:`WALK_HIGHWAYS`) and the OSM access
hierarchy of the mode (:func:`analysis.network.tags.access_allowed`: ``access`` → ``vehicle`` → ``motor_vehicle`` →
``motorcar`` for a car, ``access`` → ``foot`` on foot, the most specific tag winning).

Speeds for driving come from a posted limit where one is tagged (``maxspeed``); otherwise from the default speed of
the ``highway`` class below, capped by the implicit limit of the zone — ``maxspeed=UA:urban`` or the zone tags
``maxspeed:type`` / ``source:maxspeed`` / ``zone:maxspeed`` (``UA:urban`` = 50 km/h, ``UA:rural`` = 90 km/h;
:func:`analysis.network.tags.parse_zone_maxspeed_kmh`), and on untagged roads inside a settlement area
(``inside_settlement``, from OSM place / residential areas) by the 50 km/h limit of the traffic rules
(ПДР п. 12.4, :data:`analysis.network.tags.TRAFFIC_RULES_SOURCE`). Defaults are typical free-flow speeds on Ukrainian
roads of that class, lowered for unpaved surfaces. A legal limit is multiplied by ``maxspeed_factor`` (default 0.9)
to reflect realistic travel rather than the limit itself.

The wheelchair profile (:data:`WHEELCHAIR`, variants from :func:`wheelchair_profile`) models the last mile inside
towns and villages for a person using a manual wheelchair: no ``highway=steps``, no ways tagged ``wheelchair=no``,
raised kerbs and impassable node barriers avoided, unsuitable surfaces excluded, difficult surfaces and steep or
unspecified inclines penalised, and an explicit choice for ways whose surface is not tagged
(``assume_unknown_passable``). It needs the network's node tags (``kerb``, ``barrier``, ``wheelchair``), so
:meth:`Profile.edge_speeds_kmh` takes the nodes table as an optional second argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import pandas as pd

from analysis.network.tags import ACCESS_KEYS_DRIVE, ACCESS_KEYS_FOOT, UNPAVED_SURFACES, access_allowed

#: Walking speed of every off-network leg (a point to where it joins the road: the nearest point of the nearest
#: usable segment), km/h.
OFF_NETWORK_WALK_SPEED_KMH = 4.5


#: Default driving speeds by OSM highway class, km/h.
DRIVE_SPEEDS_KMH: dict[str, float] = {
    "motorway": 110.0,
    "motorway_link": 60.0,
    "trunk": 90.0,
    "trunk_link": 50.0,
    "primary": 80.0,
    "primary_link": 40.0,
    "secondary": 70.0,
    "secondary_link": 40.0,
    "tertiary": 60.0,
    "tertiary_link": 30.0,
    "unclassified": 50.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 20.0,
    "road": 40.0,
    "track": 20.0,
    "busway": 0.0,
}


#: Highway classes a pedestrian may use (motorways and their links excluded; trunk roads and trunk links are
#: walkable in Ukraine unless tagged ``foot=no`` — the only road between two villages is often a trunk road).
WALK_HIGHWAYS: frozenset[str] = frozenset(
    {
        "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link", "tertiary",
        "tertiary_link", "unclassified", "residential", "living_street", "service", "road", "track", "pedestrian",
        "footway", "path", "steps", "cycleway", "bridleway", "corridor", "crossing", "platform",
    }
)

#: Legal limit inside settlements for roads with no ``maxspeed`` (ПДР п. 12.4, :data:`TRAFFIC_RULES_SOURCE`), km/h.
BUILT_UP_LIMIT_KMH = 50.0


def _column(edges: pd.DataFrame, name: str) -> np.ndarray:
    return edges[name].to_numpy(dtype=float) if name in edges else np.full(len(edges), np.nan)


@dataclass(frozen=True, eq=False)
class Profile:
    """One travel mode.

    Attributes
    ----------
    name
        Identifier used on the command line (``drive``, ``walk``).
    label_uk, label_en
        Human labels for the dashboard.
    speeds_kmh
        Speed per highway class; classes not listed are not usable by this mode.
    respect_oneway
        Whether ``oneway`` tags restrict direction (True for cars, False on foot).
    use_maxspeed
        Whether legal limits set the speed: a posted ``maxspeed`` replaces the class speed; a zone limit (zone
        tags, or :data:`BUILT_UP_LIMIT_KMH` on untagged roads inside settlements) caps it.
    maxspeed_factor
        Multiplier applied to a legal limit (legal limit -> realistic speed).
    unpaved_factor
        Multiplier applied to the speed on unpaved surfaces.
    access_keys
        The OSM access hierarchy of the mode, general to specific (:func:`analysis.network.tags.access_allowed`).
    off_network_speed_kmh
        Speed of the off-network legs (from a point to the road and back), km/h: walking.
    """

    name: str
    label_uk: str
    label_en: str
    speeds_kmh: Mapping[str, float]
    respect_oneway: bool
    use_maxspeed: bool = False
    maxspeed_factor: float = 0.9
    unpaved_factor: float = 1.0
    access_keys: tuple[str, ...] = ACCESS_KEYS_FOOT
    off_network_speed_kmh: float = OFF_NETWORK_WALK_SPEED_KMH

    def edge_speeds_kmh(self, edges: pd.DataFrame, nodes: pd.DataFrame | None = None) -> np.ndarray:
        """Speed on each edge in km/h; 0 where this mode may not use the edge.

        Rules, in order: the class speed of ``highway`` (0 = not for this mode); with ``use_maxspeed``, a posted
        limit (``maxspeed_kmh``) replaces it (x ``maxspeed_factor``), and otherwise the zone limit
        (``maxspeed_zone_kmh``: ``UA:urban``, ``UA:rural``...; :data:`BUILT_UP_LIMIT_KMH` on a road inside a
        settlement area, ``inside_settlement``) caps it (x ``maxspeed_factor``); unpaved surfaces are slowed by
        ``unpaved_factor``; the access hierarchy (``access_keys``) closes ways.

        Parameters
        ----------
        edges
            The ``edges`` table of a RoadNetwork (columns ``highway``, ``maxspeed_kmh``, ``inside_settlement``,
            ``surface`` and the access tags, as built by :func:`analysis.network.graph.build_network`).
        nodes
            The ``nodes`` table of the same RoadNetwork (positional index = the ``u``/``v`` values of ``edges``).
            Not used by car and foot profiles; profiles that look at node tags (wheelchair: kerbs, barriers) use it
            when given.
        """
        highway = edges["highway"].astype("string").fillna("")
        speed = highway.map(dict(self.speeds_kmh)).astype(float).fillna(0.0).to_numpy(dtype=float)
        if self.use_maxspeed:
            posted = _column(edges, "maxspeed_kmh")
            zone = _column(edges, "maxspeed_zone_kmh")
            inside = (edges["inside_settlement"].astype("boolean").fillna(False).to_numpy(dtype=bool)
                      if "inside_settlement" in edges else np.zeros(len(edges), dtype=bool))
            # no zone tag inside a settlement area: the limit in settlements applies
            zone = np.where(np.isnan(zone) & inside, BUILT_UP_LIMIT_KMH, zone)
            usable = speed > 0
            signed = np.isfinite(posted) & (posted > 0) & usable
            capped = ~signed & np.isfinite(zone) & (zone > 0) & usable
            speed = np.where(signed, posted * self.maxspeed_factor, speed)
            speed = np.where(capped, np.minimum(speed, zone * self.maxspeed_factor), speed)
        if self.unpaved_factor != 1.0 and "surface" in edges:
            unpaved = edges["surface"].astype("string").isin(list(UNPAVED_SURFACES)).to_numpy(dtype=bool)
            speed = np.where(unpaved, speed * self.unpaved_factor, speed)
        return np.where(access_allowed(edges, self.access_keys), speed, 0.0)


DRIVE = Profile(
    name="drive",
    label_uk="Автомобіль",
    label_en="Car",
    speeds_kmh=DRIVE_SPEEDS_KMH,
    respect_oneway=True,
    use_maxspeed=True,
    unpaved_factor=0.6,
    access_keys=ACCESS_KEYS_DRIVE,
)


WALK = Profile(
    name="walk",
    label_uk="Пішки",
    label_en="On foot",
    speeds_kmh={h: OFF_NETWORK_WALK_SPEED_KMH for h in WALK_HIGHWAYS},
    respect_oneway=False,
)
