"""One hromada's whole analysis: access, norms, coverage, gaps and data quality."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import geopandas as gpd
import pandas as pd

from analysis.metrics.access import AccessResult, compute_access
from analysis.metrics.coverage import STATUS_NOT_EVALUATED, evaluate_norms
from analysis.metrics.norms import DEFAULT_NORMS, Norm, validate_norms
from analysis.metrics.quality import DataQuality, data_quality
from analysis.metrics.summary import coverage_summary, gap_list
from analysis.routing.estimate import DEFAULT_CIRCUITY
from analysis.routing.router import router_for
from analysis.routing.snap import DEFAULT_MAX_SNAP_M
from analysis.sources.taxonomy import Taxonomy, load_taxonomy

CNAP_NORM_ID = "cnap_access"


CENTRE_NORM_ID = "hromada_centre"


@dataclass
class HromadaReport:
    """Everything :func:`analyse_hromada` computes for one hromada.

    Attributes
    ----------
    code, name_uk, name_en
        Hromada KATOTTG code and names.
    access
        The routing result (None when the hromada has no service points at all).
    evaluation
        :func:`analysis.coverage.evaluate_norms` table (settlement x norm).
    summary
        :func:`analysis.coverage.coverage_summary` table (one row per norm).
    gaps
        Norm id -> :func:`analysis.coverage.gap_list` table, for every evaluated norm.
    data_quality
        :func:`analysis.coverage.data_quality` result.
    method
        ``"network"`` or ``"estimated"``.
    official_population
        Ukrstat total of the hromada when the bundle carries it (``population_2022_ukrstat``), else None.
    """

    code: str
    name_uk: str
    name_en: str
    access: AccessResult | None
    evaluation: pd.DataFrame
    summary: pd.DataFrame
    gaps: dict[str, pd.DataFrame]
    data_quality: DataQuality
    norms: tuple[Norm, ...]
    mode: str
    method: str
    official_population: float | None = None
    settlements: gpd.GeoDataFrame | None = field(default=None, repr=False)
    router: Any = field(default=None, repr=False, compare=False)

    def summary_for(self, norm_id: str) -> pd.Series | None:
        """The summary row of one norm (None if absent)."""
        rows = self.summary[self.summary["norm_id"] == norm_id]
        return None if rows.empty else rows.iloc[0]


def _routing_by(norms: Iterable[Norm], taxonomy: Taxonomy) -> str:
    """``group`` when every service norm covers whole taxonomy groups, else ``category``."""
    for norm in norms:
        if norm.is_hromada_centre or norm.is_group:
            continue
        groups = {taxonomy.group_of(c) for c in norm.applies_to}
        if {c for g in groups for c in taxonomy.categories_in_group(g)} != set(norm.applies_to):
            return "category"
    return "group"


def analyse_hromada(
    bundle: Any,
    network: Any = None,
    norms: Iterable[Norm] = DEFAULT_NORMS,
    mode: str = "drive",
    *,
    circuity: float = DEFAULT_CIRCUITY,
    estimate_speed_kmh: float | None = None,
    closed_edge_ids: Iterable[int] | None = None,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    snap_threshold_m: float = 500.0,
    taxonomy: Taxonomy | None = None,
    router: Any = None,
    access: AccessResult | None = None,
) -> HromadaReport:
    """Access, norms, coverage, gaps and data quality of one hromada.

    Parameters
    ----------
    bundle
        A :class:`analysis.datasets.HromadaBundle` (``code``, ``name_uk``, ``name_en``, ``settlements``,
        ``service_points``, optional ``boundary`` with ``population_2022_ukrstat``).
    network
        Road network; None -> straight-line estimates (``circuity``, ``estimate_speed_kmh``), labelled estimated.
    norms
        Norms to evaluate (default :data:`analysis.norms.DEFAULT_NORMS`).
    mode
        Travel mode.
    closed_edge_ids, max_snap_m
        Router settings (:class:`analysis.routing.router.Router`): closed road segments (what-if) and the largest
        off-network leg routed.
    router
        A ready router (the dashboard's, the CLI's); default: made from the arguments above. Every figure of the
        report is routed with it.
    access
        A ready :func:`~analysis.metrics.access.compute_access` result of this bundle on that router (reused, e.g.
        the dashboard's cached one); computed here when None.
    """
    taxonomy = taxonomy or load_taxonomy()
    norms = validate_norms(norms, taxonomy)
    settlements = bundle.settlements
    points = bundle.service_points
    by = _routing_by(norms, taxonomy)
    if router is None:
        router = access.router if access is not None else router_for(
            network, mode, circuity=circuity, estimate_speed_kmh=estimate_speed_kmh, closed_edge_ids=closed_edge_ids,
            max_snap_m=max_snap_m)
    if points is not None and len(points) > 0:
        if access is None or access.by != by:
            access = compute_access(settlements, points, by=by, router=router)
        access_input: Any = access
    else:
        access = None
        access_input = pd.DataFrame(columns=["origin_id", by, "travel_time_min", "total_distance_km", "reachable"])
    evaluation = evaluate_norms(access_input, settlements, norms, router=router, by=by, mode=router.mode,
                                taxonomy=taxonomy)
    summary = coverage_summary(evaluation, settlements, by_hromada=False)
    summary.insert(0, "hromada_katottg", str(bundle.code))
    gaps = {}
    for norm in norms:
        rows = evaluation[evaluation["norm_id"] == norm.id]
        if (rows["status"] != STATUS_NOT_EVALUATED).any():
            gaps[norm.id] = gap_list(evaluation, settlements, norm.id)
    quality = data_quality(bundle, access, snap_threshold_m=snap_threshold_m, norms=norms, taxonomy=taxonomy)
    official = None
    boundary = getattr(bundle, "boundary", None)
    if boundary is not None and len(boundary) and "population_2022_ukrstat" in boundary.columns:
        value = pd.to_numeric(boundary["population_2022_ukrstat"], errors="coerce").iloc[0]
        official = None if pd.isna(value) else float(value)
    return HromadaReport(
        code=str(bundle.code), name_uk=str(getattr(bundle, "name_uk", "") or ""),
        name_en=str(getattr(bundle, "name_en", "") or ""), access=access, evaluation=evaluation, summary=summary,
        gaps=gaps, data_quality=quality, norms=norms, mode=str(mode),
        method=router.method, official_population=official,
        settlements=settlements, router=router,
    )
