"""Streaming import of OpenStreetMap extracts (``.osm.pbf``, ``.osm``, ``.osm.bz2``, ``.osm.gz``) with pyosmium.

:func:`read_osm` reads an extract once and returns everything the accessibility analysis needs from it: the road
network (:class:`analysis.network.RoadNetwork`), the settlements (``place`` nodes) and the candidate service points
(POIs classified with the project taxonomy).

How it stays fast and small on large extracts
---------------------------------------------
* The file is read in a single streaming pass with :class:`osmium.FileProcessor`; node locations are kept in
  libosmium's C++ location index and attached to the ways there, so coordinates of untagged nodes never become
  Python objects.
* Two :class:`osmium.filter.KeyFilter` instances (one for nodes, one for ways) run in C++ before anything reaches
  Python: only nodes carrying a ``place``/POI/road-node key and only ways carrying ``highway`` or a POI key are
  handed to the Python loop. Untagged nodes never reach Python.
* Way node ids and fixed-point coordinates go into flat ``array`` buffers (8 + 4 + 4 bytes per way node); splitting
  at missing nodes, clipping and segment building are vectorised numpy/shapely operations.

Clipped extracts
----------------
Extracts cut out of the planet (Geofabrik, BBBike, ``osmium extract``) often contain ways that reference nodes
missing from the file. osmnx refuses such files; here such ways are split into the runs of consecutive nodes that
do have a location, and the number of affected ways/nodes is reported in :attr:`OsmExtract.stats`.

Example
-------
>>> extract = read_osm("ukraine-latest.osm.pbf", area=hromada_polygon, buffer_m=5000)  # doctest: +SKIP
>>> extract.network.summary()["segments"], len(extract.places), len(extract.pois)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from array import array
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import Any, Callable, Mapping

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from analysis.errors import DataError
from analysis.network import NODE_TAG_COLUMNS, WAY_TAG_COLUMNS, RoadNetwork, build_network, estimate_metric_crs
from analysis.outputs import atomic_directory
from analysis.taxonomy import load_taxonomy

__all__ = [
    "OsmExtract",
    "read_osm",
    "SUPPORTED_FORMATS",
    "ROAD_HIGHWAYS",
    "PLACE_TYPES",
    "PLACE_COLUMNS",
    "POI_TAG_COLUMNS",
    "POI_COLUMNS",
]

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

# libosmium stores coordinates as fixed-point integers (1e-7 degree); missing node locations are 2**31 - 1.
_COORDINATE_PRECISION = 10_000_000
_MAX_X = 180 * _COORDINATE_PRECISION
_MAX_Y = 90 * _COORDINATE_PRECISION


@dataclass
class OsmExtract:
    """Everything :func:`read_osm` takes from an OSM extract.

    Attributes
    ----------
    network
        The road network (every OSM node of every road way is a graph node; see :mod:`analysis.network`).
    places
        Settlements: OSM ``place`` nodes with ``place`` in :data:`PLACE_TYPES`, WGS84 points, columns
        :data:`PLACE_COLUMNS` (``population`` is float, NaN where missing or unparseable; ``katottg`` comes from
        the tag ``katotth``, ``katottg`` or ``ref:katottg``).
    pois
        Candidate service points: nodes, and ways as a point (closed ways: a representative point inside the
        area; open ways: the centroid), whose tags match the taxonomy's query tags and that the taxonomy
        classifies into a category. Columns :data:`POI_COLUMNS` (``osm_type`` is ``'node'`` or ``'way'``).
    stats
        Counts: ``ways_read`` (road ways in the file), ``segments`` and ``nodes`` (of the network),
        ``ways_with_missing_nodes`` (road ways referencing at least one node absent from the file),
        ``nodes_missing`` (distinct such node ids), ``places``, ``pois`` and ``seconds`` (wall time).
    """

    network: RoadNetwork
    places: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame
    stats: dict = field(default_factory=dict)


# ===================================================================================================== public API
def read_osm(
    path: str | os.PathLike,
    area: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    *,
    buffer_m: float = 5000.0,
    progress: Callable[[str, float], None] | None = None,
) -> OsmExtract:
    """Read an OSM extract into a road network, settlements and service points.

    Parameters
    ----------
    path
        An OpenStreetMap file: ``.osm.pbf`` (or ``.pbf``), ``.osm``, ``.osm.bz2`` or ``.osm.gz``. Nodes must come
        before the ways that use them (true for every extract from Geofabrik, BBBike, Overpass or osmium).
    area
        Optional area of interest in WGS84 lon/lat: a shapely Polygon/MultiPolygon, or a GeoDataFrame/GeoSeries
        (reprojected to WGS84 if it has another CRS; all its geometries are merged). Only road segments whose
        both nodes lie inside the area buffered by ``buffer_m``, and places/POIs inside it, are kept.
    buffer_m
        Buffer around ``area`` in metres (computed in the local UTM zone), so that routes leaving the area
        briefly and services just outside it are not lost. Ignored without ``area``. Default 5000.
    progress
        Optional callback ``progress(stage_text, fraction)`` called at stage boundaries with a fraction in [0, 1].

    Returns
    -------
    OsmExtract
        ``network``, ``places``, ``pois`` and ``stats`` (see :class:`OsmExtract`).

    Raises
    ------
    DataError
        If the file does not exist, has an unsupported extension, is empty, corrupt or truncated, contains no
        roads (in the area), or if ``area``/``buffer_m`` is invalid. The message names the file and the fix.

    Examples
    --------
    >>> extract = read_osm("tests/fixtures/ukr_village.osm", buffer_m=0)  # doctest: +SKIP
    >>> extract.stats["segments"]  # doctest: +SKIP
    25
    """
    started = time.perf_counter()
    path = _validate_path(path)
    fmt = _format_of(path)
    if isinstance(buffer_m, bool) or not isinstance(buffer_m, Real) or not math.isfinite(buffer_m) or buffer_m < 0:
        raise DataError(f"buffer_m must be a finite number of metres >= 0; got {buffer_m!r}.")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable progress(stage, fraction) or None; got {type(progress)!r}.")
    clip = _prepare_area(area, float(buffer_m)) if area is not None else None

    _report(progress, f"Reading {path.name}", 0.0)
    taxonomy = load_taxonomy()
    raw = _read_file(path, fmt, taxonomy.osm_query_tags(include_optional=True))

    _report(progress, "Clipping to the area" if clip is not None else "Splitting ways at missing nodes", 0.6)
    nodes, segments, road_stats = _road_tables(raw, clip)
    if segments.empty:
        raise DataError(_no_roads_message(path, raw, clip, float(buffer_m)))

    _report(progress, "Building the road network", 0.7)
    source = f"OpenStreetMap extract {path.name}"
    if clip is not None:
        source += f" (clipped to the area + {float(buffer_m):g} m)"
    network = build_network(nodes, segments, source=source)

    _report(progress, "Classifying settlements and service points", 0.9)
    places = _places_table(raw["places"], clip)
    pois = _pois_table(raw["pois"], raw["poi_keys"], clip, taxonomy)

    stats = {
        "ways_read": road_stats["ways_read"],
        "segments": network.n_edges,
        "nodes": network.n_nodes,
        "ways_with_missing_nodes": road_stats["ways_with_missing_nodes"],
        "nodes_missing": road_stats["nodes_missing"],
        "places": len(places),
        "pois": len(pois),
        "seconds": round(time.perf_counter() - started, 3),
    }
    _report(progress, "Done", 1.0)
    return OsmExtract(network=network, places=places, pois=pois, stats=stats)


# ===================================================================================================== validation
def _validate_path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or os.PathLike); got {type(path).__name__}.")
    path = Path(path)
    if not path.exists():
        raise DataError(
            f"OSM file not found: {path}. Check the path, or download an extract (e.g. from "
            f"https://download.geofabrik.de/europe/ukraine.html) and save it there."
        )
    if not path.is_file():
        raise DataError(f"{path} is a directory, not an OSM file. Give the path of a .osm.pbf/.osm/.osm.bz2 file.")
    if path.stat().st_size == 0:
        raise DataError(f"The OSM file {path} is empty (0 bytes). The download probably failed; download it again.")
    return path


def _format_of(path: Path) -> str:
    name = path.name.lower()
    for suffix, fmt in SUPPORTED_FORMATS.items():
        if name.endswith(suffix):
            return fmt
    raise DataError(
        f"Unsupported file type: {path.name}. Give an OpenStreetMap extract ending in "
        f"{', '.join(SUPPORTED_FORMATS)} (convert other formats with `osmium cat`)."
    )


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


def _prepare_area(area: Any, buffer_m: float) -> _Clip:
    """Validate the area of interest, merge it into one geometry, buffer it in metres, prepare it."""
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        series = area.geometry if isinstance(area, gpd.GeoDataFrame) else area
        if series.crs is not None and not series.crs.equals(pyproj.CRS.from_epsg(4326)):
            series = series.to_crs(4326)
        series = series[series.notna() & ~series.is_empty]
        if series.empty:
            raise DataError("The area is empty: the given GeoDataFrame/GeoSeries has no geometries.")
        invalid = ~series.is_valid
        if invalid.any():
            reason = shapely.is_valid_reason(series[invalid].iloc[0])
            raise DataError(f"The area polygon is invalid ({reason}). Repair it (e.g. in QGIS: Fix geometries).")
        geometry = series.union_all()
    elif isinstance(area, BaseGeometry):
        geometry = area
    else:
        raise DataError(
            f"The area must be a shapely Polygon/MultiPolygon or a GeoDataFrame/GeoSeries; got {type(area).__name__}."
        )
    if geometry is None or geometry.is_empty:
        raise DataError("The area polygon is empty.")
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise DataError(f"The area must be a Polygon or MultiPolygon; got a {geometry.geom_type}.")
    if not geometry.is_valid:
        raise DataError(
            f"The area polygon is invalid ({shapely.is_valid_reason(geometry)}). "
            "Repair it (e.g. in QGIS: Fix geometries) and try again."
        )
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise DataError(
            f"The area's coordinates {tuple(round(b, 2) for b in geometry.bounds)} are not WGS84 longitude/latitude. "
            "Reproject it to EPSG:4326 (or pass a GeoDataFrame with its CRS set)."
        )
    if buffer_m > 0:
        coords = shapely.get_coordinates(geometry)
        crs = estimate_metric_crs(coords[:, 0], coords[:, 1])
        to_metric = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        to_wgs84 = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        metric = shapely.transform(geometry, lambda x, y: to_metric.transform(x, y), interleaved=False)
        geometry = shapely.transform(metric.buffer(buffer_m), lambda x, y: to_wgs84.transform(x, y), interleaved=False)
    shapely.prepare(geometry)
    return _Clip(geometry=geometry)


def _report(progress: Callable[[str, float], None] | None, stage: str, fraction: float) -> None:
    if progress is not None:
        progress(stage, float(fraction))


# ===================================================================================================== reading
def _read_file(path: Path, fmt: str, poi_query: Mapping[str, bool | list[str]]) -> dict:
    """One streaming pass over the file; returns flat buffers of road way nodes and lists of tagged objects."""
    poi_match = [(key, None if values is True else frozenset(values)) for key, values in poi_query.items()]
    poi_keys = tuple(dict.fromkeys((*_CLASSIFY_NAME_KEYS, *POI_TAG_COLUMNS, *poi_query)))
    node_keys = tuple(dict.fromkeys(("place", *poi_query, *NODE_TAG_COLUMNS)))
    way_keys = tuple(dict.fromkeys(("highway", *poi_query)))
    place_types = frozenset(PLACE_TYPES)
    roads = ROAD_HIGHWAYS
    road_keys = _ROAD_WAY_KEYS

    refs = array("q")  # node id of every node of every road way, in drawing order
    xs = array("i")  # fixed-point lon (1e-7 degree); 2**31-1 where the node is missing from the file
    ys = array("i")
    way_sizes = array("q")
    way_ids = array("q")
    way_tags: list[tuple] = []  # (highway, *road_keys) per road way
    places: list[tuple] = []
    pois: list[tuple] = []  # (osm_type, osmid, lon, lat, *values of poi_keys)
    node_tags: list[tuple] = []  # (osmid, *NODE_TAG_COLUMNS)

    refs_append, xs_append, ys_append = refs.append, xs.append, ys.append

    def is_poi(tags) -> bool:
        for key, values in poi_match:
            value = tags.get(key)
            if value is not None and (values is None or value in values):
                return True
        return False

    processor = (
        osmium.FileProcessor(osmium.io.File(str(path), fmt), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations(_LOCATION_STORAGE)
        .with_filter(osmium.filter.KeyFilter(*node_keys).enable_for(osmium.osm.NODE))
        .with_filter(osmium.filter.KeyFilter(*way_keys).enable_for(osmium.osm.WAY))
    )
    try:
        for obj in processor:
            tags = obj.tags
            if obj.is_way():
                highway = tags.get("highway")
                if highway is not None and highway in roads and tags.get("area") != "yes":
                    way_ids.append(obj.id)
                    way_tags.append((highway, *[tags.get(k) for k in road_keys]))
                    nodes = obj.nodes
                    way_sizes.append(len(nodes))
                    for node_ref in nodes:
                        location = node_ref.location
                        refs_append(node_ref.ref)
                        xs_append(location.x)
                        ys_append(location.y)
                if is_poi(tags):
                    point = _way_point(obj.nodes)
                    if point is not None:
                        pois.append(("way", obj.id, point[0], point[1], *[tags.get(k) for k in poi_keys]))
            else:
                location = obj.location
                if not location.valid():
                    continue  # a node without a usable location is useless for places, POIs and roads alike
                place = tags.get("place")
                if place is not None and place in place_types:
                    places.append((obj.id, location.lon, location.lat, place, *[tags.get(k) for k in _PLACE_KEYS]))
                if is_poi(tags):
                    pois.append(("node", obj.id, location.lon, location.lat, *[tags.get(k) for k in poi_keys]))
                values = [tags.get(k) for k in NODE_TAG_COLUMNS]
                if any(v is not None for v in values):
                    node_tags.append((obj.id, *values))
    except RuntimeError as exc:
        raise DataError(
            f"Cannot read the OSM file {path}: {exc}. The file is corrupt, truncated (an interrupted download?) "
            f"or not a {fmt} file; download it again."
        ) from exc
    return {
        "refs": np.frombuffer(refs, dtype=np.int64) if len(refs) else np.zeros(0, dtype=np.int64),
        "x": np.frombuffer(xs, dtype=np.int32) if len(xs) else np.zeros(0, dtype=np.int32),
        "y": np.frombuffer(ys, dtype=np.int32) if len(ys) else np.zeros(0, dtype=np.int32),
        "way_sizes": np.frombuffer(way_sizes, dtype=np.int64) if len(way_sizes) else np.zeros(0, dtype=np.int64),
        "way_ids": np.frombuffer(way_ids, dtype=np.int64) if len(way_ids) else np.zeros(0, dtype=np.int64),
        "way_tags": way_tags,
        "places": places,
        "pois": pois,
        "poi_keys": poi_keys,
        "node_tags": node_tags,
    }


def _way_point(nodes) -> tuple[float, float] | None:
    """A point for a POI way: a representative point of a closed way's area, else the centroid of the line."""
    coords = []
    for node_ref in nodes:
        location = node_ref.location
        if location.valid():
            coords.append((location.lon, location.lat))
    if not coords:
        return None
    closed = len(nodes) >= 4 and nodes[0].ref == nodes[len(nodes) - 1].ref
    unique = len(set(coords))
    if closed and unique >= 3:
        if coords[0] != coords[-1]:
            coords.append(coords[0])  # a missing end node
        polygon = shapely.Polygon(coords)
        if not polygon.is_valid:
            polygon = shapely.make_valid(polygon)
        point = polygon.representative_point() if not polygon.is_empty else shapely.LineString(coords).centroid
    elif unique >= 2:
        point = shapely.LineString(coords).centroid
    else:
        point = shapely.Point(coords[0])
    return point.x, point.y


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


# ================================================================================================================
# Saved extracts: one layout for the CLI, the download cache and the dashboard
# ================================================================================================================
#: Version of the saved-extract layout (``network/``, ``places.parquet``, ``pois.parquet``, ``extract.json``).
EXTRACT_FORMAT = 1
EXTRACT_META_FILE = "extract.json"


def default_extracts_dir() -> Path:
    """Where imported/downloaded extracts are kept for reuse (and listed by the dashboard):
    ``$HROMADA_ACCESS_CACHE/networks`` or ``~/.cache/hromada-access/networks``."""
    base = os.environ.get("HROMADA_ACCESS_CACHE") or str(Path.home() / ".cache" / "hromada-access")
    return Path(base).expanduser() / "networks"


def save_extract(extract: OsmExtract, directory: str | os.PathLike, *, meta: Mapping[str, Any] | None = None) -> Path:
    """Save an extract atomically: ``network/`` (:meth:`RoadNetwork.save` layout), ``places.parquet``,
    ``pois.parquet`` and ``extract.json`` (format, source, extent, statistics, licence, plus ``meta``).

    The folder is replaced as a whole, so a failure never leaves a half-written extract behind.
    """
    directory = Path(directory)
    nodes = extract.network.nodes
    info = {
        "format": EXTRACT_FORMAT,
        "source": extract.network.source,
        "saved": time.strftime("%Y-%m-%d %H:%M"),
        "bbox": [float(nodes["lon"].min()), float(nodes["lat"].min()), float(nodes["lon"].max()),
                 float(nodes["lat"].max())],
        "stats": {k: v for k, v in extract.stats.items() if isinstance(v, (int, float, str, bool))},
        "licence": "© OpenStreetMap contributors, ODbL 1.0",
        **dict(meta or {}),
    }
    with atomic_directory(directory) as tmp:
        extract.network.save(tmp / "network")
        extract.places.to_parquet(tmp / "places.parquet", index=False)
        extract.pois.to_parquet(tmp / "pois.parquet", index=False)
        (tmp / EXTRACT_META_FILE).write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return directory


def read_extract_meta(directory: str | os.PathLike) -> dict:
    """The ``extract.json`` of a saved extract (empty dict if absent or unreadable)."""
    try:
        return json.loads((Path(directory) / EXTRACT_META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def load_extract(directory: str | os.PathLike) -> OsmExtract:
    """Load an extract saved with :func:`save_extract`."""
    directory = Path(directory)
    meta = read_extract_meta(directory)
    if not meta:
        raise DataError(f"{directory} is not a saved OSM extract ({EXTRACT_META_FILE} missing or unreadable).")
    if meta.get("format") != EXTRACT_FORMAT:
        raise DataError(f"Saved extract {directory} has format {meta.get('format')}, expected {EXTRACT_FORMAT}.")
    return OsmExtract(
        network=RoadNetwork.load(directory / "network"),
        places=gpd.read_parquet(directory / "places.parquet"),
        pois=gpd.read_parquet(directory / "pois.parquet"),
        stats=dict(meta.get("stats", {})),
    )
