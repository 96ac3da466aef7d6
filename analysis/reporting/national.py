"""The national view for donors: every hromada of Ukraine analysed the way ``run`` analyses one.

:func:`national_view` loads each hromada with :func:`analysis.sources.national.load_hromada` (the national
reference data read once per worker) and computes its ЦНАП-access figures with the functions of
:func:`analysis.reporting.pipeline.analyse_hromada` (:func:`~analysis.metrics.access.compute_access`,
:func:`~analysis.metrics.coverage.evaluate_norms`, :func:`~analysis.metrics.summary.coverage_summary`) and its
barrier-free bounds with :func:`~analysis.barrier_free.coverage.barrier_free_coverage` — so a hromada's row equals
what ``python -m analysis run --hromada CODE`` reports for it. Without road networks every figure is an estimate
(straight line × circuity) and says so in ``method``.

Layers of :class:`NationalView`:

``hromadas``
    one row per hromada (simplified polygon): ``hromada_katottg``, ``name_uk``, ``name_en``, ``oblast``,
    ``population_total``, ``population_covered``, ``population_uncovered``, ``share_covered``, ``n_settlements``,
    ``n_uncovered_settlements``, ``barrier_free_share`` / ``barrier_free_share_upper`` (lower / upper bound),
    ``n_cnap_points``, ``n_settlements_missing``, ``n_registry_rows_unplaced``, ``share_positions_texty``, ``method``,
    ``quality_uk`` / ``quality_en`` (a one-line data-quality summary), and the best single new ЦНАП point where
    residents are outside the norm (``suggested_point_id``/``_name``, ``suggested_newly_covered``: the Planning
    page's suggestion with one point; the cost per newly covered person is the cost of a point divided by it);
``settlements``
    every settlement: hromada, nearest ЦНАП point, ``travel_time_min``, ``distance_km``, ``meets_norm``;
``oblasts``
    the hromadas summed per oblast (polygons dissolved).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import HromadaAccessError
from analysis.i18n import text
from analysis.metrics.norms import DEFAULT_NORMS, Norm, get_norm
from analysis.routing.estimate import DEFAULT_CIRCUITY
from analysis.textformat import fmt_pct

#: Columns of the ``hromadas`` layer (geometry last).
HROMADA_COLUMNS: tuple[str, ...] = (
    "hromada_katottg", "name_uk", "name_en", "oblast", "population_total", "population_covered",
    "population_uncovered", "share_covered", "n_settlements", "n_uncovered_settlements", "barrier_free_share",
    "barrier_free_share_upper", "n_cnap_points", "n_settlements_missing", "n_registry_rows_unplaced",
    "share_positions_texty", "method", "quality_uk", "quality_en", "suggested_point_id", "suggested_point_name",
    "suggested_newly_covered",
)
#: ``method`` of a hromada with no ЦНАП point in the registry (its figures are empty, not zero).
NOT_EVALUATED = "not_evaluated"
SETTLEMENT_COLUMNS: tuple[str, ...] = (
    "hromada_katottg", "settlement_id", "settlement_name", "population", "destination_id", "destination_name",
    "travel_time_min", "distance_km", "meets_norm", "method",
)


@dataclass
class NationalView:
    """Result of :func:`national_view`: the ``hromadas``, ``settlements`` and ``oblasts`` layers, the hromadas
    that could not be analysed (``errors``: code, error) and the norm used."""

    hromadas: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    oblasts: gpd.GeoDataFrame
    errors: pd.DataFrame
    norm: Norm

    def layers(self) -> dict[str, pd.DataFrame]:
        return {"hromadas": self.hromadas, "settlements": self.settlements, "oblasts": self.oblasts,
                "errors": self.errors}


_WORKER: dict = {}


def _init_worker(root) -> None:
    from analysis.sources.national import read_settlement_points
    from analysis.sources.registry import load_registry

    points = read_settlement_points(root)
    _WORKER.update(root=root, points=dict(tuple(points.groupby("hromada_katottg", sort=False))),
                   registry=load_registry(root=root))


def hromada_figures(code: str, root=None, *, norm: Norm | None = None, mode: str = "drive",
                    circuity: float = DEFAULT_CIRCUITY, points: pd.DataFrame | None = None,
                    registry: pd.DataFrame | None = None) -> tuple[dict, pd.DataFrame]:
    """One hromada's row of the ``hromadas`` layer (without geometry) and its ``settlements`` rows."""
    from analysis.barrier_free.coverage import barrier_free_coverage, barrier_free_share_by_hromada
    from analysis.barrier_free.status import assess_points
    from analysis.metrics.access import compute_access
    from analysis.metrics.coverage import evaluate_norms
    from analysis.metrics.summary import coverage_summary
    from analysis.sources.national import load_hromada

    norm = norm or get_norm(DEFAULT_NORMS, "cnap_access")
    bundle = load_hromada(code, root, points=points, registry=registry)
    settlements, service_points = bundle.settlements, bundle.service_points
    if not len(service_points):  # no registry row placed here: nothing to route to, the norm is not evaluated
        return _not_evaluated(bundle), pd.DataFrame(columns=list(SETTLEMENT_COLUMNS))
    access = compute_access(settlements, service_points, None, mode=mode, by="group", circuity=circuity)
    evaluation = evaluate_norms(access, settlements, [norm])
    summary = coverage_summary(evaluation, settlements, by_hromada=False).iloc[0]
    cnap = service_points[service_points["group"] == "cnap"] if len(service_points) else service_points
    shares = {"lower": np.nan, "upper": np.nan}
    if len(cnap):
        coverage = barrier_free_coverage(settlements, assess_points(service_points), norm=norm, router=access.router)
        shares = {bound: float(barrier_free_share_by_hromada(coverage, bound).get(code, np.nan))
                  for bound in ("lower", "upper")}
    suggested = {"suggested_point_id": None, "suggested_point_name": None, "suggested_newly_covered": 0.0}
    if float(summary["population_uncovered"]) > 0 and len(cnap):
        suggested = _best_new_point(access.router, settlements, service_points, norm)
    n_missing, n_unplaced, texty = _quality_counts(bundle)
    quality = {}
    for lang in ("uk", "en"):
        parts = [text("national.quality.missing", lang, n=n_missing) if n_missing else "",
                 text("national.quality.unplaced", lang, n=n_unplaced) if n_unplaced else "",
                 text("national.quality.no_cnap", lang) if not len(cnap) else "",
                 text("national.quality.texty", lang, share=fmt_pct(texty, lang, 0)) if texty and texty > 0 else ""]
        quality[lang] = "; ".join(p for p in parts if p) or text("national.quality.ok", lang)
    row = {
        "hromada_katottg": code, "name_uk": bundle.name_uk, "name_en": bundle.name_en,
        "oblast": str(bundle.boundary.iloc[0].get("oblast") or ""),
        "population_total": float(summary["population_total"]),
        "population_covered": float(summary["population_covered"]),
        "population_uncovered": float(summary["population_uncovered"]),
        "share_covered": float(summary["share_covered"]) if pd.notna(summary["share_covered"]) else np.nan,
        "n_settlements": int(len(settlements)), "n_uncovered_settlements": int(summary["n_uncovered_settlements"]),
        "barrier_free_share": shares["lower"], "barrier_free_share_upper": shares["upper"],
        "n_cnap_points": int(len(cnap)), "n_settlements_missing": n_missing, "n_registry_rows_unplaced": n_unplaced,
        "share_positions_texty": texty, "method": access.method, "quality_uk": quality["uk"],
        "quality_en": quality["en"], **suggested,
    }
    rows = evaluation.assign(hromada_katottg=code, method=access.method)
    rows = rows[[c for c in SETTLEMENT_COLUMNS if c in rows.columns]]
    return row, rows


def _quality_counts(bundle) -> tuple[int, int, float]:
    """Settlements of the codifier without a point, registry rows left unplaced, share of texty 2019 positions."""
    settlements = bundle.settlements
    n_missing = 0 if bundle.missing_settlements is None else len(bundle.missing_settlements)
    n_unplaced = 0 if bundle.unplaced_service_points is None else len(bundle.unplaced_service_points)
    texty = float((settlements["geometry_source"] == "texty_2019").mean()) if len(settlements) else np.nan
    return n_missing, n_unplaced, texty


def _best_new_point(router, settlements, service_points, norm: Norm) -> dict:
    """The one new ЦНАП point (at a settlement) that brings the most residents within the norm — the Planning
    page's suggestion with k = 1 (:func:`analysis.planning.suggest.suggest_points`)."""
    from analysis.planning.scenario import PlanningContext
    from analysis.planning.suggest import suggest_points

    context = PlanningContext.build(router, settlements, service_points, group="cnap", norm=norm)
    suggestion = suggest_points(context, 1)
    if suggestion.points.empty:
        return {"suggested_point_id": None, "suggested_point_name": None, "suggested_newly_covered": 0.0}
    best = str(suggestion.points.iloc[0]["candidate_id"])
    names = settlements.set_index(settlements["id"].astype(str))["name"]
    return {"suggested_point_id": best, "suggested_point_name": str(names.get(best, best)),
            "suggested_newly_covered": float(suggestion.newly_covered_population)}


def _not_evaluated(bundle) -> dict:
    """The row of a hromada without any ЦНАП point in the registry: its population, figures left empty."""
    settlements = bundle.settlements
    n_missing, n_unplaced, texty = _quality_counts(bundle)
    quality = {lang: "; ".join(p for p in (
        text("national.quality.no_cnap", lang),
        text("national.quality.unplaced", lang, n=n_unplaced) if n_unplaced else "",
        text("national.quality.missing", lang, n=n_missing) if n_missing else "") if p) for lang in ("uk", "en")}
    return {
        "hromada_katottg": bundle.code, "name_uk": bundle.name_uk, "name_en": bundle.name_en,
        "oblast": str(bundle.boundary.iloc[0].get("oblast") or ""),
        "population_total": float(pd.to_numeric(settlements["population"], errors="coerce").sum()),
        "population_covered": np.nan, "population_uncovered": np.nan, "share_covered": np.nan,
        "n_settlements": int(len(settlements)), "n_uncovered_settlements": np.nan, "barrier_free_share": np.nan,
        "barrier_free_share_upper": np.nan, "n_cnap_points": 0, "n_settlements_missing": n_missing,
        "n_registry_rows_unplaced": n_unplaced, "share_positions_texty": texty, "method": NOT_EVALUATED,
        "quality_uk": quality["uk"], "quality_en": quality["en"], "suggested_point_id": None,
        "suggested_point_name": None, "suggested_newly_covered": np.nan,
    }


def _one(code: str, norm: Norm, mode: str, circuity: float) -> tuple[str, dict | None, pd.DataFrame | None,
                                                                     str | None]:
    try:
        row, rows = hromada_figures(code, _WORKER.get("root"), norm=norm, mode=mode, circuity=circuity,
                                    points=_WORKER["points"].get(code), registry=_WORKER["registry"])
        return code, row, rows, None
    except HromadaAccessError as error:
        return code, None, None, str(error)


def _chunk(codes: list[str], norm: Norm, mode: str, circuity: float, root) -> list:
    if not _WORKER:
        _init_worker(root)
    return [_one(code, norm, mode, circuity) for code in codes]


def national_view(root=None, *, codes: Iterable[str] | None = None, norm: Norm | None = None, mode: str = "drive",
                  circuity: float = DEFAULT_CIRCUITY, workers: int = 1,
                  progress: Callable[[str, float], None] | None = None) -> NationalView:
    """Every hromada of Ukraine (or ``codes``), analysed as ``run`` analyses one (module docstring).

    Parameters
    ----------
    root
        Reference-data root.
    codes
        Hromada KATOTTG codes (default: every hromada with a boundary, 1,466).
    norm
        The ЦНАП norm (default ≤ 14 km or ≤ 30 min).
    mode, circuity
        Travel mode and the estimate's circuity factor.
    workers
        Processes (each reads the national tables once); 1 = in this process.
    progress
        Optional ``progress(text, fraction)``.
    """
    from analysis.sources.admin import BOUNDARIES_SIMPLIFIED, _root
    from analysis.sources.national import hromadas_with_boundary

    norm = norm or get_norm(DEFAULT_NORMS, "cnap_access")
    if codes is None:
        codes = hromadas_with_boundary(root)["code"].tolist()
    codes = list(dict.fromkeys(str(c).strip().upper() for c in codes))
    size = max(1, min(50, len(codes) // max(1, 4 * workers) or 1))
    chunks = [codes[i:i + size] for i in range(0, len(codes), size)]
    outcomes: list = []
    if workers <= 1:
        _WORKER.clear()
        _init_worker(root)
        for i, chunk in enumerate(chunks):
            outcomes.extend(_chunk(chunk, norm, mode, circuity, root))
            if progress is not None:
                progress(f"{len(outcomes)} / {len(codes)}", len(outcomes) / len(codes))
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(root,)) as pool:
            futures = [pool.submit(_chunk, chunk, norm, mode, circuity, root) for chunk in chunks]
            for future in futures:
                outcomes.extend(future.result())
                if progress is not None:
                    progress(f"{len(outcomes)} / {len(codes)}", len(outcomes) / len(codes))
    rows = [o[1] for o in outcomes if o[1] is not None]
    errors = pd.DataFrame([{"hromada_katottg": o[0], "error": o[3]} for o in outcomes if o[3] is not None],
                          columns=["hromada_katottg", "error"])
    table = pd.DataFrame(rows, columns=list(HROMADA_COLUMNS))
    polygons = gpd.read_file(_root(root) / BOUNDARIES_SIMPLIFIED, engine="pyogrio")
    code_column = "katotth" if "katotth" in polygons.columns else "katottg"
    geometry = polygons.set_index(polygons[code_column].astype(str)).geometry
    hromadas = gpd.GeoDataFrame(table, geometry=table["hromada_katottg"].map(geometry).to_numpy(), crs=4326)
    parts = [o[2] for o in outcomes if o[2] is not None]
    settlements = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(SETTLEMENT_COLUMNS))
    settlements = _with_points(settlements, root)
    oblasts = _oblasts(hromadas)
    return NationalView(hromadas=hromadas, settlements=settlements, oblasts=oblasts, errors=errors, norm=norm)


def _with_points(settlements: pd.DataFrame, root) -> gpd.GeoDataFrame:
    from analysis.sources.national import read_settlement_points

    points = read_settlement_points(root).set_index("katottg")
    ids = settlements["settlement_id"].astype(str)
    return gpd.GeoDataFrame(settlements, crs=4326,
                            geometry=gpd.points_from_xy(ids.map(points["lon"]), ids.map(points["lat"])))


def _oblasts(hromadas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if hromadas.empty:
        return gpd.GeoDataFrame(columns=["oblast", "geometry"], geometry="geometry", crs=4326)
    # some OSM hromada polygons are not valid (self-touching rings): repaired before they are merged
    hromadas = hromadas.set_geometry(hromadas.geometry.make_valid())
    sums = hromadas.dissolve(by="oblast", aggfunc={
        "population_total": "sum", "population_covered": "sum", "population_uncovered": "sum",
        "n_settlements": "sum", "n_uncovered_settlements": "sum", "hromada_katottg": "count"}).reset_index()
    sums = sums.rename(columns={"hromada_katottg": "n_hromadas"})
    sums["share_covered"] = sums["population_covered"] / sums["population_total"].where(sums["population_total"] > 0)
    return sums


def default_workers() -> int:
    """Processes for the national run: the machine's cores (at least 1)."""
    return max(1, os.cpu_count() or 1)
