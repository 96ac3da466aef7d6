"""Routing is exact: every figure is checked against networkx on a graph built independently in the test (points
inserted as virtual nodes on their segments, tests/routing_reference.py) or against hand computation."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from routing_reference import reference_graph, reference_time_and_length

from analysis.errors import DataError
from analysis.network.graph import build_network
from analysis.network.profiles import OFF_NETWORK_WALK_SPEED_KMH
from analysis.routing.estimate import EstimateRouter, estimate_nearest_service, estimate_od_matrix
from analysis.routing.results import (
    REASON_CUTOFF,
    REASON_DESTINATIONS_TOO_FAR,
    REASON_DIFFERENT_COMPONENT,
    REASON_DIRECTION,
    REASON_SNAP_TOO_FAR,
    observed_circuity,
    reason_label,
)
from analysis.routing.router import Router, nearest_service, od_matrix, snap_points
from analysis.sources.synthetic import random_points, road_grid

WALK_MS = OFF_NETWORK_WALK_SPEED_KMH / 3.6
GEOD = pyproj.Geod(ellps="WGS84")


def _points(ids, lonlat):
    lon, lat = zip(*lonlat)
    return gpd.GeoDataFrame({"id": list(ids)}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _metric_xy(net, points):
    t = pyproj.Transformer.from_crs("EPSG:4326", net.metric_crs, always_xy=True)
    return np.column_stack(t.transform(points.geometry.x.to_numpy(), points.geometry.y.to_numpy()))


def _candidate_segments(net, mode, min_nodes=10):
    """Independently: segments the mode may use whose both ends lie in one strongly (driving) / weakly (walking)
    connected component of at least ``min_nodes`` nodes, from networkx on the raw segment table."""
    profile = Router(net, mode).profile
    speed = profile.edge_speeds_kmh(net.edges, net.nodes)
    G = nx.DiGraph()
    for (u, v, oneway), kmh in zip(net.edges[["u", "v", "oneway"]].itertuples(index=False), speed):
        if kmh <= 0:
            continue
        if not profile.respect_oneway or oneway >= 0:
            G.add_edge(u, v)
        if not profile.respect_oneway or oneway <= 0:
            G.add_edge(v, u)
    parts = nx.strongly_connected_components(G) if profile.respect_oneway else nx.weakly_connected_components(G)
    label = {}
    for k, part in enumerate(parts):
        for node in part:
            label[node] = (k, len(part))
    ok = [kmh > 0 and label.get(u, (None, 0))[0] == label.get(v, (-1, 0))[0] and label[u][1] >= min_nodes
          for (u, v), kmh in zip(net.edges[["u", "v"]].itertuples(index=False), speed)]
    return np.flatnonzero(ok)


def _brute_nearest_segment(net, points, candidates):
    xy = _metric_xy(net, points)
    nodes = net.nodes[["x", "y"]].to_numpy()
    lines = shapely.linestrings(np.stack([nodes[net.edges["u"].to_numpy()[candidates]],
                                          nodes[net.edges["v"].to_numpy()[candidates]]], axis=1))
    distance = shapely.distance(shapely.points(xy)[:, None], lines[None, :])
    return candidates[np.argmin(distance, axis=1)], distance.min(axis=1)


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_snapping_joins_the_nearest_candidate_segment(mode):
    net = road_grid(20, 20, seed=7, oneway_share=0.2, drop_share=0.25)
    points = random_points(net, 80, seed=3, prefix="p", offset_m=200)
    snap = snap_points(net, points, mode)
    segment, metres = _brute_nearest_segment(net, points, _candidate_segments(net, mode))
    np.testing.assert_allclose(snap.snap_m, metres, rtol=1e-9, atol=1e-6)
    assert (snap.edge == segment).mean() > 0.9  # ties (a foot on a node shared by segments) may pick either
    # the segment chosen is a candidate and the leg is the distance to it
    assert np.isin(snap.edge, _candidate_segments(net, mode)).all()
    assert np.allclose(_reference_snap_m(net, points, snap.edge), snap.snap_m, atol=1e-6)


def _reference_snap_m(net, points, segments):
    xy = _metric_xy(net, points)
    nodes = net.nodes[["x", "y"]].to_numpy()
    out = []
    for (px, py), seg in zip(xy, segments):
        line = shapely.LineString([nodes[net.edges["u"].iloc[seg]], nodes[net.edges["v"].iloc[seg]]])
        out.append(line.distance(shapely.Point(px, py)))
    return np.asarray(out)


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_matrix_and_nearest_equal_networkx_with_virtual_nodes(mode):
    net = road_grid(18, 18, seed=11, oneway_share=0.2)
    origins = random_points(net, 25, seed=5, prefix="o", offset_m=150)
    dests = random_points(net, 5, seed=6, prefix="d", offset_m=150)
    router = Router(net, mode)
    o, d = router.snap(origins), router.snap(dests)
    G = reference_graph(net, mode, origins, dests, o.edge, d.edge)
    matrix = router.matrix(origins, dests)
    nearest = router.nearest(origins, dests).set_index("origin_id")
    compared = 0
    for i, oid in enumerate(origins["id"]):
        best = (np.inf, None, np.inf)
        for j, did in enumerate(dests["id"]):
            seconds, metres = reference_time_and_length(G, oid, did)
            assert matrix.time_min[i, j] * 60 == pytest.approx(seconds, rel=1e-9, abs=1e-6)
            if np.isfinite(seconds):
                assert matrix.distance_km[i, j] * 1000 == pytest.approx(metres, rel=1e-9, abs=1e-4)
                compared += 1
            if seconds < best[0]:
                best = (seconds, did, metres)
        row = nearest.loc[oid]
        assert row["reachable"] == np.isfinite(best[0])
        if row["reachable"]:
            assert row["travel_time_min"] * 60 == pytest.approx(best[0], rel=1e-9)
            assert row["destination_id"] == best[1]
            assert row["total_distance_km"] * 1000 == pytest.approx(best[2], rel=1e-9, abs=1e-4)
    assert compared >= 100
    long = od_matrix(net, origins, dests, mode).set_index(["origin_id", "destination_id"])
    assert long.loc[("o0", "d0"), "travel_time_min"] == pytest.approx(matrix.time_min[0, 0], rel=1e-12)


def test_a_point_on_a_road_has_no_leg_and_partial_segments_are_charged_at_their_speed():
    net = _line_network(oneway_middle=None)
    # a settlement exactly on the middle of segment 1-2 and a ЦНАП a quarter along segment 3-4
    settlement = _points(["v"], [(25.005, 49.0)])
    service = _points(["c"], [(25.0225, 49.0)])
    row = nearest_service(net, settlement, service, "drive", min_component_nodes=1).iloc[0]
    assert row["origin_snap_m"] < 1.0 and row["destination_snap_m"] < 1.0  # metres: latitude lines bow in UTM
    _, _, metres = GEOD.inv([25.005, 25.01, 25.02], [49.0] * 3, [25.01, 25.02, 25.0225], [49.0] * 3)
    assert row["network_distance_km"] * 1000 == pytest.approx(sum(metres), rel=2e-4)
    legs = row["origin_snap_m"] + row["destination_snap_m"]
    assert row["travel_time_min"] * 60 == pytest.approx(row["network_distance_km"] * 1000 / (60 / 3.6) + legs / WALK_MS,
                                                        rel=1e-9)


def test_points_on_one_segment_travel_along_it_or_walk_straight():
    net = _line_network(oneway_middle=None)
    a = _points(["a"], [(25.012, 49.0003)])  # beside segment 2-3, ~33 m north
    b = _points(["b"], [(25.018, 49.0003)])  # same side, 437 m further along
    row = nearest_service(net, a, b, "drive", min_component_nodes=1).iloc[0]
    _, _, along = GEOD.inv(25.012, 49.0, 25.018, 49.0)
    legs = row["origin_snap_m"] + row["destination_snap_m"]
    assert row["network_distance_km"] * 1000 == pytest.approx(along, rel=2e-3)
    assert row["travel_time_min"] * 60 == pytest.approx(row["network_distance_km"] * 1000 / (60 / 3.6) + legs / WALK_MS,
                                                        rel=1e-9)
    # side by side: walking straight (about 15 m) beats walking to the road and back (2 x 33 m)
    near = _points(["n"], [(25.0122, 49.0003)])
    side = nearest_service(net, a, near, "drive", min_component_nodes=1).iloc[0]
    _, _, straight = GEOD.inv(25.012, 49.0003, 25.0122, 49.0003)
    assert side["network_distance_km"] == 0.0
    assert side["total_distance_km"] * 1000 == pytest.approx(straight, rel=3e-3)
    assert side["travel_time_min"] * 60 == pytest.approx(side["total_distance_km"] * 1000 / WALK_MS, rel=1e-9)
    same_place = nearest_service(net, a, a.assign(id="here"), "drive", min_component_nodes=1).iloc[0]
    assert same_place["travel_time_min"] == 0.0


def test_od_matrix_cutoff_keeps_exactly_pairs_within_limit():
    net = road_grid(15, 15, seed=12)
    origins = random_points(net, 20, seed=8, prefix="o")
    dests = random_points(net, 5, seed=9, prefix="d")
    full = od_matrix(net, origins, dests, "drive")
    cut = od_matrix(net, origins, dests, "drive", cutoff_min=3.0)
    expected = full[full["travel_time_min"] <= 3.0]
    assert len(full) == len(origins) * len(dests)
    assert len(cut) == len(expected) > 0
    assert set(zip(cut.origin_id, cut.destination_id)) == set(zip(expected.origin_id, expected.destination_id))
    by_km = od_matrix(net, origins, dests, "drive", cutoff_km=1.0)
    assert set(zip(by_km.origin_id, by_km.destination_id)) == set(
        zip(*full.loc[full["total_distance_km"] <= 1.0, ["origin_id", "destination_id"]].to_numpy().T))


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
    assert reason_label(REASON_DIRECTION, "uk").startswith("немає маршруту")
    walk = nearest_service(net, origin, service, "walk", min_component_nodes=1)
    assert walk.loc[0, "reachable"]
    _, _, metres = GEOD.inv([25.00, 25.01, 25.02], [49.0] * 3, [25.01, 25.02, 25.03], [49.0] * 3)
    assert walk.loc[0, "network_distance_km"] * 1000 == pytest.approx(sum(metres), rel=1e-9)
    assert walk.loc[0, "travel_time_min"] == pytest.approx(sum(metres) / WALK_MS / 60, rel=1e-9)
    # the other direction is allowed for cars: 60 km/h tertiary, no maxspeed
    back = nearest_service(net, service.assign(id="e"), origin.assign(id="w"), "drive", min_component_nodes=1)
    assert back.loc[0, "reachable"]
    assert back.loc[0, "travel_time_min"] == pytest.approx(sum(metres) / (60 / 3.6) / 60, rel=1e-9)


def test_a_settlement_by_a_one_way_dead_end_joins_the_road_it_can_leave():
    # main two-way road 1-2-3-4 (x 10 nodes) and a one-way stub 2 -> 9 that only leads in
    lon = [25.00 + 0.003 * k for k in range(10)]
    nodes = pd.DataFrame({"lon": lon + [25.003], "lat": [49.0] * 10 + [49.004]}, index=list(range(1, 12)))
    segments = pd.DataFrame({"u": list(range(1, 10)) + [2], "v": list(range(2, 11)) + [11],
                             "way_id": list(range(100, 109)) + [200], "highway": ["tertiary"] * 10,
                             "oneway": [None] * 9 + ["yes"]})
    net = build_network(nodes, segments)
    village = _points(["v"], [(25.0031, 49.0035)])  # ~3 m from the stub's end, ~390 m from the main road
    service = _points(["s"], [(25.027, 49.0)])
    row = nearest_service(net, village, service, "drive", min_component_nodes=3).iloc[0]
    assert row["reachable"]
    assert row["origin_snap_m"] == pytest.approx(GEOD.inv(25.0031, 49.0035, 25.0031, 49.0)[2], rel=5e-3)
    assert Router(net, "drive", min_component_nodes=3).snap(village).edge[0] != 9  # not the stub
    # on foot the stub is a two-way path: the village joins it and walks out
    walk = nearest_service(net, village, service, "walk", min_component_nodes=3).iloc[0]
    assert walk["reachable"] and walk["origin_snap_m"] < 10


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
    origin = _points(["o"], [(24.999, 49.002)])  # beyond the end of the line: the leg goes to node 1
    service = _points(["s"], [(25.03, 48.999)])  # ~111 m south of node 4, the end of segment 3-4
    row = nearest_service(net, origin, service, "drive", min_component_nodes=1).iloc[0]
    _, _, o_leg = GEOD.inv(24.999, 49.002, 25.0, 49.0)
    _, _, d_leg = GEOD.inv(25.03, 48.999, 25.03, 49.0)
    assert row["origin_snap_m"] == pytest.approx(o_leg, rel=3e-3)  # UTM vs geodesic
    assert row["destination_snap_m"] == pytest.approx(d_leg, rel=3e-3)
    assert row["snap_distance_m"] == pytest.approx(row["origin_snap_m"] + row["destination_snap_m"])
    _, _, m = GEOD.inv([25.00, 25.01, 25.02], [49.0] * 3, [25.01, 25.02, 25.03], [49.0] * 3)
    expected_s = sum(m) / (60 / 3.6) + row["snap_distance_m"] / WALK_MS
    assert row["travel_time_min"] * 60 == pytest.approx(expected_s, rel=1e-6)
    assert row["total_distance_km"] * 1000 == pytest.approx(sum(m) + row["snap_distance_m"], rel=1e-6)


def test_points_far_from_the_roads_are_not_routed():
    net = _line_network(oneway_middle=None)
    service = _points(["s"], [(25.03, 49.0)])
    origins = _points(
        ["village", "sea", "abroad", "swapped", "edge"],
        [(25.005, 49.002), (31.0, 45.5), (13.4, 52.5), (49.0, 25.005), (25.0, 49.0085)],  # 'edge': ~945 m off
    )
    result = nearest_service(net, origins, service, "drive", min_component_nodes=1).set_index("origin_id")
    assert result.loc["village", "reachable"] and result.loc["edge", "reachable"]
    for far in ("sea", "abroad", "swapped"):
        assert not result.loc[far, "reachable"]
        assert result.loc[far, "unreachable_reason"] == REASON_SNAP_TOO_FAR
        assert np.isnan(result.loc[far, "travel_time_min"]) and result.loc[far, "origin_snap_m"] > 100_000
    # the limit is configurable per call
    strict = nearest_service(net, origins, service, "drive", min_component_nodes=1, max_snap_m=500).set_index(
        "origin_id")
    assert strict.loc["edge", "unreachable_reason"] == REASON_SNAP_TOO_FAR and strict.loc["village", "reachable"]
    # without a limit a point 900 km away would get a travel time (the walk across Europe): the default prevents it
    unlimited = nearest_service(net, origins, service, "drive", min_component_nodes=1, max_snap_m=None).set_index(
        "origin_id")
    assert unlimited.loc["abroad", "reachable"] and unlimited.loc["abroad", "travel_time_min"] > 10_000
    with pytest.raises(DataError, match="snap distance"):
        Router(net, "drive", max_snap_m=-5)
    # a service point in the sea serves nobody
    lost = nearest_service(net, origins.iloc[[0]], _points(["x"], [(31.0, 45.5)]), "drive", min_component_nodes=1)
    assert lost.loc[0, "unreachable_reason"] == REASON_DESTINATIONS_TOO_FAR
    matrix = Router(net, "drive", min_component_nodes=1).matrix(origins, service)
    assert np.isinf(matrix.time_min[2:4]).all() and not matrix.origin_routed[1]


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
    for bad in (float("nan"), float("inf"), -1.0):
        with pytest.raises(DataError):
            nearest_service(net, origin, service, "drive", cutoff_min=bad)


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


def test_closed_roads_keep_points_on_their_segment():
    net = _line_network(oneway_middle=None)
    origin = _points(["o"], [(25.005, 49.0005)])
    service = _points(["s"], [(25.03, 49.0)])
    router = Router(net, "drive", min_component_nodes=1)
    closed = router.with_closed([0])  # the origin's own segment 1-2
    assert closed.snap(origin).edge[0] == router.snap(origin).edge[0] == 0
    row = closed.nearest(origin, service).iloc[0]
    assert not row["reachable"] and row["unreachable_reason"] == REASON_DIFFERENT_COMPONENT
    assert nearest_service(net, origin, service, "drive", min_component_nodes=1, closed_edge_ids=[0]).equals(
        closed.nearest(origin, service))


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
    for bad in (0.9, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="circuity"):
            estimate_nearest_service(origins, dests, circuity=bad)
    # the estimate router answers the matrix question the same way
    matrix = EstimateRouter("drive", circuity=1.25, speed_kmh=50).matrix(origins, dests)
    assert matrix.time_min[1, 1] == pytest.approx(result.loc[1, "travel_time_min"], rel=1e-12)


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
    with pytest.raises(DataError, match="RoadNetwork"):
        Router("not a network")
    empty_services = pts.iloc[0:0]
    result = nearest_service(net, pts, empty_services, "drive")
    assert len(result) == 3 and not result["reachable"].any()
    with pytest.raises(DataError, match="no roads"):
        build_network(pd.DataFrame({"lon": [25.0], "lat": [49.0]}, index=[1]),
                      pd.DataFrame({"u": [1], "v": [2], "way_id": [1], "highway": ["residential"]}))


def test_estimated_od_matrix_equals_estimated_nearest_per_pair():
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
