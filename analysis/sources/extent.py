"""How far a settlement's residents live from its point: the within-settlement distance.

A settlement is one point in every table, but its residents live around it. Routing from the point alone puts a
resident of a town whose ЦНАП stands at the town's point at 0.0 min — a figure nobody experiences. This module
gives each settlement the mean straight-line distance of its residents from the point,
``within_settlement_km`` (:data:`WITHIN_SETTLEMENT_COLUMN`); the router
(:func:`analysis.routing.local.apply_within_settlement_floor`) uses it as the least distance and time of any trip
from the settlement, so every page, export and what-if shows the same floor.

The rule (one place):

* The settlement's area ``A``: its own polygon when one is given (``settlement_areas`` matched on ``katottg``, or a
  polygon geometry of the settlements table itself), otherwise ``population / density`` with the typical density
  of its KATOTTG category (:data:`DEFAULT_DENSITY_PER_KM2`; cities of 20,000 and 100,000 residents and more are
  denser: :data:`CITY_DENSITY_BY_SIZE`).
* Residents spread evenly over a disc of that area, radius ``r = sqrt(A / π)``: their mean distance from the centre
  is ``2 r / 3``. That is ``within_settlement_km``.

Densities (:data:`DEFAULT_DENSITY_PER_KM2`) were measured on the 123 OSM ``admin_level=9`` settlement polygons of
the three demo packs (population 2022 estimate / polygon area): villages (``C``) median 208 people per km²
(quartiles 150–310), the two towns (``M``) 570 and 1,440 (a round 1,000 is used), the one selyshche 137. Polygon
areas are those of the settlement boundaries, not of the built-up area, so the distance is an upper-side estimate
of a resident's walk to the centre; it only matters where the routed trip is shorter.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.i18n import labels

#: Column holding the mean distance of residents from the settlement point, km (straight line).
WITHIN_SETTLEMENT_COLUMN = "within_settlement_km"

#: Typical population density by KATOTTG category code, people per km² (see the module docstring):
#: M city, K city with special status, T urban-type settlement (до 2024), X selyshche, C village, B city district.
DEFAULT_DENSITY_PER_KM2: dict[str, float] = {"M": 1000.0, "K": 1000.0, "B": 1000.0, "T": 300.0, "X": 300.0,
                                             "C": 210.0}
#: Larger cities are denser: (population at least, people per km²) for cities (M, K, B), largest first. From
#: Ukrstat populations over official city areas: Kharkiv ≈4,100, Lviv ≈3,900, Vinnytsia ≈3,300 (a round 3,000 from
#: 100,000 residents); towns of 20,000–100,000 around 1,500 (Brody's polygon: 1,440).
CITY_DENSITY_BY_SIZE: tuple[tuple[float, float], ...] = ((100_000.0, 3000.0), (20_000.0, 1500.0))
#: Density used when the category is unknown, people per km² (the village figure: most settlements are villages).
FALLBACK_DENSITY_PER_KM2 = 210.0
#: Population assumed when it is unknown (a small village), for the area from density only.
FALLBACK_POPULATION = 100.0

SOURCE_WITHIN_SETTLEMENT: dict[str, str] = labels("extent.source")


def mean_distance_in_disc_km(area_km2: np.ndarray) -> np.ndarray:
    """Mean distance from the centre of points spread evenly over a disc of ``area_km2``: ``2/3 sqrt(A/π)``."""
    area = np.asarray(area_km2, dtype=float)
    return 2.0 / 3.0 * np.sqrt(np.clip(area, 0.0, None) / math.pi)


def _polygon_area_km2(geometry: gpd.GeoSeries) -> np.ndarray:
    """Area of polygon geometries in km² (an equal-area CRS; NaN for points and empty rows)."""
    area = np.full(len(geometry), np.nan)
    if len(geometry) == 0:
        return area
    polygonal = geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy() & ~geometry.is_empty.to_numpy()
    if polygonal.any():
        area[polygonal] = geometry[polygonal].to_crs("EPSG:6933").area.to_numpy() / 1e6
    return area


def settlement_area_km2(settlements: pd.DataFrame, areas: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """Area of each settlement in km² and where it comes from (``polygon`` or ``density``).

    Parameters
    ----------
    settlements
        Standard settlements table (``population``; optional ``category_code``, ``katottg``, polygon geometry).
    areas
        Optional settlement polygons with a ``katottg`` column (a bundle's ``settlement_areas``).

    Returns
    -------
    DataFrame with ``area_km2`` and ``area_source`` in the settlements' index.
    """
    n = len(settlements)
    area = np.full(n, np.nan)
    source = np.full(n, "density", dtype=object)
    if isinstance(settlements, gpd.GeoDataFrame) and settlements.geometry.name in settlements and \
            settlements.crs is not None:
        area = _polygon_area_km2(settlements.geometry)
    if areas is not None and len(areas) and "katottg" in areas and "katottg" in settlements and areas.crs is not None:
        polygons = areas[areas.geometry.notna()].drop_duplicates("katottg")
        by_code = pd.Series(_polygon_area_km2(polygons.geometry), index=polygons["katottg"].astype(str).to_numpy())
        matched = settlements["katottg"].astype(str).map(by_code).to_numpy(dtype=float)
        area = np.where(np.isnan(area), matched, area)
    has_polygon = np.isfinite(area) & (area > 0)
    source[has_polygon] = "polygon"
    population = (pd.to_numeric(settlements["population"], errors="coerce").to_numpy(dtype=float)
                  if "population" in settlements else np.full(n, np.nan))
    population = np.where(np.isfinite(population) & (population > 0), population, FALLBACK_POPULATION)
    codes = (settlements["category_code"].astype("string").fillna("").str.upper().to_numpy(dtype=object)
             if "category_code" in settlements else np.full(n, "", dtype=object))
    density = np.array([DEFAULT_DENSITY_PER_KM2.get(str(c), FALLBACK_DENSITY_PER_KM2) for c in codes], dtype=float)
    city = np.isin(codes.astype(str), ["M", "K", "B"])
    for threshold, city_density in reversed(CITY_DENSITY_BY_SIZE):  # the largest class applies last
        density = np.where(city & (population >= threshold), city_density, density)
    area = np.where(has_polygon, area, population / density)
    return pd.DataFrame({"area_km2": area, "area_source": source}, index=settlements.index)


def add_within_settlement_km(settlements: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None = None
                             ) -> gpd.GeoDataFrame:
    """The settlements with :data:`WITHIN_SETTLEMENT_COLUMN` (km) and ``within_settlement_source`` added
    (kept when already present, e.g. set by the user). See the module docstring for the rule."""
    if WITHIN_SETTLEMENT_COLUMN in settlements and pd.to_numeric(
            settlements[WITHIN_SETTLEMENT_COLUMN], errors="coerce").notna().all():
        return settlements
    out = settlements.copy()
    extent = settlement_area_km2(out, areas)
    out[WITHIN_SETTLEMENT_COLUMN] = mean_distance_in_disc_km(extent["area_km2"].to_numpy())
    out["within_settlement_source"] = extent["area_source"].to_numpy()
    return out
