"""Coverage map page: settlements coloured by travel-time band and sized by population, uncovered settlements
outlined, service points by group with their barrier-free status, service areas (15/30/45/60 min) to switch
on, the hromada boundary, a legend, and the settlements table with downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.maps import access_map
from analysis.routing import DEFAULT_ESTIMATE_SPEED_KMH
from analysis.taxonomy import load_taxonomy
from dashboard import mapview, state
from dashboard.context import guarded, sticky, sticky_selectbox
from dashboard.i18n import fmt_int, tr

AREA_BREAKS = (15, 30, 45, 60)


def method_banner(ctx: dict) -> None:
    """Says whether the figures are routed or estimated (and how)."""
    lang, result = ctx["lang"], ctx["access"]
    if result.estimated:
        st.warning(tr("estimated_banner", lang, circuity=result.circuity,
                      speed=DEFAULT_ESTIMATE_SPEED_KMH.get(result.mode, 0)))
    else:
        st.info(tr("routed_banner", lang, circuity=result.circuity))
    for note in result.notes:
        if not result.estimated:
            st.caption(note)


def norm_for_group(ctx: dict, group: str):
    """The norm that applies to a service group (None if none does)."""
    for norm in ctx["norms"]:
        if not norm.is_hromada_centre and group in {load_taxonomy().group_of(c) for c in norm.categories()}:
            return norm
    return None


def coverage_map(ctx: dict, target: str, *, tiles: bool, area_breaks=(), closed_ids=(), status=None,
                 status_labels=None, extra_layers=(), result=None, evaluation=None):
    """The folium map of the page (also used by the report and the planning page)."""
    lang = ctx["lang"]
    taxonomy = load_taxonomy()
    result = result if result is not None else ctx["access"]
    settlements = result.settlements
    names = result.service_points.set_index("id")["name"]
    norm = norm_for_group(ctx, target)
    uncovered = None
    if norm is not None:
        if evaluation is None:
            evaluation = state.evaluation(*state.ctx_args(ctx), ctx["norms"])
        part = evaluation[evaluation["norm_id"] == norm.id].set_index("settlement_id")
        meets = settlements["id"].map(part["meets_norm"])
        uncovered = (meets == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712 - NA = not evaluated
    layers = []
    if area_breaks:
        with st.spinner(tr("computing", lang)):
            areas = state.service_areas(*state.ctx_args(ctx), target)
        areas = areas[areas["break_min"].isin([float(b) for b in area_breaks])].rename(columns={"break_min": "minutes"})
        layers.extend(mapview.service_area_layers(areas, lang))
    points = result.service_points[result.service_points["group"] == target]
    layers.append(mapview.service_layer(points, lang, taxonomy=taxonomy, status=status, status_labels=status_labels,
                                        highlight=closed_ids))
    layers.extend(extra_layers)
    if uncovered is not None and uncovered.any():
        layers.append(mapview.uncovered_layer(settlements, uncovered, lang))
    fmap = access_map(
        settlements.assign(nearest_name=settlements[f"nearest_service_id__{target}"].map(names)),
        None,
        ctx["bundle"].boundary,
        time_column=f"travel_time_min__{target}",
        distance_column=f"total_distance_km__{target}",
        nearest_column="nearest_name",
        target_label=taxonomy.group_label(target, lang),
        estimated=result.estimated,
        lang=lang,
        tiles=tiles,
        highlight_uncovered=uncovered,
        extra_layers=layers,
    )
    fmap.get_root().add_child(mapview.service_legend(lang, status_labels))
    return fmap


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
    norm = norm_for_group(ctx, target)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(tr("settlements_count", lang), len(settlements))
    m2.metric(tr("population_total", lang), fmt_int(settlements["population"].sum()))
    m3.metric(tr("points_count", lang), int((result.service_points["group"] == target).sum()))
    if norm is not None:
        summary = state.summary(*state.ctx_args(ctx), ctx["norms"])
        row = summary[summary["norm_id"] == norm.id].iloc[0]
        m4.metric(tr("kpi_uncovered", lang), fmt_int(row["population_uncovered"]),
                  help=tr("norm_line", lang, norm=norm.label(lang), thresholds=norm.thresholds_text(lang)))
    status, status_labels = None, None
    from dashboard.views import barrier_free as bf_page

    status_info = bf_page.point_status(ctx)
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
    if norm is not None:
        evaluation = state.evaluation(*state.ctx_args(ctx), ctx["norms"])
        part = evaluation[evaluation["norm_id"] == norm.id].set_index("settlement_id")
        from analysis.coverage import STATUS_LABELS

        table[tr("col_norm_status", lang)] = settlements["id"].map(part["status"]).map(
            lambda s: STATUS_LABELS.get(s, {}).get(lang, s)).to_numpy()
    st.dataframe(table.sort_values(tr("col_time", lang), ascending=False), hide_index=True, width="stretch")
    from dashboard.exports import download_row

    download_row(ctx, "coverage_dl")


if __name__ == "__main__":
    from dashboard.context import run_page

    run_page(render)
