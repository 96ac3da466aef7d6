"""Figures and blocks several pages, the printable report and the downloads share: the coverage map, the
barrier-free headline and point statuses, the banner saying how the figures were computed. Built from
:mod:`dashboard.cache` only — no page is imported here, so pages, report and exports never import each other."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.metrics.norms import norm_for_group
from analysis.reporting.maps import access_map
from analysis.sources.taxonomy import load_taxonomy
from dashboard import cache, mapview
from dashboard.context import ctx_args
from dashboard.i18n import fmt_int, fmt_num, fmt_pct, note_text, tr


def method_banner(ctx: dict) -> None:
    """Says whether the figures are routed or estimated (and how), and the routing notes."""
    lang, result = ctx["lang"], ctx["access"]
    if result.estimated:
        st.warning(tr("estimated_banner", lang, circuity=fmt_num(result.circuity, lang, 2).rstrip("0").rstrip(",."),
                      speed=fmt_num(result.router.speed_kmh, lang, 0)))
    else:
        st.info(tr("routed_banner", lang, circuity=fmt_num(result.circuity, lang, 2),
                   max_snap=fmt_int(result.router.max_snap_m) if result.router.max_snap_m else "∞"))
        for note in result.notes:
            st.caption(note_text(note, lang))
    data_error_banner(ctx)


def data_error_banner(ctx: dict) -> None:
    """Error-level data gaps on every page: settlements of the codifier missing from the data, registry rows that
    could not be placed; and where the population figures come from."""
    lang, bundle = ctx["lang"], ctx.get("bundle")
    if bundle is None:
        return
    from analysis.sources.population import population_source_label

    missing = bundle.missing_settlements
    if missing is not None and len(missing):
        names = "; ".join(missing["name"].astype(str).head(10)) + ("; …" if len(missing) > 10 else "")
        st.warning(tr("missing_settlements_banner", lang, n=len(missing), total=len(bundle.settlements) + len(missing),
                      population=fmt_int(pd.to_numeric(missing["population"], errors="coerce").sum()), names=names),
                   icon=":material/report:")
    unplaced = bundle.unplaced_service_points
    if unplaced is not None and len(unplaced):
        names = "; ".join(unplaced["name"].astype(str).head(10)) + ("; …" if len(unplaced) > 10 else "")
        st.warning(tr("unplaced_points_banner", lang, n=len(unplaced), names=names), icon=":material/report:")
    settlements = bundle.settlements
    if "population_source" in settlements.columns and len(settlements):
        population = pd.to_numeric(settlements["population"], errors="coerce").fillna(0)
        by_source = population.groupby(settlements["population_source"].astype("string").fillna("—")).sum()
        parts = [f"{population_source_label(None if s == '—' else s, lang)} — {fmt_int(v)}"
                 for s, v in by_source.sort_values(ascending=False).items()]
        st.caption(tr("population_source_line", lang, sources="; ".join(parts)))


def point_status(ctx: dict):
    """(point id -> barrier-free status, status -> label) for map icons, or None without service points."""
    if ctx.get("bundle") is None or not len(ctx["bundle"].service_points):
        return None
    from analysis.barrier_free.status import STATUS_LABELS

    points = cache.assessed_points(ctx["spec"])
    status = pd.Series(points["barrier_free_status"].astype(str).to_numpy(), index=points["id"].astype(str))
    labels = {k: v[ctx["lang"]] for k, v in STATUS_LABELS.items()}
    return status, labels


def bounds_headline(ctx: dict) -> dict | None:
    """The barrier-free figures the overview and the report show, or None without service points.

    Keys: ``lower`` / ``upper`` (shares within the ЦНАП norm of an accessible / an accessible-or-unknown point,
    formatted), ``sentence`` (:func:`analysis.barrier_free.coverage.reach_sentence`: "between X and Y … unknown for
    N points — survey") and ``counts`` (points per wheelchair status, disagreements among the unknown).
    """
    if ctx.get("bundle") is None or not len(ctx["bundle"].service_points):
        return None
    from analysis.barrier_free.coverage import reach_sentence

    lang = ctx["lang"]
    row = cache.bf_coverage(*ctx_args(ctx), ctx["norms"]).hromadas.iloc[0]
    return {
        "lower": fmt_pct(row["barrier_free_share"], lang),
        "upper": fmt_pct(row["barrier_free_share_if_unknown_accessible"], lang),
        "sentence": reach_sentence(row, lang),
        "counts": counts_line(row, lang),
    }


def counts_line(row, lang: str) -> str:
    """``"доступний: 1 · частково доступний: 2 · недоступний: 0 · невідомо: 4 (з них джерела суперечать: 4)"``
    from a hromada row of the barrier-free coverage."""
    from analysis.barrier_free.status import STATUS_LABELS, STATUSES

    def count(column: str) -> str:
        value = row.get(column)
        return "—" if value is None or pd.isna(value) else str(int(value))

    parts = [f"{STATUS_LABELS[s][lang]}: {count(f'n_{s}')}" for s in STATUSES]
    parts[-1] += f" ({tr('bf_disagree_count', lang)}: {count('n_disagree')})"
    return " · ".join(parts)


def coverage_map(ctx: dict, target: str, *, tiles: bool, area_breaks=(), closed_ids=(), status=None,
                 status_labels=None, extra_layers=()):
    """The folium map of a service group: settlements by travel-time band, those outside the group's own norm
    outlined, service points with their barrier-free status, optional service areas."""
    lang = ctx["lang"]
    taxonomy = load_taxonomy()
    result = ctx["access"]
    settlements = result.settlements
    names = result.service_points.set_index("id")["name"]
    norm = norm_for_group(ctx["norms"], target)
    uncovered = None
    if norm is not None:
        evaluation = cache.evaluation(*ctx_args(ctx), ctx["norms"])
        part = evaluation[evaluation["norm_id"] == norm.id].set_index("settlement_id")
        meets = settlements["id"].map(part["meets_norm"])
        uncovered = (meets == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712 - NA = not evaluated
    layers = []
    if area_breaks:
        with st.spinner(tr("computing", lang)):
            areas = cache.service_areas(*ctx_args(ctx), target)
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
