"""Snapping and routing on the real Ukrainian extract ``../shared/data/osm/lviv_2013_osmtransit.osm`` (Lviv and
suburbs, 2013, transit-route roads only): points on the roads join them where they are, route lengths equal an
independent networkx computation with the exact position along the segment, and the mode rules hold on real tags."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from conftest import shared_data_root
from routing_reference import assert_matrix_equals_reference, reference_graph

from analysis.routing.router import Router
from analysis.routing.snap import DEFAULT_MIN_COMPONENT_NODES, snap_candidates
from analysis.sources.osm_import import read_osm


def lviv_path():
    """The real extract in the shared reference data (present beside the repository and in CI: missing is a
    failure, not a skip)."""
    path = shared_data_root() / "osm" / "lviv_2013_osmtransit.osm"
    assert path.is_file(), f"{path} is missing: the tests need ../shared/data (or HROMADA_ACCESS_DATA)"
    return path


@pytest.fixture(scope="module")
def lviv():
    return read_osm(lviv_path()).network


def _points_on_segments(network, segments, seed, offset_m, prefix):
    """One point per segment in ``segments``, at a random position along it and ``offset_m`` (an array, signed)
    to its side, as WGS84 points; returns (points, fractions)."""
    rng = np.random.default_rng(seed)
    u = network.edges["u"].to_numpy()[segments]
    v = network.edges["v"].to_numpy()[segments]
    x, y = network.nodes["x"].to_numpy(), network.nodes["y"].to_numpy()
    fraction = rng.uniform(0.05, 0.95, len(segments))
    dx, dy = x[v] - x[u], y[v] - y[u]
    length = np.hypot(dx, dy)
    nx_, ny_ = -dy / length, dx / length  # unit normal
    px = x[u] + fraction * dx + offset_m * nx_
    py = y[u] + fraction * dy + offset_m * ny_
    to_wgs = pyproj.Transformer.from_crs(network.metric_crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(px, py)
    points = gpd.GeoDataFrame({"id": [f"{prefix}{i}" for i in range(len(segments))]},
                              geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    return points, fraction


def _sample_segments(network, allowed, n, seed):
    """``n`` distinct segments among ``allowed`` (boolean mask), drawn in proportion to their length (a point
    "on the roads" is more likely on a long road); only segments of at least 5 m, so an offset is meaningful."""
    rng = np.random.default_rng(seed)
    length = network.edges["length_m"].to_numpy()
    pool = np.flatnonzero(allowed & (length >= 5.0))
    return rng.choice(pool, size=min(n, len(pool)), replace=False, p=length[pool] / length[pool].sum())


def test_lviv_walk_network_is_one_component(lviv):
    """``trunk_link`` is walkable: the trunk/primary cluster is not cut off on foot (it was 67 km in 2 parts)."""
    graph = lviv.graph("walk")
    used = graph.node_usable
    assert len(np.unique(graph.component[used])) == 1


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_lviv_points_on_roads_snap_within_25_m(lviv, mode):
    """1,000 points up to 20 m beside roads points may join (for driving: the strongly connected part, see
    ``snap_candidates``) join the network with a leg of at most 25 m — not at the nearest junction, which on this
    extract was a median 34 m and up to 2.5 km away."""
    router = Router(lviv, mode)
    candidates, _ = snap_candidates(router.open_graph, lviv, DEFAULT_MIN_COMPONENT_NODES)
    allowed = np.zeros(lviv.n_edges, dtype=bool)
    allowed[candidates] = True
    segments = _sample_segments(lviv, allowed, 1000, seed=11)
    offset = np.random.default_rng(12).uniform(-20.0, 20.0, len(segments))
    points, _ = _points_on_segments(lviv, segments, 13, offset, "p")
    snapped = router.snap(points)
    assert len(snapped) == 1000
    assert snapped.snap_m.max() <= 25.0
    # a point is never farther from where it joins than from the road it was put beside
    assert (snapped.snap_m <= np.abs(offset) + 0.05).all()
    assert not snapped.too_far.any()
    assert np.isin(snapped.edge, candidates).all()


def test_lviv_drive_snaps_only_onto_the_strongly_connected_roads(lviv):
    """Points on *any* drivable segment, one-way dead ends included. A point joins a strongly connected candidate
    (from where a car can get back) unless every candidate is more than ``island_snap_m`` away — a road cut off by
    the extract's edge: it then stays on its own road (and routing reports it), never walked 500 m+ to another.
    The few that move more than 25 m do so because their own segment is such a dead end."""
    router = Router(lviv, "drive")
    graph = router.open_graph
    candidates, tree = snap_candidates(graph, lviv, DEFAULT_MIN_COMPONENT_NODES)
    segments = _sample_segments(lviv, graph.segment_usable, 1000, seed=21)
    points, _ = _points_on_segments(lviv, segments, 22, np.zeros(len(segments)), "p")
    snapped = router.snap(points)
    _, to_candidate_m = tree.query_nearest(shapely.points(snapped.x, snapped.y), return_distance=True,
                                           all_matches=False)
    island = to_candidate_m > router.island_snap_m
    assert np.isin(snapped.edge[~island], candidates).all()
    assert (snapped.edge[island] == segments[island]).all() and snapped.snap_m[island].max() < 0.01
    moved = snapped.snap_m > 25.0
    assert not np.isin(segments[moved], candidates).any()
    assert moved.mean() < 0.05 and island.mean() < 0.05
    # the strongly connected roads are the bulk of the network, so these are exceptions
    assert np.isin(segments, candidates).mean() > 0.9


@pytest.mark.parametrize("mode", ["walk", "drive"])
def test_lviv_route_lengths_equal_networkx_at_the_exact_position(lviv, mode):
    """Points lying exactly on road segments: times and fastest-route lengths equal networkx shortest paths on a
    graph built in the test, with each point a virtual node at its exact position along its segment."""
    router = Router(lviv, mode)
    candidates, _ = snap_candidates(router.open_graph, lviv, DEFAULT_MIN_COMPONENT_NODES)
    allowed = np.zeros(lviv.n_edges, dtype=bool)
    allowed[candidates] = True
    segments = _sample_segments(lviv, allowed, 48, seed=31)
    points, _ = _points_on_segments(lviv, segments, 32, np.zeros(len(segments)), "p")
    origins, destinations = points.iloc[:40].reset_index(drop=True), points.iloc[40:].reset_index(drop=True)
    o, d = router.snap(origins), router.snap(destinations)
    assert o.snap_m.max() < 0.01 and d.snap_m.max() < 0.01
    matrix = router.matrix(origins, destinations)
    G = reference_graph(lviv, mode, origins, destinations, segments[:40], segments[40:])
    compared = assert_matrix_equals_reference(matrix, G, origins, destinations, length_rel=1e-6, length_abs_m=0.05,
                                              time_abs_s=1e-3)
    # some pairs have no route in one-way driving (separate strongly connected parts of this partial extract)
    assert compared >= 200


def test_lviv_hromada_runs_road_based_and_is_flagged_partial():
    """Львівська міська громада on the real 2013 transit-route extract: routed on its roads, and the data-quality
    flags say the network is partial — road density computed here independently (geodesic lengths of the parts
    inside the polygon, geodesic area), settlements beyond the snap distance, the data's date."""
    from analysis.reporting.pipeline import analyse_hromada
    from analysis.sources.national import load_hromada

    path = lviv_path()
    bundle = load_hromada("UA46060250000025047", shared_data_root())
    extract = read_osm(path, area=bundle.boundary)
    report = analyse_hromada(bundle, extract.network)
    assert report.method == "network"
    flags = report.data_quality.flags.set_index("flag")
    assert "network_partial" in flags.index and flags.loc["network_partial", "severity"] == "warning"
    label = flags.loc["network_partial", "label_en"]
    assert "2013-05-20" in label and "lviv_2013_osmtransit.osm" in label

    geod = pyproj.Geod(ellps="WGS84")
    polygon = bundle.boundary.geometry.union_all()
    edges = extract.network.edges_gdf()
    inside_km = sum(geod.geometry_length(part) for part in edges.geometry.intersection(polygon)) / 1000
    area_km2 = abs(geod.geometry_area_perimeter(polygon)[0]) / 1e6
    assert 240 < inside_km < 260  # the 249.5 km of this hromada's roads
    density = report.data_quality.summary[bundle.code]["road_density_km_per_km2"]
    assert density == pytest.approx(inside_km / area_km2, rel=0.01)
    assert f"{density:.2f} km of roads per km²" in label
    far = report.data_quality.summary[bundle.code]["n_settlements_too_far_from_network"]
    assert far > 0 and f"{far / len(bundle.settlements):.0%}" in label


def test_a_dense_synthetic_network_is_not_flagged_partial():
    from analysis.reporting.pipeline import analyse_hromada
    from analysis.sources.packs import load_demo_pack
    from analysis.sources.synthetic import road_grid

    bundle = load_demo_pack("UA46040010000033885", shared_data_root())
    west, south, east, north = bundle.boundary.total_bounds
    network = road_grid(int((north - south) * 111 * 2) + 6, int((east - west) * 73 * 2) + 6, spacing_m=500.0,
                        origin_lonlat=(west - 0.02, south - 0.02), oneway_share=0.0)
    report = analyse_hromada(bundle, network)
    assert report.method == "network"
    assert "network_partial" not in set(report.data_quality.flags["flag"])
    assert report.data_quality.summary[bundle.code]["road_density_km_per_km2"] > 3.5  # 500 m grid: 4 km/km²


def test_every_hromada_the_lviv_extract_overlaps_runs_road_based_and_partial(capsys):
    """The 2013 Lviv extract clipped to each of the hromadas whose polygons its roads enter (21): each is routed on
    its roads and each is flagged partial (a transit-route extract: far below a complete network's density)."""
    from analysis.reporting.pipeline import analyse_hromada
    from analysis.sources.admin import BOUNDARIES_SIMPLIFIED
    from analysis.sources.national import load_hromada, read_settlement_points
    from analysis.sources.registry import load_registry

    path = lviv_path()
    full = read_osm(path).network
    edges = full.edges_gdf().to_crs(full.metric_crs)
    polygons = gpd.read_file(shared_data_root() / BOUNDARIES_SIMPLIFIED).to_crs(full.metric_crs)
    km = {row.katotth: edges.geometry.intersection(row.geometry).length.sum() / 1000
          for row in polygons[polygons.intersects(edges.geometry.union_all().convex_hull)].itertuples()}
    overlapped = sorted((code for code, value in km.items() if value > 0), key=lambda c: -km[c])
    assert len(overlapped) == 21 and overlapped[0] == "UA46060250000025047"
    points, registry = read_settlement_points(shared_data_root()), load_registry(root=shared_data_root())
    rows = []
    for code in overlapped:
        bundle = load_hromada(code, shared_data_root(), points=points, registry=registry)
        if not len(bundle.service_points):
            continue
        report = analyse_hromada(bundle, read_osm(path, area=bundle.boundary).network)
        assert report.method == "network", code
        flags = set(report.data_quality.flags["flag"])
        assert "network_partial" in flags, code
        summary = report.data_quality.summary[code]
        rows.append((bundle.name_uk, round(km[code], 1), round(summary["road_density_km_per_km2"], 2),
                     summary["n_settlements_too_far_from_network"], len(bundle.settlements)))
    assert len(rows) >= 15
    with capsys.disabled():
        print("\nhromada | km of extract roads inside | km/km² | settlements beyond the snap distance / all")
        for name, inside, density, far, total in rows:
            print(f"{name} | {inside} | {density} | {far} / {total}")
