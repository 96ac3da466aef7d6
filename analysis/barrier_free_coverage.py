"""Barrier-free coverage: who can reach a service point that is *accessible*, not just any point.

:func:`barrier_free_coverage` routes every settlement twice — to the nearest point of the norm's service kind among
**all** points and among the points whose barrier-free status (:mod:`analysis.barrier_free`) is ``accessible`` — and
checks both against the norm (default: the ЦНАП access norm, ≤ 14 km and ≤ 30 min by car,
:data:`analysis.norms.DEFAULT_NORMS`). Points with status ``unknown`` are **not** accessible; an optional third pass
treats them as accessible and is labelled as an upper bound ("if unknown were accessible").

Per settlement: ``travel_time_min_all``, ``travel_time_min_accessible``, ``within_norm_all``,
``within_norm_accessible`` and ``barrier_free_gap`` (a point within the norm, but no accessible one).
Per hromada: total population, population covered by any point and by accessible points, the barrier-free gap
population, point counts per status and ``barrier_free_share`` = population covered by an accessible point /
total population (the column for the donor ranking table).

Routes for wheelchair users: :func:`route_edge_ids` gives the road segments of the fastest path between two network
nodes (from the scipy Dijkstra predecessors on the profile's graph) and :func:`unknown_surface_share` reports the
share of route length on segments whose surface is not known (:func:`analysis.profiles.surface_class`), so a route
computed with ``assume_unknown_passable=True`` says how much of it is an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csgraph

from analysis.barrier_free import STATUSES, assess_points
from analysis.errors import DataError
from analysis.network import ProfileGraph, RoadNetwork
from analysis.norms import DEFAULT_NORMS, Norm, get_norm
from analysis.profiles import Profile, get_profile, surface_class
from analysis.routing import (
    DEFAULT_CIRCUITY,
    DEFAULT_ESTIMATE_SPEED_KMH,
    ESTIMATE_LABEL_EN,
    estimate_nearest_service,
    nearest_service,
    snap_points,
)

#: Label of every "if unknown-status points were accessible" figure.
UPPER_BOUND_LABEL_EN = "upper bound: if every point of unknown status were accessible"
UPPER_BOUND_LABEL_UK = "верхня межа: якби всі точки з невідомим статусом були доступними"

#: Point sets routed to: suffix -> statuses counted as accessible.
_POINT_SETS: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "accessible": ("accessible",),
    "if_unknown_accessible": ("accessible", "unknown"),
}


@dataclass
class BarrierFreeCoverage:
    """Result of :func:`barrier_free_coverage`.

    Attributes
    ----------
    settlements
        One row per settlement (geometry kept): ``id``, ``name``, the hromada column, ``population``, then per
        point set ``all`` / ``accessible`` / ``if_unknown_accessible``: ``travel_time_min_<set>``,
        ``total_distance_km_<set>``, ``nearest_point_<set>``, ``within_norm_<set>``; and ``barrier_free_gap``
        (+ ``barrier_free_gap_if_unknown_accessible``).
    hromadas
        One row per hromada, see :func:`barrier_free_coverage`.
    points
        The assessed points of the norm's service kind.
    norm, mode, method
        The norm checked, the travel mode, ``network`` or ``estimated``.
    notes
        Plain sentences to show beside the figures (estimate labels, upper-bound label, missing populations).
    """

    settlements: gpd.GeoDataFrame
    hromadas: pd.DataFrame
    points: gpd.GeoDataFrame
    norm: Norm
    mode: str
    method: str
    notes: list[str] = field(default_factory=list)


def within_norm(norm: Norm, travel_time_min: pd.Series, distance_km: pd.Series) -> np.ndarray:
    """Whether each (time, distance) meets the norm's thresholds (``combine`` all/any); NaN never does."""
    time = pd.to_numeric(travel_time_min, errors="coerce").to_numpy(dtype=float)
    dist = pd.to_numeric(distance_km, errors="coerce").to_numpy(dtype=float)
    checks = []
    if norm.max_time_min is not None:
        checks.append(np.isfinite(time) & (time <= norm.max_time_min))
    if norm.max_distance_km is not None:
        checks.append(np.isfinite(dist) & (dist <= norm.max_distance_km))
    combined = np.logical_and.reduce(checks) if norm.combine == "all" else np.logical_or.reduce(checks)
    return np.asarray(combined, dtype=bool)


def _route(settlements, points, network, mode, circuity, estimate_speed_kmh, min_component_nodes) -> pd.DataFrame:
    if network is None:
        speed = estimate_speed_kmh or DEFAULT_ESTIMATE_SPEED_KMH.get(mode)
        if speed is None:
            speed = max(get_profile(mode).speeds_kmh.values())
        return estimate_nearest_service(settlements, points, mode, circuity=circuity, speed_kmh=speed)
    return nearest_service(network, settlements, points, mode, min_component_nodes=min_component_nodes)


def barrier_free_coverage(
    settlements: gpd.GeoDataFrame,
    service_points: gpd.GeoDataFrame,
    network: RoadNetwork | None = None,
    *,
    norm: Norm | str = "cnap_access",
    mode: str | None = None,
    hromada_column: str = "hromada_katottg",
    upper_bound: bool = True,
    circuity: float = DEFAULT_CIRCUITY,
    estimate_speed_kmh: float | None = None,
    min_component_nodes: int = 10,
) -> BarrierFreeCoverage:
    """Coverage by all points beside coverage by barrier-free (accessible) points only.

    Parameters
    ----------
    settlements
        Standard settlements table (``id``, ``population``, point geometry; ``name`` and ``hromada_column``
        used when present).
    service_points
        Service points; assessed with :func:`analysis.barrier_free.assess_points` here unless they already have a
        ``barrier_free_status`` column. Only the norm's categories are used (column ``category``).
    network
        Road network; None → straight line x ``circuity`` at ``estimate_speed_kmh`` (labelled as estimated).
    norm
        A :class:`~analysis.norms.Norm` or the id of one of :data:`analysis.norms.DEFAULT_NORMS` (default the
        ЦНАП access norm). The hromada-centre norm is not about service points and is refused.
    mode
        Travel mode (default: the norm's mode).
    hromada_column
        Settlement (and point) column naming the hromada; settlements without it form one group ``"all"``.
    upper_bound
        Also route to accessible + unknown-status points (columns ``*_if_unknown_accessible``, labelled as an
        upper bound).

    Returns
    -------
    BarrierFreeCoverage
        ``hromadas`` has one row per hromada: ``population``, ``n_settlements``,
        ``n_settlements_population_unknown``, ``population_covered_all``, ``population_covered_accessible``,
        ``barrier_free_gap_population``, ``n_settlements_gap``, ``share_covered_all``, ``barrier_free_share``,
        ``n_points`` and ``n_accessible``/``n_partly``/``n_not_accessible``/``n_unknown`` (points of the norm's
        kind in that hromada, by ``hromada_column`` of the points; all points when the points lack it and there is
        one hromada), and with ``upper_bound`` ``population_covered_if_unknown_accessible`` and
        ``barrier_free_share_if_unknown_accessible``. Populations of settlements with unknown population count as 0
        (counted in ``n_settlements_population_unknown``).
    """
    if isinstance(norm, str):
        norm = get_norm(DEFAULT_NORMS, norm)
    if norm.is_hromada_centre:
        raise DataError(f"Norm {norm.id!r} measures access to the hromada centre, not to service points.")
    mode = mode or norm.mode
    for column in ("id", "population"):
        if column not in settlements.columns:
            raise DataError(f"Settlements need a {column!r} column; columns found: {list(settlements.columns)}.")
    if len(settlements) == 0:
        raise DataError("No settlements to analyse (the settlements table is empty).")
    if "category" not in service_points.columns:
        raise DataError(f"Service points need a 'category' column; columns found: {list(service_points.columns)}.")
    assessed = service_points if "barrier_free_status" in service_points.columns else assess_points(service_points)
    points = assessed[assessed["category"].isin(norm.categories())]
    if not isinstance(points, gpd.GeoDataFrame):
        raise DataError("Service points must be a GeoDataFrame with point geometries.")

    table = settlements.copy()
    if hromada_column not in table.columns:
        table[hromada_column] = "all"
    table[hromada_column] = table[hromada_column].astype("string").fillna("unknown")
    notes: list[str] = []
    method = "estimated" if network is None else "network"
    if network is None:
        notes.append(f"{ESTIMATE_LABEL_EN}: straight line x {circuity:g}")
    sets = {k: v for k, v in _POINT_SETS.items() if upper_bound or k != "if_unknown_accessible"}
    for suffix, statuses in sets.items():
        chosen = points if statuses is None else points[points["barrier_free_status"].isin(statuses)]
        result = _route(table, chosen, network, mode, circuity, estimate_speed_kmh, min_component_nodes)
        result = result.set_index("origin_id").reindex(table["id"].to_numpy())
        table[f"travel_time_min_{suffix}"] = result["travel_time_min"].to_numpy(dtype=float)
        table[f"total_distance_km_{suffix}"] = result["total_distance_km"].to_numpy(dtype=float)
        table[f"nearest_point_{suffix}"] = pd.Series(result["destination_id"].to_numpy(), index=table.index,
                                                     dtype="string")
        reachable = result["reachable"].fillna(False).to_numpy(dtype=bool) | (method == "estimated")
        # the norm, not any routing cutoff, decides coverage; unreachable (other component) never covers
        table[f"within_norm_{suffix}"] = reachable & within_norm(
            norm, table[f"travel_time_min_{suffix}"], table[f"total_distance_km_{suffix}"]
        )
    table["barrier_free_gap"] = table["within_norm_all"] & ~table["within_norm_accessible"]
    if upper_bound:
        table["barrier_free_gap_if_unknown_accessible"] = (
            table["within_norm_all"] & ~table["within_norm_if_unknown_accessible"]
        )
        notes.append(f"*_if_unknown_accessible: {UPPER_BOUND_LABEL_EN}")
    population = pd.to_numeric(table["population"], errors="coerce")
    if population.isna().any():
        notes.append(f"Population unknown for {int(population.isna().sum())} settlement(s); counted as 0.")

    hromadas = _hromada_table(table, population.fillna(0.0), points, hromada_column, upper_bound)
    hromadas["norm_id"] = norm.id
    hromadas["mode"] = mode
    hromadas["method"] = method
    return BarrierFreeCoverage(settlements=table, hromadas=hromadas, points=points, norm=norm, mode=mode,
                               method=method, notes=notes)


def _hromada_table(table, population, points, hromada_column, upper_bound) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "hromada": table[hromada_column].to_numpy(),
            "population": population.to_numpy(dtype=float),
            "population_unknown": pd.to_numeric(table["population"], errors="coerce").isna().to_numpy(),
            "all": table["within_norm_all"].to_numpy(dtype=bool),
            "accessible": table["within_norm_accessible"].to_numpy(dtype=bool),
            "gap": table["barrier_free_gap"].to_numpy(dtype=bool),
        }
    )
    if upper_bound:
        frame["upper"] = table["within_norm_if_unknown_accessible"].to_numpy(dtype=bool)
    rows = []
    for hromada, part in frame.groupby("hromada", sort=True):
        total = float(part["population"].sum())
        row = {
            "hromada": hromada,
            "population": total,
            "n_settlements": len(part),
            "n_settlements_population_unknown": int(part["population_unknown"].sum()),
            "population_covered_all": float(part.loc[part["all"], "population"].sum()),
            "population_covered_accessible": float(part.loc[part["accessible"], "population"].sum()),
            "barrier_free_gap_population": float(part.loc[part["gap"], "population"].sum()),
            "n_settlements_gap": int(part["gap"].sum()),
        }
        row["share_covered_all"] = row["population_covered_all"] / total if total > 0 else np.nan
        row["barrier_free_share"] = row["population_covered_accessible"] / total if total > 0 else np.nan
        if upper_bound:
            row["population_covered_if_unknown_accessible"] = float(part.loc[part["upper"], "population"].sum())
            row["barrier_free_share_if_unknown_accessible"] = (
                row["population_covered_if_unknown_accessible"] / total if total > 0 else np.nan
            )
        if hromada_column in points.columns:
            mine = points[points[hromada_column].astype("string") == hromada]
        elif frame["hromada"].nunique() == 1:
            mine = points
        else:
            mine = None
        counts = (mine["barrier_free_status"].value_counts() if mine is not None else pd.Series(dtype=int))
        row["n_points"] = len(mine) if mine is not None else pd.NA
        for status in STATUSES:
            row[f"n_{status}"] = int(counts.get(status, 0)) if mine is not None else pd.NA
        rows.append(row)
    result = pd.DataFrame(rows)
    for column in ("n_points", *(f"n_{s}" for s in STATUSES)):
        result[column] = result[column].astype("Int64")
    return result


def barrier_free_share_by_hromada(coverage: BarrierFreeCoverage) -> dict[str, float]:
    """Hromada code -> ``barrier_free_share`` (population covered by an accessible point / total population).

    Shaped for the ``barrier_free`` argument of :func:`analysis.compare.rank_hromadas`.
    """
    table = coverage.hromadas
    return {str(h): (float(v) if pd.notna(v) else float("nan")) for h, v in zip(table["hromada"],
                                                                                table["barrier_free_share"])}


# ============================================================================================== routes
def _arc_edge_ids(graph: ProfileGraph, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Edge id (``RoadNetwork.edges`` position) of each forward arc rows[k] -> cols[k] (arcs must exist)."""
    matrix = graph.forward
    n = matrix.shape[1]
    row_of_entry = np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))
    keys = row_of_entry * n + matrix.indices.astype(np.int64)  # sorted: CSR rows ascending, columns sorted
    wanted = rows.astype(np.int64) * n + cols.astype(np.int64)
    position = np.searchsorted(keys, wanted)
    if len(wanted) and (np.any(position >= len(keys)) or np.any(keys[np.minimum(position, len(keys) - 1)] != wanted)):
        raise RuntimeError("route arc not found in the graph")  # cannot happen for Dijkstra predecessors
    return graph.forward_edge_id[position]


def routes_edge_ids(
    network: RoadNetwork,
    pairs: Iterable[tuple[int, int]],
    mode: str | Profile = "wheelchair",
) -> list[np.ndarray | None]:
    """Road segments (edge ids, in travel order) of the fastest path for each (origin node, destination node).

    One Dijkstra per distinct origin node on the mode's graph (``scipy.sparse.csgraph.dijkstra`` with
    predecessors); the path is read back from the predecessors and each arc mapped to its segment with
    :attr:`analysis.network.ProfileGraph.forward_edge_id`. None where the destination is unreachable; an empty
    array where origin and destination are the same node.
    """
    graph = network.graph(mode)
    pairs = [(int(o), int(d)) for o, d in pairs]
    result: list[np.ndarray | None] = [None] * len(pairs)
    by_origin: dict[int, list[int]] = {}
    for k, (o, _) in enumerate(pairs):
        by_origin.setdefault(o, []).append(k)
    for origin, ks in by_origin.items():
        _, pred = csgraph.dijkstra(graph.forward, directed=True, indices=origin, return_predecessors=True)
        for k in ks:
            o, d = pairs[k]
            if d == o:
                result[k] = np.zeros(0, dtype=np.int64)
                continue
            if pred[d] < 0:
                continue
            nodes = [d]
            while nodes[-1] != o:
                nodes.append(int(pred[nodes[-1]]))
            nodes = np.asarray(nodes[::-1], dtype=np.int64)
            result[k] = _arc_edge_ids(graph, nodes[:-1], nodes[1:])
    return result


def route_edge_ids(network: RoadNetwork, origin_node: int, destination_node: int,
                   mode: str | Profile = "wheelchair") -> np.ndarray | None:
    """Edge ids of the fastest path between two network nodes (see :func:`routes_edge_ids`)."""
    return routes_edge_ids(network, [(origin_node, destination_node)], mode)[0]


def unknown_surface_share(
    network: RoadNetwork,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    result: pd.DataFrame,
    mode: str | Profile = "wheelchair",
    *,
    id_column: str = "id",
    min_component_nodes: int = 10,
) -> pd.DataFrame:
    """Share of each route's network length on segments of unknown surface.

    Parameters
    ----------
    network, origins, destinations, mode, id_column, min_component_nodes
        As given to :func:`analysis.routing.nearest_service` (the points are snapped again the same way).
    result
        The :func:`~analysis.routing.nearest_service` result for those points (``origin_id``,
        ``destination_id``).

    Returns
    -------
    pandas.DataFrame
        One row per row of ``result``: ``origin_id``, ``destination_id``, ``route_length_m`` (network part),
        ``unknown_surface_m``, ``unknown_surface_share`` (NaN where no route was found or the route has no network
        part). ``attrs["unknown_surface_share_total"]`` = summed unknown metres / summed route metres.
        Unknown = :func:`analysis.profiles.surface_class` ``"unknown"`` (no surface or smoothness tag recognised).
    """
    profile = get_profile(mode)
    for column in ("origin_id", "destination_id"):
        if column not in result.columns:
            raise DataError(f"The routing result needs an {column!r} column (a nearest_service result).")
    o_snap = snap_points(network, origins, profile, min_component_nodes=min_component_nodes)
    d_snap = snap_points(network, destinations, profile, min_component_nodes=min_component_nodes)
    o_node = pd.Series(o_snap.node, index=origins[id_column].astype(str).to_numpy())
    d_node = pd.Series(d_snap.node, index=destinations[id_column].astype(str).to_numpy())
    found = result["destination_id"].notna().to_numpy(dtype=bool).copy()
    if "travel_time_min" in result.columns:
        found &= np.isfinite(pd.to_numeric(result["travel_time_min"], errors="coerce").to_numpy(dtype=float))
    pairs, where = [], []
    for k, (origin, destination) in enumerate(zip(result["origin_id"], result["destination_id"])):
        if found[k]:
            pairs.append((o_node[str(origin)], d_node[str(destination)]))
            where.append(k)
    routes = routes_edge_ids(network, pairs, profile)
    length = network.edges["length_m"].to_numpy(dtype=float)
    unknown = surface_class(network.edges) == "unknown"
    route_m = np.full(len(result), np.nan)
    unknown_m = np.full(len(result), np.nan)
    for k, edges in zip(where, routes):
        if edges is None:
            continue
        route_m[k] = float(length[edges].sum())
        unknown_m[k] = float(length[edges][unknown[edges]].sum())
    share = np.divide(unknown_m, route_m, out=np.full(len(result), np.nan), where=np.nan_to_num(route_m) > 0)
    table = pd.DataFrame(
        {
            "origin_id": result["origin_id"].to_numpy(),
            "destination_id": result["destination_id"].to_numpy(),
            "route_length_m": route_m,
            "unknown_surface_m": unknown_m,
            "unknown_surface_share": share,
        }
    )
    total = np.nansum(route_m)
    table.attrs["unknown_surface_share_total"] = float(np.nansum(unknown_m) / total) if total > 0 else float("nan")
    return table
