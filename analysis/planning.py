"""Planning: what-if scenarios answered incrementally, and where to put new service points.

What-if scenarios
-----------------
A :class:`PlanningContext` is built once per network, settlements, service group and travel mode
(:meth:`PlanningContext.build`). It keeps the routing graph, where every settlement and service point attaches to it
(snaps), a KD-tree for snapping new points, and the baseline: for every settlement the fastest time to the nearest
service point of the group, with the shortest-path tree it came from. :func:`apply_scenario` then answers a
:class:`WhatIf` (add, move or close service points; close road segments by id, inside an area, or only the bridges
inside an area) with before/after tables per settlement and per hromada.

Every answer is exact -- equal to :func:`analysis.routing.nearest_service` run from scratch on the changed inputs
(tested) -- and is computed with as little work as exactness allows:

* **Only additions** (and road closures that touch no settlement's fastest route): the baseline stays valid; each new
  point costs ONE Dijkstra on the reversed graph from its node, bounded by the largest current settlement time (a
  node farther than that cannot improve any settlement), and the result is the element-wise minimum with the
  baseline. Milliseconds on a 50,000-node graph.
* **Closures** (points or roads): a settlement is *affected* when its nearest point is closed/moved or when its
  baseline fastest route (from the shortest-path tree) uses a closed segment. Unaffected settlements keep their
  baseline time exactly (their route still exists and nothing became faster). If nothing is affected the answer is
  the baseline (+ additions); otherwise one multi-source pass over the final set of points on the changed graph is
  run (the cost of a pass does not depend on how many settlements are affected).

Closing roads derives the changed graph from the baseline CSR by dropping the closed segments' arcs (milliseconds)
unless a closed segment has a parallel segment between the same two nodes, where the graph is rebuilt with
:meth:`analysis.network.RoadNetwork.graph` (exact in every case). As in ``nearest_service``, snapping is to the
baseline graph: a settlement whose only road is closed becomes unreachable rather than attached elsewhere.

Suggestions
-----------
:func:`suggest_points` solves the maximal covering location problem (Church & ReVelle 1974): choose ``k`` new points
among candidates (settlements by default) to maximise the population newly brought within the threshold, exactly
(integer program with CBC via PuLP, or HiGHS via scipy; brute force for tiny instances) or greedily with a
certified upper bound for large instances.

All functions are pure apart from timing; no file I/O and no global state.
"""

from __future__ import annotations

import itertools
import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from analysis.errors import DataError
from analysis.network import RoadNetwork
from analysis.profiles import Profile, get_profile
from analysis.routing import (
    arc_values, direct_walk_m, multi_source_tree, od_matrix, point_lonlat, validate_points, walk_seconds,
)

#: Values of the OSM ``bridge`` tag that do NOT mean a bridge.
_NOT_BRIDGE = {"", "no", "false", "0"}
#: Below this many k-combinations of candidates, ``method="auto"``/``"exact"`` enumerate them all.
BRUTE_FORCE_MAX_COMBINATIONS = 20_000
#: ``method="auto"`` uses the integer program up to this many candidate x settlement coverage pairs.
EXACT_MAX_COVER_PAIRS = 2_000_000


# ================================================================================================================
# Scenario description
# ================================================================================================================
@dataclass(frozen=True)
class NewPoint:
    """A service point to add (WGS84 lon/lat). ``id`` defaults to ``new-1``, ``new-2``... in scenario order."""

    lon: float
    lat: float
    id: str | None = None
    name: str = ""
    category: str | None = None
    group: str | None = None


@dataclass
class WhatIf:
    """A what-if scenario.

    Attributes
    ----------
    add
        New service points.
    move
        ``{point id: (lon, lat)}``: existing points moved (keep their id).
    close
        Ids of existing service points closed.
    close_edges
        Road segment ids (index of ``RoadNetwork.edges``) closed.
    close_areas
        WGS84 geometries: every segment intersecting one of them is closed (flood, works, front line).
    close_bridges_in
        WGS84 geometries: only segments tagged as bridges (OSM ``bridge`` other than ``no``) intersecting them are
        closed.
    label
        Free text for reports.
    """

    add: Sequence[NewPoint] = ()
    move: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    close: Sequence[str] = ()
    close_edges: Sequence[int] = ()
    close_areas: Sequence[shapely.Geometry] = ()
    close_bridges_in: Sequence[shapely.Geometry] = ()
    label: str = ""


# ================================================================================================================
# Routing kernels (exactly the arithmetic of analysis.routing._nearest_pass)
# ================================================================================================================
def _jump(parent: np.ndarray, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pointer jumping over a forest: ``parent[i]`` (roots point to themselves), ``step[i]`` the value of the arc
    i -> parent[i]. Returns per node the sum of steps up to its root, and the root; O(N log depth), vectorised."""
    parent = parent.copy()
    total = step.astype(float).copy()
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return total, parent
        total = total + total[parent]
        parent = grand


def _multi_source(
    reverse: sparse.csr_matrix, dest_nodes: np.ndarray, dest_seconds: np.ndarray, limit_s: float = np.inf
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`analysis.routing.multi_source_tree` plus the destination reached from *every* node (-1 if none),
    found by pointer jumping to the tree roots."""
    n = reverse.shape[0]
    dist, pred, dest_of_node = multi_source_tree(reverse, dest_nodes, dest_seconds, limit_s)
    _, root = _jump(np.where(pred >= 0, pred, np.arange(n)), np.zeros(n))
    dest_index = np.where(np.isfinite(dist), dest_of_node[root], -1)
    return dist, pred, dest_index


def _with_direct_walks(
    seconds: np.ndarray, which: np.ndarray, o_node: np.ndarray, o_xy: np.ndarray, p_node: np.ndarray,
    p_xy: np.ndarray, profile: Profile,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply routing's rule that points on the same road node are walked between directly
    (:func:`analysis.routing.direct_walk_m`) to per-settlement best seconds and point indices."""
    metres, nearest = direct_walk_m(o_node, o_xy, p_node, p_xy)
    direct_s = walk_seconds(metres, profile)
    use = (nearest >= 0) & (direct_s <= seconds)
    return np.where(use, direct_s, seconds), np.where(use, nearest, which)


def _route_segments(parent: np.ndarray, tree_edge: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start position, segment id) for every arc on the tree paths from ``start`` nodes to their roots; all
    starts walk up in lock-step (one vectorised step per level of depth)."""
    owners, segments = [], []
    current = start.astype(np.int64).copy()
    active = np.flatnonzero(parent[current] >= 0) if len(current) else np.zeros(0, dtype=np.int64)
    while len(active):
        nodes = current[active]
        owners.append(active)
        segments.append(tree_edge[nodes])
        current[active] = parent[nodes]
        active = active[parent[current[active]] >= 0]
    if not owners:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(owners), np.concatenate(segments)


def _without_edges(reverse: sparse.csr_matrix, edge_id: np.ndarray, closed: np.ndarray) -> sparse.csr_matrix:
    """The CSR matrix without the arcs of the closed segments (``edge_id`` aligned with ``reverse.data``)."""
    keep = ~np.isin(edge_id, closed)
    n = reverse.shape[0]
    row_of_entry = np.repeat(np.arange(n, dtype=np.int64), np.diff(reverse.indptr))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of_entry[keep], minlength=n), out=indptr[1:])
    return sparse.csr_matrix((reverse.data[keep], reverse.indices[keep], indptr), shape=reverse.shape)


# ================================================================================================================
# Context
# ================================================================================================================
@dataclass
class PlanningContext:
    """Everything a what-if needs, built once by :meth:`build` (see the module docstring).

    Attributes
    ----------
    network, profile, group
        The road network, travel mode and service group analysed (``group`` None = all points given).
    settlements
        The settlements (GeoDataFrame as given).
    points
        The service points of the group.
    threshold_min
        Default access norm in minutes for "covered" figures.
    reverse
        Reversed mode graph (CSR, seconds); ``reverse_edge_id`` names each arc's segment.
    origin_node, origin_snap_m, origin_seconds
        Settlement snaps: node, off-network metres, off-network seconds.
    origin_xy, point_xy
        Metric coordinates of the settlements and points (for direct walks between points on one node).
    point_node, point_snap_m, point_seconds
        The same for service points.
    baseline_seconds, baseline_point
        Per settlement: fastest seconds to the nearest point (inf if none reachable) and its position in
        ``points`` (-1 if none).
    tree_parent, tree_edge
        Baseline shortest-path forest over nodes: parent towards the point (-1 at roots/unreached) and the
        segment id of that arc (-1).
    path_owner, path_edge
        The segments of every settlement's baseline fastest route, as (settlement position, segment id) pairs.
    population, hromada
        Per settlement population (NaN unknown) and hromada label.
    settlement_ids, point_ids
        Ids (object arrays) in the order of the tables.
    parallel_edge, component
        Per segment, whether another segment joins the same two nodes; weakly connected component per node
        (baseline graph).
    node_xy, max_speed_mps
        Metric node coordinates and the fastest arc speed: a straight-line lower bound on travel times, used to
        skip settlements a new point cannot improve.
    build_seconds
        Wall time of :meth:`build`.
    """

    network: RoadNetwork
    profile: Profile
    group: str | None
    settlements: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    threshold_min: float
    id_column: str
    min_component_nodes: int
    reverse: sparse.csr_matrix
    reverse_edge_id: np.ndarray
    origin_node: np.ndarray
    origin_snap_m: np.ndarray
    origin_seconds: np.ndarray
    origin_xy: np.ndarray
    point_node: np.ndarray
    point_snap_m: np.ndarray
    point_seconds: np.ndarray
    point_xy: np.ndarray
    baseline_seconds: np.ndarray
    baseline_point: np.ndarray
    tree_parent: np.ndarray
    tree_edge: np.ndarray
    path_owner: np.ndarray
    path_edge: np.ndarray
    population: np.ndarray
    hromada: np.ndarray
    settlement_ids: np.ndarray
    point_ids: np.ndarray
    parallel_edge: np.ndarray
    component: np.ndarray
    node_xy: np.ndarray
    max_speed_mps: float
    build_seconds: float = 0.0
    _to_metric: pyproj.Transformer | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        network: RoadNetwork,
        settlements: gpd.GeoDataFrame,
        service_points: gpd.GeoDataFrame,
        mode: str | Profile = "drive",
        group: str | None = None,
        *,
        by: str = "group",
        threshold_min: float = 30.0,
        id_column: str = "id",
        population_column: str = "population",
        hromada_column: str = "hromada_katottg",
        min_component_nodes: int = 10,
    ) -> "PlanningContext":
        """Route the baseline once and keep what incremental what-ifs need.

        Parameters
        ----------
        network
            Road network.
        settlements
            Settlements (``id``, ``population``, optional ``hromada_katottg``, point geometry).
        service_points
            Service points (``id``, ``by`` column, point geometry).
        mode
            Travel mode.
        group
            Keep only service points with ``service_points[by] == group`` (None = all).
        threshold_min
            Default norm (minutes) for coverage figures; :func:`apply_scenario` can override it.
        population_column, hromada_column
            Settlement columns; a missing hromada column puts all settlements in one group ``"all"``.
        min_component_nodes
            As in :func:`analysis.routing.snap_points`.
        """
        started = time.perf_counter()
        validate_points(settlements, "Settlements", id_column)
        validate_points(service_points, "Service points", id_column)
        if threshold_min is None or not threshold_min > 0:
            raise ValueError("threshold_min must be a positive number of minutes.")
        if group is not None:
            if by not in service_points.columns:
                raise DataError(f"Service points have no {by!r} column; columns found: {list(service_points.columns)}.")
            service_points = service_points[service_points[by] == group]
        points = service_points.reset_index(drop=True)
        profile = get_profile(mode)
        graph = network.graph(profile)

        to_metric = pyproj.Transformer.from_crs("EPSG:4326", network.metric_crs, always_xy=True)
        node_x, node_y = network.nodes["x"].to_numpy(), network.nodes["y"].to_numpy()

        def snap(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            if len(frame) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 2))
            x, y = to_metric.transform(*point_lonlat(frame))
            return (*graph.snap(node_x, node_y, x, y, min_component_nodes), np.column_stack([x, y]))

        o_node, o_m, o_xy = snap(settlements)
        p_node, p_m, p_xy = snap(points)
        p_sec = walk_seconds(p_m, profile)
        dist, pred, dest_index = _multi_source(graph.reverse, p_node, p_sec)
        o_sec = walk_seconds(o_m, profile)
        baseline = dist[o_node] + o_sec
        baseline_point = np.where(np.isfinite(baseline), dest_index[o_node], -1)
        baseline = np.where(baseline_point >= 0, baseline, np.inf)
        baseline, baseline_point = _with_direct_walks(baseline, baseline_point, o_node, o_xy, p_node, p_xy, profile)

        tree_edge = np.full(graph.n_nodes, -1, dtype=np.int64)
        idx = np.flatnonzero(pred >= 0)
        tree_edge[idx] = arc_values(graph, graph.reverse_edge_id, pred[idx], idx)
        path_owner, path_edge = _route_segments(pred, tree_edge, o_node)

        u = network.edges["u"].to_numpy(dtype=np.int64)
        v = network.edges["v"].to_numpy(dtype=np.int64)
        key = np.minimum(u, v) * network.n_nodes + np.maximum(u, v)
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)

        if population_column in settlements.columns:
            population = pd.to_numeric(settlements[population_column], errors="coerce").to_numpy(dtype=float)
        else:
            population = np.full(len(settlements), np.nan)
        if hromada_column in settlements.columns:
            hromada = settlements[hromada_column].astype("string").fillna("(unknown)").to_numpy(dtype=object)
        else:
            hromada = np.full(len(settlements), "all", dtype=object)
        return cls(
            network=network, profile=profile, group=group, settlements=settlements, points=points,
            threshold_min=float(threshold_min), id_column=id_column, min_component_nodes=min_component_nodes,
            reverse=graph.reverse, reverse_edge_id=graph.reverse_edge_id,
            origin_node=o_node, origin_snap_m=o_m, origin_seconds=o_sec, origin_xy=o_xy,
            point_node=p_node, point_snap_m=p_m, point_seconds=p_sec, point_xy=p_xy,
            baseline_seconds=baseline, baseline_point=baseline_point,
            tree_parent=pred, tree_edge=tree_edge, path_owner=path_owner, path_edge=path_edge,
            population=population, hromada=hromada,
            settlement_ids=settlements[id_column].to_numpy(dtype=object),
            point_ids=points[id_column].to_numpy(dtype=object),
            parallel_edge=counts[inverse] > 1, component=graph.component,
            node_xy=np.column_stack([network.nodes["x"].to_numpy(float), network.nodes["y"].to_numpy(float)]),
            max_speed_mps=float(np.max(graph.reverse_length_m / graph.reverse.data, initial=0.0)),
            build_seconds=time.perf_counter() - started, _to_metric=to_metric,
        )

    # ------------------------------------------------------------------------------------------------ helpers
    def snap_lonlat(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Snap WGS84 points exactly as :func:`analysis.routing.snap_points` would: (node, metres, metric xy)."""
        x, y = self._to_metric.transform(np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float)))
        graph = self.network.graph(self.profile)
        node, metres = graph.snap(self.node_xy[:, 0], self.node_xy[:, 1], x, y, self.min_component_nodes)
        return node, metres, np.column_stack([x, y])

    def closed_reverse(self, closed: np.ndarray) -> sparse.csr_matrix:
        """The reversed graph with the closed segments removed (exactly ``network.graph(mode, closed).reverse``)."""
        if len(closed) == 0:
            return self.reverse
        if self.parallel_edge[closed].any():
            # removing the fastest of two parallel arcs must expose the other one: rebuild from the edges table
            return self.network.graph(self.profile, closed).reverse
        return _without_edges(self.reverse, self.reverse_edge_id, closed)

    def affected_by_edges(self, closed: np.ndarray) -> np.ndarray:
        """Settlements whose baseline fastest route uses one of the closed segments (boolean per settlement)."""
        if len(closed) == 0:
            return np.zeros(len(self.origin_node), dtype=bool)
        is_closed = np.zeros(self.network.n_edges, dtype=bool)
        is_closed[closed] = True
        return np.bincount(self.path_owner[is_closed[self.path_edge]], minlength=len(self.origin_node)) > 0

    def edges_in_area(self, area: shapely.Geometry, *, bridges_only: bool = False) -> np.ndarray:
        """Ids of the segments intersecting a WGS84 geometry (only bridges with ``bridges_only``).

        Segment bounding boxes are compared with the area's first (vectorised), then the few candidates are
        tested exactly with shapely.
        """
        if "edge_box" not in self._cache:
            nodes, edges = self.network.nodes, self.network.edges
            u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
            lon, lat = nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float)
            self._cache["edge_box"] = (np.minimum(lon[u], lon[v]), np.minimum(lat[u], lat[v]),
                                       np.maximum(lon[u], lon[v]), np.maximum(lat[u], lat[v]), lon, lat, u, v)
            if "bridge" in edges.columns:
                tag = edges["bridge"].astype("string").str.strip().str.lower().fillna("")
                self._cache["is_bridge"] = (~tag.isin(list(_NOT_BRIDGE))).to_numpy(dtype=bool)
            else:
                self._cache["is_bridge"] = np.zeros(len(edges), dtype=bool)
        x0, y0, x1, y1, lon, lat, u, v = self._cache["edge_box"]
        area = _as_geometry(area)
        if area.is_empty:
            return np.zeros(0, dtype=np.int64)
        ax0, ay0, ax1, ay1 = area.bounds
        ids = np.flatnonzero((x1 >= ax0) & (x0 <= ax1) & (y1 >= ay0) & (y0 <= ay1))
        if bridges_only:
            ids = ids[self._cache["is_bridge"][ids]]
        if len(ids):
            coords = np.stack([np.column_stack([lon[u[ids]], lat[u[ids]]]),
                               np.column_stack([lon[v[ids]], lat[v[ids]]])], axis=1)
            shapely.prepare(area)
            ids = ids[shapely.intersects(area, shapely.linestrings(coords))]
        return ids.astype(np.int64)

    def add_point_seconds(
        self, reverse: sparse.csr_matrix, node: int, walk_seconds: float, current_seconds: np.ndarray,
        xy: np.ndarray | None = None,
    ) -> np.ndarray:
        """Seconds from every settlement to one new point, exact wherever it beats ``current_seconds`` (inf where
        it cannot): one Dijkstra from the point's node on the reversed graph, bounded by the largest current
        settlement time that the point could still improve (settlements whose straight-line lower bound already
        rules out an improvement do not count)."""
        weight = max(float(walk_seconds), 1e-9)
        node_level = current_seconds - self.origin_seconds
        # a settlement can improve only if weight + (lower bound of the network time) beats its current time:
        # straight line / fastest arc speed, x 0.9 for map-projection scale (closures only slow things down)
        gap = np.hypot(*(self.node_xy[self.origin_node] - self.node_xy[int(node)]).T)
        lower = gap * 0.9 / self.max_speed_mps if self.max_speed_mps > 0 else np.zeros(len(gap))
        relevant = weight + lower < node_level
        if xy is not None:  # settlements on the point's own node may walk there directly
            relevant &= self.origin_node != int(node)
        # settlements out of reach now and in another (baseline, hence also closed-graph) component stay so
        relevant &= np.isfinite(node_level) | (self.component[self.origin_node] == self.component[int(node)])
        bound = float(node_level[relevant].max()) if relevant.any() else -np.inf
        limit = np.inf if bound == np.inf else (bound - weight) * (1 + 1e-9) + 1e-6
        if limit < 0:
            return np.full(len(self.origin_node), np.inf)
        dist = csgraph.dijkstra(reverse, directed=True, indices=int(node), limit=limit)
        candidate = (weight + dist[self.origin_node]) + self.origin_seconds
        if xy is not None:
            candidate, _ = _with_direct_walks(candidate, np.zeros(len(candidate), dtype=np.int64), self.origin_node,
                                              self.origin_xy, np.array([int(node)]), np.asarray(xy, float)[None, :],
                                              self.profile)
        return candidate


def _as_geometry(area) -> shapely.Geometry:
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        series = area.geometry if isinstance(area, gpd.GeoDataFrame) else area
        if series.crs is not None:
            series = series.to_crs("EPSG:4326")
        return series.union_all()
    if not isinstance(area, shapely.Geometry):
        raise DataError("A closed area must be a shapely geometry or GeoDataFrame in WGS84; "
                        f"got {type(area).__name__}.")
    return area


# ================================================================================================================
# Scenario evaluation
# ================================================================================================================
@dataclass
class ScenarioResult:
    """Result of :func:`apply_scenario`.

    Attributes
    ----------
    settlements
        One row per settlement: ``origin_id``, ``name``, ``hromada``, ``population``, ``time_before_min``,
        ``time_after_min``, ``change_min``, ``destination_before``, ``destination_after``, ``reachable_before``,
        ``reachable_after``, ``covered_before``, ``covered_after``, ``status``.
    hromadas
        One row per hromada (+ ``"(all)"`` when there are several): settlements, population, covered population and
        share before/after, population-weighted mean and maximum time before/after, unreachable counts.
    scenario
        The scenario evaluated.
    closed_edge_ids
        Every road segment closed (explicit + areas + bridges).
    method
        ``"unchanged"``, ``"incremental"`` (baseline + one bounded search per new point) or ``"full"`` (one pass
        over the final points because some settlements were affected by a closure).
    affected_settlements
        Settlements whose baseline nearest point was closed/moved or whose fastest route used a closed segment.
    timings
        Seconds spent per stage (``prepare``, ``search``, ``tables``, ``total``).
    """

    settlements: pd.DataFrame
    hromadas: pd.DataFrame
    scenario: WhatIf
    closed_edge_ids: np.ndarray
    method: str
    affected_settlements: int
    threshold_min: float
    timings: dict[str, float]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """Whole-area figures (the ``(all)`` row, or the only hromada)."""
        row = self.hromadas.iloc[-1]
        return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def scenario_times(context: PlanningContext, scenario: WhatIf) -> dict:
    """The numeric core of :func:`apply_scenario`: per-settlement seconds and destination ids after the scenario.

    Returns a dict with ``seconds`` (inf = unreachable), ``destination`` (object array, None if unreachable),
    ``closed_edge_ids``, ``method``, ``affected`` (boolean per settlement), ``timings``.
    """
    t0 = time.perf_counter()
    point_ids = context.point_ids
    known = set(point_ids.tolist())
    closed_ids = list(scenario.close)
    moved = dict(scenario.move)
    unknown = sorted((set(closed_ids) | set(moved)) - known)
    if unknown:
        raise DataError(f"Unknown service point id(s) in the scenario: {unknown[:10]}.")
    removed = np.isin(point_ids, list(set(closed_ids) | set(moved)))

    # new points: additions then moved points at their new place
    new_ids, new_lon, new_lat = [], [], []
    for position, point in enumerate(scenario.add, start=1):
        if point.group is not None and context.group is not None and point.group != context.group:
            raise DataError(f"New point {point.id or position!r} is of group {point.group!r}; this context analyses "
                            f"{context.group!r}.")
        new_ids.append(point.id if point.id is not None else f"new-{position}")
        new_lon.append(float(point.lon))
        new_lat.append(float(point.lat))
    for pid, (lon, lat) in moved.items():
        new_ids.append(pid)
        new_lon.append(float(lon))
        new_lat.append(float(lat))
    remaining_ids = set(point_ids[~removed].tolist())
    duplicates = [i for i in new_ids if i in remaining_ids or new_ids.count(i) > 1]
    if duplicates:
        raise DataError(f"New point id(s) already in use: {sorted(set(map(str, duplicates)))[:10]}.")
    if new_ids:
        new_node, new_m, new_xy = context.snap_lonlat(np.array(new_lon), np.array(new_lat))
        new_sec = walk_seconds(new_m, context.profile)
    else:
        new_node, new_sec, new_xy = np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 2))

    # closed roads
    parts = [np.asarray(list(scenario.close_edges), dtype=np.int64)]
    parts += [context.edges_in_area(a) for a in scenario.close_areas]
    parts += [context.edges_in_area(a, bridges_only=True) for a in scenario.close_bridges_in]
    closed = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    if len(closed) and ((closed < 0) | (closed >= context.network.n_edges)).any():
        bad = closed[(closed < 0) | (closed >= context.network.n_edges)]
        raise ValueError(f"Unknown edge ids (valid 0..{context.network.n_edges - 1}): {bad[:10].tolist()}")
    affected = context.affected_by_edges(closed)
    if removed.any():
        affected |= (context.baseline_point >= 0) & removed[np.maximum(context.baseline_point, 0)]
    t1 = time.perf_counter()

    all_ids = np.concatenate([point_ids, np.asarray(new_ids, dtype=object)])
    if not affected.any():
        seconds = context.baseline_seconds.copy()
        which = context.baseline_point.copy()
        reverse = context.closed_reverse(closed) if new_ids else None
        for k in range(len(new_ids)):
            candidate = context.add_point_seconds(reverse, new_node[k], new_sec[k], seconds, new_xy[k])
            better = candidate < seconds
            seconds = np.where(better, candidate, seconds)
            which = np.where(better, len(point_ids) + k, which)
        method = "incremental" if new_ids else "unchanged"
    else:
        keep = np.flatnonzero(~removed)
        nodes = np.concatenate([context.point_node[keep], new_node])
        secs = np.concatenate([context.point_seconds[keep], new_sec])
        dist, _, dest_index = _multi_source(context.closed_reverse(closed), nodes, secs)
        seconds = dist[context.origin_node] + context.origin_seconds
        local = dest_index[context.origin_node]
        position = np.concatenate([keep, len(point_ids) + np.arange(len(new_ids))])
        which = np.where(np.isfinite(seconds) & (local >= 0), position[np.maximum(local, 0)], -1)
        seconds = np.where(which >= 0, seconds, np.inf)
        direct_nodes = np.concatenate([context.point_node[keep], new_node])
        direct_xy = np.concatenate([context.point_xy[keep], new_xy])
        seconds, local_direct = _with_direct_walks(seconds, np.full(len(seconds), -1), context.origin_node,
                                                   context.origin_xy, direct_nodes, direct_xy, context.profile)
        which = np.where(local_direct >= 0, position[np.maximum(local_direct, 0)], which)
        method = "full"
    seconds = np.where(which >= 0, seconds, np.inf)
    destination = np.full(len(seconds), None, dtype=object)
    destination[which >= 0] = all_ids[which[which >= 0]]
    t2 = time.perf_counter()
    return {
        "seconds": seconds,
        "destination": destination,
        "closed_edge_ids": closed,
        "method": method,
        "affected": affected,
        "new_point_ids": new_ids,
        "timings": {"prepare": t1 - t0, "search": t2 - t1},
    }


def _hromada_table(hromada: np.ndarray, population: np.ndarray, before: np.ndarray, after: np.ndarray,
                   threshold: float, changed: np.ndarray) -> pd.DataFrame:
    """Per-hromada before/after figures (numpy group sums), plus an ``(all)`` row when there are several.

    ``before``/``after`` are minutes (NaN = unreachable); population NaN counts as 0.
    """
    labels, group = np.unique(hromada.astype(str), return_inverse=True)
    if len(labels) > 1:
        labels = np.append(labels, "(all)")
        group_sets = [group, np.full(len(group), len(labels) - 1)]
    else:
        group_sets = [group]
    g = np.concatenate(group_sets)
    m = len(labels)
    pop = np.tile(np.nan_to_num(population, nan=0.0), len(group_sets))

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=np.tile(values, len(group_sets)) if len(values) != len(g) else values,
                           minlength=m)

    table = {"hromada": labels, "n_settlements": np.bincount(g, minlength=m), "population": total(pop)}
    for when, minutes in (("before", before), ("after", after)):
        minutes = np.tile(minutes, len(group_sets))
        ok = np.isfinite(minutes)
        covered = total(np.where(ok & (minutes <= threshold), pop, 0.0))
        weight = total(np.where(ok, pop, 0.0))
        weighted = total(np.where(ok, minutes * pop, 0.0))
        longest = np.full(m, -np.inf)
        np.maximum.at(longest, g[ok], minutes[ok])
        with np.errstate(invalid="ignore", divide="ignore"):
            table[f"covered_population_{when}"] = covered
            table[f"covered_share_{when}"] = np.where(table["population"] > 0, covered / table["population"], np.nan)
            table[f"mean_time_{when}_min"] = np.where(weight > 0, weighted / weight, np.nan)
        table[f"max_time_{when}_min"] = np.where(np.isfinite(longest), longest, np.nan)
        table[f"n_unreachable_{when}"] = np.bincount(g[~ok], minlength=m)
    table["covered_population_change"] = table["covered_population_after"] - table["covered_population_before"]
    table["n_settlements_changed"] = np.bincount(g[np.tile(changed, len(group_sets))], minlength=m)
    return pd.DataFrame(table)


def apply_scenario(context: PlanningContext, scenario: WhatIf, *, threshold_min: float | None = None) -> ScenarioResult:
    """Before/after access per settlement and per hromada for a what-if scenario (exact, incremental).

    Parameters
    ----------
    context
        Built once with :meth:`PlanningContext.build`.
    scenario
        Points added/moved/closed, road segments closed.
    threshold_min
        Norm for "covered" (default ``context.threshold_min``).

    Returns
    -------
    ScenarioResult
    """
    started = time.perf_counter()
    threshold = context.threshold_min if threshold_min is None else float(threshold_min)
    core = scenario_times(context, scenario)
    t_tables = time.perf_counter()
    before_s = context.baseline_seconds
    after_s = core["seconds"]
    before = np.where(np.isfinite(before_s), before_s / 60.0, np.nan)
    after = np.where(np.isfinite(after_s), after_s / 60.0, np.nan)
    reach_b, reach_a = np.isfinite(before), np.isfinite(after)
    change = after - before
    status = np.full(len(before), "unchanged", dtype=object)
    status[reach_b & reach_a & (change < -1e-9)] = "faster"
    status[reach_b & reach_a & (change > 1e-9)] = "slower"
    status[reach_b & ~reach_a] = "now unreachable"
    status[~reach_b & reach_a] = "now reachable"
    dest_before = np.full(len(before), None, dtype=object)
    found = context.baseline_point >= 0
    dest_before[found] = context.point_ids[context.baseline_point[found]]
    names = context.settlements["name"].to_numpy() if "name" in context.settlements.columns else None
    table = pd.DataFrame(
        {
            "origin_id": context.settlement_ids,
            "name": names if names is not None else pd.Series([None] * len(before), dtype=object),
            "hromada": context.hromada,
            "population": context.population,
            "time_before_min": before,
            "time_after_min": after,
            "change_min": change,
            "destination_before": dest_before,
            "destination_after": core["destination"],
            "reachable_before": reach_b,
            "reachable_after": reach_a,
            "covered_before": reach_b & (before <= threshold),
            "covered_after": reach_a & (after <= threshold),
            "status": status,
        }
    )
    hromadas = _hromada_table(context.hromada, context.population, before, after, threshold, status != "unchanged")
    notes = []
    if np.isnan(context.population).any():
        notes.append(f"{int(np.isnan(context.population).sum())} settlement(s) without population count as 0 "
                     "in population figures")
    if len(core["closed_edge_ids"]) == 0 and (scenario.close_areas or scenario.close_bridges_in):
        notes.append("no road segment intersects the closed area(s)")
    timings = dict(core["timings"])
    timings["tables"] = time.perf_counter() - t_tables
    timings["total"] = time.perf_counter() - started
    return ScenarioResult(
        settlements=table, hromadas=hromadas, scenario=scenario, closed_edge_ids=core["closed_edge_ids"],
        method=core["method"], affected_settlements=int(core["affected"].sum()), threshold_min=threshold,
        timings=timings, notes=notes,
    )


# ================================================================================================================
# Maximal covering location: suggest_points
# ================================================================================================================
@dataclass
class Suggestion:
    """Result of :func:`suggest_points`.

    Attributes
    ----------
    points
        Chosen candidates, most useful first: ``candidate_id``, ``rank``, ``newly_covered_population`` (marginal,
        given the points ranked before it), ``cumulative_newly_covered``, ``n_settlements_newly_covered``, ``cost``,
        ``cost_per_newly_covered_person``.
    settlements
        ``origin_id``, ``population``, ``covered_before``, ``covered_after``, ``covered_by`` (chosen candidate that
        first covers it, or None).
    method
        ``"exact (brute force)"``, ``"exact (CBC)"``, ``"exact (HiGHS)"``, ``"greedy"`` or ``"all useful
        candidates"`` (fewer useful candidates than k).
    optimal
        True when the solution is proved optimal.
    newly_covered_population
        Population covered by the chosen points and not already covered.
    upper_bound, bound_method
        An upper bound on the newly coverable population with k points and how it was obtained (equal to the value
        for exact solutions).
    gap
        ``upper_bound - newly_covered_population`` (0 when optimal).
    total_cost, cost_per_newly_covered_person
        With ``cost_per_point``.
    """

    points: pd.DataFrame
    settlements: pd.DataFrame
    k: int
    method: str
    optimal: bool
    newly_covered_population: float
    covered_population_before: float
    covered_population_after: float
    total_population: float
    upper_bound: float
    bound_method: str
    gap: float
    threshold_min: float | None
    threshold_km: float | None
    total_cost: float | None = None
    cost_per_newly_covered_person: float | None = None
    solve_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def chosen_ids(self) -> list:
        return self.points["candidate_id"].tolist()


def coverage_pairs(od: pd.DataFrame, threshold_min: float | None, threshold_km: float | None) -> pd.DataFrame:
    """The OD rows within the threshold(s): ``travel_time_min <= threshold_min`` and/or
    ``total_distance_km <= threshold_km``."""
    if threshold_min is None and threshold_km is None:
        raise ValueError("Give threshold_min and/or threshold_km.")
    ok = np.ones(len(od), dtype=bool)
    if threshold_min is not None:
        if "travel_time_min" not in od.columns:
            raise DataError("The OD table has no 'travel_time_min' column for a time threshold.")
        ok &= (pd.to_numeric(od["travel_time_min"], errors="coerce") <= threshold_min).to_numpy(dtype=bool)
    if threshold_km is not None:
        if "total_distance_km" not in od.columns:
            raise DataError("The OD table has no 'total_distance_km' column for a distance threshold.")
        ok &= (pd.to_numeric(od["total_distance_km"], errors="coerce") <= threshold_km).to_numpy(dtype=bool)
    return od.loc[ok]


def _value(cover: sparse.csr_matrix, weight: np.ndarray, chosen: Sequence[int]) -> float:
    if len(chosen) == 0:
        return 0.0
    hit = np.asarray(cover[list(chosen)].sum(axis=0)).ravel() > 0
    return float(weight[hit].sum())


def _greedy(cover: sparse.csr_matrix, weight: np.ndarray, k: int) -> tuple[list[int], float, float]:
    """Greedy maximal covering with the submodular upper bound.

    Returns the chosen rows, their value and ``min_t f(S_t) + (sum of the k largest marginal gains w.r.t. S_t)``
    over the greedy prefixes ``S_t`` (t = 0..k): a valid upper bound on the optimum because coverage is monotone
    submodular (Nemhauser, Wolsey & Fisher 1978; for t = 0 it is the sum of the k largest single-point gains).
    """
    remaining = weight.astype(float).copy()
    chosen: list[int] = []
    value = 0.0
    bound = np.inf
    for step in range(k + 1):
        gains = cover @ remaining
        top = np.sort(gains)[::-1][:k].sum() if len(gains) else 0.0
        bound = min(bound, value + float(top))
        if step == k or len(gains) == 0:
            break
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.append(best)
        value += float(gains[best])
        remaining[cover.indices[cover.indptr[best]:cover.indptr[best + 1]]] = 0.0
    return chosen, _value(cover, weight, chosen), max(bound, value)


def _brute_force(cover: sparse.csr_matrix, weight: np.ndarray, k: int, chunk: int = 4096) -> tuple[list[int], float]:
    """Best k-subset by enumerating all combinations (vectorised per chunk of combinations)."""
    dense = cover.toarray() > 0
    m = dense.shape[0]
    k = min(k, m)
    combos = itertools.combinations(range(m), k)
    best_value, best = -1.0, ()
    while True:
        block = np.array(list(itertools.islice(combos, chunk)), dtype=np.int64).reshape(-1, k)
        if len(block) == 0:
            break
        values = dense[block].any(axis=1) @ weight
        i = int(np.argmax(values))
        if values[i] > best_value:
            best_value, best = float(values[i]), tuple(block[i].tolist())
    return list(best), _value(cover, weight, list(best))


def _ilp_matrices(cover: sparse.csr_matrix, weight: np.ndarray, k: int):
    m, n = cover.shape
    objective = np.concatenate([np.zeros(m), -weight])
    # y_i - sum_{j covers i} x_j <= 0 ; sum_j x_j <= k
    link = sparse.hstack([-cover.T.tocsr(), sparse.identity(n, format="csr")], format="csr")
    budget = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(n)])[None, :])
    return objective, sparse.vstack([link, budget], format="csr"), np.concatenate([np.zeros(n), [k]])


def _lp_bound(cover: sparse.csr_matrix, weight: np.ndarray, k: int) -> float:
    from scipy.optimize import linprog

    objective, a_ub, b_ub = _ilp_matrices(cover, weight, k)
    result = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    if result.status != 0:
        return np.inf
    return float(-result.fun)


def _solve_highs(cover, weight, k, time_limit_s) -> tuple[list[int], bool, float]:
    from scipy.optimize import Bounds, LinearConstraint, milp

    m, n = cover.shape
    objective, a_ub, b_ub = _ilp_matrices(cover, weight, k)
    result = milp(
        objective,
        constraints=LinearConstraint(a_ub, -np.inf, b_ub),
        integrality=np.concatenate([np.ones(m), np.zeros(n)]),
        bounds=Bounds(0, 1),
        options={"time_limit": float(time_limit_s)},
    )
    if result.x is None:
        return [], False, np.inf
    chosen = np.flatnonzero(result.x[:m] > 0.5).tolist()
    bound = -float(result.mip_dual_bound) if getattr(result, "mip_dual_bound", None) is not None else np.inf
    return chosen, result.status == 0, bound


def _cbc_solver(time_limit_s: float | None = None):
    """PuLP's bundled CBC command, or None when PuLP/CBC is not installed."""
    try:
        import pulp
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3.x announces a new CBC packaging for 4.0
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s)
    return solver if solver.available() else None


def _solve_cbc(cover, weight, k, time_limit_s) -> tuple[list[int], bool, float]:
    import pulp

    m, n = cover.shape
    problem = pulp.LpProblem("maximal_covering", pulp.LpMaximize)
    if hasattr(problem, "add_variable"):  # PuLP >= 3.3
        x = [problem.add_variable(f"x{j}", 0, 1, cat="Binary") for j in range(m)]
        y = [problem.add_variable(f"y{i}", 0, 1) for i in range(n)]
    else:
        x = [pulp.LpVariable(f"x{j}", 0, 1, cat="Binary") for j in range(m)]
        y = [pulp.LpVariable(f"y{i}", 0, 1) for i in range(n)]
    problem += pulp.lpSum(float(w) * yi for w, yi in zip(weight, y))
    by_settlement = cover.T.tocsr()
    for i in range(n):
        covering = by_settlement.indices[by_settlement.indptr[i]:by_settlement.indptr[i + 1]]
        problem += y[i] <= pulp.lpSum(x[j] for j in covering)
    problem += pulp.lpSum(x) <= k
    problem.solve(_cbc_solver(time_limit_s))
    optimal = problem.sol_status == pulp.LpSolutionOptimal
    chosen = [j for j in range(m) if (x[j].value() or 0) > 0.5]
    return chosen, optimal, (float(pulp.value(problem.objective)) if optimal else np.inf)


def _pulp_available() -> bool:
    """Whether the CBC solver can be used (PuLP installed with its CBC binary)."""
    return _cbc_solver() is not None


def solve_mclp(
    cover: sparse.csr_matrix,
    weight: np.ndarray,
    k: int,
    *,
    method: str = "auto",
    solver: str = "auto",
    time_limit_s: float = 60.0,
    lp_bound: bool | None = None,
) -> dict:
    """Maximal covering on a 0/1 candidate x demand matrix: choose ``k`` rows maximising the covered weight.

    Parameters
    ----------
    cover
        ``cover[j, i] = 1`` if candidate ``j`` covers demand ``i``.
    weight
        Demand weights (population not yet covered; 0 for already covered settlements).
    k
        Number of points to choose (at most).
    method
        ``"exact"`` (brute force when at most :data:`BRUTE_FORCE_MAX_COMBINATIONS` combinations, else integer
        program), ``"greedy"``, or ``"auto"`` (exact up to :data:`EXACT_MAX_COVER_PAIRS` coverage pairs, greedy
        beyond).
    solver
        Integer-program solver: ``"cbc"`` (PuLP's bundled CBC), ``"highs"`` (scipy.optimize.milp, in memory),
        ``"auto"`` (CBC if PuLP and its CBC binary are installed, else HiGHS).
    time_limit_s
        Solver time limit; if reached, ``optimal`` is False and the solver's bound is reported.
    lp_bound
        Also compute the LP-relaxation bound for greedy results (default: when ≤ EXACT_MAX_COVER_PAIRS pairs).

    Returns
    -------
    dict
        ``chosen`` (row indices), ``value``, ``optimal``, ``upper_bound``, ``bound_method``, ``method``.
    """
    if k < 0 or int(k) != k:
        raise ValueError(f"k must be a non-negative integer; got {k!r}")
    if method not in ("auto", "exact", "greedy"):
        raise ValueError(f"method must be 'auto', 'exact' or 'greedy'; got {method!r}")
    if solver not in ("auto", "cbc", "highs"):
        raise ValueError(f"solver must be 'auto', 'cbc' or 'highs'; got {solver!r}")
    k = int(k)
    cover = sparse.csr_matrix(cover, dtype=float)
    cover.data = np.ones_like(cover.data)
    weight = np.asarray(weight, dtype=float)
    gains = cover @ weight
    useful = np.flatnonzero(gains > 0)
    reduced = cover[useful]
    coverable = float(weight[np.asarray(cover.sum(axis=0)).ravel() > 0].sum())
    if k == 0 or len(useful) == 0:
        return {"chosen": [], "value": 0.0, "optimal": True, "upper_bound": 0.0, "bound_method": "nothing to cover",
                "method": "exact (trivial)"}
    if len(useful) <= k:
        value = _value(reduced, weight, list(range(len(useful))))
        return {"chosen": useful.tolist(), "value": value, "optimal": True, "upper_bound": value,
                "bound_method": "every useful candidate chosen", "method": "all useful candidates"}
    pairs = reduced.nnz
    use_exact = method == "exact" or (method == "auto" and pairs <= EXACT_MAX_COVER_PAIRS)
    if use_exact and math.comb(len(useful), k) <= BRUTE_FORCE_MAX_COMBINATIONS:
        chosen, value = _brute_force(reduced, weight, k)
        return {"chosen": useful[chosen].tolist(), "value": value, "optimal": True, "upper_bound": value,
                "bound_method": "exact (all combinations)", "method": "exact (brute force)"}
    if use_exact:
        backend = solver if solver != "auto" else ("cbc" if _pulp_available() else "highs")
        if backend == "cbc" and not _pulp_available():
            raise DataError("solver='cbc' needs PuLP with its CBC binary (pip install pulp); or use solver='highs'.")
        solve = _solve_cbc if backend == "cbc" else _solve_highs
        chosen, optimal, bound = solve(reduced, weight, k, time_limit_s)
        value = _value(reduced, weight, chosen)
        label = "CBC" if backend == "cbc" else "HiGHS"
        if optimal:
            return {"chosen": useful[chosen].tolist(), "value": value, "optimal": True, "upper_bound": value,
                    "bound_method": f"exact (integer program, {label})", "method": f"exact ({label})"}
        g_chosen, g_value, g_bound = _greedy(reduced, weight, k)
        if g_value > value:
            chosen, value = g_chosen, g_value
        return {"chosen": useful[chosen].tolist(), "value": value, "optimal": False,
                "upper_bound": float(min(bound, g_bound, coverable)),
                "bound_method": f"{label} stopped at the time limit: min(solver bound, greedy submodular bound)",
                "method": f"{label} (time limit)"}
    chosen, value, bound = _greedy(reduced, weight, k)
    how = "greedy submodular bound (min over greedy steps of value + k largest marginal gains)"
    if lp_bound or (lp_bound is None and pairs <= EXACT_MAX_COVER_PAIRS):
        lp = _lp_bound(reduced, weight, k)
        if lp < bound:
            bound, how = lp, "LP relaxation"
    bound = float(min(bound, coverable))
    optimal = bound - value <= 1e-9 * max(1.0, bound)
    return {"chosen": useful[chosen].tolist(), "value": value, "optimal": optimal, "upper_bound": max(bound, value),
            "bound_method": how, "method": "greedy"}


def suggest_points(
    source: pd.DataFrame | RoadNetwork | PlanningContext,
    k: int,
    threshold_min: float | None = None,
    *,
    threshold_km: float | None = None,
    population: pd.Series | None = None,
    settlements: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    existing_points: gpd.GeoDataFrame | pd.DataFrame | None = None,
    already_covered: Iterable | None = None,
    mode: str | Profile = "drive",
    method: str = "auto",
    solver: str = "auto",
    cost_per_point: float | pd.Series | None = None,
    time_limit_s: float = 60.0,
    id_column: str = "id",
    population_column: str = "population",
) -> Suggestion:
    """Where to put ``k`` new service points to bring the most people within the threshold (maximal covering).

    A settlement is *covered* by a point when its travel time is at most ``threshold_min`` and/or its route length
    at most ``threshold_km``. Settlements already covered by ``existing_points`` (or listed in
    ``already_covered``) count for nothing; the objective is the newly covered population.

    Parameters
    ----------
    source
        * an OD table settlements x candidates (``origin_id``, ``destination_id``, ``travel_time_min``,
          ``total_distance_km`` for a km threshold) with ``population`` (Series by settlement id) or
          ``settlements``; ``existing_points`` may then be an OD table settlements x existing points;
        * a :class:`~analysis.network.RoadNetwork` with ``settlements``, optional ``candidates`` (default: the
          settlements themselves) and ``existing_points`` (GeoDataFrames): OD tables are routed with
          :func:`analysis.routing.od_matrix` bounded by the threshold;
        * a :class:`PlanningContext`: its network, mode, settlements and service points (existing coverage from its
          baseline when only a time threshold is given).
    k
        Number of new points.
    threshold_min, threshold_km
        Coverage thresholds (at least one; a context defaults to its ``threshold_min``).
    method, solver, time_limit_s
        See :func:`solve_mclp`.
    cost_per_point
        Cost of one new point (a number, or a Series by candidate id): reports total cost and cost per newly
        covered person.

    Returns
    -------
    Suggestion
    """
    started = time.perf_counter()
    notes: list[str] = []
    existing_od: pd.DataFrame | None = None
    covered_ids: set = set(already_covered) if already_covered is not None else set()
    if isinstance(source, PlanningContext):
        context = source
        if threshold_min is None and threshold_km is None:
            threshold_min = context.threshold_min
        network, settlements, mode = context.network, context.settlements, context.profile
        id_column = context.id_column
        if threshold_km is None and existing_points is None:
            ok = context.baseline_seconds / 60.0 <= threshold_min
            covered_ids |= set(context.settlement_ids[ok].tolist())
        elif existing_points is None:
            existing_points = context.points
        source = network
    if threshold_min is None and threshold_km is None:
        raise ValueError("Give threshold_min and/or threshold_km.")
    if isinstance(source, RoadNetwork):
        if settlements is None:
            raise DataError("suggest_points with a road network needs the settlements.")
        candidates = settlements if candidates is None else candidates
        od = od_matrix(source, settlements, candidates, mode, cutoff_min=threshold_min, cutoff_km=threshold_km,
                       id_column=id_column)
        if existing_points is not None and len(existing_points):
            existing_od = od_matrix(source, settlements, existing_points, mode, cutoff_min=threshold_min,
                                    cutoff_km=threshold_km, id_column=id_column)
        candidate_ids = candidates[id_column].astype(object).to_numpy()
    elif isinstance(source, pd.DataFrame):
        od = source
        if existing_points is not None:
            if isinstance(existing_points, gpd.GeoDataFrame) and "origin_id" not in existing_points.columns:
                raise DataError("With an OD table, give existing points as an OD table too (or use a network).")
            existing_od = existing_points
        candidate_ids = pd.unique(od["destination_id"].to_numpy())
    else:
        raise DataError("suggest_points needs an OD table, a RoadNetwork or a PlanningContext.")

    if population is None:
        if settlements is None or population_column not in settlements.columns:
            raise DataError("Give the population (Series by settlement id) or settlements with a population column.")
        population = pd.Series(pd.to_numeric(settlements[population_column], errors="coerce").to_numpy(dtype=float),
                               index=settlements[id_column].to_numpy())
    population = pd.to_numeric(population, errors="coerce").astype(float)
    if population.index.duplicated().any():
        raise DataError("The population needs one value per settlement id.")
    if population.isna().any():
        notes.append(f"{int(population.isna().sum())} settlement(s) without population count as 0")
    origin_ids = population.index
    pop = population.fillna(0.0).to_numpy()

    if existing_od is not None:
        covered_ids |= set(coverage_pairs(existing_od, threshold_min, threshold_km)["origin_id"].tolist())
    covered_before = np.isin(origin_ids.to_numpy(), list(covered_ids)) if covered_ids else np.zeros(len(pop), bool)
    weight = np.where(covered_before, 0.0, pop)

    pairs = coverage_pairs(od, threshold_min, threshold_km)
    cand_index = pd.Index(candidate_ids)
    rows = cand_index.get_indexer(pairs["destination_id"].to_numpy())
    cols = origin_ids.get_indexer(pairs["origin_id"].to_numpy())
    ok = (rows >= 0) & (cols >= 0)
    if (cols < 0).any():
        notes.append(f"{int((cols < 0).sum())} OD pair(s) name settlements without population: ignored")
    cover = sparse.csr_matrix((np.ones(int(ok.sum())), (rows[ok], cols[ok])), shape=(len(cand_index), len(pop)))
    cover.sum_duplicates()
    cover.data = np.ones_like(cover.data)

    result = solve_mclp(cover, weight, k, method=method, solver=solver, time_limit_s=time_limit_s)

    # order the chosen points by marginal contribution (greedy within the chosen set)
    chosen = list(result["chosen"])
    order, remaining, marginals, counts = [], weight.copy(), [], []
    covered_by = np.full(len(pop), None, dtype=object)
    taken = covered_before.copy()
    left = list(chosen)
    while left:  # loop over the k chosen points
        gains = cover[left] @ remaining
        best = int(np.argmax(gains))
        j = left.pop(best)
        hit = cover.indices[cover.indptr[j]:cover.indptr[j + 1]]
        new = hit[~taken[hit]]
        covered_by[new] = cand_index[j]
        taken[new] = True
        remaining[hit] = 0.0
        marginals.append(float(gains[best]))
        counts.append(len(new))
        order.append(j)
    ids = cand_index.to_numpy()[order] if order else np.array([], dtype=object)
    if cost_per_point is None:
        costs = np.full(len(order), np.nan)
    elif isinstance(cost_per_point, pd.Series):
        costs = cost_per_point.reindex(ids).to_numpy(dtype=float)
    else:
        costs = np.full(len(order), float(cost_per_point))
    marg = np.asarray(marginals, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_person = np.where(marg > 0, costs / marg, np.nan)
    points = pd.DataFrame(
        {
            "candidate_id": ids,
            "rank": np.arange(1, len(order) + 1),
            "newly_covered_population": marg,
            "cumulative_newly_covered": np.cumsum(marg),
            "n_settlements_newly_covered": np.asarray(counts, dtype=np.int64),
            "cost": costs,
            "cost_per_newly_covered_person": per_person,
        }
    )
    covered_after = taken
    table = pd.DataFrame(
        {
            "origin_id": origin_ids.to_numpy(),
            "population": population.to_numpy(),
            "covered_before": covered_before,
            "covered_after": covered_after,
            "covered_by": covered_by,
        }
    )
    value = float(result["value"])
    total_cost = float(np.nansum(costs)) if cost_per_point is not None else None
    if cost_per_point is not None and np.isnan(costs).any():
        notes.append("some chosen candidates have no cost: left out of the total")
    if len(order) < k:
        notes.append(f"only {len(order)} new point(s) bring anyone new within the threshold")
    return Suggestion(
        points=points,
        settlements=table,
        k=int(k),
        method=result["method"],
        optimal=bool(result["optimal"]),
        newly_covered_population=value,
        covered_population_before=float(pop[covered_before].sum()),
        covered_population_after=float(pop[covered_after].sum()),
        total_population=float(pop.sum()),
        upper_bound=float(result["upper_bound"]),
        bound_method=result["bound_method"],
        gap=float(result["upper_bound"]) - value,
        threshold_min=threshold_min,
        threshold_km=threshold_km,
        total_cost=total_cost,
        cost_per_newly_covered_person=(total_cost / value if total_cost is not None and value > 0 else None),
        solve_seconds=time.perf_counter() - started,
        notes=notes,
    )
