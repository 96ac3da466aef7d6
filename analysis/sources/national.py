"""Any hromada of Ukraine, offline: settlements from the national settlement points, population, ЦНАП registry.

:func:`load_hromada` assembles the same :class:`~analysis.sources.packs.HromadaBundle` a demo pack gives, for any
of the codifier's hromadas, from the reference data alone (no internet, no OSM extract):

* **boundary** — :func:`analysis.sources.admin.hromada_boundary` (OSM polygon with KATOTTG code);
* **settlements** — every settlement of the KATOTTG codifier (2025-07-02) with its point from
  ``admin/settlements/settlement_points_katottg.csv`` (:data:`SETTLEMENT_POINTS`: OSM place node, OSM settlement
  polygon or texty.org.ua 2019; ``geometry_source`` and ``geometry_match`` keep which and how). Settlements without a
  point there cannot be routed: they are the bundle's ``missing_settlements`` (an error-level data-quality flag);
* **population** — Ukrstat 1 Jan 2022 for the hromada and its towns, the villages' OSM ``population`` tags (mostly
  the 2001 census; ``katottg_settlements_flat.csv``) rescaled to the rest
  (:func:`analysis.sources.population.rescale_to_2022`, the rule of every bundle);
* **ЦНАП points** — the Mintsyfra registry rows of the hromada placed at the settlement their address names
  (:func:`analysis.sources.registry.geocode_registry`); rows that cannot be placed are the bundle's
  ``unplaced_service_points`` (an error-level flag).

Read the national points once and pass them (``points=``) when loading many hromadas (:func:`read_settlement_points`,
≈0.2 s); the registry likewise (``registry=``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.i18n import note
from analysis.sources.admin import (
    SOURCE_CNAP_REGISTRY,
    SOURCE_KATOTTG,
    SOURCE_OSM,
    SOURCE_POPULATION,
    _require_file,
    _root,
    find_hromada,
    hromada_boundary,
    hromada_settlements_codifier,
    read_hromada_centres,
    settlement_former_names,
)
from analysis.sources.packs import HromadaBundle
from analysis.sources.places import empty_service_points
from analysis.sources.population import missing_settlements, read_population_2022, rescale_to_2022
from analysis.sources.registry import geocode_registry, load_registry

#: One WGS84 point per settlement of the codifier (29,698 of 29,705 with coordinates); see its README.
SETTLEMENT_POINTS = Path("admin/settlements/settlement_points_katottg.csv")

#: Citation of the national settlement points (OSM-derived rows ODbL; texty.org.ua rows credited).
SOURCE_SETTLEMENT_POINTS = {
    "id": "settlement_points",
    "name": "settlement_points_katottg.csv (OSM place nodes / settlement polygons; texty.org.ua 2019)",
    "licence": "ODbL 1.0 (© OpenStreetMap contributors); texty.org.ua credited",
    "url": "https://texty.org.ua/",
    "description": "One point per KATOTTG settlement, source and match per row (admin/settlements/README.md).",
}

#: Codifier category letter -> the standard ``category`` (as the demo packs write it).
_CATEGORY = {"M": "city", "X": "selyshche", "C": "village"}
_CATEGORY_UK = {"M": "місто", "X": "селище", "C": "село"}


def hromadas_with_boundary(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The hromadas that can be loaded (they have a boundary polygon: 1,466, every one outside Crimea and the
    exclusion zone), rows of :func:`analysis.sources.admin.hromada_index`."""
    from analysis.sources.admin import hromada_index

    index = hromada_index(root)
    return index[index["has_boundary"].fillna(False).astype(bool)]


def place_hromada_registry(registry: pd.DataFrame, settlements: gpd.GeoDataFrame, code: str, name_uk: str,
                           oblast: str | None, root: str | os.PathLike | None = None, *, taxonomy=None
                           ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """One hromada's registry rows placed at its settlements — the placement :func:`load_hromada` and
    :func:`place_registry` both make: :func:`analysis.sources.registry.geocode_registry` with the settlements'
    former names (:func:`analysis.sources.admin.settlement_former_names`)."""
    return geocode_registry(registry, settlements, code, name_uk, oblast_name=oblast, taxonomy=taxonomy,
                            aliases=settlement_former_names(code, root))


def read_settlement_points(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """``admin/settlements/settlement_points_katottg.csv`` as read: codes as strings, ``lon``/``lat`` floats (NaN
    where no source has the settlement), ``inside_hromada`` a nullable boolean."""
    path = _require_file(_root(root) / SETTLEMENT_POINTS)
    table = pd.read_csv(path, dtype={"katottg": str, "hromada_katottg": str, "raion_katottg": str,
                                     "oblast_katottg": str, "source": str, "match": str, "category": str,
                                     "inside_hromada": str, "osm_node_id": str, "texty_koatuu": str})
    table["inside_hromada"] = table["inside_hromada"].map({"true": True, "false": False}).astype("boolean")
    for column in ("lon", "lat", "dist_hromada_m", "dist_alt_m"):
        table[column] = pd.to_numeric(table[column], errors="coerce")
    return table


def resolve_hromada_code(code_or_name: str, root: str | os.PathLike | None = None) -> str:
    """The KATOTTG code of a hromada given by code or by name (``"Броди"``, ``"Бродівська"``, ``"Brody"``).

    Raises
    ------
    DataError
        When nothing matches, or a name matches several hromadas equally well (the candidates are named).
    """
    text = str(code_or_name or "").strip()
    if re.fullmatch(r"UA\d{17}", text.upper()):  # a full code: checked against the codifier when loading
        return text.upper()
    hits = find_hromada(text, root, limit=10)
    if hits.empty:
        raise DataError(f"Громаду «{text}» не знайдено / No hromada matches {text!r}: give its KATOTTG code "
                        "(UA + 17 digits) or its name.")
    if hits.iloc[0]["match"] == "code":
        exact = hits[hits["code"] == text.upper()]
        if len(exact) == 1:
            return str(exact.iloc[0]["code"])
    best = hits[hits["match"] == hits.iloc[0]["match"]]
    if len(best) > 1:
        listed = "; ".join(f"{r.name_uk} ({r.oblast}, {r.code})" for r in best.itertuples())
        raise DataError(f"«{text}» підходить до кількох громад / {text!r} matches several hromadas: {listed}. "
                        "Give the KATOTTG code.")
    return str(best.iloc[0]["code"])


def national_settlements(code: str, root: str | os.PathLike | None = None,
                         points: pd.DataFrame | None = None, centres: set[str] | None = None) -> gpd.GeoDataFrame:
    """The standard settlements table of one hromada from the codifier and the national points (population not yet
    rescaled: ``population`` is the OSM tag, ``population_source = "osm_tag"``).

    Columns ``id`` (= ``katottg``), ``name``, ``katottg``, ``hromada_katottg``, ``population``,
    ``population_source``, ``category`` (city/selyshche/village), ``category_code`` (M/X/C), ``category_uk``,
    ``is_hromada_centre``, ``osm_population``, ``osm_node_id``, ``koatuu``, ``geometry_source`` (``osm_place_node``,
    ``osm_settlement_polygon``, ``texty_2019``), ``geometry_match``, ``inside_hromada``, ``dist_hromada_m``; only
    settlements that have a point (the others: :func:`analysis.sources.population.missing_settlements`).
    ``points`` (the national points, or just this hromada's) and ``centres`` (hromada-centre settlement codes)
    save re-reading the files when loading many hromadas.
    """
    codifier = hromada_settlements_codifier(code, root)
    points = read_settlement_points(root) if points is None else points
    mine = points[points["hromada_katottg"] == code].set_index("katottg")
    rows = codifier.set_index("settlement_code")
    lon = rows.index.map(mine["lon"]).to_numpy(dtype=float)
    lat = rows.index.map(mine["lat"]).to_numpy(dtype=float)
    placed = np.isfinite(lon) & np.isfinite(lat)
    if centres is None:
        centres = set(read_hromada_centres(root)["hromada_center_code"].dropna())
    population = pd.to_numeric(rows["osm_population"], errors="coerce").astype(float)
    table = pd.DataFrame({
        "id": rows.index.to_numpy(dtype=object),
        "name": rows["name"].to_numpy(dtype=object),
        "katottg": rows.index.to_numpy(dtype=object),
        "hromada_katottg": code,
        "population": population.to_numpy(),
        "population_source": np.where(population.notna(), "osm_tag", None),
        "category": rows["category"].map(_CATEGORY).to_numpy(dtype=object),
        "category_code": rows["category"].to_numpy(dtype=object),
        "category_uk": rows["category"].map(_CATEGORY_UK).to_numpy(dtype=object),
        "is_hromada_centre": rows.index.isin(centres),
        "osm_population": population.to_numpy(),
        "osm_node_id": rows["osm_node_id"].to_numpy(),
        "koatuu": rows["koatuu"].to_numpy(dtype=object),
        "geometry_source": rows.index.map(mine["source"]).to_numpy(dtype=object),
        "geometry_match": rows.index.map(mine["match"]).to_numpy(dtype=object),
        "inside_hromada": rows.index.map(mine["inside_hromada"]).to_numpy(dtype=object),
        "dist_hromada_m": rows.index.map(mine["dist_hromada_m"]).to_numpy(dtype=float),
    })[placed].reset_index(drop=True)
    geometry = gpd.points_from_xy(lon[placed], lat[placed], crs=4326)
    return gpd.GeoDataFrame(table, geometry=geometry, crs=4326)


def load_hromada(code_or_name: str, root: str | os.PathLike | None = None, *, points: pd.DataFrame | None = None,
                 registry: pd.DataFrame | None = None) -> HromadaBundle:
    """Any hromada of the codifier as a :class:`~analysis.sources.packs.HromadaBundle`, from the reference data
    alone (see the module docstring).

    Parameters
    ----------
    code_or_name
        KATOTTG code or name (:func:`resolve_hromada_code`).
    root
        Reference-data root (default ``../shared/data``; :func:`analysis.sources.admin.data_root`).
    points, registry
        The national settlement points (:func:`read_settlement_points`) and the ЦНАП registry
        (:func:`analysis.sources.registry.load_registry`), when already read.

    Raises
    ------
    DataError
        Unknown or ambiguous hromada, missing reference files, or a hromada none of whose settlements has a point.
    """
    code = resolve_hromada_code(code_or_name, root)
    outline = hromada_boundary(code, root)
    info = outline.iloc[0]
    settlements = national_settlements(code, root, points)
    if settlements.empty:
        raise DataError(f"Жоден населений пункт громади {code} не має координат / No settlement of hromada {code} "
                        f"has a point in {SETTLEMENT_POINTS.name}.")
    figures = read_population_2022(code, root)
    if figures.hromada_total is not None and ("population_2022_ukrstat" not in outline.columns
                                              or pd.isna(outline["population_2022_ukrstat"].iloc[0])):
        outline = outline.assign(population_2022_ukrstat=float(figures.hromada_total))
    settlements = rescale_to_2022(settlements, figures)
    missing = missing_settlements(settlements, code, figures, root)
    notes = list(settlements.attrs.get("warnings", []))
    texty = int((settlements["geometry_source"] == "texty_2019").sum())
    if texty:
        notes.append(note("national.note.texty", n=texty, total=len(settlements)))
    service_points, unplaced = empty_service_points(), None
    try:
        registry = load_registry(root=root) if registry is None else registry
        service_points, unplaced = place_hromada_registry(registry, settlements, code, str(info.get("name_uk", "")),
                                                          info.get("oblast"), root)
    except DataError as exc:  # no registry file, or no row for this hromada: settlements still analysable
        notes.append(str(exc))
    if not len(service_points):
        service_points = empty_service_points()
    return HromadaBundle(
        code=code, name_uk=str(info.get("name_uk") or code), name_en=str(info.get("name_en") or code),
        boundary=outline, settlements=settlements, service_points=service_points,
        sources=[dict(SOURCE_KATOTTG), dict(SOURCE_SETTLEMENT_POINTS), dict(SOURCE_OSM), dict(SOURCE_POPULATION),
                 dict(SOURCE_CNAP_REGISTRY)],
        notes=notes, missing_settlements=missing, unplaced_service_points=unplaced,
    )


def place_registry(root: str | os.PathLike | None = None, *, registry: pd.DataFrame | None = None,
                   progress=None) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict]:
    """The whole ЦНАП registry placed: each row assigned to its hromada and placed at the settlement its address
    names — the placement :func:`load_hromada` makes, for every hromada at once.

    Every hromada with a boundary is asked for its rows (:func:`analysis.sources.registry.geocode_registry`, with
    the settlements' former names). A row placed by exactly one hromada is that hromada's; a row placed by several
    is refused as ambiguous (named in ``reason``); a row no hromada claims is unplaced with that reason.

    Returns
    -------
    (geopandas.GeoDataFrame, pandas.DataFrame, dict)
        The placed points (standard service points with ``registry_code``, ``hromada_katottg``, ``lon``, ``lat``,
        ``location_precision``, ``geocode_method`` as ``match``, ``inside_hromada`` of the settlement's point);
        the unplaced rows (``registry_code``, ``name``, ``address``, ``hromada_katottg`` where one claimed it,
        ``reason``); and the figures: ``n_rows``, ``n_placed``, ``share_placed``, ``n_inside_own_hromada``,
        ``share_inside_own_hromada`` (of the placed), ``n_ambiguous``, ``n_unclaimed``.
    """
    from analysis.sources.taxonomy import load_taxonomy

    registry = load_registry(root=root) if registry is None else registry
    taxonomy = load_taxonomy()
    index = hromadas_with_boundary(root)
    points = read_settlement_points(root)
    by_hromada = dict(tuple(points.groupby("hromada_katottg", sort=False)))
    centres = set(read_hromada_centres(root)["hromada_center_code"].dropna())
    placed_parts, unplaced_parts = [], []
    for i, row in enumerate(index.itertuples()):
        if progress is not None:
            progress(str(row.name_uk), i / max(1, len(index)))
        mine = by_hromada.get(row.code)
        if mine is None:
            continue
        settlements = national_settlements(row.code, root, mine, centres)
        if settlements.empty:
            continue
        try:
            placed, unplaced = place_hromada_registry(registry, settlements, row.code, str(row.name_uk),
                                                      row.oblast, root, taxonomy=taxonomy)
        except DataError:
            continue
        if len(placed):
            inside = settlements.set_index("katottg")["inside_hromada"]
            placed_parts.append(placed.assign(hromada_katottg=row.code, inside_hromada=placed["settlement_katottg"]
                                              .map(inside).to_numpy()))
        if len(unplaced):
            unplaced_parts.append(unplaced.assign(hromada_katottg=row.code))
    placed = (pd.concat(placed_parts, ignore_index=True) if placed_parts else empty_service_points())
    unplaced = pd.concat(unplaced_parts, ignore_index=True) if unplaced_parts else pd.DataFrame(
        columns=["registry_code", "name", "address", "hromada_katottg", "reason"])
    placed["registry_code"] = placed["registry_code"].astype(str)
    unplaced["registry_code"] = unplaced["registry_code"].astype(str)
    counts = placed["registry_code"].value_counts()
    ambiguous = set(counts[counts > 1].index)
    if ambiguous:
        claimants = placed[placed["registry_code"].isin(ambiguous)].groupby("registry_code")["hromada_katottg"].agg(
            lambda codes: ", ".join(sorted(codes)))
        rows = placed[placed["registry_code"].isin(ambiguous)].drop_duplicates("registry_code")
        unplaced = pd.concat([unplaced, pd.DataFrame({
            "registry_code": rows["registry_code"].to_numpy(), "name": rows["name"].to_numpy(),
            "address": rows["address"].to_numpy(), "hromada_katottg": None,
            "reason": [f"placed by several hromadas: {claimants[c]}" for c in rows["registry_code"]]})],
            ignore_index=True)
        placed = placed[~placed["registry_code"].isin(ambiguous)]
    # a row unplaced by one hromada but placed by another is placed
    unplaced = unplaced[~unplaced["registry_code"].isin(set(placed["registry_code"]))]
    unplaced = unplaced.drop_duplicates("registry_code", keep="first")
    all_codes = registry["code"].astype(str)
    claimed = set(placed["registry_code"]) | set(unplaced["registry_code"])
    unclaimed = registry[~all_codes.isin(claimed)]
    unplaced = pd.concat([unplaced, pd.DataFrame({
        "registry_code": unclaimed["code"].astype(str).to_numpy(), "name": unclaimed["name"].to_numpy(),
        "address": unclaimed["address"].to_numpy(), "hromada_katottg": None,
        "reason": "no hromada's name or town found in the row's name or address"})], ignore_index=True)
    placed = gpd.GeoDataFrame(placed.reset_index(drop=True), geometry="geometry", crs=4326)
    placed["lon"], placed["lat"] = placed.geometry.x, placed.geometry.y
    n_inside = int(placed["inside_hromada"].astype("boolean").sum())  # NA (no polygon to test) is not inside
    figures = {
        "n_rows": int(len(registry)), "n_placed": int(len(placed)),
        "share_placed": len(placed) / len(registry) if len(registry) else float("nan"),
        "n_inside_own_hromada": n_inside,
        "share_inside_own_hromada": n_inside / len(placed) if len(placed) else float("nan"),
        "n_ambiguous": len(ambiguous), "n_unclaimed": int(len(unclaimed)),
    }
    if progress is not None:
        progress("", 1.0)
    return placed, unplaced.reset_index(drop=True), figures
