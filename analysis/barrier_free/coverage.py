"""Barrier-free coverage: who can reach a service point that is *accessible*, not just any point — as a lower and
an upper bound.

:func:`barrier_free_coverage` routes every settlement to the points of the norm's service kind (one travel matrix)
and checks, with the one norm check of :mod:`analysis.metrics.coverage` (default: the ЦНАП access norm, ≤ 14 km or
≤ 30 min by car, :data:`analysis.metrics.norms.DEFAULT_NORMS`), three point sets:

``all``
    every point of the kind (equals the coverage page);
``accessible`` — the **lower bound**
    points whose wheelchair status (:mod:`analysis.barrier_free.status`) is ``accessible``
    (:data:`~analysis.barrier_free.status.LOWER_BOUND_STATUSES`);
``if_unknown_accessible`` — the **upper bound**
    accessible points and points of ``unknown`` status, those whose sources disagree included
    (:data:`~analysis.barrier_free.status.UPPER_BOUND_STATUSES`): the population reached if every open question
    were answered "accessible". Points with a known barrier (``partly``, ``not_accessible``) are in neither bound.

Unknown is never counted as accessible, and never as not accessible: where the points a settlement would use are of
unknown status, the settlement's ``barrier_free_reach`` is ``unknown`` and the texts say "between X and Y" and
"unknown for N points — survey" (:func:`reach_sentence`), never "outside the norm".

Per settlement: ``travel_time_min_<set>``, ``within_norm_<set>``, ``barrier_free_reach`` (:data:`REACH_CLASSES`),
``barrier_free_gap`` (a point within the norm, but no confirmed accessible one) and
``barrier_free_gap_if_unknown_accessible`` (a point within the norm, but only ones with a known barrier).
Per hromada: total population, population covered by any point, the lower bound (``population_covered_accessible``,
``barrier_free_share``) and the upper bound (``population_covered_if_unknown_accessible``,
``barrier_free_share_if_unknown_accessible``), gap populations, point counts per status (``n_disagree`` of them
unknown because the sources disagree) and per full-checklist status. :func:`barrier_free_share_by_hromada` gives
either bound per hromada for the donor ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.barrier_free.status import (
    CHECKLIST_STATUSES,
    LOWER_BOUND_STATUSES,
    STATUSES,
    UPPER_BOUND_STATUSES,
    assess_points,
    disagree_mask,
)
from analysis.errors import DataError
from analysis.i18n import label_table, text
from analysis.metrics.coverage import meeting_pairs
from analysis.metrics.norms import DEFAULT_NORMS, Norm, get_norm
from analysis.network.graph import RoadNetwork
from analysis.routing.estimate import DEFAULT_CIRCUITY, ESTIMATE_LABEL_EN, ESTIMATE_LABEL_UK
from analysis.routing.router import router_for
from analysis.routing.snap import DEFAULT_MAX_SNAP_M, DEFAULT_MIN_COMPONENT_NODES
from analysis.textformat import fmt_int, fmt_num, fmt_pct

#: Label of every "if unknown-status points were accessible" (upper-bound) figure (catalog key ``bf.bound.upper``).
UPPER_BOUND_LABEL_EN = text("bf.bound.upper", "en")
UPPER_BOUND_LABEL_UK = text("bf.bound.upper", "uk")


#: Label of every "accessible points only" (lower-bound) figure (catalog key ``bf.bound.lower``).
LOWER_BOUND_LABEL_EN = text("bf.bound.lower", "en")
LOWER_BOUND_LABEL_UK = text("bf.bound.lower", "uk")


#: Point sets routed to: suffix -> statuses counted as accessible (None = every point).
_POINT_SETS: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "accessible": LOWER_BOUND_STATUSES,
    "if_unknown_accessible": UPPER_BOUND_STATUSES,
}


#: Per-settlement barrier-free reach (``barrier_free_reach``), best first.
REACH_CLASSES: tuple[str, ...] = ("accessible", "unknown", "known_barrier", "no_point")


REACH_LABELS: dict[str, dict[str, str]] = label_table("bf.reach", REACH_CLASSES)


@dataclass
class BarrierFreeCoverage:
    """Result of :func:`barrier_free_coverage`.

    Attributes
    ----------
    settlements
        One row per settlement (geometry kept): ``id``, ``name``, the hromada column, ``population``, then per
        point set ``all`` / ``accessible`` (lower bound) / ``if_unknown_accessible`` (upper bound):
        ``travel_time_min_<set>``, ``total_distance_km_<set>``, ``nearest_point_<set>``, ``within_norm_<set>``;
        ``barrier_free_reach`` (:data:`REACH_CLASSES`), ``barrier_free_gap`` and
        ``barrier_free_gap_if_unknown_accessible``.
    hromadas
        One row per hromada, see :func:`barrier_free_coverage`.
    points
        The assessed points of the norm's service kind.
    norm, mode, method
        The norm checked, the travel mode, ``network`` or ``estimated``.
    notes, notes_uk
        Plain sentences (English, naming the columns / Ukrainian, for the dashboard; the same sentences in the same
        order) to show beside the figures: estimate labels, the bound labels, missing populations.
    """

    settlements: gpd.GeoDataFrame
    hromadas: pd.DataFrame
    points: gpd.GeoDataFrame
    norm: Norm
    mode: str
    method: str
    notes: list[str] = field(default_factory=list)
    notes_uk: list[str] = field(default_factory=list)

    def notes_in(self, lang: str) -> list[str]:
        """The notes in ``"uk"`` or ``"en"``."""
        return list(self.notes_uk if lang == "uk" else self.notes)


def barrier_free_coverage(
    settlements: gpd.GeoDataFrame,
    service_points: gpd.GeoDataFrame,
    network: RoadNetwork | None = None,
    *,
    norm: Norm | str = "cnap_access",
    mode: str | None = None,
    hromada_column: str = "hromada_katottg",
    circuity: float = DEFAULT_CIRCUITY,
    estimate_speed_kmh: float | None = None,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    min_component_nodes: int = DEFAULT_MIN_COMPONENT_NODES,
    router: Any = None,
) -> BarrierFreeCoverage:
    """Coverage by all points beside coverage by barrier-free points: a lower bound (confirmed accessible points)
    and an upper bound (accessible + unknown-status points).

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
    router
        A ready router (:func:`analysis.routing.router.router_for`); default: made from the arguments above.

    Returns
    -------
    BarrierFreeCoverage
        ``hromadas`` has one row per hromada: ``population``, ``n_settlements``,
        ``n_settlements_population_unknown``, ``population_covered_all``, ``share_covered_all``;
        the lower bound ``population_covered_accessible`` / ``barrier_free_share``; the upper bound
        ``population_covered_if_unknown_accessible`` / ``barrier_free_share_if_unknown_accessible``;
        ``population_reach_unknown`` (upper − lower) with ``n_settlements_reach_unknown``;
        ``barrier_free_gap_population`` / ``n_settlements_gap`` (within the norm of a point, but of no confirmed
        accessible one) and ``barrier_free_gap_population_if_unknown_accessible`` (only points with a known
        barrier within the norm); ``n_points``, ``n_accessible`` / ``n_partly`` / ``n_not_accessible`` /
        ``n_unknown`` (points of the norm's kind in that hromada, by ``hromada_column`` of the points; all points
        when the points lack it and there is one hromada), ``n_disagree`` (of the unknown ones, sources disagree)
        and ``n_checklist_<status>`` per full-checklist status. Populations of settlements with unknown population
        count as 0 (counted in ``n_settlements_population_unknown``).
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
    notes_uk: list[str] = []
    method = router.method
    if method == "estimated":
        for lang, target, label in (("en", notes, ESTIMATE_LABEL_EN), ("uk", notes_uk, ESTIMATE_LABEL_UK)):
            target.append(text("bf.note.estimated", lang, label=label, circuity=fmt_num(router.circuity, lang, 2)))
    matrix = router.matrix(table, points, limit_min=norm.search_limit_min) if len(points) else None
    status = points["barrier_free_status"].to_numpy(dtype=object)
    ids = table["id"].astype("string")
    for suffix, statuses in _POINT_SETS.items():
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
    lower, upper = table["within_norm_accessible"], table["within_norm_if_unknown_accessible"]
    table["barrier_free_reach"] = pd.Series(
        np.select([lower, upper, table["within_norm_all"]], ["accessible", "unknown", "known_barrier"], "no_point"),
        index=table.index, dtype="string")
    table["barrier_free_gap"] = table["within_norm_all"] & ~lower
    table["barrier_free_gap_if_unknown_accessible"] = table["within_norm_all"] & ~upper
    for key in ("bf.note.lower", "bf.note.upper"):
        notes.append(text(key, "en"))
        notes_uk.append(text(key, "uk"))
    population = pd.to_numeric(table["population"], errors="coerce")
    if population.isna().any():
        missing = int(population.isna().sum())
        notes.append(text("bf.note.population_unknown", "en", n=missing))
        notes_uk.append(text("bf.note.population_unknown", "uk", n=missing))

    hromadas = _hromada_table(table, population.fillna(0.0), points, hromada_column)
    hromadas["norm_id"] = norm.id
    hromadas["mode"] = router.mode
    hromadas["method"] = method
    return BarrierFreeCoverage(settlements=table, hromadas=hromadas, points=points, norm=norm, mode=router.mode,
                               method=method, notes=notes, notes_uk=notes_uk)


def _hromada_table(table: pd.DataFrame, population: pd.Series, points: pd.DataFrame,
                   hromada_column: str) -> pd.DataFrame:
    """One row per hromada of the settlement table (see :func:`barrier_free_coverage`)."""
    frame = pd.DataFrame(
        {
            "hromada": table[hromada_column].to_numpy(),
            "population": population.to_numpy(dtype=float),
            "population_unknown": pd.to_numeric(table["population"], errors="coerce").isna().to_numpy(),
            "all": table["within_norm_all"].to_numpy(dtype=bool),
            "accessible": table["within_norm_accessible"].to_numpy(dtype=bool),
            "upper": table["within_norm_if_unknown_accessible"].to_numpy(dtype=bool),
            "gap": table["barrier_free_gap"].to_numpy(dtype=bool),
            "gap_upper": table["barrier_free_gap_if_unknown_accessible"].to_numpy(dtype=bool),
        }
    )
    disagree = disagree_mask(points).to_numpy(dtype=bool) if len(points) else np.zeros(0, dtype=bool)
    checklist = (points["barrier_free_checklist"] if "barrier_free_checklist" in points.columns
                 else pd.Series(pd.NA, index=points.index, dtype="string"))
    count_columns = ("n_points", *(f"n_{s}" for s in STATUSES), "n_disagree",
                     *(f"n_checklist_{s}" for s in CHECKLIST_STATUSES))
    rows = []
    for hromada, part in frame.groupby("hromada", sort=True):
        total = float(part["population"].sum())

        def share(value: float) -> float:
            return value / total if total > 0 else np.nan

        lower = float(part.loc[part["accessible"], "population"].sum())
        upper = float(part.loc[part["upper"], "population"].sum())
        unknown_reach = part["upper"] & ~part["accessible"]
        row: dict[str, Any] = {
            "hromada": hromada,
            "population": total,
            "n_settlements": len(part),
            "n_settlements_population_unknown": int(part["population_unknown"].sum()),
            "population_covered_all": float(part.loc[part["all"], "population"].sum()),
            "population_covered_accessible": lower,
            "population_covered_if_unknown_accessible": upper,
            "population_reach_unknown": upper - lower,
            "n_settlements_reach_unknown": int(unknown_reach.sum()),
            "barrier_free_gap_population": float(part.loc[part["gap"], "population"].sum()),
            "n_settlements_gap": int(part["gap"].sum()),
            "barrier_free_gap_population_if_unknown_accessible": float(part.loc[part["gap_upper"],
                                                                                "population"].sum()),
        }
        row["share_covered_all"] = share(row["population_covered_all"])
        row["barrier_free_share"] = share(lower)
        row["barrier_free_share_if_unknown_accessible"] = share(upper)
        if hromada_column in points.columns:
            mine = (points[hromada_column].astype("string") == hromada).fillna(False).to_numpy(dtype=bool)
        elif frame["hromada"].nunique() == 1:
            mine = np.ones(len(points), dtype=bool)
        else:
            mine = None
        if mine is None:
            row.update({column: pd.NA for column in count_columns})
        else:
            counts = points.loc[mine, "barrier_free_status"].value_counts()
            checks = checklist[mine].value_counts()
            row["n_points"] = int(mine.sum())
            row.update({f"n_{s}": int(counts.get(s, 0)) for s in STATUSES})
            row["n_disagree"] = int(disagree[mine].sum())
            row.update({f"n_checklist_{s}": int(checks.get(s, 0)) for s in CHECKLIST_STATUSES})
        rows.append(row)
    result = pd.DataFrame(rows)
    for column in count_columns:
        result[column] = result[column].astype("Int64")
    return result


def barrier_free_share_by_hromada(coverage: BarrierFreeCoverage, bound: str = "lower") -> dict[str, float]:
    """Hromada code -> barrier-free share: the ``"lower"`` bound (``barrier_free_share``: population within the
    norm of a confirmed accessible point / total population) or the ``"upper"`` bound
    (``barrier_free_share_if_unknown_accessible``: accessible or unknown-status points).

    Shaped for the ``barrier_free`` / ``barrier_free_upper`` arguments of
    :func:`analysis.reporting.compare.rank_hromadas`.
    """
    columns = {"lower": "barrier_free_share", "upper": "barrier_free_share_if_unknown_accessible"}
    if bound not in columns:
        raise DataError(f"bound must be 'lower' or 'upper'; got {bound!r}.")
    table = coverage.hromadas
    return {str(h): (float(v) if pd.notna(v) else float("nan")) for h, v in zip(table["hromada"],
                                                                                table[columns[bound]])}


def reach_sentence(row: Mapping[str, Any], lang: str = "uk") -> str:
    """One sentence on the barrier-free reach of a hromada row of :attr:`BarrierFreeCoverage.hromadas`, in
    Ukrainian (``"uk"``) or English (``"en"``).

    Says "between X and Y" with the number of points of unknown status (and of those whose sources disagree) to
    survey whenever the bounds differ or unknown points exist; says residents have no barrier-free point within the
    norm only when every point is known (accessible, partly or not accessible).
    """
    lower, upper = float(row["population_covered_accessible"]), float(row["population_covered_if_unknown_accessible"])
    total, covered = float(row["population"]), float(row["population_covered_all"])
    n_unknown = int(row["n_unknown"]) if pd.notna(row.get("n_unknown")) else 0
    n_disagree = int(row["n_disagree"]) if pd.notna(row.get("n_disagree")) else 0
    n_points = int(row["n_points"]) if pd.notna(row.get("n_points")) else None

    def pct(value: float) -> str:
        return fmt_pct(value / total if total > 0 else float("nan"), lang)

    if n_points == 0:
        return text("bf.sentence.no_points", lang)
    survey = ""
    if n_unknown:
        survey = text("bf.sentence.survey", lang, n=n_unknown)
        if n_disagree:
            survey += text("bf.sentence.disagree", lang, n=n_disagree)
        survey += text("bf.sentence.survey_needed", lang)
    if lower == upper and not n_unknown:
        if lower == 0:
            return text("bf.sentence.none_accessible", lang, n=int(covered))
        return text("bf.sentence.known", lang, n=int(lower), pct=pct(lower))
    if lower == upper:
        return text("bf.sentence.known_unaffected", lang, n=int(lower), pct=pct(lower), survey=survey)
    return text("bf.sentence.between", lang, lower=fmt_int(lower), n=int(upper), pct_lower=pct(lower),
                pct_upper=pct(upper), survey=survey)
