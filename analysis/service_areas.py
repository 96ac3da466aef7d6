"""Service areas (isochrones): the area from which a service point is reachable within each time break.

Network service areas (:func:`service_areas`)
---------------------------------------------
Travellers go *to* the service, so every node gets the fastest time **to** the nearest service point: one
multi-source Dijkstra pass on the reversed graph from the service points' nodes, each weighted with its own
off-network leg — exactly the pass :func:`analysis.routing.nearest_service` makes. For a break ``B`` the area is the
union, in the network's metric CRS, of

* a disc around every node with time ``t <= B``, radius ``min((B - t) x walk speed, max_buffer_m)`` — the
  off-network leg a traveller may still walk to reach that node
  (walk speed :data:`analysis.profiles.OFF_NETWORK_WALK_SPEED_KMH`);
* for every usable arc ``i -> j`` with ``t_j <= B``: the part of the segment from which ``j`` (and so the service)
  is still reachable within ``B`` (all of it, or the stretch of length ``(B - t_j) x segment speed`` next to
  ``j``), widened by the remaining walking time: the convex hull of the discs at its two ends, i.e. the union of
  discs whose radius varies linearly along the stretch (each end radius capped at ``max_buffer_m``).

Discs are drawn as regular k-gons (``k = circle_vertices``) *circumscribing* the exact circle (vertex radius
``r / cos(pi / k)``), so the polygon never misses a point of the exact disc.

Consistency with routing (tested)
---------------------------------
Let ``T`` be a settlement's ``travel_time_min`` from :func:`analysis.routing.nearest_service` over the same
network, mode, closures and ``min_component_nodes``, and ``snap`` its ``origin_snap_m``. Routing gives
``T = t(node) + snap / walk speed`` for the settlement's nearest node, so ``T <= B`` means
``snap <= (B - t) x walk speed``: the settlement lies in that node's disc. Hence, exactly (no float slack needed
beyond the circumscribed polygons):

    ``T <= B`` and ``snap <= max_buffer_m``  =>  the settlement lies inside the polygon of break ``B``;
    equivalently, a settlement outside the polygon has ``T > B`` or ``snap > max_buffer_m``.

The only tolerance is the snapping cap: a settlement farther than ``max_buffer_m`` from every road node may have
``T <= B`` yet lie outside (the polygon does not extend that far off the roads). In the other direction, a point
inside the polygon can reach a service within ``B + (1 / cos(pi / k) - 1) x max_buffer_m / walk speed``
(≈ 2 s for k = 32, 500 m) by walking straight to *some* point of the network — not necessarily its nearest node,
which routing uses, so routed times of points inside can exceed ``B`` (e.g. across a river from the road).

Estimated service areas (:func:`estimated_service_areas`)
--------------------------------------------------------
Without a road network: geodesic circles of radius ``B x speed / circuity`` around every service point, the exact
inverse of :func:`analysis.routing.estimate_nearest_service` (same ellipsoid, same speed and circuity): a settlement
with estimated time ``<= B`` is inside, one with estimated time ``> B / cos(pi / k)`` is outside. Rows are labelled
``method = "estimated"``.

Outputs are WGS84 GeoDataFrames with ``break_min``, (``service_id`` when ``per_point``), ``mode``, ``method``,
``method_label_uk``, ``method_label_en``, ``area_km2`` (computed in the metric CRS / on the ellipsoid).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from analysis.errors import DataError
from analysis.network import ProfileGraph, RoadNetwork
from analysis.profiles import OFF_NETWORK_WALK_SPEED_KMH, Profile, get_profile
from analysis.routing import (
    DEFAULT_CIRCUITY,
    DEFAULT_ESTIMATE_SPEED_KMH,
    ESTIMATE_LABEL_EN,
    ESTIMATE_LABEL_UK,
    multi_source_tree,
    point_lonlat,
    snap_points,
    validate_points,
    walk_seconds,
)

#: Default time breaks, minutes.
DEFAULT_BREAKS_MIN: tuple[float, ...] = (15.0, 30.0, 45.0, 60.0)
#: Default cap of the off-network walking buffer, metres.
DEFAULT_MAX_BUFFER_M = 500.0
#: Default number of vertices of a drawn circle.
DEFAULT_CIRCLE_VERTICES = 32

NETWORK_LABEL_UK = "за дорожньою мережею OSM"
NETWORK_LABEL_EN = "routed on the OSM road network"
_GEOD = pyproj.Geod(ellps="WGS84")
_WALK_MS = OFF_NETWORK_WALK_SPEED_KMH / 3.6


def _check_points(points: gpd.GeoDataFrame, id_column: str) -> None:
    validate_points(points, "Service points", id_column)
    if len(points) == 0:
        raise DataError("No service points: service areas need at least one point.")
    if points.crs is None:
        raise DataError("Service points have no coordinate reference system; expected WGS84 (EPSG:4326).")
    if points.geometry.isna().any() or points.geometry.is_empty.any():
        raise DataError("Some service points have no geometry.")


def times_to_services(graph: ProfileGraph, nodes: np.ndarray, seconds: np.ndarray, limit_s: float = np.inf) -> np.ndarray:
    """Seconds from every node to the fastest of the given service nodes (each starting at its own ``seconds``,
    the off-network leg): the pass :func:`analysis.routing.nearest_service` makes
    (:func:`analysis.routing.multi_source_tree`). ``inf`` where not reached within ``limit_s``."""
    dist, _, _ = multi_source_tree(graph.reverse, np.asarray(nodes, dtype=np.int64), np.asarray(seconds, dtype=float),
                                   limit_s)
    return dist


def _breaks(breaks_min: Iterable[float]) -> np.ndarray:
    try:
        values = np.asarray(sorted({float(b) for b in breaks_min}), dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"Time breaks must be numbers (minutes); got {breaks_min!r}.") from None
    if values.size == 0:
        raise DataError("Give at least one time break (minutes), e.g. (15, 30, 45, 60).")
    if not np.isfinite(values).all() or (values <= 0).any():
        raise DataError(f"Time breaks must be positive finite minutes; got {list(breaks_min)}.")
    return values


def _circle_coords(x: np.ndarray, y: np.ndarray, radius: np.ndarray, k: int) -> np.ndarray:
    """(n, k, 2) vertices of regular k-gons circumscribing circles of the given radii."""
    angle = np.linspace(0.0, 2.0 * np.pi, k, endpoint=False)
    r = np.asarray(radius, dtype=float)[:, None] / np.cos(np.pi / k)
    return np.stack([x[:, None] + r * np.cos(angle)[None, :], y[:, None] + r * np.sin(angle)[None, :]], axis=-1)


def _polygons_from_rings(coords: np.ndarray) -> np.ndarray:
    closed = np.concatenate([coords, coords[:, :1, :]], axis=1)
    return shapely.polygons(closed)


def _area_for_break(
    times_s: np.ndarray,
    node_x: np.ndarray,
    node_y: np.ndarray,
    arc_i: np.ndarray,
    arc_j: np.ndarray,
    arc_s: np.ndarray,
    break_s: float,
    max_buffer_m: float,
    k: int,
    previous: tuple | None = None,
) -> tuple:
    """The metric-CRS (multi)polygon reachable within ``break_s`` given node times (see module docstring).

    ``previous`` is the result for a smaller break: pieces that were already at full size there (arcs and nodes
    whose every disc had reached ``max_buffer_m``) are in its polygon and are not drawn again.
    Returns ``(polygon, done_arcs, done_nodes)`` for the next, larger break.
    """
    n = len(times_s)
    done_arcs = np.zeros(len(arc_i), dtype=bool) if previous is None else previous[1]
    done_nodes = np.zeros(n, dtype=bool) if previous is None else previous[2]
    pieces = [] if previous is None or previous[0].is_empty else [np.array([previous[0]], dtype=object)]
    reached = np.isfinite(times_s) & (times_s <= break_s)
    if not reached.any():
        return shapely.Polygon(), done_arcs, done_nodes
    full_arcs = np.zeros(len(arc_i), dtype=bool)
    # arcs i -> j whose head j is reached: reachable stretch next to j, hull of the end discs
    use = reached[arc_j] & ~done_arcs
    covered = np.zeros(n, dtype=bool)
    if use.any():
        index = np.flatnonzero(use)
        i, j, tau = arc_i[index], arc_j[index], arc_s[index]
        remaining = break_s - times_s[j]
        frac = np.minimum(1.0, remaining / np.maximum(tau, 1e-12))
        sx = node_x[j] + frac * (node_x[i] - node_x[j])
        sy = node_y[j] + frac * (node_y[i] - node_y[j])
        r_head = np.minimum(remaining * _WALK_MS, max_buffer_m)
        r_tail = np.where(frac >= 1.0, np.minimum(np.maximum(remaining - tau, 0.0) * _WALK_MS, max_buffer_m), 0.0)
        full = (r_head >= max_buffer_m) & (r_tail >= max_buffer_m)
        full_arcs[index[full]] = True
        # a full-size arc and its reverse draw the same capsule: keep one of the pair
        twin = full & (i > j)
        if twin.any():
            keys = set(zip(i[full & (i < j)].tolist(), j[full & (i < j)].tolist()))
            twin &= np.array([(b, a) in keys for a, b in zip(i.tolist(), j.tolist())], dtype=bool)
        draw = ((r_head > 0) | (r_tail > 0)) & ~twin
        if draw.any():
            head = _circle_coords(node_x[j][draw], node_y[j][draw], r_head[draw], k)
            tail = _circle_coords(sx[draw], sy[draw], r_tail[draw], k)
            hulls = shapely.convex_hull(shapely.linestrings(np.concatenate([head, tail], axis=1)))
            pieces.append(hulls[shapely.get_type_id(hulls) == 3])
        covered[j[(r_head > 0)]] = True
    # discs of reached nodes not already the head of a drawn arc (e.g. service nodes with no incoming arc)
    lone = np.flatnonzero(reached & ~covered & ~done_nodes)
    radius = np.minimum((break_s - times_s) * _WALK_MS, max_buffer_m)
    if lone.size:
        keep = radius[lone] > 0
        if keep.any():
            lone = lone[keep]
            pieces.append(_polygons_from_rings(_circle_coords(node_x[lone], node_y[lone], radius[lone], k)))
    next_arcs = done_arcs | full_arcs
    next_nodes = done_nodes | (reached & (radius >= max_buffer_m))
    if not pieces:
        return shapely.Polygon(), next_arcs, next_nodes
    return shapely.union_all(np.concatenate(pieces)), next_arcs, next_nodes


def service_areas(
    network: RoadNetwork,
    service_points: gpd.GeoDataFrame,
    mode: str | Profile = "drive",
    breaks_min: Sequence[float] = DEFAULT_BREAKS_MIN,
    per_point: bool = False,
    *,
    max_buffer_m: float = DEFAULT_MAX_BUFFER_M,
    min_component_nodes: int = 10,
    closed_edge_ids: Iterable[int] | None = None,
    id_column: str = "id",
    circle_vertices: int = DEFAULT_CIRCLE_VERTICES,
) -> gpd.GeoDataFrame:
    """Areas from which the nearest service point (or each point, ``per_point``) is reachable within each break.

    Parameters
    ----------
    network
        Road network.
    service_points
        GeoDataFrame with an ``id`` column and points (any CRS).
    mode
        Travel mode (see :data:`analysis.profiles.PROFILES`).
    breaks_min
        Time breaks in minutes (positive; sorted and de-duplicated).
    per_point
        One polygon per service point and break (overlapping) instead of one per break (nearest point).
    max_buffer_m
        Cap of the off-network walking leg around the roads, metres (see the module docstring: the snapping
        tolerance of the routing-consistency guarantee).
    min_component_nodes, closed_edge_ids
        As in :func:`analysis.routing.nearest_service` — use the same values to compare with its results.
    circle_vertices
        Vertices per drawn circle (>= 8).

    Returns
    -------
    geopandas.GeoDataFrame
        WGS84; one row per break (x service point): ``break_min``, [``service_id``], ``mode``, ``method``
        (``network``), ``method_label_uk``, ``method_label_en``, ``area_km2``; empty geometry where nothing is
        reached.
    """
    _check_points(service_points, id_column)
    if not max_buffer_m > 0:
        raise DataError(f"max_buffer_m must be positive; got {max_buffer_m!r}.")
    if int(circle_vertices) < 8:
        raise DataError("circle_vertices must be at least 8.")
    k = int(circle_vertices)
    breaks = _breaks(breaks_min)
    profile = get_profile(mode)
    graph = network.graph(profile, closed_edge_ids)
    snap = snap_points(network, service_points, profile, min_component_nodes=min_component_nodes)
    dest_seconds = walk_seconds(snap.distance_m, profile)
    limit = float(breaks.max()) * 60.0
    forward = graph.forward
    arc_i = np.repeat(np.arange(forward.shape[0], dtype=np.int64), np.diff(forward.indptr))
    arc_j = forward.indices.astype(np.int64)
    arc_s = np.asarray(forward.data, dtype=float)
    node_x = network.nodes["x"].to_numpy(dtype=float)
    node_y = network.nodes["y"].to_numpy(dtype=float)

    if per_point:
        runs = []
        ids = service_points[id_column].to_numpy()
        for position in range(len(service_points)):
            times = times_to_services(graph, snap.node[position:position + 1], dest_seconds[position:position + 1],
                                      limit)
            runs.append((ids[position], times))
    else:
        runs = [(None, times_to_services(graph, snap.node, dest_seconds, limit))]

    rows, geoms = [], []
    for service_id, times in runs:
        previous = None
        for b in breaks:
            previous = _area_for_break(times, node_x, node_y, arc_i, arc_j, arc_s, b * 60.0, max_buffer_m, k,
                                       previous)
            geom = previous[0]
            row = {"break_min": float(b)}
            if per_point:
                row["service_id"] = service_id
            rows.append(row)
            geoms.append(geom)
    metric = gpd.GeoSeries(geoms, crs=network.metric_crs)
    table = pd.DataFrame(rows)
    table["mode"] = profile.name
    table["method"] = "network"
    table["method_label_uk"] = NETWORK_LABEL_UK
    table["method_label_en"] = NETWORK_LABEL_EN
    table["area_km2"] = metric.area.to_numpy() / 1e6
    return gpd.GeoDataFrame(table, geometry=metric.to_crs("EPSG:4326").to_numpy(), crs="EPSG:4326")


def estimated_service_areas(
    service_points: gpd.GeoDataFrame,
    mode: str = "drive",
    breaks_min: Sequence[float] = DEFAULT_BREAKS_MIN,
    per_point: bool = False,
    *,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kmh: float | None = None,
    id_column: str = "id",
    circle_vertices: int = 64,
) -> gpd.GeoDataFrame:
    """Service areas without a road network: geodesic circles of radius ``break x speed / circuity``.

    The inverse of :func:`analysis.routing.estimate_nearest_service` with the same ``circuity`` and
    ``speed_kmh`` (default :data:`analysis.routing.DEFAULT_ESTIMATE_SPEED_KMH` of the mode): a point with estimated
    time ``<= B`` lies inside the break-``B`` area; one with estimated time ``> B / cos(pi / circle_vertices)``
    lies outside. Columns as :func:`service_areas`, ``method = "estimated"``, ``area_km2`` on the WGS84 ellipsoid.
    """
    _check_points(service_points, id_column)
    if circuity < 1.0:
        raise ValueError(f"circuity must be >= 1 (road distance is never shorter than the straight line); got {circuity}")
    speed = speed_kmh if speed_kmh is not None else DEFAULT_ESTIMATE_SPEED_KMH.get(str(mode))
    if speed is None or speed <= 0:
        raise ValueError(f"Give a positive speed_kmh for mode {mode!r}.")
    k = int(circle_vertices)
    if k < 8:
        raise DataError("circle_vertices must be at least 8.")
    breaks = _breaks(breaks_min)
    lon, lat = point_lonlat(service_points)
    ids = service_points[id_column].to_numpy()
    azimuths = np.linspace(-180.0, 180.0, k, endpoint=False)

    def circles(radius_m: float) -> np.ndarray:
        r = radius_m / np.cos(np.pi / k)
        lons, lats, _ = _GEOD.fwd(np.repeat(lon, k), np.repeat(lat, k), np.tile(azimuths, len(lon)),
                                  np.full(len(lon) * k, r))
        ring = np.stack([np.asarray(lons).reshape(len(lon), k), np.asarray(lats).reshape(len(lon), k)], axis=-1)
        return _polygons_from_rings(ring)

    rows, geoms = [], []
    for b in breaks:
        radius_m = b / 60.0 * speed / circuity * 1000.0
        polys = circles(radius_m)
        if per_point:
            for service_id, poly in zip(ids, polys):
                rows.append({"break_min": float(b), "service_id": service_id})
                geoms.append(poly)
        else:
            rows.append({"break_min": float(b)})
            geoms.append(shapely.union_all(polys))
    table = pd.DataFrame(rows)
    table["mode"] = str(mode)
    table["method"] = "estimated"
    table["method_label_uk"] = f"{ESTIMATE_LABEL_UK} (коеф. звивистості {circuity:g}, {speed:g} км/год)"
    table["method_label_en"] = f"{ESTIMATE_LABEL_EN} (circuity factor {circuity:g}, {speed:g} km/h)"
    table["area_km2"] = [abs(_GEOD.geometry_area_perimeter(g)[0]) / 1e6 for g in geoms]
    return gpd.GeoDataFrame(table, geometry=geoms, crs="EPSG:4326")
