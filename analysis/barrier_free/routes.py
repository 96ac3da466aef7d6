"""Road segments of wheelchair routes and the share of their length on unknown surfaces.

Routes come from the router's own shortest-path trees (:mod:`analysis.routing.paths`): the same fastest routes
whose times the coverage figures report.
"""

from __future__ import annotations

from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.network.graph import RoadNetwork
from analysis.network.profiles import Profile
from analysis.network.wheelchair import surface_class
from analysis.routing.paths import per_source_trees, route_segments
from analysis.routing.router import Router
from analysis.routing.snap import DEFAULT_MIN_COMPONENT_NODES


def routes_edge_ids(
    network: RoadNetwork,
    pairs: Iterable[tuple[int, int]],
    mode: str | Profile = "wheelchair",
) -> list[np.ndarray | None]:
    """Road segments (edge ids, in travel order) of the fastest path for each (origin node, destination node).

    One tree per distinct destination node on the mode's reversed graph, read back with
    :func:`analysis.routing.paths.route_segments`. None where the destination is unreachable; an empty array where
    origin and destination are the same node.
    """
    graph = network.graph(mode)
    pairs = [(int(o), int(d)) for o, d in pairs]
    result: list[np.ndarray | None] = [None] * len(pairs)
    by_destination: dict[int, list[int]] = {}
    for k, (_, d) in enumerate(pairs):
        by_destination.setdefault(d, []).append(k)
    for destination, ks in by_destination.items():
        dist, pred = per_source_trees(graph.reverse, [(np.array([destination]), np.array([0.0]))])
        for k in ks:
            origin = pairs[k][0]
            if origin == destination:
                result[k] = np.zeros(0, dtype=np.int64)
            elif np.isfinite(dist[0, origin]):
                result[k] = route_segments(graph, pred[0], np.array([origin]))[1]
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
    min_component_nodes: int = DEFAULT_MIN_COMPONENT_NODES,
    router: Any = None,
) -> pd.DataFrame:
    """Share of each route's network length on segments of unknown surface.

    Parameters
    ----------
    network, origins, destinations, mode, id_column, min_component_nodes
        As given to :func:`analysis.routing.router.nearest_service` (or pass the same ``router``).
    result
        The nearest-service result for those points (``origin_id``, ``destination_id``).

    Returns
    -------
    pandas.DataFrame
        One row per row of ``result``: ``origin_id``, ``destination_id``, ``route_length_m`` (network part, the
        partial segments at both ends included), ``unknown_surface_m``, ``unknown_surface_share`` (NaN where no
        route was found or the route has no network part). ``attrs["unknown_surface_share_total"]`` = summed unknown
        metres / summed route metres. Unknown = :func:`analysis.network.wheelchair.surface_class` ``"unknown"``.
    """
    for column in ("origin_id", "destination_id"):
        if column not in result.columns:
            raise DataError(f"The routing result needs an {column!r} column (a nearest_service result).")
    router = router or Router(network, mode, min_component_nodes=min_component_nodes)
    wanted = dict(zip(result["origin_id"].astype(str), result["destination_id"]))
    routes = router.route_segments(origins, destinations,
                                   [wanted.get(str(x)) for x in origins[id_column]], id_column=id_column)
    by_origin = dict(zip(origins[id_column].astype(str), routes))
    unknown = surface_class(network.edges) == "unknown"
    route_m = np.full(len(result), np.nan)
    unknown_m = np.full(len(result), np.nan)
    for k, origin in enumerate(result["origin_id"].astype(str)):
        route = by_origin.get(origin)
        if route is None:
            continue
        segments, metres = route
        route_m[k] = float(metres.sum())
        unknown_m[k] = float(metres[unknown[segments]].sum())
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
