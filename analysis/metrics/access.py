"""Settlement -> service access for a whole hromada: one call from loaded data to the tables users read.

:func:`compute_access` routes every settlement to the nearest service point of every service group (or category)
over a road network, or estimates it when no network is loaded, and returns:

* ``long``: one row per settlement and group, the columns of :data:`analysis.routing.RESULT_COLUMNS` plus the
  group and the destination's name/category;
* ``settlements``: the settlements GeoDataFrame with wide columns per group
  (``travel_time_min__cnap``, ``total_distance_km__cnap``, ``nearest_service_id__cnap``, ``reachable__cnap``);
* the method (``network`` or ``estimated``), the observed circuity factor when routed, data-quality notes, and the
  router itself (:attr:`AccessResult.router`) — every later figure of the hromada (norm checks, barrier-free
  coverage, what-if, suggestions, service areas) is routed with it, so they all agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import geopandas as gpd
import pandas as pd

from analysis.errors import DataError
from analysis.i18n import labels, note, text
from analysis.network.graph import RoadNetwork
from analysis.routing.estimate import DEFAULT_CIRCUITY, ESTIMATE_LABEL_EN, ESTIMATE_LABEL_UK
from analysis.routing.results import REASON_SNAP_TOO_FAR, observed_circuity
from analysis.routing.router import router_for
from analysis.routing.snap import DEFAULT_MAX_SNAP_M, DEFAULT_MIN_COMPONENT_NODES
from analysis.textformat import Note, fmt_int, fmt_num

#: Columns copied from the per-group result into the wide settlements table.
WIDE_COLUMNS = ("travel_time_min", "total_distance_km", "destination_id", "reachable")


@dataclass
class AccessResult:
    """Result of :func:`compute_access`."""

    settlements: gpd.GeoDataFrame
    long: pd.DataFrame
    service_points: gpd.GeoDataFrame
    mode: str
    method: str
    by: str
    circuity: float
    notes: list[str] = field(default_factory=list)
    network_source: str = ""
    router: Any = field(default=None, repr=False, compare=False)

    @property
    def estimated(self) -> bool:
        return self.method == "estimated"

    @property
    def method_label(self) -> dict[str, str]:
        """What the figures are: network-routed or estimated (UA/EN), for legends and exports."""
        if self.estimated:
            return {lang: text("access.method.estimated", lang, label=label, circuity=fmt_num(self.circuity, lang, 2))
                    for lang, label in (("uk", ESTIMATE_LABEL_UK), ("en", ESTIMATE_LABEL_EN))}
        if "synthetic" in self.network_source.lower():
            return labels("access.method.synthetic")
        return labels("access.method.network")

    def values(self) -> list[str]:
        return sorted(self.long[self.by].dropna().unique().tolist())


def compute_access(
    settlements: gpd.GeoDataFrame,
    service_points: gpd.GeoDataFrame,
    network: RoadNetwork | None = None,
    *,
    mode: str = "drive",
    by: str = "group",
    values: Iterable[str] | None = None,
    circuity: float = DEFAULT_CIRCUITY,
    estimate_speed_kmh: float | None = None,
    closed_edge_ids: Iterable[int] | None = None,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    min_component_nodes: int = DEFAULT_MIN_COMPONENT_NODES,
    router: Any = None,
    progress: Callable[[str, float], None] | None = None,
) -> AccessResult:
    """Nearest service point per settlement and per ``by`` value (service group by default).

    Parameters
    ----------
    settlements
        Standard settlements table (``id``, ``name``, ``population``, point geometry).
    service_points
        Standard service-points table (``id``, ``name``, ``category``, ``group``, point geometry).
    network
        Road network; None -> estimate from straight-line distance x ``circuity`` (labelled as estimated).
    by
        ``"group"`` (e.g. all ЦНАП access points together) or ``"category"``.
    values
        Restrict to these groups/categories (default: all present in ``service_points``).
    closed_edge_ids, max_snap_m, min_component_nodes
        Router settings (:class:`analysis.routing.router.Router`); ignored when ``router`` is given.
    router
        A ready router (:func:`analysis.routing.router.router_for`); default: made from the arguments above.
    """
    if by not in service_points.columns:
        raise DataError(f"Service points have no {by!r} column; columns found: {list(service_points.columns)}.")
    if len(settlements) == 0:
        raise DataError("No settlements to analyse (the settlements table is empty).")
    points = service_points
    if values is not None:
        wanted = list(values)
        points = service_points[service_points[by].isin(wanted)]
    if len(points) == 0:
        raise DataError("No service points to route to (none of the selected kinds in this area).")
    if router is None:
        router = router_for(network, mode, circuity=circuity, estimate_speed_kmh=estimate_speed_kmh,
                            closed_edge_ids=closed_edge_ids, max_snap_m=max_snap_m,
                            min_component_nodes=min_component_nodes)
    notes: list[str] = []
    long = router.nearest(settlements, points, by=by, progress=progress)
    method = router.method
    if method == "estimated":
        used_circuity = router.circuity
        notes.append(Note(*(text("access.note.estimated", lang, label=label, circuity=fmt_num(router.circuity, lang, 2))
                            for lang, label in (("uk", ESTIMATE_LABEL_UK), ("en", ESTIMATE_LABEL_EN)))))
    else:
        used_circuity = observed_circuity(long)
        first = long.drop_duplicates("origin_id")
        n_far = int((first["unreachable_reason"] == REASON_SNAP_TOO_FAR).sum())
        if n_far:
            notes.append(note("access.note.snap_too_far", n=n_far, max_snap_m=fmt_int(router.max_snap_m)))
        n_unreachable = int((~long["reachable"]).sum())
        if n_unreachable:
            notes.append(note("access.note.unreachable_pairs", n=n_unreachable))
    names = points.set_index("id")
    long = long.merge(
        names[[c for c in ("name", "category", "group") if c in names.columns and c != by]].add_prefix("destination_"),
        left_on="destination_id", right_index=True, how="left",
    )
    wide = settlements.copy()
    for value, part in long.groupby(by, sort=True):
        part = part.set_index("origin_id")
        for column in WIDE_COLUMNS:
            target = "nearest_service_id" if column == "destination_id" else column
            wide[f"{target}__{value}"] = wide["id"].map(part[column])
    return AccessResult(
        settlements=wide, long=long, service_points=points, mode=router.mode, method=method, by=by,
        circuity=float(used_circuity), notes=notes, network_source=router.source, router=router,
    )
