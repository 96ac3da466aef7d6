"""E2SFCA is checked against hand arithmetic, an independent loop implementation and its conservation identity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.metrics.capacity import (
    LUO_QI_WEIGHTS,
    NOTE_NO_POINT_IN_CATCHMENT,
    NOTE_STAFF_MISSING,
    NOTE_STAFF_ZERO,
    NOTE_UNKNOWN_STAFF_IN_CATCHMENT,
    ULEAD_RESIDENTS_PER_ADMINISTRATOR,
    decay_weights,
    e2sfca,
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
    assert points.loc["x", "weighted_demand"] == pytest.approx(1660.0)
    assert points.loc["y", "weighted_demand"] == pytest.approx(3680.0)
    # R_x = 2/1660, R_y = 3/3680; residents per administrator: 830 and 1226.67 (both under 2,000)
    assert points.loc["x", "administrators_per_resident"] == pytest.approx(2 / 1660)
    assert points.loc["y", "residents_per_administrator"] == pytest.approx(3680 / 3)
    assert not points["over_benchmark"].any()
    # step 2: A_a = 1*2/1660 + 0.68*3/3680; A_b = 0.22*2/1660 + 1*3/3680
    a_a = 2 / 1660 + 0.68 * 3 / 3680
    a_b = 0.22 * 2 / 1660 + 3 / 3680
    settlements = settlements.set_index("origin_id")
    assert settlements.loc["a", "accessibility"] == pytest.approx(a_a, rel=1e-12)
    assert settlements.loc["b", "accessibility"] == pytest.approx(a_b, rel=1e-12)
    assert settlements.loc["a", "residents_per_administrator"] == pytest.approx(1 / a_a)
    assert settlements.loc["b", "administrators_per_10k"] == pytest.approx(a_b * 10_000)
    assert settlements.loc["a", "ratio_to_benchmark"] == pytest.approx(1 / a_a / 2000.0)
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
    assert points.loc["x", "weighted_demand"] == pytest.approx(670.0)
    assert points.loc["y", "weighted_demand"] == pytest.approx(5520.0)
    assert points.loc["x", "n_settlements_in_catchment"] == 2
    assert points.loc["x", "population_in_catchment"] == pytest.approx(2000.0)
    # A_a = 0.68/670 + 4/5520; A_b = 0.22/670 + 0.68*4/5520; A_c = 4/5520
    expected = {"a": 0.68 / 670 + 4 / 5520, "b": 0.22 / 670 + 0.68 * 4 / 5520, "c": 4 / 5520}
    got = settlements.set_index("origin_id")["accessibility"]
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12)
    # c: 5520/4 = 1380 residents per administrator -> meets the 2,000 benchmark; with a 1,000 benchmark it does not
    strict = e2sfca(od, demand, pd.Series({"x": 1.0, "y": 4.0}), benchmark_residents_per_admin=1000)
    assert strict.points.set_index("destination_id").loc["y", "over_benchmark"]
    assert not strict.settlements.set_index("origin_id").loc["c", "meets_benchmark"]
    assert settlements.set_index("origin_id").loc["c", "meets_benchmark"]
    assert sum(demand[k] * v for k, v in expected.items()) == pytest.approx(5.0)


def test_missing_staff_is_excluded_and_flagged_never_zero():
    od = _od([("a", "x", 12.0), ("b", "x", 28.0), ("a", "y", 5.0), ("c", "y", 9.0)])
    demand = pd.Series({"a": 500.0, "b": 1500.0, "c": 4000.0})
    settlements, points = e2sfca(od, demand, pd.Series({"x": 1.0, "y": np.nan}))
    points = points.set_index("destination_id")
    settlements = settlements.set_index("origin_id")
    assert np.isnan(points.loc["y", "administrators"])
    assert NOTE_STAFF_MISSING in points.loc["y", "notes"]
    assert pd.isna(points.loc["y", "over_benchmark"])
    # c only reaches y (unknown staff): no score, flagged twice; a's score is a lower bound
    assert settlements.loc["c", "accessibility"] == 0.0
    assert np.isnan(settlements.loc["c", "residents_per_administrator"])
    assert NOTE_NO_POINT_IN_CATCHMENT in settlements.loc["c", "notes"]
    assert NOTE_UNKNOWN_STAFF_IN_CATCHMENT in settlements.loc["a", "notes"]
    assert NOTE_UNKNOWN_STAFF_IN_CATCHMENT not in settlements.loc["b", "notes"]
    # x alone: load = 500*0.68 + 1500*0.22 = 670 -> A_a = 0.68/670
    assert settlements.loc["a", "accessibility"] == pytest.approx(0.68 / 670)
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
        assert points.loc[j, "weighted_demand"] == pytest.approx(load[j], rel=1e-12, abs=1e-12)
    for i in origins:
        assert settlements.loc[i, "accessibility"] == pytest.approx(access[i], rel=1e-12, abs=1e-15)
    # conservation: sum_i P_i A_i = sum_j S_j over points with a non-zero catchment demand
    served = points["weighted_demand"] > 0
    total = (settlements["population"] * settlements["accessibility"]).sum()
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
        served = points["weighted_demand"] > 0
        total = float((settlements["population"] * settlements["accessibility"]).sum())
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
    served = load["weighted_demand"] > 0
    total = float((scores["population"].fillna(0) * scores["accessibility"]).sum())
    assert total == pytest.approx(float(load.loc[served, "administrators"].sum()), rel=1e-9)
    assert np.isfinite(scores["accessibility"]).all()
