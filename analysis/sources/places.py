"""Settlements and service points: reading user files and normalising every source into two standard tables.

Standard **settlements** table (GeoDataFrame, Point geometry, EPSG:4326) — the origins of every accessibility
measure:

============================  ==========================================================================
``id``                        str, unique; the settlement's KATOTTG code when known
``name``                      settlement name
``katottg``                   KATOTTG code (``UA`` + 17 digits) or NA
``hromada_katottg``           code of the hromada the settlement belongs to, or NA
``population``                float, NaN if unknown
``population_source``         where ``population`` comes from (e.g. ``osm_tag``, ``user``), NA if unknown
``category``                  ``city`` / ``selyshche`` / ``village`` / ``hamlet`` / ... (OSM ``place`` if nothing
                              better is known)
``is_hromada_centre``         bool
============================  ==========================================================================

Standard **service points** table (GeoDataFrame, Point geometry, EPSG:4326) — the destinations:

============================  ==========================================================================
``id``                        str, unique (``registry:<code>``, ``osm:<type>/<id>`` or the user's id)
``name``                      name as published
``category``                  taxonomy id (``cnap_centre``, ``cnap_remote_workplace``, ``post_office`` ...)
``group``                     taxonomy group of the category (``cnap``, ``social``, ``post``, ``health``)
``source``                    ``registry`` | ``osm`` | ``user``
``location_precision``        ``building`` | ``address`` | ``settlement`` | ``hromada_centre``
``settlement_katottg``        KATOTTG code of the settlement the point is in / was placed at, or NA
``wheelchair``                raw OSM ``wheelchair`` tag (``yes``/``limited``/``no``), NA if absent
``disability``, ``pandus``,   registry accessibility flags, Int64 0/1/NA (persons with disabilities; ramp;
``dis_sanit``, ``braille_mat``  accessible WC; Braille/tactile)
``workers_total``             Int64, staff (registry), NA if unknown
============================  ==========================================================================

Extra columns of the input are kept after the standard ones. All validation problems raise
:class:`analysis.errors.DataError` with a bilingual message (Ukrainian first) that names the file, the rows and
what to fix. Non-fatal problems (e.g. generated ids) are recorded in ``table.attrs["warnings"]``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.i18n import text
from analysis.sources.admin import normalise_text
from analysis.sources.readers import (
    CODE_ALIASES,
    _as_points,
    _blank,
    _columns_text,
    _find_column,
    _frame_to_points,
    _ids_to_str,
    _point_geometry,
    _rows,
    _to_number,
)
from analysis.sources.taxonomy import Taxonomy, load_taxonomy

SETTLEMENT_COLUMNS: tuple[str, ...] = (
    "id", "name", "katottg", "hromada_katottg", "population", "population_source", "category", "is_hromada_centre",
)


#: ``location_precision`` value -> (Ukrainian, English) label.
PRECISION_LABELS: dict[str, tuple[str, str]] = {
    precision: (text(f"places.precision.{precision}", "uk"), text(f"places.precision.{precision}", "en"))
    for precision in ("building", "address", "settlement", "hromada_centre")
}


SERVICE_POINT_COLUMNS: tuple[str, ...] = (
    "id", "name", "category", "group", "source", "location_precision", "settlement_katottg", "wheelchair",
    "disability", "pandus", "dis_sanit", "braille_mat", "workers_total",
)


#: Registry accessibility flags (Int64 0/1/NA in the standard table).
ACCESSIBILITY_FLAGS: tuple[str, ...] = ("disability", "pandus", "dis_sanit", "braille_mat")


SOURCES = ("registry", "osm", "user")


LOCATION_PRECISIONS = ("building", "address", "settlement", "hromada_centre")












NAME_ALIASES = ("name", "name_uk", "settlement_name", "назва", "найменування")


POPULATION_ALIASES = ("population", "pop", "населення", "чисельність")


CATEGORY_ALIASES = ("category", "категорія", "type", "тип")






_SETTLEMENT_CATEGORY_MAP = {
    "m": "city", "м": "city", "м.": "city", "місто": "city", "city": "city", "town": "city",
    "x": "selyshche", "х": "selyshche", "селище": "selyshche", "смт": "selyshche", "selyshche": "selyshche",
    "селище міського типу": "selyshche", "c": "village", "с": "village", "с.": "village", "село": "village",
    "village": "village", "hamlet": "hamlet", "хутір": "hamlet", "isolated_dwelling": "hamlet",
}


_CODIFIER_CATEGORY = {"M": "city", "X": "selyshche", "C": "village"}


_TRUE = {"1", "1.0", "true", "yes", "так", "y", "t", "+", "є"}


_FALSE = {"0", "0.0", "false", "no", "ні", "n", "f", "-", "немає"}
















def to_flag(series: pd.Series) -> pd.Series:
    """0/1 flags (Int64) from numbers or yes/no text in Ukrainian or English; anything else → NA."""
    text = series.astype("string").str.strip().str.lower()
    result = pd.Series(pd.NA, index=series.index, dtype="Int64")
    result[text.isin(_TRUE).fillna(False).to_numpy(dtype=bool)] = 1
    result[text.isin(_FALSE).fillna(False).to_numpy(dtype=bool)] = 0
    return result


def _normalise_katottg(series: pd.Series, label: str, what: str) -> pd.Series:
    codes = series.astype("string").str.strip().str.upper().replace("", pd.NA)
    bad = codes.notna() & ~codes.str.fullmatch(r"UA\d{17}").fillna(False)
    if bad.any():
        raise DataError(
            f"{label}: неправильні коди КАТОТТГ у стовпці {what} / invalid KATOTTG codes in column '{what}' "
            f"(expected UA + 17 digits, e.g. UA46040010010077682): {_rows(codes[bad].unique())}."
        )
    return codes




















def _settlement_category(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    mapped = text.str.lower().map(_SETTLEMENT_CATEGORY_MAP)
    return mapped.fillna(text.str.lower()).astype("string")


def settlements_from_table(gdf: pd.DataFrame, *, hromada_katottg: str | None = None) -> gpd.GeoDataFrame:
    """Normalise a user's (or a pack's) settlement table into the standard settlements table.

    Column names are matched case-insensitively: ``name``/``name_uk``/``назва``, ``katottg``/``katotth``/
    ``settlement_code``, ``population``/``населення``, ``category``/``категорія`` (``місто``/``селище``/``село``,
    codifier letters M/X/C and OSM ``place`` values are understood), ``is_hromada_centre``. ``id`` becomes the
    KATOTTG code where one is given. ``hromada_katottg`` fills the column where the table has none.

    Raises
    ------
    DataError
        Missing points, bad KATOTTG codes, duplicated ids, non-numeric or negative population.
    """
    label = gdf.attrs.get("source_label", "settlements")
    gdf = _as_points(gdf, label)
    geom = gdf.geometry
    missing = geom.isna() | geom.is_empty
    if missing.any():
        ids = gdf["id"] if "id" in gdf.columns else gdf.index
        raise DataError(
            f"{label}: населені пункти без координат / settlements without coordinates: "
            f"{_rows(pd.Series(ids)[missing.to_numpy()])}. Every settlement needs a point."
        )
    gdf = _point_geometry(gdf, label)
    out = pd.DataFrame(index=gdf.index)

    code_col = _find_column(gdf, ("katottg", "katotth", "settlement_code", "settlement_katottg", "код_катоттг"))
    katottg = (_normalise_katottg(gdf[code_col], label, code_col) if code_col
               else pd.Series(pd.NA, index=gdf.index, dtype="string"))
    name_col = _find_column(gdf, NAME_ALIASES)
    if "id" in gdf.columns:
        base_ids = _ids_to_str(gdf["id"])
    else:
        base_ids = pd.Series([str(i) for i in range(1, len(gdf) + 1)], index=gdf.index, dtype="string")
    out["id"] = katottg.fillna(base_ids)
    dup = out["id"].duplicated(keep=False)
    if dup.any():
        raise DataError(
            f"{label}: населені пункти повторюються / duplicated settlements (id/KATOTTG): "
            f"{_rows(out.loc[dup, 'id'].unique())}."
        )
    out["name"] = gdf[name_col].astype("string") if name_col else pd.Series(pd.NA, index=gdf.index, dtype="string")
    out["katottg"] = katottg
    hromada = gdf["hromada_katottg"] if "hromada_katottg" in gdf.columns else pd.Series(pd.NA, index=gdf.index)
    hromada = hromada.astype("string")
    if hromada_katottg is not None:
        hromada = hromada.fillna(str(hromada_katottg))
    out["hromada_katottg"] = hromada

    pop_col = _find_column(gdf, POPULATION_ALIASES)
    if pop_col is not None:
        population = _to_number(gdf[pop_col])
        bad = population.isna() & ~_blank(gdf[pop_col])
        if bad.any():
            raise DataError(
                f"{label}: нечислове населення / non-numeric population in column '{pop_col}': "
                f"{_rows(gdf.loc[bad, pop_col].unique())}."
            )
        if (population < 0).any():
            raise DataError(f"{label}: від'ємне населення / negative population in column '{pop_col}'.")
    else:
        population = pd.Series(np.nan, index=gdf.index, dtype="float64")
    out["population"] = population.astype("float64")
    if "population_source" in gdf.columns:
        source = gdf["population_source"].astype("string")
    else:
        source = pd.Series("user" if pop_col is not None else pd.NA, index=gdf.index, dtype="string")
    out["population_source"] = source.where(out["population"].notna(), pd.NA)

    cat_col = _find_column(gdf, CATEGORY_ALIASES)
    out["category"] = (_settlement_category(gdf[cat_col]) if cat_col
                       else pd.Series(pd.NA, index=gdf.index, dtype="string"))
    centre_col = _find_column(gdf, ("is_hromada_centre", "is_centre", "centre", "центр"))
    if centre_col is not None:
        centre = gdf[centre_col]
        out["is_hromada_centre"] = (centre.astype(bool) if pd.api.types.is_bool_dtype(centre)
                                    else to_flag(centre).fillna(0).astype(bool))
    else:
        out["is_hromada_centre"] = False

    used = {"id", code_col, name_col, pop_col, cat_col, centre_col, "hromada_katottg", "population_source",
            gdf.geometry.name}
    extras = gdf[[c for c in gdf.columns if c not in used and c not in out.columns]]
    result = gpd.GeoDataFrame(pd.concat([out, extras], axis=1), geometry=gdf.geometry, crs=4326)
    result = result.reset_index(drop=True)
    result.attrs["warnings"] = list(gdf.attrs.get("warnings", []))
    return result


# ----------------------------------------------------------------------------------------------------------------
# Standard service points
# ----------------------------------------------------------------------------------------------------------------
def empty_service_points() -> gpd.GeoDataFrame:
    """A standard service-points table with no rows."""
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in SERVICE_POINT_COLUMNS})
    for flag in (*ACCESSIBILITY_FLAGS, "workers_total"):
        frame[flag] = frame[flag].astype("Int64")
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=4326), crs=4326)


def category_lookup(taxonomy: Taxonomy) -> dict[str, str]:
    """Casefolded id / Ukrainian label / English label → category id."""
    lookup: dict[str, str] = {}
    for category in taxonomy.categories:
        for key in (category.id, category.label_uk, category.label_en):
            lookup[normalise_text(key)] = category.id
    return lookup


def _categories(values: pd.Series, taxonomy: Taxonomy, label: str) -> pd.Series:
    lookup = category_lookup(taxonomy)
    normalised = values.astype("string").map(normalise_text, na_action="ignore")
    mapped = normalised.map(lookup).astype("string")
    unknown = mapped.isna() & values.notna()
    if unknown.any():
        raise DataError(
            f"{label}: невідомі категорії / unknown service categories: {_rows(values[unknown].unique())}. "
            f"Valid ids: {', '.join(taxonomy.ids())} (Ukrainian/English labels of these are accepted too)."
        )
    return mapped


def service_points_from_table(
    gdf: pd.DataFrame,
    default_category: str | None = None,
    *,
    taxonomy: Taxonomy | None = None,
) -> gpd.GeoDataFrame:
    """Normalise a table of service points into the standard service-points table.

    Parameters
    ----------
    gdf
        Output of :func:`read_points` (or any GeoDataFrame with an ``id`` column). Recognised columns:
        ``category`` (taxonomy id or its Ukrainian/English label), ``name``, ``source``, ``location_precision``,
        ``settlement_katottg``, ``wheelchair``, ``disability``/``pandus``/``dis_sanit``/``braille_mat``
        (0/1, yes/no, так/ні), ``workers_total``.
    default_category
        Category for rows without one (id or label).
    taxonomy
        Default: the project taxonomy.

    Notes
    -----
    ``source`` defaults to ``user``; ``location_precision`` defaults to ``building`` for rows with a point and to
    ``settlement`` for rows that only name a settlement (resolve those with
    :func:`resolve_settlement_locations`).
    """
    taxonomy = taxonomy or load_taxonomy()
    label = gdf.attrs.get("source_label", "service points")
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        gdf = _frame_to_points(pd.DataFrame(gdf), label, tabular=True)
    if gdf.empty:
        return empty_service_points()
    gdf = _point_geometry(gdf, label)
    if "id" not in gdf.columns:
        raise DataError(f"{label}: немає стовпця id / no 'id' column. Found columns: {_columns_text(gdf)}.")
    ids = _ids_to_str(gdf["id"])
    dup = ids.duplicated(keep=False)
    if dup.any() or _blank(ids).any():
        raise DataError(f"{label}: id мають бути унікальні й непорожні / ids must be unique and non-empty: "
                        f"{_rows(ids[dup | _blank(ids)].unique())}.")
    out = pd.DataFrame({"id": ids}, index=gdf.index)
    name_col = _find_column(gdf, ("name", "назва", "найменування"))
    out["name"] = gdf[name_col].astype("string") if name_col else pd.Series(pd.NA, index=gdf.index, dtype="string")

    cat_col = _find_column(gdf, CATEGORY_ALIASES)
    raw = gdf[cat_col].astype("string").where(~_blank(gdf[cat_col]), pd.NA) if cat_col else pd.Series(
        pd.NA, index=gdf.index, dtype="string")
    if default_category is not None:
        default_id = _categories(pd.Series([default_category]), taxonomy, label).iloc[0]
        raw = raw.fillna(default_id)
    if raw.isna().any():
        where = f"column '{cat_col}' is empty in some rows" if cat_col else "there is no 'category' column"
        raise DataError(
            f"{label}: не вказано категорію / no service category ({where}). Add a 'category' column or choose a "
            f"default category. Valid ids: {', '.join(taxonomy.ids())}."
        )
    out["category"] = _categories(raw, taxonomy, label)
    out["group"] = out["category"].map({c.id: c.group for c in taxonomy.categories}).astype("string")

    source = gdf["source"].astype("string").fillna("user") if "source" in gdf.columns else "user"
    out["source"] = pd.Series(source, index=gdf.index, dtype="string")
    bad = ~out["source"].isin(SOURCES)
    if bad.any():
        raise DataError(
            f"{label}: source must be one of {', '.join(SOURCES)}; found {_rows(out['source'][bad].unique())}."
        )

    geom = gdf.geometry
    has_point = (geom.notna() & ~geom.is_empty).to_numpy()
    default_precision = pd.Series(np.where(has_point, "building", "settlement"), index=gdf.index, dtype="string")
    if "location_precision" in gdf.columns:
        precision = gdf["location_precision"].astype("string").fillna(default_precision)
    else:
        precision = default_precision
    bad = ~precision.isin(LOCATION_PRECISIONS)
    if bad.any():
        raise DataError(f"{label}: location_precision must be one of {', '.join(LOCATION_PRECISIONS)}; "
                        f"found {_rows(precision[bad].unique())}.")
    out["location_precision"] = precision

    code_col = _find_column(gdf, CODE_ALIASES)
    out["settlement_katottg"] = (_normalise_katottg(gdf[code_col], label, code_col) if code_col
                                 else pd.Series(pd.NA, index=gdf.index, dtype="string"))
    out["wheelchair"] = (gdf["wheelchair"].astype("string") if "wheelchair" in gdf.columns
                         else pd.Series(pd.NA, index=gdf.index, dtype="string"))
    for flag in ACCESSIBILITY_FLAGS:
        out[flag] = to_flag(gdf[flag]) if flag in gdf.columns else pd.Series(pd.NA, index=gdf.index, dtype="Int64")
    if "workers_total" in gdf.columns:
        out["workers_total"] = _to_number(gdf["workers_total"]).round().astype("Int64")
    else:
        out["workers_total"] = pd.Series(pd.NA, index=gdf.index, dtype="Int64")

    used = set(out.columns) | {name_col, cat_col, code_col, gdf.geometry.name}
    extras = gdf[[c for c in gdf.columns if c not in used]]
    result = gpd.GeoDataFrame(pd.concat([out, extras], axis=1), geometry=geom, crs=4326).reset_index(drop=True)
    result.attrs["warnings"] = list(gdf.attrs.get("warnings", []))
    return result


def resolve_settlement_locations(points: gpd.GeoDataFrame, settlements: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give service points that only name a settlement (``settlement_katottg``) that settlement's point.

    Points that already have a geometry are unchanged; resolved ones get ``location_precision = "settlement"``.

    Raises
    ------
    DataError
        If a code is not among ``settlements['katottg']``.
    """
    result = points.copy()
    geom = result.geometry
    need = (geom.isna() | geom.is_empty).to_numpy()
    if not need.any():
        return result
    lookup = settlements.dropna(subset=["katottg"]).drop_duplicates("katottg").set_index("katottg").geometry
    codes = result.loc[need, "settlement_katottg"].astype("string")
    found = codes.isin(lookup.index).fillna(False).to_numpy(dtype=bool)
    if not found.all():
        raise DataError(
            "Коди населених пунктів не знайдено серед населених пунктів громади / settlement codes not among the "
            f"hromada's settlements: {_rows(codes[~found].unique())} (points {_rows(result.loc[need, 'id'][~found])})."
        )
    result.loc[need, result.geometry.name] = lookup.reindex(codes).to_numpy()
    result.loc[need, "location_precision"] = "settlement"
    return result
