"""Coverage per norm (and hromada) and the gap list of a norm."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.metrics.coverage import STATUS_MET, STATUS_NOT_EVALUATED, STATUS_NOT_MET, STATUS_UNREACHABLE

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


def _quantiles(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Population-weighted median and 90th percentile: ``np.quantile(..., weights=, method="inverted_cdf")`` — the
    smallest value such that at least that share of the population lives within it (NaN without population)."""
    keep = (weights > 0) & ~np.isnan(values)
    if not keep.any():
        return np.array([np.nan, np.nan])
    return np.quantile(values[keep], [0.5, 0.9], weights=weights[keep], method="inverted_cdf")


def _mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Population-weighted mean over finite values (NaN without population)."""
    keep = np.isfinite(values) & (weights > 0)
    return float(np.average(values[keep], weights=weights[keep])) if keep.any() else float("nan")


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
    quant_t = _quantiles(time_q[use], w[use])
    quant_d = _quantiles(dist_q[use], w[use])
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
        "mean_time_min": _mean(time[use_mean], w[use_mean]),
        "median_time_min": float(quant_t[0]),
        "p90_time_min": float(quant_t[1]),
        "mean_distance_km": _mean(dist[use_mean], w[use_mean]),
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
          population-weighted quantiles (``np.quantile`` with ``weights``, inverted CDF) in which unreachable settlements
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
