"""Writing results: GeoPackage layers, CSV and XLSX tables — always atomically.

Every writer first writes to a temporary file in the target directory and then renames it over the target, so an
error half-way never leaves a truncated or half-written file behind (and an existing file stays intact).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Mapping

import geopandas as gpd
import pandas as pd


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``, on error it is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=target.parent)
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
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
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
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig")
    return Path(path)


def write_geopackage(layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write several layers into one GeoPackage (opens in QGIS); tables without geometry become attribute tables."""
    if not layers:
        raise ValueError("Nothing to write: no layers given.")
    with atomic_path(path, suffix=".gpkg") as tmp:
        for name, layer in layers.items():
            if isinstance(layer, gpd.GeoDataFrame):
                layer.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
            else:
                import pyogrio

                pyogrio.write_dataframe(pd.DataFrame(layer), tmp, layer=name, driver="GPKG")
    return Path(path)


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write tables as sheets of one XLSX workbook (geometry columns dropped)."""
    with atomic_path(path, suffix=".xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, table in sheets.items():
                frame = pd.DataFrame(table)
                frame = frame.drop(columns=[c for c in frame.columns if c == "geometry"])
                frame.to_excel(writer, sheet_name=name[:31], index=False)
    return Path(path)
