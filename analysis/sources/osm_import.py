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

import math
import os
import time
from array import array
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import Any, Callable, Mapping

import geopandas as gpd
import numpy as np
import osmium
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from analysis.errors import DataError
from analysis.network.graph import (
    NODE_TAG_COLUMNS,
    RoadNetwork,
    build_network,
    estimate_metric_crs,
    mark_settlement_areas,
)
from analysis.sources.osm_tables import (
    _CLASSIFY_NAME_KEYS,
    _LOCATION_STORAGE,
    _PLACE_KEYS,
    _ROAD_WAY_KEYS,
    PLACE_COLUMNS,
    PLACE_TYPES,
    POI_COLUMNS,
    POI_TAG_COLUMNS,
    ROAD_HIGHWAYS,
    SUPPORTED_FORMATS,
    _Clip,
    _no_roads_message,
    _places_table,
    _pois_table,
    _road_tables,
    _settlement_areas,
)
from analysis.sources.taxonomy import load_taxonomy

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
    data_date = _data_date(raw.get("newest_road_edit", 0.0))
    if data_date:
        source += f", roads as of {data_date}"
    if clip is not None:
        source += f" (clipped to the area + {float(buffer_m):g} m)"
    network = build_network(nodes, segments, source=source)
    n_inside = mark_settlement_areas(network, _settlement_areas(raw["areas"], clip))

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
        "settlement_areas": len(raw["areas"]),
        "segments_inside_settlements": n_inside,
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
def _data_date(newest_posix: float) -> str | None:
    """The date of the newest road edit as ``YYYY-MM-DD`` (None when the file carries no timestamps: osmium gives
    1970 for those; OSM itself started in 2004)."""
    import datetime

    if not newest_posix or newest_posix < datetime.datetime(2004, 1, 1, tzinfo=datetime.timezone.utc).timestamp():
        return None
    return datetime.datetime.fromtimestamp(newest_posix, tz=datetime.timezone.utc).strftime("%Y-%m-%d")


def _read_file(path: Path, fmt: str, poi_query: Mapping[str, bool | list[str]]) -> dict:
    """One streaming pass over the file; returns flat buffers of road way nodes and lists of tagged objects."""
    poi_match = [(key, None if values is True else frozenset(values)) for key, values in poi_query.items()]
    poi_keys = tuple(dict.fromkeys((*_CLASSIFY_NAME_KEYS, *POI_TAG_COLUMNS, *poi_query)))
    node_keys = tuple(dict.fromkeys(("place", *poi_query, *NODE_TAG_COLUMNS)))
    way_keys = tuple(dict.fromkeys(("highway", "place", "landuse", *poi_query)))
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
    areas: list[list[tuple[float, float]]] = []  # rings of closed settlement-area ways (place=*, landuse=residential)
    newest = [0.0]  # latest edit (POSIX seconds) among the road ways: the data's date when the header has none

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
                    stamp = obj.timestamp
                    if stamp is not None and stamp.timestamp() > newest[0]:
                        newest[0] = stamp.timestamp()
                    way_tags.append((highway, *[tags.get(k) for k in road_keys]))
                    nodes = obj.nodes
                    way_sizes.append(len(nodes))
                    for node_ref in nodes:
                        location = node_ref.location
                        refs_append(node_ref.ref)
                        xs_append(location.x)
                        ys_append(location.y)
                if (tags.get("place") in place_types or tags.get("landuse") == "residential") and obj.is_closed():
                    ring = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
                    if len(ring) >= 4:
                        areas.append(ring)
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
        "areas": areas,
        "newest_road_edit": newest[0],
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
















