"""Downloads of a hromada's results: GeoPackage, CSV, XLSX and the printable HTML report.

Files are written with the atomic writers of :mod:`analysis.outputs` into a temporary folder and handed to
``st.download_button`` as bytes (generated only when the button is pressed, then cached).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.outputs import write_csv, write_geopackage, write_xlsx
from dashboard import state
from dashboard.i18n import tr


def _layers(spec: dict, network_path: str | None, mode: str, circuity: float, norms: tuple, norm_id: str) -> dict:
    result = state.access(spec, network_path, mode, circuity)
    hromada = state.bundle(**spec)
    evaluation = state.evaluation(spec, network_path, mode, circuity, norms)
    geometry = hromada.settlements.set_index("id").geometry
    evaluation_gdf = gpd.GeoDataFrame(evaluation, geometry=evaluation["settlement_id"].map(geometry).to_numpy(),
                                      crs=4326)
    layers = {
        "settlements": result.settlements.assign(method=result.method),
        "service_points": result.service_points,
        "boundary": hromada.boundary,
        "norm_evaluation": evaluation_gdf,
        "coverage_summary": state.summary(spec, network_path, mode, circuity, norms),
        "gaps": state.gaps(spec, network_path, mode, circuity, norms, norm_id),
        "travel_times": result.long,
        "data_quality": state.quality(spec, network_path, mode, circuity, norms).flags,
    }
    return layers


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


def _layers_file_bytes(writer, suffix: str, spec, network_path, mode, circuity, norms, norm_id) -> bytes:
    """The hromada's layers written by ``writer`` (GeoPackage or XLSX) to a temporary file, as bytes."""
    layers = {k: _clean(v) for k, v in _layers(spec, network_path, mode, circuity, norms, norm_id).items()}
    with tempfile.TemporaryDirectory() as folder:
        return writer(layers, Path(folder) / f"hromada_access{suffix}").read_bytes()


@st.cache_data(show_spinner=False, max_entries=16)
def geopackage_bytes(spec, network_path, mode, circuity, norms, norm_id) -> bytes:
    return _layers_file_bytes(write_geopackage, ".gpkg", spec, network_path, mode, circuity, norms, norm_id)


@st.cache_data(show_spinner=False, max_entries=16)
def xlsx_bytes(spec, network_path, mode, circuity, norms, norm_id) -> bytes:
    return _layers_file_bytes(write_xlsx, ".xlsx", spec, network_path, mode, circuity, norms, norm_id)


@st.cache_data(show_spinner=False, max_entries=16)
def csv_bytes(spec, network_path, mode, circuity, norms, norm_id) -> bytes:
    evaluation = state.evaluation(spec, network_path, mode, circuity, norms)
    with tempfile.TemporaryDirectory() as folder:
        path = write_csv(evaluation, Path(folder) / "norm_evaluation.csv")
        return path.read_bytes()


def download_row(ctx: dict, key: str) -> None:
    """Four download buttons: report (HTML), XLSX, GeoPackage, CSV."""
    from dashboard import report

    lang = ctx["lang"]
    args = (*state.ctx_args(ctx), ctx["norms"], ctx["norm"].id)
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
