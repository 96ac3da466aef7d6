"""Where to put k new service points to bring the most people within the norm."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy import sparse

from analysis.errors import DataError
from analysis.metrics.norms import Norm
from analysis.network.graph import RoadNetwork
from analysis.network.profiles import Profile
from analysis.planning.mclp import solve_mclp
from analysis.planning.scenario import PlanningContext
from analysis.planning.scenario import covered_by as covered_in_matrix
from analysis.routing.estimate import EstimateRouter
from analysis.routing.router import Router


# ================================================================================================================
# Maximal covering location: suggest_points
# ================================================================================================================
@dataclass
class Suggestion:
    """Result of :func:`suggest_points`.

    Attributes
    ----------
    points
        Chosen candidates, most useful first: ``candidate_id``, ``rank``, ``newly_covered_population`` (marginal,
        given the points ranked before it), ``cumulative_newly_covered``, ``n_settlements_newly_covered``, ``cost``,
        ``cost_per_newly_covered_person``.
    settlements
        ``origin_id``, ``population``, ``covered_before``, ``covered_after``, ``covered_by`` (chosen candidate that
        first covers it, or None).
    method
        ``"exact (brute force)"``, ``"exact (CBC)"``, ``"exact (HiGHS)"``, ``"greedy"`` or ``"all useful
        candidates"`` (fewer useful candidates than k).
    optimal
        True when the solution is proved optimal.
    newly_covered_population
        Population covered by the chosen points and not already covered.
    upper_bound, bound_method
        An upper bound on the newly coverable population with k points and how it was obtained (equal to the value
        for exact solutions).
    gap
        ``upper_bound - newly_covered_population`` (0 when optimal).
    total_cost, cost_per_newly_covered_person
        With ``cost_per_point``.
    """

    points: pd.DataFrame
    settlements: pd.DataFrame
    k: int
    method: str
    optimal: bool
    newly_covered_population: float
    covered_population_before: float
    covered_population_after: float
    total_population: float
    upper_bound: float
    bound_method: str
    gap: float
    threshold_min: float | None
    threshold_km: float | None
    norm: Norm | None = None
    total_cost: float | None = None
    cost_per_newly_covered_person: float | None = None
    solve_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def chosen_ids(self) -> list:
        return self.points["candidate_id"].tolist()


def coverage_pairs(od: pd.DataFrame, norm: Norm) -> pd.DataFrame:
    """The OD rows (``travel_time_min`` and ``total_distance_km`` of the fastest route) that meet ``norm``
    (:meth:`~analysis.metrics.norms.Norm.meets`, the check of every page)."""
    values = {}
    for column, threshold in (("travel_time_min", norm.max_time_min), ("total_distance_km", norm.max_distance_km)):
        if column in od.columns:
            values[column] = pd.to_numeric(od[column], errors="coerce").to_numpy(dtype=float)
        elif threshold is not None:
            raise DataError(f"The OD table has no {column!r} column for the norm's threshold.")
        else:
            values[column] = np.full(len(od), np.nan)
    return od.loc[norm.meets(values["travel_time_min"], values["total_distance_km"])]


def suggest_points(
    source: pd.DataFrame | RoadNetwork | PlanningContext | Any,
    k: int,
    threshold_min: float | None = None,
    *,
    threshold_km: float | None = None,
    norm: Norm | None = None,
    population: pd.Series | None = None,
    settlements: gpd.GeoDataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    existing_points: gpd.GeoDataFrame | pd.DataFrame | None = None,
    already_covered: Iterable | None = None,
    mode: str | Profile = "drive",
    method: str = "auto",
    solver: str = "auto",
    cost_per_point: float | pd.Series | None = None,
    time_limit_s: float = 60.0,
    id_column: str = "id",
    population_column: str = "population",
) -> Suggestion:
    """Where to put ``k`` new service points to bring the most people within the norm (maximal covering).

    A settlement is *covered* by a point when the pair meets the norm (:func:`coverage_pairs`: the same check as
    the coverage page). Settlements already covered by ``existing_points`` (or listed in ``already_covered``)
    count for nothing, and settlements the router cannot route (too far from the roads) weigh nothing; the
    objective is the newly covered population.

    Parameters
    ----------
    source
        * an OD table settlements x candidates (``origin_id``, ``destination_id``, ``travel_time_min``,
          ``total_distance_km``) with ``population`` (Series by settlement id) or ``settlements``;
          ``existing_points`` may then be an OD table settlements x existing points;
        * a router (:func:`analysis.routing.router.router_for`) or a :class:`~analysis.network.graph.RoadNetwork`
          with ``settlements``, optional ``candidates`` (default: the settlements themselves) and
          ``existing_points`` (GeoDataFrames): the pairs come from its travel matrix;
        * a :class:`~analysis.planning.scenario.PlanningContext`: its router, settlements, points and norm.
    k
        Number of new points.
    norm
        The norm (default: the context's; else a norm made of ``threshold_min`` / ``threshold_km``, every
        threshold to hold).
    method, solver, time_limit_s
        See :func:`analysis.planning.mclp.solve_mclp`.
    cost_per_point
        Cost of one new point (a number, or a Series by candidate id): reports total cost and cost per newly
        covered person.
    """
    started = time.perf_counter()
    notes: list[str] = []
    existing_od: pd.DataFrame | None = None
    covered_ids: set = set(already_covered) if already_covered is not None else set()
    unrouted: set = set()
    router = None
    if isinstance(source, PlanningContext):
        context = source
        norm = norm or context.norm
        router, settlements, id_column = context.router, context.settlements, context.id_column
        if existing_points is None:
            covered_ids |= set(context.settlement_ids[covered_in_matrix(context.baseline, norm)].tolist())
        unrouted |= set(context.settlement_ids[~context.baseline.origin_routed].tolist())
    elif isinstance(source, RoadNetwork):
        router = Router(source, mode)
    elif isinstance(source, (Router, EstimateRouter)):
        router = source
    elif not isinstance(source, pd.DataFrame):
        raise DataError("suggest_points needs an OD table, a router, a RoadNetwork or a PlanningContext.")
    if norm is None:
        if threshold_min is None and threshold_km is None:
            raise DataError("Give the norm (or threshold_min and/or threshold_km).")
        norm = Norm(id="suggest", label_uk="", label_en="", applies_to="cnap", max_time_min=threshold_min,
                    max_distance_km=threshold_km)
    if router is not None:
        if settlements is None:
            raise DataError("suggest_points with a router needs the settlements.")
        candidates = settlements if candidates is None else candidates
        matrix = router.matrix(settlements, candidates, limit_min=norm.search_limit_min, id_column=id_column)
        od = matrix.to_long()
        unrouted |= set(np.asarray(matrix.origin_ids, dtype=object)[~matrix.origin_routed].tolist())
        if existing_points is not None and len(existing_points):
            existing_od = router.matrix(settlements, existing_points, limit_min=norm.search_limit_min,
                                        id_column=id_column).to_long()
        candidate_ids = candidates[id_column].astype(object).to_numpy()
    else:
        od = source
        if existing_points is not None:
            if isinstance(existing_points, gpd.GeoDataFrame) and "origin_id" not in existing_points.columns:
                raise DataError("With an OD table, give existing points as an OD table too (or use a router).")
            existing_od = existing_points
        candidate_ids = pd.unique(od["destination_id"].to_numpy())

    if population is None:
        if settlements is None or population_column not in settlements.columns:
            raise DataError("Give the population (Series by settlement id) or settlements with a population column.")
        population = pd.Series(pd.to_numeric(settlements[population_column], errors="coerce").to_numpy(dtype=float),
                               index=settlements[id_column].to_numpy())
    population = pd.to_numeric(population, errors="coerce").astype(float)
    if population.index.duplicated().any():
        raise DataError("The population needs one value per settlement id.")
    if population.isna().any():
        notes.append(f"{int(population.isna().sum())} settlement(s) without population count as 0")
    origin_ids = population.index
    pop = population.fillna(0.0).to_numpy()

    if existing_od is not None:
        covered_ids |= set(coverage_pairs(existing_od, norm)["origin_id"].tolist())
    covered_before = np.isin(origin_ids.to_numpy(), list(covered_ids)) if covered_ids else np.zeros(len(pop), bool)
    weight = np.where(covered_before, 0.0, pop)
    if unrouted:
        off_roads = np.isin(origin_ids.to_numpy(), list(unrouted))
        weight = np.where(off_roads, 0.0, weight)
        notes.append(f"{int(off_roads.sum())} settlement(s) too far from the road network: left out")

    pairs = coverage_pairs(od, norm)
    cand_index = pd.Index(candidate_ids)
    rows = cand_index.get_indexer(pairs["destination_id"].to_numpy())
    cols = origin_ids.get_indexer(pairs["origin_id"].to_numpy())
    ok = (rows >= 0) & (cols >= 0)
    if (cols < 0).any():
        notes.append(f"{int((cols < 0).sum())} OD pair(s) name settlements without population: ignored")
    cover = sparse.csr_matrix((np.ones(int(ok.sum())), (rows[ok], cols[ok])), shape=(len(cand_index), len(pop)))
    cover.sum_duplicates()
    cover.data = np.ones_like(cover.data)

    result = solve_mclp(cover, weight, k, method=method, solver=solver, time_limit_s=time_limit_s)

    # order the chosen points by marginal contribution (greedy within the chosen set)
    chosen = list(result["chosen"])
    order, remaining, marginals, counts = [], weight.copy(), [], []
    covered_by = np.full(len(pop), None, dtype=object)
    taken = covered_before.copy()
    left = list(chosen)
    while left:  # loop over the k chosen points
        gains = cover[left] @ remaining
        best = int(np.argmax(gains))
        j = left.pop(best)
        hit = cover.indices[cover.indptr[j]:cover.indptr[j + 1]]
        new = hit[~taken[hit]]
        covered_by[new] = cand_index[j]
        taken[new] = True
        remaining[hit] = 0.0
        marginals.append(float(gains[best]))
        counts.append(len(new))
        order.append(j)
    ids = cand_index.to_numpy()[order] if order else np.array([], dtype=object)
    if cost_per_point is None:
        costs = np.full(len(order), np.nan)
    elif isinstance(cost_per_point, pd.Series):
        costs = cost_per_point.reindex(ids).to_numpy(dtype=float)
    else:
        costs = np.full(len(order), float(cost_per_point))
    marg = np.asarray(marginals, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_person = np.where(marg > 0, costs / marg, np.nan)
    points = pd.DataFrame(
        {
            "candidate_id": ids,
            "rank": np.arange(1, len(order) + 1),
            "newly_covered_population": marg,
            "cumulative_newly_covered": np.cumsum(marg),
            "n_settlements_newly_covered": np.asarray(counts, dtype=np.int64),
            "cost": costs,
            "cost_per_newly_covered_person": per_person,
        }
    )
    covered_after = taken
    table = pd.DataFrame(
        {
            "origin_id": origin_ids.to_numpy(),
            "population": population.to_numpy(),
            "covered_before": covered_before,
            "covered_after": covered_after,
            "covered_by": covered_by,
        }
    )
    value = float(result["value"])
    total_cost = float(np.nansum(costs)) if cost_per_point is not None else None
    if cost_per_point is not None and np.isnan(costs).any():
        notes.append("some chosen candidates have no cost: left out of the total")
    if len(order) < k:
        notes.append(f"only {len(order)} new point(s) bring anyone new within the threshold")
    return Suggestion(
        points=points,
        settlements=table,
        k=int(k),
        method=result["method"],
        optimal=bool(result["optimal"]),
        newly_covered_population=value,
        covered_population_before=float(pop[covered_before].sum()),
        covered_population_after=float(pop[covered_after].sum()),
        total_population=float(pop.sum()),
        upper_bound=float(result["upper_bound"]),
        bound_method=result["bound_method"],
        gap=float(result["upper_bound"]) - value,
        threshold_min=norm.max_time_min,
        threshold_km=norm.max_distance_km,
        norm=norm,
        total_cost=total_cost,
        cost_per_newly_covered_person=(total_cost / value if total_cost is not None and value > 0 else None),
        solve_seconds=time.perf_counter() - started,
        notes=notes,
    )
