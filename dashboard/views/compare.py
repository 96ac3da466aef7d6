"""Compare hromadas (donor view): every hromada with data analysed the same way (same norm, travel mode and
circuity), ranked by the population left outside the ЦНАП norm (:func:`analysis.compare.rank_hromadas`), with
charts and the ranking as CSV/XLSX (Ukrainian or English headers)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import cache, session
from dashboard.context import ctx_args, guarded, progress
from dashboard.i18n import fmt_int, fmt_num, fmt_pct, tr


def _network_for(ctx: dict, code: str) -> str | None:
    """The road network used for a hromada: the sidebar's for the current one, else one saved for it."""
    if code == ctx.get("code"):
        return ctx.get("network_path")
    own = cache.networks_for(code)
    return next(iter(own.values()), None)


def ranking(ctx: dict) -> pd.DataFrame:
    from analysis.reporting.compare import rank_hromadas

    lang = ctx["lang"]
    codes = session.comparable_hromadas(ctx["root"])
    reports, barrier_free = [], {}
    with progress(tr("computing", lang)) as bar:
        for i, code in enumerate(codes):
            bar(code, i / max(1, len(codes)))
            with guarded(lang):
                spec = session.bundle_spec(code, ctx["root"])
                if cache.bundle(**spec) is None:
                    continue
                args = (spec, _network_for(ctx, code), *ctx_args(ctx)[2:])
                reports.append(cache.report(*args, ctx["norms"]))
                barrier_free[code] = _barrier_free_share(args, ctx)
    return rank_hromadas(reports, norm_id=ctx["norm"].id, barrier_free=barrier_free)


def _barrier_free_share(args: tuple, ctx: dict):
    """Share of residents within the norm of a barrier-free (accessible) point — ``barrier_free_share`` of
    :func:`analysis.barrier_free.coverage.barrier_free_coverage`, as the overview KPI and ``analysis rank``."""
    try:
        result = cache.bf_coverage(*args, ctx["norms"])
    except Exception:  # noqa: BLE001 - the ranking is still shown without this column
        return None
    return float(result.hromadas.iloc[0]["barrier_free_share"])


@st.cache_data(show_spinner=False, max_entries=8)
def export_bytes(table: pd.DataFrame, lang: str, suffix: str) -> bytes:
    from analysis.reporting.compare import export_ranking

    with tempfile.TemporaryDirectory() as folder:
        path = export_ranking(table, Path(folder) / f"ranking{suffix}", lang=lang)
        return Path(path).read_bytes()


def render(ctx: dict) -> None:
    from analysis.reporting.compare import LANGUAGE_COLUMNS, METHOD_LABELS, ranking_headers

    lang = ctx["lang"]
    st.header(tr("page_compare", lang))
    norm = ctx["norm"]
    st.write(tr("cmp_intro", lang))
    st.caption(tr("norm_line", lang, norm=norm.label(lang)) + " · " + tr(f"mode_{ctx['mode']}", lang))
    table = ranking(ctx)
    c1, c2, c3 = st.columns(3)
    c1.metric(tr("cmp_hromadas", lang), len(table))
    c2.metric(tr("kpi_uncovered", lang), fmt_int(table["population_uncovered"].sum()))
    c3.metric(tr("population_total", lang), fmt_int(table["population"].sum()))
    shown = table[[c for c in table.columns if LANGUAGE_COLUMNS.get(c, lang) == lang]].copy()
    shown["method"] = shown["method"].map(lambda m: METHOD_LABELS.get(m, {}).get(lang, m))
    for column in ("share_covered", "share_uncovered", "barrier_free_share"):
        if column in shown:
            shown[column] = shown[column].map(lambda v: fmt_pct(v, lang))
    for column in ("population", "official_population", "population_covered", "population_uncovered",
                   "centre_population_beyond_strict", "centre_population_beyond_max"):
        if column in shown:
            shown[column] = shown[column].map(fmt_int)
    for column in ("mean_time_min", "median_time_min", "p90_time_min"):
        if column in shown:
            shown[column] = shown[column].map(lambda v: fmt_num(v, lang))
    shown = shown.drop(columns=["name_en" if lang == "uk" else "name_uk"], errors="ignore")
    first = ["rank", "name_uk" if lang == "uk" else "name_en", "population_uncovered", "share_covered",
             "barrier_free_share", "method"]
    shown = shown[[c for c in first if c in shown] + [c for c in shown.columns if c not in first]]
    # the shares are shown as percentages here (the exports keep 0–1, as their headers say)
    shown.columns = [h.replace("(0–1)", "(%)") for h in ranking_headers(shown.columns, lang)]
    st.dataframe(shown, hide_index=True, width="stretch")
    from analysis.sources.admin import hromada_adjective

    names = (table["name_uk"].map(hromada_adjective) if lang == "uk"
             else table["name_en"].fillna("").str.replace(r"\s+(Urban|Rural|Settlement)?\s*Hromada$", "", regex=True))
    names = names.where(names.astype(bool), table["code"])
    st.subheader(tr("cmp_chart_title", lang))
    st.bar_chart(pd.DataFrame({tr("cmp_share", lang): (table["share_covered"] * 100).round(1).to_numpy()},
                              index=names.to_numpy()), horizontal=True, y_label="%", height=60 + 40 * len(table))
    st.subheader(tr("cmp_uncovered", lang))
    if table["population_uncovered"].fillna(0).gt(0).any():
        st.bar_chart(pd.DataFrame({tr("cmp_uncovered", lang): table["population_uncovered"].to_numpy()},
                                  index=names.to_numpy()), horizontal=True, height=60 + 40 * len(table))
    else:  # an all-zero chart has no scale to read
        st.success(tr("cmp_nobody_uncovered", lang))
    d1, d2 = st.columns(2)
    d1.download_button(tr("download_xlsx", lang), data=lambda: export_bytes(table, "both", ".xlsx"),
                       file_name="hromada_ranking.xlsx", on_click="ignore", key="cmp_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    d2.download_button(tr("download_csv", lang), data=lambda: export_bytes(table, lang, ".csv"),
                       file_name=f"hromada_ranking_{lang}.csv", on_click="ignore", key="cmp_csv", mime="text/csv")


if __name__ == "__main__":
    from dashboard.context import run_page

    run_page(render)
