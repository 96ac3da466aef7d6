"""Coverage against access norms: which settlement meets which norm, with the figures and the reason.

:func:`evaluate_norms` gives one row per settlement x norm. The rule, the same on every page, in the CLI, the
exports and the notebooks:

* every settlement x service point pair of the norm's kind has the **time and the length of its fastest route**
  (:meth:`analysis.routing.router.Router.matrix`, or the estimate without roads);
* a pair meets the norm when :meth:`analysis.metrics.norms.Norm.meets` says so (``combine``: every threshold, or
  one of them);
* a settlement **meets the norm when one service point of the kind does** (:func:`meeting_pairs`); the point
  reported is the fastest such point, else the fastest point overall, and ``travel_time_min`` / ``distance_km`` /
  margins describe that route. ``best_time_min`` / ``best_distance_km`` are those of the fastest route to any
  point of the kind (the figures the summary statistics use).

The hromada-centre norm routes every settlement to its hromada's centre settlement (:func:`route_to_hromada_centre`).

Status of a settlement x norm row (``status``)
----------------------------------------------
``met``            the norm holds for one point of the kind; ``meets_norm = True``
``not_met``        routed, but no point meets the norm; ``meets_norm = False``
``unreachable``    no route (too far from the roads, another network component, one-way trap); ``meets_norm =
                   False``, margins NaN, ``reason`` says why
``not_evaluated``  the data has no service point of that kind, the norm is for another travel mode, or no
                   settlement is marked as hromada centre; ``meets_norm = <NA>``, left out of coverage shares

No file I/O happens here.
"""

from __future__ import annotations

from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.i18n import label_table
from analysis.metrics.access import AccessResult
from analysis.metrics.norms import DEFAULT_NORMS, Norm, validate_norms
from analysis.routing.estimate import DEFAULT_CIRCUITY
from analysis.routing.results import REASON_NO_DESTINATIONS
from analysis.routing.router import router_for
from analysis.sources.taxonomy import Taxonomy, load_taxonomy

STATUS_MET = "met"
STATUS_NOT_MET = "not_met"
STATUS_UNREACHABLE = "unreachable"
STATUS_NOT_EVALUATED = "not_evaluated"

#: UA/EN labels of the statuses (for legends and exports).
STATUS_LABELS: dict[str, dict[str, str]] = label_table(
    "coverage.status", (STATUS_MET, STATUS_NOT_MET, STATUS_UNREACHABLE, STATUS_NOT_EVALUATED))

REASON_NO_POINTS_OF_KIND = "no service points of this kind in the data"
REASON_OTHER_MODE = "norm is for another travel mode"
REASON_NO_CENTRE = "no settlement is marked as the hromada centre"
REASON_NOT_ROUTED = "settlement missing from the access table"
REASON_OVER_TIME = "over the time threshold"
REASON_OVER_DISTANCE = "over the distance threshold"
REASON_NO_SINGLE_POINT = "no single service point meets the norm"

#: How the distance checked against a norm was measured (column ``distance_basis``).
DISTANCE_FASTEST = "fastest_route"
DISTANCE_ESTIMATED = "estimated"

#: Columns of :func:`evaluate_norms`, in order (``hromada_katottg`` only when the settlements have it).
EVALUATION_COLUMNS: tuple[str, ...] = (
    "settlement_id", "settlement_name", "hromada_katottg", "population", "norm_id", "norm_label_uk",
    "norm_label_en", "applies_to", "mode", "combine", "max_time_min", "max_distance_km", "strict_distance_km",
    "travel_time_min", "distance_km", "distance_basis", "destination_id", "destination_name", "best_time_min",
    "best_distance_km", "method", "reachable", "status",
    "meets_norm", "meets_time", "meets_distance", "meets_strict", "margin_min", "margin_km", "margin_strict_km",
    "reason",
)

_PAIR_COLUMNS = ("origin_id", "destination_id", "travel_time_min", "total_distance_km")


# ================================================================================================================
# The one norm check over pairs
# ================================================================================================================
def meeting_pairs(pairs: pd.DataFrame, norm: Norm) -> pd.DataFrame:
    """Per origin, the fastest pair that meets ``norm`` (origins with none are absent).

    ``pairs`` has ``origin_id``, ``destination_id``, ``travel_time_min`` and ``total_distance_km`` — the time and
    length of the fastest route of each pair (:meth:`analysis.routing.matrix.TravelMatrix.to_long`). Every page
    that says whether a settlement is within a norm goes through here.
    """
    if pairs.empty:
        return pairs.iloc[0:0]
    ok = norm.meets(pairs["travel_time_min"].to_numpy(dtype=float), pairs["total_distance_km"].to_numpy(dtype=float))
    met = pairs[ok].sort_values(["origin_id", "travel_time_min"], kind="stable")
    return met.drop_duplicates("origin_id", keep="first")


def norm_pairs(router, settlements: gpd.GeoDataFrame, points: gpd.GeoDataFrame, norm: Norm) -> pd.DataFrame:
    """Settlement x point pairs of one norm: the router's travel matrix as a long table, searched only as far as
    the norm needs (:attr:`~analysis.metrics.norms.Norm.search_limit_min`)."""
    if len(points) == 0 or len(settlements) == 0:
        return pd.DataFrame(columns=list(_PAIR_COLUMNS))
    matrix = router.matrix(settlements, points, limit_min=norm.search_limit_min)
    return matrix.to_long()


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
    router: Any = None,
    mode: str = "drive",
    *,
    circuity: float = DEFAULT_CIRCUITY,
    estimate_speed_kmh: float | None = None,
    with_pairs: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Route every settlement to its hromada's administrative centre (``is_hromada_centre``).

    Settlements are grouped by ``hromada_katottg`` (one group if the column is absent); each group is routed to
    the group's centre(s) with ``router`` (a :class:`~analysis.routing.router.Router`, or None: an estimate with
    ``circuity`` / ``estimate_speed_kmh``). Settlements of a hromada without a marked centre get ``reachable =
    False`` with reason :data:`REASON_NO_CENTRE`.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`analysis.routing.results.RESULT_COLUMNS`, one row per settlement, in input order; with
        ``with_pairs`` also the settlement x centre pairs (for :func:`meeting_pairs`).
    """
    if not isinstance(settlements, gpd.GeoDataFrame):
        raise DataError("Routing to the hromada centre needs the settlements as a GeoDataFrame with points.")
    if router is None:
        router = router_for(None, mode, circuity=circuity, estimate_speed_kmh=estimate_speed_kmh)
    centre = _centre_mask(settlements)
    keys = _hromada_keys(settlements)
    frames, pair_frames = [], []
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
                "method": router.method,
            }))
            continue
        frames.append(router.nearest(part, centres))
        if with_pairs:
            pair_frames.append(router.matrix(part, centres).to_long())
    table = pd.concat(frames, ignore_index=True)
    order = pd.Series(np.arange(len(settlements)), index=settlements["id"].to_numpy())
    table = table.iloc[np.argsort(order.loc[table["origin_id"].to_numpy()].to_numpy(), kind="stable")].reset_index(
        drop=True)
    if not with_pairs:
        return table
    pairs = pd.concat(pair_frames, ignore_index=True) if pair_frames else pd.DataFrame(columns=list(_PAIR_COLUMNS))
    return table, pairs


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
        "The access table has no 'group' or 'category' column: compute it with analysis.metrics.access.compute_access."
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
            "service group; compute access with by='category' (analysis.metrics.access.compute_access)."
        )
    return long[long["group"].isin(groups)]


def points_for_norm(points: pd.DataFrame, norm: Norm, taxonomy: Taxonomy | None = None) -> pd.DataFrame:
    """The service points of the kind a norm applies to."""
    taxonomy = taxonomy or load_taxonomy()
    if norm.is_group and "group" in points.columns:
        return points[points["group"].astype("string") == norm.applies_to]
    if "category" not in points.columns:
        raise DataError("Service points need a 'category' column to check category norms.")
    return points[points["category"].astype("string").isin(norm.categories(taxonomy))]


def _fastest_per_settlement(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per origin: the fastest reachable service (unreachable rows last, NaN times last)."""
    if rows.empty:
        return rows
    key = rows.assign(_unreach=~rows["reachable"].astype(bool), _time=rows["travel_time_min"].astype(float))
    key = key.sort_values(["origin_id", "_unreach", "_time"], kind="stable", na_position="last")
    return key.drop_duplicates("origin_id", keep="first").drop(columns=["_unreach", "_time"])


def _method_of(long: pd.DataFrame | None) -> str | None:
    if long is None or long.empty or "method" not in long.columns:
        return None
    methods = set(long["method"].dropna().astype(str))
    if not methods:
        return None
    return methods.pop() if len(methods) == 1 else "mixed"


def _evaluate_one(base: pd.DataFrame, norm: Norm, fastest: pd.DataFrame | None, pairs: pd.DataFrame | None,
                  names: pd.Series | None, not_evaluated_reason: str | None) -> pd.DataFrame:
    """Rows of one norm for the settlements of ``base``: ``fastest`` = one access row per settlement (the
    fastest route to the kind), ``pairs`` = every settlement x point route of the kind."""
    n = len(base)
    ids = base["settlement_id"]
    out = base.copy()
    out["norm_id"] = norm.id
    out["norm_label_uk"] = norm.label_uk
    out["norm_label_en"] = norm.label_en
    out["applies_to"] = norm.applies_to_text()
    out["mode"] = norm.mode
    out["combine"] = norm.combine
    out["max_time_min"] = np.nan if norm.max_time_min is None else norm.max_time_min
    out["max_distance_km"] = np.nan if norm.max_distance_km is None else norm.max_distance_km
    out["strict_distance_km"] = np.nan if norm.strict_distance_km is None else norm.strict_distance_km

    def pick(table: pd.DataFrame | None, column: str, default=np.nan) -> np.ndarray:
        if table is None or table.empty or column not in table.columns:
            return np.full(n, default, dtype=object if default is None else float)
        return ids.map(table.set_index("origin_id")[column]).to_numpy()

    present = ids.isin(fastest["origin_id"]).to_numpy() if fastest is not None and not fastest.empty \
        else np.zeros(n, dtype=bool)
    reachable = pd.Series(pick(fastest, "reachable", None)).astype("boolean").fillna(False).to_numpy(dtype=bool)
    reason_in = pd.Series(pick(fastest, "unreachable_reason", None)).astype("string").fillna("").to_numpy(dtype=object)
    best_t = pick(fastest, "travel_time_min").astype(float)
    best_d = pick(fastest, "total_distance_km").astype(float)
    dest = pick(fastest, "destination_id", None)
    method = pd.Series(pick(fastest, "method", None)).astype("string").fillna("").to_numpy(dtype=object)
    meeting = meeting_pairs(pairs, norm) if pairs is not None else None
    met = ids.isin(meeting["origin_id"]).to_numpy() if meeting is not None and not meeting.empty \
        else np.zeros(n, dtype=bool)
    met = met & reachable
    time = np.where(met, pick(meeting, "travel_time_min").astype(float), best_t)
    dist = np.where(met, pick(meeting, "total_distance_km").astype(float), best_d)
    dest = np.where(met, pick(meeting, "destination_id", None), dest)
    time = np.where(reachable, time, np.nan)
    dist = np.where(reachable, dist, np.nan)
    out["travel_time_min"] = time
    out["distance_km"] = dist
    out["distance_basis"] = np.where(method == "estimated", DISTANCE_ESTIMATED,
                                     np.where(method == "", "", DISTANCE_FASTEST)).astype(object)
    out["destination_id"] = pd.array([None if not r or d is None or (isinstance(d, float) and np.isnan(d)) else str(d)
                                      for d, r in zip(dest, reachable)], dtype="string")
    out["destination_name"] = (out["destination_id"].map(names).astype("string") if names is not None
                               else pd.array([None] * n, dtype="string"))
    out["best_time_min"] = np.where(reachable, best_t, np.nan)
    out["best_distance_km"] = np.where(reachable, best_d, np.nan)
    out["method"] = pd.array([m if m else None for m in method], dtype="string")
    out["reachable"] = reachable

    no_dest = np.isin(reason_in, [REASON_NO_DESTINATIONS])
    evaluated = (present & ~no_dest).copy()
    if not_evaluated_reason is not None:
        evaluated[:] = False
    status = np.where(met, STATUS_MET, np.where(reachable, STATUS_NOT_MET, STATUS_UNREACHABLE)).astype(object)
    status[~evaluated] = STATUS_NOT_EVALUATED

    def nullable(flags) -> pd.Series:
        series = pd.Series(pd.NA if flags is None else flags, index=out.index, dtype="boolean")
        series[~evaluated] = pd.NA
        return series

    with np.errstate(invalid="ignore"):
        meets_time = None if norm.max_time_min is None else (np.isfinite(time) & (time <= norm.max_time_min))
        meets_dist = None if norm.max_distance_km is None else (np.isfinite(dist) & (dist <= norm.max_distance_km))
    out["status"] = status
    out["meets_norm"] = nullable(met)
    out["meets_time"] = nullable(meets_time)
    out["meets_distance"] = nullable(meets_dist)
    strict = norm.meets_strict(dist)
    out["meets_strict"] = nullable(None if strict is None else strict & reachable)
    out["margin_strict_km"] = (np.where(evaluated, dist - norm.strict_distance_km, np.nan)
                               if norm.strict_distance_km is not None else np.nan)
    out["margin_min"] = np.where(evaluated, time - norm.max_time_min, np.nan) if norm.max_time_min else np.nan
    out["margin_km"] = np.where(evaluated, dist - norm.max_distance_km, np.nan) if norm.max_distance_km else np.nan

    reason = np.full(n, "", dtype=object)
    over_t = np.zeros(n, dtype=bool) if meets_time is None else ~meets_time
    over_d = np.zeros(n, dtype=bool) if meets_dist is None else ~meets_dist
    not_met = status == STATUS_NOT_MET
    reason[not_met & over_t & over_d] = f"{REASON_OVER_TIME}; {REASON_OVER_DISTANCE}"
    reason[not_met & over_t & ~over_d] = REASON_OVER_TIME
    reason[not_met & ~over_t & over_d] = REASON_OVER_DISTANCE
    reason[not_met & (reason == "")] = REASON_NO_SINGLE_POINT
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


def evaluate_norms(
    access: pd.DataFrame | AccessResult,
    settlements: pd.DataFrame,
    norms: Iterable[Norm] = DEFAULT_NORMS,
    *,
    router: Any = None,
    service_points: gpd.GeoDataFrame | None = None,
    by: str | None = None,
    mode: str | None = None,
    hromada_centre_result: pd.DataFrame | None = None,
    taxonomy: Taxonomy | None = None,
) -> pd.DataFrame:
    """Check every settlement against every norm (see the module docstring for the rule).

    Parameters
    ----------
    access
        The :class:`~analysis.metrics.access.AccessResult` of :func:`~analysis.metrics.access.compute_access`
        (it brings its router, service points, ``by`` and mode), or a plain ``long`` access table (one row per
        settlement and service group/category, e.g. hand-made): then each row counts as the only route of its
        settlement to that kind, unless ``router`` and ``service_points`` are given.
    settlements
        Standard settlements table (``id``, ``name``, ``population``, ``is_hromada_centre``, optional
        ``hromada_katottg``); a GeoDataFrame when routes are computed here.
    norms
        Norms to check (default :data:`analysis.metrics.norms.DEFAULT_NORMS`).
    router
        The router (default: the AccessResult's; for a plain table an estimate is made for the hromada-centre norm
        when the table is itself estimated, and a routed table without a router cannot check that norm).
    service_points
        Service points (default: the AccessResult's), for the pairs of every point of a kind.
    by
        ``"group"`` or ``"category"`` — how the access table was computed (inferred from its columns).
    mode
        Travel mode of the access table; norms for another mode are ``not_evaluated``.
    hromada_centre_result
        A ready :func:`route_to_hromada_centre` result for the centre norm (its rows are then the only routes).

    Returns
    -------
    pandas.DataFrame
        :data:`EVALUATION_COLUMNS`, one row per settlement and norm (norms in the given order, settlements in
        input order).
    """
    taxonomy = taxonomy or load_taxonomy()
    norms = validate_norms(norms, taxonomy)
    points = service_points
    access_mode = mode
    if isinstance(access, AccessResult):
        long = access.long
        by = by or access.by
        access_mode = access_mode or access.mode
        points = points if points is not None else access.service_points
        router = router if router is not None else access.router
    else:
        long = access
    if "id" not in settlements.columns:
        raise DataError(f"Settlements need an 'id' column; columns found: {list(settlements.columns)}.")
    if settlements["id"].duplicated().any():
        raise DataError("Settlements have duplicated ids.")
    long = pd.DataFrame(long)
    needed = {"origin_id", "travel_time_min", "total_distance_km", "reachable"}
    if any(not n.is_hromada_centre for n in norms) and not long.empty:
        missing = needed - set(long.columns)
        if missing:
            raise DataError(f"The access table lacks column(s) {', '.join(sorted(missing))}.")
        by = _infer_by(long, by)
    if not long.empty:
        long = long.assign(origin_id=long["origin_id"].astype("string"))
    method = _method_of(long)
    can_route = router is not None and isinstance(settlements, gpd.GeoDataFrame)

    base = pd.DataFrame({
        "settlement_id": settlements["id"].astype("string").to_numpy(),
        "settlement_name": (settlements["name"].astype("string") if "name" in settlements.columns
                            else pd.Series(pd.NA, index=settlements.index, dtype="string")).to_numpy(),
    })
    if "hromada_katottg" in settlements.columns:
        base["hromada_katottg"] = settlements["hromada_katottg"].astype("string").to_numpy()
    base["population"] = (pd.to_numeric(settlements["population"], errors="coerce").to_numpy(dtype=float)
                          if "population" in settlements.columns else np.nan)
    point_names = None
    if points is not None and "name" in points.columns:
        point_names = pd.Series(points["name"].astype("string").to_numpy(), index=points["id"].astype(str).to_numpy())
    settlement_names = pd.Series(base["settlement_name"].to_numpy(), index=base["settlement_id"].to_numpy())

    frames = []
    for norm in norms:
        if access_mode is not None and norm.mode != str(access_mode):
            reason = f"{REASON_OTHER_MODE} ({norm.mode}; travel times are for {access_mode})"
            frames.append(_evaluate_one(base, norm, None, None, None, reason))
            continue
        if norm.is_hromada_centre:
            frames.append(_evaluate_centre(base, settlements, norm, router, method, hromada_centre_result,
                                           settlement_names))
            continue
        rows = _rows_for_norm(long, by, norm, taxonomy) if not long.empty else long
        if rows.empty:
            frames.append(_evaluate_one(base, norm, None, None, None, REASON_NO_POINTS_OF_KIND))
            continue
        fastest = _fastest_per_settlement(rows)
        kind = points_for_norm(points, norm, taxonomy) if points is not None else None
        if can_route and kind is not None and len(kind):
            pairs = norm_pairs(router, settlements, kind, norm)
        else:
            pairs = rows[rows["reachable"].astype(bool)][list(_PAIR_COLUMNS)]
        names = point_names if point_names is not None else (
            pd.Series(rows["destination_name"].to_numpy(), index=rows["destination_id"].astype(str).to_numpy())
            .groupby(level=0).first() if "destination_name" in rows.columns else None)
        frames.append(_evaluate_one(base, norm, fastest, pairs.assign(origin_id=pairs["origin_id"].astype("string")),
                                    names, None))
    table = pd.concat(frames, ignore_index=True)
    return table[[c for c in EVALUATION_COLUMNS if c in table.columns]]


def _evaluate_centre(base, settlements, norm, router, method, result, names) -> pd.DataFrame:
    if not _centre_mask(settlements).any():
        return _evaluate_one(base, norm, None, None, None, REASON_NO_CENTRE)
    if result is not None:
        fastest = pd.DataFrame(result)
        pairs = fastest[fastest["reachable"].astype(bool)][list(_PAIR_COLUMNS)]
    else:
        if router is None:
            if method not in (None, "estimated"):
                raise DataError(
                    "Travel times were routed on a road network: pass router=... (the AccessResult's router) so the "
                    "hromada-centre norm is routed the same way.")
            router = router_for(None, norm.mode)
        if not isinstance(settlements, gpd.GeoDataFrame):
            raise DataError("The hromada-centre norm needs the settlements as a GeoDataFrame with points.")
        fastest, pairs = route_to_hromada_centre(settlements, router, norm.mode, with_pairs=True)
    fastest = fastest.assign(origin_id=fastest["origin_id"].astype("string"))
    pairs = pairs.assign(origin_id=pairs["origin_id"].astype("string"))
    return _evaluate_one(base, norm, fastest, pairs, names, None)
