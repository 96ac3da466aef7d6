"""Overview page: find a hromada (demo packs and every hromada of the KATOTTG codifier), its key figures against
the ЦНАП norm, the worst-served settlements, and data-quality flags beside the figures."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.errors import DataError
from dashboard import cache, mapview, session
from dashboard.context import ctx_args, guarded, sticky_selectbox
from dashboard.exports import download_row
from dashboard.figures import bounds_headline, method_banner
from dashboard.i18n import fmt_int, fmt_num, fmt_pct, tr


def search_box(ctx: dict) -> None:
    lang = ctx["lang"]
    query = st.text_input(tr("search_hromada", lang), key="overview_search", placeholder=tr("search_example", lang))
    if not query.strip():
        return
    with guarded(lang):
        hits = cache.search_hromadas(query.strip(), ctx["root"])
        if hits.empty:
            st.info(tr("search_nothing", lang, query=query))
            return
        pack_codes = set(cache.packs(ctx["root"])["code"])
        hits = hits.assign(has_pack=hits["code"].isin(pack_codes))
        labels = {
            row.code: (f"{row.name_uk if lang == 'uk' else (row.name_en or row.name_uk)} — {row.oblast or ''}, "
                       f"{row.raion or ''} ({row.code})" + (" ✔ " + tr("has_pack", lang) if row.has_pack else ""))
            for row in hits.itertuples()
        }
        choice = sticky_selectbox(st, tr("search_results", lang, n=len(hits)), list(labels), format_func=labels.get,
                                  key="overview_search_choice")
        row = hits[hits["code"] == choice].iloc[0]
        st.button(tr("open_hromada", lang), key="overview_open", type="primary", on_click=session.open_hromada,
                  args=(str(row["code"]), str(row["name_uk"] or row["code"]), str(row["name_en"] or row["name_uk"])))


def missing_data(ctx: dict) -> None:
    """A hromada without data: its outline and what is missing."""
    lang, code, root = ctx["lang"], ctx["code"], ctx["root"]
    info = cache.hromada_info(code, root)
    name = info.get("name_uk" if lang == "uk" else "name_en") or info.get("name_uk") or code
    st.header(f"{name} ({code})")
    st.warning(tr("no_data_for_hromada", lang))
    missing = [tr("missing_settlements", lang), tr("missing_points", lang), tr("missing_network", lang)]
    st.markdown("\n".join(f"- {m}" for m in missing))
    with guarded(lang):
        codifier = cache.codifier_settlements(code, root)
        st.caption(tr("codifier_count", lang, n=len(codifier)))
    st.page_link("views/data.py", label=tr("go_to_data", lang), icon=":material/database:")
    with guarded(lang):
        outline = cache.boundary(code, root)
        mapview.show(mapview.boundary_map(outline, lang), key=f"overview_boundary_{code}", height=420)


def quality_flags(ctx: dict, container) -> None:
    lang = ctx["lang"]
    flags = cache.quality(*ctx_args(ctx), ctx["norms"]).flags
    container.markdown(f"**{tr('quality_title', lang)}**")
    if flags.empty:
        container.success(tr("quality_ok", lang))
        return
    for row in flags.itertuples():
        label = row.label_uk if lang == "uk" else row.label_en
        share = f" ({fmt_pct(row.share, lang)})" if pd.notna(row.share) and row.severity != "error" else ""
        text = f"{label}: {fmt_int(row.count)} / {fmt_int(row.total)}{share}"
        if isinstance(row.items, str) and row.items:
            items = row.items
            if row.flag == "no_service_points_for_norm":  # norm ids -> their labels
                labels = {n.id: n.label(lang) for n in ctx["norms"]}
                items = "; ".join(labels.get(i.strip(), i.strip()) for i in items.split(";"))
            text += f" — {items}"
        if row.severity == "error":  # a data problem, not an app failure: a warning with a stronger icon
            container.warning(text, icon=":material/report:")
        elif row.severity == "warning":
            container.warning(text)
        else:
            container.info(text)


def key_figures(ctx: dict) -> None:
    lang = ctx["lang"]
    norm = ctx["norm"]
    summary = cache.summary(*ctx_args(ctx), ctx["norms"])
    row = summary[summary["norm_id"] == norm.id].iloc[0]
    st.caption(tr("norm_line", lang, norm=norm.label(lang), thresholds=norm.thresholds_text(lang)))
    left, right = st.columns([3, 2])
    with left:
        c1, c2 = st.columns(2)
        c1.metric(tr("kpi_covered", lang), fmt_int(row["population_covered"]),
                  help=tr("kpi_covered_help", lang, thresholds=norm.thresholds_text(lang)))
        c1.caption(tr("kpi_share", lang, share=fmt_pct(row["share_covered"], lang)))
        c2.metric(tr("kpi_uncovered", lang), fmt_int(row["population_uncovered"]))
        c2.caption(tr("kpi_uncovered_settlements", lang, n=int(row["n_uncovered_settlements"])))
        c3, c4 = st.columns(2)
        barrier_free_metric(ctx, c3)
        c4.metric(tr("kpi_median_time", lang), fmt_num(row["median_time_min"], lang),
                  help=tr("kpi_median_help", lang))
        c4.caption(tr("kpi_p90", lang, p90=fmt_num(row["p90_time_min"], lang)))
        worst_settlements(ctx)
    quality_flags(ctx, right)


def barrier_free_metric(ctx: dict, column) -> None:
    """Share of residents within the ЦНАП norm of a barrier-free point: lower bound (confirmed accessible points)
    and upper bound (with the points of unknown status), the sentence "between X and Y … survey" and the point
    counts (:func:`dashboard.figures.bounds_headline`)."""
    lang = ctx["lang"]
    figure = bounds_headline(ctx)
    if figure is None:
        column.metric(tr("kpi_barrier_free", lang), "—")
        column.caption(tr("barrier_free_pending", lang))
    else:
        column.metric(tr("kpi_barrier_free", lang), figure["lower"], help=tr("kpi_barrier_free_help", lang))
        column.metric(tr("kpi_barrier_free_upper", lang), figure["upper"],
                      help=tr("kpi_barrier_free_upper_help", lang))
        column.caption(f"{figure['sentence']} {figure['counts']}")


def worst_settlements(ctx: dict) -> None:
    lang = ctx["lang"]
    norm = ctx["norm"]
    gaps = cache.gaps(*ctx_args(ctx), ctx["norms"], norm.id)
    st.markdown(f"**{tr('worst_title', lang)}**")
    if len(gaps) == 0:
        st.success(tr("no_gaps", lang))
        evaluation = cache.evaluation(*ctx_args(ctx), ctx["norms"])
        part = evaluation[evaluation["norm_id"] == norm.id].sort_values("margin_min", ascending=False).head(5)
        st.caption(tr("closest_to_limit", lang))
        table = part[["settlement_name", "population", "travel_time_min", "distance_km", "destination_name"]]
    else:
        table = gaps[["settlement_name", "population", "travel_time_min", "distance_km", "destination_name"]].head(10)
    st.dataframe(
        table.rename(columns={
            "settlement_name": tr("col_name", lang), "population": tr("col_population", lang),
            "travel_time_min": tr("col_time", lang), "distance_km": tr("col_distance", lang),
            "destination_name": tr("col_nearest", lang)}).round({tr("col_time", lang): 1, tr("col_distance", lang): 1}),
        hide_index=True, width="stretch")


def norms_table(ctx: dict) -> None:
    lang = ctx["lang"]
    summary = cache.summary(*ctx_args(ctx), ctx["norms"])
    labels = summary["norm_label_uk" if lang == "uk" else "norm_label_en"]
    table = pd.DataFrame({
        tr("col_norm", lang): labels,
        tr("col_covered", lang): summary["population_covered"].map(fmt_int),
        tr("col_share", lang): summary["share_covered"].map(lambda v: fmt_pct(v, lang)),
        tr("col_uncovered", lang): summary["population_uncovered"].map(fmt_int),
        tr("col_median_time", lang): summary["median_time_min"].map(lambda v: fmt_num(v, lang)),
        tr("col_evaluated", lang): summary["evaluated"].map({True: "✔", False: tr("not_evaluated", lang)}),
    })
    st.dataframe(table, hide_index=True, width="stretch")


def render(ctx: dict) -> None:
    lang = ctx["lang"]
    with st.expander(tr("search_title", lang), expanded=ctx.get("bundle") is None):
        search_box(ctx)
    if not ctx.get("code"):
        return
    if ctx.get("bundle") is None:
        missing_data(ctx)
        return
    hromada = ctx["bundle"]
    result = ctx["access"]
    st.header(f"{hromada.name_uk if lang == 'uk' else hromada.name_en} ({hromada.code})")
    if result is None:
        raise DataError(tr("no_access_result", lang))
    method_banner(ctx)
    key_figures(ctx)
    st.subheader(tr("all_norms_title", lang))
    norms_table(ctx)
    st.subheader(tr("downloads_title", lang))
    download_row(ctx, "overview_dl")


if __name__ == "__main__":
    from dashboard.context import run_page

    run_page(render)
