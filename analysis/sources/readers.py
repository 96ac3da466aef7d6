"""Reading user point files (CSV/XLSX/GeoJSON/GeoPackage, any CRS) into validated WGS84 point tables: columns found by alias, lon/lat checked (swapped, outside Ukraine), ids made unique."""

from __future__ import annotations

import codecs
import csv
import io
import os
from pathlib import Path
from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from analysis.errors import DataError
from analysis.outputs import restore_neutralized

#: Accepted spellings of the coordinate / code columns (compared case-insensitively).
LON_ALIASES = ("lon", "lng", "long", "longitude", "x", "довгота")


LAT_ALIASES = ("lat", "latitude", "y", "широта")


ID_ALIASES = ("id",)


#: Columns used as ids when there is no ``id`` column, if their values are unique and non-empty (in this order).
FALLBACK_ID_COLUMNS = ("katottg", "registry_code", "code", "osm_id", "osmid")

#: Prefix of the id of a Mintsyfra registry point: ``registry:<registry_code>`` is its one id form everywhere
#: (packs, registry placement, files read back with only a ``registry_code`` column, every output).
REGISTRY_ID_PREFIX = "registry:"


def registry_point_ids(codes: pd.Series) -> pd.Series:
    """``registry:<code>`` for registry codes (numbers or numeric text; ``1542.0`` -> ``registry:1542``)."""
    text = _ids_to_str(codes)
    return (REGISTRY_ID_PREFIX + text).astype("string")


#: Ukraine's extent with a margin (lon 22.1–40.2, lat 44.4–52.4).
_UA_LON = (21.5, 41.0)


_UA_LAT = (43.8, 53.0)


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


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Encodings a Ukrainian table may come in besides UTF-8 (Excel "Unicode text" is UTF-16; old Windows cp1251).
_OTHER_ENCODINGS = ("cp1251", "utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be", "koi8_u", "cp866")


def _plausible_share(text: str) -> float:
    """Share of characters a Ukrainian/English table is made of (Latin, Cyrillic, digits, punctuation, spaces):
    a wrong decoding shows up as CJK or box-drawing characters."""
    if not text:
        return 1.0
    ok = sum(1 for ch in text if ch.isascii() or "\u0400" <= ch <= "\u04ff" or "\u2010" <= ch <= "\u206f"
             or ch in "«»№’ʼ°\u00a0")
    return ok / len(text)


def decode_text(data: bytes, label: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in: a byte-order mark decides (UTF-8/16/32), else
    strict UTF-8, else the best of :data:`_OTHER_ENCODINGS` by ``charset-normalizer``; never a guess that
    decodes anything (a UTF-16 file read as cp1251 shows NUL bytes)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise DataError(f"{label}: файл позначено як {encoding}, але він пошкоджений / the file is marked "
                                f"{encoding} but cannot be read as such ({exc.reason}).") from None
    if b"\x00" not in data:  # NUL bytes are valid UTF-8 but mean UTF-16/32 text without a byte-order mark
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(_OTHER_ENCODINGS)).best()
    if best is None or "\x00" in str(best) or _plausible_share(str(best)) < 0.95:
        raise DataError(f"{label}: не вдалося визначити кодування тексту (перевірено UTF-8, "
                        f"{', '.join(_OTHER_ENCODINGS)}) / cannot tell the text encoding (tried UTF-8, "
                        f"{', '.join(_OTHER_ENCODINGS)}); save the file as CSV UTF-8.")
    return str(best), best.encoding


def _read_csv_bytes(data: bytes, label: str) -> pd.DataFrame:
    """A CSV table as text columns. The separator is the one of ``;`` ``,`` tab that the header uses most; a row
    with more fields than the header is refused (pandas would silently turn the first fields into an index and
    shift the rest — e.g. ``Броди,25,14,50,08`` with decimal commas), and the encoding used is noted."""
    text, encoding = decode_text(data, label)
    first = next((line for line in text.splitlines() if line.strip()), "")
    sep = max([";", ",", "\t"], key=first.count) if first else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = next(rows, [])
    too_long = [(number, len(row)) for number, row in enumerate(rows, start=2) if len(row) > len(header)]
    if too_long:
        where = ", ".join(f"{number} ({fields})" for number, fields in too_long[:5])
        name = {";": "«;»", ",": "«,»", "\t": "табуляція / tab"}[sep]
        raise DataError(
            f"{label}: у рядках {where} більше полів, ніж у заголовку ({len(header)}); роздільник {name}. Можливо, "
            f"десяткові числа записано з комою (25,14) при роздільнику «,» — збережіть файл з роздільником «;» або "
            f"з десятковою крапкою / rows {where} have more fields than the header ({len(header)}; separator "
            f"{sep!r}): decimal commas with a comma separator? Save with ';' as separator or with decimal points."
        )
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                            index_col=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            raise DataError(f"{label}: файл порожній / the file is empty.") from exc
        raise DataError(f"{label}: не вдалося прочитати CSV / cannot read the CSV: {exc}") from exc
    if encoding != "utf-8":
        _warnings(frame).append(f"{label}: прочитано в кодуванні {encoding} / read as {encoding}.")
    return frame


def _read_xlsx(source: bytes | Path, label: str, sheet: str | None) -> pd.DataFrame:
    """One sheet of a workbook: ``sheet`` by name, else the first — and then a note says which was read when there
    are several, so nobody wonders where the rest went."""
    with pd.ExcelFile(io.BytesIO(source) if isinstance(source, bytes) else source, engine="openpyxl") as book:
        names = list(book.sheet_names)
        if sheet is not None and sheet not in names:
            raise DataError(f"{label}: немає аркуша «{sheet}»; є / there is no sheet {sheet!r}; sheets: "
                            f"{', '.join(names)}.")
        chosen = sheet if sheet is not None else names[0]
        frame = pd.read_excel(book, sheet_name=chosen)
    if sheet is None and len(names) > 1:
        _warnings(frame).append(
            f"{label}: прочитано аркуш «{chosen}» з {len(names)} ({', '.join(names)}); інший можна вибрати / read "
            f"sheet {chosen!r} of {len(names)} ({', '.join(names)}); choose another by its name.")
    return frame


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
        if fmt == "csv":  # a file this project exported comes back with its names as they were
            return restore_neutralized(_read_csv_bytes(data if data is not None else path.read_bytes(), label)), \
                label, True
        if fmt == "xlsx":
            return restore_neutralized(_read_xlsx(data if data is not None else path, label, layer)), label, True
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
        Layer of a multi-layer GeoPackage, or sheet of an XLSX workbook (default: the first; with several
        sheets a note in ``attrs["warnings"]`` says which one was read).
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
    warnings: list[str] = list(frame.attrs.get("warnings", []))  # how the file was read (encoding, sheet)

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
                    if alias == "registry_code":  # the registry's one id form (REGISTRY_ID_PREFIX)
                        gdf = gdf.assign(id=registry_point_ids(gdf[candidate]).to_numpy())
                        id_col = "id"
                        warnings.append(f"{label}: ідентифікатори мають вигляд registry:<код> / ids are written "
                                        "registry:<code>, as everywhere in the project.")
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
    area = _area_geometry(expected_area)
    if area is not None and len(gdf):
        note = outside_area_note(gdf, area, label)
        if note:
            warnings.append(note)
    gdf.attrs["warnings"] = warnings
    gdf.attrs["source_label"] = label
    return gdf


def distance_outside_m(points: gpd.GeoDataFrame, area: Any) -> np.ndarray:
    """Metres from each point to ``area`` (a WGS84 polygon, GeoSeries or GeoDataFrame): 0 inside, NaN for an
    empty geometry. Measured in the UTM zone of the area (geopandas ``estimate_utm_crs``)."""
    polygon = _area_geometry(area)
    if polygon is None or len(points) == 0:
        return np.zeros(len(points))
    outline = gpd.GeoSeries([polygon], crs="EPSG:4326")
    crs = outline.estimate_utm_crs(datum_name="WGS 84")
    geoms = gpd.GeoSeries(points.geometry, crs=points.crs or "EPSG:4326").to_crs(crs)
    distance = np.array(geoms.distance(outline.to_crs(crs).iloc[0]), dtype=float)
    distance[geoms.is_empty.to_numpy() | geoms.isna().to_numpy()] = np.nan
    return distance


def outside_area_note(points: gpd.GeoDataFrame, area: Any, label: str, limit: int = 10) -> str:
    """One line naming the points outside ``area`` with their distance (empty when all are inside)."""
    distance = distance_outside_m(points, area)
    outside = np.flatnonzero(np.nan_to_num(distance) > 0)
    if not len(outside):
        return ""
    name = points["name"].astype("string") if "name" in points.columns else points["id"].astype("string")
    items = "; ".join(f"{name.iloc[k] or points['id'].iloc[k]} ({distance[k] / 1000:.1f} км / km)"
                      for k in outside[np.argsort(-distance[outside])][:limit])
    more = f"; … (+{len(outside) - limit})" if len(outside) > limit else ""
    return (f"{label}: {len(outside)} точок поза межами громади / point(s) outside the hromada: {items}{more}")


# ----------------------------------------------------------------------------------------------------------------
# Standard settlements
# ----------------------------------------------------------------------------------------------------------------
def _as_points(table: pd.DataFrame, label: str) -> gpd.GeoDataFrame:
    if isinstance(table, gpd.GeoDataFrame) and table.geometry.name in table.columns:
        return table
    return _frame_to_points(pd.DataFrame(table), label, tabular=True)


CODE_ALIASES = ("settlement_katottg", "katottg", "katotth", "settlement_code", "код_катоттг", "катоттг")
