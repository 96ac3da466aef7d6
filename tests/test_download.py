"""Tests of analysis.download against a local Overpass/Nominatim stand-in (tests/overpass_mock.py).

No internet is needed: osmnx is pointed at an HTTP server on 127.0.0.1 that answers osmnx's real queries from OSM
XML fixtures. Expected networks are computed independently from the fixture XML (way node pairs, OSM oneway rules).
"""

from __future__ import annotations

import re
import socket
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
import shapely

from analysis.errors import DataError, DownloadError
from analysis.network.graph import build_network
from analysis.sources.areas import area_km2, resolve_area
from analysis.sources.download import _buffer_area, _graph_to_network, download_osm
from analysis.sources.osm_import import PLACE_COLUMNS, POI_COLUMNS, ROAD_HIGHWAYS, read_osm
from analysis.sources.overpass import CACHE_ENV_VAR
from tests.overpass_mock import OsmData, OverpassMock, is_network_query

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VILLAGE = FIXTURES / "ukr_village.osm"  # shared fixture: invented hromada (see its header comment)
SMALL = FIXTURES / "overpass_small.osm"  # this suite's own: oneway=-1, roundabout, excluded ways, place area
BRODY = "UA46040010000033885"

#: highway values downloaded as roads (the same as the .osm.pbf import); area=yes ways are left out too.
ROADS = set(ROAD_HIGHWAYS)

# osmnx's process-wide settings download_osm changes temporarily
SETTINGS = ("use_cache", "cache_folder", "requests_timeout", "useful_tags_way", "useful_tags_node", "all_oneway",
            "requests_kwargs", "overpass_rate_limit", "overpass_url")


# ---------------------------------------------------------------------------------------------------- helpers
def expected_segments(path: Path) -> Counter:
    """(u, v, oneway code) of every road segment, straight from the OSM XML, in drawing direction.

    A road is a way with a highway class of ROADS and not area=yes; consecutive duplicate nodes are merged and
    nodes missing from the file are skipped (as the mock serves them). Direction codes follow the OSM wiki:
    explicit oneway wins, untagged roundabouts and motorways are one-way forward.
    """
    root = ET.parse(path).getroot()
    known = {int(n.get("id")) for n in root.iter("node")}
    result: Counter = Counter()
    for way in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.findall("tag")}
        if tags.get("highway") not in ROADS or tags.get("area") == "yes":
            continue
        refs = [int(nd.get("ref")) for nd in way.findall("nd")]
        refs = [r for r in refs if r in known]
        refs = [r for i, r in enumerate(refs) if i == 0 or r != refs[i - 1]]
        oneway = tags.get("oneway", "").lower()
        if oneway in ("yes", "true", "1"):
            code = 1
        elif oneway in ("-1", "reverse"):
            code = -1
        elif oneway == "" and (tags.get("junction") in ("roundabout", "circular") or tags["highway"] == "motorway"):
            code = 1
        else:
            code = 0
        result.update((u, v, code) for u, v in zip(refs[:-1], refs[1:]))
    return result


def arcs(segments) -> Counter:
    """Directed arcs a one-way-respecting mode may use, from (u, v, code) triples."""
    result: Counter = Counter()
    for (u, v, code), n in Counter(segments).items():
        if code >= 0:
            result[(u, v)] += n
        if code <= 0:
            result[(v, u)] += n
    return result


def network_segments(network) -> Counter:
    edges = network.edges_gdf()
    return Counter(zip(edges["u_osmid"].tolist(), edges["v_osmid"].tolist(), edges["oneway"].astype(int).tolist()))


def fixture_area(path: Path, margin: float = 0.002) -> shapely.Polygon:
    west, south, east, north = OsmData.from_xml(path).bounds()
    return shapely.box(west - margin, south - margin, east + margin, north + margin)


def settings_snapshot() -> dict:
    return {name: getattr(ox.settings, name) for name in SETTINGS} | {"getaddrinfo": socket.getaddrinfo}


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cache_leftovers(cache_dir: Path) -> list[str]:
    """Entries in the cache folder other than osmnx's http/ folder (extract dirs, temporary dirs)."""
    if not cache_dir.exists():
        return []
    return sorted(p.name for p in cache_dir.iterdir() if p.name != "http")


# ---------------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Never touch ~/.cache: the default cache folder points into the test's tmp dir."""
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "default-cache"))


@pytest.fixture
def serve(monkeypatch):
    """Start a mock Overpass server for an OSM XML fixture and point osmnx at it."""
    servers: list[OverpassMock] = []

    def start(path: Path = VILLAGE) -> OverpassMock:
        mock = OverpassMock(OsmData.from_xml(path)).start()
        servers.append(mock)
        monkeypatch.setattr(ox.settings, "overpass_url", mock.url)
        monkeypatch.setattr(ox.settings, "nominatim_url", mock.url + "/")
        return mock

    yield start
    for mock in servers:
        mock.stop()


@pytest.fixture
def cache_dir(tmp_path) -> Path:
    return tmp_path / "cache"


def _download_once(path: Path, tmp_path_factory) -> tuple:
    """(extract, settings before, settings after) of one download of a fixture (shared by read-only tests)."""
    saved = ox.settings.overpass_url
    with OverpassMock(OsmData.from_xml(path)) as mock:
        ox.settings.overpass_url = mock.url
        try:
            before = settings_snapshot()
            extract = download_osm(fixture_area(path), cache_dir=tmp_path_factory.mktemp("cache"), buffer_m=500)
            after = settings_snapshot()
        finally:
            ox.settings.overpass_url = saved
    return extract, before, after


@pytest.fixture(scope="module")
def village(tmp_path_factory):
    """The ukr_village.osm fixture downloaded once through the mock server."""
    return _download_once(VILLAGE, tmp_path_factory)[0]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """overpass_small.osm downloaded once: (extract, osmnx settings before, osmnx settings after)."""
    return _download_once(SMALL, tmp_path_factory)


# ---------------------------------------------------------------------------------------------------- network
@pytest.mark.parametrize("fixture", [VILLAGE, SMALL], ids=["ukr_village", "overpass_small"])
def test_network_segments_equal_the_fixture_way_node_pairs(village, small, fixture):
    extract = village if fixture == VILLAGE else small[0]
    expected = expected_segments(fixture)
    got = network_segments(extract.network)
    assert got == expected  # as a multiset: every physical segment exactly once, with its direction code
    assert sum(got.values()) == extract.network.n_edges == extract.stats["segments"]
    assert set(extract.network.nodes["osmid"]) == {n for u, v, _ in expected for n in (u, v)}
    assert extract.network.source.startswith("OpenStreetMap via Overpass (osmnx), downloaded ")


def test_oneway_minus_one_roundabout_and_excluded_ways(small):
    network = small[0].network
    edges = network.edges_gdf()
    way = edges[edges["way_id"] == 102]  # вулиця Франка, oneway=-1, drawn 1006 -> 1007 -> 1003
    assert list(zip(way["u_osmid"], way["v_osmid"], way["oneway"])) == [(1006, 1007, -1), (1007, 1003, -1)]
    assert set(edges.loc[edges["way_id"] == 101, "oneway"]) == {1}  # oneway=yes
    assert set(edges.loc[edges["way_id"] == 107, "oneway"]) == {1}  # untagged roundabout: implied one-way
    assert set(edges.loc[edges["way_id"] == 107, "junction"]) == {"roundabout"}
    assert not {106, 108} & set(edges["way_id"])  # highway=construction, pedestrian area=yes
    position = pd.Series(np.arange(network.n_nodes), index=network.nodes["osmid"])
    drive, walk = network.graph("drive").forward, network.graph("walk").forward
    assert drive[position[1003], position[1007]] > 0 and drive[position[1007], position[1006]] > 0
    assert drive[position[1007], position[1003]] == 0 and drive[position[1006], position[1007]] == 0
    assert walk[position[1007], position[1003]] > 0 and walk[position[1003], position[1007]] > 0
    # tags carried over: maxspeed parsed (UA:rural = 90), way and node tags
    assert edges.loc[edges["way_id"] == 105, "maxspeed_zone_kmh"].tolist() == [90.0]  # UA:rural: a zone limit
    assert set(edges.loc[edges["way_id"] == 100, "surface"]) == {"asphalt"}
    nodes = network.nodes.set_index("osmid")
    assert nodes.loc[1005, "kerb"] == "lowered" and nodes.loc[1009, "barrier"] == "gate"


def test_settings_are_restored_after_success(small):
    _, before, after = small
    assert after == before


def test_conversion_drops_osmnx_reversed_twins(serve, monkeypatch):
    """Without all_oneway osmnx adds a reversed twin per two-way segment and stores oneway=-1 ways reversed."""
    serve(SMALL)
    monkeypatch.setattr(ox.settings, "use_cache", False)  # plain osmnx call: keep ./cache out of it
    area = _buffer_area(fixture_area(SMALL), 500)
    graph = ox.graph_from_polygon(area, network_type="all", simplify=False, retain_all=True, truncate_by_edge=True)
    assert any(data.get("reversed") for _, _, data in graph.edges(data=True))
    network = _graph_to_network(graph, source="test")
    expected = expected_segments(SMALL)
    assert network.n_edges == sum(expected.values())
    assert arcs(network_segments(network).elements()) == arcs(expected.elements())


def test_direction_codes_with_junction_tags():
    """Roundabouts without (and with) an explicit oneway tag; also without any oneway column at all."""
    nodes = pd.DataFrame({"lon": [25.0, 25.001, 25.002], "lat": [50.0, 50.001, 50.0]}, index=[1, 2, 3])
    segments = pd.DataFrame({
        "u": [1, 2, 3], "v": [2, 3, 1], "way_id": [10, 11, 12], "highway": ["tertiary"] * 3,
        "oneway": [None, "no", "-1"], "junction": ["roundabout", "roundabout", None]})
    network = build_network(nodes, segments, source="test")
    assert network.edges["oneway"].tolist() == [1, 0, -1]
    assert network.edges["junction"].tolist()[:2] == ["roundabout", "roundabout"]
    no_oneway = build_network(nodes, segments.drop(columns=["oneway"]), source="test")
    assert no_oneway.edges["oneway"].tolist() == [1, 1, 0]


# ---------------------------------------------------------------------------------------------------- places, POIs
def test_places_and_pois_of_the_village(village):
    extract = village
    places = extract.places.set_index("osmid")
    assert list(extract.places.columns) == [*PLACE_COLUMNS, "geometry"]
    assert extract.places["osmid"].dtype == np.int64 and extract.places["population"].dtype == float
    assert sorted(places.index) == [601, 602, 603]  # 604 place=isolated_dwelling is not a settlement
    assert places.loc[601, ["name", "place", "name_en", "koatuu", "katottg"]].tolist() == [
        "Вербівка", "village", "Verbivka", "6825082801", "UA68040170010088553"]
    assert places.loc[602, "population"] == 5400 and places.loc[602, "katottg"] == "UA68040170000043862"
    assert np.isnan(places.loc[603, "population"])  # "близько 40"
    assert places.loc[603, "katottg"] == "UA68040170030011274"  # from ref:katottg
    assert places.crs.to_epsg() == 4326 and (places.geom_type == "Point").all()

    pois = extract.pois
    assert list(pois.columns) == [*POI_COLUMNS, "geometry"]
    assert dict(zip(pois["osmid"], pois["category"])) == {
        501: "cnap_centre", 502: "cnap_remote_workplace", 503: "post_office", 504: "social_protection",
        505: "territorial_centre", 506: "clinic", 1701: "pension_fund",
    }
    pension = pois[pois["osmid"] == 1701].iloc[0]
    assert pension["osm_type"] == "way" and pension.geometry.geom_type == "Point"
    assert shapely.box(25.0662, 49.0022, 25.0668, 49.0026).contains(pension.geometry)
    cnap = pois[pois["osmid"] == 501].iloc[0]
    assert cnap["osm_type"] == "node" and cnap["wheelchair"] == "yes" and cnap["name:uk"].startswith("ЦНАП")
    assert extract.stats["pois_by_category"]["cnap_centre"] == 1


def test_small_fixture_places_and_categories(serve, cache_dir):
    serve(SMALL)
    extract = download_osm(fixture_area(SMALL), cache_dir=cache_dir, buffer_m=500, include_optional=False)
    assert sorted(extract.places["osmid"]) == [2001, 2002, 2003]  # no locality, no place area (way 300)
    assert extract.places.set_index("osmid").loc[2001, "population"] == 23134  # "23 134"
    assert dict(zip(extract.pois["osmid"], extract.pois["category"])) == {
        4001: "cnap_centre", 4002: "post_office", 410: "cnap_starosta_office"}  # no clinic: optional is off


def test_features_are_kept_exactly_inside_a_concave_area(serve, cache_dir):
    mock = serve(SMALL)
    corner = shapely.box(25.155, 50.085, 25.166, 50.093)  # cut out: contains hamlet 2003, not ЦНАП/post office
    area = fixture_area(SMALL).difference(corner)
    extract = download_osm(area, cache_dir=cache_dir, buffer_m=500)
    assert sorted(extract.places["osmid"]) == [2001, 2002]
    assert set(extract.pois["osmid"]) == {4001, 4002, 410, 4004}
    assert network_segments(extract.network) == expected_segments(SMALL)  # roads: the buffered area
    features = [r.query for r in mock.interpreter_requests if not is_network_query(r.query)]
    polygons = {poly for q in features for poly in re.findall(r"poly:'([^']*)'", q)}
    assert len(polygons) == 1  # one short covering polygon (its convex hull), which includes the hamlet
    query_polygon = shapely.Polygon(np.array(polygons.pop().split(), dtype=float).reshape(-1, 2)[:, ::-1])
    assert query_polygon.covers(area) and query_polygon.contains(shapely.Point(25.158, 50.087))


def test_download_agrees_with_the_pbf_import(village):
    """The same fixture through Overpass and through analysis.osm_import gives the same tables."""
    downloaded = village
    imported = read_osm(VILLAGE, area=fixture_area(VILLAGE), buffer_m=500)
    columns = [c for c in PLACE_COLUMNS]
    pd.testing.assert_frame_equal(
        downloaded.places[columns].sort_values("osmid", ignore_index=True),
        imported.places[columns].sort_values("osmid", ignore_index=True), check_dtype=False)
    key = ["osm_type", "osmid"]
    a = downloaded.pois.sort_values(key, ignore_index=True)
    b = imported.pois.sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(a[list(POI_COLUMNS)], b[list(POI_COLUMNS)], check_dtype=False)
    assert np.allclose(shapely.get_coordinates(a.geometry), shapely.get_coordinates(b.geometry))
    # roads: identical except way 1401, which the .osm file cuts at its missing node 9999
    assert network_segments(downloaded.network) - network_segments(imported.network) == Counter({(321, 322, 0): 1})


def test_empty_feature_answers_give_empty_tables(serve, cache_dir):
    serve(SMALL)
    area = shapely.box(25.1395, 50.0795, 25.1405, 50.0805)  # around node 1001 only: roads nearby, no features
    extract = download_osm(area, cache_dir=cache_dir, buffer_m=300)
    assert extract.network.n_edges > 0
    assert extract.places.empty and list(extract.places.columns) == [*PLACE_COLUMNS, "geometry"]
    assert extract.pois.empty and list(extract.pois.columns) == [*POI_COLUMNS, "geometry"]


# ---------------------------------------------------------------------------------------------------- caching
def test_second_call_makes_no_http_request_and_returns_an_equal_extract(serve, cache_dir):
    mock = serve(VILLAGE)
    area = fixture_area(VILLAGE)
    stages: list[tuple[str, float]] = []
    first = download_osm(area, cache_dir=cache_dir, buffer_m=500, progress=lambda s, f: stages.append((s, f)))
    assert len(mock.interpreter_requests) == 3  # network, places, POIs
    assert first.stats["from_cache"] is False and first.stats["http_requests"] == mock.count
    fractions = [f for _, f in stages]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions) and len(stages) >= 4

    mock.reset()
    second = download_osm(area, cache_dir=cache_dir, buffer_m=500)
    assert mock.count == 0
    assert second.stats["from_cache"] is True and second.stats["http_requests"] == 0
    pd.testing.assert_frame_equal(first.network.nodes, second.network.nodes)
    pd.testing.assert_frame_equal(first.network.edges, second.network.edges)
    assert first.network.metric_crs == second.network.metric_crs and first.network.source == second.network.source
    pd.testing.assert_frame_equal(first.places, second.places)
    pd.testing.assert_frame_equal(first.pois, second.pois)
    assert cache_leftovers(cache_dir) == [Path(first.stats["cache_path"]).name]

    # other options are another cache entry
    download_osm(area, cache_dir=cache_dir, buffer_m=500, include_optional=False)
    assert len(mock.interpreter_requests) == 1  # only the POI query differs: the rest is in osmnx's HTTP cache
    assert len(cache_leftovers(cache_dir)) == 2


def test_refresh_downloads_again(serve, tmp_path):
    mock = serve(SMALL)
    area = fixture_area(SMALL)
    first = download_osm(area, buffer_m=500)  # default cache folder: $HROMADA_ACCESS_CACHE
    cache_dir = tmp_path / "default-cache"
    assert Path(first.stats["cache_path"]).parent == cache_dir
    mock.reset()
    again = download_osm(area, buffer_m=500, refresh=True)
    assert len(mock.interpreter_requests) == 3 and again.stats["from_cache"] is False
    assert network_segments(again.network) == expected_segments(SMALL)
    assert cache_leftovers(cache_dir) == [Path(first.stats["cache_path"]).name]


def test_failure_half_way_leaves_no_cache_entry_and_resumes(serve, cache_dir):
    mock = serve(VILLAGE)
    mock.mode = "fail_features"  # the road query works, the settlements query gets HTTP 500
    area = fixture_area(VILLAGE)
    with pytest.raises(DownloadError, match="HTTP 500"):
        download_osm(area, cache_dir=cache_dir, buffer_m=500)
    assert cache_leftovers(cache_dir) == []
    assert len(list((cache_dir / "http").glob("*.json"))) == 1  # the complete road answer

    mock.mode, _ = "ok", mock.reset()
    extract = download_osm(area, cache_dir=cache_dir, buffer_m=500)
    assert len(mock.interpreter_requests) == 2  # roads from osmnx's HTTP cache
    assert network_segments(extract.network) == expected_segments(VILLAGE)


def test_failed_cache_write_keeps_the_download_and_leaves_nothing(serve, cache_dir, monkeypatch):
    serve(SMALL)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", disk_full)
    extract = download_osm(fixture_area(SMALL), cache_dir=cache_dir, buffer_m=500)
    assert extract.network.n_edges > 0 and "No space left" in extract.stats["cache_error"]
    assert extract.stats["cache_path"] is None
    assert cache_leftovers(cache_dir) == []


def test_damaged_cache_entry_is_downloaded_again(serve, cache_dir):
    mock = serve(SMALL)
    area = fixture_area(SMALL)
    first = download_osm(area, cache_dir=cache_dir, buffer_m=500)
    (Path(first.stats["cache_path"]) / "pois.parquet").write_bytes(b"garbage")
    mock.reset()
    second = download_osm(area, cache_dir=cache_dir, buffer_m=500)
    assert second.stats["from_cache"] is False
    pd.testing.assert_frame_equal(first.pois, second.pois)


# ---------------------------------------------------------------------------------------------------- failures
def test_server_down_gives_a_readable_download_error(cache_dir, monkeypatch):
    port = unused_port()
    monkeypatch.setattr(ox.settings, "overpass_url", f"http://127.0.0.1:{port}/api")
    before = settings_snapshot()
    started = time.perf_counter()
    with pytest.raises(DownloadError) as info:
        download_osm(fixture_area(SMALL), cache_dir=cache_dir, buffer_m=500, timeout=2)
    assert time.perf_counter() - started < 5  # no 60 s "status endpoint unreachable" pause
    message = str(info.value)
    assert message.startswith("Не вдалося завантажити дані OSM / Could not download OSM data from ")
    assert f"http://127.0.0.1:{port}/api/interpreter" in message and "connection refused" in message
    assert "Check your internet connection or import an .osm.pbf extract instead." in message
    assert settings_snapshot() == before
    assert cache_leftovers(cache_dir) == []


@pytest.mark.parametrize(
    ("mode", "pattern"),
    [
        ("http500", "HTTP 500"),
        ("http429", "HTTP 429.*too many requests"),
        ("remark", "runtime error: Query timed out"),
        ("garbage", "did not answer with JSON"),
        ("hang", "did not answer in time"),
    ],
)
def test_server_errors_give_download_errors(serve, cache_dir, mode, pattern):
    mock = serve(SMALL)
    mock.mode, mock.hang_seconds = mode, 2.5
    before = settings_snapshot()
    started = time.perf_counter()
    with pytest.raises(DownloadError, match=pattern) as info:
        download_osm(fixture_area(SMALL), cache_dir=cache_dir, buffer_m=500, timeout=0.5)  # 1 s
    assert time.perf_counter() - started < 5  # osmnx would sleep 55 s and retry forever on 429
    assert "Could not download OSM data from http://127.0.0.1" in str(info.value)
    assert settings_snapshot() == before
    assert cache_leftovers(cache_dir) == []
    assert not list((cache_dir / "http").glob("*.json"))  # no error answer cached


def test_area_without_roads_is_a_data_error(serve, cache_dir):
    serve(SMALL)
    with pytest.raises(DataError, match="(?i)no roads in the area"):
        download_osm(shapely.box(30.0, 48.0, 30.01, 48.01), cache_dir=cache_dir, buffer_m=100)
    assert cache_leftovers(cache_dir) == []


@pytest.mark.parametrize(
    ("area", "options", "pattern"),
    [
        (shapely.Point(25.1, 50.1), {}, "must be a polygon"),
        (shapely.box(2_800_000, 6_450_000, 2_810_000, 6_460_000), {}, "not in WGS84"),
        ("UA46040010000033885", {}, "must be a shapely geometry"),
        (shapely.box(25.1, 50.0, 25.2, 50.1), {"buffer_m": -1}, "buffer_m"),
        (shapely.box(25.1, 50.0, 25.2, 50.1), {"timeout": float("nan")}, "timeout"),
        (shapely.box(20.0, 44.0, 40.0, 52.0), {}, "too large"),
    ],
)
def test_download_input_validation(cache_dir, area, options, pattern):
    with pytest.raises(DataError, match=pattern):
        download_osm(area, cache_dir=cache_dir, **options)


# ---------------------------------------------------------------------------------------------------- resolve_area
def readme_area_km2(data_root: Path) -> float:
    text = (data_root / "demo" / BRODY / "README.md").read_text(encoding="utf-8")
    return float(re.search(r"Area ≈ ([\d.]+) km²", text).group(1))


def test_resolve_area_by_katottg_and_by_name(data_root):
    area, label = resolve_area(katottg=BRODY, data_root=data_root)
    assert area.geom_type in ("Polygon", "MultiPolygon") and area.is_valid
    assert label == f"Бродівська міська громада ({BRODY})"
    assert area_km2(area) == pytest.approx(readme_area_km2(data_root), rel=0.01)
    west, south, east, north = area.bounds
    assert 24.5 < west < east < 25.8 and 49.8 < south < north < 50.4

    by_name, name_label = resolve_area(name="Бродівська", data_root=data_root)
    assert by_name.equals(area) and name_label == label
    assert resolve_area(name="бродівська міська громада", data_root=data_root)[0].equals(area)
    assert resolve_area(katottg=BRODY.lower(), data_root=data_root)[0].equals(area)


def test_resolve_area_data_root_from_environment(data_root, monkeypatch):
    monkeypatch.setenv("HROMADA_ACCESS_DATA", str(data_root))
    assert resolve_area(katottg=BRODY)[1].startswith("Бродівська")


def test_resolve_area_unknown_ambiguous_and_malformed(data_root):
    with pytest.raises(DataError, match="UA99999999999999999"):
        resolve_area(katottg="UA99999999999999999", data_root=data_root)
    with pytest.raises(DataError, match="not a KATOTTG code"):
        resolve_area(katottg="46040010000033885", data_root=data_root)
    with pytest.raises(DataError, match=r"hromadas match 'Іванівська'.*UA\d{17}.*KATOTTG code"):
        resolve_area(name="Іванівська", data_root=data_root)
    with pytest.raises(DataError, match="exactly one"):
        resolve_area(katottg=BRODY, bbox=(24.9, 49.9, 25.3, 50.2), data_root=data_root)
    with pytest.raises(DataError, match="exactly one"):
        resolve_area()


def test_resolve_area_by_bbox():
    area, label = resolve_area(bbox=(24.9, 49.95, 25.35, 50.2))
    assert area.equals(shapely.box(24.9, 49.95, 25.35, 50.2)) and label == "bbox 24.9,49.95,25.35,50.2"


@pytest.mark.parametrize(
    ("bbox", "pattern"),
    [
        ((25.35, 49.95, 24.9, 50.2), r"west \(25.35\) must be less than east \(24.9\)"),
        ((24.9, 50.2, 25.35, 49.95), r"south \(50.2\) must be less than north"),
        ((50.2, 49.95, 25.35, 24.9), r"west \(50.2\) must be less than east.*\(north, south, east, west\)"),
        ((24.9, 49.95, 195.0, 50.2), "-180..180"),
        ((24.9, -95.0, 25.35, 50.2), "-90..90"),
        ((24.9, 49.95, 25.35), "four"),
        (("a", 1, 2, 3), "four numbers"),
    ],
)
def test_resolve_area_bad_bbox(bbox, pattern):
    with pytest.raises(DataError, match=pattern):
        resolve_area(bbox=bbox)


def test_resolve_area_by_polygon_file_in_another_crs(data_root, tmp_path):
    brody, _ = resolve_area(katottg=BRODY, data_root=data_root)
    path = tmp_path / "brody_3857.geojson"
    gpd.GeoDataFrame({"name": ["Броди і околиці"]}, geometry=[brody], crs=4326).to_crs(3857).to_file(path)
    assert gpd.read_file(path).crs.to_epsg() == 3857
    area, label = resolve_area(polygon_file=path)
    assert label == "Броди і околиці"
    assert area.symmetric_difference(brody).area < 1e-9 * brody.area + 1e-12

    parts = tmp_path / "two_parts.gpkg"
    boxes = [shapely.box(25.0, 50.0, 25.1, 50.1), shapely.box(25.1, 50.0, 25.2, 50.1)]
    gpd.GeoDataFrame(geometry=boxes, crs=4326).to_crs(32635).to_file(parts)
    merged, label = resolve_area(polygon_file=parts)
    assert label == "two_parts" and merged.geom_type == "Polygon"
    assert merged.symmetric_difference(shapely.box(25.0, 50.0, 25.2, 50.1)).area < 1e-9


def test_resolve_area_bad_polygon_files(tmp_path):
    with pytest.raises(DataError, match="not found"):
        resolve_area(polygon_file=tmp_path / "missing.geojson")
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="Cannot read"):
        resolve_area(polygon_file=broken)
    points = tmp_path / "points.geojson"
    gpd.GeoDataFrame(geometry=[shapely.Point(25, 50)], crs=4326).to_file(points)
    with pytest.raises(DataError, match="must be a polygon"):
        resolve_area(polygon_file=points)


NOMINATIM_RESULT = {
    "place_id": 1, "osm_type": "relation", "osm_id": 123, "lat": "50.05", "lon": "25.05", "class": "boundary",
    "type": "administrative", "importance": 0.5, "boundingbox": ["50.0", "50.1", "25.0", "25.1"],
    "display_name": "Тестова громада, Україна",
    "geojson": {"type": "Polygon", "coordinates": [[[25.0, 50.0], [25.1, 50.0], [25.1, 50.1], [25.0, 50.1],
                                                    [25.0, 50.0]]]},
}


@pytest.fixture
def no_nominatim_pause(monkeypatch):
    """osmnx sleeps 1 s before every Nominatim request (usage policy); not needed against the mock."""
    monkeypatch.setattr(ox._nominatim.time, "sleep", lambda seconds: None)


def test_resolve_area_name_falls_back_to_nominatim(serve, data_root, no_nominatim_pause):
    mock = serve(SMALL)
    mock.nominatim["Тестова Атлантида"] = [NOMINATIM_RESULT]
    area, label = resolve_area(name="Тестова Атлантида", data_root=data_root)
    assert area.equals(shapely.box(25.0, 50.0, 25.1, 50.1)) and label == "Тестова громада, Україна"
    search = [r for r in mock.requests if r.path.endswith("/search")]
    assert len(search) == 1

    with pytest.raises(DownloadError, match="found neither in the local boundary file nor by the Nominatim"):
        resolve_area(name="Зовсім Невідома", data_root=data_root)


def test_resolve_area_nominatim_unreachable(data_root, monkeypatch, no_nominatim_pause):
    monkeypatch.setattr(ox.settings, "nominatim_url", f"http://127.0.0.1:{unused_port()}/")
    with pytest.raises(DownloadError, match="Could not download OSM data from http://127.0.0.1:.*/search"):
        resolve_area(name="Тестова Атлантида", data_root=data_root)
