"""Service areas agree with routing: every settlement routed within a break lies inside that break's polygon
(up to the snapping cap), points inside can reach a service within the break, and estimated areas are the exact
inverse of the straight-line estimates (synthetic grid and the three demo packs)."""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from routing_reference import reference_graph

from analysis.errors import DataError
from analysis.metrics.service_areas import estimated_service_areas, service_areas
from analysis.network.profiles import OFF_NETWORK_WALK_SPEED_KMH
from analysis.routing.estimate import estimate_nearest_service
from analysis.routing.router import Router, nearest_service, od_matrix, snap_points
from analysis.sources.synthetic import random_points, road_grid

WALK_MS = OFF_NETWORK_WALK_SPEED_KMH / 3.6
DEMO_CODES = ("UA46040010000033885", "UA26080030000014307", "UA63060010000015783")


def _metric_points(net, points):
    transformer = pyproj.Transformer.from_crs("EPSG:4326", net.metric_crs, always_xy=True)
    x, y = transformer.transform(points.geometry.x.to_numpy(), points.geometry.y.to_numpy())
    return shapely.points(x, y), np.asarray(x), np.asarray(y)


def _covers(geometry, points):
    return shapely.covers(geometry, points)


@pytest.fixture(scope="module")
def grid():
    net = road_grid(22, 22, seed=9, oneway_share=0.15, drop_share=0.2)
    services = random_points(net, 3, seed=4, prefix="svc", offset_m=60)
    settlements = pd.concat(
        [random_points(net, 250, seed=5, prefix="s", offset_m=350),
         random_points(net, 30, seed=6, prefix="far", offset_m=1500)],
        ignore_index=True,
    )
    return net, services, settlements


def test_settlements_within_the_break_lie_inside_its_polygon(grid):
    net, services, settlements = grid
    breaks = (1.5, 3.0, 4.5, 7.0)
    cap = 500.0
    areas = service_areas(net, services, "drive", breaks_min=breaks, max_buffer_m=cap)
    assert list(areas["break_min"]) == list(breaks) and areas.crs.to_epsg() == 4326
    assert (areas["method"] == "network").all()
    routed = nearest_service(net, settlements, services, "drive")
    time = routed["travel_time_min"].to_numpy()
    snap = routed["origin_snap_m"].to_numpy()
    pts_metric, _, _ = _metric_points(net, settlements)
    metric = areas.to_crs(net.metric_crs)
    beyond_cap = snap > cap
    assert beyond_cap.any() and (~beyond_cap).sum() > 200  # both kinds are exercised
    for b, geom_wgs, geom_m in zip(breaks, areas.geometry, metric.geometry):
        within = time <= b
        assert 0 < (within & ~beyond_cap).sum() < len(time)
        guaranteed = within & ~beyond_cap
        # the guarantee, in the metric CRS and in WGS84
        assert _covers(geom_m, pts_metric)[guaranteed].all(), b
        assert _covers(geom_wgs, settlements.geometry.to_numpy())[guaranteed].all(), b
        # contrapositive: outside the polygon -> routed time over the break (or snapped beyond the cap)
        outside = ~_covers(geom_m, pts_metric)
        assert ((time[outside] > b) | beyond_cap[outside]).all()
    # breaks are nested and the area grows
    for small, large in zip(metric.geometry[:-1], metric.geometry[1:]):
        assert small.difference(large).area < 1e-6 * small.area
    assert areas["area_km2"].is_monotonic_increasing
    np.testing.assert_allclose(areas["area_km2"], metric.area / 1e6)


def test_points_inside_can_reach_a_service_within_the_break(grid):
    """Inside => some point of the network (a node, a point of a segment, a service point's own segment or the
    service point itself) within walking reach gives a time <= break (+ the circumscribed-circle and sampling
    slack); brute force with networkx on the independent reference graph."""
    net, services, _ = grid
    b, cap = 3.0, 500.0
    area = service_areas(net, services, "drive", breaks_min=(b,), max_buffer_m=cap).to_crs(net.metric_crs)
    geom = area.geometry.iloc[0]
    no_origins = services.iloc[0:0]
    G = reference_graph(net, "drive", no_origins, services, [], Router(net, "drive").snap(services).edge)
    t = nx.multi_source_dijkstra_path_length(G.reverse(copy=True), [("d", sid) for sid in services["id"]],
                                             weight="time_s")
    arcs = [(a, c, d["time_s"]) for a, c, d in G.edges(data=True) if c in t]
    start = np.array([G.nodes[a]["xy"] for a, _, _ in arcs])
    end = np.array([G.nodes[c]["xy"] for _, c, _ in arcs])
    t_end = np.array([t[c] for _, c, _ in arcs])
    tau = np.array([x for _, _, x in arcs])
    frac = np.linspace(0.0, 1.0, 65)  # position along a -> c
    px = (start[:, 0][:, None] + frac[None, :] * (end[:, 0] - start[:, 0])[:, None]).ravel()
    py = (start[:, 1][:, None] + frac[None, :] * (end[:, 1] - start[:, 1])[:, None]).ravel()
    ptime = (t_end[:, None] + (1.0 - frac[None, :]) * tau[:, None]).ravel()
    rng = np.random.default_rng(1)
    minx, miny, maxx, maxy = geom.bounds
    sx = rng.uniform(minx, maxx, 400)
    sy = rng.uniform(miny, maxy, 400)
    inside = shapely.covers(geom, shapely.points(sx, sy))
    assert 50 < inside.sum() < 400
    for qx, qy in zip(sx[inside], sy[inside]):
        walk = np.hypot(px - qx, py - qy)
        best = np.min(np.where(walk <= cap * 1.01, ptime + walk / WALK_MS, np.inf))
        assert best <= b * 60 + 6.0, (qx, qy, best)


def test_per_point_areas_match_each_points_travel_times(grid):
    net, services, settlements = grid
    areas = service_areas(net, services, "drive", breaks_min=(2.0, 4.0), per_point=True)
    assert list(areas["service_id"]) == [s for s in services["id"] for _ in (0, 1)]
    od = od_matrix(net, settlements, services, "drive")
    snap = snap_points(net, settlements, "drive").snap_m
    near = pd.Series(snap <= 500, index=settlements["id"])
    for row in areas.itertuples():
        pairs = od[(od["destination_id"] == row.service_id) & (od["travel_time_min"] <= row.break_min)]
        ids = pairs.loc[near.loc[pairs["origin_id"]].to_numpy(), "origin_id"]
        pts = settlements.set_index("id").loc[ids].geometry.to_numpy()
        assert len(pts) > 0 and _covers(row.geometry, pts).all()
    # the union of the per-point areas is the nearest-service area
    merged = service_areas(net, services, "drive", breaks_min=(4.0,)).geometry.iloc[0]
    union = shapely.union_all(areas[areas["break_min"] == 4.0].geometry.to_numpy())
    assert union.symmetric_difference(merged).area < 1e-4 * merged.area


def test_closed_roads_shrink_the_areas(grid):
    net, services, settlements = grid
    rng = np.random.default_rng(3)
    closed = rng.choice(net.n_edges, size=net.n_edges // 4, replace=False).tolist()
    base = service_areas(net, services, "drive", breaks_min=(4.0,)).to_crs(net.metric_crs).geometry.iloc[0]
    shut = service_areas(net, services, "drive", breaks_min=(4.0,), closed_edge_ids=closed)
    routed = nearest_service(net, settlements, services, "drive", closed_edge_ids=closed)
    ok = (routed["travel_time_min"] <= 4.0) & (routed["origin_snap_m"] <= 500)
    assert _covers(shut.geometry.iloc[0], settlements.geometry.to_numpy())[ok.to_numpy()].all()
    shut_m = shut.to_crs(net.metric_crs).geometry.iloc[0]
    assert shut_m.area < base.area and shut_m.difference(base).area < 1e-6 * base.area


def test_estimated_areas_are_the_inverse_of_the_estimates():
    rng = np.random.default_rng(2)
    services = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=gpd.points_from_xy([25.0, 25.3], [49.0, 49.1]),
                                crs="EPSG:4326")
    lon = rng.uniform(24.6, 25.7, 2000)
    lat = rng.uniform(48.8, 49.3, 2000)
    settlements = gpd.GeoDataFrame({"id": [f"s{i}" for i in range(2000)]}, geometry=gpd.points_from_xy(lon, lat),
                                   crs="EPSG:4326")
    breaks = (10.0, 20.0, 30.0)
    k = 64
    areas = estimated_service_areas(services, "drive", breaks, circuity=1.25, speed_kmh=50, circle_vertices=k)
    est = estimate_nearest_service(settlements, services, "drive", circuity=1.25, speed_kmh=50)
    time = est["travel_time_min"].to_numpy()
    for row in areas.itertuples():
        inside = _covers(row.geometry, settlements.geometry.to_numpy())
        assert inside[time <= row.break_min].all()
        assert not inside[time > row.break_min / math.cos(math.pi / k)].any()
        assert 0 < inside.sum() < len(inside)
    assert (areas["method"] == "estimated").all() and areas["method_label_en"].str.contains("estimated").all()
    # a lone circle has the area of a circle of that radius (geodesic, on the ellipsoid)
    single = estimated_service_areas(services.iloc[[0]], "drive", (12.0,), circuity=1.5, speed_kmh=30, per_point=True)
    radius_km = 12.0 / 60 * 30 / 1.5
    assert single["area_km2"].iloc[0] == pytest.approx(math.pi * radius_km**2 / math.cos(math.pi / 64) ** 2 *
                                                       (64 / (2 * math.pi)) * math.sin(2 * math.pi / 64), rel=2e-3)
    assert single["service_id"].iloc[0] == "a"


@pytest.mark.parametrize("code", DEMO_CODES)
def test_estimated_areas_agree_with_estimates_on_the_demo_packs(code, data_root):
    pack = data_root / "demo" / code
    settlements = gpd.read_file(pack / "settlements.geojson").rename(columns={"katottg": "id"})
    services = gpd.read_file(pack / "service_points.geojson")
    services["id"] = services["registry_code"].astype(str)
    breaks = (5.0, 10.0, 15.0, 20.0, 30.0)
    areas = estimated_service_areas(services, "drive", breaks)  # defaults: 40 km/h, circuity 1.3
    est = estimate_nearest_service(settlements[["id", "geometry"]], services[["id", "geometry"]], "drive")
    time = est["travel_time_min"].to_numpy()
    for row in areas.itertuples():
        inside = _covers(row.geometry, settlements.geometry.to_numpy())
        assert inside[time <= row.break_min].all(), (code, row.break_min)
        assert not inside[time > row.break_min / math.cos(math.pi / 64)].any(), (code, row.break_min)
    assert areas["area_km2"].is_monotonic_increasing
    assert (time <= 30).all()  # every settlement is within 30 estimated minutes of a ЦНАП point


def test_bad_inputs():
    net = road_grid(6, 6, seed=1)
    pts = random_points(net, 2, seed=1)
    with pytest.raises(DataError, match="positive"):
        service_areas(net, pts, "drive", breaks_min=(15, -5))
    with pytest.raises(DataError, match="at least one"):
        service_areas(net, pts, "drive", breaks_min=())
    with pytest.raises(DataError, match="No service points"):
        service_areas(net, pts.iloc[0:0], "drive")
    with pytest.raises(DataError, match="duplicated"):
        estimated_service_areas(pts.assign(id="x"))
    with pytest.raises(DataError, match="max_buffer_m"):
        service_areas(net, pts, "drive", max_buffer_m=0)
    with pytest.raises(ValueError, match="Unknown travel mode"):
        service_areas(net, pts, "bike")
