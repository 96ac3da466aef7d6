"""Donor view: analyse several hromadas the same way and rank them by the population left uncovered.

:func:`analyse_hromada` runs the whole chain for one :class:`analysis.datasets.HromadaBundle` — access
(:func:`analysis.access.compute_access`), norms (:func:`analysis.coverage.evaluate_norms`), coverage summary, gap
lists and data quality — into a :class:`HromadaReport`. :func:`rank_hromadas` puts one row per hromada in a table
sorted by uncovered population under the ЦНАП norm, and :func:`export_ranking` writes it with Ukrainian and/or
English headers (the single header mapping is :data:`RANKING_HEADERS`).

Export format
-------------
CSV (UTF-8 with BOM): one header row — Ukrainian (``lang="uk"``), English (``"en"``) or both joined as
``"Українська / English"`` (``"both"``); language-specific text columns (worst settlements, data-quality flags)
are included in the chosen language(s).
XLSX: **one sheet per language** — ``Рейтинг`` (Ukrainian headers and texts) and/or ``Ranking`` (English) — plus a
``Стовпці - Columns`` sheet listing every column id with its Ukrainian and English header. Shares are fractions
(0–1), times minutes, distances km; figures are rounded for reading (population to persons, times to 0.1 min,
shares to 0.0001).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.i18n import label_table, text
from analysis.metrics.coverage import STATUS_NOT_EVALUATED, STATUS_UNREACHABLE
from analysis.metrics.quality import DataQuality
from analysis.reporting.pipeline import CENTRE_NORM_ID, CNAP_NORM_ID, HromadaReport

# ================================================================================================================
# Ranking
# ================================================================================================================
#: The ranking's columns, in order.
RANKING_COLUMNS: tuple[str, ...] = (
    "rank", "code", "name_uk", "name_en", "population", "official_population", "n_settlements",
    "n_settlements_without_population", "cnap_norm_uk", "cnap_norm_en", "population_covered", "population_uncovered",
    "share_covered", "share_uncovered", "n_uncovered_settlements", "worst_settlements_uk", "worst_settlements_en",
    "mean_time_min", "median_time_min", "p90_time_min", "centre_population_beyond_strict",
    "centre_population_beyond_max", "barrier_free_share", "barrier_free_share_upper", "n_quality_flags",
    "quality_flags_uk", "quality_flags_en", "method",
)
#: Column id -> (Ukrainian header, English header), from the catalogs (``ranking.header.<column>``).
RANKING_HEADERS: dict[str, tuple[str, str]] = {
    column: (text(f"ranking.header.{column}", "uk"), text(f"ranking.header.{column}", "en"))
    for column in RANKING_COLUMNS
}


#: Columns whose text is in one language: column id -> language.
LANGUAGE_COLUMNS: dict[str, str] = {
    "cnap_norm_uk": "uk", "cnap_norm_en": "en",
    "worst_settlements_uk": "uk", "worst_settlements_en": "en", "quality_flags_uk": "uk", "quality_flags_en": "en",
}


#: Values of ``method`` in each language.
METHOD_LABELS: dict[str, dict[str, str]] = label_table("ranking.method", ('network', 'estimated'))


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _worst(evaluation: pd.DataFrame, norm_id: str, n: int) -> tuple[str, str]:
    rows = evaluation[(evaluation["norm_id"] == norm_id) & (evaluation["status"] != STATUS_NOT_EVALUATED)]
    if rows.empty:
        return "", ""
    rows = rows.assign(unreach_=rows["status"] == STATUS_UNREACHABLE)
    rows = rows.sort_values(["unreach_", "best_time_min", "best_distance_km"], ascending=False, na_position="first",
                            kind="stable").head(n)
    uk, en = [], []
    for row in rows.itertuples():
        name = row.settlement_name if isinstance(row.settlement_name, str) else str(row.settlement_id)
        if row.unreach_ or not np.isfinite(row.best_time_min):
            uk.append(f"{name} (немає маршруту)")
            en.append(f"{name} (no route)")
        else:
            uk.append(f"{name} ({row.best_time_min:.1f} хв, {row.best_distance_km:.1f} км)")
            en.append(f"{name} ({row.best_time_min:.1f} min, {row.best_distance_km:.1f} km)")
    return "; ".join(uk), "; ".join(en)


def _flags_text(quality: DataQuality) -> tuple[int, str, str]:
    flags = quality.flags
    if flags.empty:
        return 0, "", ""
    flags = flags.assign(_order=flags["severity"].map(_SEVERITY_ORDER).fillna(9)).sort_values("_order",
                                                                                              kind="stable")
    uk = "; ".join(f"{r.label_uk} ({r.count})" for r in flags.itertuples())
    en = "; ".join(f"{r.label_en} ({r.count})" for r in flags.itertuples())
    return int(len(flags)), uk, en


def rank_hromadas(
    reports: Iterable[HromadaReport],
    *,
    norm_id: str = CNAP_NORM_ID,
    centre_norm_id: str = CENTRE_NORM_ID,
    barrier_free: Mapping[str, float] | None = None,
    barrier_free_upper: Mapping[str, float] | None = None,
    n_worst: int = 3,
) -> pd.DataFrame:
    """One row per hromada, sorted by population outside the ЦНАП norm (largest first).

    Parameters
    ----------
    reports
        Results of :func:`analyse_hromada`.
    norm_id
        The norm ranked on (default the ЦНАП norm).
    centre_norm_id
        The hromada-centre norm (population beyond its 20 km / 25 km), if evaluated.
    barrier_free
        Optional hromada code -> share of the population within the norm of a ЦНАП point confirmed
        barrier-free — the lower bound (0–1), e.g. from
        :func:`analysis.barrier_free.coverage.barrier_free_share_by_hromada`; ``barrier_free_share`` stays NaN for
        hromadas not given.
    barrier_free_upper
        Optional hromada code -> the upper bound of that share (accessible or unknown-status points,
        ``barrier_free_share_by_hromada(coverage, "upper")``); ``barrier_free_share_upper`` stays NaN for
        hromadas not given. Must not be below the lower bound.
    n_worst
        How many of the farthest settlements to name.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RANKING_HEADERS` (ids), 1-based ``rank`` (competition ranking: hromadas with the same
        population outside the norm share a rank, e.g. 1, 2, 2, 4). Hromadas whose ЦНАП norm could not be evaluated
        (no ЦНАП points) come last with NaN figures.
    """
    reports = list(reports)
    if not reports:
        raise DataError("Немає громад для порівняння / No hromadas to rank.")
    barrier_free = dict(barrier_free or {})
    upper = dict(barrier_free_upper or {})
    for code, share in (*barrier_free.items(), *upper.items()):
        if share is not None and not (pd.isna(share) or 0.0 <= float(share) <= 1.0):
            raise DataError(f"Barrier-free share of {code} must be between 0 and 1; got {share!r}.")
    for code, share in upper.items():
        low = barrier_free.get(code)
        if share is not None and low is not None and not pd.isna(share) and not pd.isna(low) and share < low - 1e-12:
            raise DataError(f"Barrier-free share of {code}: the upper bound {share!r} is below the lower bound "
                            f"{low!r}.")
    rows = []
    for report in reports:
        main = report.summary_for(norm_id)
        if main is None:
            raise DataError(f"Hromada {report.code} has no evaluation of norm {norm_id!r}.")
        evaluated = bool(main["evaluated"])
        centre = report.summary_for(centre_norm_id)
        worst_uk, worst_en = _worst(report.evaluation, norm_id, n_worst)
        n_flags, flags_uk, flags_en = _flags_text(report.data_quality)
        norm = next((n for n in report.norms if n.id == norm_id), None)
        centre_eval = centre is not None and bool(centre["evaluated"])
        pop_eval = float(centre["population_evaluated"]) if centre_eval else np.nan

        def value(key: str) -> float:
            return float(main[key]) if evaluated else np.nan

        rows.append({
            "code": report.code,
            "name_uk": report.name_uk,
            "name_en": report.name_en,
            "population": float(main["population_total"]),
            "official_population": report.official_population if report.official_population is not None else np.nan,
            "n_settlements": int(main["n_settlements"]),
            "n_settlements_without_population": int(main["n_settlements_without_population"]),
            "cnap_norm_uk": norm.thresholds_text("uk") if norm is not None else "",
            "cnap_norm_en": norm.thresholds_text("en") if norm is not None else "",
            "population_covered": value("population_covered"),
            "population_uncovered": value("population_uncovered"),
            "share_covered": value("share_covered"),
            "share_uncovered": value("share_uncovered"),
            "n_uncovered_settlements": int(main["n_uncovered_settlements"]) if evaluated else pd.NA,
            "worst_settlements_uk": worst_uk,
            "worst_settlements_en": worst_en,
            "mean_time_min": value("mean_time_min"),
            "median_time_min": value("median_time_min"),
            "p90_time_min": value("p90_time_min"),
            "centre_population_beyond_strict": (pop_eval - float(centre["population_covered_strict"])
                                                if centre_eval and pd.notna(centre["population_covered_strict"])
                                                else np.nan),
            "centre_population_beyond_max": float(centre["population_uncovered"]) if centre_eval else np.nan,
            "barrier_free_share": float(barrier_free[report.code]) if barrier_free.get(report.code) is not None
            else np.nan,
            "barrier_free_share_upper": float(upper[report.code]) if upper.get(report.code) is not None
            else np.nan,
            "n_quality_flags": n_flags,
            "quality_flags_uk": flags_uk,
            "quality_flags_en": flags_en,
            "method": report.method,
        })
    table = pd.DataFrame(rows)
    table["n_uncovered_settlements"] = table["n_uncovered_settlements"].astype("Int64")
    table = table.sort_values(["population_uncovered", "share_uncovered", "code"], ascending=[False, False, True],
                              na_position="last", kind="stable").reset_index(drop=True)
    # equal figures share a rank (1, 2, 2, 4): competition ranking on the population outside the norm, the
    # hromadas that could not be evaluated sharing the last one
    rank = table["population_uncovered"].rank(method="min", ascending=False, na_option="bottom")
    table.insert(0, "rank", rank.astype(int).to_numpy())
    return table[[c for c in RANKING_HEADERS if c in table.columns]]


# ================================================================================================================
# Export
# ================================================================================================================
def _for_language(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Columns of one language (language-specific text columns of the other dropped), rounded, methods labelled."""
    keep = [c for c in table.columns if LANGUAGE_COLUMNS.get(c, lang) == lang or lang == "both"]
    frame = table[keep].copy()
    for column in ("population", "official_population", "population_covered", "population_uncovered",
                   "centre_population_beyond_strict", "centre_population_beyond_max"):
        if column in frame:
            frame[column] = frame[column].round(0)
    for column in ("mean_time_min", "median_time_min", "p90_time_min"):
        if column in frame:
            frame[column] = frame[column].round(1)
    for column in ("share_covered", "share_uncovered", "barrier_free_share", "barrier_free_share_upper"):
        if column in frame:
            frame[column] = frame[column].round(4)
    if "method" in frame and lang in ("uk", "en"):
        frame["method"] = frame["method"].map(lambda m: METHOD_LABELS.get(m, {}).get(lang, m))
    return frame


def ranking_headers(columns: Iterable[str], lang: str) -> list[str]:
    """Header texts for ``columns`` in ``lang`` (``uk``, ``en`` or ``both`` = ``"uk / en"``)."""
    out = []
    for column in columns:
        uk, en = RANKING_HEADERS.get(column, (column, column))
        out.append({"uk": uk, "en": en}.get(lang, f"{uk} / {en}"))
    return out


def export_ranking(table: pd.DataFrame, path: str | os.PathLike, lang: str = "both") -> Path:
    """Write the ranking as CSV or XLSX (by suffix) with Ukrainian and/or English headers, atomically.

    Parameters
    ----------
    table
        Output of :func:`rank_hromadas`.
    path
        ``.csv`` or ``.xlsx``.
    lang
        ``"uk"``, ``"en"`` or ``"both"`` (see the module docstring for the layout of each format).
    """
    from analysis.outputs import write_csv, write_xlsx

    if lang not in ("uk", "en", "both"):
        raise DataError(f"lang must be 'uk', 'en' or 'both'; got {lang!r}.")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = _for_language(table, lang)
        frame.columns = ranking_headers(frame.columns, lang)
        return write_csv(frame, path)
    if suffix == ".xlsx":
        sheets: dict[str, pd.DataFrame] = {}
        for language, sheet in (("uk", "Рейтинг"), ("en", "Ranking")):
            if lang in (language, "both"):
                frame = _for_language(table, language)
                frame.columns = ranking_headers(frame.columns, language)
                sheets[sheet] = frame
        columns = [c for c in table.columns]
        sheets["Стовпці - Columns"] = pd.DataFrame({
            "id": columns,
            "Українською": ranking_headers(columns, "uk"),
            "English": ranking_headers(columns, "en"),
        })
        return write_xlsx(sheets, path)
    raise DataError(f"Unsupported ranking file type {path.suffix!r}: use .csv or .xlsx.")
