"""Capacity-aware accessibility: the enhanced two-step floating catchment area method (E2SFCA).

Nearest-service travel time says how far people live from a ЦНАП; it does not say whether the staff there can
serve them. The two-step floating catchment area method (Radke & Mu 2000; Luo & Wang 2003) combines both, and its
enhanced form (Luo & Qi 2009) weights nearer residents more than farther ones:

Step 1 (per service point j)
    :math:`R_j = S_j / \\sum_i P_i W(t_{ij})` -- staff (administrators) per weighted resident in the point's
    catchment. :math:`\\sum_i P_i W(t_{ij})` is the point's *load* (weighted demand).
Step 2 (per settlement i)
    :math:`A_i = \\sum_j R_j W(t_{ij})` -- administrators per resident available to the settlement.

``W`` is zero beyond the catchment (``catchment_min``). Because both steps use the same weights,
:math:`\\sum_i P_i A_i = \\sum_j S_j` over the points with a non-zero load: every administrator is shared out
among residents exactly once (tested).

Scores are reported both raw (administrators per resident, and per 10,000) and inverted as "residents per
administrator", compared with a staffing benchmark (:data:`ULEAD_RESIDENTS_PER_ADMINISTRATOR`).

Missing staff numbers (``workers_total`` empty) are never read as zero: such points are left out of the supply
and every settlement and point concerned says so in its ``notes``.

All functions are pure: inputs are tables, outputs are tables; no file I/O.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.errors import DataError

#: Staffing benchmark: residents per ЦНАП administrator (~2,000).
#:
#: Source: U-LEAD with Europe programme, ЦНАП planning guidance (handbook "Як створити належний ЦНАП. Досвід
#: Програми «U-LEAD з Європою»", https://tsnap.ulead.org.ua/): roughly one front-office administrator per ~2,000
#: residents served. An order-of-magnitude planning figure, not a legal norm (the page of the handbook was not
#: re-checked when this constant was written: verify before quoting it in a publication). Pass
#: ``benchmark_residents_per_admin`` to use another figure.
ULEAD_RESIDENTS_PER_ADMINISTRATOR: float = 2000.0


#: Distance-decay weights of Luo & Qi (2009): (upper bound of the travel-time band in minutes, weight).
#: Residents 0-10 min away count fully, 10-20 min at 0.68, 20-30 min at 0.22 (Luo & Qi derived the three values
#: from a Gaussian decay).
LUO_QI_WEIGHTS: tuple[tuple[float, float], ...] = ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))


NOTE_POPULATION_MISSING = "population unknown: left out of the demand"


NOTE_NO_POINT_IN_CATCHMENT = "no staffed service point within the catchment"


NOTE_UNKNOWN_STAFF_IN_CATCHMENT = "a service point with unknown staff is within the catchment: score is a lower bound"


NOTE_STAFF_MISSING = "staff number (workers_total) unknown: left out of the supply"


NOTE_STAFF_ZERO = "no staff reported (workers_total = 0)"


NOTE_NO_DEMAND = "no residents within the catchment"


WeightSpec = Sequence[tuple[float, float]] | str | Callable[[np.ndarray], np.ndarray]


class E2SFCAResult(NamedTuple):
    """Result of :func:`e2sfca`; unpacks as ``settlements, points``.

    Attributes
    ----------
    settlements
        One row per settlement: ``origin_id``, ``population``, ``accessibility`` (administrators per resident,
        :math:`A_i`), ``administrators_per_10k``, ``residents_per_administrator`` (:math:`1/A_i`, NaN when no
        staffed point is in reach), ``ratio_to_benchmark`` (residents per administrator / benchmark; above 1 =
        fewer administrators than the benchmark), ``meets_benchmark`` (nullable boolean),
        ``n_points_in_catchment``, ``notes``.
    points
        One row per service point: ``destination_id``, ``administrators`` (:math:`S_j`, NaN if unknown),
        ``weighted_demand`` (load, :math:`\\sum_i P_i W_{ij}`), ``population_in_catchment`` (unweighted),
        ``n_settlements_in_catchment``, ``administrators_per_resident`` (:math:`R_j`),
        ``residents_per_administrator`` (load / staff), ``ratio_to_benchmark``, ``over_benchmark`` (nullable
        boolean: more weighted residents per administrator than the benchmark), ``notes``.

    Both tables carry the parameters in ``DataFrame.attrs``.
    """

    settlements: pd.DataFrame
    points: pd.DataFrame


def decay_weights(minutes: np.ndarray, catchment_min: float = 30.0, weights: WeightSpec = LUO_QI_WEIGHTS) -> np.ndarray:
    """Distance-decay weight for each travel time.

    Parameters
    ----------
    minutes
        Travel times in minutes (NaN = unreachable, weight 0).
    catchment_min
        Catchment size: the weight is 0 for times above it.
    weights
        * a sequence of ``(upper_min, weight)`` bands with increasing upper bounds: a time ``t`` gets the weight
          of the first band with ``t <= upper_min`` (0 beyond the last band), default :data:`LUO_QI_WEIGHTS`;
        * ``"gaussian"``: the Gaussian of Dai (2010), ``(exp(-t²/(2 t0²)) - exp(-1/2)) / (1 - exp(-1/2))`` with
          ``t0 = catchment_min``: 1 at 0 min, falling smoothly to 0 at the catchment edge;
        * a callable mapping an array of minutes to weights in [0, 1].

    Returns
    -------
    numpy.ndarray
        Weights in [0, 1], same shape as ``minutes``.
    """
    t = np.asarray(minutes, dtype=float)
    if catchment_min is None or not np.isfinite(catchment_min) or catchment_min <= 0:
        raise ValueError(f"catchment_min must be a positive number of minutes; got {catchment_min!r}")
    if (t < 0).any():
        raise ValueError("Travel times must not be negative.")
    inside = np.isfinite(t) & (t <= catchment_min)
    safe = np.where(np.isfinite(t), t, 0.0)
    if isinstance(weights, str):
        if weights != "gaussian":
            raise ValueError(f"Unknown decay {weights!r}: give 'gaussian', bands ((upper_min, weight), ...) "
                             "or a function.")
        edge = np.exp(-0.5)
        w = (np.exp(-0.5 * (safe / catchment_min) ** 2) - edge) / (1.0 - edge)
    elif callable(weights):
        w = np.asarray(weights(safe), dtype=float)
        if w.shape != t.shape:
            raise ValueError("The decay function must return one weight per travel time.")
    else:
        bands = np.asarray(list(weights), dtype=float).reshape(-1, 2)
        if len(bands) == 0:
            raise ValueError("Give at least one (upper_min, weight) band.")
        uppers, values = bands[:, 0], bands[:, 1]
        if (np.diff(uppers) <= 0).any() or uppers[0] <= 0:
            raise ValueError(f"Band upper bounds must be positive and increasing; got {uppers.tolist()}")
        band = np.searchsorted(uppers, safe, side="left")
        w = np.append(values, 0.0)[band]
    if not np.isfinite(w[inside]).all() or (w[inside] < 0).any() or (w[inside] > 1).any():
        raise ValueError("Decay weights must lie in [0, 1].")
    return np.where(inside, w, 0.0)


def _ids_union(first: pd.Index, second: pd.Series) -> pd.Index:
    extra = pd.Index(pd.unique(second.to_numpy()))
    return first.append(extra.difference(first, sort=False)) if len(extra) else first


def _join_notes(flags: list[tuple[np.ndarray, str]], n: int) -> np.ndarray:
    """'; '-joined note texts per row from (mask, text) pairs (vectorised over rows)."""
    notes = np.full(n, "", dtype=object)
    for mask, text in flags:
        mask = np.asarray(mask, dtype=bool)
        notes = np.where(mask, np.where(notes == "", text, notes + "; " + text), notes)
    return notes


def e2sfca(
    od: pd.DataFrame,
    demand: pd.Series,
    supply: pd.Series,
    *,
    catchment_min: float = 30.0,
    weights: WeightSpec = LUO_QI_WEIGHTS,
    benchmark_residents_per_admin: float = ULEAD_RESIDENTS_PER_ADMINISTRATOR,
) -> E2SFCAResult:
    """Enhanced two-step floating catchment accessibility of settlements to staffed service points.

    Parameters
    ----------
    od
        Travel times, long format: ``origin_id``, ``destination_id``, ``travel_time_min`` (e.g. from
        :func:`analysis.routing.od_matrix`, ideally with ``cutoff_min=catchment_min``). Missing pairs and NaN
        times mean "out of reach" (weight 0). Each pair at most once.
    demand
        Population by settlement id (index). NaN = unknown: left out of step 1 and flagged. Settlements present
        only in ``od`` are treated as unknown population.
    supply
        Capacity by service-point id (index), e.g. administrators = ``workers_total``. NaN = unknown: the point
        is left out of the supply (never read as 0) and flagged; points present only in ``od`` likewise.
    catchment_min
        Catchment size in minutes (weight 0 beyond).
    weights
        Distance decay, see :func:`decay_weights` (default: Luo & Qi 2009 bands 10/20/30 min -> 1/0.68/0.22;
        ``"gaussian"`` for the Gaussian decay).
    benchmark_residents_per_admin
        Staffing benchmark in residents per administrator (default :data:`ULEAD_RESIDENTS_PER_ADMINISTRATOR`,
        ~2,000, U-LEAD with Europe ЦНАП guidance).

    Returns
    -------
    E2SFCAResult
        ``(settlements, points)`` tables, see :class:`E2SFCAResult`.

    Notes
    -----
    Computed with one sparse weight matrix ``W`` (settlements x points): ``load = Wᵀ P``, ``R = S / load``,
    ``A = W R``; no loop over pairs.
    """
    for column in ("origin_id", "destination_id", "travel_time_min"):
        if column not in od.columns:
            raise DataError(f"The OD table needs a {column!r} column; columns found: {list(od.columns)}.")
    if benchmark_residents_per_admin is None or not benchmark_residents_per_admin > 0:
        raise ValueError("benchmark_residents_per_admin must be a positive number.")
    if od.duplicated(["origin_id", "destination_id"]).any():
        dup = od.loc[od.duplicated(["origin_id", "destination_id"]), ["origin_id", "destination_id"]].head(3)
        raise DataError(f"The OD table lists some pairs more than once: {dup.to_dict('records')}.")
    if demand.index.duplicated().any() or supply.index.duplicated().any():
        raise DataError("Demand and supply need one value per id (duplicated index).")
    population = pd.to_numeric(demand, errors="coerce").astype(float)
    staff = pd.to_numeric(supply, errors="coerce").astype(float)
    if (population < 0).any():
        raise DataError("Population must not be negative.")
    if (staff < 0).any():
        raise DataError("Supply (staff numbers) must not be negative.")

    origins = _ids_union(population.index, od["origin_id"])
    points = _ids_union(staff.index, od["destination_id"])
    P = population.reindex(origins).to_numpy(dtype=float)
    S = staff.reindex(points).to_numpy(dtype=float)
    p_known = np.isfinite(P)
    s_known = np.isfinite(S)
    P0 = np.where(p_known, P, 0.0)

    w = decay_weights(od["travel_time_min"].to_numpy(dtype=float), catchment_min, weights)
    keep = w > 0
    rows = origins.get_indexer(od["origin_id"].to_numpy()[keep])
    cols = points.get_indexer(od["destination_id"].to_numpy()[keep])
    W = sparse.csr_matrix((w[keep], (rows, cols)), shape=(len(origins), len(points)))
    reach = W.copy()
    reach.data = np.ones_like(reach.data)

    # step 1: load and supply-to-demand ratio per point
    load = W.T @ P0
    has_load = load > 0
    usable = s_known & has_load
    R = np.divide(S, load, out=np.zeros(len(points)), where=usable)
    # step 2: accessibility per settlement
    A = W @ R

    n_usable = reach @ usable.astype(float)
    n_unknown = reach @ (~s_known).astype(float)
    benchmark = float(benchmark_residents_per_admin)
    with np.errstate(divide="ignore", invalid="ignore"):
        residents_per_admin = np.where(A > 0, 1.0 / A, np.nan)
    meets = pd.array(np.where(A > 0, residents_per_admin <= benchmark, False), dtype="boolean")
    settlement_notes = _join_notes(
        [
            (~p_known, NOTE_POPULATION_MISSING),
            (A <= 0, NOTE_NO_POINT_IN_CATCHMENT),
            (n_unknown > 0, NOTE_UNKNOWN_STAFF_IN_CATCHMENT),
        ],
        len(origins),
    )
    settlements = pd.DataFrame(
        {
            "origin_id": origins.to_numpy(),
            "population": P,
            "accessibility": A,
            "administrators_per_10k": A * 10_000.0,
            "residents_per_administrator": residents_per_admin,
            "ratio_to_benchmark": residents_per_admin / benchmark,
            "meets_benchmark": meets,
            "n_points_in_catchment": n_usable.round().astype(np.int64),
            "notes": settlement_notes,
        }
    )

    with np.errstate(divide="ignore", invalid="ignore"):
        point_rpa = np.where(s_known & (S > 0), load / S, np.nan)
    over = pd.array(np.where(np.isfinite(point_rpa), point_rpa > benchmark, False), dtype="boolean")
    over[~np.isfinite(point_rpa)] = pd.NA
    point_notes = _join_notes(
        [
            (~s_known, NOTE_STAFF_MISSING),
            (s_known & (S == 0), NOTE_STAFF_ZERO),
            (~has_load, NOTE_NO_DEMAND),
        ],
        len(points),
    )
    table = pd.DataFrame(
        {
            "destination_id": points.to_numpy(),
            "administrators": S,
            "weighted_demand": load,
            "population_in_catchment": reach.T @ P0,
            "n_settlements_in_catchment": np.asarray(reach.sum(axis=0)).ravel().round().astype(np.int64),
            "administrators_per_resident": np.where(usable, R, np.nan),
            "residents_per_administrator": point_rpa,
            "ratio_to_benchmark": point_rpa / benchmark,
            "over_benchmark": over,
            "notes": point_notes,
        }
    )
    attrs = {
        "method": "E2SFCA",
        "catchment_min": float(catchment_min),
        "weights": weights if isinstance(weights, str) else ("custom function" if callable(weights) else
                                                              [tuple(map(float, b)) for b in weights]),
        "benchmark_residents_per_admin": benchmark,
        "benchmark_source": "U-LEAD with Europe ЦНАП guidance (~2,000 residents per administrator)"
        if benchmark == ULEAD_RESIDENTS_PER_ADMINISTRATOR else "user-supplied",
    }
    settlements.attrs.update(attrs)
    table.attrs.update(attrs)
    return E2SFCAResult(settlements=settlements, points=table)
