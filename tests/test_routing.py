"""Routing is exact: every figure is checked against networkx on the same graph or against hand computation."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest

from analysis.errors import DataError
from analysis.network import build_network
from analysis.profiles import OFF_NETWORK_WALK_SPEED_KMH
from analysis.routing import (
    REASON_CUTOFF,
    REASON_DIFFERENT_COMPONENT,
    REASON_DIRECTION,
    estimate_nearest_service,
    nearest_service,
    observed_circuity,
    od_matrix,
    snap_points,
)
from analysis.synthetic import random_points, road_grid

WALK_MS = OFF_NETWORK_WALK_SPEED_KMH / 3.6
GEOD = pyproj.Geod(ellps="WGS84")


def _points(ids, lonlat):
    lon, lat = zip(*lonlat)
    return gpd.GeoDataFrame({"id": list(ids)}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _nx_best(G, o_node, o_snap, d_nodes, d_snaps, o_xy=None, d_xy=None):
    """Brute force: fastest destination by networkx Dijkstra per pair, with the route's length; a destination on
    the origin's own node may instead be walked to in a straight line (routing's documented rule)."""
    best = None
    for j, (node, snap) in enumerate(zip(d_nodes, d_snaps)):
        if o_xy is not None and node == o_node:
            metres = float(np.hypot(*(o_xy - d_xy[j])))
            if best is None or metres / WALK_MS < best[0]:
                best = (metres / WALK_MS, j, 0.0, metres)
        try:
            seconds, path = nx.single_source_dijkstra(G, o_node, node, weight="time_s")
        except nx.NetworkXNoPath:
            continue
        seconds += (o_snap + snap) / WALK_MS
        length = sum(G[a][b]["length_m"] for a, b in zip(path[:-1], path[1:]))
        if best is None or seconds < best[0]:
            best = (seconds, j, length, o_snap + snap)
    return best


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_nearest_service_equals_networkx_brute_force(mode):
    net = road_grid(25, 25, seed=7, oneway_share=0.15)
    origins = random_points(net, 60, seed=1, prefix="o")
    dests = random_points(net, 6, seed=2, prefix="d")
    result = nearest_service(net, origins, dests, mode)
    G = net.to_networkx(mode)
    o_snap = snap_points(net, origins, mode)
    d_snap = snap_points(net, dests, mode)
    assert len(result) == len(origins)
    direct = 0
    for i, row in result.iterrows():
        best = _nx_best(G, o_snap.node[i], o_snap.distance_m[i], d_snap.node, d_snap.distance_m,
                        o_snap.xy[i], d_snap.xy)
        assert best is not None and row["reachable"]
        assert row["travel_time_min"] * 60 == pytest.approx(best[0], rel=1e-9)
        assert row["destination_id"] == dests["id"].iloc[best[1]]
        assert row["network_distance_km"] * 1000 == pytest.approx(best[2], rel=1e-9, abs=1e-6)
        assert row["total_distance_km"] * 1000 == pytest.approx(best[2] + best[3], rel=1e-9)
        direct += best[2] == 0.0
    assert direct < len(result)  # most routes use the roads


def test_points_on_one_node_are_walked_between_directly():
    net = road_grid(6, 6, seed=3)
    node = net.nodes.iloc[14]
    settlement = _points(["village"], [(node.lon + 0.0004, node.lat)])  # ~29 m east of the node
    service = _points(["cnap"], [(node.lon + 0.0005, node.lat + 0.0001)])  # ~14 m further
    row = nearest_service(net, settlement, service, "drive").iloc[0]
    _, _, metres = GEOD.inv(node.lon + 0.0004, node.lat, node.lon + 0.0005, node.lat + 0.0001)
    assert row["network_distance_km"] == 0.0
    assert row["total_distance_km"] * 1000 == pytest.approx(metres, rel=3e-3)
    assert row["travel_time_min"] * 60 == pytest.approx(row["total_distance_km"] * 1000 / WALK_MS, rel=1e-9)
    same_place = nearest_service(net, settlement, settlement.assign(id="here"), "drive").iloc[0]
    assert same_place["travel_time_min"] == 0.0
    matrix = od_matrix(net, settlement, service, "drive").iloc[0]
    assert matrix["travel_time_min"] == pytest.approx(row["travel_time_min"], rel=1e-12)


def test_snap_distance_is_straight_metric_distance_to_node():
    net = road_grid(10, 10, seed=3)
    pts = random_points(net, 20, seed=4, offset_m=300)
    snap = snap_points(net, pts, "drive")
    transformer = pyproj.Transformer.from_crs("EPSG:4326", net.metric_crs, always_xy=True)
    x, y = transformer.transform(pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy())
    all_d = np.hypot(net.nodes["x"].to_numpy()[None, :] - x[:, None], net.nodes["y"].to_numpy()[None, :] - y[:, None])
    np.testing.assert_allclose(snap.distance_m, all_d.min(axis=1))


def test_od_matrix_equals_networkx_for_every_pair():
    net = road_grid(15, 15, seed=11, oneway_share=0.2)
    origins = random_points(net, 12, seed=5, prefix="o")
    dests = random_points(net, 4, seed=6, prefix="d")
    matrix = od_matrix(net, origins, dests, "drive")
    G = net.to_networkx("drive")
    o_snap, d_snap = snap_points(net, origins, "drive"), snap_points(net, dests, "drive")
    assert len(matrix) == len(origins) * len(dests)
    lookup = matrix.set_index(["origin_id", "destination_id"])
    for i, oid in enumerate(origins["id"]):
        for j, did in enumerate(dests["id"]):
            seconds = nx.shortest_path_length(G, o_snap.node[i], d_snap.node[j], weight="time_s")
            seconds += (o_snap.distance_m[i] + d_snap.distance_m[j]) / WALK_MS
            assert lookup.loc[(oid, did), "travel_time_min"] * 60 == pytest.approx(seconds, rel=1e-9)


def test_od_matrix_cutoff_keeps_exactly_pairs_within_limit():
    net = road_grid(15, 15, seed=12)
    origins = random_points(net, 20, seed=8, prefix="o")
    dests = random_points(net, 5, seed=9, prefix="d")
    full = od_matrix(net, origins, dests, "drive")
    cut = od_matrix(net, origins, dests, "drive", cutoff_min=3.0)
    expected = full[full["travel_time_min"] <= 3.0]
    assert len(cut) == len(expected) > 0
    assert set(zip(cut.origin_id, cut.destination_id)) == set(zip(expected.origin_id, expected.destination_id))


def _line_network(oneway_middle: str | None):
    """Nodes 1-2-3-4 on a line 0.01 deg apart (~730 m at 49 N); 3-5 is a spur; 6-7 an island far away."""
    nodes = pd.DataFrame(
        {"lon": [25.00, 25.01, 25.02, 25.03, 25.02, 25.20, 25.21], "lat": [49.0, 49.0, 49.0, 49.0, 49.01, 49.0, 49.0]},
        index=[1, 2, 3, 4, 5, 6, 7],
    )
    segments = pd.DataFrame(
        {
            "u": [1, 2, 3, 3, 6],
            "v": [2, 3, 4, 5, 7],
            "way_id": [100, 101, 102, 103, 104],
            "highway": ["tertiary"] * 5,
            "oneway": [None, oneway_middle, None, None, None],
        }
    )
    return build_network(nodes, segments)


def test_oneway_respected_when_driving_but_not_walking():
    net = _line_network(oneway_middle="-1")  # 2 -> 3 is forbidden for cars, 3 -> 2 allowed
    origin = _points(["west"], [(25.00, 49.0)])
    service = _points(["east"], [(25.03, 49.0)])
    drive = nearest_service(net, origin, service, "drive", min_component_nodes=1)
    assert not drive.loc[0, "reachable"]
    assert drive.loc[0, "unreachable_reason"] == REASON_DIRECTION
    walk = nearest_service(net, origin, service, "walk", min_component_nodes=1)
    assert walk.loc[0, "reachable"]
    _, _, metres = GEOD.inv([25.00, 25.01, 25.02], [49.0] * 3, [25.01, 25.02, 25.03], [49.0] * 3)
    assert walk.loc[0, "network_distance_km"] * 1000 == pytest.approx(sum(metres), rel=1e-9)
    assert walk.loc[0, "travel_time_min"] == pytest.approx(sum(metres) / WALK_MS / 60, rel=1e-9)
    # the other direction is allowed for cars: 60 km/h tertiary, no maxspeed
    back = nearest_service(net, service.assign(id="e"), origin.assign(id="w"), "drive", min_component_nodes=1)
    assert back.loc[0, "reachable"]
    assert back.loc[0, "travel_time_min"] == pytest.approx(sum(metres) / (60 / 3.6) / 60, rel=1e-9)


def test_island_settlement_is_flagged_not_dropped():
    net = _line_network(oneway_middle=None)
    origins = _points(["mainland", "island"], [(25.005, 49.0005), (25.205, 49.0)])
    service = _points(["cnap"], [(25.03, 49.0)])
    result = nearest_service(net, origins, service, "drive", min_component_nodes=1)
    assert list(result["origin_id"]) == ["mainland", "island"]
    assert result.loc[0, "reachable"] and not result.loc[1, "reachable"]
    assert result.loc[1, "unreachable_reason"] == REASON_DIFFERENT_COMPONENT
    assert np.isnan(result.loc[1, "travel_time_min"])
    # with the default fragment filter the island (2 nodes) is still chosen: the mainland is kilometres farther
    default = nearest_service(net, origins, service, "drive")
    assert default.loc[0, "reachable"] and not default.loc[1, "reachable"]
    assert default.loc[1, "unreachable_reason"] == REASON_DIFFERENT_COMPONENT


def test_stray_fragment_near_the_main_network_does_not_capture_a_settlement():
    nodes = pd.DataFrame(
        {"lon": [25.00, 25.01, 25.02, 25.024, 25.025], "lat": [49.0, 49.0, 49.0, 49.001, 49.001]},
        index=[1, 2, 3, 8, 9],
    )
    segments = pd.DataFrame({"u": [1, 2, 8], "v": [2, 3, 9], "way_id": [1, 2, 3], "highway": ["tertiary"] * 3})
    net = build_network(nodes, segments)
    village = _points(["v"], [(25.0238, 49.0011)])  # ~17 m from the 2-node fragment, ~304 m from node 3
    service = _points(["s"], [(25.0, 49.0)])
    row = nearest_service(net, village, service, "drive", min_component_nodes=3).iloc[0]
    assert row["reachable"]
    _, _, to_node3 = GEOD.inv(25.0238, 49.0011, 25.02, 49.0)
    assert row["origin_snap_m"] == pytest.approx(to_node3, rel=2e-3)
    # when the fragment is nearer by more than island_snap_m, the point is taken to be on an island
    strict = nearest_service(net, village, service, "drive", min_component_nodes=3, island_snap_m=100).iloc[0]
    assert not strict["reachable"] and strict["unreachable_reason"] == REASON_DIFFERENT_COMPONENT


def test_off_network_legs_are_reported_and_timed_at_walking_speed():
    net = _line_network(oneway_middle=None)
    origin = _points(["o"], [(25.00, 49.002)])  # ~222 m north of node 1
    service = _points(["s"], [(25.03, 48.999)])  # ~111 m south of node 4
    row = nearest_service(net, origin, service, "drive", min_component_nodes=1).iloc[0]
    _, _, o_leg = GEOD.inv(25.0, 49.002, 25.0, 49.0)
    _, _, d_leg = GEOD.inv(25.03, 48.999, 25.03, 49.0)
    assert row["origin_snap_m"] == pytest.approx(o_leg, rel=2e-3)  # UTM vs geodesic
    assert row["destination_snap_m"] == pytest.approx(d_leg, rel=2e-3)
    assert row["snap_distance_m"] == pytest.approx(row["origin_snap_m"] + row["destination_snap_m"])
    _, _, m = GEOD.inv([25.00, 25.01, 25.02], [49.0] * 3, [25.01, 25.02, 25.03], [49.0] * 3)
    expected_s = sum(m) / (60 / 3.6) + row["snap_distance_m"] / WALK_MS
    assert row["travel_time_min"] * 60 == pytest.approx(expected_s, rel=1e-9)
    assert row["total_distance_km"] * 1000 == pytest.approx(sum(m) + row["snap_distance_m"], rel=1e-9)


def test_cutoff_flags_but_keeps_margin():
    net = _line_network(oneway_middle=None)
    origin = _points(["o"], [(25.00, 49.0)])
    service = _points(["s"], [(25.03, 49.0)])
    free = nearest_service(net, origin, service, "drive", min_component_nodes=1).iloc[0]
    by_km = nearest_service(net, origin, service, "drive", cutoff_km=1.0, min_component_nodes=1).iloc[0]
    assert not by_km["reachable"] and by_km["unreachable_reason"] == REASON_CUTOFF
    assert by_km["total_distance_km"] == pytest.approx(free["total_distance_km"])
    by_min = nearest_service(net, origin, service, "drive", cutoff_min=free["travel_time_min"] + 0.01,
                             min_component_nodes=1).iloc[0]
    assert by_min["reachable"]


def test_by_category_runs_one_exact_pass_per_category():
    net = road_grid(20, 20, seed=21)
    origins = random_points(net, 30, seed=3, prefix="o")
    dests = random_points(net, 8, seed=4, prefix="d")
    dests["category"] = ["cnap_centre", "post_office"] * 4
    both = nearest_service(net, origins, dests, "drive", by="category")
    assert len(both) == 2 * len(origins)
    for category, group in dests.groupby("category"):
        single = nearest_service(net, origins, group, "drive")
        part = both[both["category"] == category].reset_index(drop=True)
        pd.testing.assert_series_equal(part["travel_time_min"], single["travel_time_min"])
        pd.testing.assert_series_equal(part["destination_id"], single["destination_id"])


def test_estimate_without_network_is_straight_line_times_circuity():
    origins = _points(["a", "b"], [(25.0, 49.0), (25.1, 49.05)])
    dests = _points(["s1", "s2"], [(25.05, 49.0), (25.1, 49.06)])
    result = estimate_nearest_service(origins, dests, "drive", circuity=1.25, speed_kmh=50)
    _, _, a_s1 = GEOD.inv(25.0, 49.0, 25.05, 49.0)
    _, _, b_s2 = GEOD.inv(25.1, 49.05, 25.1, 49.06)
    assert list(result["destination_id"]) == ["s1", "s2"]
    assert result.loc[0, "total_distance_km"] == pytest.approx(a_s1 / 1000 * 1.25)
    assert result.loc[1, "travel_time_min"] == pytest.approx(b_s2 / 1000 * 1.25 / 50 * 60)
    assert (result["method"] == "estimated").all()
    with pytest.raises(ValueError, match="circuity"):
        estimate_nearest_service(origins, dests, circuity=0.9)


def test_observed_circuity_is_route_over_straight_line():
    net = road_grid(20, 20, seed=2)
    origins = random_points(net, 40, seed=1, prefix="o")
    dests = random_points(net, 3, seed=2, prefix="d")
    result = nearest_service(net, origins, dests, "drive")
    ok = result[result["straight_line_km"] >= 0.5]
    expected = (ok["total_distance_km"] / ok["straight_line_km"]).median()
    assert observed_circuity(result) == pytest.approx(expected)
    assert expected >= 1.0 and expected < 2.0  # road routes are never shorter than the straight line


def test_bad_inputs_give_clear_errors():
    net = road_grid(5, 5, seed=1)
    pts = random_points(net, 3, seed=1)
    with pytest.raises(DataError, match="'id' column"):
        nearest_service(net, pts.rename(columns={"id": "code"}), pts, "drive")
    with pytest.raises(DataError, match="duplicated ids"):
        nearest_service(net, pts.assign(id="same"), pts, "drive")
    with pytest.raises(ValueError, match="Unknown travel mode 'bike'"):
        nearest_service(net, pts, pts, "bike")
    with pytest.raises(DataError, match="no 'category' column"):
        nearest_service(net, pts, pts, "drive", by="category")
    empty_services = pts.iloc[0:0]
    result = nearest_service(net, pts, empty_services, "drive")
    assert len(result) == 3 and not result["reachable"].any()
    with pytest.raises(DataError, match="no roads"):
        build_network(pd.DataFrame({"lon": [25.0], "lat": [49.0]}, index=[1]),
                      pd.DataFrame({"u": [1], "v": [2], "way_id": [1], "highway": ["residential"]}))


def test_estimated_od_matrix_equals_estimated_nearest_per_pair():
    from analysis.routing import estimate_od_matrix

    origins = _points(["a", "b", "c"], [(25.0, 49.0), (25.1, 49.05), (25.02, 49.03)])
    dests = _points(["s1", "s2"], [(25.05, 49.0), (25.1, 49.06)])
    matrix = estimate_od_matrix(origins, dests, "drive", circuity=1.2, speed_kmh=45).set_index(
        ["origin_id", "destination_id"])
    assert len(matrix) == 6 and (matrix["method"] == "estimated").all()
    for _, d in dests.iterrows():
        single = estimate_nearest_service(origins, dests[dests["id"] == d["id"]], "drive", circuity=1.2, speed_kmh=45)
        for _, row in single.iterrows():
            pair = matrix.loc[(row["origin_id"], d["id"])]
            assert pair["travel_time_min"] == pytest.approx(row["travel_time_min"], rel=1e-12)
            assert pair["total_distance_km"] == pytest.approx(row["total_distance_km"], rel=1e-12)
