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
    (geodesic, WGS84 ellipsoid), ``maxspeed_kmh`` (parsed, NaN where untagged), ``oneway`` (int8: 0 both ways,
    1 forward only, -1 backward only), plus optional way tags (``surface``, ``smoothness``, ``incline``,
    ``wheelchair``, ``access``, ``name``, ``bridge``...).

Nothing is simplified: every OSM node of a way stays a graph node, so snapping to the nearest node is accurate to
the mapping density and no geometry is lost.
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
from analysis.profiles import Profile, get_profile

#: Optional way tags carried from the source into ``RoadNetwork.edges`` (when present).
WAY_TAG_COLUMNS: tuple[str, ...] = (
    "name", "surface", "smoothness", "incline", "wheelchair", "access", "foot", "motor_vehicle",
    "bridge", "tunnel", "width", "sidewalk", "junction", "maxspeed",
)
#: Optional node tags carried into ``RoadNetwork.nodes``.
NODE_TAG_COLUMNS: tuple[str, ...] = ("kerb", "barrier", "wheelchair", "highway")

_ONEWAY_FORWARD = {"yes", "true", "1"}
_ONEWAY_BACKWARD = {"-1", "reverse"}
_ONEWAY_BOTH = {"no", "false", "0", "alternating", "reversible"}
_IMPLIED_ONEWAY_HIGHWAYS = {"motorway"}
_IMPLIED_ONEWAY_JUNCTIONS = {"roundabout", "circular"}
_GEOD = pyproj.Geod(ellps="WGS84")


def parse_oneway(oneway: pd.Series, highway: pd.Series, junction: pd.Series | None = None) -> np.ndarray:
    """Direction code per way segment: 1 forward only, -1 backward only, 0 both ways.

    Follows the OSM wiki: explicit ``oneway`` wins; otherwise ``junction=roundabout`` and ``highway=motorway``
    imply one-way forward.
    """
    raw = oneway.astype("string").str.strip().str.lower().fillna("")
    code = np.zeros(len(raw), dtype=np.int8)
    code[raw.isin(list(_ONEWAY_FORWARD)).to_numpy(dtype=bool)] = 1
    code[raw.isin(list(_ONEWAY_BACKWARD)).to_numpy(dtype=bool)] = -1
    untagged = (~raw.isin(list(_ONEWAY_FORWARD | _ONEWAY_BACKWARD | _ONEWAY_BOTH))).to_numpy(dtype=bool)
    implied = np.array(highway.astype("string").isin(list(_IMPLIED_ONEWAY_HIGHWAYS)), dtype=bool)
    if junction is not None:
        implied = implied | np.array(junction.astype("string").isin(list(_IMPLIED_ONEWAY_JUNCTIONS)), dtype=bool)
    code[untagged & implied] = 1
    return code


def parse_maxspeed_kmh(maxspeed: pd.Series) -> np.ndarray:
    """Parse OSM ``maxspeed`` values to km/h (NaN where absent or unparseable).

    Uses osmnx's parser (numbers, ``mph``, lane lists ``90|70``, implicit country values such as ``UA:urban``),
    applied once per distinct value.
    """
    from osmnx import routing as ox_routing  # osmnx's parser handles implicit zone values

    values = maxspeed.astype("string")
    parsed = {}
    for value in values.dropna().unique():
        result = ox_routing._clean_maxspeed(str(value))
        parsed[value] = np.nan if result is None else float(result)
    return values.map(parsed).astype(float).to_numpy()


def estimate_metric_crs(lon: np.ndarray, lat: np.ndarray) -> pyproj.CRS:
    """The WGS84 / UTM zone CRS (metres) containing the mean of the given WGS84 coordinates."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.size == 0 or not np.isfinite(lon).any():
        raise DataError("Cannot choose a metric CRS for an empty set of coordinates.")
    zone = min(int((float(np.nanmean(lon)) + 180.0) // 6.0) + 1, 60)
    epsg = (32600 if float(np.nanmean(lat)) >= 0 else 32700) + zone
    return pyproj.CRS.from_epsg(epsg)


@dataclass
class ProfileGraph:
    """The directed graph of one travel mode, as CSR matrices ready for scipy.sparse.csgraph.

    ``forward`` has an entry (i, j) with the travel time in seconds of the fastest edge from node i to node j;
    ``reverse`` is its transpose (used for many-origins -> nearest-destination queries). ``*_length_m`` hold the
    length of exactly that edge, aligned with the CSR ``data`` arrays. ``*_edge_id`` name the segment in
    ``RoadNetwork.edges`` it came from. ``component`` labels weakly connected components; ``node_usable`` marks
    nodes incident to at least one edge this mode may use.
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
    node_usable: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_nodes(self) -> int:
        return self.forward.shape[0]

    def reverse_keys(self) -> np.ndarray:
        """``row * n + col`` of every arc of :attr:`reverse`, in CSR order (sorted); built once."""
        if "reverse_keys" not in self._cache:
            n = self.n_nodes
            rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.reverse.indptr))
            self._cache["reverse_keys"] = rows * n + self.reverse.indices.astype(np.int64)
        return self._cache["reverse_keys"]

    def snap_index(self, x: np.ndarray, y: np.ndarray, min_component_nodes: int) -> tuple[np.ndarray, "object"]:
        """Candidate nodes for snapping (usable, in components of >= ``min_component_nodes`` nodes; the largest
        component if none is that large) and a KD-tree over them; built once per threshold."""
        key = ("snap", int(min_component_nodes))
        if key not in self._cache:
            from scipy.spatial import cKDTree

            candidates = self.node_usable & (self.component_size[self.component] >= min_component_nodes)
            if not candidates.any():
                candidates = self.node_usable & (self.component == np.argmax(self.component_size))
            index = np.flatnonzero(candidates)
            tree = cKDTree(np.column_stack([x[index], y[index]])) if len(index) else None
            self._cache[key] = (index, tree)
        return self._cache[key]

    def snap(
        self,
        node_x: np.ndarray,
        node_y: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        min_component_nodes: int = 10,
        island_snap_m: float | None = 500.0,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest usable node (index, metres) for metric points ``x``, ``y``; the one snapping rule of the product.

        Points attach to components of at least ``min_component_nodes`` nodes, so a stray fragment (a parking
        lot, a road cut by the extract's edge) does not capture them. But when a smaller component is nearer by
        more than ``island_snap_m`` metres (a village on an island, a road network with no link to the rest), the
        point attaches there: it is then correctly reported as unreachable instead of walking kilometres.
        """
        from analysis.errors import DataError as _DataError

        index, tree = self.snap_index(node_x, node_y, min_component_nodes)
        if tree is None:
            raise _DataError(f"The road network has no roads usable in mode {self.profile.name!r}.")
        points = np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
        distance, position = tree.query(points)
        node = index[position].astype(np.int64)
        distance = np.asarray(distance, dtype=float)
        if min_component_nodes > 1 and island_snap_m is not None and len(points):
            all_index, all_tree = self.snap_index(node_x, node_y, 1)
            all_distance, all_position = all_tree.query(points)
            island = (distance - all_distance) > island_snap_m
            node = np.where(island, all_index[all_position], node)
            distance = np.where(island, all_distance, distance)
        return node, distance


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
        speed = profile.edge_speeds_kmh(edges, self.nodes)
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
            node_usable=node_usable,
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
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        nodes = pd.read_parquet(directory / "nodes.parquet")
        edges = pd.read_parquet(directory / "edges.parquet")
        return cls(nodes=nodes, edges=edges, metric_crs=pyproj.CRS.from_wkt(meta["metric_crs"]), source=meta["source"])


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
    oneway = segments["oneway"] if "oneway" in segments else pd.Series([None] * len(segments))
    edge_table = pd.DataFrame(
        {
            "u": u.astype(np.int64),
            "v": v.astype(np.int64),
            "way_id": segments["way_id"].to_numpy(dtype=np.int64),
            "highway": segments["highway"].astype("string").array,
            "length_m": np.asarray(length_m, dtype=float),
            "maxspeed_kmh": parse_maxspeed_kmh(segments["maxspeed"])
            if "maxspeed" in segments
            else np.full(len(segments), np.nan),
            "oneway": parse_oneway(oneway, segments["highway"], junction),
        }
    )
    for column in WAY_TAG_COLUMNS:
        if column in segments.columns and column not in edge_table.columns:
            edge_table[column] = segments[column].astype("string").array
    return RoadNetwork(nodes=node_table, edges=edge_table, metric_crs=crs, source=source)
