"""Shortest-path trees over a mode's CSR graph: the multi-source Dijkstra every query runs, and walks up its tree.

:func:`multi_source_tree` is exact for many destinations at once: a virtual source joins each *seed* (a node
from which a destination is entered, with the seconds still to go from there) and one Dijkstra runs from it over
the reversed graph, so every node gets the fastest time **to** its nearest destination. :func:`walk_to_root`
follows the tree from many start nodes in lock-step to add up the length of each fastest route and find the
seed it ends at; :func:`route_segments` lists the road segments on those routes.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from analysis.network.graph import ProfileGraph


def multi_source_tree(
    reverse: sparse.csr_matrix, seed_nodes: np.ndarray, seed_seconds: np.ndarray, limit_s: float = np.inf
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact multi-source Dijkstra with a start time per seed.

    A virtual source is joined to every seed node by an arc weighted with that seed's seconds (with several seeds
    on one node, the fastest is kept), and one Dijkstra runs from it over ``reverse`` (the transposed graph, so
    times are *to* the seeds).

    Returns
    -------
    dist
        Seconds from every node to its fastest seed, seed seconds included (inf beyond ``limit_s`` or unreachable).
    pred
        Shortest-path-tree parent of every node; -1 at the roots (nodes entered straight from the virtual source)
        and at unreached nodes.
    seed_of_node
        For seed nodes, the index into ``seed_nodes`` of the seed kept there; -1 elsewhere.
    """
    n = reverse.shape[0]
    seed_of_node = np.full(n, -1, dtype=np.int64)
    seed_nodes = np.asarray(seed_nodes, dtype=np.int64)
    seed_seconds = np.asarray(seed_seconds, dtype=float)
    keep = np.isfinite(seed_seconds)
    if not keep.any():
        return np.full(n, np.inf), np.full(n, -1, dtype=np.int64), seed_of_node
    order = np.flatnonzero(keep)[np.lexsort((seed_seconds[keep], seed_nodes[keep]))]
    first = np.ones(len(order), dtype=bool)
    first[1:] = seed_nodes[order][1:] != seed_nodes[order][:-1]
    chosen = order[first]
    nodes_u = seed_nodes[chosen]
    weights = np.maximum(seed_seconds[chosen], 1e-9)
    indptr = np.concatenate([reverse.indptr, [reverse.indptr[-1] + len(nodes_u)]]).astype(reverse.indptr.dtype)
    indices = np.concatenate([reverse.indices, nodes_u.astype(reverse.indices.dtype)])
    data = np.concatenate([reverse.data, weights])
    extended = sparse.csr_matrix((data, indices, indptr), shape=(n + 1, n + 1))
    dist, pred = csgraph.dijkstra(extended, directed=True, indices=n, return_predecessors=True, limit=limit_s)
    pred = pred[:n].astype(np.int64)
    pred[(pred == n) | (pred < 0)] = -1
    seed_of_node[nodes_u] = chosen
    return dist[:n], pred, seed_of_node


def per_source_trees(
    reverse: sparse.csr_matrix, groups: list[tuple[np.ndarray, np.ndarray]], limit_s: float = np.inf
) -> tuple[np.ndarray, np.ndarray]:
    """One tree per group of seeds (``[(nodes, seconds), ...]``) in one scipy call: a virtual source per group.

    Returns ``dist`` and ``pred`` of shape ``(len(groups), n)``; ``pred`` is -1 at each tree's roots and at
    unreached nodes (like :func:`multi_source_tree`).
    """
    n = reverse.shape[0]
    m = len(groups)
    extra_nodes, extra_weights, counts = [], [], []
    for nodes, seconds in groups:
        nodes = np.asarray(nodes, dtype=np.int64)
        seconds = np.asarray(seconds, dtype=float)
        ok = np.isfinite(seconds)
        extra_nodes.append(nodes[ok])
        extra_weights.append(np.maximum(seconds[ok], 1e-9))
        counts.append(int(ok.sum()))
    indptr = np.concatenate([reverse.indptr, reverse.indptr[-1] + np.cumsum(counts)]).astype(np.int64)
    indices = np.concatenate([reverse.indices.astype(np.int64), *extra_nodes]) if m else reverse.indices
    data = np.concatenate([reverse.data, *extra_weights]) if m else reverse.data
    extended = sparse.csr_matrix((data, indices, indptr), shape=(n + m, n + m))
    dist, pred = csgraph.dijkstra(extended, directed=True, indices=np.arange(n, n + m), return_predecessors=True,
                                  limit=limit_s)
    pred = pred[:, :n].astype(np.int64)
    pred[(pred >= n) | (pred < 0)] = -1
    return dist[:, :n], pred


def tree_arc_position(graph: ProfileGraph, parent: np.ndarray, child: np.ndarray) -> np.ndarray:
    """Position in ``graph.forward``'s CSR arrays of each tree arc parent -> child of ``graph.reverse``, i.e. of
    the forward arc child -> parent (its ``forward_length_m`` / ``forward_edge_id``).

    Scans the (few) entries of each child's forward CSR row in lock-step: a road node has a handful of
    neighbours, so this is a few vectorised comparisons instead of a binary search over all arcs.
    """
    forward = graph.forward
    start = forward.indptr[child]
    end = forward.indptr[child + 1]
    out = np.full(len(child), -1, dtype=np.int64)
    remaining = np.arange(len(child))
    offset = 0
    while len(remaining):
        position = start[remaining] + offset
        inside = position < end[remaining]
        remaining, position = remaining[inside], position[inside]
        hit = forward.indices[position] == parent[remaining]
        out[remaining[hit]] = position[hit]
        remaining = remaining[~hit]
        offset += 1
    return out


def tree_arc_length(graph: ProfileGraph, parent: np.ndarray, child: np.ndarray) -> np.ndarray:
    """Length (m) of each tree arc parent -> child of ``graph.reverse`` (:func:`tree_arc_position`)."""
    return graph.forward_length_m[tree_arc_position(graph, parent, child)]


def _tree_paths(predecessors: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Walk shortest-path-tree predecessors (negative at roots) from ``start`` nodes up to their roots, all starts in
    lock-step, with index steps only. Returns (start position, parent, child) of every arc on the paths and the
    root each start reaches."""
    current = np.asarray(start, dtype=np.int64).copy()
    owners, parents, children = [], [], []
    active = np.flatnonzero(predecessors[current] >= 0) if len(current) else np.zeros(0, dtype=np.int64)
    while len(active):
        child = current[active]
        parent = predecessors[child].astype(np.int64)
        owners.append(active)
        parents.append(parent)
        children.append(child)
        current[active] = parent
        active = active[predecessors[parent] >= 0]
    if not owners:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, current
    return np.concatenate(owners), np.concatenate(parents), np.concatenate(children), current


def walk_to_root(graph: ProfileGraph, predecessors: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Follow shortest-path-tree predecessors (negative at roots) from ``start`` nodes up to their roots. Returns the
    summed arc lengths (m) and the root reached.

    Routes from many settlements merge on the way to a service, so each tree node on them is visited once: the
    walkers stop where another has been, each visited node's arc is looked up once (all together), and the lengths
    to the root are summed by pointer doubling over the visited nodes (``log2(depth)`` vectorised steps). The cost
    is the number of distinct nodes on the routes, independent of the size of the network.
    """
    start = np.asarray(start, dtype=np.int64)
    if not len(start):
        return np.zeros(0), start.copy()
    n = len(predecessors)
    local = np.full(n, -1, dtype=np.int64)  # node -> position among the visited nodes
    visited = [np.unique(start)]
    local[visited[0]] = np.arange(len(visited[0]))
    count = len(visited[0])
    frontier = visited[0]
    while len(frontier):
        parent = predecessors[frontier].astype(np.int64)
        parent = parent[parent >= 0]
        parent = parent[local[parent] < 0]
        # drop repeats without sorting: of several writes to one node the last one stays
        slot = np.arange(len(parent))
        local[parent] = slot
        parent = parent[local[parent] == slot]
        local[parent] = np.arange(count, count + len(parent))
        count += len(parent)
        visited.append(parent)
        frontier = parent
    nodes = np.concatenate(visited)
    parent = predecessors[nodes].astype(np.int64)
    is_root = parent < 0
    up = np.where(is_root, np.arange(len(nodes)), local[np.maximum(parent, 0)])
    length = np.zeros(len(nodes))
    length[~is_root] = tree_arc_length(graph, parent[~is_root], nodes[~is_root])
    while True:  # pointer doubling: length to the node 2^k steps up, until every pointer is at a root
        done = up[up] == up
        if done.all():
            break
        length = length + length[up]  # a root's length is 0 and its pointer itself
        up = up[up]
    rows = local[start]
    return length[rows], nodes[up[rows]]


def route_segments(graph: ProfileGraph, predecessors: np.ndarray, start: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every arc on the tree paths from ``start`` nodes to their roots: (start position, segment id) per arc, and
    per start the summed metres (the length :func:`walk_to_root` gives, from the same arcs) and the root reached."""
    owners, parents, children, roots = _tree_paths(predecessors, start)
    position = tree_arc_position(graph, parents, children)
    total = np.bincount(owners, weights=graph.forward_length_m[position], minlength=len(roots)).astype(float)
    return owners, graph.forward_edge_id[position], total, roots
