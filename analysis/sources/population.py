"""Settlement population for 2022: the official Ukrstat totals, shared out over the hromada's settlements.

Ukrstat publishes the present population on 1 January 2022 for every hromada and for every *urban* settlement
(cities and urban-type settlements), but not for villages. The only per-village figures are OSM ``population``
tags, mostly from the 2001 census: their sum exceeds the 2022 totals by 9-37 % (rural depopulation since 2001),
so headline figures built on them overstate the residents a planner serves. The rule, written once here and used
by every loader (demo packs, saved OSM extracts, the national settlement points):

* an urban settlement with a Ukrstat 2022 figure gets that figure (``population_source = "ukrstat_2022"``);
* every other settlement gets its raw figure (OSM tag) x ``f``, rounded to whole persons, where
  ``f = (hromada total 2022 - Ukrstat urban figures of the hromada) / (sum of the raw figures of the hromada's
  other settlements)`` — the sum runs over **all** settlements of the codifier, also those missing from the
  loaded data, so a missing village does not inflate its neighbours (``population_source =
  "estimate_2022_rescaled"``);
* a settlement without any raw figure stays unknown (flagged by :func:`analysis.metrics.quality.data_quality`);
* when the hromada total is unknown, or the rule cannot apply (no raw figures, urban figures above the total),
  the raw figures stay and a note says why.

The raw figure and its source are kept (``population_raw``, ``population_raw_source``). The demo packs' own
``population_est_2022`` column was made by the same rule; the tests check both agree.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.i18n import note, text
from analysis.sources.admin import (
    HROMADA_POPULATION,
    _root,
    hromada_settlements_codifier,
    normalise_text,
)
from analysis.textformat import fmt_int

#: ``population_source`` of settlements holding an official Ukrstat 2022 figure.
SOURCE_UKRSTAT_2022 = "ukrstat_2022"
#: ``population_source`` of settlements whose raw figure was rescaled to the Ukrstat 2022 hromada total.
SOURCE_RESCALED_2022 = "estimate_2022_rescaled"
#: File with the Ukrstat 2022 population of urban settlements (name, type, hromada code).
URBAN_POPULATION = "admin/population/urban_settlements_population_2022_kse.csv"
#: Ukrstat settlement type -> KATOTTG codifier category letter.
_URBAN_TYPE_CATEGORY = {"місто": "M", "селище міського типу": "X"}

#: How each population source is described next to a figure (UA, EN).
POPULATION_SOURCE_LABELS: dict[str, tuple[str, str]] = {
    source: (text(f"population.source.{source}", "uk"), text(f"population.source.{source}", "en"))
    for source in (SOURCE_UKRSTAT_2022, SOURCE_RESCALED_2022)
}


@dataclass(frozen=True)
class Population2022:
    """The official 2022 figures of one hromada.

    Attributes
    ----------
    hromada_total
        Present population of the hromada on 1 January 2022 (Ukrstat), or None when unknown.
    urban_by_settlement
        Settlement KATOTTG code -> Ukrstat 2022 population of the hromada's urban settlements.
    raw_by_settlement
        Settlement KATOTTG code -> raw (OSM tag) population of every settlement of the codifier, for the
        denominator of the rescaling.
    """

    hromada_total: float | None
    urban_by_settlement: Mapping[str, float] = field(default_factory=dict)
    raw_by_settlement: Mapping[str, float] = field(default_factory=dict)


@functools.lru_cache(maxsize=2)
def _hromada_totals(path: str, _mtime_ns: int) -> pd.DataFrame:
    """The Ukrstat hromada totals, parsed once per path and modification time (callers only filter it)."""
    return pd.read_csv(path, usecols=["hromada_code", "total_population_2022"], dtype={"hromada_code": str})


@functools.lru_cache(maxsize=2)
def _urban_settlements(path: str, _mtime_ns: int) -> pd.DataFrame:
    """The Ukrstat urban-settlement populations, parsed once per path and modification time."""
    return pd.read_csv(path, usecols=["Persons", "settlement_type", "settlement_name", "hromada_code"], dtype=str)


def read_population_2022(code: str, root: str | os.PathLike | None = None) -> Population2022:
    """The Ukrstat 2022 figures of hromada ``code`` from the data root (see :mod:`analysis.sources.admin`).

    Urban settlements are matched to the codifier by name and type within the hromada (the Ukrstat table has no
    settlement codes); an ambiguous or unmatched name is left out (its settlement is then rescaled).
    """
    base = _root(root)
    code = str(code).strip().upper()
    total = None
    path = base / HROMADA_POPULATION
    if path.exists():
        table = _hromada_totals(str(path), path.stat().st_mtime_ns)
        row = table[table["hromada_code"] == code]
        if len(row):
            value = pd.to_numeric(row["total_population_2022"], errors="coerce").iloc[0]
            total = float(value) if pd.notna(value) else None
    try:
        codifier = hromada_settlements_codifier(code, base)
    except Exception:  # noqa: BLE001 - a hromada outside the codifier simply has no settlement figures
        codifier = pd.DataFrame(columns=["settlement_code", "name", "category", "osm_population"])
    raw = dict(zip(codifier["settlement_code"], pd.to_numeric(codifier["osm_population"], errors="coerce")))
    urban: dict[str, float] = {}
    urban_path = base / URBAN_POPULATION
    if urban_path.exists() and len(codifier):
        towns = _urban_settlements(str(urban_path), urban_path.stat().st_mtime_ns)
        towns = towns[towns["hromada_code"] == code]
        keys = codifier.assign(key=codifier["name"].map(normalise_text) + "|" + codifier["category"].astype(str))
        unique = keys.drop_duplicates("key", keep=False).set_index("key")["settlement_code"]
        for _, town in towns.iterrows():
            key = normalise_text(town["settlement_name"]) + "|" + _URBAN_TYPE_CATEGORY.get(
                str(town["settlement_type"]).strip(), "?")
            persons = pd.to_numeric(town["Persons"], errors="coerce")
            if key in unique.index and pd.notna(persons):
                urban[unique[key]] = float(persons)
    return Population2022(hromada_total=total, urban_by_settlement=urban, raw_by_settlement=raw)


def rescale_to_2022(settlements: gpd.GeoDataFrame, figures: Population2022) -> gpd.GeoDataFrame:
    """``settlements`` with ``population`` = the 2022 figure of the module's rule (see the module docstring).

    Parameters
    ----------
    settlements
        Standard settlements table (``id`` = KATOTTG code where known, ``population``, ``population_source``).
    figures
        The hromada's official figures (:func:`read_population_2022`).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with ``population``/``population_source`` replaced, ``population_raw``/``population_raw_source``
        kept, and ``attrs["population_2022"]`` = ``{"hromada_total", "urban_total", "factor", "applied"}``;
        ``attrs["warnings"]`` says when the rule could not apply.
    """
    out = settlements.copy()
    out.attrs = dict(settlements.attrs)
    raw = pd.to_numeric(out["population"], errors="coerce").astype(float)
    raw_source = (out["population_source"].astype("string") if "population_source" in out.columns
                  else pd.Series(pd.NA, index=out.index, dtype="string"))
    out["population_raw"] = raw.to_numpy()
    out["population_raw_source"] = raw_source.to_numpy()
    codes = (out["katottg"] if "katottg" in out.columns else out["id"]).astype("string")
    urban_persons = codes.map(dict(figures.urban_by_settlement)).astype(float)
    is_urban = urban_persons.notna().to_numpy()
    total = figures.hromada_total
    urban_total = float(sum(figures.urban_by_settlement.values()))
    info = {"hromada_total": total, "urban_total": urban_total, "factor": np.nan, "applied": False}
    warnings = list(out.attrs.get("warnings", []))

    loaded = set(codes.dropna())
    others_raw = sum(v for k, v in figures.raw_by_settlement.items()
                     if k not in loaded and k not in figures.urban_by_settlement and pd.notna(v))
    denominator = float(raw[~is_urban].sum()) + float(others_raw)
    rest = None if total is None else total - urban_total
    if total is None:
        warnings.append(note("population.note.total_unknown"))
    elif rest < 0 or (denominator <= 0 and (~is_urban).any()):
        warnings.append(note("population.note.not_rescaled", urban=fmt_int(urban_total), total=fmt_int(total)))
    else:
        factor = rest / denominator if denominator > 0 else np.nan
        rural = (raw * factor).round()
        population = np.where(is_urban, urban_persons.to_numpy(), rural.to_numpy())
        source = np.where(is_urban, SOURCE_UKRSTAT_2022,
                          np.where(np.isfinite(rural.to_numpy()), SOURCE_RESCALED_2022, None))
        out["population"] = population
        out["population_source"] = pd.array(source, dtype="string")
        info.update(factor=float(factor), applied=True)
    out.attrs["population_2022"] = info
    out.attrs["warnings"] = warnings
    return out


def missing_settlements(settlements: gpd.GeoDataFrame, code: str, figures: Population2022,
                        root: str | os.PathLike | None = None) -> pd.DataFrame:
    """Settlements of hromada ``code`` in the KATOTTG codifier that the loaded ``settlements`` lack.

    Returns columns ``settlement_katottg``, ``name``, ``category``, ``population`` (their 2022 figure by the
    same rule: Ukrstat for urban settlements, raw x factor otherwise, NaN when unknown) — residents no figure of
    the hromada includes.
    """
    columns = ["settlement_katottg", "name", "category", "population"]
    try:
        codifier = hromada_settlements_codifier(code, root)
    except Exception:  # noqa: BLE001 - no codifier rows: nothing can be said to be missing
        return pd.DataFrame(columns=columns)
    codes = (settlements["katottg"] if "katottg" in settlements.columns else settlements["id"]).astype("string")
    lacking = codifier[~codifier["settlement_code"].isin(set(codes.dropna()))]
    factor = settlements.attrs.get("population_2022", {}).get("factor", np.nan)
    raw = pd.to_numeric(lacking["osm_population"], errors="coerce").astype(float)
    urban = lacking["settlement_code"].map(dict(figures.urban_by_settlement)).astype(float)
    population = urban.fillna((raw * factor).round() if np.isfinite(factor) else raw)
    return pd.DataFrame({"settlement_katottg": lacking["settlement_code"].to_numpy(),
                         "name": lacking["name"].to_numpy(), "category": lacking["category"].to_numpy(),
                         "population": population.to_numpy()}, columns=columns).reset_index(drop=True)


def population_source_label(source: str | None, lang: str = "uk") -> str:
    """How a ``population_source`` value is described next to a figure (the raw text when not a known one)."""
    if source is None or (isinstance(source, float) and np.isnan(source)):
        return text("population.source.unknown", lang)
    value = str(source)
    if value in POPULATION_SOURCE_LABELS:
        return text(f"population.source.{value}", lang)
    if "osm" in value.lower():
        return text("population.source.osm_tag", lang)
    if "ukrstat" in value.lower():
        return text("population.source.ukrstat", lang)
    return value
