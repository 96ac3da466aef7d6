"""The router: one object per road network and travel mode that every travel figure of the product comes from.

Built once (pandana's model: the graph and the snapping index are prepared on first use and kept), then queried
many times:

* :meth:`Router.nearest` — for every origin, the fastest-reachable destination (per service group with ``by``):
  travel time, the length of that fastest route, the off-network legs and, where there is none, why;
* :meth:`Router.matrix` — every origin x destination pair: time and length of the fastest route
  (:class:`~analysis.routing.matrix.TravelMatrix`), the one input of every norm check;
* :meth:`Router.service_seeds` / :meth:`Router.node_seconds` — times to the nearest destination from every node
  (service areas).

Every route has the same three parts, computed in one place: the walk from the origin to its virtual node on the
nearest usable segment (:mod:`analysis.routing.snap`), the network part (partial segments at their own speed and
whole segments, exact Dijkstra with scipy.sparse.csgraph), and the walk from the destination's virtual node to the
destination. Two points joined to the **same segment** may also travel along it between their virtual nodes, or
walk straight to each other (points side by side, e.g. a settlement and the ЦНАП placed at it).
Points farther than ``max_snap_m`` from every usable road are not routed (``too_far_from_network``).

Without a road network, :class:`analysis.routing.estimate.EstimateRouter` answers the same calls from straight
lines; :func:`router_for` picks one.
"""

from __future__ import annotations

from typing import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.network.graph import RoadNetwork
from analysis.network.modes import get_profile
from analysis.network.profiles import Profile
from analysis.routing.local import floor_matrix, floor_nearest
from analysis.routing.matrix import TravelMatrix
from analysis.routing.paths import multi_source_tree, per_source_trees, route_segments, walk_to_root
from analysis.routing.points import _geodesic_km, check_cutoff
from analysis.routing.results import (
    REASON_CUTOFF,
    REASON_DESTINATIONS_TOO_FAR,
    REASON_DIFFERENT_COMPONENT,
    REASON_DIRECTION,
    REASON_NO_DESTINATIONS,
    REASON_SNAP_TOO_FAR,
    unreachable_table,
)
from analysis.routing.snap import (
    DEFAULT_ISLAND_SNAP_M,
    DEFAULT_MAX_SNAP_M,
    DEFAULT_MIN_COMPONENT_NODES,
    Snapped,
    check_max_snap_m,
    recost,
    snap,
)

Points = gpd.GeoDataFrame | Snapped


def _limit(cutoff_min: float | None) -> float:
    return np.inf if cutoff_min is None else float(cutoff_min) * 60.0


class Router:
    """Routing on one :class:`~analysis.network.graph.RoadNetwork` in one travel mode (see the module docstring).

    Parameters
    ----------
    network
        The road network.
    mode
        Travel mode name or :class:`~analysis.network.profiles.Profile`.
    closed_edge_ids
        Segments closed (what-if); points keep joining the roads they join on the open network.
    max_snap_m
        Largest straight leg from a point to the network, metres (default :data:`DEFAULT_MAX_SNAP_M`; None = no
        limit). Farther points are not routed.
    min_component_nodes, island_snap_m
        Which segments points may join (:func:`analysis.routing.snap.snap_candidates`).
    """

    method = "network"

    def __init__(
        self,
        network: RoadNetwork,
        mode: str | Profile = "drive",
        *,
        closed_edge_ids: Iterable[int] | None = None,
        max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
        min_component_nodes: int = DEFAULT_MIN_COMPONENT_NODES,
        island_snap_m: float | None = DEFAULT_ISLAND_SNAP_M,
    ) -> None:
        if not isinstance(network, RoadNetwork):
            raise DataError(f"A Router needs a RoadNetwork; got {type(network).__name__}.")
        self.network = network
        self.profile = get_profile(mode)
        self.mode = self.profile.name
        self.closed_edge_ids = (np.zeros(0, dtype=np.int64) if closed_edge_ids is None
                                else np.unique(np.asarray(list(closed_edge_ids), dtype=np.int64)))
        self.open_graph = network.graph(self.profile)
        self.graph = network.graph(self.profile, self.closed_edge_ids if len(self.closed_edge_ids) else None)
        self.max_snap_m = check_max_snap_m(max_snap_m)
        self.min_component_nodes = int(min_component_nodes)
        self.island_snap_m = island_snap_m
        self.source = network.source

    def __repr__(self) -> str:
        return (f"Router({self.network.n_nodes} nodes, mode={self.mode!r}, closed={len(self.closed_edge_ids)}, "
                f"max_snap_m={self.max_snap_m})")

    # ------------------------------------------------------------------------------------------------ set-up
    def with_closed(self, closed_edge_ids: Iterable[int]) -> "Router":
        """The same router with more segments closed (its own closures kept)."""
        closed = np.union1d(self.closed_edge_ids, np.asarray(list(closed_edge_ids), dtype=np.int64))
        return Router(self.network, self.profile, closed_edge_ids=closed, max_snap_m=self.max_snap_m,
                      min_component_nodes=self.min_component_nodes, island_snap_m=self.island_snap_m)

    def snap(self, points: Points, *, id_column: str = "id", what: str = "Points") -> Snapped:
        """Where ``points`` join the network (:class:`~analysis.routing.snap.Snapped`); a Snapped passes through."""
        if isinstance(points, Snapped):
            return recost(points, self.graph, self.network)
        return snap(self.graph, self.network, points, id_column=id_column, what=what, max_snap_m=self.max_snap_m,
                    min_component_nodes=self.min_component_nodes, island_snap_m=self.island_snap_m,
                    candidates_graph=self.open_graph)

    def walk_seconds(self, metres) -> np.ndarray:
        """Seconds to walk ``metres`` off the network (the profile's off-network speed)."""
        return np.asarray(metres, dtype=float) / (self.profile.off_network_speed_kmh / 3.6)

    def service_seeds(self, destinations: Snapped) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Where routes enter the destinations: ``(node, seconds, metres, destination position)`` per seed, two per
        routed destination (its segment's ends), seconds = entry along the segment + the destination's walk."""
        ok = np.repeat(destinations.routed, 2)
        node = destinations.node.reshape(-1)
        seconds = (destinations.entry_s + destinations.walk_s[:, None]).reshape(-1)
        metres = destinations.entry_m.reshape(-1)
        which = np.repeat(np.arange(len(destinations)), 2)
        keep = ok & np.isfinite(seconds)
        return node[keep], seconds[keep], metres[keep], which[keep]

    def node_seconds(self, destinations: Points, limit_s: float = np.inf, *, id_column: str = "id") -> np.ndarray:
        """Seconds from every network node to the nearest destination (its walk included); inf beyond ``limit_s``."""
        seeds = self.service_seeds(self.snap(destinations, id_column=id_column, what="Service points"))
        dist, _, _ = multi_source_tree(self.graph.reverse, seeds[0], seeds[1], limit_s)
        return dist

    # ------------------------------------------------------------------------------------------------ pieces
    def _exits(self, origins: Snapped, node_seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per origin: network seconds via the better end of its segment, and which end (0 = u, 1 = v)."""
        with np.errstate(invalid="ignore"):
            via = origins.exit_s + node_seconds[origins.node]
        via = np.where(np.isnan(via), np.inf, via)
        side = np.argmin(via, axis=1)
        return via[np.arange(len(origins)), side], side

    def _same_segment(self, origins: Snapped, destinations: Snapped, o_rows: np.ndarray, d_rows: np.ndarray):
        """For pairs on one segment: (seconds, network metres, total metres) of the better of travelling along the
        segment between the two virtual nodes and walking straight from one point to the other."""
        e = origins.edge[o_rows]
        f, g = origins.fraction[o_rows], destinations.fraction[d_rows]
        length = self.network.edges["length_m"].to_numpy(dtype=float)[e]
        forward, backward = self.graph.segment_forward_s[e], self.graph.segment_backward_s[e]
        with np.errstate(invalid="ignore"):
            along_s = np.where(g >= f, (g - f) * forward, (f - g) * backward)
        along_s = np.where(np.isnan(along_s), 0.0, along_s)  # same position on a one-way segment
        along_m = np.abs(g - f) * length
        legs = origins.snap_m[o_rows] + destinations.snap_m[d_rows]
        via_s = origins.walk_s[o_rows] + along_s + destinations.walk_s[d_rows]
        direct_m = np.hypot(origins.x[o_rows] - destinations.x[d_rows], origins.y[o_rows] - destinations.y[d_rows])
        direct_s = self.walk_seconds(direct_m)
        use_direct = direct_s <= via_s
        seconds = np.where(use_direct, direct_s, via_s)
        network_m = np.where(use_direct, 0.0, along_m)
        total_m = np.where(use_direct, direct_m, along_m + legs)
        return seconds, network_m, total_m

    def _why_not(self, origins: Snapped, seed_nodes: np.ndarray, found: np.ndarray, cutoff: bool) -> np.ndarray:
        reason = np.full(len(origins), "", dtype=object)
        missing = ~found & origins.routed
        if missing.any():
            reachable_components = set(self.graph.component[seed_nodes].tolist())
            own = self.graph.component[origins.node[:, 0]]
            same = np.fromiter((c in reachable_components for c in own), dtype=bool, count=len(own))
            same &= np.isfinite(origins.exit_s).any(axis=1)  # a closed own segment cuts the point off
            reason[missing & ~same] = REASON_DIFFERENT_COMPONENT
            reason[missing & same] = REASON_CUTOFF if cutoff else REASON_DIRECTION
        reason[origins.too_far] = REASON_SNAP_TOO_FAR
        return reason

    # ------------------------------------------------------------------------------------------------ nearest
    def nearest(
        self,
        origins: Points,
        destinations: Points,
        *,
        by: str | None = None,
        cutoff_min: float | None = None,
        cutoff_km: float | None = None,
        id_column: str = "id",
        progress: Callable[[str, float], None] | None = None,
    ) -> pd.DataFrame:
        """For every origin, the fastest-reachable destination (:data:`~analysis.routing.results.RESULT_COLUMNS`).

        Parameters
        ----------
        origins, destinations
            GeoDataFrames with ``id_column`` and points (any CRS), or :class:`~analysis.routing.snap.Snapped`.
        by
            Optional destination column (e.g. ``"group"``): one exact pass per value, one row per origin and value
            (column of that name added). Needs GeoDataFrame destinations.
        cutoff_min, cutoff_km
            Optional limits; origins beyond them are ``reachable = False`` with reason ``beyond_cutoff`` (the
            nearest destination found is still reported, so users see the margin). The time cutoff bounds the
            search; the distance cutoff is applied to the fastest route found.
        progress
            Optional callback ``progress(text, fraction)``.

        Notes
        -----
        ``network_distance_km`` is the length of the *fastest* route on the network (partial segments included),
        ``total_distance_km`` adds the two off-network legs, ``travel_time_min`` is network time plus the legs at
        walking speed. Origins beyond ``max_snap_m`` come back ``reachable = False``, ``too_far_from_network``,
        with no figures.
        """
        cutoff_min = check_cutoff(cutoff_min, "cutoff_min")
        cutoff_km = check_cutoff(cutoff_km, "cutoff_km")
        o = self.snap(origins, id_column=id_column, what="Origins (settlements)")
        if by is not None:
            if isinstance(destinations, Snapped) or by not in destinations.columns:
                raise DataError(f"Destinations have no {by!r} column to group by.")
            d_all = self.snap(destinations, id_column=id_column, what="Destinations (service points)")
            values = destinations[by].to_numpy(dtype=object)
            groups = [(v, np.flatnonzero(values == v)) for v in sorted(pd.unique(values), key=str)]
        else:
            d_all = self.snap(destinations, id_column=id_column, what="Destinations (service points)")
            groups = [(None, np.arange(len(d_all)))]
        frames = []
        for step, (value, rows) in enumerate(groups):
            if progress is not None:
                progress(f"routing {value if value is not None else 'all'}", step / max(len(groups), 1))
            table = self._nearest_group(o, d_all.take(rows), cutoff_min, cutoff_km)
            if by is not None:
                table.insert(1, by, value)
            frames.append(table)
        if progress is not None:
            progress("routing done", 1.0)
        if not frames:
            return unreachable_table(o.ids, np.where(o.too_far, REASON_SNAP_TOO_FAR, REASON_NO_DESTINATIONS),
                                     o.snap_m)
        return floor_nearest(pd.concat(frames, ignore_index=True), origins, self.profile, id_column=id_column,
                             cutoff_min=cutoff_min, cutoff_km=cutoff_km)

    def _nearest_group(self, o: Snapped, d: Snapped, cutoff_min, cutoff_km) -> pd.DataFrame:
        if len(d) == 0 or not d.routed.any():
            reason = REASON_NO_DESTINATIONS if len(d) == 0 else REASON_DESTINATIONS_TOO_FAR
            return unreachable_table(o.ids, np.where(o.too_far, REASON_SNAP_TOO_FAR, reason), o.snap_m)
        seed_node, seed_s, seed_m, seed_dest = self.service_seeds(d)
        dist, pred, seed_of_node = multi_source_tree(self.graph.reverse, seed_node, seed_s, _limit(cutoff_min))
        network_s, side = self._exits(o, dist)
        found = np.isfinite(network_s) & o.routed
        start = o.node[np.arange(len(o)), side]
        tree_m, root = np.zeros(len(o)), np.zeros(len(o), dtype=np.int64)
        tree_m[found], root[found] = walk_to_root(self.graph, pred, start[found])
        seed = np.where(found, seed_of_node[root], -1)
        dest = np.where(seed >= 0, seed_dest[np.maximum(seed, 0)], -1)
        found &= dest >= 0
        seconds = np.where(found, o.walk_s + network_s, np.inf)
        network_m = np.where(found, o.exit_m[np.arange(len(o)), side] + tree_m + seed_m[np.maximum(seed, 0)], np.nan)
        chosen = np.maximum(dest, 0)
        total_m = network_m + o.snap_m + d.snap_m[chosen]
        # pairs on one segment: along it, or a straight walk
        o_rows, d_rows = np.nonzero((o.edge[:, None] == d.edge[None, :]) & o.routed[:, None] & d.routed[None, :])
        if len(o_rows):
            pair_s, pair_net, pair_total = self._same_segment(o, d, o_rows, d_rows)
            for k in np.argsort(pair_s, kind="stable")[::-1]:  # fastest last, so it wins
                i = o_rows[k]
                if pair_s[k] <= seconds[i]:
                    seconds[i], network_m[i], total_m[i], chosen[i] = pair_s[k], pair_net[k], pair_total[k], d_rows[k]
                    found[i] = True
        reason = self._why_not(o, seed_node, found, cutoff_min is not None)
        reachable = found.copy()
        if cutoff_min is not None:
            over = found & (seconds > cutoff_min * 60.0)
            reachable &= ~over
            reason[over] = REASON_CUTOFF
        if cutoff_km is not None:
            over = found & (total_m / 1000.0 > cutoff_km)
            reachable &= ~over
            reason[over] = REASON_CUTOFF
        straight = np.where(found, _geodesic_km(o.lon, o.lat, d.lon[chosen], d.lat[chosen]), np.nan)
        return pd.DataFrame(
            {
                "origin_id": o.ids,
                "destination_id": np.where(found, d.ids[chosen], None),
                "network_distance_km": np.where(found, network_m / 1000.0, np.nan),
                "snap_distance_m": np.where(found, total_m - network_m, np.nan),
                "total_distance_km": np.where(found, total_m / 1000.0, np.nan),
                "travel_time_min": np.where(found, seconds / 60.0, np.nan),
                "reachable": reachable,
                "unreachable_reason": reason,
                "origin_snap_m": o.snap_m,
                "destination_snap_m": np.where(found, d.snap_m[chosen], np.nan),
                "straight_line_km": straight,
                "method": "network",
            }
        )

    # ------------------------------------------------------------------------------------------------ routes
    def route_segments(self, origins: Points, destinations: Points, destination_of_origin,
                       *, id_column: str = "id") -> list[tuple[np.ndarray, np.ndarray] | None]:
        """The road segments of the fastest route from each origin to its given destination.

        ``destination_of_origin`` holds, per origin, a destination id (or None). Returns per origin
        ``(segment ids, metres on each)`` in travel order — partial segments at both ends included, with their
        partial length — an empty pair for a straight walk, None where no route exists.
        """
        o = self.snap(origins, id_column=id_column, what="Origins (settlements)")
        d = self.snap(destinations, id_column=id_column, what="Destinations (service points)")
        position = {pid: k for k, pid in enumerate(d.ids.tolist())}
        wanted = [position.get(x) if x is not None and not (isinstance(x, float) and np.isnan(x)) else None
                  for x in destination_of_origin]
        length = self.network.edges["length_m"].to_numpy(dtype=float)
        out: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(o)
        for j in sorted({w for w in wanted if w is not None}):
            if not d.routed[j]:
                continue
            rows = np.array([i for i, w in enumerate(wanted) if w == j and o.routed[i]], dtype=np.int64)
            if not len(rows):
                continue
            dist, pred = per_source_trees(self.graph.reverse, [(d.node[j], d.entry_s[j] + d.walk_s[j])])
            oo = o.take(rows)
            net_s, side = self._exits(oo, dist[0])
            same = oo.edge == d.edge[j]
            pair_s = np.full(len(rows), np.inf)
            if same.any():
                pair_s[same], pair_net, _ = self._same_segment(oo.take(same), d.take(np.full(same.sum(), j)),
                                                               np.arange(same.sum()), np.arange(same.sum()))
            for k, i in enumerate(rows):
                if same[k] and pair_s[k] <= oo.walk_s[k] + net_s[k]:
                    net = abs(d.fraction[j] - oo.fraction[k]) * length[d.edge[j]]
                    direct = self.walk_seconds(np.hypot(oo.x[k] - d.x[j], oo.y[k] - d.y[j])) <= pair_s[k] + 1e-12
                    out[i] = ((np.zeros(0, dtype=np.int64), np.zeros(0)) if direct
                              else (np.array([d.edge[j]]), np.array([net])))
                    continue
                if not np.isfinite(net_s[k]):
                    continue
                start = int(oo.node[k, side[k]])
                _, segments, _, root = route_segments(self.graph, pred[0], np.array([start]))
                entry_side = 0 if root[0] == d.node[j, 0] else 1
                ids = np.concatenate([[oo.edge[k]], segments, [d.edge[j]]]).astype(np.int64)
                metres = np.concatenate([[oo.exit_m[k, side[k]]], length[segments], [d.entry_m[j, entry_side]]])
                keep = metres > 0
                out[i] = (ids[keep], metres[keep])
        return out

    # ------------------------------------------------------------------------------------------------ matrix
    def matrix(
        self,
        origins: Points,
        destinations: Points,
        *,
        limit_min: float | None = None,
        id_column: str = "id",
        chunk_size: int | None = None,
        with_routes: bool = False,
    ) -> TravelMatrix:
        """Time and length of the fastest route for every origin x destination pair.

        One Dijkstra per destination (from its two segment ends, on the reversed graph), computed in chunks by one
        scipy call each. With ``limit_min`` the searches stop there and pairs slower than it are left ``inf``
        (exact below the limit). Pairs with no route are ``inf``; origins/destinations too far from the network
        have ``inf`` rows/columns. ``with_routes`` also keeps the segments of every route
        (:attr:`~analysis.routing.matrix.TravelMatrix.routes`).
        """
        limit_min = check_cutoff(limit_min, "limit_min")
        o = self.snap(origins, id_column=id_column, what="Origins (settlements)")
        d = self.snap(destinations, id_column=id_column, what="Destinations (service points)")
        n_o, n_d = len(o), len(d)
        seconds = np.full((n_o, n_d), np.inf)
        network_m = np.full((n_o, n_d), np.nan)
        limit_s = _limit(limit_min)
        n = self.graph.n_nodes
        chunk = chunk_size or int(max(1, min(64, 20_000_000 // max(n, 1))))
        columns = np.flatnonzero(d.routed)
        rows_ok = np.flatnonzero(o.routed)
        oo = o.take(rows_ok)
        routes: list | None = [(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))] * n_d if with_routes \
            else None
        for begin in range(0, len(columns), chunk):
            block = columns[begin:begin + chunk]
            groups = [(d.node[j], d.entry_s[j] + d.walk_s[j]) for j in block]
            dist, pred = per_source_trees(self.graph.reverse, groups, limit_s)
            for r, j in enumerate(block):
                net_s, side = self._exits(oo, dist[r])
                found = np.isfinite(net_s)
                if not found.any():
                    continue
                idx = np.flatnonzero(found)
                starts = oo.node[idx, side[idx]]
                if with_routes:  # one walk up the tree gives the segments and the lengths
                    owner, segments, tree_m, root = route_segments(self.graph, pred[r], starts)
                else:
                    tree_m, root = walk_to_root(self.graph, pred[r], starts)
                entry_m = np.where(root == d.node[j, 0], d.entry_m[j, 0], d.entry_m[j, 1])
                seconds[rows_ok[idx], j] = oo.walk_s[idx] + net_s[idx]
                network_m[rows_ok[idx], j] = oo.exit_m[idx, side[idx]] + tree_m + entry_m
                if with_routes:
                    owners = np.concatenate([rows_ok[idx][owner], rows_ok[idx], rows_ok[idx]])
                    segments = np.concatenate([segments, oo.edge[idx], np.full(len(idx), d.edge[j])])
                    routes[j] = (owners, segments)
        total_m = network_m + o.snap_m[:, None] + d.snap_m[None, :]
        o_rows, d_rows = np.nonzero((o.edge[:, None] == d.edge[None, :]) & o.routed[:, None] & d.routed[None, :])
        if len(o_rows):
            pair_s, pair_net, pair_total = self._same_segment(o, d, o_rows, d_rows)
            better = pair_s <= seconds[o_rows, d_rows]
            if with_routes:
                for i, j in zip(o_rows[better], d_rows[better]):
                    routes[j] = (np.append(routes[j][0], i), np.append(routes[j][1], o.edge[i]))
            seconds[o_rows[better], d_rows[better]] = pair_s[better]
            network_m[o_rows[better], d_rows[better]] = pair_net[better]
            total_m[o_rows[better], d_rows[better]] = pair_total[better]
        if limit_min is not None:
            over = seconds > limit_s
            seconds[over] = np.inf
        reached = np.isfinite(seconds)
        time_min, distance_km = floor_matrix(np.where(reached, seconds / 60.0, np.inf),
                                             np.where(reached, total_m / 1000.0, np.inf), origins, self.profile,
                                             limit_min)
        return TravelMatrix(
            origin_ids=o.ids, destination_ids=d.ids,
            time_min=time_min, distance_km=distance_km,
            network_km=np.where(np.isfinite(time_min), network_m / 1000.0, np.inf),
            origin_snap_m=o.snap_m, destination_snap_m=d.snap_m,
            origin_routed=o.routed.copy(), destination_routed=d.routed.copy(),
            method="network", limit_min=limit_min, routes=routes,
            off_network_m=np.where(np.isfinite(time_min), total_m - network_m, np.nan),
        )

    def od_matrix(
        self,
        origins: Points,
        destinations: Points,
        *,
        cutoff_min: float | None = None,
        cutoff_km: float | None = None,
        id_column: str = "id",
    ) -> pd.DataFrame:
        """:meth:`matrix` as a long table of the pairs within the cutoffs
        (:data:`~analysis.routing.matrix.OD_COLUMNS`), sorted by origin and time."""
        matrix = self.matrix(origins, destinations, limit_min=cutoff_min, id_column=id_column)
        return matrix.to_long(cutoff_km=check_cutoff(cutoff_km, "cutoff_km"))


def router_for(
    network: RoadNetwork | None,
    mode: str | Profile = "drive",
    *,
    circuity: float | None = None,
    estimate_speed_kmh: float | None = None,
    closed_edge_ids: Iterable[int] | None = None,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    min_component_nodes: int = DEFAULT_MIN_COMPONENT_NODES,
):
    """The router for the data at hand: a :class:`Router` on ``network``, or, without one, an
    :class:`~analysis.routing.estimate.EstimateRouter` (straight line x ``circuity`` at ``estimate_speed_kmh``)."""
    if network is None:
        from analysis.routing.estimate import DEFAULT_CIRCUITY, EstimateRouter

        return EstimateRouter(mode, circuity=DEFAULT_CIRCUITY if circuity is None else circuity,
                              speed_kmh=estimate_speed_kmh)
    return Router(network, mode, closed_edge_ids=closed_edge_ids, max_snap_m=max_snap_m,
                  min_component_nodes=min_component_nodes)


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
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    min_component_nodes: int = DEFAULT_MIN_COMPONENT_NODES,
    island_snap_m: float | None = DEFAULT_ISLAND_SNAP_M,
    closed_edge_ids: Iterable[int] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> pd.DataFrame:
    """For every origin, the fastest-reachable destination: :meth:`Router.nearest` on a router made for the call."""
    router = Router(network, mode, closed_edge_ids=closed_edge_ids, max_snap_m=max_snap_m,
                    min_component_nodes=min_component_nodes, island_snap_m=island_snap_m)
    return router.nearest(origins, destinations, by=by, cutoff_min=cutoff_min, cutoff_km=cutoff_km,
                          id_column=id_column, progress=progress)


def od_matrix(
    network: RoadNetwork,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    mode: str | Profile = "drive",
    *,
    cutoff_min: float | None = None,
    cutoff_km: float | None = None,
    id_column: str = "id",
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    min_component_nodes: int = DEFAULT_MIN_COMPONENT_NODES,
    closed_edge_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Travel time and fastest-route length for every origin x destination pair within the cutoffs (long
    format): :meth:`Router.od_matrix` on a router made for the call."""
    router = Router(network, mode, closed_edge_ids=closed_edge_ids, max_snap_m=max_snap_m,
                    min_component_nodes=min_component_nodes)
    return router.od_matrix(origins, destinations, cutoff_min=cutoff_min, cutoff_km=cutoff_km, id_column=id_column)


def snap_points(
    network: RoadNetwork,
    points: gpd.GeoDataFrame,
    mode: str | Profile = "drive",
    *,
    id_column: str = "id",
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    min_component_nodes: int = DEFAULT_MIN_COMPONENT_NODES,
    island_snap_m: float | None = DEFAULT_ISLAND_SNAP_M,
) -> Snapped:
    """Where points join the mode's network (:meth:`Router.snap`)."""
    return Router(network, mode, max_snap_m=max_snap_m, min_component_nodes=min_component_nodes,
                  island_snap_m=island_snap_m).snap(points, id_column=id_column)
