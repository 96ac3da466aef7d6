"""The travel matrix: time and length of the fastest route for every origin x destination pair.

It is what every norm check reads (:meth:`analysis.metrics.norms.Norm.meets`): coverage, barrier-free coverage,
what-if scenarios and suggested sites all take their pairs from a :class:`TravelMatrix` made by the same router,
so the same settlement has the same status everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import DataError

#: Columns of the long OD table (:meth:`TravelMatrix.to_long`).
OD_COLUMNS: tuple[str, ...] = (
    "origin_id", "destination_id", "network_distance_km", "snap_distance_m", "total_distance_km", "travel_time_min",
)


@dataclass
class TravelMatrix:
    """Origins x destinations, fastest routes.

    Attributes
    ----------
    origin_ids, destination_ids
        Ids, in the order of the rows / columns.
    time_min
        Travel time (off-network legs included); ``inf`` where there is no route (or it is slower than
        ``limit_min`` when the matrix was computed with one).
    distance_km
        Length of that fastest route, off-network legs included (``inf`` where no route).
    network_km
        The part of it on the network.
    origin_snap_m, destination_snap_m
        The off-network legs (0 for estimates).
    origin_routed, destination_routed
        Points taking part in routing (False: too far from the network).
    method
        ``network`` or ``estimated``.
    limit_min
        The search limit used (None: unbounded).
    routes
        With ``Router.matrix(with_routes=True)``: per destination, ``(origin positions, segment ids)`` of every
        segment on the routes to it (partial segments at both ends included) — what a road closure can change.
    off_network_m
        Per pair, the off-network part of the route in metres (both legs, or the whole of a straight walk between
        two points on one segment), as routed — before the within-settlement floor
        (:mod:`analysis.routing.local`) raised ``distance_km``; None: ``distance_km - network_km`` (0 for
        estimates, whose ``network_km`` is NaN).
    """

    origin_ids: np.ndarray
    destination_ids: np.ndarray
    time_min: np.ndarray
    distance_km: np.ndarray
    network_km: np.ndarray
    origin_snap_m: np.ndarray
    destination_snap_m: np.ndarray
    origin_routed: np.ndarray
    destination_routed: np.ndarray
    method: str = "network"
    limit_min: float | None = None
    routes: list | None = None
    off_network_m: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.time_min.shape

    def columns(self, positions) -> "TravelMatrix":
        """The matrix restricted to some destinations (positions or a boolean mask)."""
        positions = np.asarray(positions)
        return TravelMatrix(
            origin_ids=self.origin_ids, destination_ids=self.destination_ids[positions],
            time_min=self.time_min[:, positions], distance_km=self.distance_km[:, positions],
            network_km=self.network_km[:, positions], origin_snap_m=self.origin_snap_m,
            destination_snap_m=self.destination_snap_m[positions], origin_routed=self.origin_routed,
            destination_routed=self.destination_routed[positions], method=self.method, limit_min=self.limit_min,
            routes=None if self.routes is None else [self.routes[k] for k in np.arange(self.shape[1])[positions]],
            off_network_m=None if self.off_network_m is None else self.off_network_m[:, positions],
        )

    def with_columns(self, other: "TravelMatrix") -> "TravelMatrix":
        """This matrix with ``other``'s destinations appended (same origins, same order)."""
        if not np.array_equal(np.asarray(self.origin_ids, dtype=object), np.asarray(other.origin_ids, dtype=object)):
            raise DataError("Travel matrices with different origins cannot be joined.")
        return TravelMatrix(
            origin_ids=self.origin_ids, destination_ids=np.concatenate([self.destination_ids, other.destination_ids]),
            time_min=np.hstack([self.time_min, other.time_min]),
            distance_km=np.hstack([self.distance_km, other.distance_km]),
            network_km=np.hstack([self.network_km, other.network_km]), origin_snap_m=self.origin_snap_m,
            destination_snap_m=np.concatenate([self.destination_snap_m, other.destination_snap_m]),
            origin_routed=self.origin_routed,
            destination_routed=np.concatenate([self.destination_routed, other.destination_routed]),
            method=self.method, limit_min=self.limit_min,
            routes=None if self.routes is None or other.routes is None else self.routes + other.routes,
            off_network_m=None if self.off_network_m is None or other.off_network_m is None
            else np.hstack([self.off_network_m, other.off_network_m]),
        )

    def fastest(self) -> tuple[np.ndarray, np.ndarray]:
        """Per origin: position of the fastest destination (-1 if none) and its time (inf if none)."""
        if self.time_min.shape[1] == 0:
            return np.full(self.shape[0], -1, dtype=np.int64), np.full(self.shape[0], np.inf)
        best = np.argmin(self.time_min, axis=1)
        time = self.time_min[np.arange(self.shape[0]), best]
        return np.where(np.isfinite(time), best, -1), time

    def to_long(self, cutoff_km: float | None = None) -> pd.DataFrame:
        """Pairs with a route (within ``cutoff_km`` when given) as a long table (:data:`OD_COLUMNS` +
        ``method``), sorted by origin and time."""
        ok = np.isfinite(self.time_min)
        if cutoff_km is not None:
            ok &= self.distance_km <= cutoff_km
        rows, cols = np.nonzero(ok)
        return long_table(self.origin_ids, self.destination_ids, rows, cols, network_km=self.network_km[rows, cols],
                          distance_km=self.distance_km[rows, cols], time_min=self.time_min[rows, cols],
                          snap_m=self._off_network_m(rows, cols), method=self.method)

    def _off_network_m(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """The off-network metres of some pairs (see :attr:`off_network_m`)."""
        if self.off_network_m is not None:
            return self.off_network_m[rows, cols]
        if self.method == "estimated":
            return np.zeros(len(rows))
        return (self.distance_km[rows, cols] - self.network_km[rows, cols]) * 1000.0


def long_table(
    origin_ids: np.ndarray,
    destination_ids: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    network_km: np.ndarray,
    distance_km: np.ndarray,
    time_min: np.ndarray,
    snap_m: np.ndarray,
    method: str,
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """The long OD table (:data:`OD_COLUMNS` + ``method``) of some origin x destination pairs, sorted by origin
    and time — what :meth:`TravelMatrix.to_long` returns, also for pairs that never were a dense matrix.

    Parameters
    ----------
    origin_ids, destination_ids
        Ids of all origins / destinations (positions index them).
    rows, cols
        Origin and destination position of each pair, in row-major order (origin, then destination position):
        the order ties in ``travel_time_min`` keep.
    network_km, distance_km, time_min
        Per pair: the network part of the fastest route (km; NaN for estimates, which have no network), its
        whole length (km, the within-settlement floor included) and its time (minutes).
    snap_m
        Per pair: the off-network legs, origin's plus destination's (m; 0 for estimates).
    method
        ``network`` or ``estimated``.
    extra
        More per-pair columns (name -> values), appended before sorting.

    Returns
    -------
    pandas.DataFrame
        One row per pair; sorted (stable) by
        ``origin_id`` and ``travel_time_min``, index 0..n-1.
    """
    table = pd.DataFrame(
        {
            "origin_id": np.asarray(origin_ids, dtype=object)[rows],
            "destination_id": np.asarray(destination_ids, dtype=object)[cols],
            "network_distance_km": network_km,
            "snap_distance_m": snap_m,
            "total_distance_km": distance_km,
            "travel_time_min": time_min,
            "method": method,
            **(extra or {}),
        }
    )
    return table.sort_values(["origin_id", "travel_time_min"], kind="stable", ignore_index=True)
