"""The wheelchair travel profile: surfaces, kerbs, barriers and inclines from OSM tags."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.network.profiles import WALK_HIGHWAYS, Profile
from analysis.network.tags import ACCESS_KEYS_FOOT, _per_value, _tag_in, access_allowed

# ================================================================================================ wheelchair
#: Average speed of a person self-propelling a manual wheelchair on level, smooth ground (about 1 m/s), km/h.
WHEELCHAIR_SPEED_KMH = 3.6


#: Highway classes a wheelchair user may use: every walking class except ``steps`` (never usable).
WHEELCHAIR_HIGHWAYS: frozenset[str] = WALK_HIGHWAYS - {"steps"}


#: ``surface`` values a wheelchair rolls on without difficulty.
WHEELCHAIR_SMOOTH_SURFACES: frozenset[str] = frozenset(
    {
        "paved", "asphalt", "concrete", "concrete:plates", "concrete:lanes", "paving_stones", "paving_stones:lanes",
        "chipseal", "metal", "metal_grid", "wood", "rubber", "tartan", "acrylic", "bricks", "brick",
    }
)


#: ``surface`` values a wheelchair can use with effort (penalised: speed x ``penalty``).
WHEELCHAIR_DIFFICULT_SURFACES: frozenset[str] = frozenset(
    {
        "sett", "cobblestone", "unhewn_cobblestone", "cobblestone:flattened", "compacted", "fine_gravel", "stone",
        "grass_paver", "artificial_turf",
    }
)


#: ``surface`` values unsuitable for a wheelchair (excluded, or penalised when ``exclude_unsuitable_surfaces`` is
#: False).
WHEELCHAIR_UNSUITABLE_SURFACES: frozenset[str] = frozenset(
    {
        "unpaved", "gravel", "grass", "sand", "dirt", "earth", "ground", "mud", "pebblestone", "woodchips", "rock",
        "stepping_stones", "shells", "snow", "ice", "salt", "clay",
    }
)


#: ``smoothness`` values by class (OSM wiki: ``intermediate`` is the worst a wheelchair handles comfortably).
WHEELCHAIR_SMOOTHNESS: dict[str, str] = {
    "excellent": "smooth", "good": "smooth", "intermediate": "smooth", "bad": "difficult",
    "very_bad": "unsuitable", "horrible": "unsuitable", "very_horrible": "unsuitable", "impassable": "unsuitable",
}


#: Node ``kerb`` values treated as a raised kerb (``yes`` = unspecified height, treated as raised).
RAISED_KERB_VALUES: frozenset[str] = frozenset({"raised", "yes", "regular", "normal"})


#: Node ``kerb`` values a wheelchair crosses without a step.
FLUSH_KERB_VALUES: frozenset[str] = frozenset({"lowered", "flush", "no", "none", "dropped"})


#: Node ``barrier`` values a wheelchair cannot pass (besides raised kerbs).
WHEELCHAIR_IMPASSABLE_BARRIERS: frozenset[str] = frozenset(
    {"stile", "turnstile", "full-height_turnstile", "kissing_gate", "step", "stepping_stones", "log"}
)


#: Node ``highway`` values that are part of the way itself (``wheelchair=no`` on them blocks passage).
WHEELCHAIR_PASSAGE_NODE_HIGHWAYS: frozenset[str] = frozenset({"elevator", "crossing"})


#: Surface classes, from best to worst, as returned by :func:`surface_class`.
SURFACE_CLASSES: tuple[str, ...] = ("smooth", "difficult", "unsuitable", "unknown")


_SURFACE_RANK = {"smooth": 0, "difficult": 1, "unsuitable": 2}


_INCLINE_NUMBER = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(%|°|deg)?\s*$")


_INCLINE_UNSPECIFIED = frozenset({"up", "down", "yes", "steep"})


_INCLINE_FLAT = frozenset({"no", "flat", "level"})


def _surface_value_class(value: str | None) -> str:
    """Class of one raw ``surface`` value; ``a;b`` lists take the worst recognised part."""
    if value is None or value == "":
        return "unknown"
    ranks = []
    for part in str(value).strip().lower().split(";"):
        part = part.strip()
        if part in WHEELCHAIR_SMOOTH_SURFACES:
            ranks.append(0)
        elif part in WHEELCHAIR_DIFFICULT_SURFACES:
            ranks.append(1)
        elif part in WHEELCHAIR_UNSUITABLE_SURFACES:
            ranks.append(2)
    return SURFACE_CLASSES[max(ranks)] if ranks else "unknown"


def surface_class(edges: pd.DataFrame) -> np.ndarray:
    """Per edge, how a wheelchair copes with the surface: ``smooth``, ``difficult``, ``unsuitable`` or ``unknown``.

    The class of the ``surface`` tag (tables :data:`WHEELCHAIR_SMOOTH_SURFACES`,
    :data:`WHEELCHAIR_DIFFICULT_SURFACES`, :data:`WHEELCHAIR_UNSUITABLE_SURFACES`; for ``a;b`` the worst part) and
    the class of the ``smoothness`` tag (:data:`WHEELCHAIR_SMOOTHNESS`) are combined by taking the worse of the two
    known ones. ``unknown`` means neither tag is present or recognised.
    """
    rank_s = _per_value(edges, "surface", lambda v: _SURFACE_RANK.get(_surface_value_class(v), -1), -1, int)
    rank_m = _per_value(edges, "smoothness", lambda v: _SURFACE_RANK.get(WHEELCHAIR_SMOOTHNESS.get(v, ""), -1),
                        -1, int)
    worst = np.maximum(rank_s, rank_m)
    return np.where(worst < 0, "unknown", np.array(SURFACE_CLASSES[:3], dtype=object)[np.clip(worst, 0, 2)])


def parse_incline_pct(incline: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse OSM ``incline`` values.

    Returns
    -------
    (grade_pct, unspecified)
        ``grade_pct``: absolute grade in percent (``"10%"``, ``"-8 %"``, ``"0.5"`` = 0.5 %, ``"5°"`` =
        tan(5°) x 100), 0 for ``no``/``flat``, NaN where absent or not numeric. ``unspecified``: True for ``up``,
        ``down``, ``yes``, ``steep`` (a slope whose steepness is not given).
    """
    def grade_of(value: str) -> float:
        if value in _INCLINE_FLAT:
            return 0.0
        match = _INCLINE_NUMBER.match(value)
        if not match:
            return math.nan
        number = abs(float(match.group(1).replace(",", ".")))
        if match.group(2) in ("°", "deg"):
            number = math.tan(math.radians(min(number, 89.0))) * 100.0
        return number

    frame = pd.DataFrame({"incline": incline})
    grade = _per_value(frame, "incline", grade_of, math.nan, float)
    unspecified = _tag_in(frame, "incline", _INCLINE_UNSPECIFIED)
    return grade, unspecified


def raised_kerb_nodes(nodes: pd.DataFrame) -> np.ndarray:
    """Per node: True where a wheelchair meets a raised kerb.

    A node is a raised kerb if ``kerb`` is in :data:`RAISED_KERB_VALUES`, or if it is ``barrier=kerb`` without a
    ``kerb`` value saying it is lowered/flush (:data:`FLUSH_KERB_VALUES`) or rolled.
    """
    raised = _tag_in(nodes, "kerb", RAISED_KERB_VALUES)
    kerb_barrier = _tag_in(nodes, "barrier", {"kerb"})
    harmless = _tag_in(nodes, "kerb", FLUSH_KERB_VALUES | {"rolled"})
    return raised | (kerb_barrier & ~harmless)


@dataclass(frozen=True, eq=False)
class WheelchairProfile(Profile):
    """Travel by manual wheelchair on the last mile inside settlements (see :func:`wheelchair_profile`).

    Attributes
    ----------
    assume_unknown_passable
        Ways whose surface class is ``unknown`` (:func:`surface_class`) are usable at full speed (True) or excluded
        (False). :func:`analysis.barrier_free_coverage.unknown_surface_share` reports how much of a route relies on
        them.
    penalty
        Speed multiplier in (0, 1] for penalised edges (difficult surfaces, ``smoothness=bad``, steep or
        unspecified inclines, ``wheelchair=limited``, rolled kerbs, and — when not excluded — unsuitable surfaces
        and raised kerbs). Penalties multiply.
    exclude_unsuitable_surfaces, exclude_raised_kerbs, exclude_steep
        Exclude such edges instead of penalising them.
    max_incline_pct
        Grades above this (numeric ``incline``) are steep. Default 6 % (kept below the 8 % ramp maximum of
        ДБН В.2.2-40:2018, since street grades run much longer than a ramp flight).
    """

    assume_unknown_passable: bool = True
    penalty: float = 0.5
    exclude_unsuitable_surfaces: bool = True
    exclude_raised_kerbs: bool = True
    exclude_steep: bool = False
    max_incline_pct: float = 6.0

    def __post_init__(self) -> None:
        if not (0.0 < float(self.penalty) <= 1.0):
            raise ValueError(f"penalty must be a speed multiplier in (0, 1]; got {self.penalty!r}")
        if not (float(self.max_incline_pct) > 0.0):
            raise ValueError(f"max_incline_pct must be positive; got {self.max_incline_pct!r}")

    def edge_factors(
        self, edges: pd.DataFrame, nodes: pd.DataFrame | None = None, *, explain: bool = True
    ) -> pd.DataFrame:
        """Why each edge is excluded or penalised: the per-edge diagnostics behind :meth:`edge_speeds_kmh`.

        Returns
        -------
        pandas.DataFrame
            One row per edge: ``surface_class``, ``grade_pct``, ``incline_unspecified``, ``raised_kerb`` (an end
            node is a raised kerb), ``node_barrier`` (an end node is impassable), ``factor`` (speed multiplier,
            0 = excluded) and ``reason`` (``;``-separated, empty when the edge is used at full speed; only with
            ``explain=True``).
        """
        n = len(edges)
        factor = np.ones(n)
        reasons = np.full(n, "", dtype=object)

        def apply(mask: np.ndarray, value: float, reason: str) -> None:
            nonlocal factor, reasons
            factor = np.where(mask, factor * value, factor)
            if explain and mask.any():
                reasons = reasons + np.where(mask, f"; {reason}", "").astype(object)

        apply(_tag_in(edges, "highway", {"steps"}), 0.0, "steps")
        apply(_tag_in(edges, "wheelchair", {"no"}), 0.0, "wheelchair=no")
        apply(~access_allowed(edges, ACCESS_KEYS_FOOT), 0.0, "no access on foot")
        tagged_ok = _tag_in(edges, "wheelchair", {"yes", "designated"})  # trusted: surface/incline fine
        apply(_tag_in(edges, "wheelchair", {"limited"}), self.penalty, "wheelchair=limited")

        surface = surface_class(edges)
        unsuitable = (surface == "unsuitable") & ~tagged_ok
        apply(unsuitable, 0.0 if self.exclude_unsuitable_surfaces else self.penalty, "unsuitable surface")
        apply((surface == "difficult") & ~tagged_ok, self.penalty, "difficult surface")
        if not self.assume_unknown_passable:
            apply((surface == "unknown") & ~tagged_ok, 0.0, "unknown surface")

        grade, unspecified = parse_incline_pct(edges["incline"] if "incline" in edges else pd.Series([None] * n))
        steep = np.nan_to_num(grade, nan=0.0) > self.max_incline_pct
        apply(steep & ~tagged_ok, 0.0 if self.exclude_steep else self.penalty, f"incline > {self.max_incline_pct:g} %")
        apply(unspecified & ~tagged_ok, self.penalty, "incline of unknown steepness")

        raised = np.zeros(n, dtype=bool)
        blocked = np.zeros(n, dtype=bool)
        if nodes is not None and n:
            u = edges["u"].to_numpy(dtype=np.int64)
            v = edges["v"].to_numpy(dtype=np.int64)
            kerb_node = raised_kerb_nodes(nodes)
            raised = kerb_node[u] | kerb_node[v]
            # wheelchair=no on a node blocks passage only where the node is part of the way (a barrier, an elevator,
            # a crossing); on a shop or other POI drawn as a vertex it describes the POI, not the footway
            passage = _per_value(nodes, "barrier", lambda _: True, False, bool) | _tag_in(
                nodes, "highway", WHEELCHAIR_PASSAGE_NODE_HIGHWAYS)
            bad_node = _tag_in(nodes, "barrier", WHEELCHAIR_IMPASSABLE_BARRIERS) | (
                _tag_in(nodes, "wheelchair", {"no"}) & passage)
            blocked = bad_node[u] | bad_node[v]
            rolled = _tag_in(nodes, "kerb", {"rolled"})
            apply(raised, 0.0 if self.exclude_raised_kerbs else self.penalty, "raised kerb")
            apply((rolled[u] | rolled[v]) & ~raised, self.penalty, "rolled kerb")
            apply(blocked, 0.0, "impassable barrier")
        table = pd.DataFrame(
            {
                "surface_class": surface,
                "grade_pct": grade,
                "incline_unspecified": unspecified,
                "raised_kerb": raised,
                "node_barrier": blocked,
                "factor": factor,
            },
            index=edges.index,
        )
        if explain:
            table["reason"] = [r[2:] for r in reasons]
        return table

    def edge_speeds_kmh(self, edges: pd.DataFrame, nodes: pd.DataFrame | None = None) -> np.ndarray:
        """Speed on each edge in km/h (0 = not usable): the class speed x the factors of :meth:`edge_factors`.

        Without ``nodes`` the node rules (raised kerbs, impassable barriers) cannot be applied; the road network
        passes its nodes table.
        """
        base = super().edge_speeds_kmh(edges, nodes)
        return base * self.edge_factors(edges, nodes, explain=False)["factor"].to_numpy(dtype=float)


def wheelchair_profile(
    assume_unknown_passable: bool = True,
    *,
    penalty: float = 0.5,
    exclude_unsuitable_surfaces: bool = True,
    exclude_raised_kerbs: bool = True,
    exclude_steep: bool = False,
    max_incline_pct: float = 6.0,
    speed_kmh: float = WHEELCHAIR_SPEED_KMH,
    name: str = "wheelchair",
) -> WheelchairProfile:
    """A wheelchair walking profile for the last mile inside towns and villages.

    Rules (per way segment; see :class:`WheelchairProfile` and :meth:`WheelchairProfile.edge_factors`):

    * ``highway=steps`` is never usable; neither are ways tagged ``wheelchair=no``, nor ways closed on foot by
      the access hierarchy (``foot=no``, or ``access=no|private`` without ``foot=yes``).
    * Segments touching a raised kerb node (``kerb=raised|yes``, or ``barrier=kerb`` not lowered/flush) are
      excluded (``exclude_raised_kerbs=True``) or penalised; segments touching a ``barrier`` in
      :data:`WHEELCHAIR_IMPASSABLE_BARRIERS`, or a barrier/elevator/crossing node tagged ``wheelchair=no``, are
      excluded.
    * Surfaces: unsuitable (unpaved, gravel, grass, sand, dirt, ground, mud, pebblestone, ...) excluded
      (``exclude_unsuitable_surfaces=True``) or penalised; difficult (cobblestone, sett, compacted, fine gravel, ...)
      penalised; no or unrecognised surface/smoothness tag: full speed if ``assume_unknown_passable`` else excluded.
    * ``incline`` steeper than ``max_incline_pct`` (numeric) penalised (or excluded with ``exclude_steep``);
      ``up``/``down`` (steepness unknown) penalised.
    * A way tagged ``wheelchair=yes|designated`` is trusted: surface and incline rules do not apply to it
      (steps and node rules still do).

    Parameters
    ----------
    assume_unknown_passable
        How to treat ways without a usable surface tag (most village streets in Ukraine): True = passable
        (an optimistic route; report :func:`analysis.barrier_free_coverage.unknown_surface_share` beside it),
        False = excluded (only ways known to be passable; a pessimistic bound).
    penalty
        Speed multiplier in (0, 1] for penalised segments (0.5 = takes twice as long).
    speed_kmh
        Speed on a smooth level way (default :data:`WHEELCHAIR_SPEED_KMH`).
    name
        Profile name shown in results.

    Raises
    ------
    ValueError
        If ``penalty`` is not in (0, 1] or ``speed_kmh``/``max_incline_pct`` is not positive.
    """
    if not (float(speed_kmh) > 0):
        raise ValueError(f"speed_kmh must be positive; got {speed_kmh!r}")
    return WheelchairProfile(
        name=name,
        label_uk="На кріслі колісному",
        label_en="Wheelchair",
        speeds_kmh={h: float(speed_kmh) for h in WHEELCHAIR_HIGHWAYS},
        respect_oneway=False,
        assume_unknown_passable=bool(assume_unknown_passable),
        penalty=float(penalty),
        exclude_unsuitable_surfaces=bool(exclude_unsuitable_surfaces),
        exclude_raised_kerbs=bool(exclude_raised_kerbs),
        exclude_steep=bool(exclude_steep),
        max_incline_pct=float(max_incline_pct),
        off_network_speed_kmh=float(speed_kmh),
    )


#: The default wheelchair profile (unknown surfaces assumed passable; raised kerbs and unsuitable surfaces
#: excluded; difficult surfaces and inclines penalised x 0.5).
WHEELCHAIR = wheelchair_profile()
