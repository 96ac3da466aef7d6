"""Printable HTML report of a hromada's coverage: key figures, the map (interactive, Leaflet inlined so the file
opens offline), the settlements outside the norm, all norms, data-quality flags and sources.

One self-contained file (no internet needed to open or print it). Every figure comes from the same cached analysis
calls the pages use (:mod:`dashboard.cache`, :mod:`dashboard.figures`).
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from dashboard import assets, cache
from dashboard.context import ctx_args
from dashboard.figures import bounds_headline, coverage_map, point_status
from dashboard.i18n import fmt_int, fmt_num, fmt_pct, note_text, tr

_CSS = """
body{font:14px/1.45 -apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1a202c;margin:24px auto;max-width:1000px}
h1{font-size:24px;margin:0 0 4px} h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid #cbd5e0}
.meta{color:#4a5568;margin-bottom:12px} .warn{background:#fffbeb;border-left:4px solid #d69e2e;padding:8px 12px}
.kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{border:1px solid #cbd5e0;border-radius:6px;padding:10px 14px;min-width:200px}
.kpi b{display:block;font-size:22px} table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border:1px solid #cbd5e0;padding:4px 6px;text-align:left;vertical-align:top} th{background:#edf2f7}
td.n{text-align:right} iframe{width:100%;height:560px;border:1px solid #999}
.small{color:#4a5568;font-size:12px}
@media print{body{margin:0;max-width:none} iframe{height:480px;page-break-inside:avoid} h2{page-break-after:avoid}}
"""


def _table(frame: pd.DataFrame, numeric: set[str] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            cls = ' class="n"' if column in numeric else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _capacity_section(ctx: dict, group: str, lowest: int = 10) -> list[str]:
    """Residents per administrator by allocation (each resident once, at the nearest point) and, apart and labelled
    as an index, the settlements with the lowest E2SFCA accessibility index (the same cached calls as the
    Planning page)."""
    from analysis.metrics.capacity import STAFF_UNKNOWN, STAFF_ZERO, ULEAD_RESIDENTS_PER_ADMINISTRATOR

    lang = ctx["lang"]
    args = ctx_args(ctx)
    points, _, summary = cache.capacity_allocation(*args, group)
    names = ctx["bundle"].service_points.set_index("id")["name"]
    notes = points["staff"].map({STAFF_UNKNOWN: tr("cap_note_unknown_staff", lang),
                                 STAFF_ZERO: tr("cap_note_zero_staff", lang)}).fillna("")
    columns = {
        tr("bf_col_point", lang): points["destination_id"].map(names),
        tr("cap_admins", lang): points["administrators"].map(fmt_int),
        tr("cap_settlements", lang): points["n_settlements_allocated"],
        tr("cap_load", lang): points["allocated_population"].map(fmt_int),
        tr("cap_per_admin", lang): points["residents_per_administrator"].map(fmt_int),
        tr("cap_over_col", lang): points["over_benchmark"].map(
            lambda v: "—" if pd.isna(v) else tr("cap_yes" if v else "cap_no", lang)),
        tr("cap_notes", lang): notes,
    }
    numeric = {tr(k, lang) for k in ("cap_admins", "cap_settlements", "cap_load", "cap_per_admin")}
    parts = [f"<h2>{html.escape(tr('cap_title', lang))}</h2>",
             f"<p>{html.escape(tr('cap_intro', lang, benchmark=fmt_int(ULEAD_RESIDENTS_PER_ADMINISTRATOR)))}</p>",
             _table(pd.DataFrame(columns), numeric),
             "<p class='small'>" + html.escape(tr("cap_total", lang, allocated=fmt_int(summary["population_allocated"]),
                                                  total=fmt_int(summary["population_total"]),
                                                  overall=fmt_int(summary["residents_per_administrator_overall"])))
             + "</p>"]
    scores, _ = cache.capacity_index(*args, group)
    scores = scores.sort_values("accessibility_index_per_10k", kind="stable").head(lowest)
    settlement_names = ctx["bundle"].settlements.set_index("id")["name"]
    index_table = pd.DataFrame({
        tr("col_name", lang): scores["origin_id"].map(settlement_names),
        tr("col_population", lang): scores["population"].map(fmt_int),
        tr("cap_index_col", lang): scores["accessibility_index_per_10k"].map(lambda v: fmt_num(v, lang, 2)),
        tr("cap_index_points", lang): scores["n_points_in_catchment"],
    })
    parts += [f"<h3>{html.escape(tr('cap_index_title', lang))}</h3>",
              f"<p class='small'>{html.escape(tr('cap_index_intro', lang))}</p>",
              f"<p>{html.escape(tr('cap_index_lowest', lang, n=len(scores)))}</p>",
              _table(index_table, {tr("col_population", lang), tr("cap_index_col", lang)})]
    return parts


def report_html(ctx: dict) -> str:
    """The report of the hromada in ``ctx`` (language ``ctx['lang']``)."""
    from analysis.errors import HromadaAccessError
    from analysis.sources.taxonomy import load_taxonomy

    lang = ctx["lang"]
    hromada = ctx["bundle"]
    result = ctx["access"]
    norm = ctx["norm"]
    args = ctx_args(ctx)
    summary = cache.summary(*args, ctx["norms"])
    row = summary[summary["norm_id"] == norm.id].iloc[0]
    gaps = cache.gaps(*args, ctx["norms"], norm.id)
    flags = cache.quality(*args, ctx["norms"]).flags
    name = hromada.name_uk if lang == "uk" else hromada.name_en
    parts = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{html.escape(name)}</title>"
             f"<style>{_CSS}</style></head><body>"]
    parts.append(f"<h1>{html.escape(tr('app_title', lang))}: {html.escape(name)}</h1>")
    parts.append(f"<div class='meta'>{html.escape(hromada.code)} · {dt.date.today():%Y-%m-%d} · "
                 f"{html.escape(tr('mode_' + ctx['mode'], lang))} · {html.escape(result.method_label[lang])}</div>")
    parts.append(f"<p>{html.escape(tr('norm_line', lang, norm=norm.label(lang), thresholds=norm.thresholds_text(lang)))}</p>")
    if result.estimated:
        parts.append("<p class='warn'>" + html.escape(tr("estimated_banner", lang, circuity=result.circuity,
                                                          speed=result.router.speed_kmh)) + "</p>")
    kpis = [
        (tr("kpi_covered", lang), fmt_int(row["population_covered"]), tr("kpi_share", lang,
                                                                         share=fmt_pct(row["share_covered"], lang))),
        (tr("kpi_uncovered", lang), fmt_int(row["population_uncovered"]),
         tr("kpi_uncovered_settlements", lang, n=int(row["n_uncovered_settlements"]))),
        (tr("kpi_median_time", lang), fmt_num(row["median_time_min"], lang),
         tr("kpi_p90", lang, p90=fmt_num(row["p90_time_min"], lang))),
    ]
    try:
        figure = bounds_headline(ctx)
    except Exception:  # noqa: BLE001 - the report is still useful without this figure
        figure = None
    if figure is not None:
        kpis.append((tr("kpi_barrier_free", lang), figure["lower"], tr("kpi_barrier_free_help", lang)))
        kpis.append((tr("kpi_barrier_free_upper", lang), figure["upper"], tr("kpi_barrier_free_upper_help", lang)))
    parts.append("<div class='kpis'>" + "".join(
        f"<div class='kpi'>{html.escape(label)}<b>{html.escape(value)}</b><span class='small'>{html.escape(note)}"
        f"</span></div>" for label, value, note in kpis) + "</div>")
    if figure is not None:
        parts.append(f"<p>{html.escape(figure['sentence'])}</p><p class='small'>{html.escape(figure['counts'])}</p>")

    groups = result.values()
    target = "cnap" if "cnap" in groups else groups[0]
    status_info = point_status(ctx)
    fmap = coverage_map(ctx, target, tiles=False, status=status_info[0] if status_info else None,
                        status_labels=status_info[1] if status_info else None)
    map_doc = assets.standalone_html(fmap)
    parts.append(f"<h2>{html.escape(tr('map_title', lang, target=load_taxonomy().group_label(target, lang)))}</h2>")
    parts.append(f"<iframe srcdoc=\"{html.escape(map_doc, quote=True)}\" title='map'></iframe>")
    parts.append(f"<p class='small'>{html.escape(tr('map_uncovered_note', lang, thresholds=norm.thresholds_text(lang)))}</p>")

    parts.append(f"<h2>{html.escape(tr('worst_title', lang))}</h2>")
    if len(gaps):
        table = pd.DataFrame({
            tr("col_name", lang): gaps["settlement_name"],
            tr("col_population", lang): gaps["population"].map(fmt_int),
            tr("col_time", lang): gaps["travel_time_min"].map(lambda v: fmt_num(v, lang)),
            tr("col_distance", lang): gaps["distance_km"].map(lambda v: fmt_num(v, lang)),
            tr("col_nearest", lang): gaps["destination_name"],
        })
        parts.append(_table(table, {tr("col_population", lang), tr("col_time", lang), tr("col_distance", lang)}))
    else:
        parts.append(f"<p>{html.escape(tr('no_gaps', lang))}</p>")

    parts.append(f"<h2>{html.escape(tr('all_norms_title', lang))}</h2>")
    norms_table = pd.DataFrame({
        tr("col_norm", lang): summary["norm_label_uk" if lang == "uk" else "norm_label_en"],
        tr("col_covered", lang): summary["population_covered"].map(fmt_int),
        tr("col_share", lang): summary["share_covered"].map(lambda v: fmt_pct(v, lang)),
        tr("col_uncovered", lang): summary["population_uncovered"].map(fmt_int),
        tr("col_median_time", lang): summary["median_time_min"].map(lambda v: fmt_num(v, lang)),
    })
    parts.append(_table(norms_table, {tr("col_covered", lang), tr("col_uncovered", lang)}))

    try:
        parts.extend(_capacity_section(ctx, target))
    except HromadaAccessError as error:  # bad input: say so, keep the rest of the report
        parts.append(f"<h2>{html.escape(tr('cap_title', lang))}</h2><p class='warn'>{html.escape(str(error))}</p>")

    parts.append(f"<h2>{html.escape(tr('quality_title', lang))}</h2>")
    if flags.empty:
        parts.append(f"<p>{html.escape(tr('quality_ok', lang))}</p>")
    else:
        items = []
        for flag in flags.itertuples():
            label = flag.label_uk if lang == "uk" else flag.label_en
            items.append(f"<li>{html.escape(label)}: {fmt_int(flag.count)} / {fmt_int(flag.total)}</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
    for note in hromada.notes:
        parts.append(f"<p class='small'>{html.escape(note_text(note, lang))}</p>")

    parts.append(f"<h2>{html.escape(tr('sources_title', lang))}</h2><ul>")
    from analysis.sources.admin import source_text

    sources = list(hromada.sources)
    if ctx.get("network_path"):
        sources.append({"id": "network", "name": cache.network_meta(ctx["network_path"]).get("source", "OpenStreetMap"),
                        "url": ""})
    for source in sources:
        name, licence = source_text(source, lang)
        parts.append(f"<li><b>{html.escape(name)}</b> — {html.escape(licence)} {html.escape(source.get('url', ''))}"
                     "</li>")
    parts.append(f"<li>{html.escape(assets.LEAFLET_LICENCE)}</li></ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
