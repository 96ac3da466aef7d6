"""Settlements and service points from OpenStreetMap places and POIs."""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.sources.admin import (
    HROMADA_CENTRES,
    data_root,
    read_hromada_centres,
    read_osm_place_codes,
    read_settlements_flat,
)
from analysis.sources.places import _CODIFIER_CATEGORY, empty_service_points, service_points_from_table
from analysis.sources.readers import _columns_text, _find_column, _point_geometry, _to_number
from analysis.sources.taxonomy import Taxonomy


def settlements_from_osm_places(
    places_gdf: gpd.GeoDataFrame,
    root: str | os.PathLike | None = None,
    hromada_code: str | None = None,
) -> gpd.GeoDataFrame:
    """Standard settlements from OSM ``place=*`` nodes, with KATOTTG codes and population joined.

    Parameters
    ----------
    places_gdf
        OSM place nodes with columns ``osmid`` (or ``osm_id``, or an osmnx ``(element_type, osmid)`` index),
        ``name``, ``place``, ``population`` and optionally the OSM tags ``katottg``/``katotth`` and ``koatuu``.
    root
        Reference-data root (see :func:`analysis.datasets.data_root`).
    hromada_code
        If given, places joined to a settlement of *another* hromada are dropped (places that could not be joined
        are kept, with a warning).

    Notes
    -----
    The KATOTTG code is the node's own ``katottg``/``katotth`` tag if valid, else the code of the node id in
    ``admin/settlements/ua_name_places_osm_2023.csv``. Name and category then come from the codifier
    (``katottg_settlements_flat.csv``; the OSM name is kept as ``osm_name``), population is the node's OSM tag
    (else the tag stored in the flat table) with ``population_source = "osm_tag"``. Places not joined keep
    ``id = "osm:<osmid>"``; when several nodes map to one code, the first keeps it.
    """
    label = "OSM places"
    frame = places_gdf
    if isinstance(frame.index, pd.MultiIndex) or frame.index.name in {"osmid", "id"}:
        frame = frame.reset_index()
    osmid_col = _find_column(frame, ("osmid", "osm_id", "id"))
    if osmid_col is None:
        raise DataError(f"{label}: немає стовпця osmid / no 'osmid' column. Found columns: {_columns_text(frame)}.")
    if frame.empty:
        raise DataError(f"{label}: немає жодного населеного пункту / no place nodes.")
    if "element_type" in frame.columns:
        frame = frame[frame["element_type"].astype("string").fillna("node") == "node"]
    gdf = _point_geometry(gpd.GeoDataFrame(frame.copy(), geometry=frame.geometry.name), label)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].reset_index(drop=True)
    osmid = pd.to_numeric(gdf[osmid_col], errors="coerce").astype("Int64")

    base = data_root(root)
    codes = read_osm_place_codes(base).dropna(subset=["osm_id"]).drop_duplicates("osm_id")
    by_node = osmid.map(codes.set_index("osm_id")["katotth"]).astype("string")
    tag_col = _find_column(gdf, ("katottg", "katotth"))
    tagged = gdf[tag_col].astype("string").str.strip().str.upper() if tag_col else pd.Series(pd.NA, index=gdf.index)
    tagged = tagged.where(tagged.str.fullmatch(r"UA\d{17}").fillna(False).astype(bool), pd.NA).astype("string")
    katottg = tagged.fillna(by_node)

    flat = read_settlements_flat(base).set_index("settlement_code")
    known = katottg.isin(flat.index).fillna(False).astype(bool)
    katottg = katottg.where(known, pd.NA)
    hromada = katottg.map(flat["hromada_code"]).astype("string")
    warnings: list[str] = []
    if hromada_code is not None:
        other = hromada.notna() & (hromada != str(hromada_code))
        if other.any():
            warnings.append(f"{label}: {int(other.sum())} places belong to other hromadas and were dropped.")
        keep = ~other.to_numpy(dtype=bool)
        gdf, osmid, katottg, hromada = gdf[keep], osmid[keep], katottg[keep], hromada[keep]
        unjoined = int(katottg.isna().sum())
        if unjoined:
            warnings.append(
                f"{label}: {unjoined} places have no KATOTTG code (kept with id osm:<osmid>; their hromada is "
                "unknown)."
            )
    duplicated = katottg.notna() & katottg.duplicated(keep="first")
    katottg = katottg.where(~duplicated, pd.NA)
    if duplicated.any():
        warnings.append(f"{label}: {int(duplicated.sum())} extra nodes share a settlement code; kept as osm:<osmid>.")

    osm_name = gdf["name"].astype("string") if "name" in gdf.columns else pd.Series(pd.NA, index=gdf.index)
    population = _to_number(gdf["population"]) if "population" in gdf.columns else pd.Series(np.nan, index=gdf.index)
    population = population.fillna(katottg.map(flat["osm_population"]).astype("float64"))
    place = gdf["place"].astype("string") if "place" in gdf.columns else pd.Series(pd.NA, index=gdf.index)
    category = katottg.map(flat["category"]).map(_CODIFIER_CATEGORY).astype("string").fillna(place)
    centres = set()
    centres_path = base / HROMADA_CENTRES
    if centres_path.exists():
        centres = set(read_hromada_centres(base)["hromada_center_code"].dropna())

    table = pd.DataFrame(
        {
            "id": katottg.fillna("osm:" + osmid.astype("string")).to_numpy(),
            "name": katottg.map(flat["settlement_name"]).astype("string").fillna(osm_name).to_numpy(),
            "katottg": katottg.to_numpy(),
            "hromada_katottg": hromada.to_numpy(),
            "population": population.to_numpy(),
            "population_source": pd.Series("osm_tag", index=gdf.index, dtype="string")
            .where(population.notna(), pd.NA).to_numpy(),
            "category": category.to_numpy(),
            "is_hromada_centre": katottg.isin(centres).fillna(False).astype(bool).to_numpy(),
            "osm_node_id": osmid.to_numpy(),
            "osm_name": osm_name.to_numpy(),
            "osm_place": place.to_numpy(),
        }
    )
    extras = [c for c in ("koatuu", "name_en") if c in gdf.columns]
    for column in extras:
        table[column] = gdf[column].astype("string").to_numpy()
    result = gpd.GeoDataFrame(table, geometry=gdf.geometry.to_numpy(), crs=4326)
    result.attrs["warnings"] = list(gdf.attrs.get("warnings", [])) + warnings
    return result


def service_points_from_osm(pois_gdf: gpd.GeoDataFrame, *, taxonomy: Taxonomy | None = None) -> gpd.GeoDataFrame:
    """Standard service points from OSM POIs already classified by the taxonomy (a ``category`` column).

    ``id`` = ``"osm:<type>/<osmid>"`` (type from ``osm_type``/``element_type``, default ``node``),
    ``source`` = ``osm``, ``location_precision`` = ``building``; polygons become a point inside them; rows
    without a category are dropped (noted in ``attrs["warnings"]``).
    """
    label = "OSM service points"
    frame = pois_gdf
    if isinstance(frame.index, pd.MultiIndex) or frame.index.name in {"osmid", "id"}:
        frame = frame.reset_index()
    osmid_col = _find_column(frame, ("osmid", "osm_id", "id"))
    if osmid_col is None or "category" not in frame.columns:
        raise DataError(
            f"{label}: потрібні стовпці osmid і category / need columns 'osmid' and 'category'. "
            f"Found columns: {_columns_text(frame)}."
        )
    unclassified = frame["category"].isna()
    frame = frame[~unclassified]
    if frame.empty:
        result = empty_service_points()
        result.attrs["warnings"] = [f"{label}: no classified POIs."]
        return result
    type_col = _find_column(frame, ("osm_type", "element_type", "element"))
    osm_type = (frame[type_col].astype("string").fillna("node") if type_col
                else pd.Series("node", index=frame.index, dtype="string"))
    osmid = pd.to_numeric(frame[osmid_col], errors="coerce").astype("Int64").astype("string")
    ids = "osm:" + osm_type + "/" + osmid
    table = frame.drop(columns=[c for c in ("id",) if c in frame.columns]).assign(
        id=ids.to_numpy(), source="osm", location_precision="building", osmid=osmid.to_numpy(),
        osm_type=osm_type.to_numpy(),
    )
    duplicated = table["id"].duplicated()
    table = gpd.GeoDataFrame(table[~duplicated.to_numpy()], geometry=frame.geometry.name)
    table.attrs["source_label"] = label
    result = service_points_from_table(table, taxonomy=taxonomy)
    notes = []
    if unclassified.any():
        notes.append(f"{label}: {int(unclassified.sum())} POIs without a category were dropped.")
    if duplicated.any():
        notes.append(f"{label}: {int(duplicated.sum())} duplicated OSM elements were dropped.")
    result.attrs["warnings"] = result.attrs.get("warnings", []) + notes
    return result
