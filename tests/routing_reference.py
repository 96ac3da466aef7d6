"""An independent reference for the router: networkx on a graph built here from the raw segment table.

Every origin and destination is inserted as a *virtual node* on its segment (the segment split at the exact
position of the point's perpendicular foot, computed here with shapely, not with the product's code), joined to
the point itself by the off-network leg at walking speed. Origins only leave their point, destinations are only
entered; two points on one segment may also walk straight to each other (the product's rule for points side by
side). Shortest paths by time give the time, and the length of that same path the distance.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np
import pyproj
import shapely

from analysis.network.modes import get_profile


def _metric(network, points):
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", network.metric_crs, always_xy=True)
    geoms = points.geometry.to_crs("EPSG:4326")
    return np.column_stack(to_metric.transform(geoms.x.to_numpy(), geoms.y.to_numpy()))


def reference_graph(network, mode, origins, destinations, segment_of_origin, segment_of_destination,
                    closed=()):
    """The networkx DiGraph described in the module docstring (every node has its metric ``xy``).

    ``segment_of_*`` give the segment each point joins (the test decides it: e.g. the segment the point was
    sampled on); the foot on it is computed here.
    """
    profile = get_profile(mode)
    speed = profile.edge_speeds_kmh(network.edges, network.nodes).copy()
    speed[list(closed)] = 0.0
    nodes_xy = network.nodes[["x", "y"]].to_numpy()
    u_all = network.edges["u"].to_numpy()
    v_all = network.edges["v"].to_numpy()
    length_all = network.edges["length_m"].to_numpy()
    oneway = network.edges["oneway"].to_numpy()
    walk_ms = profile.off_network_speed_kmh / 3.6
    splits = defaultdict(list)  # segment -> [(fraction, virtual node name)]
    graph = nx.DiGraph()

    def add(a, b, t, m):
        if graph.has_edge(a, b) and graph[a][b]["time_s"] <= t:
            return
        graph.add_edge(a, b, time_s=t, length_m=m)

    names = {}
    for kind, table, segments in (("o", origins, segment_of_origin), ("d", destinations, segment_of_destination)):
        xy = _metric(network, table)
        for pid, (px, py), seg in zip(table["id"], xy, segments):
            a, b = nodes_xy[u_all[seg]], nodes_xy[v_all[seg]]
            line = shapely.LineString([a, b])
            fraction = line.project(shapely.Point(px, py), normalized=True) if line.length > 0 else 0.0
            foot = line.interpolate(fraction, normalized=True)
            leg = float(np.hypot(px - foot.x, py - foot.y))
            point, virtual = (kind, pid), (kind, pid, "virtual")
            splits[seg].append((fraction, virtual))
            graph.add_node(point, xy=(float(px), float(py)))
            graph.add_node(virtual, xy=(float(foot.x), float(foot.y)))
            if kind == "o":
                add(point, virtual, leg / walk_ms, leg)
            else:
                add(virtual, point, leg / walk_ms, leg)
            names[point] = (px, py, seg)
    for node, (x, y) in enumerate(nodes_xy):
        graph.add_node(node, xy=(float(x), float(y)))
    for seg in range(len(u_all)):
        if speed[seg] <= 0:
            continue
        chain = [(0.0, int(u_all[seg]))] + sorted(splits.get(seg, []), key=lambda t: t[0]) + [(1.0, int(v_all[seg]))]
        seconds = length_all[seg] / (speed[seg] / 3.6)
        for (f0, n0), (f1, n1) in zip(chain[:-1], chain[1:]):
            t, m = (f1 - f0) * seconds, (f1 - f0) * length_all[seg]
            same_place = f1 == f0  # a point at a node (or two points at one place) is there, whatever the direction
            if not profile.respect_oneway or oneway[seg] >= 0 or same_place:
                add(n0, n1, t, m)
            if not profile.respect_oneway or oneway[seg] <= 0 or same_place:
                add(n1, n0, t, m)
    # straight walks between an origin and a destination on one segment
    for (ko, po), (ox, oy, oseg) in names.items():
        if ko != "o":
            continue
        for (kd, pd_), (dx, dy, dseg) in names.items():
            if kd == "d" and dseg == oseg:
                m = float(np.hypot(ox - dx, oy - dy))
                add((ko, po), (kd, pd_), m / walk_ms, m)
    return graph


def reference_time_and_length(graph, origin_id, destination_id):
    """(seconds, metres) of the fastest path, or (inf, inf) without one."""
    source, target = ("o", origin_id), ("d", destination_id)
    try:
        path = nx.dijkstra_path(graph, source, target, weight="time_s")
    except nx.NetworkXNoPath:
        return np.inf, np.inf
    seconds = sum(graph[a][b]["time_s"] for a, b in zip(path[:-1], path[1:]))
    metres = sum(graph[a][b]["length_m"] for a, b in zip(path[:-1], path[1:]))
    return seconds, metres


def assert_matrix_equals_reference(matrix, graph, origins, destinations, *, length_rel=1e-9, length_abs_m=1e-4,
                                   time_abs_s=1e-6) -> int:
    """Assert every pair of a product ``TravelMatrix`` equals :func:`reference_time_and_length` on ``graph``
    (time; and the fastest route's length where a route exists). Returns how many pairs had a route."""
    import pytest

    compared = 0
    for i, oid in enumerate(origins["id"]):
        for j, did in enumerate(destinations["id"]):
            seconds, metres = reference_time_and_length(graph, oid, did)
            assert matrix.time_min[i, j] * 60 == pytest.approx(seconds, rel=1e-9, abs=time_abs_s), (oid, did)
            if np.isfinite(seconds):
                assert matrix.distance_km[i, j] * 1000 == pytest.approx(metres, rel=length_rel, abs=length_abs_m), \
                    (oid, did)
                compared += 1
    return compared
