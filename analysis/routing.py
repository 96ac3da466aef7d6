"""Exact travel times and distances from settlements to service points over a :class:`RoadNetwork`.

How it works
------------
1. **Snapping.** Every origin and destination is attached to the nearest node of the mode's network (a KD-tree on
   the metric coordinates) among nodes of components with at least ``min_component_nodes`` nodes, so a point is
   never attached to a stray fragment at the edge of a clipped extract — unless a smaller component is nearer by
   more than ``island_snap_m`` (an island village: it is then reported unreachable, not walked across the water).
   The straight leg from the point to the node is the *off-network leg*: reported separately (``origin_snap_m``,
   ``destination_snap_m``) and counted at the profile's off-network speed (walking, 4.5 km/h) in the travel time.
2. **Nearest service.** One multi-source Dijkstra pass (``scipy.sparse.csgraph.dijkstra``) per category over the
   *reversed* graph from a virtual source joined to every destination node by an arc weighted with that
   destination's off-network time. The result is exact: for every node, the fastest time to any destination of the
   category, including the destination's own off-network leg.
3. **Path attributes.** From the shortest-path tree (predecessors) the network distance along the fastest path and
   the destination reached are accumulated by walking up the tree from all origins in lock-step (vectorised; only
   the arcs on the origins' paths are looked up).

The distance reported is the length of the *fastest* route (not the shortest one), which is what a traveller drives.

When no road network is loaded, :func:`estimate_nearest_service` gives straight-line distance x a circuity factor
at a fixed speed, and every row says ``method = "estimated"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from scipy import sparse
from scipy.sparse import csgraph

from analysis.errors import DataError
from analysis.network import ProfileGraph, RoadNetwork
from analysis.profiles import OFF_NETWORK_WALK_SPEED_KMH, WHEELCHAIR_SPEED_KMH, Profile, get_profile

#: Columns of the per-origin result, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "origin_id",
    "destination_id",
    "network_distance_km",
    "snap_distance_m",
    "total_distance_km",
    "travel_time_min",
    "reachable",
    "unreachable_reason",
    "origin_snap_m",
    "destination_snap_m",
    "straight_line_km",
    "method",
)

#: Default circuity factor (road distance / straight-line distance) for estimates without a road network.
#: Measured rural/inter-settlement road networks give 1.2-1.4 (Boeing 2019, "Urban spatial order"; Giacomin &
#: Levinson 2015, "Road network circuity in metropolitan areas"); 1.3 is the middle of that range. Adjustable.
DEFAULT_CIRCUITY = 1.3
#: Default speeds for estimates without a road network, km/h (drive: mix of village streets and regional roads).
DEFAULT_ESTIMATE_SPEED_KMH = {"drive": 40.0, "walk": OFF_NETWORK_WALK_SPEED_KMH, "wheelchair": WHEELCHAIR_SPEED_KMH}
#: Label put on every estimated output.
ESTIMATE_LABEL_EN = "estimated, no road network"
ESTIMATE_LABEL_UK = "оцінка, без дорожньої мережі"

REASON_DIFFERENT_COMPONENT = "no road connection (different network component / island)"
REASON_DIRECTION = "no route respecting one-way restrictions"
REASON_CUTOFF = "beyond cutoff"
REASON_NO_DESTINATIONS = "no service points"
REASON_SNAP_TOO_FAR = "too far from the road network"

_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True)
class Snap:
    """Where points attach to the network: node index, the straight off-network leg in metres, and the points'
    own metric coordinates (network CRS)."""

    node: np.ndarray
    distance_m: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @property
    def xy(self) -> np.ndarray:
        return np.column_stack([self.x, self.y])


def point_lonlat(points: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    if points.crs is None:
        raise DataError("Points have no coordinate reference system; expected WGS84 (EPSG:4326).")
    geoms = points.geometry.to_crs("EPSG:4326")
    if geoms.is_empty.any() or geoms.isna().any():
        bad = points.index[geoms.is_empty | geoms.isna()].tolist()[:5]
        raise DataError(f"Some points have no geometry (rows {bad}).")
    if not (geoms.geom_type == "Point").all():
        geoms = geoms.representative_point()
    return geoms.x.to_numpy(dtype=float), geoms.y.to_numpy(dtype=float)


def validate_points(points: gpd.GeoDataFrame, what: str, id_column: str) -> None:
    if not isinstance(points, gpd.GeoDataFrame):
        raise DataError(f"{what} must be a GeoDataFrame with point geometries.")
    if id_column not in points.columns:
        raise DataError(f"{what} need an {id_column!r} column; columns found: {list(points.columns)}.")
    if points[id_column].duplicated().any():
        dup = points.loc[points[id_column].duplicated(), id_column].astype(str).tolist()[:5]
        raise DataError(f"{what} have duplicated ids: {dup}.")


def snap_points(
    network: RoadNetwork,
    points: gpd.GeoDataFrame,
    mode: str | Profile = "drive",
    *,
    min_component_nodes: int = 10,
    island_snap_m: float | None = 500.0,
) -> Snap:
    """Attach points to the nearest node usable by ``mode``.

    Points attach to components of at least ``min_component_nodes`` nodes (stray fragments are skipped) unless a
    smaller component is nearer by more than ``island_snap_m`` metres (an island: the point is then unreachable
    from the rest); see :meth:`analysis.network.ProfileGraph.snap`.
    """
    graph = network.graph(mode)
    lon, lat = point_lonlat(points)
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", network.metric_crs, always_xy=True)
    x, y = to_metric.transform(lon, lat)
    node, distance = graph.snap(network.nodes["x"].to_numpy(), network.nodes["y"].to_numpy(), x, y,
                                min_component_nodes, island_snap_m)
    return Snap(node=node, distance_m=distance, x=np.asarray(x, dtype=float), y=np.asarray(y, dtype=float))


def walk_seconds(distance_m: np.ndarray, profile: Profile | None = None) -> np.ndarray:
    """Seconds to cover an off-network leg at the profile's off-network speed (walking, 4.5 km/h, by default)."""
    speed_kmh = OFF_NETWORK_WALK_SPEED_KMH if profile is None else profile.off_network_speed_kmh
    return np.asarray(distance_m, dtype=float) / (speed_kmh / 3.6)


def arc_values(graph: ProfileGraph, aligned: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Values of ``aligned`` (an array parallel to ``graph.reverse.data``, e.g. ``graph.reverse_length_m`` or
    ``graph.reverse_edge_id``) at the existing arcs (rows -> cols) of ``graph.reverse``."""
    position = np.searchsorted(graph.reverse_keys(), rows.astype(np.int64) * graph.n_nodes + cols.astype(np.int64))
    return aligned[position]


def multi_source_tree(
    reverse: sparse.csr_matrix, dest_nodes: np.ndarray, dest_seconds: np.ndarray, limit_s: float = np.inf
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact multi-source Dijkstra with a start time per source.

    A virtual source is joined to every destination node by an arc weighted with that destination's off-network
    time (with several destinations on one node, the fastest is kept), and one Dijkstra runs from it over
    ``reverse`` (the transposed graph, so times are *to* the destinations).

    Returns
    -------
    dist
        Seconds from every node to its fastest destination (inf beyond ``limit_s`` or unreachable).
    pred
        Shortest-path-tree parent of every node; -1 at destination nodes (tree roots) and unreached nodes.
    dest_of_node
        For destination nodes, the index into ``dest_nodes`` of the destination kept there; -1 elsewhere.
    """
    n = reverse.shape[0]
    dest_of_node = np.full(n, -1, dtype=np.int64)
    if len(dest_nodes) == 0:
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64), dest_of_node
    order = np.lexsort((dest_seconds, dest_nodes))
    first = np.ones(len(order), dtype=bool)
    first[1:] = dest_nodes[order][1:] != dest_nodes[order][:-1]
    chosen = order[first]
    nodes_u = dest_nodes[chosen]
    weights = np.maximum(dest_seconds[chosen], 1e-9)
    indptr = np.concatenate([reverse.indptr, [reverse.indptr[-1] + len(nodes_u)]]).astype(reverse.indptr.dtype)
    indices = np.concatenate([reverse.indices, nodes_u.astype(reverse.indices.dtype)])
    data = np.concatenate([reverse.data, weights])
    extended = sparse.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
    dist, pred = csgraph.dijkstra(extended, directed=True, indices=n, return_predecessors=True, limit=limit_s)
    pred = pred[:n].astype(np.int64)
    pred[pred == n] = -1
    pred[pred < 0] = -1
    dest_of_node[nodes_u] = chosen
    return dist[:n], pred, dest_of_node


def _tree_arc_length(graph: ProfileGraph, parent: np.ndarray, child: np.ndarray) -> np.ndarray:
    """Length (m) of each tree arc parent -> child of ``graph.reverse``, i.e. of the forward arc child -> parent.

    Scans the (few) entries of each child's forward CSR row in lock-step: a road node has a handful of
    neighbours, so this is a few vectorised comparisons instead of a binary search over all arcs.
    """
    forward = graph.forward
    start = forward.indptr[child]
    end = forward.indptr[child + 1]
    out = np.zeros(len(child), dtype=float)
    remaining = np.arange(len(child))
    offset = 0
    while len(remaining):
        position = start[remaining] + offset
        inside = position < end[remaining]
        remaining, position = remaining[inside], position[inside]
        hit = forward.indices[position] == parent[remaining]
        out[remaining[hit]] = graph.forward_length_m[position[hit]]
        remaining = remaining[~hit]
        offset += 1
    return out


def _walk_to_root(graph: ProfileGraph, predecessors: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Follow shortest-path-tree predecessors (negative at roots) from ``start`` nodes up to their roots, all starts
    in lock-step. Returns the summed arc lengths (m) and the root reached.

    Only the arcs on the requested paths are looked up, so the cost is (path depth) x (number of starts) in
    vectorised steps, independent of the size of the network.
    """
    current = start.astype(np.int64).copy()
    total = np.zeros(len(current), dtype=float)
    active = np.flatnonzero(predecessors[current] >= 0)
    while len(active):
        child = current[active]
        parent = predecessors[child].astype(np.int64)
        total[active] += _tree_arc_length(graph, parent, child)
        current[active] = parent
        active = active[predecessors[parent] >= 0]
    return total, current


def _nearest_pass(
    graph: ProfileGraph,
    dest_nodes: np.ndarray,
    dest_seconds: np.ndarray,
    limit_s: float,
    origin_nodes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One multi-source pass. For each origin node: fastest seconds to any destination (incl. the destination's
    off-network leg), network metres along that route, and the index (into ``dest_nodes``) of the destination
    reached (-1 if none)."""
    dist, pred, dest_of_node = multi_source_tree(graph.reverse, dest_nodes, dest_seconds, limit_s)
    seconds = dist[origin_nodes]
    network_m, reached = _walk_to_root(graph, pred, origin_nodes)
    dest_index = np.where(np.isfinite(seconds), dest_of_node[reached], -1)
    return seconds, network_m, dest_index


def direct_walk_m(
    origin_node: np.ndarray, origin_xy: np.ndarray, dest_node: np.ndarray, dest_xy: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each origin, the straight-line metres to the nearest destination attached to the *same* road node
    (inf and -1 if there is none), and that destination's index.

    Two points on one node (e.g. a settlement and a service point placed at that settlement) are walked between
    directly rather than via the node: never longer, by the triangle inequality, and never across water or between
    network components. Every routing function applies this rule, so all of them agree.
    """
    metres = np.full(len(origin_node), np.inf)
    which = np.full(len(origin_node), -1, dtype=np.int64)
    shared = np.isin(origin_node, dest_node)
    if not shared.any():
        return metres, which
    pairs = pd.DataFrame({"node": origin_node[shared], "o": np.flatnonzero(shared)}).merge(
        pd.DataFrame({"node": dest_node, "d": np.arange(len(dest_node))}), on="node"
    )
    o, d = pairs["o"].to_numpy(), pairs["d"].to_numpy()
    pairs["m"] = np.hypot(origin_xy[o, 0] - dest_xy[d, 0], origin_xy[o, 1] - dest_xy[d, 1])
    best = pairs.loc[pairs.groupby("o")["m"].idxmin()]
    metres[best["o"].to_numpy()] = best["m"].to_numpy()
    which[best["o"].to_numpy()] = best["d"].to_numpy()
    return metres, which


def _geodesic_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(metres, dtype=float) / 1000.0


def nearest_service(
    network: RoadNetwork,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    mode: str | Profile = "drive",
    *,
    cutoff_min: float | None = None,
    cutoff_km: float | None = None,
    by: str | None = None,
    id_column: str = "id",
    min_component_nodes: int = 10,
    island_snap_m: float | None = 500.0,
    max_snap_m: float | None = None,
    closed_edge_ids: Iterable[int] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> pd.DataFrame:
    """For every origin, the fastest-reachable destination with network distance and travel time.

    Parameters
    ----------
    network
        The road network.
    origins, destinations
        GeoDataFrames with an ``id`` column (see ``id_column``) and point geometries (any CRS).
    mode
        Travel mode, see :data:`analysis.profiles.PROFILES`.
    cutoff_min, cutoff_km
        Optional limits; origins beyond them are ``reachable = False`` with reason ``"beyond cutoff"``.
        The time cutoff bounds the Dijkstra search; the distance cutoff is applied to the fastest route found.
    by
        Optional destination column (e.g. ``"category"``): one exact pass per value, one result row per origin and
        value (column of that name added).
    min_component_nodes, island_snap_m
        Snapping rule, see :func:`snap_points`.
    max_snap_m
        Origins farther than this from any usable road node are ``reachable = False`` (reason "too far from the
        road network"). Default: no limit (the off-network leg is still counted in time and distance).
    closed_edge_ids
        Segments treated as closed (what-if analysis).
    progress
        Optional callback ``progress(text, fraction)``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULT_COLUMNS` (+ ``by``), one row per origin (per value of ``by``), origins never dropped.
    """
    validate_points(origins, "Origins (settlements)", id_column)
    validate_points(destinations, "Destinations (service points)", id_column)
    profile = get_profile(mode)
    if cutoff_min is not None and cutoff_min <= 0:
        raise ValueError("cutoff_min must be positive.")
    if cutoff_km is not None and cutoff_km <= 0:
        raise ValueError("cutoff_km must be positive.")
    graph = network.graph(profile, closed_edge_ids)
    if by is not None and by not in destinations.columns:
        raise DataError(f"Destinations have no {by!r} column; columns found: {list(destinations.columns)}.")
    if len(origins) == 0:
        return pd.DataFrame(columns=list(RESULT_COLUMNS) + ([by] if by else []))
    if by is None:
        groups = [(None, np.arange(len(destinations)))]
    else:
        groups = [(value, np.asarray(rows)) for value, rows in destinations.groupby(by, sort=True).indices.items()]

    snap_options = {"min_component_nodes": min_component_nodes, "island_snap_m": island_snap_m}
    origin_snap = snap_points(network, origins, profile, **snap_options)
    o_lon, o_lat = point_lonlat(origins)
    # destinations are snapped once; each group is a subset of them
    all_dest_snap = snap_points(network, destinations, profile, **snap_options) if len(destinations) else None
    d_lon_all, d_lat_all = point_lonlat(destinations) if len(destinations) else (np.zeros(0), np.zeros(0))
    results = []
    for step_index, (value, rows) in enumerate(groups):
        if progress is not None:
            progress(f"routing {value if value is not None else 'all'}", step_index / max(len(groups), 1))
        dest_snap = None if all_dest_snap is None else Snap(
            node=all_dest_snap.node[rows], distance_m=all_dest_snap.distance_m[rows],
            x=all_dest_snap.x[rows], y=all_dest_snap.y[rows],
        )
        table = _nearest_for_group(
            graph, origins, destinations.iloc[rows], dest_snap, d_lon_all[rows], d_lat_all[rows], origin_snap,
            o_lon, o_lat, id_column, cutoff_min, cutoff_km, max_snap_m,
        )
        if by is not None:
            table.insert(1, by, value)
        results.append(table)
    if progress is not None:
        progress("routing done", 1.0)
    if not results:
        empty = _unreachable_table(origins, id_column, REASON_NO_DESTINATIONS, origin_snap.distance_m)
        return empty
    return pd.concat(results, ignore_index=True)


def _unreachable_table(origins, id_column, reason, origin_snap_m) -> pd.DataFrame:
    n = len(origins)
    return pd.DataFrame(
        {
            "origin_id": origins[id_column].to_numpy(),
            "destination_id": pd.Series([None] * n, dtype="object"),
            "network_distance_km": np.full(n, np.nan),
            "snap_distance_m": np.full(n, np.nan),
            "total_distance_km": np.full(n, np.nan),
            "travel_time_min": np.full(n, np.nan),
            "reachable": np.zeros(n, dtype=bool),
            "unreachable_reason": [reason] * n,
            "origin_snap_m": np.asarray(origin_snap_m, dtype=float),
            "destination_snap_m": np.full(n, np.nan),
            "straight_line_km": np.full(n, np.nan),
            "method": ["network"] * n,
        }
    )


def _nearest_for_group(
    graph, origins, dests, dest_snap, d_lon, d_lat, origin_snap, o_lon, o_lat, id_column, cutoff_min, cutoff_km,
    max_snap_m,
) -> pd.DataFrame:
    if len(dests) == 0:
        return _unreachable_table(origins, id_column, REASON_NO_DESTINATIONS, origin_snap.distance_m)
    dest_seconds = walk_seconds(dest_snap.distance_m, graph.profile)
    limit = np.inf
    if cutoff_min is not None:
        limit = cutoff_min * 60.0
    o_nodes = origin_snap.node
    network_s, o_network_m, o_dest = _nearest_pass(graph, dest_snap.node, dest_seconds, limit, o_nodes)
    seconds = network_s + walk_seconds(origin_snap.distance_m, graph.profile)
    found = np.isfinite(network_s) & (o_dest >= 0)
    chosen = np.where(found, o_dest, 0)
    d_snap_m = np.where(found, dest_snap.distance_m[chosen], np.nan)
    net_km = np.where(found, o_network_m / 1000.0, np.nan)
    total_km = net_km + (origin_snap.distance_m + np.nan_to_num(d_snap_m)) / 1000.0
    snap_m = origin_snap.distance_m + np.nan_to_num(d_snap_m)
    direct_m, direct_dest = direct_walk_m(origin_snap.node, origin_snap.xy, dest_snap.node, dest_snap.xy)
    direct_s = walk_seconds(direct_m, graph.profile)
    direct = (direct_dest >= 0) & (direct_s <= np.where(found, seconds, np.inf))
    if direct.any():
        seconds = np.where(direct, direct_s, seconds)
        chosen = np.where(direct, direct_dest, chosen)
        found = found | direct
        net_km = np.where(direct, 0.0, net_km)
        total_km = np.where(direct, direct_m / 1000.0, total_km)
        snap_m = np.where(direct, direct_m, snap_m)
        d_snap_m = np.where(direct, 0.0, d_snap_m)
    straight = np.where(found, _geodesic_km(o_lon, o_lat, d_lon[chosen], d_lat[chosen]), np.nan)
    reachable = found.copy()
    reason = np.full(len(origins), "", dtype=object)
    if cutoff_min is not None:
        over = found & (seconds > cutoff_min * 60.0)
        reachable &= ~over
        reason[over] = REASON_CUTOFF
    if cutoff_km is not None:
        over = found & (total_km > cutoff_km)
        reachable &= ~over
        reason[over & (reason == "")] = REASON_CUTOFF
    if max_snap_m is not None:
        far = origin_snap.distance_m > max_snap_m
        reachable &= ~far
        reason[far & (reason == "")] = REASON_SNAP_TOO_FAR
    missing = ~found
    if missing.any():
        dest_components = set(graph.component[dest_snap.node].tolist())
        same = np.array([c in dest_components for c in graph.component[o_nodes]])
        reason[missing & ~same] = REASON_DIFFERENT_COMPONENT
        reason[missing & same] = REASON_DIRECTION if cutoff_min is None else REASON_CUTOFF
    dest_ids = dests[id_column].to_numpy()
    keep_dest = found  # report the nearest found service even when beyond cutoff, so users see the margin
    return pd.DataFrame(
        {
            "origin_id": origins[id_column].to_numpy(),
            "destination_id": np.where(keep_dest, dest_ids[chosen], None),
            "network_distance_km": net_km,
            "snap_distance_m": np.where(found, snap_m, np.nan),
            "total_distance_km": np.where(found, total_km, np.nan),
            "travel_time_min": np.where(found, seconds / 60.0, np.nan),
            "reachable": reachable,
            "unreachable_reason": reason,
            "origin_snap_m": origin_snap.distance_m,
            "destination_snap_m": d_snap_m,
            "straight_line_km": straight,
            "method": "network",
        }
    )


def od_matrix(
    network: RoadNetwork,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    mode: str | Profile = "drive",
    *,
    cutoff_min: float | None = None,
    cutoff_km: float | None = None,
    id_column: str = "id",
    min_component_nodes: int = 10,
    island_snap_m: float | None = 500.0,
    closed_edge_ids: Iterable[int] | None = None,
    chunk_size: int = 64,
) -> pd.DataFrame:
    """Travel time and network distance for every origin x destination pair (long format).

    One single-source Dijkstra per distinct destination node on the reversed graph (bounded by ``cutoff_min``);
    pairs beyond a cutoff are left out. Columns: ``origin_id``, ``destination_id``, ``network_distance_km``,
    ``snap_distance_m``, ``total_distance_km``, ``travel_time_min``.
    """
    validate_points(origins, "Origins (settlements)", id_column)
    validate_points(destinations, "Destinations (service points)", id_column)
    profile = get_profile(mode)
    graph = network.graph(profile, closed_edge_ids)
    o_snap = snap_points(network, origins, profile, min_component_nodes=min_component_nodes,
                         island_snap_m=island_snap_m)
    d_snap = snap_points(network, destinations, profile, min_component_nodes=min_component_nodes,
                         island_snap_m=island_snap_m)
    unique_nodes, inverse = np.unique(d_snap.node, return_inverse=True)
    limit = np.inf if cutoff_min is None else cutoff_min * 60.0
    o_seconds = walk_seconds(o_snap.distance_m, profile)
    d_seconds = walk_seconds(d_snap.distance_m, profile)
    origin_ids = origins[id_column].to_numpy()
    dest_ids = destinations[id_column].to_numpy()
    frames = []
    for start in range(0, len(unique_nodes), chunk_size):
        block = unique_nodes[start : start + chunk_size]
        dist, pred = csgraph.dijkstra(graph.reverse, directed=True, indices=block, return_predecessors=True, limit=limit)
        for row, node in enumerate(block):
            origin_net_m, _ = _walk_to_root(graph, pred[row], o_snap.node)
            for dest_position in np.flatnonzero(inverse == start + row):
                seconds = dist[row][o_snap.node] + o_seconds + d_seconds[dest_position]
                snap_m = o_snap.distance_m + d_snap.distance_m[dest_position]
                net_m = origin_net_m.copy()
                # points on the same node are walked between directly (see direct_walk_m)
                same = o_snap.node == d_snap.node[dest_position]
                direct_m = np.hypot(o_snap.x - d_snap.x[dest_position], o_snap.y - d_snap.y[dest_position])
                direct = same & (walk_seconds(direct_m, profile) <= seconds)
                seconds = np.where(direct, walk_seconds(direct_m, profile), seconds)
                snap_m = np.where(direct, direct_m, snap_m)
                net_m[direct] = 0.0
                ok = np.isfinite(seconds) & (seconds <= limit)
                total_km = net_m / 1000.0 + snap_m / 1000.0
                if cutoff_km is not None:
                    ok &= total_km <= cutoff_km
                frames.append(
                    pd.DataFrame(
                        {
                            "origin_id": origin_ids[ok],
                            "destination_id": dest_ids[dest_position],
                            "network_distance_km": net_m[ok] / 1000.0,
                            "snap_distance_m": snap_m[ok],
                            "total_distance_km": total_km[ok],
                            "travel_time_min": seconds[ok] / 60.0,
                        }
                    )
                )
    if not frames:
        return pd.DataFrame(
            columns=["origin_id", "destination_id", "network_distance_km", "snap_distance_m", "total_distance_km",
                     "travel_time_min"]
        )
    return pd.concat(frames, ignore_index=True).sort_values(["origin_id", "travel_time_min"], ignore_index=True)


def _estimate_inputs(origins, destinations, mode, circuity: float, speed_kmh: float | None, id_column: str) -> float:
    """Validate the inputs of an estimate without a network; return the speed (km/h) to use."""
    validate_points(origins, "Origins (settlements)", id_column)
    validate_points(destinations, "Destinations (service points)", id_column)
    if circuity < 1.0:
        raise ValueError(f"circuity must be >= 1 (road distance is never shorter than the straight line); got {circuity}")
    speed = speed_kmh if speed_kmh is not None else DEFAULT_ESTIMATE_SPEED_KMH.get(str(mode))
    if speed is None or speed <= 0:
        raise ValueError(f"Give a positive speed_kmh for mode {mode!r}.")
    return float(speed)


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
    """Nearest service without a road network: straight line x ``circuity`` at ``speed_kmh``.

    Every row has ``method = "estimated"``; the nearest destination is the one with the shortest straight line.
    Columns as :func:`nearest_service` (``snap_distance_m`` = 0, ``network_distance_km`` = estimated road km).
    """
    speed = _estimate_inputs(origins, destinations, mode, circuity, speed_kmh, id_column)
    if by is not None and by not in destinations.columns:
        raise DataError(f"Destinations have no {by!r} column; columns found: {list(destinations.columns)}.")
    groups = [(None, destinations)] if by is None else list(destinations.groupby(by, sort=True))
    o_lon, o_lat = point_lonlat(origins)
    frames = []
    for value, dests in groups:
        if len(dests) == 0:
            continue
        d_lon, d_lat = point_lonlat(dests)
        lon1 = np.repeat(o_lon, len(d_lon))
        lat1 = np.repeat(o_lat, len(d_lon))
        lon2 = np.tile(d_lon, len(o_lon))
        lat2 = np.tile(d_lat, len(o_lon))
        straight = _geodesic_km(lon1, lat1, lon2, lat2).reshape(len(o_lon), len(d_lon))
        best = np.argmin(straight, axis=1)
        line_km = straight[np.arange(len(o_lon)), best]
        road_km = line_km * circuity
        minutes = road_km / speed * 60.0
        reachable = np.ones(len(o_lon), dtype=bool)
        reason = np.full(len(o_lon), "", dtype=object)
        if cutoff_min is not None:
            reachable &= minutes <= cutoff_min
        if cutoff_km is not None:
            reachable &= road_km <= cutoff_km
        reason[~reachable] = REASON_CUTOFF
        table = pd.DataFrame(
            {
                "origin_id": origins[id_column].to_numpy(),
                "destination_id": dests[id_column].to_numpy()[best],
                "network_distance_km": road_km,
                "snap_distance_m": 0.0,
                "total_distance_km": road_km,
                "travel_time_min": minutes,
                "reachable": reachable,
                "unreachable_reason": reason,
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
        return _unreachable_table(origins, id_column, REASON_NO_DESTINATIONS, np.zeros(len(origins))).assign(
            method="estimated"
        )
    return pd.concat(frames, ignore_index=True)


def estimate_od_matrix(
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    mode: str = "drive",
    *,
    circuity: float = DEFAULT_CIRCUITY,
    speed_kmh: float | None = None,
    id_column: str = "id",
) -> pd.DataFrame:
    """Every origin x destination pair without a road network: straight line x ``circuity`` at ``speed_kmh``.

    The estimated counterpart of :func:`od_matrix` (same columns, plus ``method = "estimated"``); the figures equal
    :func:`estimate_nearest_service` for each pair.
    """
    speed = _estimate_inputs(origins, destinations, mode, circuity, speed_kmh, id_column)
    o_lon, o_lat = point_lonlat(origins)
    d_lon, d_lat = point_lonlat(destinations)
    n_o, n_d = len(o_lon), len(d_lon)
    line_km = _geodesic_km(np.repeat(o_lon, n_d), np.repeat(o_lat, n_d), np.tile(d_lon, n_o), np.tile(d_lat, n_o))
    road_km = line_km * circuity
    return pd.DataFrame(
        {
            "origin_id": np.repeat(origins[id_column].to_numpy(), n_d),
            "destination_id": np.tile(destinations[id_column].to_numpy(), n_o),
            "network_distance_km": road_km,
            "snap_distance_m": 0.0,
            "total_distance_km": road_km,
            "travel_time_min": road_km / speed * 60.0,
            "straight_line_km": line_km,
            "method": "estimated",
        }
    )


def observed_circuity(result: pd.DataFrame, min_straight_km: float = 0.5) -> float:
    """Median ratio of route length to straight-line length over reachable origins (NaN if none qualifies)."""
    ok = result["reachable"].astype(bool) & (result["straight_line_km"] >= min_straight_km)
    if not ok.any():
        return float("nan")
    ratio = result.loc[ok, "total_distance_km"] / result.loc[ok, "straight_line_km"]
    return float(ratio.median())
