"""The per-origin result table of every routing function: columns, reasons and their labels.

``unreachable_reason`` holds a short code (stable, for filters and tests); :data:`REASON_LABELS` gives the
Ukrainian and English sentence shown to people (:func:`reason_label`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.i18n import text

#: Columns of the per-origin result, in order.
RESULT_COLUMNS: tuple[str, ...] = (
    "origin_id",
    "destination_id",
    "network_distance_km",
    "snap_distance_m",
    "total_distance_km",
    "travel_time_min",
    "reachable",
    "unreachable_reason",
    "origin_snap_m",
    "destination_snap_m",
    "straight_line_km",
    "method",
)

#: The point is farther than the maximum snap distance from every road usable in the mode.
REASON_SNAP_TOO_FAR = "too_far_from_network"
#: The point's road does not connect to any service point's road (another component, an island).
REASON_DIFFERENT_COMPONENT = "no_road_connection"
#: Connected, but not in the allowed directions (one-way streets).
REASON_DIRECTION = "one_way_restrictions"
#: A route exists but is longer than the cutoff asked for.
REASON_CUTOFF = "beyond_cutoff"
#: No service point of the kind in the data.
REASON_NO_DESTINATIONS = "no_service_points"
#: Every service point of the kind is farther than the maximum snap distance from the roads.
REASON_DESTINATIONS_TOO_FAR = "service_points_too_far_from_network"

#: Reason code -> (Ukrainian, English) sentence.
REASON_LABELS: dict[str, tuple[str, str]] = {
    key: (text(f"reason.{key}", "uk"), text(f"reason.{key}", "en"))
    for key in (REASON_SNAP_TOO_FAR, REASON_DIFFERENT_COMPONENT, REASON_DIRECTION, REASON_CUTOFF,
                REASON_NO_DESTINATIONS, REASON_DESTINATIONS_TOO_FAR)
}


def reason_label(code: str | None, lang: str = "en") -> str:
    """The sentence for a reason code in ``lang`` (``uk``/``en``); unknown codes are returned as they are."""
    if code is None or (isinstance(code, float) and np.isnan(code)) or code == "":
        return ""
    labels = REASON_LABELS.get(str(code))
    if labels is None:
        return str(code)
    return labels[0] if lang == "uk" else labels[1]


def unreachable_table(origin_ids, reason, origin_snap_m, method: str = "network") -> pd.DataFrame:
    """Result rows (:data:`RESULT_COLUMNS`) for origins with no destination at all."""
    ids = np.asarray(origin_ids, dtype=object)
    n = len(ids)
    return pd.DataFrame(
        {
            "origin_id": ids,
            "destination_id": pd.Series([None] * n, dtype="object"),
            "network_distance_km": np.full(n, np.nan),
            "snap_distance_m": np.full(n, np.nan),
            "total_distance_km": np.full(n, np.nan),
            "travel_time_min": np.full(n, np.nan),
            "reachable": np.zeros(n, dtype=bool),
            "unreachable_reason": np.broadcast_to(np.asarray(reason, dtype=object), (n,)).copy(),
            "origin_snap_m": np.asarray(origin_snap_m, dtype=float),
            "destination_snap_m": np.full(n, np.nan),
            "straight_line_km": np.full(n, np.nan),
            "method": [method] * n,
        }
    )


def observed_circuity(result: pd.DataFrame, min_straight_km: float = 0.5) -> float:
    """Median ratio of route length to straight-line length over reachable origins (NaN if none qualifies)."""
    ok = result["reachable"].astype(bool) & (result["straight_line_km"] >= min_straight_km)
    if not ok.any():
        return float("nan")
    ratio = result.loc[ok, "total_distance_km"] / result.loc[ok, "straight_line_km"]
    return float(ratio.median())
