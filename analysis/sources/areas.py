"""Which area to download or clip: a hromada (KATOTTG code or name), a bbox or a polygon file."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmnx as ox
import pyproj
import requests
import shapely
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
from shapely.geometry.base import BaseGeometry

from analysis.errors import DataError, DownloadError
from analysis.network.graph import estimate_metric_crs
from analysis.sources.admin import _KATOTTG_RE, find_hromada, hromada_boundary
from analysis.sources.overpass import _download_error, _osmnx_session, resolve_cache_dir

#: Refuse to download areas larger than this (km², buffer included): Overpass would time out and the result
#: would not fit in memory comfortably. Import an .osm.pbf extract (e.g. from Geofabrik) for such areas.
MAX_DOWNLOAD_AREA_KM2 = 25_000.0


# ================================================================================================================
# Area
# ================================================================================================================
def resolve_area(
    *,
    katottg: str | None = None,
    name: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    polygon_file: str | os.PathLike | None = None,
    data_root: str | os.PathLike | None = None,
) -> tuple[BaseGeometry, str]:
    """Resolve the area to download from exactly one of a code, a name, a bounding box or a polygon file.

    Parameters
    ----------
    katottg
        Hromada KATOTTG code, e.g. ``"UA46040010000033885"``; its polygon is read from
        ``<data_root>/admin/boundaries/hromadas_osm_katottg_full.geojson``
        (:func:`analysis.datasets.hromada_boundary`).
    name
        Hromada name (``"Бродівська"``, ``"Бродівська міська громада"``, ``"Brody"``, the centre's name...),
        matched case-insensitively with :func:`analysis.datasets.find_hromada`; exact matches win, several
        matches are an error listing their codes. If nothing matches locally, the name is geocoded with Nominatim
        (needs internet), restricted to Ukraine.
    bbox
        ``(west, south, east, north)`` in degrees (WGS84 lon/lat).
    polygon_file
        A GeoJSON, GeoPackage or Shapefile with the area (any CRS; all features are merged).
    data_root
        Reference-data folder (default: ``$HROMADA_ACCESS_DATA``, else ``<repo>/../shared/data``).

    Returns
    -------
    area : shapely.Polygon or shapely.MultiPolygon
        The area in WGS84 lon/lat.
    label : str
        A human-readable name of the area (e.g. ``"Бродівська міська громада (UA46040010000033885)"``).

    Raises
    ------
    DataError
        Bad or ambiguous input (unknown code, several hromadas with that name, swapped bbox, unreadable file...).
    DownloadError
        The name had to be geocoded online and that failed or found nothing.
    """
    given = {k: v for k, v in {"katottg": katottg, "name": name, "bbox": bbox, "polygon_file": polygon_file}.items()
             if v is not None}
    if len(given) != 1:
        raise DataError(
            "Вкажіть рівно одне з: katottg, name, bbox, polygon_file / Give exactly one of katottg, name, bbox, "
            f"polygon_file (got {', '.join(given) or 'none'})."
        )
    if katottg is not None:
        return _area_from_katottg(katottg, data_root)
    if name is not None:
        return _area_from_name(name, data_root)
    if bbox is not None:
        return _area_from_bbox(bbox)
    return _area_from_file(polygon_file)


def _area_from_katottg(code: str, data_root: str | os.PathLike | None) -> tuple[BaseGeometry, str]:
    if not isinstance(code, str):
        raise DataError(f"KATOTTG code must be a string like 'UA46040010000033885', got {type(code).__name__}.")
    code = code.strip().upper()
    if not _KATOTTG_RE.match(code):
        raise DataError(
            f"'{code}' не є кодом КАТОТТГ / '{code}' is not a KATOTTG code (expected UA + 17 digits, "
            "e.g. UA46040010000033885)."
        )
    frame = hromada_boundary(code, data_root)
    row = frame.iloc[0]
    label = f"{_first_text(row.get('name_uk'), row.get('name'), default=code)} ({code})"
    return _clean_area(frame.geometry.iloc[0], f"hromada {code}"), label


def _area_from_name(name: str, data_root: str | os.PathLike | None) -> tuple[BaseGeometry, str]:
    if not isinstance(name, str) or not name.strip():
        raise DataError("Порожня назва громади / Empty hromada name.")
    hits = find_hromada(name, data_root, limit=None)
    hits = hits[hits["match"] == "exact"] if (hits["match"] == "exact").any() else hits
    if len(hits) == 1:
        return _area_from_katottg(str(hits["code"].iloc[0]), data_root)
    if len(hits) > 1:
        listing = "; ".join(
            f"{r.code} {r.name_uk} ({r.oblast}, {r.raion})" for r in hits.head(12).itertuples()
        )
        more = f" … and {len(hits) - 12} more" if len(hits) > 12 else ""
        raise DataError(
            f"Назві «{name}» відповідає {len(hits)} громад / {len(hits)} hromadas match '{name}': {listing}{more}. "
            "Use the KATOTTG code (katottg=...) to choose one."
        )
    return _area_from_nominatim(name)


def _area_from_nominatim(name: str) -> tuple[BaseGeometry, str]:
    """Geocode a name with Nominatim (restricted to Ukraine) to its (Multi)Polygon."""
    query = {"countrycodes": "ua", "q": name}
    with _osmnx_session(cache_dir=resolve_cache_dir(None), timeout=60.0):
        url = ox.settings.nominatim_url.rstrip("/") + "/search"
        try:
            result = ox.geocode_to_gdf(query)
        except (InsufficientResponseError, TypeError) as exc:  # no result / no polygon among them
            raise DownloadError(
                f"Громаду «{name}» не знайдено ні в локальному файлі меж, ні через Nominatim / Hromada '{name}' "
                f"was found neither in the local boundary file nor by the Nominatim geocoder ({url}) as an area "
                "(polygon). Check the spelling or give the KATOTTG code."
            ) from exc
        except (requests.RequestException, ResponseStatusCodeError) as exc:
            raise _download_error(exc, url) from exc
    geometry = result.geometry.iloc[0]
    label = _first_text(result["display_name"].iloc[0] if "display_name" in result else None, default=name)
    return _clean_area(geometry, f"Nominatim result for '{name}'"), label


def _area_from_bbox(bbox: Any) -> tuple[BaseGeometry, str]:
    try:
        values = [float(v) for v in bbox]
    except (TypeError, ValueError) as exc:
        raise DataError(f"bbox must be four numbers (west, south, east, north); got {bbox!r}.") from exc
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise DataError(f"bbox must be four finite numbers (west, south, east, north); got {bbox!r}.")
    west, south, east, north = values
    problems = []
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        problems.append("west/east (longitudes) must lie in -180..180")
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        problems.append("south/north (latitudes) must lie in -90..90")
    if west >= east:
        problems.append(f"west ({west:g}) must be less than east ({east:g})")
    if south >= north:
        problems.append(f"south ({south:g}) must be less than north ({north:g})")
    if problems:
        hint = ""
        lat_like = [44 <= v <= 53 for v in values]  # Ukraine: lon 22..41, lat 44..53
        if lat_like == [True, True, False, False]:
            hint = " The numbers look like osmnx 1.x order (north, south, east, west)."
        elif lat_like == [True, False, True, False]:
            hint = " The numbers look like (south, west, north, east): latitude and longitude are swapped."
        raise DataError(
            f"Неправильний bbox / Invalid bbox {tuple(values)}: {'; '.join(problems)}. Expected (west, south, east, "
            f"north) in degrees, e.g. (24.9, 49.95, 25.35, 50.2).{hint}"
        )
    return shapely.box(west, south, east, north), f"bbox {west:g},{south:g},{east:g},{north:g}"


def _area_from_file(path: str | os.PathLike) -> tuple[BaseGeometry, str]:
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"Файл не знайдено / Polygon file not found: {path}")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        raise DataError(
            f"Cannot read the polygon file {path} (GeoJSON, GeoPackage or Shapefile expected): {exc}"
        ) from exc
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.empty:
        raise DataError(f"The polygon file {path} contains no geometries.")
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise DataError(
                f"The polygon file {path} has no CRS and its coordinates are not lon/lat degrees; "
                "save it with a CRS (e.g. EPSG:4326)."
            )
        frame = frame.set_crs(4326)
    frame = frame.to_crs(4326)
    geometry = _clean_area(shapely.union_all(frame.geometry.make_valid().to_numpy()), f"polygon file {path}")
    label = path.stem
    if len(frame) == 1:
        for column in ("name_uk", "name", "NAME"):
            if column in frame.columns and isinstance(frame[column].iloc[0], str) and frame[column].iloc[0].strip():
                label = frame[column].iloc[0].strip()
                break
    return geometry, label


def _clean_area(geometry: Any, what: str) -> BaseGeometry:
    """A valid, non-empty WGS84 (Multi)Polygon from any geometry (polygonal parts only)."""
    if not isinstance(geometry, BaseGeometry):
        raise DataError(f"The area ({what}) must be a shapely geometry, got {type(geometry).__name__}.")
    if geometry.is_empty:
        raise DataError(f"The area ({what}) is empty.")
    geometry = shapely.make_valid(geometry)
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geometry) if g.geom_type in ("Polygon", "MultiPolygon")]
        geometry = shapely.union_all(parts) if parts else shapely.Polygon()
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty or geometry.area == 0:
        raise DataError(
            f"The area ({what}) must be a polygon; got a {geometry.geom_type}. Give a polygon, a bbox or a code."
        )
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise DataError(
            f"The area ({what}) is not in WGS84 lon/lat degrees (bounds {geometry.bounds}); reproject it to EPSG:4326."
        )
    return geometry


def _first_text(*values: Any, default: str = "") -> str:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return default


def area_km2(area: BaseGeometry) -> float:
    """Area of a WGS84 geometry in km², computed in its UTM zone."""
    centroid = area.centroid
    crs = estimate_metric_crs(np.array([centroid.x]), np.array([centroid.y]))
    to_metric = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    projected = shapely.transform(area, lambda x, y: to_metric.transform(x, y), interleaved=False)
    return float(projected.area) / 1e6
