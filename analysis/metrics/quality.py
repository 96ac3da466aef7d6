"""Data quality: what limits the figures, per hromada, as a summary and a flag table."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.errors import DataError
from analysis.i18n import text
from analysis.metrics.access import AccessResult
from analysis.metrics.coverage import _centre_mask, _hromada_keys
from analysis.metrics.norms import DEFAULT_NORMS, Norm
from analysis.routing.results import REASON_NO_DESTINATIONS, REASON_SNAP_TOO_FAR
from analysis.routing.router import Router
from analysis.sources.readers import distance_outside_m
from analysis.sources.taxonomy import Taxonomy, load_taxonomy
from analysis.textformat import fmt_int


# ================================================================================================================
# Data quality
# ================================================================================================================
class DataQuality(NamedTuple):
    """Result of :func:`data_quality`: ``summary`` (hromada code -> figures) and ``flags`` (tidy table)."""

    summary: dict[str, dict[str, Any]]
    flags: pd.DataFrame


#: Population-source classes (``population_source`` text is mapped to one of these).
POPULATION_CLASSES: tuple[str, ...] = ("census_ukrstat", "osm_tag", "estimate", "other", "missing")


_ESTIMATE_RE = re.compile(r"estimat|(^|[_\W])est([_\W]|$)|оцін|model|imput|rescal", re.IGNORECASE)


_OFFICIAL_RE = re.compile(r"ukrstat|census|держстат|перепис|derzhstat|official", re.IGNORECASE)


_OSM_RE = re.compile(r"osm|openstreetmap", re.IGNORECASE)


#: Service-point fields some analyses need, with what needs them (UA, EN).
REQUIRED_POINT_FIELDS: dict[str, tuple[str, str]] = {
    field: (text(f"quality.field.{field}", "uk"), text(f"quality.field.{field}", "en"))
    for field in ("workers_total",)
}


ACCESSIBILITY_COLUMNS: tuple[str, ...] = ("disability", "pandus", "dis_sanit", "braille_mat", "wheelchair")


#: Flag id -> severity (``error``, ``warning`` or ``info``).
FLAG_SEVERITY: dict[str, str] = {
    "distances_estimated": "warning",
    "network_partial": "warning",
    "settlements_too_far_from_network": "error",
    "service_points_too_far_from_network": "error",
    "settlements_snapped_far": "warning",
    "settlements_outside_hromada": "warning",
    "service_points_outside_hromada": "info",
    "settlements_unreachable": "error",
    "population_missing": "warning",
    "population_estimated": "info",
    "population_osm_tag": "info",
    "population_sum_mismatch": "warning",
    "settlements_missing": "error",
    "service_points_unplaced": "error",
    "hromada_centre_missing": "warning",
    "hromada_centre_multiple": "warning",
    "no_service_points_for_norm": "warning",
    "service_points_no_workers": "info",
    "service_points_no_accessibility": "warning",
    "service_points_partial_accessibility": "info",
    "service_points_settlement_precision": "info",
}


#: Flag id -> (severity, UA label, EN label), labels from the catalogs (``quality.flag.<id>``); ``{n}``/``{threshold}``
#: are filled in.
FLAG_DEFINITIONS: dict[str, tuple[str, str, str]] = {
    flag: (severity, text(f"quality.flag.{flag}", "uk"), text(f"quality.flag.{flag}", "en"))
    for flag, severity in FLAG_SEVERITY.items()
}


#: Road length per hromada area below which a loaded road network is called partial, km per km². Complete OSM road
#: networks of Ukrainian hromadas (residential streets and unclassified roads included) run well above it; a
#: main-roads-only or transit-only extract (the 2013 Lviv one: 0.79 in Львівська міська, 249.7 km) falls below it.
PARTIAL_NETWORK_DENSITY_KM_PER_KM2 = 1.5


def road_density_km_per_km2(network: Any, boundary: gpd.GeoDataFrame) -> float:
    """Length of the network's roads inside the hromada polygon per km² of it (segments cut at the boundary; each
    two-way road counted once), in the network's metric CRS."""
    polygon = boundary.to_crs(network.metric_crs).geometry.union_all()
    if polygon.is_empty or polygon.area <= 0:
        return float("nan")
    # segments straight from the nodes' metric coordinates; only those whose box meets the polygon's are cut
    u, v = network.edges["u"].to_numpy(), network.edges["v"].to_numpy()
    x, y = network.nodes["x"].to_numpy(dtype=float), network.nodes["y"].to_numpy(dtype=float)
    west, south, east, north = polygon.bounds
    near = ~((np.maximum(x[u], x[v]) < west) | (np.minimum(x[u], x[v]) > east)
             | (np.maximum(y[u], y[v]) < south) | (np.minimum(y[u], y[v]) > north))
    pairs = np.sort(np.column_stack([u[near], v[near]]), axis=1)
    _, first = np.unique(pairs, axis=0, return_index=True)  # a two-way road stored as two segments counts once
    u, v = pairs[first, 0], pairs[first, 1]
    lines = shapely.linestrings(np.stack([np.column_stack([x[u], y[u]]), np.column_stack([x[v], y[v]])], axis=1))
    return float(shapely.length(shapely.intersection(lines, polygon)).sum() / 1000.0 / (polygon.area / 1e6))


def classify_population_source(settlements: pd.DataFrame) -> pd.Series:
    """Population-source class per settlement: ``census_ukrstat``, ``osm_tag``, ``estimate``, ``other`` or
    ``missing`` (population unknown). Matching is by keywords in ``population_source``."""
    population = (pd.to_numeric(settlements["population"], errors="coerce") if "population" in settlements
                  else pd.Series(np.nan, index=settlements.index))
    source = (settlements["population_source"].astype("string").fillna("") if "population_source" in settlements
              else pd.Series("", index=settlements.index, dtype="string"))
    classes = np.full(len(settlements), "other", dtype=object)
    text = source.to_numpy(dtype=object)
    osm = np.array([bool(_OSM_RE.search(s)) for s in text], dtype=bool)
    official = np.array([bool(_OFFICIAL_RE.search(s)) for s in text], dtype=bool)
    estimate = np.array([bool(_ESTIMATE_RE.search(s)) for s in text], dtype=bool)
    classes[osm] = "osm_tag"
    classes[official] = "census_ukrstat"
    classes[estimate] = "estimate"
    classes[population.isna().to_numpy()] = "missing"
    return pd.Series(classes, index=settlements.index, dtype="string")


def _parts(bundle_or_parts: Any) -> tuple[pd.DataFrame, pd.DataFrame, str | None, float | None, Any]:
    """(settlements, service_points, code, official population, boundary) from a bundle, mapping or tuple."""
    if hasattr(bundle_or_parts, "settlements") and hasattr(bundle_or_parts, "service_points"):
        official = None
        boundary = getattr(bundle_or_parts, "boundary", None)
        if boundary is not None and len(boundary) and "population_2022_ukrstat" in boundary.columns:
            official = pd.to_numeric(boundary["population_2022_ukrstat"], errors="coerce").iloc[0]
        return (bundle_or_parts.settlements, bundle_or_parts.service_points, getattr(bundle_or_parts, "code", None),
                None if official is None or pd.isna(official) else float(official), boundary)
    if isinstance(bundle_or_parts, Mapping):
        return (bundle_or_parts["settlements"], bundle_or_parts.get("service_points"), bundle_or_parts.get("code"),
                bundle_or_parts.get("official_population"), bundle_or_parts.get("boundary"))
    if isinstance(bundle_or_parts, (tuple, list)) and len(bundle_or_parts) >= 2:
        return bundle_or_parts[0], bundle_or_parts[1], None, None, None
    raise DataError("data_quality needs a HromadaBundle, a mapping with 'settlements'/'service_points', "
                    "or a (settlements, service_points) tuple.")




def _extras(bundle_or_parts: Any) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """(settlements missing from the data, unplaced registry rows) of a bundle or mapping, None when unknown."""
    if isinstance(bundle_or_parts, Mapping):
        return bundle_or_parts.get("missing_settlements"), bundle_or_parts.get("unplaced_service_points")
    return (getattr(bundle_or_parts, "missing_settlements", None),
            getattr(bundle_or_parts, "unplaced_service_points", None))


def _names(frame: pd.DataFrame, mask: np.ndarray, limit: int = 20) -> str:
    if not mask.any():
        return ""
    label = frame["name"] if "name" in frame.columns else frame["id"]
    values = label.astype("string").fillna(frame["id"].astype("string"))[mask].tolist()
    text = "; ".join(map(str, values[:limit]))
    return text + (f"; … (+{len(values) - limit})" if len(values) > limit else "")


def data_quality(
    bundle_or_parts: Any,
    access_result: AccessResult | None = None,
    *,
    snap_threshold_m: float = 500.0,
    norms: Iterable[Norm] = DEFAULT_NORMS,
    taxonomy: Taxonomy | None = None,
    mismatch_tolerance: float = 0.05,
) -> DataQuality:
    """What limits the figures, per hromada: a summary dict and a tidy table of raised flags (UA/EN labels).

    Parameters
    ----------
    bundle_or_parts
        A :class:`analysis.datasets.HromadaBundle`, a mapping with ``settlements`` and ``service_points`` (and
        optional ``code``, ``official_population``), or a ``(settlements, service_points)`` tuple.
    access_result
        The routing result (snapping distances, unreachable settlements, method); None -> those checks skipped.
    snap_threshold_m
        Settlements whose off-network leg (``origin_snap_m``) exceeds this are flagged.
    norms
        Norms whose service kinds should be present (``no_service_points_for_norm``).
    mismatch_tolerance
        Relative difference of the settlement population sum from the official hromada total that is flagged.

    Returns
    -------
    DataQuality
        ``summary``: hromada code -> dict of figures (counts, ids, shares of population by source class, method);
        ``flags``: one row per raised flag and hromada with columns ``hromada_katottg``, ``flag``, ``severity``,
        ``count``, ``total``, ``share``, ``label_uk``, ``label_en``, ``items``.
    """
    settlements, points, code, official, boundary = _parts(bundle_or_parts)
    missing_rows, unplaced_rows = _extras(bundle_or_parts)
    taxonomy = taxonomy or load_taxonomy()
    norms = tuple(norms)
    if points is None:
        points = pd.DataFrame(columns=["id", "category", "group"])
    keys = _hromada_keys(settlements).replace("", pd.NA).fillna(code or "")
    if code is not None:
        keys = keys.replace("", code)
    point_keys = (points["hromada_katottg"].astype("string").fillna(code or "")
                  if "hromada_katottg" in points.columns else None)
    long = access_result.long if access_result is not None else None
    router = access_result.router if access_result is not None else None
    summary: dict[str, dict[str, Any]] = {}
    flag_rows: list[dict[str, Any]] = []

    def flag(hromada: str, flag_id: str, count: int, total: int | float | None, items: str = "",
             share: float | None = None, **fmt: Any) -> None:
        severity, uk, en = FLAG_DEFINITIONS[flag_id]
        flag_rows.append({
            "hromada_katottg": hromada, "flag": flag_id, "severity": severity, "count": int(count),
            "total": total, "share": share if share is not None else (count / total if total else np.nan),
            "label_uk": uk.format(**fmt), "label_en": en.format(**fmt), "items": items,
        })

    for hromada in pd.unique(keys):
        mask = (keys == hromada).to_numpy()
        sett = settlements[mask]
        pts = points if point_keys is None or len(pd.unique(keys)) == 1 else points[(point_keys == hromada).to_numpy()]
        n_sett, n_pts = len(sett), len(pts)
        info: dict[str, Any] = {"n_settlements": n_sett, "n_service_points": n_pts}

        # --- routing
        method = access_result.method if access_result is not None else None
        info["method"] = method
        info["distances_estimated"] = bool(method == "estimated")
        if method == "estimated":
            flag(hromada, "distances_estimated", n_sett, n_sett, share=1.0)
        far_ids: list[str] = []
        unreachable_ids: list[str] = []
        off_network_ids: list[str] = []
        if long is not None and not long.empty:
            ids = set(sett["id"].astype(str))
            mine = long[long["origin_id"].astype(str).isin(ids)]
            first = mine.drop_duplicates("origin_id")
            snap = first.set_index(first["origin_id"].astype(str))["origin_snap_m"].astype(float)
            too_far = first["unreachable_reason"] == REASON_SNAP_TOO_FAR
            off_network_ids = sorted(first.loc[too_far, "origin_id"].astype(str))
            far = snap[(snap > snap_threshold_m) & ~snap.index.isin(off_network_ids)]
            far_ids = far.index.tolist()
            info["max_snap_m"] = float(snap.max()) if len(snap) else np.nan
            bad = mine[~mine["reachable"].astype(bool)
                       & ~mine["unreachable_reason"].isin([REASON_NO_DESTINATIONS, REASON_SNAP_TOO_FAR])]
            unreachable_ids = sorted(set(bad["origin_id"].astype(str)))
            by_kind = access_result.by
            info["unreachable_by_" + by_kind] = bad.groupby(by_kind)["origin_id"].nunique().to_dict()
        info["n_settlements_too_far_from_network"] = len(off_network_ids)
        info["settlements_too_far_from_network"] = off_network_ids
        info["n_settlements_snapped_far"] = len(far_ids)
        info["settlements_snapped_far"] = far_ids
        info["n_settlements_unreachable"] = len(unreachable_ids)
        info["settlements_unreachable"] = unreachable_ids
        id_text = sett["id"].astype(str)
        max_snap = getattr(router, "max_snap_m", None)
        if off_network_ids:
            flag(hromada, "settlements_too_far_from_network", len(off_network_ids), n_sett,
                 _names(sett, id_text.isin(off_network_ids).to_numpy()), max_snap=f"{max_snap:g}")
        if isinstance(router, Router) and boundary is not None and len(boundary) and len(pd.unique(keys)) == 1:
            density = road_density_km_per_km2(router.network, boundary)
            share_far = len(off_network_ids) / n_sett if n_sett else 0.0
            info["road_density_km_per_km2"] = density
            info["network_source"] = router.network.source
            if share_far > 0 or (np.isfinite(density) and density < PARTIAL_NETWORK_DENSITY_KM_PER_KM2):
                flag(hromada, "network_partial", len(off_network_ids), n_sett, router.network.source,
                     share=share_far, source=router.network.source, density=f"{density:.2f}",
                     share_far=f"{share_far:.0%}", max_snap=f"{max_snap:g}")
        if isinstance(router, Router) and n_pts and isinstance(pts, gpd.GeoDataFrame):
            lost = router.snap(pts, what="Service points").too_far
            info["service_points_too_far_from_network"] = pts["id"].astype(str)[lost].tolist()
            if lost.any():
                flag(hromada, "service_points_too_far_from_network", int(lost.sum()), n_pts, _names(pts, lost),
                     max_snap=f"{max_snap:g}")
        if far_ids:
            flag(hromada, "settlements_snapped_far", len(far_ids), n_sett,
                 _names(sett, id_text.isin(far_ids).to_numpy()), threshold=f"{snap_threshold_m:g}")
        if unreachable_ids:
            flag(hromada, "settlements_unreachable", len(unreachable_ids), n_sett,
                 _names(sett, id_text.isin(unreachable_ids).to_numpy()))
        if boundary is not None and len(boundary) and len(pd.unique(keys)) == 1:
            for kind, table in (("settlements", sett), ("service_points", pts)):
                if not isinstance(table, gpd.GeoDataFrame) or not len(table):
                    continue
                distance = distance_outside_m(table, boundary)
                outside = np.nan_to_num(distance) > 0
                info[f"{kind}_outside_hromada"] = dict(zip(table["id"].astype(str)[outside],
                                                           np.round(distance[outside], 1)))
                if outside.any():
                    label = table["name"] if "name" in table.columns else table["id"]
                    items = "; ".join(f"{n} ({d / 1000:.1f} км / km)" for n, d in
                                      sorted(zip(label.astype(str)[outside], distance[outside]), key=lambda t: -t[1]))
                    flag(hromada, f"{kind}_outside_hromada", int(outside.sum()), len(table), items)

        # --- population
        classes = classify_population_source(sett)
        population = (pd.to_numeric(sett["population"], errors="coerce").fillna(0.0) if "population" in sett
                      else pd.Series(0.0, index=sett.index))
        total_pop = float(population.sum())
        info["population_total"] = total_pop
        info["population_source_counts"] = {c: int((classes == c).sum()) for c in POPULATION_CLASSES}
        info["population_by_source"] = {c: float(population[classes == c].sum()) for c in POPULATION_CLASSES}
        shares = {c: (float(population[classes == c].sum()) / total_pop if total_pop > 0 else np.nan)
                  for c in POPULATION_CLASSES if c != "missing"}
        info["population_share_by_source"] = shares
        info["share_population_estimated"] = shares["estimate"]
        n_missing = int((classes == "missing").sum())
        if n_missing:
            flag(hromada, "population_missing", n_missing, n_sett, _names(sett, (classes == "missing").to_numpy()))
        if info["population_source_counts"]["estimate"]:
            flag(hromada, "population_estimated", info["population_source_counts"]["estimate"], n_sett,
                 share=shares["estimate"])
        if info["population_source_counts"]["osm_tag"]:
            flag(hromada, "population_osm_tag", info["population_source_counts"]["osm_tag"], n_sett,
                 share=shares["osm_tag"])
        if official is None:
            official = settlements.attrs.get("population_2022", {}).get("hromada_total")
        info["population_rescaled_2022"] = bool(settlements.attrs.get("population_2022", {}).get("applied"))
        if official is not None and len(pd.unique(keys)) == 1:
            info["official_population"] = official
            info["population_sum_ratio"] = total_pop / official if official else np.nan
            if official and abs(total_pop / official - 1.0) > mismatch_tolerance:
                flag(hromada, "population_sum_mismatch", 1, 1,
                     f"{fmt_int(total_pop)} / {fmt_int(official)}", share=total_pop / official - 1.0,
                     tolerance=f"{mismatch_tolerance:.0%}")
        if len(pd.unique(keys)) == 1 and missing_rows is not None:
            missing_pop = float(pd.to_numeric(missing_rows["population"], errors="coerce").fillna(0).sum())
            info["n_settlements_missing"] = len(missing_rows)
            info["population_in_missing_settlements"] = missing_pop
            if len(missing_rows):
                labels = "; ".join(f"{n} ({c})" for n, c in zip(missing_rows["name"].astype(str),
                                                             missing_rows["settlement_katottg"].astype(str)))
                flag(hromada, "settlements_missing", len(missing_rows), n_sett + len(missing_rows), labels,
                     population=fmt_int(missing_pop))
        if len(pd.unique(keys)) == 1 and unplaced_rows is not None:
            info["n_service_points_unplaced"] = len(unplaced_rows)
            if len(unplaced_rows):
                reason = (unplaced_rows["reason"].astype(str) if "reason" in unplaced_rows.columns
                          else pd.Series("", index=unplaced_rows.index))
                labels = "; ".join(f"{n}: {r}" for n, r in zip(unplaced_rows["name"].astype(str), reason))
                flag(hromada, "service_points_unplaced", len(unplaced_rows), n_pts + len(unplaced_rows), labels)

        # --- hromada centre
        centres = _centre_mask(sett)
        info["n_hromada_centres"] = int(centres.sum())
        if centres.sum() == 0:
            flag(hromada, "hromada_centre_missing", 1, 1)
        elif centres.sum() > 1:
            flag(hromada, "hromada_centre_multiple", int(centres.sum()), n_sett, _names(sett, centres))

        # --- service points
        categories = set(pts["category"].dropna().astype(str)) if "category" in pts.columns else set()
        missing_norms = [n.id for n in norms if not n.is_hromada_centre
                         and not categories.intersection(n.categories(taxonomy))]
        info["norms_without_service_points"] = missing_norms
        if missing_norms:
            flag(hromada, "no_service_points_for_norm", len(missing_norms), len(norms), "; ".join(missing_norms))
        for field_name in REQUIRED_POINT_FIELDS:
            values = pts[field_name] if field_name in pts.columns else pd.Series(pd.NA, index=pts.index)
            lacking = values.isna().to_numpy()
            info[f"n_points_missing_{field_name}"] = int(lacking.sum())
            if lacking.any():
                flag(hromada, "service_points_no_workers", int(lacking.sum()), n_pts, _names(pts, lacking))
        access_cols = [c for c in ACCESSIBILITY_COLUMNS if c in pts.columns]
        if n_pts:
            known = (pts[access_cols].notna().to_numpy() if access_cols else np.zeros((n_pts, 1), dtype=bool))
            none_known = ~known.any(axis=1)
            registry_cols = [c for c in ACCESSIBILITY_COLUMNS[:4] if c in pts.columns]
            partial = (pts[registry_cols].isna().any(axis=1).to_numpy() & ~none_known if registry_cols
                       else np.zeros(n_pts, dtype=bool))
        else:
            none_known = partial = np.zeros(0, dtype=bool)
        info["n_points_without_accessibility"] = int(none_known.sum())
        info["n_points_partial_accessibility"] = int(partial.sum())
        if none_known.any():
            flag(hromada, "service_points_no_accessibility", int(none_known.sum()), n_pts, _names(pts, none_known))
        if partial.any():
            flag(hromada, "service_points_partial_accessibility", int(partial.sum()), n_pts, _names(pts, partial))
        if "location_precision" in pts.columns:
            coarse = pts["location_precision"].astype("string").isin(["settlement", "hromada_centre"]).to_numpy()
            info["n_points_settlement_precision"] = int(coarse.sum())
            if coarse.any():
                flag(hromada, "service_points_settlement_precision", int(coarse.sum()), n_pts)
        summary[str(hromada)] = info

    columns = ["hromada_katottg", "flag", "severity", "count", "total", "share", "label_uk", "label_en", "items"]
    return DataQuality(summary=summary, flags=pd.DataFrame(flag_rows, columns=columns))
