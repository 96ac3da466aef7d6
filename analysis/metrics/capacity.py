"""Staff against demand at service points: allocation load (the figure) and the E2SFCA accessibility index.

Nearest-service travel time says how far people live from a ЦНАП; it does not say whether the staff there can
serve them. This module gives two answers, which must not be confused:

**Allocation load** (:func:`allocate_to_nearest`, :func:`allocation_from_access`) -- *residents per
administrator*, the figure compared with the staffing benchmark (:data:`ULEAD_RESIDENTS_PER_ADMINISTRATOR`).
Every settlement's population is assigned, whole, to the one point it would use: the nearest point of the
category by the router's travel time, as reported by the nearest-service result
(:attr:`analysis.metrics.access.AccessResult.long`; nothing is routed again). Each resident is therefore counted
once: the points' ``allocated_population`` adds up to the population reached, and the residents not reached (no
route, beyond an optional catchment) or of unknown number are reported separately, never dropped silently.
``residents_per_administrator = allocated_population / administrators``.

**E2SFCA accessibility index** (:func:`e2sfca`) -- the enhanced two-step floating catchment area method
(Radke & Mu 2000; Luo & Wang 2003; Luo & Qi 2009). It is an *index* for comparing settlements, not a count of
residents: catchments overlap, so one resident weighs on every point within reach, and the points' weighted
demands add up to several times the population. It is never compared with the benchmark.

Step 1 (per service point j)
    :math:`R_j = S_j / \\sum_i P_i W(t_{ij})` -- the supply-ratio index; :math:`\\sum_i P_i W(t_{ij})` is the
    point's weighted-demand index.
Step 2 (per settlement i)
    :math:`A_i = \\sum_j R_j W(t_{ij})` -- the accessibility index (administrators per distance-weighted resident,
    shared across overlapping catchments).

``W`` is zero beyond the catchment (``catchment_min``). Because both steps use the same weights,
:math:`\\sum_i P_i A_i = \\sum_j S_j` over the points with a non-zero weighted demand (tested).

Staff numbers are read from the point data's ``workers_total`` (:data:`STAFF_COLUMN`, :func:`point_supply`).
Missing numbers are never read as zero: such points get no residents-per-administrator figure, are left out of
the E2SFCA supply, and every point and settlement concerned says so in its ``notes``. A reported 0 is kept as 0
and flagged (e.g. remote workplaces whose staff is counted at the main office).

All functions are pure: inputs are tables, outputs are tables; no file I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.errors import DataError

#: Staffing benchmark: residents per ЦНАП administrator (~2,000), compared with the *allocation* load only.
#:
#: Source: U-LEAD with Europe programme, ЦНАП planning guidance (handbook "Як створити належний ЦНАП. Досвід
#: Програми «U-LEAD з Європою»", https://tsnap.ulead.org.ua/): roughly one front-office administrator per ~2,000
#: residents served. An order-of-magnitude planning figure, not a legal norm (the page of the handbook was not
#: re-checked when this constant was written: verify before quoting it in a publication). Pass
#: ``benchmark_residents_per_admin`` to :func:`allocate_to_nearest` to use another figure.
ULEAD_RESIDENTS_PER_ADMINISTRATOR: float = 2000.0


#: Column of the service-points table holding the number of administrators (the ЦНАП registry's staff count).
STAFF_COLUMN = "workers_total"


#: Distance-decay weights of Luo & Qi (2009): (upper bound of the travel-time band in minutes, weight).
#: Residents 0-10 min away count fully, 10-20 min at 0.68, 20-30 min at 0.22 (Luo & Qi derived the three values
#: from a Gaussian decay).
LUO_QI_WEIGHTS: tuple[tuple[float, float], ...] = ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))


NOTE_POPULATION_MISSING = "population unknown: left out of the demand"


NOTE_NO_POINT_IN_CATCHMENT = "no staffed service point within the catchment"


NOTE_UNKNOWN_STAFF_IN_CATCHMENT = "a service point with unknown staff is within the catchment: index is a lower bound"


NOTE_STAFF_MISSING = "staff number (workers_total) unknown: left out of the supply"


NOTE_STAFF_ZERO = "no staff reported (workers_total = 0)"


NOTE_NO_DEMAND = "no residents within the catchment"


# --- allocation: settlement status codes (column ``allocation`` of AllocationResult.settlements) ---------------
#: The settlement's residents are counted at its nearest point.
ALLOCATED = "allocated"
#: No point of the kind can be reached (no route, too far from the road network, no point at all): not allocated.
NO_ROUTE = "no_route"
#: The nearest point is farther than ``catchment_min``: not allocated.
BEYOND_CATCHMENT = "beyond_catchment"
#: The settlement's population is unknown: it is routed, but adds nothing (the point's load is a lower bound).
POPULATION_UNKNOWN = "population_unknown"


# --- allocation: staff status codes (column ``staff`` of AllocationResult.points) --------------------------------
#: A positive number of administrators is known.
STAFF_KNOWN = "known"
#: No staff number in the data (``workers_total`` empty or the point absent from it): no figure, flagged.
STAFF_UNKNOWN = "unknown"
#: The data says 0 administrators: no residents-per-administrator figure (division by zero), flagged.
STAFF_ZERO = "zero"


NOTE_ALLOCATED_NO_STAFF_FIGURE = "residents are allocated here but the staff number is unknown: no load figure"


NOTE_ALLOCATED_ZERO_STAFF = ("residents are allocated here but 0 staff is reported (staff may be counted at another "
                             "point): no load figure")


NOTE_POPULATION_UNKNOWN_HERE = "settlement(s) with unknown population use this point: load is a lower bound"


WeightSpec = Sequence[tuple[float, float]] | str | Callable[[np.ndarray], np.ndarray]


class E2SFCAResult(NamedTuple):
    """Result of :func:`e2sfca`; unpacks as ``settlements, points``. Every figure is an **index**, not a number of
    residents, and none is compared with the staffing benchmark (use :func:`allocate_to_nearest` for that).

    Attributes
    ----------
    settlements
        One row per settlement: ``origin_id``, ``population``, ``accessibility_index`` (:math:`A_i`,
        administrators per distance-weighted resident, shared across overlapping catchments),
        ``accessibility_index_per_10k`` (:math:`10\\,000 A_i`), ``n_points_in_catchment``, ``notes``.
    points
        One row per service point: ``destination_id``, ``administrators`` (:math:`S_j`, NaN if unknown),
        ``weighted_demand_index`` (:math:`\\sum_i P_i W_{ij}`: a resident within reach of several points weighs on
        each of them, so these do not add up to the population), ``population_in_catchment`` (unweighted, also
        overlapping), ``n_settlements_in_catchment``, ``supply_ratio_index`` (:math:`R_j`, NaN when the staff is
        unknown or nobody is in the catchment), ``notes``.

    Both tables carry the parameters in ``DataFrame.attrs``.
    """

    settlements: pd.DataFrame
    points: pd.DataFrame


class AllocationResult(NamedTuple):
    """Result of :func:`allocate_to_nearest`; unpacks as ``points, settlements, summary``.

    Attributes
    ----------
    points
        One row per service point: ``destination_id``, ``administrators`` (NaN = unknown), ``staff``
        (:data:`STAFF_KNOWN` / :data:`STAFF_UNKNOWN` / :data:`STAFF_ZERO`), ``n_settlements_allocated``,
        ``allocated_population`` (residents for whom this is the nearest point, each counted once),
        ``residents_per_administrator`` (allocated population / administrators; NaN when the staff is unknown
        or 0), ``ratio_to_benchmark``, ``over_benchmark`` (nullable boolean, NA without a figure),
        ``n_settlements_population_unknown``, ``notes``.
    settlements
        One row per settlement: ``origin_id``, ``population``, ``destination_id`` (the point its residents are
        counted at; missing when not allocated), ``travel_time_min`` (to that point, or to the nearest point when
        beyond the catchment), ``allocation`` (:data:`ALLOCATED` / :data:`NO_ROUTE` / :data:`BEYOND_CATCHMENT` /
        :data:`POPULATION_UNKNOWN`).
    summary
        The hromada's totals: ``population_total`` (known population of all settlements), ``population_allocated``
        (= the sum of the points' ``allocated_population``), ``population_no_route``,
        ``population_beyond_catchment`` (these three add up to ``population_total``),
        ``n_settlements``, ``n_settlements_allocated``, ``n_settlements_no_route``,
        ``n_settlements_beyond_catchment``, ``n_settlements_population_unknown``, ``n_points``,
        ``n_points_over_benchmark``, ``n_points_unknown_staff``, ``n_points_zero_staff``,
        ``population_at_points_without_staff_figure`` (allocated to points with unknown or 0 staff),
        ``administrators_known`` (sum over points with a known number), ``residents_per_administrator_overall``
        (population allocated / administrators, NaN when a point with residents has an unknown staff number),
        ``benchmark_residents_per_admin``, ``catchment_min`` (None = no limit).
    """

    points: pd.DataFrame
    settlements: pd.DataFrame
    summary: dict


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


def settlement_demand(settlements: pd.DataFrame, id_column: str = "id") -> pd.Series:
    """Population by settlement id (NaN = unknown; text and empty cells are unknown, never 0)."""
    return pd.Series(pd.to_numeric(settlements["population"], errors="coerce").to_numpy(dtype=float),
                     index=settlements[id_column].to_numpy())


def point_supply(points: pd.DataFrame, id_column: str = "id") -> pd.Series:
    """Administrators by service-point id from :data:`STAFF_COLUMN` (NaN = unknown: a missing column, an empty
    or non-numeric cell is unknown, never 0)."""
    if STAFF_COLUMN in points.columns:
        values = pd.to_numeric(points[STAFF_COLUMN], errors="coerce").to_numpy(dtype=float)
    else:
        values = np.full(len(points), np.nan)
    return pd.Series(values, index=points[id_column].to_numpy())


def _check_benchmark(benchmark_residents_per_admin: float) -> float:
    """The benchmark as a float; a positive finite number or ValueError."""
    try:
        benchmark = float(benchmark_residents_per_admin)
    except (TypeError, ValueError):
        benchmark = float("nan")
    if not (np.isfinite(benchmark) and benchmark > 0):
        raise ValueError(f"benchmark_residents_per_admin must be a positive number; got {benchmark_residents_per_admin!r}")
    return benchmark


def over_benchmark(residents_per_administrator: np.ndarray,
                   benchmark_residents_per_admin: float = ULEAD_RESIDENTS_PER_ADMINISTRATOR) -> pd.arrays.BooleanArray:
    """The one benchmark check: more residents per administrator than the benchmark (NA where there is no
    figure, i.e. NaN)."""
    benchmark_residents_per_admin = _check_benchmark(benchmark_residents_per_admin)
    value = np.asarray(residents_per_administrator, dtype=float)
    known = np.isfinite(value)
    result = pd.array(np.where(known, value > benchmark_residents_per_admin, False), dtype="boolean")
    result[~known] = pd.NA
    return result


def _check_ids_and_values(demand: pd.Series, supply: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Demand and supply as floats, with one value per id and no negative numbers."""
    if demand.index.duplicated().any() or supply.index.duplicated().any():
        raise DataError("Demand and supply need one value per id (duplicated index).")
    population = pd.to_numeric(demand, errors="coerce").astype(float)
    staff = pd.to_numeric(supply, errors="coerce").astype(float)
    if (population < 0).any():
        raise DataError("Population must not be negative.")
    if (staff < 0).any():
        raise DataError("Supply (staff numbers) must not be negative.")
    return population, staff


def allocate_to_nearest(
    nearest: pd.DataFrame,
    demand: pd.Series,
    supply: pd.Series,
    *,
    catchment_min: float | None = None,
    benchmark_residents_per_admin: float = ULEAD_RESIDENTS_PER_ADMINISTRATOR,
) -> AllocationResult:
    """Residents per administrator by allocation: every settlement's residents counted once, at the point they
    would use.

    Parameters
    ----------
    nearest
        The nearest-service result of one kind of point (group or category): ``origin_id``, ``destination_id``,
        ``travel_time_min`` and optionally ``reachable`` -- e.g. the rows of
        :attr:`analysis.metrics.access.AccessResult.long` for one group (see :func:`allocation_from_access`).
        A row counts when it names a destination, has a finite time and is not ``reachable = False``.
    demand
        Population by settlement id. NaN = unknown: the settlement is reported as :data:`POPULATION_UNKNOWN` and
        adds nothing. Settlements present only in ``nearest`` are treated as unknown population.
    supply
        Administrators by service-point id (:func:`point_supply`). NaN = unknown: no figure for that point
        (never read as 0); points present only in ``nearest`` likewise.
    catchment_min
        Optional limit in minutes: a settlement whose nearest point is farther is not allocated
        (:data:`BEYOND_CATCHMENT`, reported in the summary). None (default): everyone with a route is allocated.
    benchmark_residents_per_admin
        Staffing benchmark (default :data:`ULEAD_RESIDENTS_PER_ADMINISTRATOR`, ~2,000).

    Returns
    -------
    AllocationResult
        ``(points, settlements, summary)``, see :class:`AllocationResult`.

    Notes
    -----
    **Allocation rule.** A settlement's residents all go to one point, never split: the fastest of its counted
    rows. The nearest-service result has one row per settlement, so this is the router's nearest point as it
    is; the router resolves equal times itself. **Tie rule** (when ``nearest`` holds several rows of one
    settlement, e.g. an OD table): equal travel times go to the point whose id sorts first as text, so the result
    never depends on the order of the rows.
    """
    for column in ("origin_id", "destination_id", "travel_time_min"):
        if column not in nearest.columns:
            raise DataError(f"The nearest-service table needs a {column!r} column; columns found: "
                            f"{list(nearest.columns)}.")
    if catchment_min is not None and not (np.isfinite(catchment_min) and catchment_min > 0):
        raise ValueError(f"catchment_min must be a positive number of minutes or None; got {catchment_min!r}")
    population, staff = _check_ids_and_values(demand, supply)
    benchmark = _check_benchmark(benchmark_residents_per_admin)

    minutes = pd.to_numeric(nearest["travel_time_min"], errors="coerce").to_numpy(dtype=float)
    counted = nearest["destination_id"].notna().to_numpy() & np.isfinite(minutes)
    if "reachable" in nearest.columns:
        counted &= nearest["reachable"].fillna(False).astype(bool).to_numpy()
    rows = pd.DataFrame({
        "origin_id": nearest["origin_id"].to_numpy(),
        "destination_id": nearest["destination_id"].to_numpy(),
        "travel_time_min": minutes,
    })[counted]
    # the fastest row per settlement; equal times -> the destination id first as text (the tie rule)
    rows = rows.assign(_tie=rows["destination_id"].astype(str)).sort_values(
        ["travel_time_min", "_tie"], kind="mergesort")
    best = rows.drop_duplicates("origin_id").set_index("origin_id")

    origins = _ids_union(population.index, nearest["origin_id"])
    P = population.reindex(origins).to_numpy(dtype=float)
    p_known = np.isfinite(P)
    chosen = best["destination_id"].reindex(origins)
    time = best["travel_time_min"].reindex(origins).to_numpy(dtype=float)
    has_route = chosen.notna().to_numpy()
    inside = has_route & (True if catchment_min is None else time <= catchment_min)
    status = np.where(~has_route, NO_ROUTE, np.where(~inside, BEYOND_CATCHMENT,
                                                      np.where(p_known, ALLOCATED, POPULATION_UNKNOWN)))
    allocated = status == ALLOCATED
    settlements = pd.DataFrame({
        "origin_id": origins.to_numpy(),
        "population": P,
        "destination_id": np.where(inside, chosen.to_numpy(dtype=object), None),
        "travel_time_min": time,
        "allocation": status.astype(object),
    })

    point_ids = _ids_union(staff.index, best["destination_id"])
    S = staff.reindex(point_ids).to_numpy(dtype=float)
    s_known = np.isfinite(S)
    col = point_ids.get_indexer(settlements["destination_id"].to_numpy()[allocated])
    load = np.bincount(col, weights=P[allocated], minlength=len(point_ids)).astype(float)
    n_alloc = np.bincount(col, minlength=len(point_ids)).astype(np.int64)
    unknown_pop = status == POPULATION_UNKNOWN
    n_unknown_pop = np.bincount(point_ids.get_indexer(settlements["destination_id"].to_numpy()[unknown_pop]),
                                minlength=len(point_ids)).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rpa = np.where(s_known & (S > 0), load / S, np.nan)
    staff_status = np.where(~s_known, STAFF_UNKNOWN, np.where(S == 0, STAFF_ZERO, STAFF_KNOWN)).astype(object)
    has_people = n_alloc > 0
    notes = _join_notes(
        [
            (~s_known, NOTE_STAFF_MISSING),
            (s_known & (S == 0), NOTE_STAFF_ZERO),
            (~s_known & has_people, NOTE_ALLOCATED_NO_STAFF_FIGURE),
            (s_known & (S == 0) & has_people, NOTE_ALLOCATED_ZERO_STAFF),
            (n_unknown_pop > 0, NOTE_POPULATION_UNKNOWN_HERE),
        ],
        len(point_ids),
    )
    over = over_benchmark(rpa, benchmark)
    points = pd.DataFrame({
        "destination_id": point_ids.to_numpy(),
        "administrators": S,
        "staff": staff_status,
        "n_settlements_allocated": n_alloc,
        "allocated_population": load,
        "residents_per_administrator": rpa,
        "ratio_to_benchmark": rpa / benchmark,
        "over_benchmark": over,
        "n_settlements_population_unknown": n_unknown_pop,
        "notes": notes,
    })

    known_pop = np.where(p_known, P, 0.0)
    no_figure = has_people & ~(s_known & (S > 0))
    admins_known = float(S[s_known].sum())
    population_allocated = float(load.sum())
    overall = (population_allocated / admins_known
               if admins_known > 0 and not (has_people & ~s_known).any() else float("nan"))
    summary = {
        "population_total": float(known_pop.sum()),
        "population_allocated": population_allocated,
        "population_no_route": float(known_pop[status == NO_ROUTE].sum()),
        "population_beyond_catchment": float(known_pop[status == BEYOND_CATCHMENT].sum()),
        "n_settlements": len(origins),
        "n_settlements_allocated": int(allocated.sum()),
        "n_settlements_no_route": int((status == NO_ROUTE).sum()),
        "n_settlements_beyond_catchment": int((status == BEYOND_CATCHMENT).sum()),
        "n_settlements_population_unknown": int((~p_known).sum()),
        "n_points": len(point_ids),
        "n_points_over_benchmark": int(over.fillna(False).sum()),
        "n_points_unknown_staff": int((~s_known).sum()),
        "n_points_zero_staff": int((s_known & (S == 0)).sum()),
        "population_at_points_without_staff_figure": float(load[no_figure].sum()),
        "administrators_known": admins_known,
        "residents_per_administrator_overall": overall,
        "benchmark_residents_per_admin": benchmark,
        "catchment_min": None if catchment_min is None else float(catchment_min),
    }
    attrs = {"method": "allocation to the nearest point", "catchment_min": summary["catchment_min"],
             "benchmark_residents_per_admin": benchmark,
             "benchmark_source": "U-LEAD with Europe ЦНАП guidance (~2,000 residents per administrator)"
             if benchmark == ULEAD_RESIDENTS_PER_ADMINISTRATOR else "user-supplied"}
    points.attrs.update(attrs)
    settlements.attrs.update(attrs)
    return AllocationResult(points=points, settlements=settlements, summary=summary)


def allocation_from_access(
    access,
    settlements: pd.DataFrame,
    service_points: pd.DataFrame,
    value: str,
    *,
    catchment_min: float | None = None,
    benchmark_residents_per_admin: float = ULEAD_RESIDENTS_PER_ADMINISTRATOR,
) -> AllocationResult:
    """:func:`allocate_to_nearest` for one group/category of an
    :class:`~analysis.metrics.access.AccessResult` (its nearest-service rows are reused; nothing is routed).

    ``settlements`` gives the population (:func:`settlement_demand`), ``service_points`` the staff of the points
    of ``value`` (:func:`point_supply`; points of the kind the router did not pick for anyone get 0 residents).
    """
    by = access.by
    if by not in service_points.columns:
        raise DataError(f"Service points have no {by!r} column; columns found: {list(service_points.columns)}.")
    rows = access.long[access.long[by] == value]
    points = service_points[service_points[by] == value]
    return allocate_to_nearest(rows, settlement_demand(settlements), point_supply(points),
                               catchment_min=catchment_min,
                               benchmark_residents_per_admin=benchmark_residents_per_admin)


def e2sfca(
    od: pd.DataFrame,
    demand: pd.Series,
    supply: pd.Series,
    *,
    catchment_min: float = 30.0,
    weights: WeightSpec = LUO_QI_WEIGHTS,
) -> E2SFCAResult:
    """Enhanced two-step floating catchment (E2SFCA) accessibility **index** of settlements to staffed points.

    An index for comparing settlements, not residents per administrator: catchments overlap, so a resident
    weighs on every point within reach. For the load compared with the staffing benchmark use
    :func:`allocate_to_nearest`.

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

    Returns
    -------
    E2SFCAResult
        ``(settlements, points)`` tables, see :class:`E2SFCAResult`.

    Notes
    -----
    Computed with one sparse weight matrix ``W`` (settlements x points): weighted demand ``D = Wᵀ P``,
    ``R = S / D``, ``A = W R``; no loop over pairs.
    """
    for column in ("origin_id", "destination_id", "travel_time_min"):
        if column not in od.columns:
            raise DataError(f"The OD table needs a {column!r} column; columns found: {list(od.columns)}.")
    if od.duplicated(["origin_id", "destination_id"]).any():
        dup = od.loc[od.duplicated(["origin_id", "destination_id"]), ["origin_id", "destination_id"]].head(3)
        raise DataError(f"The OD table lists some pairs more than once: {dup.to_dict('records')}.")
    population, staff = _check_ids_and_values(demand, supply)

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

    # step 1: weighted demand and supply-ratio index per point
    load = W.T @ P0
    has_load = load > 0
    usable = s_known & has_load
    R = np.divide(S, load, out=np.zeros(len(points)), where=usable)
    # step 2: accessibility per settlement
    A = W @ R

    n_usable = reach @ usable.astype(float)
    n_unknown = reach @ (~s_known).astype(float)
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
            "accessibility_index": A,
            "accessibility_index_per_10k": A * 10_000.0,
            "n_points_in_catchment": n_usable.round().astype(np.int64),
            "notes": settlement_notes,
        }
    )

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
            "weighted_demand_index": load,
            "population_in_catchment": reach.T @ P0,
            "n_settlements_in_catchment": np.asarray(reach.sum(axis=0)).ravel().round().astype(np.int64),
            "supply_ratio_index": np.where(usable, R, np.nan),
            "notes": point_notes,
        }
    )
    attrs = {
        "method": "E2SFCA accessibility index",
        "catchment_min": float(catchment_min),
        "weights": weights if isinstance(weights, str) else ("custom function" if callable(weights) else
                                                              [tuple(map(float, b)) for b in weights]),
    }
    settlements.attrs.update(attrs)
    table.attrs.update(attrs)
    return E2SFCAResult(settlements=settlements, points=table)
