"""Cached access to the analysis API for the dashboard (no analysis math here).

Everything slow is cached by its inputs (plain values: codes, paths, uploaded bytes), so switching pages or
language is instant. What the user loaded lives in ``st.session_state`` (see :func:`uploads`), so an error on one
page never loses it.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.access import AccessResult, compute_access
from analysis.datasets import HromadaBundle, list_demo_packs, load_demo_pack
from analysis.errors import DataError
from analysis import osm_import as osm_store
from analysis.network import RoadNetwork

#: Largest table upload (settlements / service points / registry) accepted, MB.
MAX_TABLE_UPLOAD_MB = 25
#: Largest OSM extract accepted as an upload, MB (bigger files: give their path on disk).
MAX_OSM_UPLOAD_MB = 200

Progress = Callable[[str, float], None]


# ----------------------------------------------------------------------------------------------------------------
# Where things are
# ----------------------------------------------------------------------------------------------------------------
def data_root_setting() -> str | None:
    """The data folder chosen by the user (env var HROMADA_ACCESS_DATA or default ../shared/data)."""
    return os.environ.get("HROMADA_ACCESS_DATA")


def networks_dir() -> Path:
    """Folder where imported/downloaded networks are kept for the dashboard (shared with the CLI)."""
    return osm_store.default_extracts_dir()


# ----------------------------------------------------------------------------------------------------------------
# Reference data
# ----------------------------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False)
def packs(root: str | None) -> pd.DataFrame:
    return list_demo_packs(root)


@st.cache_data(show_spinner=False, max_entries=64)
def search_hromadas(query: str, root: str | None) -> pd.DataFrame:
    from analysis.datasets import find_hromada

    return find_hromada(query, root, limit=30)


@st.cache_data(show_spinner=False, max_entries=32)
def boundary(code: str, root: str | None) -> gpd.GeoDataFrame:
    from analysis.datasets import hromada_boundary

    return hromada_boundary(code, root)


@st.cache_data(show_spinner=False, max_entries=32)
def codifier_settlements(code: str, root: str | None) -> pd.DataFrame:
    from analysis.datasets import hromada_settlements_codifier

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
def _slug(text: str) -> str:
    slug = re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("_")
    return slug[:80] or "network"


def save_extract(extract, label: str, *, hromada_code: str | None, origin: str) -> Path:
    """Save an :class:`~analysis.osm_import.OsmExtract` where the sidebar finds it (the CLI's layout)."""
    return osm_store.save_extract(extract, networks_dir() / _slug(label),
                                  meta={"label": label, "hromada_code": hromada_code, "origin": origin})


def saved_networks() -> dict[str, str]:
    """Saved extracts/networks (label -> directory) available to the dashboard."""
    folder = networks_dir()
    if not folder.is_dir():
        return {}
    return {p.name: str(p) for p in sorted(folder.iterdir())
            if (p / osm_store.EXTRACT_META_FILE).exists() or (p / "network.json").exists()}


def network_meta(path: str) -> dict:
    meta = osm_store.read_extract_meta(path)
    if "source" not in meta:
        try:
            meta["source"] = RoadNetwork.load(path).source
        except (OSError, ValueError):
            meta["source"] = ""
    return meta


def networks_for(code: str | None) -> dict[str, str]:
    """Saved networks whose OSM data was taken for hromada ``code``."""
    return {k: v for k, v in saved_networks().items() if code and network_meta(v).get("hromada_code") == code}


def covers(network_path: str, bounds: tuple[float, float, float, float]) -> bool:
    """Whether a saved network's extent overlaps the given lon/lat bounds (unknown extent counts as yes)."""
    bbox = network_meta(network_path).get("bbox")
    if not bbox:
        return True
    west, south, east, north = bounds
    return not (bbox[2] < west or bbox[0] > east or bbox[3] < south or bbox[1] > north)


def _network_mtime(path: str) -> float:
    for candidate in (Path(path) / "network" / "network.json", Path(path) / "network.json"):
        if candidate.exists():
            return candidate.stat().st_mtime
    return 0.0


@st.cache_resource(show_spinner=False, max_entries=4)
def _network(path: str, mtime: float) -> RoadNetwork:
    return RoadNetwork.load(path)


def network(path: str) -> RoadNetwork:
    return _network(path, _network_mtime(path))


# ----------------------------------------------------------------------------------------------------------------
# What the user loaded (kept in the session: an error elsewhere never loses it)
# ----------------------------------------------------------------------------------------------------------------
def uploads() -> dict:
    """``{hromada_code: {"settlements": (name, bytes), "service_points": (name, bytes)}}`` of this session."""
    return st.session_state.setdefault("user_uploads", {})


def user_files(code: str) -> dict:
    return uploads().get(code, {})


def remember_upload(code: str, kind: str, name: str, data: bytes) -> None:
    uploads().setdefault(code, {})[kind] = (name, bytes(data))


def remember_survey(code: str, name: str, data: bytes) -> None:
    entry = uploads().setdefault(code, {})
    entry["surveys"] = tuple(entry.get("surveys", ())) + ((name, bytes(data)),)


def forget_upload(code: str, kind: str) -> None:
    uploads().get(code, {}).pop(kind, None)


def check_size(data: bytes, limit_mb: float, name: str) -> None:
    if len(data) > limit_mb * 1024 * 1024:
        raise DataError(
            f"Файл «{name}» завеликий ({len(data) / 1048576:.1f} МБ; межа {limit_mb:g} МБ) / "
            f"File '{name}' is too large ({len(data) / 1048576:.1f} MB; limit {limit_mb:g} MB)."
        )


def read_user_settlements(name: str, data: bytes, code: str) -> gpd.GeoDataFrame:
    from analysis.places import read_points, settlements_from_table

    check_size(data, MAX_TABLE_UPLOAD_MB, name)
    points = read_points(data, name=name)
    points.attrs["source_label"] = name
    return settlements_from_table(points, hromada_katottg=code)


def read_user_points(name: str, data: bytes, settlements: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    from analysis.places import read_points, resolve_settlement_locations, service_points_from_table

    check_size(data, MAX_TABLE_UPLOAD_MB, name)
    points = read_points(data, name=name)
    points.attrs["source_label"] = name
    table = service_points_from_table(points)
    if settlements is not None:
        table = resolve_settlement_locations(table, settlements)
    return table


# ----------------------------------------------------------------------------------------------------------------
# The hromada being analysed
# ----------------------------------------------------------------------------------------------------------------
def _osm_bundle(code: str, root: str | None, osm_dir: str) -> HromadaBundle:
    """A bundle for a hromada without a demo pack, from saved OSM data (+ the ЦНАП registry where it has rows)."""
    from analysis.datasets import SOURCE_CNAP_REGISTRY, SOURCE_KATOTTG, SOURCE_OSM
    from analysis.places import service_points_from_osm, settlements_from_osm_places

    folder = Path(osm_dir)
    outline = boundary(code, root)
    places = gpd.read_parquet(folder / "places.parquet")
    pois = gpd.read_parquet(folder / "pois.parquet")
    settlements = settlements_from_osm_places(places, root, hromada_code=code)
    points = service_points_from_osm(pois)
    notes = list(settlements.attrs.get("warnings", [])) + list(points.attrs.get("warnings", []))
    info = outline.iloc[0]
    try:
        from analysis.registry import geocode_registry, load_registry

        registry_points, unplaced = geocode_registry(load_registry(root=root), settlements, code,
                                                     str(info.get("name_uk", "")), oblast_name=info.get("oblast"))
        if len(registry_points):
            points = pd.concat([registry_points, points[points["group"] != "cnap"]], ignore_index=True)
            points = gpd.GeoDataFrame(points, geometry="geometry", crs=4326)
        if len(unplaced):
            notes.append(f"{len(unplaced)} ЦНАП registry row(s) could not be placed at a settlement.")
    except DataError as exc:
        notes.append(str(exc))
    return HromadaBundle(
        code=code, name_uk=str(info.get("name_uk") or code), name_en=str(info.get("name_en") or code),
        boundary=outline, settlements=settlements, service_points=points,
        sources=[dict(SOURCE_OSM), dict(SOURCE_KATOTTG), dict(SOURCE_CNAP_REGISTRY)], notes=notes,
        path=folder,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def bundle(code: str, root: str | None, settlements_file: tuple | None = None, points_file: tuple | None = None,
           osm_dir: str | None = None, surveys: tuple = ()) -> HromadaBundle | None:
    """The hromada's data: its demo pack, else saved OSM data, else uploads; own uploads replace pack tables.

    Returns None when nothing with settlement points is available (the pages then say what is missing).
    """
    pack_codes = set(packs(root)["code"])
    if code in pack_codes:
        result = load_demo_pack(code, root)
    elif osm_dir:
        result = _osm_bundle(code, root, osm_dir)
    elif settlements_file is not None:
        outline = boundary(code, root)
        info = outline.iloc[0]
        from analysis.places import empty_service_points

        result = HromadaBundle(code=code, name_uk=str(info.get("name_uk") or code),
                               name_en=str(info.get("name_en") or code), boundary=outline,
                               settlements=read_user_settlements(*settlements_file, code),
                               service_points=empty_service_points(), sources=[], notes=[])
    else:
        return None
    notes = list(result.notes)
    sources = list(result.sources)
    if settlements_file is not None:
        settlements = read_user_settlements(*settlements_file, code)
        result = replace(result, settlements=settlements)
        notes.append(f"Населені пункти з файлу користувача / settlements from the user's file: {settlements_file[0]}")
        sources.append({"name": settlements_file[0], "licence": "user data", "url": "", "description": "uploaded"})
    if points_file is not None:
        points = read_user_points(*points_file, result.settlements)
        result = replace(result, service_points=points)
        notes.append(f"Точки обслуговування з файлу користувача / service points from the user's file: {points_file[0]}")
        sources.append({"name": points_file[0], "licence": "user data", "url": "", "description": "uploaded"})
    if surveys and len(result.service_points):
        points = result.service_points
        for name, data in surveys:
            points = apply_survey_file(points, name, data)
        result = replace(result, service_points=points)
        notes.append("Обстеження безбар'єрності / barrier-free surveys: " + ", ".join(n for n, _ in surveys))
    return replace(result, notes=notes, sources=sources)


def read_survey_file(name: str, data: bytes) -> pd.DataFrame:
    """A filled survey form (XLSX/CSV bytes) read with :func:`analysis.barrier_free.read_survey`."""
    import tempfile

    from analysis.barrier_free import read_survey

    check_size(data, MAX_TABLE_UPLOAD_MB, name)
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise DataError(f"Анкета має бути XLSX або CSV / The survey form must be XLSX or CSV: {name}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"survey{suffix}"
        path.write_bytes(data)
        return read_survey(path)


def apply_survey_file(points: gpd.GeoDataFrame, name: str, data: bytes) -> gpd.GeoDataFrame:
    from analysis.barrier_free import apply_survey

    return apply_survey(points, read_survey_file(name, data))


@st.cache_resource(show_spinner=False)
def _access_memo() -> "OrderedDict":
    """Results of :func:`access` (a plain LRU store: st.cache_data cannot hold a function that draws progress)."""
    return OrderedDict()


_ACCESS_MEMO_SIZE = 24
_ACCESS_LOCK = threading.Lock()


def access(spec: dict, network_path: str | None, mode: str, circuity: float, _progress: Progress | None = None,
           closed_edge_ids: tuple[int, ...] | None = None) -> AccessResult:
    """compute_access on the bundle ``spec`` (arguments of :func:`bundle`), memoised; ``_progress`` receives the
    analysis ``progress(text, fraction)`` calls while routing. Callers must not modify the result."""
    key = (spec_key(spec), network_path, _network_mtime(network_path) if network_path else 0.0, mode,
           float(circuity), tuple(closed_edge_ids or ()))
    memo = _access_memo()
    with _ACCESS_LOCK:
        if key in memo:
            memo.move_to_end(key)
            return memo[key]
    hromada = bundle(**spec)
    if hromada is None:
        raise DataError("No settlements for this hromada.")
    net = network(network_path) if network_path else None
    result = compute_access(hromada.settlements, hromada.service_points, net, mode=mode, by="group",
                            circuity=circuity, closed_edge_ids=list(closed_edge_ids) if closed_edge_ids else None,
                            progress=_progress)
    with _ACCESS_LOCK:
        memo[key] = result
        while len(memo) > _ACCESS_MEMO_SIZE:
            memo.popitem(last=False)
    return result


def bundle_spec(code: str, root: str | None) -> dict:
    """Arguments of :func:`bundle` for hromada ``code`` in this session (pack, saved OSM data, uploads)."""
    files = user_files(code)
    pack_codes = set(packs(root)["code"])
    osm_dir = None
    if code not in pack_codes:
        own = networks_for(code)
        osm_dir = next(iter(own.values()), None)
    return {"code": code, "root": root, "settlements_file": files.get("settlements"),
            "points_file": files.get("service_points"), "osm_dir": osm_dir,
            "surveys": tuple(files.get("surveys", ()))}


# ----------------------------------------------------------------------------------------------------------------
# Coverage against the norms (analysis.coverage)
# ----------------------------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=32)
def evaluation(spec: dict, network_path: str | None, mode: str, circuity: float, norms: tuple,
               closed_edge_ids: tuple[int, ...] | None = None) -> pd.DataFrame:
    """evaluate_norms for the bundle ``spec`` (one row per settlement x norm)."""
    from analysis.coverage import evaluate_norms

    result = access(spec, network_path, mode, circuity, closed_edge_ids=closed_edge_ids)
    hromada = bundle(**spec)
    net = network(network_path) if network_path else None
    return evaluate_norms(result, hromada.settlements, norms, network=net, closed_edge_ids=closed_edge_ids)


@st.cache_data(show_spinner=False, max_entries=32)
def summary(spec: dict, network_path: str | None, mode: str, circuity: float, norms: tuple) -> pd.DataFrame:
    from analysis.coverage import coverage_summary

    hromada = bundle(**spec)
    return coverage_summary(evaluation(spec, network_path, mode, circuity, norms), hromada.settlements,
                            by_hromada=False)


@st.cache_data(show_spinner=False, max_entries=32)
def gaps(spec: dict, network_path: str | None, mode: str, circuity: float, norms: tuple,
         norm_id: str) -> gpd.GeoDataFrame:
    from analysis.coverage import gap_list

    hromada = bundle(**spec)
    return gap_list(evaluation(spec, network_path, mode, circuity, norms), hromada.settlements, norm_id)


@st.cache_data(show_spinner=False, max_entries=32)
def quality(spec: dict, network_path: str | None, mode: str, circuity: float, norms: tuple):
    from analysis.coverage import data_quality

    hromada = bundle(**spec)
    return data_quality(hromada, access(spec, network_path, mode, circuity), norms=norms)


def ctx_args(ctx: dict) -> tuple:
    """(spec, network_path, mode, circuity) of the page context — the key of every cached figure."""
    return ctx["spec"], ctx.get("network_path"), ctx["mode"], ctx["circuity"]


@st.cache_data(show_spinner=False, max_entries=32)
def service_areas(spec: dict, network_path: str | None, mode: str, circuity: float, group: str,
                  closed_edge_ids: tuple[int, ...] | None = None) -> gpd.GeoDataFrame:
    """Service areas (15/30/45/60 min) of the points of ``group``: routed with a network, else estimated."""
    from analysis.service_areas import estimated_service_areas
    from analysis.service_areas import service_areas as routed_service_areas

    hromada = bundle(**spec)
    points = hromada.service_points[hromada.service_points["group"] == group]
    if network_path:
        return routed_service_areas(network(network_path), points, mode,
                                    closed_edge_ids=list(closed_edge_ids) if closed_edge_ids else None)
    return estimated_service_areas(points, mode, circuity=circuity)


# ----------------------------------------------------------------------------------------------------------------
# Barrier-free (analysis.barrier_free, analysis.barrier_free_coverage)
# ----------------------------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=16)
def assessed_points(spec: dict) -> gpd.GeoDataFrame:
    from analysis.barrier_free import assess_points

    return assess_points(bundle(**spec).service_points)


@st.cache_data(show_spinner=False, max_entries=16)
def bf_coverage(spec: dict, network_path: str | None, mode: str, circuity: float, norm):
    from analysis.barrier_free_coverage import barrier_free_coverage

    hromada = bundle(**spec)
    net = network(network_path) if network_path else None
    return barrier_free_coverage(hromada.settlements, assessed_points(spec), net, norm=norm, mode=mode,
                                 circuity=circuity)


# ----------------------------------------------------------------------------------------------------------------
# Planning (analysis.planning; without a network: compute_access / evaluate_norms on the changed point set)
# ----------------------------------------------------------------------------------------------------------------
def default_category(group: str) -> str:
    from analysis.taxonomy import load_taxonomy

    categories = load_taxonomy().categories_in_group(group)
    return categories[-1] if categories else group


def scenario_points(spec: dict, group: str, add: tuple, close: tuple) -> gpd.GeoDataFrame:
    """The service points of the hromada after adding ``add`` ((lon, lat), ...) and closing ``close`` (ids)."""
    points = bundle(**spec).service_points
    kept = points[~points["id"].isin(close)]
    if not add:
        return kept
    new = gpd.GeoDataFrame(
        {"id": [f"new-{i + 1}" for i in range(len(add))], "name": [f"+{i + 1}" for i in range(len(add))],
         "category": default_category(group), "group": group, "source": "user", "location_precision": "building"},
        geometry=gpd.points_from_xy([lon for lon, _ in add], [lat for _, lat in add]), crs=4326)
    return gpd.GeoDataFrame(pd.concat([kept, new], ignore_index=True), geometry="geometry", crs=4326)


@st.cache_data(show_spinner=False, max_entries=32)
def estimated_scenario(spec: dict, mode: str, circuity: float, norms: tuple, norm_id: str, group: str,
                       add: tuple, close: tuple):
    """Without a road network: (access result, coverage summary row) after the scenario (estimated)."""
    from analysis.coverage import coverage_summary, evaluate_norms
    from analysis.norms import get_norm

    hromada = bundle(**spec)
    points = scenario_points(spec, group, add, close)
    norm = get_norm(norms, norm_id)
    result = compute_access(hromada.settlements, points, None, mode=mode, by="group", circuity=circuity)
    evaluation_ = evaluate_norms(result, hromada.settlements, [norm])
    summary_ = coverage_summary(evaluation_, hromada.settlements, by_hromada=False)
    return result, evaluation_, summary_.iloc[0].to_dict()


@st.cache_resource(show_spinner=False, max_entries=4)
def planning_context(spec_key: str, _spec: dict, network_path: str, mode: str, group: str, threshold_min: float):
    """The incremental what-if context (routing baseline) of :mod:`analysis.planning`."""
    from analysis.planning import PlanningContext

    hromada = bundle(**_spec)
    return PlanningContext.build(network(network_path), hromada.settlements, hromada.service_points, mode, group,
                                 threshold_min=threshold_min)


def spec_key(spec: dict) -> str:
    """A short stable key of a bundle spec (it holds uploaded bytes)."""
    import hashlib
    import pickle

    return hashlib.sha1(pickle.dumps(sorted(spec.items()))).hexdigest()


@st.cache_data(show_spinner=False, max_entries=16)
def estimated_od(spec: dict, mode: str, circuity: float, group: str, which: str) -> pd.DataFrame:
    """Settlements x candidates ("settlements") or x existing points of ``group`` ("existing"), estimated
    (:func:`analysis.routing.estimate_od_matrix`)."""
    from analysis.routing import estimate_od_matrix

    hromada = bundle(**spec)
    if which == "settlements":
        destinations = hromada.settlements[["id", "geometry"]]
    else:
        destinations = hromada.service_points[hromada.service_points["group"] == group][["id", "geometry"]]
    long = estimate_od_matrix(hromada.settlements, destinations, mode, circuity=circuity)
    return long[["origin_id", "destination_id", "travel_time_min", "total_distance_km"]]


@st.cache_data(show_spinner=False, max_entries=16)
def suggestion(spec: dict, network_path: str | None, mode: str, circuity: float, group: str, k: int,
               threshold_min: float | None, threshold_km: float | None, cost: float | None):
    """suggest_points (maximal covering) for k new points of ``group`` among the settlements."""
    from analysis.planning import suggest_points

    hromada = bundle(**spec)
    existing = hromada.service_points[hromada.service_points["group"] == group]
    if network_path:
        return suggest_points(network(network_path), k, threshold_min, threshold_km=threshold_km,
                              settlements=hromada.settlements, existing_points=existing if len(existing) else None,
                              mode=mode, cost_per_point=cost)
    od = estimated_od(spec, mode, circuity, group, "settlements")
    existing_od = estimated_od(spec, mode, circuity, group, "existing") if len(existing) else None
    return suggest_points(od, k, threshold_min, threshold_km=threshold_km, settlements=hromada.settlements,
                          existing_points=existing_od, mode=mode, cost_per_point=cost)


# ----------------------------------------------------------------------------------------------------------------
# Comparing hromadas (analysis.compare)
# ----------------------------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=64)
def hromada_report(spec: dict, network_path: str | None, mode: str, circuity: float, norms: tuple):
    from analysis.compare import analyse_hromada

    net = network(network_path) if network_path else None
    return analyse_hromada(bundle(**spec), net, norms, mode, circuity=circuity)


def comparable_hromadas(root: str | None) -> list[str]:
    """Codes of every hromada with data: the demo packs, and hromadas with saved OSM data or own files."""
    codes = list(packs(root)["code"])
    for key, path in saved_networks().items():
        code = network_meta(path).get("hromada_code")
        if code and code not in codes:
            codes.append(code)
    for code, files in uploads().items():
        if "settlements" in files and code not in codes:
            codes.append(code)
    return codes


@st.cache_data(show_spinner=False, max_entries=16)
def capacity(spec: dict, network_path: str | None, mode: str, circuity: float, group: str,
             catchment_min: float = 30.0):
    """E2SFCA (analysis.capacity) of the points of ``group``: staff (workers_total) against the residents around."""
    from analysis.capacity import e2sfca
    from analysis.routing import od_matrix

    hromada = bundle(**spec)
    points = hromada.service_points[hromada.service_points["group"] == group]
    if network_path:
        od = od_matrix(network(network_path), hromada.settlements, points, mode, cutoff_min=catchment_min)
    else:
        od = estimated_od(spec, mode, circuity, group, "existing")
    demand = pd.Series(pd.to_numeric(hromada.settlements["population"], errors="coerce").to_numpy(dtype=float),
                       index=hromada.settlements["id"].to_numpy())
    supply = pd.Series(pd.to_numeric(points["workers_total"], errors="coerce").to_numpy(dtype=float),
                       index=points["id"].to_numpy())
    return e2sfca(od[["origin_id", "destination_id", "travel_time_min"]], demand, supply,
                  catchment_min=catchment_min)
