"""Import of a ~100 MB .osm.pbf extract: wall time and peak memory (figures printed, nothing asserted).

    python3 benchmarks/import_benchmark.py [--pbf FILE] [--scale 1.0] [--keep]

Without ``--pbf`` a reproducible synthetic extract is generated first (no real extract of that size is available
offline): ~13 M nodes, 300 k road ways (random walks, 10 highway classes, some one-way/maxspeed/surface tags and
one missing node every 500 ways), 1.4 M buildings, 100 k landuse ways, a few thousand tagged POI/place nodes —
about 104 MB at scale 1.0, i.e. the size of a Ukrainian oblast extract. The import runs in a child process so its
peak resident memory is measured on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def make_extract(path: Path, scale: float = 1.0, seed: int = 1) -> None:
    """Write the synthetic extract described in the module docstring."""
    import osmium
    from osmium.osm.mutable import Node, Way

    rng = np.random.default_rng(seed)
    n_road_ways, road_len = int(300_000 * scale), 12
    n_build, n_land, land_len = int(1_400_000 * scale), int(100_000 * scale), 20
    n_nodes = n_road_ways * (road_len - 1) + 1 + n_build * 4 + n_land * land_len
    ids = np.cumsum(rng.integers(1, 1600, size=n_nodes, dtype=np.int64))
    lon0, lat0 = 23.0, 49.0
    coords = np.empty((n_nodes, 2))
    pos, lon, lat = 0, lon0, lat0
    for i in range(n_road_ways):
        if i % 1000 == 0:
            lon, lat = lon0 + rng.random() * 2, lat0 + rng.random() * 2
        pts = np.cumsum(rng.normal(0, 0.0007, size=(road_len - 1 if i else road_len, 2)), axis=0) + (lon, lat)
        coords[pos : pos + len(pts)] = pts
        pos += len(pts)
        lon, lat = pts[-1]
    build_start = pos
    for i in range(n_build):
        if i % 1000 == 0:
            centre = (lon0 + rng.random() * 2, lat0 + rng.random() * 2)
        cx, cy = centre[0] + rng.normal(0, 0.01), centre[1] + rng.normal(0, 0.01)
        coords[pos : pos + 4] = [(cx, cy), (cx + 1e-4, cy), (cx + 1e-4, cy + 1e-4), (cx, cy + 1e-4)]
        pos += 4
    land_start = pos
    for i in range(n_land):
        centre = (lon0 + rng.random() * 2, lat0 + rng.random() * 2)
        coords[pos : pos + land_len] = np.cumsum(rng.normal(0, 0.001, size=(land_len, 2)), axis=0) + centre
        pos += land_len
    coords = np.round(coords, 7)
    tag_draw = rng.random(n_nodes)
    writer = osmium.SimpleWriter(str(path), overwrite=True)
    try:
        for j in range(n_nodes):
            r = tag_draw[j]
            tags = None
            if r < 0.004:
                tags = {"amenity": "bench"}
            elif r < 0.006:
                tags = {"highway": "crossing", "kerb": "lowered"}
            elif r < 0.0062:
                tags = {"amenity": "post_office", "name": "Укрпошта"}
            elif r < 0.0063:
                tags = {"place": "village", "name": f"Село {j}", "population": "500"}
            writer.add_node(Node(id=int(ids[j]), location=(float(coords[j, 0]), float(coords[j, 1])), tags=tags))
        classes = ["residential", "residential", "residential", "service", "track", "unclassified", "tertiary",
                   "footway", "secondary", "path"]
        way_id = 1
        for i in range(n_road_ways):
            start = 0 if i == 0 else i * (road_len - 1)
            refs = [int(x) for x in (ids[0:road_len] if i == 0 else ids[start : start + road_len])]
            if i % 500 == 0:
                refs.insert(3, int(ids[-1] + 1000 + i))  # a node the extract does not contain
            tags = {"highway": classes[i % 10], "name": f"вулиця {i % 5000}"}
            if i % 7 == 0:
                tags["surface"] = "asphalt"
            if i % 13 == 0:
                tags["oneway"] = "yes"
            if i % 11 == 0:
                tags["maxspeed"] = "50"
            writer.add_way(Way(id=way_id, nodes=refs, tags=tags))
            way_id += 1
        for i in range(n_build):
            b = build_start + 4 * i
            tags = {"building": "yes"}
            if i % 5000 == 0:
                tags.update({"government": "pension_fund", "name": "ПФУ"})
            writer.add_way(Way(id=way_id, nodes=[int(x) for x in ids[b : b + 4]] + [int(ids[b])], tags=tags))
            way_id += 1
        for i in range(n_land):
            b = land_start + land_len * i
            writer.add_way(Way(id=way_id, nodes=[int(x) for x in ids[b : b + land_len]], tags={"landuse": "farmland"}))
            way_id += 1
    finally:
        writer.close()


CHILD = """
import json, sys, time
sys.path.insert(0, {repo!r})
from analysis.osm_import import read_osm
start = time.perf_counter()
extract = read_osm({pbf!r})
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "nodes": extract.network.n_nodes, "segments": extract.network.n_edges,
                  "stats": extract.stats}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pbf", type=Path, default=None, help="an existing extract to import")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true", help="keep the generated extract")
    args = parser.parse_args()
    tmpdir = None
    pbf = args.pbf
    if pbf is None:
        tmpdir = tempfile.mkdtemp(prefix="hromada-bench-")
        pbf = Path(tmpdir) / "synthetic.osm.pbf"
        start = time.perf_counter()
        make_extract(pbf, args.scale)
        print(f"generated {pbf} in {time.perf_counter() - start:.0f} s")
    size_mb = pbf.stat().st_size / 1e6
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", CHILD.format(repo=str(REPO), pbf=str(pbf))],
                         capture_output=True, text=True, check=True)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"extract: {size_mb:.1f} MB")
    print(f"import (read + clip + network build): {figures['seconds']:.1f} s, peak memory {peak_mib:,.0f} MiB"
          + ("" if before == 0 else " (child peak may include earlier children)"))
    print(f"network: {figures['nodes']:,} nodes, {figures['segments']:,} segments; "
          f"ways with missing nodes: {figures['stats'].get('ways_with_missing_nodes')}")
    if tmpdir and not args.keep:
        os.remove(pbf)
        os.rmdir(tmpdir)


if __name__ == "__main__":
    main()
