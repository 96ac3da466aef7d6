"""Planning page: what-if scenarios (add a point by clicking the map, close points, close roads or bridges) with
before/after figures and map, and suggested locations for k new points (maximal covering) with the newly covered
population and the cost per person.

Every answer comes from :mod:`analysis.planning` on the hromada's one router — the road network, or the estimate
without one — and "covered" is judged by the chosen service group's own norm
(:func:`analysis.metrics.norms.norm_for_group`): ЦНАП points by the ЦНАП norm, social services by theirs.
"""

from __future__ import annotations

import folium
import pandas as pd
import streamlit as st

from analysis.sources.taxonomy import load_taxonomy
from dashboard import cache, mapview, session
from dashboard.context import ctx_args, guarded, progress, sticky_selectbox
from dashboard.figures import coverage_map, method_banner
from dashboard.i18n import fmt_int, fmt_num, fmt_pct, tr


def _add_click(plan: dict, clicked: dict | None) -> bool:
    """Add the point the user clicked on the map (once per click)."""
    if not clicked:
        return False
    point = (round(float(clicked["lng"]), 6), round(float(clicked["lat"]), 6))
    if plan.get("last_click") == point:
        return False
    plan["last_click"] = point
    if point not in plan["add"]:
        plan["add"].append(point)
        return True
    return False


def road_picker(ctx: dict, plan: dict) -> tuple[int, ...]:
    """Roads/bridges to close (needs a network); returns the closed segment ids."""
    lang = ctx["lang"]
    if not ctx.get("network_path"):
        st.caption(tr("plan_roads_need_network", lang))
        return ()
    net = cache.network(ctx["network_path"])
    edges = net.edges
    names = edges["name"].astype("string").fillna("") if "name" in edges.columns else pd.Series("", index=edges.index)
    bridge = (edges["bridge"].astype("string").fillna("no").str.lower().isin(["no", "false", "0", ""]) == False  # noqa: E712
              ) if "bridge" in edges.columns else pd.Series(False, index=edges.index)
    query = st.text_input(tr("plan_road_search", lang), key="plan_road_search")
    ways = pd.DataFrame({"way_id": edges["way_id"], "name": names, "highway": edges["highway"].astype(str),
                         "bridge": bridge})
    ways = ways.groupby("way_id", sort=False).agg(name=("name", "first"), highway=("highway", "first"),
                                                  bridge=("bridge", "max")).reset_index()
    mask = ways["bridge"]
    if query.strip():
        mask = mask | ways["name"].str.contains(query.strip(), case=False, regex=False)
    options = ways[mask | ways["way_id"].isin(plan["close_ways"])].head(300)
    labels = {int(r.way_id): f"{'🌉 ' if r.bridge else ''}{r.name or tr('plan_unnamed_road', lang)} ({r.highway}, "
              f"OSM way {int(r.way_id)})" for r in options.itertuples()}
    chosen = st.multiselect(tr("plan_roads", lang), list(labels), format_func=labels.get,
                            default=[w for w in plan["close_ways"] if w in labels], key="plan_close_ways",
                            placeholder=tr("choose", lang))
    plan["close_ways"] = list(chosen)
    return tuple(int(i) for i in edges.index[edges["way_id"].isin(chosen)])


def figures(ctx: dict, group: str, plan: dict, closed_edges: tuple[int, ...]):
    """Before/after figures of the scenario: dict(before=..., after=..., raw=ScenarioResult)."""
    from analysis.planning.scenario import NewPoint, WhatIf, apply_scenario

    add, close = tuple(plan["add"]), tuple(plan["close"])
    with progress(tr("plan_computing", ctx["lang"])) as bar:
        bar("PlanningContext", 0.1)
        context = cache.planning_context(cache.spec_key(ctx["spec"]), *ctx_args(ctx), group, ctx["norms"])
        bar("apply_scenario", 0.6)
        what_if = WhatIf(add=[NewPoint(lon, lat) for lon, lat in add], close=close, close_edges=closed_edges)
        result = apply_scenario(context, what_if)
    row = result.summary()
    before = {"covered": row.get("covered_population_before"), "share": row.get("covered_share_before"),
              "mean": row.get("mean_time_before_min"), "unreachable": row.get("n_unreachable_before")}
    after = {"covered": row.get("covered_population_after"), "share": row.get("covered_share_after"),
             "mean": row.get("mean_time_after_min"), "unreachable": row.get("n_unreachable_after")}
    return {"before": before, "after": after, "raw": result, "norm": result.norm}


def show_figures(ctx: dict, fig: dict) -> None:
    lang = ctx["lang"]
    before, after = fig["before"], fig["after"]
    c1, c2, c3 = st.columns(3)
    delta = None
    try:
        delta = float(after["covered"]) - float(before["covered"])
    except (TypeError, ValueError):
        pass
    c1.metric(tr("plan_metric_before", lang), fmt_int(before["covered"]), help=tr("kpi_covered", lang))
    c1.caption(fmt_pct(before["share"], lang))
    c2.metric(tr("plan_metric_after", lang), fmt_int(after["covered"]), help=tr("kpi_covered", lang),
              delta=None if delta is None or abs(delta) < 0.5 else fmt_int(delta))
    c2.caption(fmt_pct(after["share"], lang))
    mean_after = after.get("mean")
    mean_before = before.get("mean")
    c3.metric(tr("plan_mean_time", lang), fmt_num(mean_after, lang), help=tr("plan_mean_help", lang),
              delta=None if mean_before is None or mean_after is None or pd.isna(mean_before) or pd.isna(mean_after)
              or abs(mean_after - mean_before) < 0.05
              else ("+" if mean_after > mean_before else "-") + fmt_num(abs(mean_after - mean_before), lang),
              delta_color="inverse")
    norm = fig["norm"]
    st.caption(tr("plan_network_note", lang, norm=norm.label(lang), thresholds=norm.thresholds_text(lang)))


def scenario_map(ctx: dict, group: str, plan: dict):
    """The group's coverage map with the scenario's new points in green and its closed points outlined red."""
    lang = ctx["lang"]
    new_layer = folium.FeatureGroup(name=tr("plan_added_layer", lang))
    for i, (lon, lat) in enumerate(plan["add"], start=1):
        folium.Marker((lat, lon), icon=folium.DivIcon(
            html=f'<div style="width:24px;height:24px;border-radius:12px;background:#1a7f37;color:#fff;'
                 f'font:bold 14px/24px sans-serif;text-align:center;border:2px solid #fff;box-shadow:0 0 3px #000">'
                 f'+{i}</div>', icon_size=(24, 24), icon_anchor=(12, 12)),
            tooltip=tr("plan_new_point", lang, n=i)).add_to(new_layer)
    return coverage_map(ctx, group, tiles=st.session_state.get("plan_tiles", False), closed_ids=plan["close"],
                        extra_layers=[new_layer])


def suggest_section(ctx: dict, group: str, plan: dict) -> None:
    lang = ctx["lang"]
    st.subheader(tr("plan_suggest_title", lang))
    c1, c2, c3 = st.columns([1, 2, 2])
    k = int(c1.number_input(tr("plan_k", lang), 1, 20, 2, 1, key="plan_k"))
    cost = c2.number_input(tr("plan_cost", lang), 0.0, 1e9, 0.0, 10000.0, key="plan_cost", format="%.0f")
    c3.write("")
    if c3.button(tr("plan_suggest_button", lang), key="plan_suggest", type="primary"):
        st.session_state["plan_suggest_args"] = (k, cost)
    args = st.session_state.get("plan_suggest_args")
    if not args:
        return
    k, cost = args
    with guarded(lang):
        with st.spinner(tr("computing", lang)):
            result = cache.suggestion(*ctx_args(ctx), group, ctx["norms"], k, cost or None)
        if result.newly_covered_population <= 0:
            st.info(tr("plan_suggest_none", lang))
            return
        st.metric(tr("plan_newly_covered", lang), fmt_int(result.newly_covered_population))
        st.write(tr("plan_suggest_result", lang, people=fmt_int(result.newly_covered_population)))
        if cost and result.cost_per_newly_covered_person is not None:
            st.write(tr("plan_cost_per_person", lang, cost=fmt_int(result.cost_per_newly_covered_person)))
        settlements = ctx["bundle"].settlements.set_index("id")
        table = result.points.assign(name=result.points["candidate_id"].map(settlements["name"]))
        st.dataframe(pd.DataFrame({
            "#": table["rank"], tr("col_name", lang): table["name"],
            tr("plan_col_new", lang): table["newly_covered_population"].map(fmt_int),
            tr("plan_col_settlements", lang): table["n_settlements_newly_covered"],
            tr("plan_col_cost", lang): table["cost_per_newly_covered_person"].map(fmt_int),
        }), hide_index=True, width="stretch")
        st.caption(f"{result.method}" + ("" if result.optimal else f" · {tr('plan_bound', lang)}: "
                                          f"{fmt_int(result.upper_bound)}"))
        if st.button(tr("plan_use_suggestions", lang), key="plan_use_suggestions"):
            geometry = settlements.geometry
            for candidate in result.chosen_ids:
                point = geometry[candidate]
                lonlat = (round(point.x, 6), round(point.y, 6))
                if lonlat not in plan["add"]:
                    plan["add"].append(lonlat)
            st.rerun()


def capacity_section(ctx: dict, group: str) -> None:
    """Staff against demand: residents per administrator by allocation (each resident counted once, at the nearest
    point; :func:`analysis.metrics.capacity.allocate_to_nearest`), compared with the benchmark; below it, apart and
    labelled as an index, the E2SFCA accessibility index of the settlements (never compared with the benchmark)."""
    from analysis.metrics.capacity import STAFF_UNKNOWN, STAFF_ZERO, ULEAD_RESIDENTS_PER_ADMINISTRATOR

    lang = ctx["lang"]
    with st.expander(tr("cap_title", lang)):
        st.caption(tr("cap_intro", lang, benchmark=fmt_int(ULEAD_RESIDENTS_PER_ADMINISTRATOR)))
        with guarded(lang):
            points, _, summary = cache.capacity_allocation(*ctx_args(ctx), group)
            names = ctx["bundle"].service_points.set_index("id")["name"]
            c1, c2, c3, c4 = st.columns(4)
            c1.metric(tr("cap_over", lang), summary["n_points_over_benchmark"])
            c2.metric(tr("cap_unknown_staff", lang), summary["n_points_unknown_staff"])
            c3.metric(tr("cap_zero_staff", lang), summary["n_points_zero_staff"])
            c4.metric(tr("cap_not_allocated", lang), fmt_int(summary["population_no_route"]))
            notes = pd.Series("", index=points.index, dtype=object)
            notes[points["staff"] == STAFF_UNKNOWN] = tr("cap_note_unknown_staff", lang)
            notes[points["staff"] == STAFF_ZERO] = tr("cap_note_zero_staff", lang)
            unknown_pop = points["n_settlements_population_unknown"] > 0
            lower_bound = tr("cap_note_population_unknown", lang)
            notes[unknown_pop] = notes[unknown_pop].map(lambda text: f"{text}; {lower_bound}" if text else lower_bound)
            st.dataframe(pd.DataFrame({
                tr("bf_col_point", lang): points["destination_id"].map(names),
                tr("cap_admins", lang): points["administrators"],
                tr("cap_settlements", lang): points["n_settlements_allocated"],
                tr("cap_load", lang): points["allocated_population"].round(0),
                tr("cap_per_admin", lang): points["residents_per_administrator"].round(0),
                tr("cap_over_col", lang): points["over_benchmark"].map(
                    lambda v: "—" if pd.isna(v) else tr("cap_yes" if v else "cap_no", lang)),
                tr("cap_notes", lang): notes,
            }), hide_index=True, width="stretch")
            st.caption(tr("cap_total", lang, allocated=fmt_int(summary["population_allocated"]),
                          total=fmt_int(summary["population_total"]),
                          overall=fmt_int(summary["residents_per_administrator_overall"])))
        st.markdown(f"**{tr('cap_index_title', lang)}**")
        st.caption(tr("cap_index_intro", lang))
        with guarded(lang):
            scores, _ = cache.capacity_index(*ctx_args(ctx), group)
            settlement_names = ctx["bundle"].settlements.set_index("id")["name"]
            scores = scores.sort_values("accessibility_index_per_10k", kind="stable")
            st.dataframe(pd.DataFrame({
                tr("col_name", lang): scores["origin_id"].map(settlement_names),
                tr("col_population", lang): scores["population"],
                tr("cap_index_col", lang): scores["accessibility_index_per_10k"].round(2),
                tr("cap_index_points", lang): scores["n_points_in_catchment"],
            }), hide_index=True, width="stretch")


def render(ctx: dict) -> None:
    lang = ctx["lang"]
    hromada = ctx.get("bundle")
    st.header(tr("page_planning", lang) + (f" — {hromada.name_uk if lang == 'uk' else hromada.name_en}"
                                           if hromada is not None else ""))
    if hromada is None or ctx.get("access") is None:
        st.warning(tr("no_data_for_hromada", lang))
        st.page_link("views/data.py", label=tr("go_to_data", lang), icon=":material/database:")
        return
    method_banner(ctx)
    st.write(tr("plan_intro", lang))
    taxonomy = load_taxonomy()
    plan = session.plan(ctx["code"])
    groups = ctx["access"].values()
    group = sticky_selectbox(st, tr("plan_group", lang), groups, format_func=lambda g: taxonomy.group_label(g, lang),
                             key="plan_group")
    c_add, c_close, c_roads = st.columns(3)
    with c_add:
        st.markdown(f"**{tr('plan_add_title', lang)}**")
        st.caption(tr("plan_add_hint", lang))
        c1, c2 = st.columns(2)
        lon = c1.number_input(tr("plan_lon", lang), -180.0, 180.0, value=None, format="%.5f", key="plan_lon")
        lat = c2.number_input(tr("plan_lat", lang), -90.0, 90.0, value=None, format="%.5f", key="plan_lat")
        if st.button(tr("plan_add_button", lang), key="plan_add", disabled=lon is None or lat is None):
            point = (round(float(lon), 6), round(float(lat), 6))
            if point not in plan["add"]:
                plan["add"].append(point)
        st.caption(tr("plan_added", lang, n=len(plan["add"])))
        if plan["add"] and st.button(tr("plan_clear_added", lang), key="plan_clear"):
            plan["add"].clear()
            plan["last_click"] = None
            st.rerun()
    with c_close:
        st.markdown(f"**{tr('plan_close_title', lang)}**")
        points = hromada.service_points[hromada.service_points["group"] == group]
        names = dict(zip(points["id"], points["name"].astype(str)))
        plan["close"] = st.multiselect(tr("plan_close", lang), list(names), format_func=names.get,
                                       default=[p for p in plan["close"] if p in names], key="plan_close",
                                       placeholder=tr("choose", lang))
    with c_roads:
        st.markdown(f"**{tr('plan_roads_title', lang)}**")
        closed_edges = road_picker(ctx, plan)
    fig = figures(ctx, group, plan, closed_edges)
    st.subheader(tr("plan_result_title", lang))
    if not (plan["add"] or plan["close"] or closed_edges):
        st.info(tr("plan_no_changes", lang))
    show_figures(ctx, fig)
    st.toggle(tr("tiles", lang), value=False, key="plan_tiles")
    fmap = scenario_map(ctx, group, plan)
    returned = mapview.show(fmap, key=f"plan_map_{ctx['code']}_{group}", height=560,
                            returned_objects=["last_clicked"])
    if _add_click(plan, (returned or {}).get("last_clicked")):
        st.rerun()
    raw = fig["raw"]
    changed = raw.settlements[(raw.settlements["status"] != "unchanged")
                              | (raw.settlements["covered_before"] != raw.settlements["covered_after"])]
    if len(changed):
        st.dataframe(changed[["name", "population", "time_before_min", "time_after_min", "change_min", "covered_before",
                              "covered_after", "status"]]
                     .round(1).rename(columns={"name": tr("col_name", lang), "population": tr("col_population", lang)}),
                     hide_index=True, width="stretch")
    suggest_section(ctx, group, plan)
    capacity_section(ctx, group)


if __name__ == "__main__":
    from dashboard.context import run_page

    run_page(render)
