"""Wheelchair profile: rules checked on hand-made tables, routes on a hand-written OSM fixture measured with
pyproj.Geod from the file's own coordinates, and route properties on the real Helsinki extract."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from conftest import FIXTURES

from analysis.barrier_free.routes import route_edge_ids, routes_edge_ids, unknown_surface_share
from analysis.network.modes import PROFILES, get_profile
from analysis.network.profiles import DRIVE, WALK
from analysis.network.wheelchair import (
    WHEELCHAIR,
    WHEELCHAIR_SPEED_KMH,
    parse_incline_pct,
    surface_class,
    wheelchair_profile,
)
from analysis.routing.results import REASON_DIFFERENT_COMPONENT
from analysis.routing.router import nearest_service, od_matrix
from analysis.sources.osm_import import read_osm

GEOD = pyproj.Geod(ellps="WGS84")
FIXTURE = FIXTURES / "wheelchair_steps.osm"
V = WHEELCHAIR_SPEED_KMH / 3.6  # m/s


# ----------------------------------------------------------------------------------------------- rule table
def _table(rows):
    """Edges u=2k, v=2k+1 with the given tags; nodes 0..2n-1 with optional tags on the u node."""
    edges, nodes = [], []
    for k, (edge_tags, node_tags) in enumerate(rows):
        edges.append({"u": 2 * k, "v": 2 * k + 1, "highway": "footway", "length_m": 100.0, **edge_tags})
        nodes.append(dict(node_tags))
        nodes.append({})
    return pd.DataFrame(edges), pd.DataFrame(nodes).reindex(columns=["kerb", "barrier", "wheelchair", "highway"])


CASES = [
    # (edge tags, u-node tags, speed with defaults, description)
    ({"surface": "asphalt"}, {}, 3.6, "smooth footway"),
    ({"highway": "steps", "surface": "concrete"}, {}, 0.0, "steps never"),
    ({"highway": "steps", "wheelchair": "yes"}, {}, 0.0, "steps never, even tagged wheelchair=yes"),
    ({"surface": "asphalt", "wheelchair": "no"}, {}, 0.0, "wheelchair=no"),
    ({"surface": "asphalt", "foot": "no"}, {}, 0.0, "foot=no"),
    ({"surface": "asphalt", "access": "private"}, {}, 0.0, "access=private"),
    ({"highway": "motorway", "surface": "asphalt"}, {}, 0.0, "motorway"),
    ({"surface": "gravel"}, {}, 0.0, "unsuitable surface excluded"),
    ({"surface": "ground"}, {}, 0.0, "unsuitable surface excluded"),
    ({"surface": "cobblestone"}, {}, 1.8, "difficult surface x 0.5"),
    ({"surface": "asphalt;gravel"}, {}, 0.0, "worst part of a list"),
    ({}, {}, 3.6, "unknown surface assumed passable"),
    ({"smoothness": "good"}, {}, 3.6, "smoothness makes the surface known"),
    ({"surface": "asphalt", "smoothness": "very_bad"}, {}, 0.0, "very bad smoothness is unsuitable"),
    ({"surface": "asphalt", "smoothness": "bad"}, {}, 1.8, "bad smoothness penalised"),
    ({"surface": "asphalt", "incline": "10%"}, {}, 1.8, "steep incline penalised"),
    ({"surface": "asphalt", "incline": "-4%"}, {}, 3.6, "gentle incline fine"),
    ({"surface": "asphalt", "incline": "6%"}, {}, 3.6, "exactly the limit is fine"),
    ({"surface": "asphalt", "incline": "up"}, {}, 1.8, "incline of unknown steepness penalised"),
    ({"surface": "cobblestone", "incline": "12%"}, {}, 0.9, "penalties multiply"),
    ({"surface": "gravel", "incline": "12%", "wheelchair": "yes"}, {}, 3.6, "wheelchair=yes way trusted"),
    ({"surface": "asphalt", "wheelchair": "limited"}, {}, 1.8, "wheelchair=limited penalised"),
    ({"surface": "asphalt"}, {"barrier": "kerb", "kerb": "raised"}, 0.0, "raised kerb"),
    ({"surface": "asphalt"}, {"barrier": "kerb"}, 0.0, "barrier=kerb without height = raised"),
    ({"surface": "asphalt"}, {"kerb": "raised"}, 0.0, "kerb=raised without barrier"),
    ({"surface": "asphalt"}, {"barrier": "kerb", "kerb": "lowered"}, 3.6, "lowered kerb fine"),
    ({"surface": "asphalt"}, {"barrier": "kerb", "kerb": "flush"}, 3.6, "flush kerb fine"),
    ({"surface": "asphalt"}, {"barrier": "kerb", "kerb": "rolled"}, 1.8, "rolled kerb penalised"),
    ({"surface": "asphalt"}, {"barrier": "stile"}, 0.0, "stile impassable"),
    ({"surface": "asphalt"}, {"barrier": "gate"}, 3.6, "gate passable"),
    ({"surface": "asphalt"}, {"wheelchair": "no", "highway": "elevator"}, 0.0, "elevator wheelchair=no"),
    ({"surface": "asphalt"}, {"wheelchair": "no", "barrier": "gate"}, 0.0, "gate wheelchair=no"),
    ({"surface": "asphalt"}, {"wheelchair": "no"}, 3.6, "a shop vertex with wheelchair=no does not block the way"),
]


def test_edge_speed_rules_case_by_case():
    edges, nodes = _table([(e, n) for e, n, _, _ in CASES])
    speeds = WHEELCHAIR.edge_speeds_kmh(edges, nodes)
    for (edge_tags, node_tags, expected, what), got in zip(CASES, speeds):
        assert got == pytest.approx(expected), (what, edge_tags, node_tags)


def test_profile_options_change_exactly_their_rule():
    rows = [({}, {}), ({"surface": "gravel"}, {}), ({"surface": "asphalt"}, {"barrier": "kerb", "kerb": "raised"}),
            ({"surface": "asphalt", "incline": "9%"}, {}), ({"surface": "cobblestone"}, {})]
    edges, nodes = _table(rows)
    strict = wheelchair_profile(assume_unknown_passable=False).edge_speeds_kmh(edges, nodes)
    np.testing.assert_allclose(strict, [0.0, 0.0, 0.0, 1.8, 1.8])
    lenient = wheelchair_profile(exclude_unsuitable_surfaces=False, exclude_raised_kerbs=False, penalty=0.25)
    np.testing.assert_allclose(lenient.edge_speeds_kmh(edges, nodes), [3.6, 0.9, 0.9, 0.9, 0.9])
    steep = wheelchair_profile(exclude_steep=True, max_incline_pct=8.0).edge_speeds_kmh(edges, nodes)
    np.testing.assert_allclose(steep, [3.6, 0.0, 0.0, 0.0, 1.8])
    # without the nodes table the node rules cannot apply
    np.testing.assert_allclose(WHEELCHAIR.edge_speeds_kmh(edges), [3.6, 0.0, 3.6, 1.8, 1.8])
    reasons = WHEELCHAIR.edge_factors(edges, nodes)["reason"].tolist()
    assert reasons == ["", "unsuitable surface", "raised kerb", "incline > 6 %", "difficult surface"]
    with pytest.raises(ValueError, match="penalty"):
        wheelchair_profile(penalty=0)
    with pytest.raises(ValueError, match="speed_kmh"):
        wheelchair_profile(speed_kmh=-1)


def test_drive_and_walk_ignore_nodes_and_registry_has_wheelchair():
    edges, nodes = _table([(e, n) for e, n, _, _ in CASES])
    edges["maxspeed_kmh"] = np.nan
    for profile in (DRIVE, WALK):
        np.testing.assert_array_equal(profile.edge_speeds_kmh(edges, nodes), profile.edge_speeds_kmh(edges))
    assert PROFILES["wheelchair"] is WHEELCHAIR and get_profile("wheelchair") is WHEELCHAIR
    assert set(PROFILES) == {"drive", "walk", "wheelchair"}


def test_parsers():
    grade, unspecified = parse_incline_pct(pd.Series(["10%", "-8 %", "up", None, "no", "0,5", "5°", "x"]))
    np.testing.assert_allclose(grade[[0, 1, 4, 5]], [10, 8, 0, 0.5])
    assert grade[6] == pytest.approx(np.tan(np.radians(5)) * 100)
    assert np.isnan(grade[[2, 3, 7]]).all()
    assert unspecified.tolist() == [False, False, True, False, False, False, False, False]
    edges = pd.DataFrame({"surface": ["asphalt", None, "sett", "mud", "weird", None],
                          "smoothness": [None, None, None, None, None, "horrible"]})
    assert surface_class(edges).tolist() == ["smooth", "unknown", "difficult", "unsuitable", "unknown", "unsuitable"]


# ----------------------------------------------------------------------------------------------- OSM fixture
@pytest.fixture(scope="module")
def fixture_network():
    return read_osm(FIXTURE).network


@pytest.fixture(scope="module")
def coords():
    root = ET.parse(FIXTURE).getroot()
    return {int(n.get("id")): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}


def _metres(coords, *path):
    total = 0.0
    for a, b in zip(path[:-1], path[1:]):
        total += GEOD.inv(*coords[a], *coords[b])[2]
    return total


def _at(coords, ids, prefix):
    lon, lat = zip(*(coords[i] for i in ids))
    return gpd.GeoDataFrame({"id": [f"{prefix}{i}" for i in ids]}, geometry=gpd.points_from_xy(lon, lat),
                            crs="EPSG:4326")


def _route(net, coords, origin, dest, mode):
    row = nearest_service(net, _at(coords, [origin], "o"), _at(coords, [dest], "d"), mode,
                          min_component_nodes=2).iloc[0]
    return row


def _path_highways(net, coords, origin, dest, mode):
    position = pd.Series(np.arange(net.n_nodes), index=net.nodes["osmid"].to_numpy())
    edges = route_edge_ids(net, position[origin], position[dest], mode)
    return None if edges is None else net.edges["highway"].to_numpy()[edges].tolist()


def test_route_detours_around_steps(fixture_network, coords):
    walk = _route(fixture_network, coords, 10, 2, "walk")
    wheel = _route(fixture_network, coords, 10, 2, "wheelchair")
    assert walk["network_distance_km"] * 1000 == pytest.approx(_metres(coords, 10, 2), rel=1e-9)
    detour = _metres(coords, 10, 11, 3, 2)
    assert wheel["network_distance_km"] * 1000 == pytest.approx(detour, rel=1e-9)
    assert wheel["travel_time_min"] * 60 == pytest.approx(detour / V, rel=1e-9)  # incline 5 % is not penalised
    assert "steps" in _path_highways(fixture_network, coords, 10, 2, "walk")
    assert "steps" not in _path_highways(fixture_network, coords, 10, 2, "wheelchair")


def test_point_reachable_only_by_steps(fixture_network, coords):
    walk = _route(fixture_network, coords, 22, 2, "walk")
    assert walk["reachable"]
    assert walk["network_distance_km"] * 1000 == pytest.approx(_metres(coords, 22, 21, 20, 4, 3, 2), rel=1e-9)
    wheel = _route(fixture_network, coords, 22, 2, "wheelchair")
    assert not wheel["reachable"]
    assert wheel["unreachable_reason"] == REASON_DIFFERENT_COMPONENT
    assert _path_highways(fixture_network, coords, 22, 2, "wheelchair") is None


def test_raised_kerb_avoided_or_penalised(fixture_network, coords):
    over_kerb, around = _metres(coords, 31, 30, 5), _metres(coords, 31, 32, 5)
    assert _route(fixture_network, coords, 31, 5, "walk")["network_distance_km"] * 1000 == pytest.approx(over_kerb)
    wheel = _route(fixture_network, coords, 31, 5, "wheelchair")
    assert wheel["network_distance_km"] * 1000 == pytest.approx(around, rel=1e-9)
    # penalised instead of excluded: x 0.5 makes the kerb path (2 x 100 m equivalent) slower than the 141 m detour,
    # x 0.9 makes it faster
    half = wheelchair_profile(exclude_raised_kerbs=False, penalty=0.5, name="wheelchair_kerb_half")
    row = _route(fixture_network, coords, 31, 5, half)
    assert row["network_distance_km"] * 1000 == pytest.approx(around, rel=1e-9)
    mild = wheelchair_profile(exclude_raised_kerbs=False, penalty=0.9, name="wheelchair_kerb_mild")
    row = _route(fixture_network, coords, 31, 5, mild)
    assert row["network_distance_km"] * 1000 == pytest.approx(over_kerb, rel=1e-9)
    assert row["travel_time_min"] * 60 == pytest.approx(over_kerb / (V * 0.9), rel=1e-9)


def test_unpaved_excluded_unknown_surface_optional_and_reported(fixture_network, coords):
    net = fixture_network
    assert _route(net, coords, 40, 1, "walk")["network_distance_km"] * 1000 == pytest.approx(_metres(coords, 40, 1))
    unknown_leg = _metres(coords, 40, 41, 1)
    optimistic = _route(net, coords, 40, 1, "wheelchair")
    assert optimistic["network_distance_km"] * 1000 == pytest.approx(unknown_leg, rel=1e-9)
    strict = wheelchair_profile(assume_unknown_passable=False, name="wheelchair_known_surface")
    pessimistic = _route(net, coords, 40, 1, strict)
    assert pessimistic["network_distance_km"] * 1000 == pytest.approx(_metres(coords, 40, 43, 42, 1), rel=1e-9)

    # share of route length on unknown surface, for a set of routes
    origins, dests = _at(coords, [40, 10], "o"), _at(coords, [1], "d")
    result = nearest_service(net, origins, dests, "wheelchair", min_component_nodes=2)
    shares = unknown_surface_share(net, origins, dests, result, "wheelchair", min_component_nodes=2)
    assert shares["unknown_surface_share"].tolist() == pytest.approx([1.0, 0.0])
    assert shares["route_length_m"].tolist() == pytest.approx([unknown_leg, _metres(coords, 10, 11, 3, 2, 1)])
    # a route that mixes both: 10 -> 40 crosses the unknown-surface footway at the end
    result = nearest_service(net, _at(coords, [10], "o"), _at(coords, [40], "d"), "wheelchair", min_component_nodes=2)
    shares = unknown_surface_share(net, _at(coords, [10], "o"), _at(coords, [40], "d"), result, "wheelchair",
                                   min_component_nodes=2)
    total = _metres(coords, 10, 11, 3, 2, 1) + unknown_leg
    assert shares.loc[0, "route_length_m"] == pytest.approx(total, rel=1e-9)
    assert shares.loc[0, "unknown_surface_share"] == pytest.approx(unknown_leg / total, rel=1e-9)
    assert shares.attrs["unknown_surface_share_total"] == pytest.approx(unknown_leg / total, rel=1e-9)
    strict_result = nearest_service(net, _at(coords, [10], "o"), _at(coords, [40], "d"), strict,
                                    min_component_nodes=2)
    strict_share = unknown_surface_share(net, _at(coords, [10], "o"), _at(coords, [40], "d"), strict_result, strict,
                                         min_component_nodes=2)
    assert strict_share.loc[0, "unknown_surface_share"] == 0.0


# ----------------------------------------------------------------------------------------------- Helsinki
@pytest.fixture(scope="module")
def helsinki(helsinki_pbf):
    return read_osm(helsinki_pbf).network


def test_helsinki_wheelchair_routes_never_use_steps(helsinki):
    net = helsinki
    edges = net.edges
    steps = (edges["highway"].astype("string") == "steps").fillna(False).to_numpy()
    assert steps.sum() > 100  # the extract has well over a hundred step segments
    wheel_graph = net.graph("wheelchair")
    assert not steps[wheel_graph.forward_edge_id].any()  # no arc of the wheelchair graph comes from steps

    big = np.flatnonzero(wheel_graph.node_usable & (wheel_graph.component == np.argmax(wheel_graph.component_size)))
    rng = np.random.default_rng(3)
    origins, dests = rng.choice(big, 30, replace=False), rng.choice(big, 30, replace=False)
    pairs = list(zip(origins, dests))
    wheel_routes = routes_edge_ids(net, pairs, "wheelchair")
    walk_routes = routes_edge_ids(net, pairs, "walk")
    unsuitable = edges["surface"].astype("string").isin(["unpaved", "gravel", "ground"]).fillna(False).to_numpy()
    kerb_nodes = np.zeros(net.n_nodes, dtype=bool)
    if "kerb" in net.nodes:
        kerb_nodes = net.nodes["kerb"].astype("string").isin(["raised", "yes"]).fillna(False).to_numpy()
    walk_steps = 0
    for (o, d), wheel, walk in zip(pairs, wheel_routes, walk_routes):
        assert wheel is not None and len(wheel) > 0
        assert not steps[wheel].any()
        assert not unsuitable[wheel].any()
        assert not kerb_nodes[edges["u"].to_numpy()[wheel]].any()
        # the edge sequence is a connected path from o to d
        u, v = edges["u"].to_numpy()[wheel], edges["v"].to_numpy()[wheel]
        at = o
        for a, b in zip(u, v):
            assert at in (a, b)
            at = b if at == a else a
        assert at == d
        walk_steps += int(steps[walk].sum())
    assert walk_steps > 0  # walking routes between the same nodes do take steps: the test bites


def test_helsinki_route_lengths_and_unknown_share_match_independent_sums(helsinki):
    net = helsinki
    graph = net.graph("wheelchair")
    big = np.flatnonzero(graph.node_usable & (graph.component == np.argmax(graph.component_size)))
    rng = np.random.default_rng(11)
    lon, lat = net.nodes["lon"].to_numpy(), net.nodes["lat"].to_numpy()
    o_idx, d_idx = rng.choice(big, 15, replace=False), rng.choice(big, 4, replace=False)
    origins = gpd.GeoDataFrame({"id": [f"o{i}" for i in range(15)]},
                               geometry=gpd.points_from_xy(lon[o_idx], lat[o_idx]), crs="EPSG:4326")
    dests = gpd.GeoDataFrame({"id": [f"d{i}" for i in range(4)]},
                             geometry=gpd.points_from_xy(lon[d_idx], lat[d_idx]), crs="EPSG:4326")
    result = nearest_service(net, origins, dests, "wheelchair")
    shares = unknown_surface_share(net, origins, dests, result, "wheelchair")
    # the route length read back from the path equals the routed network distance
    np.testing.assert_allclose(shares["route_length_m"], result["network_distance_km"] * 1000, rtol=1e-9, atol=1e-6)
    # independent: every Helsinki surface value is recognised, so unknown = no surface tag (no smoothness column)
    assert "smoothness" not in net.edges
    no_surface = net.edges["surface"].isna().to_numpy()
    length = net.edges["length_m"].to_numpy()
    position = pd.Series(np.arange(len(dests)), index=dests["id"])
    for k, row in result.iterrows():
        edges = route_edge_ids(net, int(o_idx[k]), int(d_idx[position[row["destination_id"]]]), "wheelchair")
        expected = length[edges][no_surface[edges]].sum() / length[edges].sum()
        assert shares.loc[k, "unknown_surface_share"] == pytest.approx(expected, rel=1e-9)
    assert 0.0 < shares.attrs["unknown_surface_share_total"] < 1.0
    # the wheelchair OD matrix is symmetric in distance for a profile without one-way restrictions
    matrix = od_matrix(net, origins.iloc[:3], dests.iloc[:2], "wheelchair")
    back = od_matrix(net, dests.iloc[:2], origins.iloc[:3], "wheelchair")
    forward = matrix.set_index(["origin_id", "destination_id"])["travel_time_min"]
    reverse = back.set_index(["destination_id", "origin_id"])["travel_time_min"]
    reverse.index.names = forward.index.names
    pd.testing.assert_series_equal(forward.sort_index(), reverse.sort_index(), check_names=False, rtol=1e-9)
