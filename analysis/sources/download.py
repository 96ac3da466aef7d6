"""Downloading OpenStreetMap data for a hromada via osmnx (Overpass API), with an offline cache.

Two steps:

1. :func:`resolve_area` turns what the user knows (a KATOTTG code, a hromada name, a bounding box or a polygon
   file) into a WGS84 (Multi)Polygon and a label. Codes and names are looked up in the shared boundary file
   (see :mod:`analysis.datasets`); unknown names fall back to the Nominatim geocoder.
2. :func:`download_osm` fetches, for that area, all highways (one Overpass query, turned into a
   :class:`~analysis.network.RoadNetwork` from which the drive/walk profiles are derived), settlements
   (``place=city|town|village|hamlet``) and candidate service points (the tags of the service taxonomy), and
   returns an :class:`~analysis.osm_import.OsmExtract`.

Caching
-------
Two layers, both under ``cache_dir`` (default: ``$HROMADA_ACCESS_CACHE`` or ``~/.cache/hromada-access``):

``<cache_dir>/http/``
    osmnx's own HTTP response cache (one JSON file per Overpass/Nominatim request), so a download that failed
    half-way resumes without asking the server again for what already arrived.
``<cache_dir>/osm-<sha1>/``
    the finished extract (``network/`` via :meth:`RoadNetwork.save`, ``places.parquet``, ``pois.parquet``,
    ``extract.json``), keyed by the SHA-1 of the area's WKT and the download options. It is written atomically
    (:func:`analysis.outputs.atomic_directory`): a failed or interrupted download never leaves a half-written
    entry. A second call for the same area and options loads it without any network access.

osmnx is configured through its module-level ``osmnx.settings``; every call here sets what it needs inside
a context manager that restores the previous values afterwards (and serialises concurrent downloads, since those
settings are process-wide).

Example
-------
>>> area, label = resolve_area(katottg="UA46040010000033885")        # doctest: +SKIP
>>> extract = download_osm(area, progress=lambda text, f: print(f"{f:4.0%} {text}"))  # doctest: +SKIP
>>> extract.network.summary()["segments"]                              # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd
import pyproj
import requests
import shapely
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
from shapely.geometry.base import BaseGeometry

from analysis.errors import DataError
from analysis.network.graph import (
    NODE_TAG_COLUMNS,
    WAY_TAG_COLUMNS,
    RoadNetwork,
    build_network,
    estimate_metric_crs,
    mark_settlement_areas,
)
from analysis.sources.areas import MAX_DOWNLOAD_AREA_KM2, _clean_area, area_km2
from analysis.sources.extracts import load_extract, read_extract_meta, save_extract
from analysis.sources.osm_import import (
    PLACE_COLUMNS,
    PLACE_TYPES,
    POI_COLUMNS,
    POI_TAG_COLUMNS,
    ROAD_HIGHWAYS,
    OsmExtract,
)
from analysis.sources.overpass import DEFAULT_TIMEOUT_S, _download_error, _osmnx_session, _unique, resolve_cache_dir
from analysis.sources.taxonomy import DEFAULT_TAXONOMY_PATH, load_taxonomy

#: Settlements and service points are queried in the convex hull of the area grown by this margin (metres), then
#: kept exactly inside the area: osmnx repeats the query polygon in each of the ~50 statements of a features query,
#: so the full-resolution boundary (≈1800 vertices for Бродівська) would make a query of megabytes.
FEATURE_QUERY_MARGIN_M = 300.0


#: The Overpass way filter of the road download: the same highway classes :mod:`analysis.osm_import` reads from
#: extracts (osmnx's ``network_type="all"`` would also keep e.g. ``highway=elevator`` or ``bus_stop`` ways), no
#: ``area=yes`` squares.
ROAD_FILTER = f'["highway"~"^({"|".join(sorted(ROAD_HIGHWAYS))})$"]["area"!~"yes"]'


#: Bump when the layout of a cached extract changes (old entries are then ignored).
CACHE_FORMAT = 1








ProgressCallback = Callable[[str, float], None]


















def cache_key(area: BaseGeometry, *, buffer_m: float, include_optional: bool) -> str:
    """SHA-1 naming a cached extract: the area's (normalised) WKT, the options and the taxonomy file."""
    wkt = shapely.to_wkt(shapely.normalize(area), rounding_precision=7, trim=True)
    taxonomy = hashlib.sha1(DEFAULT_TAXONOMY_PATH.read_bytes()).hexdigest() if DEFAULT_TAXONOMY_PATH.exists() else ""
    options = json.dumps(
        {"format": CACHE_FORMAT, "buffer_m": float(buffer_m), "include_optional": bool(include_optional),
         "place_types": list(PLACE_TYPES), "taxonomy": taxonomy},
        sort_keys=True,
    )
    return hashlib.sha1(f"{wkt}\n{options}".encode("utf-8")).hexdigest()


def download_osm(
    area: BaseGeometry,
    *,
    cache_dir: str | os.PathLike | None = None,
    buffer_m: float = 5000,
    include_optional: bool = True,
    progress: ProgressCallback | None = None,
    refresh: bool = False,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> OsmExtract:
    """Download roads, settlements and service points of an area from OpenStreetMap (Overpass API via osmnx).

    Parameters
    ----------
    area
        WGS84 (Multi)Polygon, e.g. from :func:`resolve_area`.
    cache_dir
        Cache folder (default ``$HROMADA_ACCESS_CACHE`` or ``~/.cache/hromada-access``); see the module docstring.
    buffer_m
        Roads are downloaded within this distance (metres) around the area as well, so that routes leaving and
        re-entering the hromada, and the roads to services just outside, are kept. Settlements and service points
        are taken inside the area only.
    include_optional
        Also download optional service categories (health care).
    progress
        Called as ``progress(stage_text, fraction)`` (fraction 0..1) at each stage boundary.
    refresh
        Ignore both caches and download again (the new extract replaces the cached one).
    timeout
        HTTP timeout per request in seconds, rounded up to whole seconds (also sent to Overpass as the query's
        time limit ``[timeout:N]``).

    Returns
    -------
    OsmExtract
        ``network`` (all highways as a :class:`RoadNetwork`; derive drive/walk graphs with its profiles),
        ``places`` (settlement points), ``pois`` (candidate service points with their taxonomy ``category``) and
        ``stats`` (counts, source, timings, ``from_cache``, ``http_requests``, ``cache_path``).

    Raises
    ------
    DataError
        Bad area or options; no roads in the area.
    DownloadError
        No connection, timeout, HTTP error (4xx/5xx, 429 rate limit), or an Overpass runtime error.
    """
    started = time.perf_counter()
    area = _clean_area(area, "download area")
    buffer_m = _check_number(buffer_m, "buffer_m", minimum=0.0, maximum=100_000.0)
    timeout = _check_number(timeout, "timeout", minimum=0.1, maximum=3600.0)
    if progress is not None and not callable(progress):
        raise DataError("progress must be a callable progress(stage_text, fraction) or None.")
    report: ProgressCallback = progress or (lambda _text, _fraction: None)

    buffered = _buffer_area(area, buffer_m)
    size_km2 = area_km2(buffered)
    if size_km2 > MAX_DOWNLOAD_AREA_KM2:
        raise DataError(
            f"Територія завелика для завантаження / The area is too large to download from Overpass "
            f"({size_km2:,.0f} km² with the {buffer_m:g} m buffer; limit {MAX_DOWNLOAD_AREA_KM2:,.0f} km²). "
            "Download a hromada or raion, or import an .osm.pbf extract (e.g. from Geofabrik) instead."
        )
    cache_root = resolve_cache_dir(cache_dir)
    cache_note = None
    key = cache_key(area, buffer_m=buffer_m, include_optional=include_optional)
    entry = cache_root / f"osm-{key}"

    if not refresh and (entry / "extract.json").is_file():
        report("Дані OSM з кешу / Loading OSM data from the cache", 0.0)
        try:
            extract = _load_entry(entry)
        except Exception as exc:  # noqa: BLE001 - a damaged entry is simply downloaded again
            shutil.rmtree(entry, ignore_errors=True)
            cache_note = f"The cached copy {entry.name} was unreadable ({type(exc).__name__}) and was downloaded again."
        else:
            extract.stats.update(from_cache=True, http_requests=0, cache_path=str(entry),
                                 seconds=round(time.perf_counter() - started, 3))
            report("Готово / Done", 1.0)
            return extract

    taxonomy = load_taxonomy()
    downloaded = dt.datetime.now(dt.timezone.utc)
    with _osmnx_session(cache_dir=cache_root, timeout=timeout, read_cache=not refresh, check_status=True) as session:
        overpass = ox.settings.overpass_url.rstrip("/") + "/interpreter"
        try:
            report("Завантаження доріг / Downloading the road network", 0.0)
            t0 = time.perf_counter()
            graph = _download_graph(buffered, buffer_m)
            network = _graph_to_network(graph, source=(
                f"OpenStreetMap via Overpass (osmnx), downloaded {downloaded:%Y-%m-%d %H:%M} UTC"))
            del graph
            t_network = time.perf_counter() - t0

            # features are asked for in a few-vertex polygon covering the area, then kept exactly inside it
            query_area = _buffer_area(area, FEATURE_QUERY_MARGIN_M, FEATURE_QUERY_MARGIN_M / 2).convex_hull
            report("Завантаження населених пунктів / Downloading settlements", 0.55)
            t0 = time.perf_counter()
            raw_places = _download_features(query_area, {"place": list(PLACE_TYPES), "landuse": ["residential"]})
            places = _inside(_places_table(raw_places), area)
            mark_settlement_areas(network, _settlement_areas(raw_places))

            report("Завантаження точок послуг / Downloading service points", 0.7)
            raw_pois = _download_features(query_area, taxonomy.osm_query_tags(include_optional))
            pois = _inside(_pois_table(raw_pois, taxonomy, include_optional), area)
            t_features = time.perf_counter() - t0
        except (requests.RequestException, ResponseStatusCodeError) as exc:
            raise _download_error(exc, overpass) from exc
        http_requests = session.responses

    report("Збереження в кеш / Saving to the cache", 0.9)
    stats = {
        "source": network.source,
        "downloaded_utc": downloaded.isoformat(timespec="seconds"),
        "overpass_url": overpass,
        "area_km2": round(area_km2(area), 3),
        "buffer_m": buffer_m,
        "download_area_km2": round(size_km2, 3),
        "include_optional": bool(include_optional),
        "nodes": network.n_nodes,
        "segments": network.n_edges,
        "places": len(places),
        "pois": len(pois),
        "pois_by_category": {str(k): int(v) for k, v in pois["category"].value_counts().items()},
        "network_s": round(t_network, 3),
        "features_s": round(t_features, 3),
    }
    extract = OsmExtract(network=network, places=places, pois=pois, stats=dict(stats))
    if cache_note:
        extract.stats["cache_note"] = cache_note
    try:
        _save_entry(entry, network, places, pois, stats)
    except OSError as exc:  # a full or read-only disk must not cost the user the download itself
        extract.stats["cache_error"] = f"Could not save the download to the cache {entry}: {exc}"
        entry = None
    extract.stats.update(from_cache=False, http_requests=http_requests, cache_path=None if entry is None else
                         str(entry), seconds=round(time.perf_counter() - started, 3))
    report("Готово / Done", 1.0)
    return extract


def _check_number(value: Any, name: str, *, minimum: float, maximum: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a number, got {value!r}.") from exc
    if isinstance(value, bool) or not math.isfinite(number) or not minimum <= number <= maximum:
        raise DataError(f"{name} must be a number between {minimum:g} and {maximum:g}, got {value!r}.")
    return number


def _buffer_area(area: BaseGeometry, buffer_m: float, tolerance_m: float | None = None) -> BaseGeometry:
    """The area grown by ``buffer_m`` metres (in its UTM zone) and simplified, to keep Overpass queries short.

    The simplification tolerance (default ``min(buffer_m / 20, 100)`` m) is below the buffer, so the result still
    covers the area.
    """
    if buffer_m <= 0:
        return area
    tolerance_m = min(buffer_m / 20.0, 100.0) if tolerance_m is None else tolerance_m
    centroid = area.centroid
    crs = estimate_metric_crs(np.array([centroid.x]), np.array([centroid.y]))
    to_metric = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    to_wgs84 = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    grown = shapely.transform(area, lambda x, y: to_metric.transform(x, y), interleaved=False)
    grown = grown.buffer(buffer_m, quad_segs=4).simplify(tolerance_m, preserve_topology=True)
    return shapely.make_valid(shapely.transform(grown, lambda x, y: to_wgs84.transform(x, y), interleaved=False))


def _inside(table: gpd.GeoDataFrame, area: BaseGeometry) -> gpd.GeoDataFrame:
    """Rows whose (point) geometry lies in the area (boundary included)."""
    if table.empty:
        return table
    shapely.prepare(area)
    return table[shapely.intersects(area, table.geometry.to_numpy())].reset_index(drop=True)


def _download_graph(polygon: BaseGeometry, buffer_m: float):
    """All highways in the polygon as an unsimplified osmnx MultiDiGraph (one edge per way segment)."""
    no_roads = DataError(
        f"No roads in the area: OpenStreetMap has no highway within {buffer_m:g} m of it "
        "(is it the right place, in lon/lat order?). Нема доріг у цій території."
    )
    try:
        return ox.graph_from_polygon(
            polygon, custom_filter=ROAD_FILTER, simplify=False, retain_all=True, truncate_by_edge=True
        )
    except InsufficientResponseError as exc:
        raise no_roads from exc
    except ValueError as exc:
        if "no graph nodes" in str(exc).lower():
            raise no_roads from exc
        raise


def _first(value: Any) -> Any:
    """The first element of list-valued graph attributes (osmnx merges attributes into lists), else the value."""
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def _graph_to_network(graph, *, source: str) -> RoadNetwork:
    """Convert an osmnx MultiDiGraph (built with ``all_oneway=True``) to a :class:`RoadNetwork`.

    Every physical way segment becomes exactly one row of ``segments``, oriented in the way's drawing direction:
    twins osmnx adds for the opposite direction (``reversed=True``, only without ``all_oneway``) are skipped and
    the ``oneway=-1`` ways osmnx stored reversed are turned back; the raw ``oneway`` tag then gives the direction
    code in :func:`build_network`.
    """
    node_rows = []
    for osmid, data in graph.nodes(data=True):
        row = {"osmid": int(osmid), "lon": float(data["x"]), "lat": float(data["y"])}
        for tag in NODE_TAG_COLUMNS:
            value = _first(data.get(tag))
            if value is not None:
                row[tag] = str(value)
        node_rows.append(row)
    nodes = pd.DataFrame(node_rows, columns=["osmid", "lon", "lat", *NODE_TAG_COLUMNS]).set_index("osmid")
    # like analysis.osm_import: a tag column only where the tag occurs (all-null columns do not survive parquet)
    nodes = nodes.drop(columns=[c for c in NODE_TAG_COLUMNS if nodes[c].isna().all()])

    way_tags = _unique(["oneway", "maxspeed", "junction", *WAY_TAG_COLUMNS])
    segment_rows = []
    for u, v, data in graph.edges(data=True):
        if _first(data.get("reversed")) is True:
            continue
        oneway = _first(data.get("oneway"))
        if isinstance(oneway, bool):  # not a raw tag: osmnx ran without all_oneway
            oneway = "yes" if oneway else None
        if isinstance(oneway, str) and oneway in _OSMNX_REVERSED_ONEWAY:
            u, v = v, u
        row = {"u": int(u), "v": int(v), "way_id": int(_first(data["osmid"])), "highway": _first(data.get("highway"))}
        for tag in way_tags:
            value = oneway if tag == "oneway" else _first(data.get(tag))
            row[tag] = None if value is None else str(value)
        segment_rows.append(row)
    segments = pd.DataFrame(segment_rows, columns=["u", "v", "way_id", "highway", *way_tags])
    segments = segments.drop(columns=[c for c in way_tags if segments[c].isna().all()])
    segments = segments.sort_values(["way_id", "u", "v"], kind="stable", ignore_index=True)
    try:
        return build_network(nodes, segments, source=source)
    except DataError as exc:
        raise DataError(f"No roads in the area: {exc}") from exc


def _download_features(polygon: BaseGeometry, tags: dict) -> gpd.GeoDataFrame:
    """osmnx features in the polygon; an empty GeoDataFrame when OSM has none."""
    try:
        return ox.features_from_polygon(polygon, tags=tags)
    except InsufficientResponseError:
        return gpd.GeoDataFrame(
            {"element": pd.Series([], dtype="string"), "id": pd.Series([], dtype="int64")},
            geometry=gpd.GeoSeries([], crs=4326),
        ).set_index(["element", "id"])


def _point_geometry(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    """One point per feature, as :mod:`analysis.osm_import` does it: points stay, areas become a representative
    point inside them, lines their centroid."""
    values = geometry.to_numpy()
    kind = shapely.get_type_id(values)
    areal = np.isin(kind, (3, 6))  # Polygon, MultiPolygon
    points = np.where(kind == 0, values, np.where(areal, shapely.point_on_surface(values), shapely.centroid(values)))
    return gpd.GeoSeries(points, index=geometry.index, crs=4326)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A tag column as text (``str`` dtype, NaN where absent); all-NaN if the tag never occurs."""
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="str")
    return frame[column].map(lambda v: v if isinstance(v, str) else None).astype("str")


def _parse_population(values: pd.Series) -> pd.Series:
    """OSM ``population`` tags as numbers: ``"1580"``, ``"23 134"``, ``"1,580"`` -> float; anything else NaN."""
    cleaned = values.astype("str").str.replace(r"[\s\u00a0\u202f']", "", regex=True)
    cleaned = cleaned.where(~cleaned.str.fullmatch(r"\d{1,3}(,\d{3})+", na=False), cleaned.str.replace(",", ""))
    number = pd.to_numeric(cleaned.where(cleaned.str.fullmatch(r"\d+(\.\d+)?", na=False)), errors="coerce")
    return number.astype(float)


def _empty_points(columns: dict[str, pd.Series]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def _settlement_areas(raw: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Settlement areas among osmnx features: ``place=*`` and ``landuse=residential`` polygons (the roads inside
    them are driven at the settlement limit, :func:`analysis.network.graph.mark_settlement_areas`)."""
    if not len(raw):
        return gpd.GeoSeries([], crs=4326)
    polygons = raw.geometry[raw.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    return gpd.GeoSeries(polygons.to_numpy(), crs=raw.crs or 4326)


def _places_table(raw: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Settlements table (columns :data:`~analysis.osm_import.PLACE_COLUMNS`) from osmnx ``place=*`` features.

    Like :func:`analysis.osm_import.read_osm`, only place *nodes* are kept (``osmid`` is a node id); place areas
    are rare in Ukraine and would duplicate their node.
    """
    raw = raw.reset_index()
    if len(raw):
        place = raw["place"] if "place" in raw.columns else pd.Series(None, index=raw.index)
        raw = raw[(raw["element"] == "node") & place.isin(PLACE_TYPES)].reset_index(drop=True)
    katottg = _text(raw, "katotth").fillna(_text(raw, "katottg")).fillna(_text(raw, "ref:katottg"))
    columns = {
        "osmid": raw["id"].astype("int64") if len(raw) else pd.Series([], dtype="int64"),
        "name": _text(raw, "name"),
        "name_uk": _text(raw, "name:uk"),
        "name_en": _text(raw, "name:en"),
        "place": _text(raw, "place"),
        "population": _parse_population(_text(raw, "population")),
        "koatuu": _text(raw, "koatuu"),
        "katottg": katottg,
    }
    columns = {column: columns[column] for column in PLACE_COLUMNS}
    if not len(raw):
        return _empty_points(columns)
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry=_point_geometry(raw.geometry), crs=4326)


def _pois_table(raw: gpd.GeoDataFrame, taxonomy, include_optional: bool) -> gpd.GeoDataFrame:
    """Candidate service points (columns :data:`~analysis.osm_import.POI_COLUMNS`): features the taxonomy
    classifies, with their ids, useful tags, ``category`` and a point geometry. Unclassified features (e.g. a
    tax office returned by the ``office=government`` query) are dropped, as in :mod:`analysis.osm_import`."""
    raw = raw.reset_index()
    if len(raw):
        tags = raw.drop(columns=[c for c in ("element", "id", "geometry", "nodes", "ways") if c in raw.columns])
        category = taxonomy.classify_table(tags, include_optional=include_optional)
        raw = raw[category.notna().to_numpy(dtype=bool)].reset_index(drop=True)
        category = category[category.notna()].reset_index(drop=True)
    else:
        category = pd.Series([], dtype="str")
    columns: dict[str, pd.Series] = {
        "osm_type": _text(raw, "element"),
        "osmid": raw["id"].astype("int64") if len(raw) else pd.Series([], dtype="int64"),
        "name": _text(raw, "name"),
    }
    for tag in POI_TAG_COLUMNS:
        columns[tag] = _text(raw, tag)
    columns["category"] = category.astype(object).astype("str")
    columns = {column: columns[column] for column in POI_COLUMNS}
    if not len(raw):
        return _empty_points(columns)
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry=_point_geometry(raw.geometry), crs=4326)


# ================================================================================================================
# Cache entries
# ================================================================================================================
def _save_entry(entry: Path, network: RoadNetwork, places: gpd.GeoDataFrame, pois: gpd.GeoDataFrame,
                stats: dict) -> None:
    save_extract(OsmExtract(network=network, places=places, pois=pois, stats=stats), entry,
                 meta={"cache_format": CACHE_FORMAT})


def _load_entry(entry: Path) -> OsmExtract:
    meta = read_extract_meta(entry)
    if meta.get("cache_format") != CACHE_FORMAT:
        raise DataError(f"Cached extract {entry} has format {meta.get('cache_format')}, expected {CACHE_FORMAT}.")
    return load_extract(entry)


#: ``oneway`` values for which osmnx reverses a way's node order (``osmnx.graph._add_paths``).
_OSMNX_REVERSED_ONEWAY = frozenset({"-1", "reverse", "T"})
