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
        table = pd.DataFrame(
            {
                "origin_id": np.asarray(self.origin_ids, dtype=object)[rows],
                "destination_id": np.asarray(self.destination_ids, dtype=object)[cols],
                "network_distance_km": self.network_km[rows, cols],
                "snap_distance_m": (self.distance_km[rows, cols] - self.network_km[rows, cols]) * 1000.0,
                "total_distance_km": self.distance_km[rows, cols],
                "travel_time_min": self.time_min[rows, cols],
                "method": self.method,
            }
        )
        return table.sort_values(["origin_id", "travel_time_min"], kind="stable", ignore_index=True)
