"""Coverage map page: settlements coloured by travel-time band and sized by population, uncovered settlements
outlined, service points by group with their barrier-free status, service areas (15/30/45/60 min) to switch
on, the hromada boundary, a legend, and the settlements table with downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.metrics.coverage import STATUS_LABELS
from analysis.metrics.norms import norm_for_group
from analysis.routing.results import reason_label
from analysis.sources.taxonomy import load_taxonomy
from dashboard import cache, mapview
from dashboard.context import ctx_args, guarded, sticky, sticky_selectbox
from dashboard.exports import download_row
from dashboard.figures import coverage_map, method_banner, point_status
from dashboard.i18n import fmt_int, tr

AREA_BREAKS = (15, 30, 45, 60)


def render(ctx: dict) -> None:
    lang = ctx["lang"]
    hromada = ctx.get("bundle")
    result = ctx.get("access")
    if hromada is None or result is None:
        st.header(tr("page_coverage", lang))
        st.warning(tr("no_data_for_hromada", lang))
        st.page_link("views/data.py", label=tr("go_to_data", lang), icon=":material/database:")
        return
    taxonomy = load_taxonomy()
    st.header(f"{tr('page_coverage', lang)} — {hromada.name_uk if lang == 'uk' else hromada.name_en}")
    method_banner(ctx)
    groups = result.values()
    c1, c2, c3 = st.columns([2, 2, 1])
    target = sticky_selectbox(c1, tr("target", lang), groups, format_func=lambda g: taxonomy.group_label(g, lang),
                              key="coverage_target")
    area_breaks = sticky(c2.pills, tr("service_areas", lang), list(AREA_BREAKS), selection_mode="multi",
                         format_func=lambda m: tr("minutes_short", lang, minutes=m), key="coverage_areas",
                         help=tr("service_areas_help", lang))
    show_tiles = c3.toggle(tr("tiles", lang), value=False, key="coverage_tiles")
    settlements = result.settlements
    names = result.service_points.set_index("id")["name"]
    norm = norm_for_group(ctx["norms"], target)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(tr("settlements_count", lang), len(settlements))
    m2.metric(tr("population_total", lang), fmt_int(settlements["population"].sum()))
    m3.metric(tr("points_count", lang), int((result.service_points["group"] == target).sum()))
    if norm is not None:
        summary = cache.summary(*ctx_args(ctx), ctx["norms"])
        row = summary[summary["norm_id"] == norm.id].iloc[0]
        m4.metric(tr("kpi_uncovered", lang), fmt_int(row["population_uncovered"]),
                  help=tr("norm_line", lang, norm=norm.label(lang), thresholds=norm.thresholds_text(lang)))
    status, status_labels = None, None
    status_info = point_status(ctx)
    if status_info is not None:
        status, status_labels = status_info
    with guarded(lang):
        fmap = coverage_map(ctx, target, tiles=show_tiles, area_breaks=tuple(area_breaks or ()), status=status,
                            status_labels=status_labels)
        st.subheader(tr("map_title", lang, target=taxonomy.group_label(target, lang)))
        if norm is not None:
            st.caption(tr("map_uncovered_note", lang, thresholds=norm.thresholds_text(lang)))
        mapview.show(fmap, key=f"coverage_map_{target}_{lang}", height=580)
    st.subheader(tr("table_title", lang))
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
    long = result.long[result.long["group"] == target].set_index("origin_id") if "group" in result.long else None
    if long is not None and not long.index.has_duplicates:
        table[tr("col_reason", lang)] = settlements["id"].map(long["unreachable_reason"]).map(
            lambda code: reason_label(code, lang)).to_numpy()
        if long["origin_snap_m"].notna().any():
            table[tr("col_snap_m", lang)] = settlements["id"].map(long["origin_snap_m"]).round(0).to_numpy()
    if norm is not None:
        evaluation = cache.evaluation(*ctx_args(ctx), ctx["norms"])
        part = evaluation[evaluation["norm_id"] == norm.id].set_index("settlement_id")
        table[tr("col_norm_status", lang)] = settlements["id"].map(part["status"]).map(
            lambda s: STATUS_LABELS.get(s, {}).get(lang, s)).to_numpy()
    st.dataframe(table.sort_values(tr("col_time", lang), ascending=False), hide_index=True, width="stretch")
    download_row(ctx, "coverage_dl")


if __name__ == "__main__":
    from dashboard.context import run_page

    run_page(render)
