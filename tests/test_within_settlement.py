"""The within-settlement floor: nobody is 0.0 min from a service (analysis.sources.extent + analysis.routing.local).

Independent figures: the disc formula by hand, polygon areas from a square built in metres, and the router's own
unfloored answer (origins without the column) compared pair by pair with max(unfloored, hand-computed leg)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from analysis.reporting.pipeline import analyse_hromada
from analysis.routing.router import Router, router_for
from analysis.sources.extent import (
    DEFAULT_DENSITY_PER_KM2,
    WITHIN_SETTLEMENT_COLUMN,
    add_within_settlement_km,
    mean_distance_in_disc_km,
)
from analysis.sources.packs import load_demo_pack
from analysis.sources.synthetic import random_points, road_grid

DEMO_CODES = ("UA46040010000033885", "UA26080030000014307", "UA63060010000015783")


def test_mean_distance_in_a_disc_is_two_thirds_of_the_radius():
    # area pi km2 -> r = 1 km -> 2/3 km; by integration: int_0^1 r * 2 r dr = 2/3
    assert mean_distance_in_disc_km(np.array([math.pi]))[0] == pytest.approx(2 / 3)
    assert mean_distance_in_disc_km(np.array([0.0]))[0] == 0.0
    # Monte Carlo check of the formula on a disc of radius 1.5 km
    rng = np.random.default_rng(0)
    radius = 1.5 * np.sqrt(rng.random(200_000))
    assert mean_distance_in_disc_km(np.array([math.pi * 1.5 ** 2]))[0] == pytest.approx(radius.mean(), rel=5e-3)


def test_area_from_polygon_else_from_population_and_category_density():
    utm = "EPSG:32635"
    square = gpd.GeoSeries([box(500_000, 5_300_000, 502_000, 5_302_000)], crs=utm).to_crs(4326).iloc[0]  # 4 km2
    settlements = gpd.GeoDataFrame(
        {"id": ["a", "b", "c", "d"], "katottg": ["UA1", "UA2", "UA3", "UA4"],
         "population": [5000.0, 210.0, 2000.0, np.nan], "category_code": ["C", "C", "M", None]},
        geometry=[Point(27, 48)] * 4, crs=4326)
    areas = gpd.GeoDataFrame({"katottg": ["UA1"]}, geometry=[square], crs=4326)
    out = add_within_settlement_km(settlements, areas)
    expected = [2 / 3 * math.sqrt(4 / math.pi),                                 # polygon, 4 km2
                2 / 3 * math.sqrt(210 / DEFAULT_DENSITY_PER_KM2["C"] / math.pi),  # 1 km2
                2 / 3 * math.sqrt(2000 / DEFAULT_DENSITY_PER_KM2["M"] / math.pi),  # 2 km2
                2 / 3 * math.sqrt(100 / 210 / math.pi)]                          # unknown: 100 people, village
    np.testing.assert_allclose(out[WITHIN_SETTLEMENT_COLUMN], expected, rtol=2e-3)
    assert list(out["within_settlement_source"]) == ["polygon", "density", "density", "density"]
    # a figure the user gave is kept
    given = settlements.assign(**{WITHIN_SETTLEMENT_COLUMN: [0.1, 0.2, 0.3, 0.4]})
    assert list(add_within_settlement_km(given)[WITHIN_SETTLEMENT_COLUMN]) == [0.1, 0.2, 0.3, 0.4]


def test_network_router_floors_nearest_and_matrix_with_the_local_leg():
    net = road_grid(12, 12, seed=3)
    origins = random_points(net, 30, seed=1, prefix="o", offset_m=50)
    destinations = origins.iloc[:6].copy()  # six settlements hold a service at their own point
    destinations["id"] = [f"s{i}" for i in range(6)]
    within = np.linspace(0.2, 1.5, len(origins))
    floored = origins.assign(**{WITHIN_SETTLEMENT_COLUMN: within})
    router = Router(net, "drive")
    raw = router.nearest(origins, destinations).set_index("origin_id")
    got = router.nearest(floored, destinations).set_index("origin_id")
    local_km = within * 1.3
    local_min = local_km / 30.0 * 60.0  # residential streets, drive profile
    np.testing.assert_allclose(got["travel_time_min"], np.maximum(raw["travel_time_min"], local_min))
    np.testing.assert_allclose(got["total_distance_km"], np.maximum(raw["total_distance_km"], local_km))
    np.testing.assert_allclose(got["network_distance_km"], raw["network_distance_km"])
    assert (got["travel_time_min"].iloc[:6] > 0).all() and (raw["travel_time_min"].iloc[:6] == 0).all()

    raw_m = router.matrix(origins, destinations)
    got_m = router.matrix(floored, destinations)
    np.testing.assert_allclose(got_m.time_min, np.maximum(raw_m.time_min, local_min[:, None]))
    np.testing.assert_allclose(got_m.distance_km, np.maximum(raw_m.distance_km, local_km[:, None]))
    # the nearest pass and the matrix agree on every origin's best time
    np.testing.assert_allclose(got_m.time_min.min(axis=1), got["travel_time_min"])
    # a cutoff below the local leg makes the trip unreachable, with the cutoff as reason
    cut = router.nearest(floored, destinations, cutoff_min=float(local_min[0]) / 2).set_index("origin_id")
    assert not cut.loc["o0", "reachable"] and cut.loc["o0", "unreachable_reason"] == "beyond_cutoff"


def test_estimate_router_floors_too():
    net = road_grid(5, 5, seed=2)
    origins = random_points(net, 10, seed=4, prefix="o", offset_m=0)
    destinations = origins.iloc[:3].assign(id=["s0", "s1", "s2"])
    floored = origins.assign(**{WITHIN_SETTLEMENT_COLUMN: 0.5})
    router = router_for(None, "drive")
    raw = router.nearest(origins, destinations).set_index("origin_id")
    got = router.nearest(floored, destinations).set_index("origin_id")
    local_min = 0.5 * 1.3 / 30.0 * 60.0
    np.testing.assert_allclose(got["travel_time_min"], np.maximum(raw["travel_time_min"], local_min))
    got_m = router.matrix(floored, destinations)
    np.testing.assert_allclose(got_m.time_min.min(axis=1), got["travel_time_min"])


@pytest.mark.parametrize("code", DEMO_CODES)
def test_no_settlement_of_a_demo_pack_is_zero_minutes_away(code, data_root):
    bundle = load_demo_pack(code, data_root)
    assert bundle.settlements[WITHIN_SETTLEMENT_COLUMN].gt(0).all()
    report = analyse_hromada(bundle)
    cnap = report.evaluation[report.evaluation["norm_id"] == "cnap_access"]
    assert cnap["travel_time_min"].min() > 0
    # the settlements holding a ЦНАП point at their own point: exactly their local leg at 30 km/h
    settlements = bundle.settlements.set_index("id")
    points = bundle.service_points[bundle.service_points["group"] == "cnap"]
    at_points = set(zip(points.geometry.x.round(9), points.geometry.y.round(9)))
    here = pd.Series([(round(g.x, 9), round(g.y, 9)) in at_points for g in settlements.geometry],
                     index=settlements.index)
    assert here.any()
    rows = cnap.set_index("settlement_id").loc[settlements.index[here]]
    expected = settlements.loc[here, WITHIN_SETTLEMENT_COLUMN].to_numpy() * 1.3
    np.testing.assert_allclose(rows["distance_km"], expected)
    np.testing.assert_allclose(rows["travel_time_min"], expected / 30.0 * 60.0)
