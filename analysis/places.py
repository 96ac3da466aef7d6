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

import io
import os
from pathlib import Path
from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from analysis import datasets
from analysis.errors import DataError
from analysis.taxonomy import Taxonomy, load_taxonomy

SETTLEMENT_COLUMNS: tuple[str, ...] = (
    "id", "name", "katottg", "hromada_katottg", "population", "population_source", "category", "is_hromada_centre",
)
SERVICE_POINT_COLUMNS: tuple[str, ...] = (
    "id", "name", "category", "group", "source", "location_precision", "settlement_katottg", "wheelchair",
    "disability", "pandus", "dis_sanit", "braille_mat", "workers_total",
)
#: Registry accessibility flags (Int64 0/1/NA in the standard table).
ACCESSIBILITY_FLAGS: tuple[str, ...] = ("disability", "pandus", "dis_sanit", "braille_mat")
SOURCES = ("registry", "osm", "user")
LOCATION_PRECISIONS = ("building", "address", "settlement", "hromada_centre")

#: Accepted spellings of the coordinate / code columns (compared case-insensitively).
LON_ALIASES = ("lon", "lng", "long", "longitude", "x", "довгота")
LAT_ALIASES = ("lat", "latitude", "y", "широта")
CODE_ALIASES = ("settlement_katottg", "katottg", "katotth", "settlement_code", "код_катоттг", "катоттг")
ID_ALIASES = ("id",)
#: Columns used as ids when there is no ``id`` column, if their values are unique and non-empty (in this order).
FALLBACK_ID_COLUMNS = ("katottg", "registry_code", "code", "osm_id", "osmid")
NAME_ALIASES = ("name", "name_uk", "settlement_name", "назва", "найменування")
POPULATION_ALIASES = ("population", "pop", "населення", "чисельність")
CATEGORY_ALIASES = ("category", "категорія", "type", "тип")

#: Ukraine's extent with a margin (lon 22.1–40.2, lat 44.4–52.4).
_UA_LON = (21.5, 41.0)
_UA_LAT = (43.8, 53.0)

_SETTLEMENT_CATEGORY_MAP = {
    "m": "city", "м": "city", "м.": "city", "місто": "city", "city": "city", "town": "city",
    "x": "selyshche", "х": "selyshche", "селище": "selyshche", "смт": "selyshche", "selyshche": "selyshche",
    "селище міського типу": "selyshche", "c": "village", "с": "village", "с.": "village", "село": "village",
    "village": "village", "hamlet": "hamlet", "хутір": "hamlet", "isolated_dwelling": "hamlet",
}
_CODIFIER_CATEGORY = {"M": "city", "X": "selyshche", "C": "village"}
_TRUE = {"1", "1.0", "true", "yes", "так", "y", "t", "+", "є"}
_FALSE = {"0", "0.0", "false", "no", "ні", "n", "f", "-", "немає"}


# ----------------------------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------------------------
def _warnings(frame: pd.DataFrame) -> list[str]:
    return frame.attrs.setdefault("warnings", [])


def _find_column(frame: pd.DataFrame, aliases: Iterable[str], explicit: str | None = None) -> str | None:
    """The first column of ``frame`` whose stripped, lower-cased name is one of ``aliases``."""
    if explicit is not None:
        return explicit if explicit in frame.columns else None
    lookup = {str(c).strip().lower(): c for c in frame.columns if c != "geometry"}
    for alias in aliases:
        if alias in lookup:
            return lookup[alias]
    return None


def _rows(labels: Iterable[Any], limit: int = 8) -> str:
    items = [str(x) for x in labels]
    more = f" … (+{len(items) - limit})" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _columns_text(frame: pd.DataFrame) -> str:
    return ", ".join(str(c) for c in frame.columns if c != "geometry") or "—"


def _to_number(series: pd.Series) -> pd.Series:
    """Numbers from numbers or text (decimal comma and spaces allowed); unparseable → NaN."""
    if pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    text = series.astype("string").str.strip().str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | series.astype("string").str.strip().fillna("").eq("")


def _ids_to_str(series: pd.Series) -> pd.Series:
    """Ids as strings; integer-valued floats (Excel) lose their ``.0``."""
    if pd.api.types.is_float_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(values)
        if finite.any() and np.all(np.mod(values[finite], 1) == 0):
            return series.astype("Int64").astype("string")
    return series.astype("string").str.strip()


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


def _point_geometry(gdf: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """Points in EPSG:4326: reprojects, turns polygons/lines into representative points (with a warning)."""
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    elif not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs(4326)
    geom = gdf.geometry
    has = geom.notna() & ~geom.is_empty
    not_point = has & (geom.geom_type != "Point")
    if not_point.any():
        gdf = gdf.copy()
        gdf.loc[not_point, gdf.geometry.name] = geom[not_point].representative_point()
        _warnings(gdf).append(
            f"{label}: {int(not_point.sum())} об'єктів не є точками — взято внутрішню точку / "
            f"{int(not_point.sum())} features are not points; a point inside each was used."
        )
    return gdf


# ----------------------------------------------------------------------------------------------------------------
# Coordinate checks
# ----------------------------------------------------------------------------------------------------------------
def _area_geometry(expected_area: Any) -> Any:
    if expected_area is None:
        return None
    if isinstance(expected_area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        series = expected_area.geometry if isinstance(expected_area, gpd.GeoDataFrame) else expected_area
        if series.crs is not None and not series.crs.equals("EPSG:4326"):
            series = series.to_crs(4326)
        return shapely.union_all(series.to_numpy())
    return expected_area


def check_lon_lat(lon: np.ndarray, lat: np.ndarray, label: str, expected_area: Any = None,
                  row_labels: np.ndarray | None = None) -> None:
    """Raise :class:`DataError` if WGS84 lon/lat values are out of range or look swapped.

    Swapped columns are detected when (a) some latitudes exceed ±90 but every value would be valid swapped,
    (b) most points fall in Ukraine only when swapped (lat 22–41, lon 44–53), or (c) more points fall inside
    ``expected_area`` (a polygon, WGS84) when swapped than as given.
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    labels = np.arange(1, len(lon) + 1) if row_labels is None else np.asarray(row_labels)
    swapped_msg = (
        f"{label}: стовпці lon/lat, схоже, переплутані / lon and lat look swapped (longitude is east–west, "
        "22–40° in Ukraine; latitude is north–south, 44–52°). Swap the two columns (or their names) and load again."
    )
    out = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    if out.any():
        swapped_ok = (np.abs(lat) <= 180) & (np.abs(lon) <= 90)
        if swapped_ok.all():
            raise DataError(swapped_msg)
        raise DataError(
            f"{label}: координати поза допустимим діапазоном / coordinates out of range (lon −180…180, "
            f"lat −90…90) in rows {_rows(labels[out])}."
        )
    if len(lon) == 0:
        return
    in_ua = (lon >= _UA_LON[0]) & (lon <= _UA_LON[1]) & (lat >= _UA_LAT[0]) & (lat <= _UA_LAT[1])
    in_ua_swapped = (lat >= _UA_LON[0]) & (lat <= _UA_LON[1]) & (lon >= _UA_LAT[0]) & (lon <= _UA_LAT[1])
    if in_ua_swapped.sum() > len(lon) / 2 and in_ua_swapped.sum() > in_ua.sum():
        raise DataError(swapped_msg)
    area = _area_geometry(expected_area)
    if area is not None:
        inside = shapely.contains_xy(area, lon, lat).sum()
        inside_swapped = shapely.contains_xy(area, lat, lon).sum()
        if inside_swapped > inside:
            raise DataError(
                swapped_msg + f" ({inside_swapped} of {len(lon)} points fall inside the expected area when "
                f"swapped, {inside} as given.)"
            )


# ----------------------------------------------------------------------------------------------------------------
# Reading files
# ----------------------------------------------------------------------------------------------------------------
def _detect_format(name: str | None, data: bytes | None) -> str:
    suffix = Path(name).suffix.lower() if name else ""
    if suffix in {".csv", ".txt", ".tsv"}:
        return "csv"
    if suffix in {".geojson", ".json"}:
        return "geojson"
    if suffix == ".gpkg":
        return "gpkg"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    if suffix == ".xls":
        raise DataError(f"{name}: формат .xls не підтримується / old .xls is not supported; save as .xlsx or CSV.")
    if data is not None:
        head = data[:64].lstrip()
        if head.startswith(b"PK\x03\x04"):
            return "xlsx"
        if head.startswith(b"SQLite format 3"):
            return "gpkg"
        if head.startswith(b"{"):
            return "geojson"
        return "csv"
    raise DataError(
        f"{name}: невідомий формат файлу / unknown file type '{suffix}'; use CSV, XLSX, GeoJSON or GeoPackage."
    )


def _read_csv_bytes(data: bytes, label: str) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1251 decodes any byte string
        raise DataError(f"{label}: невідоме кодування / unknown text encoding; save the file as UTF-8.")
    first = next((line for line in text.splitlines() if line.strip()), "")
    sep = max([";", ",", "\t"], key=first.count) if first else ","
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            raise DataError(f"{label}: файл порожній / the file is empty.") from exc
        raise DataError(f"{label}: не вдалося прочитати CSV / cannot read the CSV: {exc}") from exc


def _load_any(path_or_buffer: Any, name: str | None, layer: str | None) -> tuple[pd.DataFrame, str, bool]:
    """Read the raw table; returns (frame, label for messages, is_tabular)."""
    data: bytes | None = None
    path: Path | None = None
    if isinstance(path_or_buffer, (str, os.PathLike)):
        path = Path(path_or_buffer)
        if not path.exists():
            raise DataError(f"Файл не знайдено / File not found: {path}")
        if path.is_dir():
            raise DataError(f"{path} — це тека, а не файл / is a folder, not a file.")
        name = name or path.name
    elif isinstance(path_or_buffer, (bytes, bytearray)):
        data = bytes(path_or_buffer)
    elif hasattr(path_or_buffer, "read"):
        name = name or getattr(path_or_buffer, "name", None)
        raw = path_or_buffer.getvalue() if hasattr(path_or_buffer, "getvalue") else path_or_buffer.read()
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    else:
        raise DataError(f"Очікується шлях або файл / expected a path or a file object, got {type(path_or_buffer)}.")
    label = str(name or path or "uploaded file")
    if data is not None and len(data.strip()) == 0:
        raise DataError(f"{label}: файл порожній / the file is empty.")
    if path is not None and path.stat().st_size == 0:
        raise DataError(f"{label}: файл порожній / the file is empty.")
    fmt = _detect_format(name, data if data is not None else path.read_bytes()[:64] if path else None)
    try:
        if fmt == "csv":
            return _read_csv_bytes(data if data is not None else path.read_bytes(), label), label, True
        if fmt == "xlsx":
            frame = pd.read_excel(io.BytesIO(data) if data is not None else path, sheet_name=0, engine="openpyxl")
            return frame, label, True
        source = data if data is not None else path
        kwargs = {"layer": layer} if layer else {}
        frame = pyogrio.read_dataframe(source, **kwargs)
        return frame, label, False
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a user-fixable bad file
        raise DataError(f"{label}: не вдалося прочитати файл / cannot read the file ({fmt}): {exc}") from exc


def read_points(
    path_or_buffer: Any,
    *,
    id_column: str | None = None,
    name: str | None = None,
    layer: str | None = None,
    expected_area: Any = None,
) -> gpd.GeoDataFrame:
    """Read a table of points (settlements or service points) from CSV, XLSX, GeoJSON or GeoPackage.

    Parameters
    ----------
    path_or_buffer
        Path, bytes, or a file object (e.g. a Streamlit upload; its ``name`` gives the file type).
    id_column
        Column holding unique ids. Default: a column called ``id`` (any case); if there is none, ids
        ``"1"``, ``"2"`` … are generated from the row number and a note is added to ``attrs["warnings"]``.
    name
        File name used to detect the format and in messages (needed for bytes / anonymous buffers).
    layer
        Layer of a multi-layer GeoPackage (default: the first).
    expected_area
        Optional polygon (shapely geometry, GeoSeries or GeoDataFrame in WGS84) the points should fall in;
        used to detect swapped lon/lat.

    Returns
    -------
    geopandas.GeoDataFrame
        All input columns plus ``id`` (str, unique) and Point geometry in EPSG:4326. Rows of a table that
        only give a settlement code (``settlement_katottg``/``katottg``) and no coordinates get an empty geometry,
        to be resolved with :func:`resolve_settlement_locations`. Tables read from CSV/XLSX need ``lon``/``lat``
        columns (also ``longitude``/``latitude``, ``lng``, ``x``/``y``) or a code column.

    Raises
    ------
    DataError
        Missing/unreadable/empty file, missing coordinate or id columns (the message lists the columns found and
        the ones expected), duplicated or empty ids, non-numeric or out-of-range coordinates, swapped lon/lat.
    """
    frame, label, tabular = _load_any(path_or_buffer, name, layer)
    return _frame_to_points(frame, label, tabular=tabular, id_column=id_column, expected_area=expected_area)


def _frame_to_points(
    frame: pd.DataFrame,
    label: str,
    *,
    tabular: bool,
    id_column: str | None = None,
    expected_area: Any = None,
) -> gpd.GeoDataFrame:
    frame = frame.copy()
    frame.columns = [c.strip() if isinstance(c, str) else str(c) for c in frame.columns]
    frame = frame.dropna(how="all", subset=[c for c in frame.columns if c != "geometry"] or None)
    if frame.empty:
        raise DataError(f"{label}: у таблиці немає рядків / the table has no rows.")
    frame = frame.reset_index(drop=True)
    # Row labels users can find: the line in a spreadsheet/CSV (header = line 1), the feature number otherwise.
    row_labels = (frame.index.to_numpy() + 2) if tabular else (frame.index.to_numpy() + 1)
    row_word = "line" if tabular else "feature"
    warnings: list[str] = []

    code_col = _find_column(frame, CODE_ALIASES)
    has_geometry = isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns
    if has_geometry:
        gdf = _point_geometry(gpd.GeoDataFrame(frame, geometry=frame.geometry.name), label)
        warnings += gdf.attrs.get("warnings", [])
        geom = gdf.geometry
        present = (geom.notna() & ~geom.is_empty).to_numpy()
        lon = np.full(len(gdf), np.nan)
        lat = np.full(len(gdf), np.nan)
        lon[present] = shapely.get_x(geom[present].to_numpy())
        lat[present] = shapely.get_y(geom[present].to_numpy())
    else:
        lon_col = _find_column(frame, LON_ALIASES)
        lat_col = _find_column(frame, LAT_ALIASES)
        if (lon_col is None) != (lat_col is None):
            missing = "lat" if lat_col is None else "lon"
            raise DataError(
                f"{label}: є лише один стовпець координат / only one coordinate column found (no '{missing}'). "
                f"Found columns: {_columns_text(frame)}. Expected: lon and lat (or longitude/latitude, x/y, lng)."
            )
        if lon_col is None and code_col is None:
            raise DataError(
                f"{label}: не знайдено стовпців з координатами / no coordinate columns. "
                f"Found columns: {_columns_text(frame)}. Expected: lon and lat (or longitude/latitude, x/y, lng), "
                f"or a settlement code column ({', '.join(CODE_ALIASES[:3])}) to place points at settlements."
            )
        if lon_col is not None:
            lon = _to_number(frame[lon_col]).to_numpy()
            lat = _to_number(frame[lat_col]).to_numpy()
            for col, values in ((lon_col, lon), (lat_col, lat)):
                bad = np.isnan(values) & ~_blank(frame[col]).to_numpy()
                if bad.any():
                    raise DataError(
                        f"{label}: нечислові значення у стовпці {col} / non-numeric values in column '{col}' at "
                        f"{row_word}s {_rows(row_labels[bad])} (e.g. {frame.loc[bad, col].iloc[0]!r})."
                    )
        else:
            lon = np.full(len(frame), np.nan)
            lat = np.full(len(frame), np.nan)
        present = ~(np.isnan(lon) | np.isnan(lat))
        gdf = gpd.GeoDataFrame(
            frame, geometry=gpd.GeoSeries.from_xy(lon, lat, crs=4326).where(present, None), crs=4326
        )

    missing_xy = ~present
    if missing_xy.any():
        codes = gdf[code_col] if code_col is not None else pd.Series(pd.NA, index=gdf.index)
        unresolvable = missing_xy & _blank(codes).to_numpy()
        if unresolvable.any():
            raise DataError(
                f"{label}: немає координат (і коду населеного пункту) / missing coordinates (and no settlement "
                f"code) at {row_word}s {_rows(row_labels[unresolvable])}."
            )
    check_lon_lat(lon[present], lat[present], label, expected_area, row_labels[present])

    id_col = _find_column(gdf, ID_ALIASES, explicit=id_column)
    if id_column is not None and id_col is None:
        raise DataError(
            f"{label}: немає стовпця '{id_column}' / no column '{id_column}'. Found columns: {_columns_text(gdf)}."
        )
    if id_col is None and id_column is None:
        for alias in FALLBACK_ID_COLUMNS:
            candidate = _find_column(gdf, (alias,))
            if candidate is not None:
                values = _ids_to_str(gdf[candidate])
                if not _blank(values).any() and not values.duplicated().any():
                    id_col = candidate
                    warnings.append(f"{label}: ідентифікатори взято зі стовпця '{candidate}' / ids taken from "
                                    f"column '{candidate}' (there is no 'id' column).")
                    break
    if id_col is None:
        ids = pd.Series([str(i) for i in range(1, len(gdf) + 1)], index=gdf.index, dtype="string")
        warnings.append(
            f"{label}: немає стовпця id — ідентифікатори створено з номерів рядків / no 'id' column; ids 1…{len(gdf)} "
            "were generated from the row order (add an 'id' column to keep ids stable between uploads)."
        )
    else:
        ids = _ids_to_str(gdf[id_col])
        blank = _blank(ids).to_numpy()
        if blank.any():
            raise DataError(
                f"{label}: порожні id / empty ids in column '{id_col}' at {row_word}s {_rows(row_labels[blank])}."
            )
        dup = ids.duplicated(keep=False).to_numpy()
        if dup.any():
            raise DataError(
                f"{label}: id повторюються / duplicated ids in column '{id_col}': {_rows(ids[dup].unique())} "
                f"({row_word}s {_rows(row_labels[dup])}). Every row needs its own id."
            )
        if id_col != "id":
            gdf = gdf.drop(columns=["id"], errors="ignore")
    gdf["id"] = ids.to_numpy()
    gdf = gdf[["id"] + [c for c in gdf.columns if c != "id"]]
    gdf.attrs["warnings"] = warnings
    gdf.attrs["source_label"] = label
    return gdf


# ----------------------------------------------------------------------------------------------------------------
# Standard settlements
# ----------------------------------------------------------------------------------------------------------------
def _as_points(table: pd.DataFrame, label: str) -> gpd.GeoDataFrame:
    if isinstance(table, gpd.GeoDataFrame) and table.geometry.name in table.columns:
        return table
    return _frame_to_points(pd.DataFrame(table), label, tabular=True)


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

    base = datasets.data_root(root)
    codes = datasets.read_osm_place_codes(base).dropna(subset=["osm_id"]).drop_duplicates("osm_id")
    by_node = osmid.map(codes.set_index("osm_id")["katotth"]).astype("string")
    tag_col = _find_column(gdf, ("katottg", "katotth"))
    tagged = gdf[tag_col].astype("string").str.strip().str.upper() if tag_col else pd.Series(pd.NA, index=gdf.index)
    tagged = tagged.where(tagged.str.fullmatch(r"UA\d{17}").fillna(False).astype(bool), pd.NA).astype("string")
    katottg = tagged.fillna(by_node)

    flat = datasets.read_settlements_flat(base).set_index("settlement_code")
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
    centres_path = base / datasets.HROMADA_CENTRES
    if centres_path.exists():
        centres = set(datasets.read_hromada_centres(base)["hromada_center_code"].dropna())

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
            lookup[datasets.normalise_text(key)] = category.id
    return lookup


def _categories(values: pd.Series, taxonomy: Taxonomy, label: str) -> pd.Series:
    lookup = category_lookup(taxonomy)
    normalised = values.astype("string").map(datasets.normalise_text, na_action="ignore")
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
