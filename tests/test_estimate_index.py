"""The estimate without a road network finds its candidates with a spatial index (issue 12) and still gives the
brute force's answer: every figure here is checked against pyproj ``Geod.inv`` on all origin x service pairs,
computed in the test (origin first, destination second), with ``argmin`` (the first service in input order among
equal distances) for the nearest one."""

from __future__ import annotations

import math
import tracemalloc

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest

from analysis.errors import DataError
from analysis.routing.estimate import EstimateRouter, estimate_nearest_service, estimate_od_matrix

GEOD = pyproj.Geod(ellps="WGS84")
CIRCUITY = 1.3
SPEED_KMH = 40.0


def _table(ids, lon, lat, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": list(ids), **columns}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _ukraine(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(22.0, 40.0, n), rng.uniform(44.0, 52.5, n)


def _brute_km(o: gpd.GeoDataFrame, d: gpd.GeoDataFrame) -> np.ndarray:
    """Geodesic km of every origin x destination pair (origins x destinations)."""
    n_o, n_d = len(o), len(d)
    _, _, metres = GEOD.inv(np.repeat(o.geometry.x.to_numpy(), n_d), np.repeat(o.geometry.y.to_numpy(), n_d),
                            np.tile(d.geometry.x.to_numpy(), n_o), np.tile(d.geometry.y.to_numpy(), n_o))
    return np.asarray(metres).reshape(n_o, n_d) / 1000.0


def _brute_nearest(o: gpd.GeoDataFrame, d: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    km = _brute_km(o, d)
    best = np.argmin(km, axis=1)
    return d["id"].to_numpy(dtype=object)[best], km[np.arange(len(o)), best]


def _assert_nearest(result: pd.DataFrame, o: gpd.GeoDataFrame, d: gpd.GeoDataFrame) -> None:
    ids, km = _brute_nearest(o, d)
    assert list(result["origin_id"]) == list(o["id"])
    assert list(result["destination_id"]) == list(ids)
    np.testing.assert_allclose(result["straight_line_km"].to_numpy(), km, rtol=1e-12, atol=0)
    np.testing.assert_allclose(result["total_distance_km"].to_numpy(), km * CIRCUITY, rtol=1e-12, atol=0)
    np.testing.assert_allclose(result["travel_time_min"].to_numpy(), km * CIRCUITY / SPEED_KMH * 60.0, rtol=1e-12,
                               atol=0)
    assert (result["method"] == "estimated").all()


def _circle(lon0: float, lat0: float, radius_km: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points at one great-circle distance (sphere of 6371 km) around a centre: on the ellipsoid their
    geodesics differ by up to about 0.5 %, so the spherically nearest is often not the nearest."""
    lat1, lon1 = math.radians(lat0), math.radians(lon0)
    delta = radius_km / 6371.0
    bearing = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    lat2 = np.arcsin(math.sin(lat1) * math.cos(delta) + math.cos(lat1) * math.sin(delta) * np.cos(bearing))
    lon2 = lon1 + np.arctan2(np.sin(bearing) * math.sin(delta) * math.cos(lat1),
                             math.cos(delta) - math.sin(lat1) * np.sin(lat2))
    return np.degrees(lon2), np.degrees(lat2)


@pytest.fixture(scope="module")
def scene() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Origins and services over Ukraine with duplicates, shared spots, exact ties and several categories."""
    rng = np.random.default_rng(12)
    o_lon, o_lat = _ukraine(rng, 1500)
    d_lon, d_lat = _ukraine(rng, 120)
    d_lon[10:14], d_lat[10:14] = d_lon[3], d_lat[3]  # four more services at one spot (different ids)
    o_lon[:20], o_lat[:20] = d_lon[:20], d_lat[:20]  # origins at a service
    o_lon[20:40], o_lat[20:40] = o_lon[40:60], o_lat[40:60]  # duplicated origins
    # an origin exactly between two services on one parallel: equal geodesics (binary-exact offsets)
    o_lon[100], o_lat[100] = 30.0, 48.0
    d_lon[50], d_lat[50], d_lon[51], d_lat[51] = 30.125, 48.0, 29.875, 48.0
    # an origin with 60 services on a (spherical) circle around it, and others beyond
    o_lon[101], o_lat[101] = 35.0, 50.0
    c_lon, c_lat = _circle(35.0, 50.0, 3.0, 60)
    d_lon, d_lat = np.concatenate([d_lon, c_lon]), np.concatenate([d_lat, c_lat])
    categories = np.array(["cnap", "post", "social"])[rng.integers(0, 3, len(d_lon))]
    categories[50:52] = "cnap"
    categories[120:] = "cnap"
    origins = _table([f"o{i}" for i in range(len(o_lon))], o_lon, o_lat)
    services = _table([f"s{i}" for i in range(len(d_lon))], d_lon, d_lat, category=categories)
    return origins, services


def test_nearest_equals_brute_force(scene):
    origins, services = scene
    result = estimate_nearest_service(origins, services, "drive", circuity=CIRCUITY, speed_kmh=SPEED_KMH)
    _assert_nearest(result, origins, services)
    assert (result["straight_line_km"].iloc[:20] == 0).all()  # origins on a service
    assert result["reachable"].all()


def test_nearest_per_category_equals_brute_force(scene):
    origins, services = scene
    result = estimate_nearest_service(origins, services, "drive", circuity=CIRCUITY, speed_kmh=SPEED_KMH,
                                      by="category", cutoff_min=45)
    assert list(pd.unique(result["category"])) == ["cnap", "post", "social"]
    for category, group in services.groupby("category", sort=True):
        part = result[result["category"] == category].reset_index(drop=True)
        _assert_nearest(part, origins, group)
        assert (part["reachable"] == (part["travel_time_min"] <= 45)).all()
        assert (part.loc[~part["reachable"], "unreachable_reason"] == "beyond_cutoff").all()


def test_exact_ties_go_to_the_first_service_in_input_order():
    between = _table(["o"], [30.0], [48.0])
    east_west = _table(["east", "west"], [30.125, 29.875], [48.0, 48.0])
    km = _brute_km(between, east_west)[0]
    assert km[0] == km[1]  # a real tie
    for services in (east_west, east_west.iloc[::-1]):
        result = estimate_nearest_service(between, services, circuity=CIRCUITY, speed_kmh=SPEED_KMH)
        assert result.loc[0, "destination_id"] == services["id"].iloc[0]
        _assert_nearest(result, between, services)
    # many services at one spot, some of them nearest for the origin at that very spot and for one nearby
    rng = np.random.default_rng(5)
    lon, lat = _ukraine(rng, 40)
    lon[5:35], lat[5:35] = 31.0, 49.0
    services = _table([f"s{i}" for i in range(40)], lon, lat)
    origins = _table(["at", "near", "far"], [31.0, 31.001, 38.0], [49.0, 49.001, 45.0])
    result = estimate_nearest_service(origins, services, circuity=CIRCUITY, speed_kmh=SPEED_KMH)
    assert list(result["destination_id"][:2]) == ["s5", "s5"] and result.loc[0, "straight_line_km"] == 0.0
    _assert_nearest(result, origins, services)


def test_services_on_a_circle_need_the_ellipsoid():
    c_lon, c_lat = _circle(24.0, 51.5, 10.0, 200)
    services = _table([f"s{i}" for i in range(200)], c_lon, c_lat)
    origins = _table(["centre", "north", "south"], [24.0, 24.0, 24.0], [51.5, 51.52, 51.48])
    km = _brute_km(origins.iloc[:1], services)[0]
    assert km.max() / km.min() > 1.002  # equal on the sphere, not on the ellipsoid: all 200 are candidates
    result = estimate_nearest_service(origins, services, circuity=CIRCUITY, speed_kmh=SPEED_KMH)
    _assert_nearest(result, origins, services)


def test_spherically_farther_service_can_be_the_nearest():
    # at 44.5 N a metre north is shorter on the ellipsoid than on a 6371-km sphere and a metre east is longer:
    # B, due north and 0.31 % farther on the sphere than A (due east), is nearer on the ellipsoid — outside the
    # window a sphere of 6371 km would allow, inside the a(1 - e²) bound.
    lon0, lat0 = 34.0, 44.5
    east_lon, east_lat = _circle(lon0, lat0, 5.0, 4)
    north_lon, north_lat = _circle(lon0, lat0, 5.0 * 1.0031, 4)
    services = _table(["A", "B", "far"], [east_lon[1], north_lon[0], 39.0], [east_lat[1], north_lat[0], 46.0])
    origin = _table(["o"], [lon0], [lat0])
    km = _brute_km(origin, services)[0]
    assert km[1] < km[0]
    result = estimate_nearest_service(origin, services, circuity=CIRCUITY, speed_kmh=SPEED_KMH)
    assert result.loc[0, "destination_id"] == "B"
    _assert_nearest(result, origin, services)


def test_single_and_far_away_services():
    rng = np.random.default_rng(7)
    o_lon, o_lat = _ukraine(rng, 300)
    origins = _table([f"o{i}" for i in range(300)], o_lon, o_lat)
    one = _table(["only"], [33.0], [47.0])
    _assert_nearest(estimate_nearest_service(origins, one, circuity=CIRCUITY, speed_kmh=SPEED_KMH), origins, one)
    # services on other continents, one near the antipode of Ukraine
    far = _table(["lisbon", "perth", "antipode", "quito", "anchorage"],
                 [-9.14, 115.86, -149.0, -78.47, -149.9], [38.72, -31.95, -48.5, -0.18, 61.22])
    _assert_nearest(estimate_nearest_service(origins, far, circuity=CIRCUITY, speed_kmh=SPEED_KMH), origins, far)


def test_od_matrix_with_cutoffs_equals_brute_force(scene):
    origins, services = scene
    km = _brute_km(origins, services)
    road_km = km * CIRCUITY
    minutes = road_km / SPEED_KMH * 60.0
    for cutoff_min, cutoff_km in ((30.0, None), (None, 14.0), (30.0, 14.0), (90.0, 40.0)):
        table = estimate_od_matrix(origins, services, "drive", circuity=CIRCUITY, speed_kmh=SPEED_KMH) \
            if cutoff_min is None and cutoff_km is None else \
            EstimateRouter("drive", circuity=CIRCUITY, speed_kmh=SPEED_KMH).od_matrix(
                origins, services, cutoff_min=cutoff_min, cutoff_km=cutoff_km)
        ok = np.ones(km.shape, dtype=bool)
        if cutoff_min is not None:
            ok &= minutes <= cutoff_min
        if cutoff_km is not None:
            ok &= road_km <= cutoff_km
        rows, cols = np.nonzero(ok)
        expected = pd.DataFrame({"origin_id": origins["id"].to_numpy(dtype=object)[rows],
                                 "destination_id": services["id"].to_numpy(dtype=object)[cols],
                                 "km": road_km[rows, cols], "min": minutes[rows, cols]})
        expected = expected.sort_values(["origin_id", "min"], kind="stable", ignore_index=True)
        assert 0 < len(table) == len(expected) < km.size
        assert list(table["origin_id"]) == list(expected["origin_id"])
        assert list(table["destination_id"]) == list(expected["destination_id"])
        np.testing.assert_allclose(table["total_distance_km"], expected["km"], rtol=1e-12, atol=0)
        assert table["network_distance_km"].isna().all()  # no network: the column is empty, not the estimate
        np.testing.assert_allclose(table["travel_time_min"], expected["min"], rtol=1e-12, atol=0)
        np.testing.assert_allclose(table["straight_line_km"], expected["km"] / CIRCUITY, rtol=1e-12, atol=0)
        assert (table["snap_distance_m"] == 0).all() and (table["method"] == "estimated").all()
    full = estimate_od_matrix(origins.iloc[:50], services, "drive", circuity=CIRCUITY, speed_kmh=SPEED_KMH)
    assert len(full) == 50 * len(services)


def test_matrix_with_and_without_limit_equals_brute_force(scene):
    origins, services = scene
    origins = origins.iloc[:400]
    road_km = _brute_km(origins, services) * CIRCUITY
    minutes = road_km / SPEED_KMH * 60.0
    router = EstimateRouter("drive", circuity=CIRCUITY, speed_kmh=SPEED_KMH)
    full = router.matrix(origins, services)
    np.testing.assert_allclose(full.distance_km, road_km, rtol=1e-12, atol=0)
    np.testing.assert_allclose(full.time_min, minutes, rtol=1e-12, atol=0)
    limited = router.matrix(origins, services, limit_min=30.0)
    inside = minutes <= 30.0
    assert 0 < inside.sum() < inside.size
    assert np.array_equal(np.isfinite(limited.time_min), inside)
    np.testing.assert_allclose(limited.time_min[inside], minutes[inside], rtol=1e-12, atol=0)
    assert np.isnan(limited.network_km).all()
    pd.testing.assert_frame_equal(limited.to_long(), router.od_matrix(origins, services, cutoff_min=30.0).drop(
        columns="straight_line_km"))


def test_nearest_memory_is_linear_in_the_inputs():
    rng = np.random.default_rng(3)
    o_lon, o_lat = _ukraine(rng, 20_000)
    d_lon, d_lat = _ukraine(rng, 5_000)
    origins = _table(np.arange(20_000), o_lon, o_lat)
    services = _table(np.arange(5_000), d_lon, d_lat)
    router = EstimateRouter("drive", circuity=CIRCUITY, speed_kmh=SPEED_KMH)
    tracemalloc.start()
    try:
        router.nearest(origins, services)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # one float64 origins x services array alone would be 800 MB
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_bad_and_empty_inputs():
    origins = _table(["a", "b"], [25.0, 26.0], [49.0, 49.5])
    services = _table(["s"], [25.5], [49.2])
    with pytest.raises(DataError, match="not numbers"):
        estimate_nearest_service(_table(["a", "b"], [25.0, float("nan")], [49.0, 49.5]), services)
    with pytest.raises(DataError, match="not numbers"):
        estimate_nearest_service(origins, _table(["s"], [25.0], [float("nan")]))
    with pytest.raises(DataError, match="not numbers"):
        EstimateRouter().od_matrix(origins, _table(["s"], [float("inf")], [49.0]), cutoff_min=30)
    with pytest.raises(DataError, match="duplicated ids"):
        estimate_nearest_service(origins.assign(id="x"), services)
    none = estimate_nearest_service(origins, services.iloc[0:0])
    assert len(none) == 2 and not none["reachable"].any()
    assert (none["unreachable_reason"] == "no_service_points").all()
    empty = estimate_nearest_service(origins.iloc[0:0], services)
    assert len(empty) == 0 and "destination_id" in empty.columns
    assert EstimateRouter().matrix(origins.iloc[0:0], services, limit_min=30).shape == (0, 1)
    assert len(EstimateRouter().od_matrix(origins, services.iloc[0:0], cutoff_min=30)) == 0
