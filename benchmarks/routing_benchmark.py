"""Nearest-service routing at oblast scale, measured against the alternatives in one run.

    python3 benchmarks/routing_benchmark.py [--rows 500 --cols 500 --settlements 1000 --points 100]

Prints figures (no assertions):
(a) this product: ``Router.nearest(..., by="category")`` on a router built once, for all settlements and 4
    categories, edge snapping of settlements and points included (virtual nodes, partial segments, route lengths);
(b) the floor: one raw ``scipy.sparse.csgraph.dijkstra(min_only=True)`` multi-source pass per category on the
    same CSR arrays from the ends of the points' segments (no snapping, no partial segments, no lengths);
(c) the osmnx/networkx ways: ``nx.shortest_path_length`` per settlement x service pair (sampled, extrapolated to
    all pairs), and ``nx.multi_source_dijkstra_path_length`` once per category (what a careful script does);
(d) pandana (if installed): one ``nearest_pois`` query per category after ``precompute``.
(a') is (a) on points snapped once. Ratios to (a) and the process's peak memory are printed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scipy.sparse import csgraph  # noqa: E402

from analysis.routing.router import Router  # noqa: E402
from analysis.sources.synthetic import random_points, road_grid  # noqa: E402

CATEGORIES = ("cnap_centre", "cnap_remote_workplace", "social_protection", "post_office")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def best_of(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--cols", type=int, default=500)
    parser.add_argument("--settlements", type=int, default=1000)
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--nx-pairs", type=int, default=20, help="sampled pairs for the networkx estimate")
    args = parser.parse_args()

    start = time.perf_counter()
    network = road_grid(args.rows, args.cols, seed=1)
    build_s = time.perf_counter() - start
    start = time.perf_counter()
    graph = network.graph("drive")
    csr_s = time.perf_counter() - start
    print(f"network: {network.n_nodes:,} nodes, {graph.forward.nnz:,} directed edges "
          f"(built in {build_s:.1f} s, CSR in {csr_s:.2f} s)")
    settlements = random_points(network, args.settlements, seed=2, prefix="s")
    services = random_points(network, args.points, seed=3, prefix="p")
    services["category"] = [CATEGORIES[i % len(CATEGORIES)] for i in range(len(services))]
    print(f"{len(settlements):,} settlements, {len(services)} service points in {len(CATEGORIES)} categories")

    router = Router(network, "drive")
    result = router.nearest(settlements, services, by="category")  # warm-up (snap candidates, STRtree)
    a = best_of(lambda: router.nearest(settlements, services, by="category"))

    snap = router.snap(services)
    seeds_of = {}
    for category in CATEGORIES:
        rows = (services["category"] == category).to_numpy()
        seeds_of[category] = np.unique(router.service_seeds(snap.take(rows))[0])

    def floor():
        for category in CATEGORIES:
            csgraph.dijkstra(graph.reverse, directed=True, indices=seeds_of[category], min_only=True)

    b = best_of(floor)
    s_snap = router.snap(settlements)
    category_snaps = [snap.take((services["category"] == category).to_numpy()) for category in CATEGORIES]
    a_snapped = best_of(lambda: [router.nearest(s_snap, group) for group in category_snaps])
    print(f"(a) product Router.nearest, all categories:  {a * 1000:8.1f} ms   (snapping {len(settlements) + len(services):,}"
          " points included)")
    print(f"(a') the same on points snapped once:         {a_snapped * 1000:8.1f} ms   (pandana's model: snap once, "
          "query many times)")
    print(f"(b) raw csgraph multi-source floor:          {b * 1000:8.1f} ms   (a)/(b) = {a / b:.2f}   "
          f"(a')/(b) = {a_snapped / b:.2f}")

    import networkx as nx

    G = network.to_networkx("drive").reverse(copy=False)
    rng = np.random.default_rng(0)
    pairs = [(int(snap.node[rng.integers(len(services)), 0]), int(s_snap.node[rng.integers(len(settlements)), 0]))
             for _ in range(args.nx_pairs)]
    start = time.perf_counter()
    for source, target in pairs:
        try:
            nx.shortest_path_length(G, source, target, weight="time_s")
        except nx.NetworkXNoPath:
            pass
    per_pair = (time.perf_counter() - start) / len(pairs)
    c = per_pair * len(settlements) * len(services)
    print(f"(c) networkx per pair: {per_pair * 1000:.1f} ms x {len(settlements) * len(services):,} pairs "
          f"= {c:,.0f} s (extrapolated)   (c)/(a) = {c / a:,.0f}")
    start = time.perf_counter()
    for category in CATEGORIES:
        nx.multi_source_dijkstra_path_length(G, set(seeds_of[category].tolist()), weight="time_s")
    c2 = time.perf_counter() - start
    print(f"(c') networkx multi-source per category:     {c2 * 1000:8.1f} ms   (c')/(a) = {c2 / a:.1f}")
    del G

    try:
        import pandana
    except ImportError:
        print("(d) pandana: not installed")
    else:
        coo = graph.forward.tocoo()
        import pandas as pd

        nodes = pd.DataFrame({"x": network.nodes["x"], "y": network.nodes["y"]})
        edges = pd.DataFrame({"from": coo.row, "to": coo.col, "time_s": coo.data})
        start = time.perf_counter()
        net = pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["time_s"]], twoway=False)
        setup = time.perf_counter() - start
        horizon = float(result["travel_time_min"].max() * 60 * 1.01)

        def pandana_query():
            for category in CATEGORIES:
                xy = network.nodes.iloc[seeds_of[category]]
                net.set_pois(category, horizon, 1, xy["x"], xy["y"])
                net.nearest_pois(horizon, category, num_pois=1)

        d = best_of(pandana_query)
        print(f"(d) pandana nearest_pois (setup {setup:.1f} s, returns node-level results for all "
              f"{network.n_nodes:,} nodes): {d * 1000:8.1f} ms   (d)/(a) = {d / a:.2f}")
    print(f"peak memory (process): {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
