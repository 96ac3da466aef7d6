"""Inputs of routing: point tables (validation, WGS84 coordinates, geodesic distances) and cutoffs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj

from analysis.errors import DataError

_GEOD = pyproj.Geod(ellps="WGS84")


def point_lonlat(points: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    if points.crs is None:
        raise DataError("Points have no coordinate reference system; expected WGS84 (EPSG:4326).")
    geoms = points.geometry.to_crs("EPSG:4326")
    if geoms.is_empty.any() or geoms.isna().any():
        bad = points.index[geoms.is_empty | geoms.isna()].tolist()[:5]
        raise DataError(f"Some points have no geometry (rows {bad}).")
    if not (geoms.geom_type == "Point").all():
        geoms = geoms.representative_point()
    return geoms.x.to_numpy(dtype=float), geoms.y.to_numpy(dtype=float)


def validate_points(points: gpd.GeoDataFrame, what: str, id_column: str) -> None:
    if not isinstance(points, gpd.GeoDataFrame):
        raise DataError(f"{what} must be a GeoDataFrame with point geometries.")
    if id_column not in points.columns:
        raise DataError(f"{what} need an {id_column!r} column; columns found: {list(points.columns)}.")
    if points[id_column].duplicated().any():
        dup = points.loc[points[id_column].duplicated(), id_column].astype(str).tolist()[:5]
        raise DataError(f"{what} have duplicated ids: {dup}.")


def _geodesic_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(metres, dtype=float) / 1000.0


def check_cutoff(value: float | None, name: str) -> float | None:
    """A cutoff, limit or speed must be a positive finite number (or None); ``name`` says which in the message."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number; got {value!r}.") from None
    if not np.isfinite(number) or number <= 0:
        raise DataError(f"{name} must be a positive finite number; got {value!r}.")
    return number
