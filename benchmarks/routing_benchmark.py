"""Nearest-service routing at oblast scale, measured against the alternatives in one run.

    python3 benchmarks/routing_benchmark.py [--rows 500 --cols 500 --settlements 1000 --points 100]

Prints figures (no assertions):
(a) this product: ``nearest_service(..., by="category")`` for all settlements and 4 categories, snapping included;
(b) the floor: one raw ``scipy.sparse.csgraph.dijkstra(min_only=True)`` multi-source pass per category on the
    same CSR arrays (no snapping, no path attributes);
(c) the osmnx/networkx way a typical script does it: ``nx.shortest_path_length`` per settlement x service pair,
    sampled and extrapolated to all pairs;
(d) pandana (if installed): one ``nearest_pois`` query per category after ``precompute``.
Ratios (a)/(b) and (c)/(a) and the process's peak memory are printed.
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

from analysis.routing.router import nearest_service, snap_points  # noqa: E402
from analysis.sources.synthetic import random_points, road_grid  # noqa: E402

CATEGORIES = ("cnap_centre", "cnap_remote_workplace", "social_protection", "post_office")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def best_of(fn, repeat: int = 3) -> float:
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

    result = nearest_service(network, settlements, services, "drive", by="category")  # warm-up
    a = best_of(lambda: nearest_service(network, settlements, services, "drive", by="category"))

    snap = snap_points(network, services, "drive")

    def floor():
        for category in CATEGORIES:
            nodes = snap.node[(services["category"] == category).to_numpy()]
            csgraph.dijkstra(graph.reverse, directed=True, indices=nodes, min_only=True)

    b = best_of(floor)
    print(f"(a) product nearest_service, all categories: {a * 1000:8.1f} ms")
    print(f"(b) raw csgraph multi-source floor:          {b * 1000:8.1f} ms   (a)/(b) = {a / b:.2f}")

    import networkx as nx

    G = network.to_networkx("drive")
    s_snap = snap_points(network, settlements, "drive")
    rng = np.random.default_rng(0)
    pairs = [(int(s_snap.node[rng.integers(len(settlements))]), int(snap.node[rng.integers(len(services))]))
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
                xy = network.nodes.iloc[snap.node[(services["category"] == category).to_numpy()]]
                net.set_pois(category, horizon, 1, xy["x"], xy["y"])
                net.nearest_pois(horizon, category, num_pois=1)

        d = best_of(pandana_query)
        print(f"(d) pandana nearest_pois (setup {setup:.1f} s, returns node-level results for all "
              f"{network.n_nodes:,} nodes): {d * 1000:8.1f} ms   (d)/(a) = {d / a:.2f}")
    print(f"peak memory (process): {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
