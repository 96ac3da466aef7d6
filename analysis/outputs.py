"""Writing results: GeoPackage layers, CSV and XLSX tables — always atomically, never with live formulas.

Every writer first writes to a temporary file in the target directory and then renames it over the target, so an
error half-way never leaves a truncated or half-written file behind (and an existing file stays intact).

Names and ids come from users and open data: a settlement called ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0``
would become a live formula when the CSV or XLSX is opened in a spreadsheet. :func:`neutralize_formulas` (OWASP
"CSV injection") prefixes ``'`` to every text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return and is not a plain number; every CSV/XLSX writer of the project applies it, and :func:`restore_neutralized`
undoes it when the project reads its own files back (a survey form, a norms table).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

#: First characters that make a spreadsheet cell a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _is_plain_number(text: str) -> bool:
    try:
        return bool(np.isfinite(float(text.strip().replace(",", "."))))
    except ValueError:
        return False


def neutralize_text(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula (see the module
    docstring); everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _is_plain_number(value):
        return "'" + value
    return value


def neutralize_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and column names cannot become spreadsheet formulas."""
    frame = pd.DataFrame(table).copy()
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            risky = values.map(lambda v: neutralize_text(v) is not v).to_numpy(dtype=bool)
            if risky.any():
                values = values.astype(object).copy()
                values[risky] = ["'" + v for v in values[risky]]
                frame.isetitem(position, values)
    frame.columns = [neutralize_text(c) for c in frame.columns]
    return frame


def restore_text(value):
    """Undo :func:`neutralize_text`: a ``'`` before a formula character is dropped; everything else unchanged."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def restore_neutralized(table: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralize_formulas` on a table read from a file the project wrote; other cells unchanged."""
    restore = restore_text
    frame = table.copy()
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            marked = values.map(lambda v: restore(v) is not v).to_numpy(dtype=bool)
            if marked.any():
                values = values.astype(object).copy()
                values[marked] = [v[1:] for v in values[marked]]
                frame.isetitem(position, values)
    frame.columns = [restore(c) for c in frame.columns]
    return frame


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _temp_prefix(target: Path) -> str:
    """``.<name>.<pid>.``: the temporary files of a write carry the writing process's id."""
    return f".{target.name}.{os.getpid()}."


def sweep_stale_temporaries(target: str | os.PathLike) -> list[Path]:
    """Remove the temporary files and folders a killed write of ``target`` left beside it (``.<name>.<pid>.*``
    of a process that no longer runs; a kill -9 runs no cleanup). Returns what was removed."""
    target = Path(target)
    removed = []
    if not target.parent.is_dir():
        return removed
    head = f".{target.name}."
    for entry in target.parent.iterdir():
        rest = entry.name[len(head):] if entry.name.startswith(head) else ""
        pid = rest.split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _pid_alive(int(pid)):
            continue
        try:
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``, on error it is removed (and
    what an earlier, killed write left is swept first: :func:`sweep_stale_temporaries`)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temporaries(target)
    fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=suffix or target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers (GDAL in particular) want to create the file themselves
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_directory(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary directory beside ``target``; on success it replaces ``target`` as a whole."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temporaries(target)
    tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), dir=target.parent))
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_csv(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a table as UTF-8 CSV with BOM (opens correctly in Excel with Cyrillic text); geometry as WKT."""
    frame = pd.DataFrame(table)
    if isinstance(table, gpd.GeoDataFrame):
        geometry_name = table.geometry.name
        frame[geometry_name] = table.geometry.to_wkt()
    frame = neutralize_formulas(frame)
    with atomic_path(path) as tmp:
        # CRLF rows (RFC 4180): a text with a bare CR or LF in it is then quoted, not split into two rows
        frame.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return Path(path)


def write_geopackage(layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame], path: str | os.PathLike, *,
                     styles: Mapping[str, str] | None = None) -> Path:
    """Write several layers into one GeoPackage (opens in QGIS); tables without geometry become attribute tables.

    ``styles`` (layer name -> QGIS QML) go into the ``layer_styles`` table QGIS reads, as each layer's default
    style, so the file opens styled."""
    if not layers:
        raise ValueError("Nothing to write: no layers given.")
    with atomic_path(path, suffix=".gpkg") as tmp:
        for name, layer in layers.items():
            if isinstance(layer, gpd.GeoDataFrame):
                layer.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
            else:
                import pyogrio

                pyogrio.write_dataframe(pd.DataFrame(layer), tmp, layer=name, driver="GPKG")
        if styles:
            import pyogrio

            rows = [{"f_table_catalog": "", "f_table_schema": "", "f_table_name": name,
                     "f_geometry_column": "geometry", "styleName": name, "styleQML": qml, "styleSLD": "",
                     "useAsDefault": True, "description": "Hromada Access", "owner": "", "ui": "",
                     "update_time": pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")}
                    for name, qml in styles.items() if name in layers]
            if rows:
                pyogrio.write_dataframe(pd.DataFrame(rows), tmp, layer="layer_styles", driver="GPKG")
    return Path(path)


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write tables as sheets of one XLSX workbook (geometry columns dropped)."""
    with atomic_path(path, suffix=".xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, table in sheets.items():
                frame = pd.DataFrame(table)
                frame = neutralize_formulas(frame.drop(columns=[c for c in frame.columns if c == "geometry"]))
                frame.to_excel(writer, sheet_name=name[:31], index=False)
    return Path(path)
