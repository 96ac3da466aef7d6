"""What-if latency on a hromada-size synthetic network (~50,000 nodes, ~300 settlements, ~15 service points).

Run from the repository root::

    python -m benchmarks.whatif_benchmark            # or: python benchmarks/whatif_benchmark.py

Prints: network and context build times, the latency of adding one point (median of 50, core search and full
before/after tables), closing one road segment on a busy route, closing an area, closing a service point, suggesting
5 new points (exact and greedy), and, for comparison, a from-scratch :func:`analysis.routing.nearest_service`.
Every what-if answer is also checked against the from-scratch result. Figures depend on the machine; nothing here
is asserted in the tests.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.planning.scenario import NewPoint, PlanningContext, WhatIf, apply_scenario, scenario_matrix  # noqa: E402
from analysis.planning.suggest import suggest_points  # noqa: E402
from analysis.routing.router import nearest_service  # noqa: E402
from analysis.sources.synthetic import random_points, road_grid  # noqa: E402


def _timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def _max_gap(result, scratch: pd.DataFrame) -> float:
    """Largest difference in minutes between a what-if answer and the from-scratch one (unreachable must match)."""
    after = result.settlements["time_after_min"].to_numpy()
    expected = scratch["travel_time_min"].to_numpy()
    if not np.array_equal(np.isnan(after), np.isnan(expected)):
        return float("inf")
    return float(np.nanmax(np.abs(after - expected), initial=0.0))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def main(rows: int = 220, cols: int = 220, n_settlements: int = 300, n_points: int = 15, repeats: int = 50) -> None:
    network, t_net = _timed(road_grid, rows, cols, seed=1, oneway_share=0.05)
    settlements = random_points(network, n_settlements, seed=2, prefix="s")
    settlements["population"] = np.random.default_rng(3).lognormal(6.0, 1.2, n_settlements).round()
    points = random_points(network, n_points, seed=4, prefix="p")
    points["group"] = "cnap"
    _, t_graph = _timed(network.graph, "drive")
    context, t_ctx = _timed(PlanningContext.build, network, settlements, points, "drive", "cnap", threshold_min=10.0)
    scratch, t_scratch = _timed(nearest_service, network, settlements, points, "drive")

    print(f"network: {network.n_nodes:,} nodes, {network.n_edges:,} segments; {n_settlements} settlements, "
          f"{n_points} service points")
    print(f"build synthetic network           {_ms(t_net)}")
    print(f"build drive graph (CSR)           {_ms(t_graph)}")
    print(f"build PlanningContext             {_ms(t_ctx)}   (snaps + baseline pass + tree)")
    print(f"nearest_service from scratch      {_ms(t_scratch)}")

    rng = np.random.default_rng(5)
    lon = network.nodes["lon"].to_numpy()
    lat = network.nodes["lat"].to_numpy()
    picks = rng.integers(0, network.n_nodes, size=repeats)
    core, full = [], []
    for node in picks:
        scenario = WhatIf(add=[NewPoint(float(lon[node]), float(lat[node]), id="new")])
        _, t_core = _timed(scenario_matrix, context, scenario)
        _, t_full = _timed(apply_scenario, context, scenario)
        core.append(t_core)
        full.append(t_full)
    print(f"add one point: core search        {_ms(statistics.median(core))}   (median of {repeats}; "
          f"p90 {_ms(float(np.quantile(core, 0.9))).strip()})")
    print(f"add one point: with tables        {_ms(statistics.median(full))}   (median of {repeats})")

    # check one add against a from-scratch run
    node = int(picks[0])
    added = random_points(network, 1, seed=0, prefix="x")
    added["geometry"] = shapely.points(lon[node], lat[node])
    added["id"] = "new"
    result = apply_scenario(context, WhatIf(add=[NewPoint(float(lon[node]), float(lat[node]), id="new")]))
    check = nearest_service(network, settlements, pd.concat([points, added], ignore_index=True), "drive")
    print(f"  max |incremental - scratch|     {_max_gap(result, check):.2e} min")

    # close one segment on the fastest route of the settlement with the longest trip
    seconds = np.where(np.isfinite(context.baseline_seconds), context.baseline_seconds, -1.0)
    far = int(np.argmax(seconds))
    owners, segments = context.baseline.routes[int(context.baseline_point[far])]
    mine = segments[owners == far]
    on_route = int(mine[len(mine) // 2])
    road_times = []
    for _ in range(10):
        road, t_road = _timed(apply_scenario, context, WhatIf(close_edges=[on_route]))
        road_times.append(t_road)
    check = nearest_service(network, settlements, points, "drive", closed_edge_ids=[on_route])
    print(f"close 1 segment on a route        {_ms(statistics.median(road_times))}   (method {road.method}, "
          f"{road.affected_settlements} settlements affected; median of 10)")
    print(f"  max |what-if - scratch|         {_max_gap(road, check):.2e} min")
    on_any_route = np.concatenate([segments for _, segments in context.baseline.routes])
    off_route = int(np.setdiff1d(np.arange(network.n_edges), on_any_route)[0])
    quiet, t_quiet = _timed(apply_scenario, context, WhatIf(close_edges=[off_route]))
    print(f"close 1 segment off every route   {_ms(t_quiet)}   (method {quiet.method})")

    x0, y0 = float(np.median(lon)), float(np.median(lat))
    area = shapely.box(x0 - 0.01, y0 - 0.005, x0 + 0.01, y0 + 0.005)
    first, t_area_first = _timed(apply_scenario, context, WhatIf(close_areas=[area]))
    _, t_area = _timed(apply_scenario, context, WhatIf(close_areas=[area]))
    print(f"close an area (first call)        {_ms(t_area_first)}   ({len(first.closed_edge_ids)} segments, "
          f"method {first.method})")
    print(f"close an area (again)             {_ms(t_area)}")

    busiest = pd.Series(context.baseline_point).value_counts().index[0]
    pid = context.point_ids[busiest]
    close_times = []
    for _ in range(10):
        closed, t_close = _timed(apply_scenario, context, WhatIf(close=[pid]))
        close_times.append(t_close)
    check = nearest_service(network, settlements, points[points["id"] != pid], "drive")
    print(f"close the busiest point           {_ms(statistics.median(close_times))}   ({closed.affected_settlements} "
          f"settlements affected, method {closed.method}; median of 10)")
    print(f"  max |what-if - scratch|         {_max_gap(closed, check):.2e} min")

    for method in ("exact", "greedy"):
        suggestion, t_suggest = _timed(suggest_points, context, 5, method=method)
        print(f"suggest 5 points ({method:6s})        {_ms(t_suggest)}   ({suggestion.method}; newly covered "
              f"{suggestion.newly_covered_population:,.0f}, bound {suggestion.upper_bound:,.0f}; includes routing "
              f"{n_settlements} candidates)")


if __name__ == "__main__":
    main()
