"""Coverage against access norms: who meets which norm, population covered, gaps and data quality.

Pipeline
--------
1. :func:`evaluate_norms` — one row per settlement x norm: the travel figures used, pass/fail (``meets_norm``) and
   margins (``margin_min``, ``margin_km``: positive = over the threshold, negative = slack). Times are the fastest
   travel times routed by :func:`analysis.access.compute_access`; on a road network, distance thresholds are
   checked on the *shortest road distance* and a settlement meets a norm when one service point of the kind
   satisfies every threshold (:func:`pair_times_and_distances`), so coverage is monotone: adding a service point
   never lowers it, closing a road or tightening a threshold never raises it. The hromada-centre norm routes every
   settlement to its hromada's centre settlement (:func:`route_to_hromada_centre`).
2. :func:`coverage_summary` — per norm (and hromada): population covered / uncovered, shares, population-weighted
   mean, median and 90th percentile travel time (:func:`weighted_quantile`).
3. :func:`gap_list` — uncovered settlements of one norm, largest population first.
4. :func:`data_quality` — what limits the figures (estimated distances, far snapping, unreachable settlements,
   population sources, service points lacking fields), as a dict and a tidy flag table with UA/EN labels.

Status of a settlement x norm row (``status``)
----------------------------------------------
``met``            every threshold holds (or one, for ``combine = "any"``); ``meets_norm = True``
``not_met``        routed, but over a threshold; ``meets_norm = False``
``unreachable``    no route (other network component, one-way trap, too far from roads); ``meets_norm = False``,
                   margins NaN where no figure exists, ``reason`` says why
``not_evaluated``  the data has no service point of that kind, the norm is for another travel mode, or no
                   settlement is marked as hromada centre; ``meets_norm = <NA>``, left out of coverage shares

No file I/O happens here.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from analysis.access import AccessResult
from analysis.errors import DataError
from analysis.network import RoadNetwork
from analysis.norms import DEFAULT_NORMS, Norm, validate_norms
from analysis.routing import (
    DEFAULT_CIRCUITY,
    REASON_NO_DESTINATIONS,
    estimate_nearest_service,
    nearest_service,
    snap_points,
    walk_seconds,
)
from analysis.profiles import get_profile
from analysis.taxonomy import Taxonomy, load_taxonomy

STATUS_MET = "met"
STATUS_NOT_MET = "not_met"
STATUS_UNREACHABLE = "unreachable"
STATUS_NOT_EVALUATED = "not_evaluated"

#: UA/EN labels of the statuses (for legends and exports).
STATUS_LABELS: dict[str, dict[str, str]] = {
    STATUS_MET: {"uk": "відповідає нормі", "en": "meets the norm"},
    STATUS_NOT_MET: {"uk": "не відповідає нормі", "en": "does not meet the norm"},
    STATUS_UNREACHABLE: {"uk": "немає маршруту", "en": "no route"},
    STATUS_NOT_EVALUATED: {"uk": "не оцінено", "en": "not evaluated"},
}

REASON_NO_POINTS_OF_KIND = "no service points of this kind in the data"
REASON_OTHER_MODE = "norm is for another travel mode"
REASON_NO_CENTRE = "no settlement is marked as the hromada centre"
REASON_NOT_ROUTED = "settlement missing from the access table"
REASON_OVER_TIME = "over the time threshold"
REASON_OVER_DISTANCE = "over the distance threshold"
REASON_NO_SINGLE_POINT = "no single service point meets every threshold"

#: How the distance checked against a norm was measured (column ``distance_basis``).
DISTANCE_SHORTEST = "shortest_route"
DISTANCE_FASTEST = "fastest_route"
DISTANCE_ESTIMATED = "estimated"

#: Columns of :func:`evaluate_norms`, in order (``hromada_katottg`` only when the settlements have it).
EVALUATION_COLUMNS: tuple[str, ...] = (
    "settlement_id", "settlement_name", "hromada_katottg", "population", "norm_id", "norm_label_uk",
    "norm_label_en", "applies_to", "mode", "max_time_min", "max_distance_km", "strict_distance_km",
    "travel_time_min", "distance_km", "distance_basis", "destination_id", "destination_name", "best_time_min",
    "best_distance_km", "method", "reachable", "status",
    "meets_norm", "meets_time", "meets_distance", "meets_strict", "margin_min", "margin_km", "margin_strict_km",
    "reason",
)


# ================================================================================================================
# Weighted statistics
# ================================================================================================================
def weighted_quantile(
    values: Sequence[float] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    q: float | Sequence[float],
    *,
    method: str = "inverted_cdf",
) -> float | np.ndarray:
    """Weighted quantile(s) of ``values``; with integer weights equal to ``np.quantile`` of the expanded sample.

    Parameters
    ----------
    values, weights
        Same length; weights >= 0 (NaN or zero weights and NaN values are ignored; ``inf`` values are kept and
        sort last, e.g. unreachable settlements).
    q
        Quantile(s) in [0, 1].
    method
        ``"inverted_cdf"`` (default): the smallest value ``v`` such that the weight of values ``<= v`` is at
        least ``q`` x total weight — "90 % of residents live within ``p90`` minutes" holds exactly.
        ``"linear"``: numpy's default interpolation, as if every unit of weight were one observation.

    Returns
    -------
    float or numpy.ndarray
        NaN when no positive weight remains.

    Notes
    -----
    For integer weights ``w``, the result equals
    ``np.quantile(np.repeat(values, w), q, method=method)``.
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.shape != w.shape:
        raise ValueError(f"values and weights differ in shape: {x.shape} vs {w.shape}")
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    if ((qs < 0) | (qs > 1) | ~np.isfinite(qs)).any():
        raise ValueError("Quantiles must be in [0, 1].")
    if (w[np.isfinite(w)] < 0).any():
        raise ValueError("Weights must be non-negative.")
    keep = np.isfinite(w) & (w > 0) & ~np.isnan(x)
    x, w = x[keep], w[keep]
    scalar = np.ndim(q) == 0
    if x.size == 0:
        out = np.full(qs.shape, np.nan)
        return float(out[0]) if scalar else out
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.cumsum(w)
    total = cw[-1]
    # relative tolerance absorbs float noise in q * total (e.g. 0.7 * 30 = 21.000000000000004)
    tol = 1e-9 * max(total, 1.0)
    if method == "inverted_cdf":
        target = qs * total
        index = np.searchsorted(cw, target - tol, side="left")
        out = x[np.clip(index, 0, x.size - 1)]
    elif method == "linear":
        h = qs * (total - 1.0) if total > 1 else np.zeros_like(qs)
        k = np.floor(h + tol)
        frac = np.where(h - k > tol, h - k, 0.0)
        lower = x[np.clip(np.searchsorted(cw, k + tol, side="left"), 0, x.size - 1)]
        upper = x[np.clip(np.searchsorted(cw, k + 1 + tol, side="left"), 0, x.size - 1)]
        with np.errstate(invalid="ignore"):
            out = np.where(frac > 0, lower + frac * (upper - lower), lower)
    else:
        raise ValueError(f"Unknown method {method!r}; use 'inverted_cdf' or 'linear'.")
    return float(out[0]) if scalar else out


def weighted_mean(values: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray) -> float:
    """Weighted mean over finite values with positive weight (NaN if none)."""
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = np.isfinite(x) & np.isfinite(w) & (w > 0)
    if not keep.any():
        return float("nan")
    return float(np.sum(x[keep] * w[keep]) / np.sum(w[keep]))


# ================================================================================================================
# Routing to the hromada centre
# ================================================================================================================
def _centre_mask(settlements: pd.DataFrame) -> np.ndarray:
    if "is_hromada_centre" not in settlements.columns:
        return np.zeros(len(settlements), dtype=bool)
    flag = settlements["is_hromada_centre"]
    if not pd.api.types.is_bool_dtype(flag):
        flag = flag.astype("boolean")
    return flag.fillna(False).to_numpy(dtype=bool)


def _hromada_keys(settlements: pd.DataFrame) -> pd.Series:
    if "hromada_katottg" in settlements.columns:
        return settlements["hromada_katottg"].astype("string").fillna("")
    return pd.Series("", index=settlements.index, dtype="string")


def route_to_hromada_centre(
    settlements: gpd.GeoDataFrame,
    network: Any = None,
    mode: str = "drive",
    *,
    circuity: float = DEFAULT_CIRCUITY,
    estimate_speed_kmh: float | None = None,
    closed_edge_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Route every settlement to its hromada's administrative centre (``is_hromada_centre``).

    Settlements are grouped by ``hromada_katottg`` (one group if the column is absent); each group is routed with
    :func:`analysis.routing.nearest_service` with the group's centre as the only destination, or estimated with
    :func:`analysis.routing.estimate_nearest_service` when ``network`` is None. Settlements of a hromada without a
    marked centre get ``reachable = False`` with reason :data:`REASON_NO_CENTRE`.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`analysis.routing.RESULT_COLUMNS`, one row per settlement, in input order.
    """
    if not isinstance(settlements, gpd.GeoDataFrame):
        raise DataError("Routing to the hromada centre needs the settlements as a GeoDataFrame with points.")
    centre = _centre_mask(settlements)
    keys = _hromada_keys(settlements)
    frames = []
    for key in pd.unique(keys):
        members = (keys == key).to_numpy()
        part = settlements[members]
        centres = settlements[members & centre]
        if len(centres) == 0:
            n = len(part)
            frames.append(pd.DataFrame({
                "origin_id": part["id"].to_numpy(), "destination_id": [None] * n,
                "network_distance_km": np.nan, "snap_distance_m": np.nan, "total_distance_km": np.nan,
                "travel_time_min": np.nan, "reachable": False, "unreachable_reason": REASON_NO_CENTRE,
                "origin_snap_m": np.nan, "destination_snap_m": np.nan, "straight_line_km": np.nan,
                "method": "network" if network is not None else "estimated",
            }))
            continue
        if network is None:
            result = estimate_nearest_service(part, centres, mode, circuity=circuity, speed_kmh=estimate_speed_kmh)
        else:
            result = nearest_service(network, part, centres, mode, closed_edge_ids=closed_edge_ids)
        frames.append(result)
    table = pd.concat(frames, ignore_index=True)
    order = pd.Series(np.arange(len(settlements)), index=settlements["id"].to_numpy())
    return table.iloc[np.argsort(order.loc[table["origin_id"].to_numpy()].to_numpy(), kind="stable")].reset_index(
        drop=True)


# ================================================================================================================
# Evaluation
# ================================================================================================================
def _infer_by(long: pd.DataFrame, by: str | None) -> str:
    if by is not None:
        if by not in long.columns:
            raise DataError(f"The access table has no {by!r} column; columns: {list(long.columns)}.")
        return by
    has_group, has_category = "group" in long.columns, "category" in long.columns
    if has_group and not has_category:
        return "group"
    if has_category and not has_group:
        return "category"
    if has_group and has_category:
        raise DataError("The access table has both 'group' and 'category' columns: pass by='group' or by='category'.")
    raise DataError(
        "The access table has no 'group' or 'category' column: compute it with analysis.access.compute_access."
    )


def _rows_for_norm(long: pd.DataFrame, by: str, norm: Norm, taxonomy: Taxonomy) -> pd.DataFrame:
    """The access rows (any number per settlement) of the service kinds the norm applies to."""
    if norm.is_group:
        if by == "group":
            return long[long["group"] == norm.applies_to]
        return long[long["category"].isin(taxonomy.categories_in_group(norm.applies_to))]
    wanted = list(norm.applies_to)
    if by == "category":
        return long[long["category"].isin(wanted)]
    groups = {taxonomy.group_of(c) for c in wanted}
    whole = {c for g in groups for c in taxonomy.categories_in_group(g)}
    if whole != set(wanted):
        raise DataError(
            f"Norm '{norm.id}' applies to categories {', '.join(wanted)}, but travel times were computed per "
            "service group; compute access with by='category' (analysis.access.compute_access)."
        )
    return long[long["group"].isin(groups)]


def _fastest_per_settlement(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per origin: the fastest reachable service (unreachable rows last, NaN times last)."""
    if rows.empty:
        return rows
    key = rows.assign(
        _unreach=~rows["reachable"].astype(bool),
        _time=rows["travel_time_min"].astype(float),
    )
    key = key.sort_values(["origin_id", "_unreach", "_time"], kind="stable", na_position="last")
    return key.drop_duplicates("origin_id", keep="first").drop(columns=["_unreach", "_time"])


def _method_of(long: pd.DataFrame) -> str | None:
    if long is None or long.empty or "method" not in long.columns:
        return None
    methods = set(long["method"].dropna().astype(str))
    if not methods:
        return None
    return methods.pop() if len(methods) == 1 else "mixed"


def pair_times_and_distances(
    network: RoadNetwork,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    mode: str = "drive",
    *,
    closed_edge_ids: Iterable[int] | None = None,
    min_component_nodes: int = 10,
) -> tuple[np.ndarray, np.ndarray]:
    """Fastest travel time (s) and shortest road distance (m) for every origin x destination pair.

    Both include the two off-network legs exactly as :func:`analysis.routing.nearest_service` counts them (snapped
    with :func:`analysis.routing.snap_points`, walked at the profile's off-network speed; points on one node are
    walked between directly); ``inf`` where no route exists. One time-weighted and one
    length-weighted Dijkstra per distinct destination node on the mode's reversed graph (closures applied), so both
    figures only grow when a road closes.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Seconds and metres, shape ``(len(origins), len(destinations))``.
    """
    graph = network.graph(mode, closed_edge_ids)
    o_snap = snap_points(network, origins, mode, min_component_nodes=min_component_nodes)
    d_snap = snap_points(network, destinations, mode, min_component_nodes=min_component_nodes)
    nodes, inverse = np.unique(d_snap.node, return_inverse=True)
    reverse = graph.reverse
    lengths = sparse.csr_matrix(
        (np.maximum(np.asarray(graph.reverse_length_m, dtype=float), 1e-6), reverse.indices, reverse.indptr),
        shape=reverse.shape,
    )
    seconds = csgraph.dijkstra(reverse, directed=True, indices=nodes)[:, o_snap.node]  # (U, S)
    metres = csgraph.dijkstra(lengths, directed=True, indices=nodes)[:, o_snap.node]
    profile = get_profile(mode)
    legs = o_snap.distance_m[:, None] + d_snap.distance_m[None, :]
    pair_seconds = seconds[inverse].T + walk_seconds(legs, profile)
    pair_metres = metres[inverse].T + legs
    # points on the same road node are walked between directly (routing's rule, analysis.routing.direct_walk_m)
    same = o_snap.node[:, None] == d_snap.node[None, :]
    if same.any():
        direct = np.hypot(o_snap.x[:, None] - d_snap.x[None, :], o_snap.y[:, None] - d_snap.y[None, :])
        pair_seconds = np.where(same, np.minimum(pair_seconds, walk_seconds(direct, profile)), pair_seconds)
        pair_metres = np.where(same, np.minimum(pair_metres, direct), pair_metres)
    return pair_seconds, pair_metres


def _fastest_figures(base: pd.DataFrame, rows: pd.DataFrame | None, basis: str) -> pd.DataFrame:
    """Per settlement (aligned with ``base``): the fastest routed row's figures."""
    ids = base["settlement_id"]
    fig = pd.DataFrame(index=base.index)
    if rows is None or rows.empty:
        fig["present"] = False
        fig["reachable"] = False
        fig["reason_in"] = ""
        for column in ("travel_time_min", "distance_km"):
            fig[column] = np.nan
        for column in ("destination_id", "destination_name", "method"):
            fig[column] = pd.Series(pd.NA, index=base.index, dtype="string")
    else:
        fast = _fastest_per_settlement(rows).set_index("origin_id")

        def pick(column: str, default: Any = np.nan) -> pd.Series:
            if column not in fast.columns:
                return pd.Series(default, index=base.index)
            return pd.Series(ids.map(fast[column]).to_numpy(), index=base.index)

        fig["present"] = ids.isin(fast.index).to_numpy()
        fig["reachable"] = pick("reachable", False).astype("boolean").fillna(False).astype(bool)
        fig["reason_in"] = pick("unreachable_reason", "").astype("string").fillna("")
        fig["travel_time_min"] = pick("travel_time_min").astype(float)
        fig["distance_km"] = pick("total_distance_km").astype(float)
        fig["destination_id"] = pick("destination_id", None).astype("string")
        fig["destination_name"] = pick("destination_name", None).astype("string")
        fig["method"] = pick("method", None).astype("string")
    fig["best_time_min"] = fig["travel_time_min"]
    fig["best_distance_km"] = fig["distance_km"]
    fig["exact_meets"] = pd.Series(pd.NA, index=base.index, dtype="boolean")
    fig["exact_strict"] = pd.Series(pd.NA, index=base.index, dtype="boolean")
    fig["distance_basis"] = basis
    return fig


def _apply_pairs(fig: pd.DataFrame, positions: np.ndarray, norm: Norm, seconds: np.ndarray, metres: np.ndarray,
                 point_ids: np.ndarray, point_names: np.ndarray) -> None:
    """Exact check for settlements at ``positions`` (rows of ``fig``) against every point: a settlement meets the
    norm when one point satisfies the thresholds; the reported point is the fastest such point (else the fastest
    point overall, as routed), its distance the shortest road distance to it."""
    t = seconds / 60.0
    d = metres / 1000.0
    checks = []
    with np.errstate(invalid="ignore"):
        if norm.max_time_min is not None:
            checks.append(t <= norm.max_time_min)
        if norm.max_distance_km is not None:
            checks.append(d <= norm.max_distance_km)
    ok = np.logical_and.reduce(checks) if norm.combine == "all" else np.logical_or.reduce(checks)
    meets = ok.any(axis=1)
    rows = fig.index[positions]
    current = fig.loc[rows, "destination_id"].astype("string").to_numpy(dtype=object)
    lookup = {pid: i for i, pid in enumerate(point_ids.astype(str))}
    fastest = np.array([lookup.get(str(x), -1) if isinstance(x, str) else -1 for x in current])
    fallback = np.argmin(np.where(np.isfinite(t), t, np.inf), axis=1)
    fastest = np.where(fastest >= 0, fastest, fallback)
    chosen = np.where(meets, np.argmin(np.where(ok, t, np.inf), axis=1), fastest)
    r = np.arange(len(positions))
    finite_t = np.isfinite(t[r, chosen])
    time_out = np.where(meets, t[r, chosen], fig.loc[rows, "travel_time_min"].to_numpy(dtype=float))
    dist_out = np.where(np.isfinite(d[r, chosen]), d[r, chosen], np.nan)
    has = meets | finite_t
    fig.loc[rows, "travel_time_min"] = np.where(has, time_out, np.nan)
    fig.loc[rows, "distance_km"] = np.where(has, dist_out, np.nan)
    fig.loc[rows, "destination_id"] = pd.array(np.where(has, point_ids[chosen].astype(str), None), dtype="string")
    fig.loc[rows, "destination_name"] = pd.array(
        [str(n) if h and isinstance(n, str) else None for n, h in zip(point_names[chosen], has)], dtype="string")
    with np.errstate(invalid="ignore"):
        best_t = np.where(np.isfinite(t).any(axis=1), np.min(np.where(np.isfinite(t), t, np.inf), axis=1), np.nan)
        best_d = np.where(np.isfinite(d).any(axis=1), np.min(np.where(np.isfinite(d), d, np.inf), axis=1), np.nan)
    fig.loc[rows, "best_time_min"] = best_t
    fig.loc[rows, "best_distance_km"] = best_d
    fig.loc[rows, "exact_meets"] = meets
    if norm.strict_distance_km is not None:
        with np.errstate(invalid="ignore"):
            fig.loc[rows, "exact_strict"] = (d <= norm.strict_distance_km).any(axis=1)
    fig.loc[rows, "distance_basis"] = DISTANCE_SHORTEST


def _evaluate_one(base: pd.DataFrame, fig: pd.DataFrame, norm: Norm, not_evaluated_reason: str | None) -> pd.DataFrame:
    """Rows of one norm: ``base`` = settlements (id, name, population...), ``fig`` = per-settlement figures."""
    n = len(base)
    out = base.copy()
    out["norm_id"] = norm.id
    out["norm_label_uk"] = norm.label_uk
    out["norm_label_en"] = norm.label_en
    out["applies_to"] = norm.applies_to_text()
    out["mode"] = norm.mode
    out["max_time_min"] = np.nan if norm.max_time_min is None else norm.max_time_min
    out["max_distance_km"] = np.nan if norm.max_distance_km is None else norm.max_distance_km
    out["strict_distance_km"] = np.nan if norm.strict_distance_km is None else norm.strict_distance_km
    out["travel_time_min"] = fig["travel_time_min"].to_numpy(dtype=float)
    out["distance_km"] = fig["distance_km"].to_numpy(dtype=float)
    out["distance_basis"] = fig["distance_basis"].to_numpy(dtype=object)
    for column in ("destination_id", "destination_name", "method"):
        out[column] = fig[column].astype("string").to_numpy()
    out["best_time_min"] = fig["best_time_min"].to_numpy(dtype=float)
    out["best_distance_km"] = fig["best_distance_km"].to_numpy(dtype=float)
    reachable = fig["reachable"].to_numpy(dtype=bool)
    out["reachable"] = reachable
    present = fig["present"].to_numpy(dtype=bool)
    reason_in = fig["reason_in"].astype("string").fillna("").to_numpy(dtype=object)
    no_dest = reason_in == REASON_NO_DESTINATIONS

    best_t = fig["best_time_min"].to_numpy(dtype=float)
    best_d = fig["best_distance_km"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        meets_time = None if norm.max_time_min is None else (np.isfinite(best_t) & (best_t <= norm.max_time_min))
        meets_dist = None if norm.max_distance_km is None else (np.isfinite(best_d) & (best_d <= norm.max_distance_km))
    checks = [c for c in (meets_time, meets_dist) if c is not None]
    combined = np.logical_and.reduce(checks) if norm.combine == "all" else np.logical_or.reduce(checks)
    exact = fig["exact_meets"].astype("boolean")
    combined = np.where(exact.notna().to_numpy(), exact.fillna(False).to_numpy(dtype=bool), combined)
    meets = combined & reachable

    evaluated = present & ~no_dest
    if not_evaluated_reason is not None:
        evaluated[:] = False
    status = np.where(meets, STATUS_MET, np.where(reachable, STATUS_NOT_MET, STATUS_UNREACHABLE)).astype(object)
    status[~evaluated] = STATUS_NOT_EVALUATED

    def nullable(flags: np.ndarray | None) -> pd.Series:
        series = pd.Series(pd.NA if flags is None else flags, index=out.index, dtype="boolean")
        series[~evaluated] = pd.NA
        return series

    out["status"] = status
    out["meets_norm"] = nullable(meets)
    out["meets_time"] = nullable(meets_time)
    out["meets_distance"] = nullable(meets_dist)
    if norm.strict_distance_km is not None:
        with np.errstate(invalid="ignore"):
            strict = np.isfinite(best_d) & (best_d <= norm.strict_distance_km)
        exact_strict = fig["exact_strict"].astype("boolean")
        strict = np.where(exact_strict.notna().to_numpy(), exact_strict.fillna(False).to_numpy(dtype=bool), strict)
        out["meets_strict"] = nullable(strict & reachable)
        out["margin_strict_km"] = np.where(evaluated, best_d - norm.strict_distance_km, np.nan)
    else:
        out["meets_strict"] = nullable(None)
        out["margin_strict_km"] = np.nan
    out["margin_min"] = np.where(evaluated, best_t - norm.max_time_min, np.nan) if norm.max_time_min else np.nan
    out["margin_km"] = np.where(evaluated, best_d - norm.max_distance_km, np.nan) if norm.max_distance_km else np.nan

    reason = np.full(n, "", dtype=object)
    over_t = np.zeros(n, dtype=bool) if meets_time is None else ~meets_time
    over_d = np.zeros(n, dtype=bool) if meets_dist is None else ~meets_dist
    not_met = status == STATUS_NOT_MET
    reason[not_met & over_t & over_d] = f"{REASON_OVER_TIME}; {REASON_OVER_DISTANCE}"
    reason[not_met & over_t & ~over_d] = REASON_OVER_TIME
    reason[not_met & ~over_t & over_d] = REASON_OVER_DISTANCE
    reason[not_met & ~over_t & ~over_d] = REASON_NO_SINGLE_POINT
    unreachable = status == STATUS_UNREACHABLE
    reason[unreachable] = reason_in[unreachable]
    not_eval = status == STATUS_NOT_EVALUATED
    if not_evaluated_reason is not None:
        reason[not_eval] = not_evaluated_reason
    else:
        reason[not_eval & no_dest] = REASON_NO_POINTS_OF_KIND
        reason[not_eval & ~present] = REASON_NOT_ROUTED
    out["reason"] = reason
    return out


def _points_for_norm(points: pd.DataFrame, norm: Norm, taxonomy: Taxonomy) -> pd.DataFrame:
    if norm.is_group and "group" in points.columns:
        return points[points["group"].astype("string") == norm.applies_to]
    if "category" not in points.columns:
        raise DataError("Service points need a 'category' column to check category norms.")
    return points[points["category"].astype("string").isin(norm.categories(taxonomy))]


def evaluate_norms(
    access_long: pd.DataFrame | AccessResult,
    settlements: pd.DataFrame,
    norms: Iterable[Norm] = DEFAULT_NORMS,
    *,
    hromada_centre_result: pd.DataFrame | None = None,
    network: RoadNetwork | None = None,
    service_points: gpd.GeoDataFrame | None = None,
    by: str | None = None,
    mode: str | None = None,
    circuity: float | None = None,
    estimate_speed_kmh: float | None = None,
    closed_edge_ids: Iterable[int] | None = None,
    min_component_nodes: int = 10,
    taxonomy: Taxonomy | None = None,
) -> pd.DataFrame:
    """Check every settlement against every norm.

    Parameters
    ----------
    access_long
        The ``long`` table of :func:`analysis.access.compute_access` (or the :class:`AccessResult` itself, which
        also supplies ``by``, ``mode``, ``circuity`` and the service points): one row per settlement and service
        group/category.
    settlements
        Standard settlements table (``id``, ``name``, ``population``, ``is_hromada_centre``, optional
        ``hromada_katottg``); a GeoDataFrame when routes have to be computed here.
    norms
        Norms to check (default :data:`analysis.norms.DEFAULT_NORMS`).
    hromada_centre_result
        Routing result to the hromada centre (:func:`route_to_hromada_centre`), for the hromada-centre norm.
        When None it is computed here: over ``network`` if given, else estimated (only allowed when the access
        table is itself estimated — a routed table without ``network`` raises DataError).
    network
        The road network the access table was routed on. Needed for exact distance checks (see Notes) and to
        route to the hromada centre; pass the same ``closed_edge_ids`` and ``min_component_nodes`` as for access.
    service_points
        Service points (default: the AccessResult's), for exact distance checks.
    by
        ``"group"`` or ``"category"`` — how ``access_long`` was computed (inferred from its columns).
    mode
        Travel mode of ``access_long``; norms for another mode are ``not_evaluated``. Default: the AccessResult's
        mode, else every norm is taken to match.
    circuity, estimate_speed_kmh
        Estimation parameters for the hromada-centre norm without a network (default: the AccessResult's
        circuity, else :data:`analysis.routing.DEFAULT_CIRCUITY`).

    Returns
    -------
    pandas.DataFrame
        :data:`EVALUATION_COLUMNS`, one row per settlement and norm (norms in the given order, settlements in
        input order). See the module docstring for ``status``. ``travel_time_min``, ``distance_km`` and
        ``destination_*`` describe the service point reported for the settlement; ``best_time_min`` /
        ``best_distance_km`` are the best figures over every point of the kind (fastest time, shortest distance —
        the figures the margins and the summary statistics use).

    Notes
    -----
    *Time* is the fastest travel time (as routed). *Distance*, for norms with a distance threshold on a routed
    network, is the **shortest road distance** (``distance_basis = "shortest_route"``), and a settlement meets the
    norm when **one** service point of the kind satisfies every threshold (``combine = "all"``), checked over all
    points of the kind (:func:`pair_times_and_distances`). This makes coverage monotone: adding a service point never
    lowers it, closing a road never raises it, tightening a threshold never raises it. The reported point is the
    fastest point meeting the norm, else the fastest point; ``margin_min`` = fastest time - threshold and
    ``margin_km`` = shortest distance to any point of the kind - threshold (positive = over, negative = slack).
    Without the network (a routed table alone) the distance of the fastest route to the fastest point is used
    (``distance_basis = "fastest_route"``); estimated tables use straight line x circuity (``"estimated"``), where
    the nearest point is both the fastest and the closest, so the check is exact.
    """
    taxonomy = taxonomy or load_taxonomy()
    norms = validate_norms(norms, taxonomy)
    access_mode = mode
    points = service_points
    if isinstance(access_long, AccessResult):
        result = access_long
        long = result.long
        by = by or result.by
        access_mode = access_mode or result.mode
        points = points if points is not None else result.service_points
        if circuity is None and result.estimated:
            circuity = result.circuity
    else:
        long = access_long
    if circuity is None or not np.isfinite(circuity):
        circuity = DEFAULT_CIRCUITY
    if "id" not in settlements.columns:
        raise DataError(f"Settlements need an 'id' column; columns found: {list(settlements.columns)}.")
    if settlements["id"].duplicated().any():
        raise DataError("Settlements have duplicated ids.")
    long = pd.DataFrame(long)
    needed = {"origin_id", "travel_time_min", "total_distance_km", "reachable"}
    service_norms = [n for n in norms if not n.is_hromada_centre]
    if service_norms and not long.empty:
        missing = needed - set(long.columns)
        if missing:
            raise DataError(f"The access table lacks column(s) {', '.join(sorted(missing))}.")
        by = _infer_by(long, by)
    if "destination_name" not in long.columns:
        long["destination_name"] = pd.NA
    method = _method_of(long)
    routed = method not in (None, "estimated")

    base = pd.DataFrame({
        "settlement_id": settlements["id"].astype("string").to_numpy(),
        "settlement_name": (settlements["name"].astype("string") if "name" in settlements.columns
                            else pd.Series(pd.NA, index=settlements.index, dtype="string")).to_numpy(),
    })
    if "hromada_katottg" in settlements.columns:
        base["hromada_katottg"] = settlements["hromada_katottg"].astype("string").to_numpy()
    base["population"] = (pd.to_numeric(settlements["population"], errors="coerce").to_numpy(dtype=float)
                          if "population" in settlements.columns else np.nan)
    if not long.empty:
        long = long.assign(origin_id=long["origin_id"].astype("string"))
    can_pair = network is not None and isinstance(settlements, gpd.GeoDataFrame)
    centre = _centre_mask(settlements)
    keys = _hromada_keys(settlements).to_numpy()

    frames = []
    for norm in norms:
        if access_mode is not None and norm.mode != str(access_mode):
            reason = f"{REASON_OTHER_MODE} ({norm.mode}; travel times are for {access_mode})"
            frames.append(_evaluate_one(base, _fastest_figures(base, None, ""), norm, reason))
            continue
        if norm.is_hromada_centre:
            if not centre.any():
                frames.append(_evaluate_one(base, _fastest_figures(base, None, ""), norm, REASON_NO_CENTRE))
                continue
            centre_result = hromada_centre_result
            if centre_result is None:
                if network is None and routed:
                    raise DataError(
                        "Travel times were routed on a road network: pass network=... (or "
                        "hromada_centre_result=route_to_hromada_centre(settlements, network)) so the hromada-centre "
                        "norm is routed the same way."
                    )
                centre_result = route_to_hromada_centre(
                    settlements, network, norm.mode, circuity=circuity, estimate_speed_kmh=estimate_speed_kmh,
                    closed_edge_ids=closed_edge_ids,
                )
            centre_result = pd.DataFrame(centre_result).assign(
                origin_id=lambda f: f["origin_id"].astype("string"))
            if "name" in settlements.columns:
                names = pd.Series(settlements["name"].astype("string").to_numpy(),
                                  index=settlements["id"].astype("string").to_numpy())
                centre_result["destination_name"] = centre_result["destination_id"].astype("string").map(names)
            centre_method = _method_of(centre_result)
            fig = _fastest_figures(base, centre_result, _basis(centre_method, False))
            if can_pair and centre_method == "network" and norm.max_distance_km is not None:
                for key in pd.unique(keys):
                    members = np.flatnonzero(keys == key)
                    targets = settlements[(keys == key) & centre]
                    if len(targets) == 0:
                        continue
                    seconds, metres = pair_times_and_distances(
                        network, settlements.iloc[members], targets, norm.mode, closed_edge_ids=closed_edge_ids,
                        min_component_nodes=min_component_nodes)
                    _apply_pairs(fig, members, norm, seconds, metres, targets["id"].astype(str).to_numpy(),
                                 targets["name"].to_numpy(dtype=object) if "name" in targets
                                 else np.full(len(targets), None, dtype=object))
            frames.append(_evaluate_one(base, fig, norm, None))
            continue
        rows = _rows_for_norm(long, by, norm, taxonomy) if not long.empty else long
        if rows.empty:
            frames.append(_evaluate_one(base, _fastest_figures(base, None, ""), norm, REASON_NO_POINTS_OF_KIND))
            continue
        fig = _fastest_figures(base, rows, _basis(method, False))
        kind = _points_for_norm(points, norm, taxonomy) if points is not None else None
        if routed and can_pair and kind is not None and len(kind) and norm.max_distance_km is not None:
            seconds, metres = pair_times_and_distances(
                network, settlements, kind, norm.mode, closed_edge_ids=closed_edge_ids,
                min_component_nodes=min_component_nodes)
            _apply_pairs(fig, np.arange(len(base)), norm, seconds, metres, kind["id"].astype(str).to_numpy(),
                         kind["name"].to_numpy(dtype=object) if "name" in kind
                         else np.full(len(kind), None, dtype=object))
        frames.append(_evaluate_one(base, fig, norm, None))
    table = pd.concat(frames, ignore_index=True)
    columns = [c for c in EVALUATION_COLUMNS if c in table.columns]
    return table[columns]


def _basis(method: str | None, exact: bool) -> str:
    if method == "estimated":
        return DISTANCE_ESTIMATED
    return DISTANCE_SHORTEST if exact else DISTANCE_FASTEST


# ================================================================================================================
# Summary and gaps
# ================================================================================================================
#: Columns of :func:`coverage_summary` (``hromada_katottg`` first when grouping by hromada).
SUMMARY_COLUMNS: tuple[str, ...] = (
    "hromada_katottg", "norm_id", "norm_label_uk", "norm_label_en", "evaluated", "method", "n_settlements",
    "n_settlements_without_population", "population_missing_flag", "population_total", "population_evaluated",
    "population_covered", "population_uncovered", "share_covered", "share_uncovered", "n_uncovered_settlements",
    "n_unreachable_settlements", "population_unreachable", "n_not_evaluated", "population_covered_strict",
    "share_covered_strict", "mean_time_min", "median_time_min", "p90_time_min", "mean_distance_km",
    "median_distance_km", "p90_distance_km", "max_time_min_observed", "max_time_min", "max_distance_km",
    "strict_distance_km",
)


def _population_from(evaluation: pd.DataFrame, settlements: pd.DataFrame | None) -> pd.Series:
    if settlements is None or "population" not in settlements.columns:
        return evaluation["population"].astype(float)
    lookup = pd.Series(pd.to_numeric(settlements["population"], errors="coerce").to_numpy(dtype=float),
                       index=settlements["id"].astype("string").to_numpy())
    unknown = ~evaluation["settlement_id"].isin(lookup.index)
    if unknown.any():
        raise DataError(
            f"{int(unknown.sum())} evaluation row(s) name settlements not in the settlements table "
            f"(e.g. {evaluation.loc[unknown, 'settlement_id'].iloc[0]})."
        )
    return evaluation["settlement_id"].map(lookup).astype(float)


def _summarise_group(part: pd.DataFrame) -> dict[str, Any]:
    pop = part["_pop"].to_numpy(dtype=float)
    has_pop = np.isfinite(pop)
    status = part["status"].to_numpy(dtype=object)
    evaluated = status != STATUS_NOT_EVALUATED
    met = status == STATUS_MET
    unreachable = status == STATUS_UNREACHABLE
    failed = evaluated & ~met
    w = np.where(has_pop, pop, 0.0)
    pop_eval = float(w[evaluated].sum())
    covered = float(w[met].sum())
    uncovered = float(w[failed].sum())
    time = part["best_time_min"].to_numpy(dtype=float)
    dist = part["best_distance_km"].to_numpy(dtype=float)
    reach = part["reachable"].to_numpy(dtype=bool)
    # unreachable settlements count as infinitely far in quantiles (p90 = inf: > 10 % cannot reach)
    time_q = np.where(evaluated & ~reach, np.inf, time)
    dist_q = np.where(evaluated & ~reach, np.inf, dist)
    use = evaluated & has_pop
    quant_t = weighted_quantile(time_q[use], w[use], [0.5, 0.9]) if use.any() else np.array([np.nan, np.nan])
    quant_d = weighted_quantile(dist_q[use], w[use], [0.5, 0.9]) if use.any() else np.array([np.nan, np.nan])
    use_mean = use & reach
    strict = part["meets_strict"].astype("boolean")
    has_strict = np.isfinite(part["strict_distance_km"].to_numpy(dtype=float)).any()
    strict_met = strict.fillna(False).to_numpy(dtype=bool)
    first = part.iloc[0]
    methods = set(part.loc[evaluated, "method"].dropna().astype(str)) if "method" in part else set()
    no_pop = ~has_pop
    return {
        "norm_id": first["norm_id"],
        "norm_label_uk": first["norm_label_uk"],
        "norm_label_en": first["norm_label_en"],
        "evaluated": bool(evaluated.any()),
        "method": (methods.pop() if len(methods) == 1 else ("mixed" if methods else pd.NA)),
        "n_settlements": int(len(part)),
        "n_settlements_without_population": int(no_pop.sum()),
        "population_missing_flag": bool(no_pop.any()),
        "population_total": float(w.sum()),
        "population_evaluated": pop_eval,
        "population_covered": covered,
        "population_uncovered": uncovered,
        "share_covered": covered / pop_eval if pop_eval > 0 else np.nan,
        "share_uncovered": uncovered / pop_eval if pop_eval > 0 else np.nan,
        "n_uncovered_settlements": int(failed.sum()),
        "n_unreachable_settlements": int(unreachable.sum()),
        "population_unreachable": float(w[unreachable].sum()),
        "n_not_evaluated": int((~evaluated).sum()),
        "population_covered_strict": float(w[strict_met].sum()) if has_strict else np.nan,
        "share_covered_strict": (float(w[strict_met].sum()) / pop_eval if has_strict and pop_eval > 0 else np.nan),
        "mean_time_min": weighted_mean(time[use_mean], w[use_mean]),
        "median_time_min": float(quant_t[0]),
        "p90_time_min": float(quant_t[1]),
        "mean_distance_km": weighted_mean(dist[use_mean], w[use_mean]),
        "median_distance_km": float(quant_d[0]),
        "p90_distance_km": float(quant_d[1]),
        "max_time_min_observed": float(np.nanmax(time[evaluated & reach])) if (evaluated & reach).any() else np.nan,
        "max_time_min": first["max_time_min"],
        "max_distance_km": first["max_distance_km"],
        "strict_distance_km": first["strict_distance_km"],
    }


def coverage_summary(
    evaluation: pd.DataFrame, settlements: pd.DataFrame | None = None, *, by_hromada: bool = True
) -> pd.DataFrame:
    """Population coverage per norm (and per hromada when the evaluation has ``hromada_katottg``).

    Parameters
    ----------
    evaluation
        Output of :func:`evaluate_norms`.
    settlements
        Standard settlements table; when given, its ``population`` is used (by ``id``), else the evaluation's.
    by_hromada
        Group by ``hromada_katottg`` as well as by norm (when the column exists).

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`, one row per (hromada,) norm, norms in evaluation order. Notes:

        * shares are of the population of *evaluated* settlements with a known population; settlements without
          population are counted (``n_settlements_without_population``, ``population_missing_flag``) but weigh
          nothing;
        * travel figures are each settlement's best over the points of the kind (``best_time_min``,
          ``best_distance_km`` of the evaluation);
        * ``mean_*`` is population-weighted over reachable settlements; ``median_*`` / ``p90_*`` are
          population-weighted quantiles (:func:`weighted_quantile`, inverted CDF) in which unreachable settlements
          count as ``inf`` — an infinite p90 means more than 10 % of the population has no route;
        * a norm with no service point of its kind is ``evaluated = False`` with NaN shares.
    """
    if evaluation.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    frame = evaluation.assign(_pop=_population_from(evaluation, settlements))
    keys = ["norm_id"]
    if by_hromada and "hromada_katottg" in frame.columns:
        frame["hromada_katottg"] = frame["hromada_katottg"].astype("string").fillna("")
        keys = ["hromada_katottg", "norm_id"]
    norm_order = {n: i for i, n in enumerate(pd.unique(frame["norm_id"]))}
    rows = []
    for key, part in frame.groupby(keys, sort=False):
        row = _summarise_group(part)
        if len(keys) == 2:
            row["hromada_katottg"] = key[0]
        rows.append(row)
    table = pd.DataFrame(rows)
    table["_order"] = table["norm_id"].map(norm_order)
    sort = (["hromada_katottg", "_order"] if len(keys) == 2 else ["_order"])
    table = table.sort_values(sort, kind="stable").drop(columns="_order").reset_index(drop=True)
    return table[[c for c in SUMMARY_COLUMNS if c in table.columns]]


def gap_list(
    evaluation: pd.DataFrame, settlements: pd.DataFrame | None = None, norm_id: str = "cnap_access"
) -> pd.DataFrame:
    """Settlements that do not meet ``norm_id`` (not met or unreachable), largest population first.

    Ties (and settlements without population, which come last) are ordered by ``margin_min`` then ``margin_km``,
    largest first. Returns a GeoDataFrame (settlement points) when ``settlements`` is one, with a 1-based
    ``rank``.
    """
    if norm_id not in set(evaluation["norm_id"]):
        raise DataError(f"No evaluation rows for norm {norm_id!r}; norms present: "
                        f"{', '.join(pd.unique(evaluation['norm_id']))}.")
    part = evaluation[(evaluation["norm_id"] == norm_id)
                      & evaluation["status"].isin([STATUS_NOT_MET, STATUS_UNREACHABLE])].copy()
    part["population"] = _population_from(part, settlements) if len(part) else part["population"]
    part = part.sort_values(["population", "margin_min", "margin_km"], ascending=False, na_position="last",
                            kind="stable")
    columns = ["settlement_id", "settlement_name", "hromada_katottg", "population", "status", "travel_time_min",
               "distance_km", "best_time_min", "best_distance_km", "margin_min", "margin_km", "margin_strict_km",
               "destination_id", "destination_name", "method", "distance_basis", "reason"]
    part = part[[c for c in columns if c in part.columns]].reset_index(drop=True)
    part.insert(0, "rank", np.arange(1, len(part) + 1))
    if isinstance(settlements, gpd.GeoDataFrame):
        geometry = settlements.set_index(settlements["id"].astype("string")).geometry
        return gpd.GeoDataFrame(part, geometry=part["settlement_id"].map(geometry).to_numpy(), crs=settlements.crs)
    return part


# ================================================================================================================
# Data quality
# ================================================================================================================
class DataQuality(NamedTuple):
    """Result of :func:`data_quality`: ``summary`` (hromada code -> figures) and ``flags`` (tidy table)."""

    summary: dict[str, dict[str, Any]]
    flags: pd.DataFrame


#: Population-source classes (``population_source`` text is mapped to one of these).
POPULATION_CLASSES: tuple[str, ...] = ("census_ukrstat", "osm_tag", "estimate", "other", "missing")
_ESTIMATE_RE = re.compile(r"estimat|(^|[_\W])est([_\W]|$)|оцін|model|imput|rescal", re.IGNORECASE)
_OFFICIAL_RE = re.compile(r"ukrstat|census|держстат|перепис|derzhstat|official", re.IGNORECASE)
_OSM_RE = re.compile(r"osm|openstreetmap", re.IGNORECASE)

#: Service-point fields some analyses need, with what needs them (UA, EN).
REQUIRED_POINT_FIELDS: dict[str, tuple[str, str]] = {
    "workers_total": ("оцінки навантаження (працівники на мешканця)", "capacity (staff per resident)"),
}
ACCESSIBILITY_COLUMNS: tuple[str, ...] = ("disability", "pandus", "dis_sanit", "braille_mat", "wheelchair")

#: Flag id -> (severity, UA label, EN label); ``{n}``/``{threshold}`` are filled in.
FLAG_DEFINITIONS: dict[str, tuple[str, str, str]] = {
    "distances_estimated": (
        "warning",
        "Відстані й час — оцінка без дорожньої мережі (пряма × коефіцієнт звивистості)",
        "Distances and times are estimates without a road network (straight line × circuity factor)",
    ),
    "settlements_snapped_far": (
        "warning",
        "Населені пункти далі {threshold} м від найближчого вузла дороги",
        "Settlements more than {threshold} m from the nearest road node",
    ),
    "settlements_unreachable": (
        "error",
        "Населені пункти без маршруту до послуги",
        "Settlements with no route to a service",
    ),
    "population_missing": (
        "warning",
        "Населення невідоме (не враховано в частках)",
        "Population unknown (not counted in shares)",
    ),
    "population_estimated": (
        "info",
        "Частка населення — оцінка",
        "Share of population that is an estimate",
    ),
    "population_osm_tag": (
        "info",
        "Частка населення з тегу OSM (переважно перепис 2001 р.)",
        "Share of population from the OSM tag (mostly the 2001 census)",
    ),
    "population_sum_mismatch": (
        "info",
        "Сума населення н.п. відрізняється від офіційної чисельності громади більш ніж на 10 %",
        "Settlement population sum differs from the official hromada total by more than 10 %",
    ),
    "hromada_centre_missing": (
        "warning",
        "Адміністративний центр громади не позначено",
        "No settlement is marked as the hromada centre",
    ),
    "hromada_centre_multiple": (
        "warning",
        "Позначено кілька адміністративних центрів",
        "Several settlements are marked as the hromada centre",
    ),
    "no_service_points_for_norm": (
        "warning",
        "Немає точок послуг, до яких застосовується норма",
        "No service points of the kind a norm applies to",
    ),
    "service_points_no_workers": (
        "info",
        "Точки без кількості працівників (потрібно для оцінки навантаження)",
        "Service points without a staff count (workers_total; needed for capacity)",
    ),
    "service_points_no_accessibility": (
        "warning",
        "Точки без жодних даних про безбар'єрність",
        "Service points without any accessibility information",
    ),
    "service_points_partial_accessibility": (
        "info",
        "Точки з неповними даними про безбар'єрність",
        "Service points with incomplete accessibility information",
    ),
    "service_points_settlement_precision": (
        "info",
        "Точки розміщено в центрі населеного пункту, а не за адресою будівлі",
        "Service points placed at the settlement point, not the building",
    ),
}


def classify_population_source(settlements: pd.DataFrame) -> pd.Series:
    """Population-source class per settlement: ``census_ukrstat``, ``osm_tag``, ``estimate``, ``other`` or
    ``missing`` (population unknown). Matching is by keywords in ``population_source``."""
    population = (pd.to_numeric(settlements["population"], errors="coerce") if "population" in settlements
                  else pd.Series(np.nan, index=settlements.index))
    source = (settlements["population_source"].astype("string").fillna("") if "population_source" in settlements
              else pd.Series("", index=settlements.index, dtype="string"))
    classes = np.full(len(settlements), "other", dtype=object)
    text = source.to_numpy(dtype=object)
    osm = np.array([bool(_OSM_RE.search(s)) for s in text], dtype=bool)
    official = np.array([bool(_OFFICIAL_RE.search(s)) for s in text], dtype=bool)
    estimate = np.array([bool(_ESTIMATE_RE.search(s)) for s in text], dtype=bool)
    classes[osm] = "osm_tag"
    classes[official] = "census_ukrstat"
    classes[estimate] = "estimate"
    classes[population.isna().to_numpy()] = "missing"
    return pd.Series(classes, index=settlements.index, dtype="string")


def _parts(bundle_or_parts: Any) -> tuple[pd.DataFrame, pd.DataFrame, str | None, float | None]:
    """(settlements, service_points, code, official population) from a bundle, mapping or tuple."""
    if hasattr(bundle_or_parts, "settlements") and hasattr(bundle_or_parts, "service_points"):
        official = None
        boundary = getattr(bundle_or_parts, "boundary", None)
        if boundary is not None and len(boundary) and "population_2022_ukrstat" in boundary.columns:
            official = pd.to_numeric(boundary["population_2022_ukrstat"], errors="coerce").iloc[0]
        return (bundle_or_parts.settlements, bundle_or_parts.service_points, getattr(bundle_or_parts, "code", None),
                None if official is None or pd.isna(official) else float(official))
    if isinstance(bundle_or_parts, Mapping):
        return (bundle_or_parts["settlements"], bundle_or_parts.get("service_points"), bundle_or_parts.get("code"),
                bundle_or_parts.get("official_population"))
    if isinstance(bundle_or_parts, (tuple, list)) and len(bundle_or_parts) >= 2:
        return bundle_or_parts[0], bundle_or_parts[1], None, None
    raise DataError("data_quality needs a HromadaBundle, a mapping with 'settlements'/'service_points', "
                    "or a (settlements, service_points) tuple.")


def _names(frame: pd.DataFrame, mask: np.ndarray, limit: int = 20) -> str:
    if not mask.any():
        return ""
    label = frame["name"] if "name" in frame.columns else frame["id"]
    values = label.astype("string").fillna(frame["id"].astype("string"))[mask].tolist()
    text = "; ".join(map(str, values[:limit]))
    return text + (f"; … (+{len(values) - limit})" if len(values) > limit else "")


def data_quality(
    bundle_or_parts: Any,
    access_result: AccessResult | None = None,
    *,
    snap_threshold_m: float = 500.0,
    norms: Iterable[Norm] = DEFAULT_NORMS,
    taxonomy: Taxonomy | None = None,
    mismatch_tolerance: float = 0.10,
) -> DataQuality:
    """What limits the figures, per hromada: a summary dict and a tidy table of raised flags (UA/EN labels).

    Parameters
    ----------
    bundle_or_parts
        A :class:`analysis.datasets.HromadaBundle`, a mapping with ``settlements`` and ``service_points`` (and
        optional ``code``, ``official_population``), or a ``(settlements, service_points)`` tuple.
    access_result
        The routing result (snapping distances, unreachable settlements, method); None -> those checks skipped.
    snap_threshold_m
        Settlements whose off-network leg (``origin_snap_m``) exceeds this are flagged.
    norms
        Norms whose service kinds should be present (``no_service_points_for_norm``).
    mismatch_tolerance
        Relative difference of the settlement population sum from the official hromada total that is flagged.

    Returns
    -------
    DataQuality
        ``summary``: hromada code -> dict of figures (counts, ids, shares of population by source class, method);
        ``flags``: one row per raised flag and hromada with columns ``hromada_katottg``, ``flag``, ``severity``,
        ``count``, ``total``, ``share``, ``label_uk``, ``label_en``, ``items``.
    """
    settlements, points, code, official = _parts(bundle_or_parts)
    taxonomy = taxonomy or load_taxonomy()
    norms = tuple(norms)
    if points is None:
        points = pd.DataFrame(columns=["id", "category", "group"])
    keys = _hromada_keys(settlements).replace("", pd.NA).fillna(code or "")
    if code is not None:
        keys = keys.replace("", code)
    point_keys = (points["hromada_katottg"].astype("string").fillna(code or "")
                  if "hromada_katottg" in points.columns else None)
    long = access_result.long if access_result is not None else None
    summary: dict[str, dict[str, Any]] = {}
    flag_rows: list[dict[str, Any]] = []

    def flag(hromada: str, flag_id: str, count: int, total: int | float | None, items: str = "",
             share: float | None = None, **fmt: Any) -> None:
        severity, uk, en = FLAG_DEFINITIONS[flag_id]
        flag_rows.append({
            "hromada_katottg": hromada, "flag": flag_id, "severity": severity, "count": int(count),
            "total": total, "share": share if share is not None else (count / total if total else np.nan),
            "label_uk": uk.format(**fmt), "label_en": en.format(**fmt), "items": items,
        })

    for hromada in pd.unique(keys):
        mask = (keys == hromada).to_numpy()
        sett = settlements[mask]
        pts = points if point_keys is None or len(pd.unique(keys)) == 1 else points[(point_keys == hromada).to_numpy()]
        n_sett, n_pts = len(sett), len(pts)
        info: dict[str, Any] = {"n_settlements": n_sett, "n_service_points": n_pts}

        # --- routing
        method = access_result.method if access_result is not None else None
        info["method"] = method
        info["distances_estimated"] = bool(method == "estimated")
        if method == "estimated":
            flag(hromada, "distances_estimated", n_sett, n_sett, share=1.0)
        far_ids: list[str] = []
        unreachable_ids: list[str] = []
        if long is not None and not long.empty:
            ids = set(sett["id"].astype(str))
            mine = long[long["origin_id"].astype(str).isin(ids)]
            snap = mine.drop_duplicates("origin_id").set_index(mine.drop_duplicates("origin_id")["origin_id"]
                                                               .astype(str))["origin_snap_m"].astype(float)
            far = snap[snap > snap_threshold_m]
            far_ids = far.index.tolist()
            info["max_snap_m"] = float(snap.max()) if len(snap) else np.nan
            bad = mine[~mine["reachable"].astype(bool) & (mine["unreachable_reason"] != REASON_NO_DESTINATIONS)]
            unreachable_ids = sorted(set(bad["origin_id"].astype(str)))
            by_kind = access_result.by
            info["unreachable_by_" + by_kind] = bad.groupby(by_kind)["origin_id"].nunique().to_dict()
        info["n_settlements_snapped_far"] = len(far_ids)
        info["settlements_snapped_far"] = far_ids
        info["n_settlements_unreachable"] = len(unreachable_ids)
        info["settlements_unreachable"] = unreachable_ids
        id_text = sett["id"].astype(str)
        if far_ids:
            flag(hromada, "settlements_snapped_far", len(far_ids), n_sett,
                 _names(sett, id_text.isin(far_ids).to_numpy()), threshold=f"{snap_threshold_m:g}")
        if unreachable_ids:
            flag(hromada, "settlements_unreachable", len(unreachable_ids), n_sett,
                 _names(sett, id_text.isin(unreachable_ids).to_numpy()))

        # --- population
        classes = classify_population_source(sett)
        population = (pd.to_numeric(sett["population"], errors="coerce").fillna(0.0) if "population" in sett
                      else pd.Series(0.0, index=sett.index))
        total_pop = float(population.sum())
        info["population_total"] = total_pop
        info["population_source_counts"] = {c: int((classes == c).sum()) for c in POPULATION_CLASSES}
        info["population_by_source"] = {c: float(population[classes == c].sum()) for c in POPULATION_CLASSES}
        shares = {c: (float(population[classes == c].sum()) / total_pop if total_pop > 0 else np.nan)
                  for c in POPULATION_CLASSES if c != "missing"}
        info["population_share_by_source"] = shares
        info["share_population_estimated"] = shares["estimate"]
        n_missing = int((classes == "missing").sum())
        if n_missing:
            flag(hromada, "population_missing", n_missing, n_sett, _names(sett, (classes == "missing").to_numpy()))
        if info["population_source_counts"]["estimate"]:
            flag(hromada, "population_estimated", info["population_source_counts"]["estimate"], n_sett,
                 share=shares["estimate"])
        if info["population_source_counts"]["osm_tag"]:
            flag(hromada, "population_osm_tag", info["population_source_counts"]["osm_tag"], n_sett,
                 share=shares["osm_tag"])
        if official is not None and len(pd.unique(keys)) == 1:
            info["official_population"] = official
            info["population_sum_ratio"] = total_pop / official if official else np.nan
            if official and abs(total_pop / official - 1.0) > mismatch_tolerance:
                flag(hromada, "population_sum_mismatch", 1, 1,
                     f"{total_pop:,.0f} vs {official:,.0f}", share=total_pop / official - 1.0)

        # --- hromada centre
        centres = _centre_mask(sett)
        info["n_hromada_centres"] = int(centres.sum())
        if centres.sum() == 0:
            flag(hromada, "hromada_centre_missing", 1, 1)
        elif centres.sum() > 1:
            flag(hromada, "hromada_centre_multiple", int(centres.sum()), n_sett, _names(sett, centres))

        # --- service points
        categories = set(pts["category"].dropna().astype(str)) if "category" in pts.columns else set()
        missing_norms = [n.id for n in norms if not n.is_hromada_centre
                         and not categories.intersection(n.categories(taxonomy))]
        info["norms_without_service_points"] = missing_norms
        if missing_norms:
            flag(hromada, "no_service_points_for_norm", len(missing_norms), len(norms), "; ".join(missing_norms))
        for field_name in REQUIRED_POINT_FIELDS:
            values = pts[field_name] if field_name in pts.columns else pd.Series(pd.NA, index=pts.index)
            lacking = values.isna().to_numpy()
            info[f"n_points_missing_{field_name}"] = int(lacking.sum())
            if lacking.any():
                flag(hromada, "service_points_no_workers", int(lacking.sum()), n_pts, _names(pts, lacking))
        access_cols = [c for c in ACCESSIBILITY_COLUMNS if c in pts.columns]
        if n_pts:
            known = (pts[access_cols].notna().to_numpy() if access_cols else np.zeros((n_pts, 1), dtype=bool))
            none_known = ~known.any(axis=1)
            registry_cols = [c for c in ACCESSIBILITY_COLUMNS[:4] if c in pts.columns]
            partial = (pts[registry_cols].isna().any(axis=1).to_numpy() & ~none_known if registry_cols
                       else np.zeros(n_pts, dtype=bool))
        else:
            none_known = partial = np.zeros(0, dtype=bool)
        info["n_points_without_accessibility"] = int(none_known.sum())
        info["n_points_partial_accessibility"] = int(partial.sum())
        if none_known.any():
            flag(hromada, "service_points_no_accessibility", int(none_known.sum()), n_pts, _names(pts, none_known))
        if partial.any():
            flag(hromada, "service_points_partial_accessibility", int(partial.sum()), n_pts, _names(pts, partial))
        if "location_precision" in pts.columns:
            coarse = pts["location_precision"].astype("string").isin(["settlement", "hromada_centre"]).to_numpy()
            info["n_points_settlement_precision"] = int(coarse.sum())
            if coarse.any():
                flag(hromada, "service_points_settlement_precision", int(coarse.sum()), n_pts)
        summary[str(hromada)] = info

    columns = ["hromada_katottg", "flag", "severity", "count", "total", "share", "label_uk", "label_en", "items"]
    return DataQuality(summary=summary, flags=pd.DataFrame(flag_rows, columns=columns))
