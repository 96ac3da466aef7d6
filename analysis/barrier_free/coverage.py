"""Barrier-free coverage: who can reach a service point that is *accessible*, not just any point.

:func:`barrier_free_coverage` routes every settlement twice — to the nearest point of the norm's service kind among
**all** points and among the points whose barrier-free status (:mod:`analysis.barrier_free`) is ``accessible`` — and
checks both against the norm (default: the ЦНАП access norm, ≤ 14 km or ≤ 30 min by car,
:data:`analysis.metrics.norms.DEFAULT_NORMS`) with the one norm check of :mod:`analysis.metrics.coverage`. Points with status ``unknown`` are **not** accessible; an optional third pass
treats them as accessible and is labelled as an upper bound ("if unknown were accessible").

Per settlement: ``travel_time_min_all``, ``travel_time_min_accessible``, ``within_norm_all``,
``within_norm_accessible`` and ``barrier_free_gap`` (a point within the norm, but no accessible one).
Per hromada: total population, population covered by any point and by accessible points, the barrier-free gap
population, point counts per status and ``barrier_free_share`` = population covered by an accessible point /
total population (the column for the donor ranking table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.barrier_free.status import STATUSES, assess_points
from analysis.errors import DataError
from analysis.metrics.coverage import meeting_pairs
from analysis.metrics.norms import DEFAULT_NORMS, Norm, get_norm
from analysis.network.graph import RoadNetwork
from analysis.routing.estimate import DEFAULT_CIRCUITY, ESTIMATE_LABEL_EN
from analysis.routing.router import router_for
from analysis.routing.snap import DEFAULT_MAX_SNAP_M, DEFAULT_MIN_COMPONENT_NODES

#: Label of every "if unknown-status points were accessible" figure.
UPPER_BOUND_LABEL_EN = "upper bound: if every point of unknown status were accessible"


UPPER_BOUND_LABEL_UK = "верхня межа: якби всі точки з невідомим статусом були доступними"


#: Point sets routed to: suffix -> statuses counted as accessible.
_POINT_SETS: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "accessible": ("accessible",),
    "if_unknown_accessible": ("accessible", "unknown"),
}


@dataclass
class BarrierFreeCoverage:
    """Result of :func:`barrier_free_coverage`.

    Attributes
    ----------
    settlements
        One row per settlement (geometry kept): ``id``, ``name``, the hromada column, ``population``, then per
        point set ``all`` / ``accessible`` / ``if_unknown_accessible``: ``travel_time_min_<set>``,
        ``total_distance_km_<set>``, ``nearest_point_<set>``, ``within_norm_<set>``; and ``barrier_free_gap``
        (+ ``barrier_free_gap_if_unknown_accessible``).
    hromadas
        One row per hromada, see :func:`barrier_free_coverage`.
    points
        The assessed points of the norm's service kind.
    norm, mode, method
        The norm checked, the travel mode, ``network`` or ``estimated``.
    notes
        Plain sentences to show beside the figures (estimate labels, upper-bound label, missing populations).
    """

    settlements: gpd.GeoDataFrame
    hromadas: pd.DataFrame
    points: gpd.GeoDataFrame
    norm: Norm
    mode: str
    method: str
    notes: list[str] = field(default_factory=list)


def barrier_free_coverage(
    settlements: gpd.GeoDataFrame,
    service_points: gpd.GeoDataFrame,
    network: RoadNetwork | None = None,
    *,
    norm: Norm | str = "cnap_access",
    mode: str | None = None,
    hromada_column: str = "hromada_katottg",
    upper_bound: bool = True,
    circuity: float = DEFAULT_CIRCUITY,
    estimate_speed_kmh: float | None = None,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    min_component_nodes: int = DEFAULT_MIN_COMPONENT_NODES,
    router: Any = None,
) -> BarrierFreeCoverage:
    """Coverage by all points beside coverage by barrier-free (accessible) points only.

    One travel matrix, settlements x every point of the norm's kind, from one router; each point set is a subset of
    its columns, and a settlement is within the norm for a set when one point of the set meets the norm
    (:func:`analysis.metrics.coverage.meeting_pairs`) — so "all points" here equals the coverage page exactly.

    Parameters
    ----------
    settlements
        Standard settlements table (``id``, ``population``, point geometry; ``name`` and ``hromada_column``
        used when present).
    service_points
        Service points; assessed with :func:`analysis.barrier_free.status.assess_points` here unless they already
        have a ``barrier_free_status`` column. Only the norm's categories are used (column ``category``).
    network
        Road network; None → straight line x ``circuity`` at ``estimate_speed_kmh`` (labelled as estimated).
    norm
        A :class:`~analysis.metrics.norms.Norm` or the id of one of the default norms (default the ЦНАП access
        norm). The hromada-centre norm is not about service points and is refused.
    mode
        Travel mode (default: the norm's mode).
    hromada_column
        Settlement (and point) column naming the hromada; settlements without it form one group ``"all"``.
    upper_bound
        Also count accessible + unknown-status points (columns ``*_if_unknown_accessible``, labelled as an
        upper bound).
    router
        A ready router (:func:`analysis.routing.router.router_for`); default: made from the arguments above.

    Returns
    -------
    BarrierFreeCoverage
        ``hromadas`` has one row per hromada: ``population``, ``n_settlements``,
        ``n_settlements_population_unknown``, ``population_covered_all``, ``population_covered_accessible``,
        ``barrier_free_gap_population``, ``n_settlements_gap``, ``share_covered_all``, ``barrier_free_share``,
        ``n_points`` and ``n_accessible``/``n_partly``/``n_not_accessible``/``n_unknown`` (points of the norm's
        kind in that hromada, by ``hromada_column`` of the points; all points when the points lack it and there is
        one hromada), and with ``upper_bound`` ``population_covered_if_unknown_accessible`` and
        ``barrier_free_share_if_unknown_accessible``. Populations of settlements with unknown population count as 0
        (counted in ``n_settlements_population_unknown``).
    """
    if isinstance(norm, str):
        norm = get_norm(DEFAULT_NORMS, norm)
    if norm.is_hromada_centre:
        raise DataError(f"Norm {norm.id!r} measures access to the hromada centre, not to service points.")
    mode = mode or (router.mode if router is not None else norm.mode)
    for column in ("id", "population"):
        if column not in settlements.columns:
            raise DataError(f"Settlements need a {column!r} column; columns found: {list(settlements.columns)}.")
    if len(settlements) == 0:
        raise DataError("No settlements to analyse (the settlements table is empty).")
    if "category" not in service_points.columns:
        raise DataError(f"Service points need a 'category' column; columns found: {list(service_points.columns)}.")
    assessed = service_points if "barrier_free_status" in service_points.columns else assess_points(service_points)
    points = assessed[assessed["category"].isin(norm.categories())]
    if not isinstance(points, gpd.GeoDataFrame):
        raise DataError("Service points must be a GeoDataFrame with point geometries.")
    if router is None:
        router = router_for(network, mode, circuity=circuity, estimate_speed_kmh=estimate_speed_kmh,
                            max_snap_m=max_snap_m, min_component_nodes=min_component_nodes)

    table = settlements.copy()
    if hromada_column not in table.columns:
        table[hromada_column] = "all"
    table[hromada_column] = table[hromada_column].astype("string").fillna("unknown")
    notes: list[str] = []
    method = router.method
    if method == "estimated":
        notes.append(f"{ESTIMATE_LABEL_EN}: straight line x {router.circuity:g}")
    matrix = router.matrix(table, points, limit_min=norm.search_limit_min) if len(points) else None
    status = points["barrier_free_status"].to_numpy(dtype=object)
    sets = {k: v for k, v in _POINT_SETS.items() if upper_bound or k != "if_unknown_accessible"}
    ids = table["id"].astype("string")
    for suffix, statuses in sets.items():
        chosen = np.ones(len(points), dtype=bool) if statuses is None else np.isin(status, list(statuses))
        if matrix is not None and chosen.any():
            nearest = router.nearest(table, points[chosen]).set_index("origin_id").reindex(table["id"].to_numpy())
            pairs = matrix.columns(chosen).to_long()
            within = ids.isin(meeting_pairs(pairs.assign(origin_id=pairs["origin_id"].astype("string")), norm)
                              ["origin_id"]).to_numpy()
        else:
            nearest = pd.DataFrame(index=table["id"].to_numpy(), columns=["travel_time_min", "total_distance_km",
                                                                          "destination_id"], dtype=float)
            within = np.zeros(len(table), dtype=bool)
        table[f"travel_time_min_{suffix}"] = nearest["travel_time_min"].to_numpy(dtype=float)
        table[f"total_distance_km_{suffix}"] = nearest["total_distance_km"].to_numpy(dtype=float)
        table[f"nearest_point_{suffix}"] = pd.Series(nearest["destination_id"].to_numpy(), index=table.index,
                                                     dtype="string")
        table[f"within_norm_{suffix}"] = within
    table["barrier_free_gap"] = table["within_norm_all"] & ~table["within_norm_accessible"]
    if upper_bound:
        table["barrier_free_gap_if_unknown_accessible"] = (
            table["within_norm_all"] & ~table["within_norm_if_unknown_accessible"]
        )
        notes.append(f"*_if_unknown_accessible: {UPPER_BOUND_LABEL_EN}")
    population = pd.to_numeric(table["population"], errors="coerce")
    if population.isna().any():
        notes.append(f"Population unknown for {int(population.isna().sum())} settlement(s); counted as 0.")

    hromadas = _hromada_table(table, population.fillna(0.0), points, hromada_column, upper_bound)
    hromadas["norm_id"] = norm.id
    hromadas["mode"] = router.mode
    hromadas["method"] = method
    return BarrierFreeCoverage(settlements=table, hromadas=hromadas, points=points, norm=norm, mode=router.mode,
                               method=method, notes=notes)


def _hromada_table(table, population, points, hromada_column, upper_bound) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "hromada": table[hromada_column].to_numpy(),
            "population": population.to_numpy(dtype=float),
            "population_unknown": pd.to_numeric(table["population"], errors="coerce").isna().to_numpy(),
            "all": table["within_norm_all"].to_numpy(dtype=bool),
            "accessible": table["within_norm_accessible"].to_numpy(dtype=bool),
            "gap": table["barrier_free_gap"].to_numpy(dtype=bool),
        }
    )
    if upper_bound:
        frame["upper"] = table["within_norm_if_unknown_accessible"].to_numpy(dtype=bool)
    rows = []
    for hromada, part in frame.groupby("hromada", sort=True):
        total = float(part["population"].sum())
        row = {
            "hromada": hromada,
            "population": total,
            "n_settlements": len(part),
            "n_settlements_population_unknown": int(part["population_unknown"].sum()),
            "population_covered_all": float(part.loc[part["all"], "population"].sum()),
            "population_covered_accessible": float(part.loc[part["accessible"], "population"].sum()),
            "barrier_free_gap_population": float(part.loc[part["gap"], "population"].sum()),
            "n_settlements_gap": int(part["gap"].sum()),
        }
        row["share_covered_all"] = row["population_covered_all"] / total if total > 0 else np.nan
        row["barrier_free_share"] = row["population_covered_accessible"] / total if total > 0 else np.nan
        if upper_bound:
            row["population_covered_if_unknown_accessible"] = float(part.loc[part["upper"], "population"].sum())
            row["barrier_free_share_if_unknown_accessible"] = (
                row["population_covered_if_unknown_accessible"] / total if total > 0 else np.nan
            )
        if hromada_column in points.columns:
            mine = points[points[hromada_column].astype("string") == hromada]
        elif frame["hromada"].nunique() == 1:
            mine = points
        else:
            mine = None
        counts = (mine["barrier_free_status"].value_counts() if mine is not None else pd.Series(dtype=int))
        row["n_points"] = len(mine) if mine is not None else pd.NA
        for status in STATUSES:
            row[f"n_{status}"] = int(counts.get(status, 0)) if mine is not None else pd.NA
        rows.append(row)
    result = pd.DataFrame(rows)
    for column in ("n_points", *(f"n_{s}" for s in STATUSES)):
        result[column] = result[column].astype("Int64")
    return result


def barrier_free_share_by_hromada(coverage: BarrierFreeCoverage) -> dict[str, float]:
    """Hromada code -> ``barrier_free_share`` (population covered by an accessible point / total population).

    Shaped for the ``barrier_free`` argument of :func:`analysis.compare.rank_hromadas`.
    """
    table = coverage.hromadas
    return {str(h): (float(v) if pd.notna(v) else float("nan")) for h, v in zip(table["hromada"],
                                                                                table["barrier_free_share"])}
