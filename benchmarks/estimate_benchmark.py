"""The estimate without a road network at oblast/country scale (issue 12): nearest service and OD within a cutoff.

    python3 benchmarks/estimate_benchmark.py [--before] [--before-rev 03e15e5]

Random origins and service points over Ukraine (lon 22-40, lat 44-52.5). Each case runs in its own process so
its peak memory (``resource.getrusage(...).ru_maxrss``) is its own; prints wall time, the process's resident
memory before the call and its peak (no assertions):

* ``nearest``: :meth:`analysis.routing.estimate.EstimateRouter.nearest` (k-d tree of unit vectors, exact WGS84
  geodesics for the candidates only), 28,000 x 2,600 and 200,000 x 3,000 origins x services;
* ``od 30 min``: :meth:`~analysis.routing.estimate.EstimateRouter.od_matrix` with ``cutoff_min = 30``;
* with ``--before``: the same on the small case with the module as it was at ``--before-rev`` (geodesics of all
  origin x destination pairs; its ``od_matrix`` builds the dense matrix). Takes a few minutes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = {"small": (28_000, 2_600), "large": (200_000, 3_000)}


def rss_mib() -> float:
    """Resident memory of this process now, MiB (Linux ``/proc/self/statm``)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_mib() -> float:
    """Peak resident memory of this process, MiB (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def points(n: int, seed: int, prefix: str):
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(22.0, 40.0, n), rng.uniform(44.0, 52.5, n)
    return gpd.GeoDataFrame({"id": [f"{prefix}{i}" for i in range(n)]}, geometry=gpd.points_from_xy(lon, lat),
                            crs="EPSG:4326")


def old_module(rev: str):
    """analysis/routing/estimate.py as it was at ``rev`` (imported beside the current package)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:analysis/routing/estimate.py"], check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "estimate_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("estimate_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_case(case: str, what: str, version: str, rev: str) -> dict:
    """One measurement in this process: returns seconds, MiB before, peak MiB and a check figure."""
    n_o, n_d = CASES[case]
    origins, services = points(n_o, 1, "o"), points(n_d, 2, "s")
    if version == "before":
        router = old_module(rev).EstimateRouter("drive")
    else:
        from analysis.routing.estimate import EstimateRouter

        router = EstimateRouter("drive")
    before = rss_mib()
    start = time.perf_counter()
    if what == "nearest":
        result = router.nearest(origins, services)
        check = float(result["total_distance_km"].sum())
    else:
        result = router.od_matrix(origins, services, cutoff_min=30.0)
        check = float(len(result))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_before_mib": before, "peak_mib": peak_mib(), "check": check}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", action="store_true", help="also time the module at --before-rev (small case)")
    parser.add_argument("--before-rev", default="03e15e5", help="git revision of the brute-force estimate")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--what", help=argparse.SUPPRESS)
    parser.add_argument("--version", default="after", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:  # the child process
        print(json.dumps(run_case(args.case, args.what, args.version, args.before_rev)))
        return

    runs = [(case, what, "after") for case in CASES for what in ("nearest", "od")]
    if args.before:
        runs += [("small", what, "before") for what in ("nearest", "od")]
    checks = {}
    print(f"{'case':<22} {'what':<10} {'version':<8} {'wall s':>8} {'RSS before MiB':>15} {'peak MiB':>9}")
    for case, what, version in runs:
        out = subprocess.run([sys.executable, __file__, "--case", case, "--what", what, "--version", version,
                              "--before-rev", args.before_rev], capture_output=True, text=True)
        n_o, n_d = CASES[case]
        label = f"{n_o:,} x {n_d:,}"
        name = "nearest" if what == "nearest" else "od 30 min"
        if out.returncode != 0:
            print(f"{label:<22} {name:<10} {version:<8} failed (exit {out.returncode}): "
                  f"{out.stderr.strip().splitlines()[-1:] or ''}")
            continue
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        checks.setdefault((case, what), []).append(figures["check"])
        print(f"{label:<22} {name:<10} {version:<8} {figures['seconds']:>8.2f} {figures['rss_before_mib']:>15.0f} "
              f"{figures['peak_mib']:>9.0f}")
    for (case, what), values in checks.items():
        if len(values) > 1:
            print(f"{case} {what}: before and after agree: {values[0] == values[1]} ({values})")


if __name__ == "__main__":
    main()
