"""Travel-mode profiles: which roads a mode may use, how fast, and whether one-way applies.

All profiles live in :data:`PROFILES`, the one table later profiles (e.g. a wheelchair walking profile) are
added to. A profile turns the edges of a :class:`analysis.network.RoadNetwork` into per-direction travel
times; :mod:`analysis.routing` never looks at OSM tags itself.

Speeds for driving come from the OSM ``maxspeed`` tag where it is tagged and parseable (including implicit values
such as ``UA:urban`` = 50 km/h, ``UA:rural`` = 90 km/h), otherwise from the default speed of the ``highway``
class below. Defaults are typical free-flow speeds on Ukrainian roads of that class, lowered for unpaved surfaces.
The tagged maxspeed is a legal limit, so it is capped by ``maxspeed_factor`` x limit (default 0.9) to reflect
realistic travel rather than the limit itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

#: Walking speed used for every off-network leg (origin/destination to the nearest road node), km/h.
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

#: Highway classes a pedestrian may use (motorways and trunk links excluded).
WALK_HIGHWAYS: frozenset[str] = frozenset(
    {
        "trunk", "primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link",
        "unclassified", "residential", "living_street", "service", "road", "track", "pedestrian", "footway",
        "path", "steps", "cycleway", "bridleway", "corridor", "crossing", "platform",
    }
)

#: Surfaces that slow a car down: speed multiplied by this factor on such ways.
UNPAVED_SURFACES: frozenset[str] = frozenset(
    {"unpaved", "gravel", "fine_gravel", "dirt", "earth", "ground", "grass", "sand", "mud", "compacted", "pebblestone"}
)


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
        Whether the tagged ``maxspeed`` overrides the class speed.
    maxspeed_factor
        Multiplier applied to tagged maxspeed (legal limit -> realistic speed).
    unpaved_factor
        Multiplier applied to the speed on unpaved surfaces.
    """

    name: str
    label_uk: str
    label_en: str
    speeds_kmh: Mapping[str, float]
    respect_oneway: bool
    use_maxspeed: bool = False
    maxspeed_factor: float = 0.9
    unpaved_factor: float = 1.0
    excluded_access: frozenset[str] = field(default_factory=lambda: frozenset({"no", "private"}))

    def edge_speeds_kmh(self, edges: pd.DataFrame) -> np.ndarray:
        """Speed on each edge in km/h; 0 where this mode may not use the edge.

        Parameters
        ----------
        edges
            The ``edges`` table of a RoadNetwork (columns ``highway``, ``maxspeed_kmh``, ``surface``,
            ``access`` as built by :func:`analysis.network.build_network`).
        """
        highway = edges["highway"].astype("string").fillna("")
        speed = highway.map(lambda h: float(self.speeds_kmh.get(h, 0.0))).to_numpy(dtype=float)
        if self.use_maxspeed and "maxspeed_kmh" in edges:
            tagged = edges["maxspeed_kmh"].to_numpy(dtype=float) * self.maxspeed_factor
            use = np.isfinite(tagged) & (tagged > 0) & (speed > 0)
            speed = np.where(use, tagged, speed)
        if self.unpaved_factor != 1.0 and "surface" in edges:
            unpaved = edges["surface"].astype("string").isin(list(UNPAVED_SURFACES)).to_numpy(dtype=bool)
            speed = np.where(unpaved, speed * self.unpaved_factor, speed)
        if "access" in edges:
            blocked = edges["access"].astype("string").isin(list(self.excluded_access)).to_numpy(dtype=bool)
            speed = np.where(blocked, 0.0, speed)
        return speed


DRIVE = Profile(
    name="drive",
    label_uk="Автомобіль",
    label_en="Car",
    speeds_kmh=DRIVE_SPEEDS_KMH,
    respect_oneway=True,
    use_maxspeed=True,
    unpaved_factor=0.6,
)

WALK = Profile(
    name="walk",
    label_uk="Пішки",
    label_en="On foot",
    speeds_kmh={h: OFF_NETWORK_WALK_SPEED_KMH for h in WALK_HIGHWAYS},
    respect_oneway=False,
)

#: Every available travel mode, by name.
PROFILES: dict[str, Profile] = {p.name: p for p in (DRIVE, WALK)}


def get_profile(mode: str | Profile) -> Profile:
    """Return the profile for ``mode`` (a name from :data:`PROFILES` or a Profile itself).

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the known modes.
    """
    if isinstance(mode, Profile):
        return mode
    try:
        return PROFILES[str(mode)]
    except KeyError:
        raise ValueError(f"Unknown travel mode {mode!r}; choose one of: {', '.join(sorted(PROFILES))}") from None
