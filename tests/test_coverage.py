"""Coverage against norms: hand-computed shares and weighted quantiles, exact routed checks, monotonicity
invariants on random synthetic hromadas, gap lists and data-quality flags."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.metrics.access import compute_access
from analysis.metrics.coverage import (
    DISTANCE_ESTIMATED,
    DISTANCE_FASTEST,
    REASON_NO_CENTRE,
    REASON_NO_POINTS_OF_KIND,
    STATUS_MET,
    STATUS_NOT_EVALUATED,
    STATUS_NOT_MET,
    STATUS_UNREACHABLE,
    evaluate_norms,
    meeting_pairs,
    route_to_hromada_centre,
)
from analysis.metrics.norms import DEFAULT_NORMS, Norm, get_norm, with_threshold
from analysis.metrics.quality import classify_population_source, data_quality
from analysis.metrics.summary import coverage_summary, gap_list
from analysis.network.profiles import OFF_NETWORK_WALK_SPEED_KMH
from analysis.routing.estimate import DEFAULT_CIRCUITY
from analysis.routing.results import REASON_DIFFERENT_COMPONENT, REASON_SNAP_TOO_FAR
from analysis.routing.router import Router, nearest_service
from analysis.sources.synthetic import random_points, road_grid

WALK_MS = OFF_NETWORK_WALK_SPEED_KMH / 3.6
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


# ------------------------------------------------------------------------------------------------ weighted stats
def test_summary_quantiles_equal_numpy_on_the_expanded_sample():
    """The summary's weighted median / p90 equal numpy's quantile of the sample with every resident repeated."""
    rng = np.random.default_rng(0)
    for trial in range(60):
        n = int(rng.integers(1, 15))
        times = np.round(rng.uniform(0, 60, n), int(rng.integers(0, 3)))  # rounding makes ties
        population = rng.integers(0, 40, n).astype(float)
        if population.sum() == 0:
            population[0] = 1
        settlements = pd.DataFrame({"id": [f"s{i}" for i in range(n)], "population": population})
        long = pd.DataFrame({"origin_id": settlements["id"], "group": "cnap", "destination_id": "p",
                             "travel_time_min": times, "total_distance_km": times / 2, "reachable": True,
                             "method": "network"})
        row = coverage_summary(evaluate_norms(long, settlements, [Norm("t", "", "", "cnap", max_time_min=30)]),
                               settlements).iloc[0]
        expanded = np.repeat(times, population.astype(int))
        assert row["median_time_min"] == np.quantile(expanded, 0.5, method="inverted_cdf"), trial
        assert row["p90_time_min"] == np.quantile(expanded, 0.9, method="inverted_cdf"), trial
        assert row["mean_time_min"] == pytest.approx(expanded.mean())


# ------------------------------------------------------------------------------------------------ hand fixture
def _hand_fixture():
    """Six settlements with known populations and routed figures (group 'cnap')."""
    settlements = pd.DataFrame(
        {
            "id": ["A", "B", "C", "D", "E", "F"],
            "name": ["Ана", "Біла", "Вишня", "Гай", "Еко", "Фора"],
            "population": [100.0, 200.0, 300.0, 400.0, np.nan, 50.0],
            "is_hromada_centre": [True, False, False, False, False, False],
        }
    )
    long = pd.DataFrame(
        {
            "origin_id": ["A", "B", "C", "D", "E", "F"],
            "group": "cnap",
            "destination_id": ["s1", "s1", "s2", "s2", "s1", None],
            "destination_name": ["ЦНАП", "ЦНАП", "ВРМ", "ВРМ", "ЦНАП", None],
            "travel_time_min": [10.0, 20.0, 30.0, 40.0, 5.0, np.nan],
            "total_distance_km": [5.0, 12.0, 15.0, 8.0, 1.0, np.nan],
            "reachable": [True, True, True, True, True, False],
            "unreachable_reason": ["", "", "", "", "", REASON_DIFFERENT_COMPONENT],
            "method": "network",
        }
    )
    norm = Norm("t30", "Т", "T", "cnap", max_time_min=30, max_distance_km=14)
    return settlements, long, norm


def test_evaluation_of_the_hand_fixture():
    settlements, long, norm = _hand_fixture()
    ev = evaluate_norms(long, settlements, [norm]).set_index("settlement_id")
    assert list(ev["status"]) == [STATUS_MET, STATUS_MET, STATUS_NOT_MET, STATUS_NOT_MET, STATUS_MET,
                                  STATUS_UNREACHABLE]
    assert list(ev["meets_norm"]) == [True, True, False, False, True, False]
    np.testing.assert_allclose(ev["margin_min"].iloc[:5], [-20, -10, 0, 10, -25])
    np.testing.assert_allclose(ev["margin_km"].iloc[:5], [-9, -2, 1, -6, -13])
    assert ev.loc["C", "meets_time"] and not ev.loc["C", "meets_distance"]  # exactly 30 min meets
    assert ev.loc["C", "reason"] == "over the distance threshold"
    assert ev.loc["D", "reason"] == "over the time threshold"
    assert np.isnan(ev.loc["F", "margin_min"]) and np.isnan(ev.loc["F", "margin_km"])
    assert ev.loc["F", "reason"] == REASON_DIFFERENT_COMPONENT
    assert (ev["distance_basis"] == DISTANCE_FASTEST).all()  # routed table without the network
    assert ev.loc["B", "destination_name"] == "ЦНАП"

    any_norm = with_threshold(norm, combine="any")
    assert list(evaluate_norms(long, settlements, [any_norm])["meets_norm"]) == [True, True, True, True, True,
                                                                                False]


def test_summary_of_the_hand_fixture_is_exact():
    settlements, long, norm = _hand_fixture()
    ev = evaluate_norms(long, settlements, [norm])
    row = coverage_summary(ev, settlements).iloc[0]
    assert row["population_total"] == 1050  # E has no population
    assert row["population_covered"] == 300  # A + B
    assert row["population_uncovered"] == 750  # C + D + F
    assert row["share_covered"] == pytest.approx(2 / 7)
    assert row["share_uncovered"] == pytest.approx(5 / 7)
    assert row["n_uncovered_settlements"] == 3
    assert row["n_unreachable_settlements"] == 1 and row["population_unreachable"] == 50
    assert row["n_settlements_without_population"] == 1 and row["population_missing_flag"]
    # weighted over reachable settlements with population: (10*100 + 20*200 + 30*300 + 40*400) / 1000
    assert row["mean_time_min"] == pytest.approx(30.0)
    # inverted CDF with F as +inf: cumulative 100, 300, 600, 1000, 1050 -> q=.5 (525) -> 30, q=.9 (945) -> 40
    assert row["median_time_min"] == 30.0 and row["p90_time_min"] == 40.0
    # distances 5 (100), 8 (400), 12 (200), 15 (300), inf (50): cumulative 100, 500, 700, 1000, 1050
    assert row["median_distance_km"] == 12.0 and row["p90_distance_km"] == 15.0
    expanded = np.repeat([5.0, 12.0, 15.0, 8.0, np.inf], [100, 200, 300, 400, 50])
    assert row["p90_distance_km"] == np.quantile(expanded, 0.9, method="inverted_cdf")
    assert row["max_time_min_observed"] == 40.0 and row["evaluated"] and row["method"] == "network"

    # 450 of 1050 unreachable (> 10 %) -> p90 becomes infinite; the median is still 30
    long2 = long.assign(reachable=[True, True, True, False, True, False],
                        travel_time_min=[10.0, 20.0, 30.0, np.nan, 5.0, np.nan])
    row2 = coverage_summary(evaluate_norms(long2, settlements, [norm]), settlements).iloc[0]
    assert row2["p90_time_min"] == np.inf and row2["median_time_min"] == 30.0


def test_gap_list_orders_by_uncovered_population():
    settlements, long, norm = _hand_fixture()
    ev = evaluate_norms(long, settlements, [norm])
    gaps = gap_list(ev, settlements, "t30")
    assert list(gaps["settlement_id"]) == ["D", "C", "F"]
    assert list(gaps["rank"]) == [1, 2, 3]
    assert list(gaps["population"]) == [400, 300, 50]
    assert gaps.loc[0, "margin_min"] == 10
    with pytest.raises(DataError, match="No evaluation rows"):
        gap_list(ev, settlements, "nope")


def test_norms_without_points_or_for_another_mode_are_not_evaluated():
    settlements, long, norm = _hand_fixture()
    walk_norm = Norm("walk30", "", "", "cnap", max_time_min=30, mode="walk")
    ev = evaluate_norms(long, settlements, [norm, get_norm(DEFAULT_NORMS, "post_office"), walk_norm], mode="drive")
    post = ev[ev["norm_id"] == "post_office"]
    assert (post["status"] == STATUS_NOT_EVALUATED).all() and post["meets_norm"].isna().all()
    assert (post["reason"] == REASON_NO_POINTS_OF_KIND).all()
    assert (ev.loc[ev["norm_id"] == "walk30", "reason"].str.contains("another travel mode")).all()
    summary = coverage_summary(ev, settlements).set_index("norm_id")
    assert not summary.loc["post_office", "evaluated"] and np.isnan(summary.loc["post_office", "share_covered"])
    assert summary.loc["post_office", "n_not_evaluated"] == 6
    # no centre marked -> the centre norm is not evaluated
    no_centre = settlements.assign(is_hromada_centre=False)
    centre_rows = evaluate_norms(long, no_centre, [get_norm(DEFAULT_NORMS, "hromada_centre")])
    assert (centre_rows["reason"] == REASON_NO_CENTRE).all()


def test_category_norm_needs_category_routing():
    settlements, long, _ = _hand_fixture()
    only_centres = Norm("c", "", "", ("cnap_centre",), max_time_min=30)
    with pytest.raises(DataError, match="by='category'"):
        evaluate_norms(long, settlements, [only_centres])
    whole_group = Norm("g", "", "", ("cnap_centre", "cnap_branch", "cnap_remote_workplace", "cnap_starosta_office"),
                       max_time_min=30)
    assert (evaluate_norms(long, settlements, [whole_group])["status"] != STATUS_NOT_EVALUATED).all()
    by_category = long.rename(columns={"group": "category"}).assign(
        category=["cnap_centre", "cnap_centre", "cnap_remote_workplace", "cnap_remote_workplace", "cnap_centre",
                  "cnap_centre"])
    extra = by_category.iloc[[3]].assign(category="cnap_centre", travel_time_min=25.0, total_distance_km=3.0,
                                         destination_id="s3")
    table = pd.concat([by_category, extra], ignore_index=True)
    ev = evaluate_norms(table, settlements, [only_centres]).set_index("settlement_id")
    assert ev.loc["C", "status"] == STATUS_NOT_EVALUATED  # C has no centre row at all
    assert ev.loc["D", "travel_time_min"] == 25.0 and ev.loc["D", "destination_id"] == "s3"
    group_norm = Norm("cnap_all", "", "", "cnap", max_time_min=30)
    ev2 = evaluate_norms(table, settlements, [group_norm]).set_index("settlement_id")
    assert ev2.loc["D", "travel_time_min"] == 25.0  # fastest over the categories of the group


# ------------------------------------------------------------------------------------------------ estimated mode
def _village_points():
    lonlat = [(25.000, 49.000), (25.100, 49.020), (25.220, 49.050), (24.850, 48.950), (25.330, 49.000)]
    return gpd.GeoDataFrame(
        {"id": ["c", "v1", "v2", "v3", "v4"], "name": ["Центр", "Одне", "Друге", "Третє", "Четверте"],
         "population": [5000.0, 800.0, 300.0, 120.0, 60.0], "is_hromada_centre": [True, False, False, False, False]},
        geometry=gpd.points_from_xy(*zip(*lonlat)), crs="EPSG:4326",
    )


def test_hromada_centre_norm_estimated_matches_haversine_by_hand():
    villages = _village_points()
    ev = evaluate_norms(pd.DataFrame(), villages, [get_norm(DEFAULT_NORMS, "hromada_centre")])
    km = haversine_km(villages.geometry.x.to_numpy(), villages.geometry.y.to_numpy(), 25.0, 49.0) * DEFAULT_CIRCUITY
    np.testing.assert_allclose(ev["distance_km"], km, rtol=5e-3, atol=1e-9)
    np.testing.assert_allclose(ev["travel_time_min"], km / 40.0 * 60.0, rtol=5e-3, atol=1e-9)
    assert (ev["distance_basis"] == DISTANCE_ESTIMATED).all()
    # by hand: 0, 9.9, 22.1, 16.0, 31.3 km -> within 25: c, v1, v2, v3; within 20: c, v1, v3
    assert list(ev["meets_norm"]) == list(km <= 25) == [True, True, True, True, False]
    assert list(ev["meets_strict"]) == list(km <= 20) == [True, True, False, True, False]
    row = coverage_summary(ev, villages).iloc[0]
    assert row["population_covered"] == 6220 and row["population_uncovered"] == 60
    assert row["population_covered_strict"] == 5920
    assert row["share_covered_strict"] == pytest.approx(5920 / 6280)


def test_route_to_hromada_centre_groups_by_hromada():
    villages = _village_points()
    two = villages.assign(hromada_katottg=["H1", "H1", "H2", "H2", "H2"],
                          is_hromada_centre=[True, False, True, False, False])
    result = route_to_hromada_centre(two)
    assert list(result["origin_id"]) == list(two["id"])
    assert list(result["destination_id"]) == ["c", "c", "v2", "v2", "v2"]
    two = two.assign(is_hromada_centre=[True, False, False, False, False])
    result = route_to_hromada_centre(two)
    assert list(result["reachable"]) == [True, True, False, False, False]
    assert (result["unreachable_reason"].iloc[2:] == REASON_NO_CENTRE).all()


# ------------------------------------------------------------------------------------------------ routed mode
def _instance(seed: int, n_settlements: int = 40, n_points: int = 3, size: int = 12):
    net = road_grid(size, size, seed=seed, oneway_share=0.1, drop_share=0.2)
    rng = np.random.default_rng(seed)
    settlements = random_points(net, n_settlements, seed=seed + 100, prefix="s", offset_m=150)
    settlements["name"] = settlements["id"]
    settlements["population"] = rng.integers(0, 2000, n_settlements).astype(float)
    settlements["is_hromada_centre"] = np.arange(n_settlements) == 0
    points = random_points(net, n_points, seed=seed + 200, prefix="p", offset_m=80)
    points["name"] = "ЦНАП " + points["id"]
    points["category"] = "cnap_remote_workplace"
    points["group"] = "cnap"
    norm = Norm("n", "", "", "cnap", max_time_min=float(rng.uniform(3.0, 6.0)),
                max_distance_km=float(rng.uniform(0.8, 2.0)))
    centre = Norm("centre", "", "", "hromada_centre", max_distance_km=float(rng.uniform(1.0, 2.5)),
                  strict_distance_km=0.8)
    return net, settlements, points, (norm, centre)


def _evaluate(net, settlements, points, norms, closed=None):
    access = compute_access(settlements, points, net, closed_edge_ids=closed)
    return evaluate_norms(access, settlements, norms)


def _met(ev, norm_id):
    part = ev[ev["norm_id"] == norm_id]
    return part["meets_norm"].fillna(False).to_numpy(dtype=bool)


def test_routed_evaluation_is_an_exact_existence_check_on_the_fastest_routes():
    for seed in range(4):
        net, settlements, points, (norm, centre) = _instance(seed)
        for combine in ("all", "any"):
            n = with_threshold(norm, combine=combine)
            ev = _evaluate(net, settlements, points, [n, centre])
            part = ev[ev["norm_id"] == "n"].reset_index(drop=True)
            matrix = Router(net, "drive").matrix(settlements, points)
            t, d = matrix.time_min, matrix.distance_km
            time_ok, dist_ok = t <= n.max_time_min, d <= n.max_distance_km
            ok = (time_ok & dist_ok) if combine == "all" else (time_ok | dist_ok)
            np.testing.assert_array_equal(part["meets_norm"].to_numpy(dtype=bool), ok.any(axis=1))
            fastest = np.argmin(t, axis=1)
            rows = np.arange(len(t))
            np.testing.assert_allclose(part["best_time_min"], t[rows, fastest], rtol=1e-9)
            np.testing.assert_allclose(part["best_distance_km"], d[rows, fastest], rtol=1e-9)
            # the reported point: the fastest one meeting the norm, else the fastest
            chosen = np.where(ok.any(axis=1), np.argmin(np.where(ok, t, np.inf), axis=1), fastest)
            np.testing.assert_allclose(part["travel_time_min"], t[rows, chosen], rtol=1e-9)
            np.testing.assert_allclose(part["distance_km"], d[rows, chosen], rtol=1e-9)
            np.testing.assert_allclose(part["margin_min"], t[rows, chosen] - n.max_time_min, rtol=1e-9, atol=1e-9)
            assert list(part["destination_id"]) == list(points["id"].to_numpy()[chosen])
            assert (part["distance_basis"] == DISTANCE_FASTEST).all()
        # the centre norm: the fastest route to the centre settlement s0, its length checked
        cpart = ev[ev["norm_id"] == "centre"].reset_index(drop=True)
        to_centre = Router(net, "drive").matrix(settlements, settlements.iloc[[0]])
        np.testing.assert_allclose(cpart["distance_km"], to_centre.distance_km[:, 0], rtol=1e-9)
        np.testing.assert_array_equal(cpart["meets_norm"].to_numpy(dtype=bool),
                                      to_centre.distance_km[:, 0] <= centre.max_distance_km)
        np.testing.assert_array_equal(cpart["meets_strict"].to_numpy(dtype=bool), to_centre.distance_km[:, 0] <= 0.8)
        fastest = nearest_service(net, settlements, settlements.iloc[[0]], "drive")
        np.testing.assert_allclose(cpart["travel_time_min"], fastest["travel_time_min"], rtol=1e-9)


def test_meeting_pairs_is_the_one_check():
    pairs = pd.DataFrame({"origin_id": ["a", "a", "b", "c"], "destination_id": ["p", "q", "p", "q"],
                          "travel_time_min": [25.0, 28.0, 40.0, 10.0], "total_distance_km": [15.0, 13.0, 10.0, 20.0]})
    both = Norm("b", "", "", "cnap", max_time_min=30, max_distance_km=14)
    either = with_threshold(both, combine="any")
    assert meeting_pairs(pairs, both).set_index("origin_id")["destination_id"].to_dict() == {"a": "q"}
    assert meeting_pairs(pairs, either).set_index("origin_id")["destination_id"].to_dict() == {"a": "p", "b": "p",
                                                                                             "c": "q"}


def test_routed_table_needs_the_router_for_the_centre_norm():
    net, settlements, points, (norm, centre) = _instance(1)
    access = compute_access(settlements, points, net)
    with pytest.raises(DataError, match="pass router="):
        evaluate_norms(access.long, settlements, [centre])
    with_router = evaluate_norms(access, settlements, [centre])  # the AccessResult brings its router
    assert (with_router["status"] != STATUS_NOT_EVALUATED).all()
    fallback = evaluate_norms(access.long, settlements, [norm])
    assert (fallback["distance_basis"] == DISTANCE_FASTEST).all()


def test_settlements_far_from_the_roads_are_unreachable_everywhere():
    net, settlements, points, (norm, centre) = _instance(2)
    lon0, lat0 = net.nodes["lon"].min(), net.nodes["lat"].min()
    far = gpd.GeoDataFrame({"id": ["far"], "name": ["Далеке"], "population": [800.0], "is_hromada_centre": [False]},
                           geometry=gpd.points_from_xy([lon0 - 10.0], [lat0]), crs="EPSG:4326")
    everything = pd.concat([settlements, far], ignore_index=True)
    ev = _evaluate(net, everything, points, [norm, centre]).set_index(["norm_id", "settlement_id"])
    for norm_id in ("n", "centre"):
        row = ev.loc[(norm_id, "far")]
        assert row["status"] == STATUS_UNREACHABLE and row["reason"] == REASON_SNAP_TOO_FAR
        assert not row["meets_norm"] and np.isnan(row["travel_time_min"])
    summary = coverage_summary(ev.reset_index(), everything).set_index("norm_id")
    alone = coverage_summary(_evaluate(net, settlements, points, [norm]), settlements).set_index("norm_id")
    assert summary.loc["n", "mean_time_min"] == pytest.approx(alone.loc["n", "mean_time_min"])  # left out of means
    assert summary.loc["n", "population_unreachable"] == 800


def test_adding_a_service_point_never_lowers_coverage():
    for seed in range(6):
        net, settlements, points, (norm, _) = _instance(seed)
        before = _met(_evaluate(net, settlements, points, [norm]), "n")
        extra = random_points(net, 1, seed=seed + 300, prefix="new")
        extra = extra.assign(name="new", category="cnap_branch", group="cnap")
        after = _met(_evaluate(net, settlements, pd.concat([points, extra], ignore_index=True), [norm]), "n")
        assert not (before & ~after).any(), f"seed {seed}: a settlement lost coverage when a point was added"
        assert after.sum() >= before.sum()


def test_closing_roads_never_raises_coverage_of_a_time_norm():
    # (with a distance threshold it can: the fastest route after a closure may be slower but shorter)
    for seed in range(6):
        net, settlements, points, (norm, _) = _instance(seed)
        time_norm = with_threshold(norm, max_distance_km=None)
        open_ev = _evaluate(net, settlements, points, [time_norm])
        rng = np.random.default_rng(seed)
        closed = rng.choice(net.n_edges, size=net.n_edges // 6, replace=False).tolist()
        closed_ev = _evaluate(net, settlements, points, [time_norm], closed=closed)
        before, after = _met(open_ev, "n"), _met(closed_ev, "n")
        assert not (after & ~before).any(), f"seed {seed}: closing roads raised coverage"
        assert (coverage_summary(closed_ev, settlements)["population_covered"].to_numpy()
                <= coverage_summary(open_ev, settlements)["population_covered"].to_numpy()).all()


def test_tighter_norms_never_raise_coverage():
    for seed in range(6):
        net, settlements, points, (norm, centre) = _instance(seed)
        access = compute_access(settlements, points, net)
        variants = [norm, with_threshold(norm, max_time_min=norm.max_time_min * 0.7),
                    with_threshold(norm, max_distance_km=norm.max_distance_km * 0.6),
                    with_threshold(norm, max_time_min=norm.max_time_min * 0.5, max_distance_km=0.4)]
        variants = [with_threshold(v, id=f"v{i}") for i, v in enumerate(variants)]
        ev = evaluate_norms(access, settlements, variants)
        loose = _met(ev, "v0")
        for i in (1, 2, 3):
            assert not (_met(ev, f"v{i}") & ~loose).any()
        both_looser = with_threshold(norm, id="loose", max_time_min=norm.max_time_min * 2)
        wider = _met(evaluate_norms(access, settlements, [both_looser]), "loose")
        assert not (loose & ~wider).any()
        either = _met(evaluate_norms(access, settlements, [with_threshold(norm, id="any", combine="any")]), "any")
        assert not (loose & ~either).any()  # "or" never covers fewer than "and"


# ------------------------------------------------------------------------------------------------ data quality
def test_population_source_classes():
    table = pd.DataFrame({
        "population": [23134.0, 166.0, 120.0, np.nan, 50.0, 80.0],
        "population_source": ["ukrstat_2022-01-01_present_population", "osm_place_node_population_tag_2023",
                              "population_est_2022 (rescaled)", None, "user", "census 2001"],
    })
    assert list(classify_population_source(table)) == ["census_ukrstat", "osm_tag", "estimate", "missing", "other",
                                                       "census_ukrstat"]


def test_data_quality_flags_far_unreachable_and_missing_fields():
    net = road_grid(10, 10, seed=5, oneway_share=0.0)
    settlements = random_points(net, 6, seed=1, prefix="s", offset_m=50)
    lon0, lat0 = net.nodes["lon"].min(), net.nodes["lat"].min()
    far = gpd.GeoDataFrame({"id": ["far"]}, geometry=gpd.points_from_xy([lon0 - 0.02], [lat0]), crs="EPSG:4326")
    settlements = pd.concat([settlements, far], ignore_index=True)
    settlements["name"] = settlements["id"]
    settlements["population"] = [100.0, 200.0, np.nan, 300.0, 400.0, 500.0, 60.0]
    settlements["population_source"] = ["osm_tag"] * 5 + ["population estimate"] * 2
    settlements["is_hromada_centre"] = False
    settlements["hromada_katottg"] = "UA00000000000000001"
    points = random_points(net, 3, seed=2, prefix="p", offset_m=10).assign(
        name=["A", "B", "C"], category="cnap_remote_workplace", group="cnap",
        workers_total=pd.array([3, pd.NA, 1], dtype="Int64"), disability=pd.array([1, pd.NA, pd.NA], dtype="Int64"),
        pandus=pd.array([0, pd.NA, 1], dtype="Int64"), dis_sanit=pd.array([0, pd.NA, 1], dtype="Int64"),
        braille_mat=pd.array([0, pd.NA, 1], dtype="Int64"), location_precision="settlement",
    )
    # cut s3 off: close the segment it joins (it stays on it)
    closed = [int(Router(net, "drive").snap(settlements.iloc[[3]]).edge[0])]
    access = compute_access(settlements, points, net, closed_edge_ids=closed)
    quality = data_quality({"settlements": settlements, "service_points": points}, access, snap_threshold_m=500)
    info = quality.summary["UA00000000000000001"]
    assert info["settlements_too_far_from_network"] == ["far"] and info["max_snap_m"] > 1000
    assert info["settlements_snapped_far"] == []
    assert info["settlements_unreachable"] == ["s3"]
    assert info["population_source_counts"] == {"census_ukrstat": 0, "osm_tag": 4, "estimate": 2, "other": 0,
                                                "missing": 1}
    assert info["share_population_estimated"] == pytest.approx(560 / 1560)
    assert info["n_points_missing_workers_total"] == 1
    assert info["n_points_without_accessibility"] == 1 and info["n_points_partial_accessibility"] == 1
    assert info["norms_without_service_points"] == ["social_services", "post_office"]
    assert not info["distances_estimated"] and info["n_hromada_centres"] == 0
    flags = quality.flags.set_index("flag")
    for flag in ("settlements_too_far_from_network", "settlements_unreachable", "population_missing",
                 "population_estimated",
                 "service_points_no_workers", "service_points_no_accessibility",
                 "service_points_partial_accessibility", "hromada_centre_missing", "no_service_points_for_norm",
                 "service_points_settlement_precision"):
        assert flag in flags.index, flag
    assert "distances_estimated" not in flags.index
    assert flags.loc["settlements_too_far_from_network", "severity"] == "error"
    assert flags.loc["settlements_too_far_from_network", "label_en"].startswith(
        "Settlements more than 1000 m from the road network")
    assert flags.loc["settlements_too_far_from_network", "label_uk"].startswith("Населені пункти далі 1000 м")
    assert flags.loc["service_points_no_workers", "items"] == "B"
    assert flags.loc["population_estimated", "share"] == pytest.approx(560 / 1560)
    assert set(quality.flags["severity"]) <= {"info", "warning", "error"}
    # the same problems through the evaluation: s3 fails the norm with its reason kept
    ev = evaluate_norms(access, settlements, [Norm("x", "", "", "cnap", max_time_min=60)]).set_index(
        "settlement_id")
    assert ev.loc["s3", "status"] == STATUS_UNREACHABLE and ev.loc["s3", "reason"] == REASON_DIFFERENT_COMPONENT
    assert np.isnan(ev.loc["s3", "margin_min"])
