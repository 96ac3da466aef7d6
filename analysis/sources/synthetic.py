"""Reproducible synthetic road networks and points, for tests and benchmarks (never for real analysis).

:func:`road_grid` makes a road-like graph: a jittered grid of intersections ~``spacing_m`` apart, a share of links
removed (irregular blocks), a hierarchy of roads (every ``arterial_every``-th row/column is a secondary road with a
higher speed, the rest residential or unclassified), a share of one-way streets and some ``maxspeed`` tags, placed
in Ukraine (default around 49° N 25° E) so the metric CRS is a real UTM zone.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.network.graph import RoadNetwork, build_network


def road_grid(
    rows: int = 30,
    cols: int = 30,
    *,
    spacing_m: float = 250.0,
    drop_share: float = 0.15,
    oneway_share: float = 0.05,
    arterial_every: int = 10,
    seed: int = 0,
    origin_lonlat: tuple[float, float] = (25.0, 49.0),
) -> RoadNetwork:
    """A reproducible road-like network of ``rows x cols`` intersections (see module docstring)."""
    rng = np.random.default_rng(seed)
    lon0, lat0 = origin_lonlat
    metres_per_deg_lat = 111_320.0
    metres_per_deg_lon = 111_320.0 * np.cos(np.radians(lat0))
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    jitter = rng.uniform(-0.25, 0.25, size=(2, rows, cols)) * spacing_m
    x = c * spacing_m + jitter[0]
    y = r * spacing_m + jitter[1]
    node_id = (r * cols + c).ravel().astype(np.int64) + 1
    nodes = pd.DataFrame(
        {"lon": lon0 + x.ravel() / metres_per_deg_lon, "lat": lat0 + y.ravel() / metres_per_deg_lat},
        index=pd.Index(node_id, name="osmid"),
    )
    ids = node_id.reshape(rows, cols)
    horizontal_u, horizontal_v = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    horizontal_row = np.repeat(np.arange(rows), cols - 1)
    vertical_u, vertical_v = ids[:-1, :].ravel(), ids[1:, :].ravel()
    vertical_col = np.tile(np.arange(cols), rows - 1)
    u = np.concatenate([horizontal_u, vertical_u])
    v = np.concatenate([horizontal_v, vertical_v])
    arterial = np.concatenate([horizontal_row % arterial_every == 0, vertical_col % arterial_every == 0])
    keep = arterial | (rng.random(len(u)) >= drop_share)
    u, v, arterial = u[keep], v[keep], arterial[keep]
    n = len(u)
    highway = np.where(arterial, "secondary", np.where(rng.random(n) < 0.7, "residential", "unclassified"))
    oneway = np.where(~arterial & (rng.random(n) < oneway_share), np.where(rng.random(n) < 0.5, "yes", "-1"), None)
    maxspeed = np.where(arterial & (rng.random(n) < 0.5), "90", np.where(rng.random(n) < 0.05, "UA:urban", None))
    segments = pd.DataFrame(
        {
            "u": u,
            "v": v,
            "way_id": np.arange(n, dtype=np.int64) + 1_000_000,
            "highway": highway,
            "oneway": oneway,
            "maxspeed": maxspeed,
        }
    )
    return build_network(nodes, segments, source=f"synthetic road grid {rows}x{cols} (seed {seed})")


def random_points(
    network: RoadNetwork, n: int, *, seed: int = 0, prefix: str = "p", offset_m: float = 100.0
) -> gpd.GeoDataFrame:
    """``n`` points scattered within the network's extent, up to ``offset_m`` off a random node."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, network.n_nodes, size=n)
    lon = network.nodes["lon"].to_numpy()[pick]
    lat = network.nodes["lat"].to_numpy()[pick]
    angle = rng.uniform(0, 2 * np.pi, size=n)
    radius = rng.uniform(0, offset_m, size=n)
    lon = lon + radius * np.cos(angle) / (111_320.0 * np.cos(np.radians(lat)))
    lat = lat + radius * np.sin(angle) / 111_320.0
    return gpd.GeoDataFrame(
        {"id": [f"{prefix}{i}" for i in range(n)]}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    )
