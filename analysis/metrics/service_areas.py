"""Service areas (isochrones): the area from which a service point is reachable within each time break.

Network service areas (:func:`service_areas`)
---------------------------------------------
Travellers go *to* the service, so every node gets the fastest time **to** the nearest service point from the
router (:meth:`analysis.routing.router.Router.node_seconds`: one multi-source Dijkstra from the ends of the points'
own segments, each with its partial segment and its walk) — exactly the times
:meth:`~analysis.routing.router.Router.nearest` adds up. For a break ``B`` the area is the union, in the network's
metric CRS, of

* for every usable arc ``i -> j`` with ``t_j <= B`` — and for the stretch of each service point's own segment from
  either end to the point — the part of the segment from which ``j`` (and so the service) is still reachable within
  ``B``, widened by the remaining walking time ``min((B - t) x walk speed, max_buffer_m)`` at each point of it:
  drawn as the convex hulls of the discs at the ends of the stretch where that radius is capped (a capsule) and of
  the stretch where it shrinks linearly, so every point of the stretch has its exact disc;
* a disc around every reached node, virtual node and service point of radius ``min((B - t) x walk speed,
  max_buffer_m)`` (a service point itself has ``t = 0``: points side by side are walked between).

Discs are drawn as regular k-gons (``k = circle_vertices``) *circumscribing* the exact circle (vertex radius
``r / cos(pi / k)``), so the polygon never misses a point of the exact disc.

Consistency with routing (tested)
---------------------------------
A settlement's routed time is ``T = walk(snap) + t(P)`` where ``P`` is the point where it joins its segment and
``t(P)`` the time from ``P`` along the segment and the network to the service. ``P`` lies on a drawn stretch whose
disc at ``P`` has radius ``min((B - t(P)) x walk speed, max_buffer_m)``, so, exactly:

    ``T <= B`` and ``snap <= max_buffer_m``  =>  the settlement lies inside the polygon of break ``B``

(for a settlement walking straight to a service point beside it, when that walk is at most ``max_buffer_m``).
The only tolerance is the buffer cap: a settlement farther than ``max_buffer_m`` from the roads may have
``T <= B`` yet lie outside. In the other direction, a point inside the polygon can reach a service within about
``B`` by walking straight to *some* point of the network — not necessarily the one routing joins it to.

Estimated service areas (:func:`estimated_service_areas`)
--------------------------------------------------------
Without a road network: geodesic circles of radius ``B x speed / circuity`` around every service point, the exact
inverse of :class:`analysis.routing.estimate.EstimateRouter` (same ellipsoid, same speed and circuity): a settlement
with estimated time ``<= B`` is inside, one with estimated time ``> B / cos(pi / k)`` is outside. Rows are labelled
``method = "estimated"``.

:func:`areas_for` picks one of the two for a router. Outputs are WGS84 GeoDataFrames with ``break_min``,
(``service_id`` when ``per_point``), ``mode``, ``method``, ``method_label_uk``, ``method_label_en``, ``area_km2``
(computed in the metric CRS / on the ellipsoid).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from analysis.errors import DataError
from analysis.network.graph import RoadNetwork
from analysis.network.profiles import Profile
from analysis.routing.estimate import DEFAULT_CIRCUITY, EstimateRouter
from analysis.routing.paths import multi_source_tree
from analysis.routing.points import point_lonlat, validate_points
from analysis.routing.router import Router
from analysis.routing.snap import DEFAULT_MIN_COMPONENT_NODES

#: Default time breaks, minutes.
DEFAULT_BREAKS_MIN: tuple[float, ...] = (15.0, 30.0, 45.0, 60.0)


#: Default cap of the off-network walking buffer, metres.
DEFAULT_MAX_BUFFER_M = 500.0


#: Default number of vertices of a drawn circle.
DEFAULT_CIRCLE_VERTICES = 32


NETWORK_LABEL_UK = "за дорожньою мережею OSM"


NETWORK_LABEL_EN = "routed on the OSM road network"


_GEOD = pyproj.Geod(ellps="WGS84")



def _check_points(points: gpd.GeoDataFrame, id_column: str) -> None:
    validate_points(points, "Service points", id_column)
    if len(points) == 0:
        raise DataError("No service points: service areas need at least one point.")
    if points.crs is None:
        raise DataError("Service points have no coordinate reference system; expected WGS84 (EPSG:4326).")
    if points.geometry.isna().any() or points.geometry.is_empty.any():
        raise DataError("Some service points have no geometry.")


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


def _hulls(x0, y0, r0, x1, y1, r1, k) -> np.ndarray:
    """Convex hulls of pairs of circumscribed discs (polygons; degenerate pairs left out)."""
    keep = (r0 > 0) | (r1 > 0)
    if not keep.any():
        return np.zeros(0, dtype=object)
    head = _circle_coords(x0[keep], y0[keep], r0[keep], k)
    tail = _circle_coords(x1[keep], y1[keep], r1[keep], k)
    hulls = shapely.convex_hull(shapely.linestrings(np.concatenate([head, tail], axis=1)))
    return hulls[shapely.get_type_id(hulls) == 3]


def _area_for_break(
    times_s: np.ndarray,
    node_x: np.ndarray,
    node_y: np.ndarray,
    arc_i: np.ndarray,
    arc_j: np.ndarray,
    arc_s: np.ndarray,
    break_s: float,
    max_buffer_m: float,
    walk_ms: float,
    k: int,
    previous: tuple | None = None,
) -> tuple:
    """The metric-CRS (multi)polygon reachable within ``break_s`` given node times (see module docstring).

    ``previous`` is the result for a smaller break: arcs and nodes that were already at full size there (every
    disc at ``max_buffer_m``) are in its polygon and are not drawn again.
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
    use = np.flatnonzero(reached[arc_j] & ~done_arcs)
    if len(use):
        i, j, tau = arc_i[use], arc_j[use], np.maximum(arc_s[use], 1e-12)
        remaining = break_s - times_s[j]
        frac = np.minimum(1.0, remaining / tau)  # how far from j towards i the service is still within reach
        # the walking radius min((remaining - s tau) w, cap) is capped up to s_cap, then shrinks linearly
        s_cap = np.clip((remaining - max_buffer_m / walk_ms) / tau, 0.0, frac)
        radius_at = lambda s: np.minimum((remaining - s * tau) * walk_ms, max_buffer_m)  # noqa: E731
        jx, jy, dx, dy = node_x[j], node_y[j], node_x[i] - node_x[j], node_y[i] - node_y[j]
        r_end = np.maximum(radius_at(frac), 0.0)
        full = r_end >= max_buffer_m
        full_arcs[use[full]] = True
        # a full-size arc and its reverse draw the same capsule: keep one of the pair
        twin = full & (i > j)
        if twin.any():
            keys = set(zip(i[full & (i < j)].tolist(), j[full & (i < j)].tolist()))
            twin &= np.array([(b, a) in keys for a, b in zip(i.tolist(), j.tolist())], dtype=bool)
        capsule = (s_cap > 0) & ~twin
        pieces.append(_hulls(jx[capsule], jy[capsule], np.full(capsule.sum(), max_buffer_m),
                             (jx + s_cap * dx)[capsule], (jy + s_cap * dy)[capsule],
                             np.full(capsule.sum(), max_buffer_m), k))
        cone = (frac > s_cap) & ~full
        pieces.append(_hulls((jx + s_cap * dx)[cone], (jy + s_cap * dy)[cone], radius_at(s_cap)[cone],
                             (jx + frac * dx)[cone], (jy + frac * dy)[cone], r_end[cone], k))
    # discs of every reached node (its own walk radius)
    radius = np.minimum((break_s - times_s) * walk_ms, max_buffer_m)
    lone = np.flatnonzero(reached & ~done_nodes & (radius > 0))
    if lone.size:
        pieces.append(_polygons_from_rings(_circle_coords(node_x[lone], node_y[lone], radius[lone], k)))
    next_arcs = done_arcs | full_arcs
    next_nodes = done_nodes | (reached & (radius >= max_buffer_m))
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return shapely.Polygon(), next_arcs, next_nodes
    return shapely.union_all(np.concatenate(pieces)), next_arcs, next_nodes


def _drawing(router: Router, points, limit_s: float):
    """Node times, coordinates and arcs for :func:`_area_for_break`: the network's nodes and arcs, plus each service
    point's virtual node on its segment (with the two partial arcs into it) and the service point itself."""
    network, graph = router.network, router.graph
    d = router.snap(points, what="Service points")
    seeds = router.service_seeds(d)
    times = multi_source_tree(graph.reverse, seeds[0], seeds[1], limit_s)[0]
    forward = graph.forward
    arc_i = np.repeat(np.arange(forward.shape[0], dtype=np.int64), np.diff(forward.indptr))
    arc_j = forward.indices.astype(np.int64)
    arc_s = np.asarray(forward.data, dtype=float)
    node_x = network.nodes["x"].to_numpy(dtype=float)
    node_y = network.nodes["y"].to_numpy(dtype=float)
    routed = np.flatnonzero(d.routed)
    n, m = len(node_x), len(routed)
    u, v = network.nodes[["x", "y"]].to_numpy()[d.node[routed, 0]], network.nodes[["x", "y"]].to_numpy()[d.node[routed, 1]]
    f = d.fraction[routed][:, None]
    virtual = u + f * (v - u)
    virtual_ids = n + np.arange(m)
    extra_i = np.concatenate([d.node[routed, 0], d.node[routed, 1]])
    extra_j = np.concatenate([virtual_ids, virtual_ids])
    extra_s = np.concatenate([d.entry_s[routed, 0], d.entry_s[routed, 1]])
    ok = np.isfinite(extra_s)
    times = np.concatenate([times, d.walk_s[routed], np.zeros(m)])
    node_x = np.concatenate([node_x, virtual[:, 0], d.x[routed]])
    node_y = np.concatenate([node_y, virtual[:, 1], d.y[routed]])
    return (times, node_x, node_y, np.concatenate([arc_i, extra_i[ok]]), np.concatenate([arc_j, extra_j[ok]]),
            np.concatenate([arc_s, extra_s[ok]]))


def service_areas(
    network: RoadNetwork,
    service_points: gpd.GeoDataFrame,
    mode: str | Profile = "drive",
    breaks_min: Sequence[float] = DEFAULT_BREAKS_MIN,
    per_point: bool = False,
    *,
    max_buffer_m: float = DEFAULT_MAX_BUFFER_M,
    min_component_nodes: int = DEFAULT_MIN_COMPONENT_NODES,
    closed_edge_ids: Iterable[int] | None = None,
    id_column: str = "id",
    circle_vertices: int = DEFAULT_CIRCLE_VERTICES,
    router: Router | None = None,
) -> gpd.GeoDataFrame:
    """Areas from which the nearest service point (or each point, ``per_point``) is reachable within each break.

    Parameters
    ----------
    network
        Road network.
    service_points
        GeoDataFrame with an ``id`` column and points (any CRS).
    mode
        Travel mode (see :data:`analysis.network.modes.PROFILES`).
    breaks_min
        Time breaks in minutes (positive; sorted and de-duplicated).
    per_point
        One polygon per service point and break (overlapping) instead of one per break (nearest point).
    max_buffer_m
        Cap of the off-network walking leg around the roads, metres (see the module docstring: the tolerance of
        the routing-consistency guarantee).
    min_component_nodes, closed_edge_ids
        Router settings, as for :class:`analysis.routing.router.Router`; ignored when ``router`` is given (use the
        router the figures came from to compare with them).
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
    if router is None:
        router = Router(network, mode, closed_edge_ids=closed_edge_ids, min_component_nodes=min_component_nodes)
    network = router.network
    walk_ms = router.profile.off_network_speed_kmh / 3.6
    limit = float(breaks.max()) * 60.0
    points = service_points.rename(columns={id_column: "id"}) if id_column != "id" else service_points
    if per_point:
        runs = [(pid, points.iloc[[position]]) for position, pid in enumerate(points["id"].to_numpy())]
    else:
        runs = [(None, points)]

    rows, geoms = [], []
    for service_id, subset in runs:
        times, node_x, node_y, arc_i, arc_j, arc_s = _drawing(router, subset, limit)
        previous = None
        for b in breaks:
            previous = _area_for_break(times, node_x, node_y, arc_i, arc_j, arc_s, b * 60.0, max_buffer_m, walk_ms, k,
                                       previous)
            row = {"break_min": float(b)}
            if per_point:
                row["service_id"] = service_id
            rows.append(row)
            geoms.append(previous[0])
    metric = gpd.GeoSeries(geoms, crs=network.metric_crs)
    table = pd.DataFrame(rows)
    table["mode"] = router.mode
    table["method"] = "network"
    table["method_label_uk"] = NETWORK_LABEL_UK
    table["method_label_en"] = NETWORK_LABEL_EN
    table["area_km2"] = metric.area.to_numpy() / 1e6
    return gpd.GeoDataFrame(table, geometry=metric.to_crs("EPSG:4326").to_numpy(), crs="EPSG:4326")


def areas_for(router, service_points: gpd.GeoDataFrame, breaks_min: Sequence[float] = DEFAULT_BREAKS_MIN,
              per_point: bool = False, **options) -> gpd.GeoDataFrame:
    """Service areas for a router: routed on its network, or the estimate's circles for an
    :class:`~analysis.routing.estimate.EstimateRouter` (same speed and circuity as its travel times)."""
    if isinstance(router, EstimateRouter):
        return estimated_service_areas(service_points, router.mode, breaks_min, per_point, circuity=router.circuity,
                                       speed_kmh=router.speed_kmh)
    return service_areas(router.network, service_points, router.mode, breaks_min, per_point, router=router, **options)


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

    The inverse of :class:`analysis.routing.estimate.EstimateRouter` with the same ``circuity`` and ``speed_kmh``
    (default :data:`analysis.routing.estimate.DEFAULT_ESTIMATE_SPEED_KMH` of the mode): a point with estimated
    time ``<= B`` lies inside the break-``B`` area; one with estimated time ``> B / cos(pi / circle_vertices)``
    lies outside. Columns as :func:`service_areas`, ``method = "estimated"``, ``area_km2`` on the WGS84 ellipsoid.
    """
    _check_points(service_points, id_column)
    estimate = EstimateRouter(mode, circuity=circuity, speed_kmh=speed_kmh)
    circuity, speed = estimate.circuity, estimate.speed_kmh
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
    table["method_label_uk"] = estimate.label["uk"]
    table["method_label_en"] = estimate.label["en"]
    table["area_km2"] = [abs(_GEOD.geometry_area_perimeter(g)[0]) / 1e6 for g in geoms]
    return gpd.GeoDataFrame(table, geometry=geoms, crs="EPSG:4326")
