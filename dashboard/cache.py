"""Cached calls of the analysis API for the dashboard: thin wrappers, no analysis logic here.

Everything slow is cached by its inputs (plain values: codes, paths, uploaded bytes, norms), so switching pages or
language is instant. Every figure of a hromada comes from one router (:func:`router`) and one analysis
(:func:`report`): the pages, the report and the downloads read the same tables.

The key of a hromada's figures is ``args = (spec, network_path, mode, circuity, max_snap_m)``
(:func:`dashboard.context.ctx_args`).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.metrics.access import AccessResult, compute_access
from analysis.metrics.norms import norm_for_group
from analysis.network.graph import RoadNetwork
from analysis.reporting import inputs
from analysis.sources import extracts
from analysis.sources.packs import HromadaBundle

Progress = Callable[[str, float], None]


# ----------------------------------------------------------------------------------------------------------------
# Where things are and reference data
# ----------------------------------------------------------------------------------------------------------------
def data_root_setting() -> str | None:
    """The data folder chosen by the user (env var HROMADA_ACCESS_DATA or default ../shared/data)."""
    return os.environ.get("HROMADA_ACCESS_DATA")


@st.cache_data(show_spinner=False)
def packs(root: str | None) -> pd.DataFrame:
    from analysis.sources.packs import list_demo_packs

    return list_demo_packs(root)


@st.cache_data(show_spinner=False)
def hromada_list(root: str | None) -> pd.DataFrame:
    """Every hromada that has a boundary (1,466: all outside Crimea and the exclusion zone), sorted by oblast and
    name: ``code``, ``name_uk``, ``name_en``, ``oblast`` (:func:`analysis.sources.national.hromadas_with_boundary`)."""
    from analysis.sources.national import hromadas_with_boundary

    hromadas = hromadas_with_boundary(root).sort_values(["oblast", "name_uk"], kind="stable")
    return hromadas[["code", "name_uk", "name_en", "oblast"]]


@st.cache_data(show_spinner=False, max_entries=64)
def search_hromadas(query: str, root: str | None) -> pd.DataFrame:
    from analysis.sources.admin import find_hromada

    return find_hromada(query, root, limit=30)


@st.cache_data(show_spinner=False, max_entries=32)
def boundary(code: str, root: str | None) -> gpd.GeoDataFrame:
    from analysis.sources.admin import hromada_boundary

    return hromada_boundary(code, root)


@st.cache_data(show_spinner=False, max_entries=32)
def codifier_settlements(code: str, root: str | None) -> pd.DataFrame:
    from analysis.sources.admin import hromada_settlements_codifier

    return hromada_settlements_codifier(code, root)


@st.cache_data(show_spinner=False, max_entries=64)
def hromada_info(code: str, root: str | None) -> dict:
    """Names/oblast/raion of any hromada from the KATOTTG index (empty dict if unknown)."""
    hits = search_hromadas(code, root)
    hits = hits[hits["code"] == code]
    return {} if hits.empty else {k: (None if pd.isna(v) else v) for k, v in hits.iloc[0].to_dict().items()}


# ----------------------------------------------------------------------------------------------------------------
# Saved networks (imported / downloaded OSM data)
# ----------------------------------------------------------------------------------------------------------------
def networks_dir() -> Path:
    """Folder where imported/downloaded networks are kept (shared with the CLI)."""
    return extracts.default_extracts_dir()


def saved_networks() -> dict[str, str]:
    return extracts.saved_extracts(networks_dir())


def network_meta(path: str) -> dict:
    return extracts.extract_info(path)


def networks_for(code: str | None) -> dict[str, str]:
    """Saved networks whose OSM data was taken for hromada ``code``."""
    return {k: v for k, v in saved_networks().items() if code and network_meta(v).get("hromada_code") == code}


def covers(network_path: str, bounds: tuple[float, float, float, float]) -> bool:
    return extracts.overlaps(network_meta(network_path), bounds)


def save_extract(extract, label: str, *, hromada_code: str | None, origin: str) -> Path:
    """Save an extract where the sidebar finds it (the CLI's layout)."""
    return extracts.save_extract_as(extract, label, folder=networks_dir(),
                                    meta={"hromada_code": hromada_code, "origin": origin})


@st.cache_resource(show_spinner=False, max_entries=4)
def _network(path: str, mtime: float) -> RoadNetwork:
    return RoadNetwork.load(path)


def network(path: str) -> RoadNetwork:
    return _network(path, extracts.network_mtime(path))


@st.cache_resource(show_spinner=False, max_entries=8)
def _router(path: str | None, mtime: float, mode: str, circuity: float, max_snap_m: float | None):
    from analysis.routing.router import router_for

    return router_for(network(path) if path else None, mode, circuity=circuity, max_snap_m=max_snap_m)


def router(network_path: str | None, mode: str, circuity: float, max_snap_m: float | None):
    """The one router of these settings (road network or estimate), built once."""
    return _router(network_path, extracts.network_mtime(network_path) if network_path else 0.0, mode,
                   float(circuity), max_snap_m)


# ----------------------------------------------------------------------------------------------------------------
# The hromada being analysed
# ----------------------------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=16)
def bundle(code: str, root: str | None, settlements_file: tuple | None = None, points_file: tuple | None = None,
           osm_dir: str | None = None, surveys: tuple = ()) -> HromadaBundle | None:
    """:func:`analysis.reporting.inputs.assemble_bundle` (None when nothing with settlement points is available)."""
    return inputs.assemble_bundle(code, root, settlements_file, points_file, osm_dir, surveys)


def spec_key(spec: dict) -> str:
    """A short stable key of a bundle spec (it holds uploaded bytes)."""
    return hashlib.sha1(pickle.dumps(sorted(spec.items()))).hexdigest()


@st.cache_resource(show_spinner=False)
def _access_memo() -> "OrderedDict":
    """Results of :func:`access` (a plain LRU store: st.cache_data cannot hold a function that draws progress)."""
    return OrderedDict()


_ACCESS_MEMO_SIZE = 24
_ACCESS_LOCK = threading.Lock()


def access(spec: dict, network_path: str | None, mode: str, circuity: float, max_snap_m: float | None,
           _progress: Progress | None = None) -> AccessResult:
    """compute_access of the bundle ``spec`` on :func:`router`, memoised; ``_progress`` receives the analysis
    ``progress(text, fraction)`` calls while routing. Callers must not modify the result."""
    key = (spec_key(spec), network_path, extracts.network_mtime(network_path) if network_path else 0.0, mode,
           float(circuity), max_snap_m)
    memo = _access_memo()
    with _ACCESS_LOCK:
        if key in memo:
            memo.move_to_end(key)
            return memo[key]
    hromada = bundle(**spec)
    if hromada is None:
        from analysis.errors import DataError

        raise DataError("No settlements for this hromada.")
    result = compute_access(hromada.settlements, hromada.service_points, by="group",
                            router=router(network_path, mode, circuity, max_snap_m), progress=_progress)
    with _ACCESS_LOCK:
        memo[key] = result
        while len(memo) > _ACCESS_MEMO_SIZE:
            memo.popitem(last=False)
    return result


# ----------------------------------------------------------------------------------------------------------------
# Figures (every page, the report and the downloads read these)
# ----------------------------------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=32)
def report(spec: dict, network_path: str | None, mode: str, circuity: float, max_snap_m: float | None, norms: tuple):
    """The whole analysis of the hromada (:func:`analysis.reporting.pipeline.analyse_hromada`) on the one router."""
    from analysis.reporting.pipeline import analyse_hromada

    result = access(spec, network_path, mode, circuity, max_snap_m)
    return analyse_hromada(bundle(**spec), norms=norms, router=result.router, access=result)


def evaluation(spec, network_path, mode, circuity, max_snap_m, norms: tuple) -> pd.DataFrame:
    return report(spec, network_path, mode, circuity, max_snap_m, norms).evaluation


def summary(spec, network_path, mode, circuity, max_snap_m, norms: tuple) -> pd.DataFrame:
    return report(spec, network_path, mode, circuity, max_snap_m, norms).summary


def gaps(spec, network_path, mode, circuity, max_snap_m, norms: tuple, norm_id: str) -> pd.DataFrame:
    from analysis.metrics.summary import gap_list

    found = report(spec, network_path, mode, circuity, max_snap_m, norms).gaps.get(norm_id)
    return found if found is not None else gap_list(evaluation(spec, network_path, mode, circuity, max_snap_m, norms),
                                                    bundle(**spec).settlements, norm_id)


def quality(spec, network_path, mode, circuity, max_snap_m, norms: tuple):
    return report(spec, network_path, mode, circuity, max_snap_m, norms).data_quality


@st.cache_data(show_spinner=False, max_entries=32)
def service_areas(spec: dict, network_path: str | None, mode: str, circuity: float, max_snap_m: float | None,
                  group: str) -> gpd.GeoDataFrame:
    """Service areas (15/30/45/60 min) of the points of ``group`` on the router: routed, else estimated."""
    from analysis.metrics.service_areas import areas_for

    points = bundle(**spec).service_points
    return areas_for(router(network_path, mode, circuity, max_snap_m), points[points["group"] == group])


@st.cache_data(show_spinner=False, max_entries=16)
def assessed_points(spec: dict) -> gpd.GeoDataFrame:
    from analysis.barrier_free.status import assess_points

    return assess_points(bundle(**spec).service_points)


@st.cache_resource(show_spinner=False, max_entries=16)
def bf_coverage(spec: dict, network_path: str | None, mode: str, circuity: float, max_snap_m: float | None,
                norms: tuple):
    """Barrier-free coverage of the ЦНАП points against the ЦНАП norm of ``norms``, on the one router."""
    from analysis.barrier_free.coverage import barrier_free_coverage

    return barrier_free_coverage(bundle(**spec).settlements, assessed_points(spec), norm=norm_for_group(norms, "cnap"),
                                 router=router(network_path, mode, circuity, max_snap_m))


@st.cache_resource(show_spinner=False, max_entries=4)
def planning_context(spec_hash: str, _spec: dict, network_path: str | None, mode: str, circuity: float,
                     max_snap_m: float | None, group: str, norms: tuple):
    """The what-if context of a group, judged by the group's own norm (:func:`norm_for_group`)."""
    from analysis.planning.scenario import PlanningContext

    hromada = bundle(**_spec)
    return PlanningContext.build(router(network_path, mode, circuity, max_snap_m), hromada.settlements,
                                 hromada.service_points, group=group, norm=norm_for_group(norms, group))


def suggestion(spec: dict, network_path: str | None, mode: str, circuity: float, max_snap_m: float | None,
               group: str, norms: tuple, k: int, cost: float | None):
    """suggest_points (maximal covering) for k new points of ``group`` among the settlements, on the what-if
    context (same router, same norm)."""
    return _suggestion(spec_key(spec), spec, network_path, mode, circuity, max_snap_m, group, norms, k, cost)


@st.cache_resource(show_spinner=False, max_entries=16)
def _suggestion(spec_hash, _spec, network_path, mode, circuity, max_snap_m, group, norms, k, cost):
    from analysis.planning.suggest import suggest_points

    context = planning_context(spec_hash, _spec, network_path, mode, circuity, max_snap_m, group, norms)
    return suggest_points(context, k, cost_per_point=cost)


@st.cache_data(show_spinner=False, max_entries=16)
def capacity_allocation(spec: dict, network_path: str | None, mode: str, circuity: float, max_snap_m: float | None,
                        group: str):
    """Residents per administrator at the points of ``group`` by allocation
    (:func:`analysis.metrics.capacity.allocation_from_access`): each settlement counted once, at the nearest point
    of the cached :func:`access` result (not routed again)."""
    from analysis.metrics.capacity import allocation_from_access

    hromada = bundle(**spec)
    result = access(spec, network_path, mode, circuity, max_snap_m)
    return allocation_from_access(result, hromada.settlements, hromada.service_points, group)


@st.cache_data(show_spinner=False, max_entries=16)
def capacity_index(spec: dict, network_path: str | None, mode: str, circuity: float, max_snap_m: float | None,
                   group: str, catchment_min: float = 30.0):
    """E2SFCA accessibility index (:func:`analysis.metrics.capacity.e2sfca`) of the settlements to the points of
    ``group``: an index, not residents per administrator."""
    from analysis.metrics.capacity import e2sfca, point_supply, settlement_demand

    hromada = bundle(**spec)
    points = hromada.service_points[hromada.service_points["group"] == group]
    od = router(network_path, mode, circuity, max_snap_m).od_matrix(hromada.settlements, points,
                                                                    cutoff_min=catchment_min)
    return e2sfca(od[["origin_id", "destination_id", "travel_time_min"]], settlement_demand(hromada.settlements),
                  point_supply(points), catchment_min=catchment_min)
