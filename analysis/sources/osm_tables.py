"""From the raw buffers of one pass over an OSM file to tables: road nodes and segments (clipped, split at missing nodes), settlement areas, places and POIs."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from analysis.network.graph import (
    NODE_TAG_COLUMNS,
    WAY_TAG_COLUMNS,
)

# libosmium stores coordinates as fixed-point integers (1e-7 degree); missing node locations are 2**31 - 1.
_COORDINATE_PRECISION = 10_000_000


_MAX_X = 180 * _COORDINATE_PRECISION


_MAX_Y = 90 * _COORDINATE_PRECISION


def _settlement_areas(rings: list, clip) -> gpd.GeoSeries:
    """Settlement polygons (closed ``place=*`` / ``landuse=residential`` ways; multipolygon relations are not
    read), repaired where invalid and kept where they touch the clip area."""
    if not rings:
        return gpd.GeoSeries([], crs="EPSG:4326")
    polygons = shapely.make_valid(shapely.polygons([shapely.linearrings(r) for r in rings]))
    if clip is not None:
        polygons = polygons[shapely.intersects(clip.geometry, polygons)]
    return gpd.GeoSeries(polygons, crs="EPSG:4326")


# ===================================================================================================== roads
def _road_tables(raw: dict, clip: _Clip | None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """``nodes`` and ``segments`` tables for :func:`analysis.network.build_network`, and missing-node counts."""
    refs, x, y = raw["refs"], raw["x"], raw["y"]
    way_sizes, way_ids = raw["way_sizes"], raw["way_ids"]
    n_ways = len(way_ids)
    way_index = np.repeat(np.arange(n_ways, dtype=np.int64), way_sizes)

    located = (np.abs(x.astype(np.int64)) <= _MAX_X) & (np.abs(y.astype(np.int64)) <= _MAX_Y)
    missing = ~located
    stats = {
        "ways_read": int(n_ways),
        "ways_with_missing_nodes": int(np.unique(way_index[missing]).size),
        "nodes_missing": int(np.unique(refs[missing]).size),
    }

    # one row per distinct located node
    node_ids, first = np.unique(refs[located], return_index=True)
    lon = x[located][first] / _COORDINATE_PRECISION
    lat = y[located][first] / _COORDINATE_PRECISION

    usable = located.copy()
    if clip is not None:
        inside = clip.contains(lon, lat)
        usable[located] = inside[np.searchsorted(node_ids, refs[located])]
        node_ids, lon, lat = node_ids[inside], lon[inside], lat[inside]

    # a segment joins two consecutive nodes of the same way that are both usable: ways split at missing nodes
    pair = (way_index[1:] == way_index[:-1]) & usable[1:] & usable[:-1] & (refs[1:] != refs[:-1])
    start = np.flatnonzero(pair)
    seg_way = way_index[start]

    segments = pd.DataFrame(
        {"u": refs[start], "v": refs[start + 1], "way_id": way_ids[seg_way]}
    )
    columns = list(zip(*raw["way_tags"])) if raw["way_tags"] else [()] * (1 + len(_ROAD_WAY_KEYS))
    for key, per_way in zip(("highway", *_ROAD_WAY_KEYS), columns):
        codes, uniques = pd.factorize(pd.Series(per_way, dtype=object), use_na_sentinel=True)
        if key != "highway" and len(uniques) == 0:
            continue  # tag absent from every road way: no column
        segments[key] = _string_column(codes[seg_way], uniques)

    nodes = pd.DataFrame({"lon": lon, "lat": lat}, index=pd.Index(node_ids, name="osmid"))
    if raw["node_tags"]:
        tagged = pd.DataFrame.from_records(raw["node_tags"], columns=["osmid", *NODE_TAG_COLUMNS])
        tagged = tagged.drop_duplicates("osmid")
        ids = tagged["osmid"].to_numpy(dtype=np.int64)
        position = np.searchsorted(node_ids, ids)
        on_road = position < len(node_ids)
        on_road[on_road] = node_ids[position[on_road]] == ids[on_road]
        for key in NODE_TAG_COLUMNS:
            values = tagged[key].to_numpy(dtype=object)[on_road]
            present = pd.notna(values)
            if not present.any():
                continue
            # a categorical built from codes: no per-node Python object for the (many) untagged road nodes
            small_codes, categories = pd.factorize(values[present])
            codes = np.full(len(node_ids), -1, dtype=np.int32)
            codes[position[on_road][present]] = small_codes
            nodes[key] = pd.Categorical.from_codes(codes, categories=categories)
    return nodes, segments, stats


def _string_column(codes: np.ndarray, uniques: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A string column from factorized values (code -1 = missing), built without one Python object per row.

    With pyarrow (pandas' default string backend) the result is a pyarrow-backed ``str`` array, which
    ``build_network``'s ``astype("string")`` converts for free; otherwise a Categorical.
    """
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover - pandas without pyarrow
        return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    dictionary = pa.array([str(u) for u in uniques], type=pa.large_string())
    values = pa.DictionaryArray.from_arrays(indices, dictionary).dictionary_decode()
    return pd.array(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _no_roads_message(path: Path, raw: dict, clip: _Clip | None, buffer_m: float) -> str:
    if len(raw["way_ids"]) == 0:
        return (
            f"No roads in {path}: the file contains no ways tagged highway=* with a road or path class. "
            "Check that it is the right extract (it must cover the hromada and include roads)."
        )
    x, y = raw["x"].astype(np.int64), raw["y"].astype(np.int64)
    located = (np.abs(x) <= _MAX_X) & (np.abs(y) <= _MAX_Y)
    if not located.any() or clip is None:
        return (
            f"No roads in {path}: its {len(raw['way_ids'])} road ways have fewer than two consecutive nodes with "
            "known locations (nodes missing from the file). The extract is incomplete; download it again."
        )
    bounds = (
        x[located].min() / _COORDINATE_PRECISION, y[located].min() / _COORDINATE_PRECISION,
        x[located].max() / _COORDINATE_PRECISION, y[located].max() / _COORDINATE_PRECISION,
    )
    def text(box) -> str:
        return ", ".join(f"{float(b):.4f}" for b in box)

    return (
        f"No roads in the area: none of the roads in {path} (lon/lat {text(bounds)}) lies "
        f"inside the area (lon/lat {text(clip.geometry.bounds)}, including the {buffer_m:g} m buffer). "
        "Use an extract that covers the area, or check the area polygon."
    )


# ===================================================================================================== places, POIs
_POPULATION_SEPARATORS = re.compile(r"[\s\u00a0\u202f']")


_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")


def _parse_population(value: Any) -> float:
    """OSM ``population`` as a number (``"5400"``, ``"5 400"``, ``"5,400"``); NaN where absent/unparseable."""
    if value is None:
        return math.nan
    text = _POPULATION_SEPARATORS.sub("", str(value))
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return math.nan
    return number if math.isfinite(number) and number >= 0 else math.nan


def _places_table(rows: list[tuple], clip: _Clip | None) -> gpd.GeoDataFrame:
    raw = pd.DataFrame.from_records(rows, columns=["osmid", "lon", "lat", "place", *_PLACE_KEYS])
    if clip is not None:
        raw = raw[clip.contains(raw["lon"].to_numpy(float), raw["lat"].to_numpy(float))]
    katottg = raw["katotth"].where(raw["katotth"].notna(), raw["katottg"])
    katottg = katottg.where(katottg.notna(), raw["ref:katottg"])
    table = pd.DataFrame(
        {
            "osmid": raw["osmid"].to_numpy(dtype=np.int64),
            "name": raw["name"].to_numpy(dtype=object),
            "name_uk": raw["name:uk"].to_numpy(dtype=object),
            "name_en": raw["name:en"].to_numpy(dtype=object),
            "place": raw["place"].to_numpy(dtype=object),
            "population": np.array([_parse_population(v) for v in raw["population"]], dtype=float),
            "koatuu": raw["koatuu"].to_numpy(dtype=object),
            "katottg": katottg.to_numpy(dtype=object),
        }
    )
    for column in ("name", "name_uk", "name_en", "place", "koatuu", "katottg"):
        table[column] = table[column].astype("str")
    geometry = gpd.points_from_xy(raw["lon"].to_numpy(float), raw["lat"].to_numpy(float), crs="EPSG:4326")
    return gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326")


def _pois_table(rows: list[tuple], keys: tuple[str, ...], clip: _Clip | None, taxonomy) -> gpd.GeoDataFrame:
    """POI rows ``(osm_type, osmid, lon, lat, *values of keys)`` -> classified, clipped GeoDataFrame."""
    raw = pd.DataFrame.from_records(rows, columns=["osm_type", "osmid", "lon", "lat", *keys])
    if clip is not None:
        raw = raw[clip.contains(raw["lon"].to_numpy(float), raw["lat"].to_numpy(float))].reset_index(drop=True)
    tags = raw[list(keys)].astype(object)
    category = taxonomy.classify_table(tags, include_optional=True)
    classified = category.notna().to_numpy(dtype=bool)
    raw, category = raw[classified].reset_index(drop=True), category[classified].reset_index(drop=True)
    table = pd.DataFrame({"osm_type": raw["osm_type"].astype("str"), "osmid": raw["osmid"].to_numpy(dtype=np.int64)})
    for key in ("name", *POI_TAG_COLUMNS):
        table[key] = raw[key].astype(object).astype("str")
    table["category"] = category.astype(object).astype("str")
    geometry = gpd.points_from_xy(raw["lon"].to_numpy(float), raw["lat"].to_numpy(float), crs="EPSG:4326")
    return gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326")


#: File name endings understood by :func:`read_osm` and the libosmium format string used for each (longest first).
SUPPORTED_FORMATS: dict[str, str] = {
    ".osm.pbf": "pbf",
    ".osm.bz2": "osm.bz2",
    ".osm.gz": "osm.gz",
    ".pbf": "pbf",
    ".osm": "osm",
}


#: ``highway`` values imported as roads/paths. Everything else is left out, in particular ``proposed``,
#: ``construction``, ``abandoned``, ``platform``, ``raceway``, ``bus_stop``, ``elevator``, ``rest_area`` and
#: ``services``; ways tagged ``area=yes`` (pedestrian squares drawn as areas) are left out too.
ROAD_HIGHWAYS: frozenset[str] = frozenset(
    {
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
        "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "service",
        "road", "track", "busway", "pedestrian", "footway", "path", "steps", "cycleway", "bridleway", "corridor",
        "crossing",
    }
)


#: ``place`` values imported as settlements.
PLACE_TYPES: tuple[str, ...] = ("city", "town", "village", "hamlet")


#: Columns of :attr:`OsmExtract.places` (besides ``geometry``).
PLACE_COLUMNS: tuple[str, ...] = ("osmid", "name", "name_uk", "name_en", "place", "population", "koatuu", "katottg")


#: Raw OSM tags kept as columns of :attr:`OsmExtract.pois` (column name = tag key).
POI_TAG_COLUMNS: tuple[str, ...] = (
    "amenity", "office", "government", "healthcare", "townhall:type", "social_facility", "name:uk", "wheelchair",
    "toilets:wheelchair", "entrance", "ramp", "ramp:wheelchair", "door:width", "width", "addr:street",
    "addr:housenumber", "addr:city", "opening_hours",
)


#: Columns of :attr:`OsmExtract.pois` (besides ``geometry``).
POI_COLUMNS: tuple[str, ...] = ("osm_type", "osmid", "name", *POI_TAG_COLUMNS, "category")


#: Name keys the taxonomy's name rules look at (read for classification, not all of them kept as columns).
_CLASSIFY_NAME_KEYS: tuple[str, ...] = ("name", "name:uk", "official_name", "short_name", "name:en")


#: Raw place tags read from place nodes.
_PLACE_KEYS: tuple[str, ...] = (
    "name", "name:uk", "name:en", "population", "koatuu", "katotth", "katottg", "ref:katottg",
)


#: Raw way tags read from road ways (besides ``highway``); ``oneway`` and ``junction``/``maxspeed`` are needed to
#: parse directions and speeds.
_ROAD_WAY_KEYS: tuple[str, ...] = tuple(dict.fromkeys(("oneway", "maxspeed", "junction", *WAY_TAG_COLUMNS)))


#: libosmium location index. ``flex_mem`` keeps a sparse id->location table while ids are sparse (the normal case
#: for regional extracts: ~16 bytes per node) and switches to a dense array for very large, dense inputs.
_LOCATION_STORAGE = "flex_mem"


@dataclass(frozen=True)
class _Clip:
    """The buffered area of interest (WGS84, prepared for fast point-in-polygon tests)."""

    geometry: BaseGeometry

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        if lon.size == 0:
            return np.zeros(0, dtype=bool)
        return np.asarray(shapely.contains_xy(self.geometry, lon, lat), dtype=bool)
