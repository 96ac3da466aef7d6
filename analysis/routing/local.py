"""The within-settlement floor: no trip from a settlement is shorter than its residents' own way to its point.

Origins that carry ``within_settlement_km`` (:data:`analysis.sources.extent.WITHIN_SETTLEMENT_COLUMN`, the mean
straight-line distance of residents from the settlement point; every hromada bundle has it) get, on every route
from them, at least the local leg:

* ``local_km = within_settlement_km x LOCAL_CIRCUITY`` (streets are not straight lines; the estimate's factor),
* ``local_min = local_km / speed`` at the mode's speed on residential streets (drive 30 km/h, walk 4.5 km/h,
  wheelchair its own speed: ``Profile.speeds_kmh["residential"]``).

``travel_time_min`` becomes ``max(routed, local_min)`` and ``total_distance_km`` ``max(routed, local_km)``; the
network part (``network_distance_km``) is left as routed. Both :class:`~analysis.routing.router.Router` and
:class:`~analysis.routing.estimate.EstimateRouter` apply it in ``nearest`` and ``matrix``, so coverage, norm checks,
what-if scenarios and suggestions agree. Origins without the column (a bare table of points) get no floor.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.network.profiles import Profile
from analysis.routing.results import REASON_CUTOFF
from analysis.sources.extent import WITHIN_SETTLEMENT_COLUMN

#: Streets between a home and the settlement point are this much longer than the straight line (the same factor
#: as :data:`analysis.routing.estimate.DEFAULT_CIRCUITY`, measured for rural networks).
LOCAL_CIRCUITY = 1.3


def local_speed_kmh(profile: Profile) -> float:
    """Speed of the local leg: the mode's speed on residential streets (its off-network speed if it has none)."""
    speed = float(profile.speeds_kmh.get("residential", 0.0) or 0.0)
    return speed if speed > 0 else float(profile.off_network_speed_kmh)


def local_leg(origins, profile: Profile) -> tuple[np.ndarray, np.ndarray] | None:
    """``(local_km, local_min)`` per origin, or None when the origins carry no ``within_settlement_km``."""
    if not isinstance(origins, pd.DataFrame) or WITHIN_SETTLEMENT_COLUMN not in origins:
        return None
    within = pd.to_numeric(origins[WITHIN_SETTLEMENT_COLUMN], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    local_km = np.clip(within, 0.0, None) * LOCAL_CIRCUITY
    return local_km, local_km / local_speed_kmh(profile) * 60.0


def floor_nearest(table: pd.DataFrame, origins, profile: Profile, *, id_column: str = "id",
                  cutoff_min: float | None = None, cutoff_km: float | None = None) -> pd.DataFrame:
    """A nearest-service table (one or more rows per origin, :data:`~analysis.routing.results.RESULT_COLUMNS`)
    with the local floor applied to rows that have a route; cutoffs are re-checked on the floored figures."""
    leg = local_leg(origins, profile)
    if leg is None or len(table) == 0:
        return table
    local_km, local_min = (pd.Series(v, index=origins[id_column].to_numpy()) for v in leg)
    km = table["origin_id"].map(local_km).to_numpy(dtype=float)
    minutes = table["origin_id"].map(local_min).to_numpy(dtype=float)
    km, minutes = np.nan_to_num(km), np.nan_to_num(minutes)
    out = table.copy()
    time = out["travel_time_min"].to_numpy(dtype=float)
    routed = np.isfinite(time)
    out["travel_time_min"] = np.where(routed, np.maximum(time, minutes), time)
    total = out["total_distance_km"].to_numpy(dtype=float)
    out["total_distance_km"] = np.where(np.isfinite(total), np.maximum(total, km), total)
    over = np.zeros(len(out), dtype=bool)
    if cutoff_min is not None:
        over |= routed & (out["travel_time_min"].to_numpy(dtype=float) > cutoff_min)
    if cutoff_km is not None:
        over |= np.isfinite(total) & (out["total_distance_km"].to_numpy(dtype=float) > cutoff_km)
    newly = over & out["reachable"].to_numpy(dtype=bool)
    if newly.any():
        out.loc[newly, "reachable"] = False
        out.loc[newly, "unreachable_reason"] = REASON_CUTOFF
    return out


def floor_matrix(time_min: np.ndarray, distance_km: np.ndarray, origins, profile: Profile,
                 limit_min: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Origins x destinations time and distance with the local floor applied to finite pairs (pairs pushed over
    ``limit_min`` become ``inf``, as the matrix leaves pairs beyond its limit)."""
    leg = local_leg(origins, profile)
    if leg is None or time_min.size == 0:
        return time_min, distance_km
    local_km, local_min = leg
    finite = np.isfinite(time_min)
    time = np.where(finite, np.maximum(time_min, local_min[:, None]), time_min)
    distance = np.where(np.isfinite(distance_km), np.maximum(distance_km, local_km[:, None]), distance_km)
    if limit_min is not None:
        over = time > limit_min
        time = np.where(over, np.inf, time)
        distance = np.where(over, np.inf, distance)
    return time, distance
