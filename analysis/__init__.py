"""Hromada Access: how far residents of Ukrainian hromadas live from ЦНАП and social services, and where the gaps are.

The public API, for notebooks and scripts (``from analysis import ...``). Names are loaded on first use, so
``import analysis`` stays fast and the command line starts quickly.

Data flows one way through the packages:

``sources``   OSM import and download, the Mintsyfra registry, user tables, demo packs, admin data, taxonomy
``network``   the road network, travel-mode profiles, OSM tag rules
``routing``   snapping to the roads and the one :class:`Router` (and its estimate without roads)
``metrics``   norms, coverage, summary statistics, data quality, service areas, capacity
``barrier_free``  barrier-free status, checklist, survey form, barrier-free coverage
``planning``  what-if scenarios, maximal covering suggestions
``reporting`` one hromada's whole analysis, ranking many, maps, outputs
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> module that defines it.
_EXPORTS: dict[str, str] = {
    # errors
    "HromadaAccessError": "analysis.errors", "DataError": "analysis.errors", "DownloadError": "analysis.errors",
    # sources
    "data_root": "analysis.sources.admin", "find_hromada": "analysis.sources.admin",
    "hromada_boundary": "analysis.sources.admin", "hromada_settlements_codifier": "analysis.sources.admin",
    "HromadaBundle": "analysis.sources.packs", "list_demo_packs": "analysis.sources.packs",
    "load_demo_pack": "analysis.sources.packs", "load_hromada": "analysis.sources.national",
    "read_settlement_points": "analysis.sources.national",
    "read_points": "analysis.sources.readers",
    "settlements_from_table": "analysis.sources.places", "service_points_from_table": "analysis.sources.places",
    "settlements_from_osm_places": "analysis.sources.osm_places",
    "service_points_from_osm": "analysis.sources.osm_places",
    "read_osm": "analysis.sources.osm_import", "OsmExtract": "analysis.sources.osm_import",
    "save_extract": "analysis.sources.extracts", "load_extract": "analysis.sources.extracts",
    "download_osm": "analysis.sources.download", "resolve_area": "analysis.sources.areas",
    "load_registry": "analysis.sources.registry", "geocode_registry": "analysis.sources.registry",
    "load_taxonomy": "analysis.sources.taxonomy",
    "road_grid": "analysis.sources.synthetic", "random_points": "analysis.sources.synthetic",
    # network
    "RoadNetwork": "analysis.network.graph", "build_network": "analysis.network.graph",
    "mark_settlement_areas": "analysis.network.graph",
    "PROFILES": "analysis.network.modes", "get_profile": "analysis.network.modes",
    "wheelchair_profile": "analysis.network.wheelchair",
    # routing
    "Router": "analysis.routing.router", "router_for": "analysis.routing.router",
    "nearest_service": "analysis.routing.router", "od_matrix": "analysis.routing.router",
    "snap_points": "analysis.routing.router",
    "EstimateRouter": "analysis.routing.estimate", "estimate_nearest_service": "analysis.routing.estimate",
    "estimate_od_matrix": "analysis.routing.estimate",
    "TravelMatrix": "analysis.routing.matrix", "DEFAULT_MAX_SNAP_M": "analysis.routing.snap",
    "RESULT_COLUMNS": "analysis.routing.results", "reason_label": "analysis.routing.results",
    # metrics
    "Norm": "analysis.metrics.norms", "DEFAULT_NORMS": "analysis.metrics.norms", "get_norm": "analysis.metrics.norms",
    "with_threshold": "analysis.metrics.norms", "norm_for_group": "analysis.metrics.norms",
    "load_norms": "analysis.metrics.norms", "save_norms": "analysis.metrics.norms",
    "norms_to_table": "analysis.metrics.norms", "norms_from_table": "analysis.metrics.norms",
    "compute_access": "analysis.metrics.access", "AccessResult": "analysis.metrics.access",
    "evaluate_norms": "analysis.metrics.coverage", "meeting_pairs": "analysis.metrics.coverage",
    "route_to_hromada_centre": "analysis.metrics.coverage",
    "coverage_summary": "analysis.metrics.summary", "gap_list": "analysis.metrics.summary",
    "data_quality": "analysis.metrics.quality",
    "service_areas": "analysis.metrics.service_areas", "estimated_service_areas": "analysis.metrics.service_areas",
    "areas_for": "analysis.metrics.service_areas",
    "e2sfca": "analysis.metrics.capacity", "allocate_to_nearest": "analysis.metrics.capacity",
    "allocation_from_access": "analysis.metrics.capacity", "settlement_demand": "analysis.metrics.capacity",
    "point_supply": "analysis.metrics.capacity",
    # barrier-free
    "assess_points": "analysis.barrier_free.status", "status_counts": "analysis.barrier_free.status",
    "STATUS_LABELS": "analysis.barrier_free.status", "checklist_table": "analysis.barrier_free.checklist",
    "survey_form": "analysis.barrier_free.survey_form", "write_survey_form": "analysis.barrier_free.survey_form",
    "read_survey": "analysis.barrier_free.survey", "apply_survey": "analysis.barrier_free.survey",
    "barrier_free_coverage": "analysis.barrier_free.coverage",
    # planning
    "PlanningContext": "analysis.planning.scenario", "WhatIf": "analysis.planning.scenario",
    "NewPoint": "analysis.planning.scenario", "apply_scenario": "analysis.planning.scenario",
    "suggest_points": "analysis.planning.suggest", "solve_mclp": "analysis.planning.mclp",
    # reporting
    "analyse_hromada": "analysis.reporting.pipeline", "HromadaReport": "analysis.reporting.pipeline",
    "rank_hromadas": "analysis.reporting.compare", "export_ranking": "analysis.reporting.compare",
    "analyse_many": "analysis.reporting.batch", "access_map": "analysis.reporting.maps",
    "BAND_COLOURS": "analysis.reporting.maps", "UNREACHABLE_COLOUR": "analysis.reporting.maps",
    "band_index": "analysis.reporting.maps", "band_labels": "analysis.reporting.maps",
    "write_csv": "analysis.outputs", "write_geopackage": "analysis.outputs", "write_xlsx": "analysis.outputs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
