"""Access map page: settlements coloured by travel time to the nearest service point, and the table."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from analysis.maps import access_map
from analysis.outputs import write_geopackage
from analysis.routing import DEFAULT_ESTIMATE_SPEED_KMH
from analysis.taxonomy import load_taxonomy
from dashboard import state
from dashboard.i18n import tr


def render(ctx: dict) -> None:
    lang = ctx["lang"]
    hromada = ctx["bundle"]
    result = ctx["access"]
    taxonomy = load_taxonomy()
    st.header(f"{tr('page_coverage', lang)} — {hromada.name_uk if lang == 'uk' else hromada.name_en}")
    if result.estimated:
        st.warning(tr("estimated_banner", lang, circuity=result.circuity,
                      speed=DEFAULT_ESTIMATE_SPEED_KMH.get(result.mode, 0)))
    else:
        st.info(tr("routed_banner", lang, circuity=result.circuity))
    groups = result.values()
    target = st.selectbox(tr("target", lang), groups, format_func=lambda g: taxonomy.group_label(g, lang),
                          key="coverage_target")
    settlements = result.settlements
    names = result.service_points.set_index("id")["name"]
    table = pd.DataFrame(
        {
            tr("col_name", lang): settlements["name"],
            tr("col_population", lang): settlements["population"],
            tr("col_time", lang): settlements[f"travel_time_min__{target}"].round(1),
            tr("col_distance", lang): settlements[f"total_distance_km__{target}"].round(2),
            tr("col_nearest", lang): settlements[f"nearest_service_id__{target}"].map(names),
            tr("col_reachable", lang): settlements[f"reachable__{target}"],
            tr("col_method", lang): result.method_label[lang],
        }
    )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(tr("settlements_count", lang), len(settlements))
    c2.metric(tr("population_total", lang), f"{int(settlements['population'].sum()):,}".replace(",", " "))
    c3.metric(tr("points_count", lang), int((result.service_points["group"] == target).sum()))
    c4.metric(tr("median_time", lang), f"{settlements[f'travel_time_min__{target}'].median():.1f}")
    show_tiles = st.toggle(tr("tiles", lang), value=False, key="coverage_tiles")
    fmap = access_map(
        settlements.assign(nearest_name=settlements[f"nearest_service_id__{target}"].map(names)),
        result.service_points[result.service_points["group"] == target],
        hromada.boundary,
        time_column=f"travel_time_min__{target}",
        distance_column=f"total_distance_km__{target}",
        nearest_column="nearest_name",
        target_label=taxonomy.group_label(target, lang),
        estimated=result.estimated,
        lang=lang,
        tiles=show_tiles,
    )
    st.subheader(tr("map_title", lang, target=taxonomy.group_label(target, lang)))
    st_folium(fmap, height=560, use_container_width=True, returned_objects=[], key=f"map_{target}_{lang}")
    st.subheader(tr("table_title", lang))
    st.dataframe(table.sort_values(tr("col_time", lang), ascending=False), hide_index=True, width="stretch")
    csv = result.long.to_csv(index=False).encode("utf-8-sig")
    st.download_button(tr("download_csv", lang), csv, file_name=f"{hromada.code}_travel_times.csv",
                       mime="text/csv")
