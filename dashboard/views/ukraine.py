"""Україна / Ukraine: every hromada on one map for donors — where residents live outside the ЦНАП norm.

The figures are :func:`analysis.reporting.national.national_view` (each hromada analysed as ``run`` analyses it),
computed once on this machine (a few minutes, with progress) and kept as a GeoPackage in the cache folder beside
the saved road networks — the same file ``python -m analysis national`` writes. The page reads it: a choropleth of
hromadas by population outside the norm or by share within it, an oblast filter, the ranking and downloads; a
click on a hromada opens it in the other pages.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.reporting.maps import base_map
from dashboard import cache, mapview, session
from dashboard.context import guarded, progress, run_page
from dashboard.i18n import fmt_int, fmt_pct, tr

#: Colours from "few outside the norm" to "many" (ColorBrewer YlOrRd, 5 classes).
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")


def national_file(ctx: dict) -> Path:
    """Where the national figures for the sidebar's norm, travel mode and circuity are kept."""
    norm = ctx["norm"]
    parts = [ctx["mode"], f"c{ctx['circuity']:.2f}", f"t{norm.max_time_min or 0:g}", f"d{norm.max_distance_km or 0:g}",
             norm.combine]
    return cache.networks_dir().parent / "national" / ("ukraine_" + "_".join(parts) + ".gpkg")


@st.cache_data(show_spinner=False, max_entries=4)
def load_national(path: str, mtime_ns: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The hromadas layer (geometry simplified for the map) and the oblasts table of a national GeoPackage."""
    import pyogrio

    hromadas = pyogrio.read_dataframe(path, layer="hromadas")
    hromadas["geometry"] = hromadas.geometry.simplify(0.005, preserve_topology=True)
    oblasts = pyogrio.read_dataframe(path, layer="oblasts", read_geometry=False)
    return hromadas, oblasts


def compute(ctx: dict, path: Path) -> None:
    from analysis.outputs import write_geopackage
    from analysis.reporting.national import default_workers, national_view

    lang = ctx["lang"]
    with progress(tr("ua_computing", lang)) as bar:
        view = national_view(ctx["root"], norm=ctx["norm"], mode=ctx["mode"], circuity=ctx["circuity"],
                             workers=default_workers(), progress=bar)
    write_geopackage({k: v for k, v in view.layers().items() if k != "errors" or len(v)}, path)


def _class_breaks(values: pd.Series) -> list[float]:
    positive = values[values > 0]
    if positive.empty:
        return []
    return sorted(set(positive.quantile([0.2, 0.4, 0.6, 0.8]).round(0).tolist()))


def choropleth(table: gpd.GeoDataFrame, lang: str, measure: str) -> folium.Map:
    """Hromadas coloured by ``measure`` (population outside the norm, or share within it, reversed)."""
    west, south, east, north = table.total_bounds
    fmap = base_map(location=[(south + north) / 2, (west + east) / 2], zoom_start=6, prefer_canvas=True)
    fmap.fit_bounds([[south, west], [north, east]])
    values = table[measure].astype(float)
    if measure == "share_covered":
        values = 1.0 - values  # darker = more people outside
    breaks = _class_breaks(values) if measure != "share_covered" else [0.0001, 0.05, 0.15, 0.3]

    def colour(value: float) -> str:
        if pd.isna(value):
            return "#cccccc"
        if value <= 0:
            return "#f7fcf5"
        return PALETTE[min(sum(value > b for b in breaks), len(PALETTE) - 1)]

    shown = table.assign(
        _colour=[colour(v) for v in values],
        name=table["name_uk" if lang == "uk" else "name_en"].fillna(table["name_uk"]).map(lambda s: html.escape(str(s))),
        outside=table["population_uncovered"].map(fmt_int),
        share=table["share_covered"].map(lambda v: fmt_pct(v, lang)),
        oblast_text=table["oblast"].map(lambda s: html.escape(str(s))),
    )[["hromada_katottg", "name", "oblast_text", "outside", "share", "_colour", "geometry"]]
    folium.GeoJson(
        shown, name=tr("ua_map_layer", lang),
        style_function=lambda f: {"fillColor": f["properties"]["_colour"], "color": "#555", "weight": 0.4,
                                  "fillOpacity": 0.8},
        highlight_function=lambda f: {"weight": 2, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["name", "oblast_text", "outside", "share"],
                                      aliases=[tr("ua_col_hromada", lang), tr("ua_col_oblast", lang),
                                               tr("ua_col_outside", lang), tr("ua_col_share", lang)]),
    ).add_to(fmap)
    outlines = oblast_outlines()
    if outlines is not None:
        folium.GeoJson(outlines, name=tr("ua_oblast", lang), interactive=False,
                       style_function=lambda _: {"color": "#222", "weight": 1.2, "fill": False}).add_to(fmap)
    return fmap


@st.cache_data(show_spinner=False)
def oblast_outlines() -> gpd.GeoDataFrame | None:
    """Oblast borders for orientation (``admin/boundaries/oblasts_osm_simpl100m.geojson``), or None."""
    from analysis.sources.admin import _root

    path = _root(cache.data_root_setting()) / "admin" / "boundaries" / "oblasts_osm_simpl100m.geojson"
    if not path.exists():
        return None
    return gpd.read_file(path, engine="pyogrio")[["geometry"]]


def render(ctx: dict) -> None:
    lang = ctx["lang"]
    st.header(tr("page_ukraine", lang))
    st.caption(tr("ua_intro", lang, norm=ctx["norm"].label(lang)))
    path = national_file(ctx)
    if not path.exists():
        st.info(tr("ua_not_computed", lang))
        if st.button(tr("ua_compute", lang), key="ua_compute", type="primary"):
            with guarded(lang):
                compute(ctx, path)
                st.rerun()
        return
    hromadas, oblasts = load_national(str(path), path.stat().st_mtime_ns)
    from analysis.reporting.compare import METHOD_LABELS

    methods = sorted(set(hromadas["method"]))
    st.caption(tr("ua_method", lang, methods=", ".join(METHOD_LABELS.get(m, {}).get(lang, m) for m in methods)))
    choices = ["", *sorted(oblasts["oblast"].astype(str))]
    oblast = st.selectbox(tr("ua_oblast", lang), choices, key="ua_oblast",
                          format_func=lambda o: tr("ua_all_oblasts", lang) if o == "" else o)
    table = hromadas if not oblast else hromadas[hromadas["oblast"] == oblast]
    measure = st.radio(tr("ua_measure", lang), ["population_uncovered", "share_covered"], horizontal=True,
                       key="ua_measure", format_func=lambda m: tr(f"ua_measure_{m}", lang))
    from analysis.reporting.national import NOT_EVALUATED

    c1, c2, c3 = st.columns(3)
    evaluated = table[table["method"] != NOT_EVALUATED]
    unknown = table[table["method"] == NOT_EVALUATED]
    total, covered = evaluated["population_total"].sum(), evaluated["population_covered"].sum()
    c1.metric(tr("ua_n_hromadas", lang), fmt_int(len(table)))
    c2.metric(tr("ua_outside", lang), fmt_int(evaluated["population_uncovered"].sum()))
    c3.metric(tr("ua_share", lang), fmt_pct(covered / total if total else float("nan"), lang))
    if len(unknown):
        st.warning(tr("ua_not_evaluated", lang, n=len(unknown), population=fmt_int(unknown["population_total"].sum())))
    clicked = mapview.show(choropleth(table, lang, measure), key="ua_map", height=620,
                           returned_objects=["last_active_drawing"])
    feature = (clicked or {}).get("last_active_drawing") or {}
    code = (feature.get("properties") or {}).get("hromada_katottg")
    if code in set(table["hromada_katottg"]):
        row = table[table["hromada_katottg"] == code].iloc[0]
        if st.button(tr("ua_open", lang, name=str(row["name_uk" if lang == "uk" else "name_en"] or row["name_uk"])),
                     key="ua_open", on_click=session.open_hromada,
                     args=(str(code), str(row["name_uk"]), str(row["name_en"] or row["name_uk"]))):
            st.switch_page("views/overview.py")
    st.subheader(tr("ua_ranking", lang))
    cost = st.number_input(tr("ua_cost", lang), min_value=0.0, max_value=1e10, value=0.0, step=100_000.0,
                           format="%.0f", key="ua_cost")
    ranked = table.sort_values(["population_uncovered", "share_covered"], ascending=[False, True], kind="stable")
    newly = pd.to_numeric(ranked["suggested_newly_covered"], errors="coerce")
    per_person = (cost / newly.where(newly > 0)).round(0) if cost > 0 else pd.Series(float("nan"), index=ranked.index)
    st.dataframe(pd.DataFrame({
        tr("ua_col_hromada", lang): ranked["name_uk" if lang == "uk" else "name_en"].fillna(ranked["name_uk"]),
        tr("ua_col_oblast", lang): ranked["oblast"],
        tr("ua_col_population", lang): ranked["population_total"],
        tr("ua_col_outside", lang): ranked["population_uncovered"],
        tr("ua_col_share", lang): (ranked["share_covered"] * 100).round(1),
        tr("ua_col_bf", lang): (ranked["barrier_free_share"] * 100).round(1),
        tr("ua_col_suggested", lang): ranked["suggested_point_name"],
        tr("ua_col_newly", lang): newly,
        tr("ua_col_cost_per_person", lang): per_person,
        tr("ua_col_quality", lang): ranked[f"quality_{'uk' if lang == 'uk' else 'en'}"],
    }), hide_index=True, width="stretch")
    st.caption(tr("ua_ranking_note", lang))
    d1, d2 = st.columns(2)
    d1.download_button(tr("download_gpkg", lang), data=lambda: path.read_bytes(), file_name="ukraine_cnap.gpkg",
                       mime="application/geopackage+sqlite3", key="ua_gpkg", on_click="ignore")
    d2.download_button(tr("download_xlsx", lang), data=lambda: _xlsx(path), file_name="ukraine_cnap.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="ua_xlsx",
                       on_click="ignore")


def _xlsx(path: Path) -> bytes:
    import pyogrio

    from analysis.outputs import write_xlsx

    sheets = {name: pyogrio.read_dataframe(path, layer=name, read_geometry=False)
              for name, _ in pyogrio.list_layers(path)}
    with tempfile.TemporaryDirectory() as folder:
        return write_xlsx(sheets, Path(folder) / "ukraine.xlsx").read_bytes()


if __name__ == "__main__":
    run_page(render)
