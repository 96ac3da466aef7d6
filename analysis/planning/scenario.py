"""What-if scenarios: add, move or close service points, close roads — before and after, judged by the norm.

A :class:`PlanningContext` is built once per router (road network or estimate), settlements, service group and
norm (:meth:`PlanningContext.build`). It keeps the baseline **travel matrix** — settlements x the group's points,
time and length of every fastest route, with the road segments each route uses — and the norm the group is judged
by (:func:`analysis.metrics.norms.norm_for_group` unless one is given). :func:`apply_scenario` answers a
:class:`WhatIf` (points added, moved or closed; road segments closed by id, inside an area, or only the bridges
inside an area) with before/after tables per settlement and per hromada, where *covered* means what it means on
every other page: one point of the group meets the norm (:meth:`~analysis.metrics.norms.Norm.meets` on the
matrix, :func:`analysis.metrics.coverage.meeting_pairs`).

Every answer equals a from-scratch computation on the changed inputs (tested) and does as little work as that
allows:

* a closed or moved point drops its column; an added (or moved) point costs one Dijkstra for its column;
* a road closure recomputes only the columns whose routes use a closed segment (their routes still exist and
  nothing became faster elsewhere), on the router with the closures.

``method`` says which happened: ``unchanged``, ``incremental`` (columns dropped/added only) or ``full`` (some
columns recomputed). Points keep the segment they join on the open network: a settlement whose only road is
closed becomes unreachable rather than moving to another road.

Without a road network the same happens on the estimate (road closures then need a network and are refused).
No file I/O and no global state.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.errors import DataError
from analysis.metrics.norms import DEFAULT_NORMS, Norm, norm_for_group
from analysis.network.graph import RoadNetwork
from analysis.routing.estimate import EstimateRouter
from analysis.routing.matrix import TravelMatrix
from analysis.routing.points import validate_points
from analysis.routing.router import Router, router_for

#: Values of the OSM ``bridge`` tag that do NOT mean a bridge.
_NOT_BRIDGE = {"", "no", "false", "0"}


# ================================================================================================================
# Scenario description
# ================================================================================================================
@dataclass(frozen=True)
class NewPoint:
    """A service point to add (WGS84 lon/lat). ``id`` defaults to ``new-1``, ``new-2``... in scenario order."""

    lon: float
    lat: float
    id: str | None = None
    name: str = ""
    category: str | None = None
    group: str | None = None


@dataclass
class WhatIf:
    """A what-if scenario.

    Attributes
    ----------
    add
        New service points.
    move
        ``{point id: (lon, lat)}``: existing points moved (keep their id).
    close
        Ids of existing service points closed.
    close_edges
        Road segment ids (index of ``RoadNetwork.edges``) closed.
    close_areas
        WGS84 geometries: every segment intersecting one of them is closed (flood, works, front line).
    close_bridges_in
        WGS84 geometries: only segments tagged as bridges (OSM ``bridge`` other than ``no``) intersecting them are
        closed.
    label
        Free text for reports.
    """

    add: Sequence[NewPoint] = ()
    move: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    close: Sequence[str] = ()
    close_edges: Sequence[int] = ()
    close_areas: Sequence[shapely.Geometry] = ()
    close_bridges_in: Sequence[shapely.Geometry] = ()
    label: str = ""

    @property
    def closes_roads(self) -> bool:
        return bool(len(self.close_edges) or len(self.close_areas) or len(self.close_bridges_in))


def _as_geometry(area) -> shapely.Geometry:
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        series = area.geometry if isinstance(area, gpd.GeoDataFrame) else area
        if series.crs is not None:
            series = series.to_crs("EPSG:4326")
        return series.union_all()
    if not isinstance(area, shapely.Geometry):
        raise DataError("A closed area must be a shapely geometry or GeoDataFrame in WGS84; "
                        f"got {type(area).__name__}.")
    return area


def resolve_norm(group: str | None, norm: Norm | None = None, threshold_min: float | None = None,
                 norms: Sequence[Norm] = DEFAULT_NORMS) -> Norm:
    """The norm a planning question is judged by: ``norm``; else a time-only norm of ``threshold_min``; else the
    norm of ``group`` (:func:`~analysis.metrics.norms.norm_for_group`)."""
    if norm is not None:
        if not isinstance(norm, Norm):
            raise DataError(f"norm must be a Norm; got {type(norm).__name__}.")
        return norm
    if threshold_min is not None:
        if not (isinstance(threshold_min, (int, float)) and np.isfinite(threshold_min) and threshold_min > 0):
            raise DataError(f"threshold_min must be a positive number of minutes; got {threshold_min!r}.")
        return Norm(id=f"within_{threshold_min:g}_min", label_uk=f"≤ {threshold_min:g} хв",
                    label_en=f"within {threshold_min:g} min", applies_to=group or "cnap",
                    max_time_min=float(threshold_min))
    found = norm_for_group(norms, group) if group is not None else None
    if found is None:
        raise DataError(f"No norm applies to service group {group!r}: give norm= or threshold_min=.")
    return found


def covered_by(matrix: TravelMatrix, norm: Norm) -> np.ndarray:
    """Per origin: whether one destination of the matrix meets ``norm`` — the same check as
    :func:`analysis.metrics.coverage.meeting_pairs`, on the matrix itself."""
    if matrix.shape[1] == 0:
        return np.zeros(matrix.shape[0], dtype=bool)
    return norm.meets(matrix.time_min, matrix.distance_km).any(axis=1)


# ================================================================================================================
# Context
# ================================================================================================================
@dataclass
class PlanningContext:
    """Everything a what-if needs, built once by :meth:`build` (see the module docstring).

    Attributes
    ----------
    router
        The router (:class:`~analysis.routing.router.Router` or :class:`~analysis.routing.estimate.EstimateRouter`).
    group, norm
        The service group analysed (None = all points given) and the norm it is judged by.
    settlements, points
        The settlements and the group's service points (tables as given).
    origins
        The settlements as the router sees them (snapped once).
    baseline
        Settlements x points travel matrix (with routes on a network).
    population, hromada, settlement_ids, point_ids
        Per settlement population (NaN unknown), hromada label and id; point ids in column order.
    build_seconds
        Wall time of :meth:`build`.
    """

    router: Any
    group: str | None
    norm: Norm
    settlements: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    origins: Any
    baseline: TravelMatrix
    population: np.ndarray
    hromada: np.ndarray
    settlement_ids: np.ndarray
    point_ids: np.ndarray
    id_column: str = "id"
    build_seconds: float = 0.0
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def network(self) -> RoadNetwork | None:
        return getattr(self.router, "network", None)

    @property
    def threshold_min(self) -> float | None:
        return self.norm.max_time_min

    @property
    def baseline_point(self) -> np.ndarray:
        """Per settlement: column of its fastest point (-1 if none reachable)."""
        return self.baseline.fastest()[0]

    @property
    def baseline_seconds(self) -> np.ndarray:
        """Per settlement: seconds to its fastest point (inf if none reachable)."""
        return self.baseline.fastest()[1] * 60.0

    @property
    def covered(self) -> np.ndarray:
        """Per settlement: within the norm in the baseline."""
        return covered_by(self.baseline, self.norm)

    # ------------------------------------------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        source: RoadNetwork | Router | EstimateRouter | None,
        settlements: gpd.GeoDataFrame,
        service_points: gpd.GeoDataFrame,
        mode: str = "drive",
        group: str | None = None,
        *,
        norm: Norm | None = None,
        threshold_min: float | None = None,
        by: str = "group",
        id_column: str = "id",
        population_column: str = "population",
        hromada_column: str = "hromada_katottg",
        min_component_nodes: int = 10,
        circuity: float | None = None,
    ) -> "PlanningContext":
        """Route the baseline once and keep what what-ifs need.

        Parameters
        ----------
        source
            A road network, a ready router, or None (estimate with ``circuity``).
        settlements
            Settlements (``id``, ``population``, optional ``hromada_katottg``, point geometry).
        service_points
            Service points (``id``, ``by`` column, point geometry).
        mode
            Travel mode (when ``source`` is not a router).
        group
            Keep only service points with ``service_points[by] == group`` (None = all).
        norm, threshold_min
            What "covered" means (:func:`resolve_norm`): default the group's norm.
        population_column, hromada_column
            Settlement columns; a missing hromada column puts all settlements in one group ``"all"``.
        """
        started = time.perf_counter()
        validate_points(settlements, "Settlements", id_column)
        validate_points(service_points, "Service points", id_column)
        if group is not None:
            if by not in service_points.columns:
                raise DataError(f"Service points have no {by!r} column; columns found: {list(service_points.columns)}.")
            service_points = service_points[service_points[by] == group]
        points = service_points.reset_index(drop=True)
        if isinstance(source, (Router, EstimateRouter)):
            router = source
        else:
            router = router_for(source, mode, circuity=circuity, min_component_nodes=min_component_nodes)
        the_norm = resolve_norm(group, norm, threshold_min)
        origins = router.snap(settlements, id_column=id_column) if isinstance(router, Router) else settlements
        baseline = _columns(router, origins, points, id_column)
        population = (pd.to_numeric(settlements[population_column], errors="coerce").to_numpy(dtype=float)
                      if population_column in settlements.columns else np.full(len(settlements), np.nan))
        hromada = (settlements[hromada_column].astype("string").fillna("(unknown)").to_numpy(dtype=object)
                   if hromada_column in settlements.columns else np.full(len(settlements), "all", dtype=object))
        return cls(
            router=router, group=group, norm=the_norm, settlements=settlements, points=points, origins=origins,
            baseline=baseline, population=population, hromada=hromada,
            settlement_ids=settlements[id_column].to_numpy(dtype=object),
            point_ids=points[id_column].to_numpy(dtype=object), id_column=id_column,
            build_seconds=time.perf_counter() - started,
        )

    # ------------------------------------------------------------------------------------------------ helpers
    def edges_in_area(self, area: shapely.Geometry, *, bridges_only: bool = False) -> np.ndarray:
        """Ids of the segments intersecting a WGS84 geometry (only bridges with ``bridges_only``).

        Segment bounding boxes are compared with the area's first (vectorised), then the few candidates are
        tested exactly with shapely.
        """
        network = self.network
        if network is None:
            raise DataError("Closing roads needs a road network: load OSM roads for the hromada first.")
        if "edge_box" not in self._cache:
            nodes, edges = network.nodes, network.edges
            u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
            lon, lat = nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float)
            self._cache["edge_box"] = (np.minimum(lon[u], lon[v]), np.minimum(lat[u], lat[v]),
                                       np.maximum(lon[u], lon[v]), np.maximum(lat[u], lat[v]), lon, lat, u, v)
            if "bridge" in edges.columns:
                tag = edges["bridge"].astype("string").str.strip().str.lower().fillna("")
                self._cache["is_bridge"] = (~tag.isin(list(_NOT_BRIDGE))).to_numpy(dtype=bool)
            else:
                self._cache["is_bridge"] = np.zeros(len(edges), dtype=bool)
        x0, y0, x1, y1, lon, lat, u, v = self._cache["edge_box"]
        area = _as_geometry(area)
        if area.is_empty:
            return np.zeros(0, dtype=np.int64)
        ax0, ay0, ax1, ay1 = area.bounds
        ids = np.flatnonzero((x1 >= ax0) & (x0 <= ax1) & (y1 >= ay0) & (y0 <= ay1))
        if bridges_only:
            ids = ids[self._cache["is_bridge"][ids]]
        if len(ids):
            coords = np.stack([np.column_stack([lon[u[ids]], lat[u[ids]]]),
                               np.column_stack([lon[v[ids]], lat[v[ids]]])], axis=1)
            shapely.prepare(area)
            ids = ids[shapely.intersects(area, shapely.linestrings(coords))]
        return ids.astype(np.int64)

    def closed_edges(self, scenario: WhatIf) -> np.ndarray:
        """Every segment the scenario closes (explicit ids + areas + bridges), validated."""
        if not scenario.closes_roads:
            return np.zeros(0, dtype=np.int64)
        if self.network is None:
            raise DataError("Closing roads needs a road network: load OSM roads for the hromada first.")
        parts = [np.asarray(list(scenario.close_edges), dtype=np.int64)]
        parts += [self.edges_in_area(a) for a in scenario.close_areas]
        parts += [self.edges_in_area(a, bridges_only=True) for a in scenario.close_bridges_in]
        closed = np.unique(np.concatenate(parts))
        bad = (closed < 0) | (closed >= self.network.n_edges)
        if bad.any():
            raise DataError(f"Unknown road segment ids (valid 0..{self.network.n_edges - 1}): "
                            f"{closed[bad][:10].tolist()}")
        return closed


def _columns(router, origins, points: gpd.GeoDataFrame, id_column: str) -> TravelMatrix:
    """Settlements x points matrix (with routes on a network)."""
    if isinstance(router, Router):
        return router.matrix(origins, points, id_column=id_column, with_routes=True)
    return router.matrix(origins, points, id_column=id_column)


# ================================================================================================================
# Scenario evaluation
# ================================================================================================================
@dataclass
class ScenarioResult:
    """Result of :func:`apply_scenario`.

    Attributes
    ----------
    settlements
        One row per settlement: ``origin_id``, ``name``, ``hromada``, ``population``, ``time_before_min``,
        ``time_after_min``, ``change_min``, ``destination_before``, ``destination_after``, ``reachable_before``,
        ``reachable_after``, ``covered_before``, ``covered_after``, ``status``.
    hromadas
        One row per hromada (+ ``"(all)"`` when there are several): settlements, population, covered population and
        share before/after, population-weighted mean and maximum time before/after, unreachable counts.
    scenario, norm
        The scenario evaluated and the norm "covered" is judged by.
    closed_edge_ids
        Every road segment closed (explicit + areas + bridges).
    method
        ``"unchanged"``, ``"incremental"`` or ``"full"`` (see the module docstring).
    affected_settlements
        Settlements whose baseline nearest point was closed/moved or whose fastest route used a closed segment.
    matrix
        The settlements x points matrix after the scenario.
    timings
        Seconds spent per stage (``prepare``, ``search``, ``tables``, ``total``).
    """

    settlements: pd.DataFrame
    hromadas: pd.DataFrame
    scenario: WhatIf
    norm: Norm
    closed_edge_ids: np.ndarray
    method: str
    affected_settlements: int
    matrix: TravelMatrix
    timings: dict[str, float]
    notes: list[str] = field(default_factory=list)

    @property
    def threshold_min(self) -> float | None:
        return self.norm.max_time_min

    def summary(self) -> dict:
        """Whole-area figures (the ``(all)`` row, or the only hromada)."""
        row = self.hromadas.iloc[-1]
        return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def _new_points(context: PlanningContext, scenario: WhatIf) -> gpd.GeoDataFrame:
    known = set(context.point_ids.tolist())
    moved = dict(scenario.move)
    unknown = sorted(map(str, (set(scenario.close) | set(moved)) - known))
    if unknown:
        raise DataError(f"Unknown service point id(s) in the scenario: {unknown[:10]}.")
    ids, lon, lat = [], [], []
    for position, point in enumerate(scenario.add, start=1):
        if point.group is not None and context.group is not None and point.group != context.group:
            raise DataError(f"New point {point.id or position!r} is of group {point.group!r}; this context analyses "
                            f"{context.group!r}.")
        ids.append(point.id if point.id is not None else f"new-{position}")
        lon.append(float(point.lon))
        lat.append(float(point.lat))
    for pid, (x, y) in moved.items():
        ids.append(pid)
        lon.append(float(x))
        lat.append(float(y))
    if not all(np.isfinite(lon)) or not all(np.isfinite(lat)):
        raise DataError("New or moved points need finite longitude and latitude.")
    remaining = known - set(scenario.close) - set(moved)
    duplicates = [i for i in ids if i in remaining or ids.count(i) > 1]
    if duplicates:
        raise DataError(f"New point id(s) already in use: {sorted(set(map(str, duplicates)))[:10]}.")
    return gpd.GeoDataFrame({context.id_column: ids}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def scenario_matrix(context: PlanningContext, scenario: WhatIf) -> dict:
    """The numeric core of :func:`apply_scenario`: the settlements x points matrix after the scenario.

    Returns a dict with ``matrix`` (columns: kept points, then added and moved ones), ``closed_edge_ids``,
    ``method``, ``affected`` (boolean per settlement), ``timings``.
    """
    t0 = time.perf_counter()
    new = _new_points(context, scenario)
    closed = context.closed_edges(scenario)
    removed = np.isin(context.point_ids, list(set(scenario.close) | set(dict(scenario.move))))
    baseline = context.baseline
    n_s = len(context.settlement_ids)
    affected = np.zeros(n_s, dtype=bool)
    nearest = context.baseline_point
    if removed.any():
        affected |= (nearest >= 0) & removed[np.maximum(nearest, 0)]
    touched = np.zeros(baseline.shape[1], dtype=bool)
    if len(closed) and baseline.routes is not None:
        is_closed = np.zeros(context.network.n_edges, dtype=bool)
        is_closed[closed] = True
        for j, (owners, segments) in enumerate(baseline.routes):
            hit = is_closed[segments]
            if hit.any():
                touched[j] = True
                on_nearest = owners[hit][nearest[owners[hit]] == j]
                affected[on_nearest] = True
    t1 = time.perf_counter()
    keep = np.flatnonzero(~removed)
    matrix = baseline.columns(keep)
    redo = touched[keep]
    # a closure on no route changes no figure of the kept points: the closed graph is built only when needed
    router = context.router.with_closed(closed) if len(closed) and (redo.any() or len(new)) else context.router
    if redo.any():
        fresh = _columns(router, context.origins, context.points.iloc[keep[redo]], context.id_column)
        positions = np.flatnonzero(redo)
        for name in ("time_min", "distance_km", "network_km", "off_network_m"):
            if getattr(matrix, name) is not None and getattr(fresh, name) is not None:
                getattr(matrix, name)[:, positions] = getattr(fresh, name)
        if matrix.routes is not None:
            for k, position in enumerate(positions):
                matrix.routes[position] = fresh.routes[k]
    if len(new):
        matrix = matrix.with_columns(_columns(router, context.origins, new, context.id_column))
    t2 = time.perf_counter()
    if redo.any():
        method = "full"
    elif len(new) or removed.any():
        method = "incremental"
    else:
        method = "unchanged"
    return {"matrix": matrix, "closed_edge_ids": closed, "method": method, "affected": affected,
            "new_point_ids": new[context.id_column].tolist(), "timings": {"prepare": t1 - t0, "search": t2 - t1}}


def _hromada_table(hromada: np.ndarray, population: np.ndarray, before: np.ndarray, after: np.ndarray,
                   covered_before: np.ndarray, covered_after: np.ndarray, changed: np.ndarray) -> pd.DataFrame:
    """Per-hromada before/after figures (numpy group sums), plus an ``(all)`` row when there are several.

    ``before``/``after`` are minutes (NaN = unreachable); population NaN counts as 0.
    """
    labels, group = np.unique(hromada.astype(str), return_inverse=True)
    if len(labels) > 1:
        labels = np.append(labels, "(all)")
        group_sets = [group, np.full(len(group), len(labels) - 1)]
    else:
        group_sets = [group]
    g = np.concatenate(group_sets)
    m = len(labels)
    reps = len(group_sets)
    pop = np.tile(np.nan_to_num(population, nan=0.0), reps)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(g, weights=values, minlength=m)

    table = {"hromada": labels, "n_settlements": np.bincount(g, minlength=m), "population": total(pop)}
    for when, minutes, covered in (("before", before, covered_before), ("after", after, covered_after)):
        minutes = np.tile(minutes, reps)
        ok = np.isfinite(minutes)
        covered_pop = total(np.where(np.tile(covered, reps), pop, 0.0))
        weight = total(np.where(ok, pop, 0.0))
        weighted = total(np.where(ok, minutes * pop, 0.0))
        longest = np.full(m, -np.inf)
        np.maximum.at(longest, g[ok], minutes[ok])
        with np.errstate(invalid="ignore", divide="ignore"):
            table[f"covered_population_{when}"] = covered_pop
            table[f"covered_share_{when}"] = np.where(table["population"] > 0, covered_pop / table["population"],
                                                      np.nan)
            table[f"mean_time_{when}_min"] = np.where(weight > 0, weighted / weight, np.nan)
        table[f"max_time_{when}_min"] = np.where(np.isfinite(longest), longest, np.nan)
        table[f"n_unreachable_{when}"] = np.bincount(g[~ok], minlength=m)
    table["covered_population_change"] = table["covered_population_after"] - table["covered_population_before"]
    table["n_settlements_changed"] = np.bincount(g[np.tile(changed, reps)], minlength=m)
    return pd.DataFrame(table)


def apply_scenario(context: PlanningContext, scenario: WhatIf, *, norm: Norm | None = None) -> ScenarioResult:
    """Before/after access per settlement and per hromada for a what-if scenario (exact, incremental).

    Parameters
    ----------
    context
        Built once with :meth:`PlanningContext.build`.
    scenario
        Points added/moved/closed, road segments closed.
    norm
        What "covered" means (default ``context.norm``).
    """
    started = time.perf_counter()
    norm = norm or context.norm
    core = scenario_matrix(context, scenario)
    t_tables = time.perf_counter()
    after_matrix: TravelMatrix = core["matrix"]
    best_before, time_before = context.baseline.fastest()
    best_after, time_after = after_matrix.fastest()
    before = np.where(np.isfinite(time_before), time_before, np.nan)
    after = np.where(np.isfinite(time_after), time_after, np.nan)
    reach_b, reach_a = np.isfinite(before), np.isfinite(after)
    covered_b, covered_a = covered_by(context.baseline, norm), covered_by(after_matrix, norm)
    change = after - before
    status = np.full(len(before), "unchanged", dtype=object)
    status[reach_b & reach_a & (change < -1e-9)] = "faster"
    status[reach_b & reach_a & (change > 1e-9)] = "slower"
    status[reach_b & ~reach_a] = "now unreachable"
    status[~reach_b & reach_a] = "now reachable"
    ids_before = np.asarray(context.baseline.destination_ids, dtype=object)
    ids_after = np.asarray(after_matrix.destination_ids, dtype=object)
    dest_before = np.where(best_before >= 0, ids_before[np.maximum(best_before, 0)] if len(ids_before) else None,
                           None)
    dest_after = np.where(best_after >= 0, ids_after[np.maximum(best_after, 0)] if len(ids_after) else None, None)
    names = context.settlements["name"].to_numpy() if "name" in context.settlements.columns else None
    table = pd.DataFrame(
        {
            "origin_id": context.settlement_ids,
            "name": names if names is not None else pd.Series([None] * len(before), dtype=object),
            "hromada": context.hromada,
            "population": context.population,
            "time_before_min": before,
            "time_after_min": after,
            "change_min": change,
            "destination_before": dest_before,
            "destination_after": dest_after,
            "reachable_before": reach_b,
            "reachable_after": reach_a,
            "covered_before": covered_b,
            "covered_after": covered_a,
            "status": status,
        }
    )
    changed = (status != "unchanged") | (covered_b != covered_a)
    hromadas = _hromada_table(context.hromada, context.population, before, after, covered_b, covered_a, changed)
    notes = []
    if np.isnan(context.population).any():
        notes.append(f"{int(np.isnan(context.population).sum())} settlement(s) without population count as 0 "
                     "in population figures")
    if len(core["closed_edge_ids"]) == 0 and (scenario.close_areas or scenario.close_bridges_in):
        notes.append("no road segment intersects the closed area(s)")
    timings = dict(core["timings"])
    timings["tables"] = time.perf_counter() - t_tables
    timings["total"] = time.perf_counter() - started
    return ScenarioResult(
        settlements=table, hromadas=hromadas, scenario=scenario, norm=norm, closed_edge_ids=core["closed_edge_ids"],
        method=core["method"], affected_settlements=int(core["affected"].sum()), matrix=after_matrix,
        timings=timings, notes=notes,
    )
