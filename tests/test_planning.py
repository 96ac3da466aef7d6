"""What-if answers equal a from-scratch nearest_service; suggestions equal brute force; invariants hold."""

from __future__ import annotations

import itertools
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from analysis.errors import DataError
from analysis.network.graph import build_network
from analysis.planning import mclp
from analysis.planning.mclp import _pulp_available, solve_mclp
from analysis.planning.scenario import NewPoint, PlanningContext, WhatIf, apply_scenario
from analysis.planning.suggest import suggest_points
from analysis.routing.router import nearest_service, od_matrix, snap_points
from analysis.sources.synthetic import random_points, road_grid


# ------------------------------------------------------------------------------------------------ fixtures/helpers
def _instance(seed: int, size: int = 22, n_settlements: int = 60, n_points: int = 4):
    net = road_grid(size, size, seed=seed, oneway_share=0.15)
    settlements = random_points(net, n_settlements, seed=seed + 100, prefix="s")
    rng = np.random.default_rng(seed)
    settlements["population"] = rng.integers(20, 4000, n_settlements).astype(float)
    settlements["hromada_katottg"] = np.where(rng.random(n_settlements) < 0.5, "UA-A", "UA-B")
    points = random_points(net, n_points, seed=seed + 200, prefix="p")
    points["group"] = "cnap"
    return net, settlements, points


def _as_points(new: gpd.GeoDataFrame) -> list[NewPoint]:
    return [NewPoint(float(g.x), float(g.y), id=i) for i, g in zip(new["id"], new.geometry)]


def _assert_equals_scratch(result, scratch: pd.DataFrame, od_all: pd.DataFrame | None) -> None:
    """Times equal to 1e-9 min (NaN where unreachable); destinations equal wherever the best is not tied."""
    after = result.settlements
    assert list(after["origin_id"]) == list(scratch["origin_id"])
    assert (after["reachable_after"].to_numpy() == np.isfinite(scratch["travel_time_min"]).to_numpy()).all()
    np.testing.assert_allclose(after["time_after_min"], scratch["travel_time_min"], rtol=0, atol=1e-9)
    if od_all is None:
        assert (after["destination_after"].to_numpy() == scratch["destination_id"].to_numpy()).all()
        return
    best = od_all.groupby("origin_id")["travel_time_min"].transform("min")
    n_best = (od_all["travel_time_min"] <= best + 1e-9).groupby(od_all["origin_id"]).sum()
    untied = after["origin_id"].map(n_best).fillna(0).to_numpy() == 1
    got = after["destination_after"].to_numpy()[untied]
    assert (got == scratch["destination_id"].to_numpy()[untied]).all()


# ------------------------------------------------------------------------------------------------ baseline
def _route_segments(ctx) -> np.ndarray:
    return np.unique(np.concatenate([segments for _, segments in ctx.baseline.routes]))


def test_context_snaps_and_baseline_equal_routing_module():
    net, settlements, points = _instance(1)
    ctx = PlanningContext.build(net, settlements, points, "drive", "cnap")
    o_snap = snap_points(net, settlements, "drive")
    np.testing.assert_array_equal(ctx.origins.edge, o_snap.edge)
    np.testing.assert_allclose(ctx.origins.snap_m, o_snap.snap_m)
    scratch = nearest_service(net, settlements, points, "drive")
    np.testing.assert_allclose(ctx.baseline_seconds / 60, scratch["travel_time_min"], rtol=0, atol=1e-12)
    assert (ctx.point_ids[ctx.baseline_point] == scratch["destination_id"].to_numpy()).all()
    nearest_km = ctx.baseline.network_km[np.arange(len(settlements)), ctx.baseline_point]
    np.testing.assert_allclose(nearest_km, scratch["network_distance_km"], rtol=1e-9, atol=1e-9)
    # the stored route segments of each settlement's nearest route add up to its length
    length = net.edges["length_m"].to_numpy()
    for i in range(0, len(settlements), 7):
        owners, segments = ctx.baseline.routes[ctx.baseline_point[i]]
        mine = segments[owners == i]
        assert length[mine].sum() >= nearest_km[i] * 1000 - 1e-6  # whole segments, partial ends included
    # the group's own norm judges "covered" (ЦНАП: 14 km or 30 min)
    assert ctx.norm.id == "cnap_access"
    # an empty scenario is the baseline
    result = apply_scenario(ctx, WhatIf())
    assert result.method == "unchanged" and (result.settlements["status"] == "unchanged").all()


# ------------------------------------------------------------------------------------------------ additions
@pytest.mark.parametrize("seed", [2, 3, 4, 5])
def test_adding_points_equals_full_recomputation(seed):
    net, settlements, points = _instance(seed)
    ctx = PlanningContext.build(net, settlements, points, "drive", "cnap")
    added = random_points(net, 1 + seed % 3, seed=seed + 300, prefix="n")
    result = apply_scenario(ctx, WhatIf(add=_as_points(added)))
    assert result.method == "incremental"
    final = pd.concat([points, added.assign(group="cnap")], ignore_index=True)
    scratch = nearest_service(net, settlements, final, "drive")
    _assert_equals_scratch(result, scratch, od_matrix(net, settlements, final, "drive"))
    # invariant: adding never makes anyone slower and never lowers coverage
    before = result.settlements["time_before_min"].to_numpy()
    after = result.settlements["time_after_min"].to_numpy()
    assert (after <= before + 1e-12).all()
    assert (result.settlements["covered_after"] >= result.settlements["covered_before"]).all()
    assert (result.hromadas["covered_population_change"] >= 0).all()


def test_adding_a_point_on_foot_and_far_from_everyone():
    net, settlements, points = _instance(6)
    ctx = PlanningContext.build(net, settlements, points, "walk", "cnap")
    far = random_points(net, 1, seed=9, prefix="n", offset_m=2000)  # long off-network leg
    result = apply_scenario(ctx, WhatIf(add=_as_points(far)))
    scratch = nearest_service(net, settlements, pd.concat([points, far], ignore_index=True), "walk")
    _assert_equals_scratch(result, scratch, None)


def test_added_points_can_reach_settlements_nobody_reached():
    net, settlements, points = _instance(7)
    ctx = PlanningContext.build(net, settlements, points.iloc[0:0], "drive", "cnap")  # no service points at all
    assert not np.isfinite(ctx.baseline_seconds).any()
    added = random_points(net, 2, seed=1, prefix="n")
    result = apply_scenario(ctx, WhatIf(add=_as_points(added)))
    scratch = nearest_service(net, settlements, added, "drive")
    _assert_equals_scratch(result, scratch, od_matrix(net, settlements, added, "drive"))
    assert (result.settlements["status"] == "now reachable").all()


# ------------------------------------------------------------------------------------------------ closures
@pytest.mark.parametrize("seed", [8, 9, 10])
def test_closing_and_moving_points_equals_full_recomputation(seed):
    net, settlements, points = _instance(seed, n_points=5)
    ctx = PlanningContext.build(net, settlements, points, "drive", "cnap")
    used = pd.Series(ctx.point_ids[ctx.baseline_point]).value_counts()
    closed = used.index[0]
    result = apply_scenario(ctx, WhatIf(close=[closed]))
    assert result.method == "incremental" and result.affected_settlements == used.iloc[0]
    remaining = points[points["id"] != closed]
    _assert_equals_scratch(result, nearest_service(net, settlements, remaining, "drive"),
                           od_matrix(net, settlements, remaining, "drive"))
    assert (result.settlements["time_after_min"] >= result.settlements["time_before_min"] - 1e-12).all()
    # moving: same id, new place
    target = random_points(net, 1, seed=seed + 5, prefix="m").geometry.iloc[0]
    moved = apply_scenario(ctx, WhatIf(move={closed: (target.x, target.y)}))
    relocated = points.copy()
    relocated.loc[relocated["id"] == closed, "geometry"] = target
    _assert_equals_scratch(moved, nearest_service(net, settlements, relocated, "drive"),
                           od_matrix(net, settlements, relocated, "drive"))


def test_closing_an_unused_point_changes_nothing():
    net, settlements, points = _instance(11, n_points=4)
    # a second point at exactly p0's place: every tie goes to p0 (listed first), so nobody's nearest is the copy
    extra = points.iloc[[0]].assign(id="copy")
    ctx = PlanningContext.build(net, settlements, pd.concat([points, extra], ignore_index=True), "drive", "cnap")
    assert not (ctx.point_ids[ctx.baseline_point] == "copy").any()
    result = apply_scenario(ctx, WhatIf(close=["copy"]))
    assert result.affected_settlements == 0 and (result.settlements["status"] == "unchanged").all()
    _assert_equals_scratch(result, nearest_service(net, settlements, points, "drive"), None)


@pytest.mark.parametrize("seed", [12, 13, 14])
def test_closing_roads_equals_full_recomputation(seed):
    net, settlements, points = _instance(seed)
    ctx = PlanningContext.build(net, settlements, points, "drive", "cnap")
    rng = np.random.default_rng(seed)
    on_routes = _route_segments(ctx)
    closed = np.concatenate([rng.choice(on_routes, 15, replace=False), rng.integers(0, net.n_edges, 30)])
    result = apply_scenario(ctx, WhatIf(close_edges=closed.tolist()))
    assert result.method == "full"
    scratch = nearest_service(net, settlements, points, "drive", closed_edge_ids=closed)
    _assert_equals_scratch(result, scratch, od_matrix(net, settlements, points, "drive", closed_edge_ids=closed))
    # invariant: closing roads never makes anyone faster and never raises coverage
    before = result.settlements["time_before_min"].to_numpy()
    after = np.nan_to_num(result.settlements["time_after_min"].to_numpy(), nan=np.inf)
    assert (after >= before - 1e-12).all()
    assert (result.settlements["covered_after"] <= result.settlements["covered_before"]).all()
    # a segment on nobody's route: nothing to recompute
    quiet = int(np.setdiff1d(np.arange(net.n_edges), on_routes)[0])
    assert apply_scenario(ctx, WhatIf(close_edges=[quiet])).method == "unchanged"


def test_closure_with_additions_and_closed_points_together():
    net, settlements, points = _instance(15, n_points=5)
    ctx = PlanningContext.build(net, settlements, points, "drive", "cnap")
    added = random_points(net, 2, seed=3, prefix="n")
    closed_edges = _route_segments(ctx)[:20]
    scenario = WhatIf(add=_as_points(added), close=["p1"], close_edges=closed_edges.tolist())
    result = apply_scenario(ctx, scenario)
    final = pd.concat([points[points["id"] != "p1"], added], ignore_index=True)
    scratch = nearest_service(net, settlements, final, "drive", closed_edge_ids=closed_edges)
    _assert_equals_scratch(result, scratch, od_matrix(net, settlements, final, "drive", closed_edge_ids=closed_edges))
    # closures that touch nobody's route + additions stay incremental (on the closed graph)
    quiet = np.setdiff1d(np.arange(net.n_edges), _route_segments(ctx))[:10]
    light = apply_scenario(ctx, WhatIf(add=_as_points(added), close_edges=quiet.tolist()))
    assert light.method == "incremental"
    final = pd.concat([points, added], ignore_index=True)
    _assert_equals_scratch(light, nearest_service(net, settlements, final, "drive", closed_edge_ids=quiet), None)


def test_closing_one_of_two_parallel_roads_uses_the_other():
    # 1 -(fast primary)- 2 and 1 -(slow track)- 2 between the same nodes; the line continues 2 - 3 - ... - 12
    lon = 25.0 + 0.005 * np.arange(12)
    nodes = pd.DataFrame({"lon": lon, "lat": 49.0}, index=np.arange(1, 13))
    u = [1, 1] + list(range(2, 12))
    v = [2, 2] + list(range(3, 13))
    segments = pd.DataFrame({"u": u, "v": v, "way_id": np.arange(len(u)) + 10,
                             "highway": ["primary", "track"] + ["tertiary"] * 10})
    net = build_network(nodes, segments)
    settlements = gpd.GeoDataFrame({"id": ["west"], "population": [100.0]},
                                   geometry=gpd.points_from_xy([25.0], [49.0]), crs=4326)
    points = gpd.GeoDataFrame({"id": ["east"]}, geometry=gpd.points_from_xy([lon[-1]], [49.0]), crs=4326)
    ctx = PlanningContext.build(net, settlements, points, "drive", min_component_nodes=1, threshold_min=30)
    result = apply_scenario(ctx, WhatIf(close_edges=[0]))
    scratch = nearest_service(net, settlements, points, "drive", closed_edge_ids=[0], min_component_nodes=1)
    _assert_equals_scratch(result, scratch, None)
    assert result.settlements.loc[0, "time_after_min"] > result.settlements.loc[0, "time_before_min"]
    # both closed: the settlement is cut off (it keeps the segment it joins on the open network)
    cut = apply_scenario(ctx, WhatIf(close_edges=[0, 1]))
    assert not cut.settlements.loc[0, "reachable_after"] and cut.settlements.loc[0, "status"] == "now unreachable"


def test_closing_an_area_and_only_its_bridges():
    net, settlements, points = _instance(16)
    net.edges["bridge"] = np.where(np.arange(net.n_edges) % 7 == 0, "yes", None)
    net.edges.loc[np.arange(net.n_edges) % 14 == 0, "bridge"] = "no"
    ctx = PlanningContext.build(net, settlements, points, "drive", "cnap")
    lon, lat = net.nodes["lon"].to_numpy(), net.nodes["lat"].to_numpy()
    cx, cy = float(np.median(lon)), float(np.median(lat))
    area = shapely.box(cx - 0.01, cy - 0.006, cx + 0.01, cy + 0.006)
    lines = net.edges_gdf()
    expected_all = np.flatnonzero(lines.intersects(area).to_numpy())
    expected_bridges = np.flatnonzero((lines.intersects(area) & (lines["bridge"] == "yes")).to_numpy())
    assert 0 < len(expected_bridges) < len(expected_all)
    np.testing.assert_array_equal(ctx.edges_in_area(area), expected_all)
    np.testing.assert_array_equal(ctx.edges_in_area(area, bridges_only=True), expected_bridges)
    for scenario, closed in ((WhatIf(close_areas=[area]), expected_all),
                             (WhatIf(close_bridges_in=[area]), expected_bridges)):
        result = apply_scenario(ctx, scenario)
        np.testing.assert_array_equal(result.closed_edge_ids, closed)
        scratch = nearest_service(net, settlements, points, "drive", closed_edge_ids=closed)
        _assert_equals_scratch(result, scratch, od_matrix(net, settlements, points, "drive", closed_edge_ids=closed))
    # a GeoDataFrame in another CRS works too
    frame = gpd.GeoDataFrame(geometry=[area], crs=4326).to_crs(net.metric_crs)
    assert len(ctx.edges_in_area(frame)) == len(expected_all)


# ------------------------------------------------------------------------------------------------ tables
def test_hromada_table_equals_groupby_of_settlement_table():
    net, settlements, points = _instance(17)
    settlements.loc[settlements.index[:3], "population"] = np.nan
    ctx = PlanningContext.build(net, settlements, points, "drive", "cnap", threshold_min=4.0)
    result = apply_scenario(ctx, WhatIf(add=_as_points(random_points(net, 2, seed=5, prefix="n"))))
    table = result.settlements.assign(pop=result.settlements["population"].fillna(0))
    assert result.notes and "without population" in result.notes[0]
    for when in ("before", "after"):
        covered = table[table[f"covered_{when}"]].groupby("hromada")["pop"].sum()
        ok = table[table[f"reachable_{when}"]]
        mean = (ok[f"time_{when}_min"] * ok["pop"]).groupby(ok["hromada"]).sum() / ok.groupby("hromada")["pop"].sum()
        got = result.hromadas.set_index("hromada")
        for h in ("UA-A", "UA-B"):
            assert got.loc[h, f"covered_population_{when}"] == pytest.approx(covered.get(h, 0.0))
            assert got.loc[h, f"mean_time_{when}_min"] == pytest.approx(mean[h])
            longest = ok.groupby("hromada")[f"time_{when}_min"].max()
            assert got.loc[h, f"max_time_{when}_min"] == pytest.approx(longest[h])
        assert got.loc["(all)", f"covered_population_{when}"] == pytest.approx(covered.sum())
    assert result.summary()["hromada"] == "(all)"
    assert (table["covered_after"] == (table["time_after_min"] <= 4.0)).all()


def test_scenario_errors():
    net, settlements, points = _instance(18)
    ctx = PlanningContext.build(net, settlements, points, "drive", "cnap")
    with pytest.raises(DataError, match="Unknown service point"):
        apply_scenario(ctx, WhatIf(close=["nope"]))
    with pytest.raises(DataError, match="already in use"):
        apply_scenario(ctx, WhatIf(add=[NewPoint(25.0, 49.0, id="p0")]))
    with pytest.raises(DataError, match="group"):
        apply_scenario(ctx, WhatIf(add=[NewPoint(25.0, 49.0, group="post")]))
    with pytest.raises(ValueError, match="Unknown road segment ids"):
        apply_scenario(ctx, WhatIf(close_edges=[net.n_edges + 5]))


# ------------------------------------------------------------------------------------------------ suggestions
def _random_cover(seed: int, m: int = 9, n: int = 25, density: float = 0.25):
    rng = np.random.default_rng(seed)
    cover = rng.random((m, n)) < density
    weight = rng.integers(1, 1000, n).astype(float)
    weight[rng.random(n) < 0.15] = 0.0  # already covered
    return cover, weight


def _brute(cover: np.ndarray, weight: np.ndarray, k: int) -> float:
    best = 0.0
    for combo in itertools.combinations(range(cover.shape[0]), min(k, cover.shape[0])):
        covered = set()
        for j in combo:
            covered |= set(np.flatnonzero(cover[j]).tolist())
        best = max(best, float(sum(weight[i] for i in covered)))
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_exact_equals_brute_force_and_greedy_is_bounded(seed, k, monkeypatch):
    cover, weight = _random_cover(seed)
    optimum = _brute(cover, weight, k)
    exact = solve_mclp(cover, weight, k, method="exact")
    assert exact["optimal"] and exact["value"] == pytest.approx(optimum)
    # the integer programs, forced even where enumeration would be used
    monkeypatch.setattr(mclp, "BRUTE_FORCE_MAX_COMBINATIONS", 0)
    for solver in (["cbc", "highs"] if _pulp_available() else ["highs"]):
        ilp = solve_mclp(cover, weight, k, method="exact", solver=solver)
        assert ilp["optimal"] and ilp["value"] == pytest.approx(optimum), solver
    greedy = solve_mclp(cover, weight, k, method="greedy")
    assert greedy["value"] <= optimum + 1e-9
    assert greedy["value"] >= (1 - 1 / math.e) * optimum - 1e-9
    assert greedy["upper_bound"] >= optimum - 1e-9
    no_lp = solve_mclp(cover, weight, k, method="greedy", lp_bound=False)
    assert no_lp["upper_bound"] >= optimum - 1e-9 and "submodular" in no_lp["bound_method"]


def test_more_points_never_cover_less():
    cover, weight = _random_cover(3, m=12, n=40)
    values = [solve_mclp(cover, weight, k, method="exact")["value"] for k in range(6)]
    assert all(b >= a - 1e-9 for a, b in zip(values, values[1:]))
    greedy = [solve_mclp(cover, weight, k, method="greedy")["value"] for k in range(6)]
    assert all(b >= a - 1e-9 for a, b in zip(greedy, greedy[1:]))


def test_suggest_from_od_table_with_existing_points_and_costs():
    # settlements a..e; candidate X covers a, b; Y covers b, c, d; Z covers e. Existing point covers d.
    od = pd.DataFrame({
        "origin_id": ["a", "b", "b", "c", "d", "e", "a"],
        "destination_id": ["X", "X", "Y", "Y", "Y", "Z", "Z"],
        "travel_time_min": [5, 9, 3, 8, 2, 4, 25.0],
    })
    existing = pd.DataFrame({"origin_id": ["d", "e"], "destination_id": ["E", "E"], "travel_time_min": [1.0, 40.0]})
    population = pd.Series({"a": 100.0, "b": 200.0, "c": 300.0, "d": 1000.0, "e": 50.0})
    result = suggest_points(od, 1, 10.0, population=population, existing_points=existing, cost_per_point=1000.0)
    # newly coverable: X -> a+b = 300; Y -> b+c = 500 (d already covered); Z -> e = 50
    assert result.chosen_ids == ["Y"] and result.newly_covered_population == 500.0 and result.optimal
    assert result.covered_population_before == 1000.0 and result.covered_population_after == 1500.0
    assert result.total_cost == 1000.0 and result.cost_per_newly_covered_person == pytest.approx(2.0)
    two = suggest_points(od, 2, 10.0, population=population, existing_points=existing)
    assert sorted(two.chosen_ids) == ["X", "Y"] and two.newly_covered_population == 600.0
    # ranking by marginal gain: Y (500) then X (+100 for a)
    assert two.points["newly_covered_population"].tolist() == [500.0, 100.0]
    covered_by = two.settlements.set_index("origin_id")["covered_by"]
    assert covered_by["a"] == "X" and covered_by["b"] == "Y" and pd.isna(covered_by["d"])
    # everything coverable with fewer points than asked
    many = suggest_points(od, 5, 10.0, population=population, existing_points=existing)
    assert many.newly_covered_population == 650.0 and len(many.points) == 3 and many.notes


def test_suggest_on_a_network_agrees_with_the_what_if_of_the_chosen_points():
    net, settlements, points = _instance(19, size=18, n_settlements=40, n_points=2)
    ctx = PlanningContext.build(net, settlements, points, "drive", "cnap", threshold_min=3.0)
    suggestion = suggest_points(ctx, 2, method="exact")
    assert suggestion.optimal and len(suggestion.points) == 2
    chosen = settlements.set_index("id").loc[suggestion.chosen_ids]
    scenario = WhatIf(add=[NewPoint(g.x, g.y, id=f"new-{i}") for i, g in zip(chosen.index, chosen.geometry)])
    result = apply_scenario(ctx, scenario)
    gain = result.summary()["covered_population_after"] - result.summary()["covered_population_before"]
    assert gain == pytest.approx(suggestion.newly_covered_population)
    # the same through the network entry point and a brute force over all pairs of settlements
    direct = suggest_points(net, 2, 3.0, settlements=settlements, existing_points=points)
    assert direct.newly_covered_population == pytest.approx(suggestion.newly_covered_population)
    greedy = suggest_points(ctx, 2, method="greedy")
    assert greedy.newly_covered_population <= suggestion.newly_covered_population + 1e-9
    assert greedy.upper_bound >= suggestion.newly_covered_population - 1e-9


def test_suggest_on_demo_pack_with_estimated_times(data_root):
    from analysis.routing.estimate import estimate_od_matrix
    from analysis.sources.packs import load_demo_pack

    bundle = load_demo_pack("UA63060010000015783", root=data_root)
    settlements, points = bundle.settlements, bundle.service_points
    candidates = estimate_od_matrix(settlements, settlements, "drive")
    existing = estimate_od_matrix(settlements, points, "drive")
    population = settlements.set_index("id")["population"]
    result = suggest_points(candidates, 2, 10.0, threshold_km=6.0, population=population, existing_points=existing)
    assert result.optimal and len(result.points) <= 2
    assert result.covered_population_after >= result.covered_population_before
    greedy = suggest_points(candidates, 2, 10.0, threshold_km=6.0, population=population, existing_points=existing,
                            method="greedy")
    assert greedy.newly_covered_population <= result.newly_covered_population + 1e-9


def test_far_settlements_are_never_suggested_and_weigh_nothing():
    """A big settlement 800 km from the roads, one in the sea and one with swapped coordinates: not routed, so
    they are neither chosen as sites nor counted as newly covered — through every entry point."""
    net, settlements, points = _instance(23, size=18, n_settlements=40, n_points=2)
    lon0, lat0 = net.nodes["lon"].min(), net.nodes["lat"].min()
    far = gpd.GeoDataFrame(
        {"id": ["far", "sea", "swapped"], "population": [80_000.0, 50_000.0, 60_000.0],
         "hromada_katottg": "UA-A"},
        geometry=gpd.points_from_xy([lon0 + 11.0, 31.0, lat0], [lat0, 45.5, lon0]), crs="EPSG:4326")
    everyone = pd.concat([settlements, far], ignore_index=True)
    ctx = PlanningContext.build(net, everyone, points, "drive", "cnap", threshold_min=3.0)
    assert not ctx.baseline.origin_routed[-3:].any() and ctx.baseline.origin_routed[:-3].all()
    alone = suggest_points(PlanningContext.build(net, settlements, points, "drive", "cnap", threshold_min=3.0), 3,
                           method="exact")
    for suggestion in (suggest_points(ctx, 3, method="exact"),
                       suggest_points(net, 3, 3.0, settlements=everyone, existing_points=points)):
        assert not set(suggestion.chosen_ids) & {"far", "sea", "swapped"}
        assert suggestion.newly_covered_population == pytest.approx(alone.newly_covered_population)
        rows = suggestion.settlements.set_index("origin_id").loc[["far", "sea", "swapped"]]
        assert not rows["covered_after"].any()
