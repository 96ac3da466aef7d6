"""Mode rules from OSM tags, end to end through the importer (tests/fixtures/mode_rules.osm, hand-made):
the access hierarchy per mode, trunk links on foot, one-way dead ends, zone and settlement speed limits, and the
maxspeed parser. Expected values are worked out by hand from the fixture's coordinates and tags."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from conftest import FIXTURES

from analysis.network.profiles import DRIVE, WALK
from analysis.network.tags import maxspeed_value_kmh
from analysis.routing.results import REASON_SNAP_TOO_FAR
from analysis.routing.router import Router
from analysis.sources.osm_import import read_osm

GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def net():
    return read_osm(FIXTURES / "mode_rules.osm").network


def _speeds(net, profile, way_id):
    edges = net.edges
    return profile.edge_speeds_kmh(edges, net.nodes)[edges["way_id"].to_numpy() == way_id]


def _point(pid, lon, lat):
    return gpd.GeoDataFrame({"id": [pid]}, geometry=gpd.points_from_xy([lon], [lat]), crs="EPSG:4326")


def test_access_hierarchy_per_mode(net):
    # motor_vehicle=no: closed to cars, open on foot
    assert (_speeds(net, DRIVE, 300) == 0).all() and (_speeds(net, WALK, 300) > 0).all()
    # access=no + foot=yes: the specific foot tag wins on foot; cars stay out
    assert (_speeds(net, WALK, 400) > 0).all() and (_speeds(net, DRIVE, 400) == 0).all()
    # access=no alone: closed to both
    assert (_speeds(net, WALK, 401) == 0).all() and (_speeds(net, DRIVE, 401) == 0).all()
    # vehicle=no + motorcar=yes: the most specific key (motorcar) opens it to cars
    assert (_speeds(net, DRIVE, 600) > 0).all()
    # trunk links are walkable (they are the only link to the trunk road and its villages here)
    assert (_speeds(net, WALK, 200) > 0).all()


def test_speed_limits_from_zone_tags_and_settlement_areas(net):
    edges = net.edges
    drive = DRIVE.edge_speeds_kmh(edges, net.nodes)
    main = edges["way_id"].to_numpy() == 100
    inside = edges["inside_settlement"].to_numpy(dtype=bool)
    # the village polygon spans lon 24.998-25.012: segments 1-2 and 2-3 (midpoints 25.0025, 25.0075) lie inside
    assert inside[main].sum() == 2 and inside.sum() == 2
    assert drive[main & inside] == pytest.approx(50 * 0.9)  # ПДР п. 12.4 limit (x 0.9) caps the 60 km/h class
    assert drive[main & ~inside] == pytest.approx(60.0)
    # maxspeed:type=UA:urban caps an unclassified road (50 km/h class) at 45
    assert edges.loc[edges["way_id"] == 600, "maxspeed_zone_kmh"].tolist() == [50.0, 50.0]
    assert _speeds(net, DRIVE, 600) == pytest.approx(45.0)


def test_walking_crosses_the_trunk_link_to_the_trunk_road(net):
    village = _point("trunk_village", 25.0705, 49.0032)  # beside the trunk road, east of the link
    service = _point("cnap", 25.0000, 49.0000)
    row = Router(net, "walk").nearest(village, service).iloc[0]
    assert row["reachable"] and row["origin_snap_m"] < 30
    # route: along the trunk to node 20, the link to node 10, the main road to node 1
    _, _, trunk = GEOD.inv([25.0705, 25.06, 25.05], [49.003] * 3, [25.06, 25.05, 25.05], [49.003, 49.003, 49.003])
    _, _, link = GEOD.inv(25.05, 49.003, 25.045, 49.0)
    _, _, main = GEOD.inv(25.045, 49.0, 25.0, 49.0)
    expected_m = trunk[0] + trunk[1] + link + main
    assert row["network_distance_km"] * 1000 == pytest.approx(expected_m, rel=2e-3)


def test_car_free_ways_leave_their_villages_off_the_car_network(net):
    north = _point("north", 25.0101, 49.0101)  # at the end of way 300 (motor_vehicle=no), 1.1 km from the main road
    south = _point("south", 25.0201, 48.9901)  # at the end of way 400 (access=no, foot=yes)
    service = _point("cnap", 25.0000, 49.0000)
    for village in (north, south):
        by_car = Router(net, "drive").nearest(village, service).iloc[0]
        assert not by_car["reachable"] and by_car["unreachable_reason"] == REASON_SNAP_TOO_FAR
        on_foot = Router(net, "walk").nearest(village, service).iloc[0]
        assert on_foot["reachable"] and on_foot["origin_snap_m"] < 15


def test_a_village_by_a_one_way_dead_end_joins_the_road_it_can_leave(net):
    village = _point("stub", 25.0352, 49.0041)  # ~15 m beyond the stub's end (node 60), ~455 m from the main road
    service = _point("cnap", 25.0000, 49.0000)
    by_car = Router(net, "drive").nearest(village, service).iloc[0]
    assert by_car["reachable"]
    _, _, to_main = GEOD.inv(25.0352, 49.0041, 25.0352, 49.0)
    assert by_car["origin_snap_m"] == pytest.approx(to_main, rel=5e-3)  # not the stub it cannot drive out of
    on_foot = Router(net, "walk").nearest(village, service).iloc[0]
    assert on_foot["origin_snap_m"] < 20  # walking, the stub is a way out


@pytest.mark.parametrize("value, expected", [
    ("50", 50.0), ("60 km/h", 60.0), ("30 mph", 30 * 1.609344), ("10 knots", 18.52), ("UA:urban", 50.0),
    ("UA:rural", 90.0), ("UA:motorway", 130.0), ("UA:living_street", 20.0), ("50;70", 50.0), ("90|70", 90.0),
    ("walk", 5.0), ("none", math.nan), ("signals", math.nan), ("", math.nan), (None, math.nan),
    ("XX:urban", math.nan), ("-5", math.nan), ("0", math.nan),
])
def test_maxspeed_values(value, expected):
    got = maxspeed_value_kmh(value)
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_zone_values_are_caps_not_signs():
    assert math.isnan(maxspeed_value_kmh("UA:urban", implicit=False))
    assert math.isnan(maxspeed_value_kmh("50", implicit=True))
    assert np.isclose(maxspeed_value_kmh("UA:urban", implicit=True), 50.0)
