"""Travel figures without a road network: straight line x circuity at a fixed speed.

:class:`EstimateRouter` answers the same questions as :class:`analysis.routing.router.Router` — ``nearest``,
``matrix``, ``od_matrix`` — so every analysis runs unchanged whether or not a road network is loaded; every row it
makes says ``method = "estimated"``. The road distance is the geodesic straight line (WGS84 ellipsoid) x
``circuity``, the time that distance at ``speed_kmh``; the nearest destination is the one with the shortest
straight line (it is then also the fastest).

How the candidates are found (issue 12): the points are unit vectors on a sphere in a
:class:`scipy.spatial.cKDTree` of the destinations (the chord between two unit vectors orders pairs exactly as the
great-circle angle does). The ellipsoidal geodesic of a pair is never shorter than ``a(1 - e²)`` (the smallest
radius of curvature of the ellipsoid, the meridian's at the equator) times that angle, so

* **nearest**: per origin the spherically nearest destinations are queried (``k`` of them, more for the rows whose
  ``k``-th is still close enough); a destination whose angle exceeds the geodesic of the spherically nearest one
  divided by ``a(1 - e²)`` cannot be nearer, and every other one gets its exact geodesic. The answer — ids,
  distances, ties to the first destination in input order — equals the brute force over all pairs bit for bit,
  and memory is linear in the inputs (no origins x destinations array);
* **matrix / od_matrix with a limit**: only the pairs within the angle of the limit's straight-line distance get
  a geodesic (``query_ball_point``); without a limit every pair does, in row blocks of :data:`_BLOCK_PAIRS`, so the
  working memory beside the result the caller asked for stays bounded. :meth:`EstimateRouter.od_matrix` never
  makes the dense matrix at all.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from analysis.errors import DataError
from analysis.i18n import text
from analysis.network.modes import get_profile
from analysis.network.profiles import OFF_NETWORK_WALK_SPEED_KMH
from analysis.network.wheelchair import WHEELCHAIR_SPEED_KMH
from analysis.routing.local import floor_nearest, local_leg
from analysis.routing.matrix import TravelMatrix, long_table
from analysis.routing.points import _GEOD, _geodesic_km, check_cutoff, point_lonlat, validate_points
from analysis.routing.results import REASON_CUTOFF, REASON_NO_DESTINATIONS, unreachable_table
from analysis.textformat import fmt_num

#: Default circuity factor (road distance / straight-line distance) for estimates without a road network.
#: Measured rural/inter-settlement road networks give 1.2-1.4 (Boeing 2019, "Urban spatial order"; Giacomin &
#: Levinson 2015, "Road network circuity in metropolitan areas"); 1.3 is the middle of that range. Adjustable.
DEFAULT_CIRCUITY = 1.3
#: Default speeds for estimates without a road network, km/h (drive: mix of village streets and regional roads).
DEFAULT_ESTIMATE_SPEED_KMH = {"drive": 40.0, "walk": OFF_NETWORK_WALK_SPEED_KMH, "wheelchair": WHEELCHAIR_SPEED_KMH}
#: Label put on every estimated output.
ESTIMATE_LABEL_EN = text("estimate.label", "en")
ESTIMATE_LABEL_UK = text("estimate.label", "uk")
#: Origin x destination pairs (or candidate pairs) computed at once: bounds the working memory of large estimates.
_BLOCK_PAIRS = 2_000_000
#: Spherically nearest destinations queried first per origin in :meth:`EstimateRouter.nearest` (rows whose last
#: one is still a candidate are queried again with :data:`_WIDEN` times as many).
_FIRST_CANDIDATES = 4
_WIDEN = 4
#: Smallest radius of curvature of the ellipsoid, km per radian: ``a (1 - e²)``, the meridian's at the equator.
#: No geodesic is shorter than this times the angle between its ends on the unit sphere (same latitudes and
#: longitudes), whatever its length or direction.
_MIN_KM_PER_RADIAN = _GEOD.a * (1.0 - _GEOD.es) / 1000.0
#: Slack on that bound for rounding (relative, and absolute in unit-sphere chord: 1e-12 is about 6 micrometres;
#: the geodesic itself is accurate to 15 nanometres).
_REL_SLACK = 1e-9
_ABS_SLACK_CHORD = 1e-12


def check_circuity(circuity: float) -> float:
    """A circuity factor must be a finite number >= 1."""
    try:
        value = float(circuity)
    except (TypeError, ValueError):
        raise DataError(f"The circuity factor must be a number >= 1; got {circuity!r}.") from None
    if not math.isfinite(value) or value < 1.0:
        raise DataError(f"The circuity factor must be a finite number >= 1 (road distance is never shorter than "
                        f"the straight line); got {circuity!r}.")
    return value


def estimate_speed_kmh(mode: str, speed_kmh: float | None = None) -> float:
    """The speed an estimate uses: ``speed_kmh``, else :data:`DEFAULT_ESTIMATE_SPEED_KMH` of the mode."""
    speed = speed_kmh if speed_kmh is not None else DEFAULT_ESTIMATE_SPEED_KMH.get(str(mode))
    if speed is None:
        speed = max(get_profile(mode).speeds_kmh.values())
    return check_cutoff(speed, f"speed_kmh for mode {mode!r}")


def _unit_vectors(lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
    """Points as unit vectors on the sphere (geodetic latitude as the sphere's), an ``(n, 3)`` array."""
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    cos_lat = np.cos(lat)
    return np.column_stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)])


def _reach_chord(straight_km: np.ndarray | float) -> np.ndarray:
    """The unit-sphere chord within which every pair whose geodesic is at most ``straight_km`` lies (with slack).

    A geodesic of ``g`` km spans an angle of at most ``g / a(1 - e²)`` radians (:data:`_MIN_KM_PER_RADIAN`); the
    chord of that angle, widened by :data:`_REL_SLACK` and :data:`_ABS_SLACK_CHORD`, is returned (above 2, the
    longest chord, when the angle reaches half a turn: every point is within it).
    """
    angle_rad = np.maximum(np.asarray(straight_km, dtype=float), 0.0) / _MIN_KM_PER_RADIAN * (1.0 + _REL_SLACK)
    chord = 2.0 * np.sin(np.minimum(angle_rad, math.pi) / 2.0)
    return np.where(angle_rad >= math.pi, 3.0, chord + _ABS_SLACK_CHORD)


def _nearest_by_geodesic(o_lon: np.ndarray, o_lat: np.ndarray, d_lon: np.ndarray,
                         d_lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per origin, the destination with the shortest geodesic (WGS84) and that geodesic, without all pairs.

    Parameters
    ----------
    o_lon, o_lat, d_lon, d_lat
        Origins' and destinations' longitudes and latitudes, degrees (finite; at least one destination).

    Returns
    -------
    tuple of numpy.ndarray
        ``(position, straight_km)`` per origin: the destination's position (the first in input order among equal
        geodesics, as ``argmin`` over all pairs) and the geodesic in km — equal to the brute force over every
        origin x destination pair, computed with the same function on the same coordinates.

    Notes
    -----
    The destinations go into a k-d tree of unit vectors; each origin gets its ``k`` spherically nearest
    (:data:`_FIRST_CANDIDATES`). The geodesic ``g1`` to the first bounds the answer from above, so every
    destination that can be nearer (or as near) lies within the chord :func:`_reach_chord` ``(g1)``; those of the
    ``k`` inside it get their geodesic. Rows whose ``k``-th is still inside are asked again with ``k`` x
    :data:`_WIDEN` (up to every destination). At most :data:`_BLOCK_PAIRS` candidates are held at once.
    """
    n_o, n_d = len(o_lon), len(d_lon)
    position = np.zeros(n_o, dtype=np.int64)
    straight_km = np.zeros(n_o)
    if n_o == 0:
        return position, straight_km
    tree = cKDTree(_unit_vectors(d_lon, d_lat))
    o_xyz = _unit_vectors(o_lon, o_lat)
    todo = np.arange(n_o)
    k = min(n_d, _FIRST_CANDIDATES)
    while todo.size:
        wider = []
        step = max(1, _BLOCK_PAIRS // k)
        for start in range(0, todo.size, step):
            rows = todo[start:start + step]
            chord, cand = tree.query(o_xyz[rows], k=k)
            chord, cand = chord.reshape(len(rows), k), cand.reshape(len(rows), k)
            km = np.full((len(rows), k), np.inf)
            km[:, 0] = _geodesic_km(o_lon[rows], o_lat[rows], d_lon[cand[:, 0]], d_lat[cand[:, 0]])
            inside = chord <= _reach_chord(km[:, 0])[:, None]
            more = inside[:, -1].copy() if k < n_d else np.zeros(len(rows), dtype=bool)  # k-th still a candidate
            inside[:, 0] = False
            inside[more] = False
            r, c = np.nonzero(inside)
            km[r, c] = _geodesic_km(o_lon[rows[r]], o_lat[rows[r]], d_lon[cand[r, c]], d_lat[cand[r, c]])
            done = ~more
            best_km = km[done].min(axis=1)
            tied = km[done] == best_km[:, None]
            position[rows[done]] = np.where(tied, cand[done], n_d).min(axis=1)
            straight_km[rows[done]] = best_km
            wider.append(rows[more])
        todo = np.concatenate(wider)
        k = min(n_d, k * _WIDEN)
    return position, straight_km


def _pair_blocks(o_lon: np.ndarray, o_lat: np.ndarray, d_lon: np.ndarray, d_lat: np.ndarray,
                 within_km: float | None) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Origin x destination pairs with their geodesic, in blocks, row-major (origin, then destination position).

    Parameters
    ----------
    o_lon, o_lat, d_lon, d_lat
        Origins' and destinations' longitudes and latitudes, degrees (finite).
    within_km
        Only pairs that may have a geodesic of at most this many km are needed (None or not finite: every pair).

    Yields
    ------
    tuple of numpy.ndarray
        ``(origin positions, destination positions, straight_km)`` of at most about :data:`_BLOCK_PAIRS` pairs;
        with ``within_km``, every pair whose geodesic is at most ``within_km`` (and a few more just beyond: the
        caller applies its own exact test), found with ``cKDTree.query_ball_point`` on unit vectors.
    """
    n_o, n_d = len(o_lon), len(d_lon)
    if n_o == 0 or n_d == 0:
        return
    reach = None if within_km is None or not math.isfinite(within_km) else float(_reach_chord(within_km))
    if reach is None or reach > 2.0:
        step = max(1, _BLOCK_PAIRS // n_d)
        for start in range(0, n_o, step):
            rows = np.repeat(np.arange(start, min(n_o, start + step)), n_d)
            cols = np.tile(np.arange(n_d), len(rows) // n_d)
            yield rows, cols, _geodesic_km(o_lon[rows], o_lat[rows], d_lon[cols], d_lat[cols])
        return
    tree = cKDTree(_unit_vectors(d_lon, d_lat))
    o_xyz = _unit_vectors(o_lon, o_lat)
    counts = np.asarray(tree.query_ball_point(o_xyz, reach, return_length=True), dtype=np.int64)
    ends = np.cumsum(counts)
    start = 0
    while start < n_o:
        # as many rows as keep the block within _BLOCK_PAIRS pairs (at least one row)
        stop = max(start + 1, int(np.searchsorted(ends, (ends[start - 1] if start else 0) + _BLOCK_PAIRS, "right")))
        stop = min(stop, n_o)
        found = tree.query_ball_point(o_xyz[start:stop], reach, return_sorted=True)
        lengths = np.fromiter(map(len, found), dtype=np.int64, count=stop - start)
        total = int(lengths.sum())
        rows = np.repeat(np.arange(start, stop), lengths)
        cols = np.fromiter(itertools.chain.from_iterable(found), dtype=np.int64, count=total)
        if total:
            yield rows, cols, _geodesic_km(o_lon[rows], o_lat[rows], d_lon[cols], d_lat[cols])
        start = stop


class EstimateRouter:
    """Straight line x ``circuity`` at ``speed_kmh`` (default: :data:`DEFAULT_ESTIMATE_SPEED_KMH` of the mode)."""

    method = "estimated"
    max_snap_m = None
    source = ""

    def __init__(self, mode: str = "drive", *, circuity: float = DEFAULT_CIRCUITY, speed_kmh: float | None = None):
        self.mode = get_profile(mode).name
        self.profile = get_profile(mode)
        self.circuity = check_circuity(circuity)
        self.speed_kmh = estimate_speed_kmh(self.mode, speed_kmh)

    def __repr__(self) -> str:
        return f"EstimateRouter(mode={self.mode!r}, circuity={self.circuity:g}, speed_kmh={self.speed_kmh:g})"

    @property
    def label(self) -> dict[str, str]:
        return {lang: text("estimate.router_label", lang, label=label, circuity=fmt_num(self.circuity, lang, 2),
                           speed_kmh=fmt_num(self.speed_kmh, lang, 0))
                for lang, label in (("uk", ESTIMATE_LABEL_UK), ("en", ESTIMATE_LABEL_EN))}

    def _points(self, points: gpd.GeoDataFrame, what: str,
                id_column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ids, longitudes and latitudes (degrees, WGS84) of checked points; non-finite coordinates are refused."""
        validate_points(points, what, id_column)
        lon, lat = point_lonlat(points) if len(points) else (np.zeros(0), np.zeros(0))
        bad = ~(np.isfinite(lon) & np.isfinite(lat))
        if bad.any():
            rows = points.index[bad].tolist()[:5]
            raise DataError(f"{what}: some points have coordinates that are not numbers (NaN or infinite; rows "
                            f"{rows}).")
        return points[id_column].to_numpy(dtype=object), lon, lat

    def _road_and_minutes(self, straight_km: np.ndarray, rows: np.ndarray | None = None,
                          leg: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Estimated road km (straight line x circuity) and minutes at the estimate's speed; with ``leg`` (the
        origins' local leg, :func:`analysis.routing.local.local_leg`) and the pairs' origin ``rows``, never less
        than the within-settlement floor."""
        road_km = straight_km * self.circuity
        minutes = road_km / self.speed_kmh * 60.0
        if leg is not None and rows is not None:
            road_km, minutes = np.maximum(road_km, leg[0][rows]), np.maximum(minutes, leg[1][rows])
        return road_km, minutes

    def _within_km(self, limit_min: float | None, cutoff_km: float | None = None) -> float | None:
        """The longest straight line (km) a pair within ``limit_min`` and ``cutoff_km`` can have (None: any);
        cutoffs that are not finite numbers bound nothing here (the exact tests of the callers judge them)."""
        bounds = []
        if limit_min is not None and math.isfinite(float(limit_min)):
            bounds.append(float(limit_min) / 60.0 * self.speed_kmh / self.circuity)
        if cutoff_km is not None and math.isfinite(float(cutoff_km)):
            bounds.append(float(cutoff_km) / self.circuity)
        return max(0.0, min(bounds)) * (1.0 + _REL_SLACK) if bounds else None

    def nearest(self, origins, destinations, *, by: str | None = None, cutoff_min: float | None = None,
                cutoff_km: float | None = None, id_column: str = "id", progress=None) -> pd.DataFrame:
        """Nearest destination per origin (columns :data:`~analysis.routing.results.RESULT_COLUMNS`,
        ``snap_distance_m`` = 0, ``network_distance_km`` empty (NaN: there is no network), ``total_distance_km``
        the estimated road km, ``method = "estimated"``), floored by the origins' ``within_settlement_km``
        (:mod:`analysis.routing.local`; the nearest by straight line stays the nearest: the floor is the
        origin's own)."""

        cutoff_min = check_cutoff(cutoff_min, "cutoff_min")
        cutoff_km = check_cutoff(cutoff_km, "cutoff_km")
        o_ids, o_lon, o_lat = self._points(origins, "Origins (settlements)", id_column)
        validate_points(destinations, "Destinations (service points)", id_column)
        if by is not None and by not in destinations.columns:
            raise DataError(f"Destinations have no {by!r} column; columns found: {list(destinations.columns)}.")
        groups = [(None, destinations)] if by is None else list(destinations.groupby(by, sort=True))
        frames = []
        for value, dests in groups:
            if len(dests) == 0:
                continue
            d_ids, d_lon, d_lat = self._points(dests, "Destinations (service points)", id_column)
            best, line_km = _nearest_by_geodesic(o_lon, o_lat, d_lon, d_lat)
            road_km, minutes = self._road_and_minutes(line_km)
            reachable = np.ones(len(o_ids), dtype=bool)
            if cutoff_min is not None:
                reachable &= minutes <= cutoff_min
            if cutoff_km is not None:
                reachable &= road_km <= cutoff_km
            table = pd.DataFrame(
                {
                    "origin_id": o_ids,
                    "destination_id": d_ids[best],
                    "network_distance_km": np.nan,
                    "snap_distance_m": 0.0,
                    "total_distance_km": road_km,
                    "travel_time_min": minutes,
                    "reachable": reachable,
                    "unreachable_reason": np.where(reachable, "", REASON_CUTOFF).astype(object),
                    "origin_snap_m": 0.0,
                    "destination_snap_m": 0.0,
                    "straight_line_km": line_km,
                    "method": "estimated",
                }
            )
            if by is not None:
                table.insert(1, by, value)
            frames.append(table)
        if not frames:
            return unreachable_table(o_ids, REASON_NO_DESTINATIONS, np.zeros(len(o_ids)), method="estimated")
        return floor_nearest(pd.concat(frames, ignore_index=True), origins, self.profile, id_column=id_column,
                             cutoff_min=cutoff_min, cutoff_km=cutoff_km)

    def matrix(self, origins, destinations, *, limit_min: float | None = None, id_column: str = "id",
               chunk_size: int | None = None) -> TravelMatrix:
        """Every origin x destination pair (``inf`` beyond ``limit_min`` when given).

        The result is dense (origins x destinations, three float arrays: its size is the caller's choice); with
        ``limit_min`` only the pairs the limit can reach get a geodesic (:func:`_pair_blocks`), and the working
        memory beside the result is bounded either way. ``chunk_size`` is accepted for the
        :meth:`analysis.routing.router.Router.matrix` signature and not used. ``network_km`` is NaN (there is no
        network); time and distance are floored by the origins' ``within_settlement_km``
        (:mod:`analysis.routing.local`).
        """
        o_ids, o_lon, o_lat = self._points(origins, "Origins (settlements)", id_column)
        d_ids, d_lon, d_lat = self._points(destinations, "Destinations (service points)", id_column)
        leg = local_leg(origins, self.profile)
        road_km = np.full((len(o_ids), len(d_ids)), np.inf)
        minutes = np.full((len(o_ids), len(d_ids)), np.inf)
        for rows, cols, straight_km in _pair_blocks(o_lon, o_lat, d_lon, d_lat, self._within_km(limit_min)):
            pair_km, pair_min = self._road_and_minutes(straight_km, rows, leg)
            if limit_min is not None:
                over = pair_min > float(limit_min)
                pair_km, pair_min = np.where(over, np.inf, pair_km), np.where(over, np.inf, pair_min)
            road_km[rows, cols], minutes[rows, cols] = pair_km, pair_min
        return TravelMatrix(
            origin_ids=o_ids, destination_ids=d_ids, time_min=minutes, distance_km=road_km,
            network_km=np.full(road_km.shape, np.nan),
            origin_snap_m=np.zeros(len(o_ids)), destination_snap_m=np.zeros(len(d_ids)),
            origin_routed=np.ones(len(o_ids), dtype=bool), destination_routed=np.ones(len(d_ids), dtype=bool),
            method="estimated", limit_min=limit_min,
        )

    def od_matrix(self, origins, destinations, *, cutoff_min: float | None = None, cutoff_km: float | None = None,
                  id_column: str = "id") -> pd.DataFrame:
        """:meth:`matrix` as a long table (with ``straight_line_km``): the pairs within ``cutoff_min`` and
        ``cutoff_km``, sorted by origin and time (:func:`analysis.routing.matrix.long_table`).

        The same rows as ``matrix(..., limit_min=cutoff_min).to_long(cutoff_km=cutoff_km)``, made from the pairs
        the cutoffs can reach (:func:`_pair_blocks`) without the dense matrix: memory grows with the pairs
        returned, not with origins x destinations.
        """
        o_ids, o_lon, o_lat = self._points(origins, "Origins (settlements)", id_column)
        d_ids, d_lon, d_lat = self._points(destinations, "Destinations (service points)", id_column)
        leg = local_leg(origins, self.profile)
        kept_rows, kept_cols, kept_km, kept_min, kept_line = [], [], [], [], []
        within_km = self._within_km(cutoff_min, cutoff_km)
        for rows, cols, straight_km in _pair_blocks(o_lon, o_lat, d_lon, d_lat, within_km):
            pair_km, pair_min = self._road_and_minutes(straight_km, rows, leg)
            keep = np.isfinite(pair_min)
            if cutoff_min is not None:
                keep &= ~(pair_min > float(cutoff_min))
            if cutoff_km is not None:
                keep &= pair_km <= cutoff_km
            kept_rows.append(rows[keep])
            kept_cols.append(cols[keep])
            kept_km.append(pair_km[keep])
            kept_min.append(pair_min[keep])
            kept_line.append(straight_km[keep])
        rows, cols, road_km, minutes, line_km = (
            np.concatenate(parts) if parts else np.zeros(0, dtype=dtype) for parts, dtype
            in ((kept_rows, np.int64), (kept_cols, np.int64), (kept_km, float), (kept_min, float), (kept_line, float)))
        return long_table(o_ids, d_ids, rows, cols, network_km=np.full(len(rows), np.nan), distance_km=road_km,
                          time_min=minutes, snap_m=np.zeros(len(rows)), method="estimated",
                          extra={"straight_line_km": line_km})


def estimate_nearest_service(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    mode: str = "drive",
    *,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kmh: float | None = None,
    cutoff_min: float | None = None,
    cutoff_km: float | None = None,
    by: str | None = None,
    id_column: str = "id",
) -> pd.DataFrame:
    """Nearest service without a road network: :meth:`EstimateRouter.nearest`."""
    return EstimateRouter(mode, circuity=circuity, speed_kmh=speed_kmh).nearest(
        origins, destinations, by=by, cutoff_min=cutoff_min, cutoff_km=cutoff_km, id_column=id_column)


def estimate_od_matrix(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    mode: str = "drive",
    *,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kmh: float | None = None,
    id_column: str = "id",
) -> pd.DataFrame:
    """Every origin x destination pair without a road network: :meth:`EstimateRouter.od_matrix`."""
    return EstimateRouter(mode, circuity=circuity, speed_kmh=speed_kmh).od_matrix(
        origins, destinations, id_column=id_column)
