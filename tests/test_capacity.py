"""Capacity: the allocation load (residents per administrator, each resident counted once) and the E2SFCA
accessibility index, each checked against hand arithmetic and an independent loop implementation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.metrics.capacity import (
    ALLOCATED,
    BEYOND_CATCHMENT,
    LUO_QI_WEIGHTS,
    NO_ROUTE,
    NOTE_ALLOCATED_NO_STAFF_FIGURE,
    NOTE_ALLOCATED_ZERO_STAFF,
    NOTE_NO_POINT_IN_CATCHMENT,
    NOTE_POPULATION_UNKNOWN_HERE,
    NOTE_STAFF_MISSING,
    NOTE_STAFF_ZERO,
    NOTE_UNKNOWN_STAFF_IN_CATCHMENT,
    POPULATION_UNKNOWN,
    STAFF_KNOWN,
    STAFF_UNKNOWN,
    STAFF_ZERO,
    ULEAD_RESIDENTS_PER_ADMINISTRATOR,
    allocate_to_nearest,
    allocation_from_access,
    decay_weights,
    e2sfca,
    over_benchmark,
    point_supply,
    settlement_demand,
)


def _od(rows):
    return pd.DataFrame(rows, columns=["origin_id", "destination_id", "travel_time_min"])


def test_two_by_two_by_hand():
    # a: 1000 people, b: 3000; x: 2 administrators, y: 3.
    # times a-x 5 (w 1), a-y 15 (w 0.68), b-x 25 (w 0.22), b-y 8 (w 1)
    od = _od([("a", "x", 5.0), ("a", "y", 15.0), ("b", "x", 25.0), ("b", "y", 8.0)])
    settlements, points = e2sfca(od, pd.Series({"a": 1000.0, "b": 3000.0}), pd.Series({"x": 2.0, "y": 3.0}))
    # step 1: load_x = 1000*1 + 3000*0.22 = 1660; load_y = 1000*0.68 + 3000*1 = 3680
    points = points.set_index("destination_id")
    assert points.loc["x", "weighted_demand_index"] == pytest.approx(1660.0)
    assert points.loc["y", "weighted_demand_index"] == pytest.approx(3680.0)
    # R_x = 2/1660, R_y = 3/3680
    assert points.loc["x", "supply_ratio_index"] == pytest.approx(2 / 1660)
    assert points.loc["y", "supply_ratio_index"] == pytest.approx(3 / 3680)
    # step 2: A_a = 1*2/1660 + 0.68*3/3680; A_b = 0.22*2/1660 + 1*3/3680
    a_a = 2 / 1660 + 0.68 * 3 / 3680
    a_b = 0.22 * 2 / 1660 + 3 / 3680
    settlements = settlements.set_index("origin_id")
    assert settlements.loc["a", "accessibility_index"] == pytest.approx(a_a, rel=1e-12)
    assert settlements.loc["b", "accessibility_index"] == pytest.approx(a_b, rel=1e-12)
    assert settlements.loc["b", "accessibility_index_per_10k"] == pytest.approx(a_b * 10_000)
    # 1000*A_a + 3000*A_b = 2 + 3 administrators
    assert 1000 * a_a + 3000 * a_b == pytest.approx(5.0)
    assert (settlements["notes"] == "").all() and (points["notes"] == "").all()


def test_three_by_two_by_hand_with_catchment_edge():
    # a 500, b 1500, c 4000 people; x: 1 administrator, y: 4.
    # a-x 12 (0.68), b-x 28 (0.22), c-x 35 (outside 30 min: 0); a-y 5 (1), b-y 19 (0.68), c-y 9 (1)
    od = _od([("a", "x", 12.0), ("b", "x", 28.0), ("c", "x", 35.0), ("a", "y", 5.0), ("b", "y", 19.0),
              ("c", "y", 9.0)])
    demand = pd.Series({"a": 500.0, "b": 1500.0, "c": 4000.0})
    settlements, points = e2sfca(od, demand, pd.Series({"x": 1.0, "y": 4.0}))
    points = points.set_index("destination_id")
    # load_x = 500*0.68 + 1500*0.22 = 340 + 330 = 670; load_y = 500 + 1500*0.68 + 4000 = 5520
    assert points.loc["x", "weighted_demand_index"] == pytest.approx(670.0)
    assert points.loc["y", "weighted_demand_index"] == pytest.approx(5520.0)
    assert points.loc["x", "n_settlements_in_catchment"] == 2
    assert points.loc["x", "population_in_catchment"] == pytest.approx(2000.0)
    # A_a = 0.68/670 + 4/5520; A_b = 0.22/670 + 0.68*4/5520; A_c = 4/5520
    expected = {"a": 0.68 / 670 + 4 / 5520, "b": 0.22 / 670 + 0.68 * 4 / 5520, "c": 4 / 5520}
    got = settlements.set_index("origin_id")["accessibility_index"]
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12)
    # the unweighted catchment populations overlap: 2000 + 6000 residents counted among 6000 people
    assert points["population_in_catchment"].sum() == pytest.approx(8000.0)
    assert sum(demand[k] * v for k, v in expected.items()) == pytest.approx(5.0)


def test_missing_staff_is_excluded_and_flagged_never_zero():
    od = _od([("a", "x", 12.0), ("b", "x", 28.0), ("a", "y", 5.0), ("c", "y", 9.0)])
    demand = pd.Series({"a": 500.0, "b": 1500.0, "c": 4000.0})
    settlements, points = e2sfca(od, demand, pd.Series({"x": 1.0, "y": np.nan}))
    points = points.set_index("destination_id")
    settlements = settlements.set_index("origin_id")
    assert np.isnan(points.loc["y", "administrators"])
    assert NOTE_STAFF_MISSING in points.loc["y", "notes"]
    assert np.isnan(points.loc["y", "supply_ratio_index"])
    # c only reaches y (unknown staff): no score, flagged twice; a's score is a lower bound
    assert settlements.loc["c", "accessibility_index"] == 0.0
    assert NOTE_NO_POINT_IN_CATCHMENT in settlements.loc["c", "notes"]
    assert NOTE_UNKNOWN_STAFF_IN_CATCHMENT in settlements.loc["a", "notes"]
    assert NOTE_UNKNOWN_STAFF_IN_CATCHMENT not in settlements.loc["b", "notes"]
    # x alone: load = 500*0.68 + 1500*0.22 = 670 -> A_a = 0.68/670
    assert settlements.loc["a", "accessibility_index"] == pytest.approx(0.68 / 670)
    # a point absent from the supply table is treated the same way
    _, absent = e2sfca(od, demand, pd.Series({"x": 1.0}))
    assert NOTE_STAFF_MISSING in absent.set_index("destination_id").loc["y", "notes"]
    # zero staff is a real value (not missing) but is pointed out
    _, zero = e2sfca(od, demand, pd.Series({"x": 1.0, "y": 0.0}))
    assert NOTE_STAFF_ZERO in zero.set_index("destination_id").loc["y", "notes"]


def _naive_e2sfca(od, demand, supply, catchment, bands):
    """Independent loop implementation for cross-checking."""
    def weight(t):
        if not np.isfinite(t) or t > catchment:
            return 0.0
        for upper, w in bands:
            if t <= upper:
                return w
        return 0.0

    pairs = {(o, d): weight(t) for o, d, t in od.itertuples(index=False)}
    load = {j: sum(demand.get(i, 0.0) * w for (i, jj), w in pairs.items() if jj == j) for j in supply.index}
    ratio = {j: (supply[j] / load[j] if load[j] > 0 else 0.0) for j in supply.index}
    access = {i: sum(ratio.get(j, 0.0) * w for (ii, j), w in pairs.items() if ii == i) for i in demand.index}
    return load, access


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_independent_loop_and_conserves_supply(seed):
    rng = np.random.default_rng(seed)
    n_o, n_d = 40, 7
    origins = [f"o{i}" for i in range(n_o)]
    dests = [f"d{j}" for j in range(n_d)]
    o_idx, d_idx = np.meshgrid(np.arange(n_o), np.arange(n_d), indexing="ij")
    keep = rng.random(o_idx.size) < 0.7  # some pairs missing (beyond a routing cutoff)
    od = pd.DataFrame({
        "origin_id": np.array(origins)[o_idx.ravel()[keep]],
        "destination_id": np.array(dests)[d_idx.ravel()[keep]],
        "travel_time_min": rng.uniform(0, 45, keep.sum()),
    })
    demand = pd.Series(rng.integers(0, 5000, n_o).astype(float), index=origins)
    supply = pd.Series(rng.integers(0, 10, n_d).astype(float), index=dests)
    settlements, points = e2sfca(od, demand, supply)
    load, access = _naive_e2sfca(od, demand, supply, 30.0, LUO_QI_WEIGHTS)
    points = points.set_index("destination_id")
    settlements = settlements.set_index("origin_id")
    for j in dests:
        assert points.loc[j, "weighted_demand_index"] == pytest.approx(load[j], rel=1e-12, abs=1e-12)
    for i in origins:
        assert settlements.loc[i, "accessibility_index"] == pytest.approx(access[i], rel=1e-12, abs=1e-15)
    # conservation: sum_i P_i A_i = sum_j S_j over points with a non-zero catchment demand
    served = points["weighted_demand_index"] > 0
    total = (settlements["population"] * settlements["accessibility_index"]).sum()
    assert total == pytest.approx(points.loc[served, "administrators"].sum(), rel=1e-12)


def test_conservation_holds_for_gaussian_and_custom_decay():
    rng = np.random.default_rng(7)
    od = pd.DataFrame({
        "origin_id": np.repeat([f"o{i}" for i in range(25)], 5),
        "destination_id": np.tile([f"d{j}" for j in range(5)], 25),
        "travel_time_min": rng.uniform(0, 40, 125),
    })
    demand = pd.Series(rng.uniform(10, 3000, 25), index=[f"o{i}" for i in range(25)])
    supply = pd.Series([3.0, 1.0, 0.0, 7.0, 2.0], index=[f"d{j}" for j in range(5)])
    for weights in ("gaussian", lambda t: np.exp(-t / 20.0)):
        settlements, points = e2sfca(od, demand, supply, catchment_min=25.0, weights=weights)
        served = points["weighted_demand_index"] > 0
        total = float((settlements["population"] * settlements["accessibility_index"]).sum())
        assert total == pytest.approx(points.loc[served, "administrators"].sum(), rel=1e-12)


def test_decay_weights():
    t = np.array([0.0, 10.0, 10.0001, 20.0, 25.0, 30.0, 30.5, np.nan])
    np.testing.assert_allclose(decay_weights(t), [1.0, 1.0, 0.68, 0.68, 0.22, 0.22, 0.0, 0.0])
    # a smaller catchment cuts the bands
    np.testing.assert_allclose(decay_weights(t, catchment_min=20.0), [1.0, 1.0, 0.68, 0.68, 0, 0, 0, 0])
    # Dai (2010) Gaussian: 1 at 0, 0 at the catchment edge, (exp(-1/8) - exp(-1/2)) / (1 - exp(-1/2)) at half
    g = decay_weights(np.array([0.0, 15.0, 30.0, 31.0]), catchment_min=30.0, weights="gaussian")
    half = (np.exp(-0.125) - np.exp(-0.5)) / (1 - np.exp(-0.5))
    np.testing.assert_allclose(g, [1.0, half, 0.0, 0.0], atol=1e-15)
    with pytest.raises(ValueError, match="increasing"):
        decay_weights(t, weights=((20, 1.0), (10, 0.5)))
    with pytest.raises(ValueError, match="Unknown decay"):
        decay_weights(t, weights="linear")


def test_bad_inputs():
    od = _od([("a", "x", 5.0), ("a", "x", 6.0)])
    with pytest.raises(DataError, match="more than once"):
        e2sfca(od, pd.Series({"a": 1.0}), pd.Series({"x": 1.0}))
    od = _od([("a", "x", 5.0)])
    with pytest.raises(DataError, match="negative"):
        e2sfca(od, pd.Series({"a": 1.0}), pd.Series({"x": -1.0}))
    with pytest.raises(DataError, match="travel_time_min"):
        e2sfca(od.drop(columns="travel_time_min"), pd.Series({"a": 1.0}), pd.Series({"x": 1.0}))
    assert ULEAD_RESIDENTS_PER_ADMINISTRATOR == 2000.0


def test_demo_pack_estimated_od(data_root):
    """A real hromada without a road network: estimated times for every pair, staff from the ЦНАП registry."""
    from analysis.routing.estimate import estimate_od_matrix
    from analysis.sources.packs import load_demo_pack

    bundle = load_demo_pack("UA46040010000033885", root=data_root)
    settlements, points = bundle.settlements, bundle.service_points
    od = estimate_od_matrix(settlements, points, "drive")  # one row per settlement x point
    assert len(od) == len(settlements) * len(points)
    demand = settlements.set_index("id")["population"]
    supply = points.set_index("id")["workers_total"].astype("Float64")
    scores, load = e2sfca(od, demand, supply, catchment_min=30.0)
    assert len(scores) == len(settlements) and len(load) == len(points)
    # Brody's remote workplaces report 0 staff: flagged, not silently dropped
    zero = load["administrators"] == 0
    assert zero.any() and load.loc[zero, "notes"].str.contains(NOTE_STAFF_ZERO, regex=False).all()
    served = load["weighted_demand_index"] > 0
    total = float((scores["population"].fillna(0) * scores["accessibility_index"]).sum())
    assert total == pytest.approx(float(load.loc[served, "administrators"].sum()), rel=1e-9)
    assert np.isfinite(scores["accessibility_index"]).all()
    # overlapping catchments: the weighted demands add up to more than the hromada's population
    assert load["weighted_demand_index"].sum() > demand.sum()


def test_e2sfca_outputs_are_indices_never_benchmarked():
    """Its columns say "index" (or are ids, counts, inputs, notes); nothing compares it with the benchmark."""
    od = _od([("a", "x", 5.0), ("a", "y", 15.0), ("b", "y", 8.0)])
    settlements, points = e2sfca(od, pd.Series({"a": 1000.0, "b": 3000.0}), pd.Series({"x": 2.0, "y": 3.0}))
    plain = {"origin_id", "destination_id", "population", "administrators", "population_in_catchment",
             "n_points_in_catchment", "n_settlements_in_catchment", "notes"}
    for table in (settlements, points):
        assert all("index" in c for c in set(table.columns) - plain), list(table.columns)
        assert not {"residents_per_administrator", "over_benchmark", "meets_benchmark"} & set(table.columns)
        assert "index" in table.attrs["method"] and "benchmark_residents_per_admin" not in table.attrs


# ------------------------------------------------------------------------------------------------ allocation
def _nearest(rows):
    return pd.DataFrame(rows, columns=["origin_id", "destination_id", "travel_time_min"])


#: 3 settlements, 2 points: every pair's time (an OD table) and the nearest-service rows the router would give.
HAND_OD = [("a", "x", 5.0), ("a", "y", 20.0), ("b", "x", 15.0), ("b", "y", 12.0), ("c", "x", 45.0),
           ("c", "y", 40.0)]
HAND_NEAREST = [("a", "x", 5.0), ("b", "y", 12.0), ("c", "y", 40.0)]
HAND_DEMAND = pd.Series({"a": 1000.0, "b": 3000.0, "c": 500.0})
HAND_SUPPLY = pd.Series({"x": 1.0, "y": 2.0})


@pytest.mark.parametrize("rows", [HAND_NEAREST, HAND_OD], ids=["nearest-result", "od-table"])
def test_allocation_by_hand(rows):
    # a -> x (5 < 20), b -> y (12 < 15), c -> y (40 < 45); no catchment limit: everyone with a route counts
    points, settlements, summary = allocate_to_nearest(_nearest(rows), HAND_DEMAND, HAND_SUPPLY)
    points = points.set_index("destination_id")
    assert points.loc["x", "allocated_population"] == 1000.0
    assert points.loc["y", "allocated_population"] == 3500.0  # 3000 + 500
    assert points.loc["x", "n_settlements_allocated"] == 1 and points.loc["y", "n_settlements_allocated"] == 2
    assert points.loc["x", "residents_per_administrator"] == 1000.0
    assert points.loc["y", "residents_per_administrator"] == 1750.0  # 3500 / 2
    assert not points["over_benchmark"].any()
    assert points["ratio_to_benchmark"].tolist() == [0.5, 0.875]
    assert dict(zip(settlements["origin_id"], settlements["destination_id"])) == {"a": "x", "b": "y", "c": "y"}
    assert (settlements["allocation"] == ALLOCATED).all()
    assert summary["population_allocated"] == summary["population_total"] == 4500.0
    assert summary["residents_per_administrator_overall"] == 1500.0  # 4500 / 3
    # a stricter benchmark: 1750 > 1500 -> y is over, x (1000) is not
    strict = allocate_to_nearest(_nearest(rows), HAND_DEMAND, HAND_SUPPLY, benchmark_residents_per_admin=1500)
    assert strict.points.set_index("destination_id")["over_benchmark"].tolist() == [False, True]
    assert strict.summary["n_points_over_benchmark"] == 1
    # within 30 min only: c (40 min) is not allocated, and is reported, not dropped
    points, settlements, summary = allocate_to_nearest(_nearest(rows), HAND_DEMAND, HAND_SUPPLY, catchment_min=30)
    assert points.set_index("destination_id")["allocated_population"].tolist() == [1000.0, 3000.0]
    assert points.set_index("destination_id").loc["y", "residents_per_administrator"] == 1500.0
    c = settlements.set_index("origin_id").loc["c"]
    assert c["allocation"] == BEYOND_CATCHMENT and pd.isna(c["destination_id"]) and c["travel_time_min"] == 40.0
    assert summary["population_allocated"] == 4000.0 and summary["population_beyond_catchment"] == 500.0
    assert summary["n_settlements_beyond_catchment"] == 1


def test_allocation_is_not_the_e2sfca_load():
    """The same hand fixture: E2SFCA counts b at both points (its weighted demands add up to more than the
    population), the allocation counts everyone once."""
    _, index = e2sfca(_od(HAND_OD), HAND_DEMAND, HAND_SUPPLY)
    # x: a 1000*1 (5 min) + b 3000*0.68 (15 min) = 3040; y: a 1000*0.68 (20 min) + b 3000*0.68 (12 min) = 2720;
    # c is beyond 30 min from both
    assert index.set_index("destination_id")["weighted_demand_index"].tolist() == pytest.approx([3040.0, 2720.0])
    allocation = allocate_to_nearest(_nearest(HAND_OD), HAND_DEMAND, HAND_SUPPLY, catchment_min=30)
    assert allocation.points["allocated_population"].sum() == 4000.0 < index["weighted_demand_index"].sum()


def test_tie_rule_point_id_first_as_text_whatever_the_row_order():
    # s is 10 minutes from both points: it goes to the id that sorts first as text, in any row order
    rows = [("s", "y", 10.0), ("s", "x", 10.0), ("t", "y", 3.0), ("t", "x", 3.5)]
    for order in ([0, 1, 2, 3], [1, 0, 3, 2], [3, 2, 1, 0]):
        nearest = _nearest([rows[i] for i in order])
        points, settlements, _ = allocate_to_nearest(nearest, pd.Series({"s": 100.0, "t": 7.0}),
                                                     pd.Series({"x": 1.0, "y": 1.0}))
        assert dict(zip(settlements["origin_id"], settlements["destination_id"])) == {"s": "x", "t": "y"}
        # never split: all 100 residents of s at x
        assert points.set_index("destination_id")["allocated_population"].tolist() == [100.0, 7.0]
    # "as text": registry ids "10" and "9" -> "10" first
    _, settlements, _ = allocate_to_nearest(_nearest([("s", 9, 4.0), ("s", 10, 4.0)]), pd.Series({"s": 1.0}),
                                            pd.Series({9: 1.0, 10: 1.0}))
    assert settlements["destination_id"].tolist() == [10]


def test_benchmark_check_is_more_than_and_na_without_figure():
    got = over_benchmark(np.array([1999.0, 2000.0, 2000.5, np.nan]))
    assert got.tolist() == [False, False, True, pd.NA]
    assert over_benchmark(np.array([1500.0]), 1000).tolist() == [True]
    for bad in (0, -5, np.nan, None, "x"):
        with pytest.raises(ValueError, match="benchmark"):
            over_benchmark(np.array([1.0]), bad)
    with pytest.raises(ValueError, match="benchmark"):
        allocate_to_nearest(_nearest(HAND_NEAREST), HAND_DEMAND, HAND_SUPPLY, benchmark_residents_per_admin=0)


def test_missing_and_zero_staff_are_flagged_never_a_figure():
    nearest = _nearest([("a", "x", 5.0), ("b", "y", 6.0), ("c", "z", 7.0), ("d", "x", 8.0)])
    demand = pd.Series({"a": 100.0, "b": 200.0, "c": 300.0, "d": 50.0})
    # y: unknown (NaN), z: 0 reported, w: not in the nearest table at all, x: 1
    points, _, summary = allocate_to_nearest(nearest, demand, pd.Series({"x": 1.0, "y": np.nan, "z": 0.0,
                                                                         "w": 3.0}))
    points = points.set_index("destination_id")
    assert points["staff"].to_dict() == {"x": STAFF_KNOWN, "y": STAFF_UNKNOWN, "z": STAFF_ZERO, "w": STAFF_KNOWN}
    assert points["allocated_population"].to_dict() == {"x": 150.0, "y": 200.0, "z": 300.0, "w": 0.0}
    assert np.isnan(points.loc["y", "residents_per_administrator"]) and pd.isna(points.loc["y", "over_benchmark"])
    assert np.isnan(points.loc["z", "residents_per_administrator"]) and pd.isna(points.loc["z", "over_benchmark"])
    assert NOTE_STAFF_MISSING in points.loc["y", "notes"] and NOTE_ALLOCATED_NO_STAFF_FIGURE in points.loc["y", "notes"]
    assert NOTE_STAFF_ZERO in points.loc["z", "notes"] and NOTE_ALLOCATED_ZERO_STAFF in points.loc["z", "notes"]
    assert points.loc["w", "residents_per_administrator"] == 0.0 and points.loc["w", "notes"] == ""
    assert summary["n_points_unknown_staff"] == 1 and summary["n_points_zero_staff"] == 1
    assert summary["population_at_points_without_staff_figure"] == 500.0
    assert summary["administrators_known"] == 4.0
    # a point with residents and unknown staff: no overall figure
    assert np.isnan(summary["residents_per_administrator_overall"])
    # a point absent from the supply is unknown staff, not 0
    absent, _, _ = allocate_to_nearest(nearest, demand, pd.Series({"x": 1.0, "z": 0.0}))
    assert absent.set_index("destination_id").loc["y", "staff"] == STAFF_UNKNOWN
    # zero staff alone still gives an overall figure (all residents / all administrators)
    _, _, zero_only = allocate_to_nearest(nearest, demand, pd.Series({"x": 1.0, "y": 2.0, "z": 0.0}))
    assert zero_only["residents_per_administrator_overall"] == pytest.approx(650.0 / 3.0)


def test_unreachable_and_unknown_population_are_reported_separately():
    long = pd.DataFrame({
        "origin_id": ["a", "b", "c", "d"],
        "destination_id": ["x", None, "x", "y"],
        "travel_time_min": [5.0, np.nan, 50.0, 9.0],
        "reachable": [True, False, False, True],  # c: a route past a routing cutoff -> not counted
    })
    demand = pd.Series({"a": 100.0, "b": 200.0, "c": 300.0, "d": np.nan, "e": 400.0})  # e: absent from routing
    points, settlements, summary = allocate_to_nearest(long, demand, pd.Series({"x": 1.0, "y": 1.0}))
    status = settlements.set_index("origin_id")["allocation"].to_dict()
    assert status == {"a": ALLOCATED, "b": NO_ROUTE, "c": NO_ROUTE, "d": POPULATION_UNKNOWN, "e": NO_ROUTE}
    assert summary["population_allocated"] == 100.0 and summary["population_no_route"] == 900.0
    assert summary["population_total"] == 1000.0 and summary["n_settlements_population_unknown"] == 1
    y = points.set_index("destination_id").loc["y"]
    assert y["allocated_population"] == 0.0 and y["n_settlements_population_unknown"] == 1
    assert NOTE_POPULATION_UNKNOWN_HERE in y["notes"]


def _naive_allocation(rows, demand, catchment):
    """Independent loop: for each settlement the fastest counted row (ties: id as text), then sums."""
    best = {}
    for origin, dest, minutes in rows:
        if dest is None or not np.isfinite(minutes):
            continue
        key = (minutes, str(dest))
        if origin not in best or key < best[origin][0]:
            best[origin] = (key, dest)
    load, reached = {}, 0.0
    for origin, (key, dest) in best.items():
        pop = demand.get(origin, np.nan)
        if (catchment is None or key[0] <= catchment) and np.isfinite(pop):
            load[dest] = load.get(dest, 0.0) + pop
            reached += pop
    return load, reached


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("catchment", [None, 25.0])
def test_allocation_counts_each_resident_once(seed, catchment):
    rng = np.random.default_rng(seed)
    n_o, n_d = 60, 6
    origins = [f"o{i}" for i in range(n_o)]
    dests = [f"d{j}" for j in range(n_d)]
    rows = []
    for o in origins:
        for d in rng.choice(dests, size=rng.integers(0, 4), replace=False):
            rows.append((o, d, float(rng.choice([rng.uniform(0, 45), 10.0, np.nan]))))  # ties at 10, no route
    demand = pd.Series(rng.integers(0, 5000, n_o).astype(float), index=origins)
    demand.iloc[::11] = np.nan
    supply = pd.Series(rng.integers(0, 6, n_d).astype(float), index=dests)
    supply.iloc[0] = np.nan
    points, settlements, summary = allocate_to_nearest(_nearest(rows), demand, supply, catchment_min=catchment)
    load, reached = _naive_allocation(rows, demand, catchment)
    got = points.set_index("destination_id")["allocated_population"]
    for d in dests:
        assert got[d] == load.get(d, 0.0), d
    # the sum of the loads is the population reached, and reached + not reached = the known population
    assert points["allocated_population"].sum() == pytest.approx(reached, rel=1e-12)
    assert summary["population_allocated"] == pytest.approx(reached, rel=1e-12)
    assert summary["population_allocated"] + summary["population_no_route"] + summary["population_beyond_catchment"] \
        == pytest.approx(summary["population_total"], rel=1e-12)
    assert summary["population_total"] == pytest.approx(demand.sum(), rel=1e-12)  # NaN skipped
    assert settlements["origin_id"].is_unique and len(settlements) == n_o


def test_allocation_reuses_the_nearest_service_result(data_root):
    """On a demo pack: allocation_from_access counts each settlement at compute_access's nearest ЦНАП point."""
    from analysis.metrics.access import compute_access
    from analysis.sources.packs import load_demo_pack

    bundle = load_demo_pack("UA46040010000033885", root=data_root)
    access = compute_access(bundle.settlements, bundle.service_points, by="group")
    points, settlements, summary = allocation_from_access(access, bundle.settlements, bundle.service_points, "cnap")
    wide = access.settlements.set_index("id")
    assert dict(zip(settlements["origin_id"], settlements["destination_id"])) == \
        wide["nearest_service_id__cnap"].to_dict()
    expected = settlement_demand(bundle.settlements).groupby(wide["nearest_service_id__cnap"]).sum()
    got = points.set_index("destination_id")["allocated_population"]
    assert got[got > 0].to_dict() == pytest.approx(expected.to_dict())
    population = settlement_demand(bundle.settlements).sum()
    assert points["allocated_population"].sum() == pytest.approx(population) == summary["population_allocated"]
    cnap = bundle.service_points[bundle.service_points["group"] == "cnap"]
    assert set(points["destination_id"]) == set(cnap["id"])
    assert points.set_index("destination_id")["administrators"].to_dict() == point_supply(cnap).to_dict()
    # Brody's remote workplaces report 0 staff: flagged, no figure; the main office carries a figure
    zero = points["staff"] == STAFF_ZERO
    assert zero.any() and points.loc[zero, "residents_per_administrator"].isna().all()
    assert summary["n_points_zero_staff"] == int(zero.sum())
    assert points.loc[~zero, "residents_per_administrator"].notna().all()


# ------------------------------------------------------------------------------------------------ dashboard
BRODY = "UA46040010000033885"


@pytest.fixture
def _dashboard_env(tmp_path, monkeypatch, data_root):
    monkeypatch.setenv("HROMADA_ACCESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HROMADA_ACCESS_DATA", str(data_root))


def _expected_allocation(data_root):
    from analysis.metrics.access import compute_access
    from analysis.sources.packs import load_demo_pack

    bundle = load_demo_pack(BRODY, root=data_root)
    access = compute_access(bundle.settlements, bundle.service_points, by="group", circuity=1.3)
    return bundle, allocation_from_access(access, bundle.settlements, bundle.service_points, "cnap")


def test_planning_page_shows_allocation_load_and_labelled_index(_dashboard_env, data_root):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from dashboard.i18n import fmt_int, tr

    bundle, (points, _, summary) = _expected_allocation(data_root)
    app = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
    at = AppTest.from_file(app, default_timeout=180)
    at.run()
    if at.selectbox(key="hromada").value != BRODY:
        at.selectbox(key="hromada").set_value(BRODY).run()
    at.switch_page("views/planning.py").run()
    assert not at.exception and not at.error, [e.value for e in at.exception] + [e.value for e in at.error]
    shown = {m.label: m.value for m in at.metric}
    assert shown[tr("cap_over", "uk")] == str(summary["n_points_over_benchmark"])
    assert shown[tr("cap_zero_staff", "uk")] == str(summary["n_points_zero_staff"]) != "0"
    assert shown[tr("cap_not_allocated", "uk")] == fmt_int(summary["population_no_route"])
    tables = [t.value for t in at.dataframe]
    allocation = next(t for t in tables if tr("cap_load", "uk") in t.columns)
    assert allocation[tr("cap_load", "uk")].sum() == pytest.approx(points["allocated_population"].round(0).sum())
    assert allocation[tr("cap_load", "uk")].sum() == pytest.approx(bundle.settlements["population"].sum(), abs=20)
    index = next(t for t in tables if tr("cap_index_col", "uk") in t.columns)
    assert "індекс" in tr("cap_index_col", "uk").lower() and "index" in tr("cap_index_col", "en").lower()
    assert len(index) == len(bundle.settlements)
    assert not any(tr("cap_per_admin", "uk") in t.columns for t in tables if tr("cap_index_col", "uk") in t.columns)


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_report_has_allocation_table_and_separate_index(_dashboard_env, data_root, lang):
    from analysis.metrics.norms import DEFAULT_NORMS, get_norm
    from dashboard import cache, session
    from dashboard.i18n import fmt_int, tr
    from dashboard.report import report_html

    spec = session.bundle_spec(BRODY, None)
    ctx = {"lang": lang, "root": None, "code": BRODY, "mode": "drive", "circuity": 1.3, "network_path": None,
           "spec": spec, "bundle": cache.bundle(**spec), "norms": tuple(DEFAULT_NORMS),
           "norm": get_norm(DEFAULT_NORMS, "cnap_access")}
    ctx["access"] = cache.access(spec, None, "drive", 1.3, 1000.0)
    html = report_html(ctx)
    _, (points, _, summary) = _expected_allocation(data_root)
    for key in ("cap_title", "cap_load", "cap_per_admin", "cap_index_title", "cap_index_col"):
        assert tr(key, lang).replace("'", "&#x27;") in html, key
    main = points.loc[points["staff"] == STAFF_KNOWN, "residents_per_administrator"].iloc[0]
    assert f"<td class=\"n\">{fmt_int(main)}</td>" in html
    assert fmt_int(summary["population_allocated"]) in html
    # the allocation table comes first, the index after it
    assert html.index(tr("cap_load", lang)) < html.index(tr("cap_index_title", lang))
