"""The whole analysis of one hromada after import, on a ~50k-node road network (figures printed, nothing asserted).

    python3 benchmarks/hromada_benchmark.py [--pack UA46040010000033885]

No Ukrainian road network is available offline, so a synthetic road grid of ~50,000 nodes (220 x 220 intersections,
~180 m apart) is laid over the demo hromada. Timed: the first ``analyse_hromada`` (per-mode graph build,
routing every settlement to every service group, the hromada-centre norm, all norms, coverage summary, gap lists,
data quality), barrier-free coverage, and 15/30/45/60-min service areas.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.barrier_free.coverage import barrier_free_coverage  # noqa: E402
from analysis.barrier_free.status import assess_points  # noqa: E402
from analysis.metrics.service_areas import service_areas  # noqa: E402
from analysis.reporting.pipeline import analyse_hromada  # noqa: E402
from analysis.sources.packs import load_demo_pack  # noqa: E402
from analysis.sources.synthetic import road_grid  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pack", default="UA46040010000033885")
    args = parser.parse_args()
    bundle = load_demo_pack(args.pack)
    west, south, east, north = bundle.boundary.total_bounds
    network = road_grid(220, 220, spacing_m=180, seed=3, origin_lonlat=(west, south))
    print(f"{bundle.name_uk}: {len(bundle.settlements)} settlements, {len(bundle.service_points)} service points; "
          f"synthetic network {network.n_nodes:,} nodes, {network.n_edges:,} segments")
    timings = {}
    start = time.perf_counter()
    report = analyse_hromada(bundle, network)
    timings["analyse_hromada (first call, builds the graph)"] = time.perf_counter() - start
    start = time.perf_counter()
    analyse_hromada(bundle, network)
    timings["analyse_hromada (graph cached)"] = time.perf_counter() - start
    start = time.perf_counter()
    barrier_free_coverage(bundle.settlements, assess_points(bundle.service_points), network)
    timings["barrier-free coverage"] = time.perf_counter() - start
    start = time.perf_counter()
    service_areas(network, bundle.service_points, "drive")
    timings["service areas 15/30/45/60 min"] = time.perf_counter() - start
    for label, seconds in timings.items():
        print(f"{label:<50} {seconds:6.2f} s")
    summary = report.summary_for("cnap_access")
    print(f"ЦНАП norm: {summary['population_covered']:,.0f} covered, {summary['population_uncovered']:,.0f} not "
          f"(method {report.method})")


if __name__ == "__main__":
    main()
