"""Every hromada offline (issue 13): loading one hromada, placing the whole registry, the national view.

    python3 benchmarks/national_benchmark.py [--sample 100] [--full]

Prints wall time and peak memory (``ru_maxrss`` of this process and its children); no assertions:

* ``load_hromada`` of a sample of hromadas (national tables read once), mean and max per hromada;
* ``national_view`` on the sample with 1 and 2 processes, extrapolated to the 1,466 hromadas;
* with ``--full``: the whole national view (2 processes) and ``place_registry`` (the registry placed at once).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=100, help="hromadas in the sample (spread over the codes)")
    parser.add_argument("--full", action="store_true", help="also the whole country and the registry placement")
    args = parser.parse_args()

    from analysis.reporting.national import national_view
    from analysis.sources.national import hromadas_with_boundary, load_hromada, place_registry, read_settlement_points
    from analysis.sources.registry import load_registry

    codes = hromadas_with_boundary()["code"].tolist()
    step = max(1, len(codes) // args.sample)
    sample = codes[::step][: args.sample]

    started = time.perf_counter()
    points, registry = read_settlement_points(), load_registry()
    print(f"national tables read: {time.perf_counter() - started:.2f} s")
    times = []
    for code in sample:
        start = time.perf_counter()
        load_hromada(code, points=points, registry=registry)
        times.append(time.perf_counter() - start)
    print(f"load_hromada x {len(sample)}: mean {sum(times) / len(times):.3f} s, max {max(times):.3f} s")

    for workers in (1, 2):
        start = time.perf_counter()
        view = national_view(codes=sample, workers=workers)
        seconds = time.perf_counter() - start
        print(f"national_view, {len(sample)} hromadas, {workers} process(es): {seconds:.1f} s "
              f"(~{seconds / len(sample) * len(codes):.0f} s for {len(codes):,}); "
              f"{len(view.hromadas)} rows, {len(view.errors)} errors; peak {peak_mib():.0f} MiB")

    if args.full:
        start = time.perf_counter()
        view = national_view(workers=2)
        print(f"national_view, all {len(view.hromadas):,} hromadas, 2 processes: {time.perf_counter() - start:.1f} s; "
              f"peak {peak_mib():.0f} MiB")
        start = time.perf_counter()
        _, _, figures = place_registry()
        print(f"place_registry: {time.perf_counter() - start:.1f} s; {figures}")


if __name__ == "__main__":
    main()
