"""The road network: one compact, array-based representation shared by every source and every query.

A :class:`RoadNetwork` is built once (from an imported OSM extract, an osmnx download, or a saved copy) and then
answers many routing queries, in the spirit of pandana: the per-mode directed graph is a CSR matrix built on first
use and kept on the instance.

Data model
----------
``nodes``
    One row per OSM node that is part of a usable way, positional index ``0..N-1``. Columns ``osmid`` (int64),
    ``lon``, ``lat`` (WGS84), ``x``, ``y`` (metres in :attr:`RoadNetwork.metric_crs`), plus optional node tags
    (``kerb``, ``barrier``, ``wheelchair``, ``highway``).
``edges``
    One row per *segment* between two consecutive nodes of an OSM way, in the way's drawing order, positional
    index = ``edge_id``. Columns ``u``, ``v`` (positional node indices), ``way_id``, ``highway``, ``length_m``
    (geodesic, WGS84 ellipsoid), ``maxspeed_kmh`` (posted limit, NaN where untagged) and ``maxspeed_zone_kmh``
    (implicit limit of the zone: ``UA:urban``, ``maxspeed:type``, ``source:maxspeed``;
    :mod:`analysis.network.tags`), ``oneway`` (int8: 0 both ways, 1 forward only,
    -1 backward only), ``inside_settlement`` (bool: the segment lies in a settlement area,
    :func:`mark_settlement_areas`), plus optional way tags (``surface``, ``smoothness``, ``incline``,
    ``wheelchair``, the access tags, ``name``, ``bridge``...).

Nothing is simplified: every OSM node of a way stays a graph node and every segment is a straight line between two
of them, so points are snapped exactly onto the segment they lie beside (:mod:`analysis.routing.snap`) and no
geometry is lost.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from analysis.errors import DataError
from analysis.network.modes import get_profile
from analysis.network.profiles import Profile
from analysis.network.tags import MAXSPEED_ZONE_KEYS, parse_maxspeed_kmh, parse_oneway, parse_zone_maxspeed_kmh

#: Optional way tags carried from the source into ``RoadNetwork.edges`` (when present).
WAY_TAG_COLUMNS: tuple[str, ...] = (
    "name", "surface", "smoothness", "incline", "wheelchair", "access", "vehicle", "motor_vehicle", "motorcar",
    "foot", "bridge", "tunnel", "width", "sidewalk", "junction", "maxspeed", *MAXSPEED_ZONE_KEYS,
)


#: Optional node tags carried into ``RoadNetwork.nodes``.
NODE_TAG_COLUMNS: tuple[str, ...] = ("kerb", "barrier", "wheelchair", "highway")


_GEOD = pyproj.Geod(ellps="WGS84")


def estimate_metric_crs(lon: np.ndarray, lat: np.ndarray) -> pyproj.CRS:
    """The WGS84 / UTM zone CRS (metres) for WGS84 coordinates: geopandas' ``estimate_utm_crs`` on their extent."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        raise DataError("Cannot choose a metric CRS for an empty set of coordinates.")
    extent = shapely.box(lon[ok].min(), lat[ok].min(), lon[ok].max(), lat[ok].max())
    return gpd.GeoSeries([extent], crs="EPSG:4326").estimate_utm_crs(datum_name="WGS 84")


@dataclass
class ProfileGraph:
    """The directed graph of one travel mode, as CSR matrices ready for scipy.sparse.csgraph.

    ``forward`` has an entry (i, j) with the travel time in seconds of the fastest edge from node i to node j;
    ``reverse`` is its transpose (used for many-origins -> nearest-destination queries). ``*_length_m`` hold the
    length of exactly that edge, aligned with the CSR ``data`` arrays. ``*_edge_id`` name the segment in
    ``RoadNetwork.edges`` it came from. ``component`` labels weakly connected components, ``strong_component``
    strongly connected ones (the same when the mode ignores one-way tags); ``node_usable`` marks nodes incident to
    at least one edge this mode may use.

    Per segment (index of ``RoadNetwork.edges``): ``segment_forward_s`` / ``segment_backward_s`` are the seconds to
    drive/walk the whole segment u -> v / v -> u (``inf`` where the mode may not go that way, or the segment is
    closed); partial segments, from a snapped point to an end, cost their share of these.
    """

    profile: Profile
    forward: sparse.csr_matrix
    forward_length_m: np.ndarray
    forward_edge_id: np.ndarray
    reverse: sparse.csr_matrix
    reverse_length_m: np.ndarray
    reverse_edge_id: np.ndarray
    component: np.ndarray
    component_size: np.ndarray
    strong_component: np.ndarray
    strong_component_size: np.ndarray
    node_usable: np.ndarray
    segment_forward_s: np.ndarray
    segment_backward_s: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_nodes(self) -> int:
        return self.forward.shape[0]

    @property
    def segment_usable(self) -> np.ndarray:
        """Segments this mode may use in at least one direction."""
        return np.isfinite(self.segment_forward_s) | np.isfinite(self.segment_backward_s)


def _csr_from_arrays(
    rows: np.ndarray, cols: np.ndarray, time_s: np.ndarray, length_m: np.ndarray, edge_id: np.ndarray, n: int
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """CSR matrix with, for each (row, col), the minimum-time arc; lengths and edge ids aligned with ``data``."""
    order = np.lexsort((time_s, cols, rows))
    rows, cols, time_s, length_m, edge_id = rows[order], cols[order], time_s[order], length_m[order], edge_id[order]
    keep = np.ones(len(rows), dtype=bool)
    keep[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, time_s, length_m, edge_id = rows[keep], cols[keep], time_s[keep], length_m[keep], edge_id[keep]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    # csgraph ignores explicit zeros in some code paths: keep zero-length arcs as tiny positive weights
    data = np.maximum(time_s, 1e-9)
    matrix = sparse.csr_matrix((data, cols.astype(np.int32), indptr), shape=(n, n))
    return matrix, length_m, edge_id


@dataclass
class RoadNetwork:
    """A road network for routing. Build with :func:`build_network`; see the module docstring for the tables."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    metric_crs: pyproj.CRS
    source: str = ""
    _graphs: dict = field(default_factory=dict, repr=False, compare=False)

    # ---------------------------------------------------------------- basic facts
    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    def summary(self) -> dict:
        """Counts and totals for reports: nodes, segments, km of road by highway class."""
        km = self.edges.groupby("highway", observed=True)["length_m"].sum().div(1000).round(2)
        return {
            "source": self.source,
            "nodes": self.n_nodes,
            "segments": self.n_edges,
            "total_km": round(float(self.edges["length_m"].sum()) / 1000, 2),
            "km_by_highway": km.sort_values(ascending=False).to_dict(),
            "metric_crs": self.metric_crs.to_string(),
        }

    # ---------------------------------------------------------------- per-mode graph
    def graph(self, mode: str | Profile, closed_edge_ids: Iterable[int] | None = None) -> ProfileGraph:
        """The directed CSR graph for a travel mode (cached per mode; closures make an uncached variant).

        Parameters
        ----------
        mode
            Profile name (``drive``/``walk``) or a :class:`~analysis.profiles.Profile`.
        closed_edge_ids
            Segment ids (index of :attr:`edges`) that are closed (what-if analysis); not cached.
        """
        profile = get_profile(mode)
        closed = None if closed_edge_ids is None else np.asarray(list(closed_edge_ids), dtype=np.int64)
        if closed is None or len(closed) == 0:
            key = profile
            if key not in self._graphs:
                self._graphs[key] = self._build_graph(profile, None)
            return self._graphs[key]
        return self._build_graph(profile, closed)

    def _build_graph(self, profile: Profile, closed: np.ndarray | None) -> ProfileGraph:
        edges = self.edges
        n = self.n_nodes
        if ("speeds", profile) not in self._graphs:  # tag rules run once per mode; closures reuse them
            self._graphs[("speeds", profile)] = profile.edge_speeds_kmh(edges, self.nodes)
        speed = self._graphs[("speeds", profile)]
        if closed is not None:
            bad = (closed < 0) | (closed >= len(edges))
            if bad.any():
                raise ValueError(f"Unknown edge ids (valid 0..{len(edges) - 1}): {closed[bad][:10].tolist()}")
            speed = speed.copy()
            speed[closed] = 0.0
        usable = speed > 0
        oneway = edges["oneway"].to_numpy(dtype=np.int8)
        if profile.respect_oneway:
            fwd = usable & (oneway >= 0)
            bwd = usable & (oneway <= 0)
        else:
            fwd = usable
            bwd = usable
        u = edges["u"].to_numpy(dtype=np.int64)
        v = edges["v"].to_numpy(dtype=np.int64)
        length = edges["length_m"].to_numpy(dtype=float)
        time_s = np.divide(length * 3.6, speed, out=np.full(len(length), np.inf), where=usable)
        eid = np.arange(len(edges), dtype=np.int64)
        rows = np.concatenate([u[fwd], v[bwd]])
        cols = np.concatenate([v[fwd], u[bwd]])
        t = np.concatenate([time_s[fwd], time_s[bwd]])
        lengths = np.concatenate([length[fwd], length[bwd]])
        ids = np.concatenate([eid[fwd], eid[bwd]])
        forward, f_len, f_id = _csr_from_arrays(rows, cols, t, lengths, ids, n)
        reverse, r_len, r_id = _csr_from_arrays(cols, rows, t, lengths, ids, n)
        n_comp, labels = csgraph.connected_components(forward, directed=True, connection="weak")
        sizes = np.bincount(labels, minlength=n_comp)
        if profile.respect_oneway:
            n_strong, strong = csgraph.connected_components(forward, directed=True, connection="strong")
            strong_sizes = np.bincount(strong, minlength=n_strong)
        else:
            strong, strong_sizes = labels, sizes
        node_usable = np.zeros(n, dtype=bool)
        node_usable[rows] = True
        node_usable[cols] = True
        return ProfileGraph(
            profile=profile,
            forward=forward,
            forward_length_m=f_len,
            forward_edge_id=f_id,
            reverse=reverse,
            reverse_length_m=r_len,
            reverse_edge_id=r_id,
            component=labels,
            component_size=sizes,
            strong_component=strong,
            strong_component_size=strong_sizes,
            node_usable=node_usable,
            segment_forward_s=np.where(fwd, time_s, np.inf),
            segment_backward_s=np.where(bwd, time_s, np.inf),
        )

    # ---------------------------------------------------------------- conversions
    def to_networkx(self, mode: str | Profile):
        """A networkx DiGraph of the mode's graph (node = positional index; ``time_s``, ``length_m``).

        Meant for cross-checks and for users who want networkx algorithms; routing here uses CSR.
        """
        import networkx as nx

        g = self.graph(mode)
        coo = g.forward.tocoo()
        graph = nx.DiGraph()
        graph.add_nodes_from(range(self.n_nodes))
        # csr -> coo keeps data order, so the aligned arrays stay aligned
        graph.add_edges_from(
            (int(i), int(j), {"time_s": float(t), "length_m": float(l)})
            for i, j, t, l in zip(coo.row, coo.col, coo.data, g.forward_length_m)
        )
        return graph

    def nodes_gdf(self) -> gpd.GeoDataFrame:
        """Nodes as a WGS84 point GeoDataFrame."""
        geometry = gpd.points_from_xy(self.nodes["lon"], self.nodes["lat"], crs="EPSG:4326")
        return gpd.GeoDataFrame(self.nodes.drop(columns=["x", "y"]), geometry=geometry)

    def edges_gdf(self) -> gpd.GeoDataFrame:
        """Segments as a WGS84 LineString GeoDataFrame (opens in QGIS via GeoPackage)."""
        u = self.edges["u"].to_numpy()
        v = self.edges["v"].to_numpy()
        lon = self.nodes["lon"].to_numpy()
        lat = self.nodes["lat"].to_numpy()
        coords = np.stack([np.column_stack([lon[u], lat[u]]), np.column_stack([lon[v], lat[v]])], axis=1)
        lines = shapely.linestrings(coords)
        table = self.edges.copy()
        table.insert(0, "edge_id", np.arange(len(table)))
        table["u_osmid"] = self.nodes["osmid"].to_numpy()[u]
        table["v_osmid"] = self.nodes["osmid"].to_numpy()[v]
        return gpd.GeoDataFrame(table, geometry=lines, crs="EPSG:4326")

    # ---------------------------------------------------------------- persistence
    def save(self, directory: str | os.PathLike) -> Path:
        """Save to a directory (``nodes.parquet``, ``edges.parquet``, ``network.json``), atomically."""
        from analysis.outputs import atomic_directory

        directory = Path(directory)
        with atomic_directory(directory) as tmp:
            self.nodes.to_parquet(tmp / "nodes.parquet", index=False)
            self.edges.to_parquet(tmp / "edges.parquet", index=False)
            meta = {"format": 1, "source": self.source, "metric_crs": self.metric_crs.to_wkt()}
            (tmp / "network.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | os.PathLike) -> "RoadNetwork":
        """Load a network saved with :meth:`save` (or the ``network/`` inside a saved OSM extract folder)."""
        directory = Path(directory)
        if not (directory / "network.json").exists() and (directory / "network" / "network.json").exists():
            directory = directory / "network"
        meta_path = directory / "network.json"
        if not meta_path.exists():
            raise DataError(f"{directory} is not a saved road network (network.json missing).")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            nodes = pd.read_parquet(directory / "nodes.parquet")
            edges = pd.read_parquet(directory / "edges.parquet")
            missing = sorted(({"lon", "lat", "x", "y"} - set(nodes.columns))
                             | ({"u", "v", "length_m", "oneway", "highway"} - set(edges.columns)))
            if missing:
                raise KeyError(", ".join(missing))
            u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
            if len(edges) and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= len(nodes)):
                raise ValueError("segments name nodes that are not in nodes.parquet")
            crs = pyproj.CRS.from_wkt(meta["metric_crs"])
            source = meta["source"]
        except (OSError, ValueError, KeyError, TypeError, pyproj.exceptions.CRSError) as exc:
            what = f"missing {exc.args[0]}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
            raise DataError(f"The saved road network in {directory} is damaged or incomplete ({what}); import or "
                            f"download it again.") from None
        return cls(nodes=nodes, edges=edges, metric_crs=crs, source=source)


def build_network(
    nodes: pd.DataFrame,
    segments: pd.DataFrame,
    *,
    metric_crs: pyproj.CRS | str | None = None,
    source: str = "",
) -> RoadNetwork:
    """Build a :class:`RoadNetwork` from OSM nodes and way segments.

    Parameters
    ----------
    nodes
        Index: OSM node id (int64). Columns ``lon``, ``lat`` (WGS84) and optional node tags
        (:data:`NODE_TAG_COLUMNS`). Nodes not used by any segment are dropped.
    segments
        One row per pair of consecutive nodes of an OSM way. Columns ``u``, ``v`` (OSM node ids), ``way_id``,
        ``highway``, and optional raw tags ``oneway``, ``maxspeed``, ``junction`` and :data:`WAY_TAG_COLUMNS`.
        Segments whose nodes are missing from ``nodes`` (e.g. cut off by clipping) are dropped.
    metric_crs
        CRS used for metric computations; default: the UTM zone of the data.
    source
        Free text describing where the data came from (shown in reports).

    Raises
    ------
    DataError
        If no segment remains (no roads in the area).
    """
    for column in ("lon", "lat"):
        if column not in nodes.columns:
            raise DataError(f"Network nodes need a {column!r} column; got {list(nodes.columns)}.")
    for column in ("u", "v", "way_id", "highway"):
        if column not in segments.columns:
            raise DataError(f"Network segments need a {column!r} column; got {list(segments.columns)}.")
    # (np.unique / np.isin on millions of int64 ids are slow; pandas hash indexes and one sort are not)
    if nodes.index.has_duplicates:
        nodes = nodes[~nodes.index.duplicated()]
    segments = segments[segments["u"].to_numpy() != segments["v"].to_numpy()]
    node_index = pd.Index(nodes.index.to_numpy(dtype=np.int64))
    seg_u = segments["u"].to_numpy(dtype=np.int64)
    seg_v = segments["v"].to_numpy(dtype=np.int64)
    known = (node_index.get_indexer(seg_u) >= 0) & (node_index.get_indexer(seg_v) >= 0)
    segments = segments[known].reset_index(drop=True)
    seg_u, seg_v = seg_u[known], seg_v[known]
    if segments.empty:
        raise DataError("The area contains no roads: no way segment with known node locations was found.")
    used = np.sort(pd.unique(np.concatenate([seg_u, seg_v])))
    nodes = nodes.iloc[node_index.get_indexer(used)]
    lon = nodes["lon"].to_numpy(dtype=float)
    lat = nodes["lat"].to_numpy(dtype=float)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        raise DataError("Some road nodes have no valid coordinates.")
    crs = pyproj.CRS(metric_crs) if metric_crs is not None else estimate_metric_crs(lon, lat)
    to_metric = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = to_metric.transform(lon, lat)

    node_table = pd.DataFrame({"osmid": used, "lon": lon, "lat": lat, "x": x, "y": y})
    for column in NODE_TAG_COLUMNS:
        if column in nodes.columns:
            node_table[column] = nodes[column].astype("string").array

    u = np.searchsorted(used, seg_u)
    v = np.searchsorted(used, seg_v)
    _, _, length_m = _GEOD.inv(lon[u], lat[u], lon[v], lat[v])
    junction = segments["junction"] if "junction" in segments else None
    maxspeed = segments["maxspeed"] if "maxspeed" in segments else pd.Series([None] * len(segments))
    oneway = segments["oneway"] if "oneway" in segments else pd.Series([None] * len(segments))
    edge_table = pd.DataFrame(
        {
            "u": u.astype(np.int64),
            "v": v.astype(np.int64),
            "way_id": segments["way_id"].to_numpy(dtype=np.int64),
            "highway": segments["highway"].astype("string").array,
            "length_m": np.asarray(length_m, dtype=float),
            "maxspeed_kmh": parse_maxspeed_kmh(maxspeed),
            "maxspeed_zone_kmh": parse_zone_maxspeed_kmh(
                maxspeed, {key: segments[key] for key in MAXSPEED_ZONE_KEYS if key in segments}),
            "oneway": parse_oneway(oneway, segments["highway"], junction),
            "inside_settlement": np.zeros(len(segments), dtype=bool),
        }
    )
    for column in WAY_TAG_COLUMNS:
        if column in segments.columns and column not in edge_table.columns:
            edge_table[column] = segments[column].astype("string").array
    return RoadNetwork(nodes=node_table, edges=edge_table, metric_crs=crs, source=source)


def mark_settlement_areas(network: RoadNetwork, areas: gpd.GeoSeries | gpd.GeoDataFrame | None) -> int:
    """Set ``edges["inside_settlement"]`` for the segments whose midpoint lies in one of ``areas`` (in place).

    ``areas`` are settlement areas — OSM ``place=city|town|village|hamlet`` areas and ``landuse=residential``
    polygons, as the importers collect them — in any CRS. Untagged roads inside them are driven at the legal
    limit in settlements (:data:`analysis.network.profiles.BUILT_UP_LIMIT_KMH`). Returns the number of segments
    marked. Cached per-mode graphs are dropped, since speeds change.
    """
    inside = np.zeros(network.n_edges, dtype=bool)
    if areas is not None and len(areas):
        series = areas.geometry if isinstance(areas, gpd.GeoDataFrame) else areas
        if series.crs is None:
            raise DataError("Settlement areas have no coordinate reference system.")
        polygons = series.to_crs(network.metric_crs)
        polygons = polygons[polygons.geom_type.isin(["Polygon", "MultiPolygon"]) & ~polygons.is_empty]
        if len(polygons):
            x = network.nodes["x"].to_numpy(dtype=float)
            y = network.nodes["y"].to_numpy(dtype=float)
            u = network.edges["u"].to_numpy(dtype=np.int64)
            v = network.edges["v"].to_numpy(dtype=np.int64)
            mid = shapely.points((x[u] + x[v]) / 2.0, (y[u] + y[v]) / 2.0)
            tree = shapely.STRtree(polygons.to_numpy())
            hits = tree.query(mid, predicate="within")
            inside[np.unique(hits[0])] = True
    network.edges["inside_settlement"] = inside
    network._graphs.clear()
    return int(inside.sum())
