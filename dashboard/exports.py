"""Downloads of a hromada's results: GeoPackage, CSV, XLSX and the printable HTML report.

Files are written with the atomic writers of :mod:`analysis.outputs` into a temporary folder and handed to
``st.download_button`` as bytes (generated only when the button is pressed, then cached).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis.outputs import write_csv, write_geopackage, write_xlsx
from analysis.reporting.layers import default_styles, result_layers
from dashboard import cache, report
from dashboard.context import ctx_args
from dashboard.i18n import tr


def _layers(spec: dict, network_path: str | None, mode: str, circuity: float, max_snap_m: float | None, norms: tuple,
            norm_id: str) -> dict:
    """The hromada's tables as they are on the pages: the layers of :func:`analysis.reporting.layers.result_layers`
    (the CLI's ``run`` writes the same) from the one cached analysis (:func:`dashboard.cache.report`)."""
    args = (spec, network_path, mode, circuity, max_snap_m)
    return result_layers(cache.bundle(**spec), cache.report(*args, norms), cache.access(*args))


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns GDAL/openpyxl can write (lists/dicts as text)."""
    out = frame.copy()
    for column in out.columns:
        if column == getattr(out, "_geometry_column_name", None):
            continue
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: v if v is None or isinstance(v, (str, int, float, bool))
                                          else str(v))
    return out


def _layers_file_bytes(writer, suffix: str, *args) -> bytes:
    """The hromada's layers written by ``writer`` (GeoPackage or XLSX) to a temporary file, as bytes."""
    layers = {k: _clean(v) for k, v in _layers(*args).items()}
    with tempfile.TemporaryDirectory() as folder:
        return writer(layers, Path(folder) / f"hromada_access{suffix}").read_bytes()


@st.cache_data(show_spinner=False, max_entries=16)
def geopackage_bytes(spec, network_path, mode, circuity, max_snap_m, norms, norm_id) -> bytes:
    def styled(layers, path):  # QGIS opens the download coloured by travel-time band
        return write_geopackage(layers, path, styles=default_styles(layers))

    return _layers_file_bytes(styled, ".gpkg", spec, network_path, mode, circuity, max_snap_m, norms, norm_id)


@st.cache_data(show_spinner=False, max_entries=16)
def xlsx_bytes(spec, network_path, mode, circuity, max_snap_m, norms, norm_id) -> bytes:
    return _layers_file_bytes(write_xlsx, ".xlsx", spec, network_path, mode, circuity, max_snap_m, norms, norm_id)


@st.cache_data(show_spinner=False, max_entries=16)
def csv_bytes(spec, network_path, mode, circuity, max_snap_m, norms, norm_id) -> bytes:
    evaluation = cache.evaluation(spec, network_path, mode, circuity, max_snap_m, norms)
    with tempfile.TemporaryDirectory() as folder:
        path = write_csv(evaluation, Path(folder) / "norm_evaluation.csv")
        return path.read_bytes()


def download_row(ctx: dict, key: str) -> None:
    """Four download buttons: report (HTML), XLSX, GeoPackage, CSV."""
    lang = ctx["lang"]
    args = (*ctx_args(ctx), ctx["norms"], ctx["norm"].id)
    code = ctx["code"]
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(tr("download_report", lang), data=lambda: report.report_html(ctx).encode("utf-8"),
                       file_name=f"{code}_report_{lang}.html", mime="text/html", key=f"{key}_report",
                       on_click="ignore", icon=":material/print:")
    c2.download_button(tr("download_xlsx", lang), data=lambda: xlsx_bytes(*args), file_name=f"{code}_access.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}_xlsx", on_click="ignore", icon=":material/table:")
    c3.download_button(tr("download_gpkg", lang), data=lambda: geopackage_bytes(*args),
                       file_name=f"{code}_access.gpkg", mime="application/geopackage+sqlite3", key=f"{key}_gpkg",
                       on_click="ignore", icon=":material/map:")
    c4.download_button(tr("download_csv", lang), data=lambda: csv_bytes(*args), file_name=f"{code}_norms.csv",
                       mime="text/csv", key=f"{key}_csv", on_click="ignore", icon=":material/download:")
