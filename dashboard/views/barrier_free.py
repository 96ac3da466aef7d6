"""Barrier-free page: wheelchair status and full-checklist status of each service point with its evidence; the
population within the norm of a barrier-free point as a lower bound (confirmed accessible points) and an upper bound
(with the points of unknown status) beside coverage by all points; and the survey form (download, fill in on site,
upload back). :func:`dashboard.figures.bounds_headline` gives the same figures to the overview and the HTML
report."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis.reporting.inputs import MAX_TABLE_UPLOAD_MB
from dashboard import cache, session
from dashboard.context import ctx_args, guarded
from dashboard.i18n import fmt_int, fmt_pct, tr


def status_section(ctx: dict) -> None:
    from analysis.barrier_free.checklist import CHECKLIST
    from analysis.barrier_free.status import (
        CHECKLIST_LABELS,
        CHECKLIST_STATUSES,
        RULES,
        STATUS_LABELS,
        STATUSES,
        checklist_counts,
        disagree_mask,
        status_counts,
    )

    lang = ctx["lang"]
    points = cache.assessed_points(ctx["spec"])
    counts = status_counts(points)
    st.markdown(f"**{tr('bf_wheelchair_counts', lang)}**")
    columns = st.columns(len(STATUSES) + 1)
    for column, status in zip(columns, STATUSES):
        column.metric(STATUS_LABELS[status][lang], int(counts[status]))
    columns[-1].metric(f"{STATUS_LABELS['unknown'][lang]} — {tr('bf_disagree_count', lang)}",
                       int(disagree_mask(points).sum()), help=tr("bf_disagree_help", lang))
    st.caption(tr("bf_bounds_note", lang))
    checks = checklist_counts(points)
    st.markdown(f"**{tr('bf_checklist_counts', lang)}**")
    st.caption(" · ".join(f"{CHECKLIST_LABELS[s][lang]}: {int(checks[s])}" for s in CHECKLIST_STATUSES))
    st.markdown(f"**{tr('bf_points_title', lang)}**")
    item_labels = {item.id: item.label(lang) for item in CHECKLIST}
    missing = points["barrier_free_checklist_missing"].fillna("").map(
        lambda text: "; ".join(item_labels.get(i, i) for i in str(text).split("; ") if i))
    table = pd.DataFrame({
        tr("bf_col_point", lang): points["name"],
        tr("bf_col_status", lang): points[f"barrier_free_label_{'uk' if lang == 'uk' else 'en'}"],
        tr("bf_col_rule", lang): points["barrier_free_rule"].map(lambda r: RULES.get(r, {}).get(lang, r)),
        tr("bf_col_checklist", lang): points["barrier_free_checklist"].map(
            lambda c: CHECKLIST_LABELS.get(c, {}).get(lang, c)),
        tr("bf_col_missing", lang): missing,
        tr("bf_col_evidence", lang): points["barrier_free_evidence"],
        tr("bf_col_disagree", lang): points["sources_disagree"],
        tr("bf_col_survey", lang): points["survey_date"].dt.strftime("%Y-%m-%d").fillna(""),
    })
    wide = st.column_config.TextColumn(width="large")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={tr("bf_col_point", lang): wide, tr("bf_col_rule", lang): wide})


def coverage_section(ctx: dict) -> None:
    from analysis.barrier_free.coverage import REACH_LABELS, reach_sentence

    lang = ctx["lang"]
    norm = ctx["norm"]
    st.subheader(tr("bf_coverage_title", lang))
    st.caption(tr("norm_line", lang, norm=norm.label(lang), thresholds=norm.thresholds_text(lang)))
    result = cache.bf_coverage(*ctx_args(ctx), ctx["norms"])
    row = result.hromadas.iloc[0]
    covered = tr("bf_covered", lang).lower()
    c1, c2, c3 = st.columns(3)
    c1.metric(f"{tr('bf_all_points', lang)}: {covered}", fmt_int(row["population_covered_all"]))
    c1.caption(fmt_pct(row["share_covered_all"], lang))
    c2.metric(f"{tr('bf_accessible_points', lang)}: {covered}", fmt_int(row["population_covered_accessible"]),
              help=tr("kpi_barrier_free_help", lang))
    c2.caption(fmt_pct(row["barrier_free_share"], lang))
    c3.metric(f"{tr('bf_upper_points', lang)}: {covered}", fmt_int(row["population_covered_if_unknown_accessible"]),
              help=tr("kpi_barrier_free_upper_help", lang))
    c3.caption(fmt_pct(row["barrier_free_share_if_unknown_accessible"], lang))
    st.info(reach_sentence(row, lang))
    g1, g2 = st.columns(2)
    g1.metric(tr("bf_gap", lang), fmt_int(row["barrier_free_gap_population"]))
    g2.metric(tr("bf_gap_upper", lang), fmt_int(row["barrier_free_gap_population_if_unknown_accessible"]))
    if int(row["n_accessible"]) == 0 and int(row["n_unknown"]) == 0:
        st.warning(tr("bf_no_accessible", lang))
    for note in result.notes_in(lang):
        st.caption(note)
    settlements = result.settlements
    table = pd.DataFrame({
        tr("col_name", lang): settlements["name"],
        tr("col_population", lang): settlements["population"],
        tr("bf_col_reach", lang): settlements["barrier_free_reach"].map(
            lambda r: REACH_LABELS.get(r, {}).get(lang, r)),
        f"{tr('col_time', lang)} — {tr('bf_all_points', lang)}": settlements["travel_time_min_all"].round(1),
        f"{tr('col_time', lang)} — {tr('bf_accessible_points', lang)}":
            settlements["travel_time_min_accessible"].round(1),
        f"{tr('col_time', lang)} — {tr('bf_upper_points', lang)}":
            settlements["travel_time_min_if_unknown_accessible"].round(1),
        tr("bf_gap", lang): settlements["barrier_free_gap"],
    })
    st.dataframe(table.sort_values(tr("bf_gap", lang), ascending=False), hide_index=True, width="stretch")


@st.cache_data(show_spinner=False, max_entries=8)
def survey_bytes(spec: dict, lang: str, include_accessible: bool, kind: str) -> bytes:
    from analysis.barrier_free.survey_form import write_survey_form

    points = cache.assessed_points(spec)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"survey.{kind}"
        written = write_survey_form(points, path, lang=lang, csv=False, include_accessible=include_accessible)
        return Path(written[0]).read_bytes()


def survey_section(ctx: dict) -> None:
    lang, code = ctx["lang"], ctx["code"]
    st.subheader(tr("bf_survey_title", lang))
    st.write(tr("bf_survey_intro", lang))
    include = st.checkbox(tr("bf_survey_include_accessible", lang), key="bf_include_accessible")
    c1, c2 = st.columns(2)
    c1.download_button(tr("bf_survey_download", lang), data=lambda: survey_bytes(ctx["spec"], lang, include, "xlsx"),
                       file_name=f"{code}_barrier_free_survey.xlsx", on_click="ignore", key="bf_survey_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    c2.download_button(tr("bf_survey_download_csv", lang), data=lambda: survey_bytes(ctx["spec"], lang, include, "csv"),
                       file_name=f"{code}_barrier_free_survey.csv", on_click="ignore", key="bf_survey_csv",
                       mime="text/csv")
    surveys = session.user_files(code).get("surveys", ())
    if surveys:
        st.success(tr("bf_surveys_in_use", lang, names=", ".join(n for n, _ in surveys)))
        if st.button(tr("bf_survey_forget", lang), key="bf_survey_forget"):
            session.forget_upload(code, "surveys")
            st.rerun()
    upload = st.file_uploader(tr("bf_survey_upload", lang, limit=MAX_TABLE_UPLOAD_MB), type=["xlsx", "csv"],
                              key="bf_survey_upload", max_upload_size=MAX_TABLE_UPLOAD_MB)
    errors = st.session_state.setdefault("upload_errors", {})
    if upload is not None:
        marker = (upload.name, upload.size, getattr(upload, "file_id", None))
        if st.session_state.get("processed_survey") != marker:
            st.session_state["processed_survey"] = marker
            data = upload.getvalue()
            try:
                from analysis.barrier_free.survey import read_survey_upload
                from analysis.reporting.inputs import apply_survey_upload, check_size

                check_size(data, MAX_TABLE_UPLOAD_MB, upload.name)
                survey = read_survey_upload(upload.name, data)
                apply_survey_upload(ctx["bundle"].service_points, (upload.name, data))  # validates the point ids
            except Exception as exc:  # noqa: BLE001 - shown; the points keep their previous status
                errors["survey"] = f"{upload.name}: {exc}"
            else:
                errors.pop("survey", None)
                session.remember_survey(code, upload.name, data)
                st.session_state["bf_message"] = tr("bf_survey_applied", lang, name=upload.name, rows=len(survey))
                st.rerun()
    if "survey" in errors:
        st.error(f"{tr('error', lang)}: {errors['survey']}")


def render(ctx: dict) -> None:
    lang = ctx["lang"]
    hromada = ctx.get("bundle")
    st.header(f"{tr('page_barrier_free', lang)}"
              + (f" — {hromada.name_uk if lang == 'uk' else hromada.name_en}" if hromada is not None else ""))
    if hromada is None or ctx.get("access") is None:
        st.warning(tr("no_data_for_hromada", lang))
        st.page_link("views/data.py", label=tr("go_to_data", lang), icon=":material/database:")
        return
    message = st.session_state.pop("bf_message", None)
    if message:
        st.success(message)
    st.write(tr("bf_intro", lang))
    with guarded(lang):
        status_section(ctx)
    with guarded(lang):
        coverage_section(ctx)
    with guarded(lang):
        survey_section(ctx)


if __name__ == "__main__":
    from dashboard.context import run_page

    run_page(render)
