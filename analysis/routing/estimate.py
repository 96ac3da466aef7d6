"""Travel figures without a road network: straight line x circuity at a fixed speed.

:class:`EstimateRouter` answers the same questions as :class:`analysis.routing.router.Router` — ``nearest``,
``matrix``, ``od_matrix`` — so every analysis runs unchanged whether or not a road network is loaded; every row it
makes says ``method = "estimated"``. The road distance is the geodesic straight line (WGS84 ellipsoid) x
``circuity``, the time that distance at ``speed_kmh``; the nearest destination is the one with the shortest
straight line (it is then also the fastest). Large tables are processed in blocks, so memory stays bounded.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.network.modes import get_profile
from analysis.network.profiles import OFF_NETWORK_WALK_SPEED_KMH
from analysis.network.wheelchair import WHEELCHAIR_SPEED_KMH
from analysis.routing.matrix import TravelMatrix
from analysis.routing.points import _geodesic_km, check_cutoff, point_lonlat, validate_points
from analysis.routing.results import REASON_CUTOFF, REASON_NO_DESTINATIONS, unreachable_table

#: Default circuity factor (road distance / straight-line distance) for estimates without a road network.
#: Measured rural/inter-settlement road networks give 1.2-1.4 (Boeing 2019, "Urban spatial order"; Giacomin &
#: Levinson 2015, "Road network circuity in metropolitan areas"); 1.3 is the middle of that range. Adjustable.
DEFAULT_CIRCUITY = 1.3
#: Default speeds for estimates without a road network, km/h (drive: mix of village streets and regional roads).
DEFAULT_ESTIMATE_SPEED_KMH = {"drive": 40.0, "walk": OFF_NETWORK_WALK_SPEED_KMH, "wheelchair": WHEELCHAIR_SPEED_KMH}
#: Label put on every estimated output.
ESTIMATE_LABEL_EN = "estimated, no road network"
ESTIMATE_LABEL_UK = "оцінка, без дорожньої мережі"
#: Origin x destination pairs computed at once (bounds the memory of large estimates).
_BLOCK_PAIRS = 2_000_000


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
        return {"uk": f"{ESTIMATE_LABEL_UK} (коеф. звивистості {self.circuity:g}, {self.speed_kmh:g} км/год)",
                "en": f"{ESTIMATE_LABEL_EN} (circuity factor {self.circuity:g}, {self.speed_kmh:g} km/h)"}

    def _points(self, points, what, id_column):
        validate_points(points, what, id_column)
        lon, lat = point_lonlat(points) if len(points) else (np.zeros(0), np.zeros(0))
        return points[id_column].to_numpy(dtype=object), lon, lat

    def _blocks(self, n_o: int, n_d: int):
        step = max(1, _BLOCK_PAIRS // max(n_d, 1))
        for start in range(0, n_o, step):
            yield slice(start, min(n_o, start + step))

    def _straight_km(self, o_lon, o_lat, d_lon, d_lat) -> np.ndarray:
        n_o, n_d = len(o_lon), len(d_lon)
        return _geodesic_km(np.repeat(o_lon, n_d), np.repeat(o_lat, n_d), np.tile(d_lon, n_o),
                            np.tile(d_lat, n_o)).reshape(n_o, n_d)

    def nearest(self, origins, destinations, *, by: str | None = None, cutoff_min: float | None = None,
                cutoff_km: float | None = None, id_column: str = "id", progress=None) -> pd.DataFrame:
        """Nearest destination per origin (columns :data:`~analysis.routing.results.RESULT_COLUMNS`,
        ``snap_distance_m`` = 0, ``network_distance_km`` = estimated road km, ``method = "estimated"``)."""

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
            best = np.zeros(len(o_ids), dtype=np.int64)
            line_km = np.zeros(len(o_ids))
            for rows in self._blocks(len(o_ids), len(d_ids)):
                straight = self._straight_km(o_lon[rows], o_lat[rows], d_lon, d_lat)
                best[rows] = np.argmin(straight, axis=1)
                line_km[rows] = straight[np.arange(straight.shape[0]), best[rows]]
            road_km = line_km * self.circuity
            minutes = road_km / self.speed_kmh * 60.0
            reachable = np.ones(len(o_ids), dtype=bool)
            if cutoff_min is not None:
                reachable &= minutes <= cutoff_min
            if cutoff_km is not None:
                reachable &= road_km <= cutoff_km
            table = pd.DataFrame(
                {
                    "origin_id": o_ids,
                    "destination_id": d_ids[best],
                    "network_distance_km": road_km,
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
        return pd.concat(frames, ignore_index=True)

    def matrix(self, origins, destinations, *, limit_min: float | None = None, id_column: str = "id",
               chunk_size: int | None = None) -> TravelMatrix:
        """Every origin x destination pair (``inf`` beyond ``limit_min`` when given)."""
        o_ids, o_lon, o_lat = self._points(origins, "Origins (settlements)", id_column)
        d_ids, d_lon, d_lat = self._points(destinations, "Destinations (service points)", id_column)
        road_km = self._straight_km(o_lon, o_lat, d_lon, d_lat) * self.circuity
        minutes = road_km / self.speed_kmh * 60.0
        if limit_min is not None:
            over = minutes > float(limit_min)
            minutes = np.where(over, np.inf, minutes)
            road_km = np.where(over, np.inf, road_km)
        return TravelMatrix(
            origin_ids=o_ids, destination_ids=d_ids, time_min=minutes, distance_km=road_km, network_km=road_km.copy(),
            origin_snap_m=np.zeros(len(o_ids)), destination_snap_m=np.zeros(len(d_ids)),
            origin_routed=np.ones(len(o_ids), dtype=bool), destination_routed=np.ones(len(d_ids), dtype=bool),
            method="estimated", limit_min=limit_min,
        )

    def od_matrix(self, origins, destinations, *, cutoff_min: float | None = None, cutoff_km: float | None = None,
                  id_column: str = "id") -> pd.DataFrame:
        """:meth:`matrix` as a long table (with ``straight_line_km``)."""
        matrix = self.matrix(origins, destinations, limit_min=cutoff_min, id_column=id_column)
        table = matrix.to_long(cutoff_km=cutoff_km)
        table["straight_line_km"] = table["total_distance_km"] / self.circuity
        return table


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
