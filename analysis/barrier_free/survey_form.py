"""The on-site survey form (XLSX/CSV, UA/EN) a hromada fills in."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.barrier_free.checklist import ANSWER_LABELS, ANSWERS, CHECKLIST, ITEM_IDS, checklist_table
from analysis.barrier_free.status import STATUSES, _assessed, _missing, status_label
from analysis.errors import DataError
from analysis.i18n import text

#: Non-item fields of the survey form: id -> (UA, EN header text). ``*`` fields are read back by read_survey.
FORM_FIELDS: dict[str, tuple[str, str]] = {
    field: (text(f"survey.field.{field}", "uk"), text(f"survey.field.{field}", "en")) for field in (
        "point_id", "name", "category", "address", "lon", "lat", "current_status", "current_evidence",
        "survey_date", "surveyor", "notes",
    )
}


_READ_ONLY_FIELDS = ("name", "category", "address", "lon", "lat", "current_status", "current_evidence")


#: Output columns added by :func:`assess_points` (besides ``bf_<item>`` and the survey columns).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "barrier_free_status", "barrier_free_label_uk", "barrier_free_label_en", "barrier_free_rule",
    "barrier_free_evidence", "sources_disagree", "survey_date",
)


#: Columns of the table returned by :func:`read_survey`.
SURVEY_COLUMNS: tuple[str, ...] = ("point_id", "survey_date", "surveyor", "notes", *ITEM_IDS, "source_row")


# ============================================================================================== survey form
def _header(key: str, lang: str) -> str:
    """Form header of a field or item: ``"UA / EN [key]"`` (or one language)."""
    if key in FORM_FIELDS:
        uk, en = FORM_FIELDS[key]
    else:
        item = next(i for i in CHECKLIST if i.id == key)
        uk, en = item.label_uk, item.label_en
    text = {"uk": uk, "en": en}.get(lang, f"{uk} / {en}")
    return f"{text} [{key}]"


def _check_lang(lang: str) -> str:
    if lang not in ("uk", "en", "both"):
        raise ValueError(f"lang must be 'uk', 'en' or 'both'; got {lang!r}")
    return lang


def _address(points: pd.DataFrame) -> pd.Series:
    empty = pd.Series(pd.NA, index=points.index, dtype="string")
    for column in ("address", "settlement_name"):
        if column in points.columns:
            empty = empty.fillna(points[column].astype("string"))
    if "addr:street" in points.columns:
        street = points["addr:street"].astype("string")
        if "addr:housenumber" in points.columns:
            street = street + (", " + points["addr:housenumber"].astype("string")).fillna("")
        if "addr:city" in points.columns:
            street = street + (", " + points["addr:city"].astype("string")).fillna("")
        empty = empty.fillna(street)
    return empty


def survey_form(points: gpd.GeoDataFrame, lang: str = "both", *, include_accessible: bool = False) -> pd.DataFrame:
    """The survey form as a table: one row per point to check, one empty column per checklist item.

    Parameters
    ----------
    points
        Service points (assessed or not; assessed here if needed). Need ``id``.
    lang
        Header and status language: ``"uk"``, ``"en"`` or ``"both"`` (``"UA / EN [id]"``).
    include_accessible
        Also list points already ``accessible`` (default: only ``unknown``, ``partly``, ``not_accessible``).

    Returns
    -------
    pandas.DataFrame
        Columns (headers ending in ``[key]``): point id, name, category, address, lon, lat, current status,
        current evidence, the :data:`CHECKLIST` items (empty), survey date, surveyor, notes. Rows ordered
        unknown, not accessible, partly, then by id.
    """
    lang = _check_lang(lang)
    if "id" not in points.columns:
        raise DataError(f"Points need an 'id' column; columns found: {list(points.columns)}.")
    assessed = _assessed(points)
    wanted = list(STATUSES) if include_accessible else ["unknown", "not_accessible", "partly"]
    rows = assessed[assessed["barrier_free_status"].isin(wanted)].copy()
    order = {"unknown": 0, "not_accessible": 1, "partly": 2, "accessible": 3}
    rows["_order"] = rows["barrier_free_status"].map(order)
    rows["_id"] = rows["id"].astype(str)
    rows = rows.sort_values(["_order", "_id"], kind="stable")
    if isinstance(rows, gpd.GeoDataFrame) and rows.crs is not None and len(rows):
        geoms = rows.geometry.to_crs(4326)
        geoms = geoms.where(geoms.geom_type == "Point", geoms.representative_point())
        lon, lat = geoms.x.round(6).to_numpy(), geoms.y.round(6).to_numpy()
    else:
        lon = lat = np.full(len(rows), np.nan)
    columns: dict[str, Any] = {
        "point_id": rows["id"].astype(str).to_numpy(),
        "name": rows["name"].astype("string").to_numpy() if "name" in rows else pd.NA,
        "category": rows["category"].astype("string").to_numpy() if "category" in rows else pd.NA,
        "address": _address(rows).to_numpy(),
        "lon": lon,
        "lat": lat,
        "current_status": [status_label(s, lang) for s in rows["barrier_free_status"]],
        "current_evidence": rows["barrier_free_evidence"].astype("string").to_numpy(),
    }
    for item in ITEM_IDS:
        columns[item] = ""
    columns.update({"survey_date": "", "surveyor": "", "notes": ""})
    table = pd.DataFrame(columns, index=range(len(rows)))
    table.columns = [_header(key, lang) for key in table.columns]
    return table


def _instructions(lang: str) -> list[list[str]]:
    answers = {
        "uk": "так / ні / невідомо", "en": "yes / no / unknown", "both": "так / yes, ні / no, невідомо / unknown",
    }[lang]
    keys = ("title", "1", "2", "3", "4", "5", "6")
    lines_uk = [text(f"survey.instructions.{key}", "uk", answers=answers) for key in keys]
    lines_en = [text(f"survey.instructions.{key}", "en", answers=answers) for key in keys]
    if lang == "uk":
        return [[line] for line in lines_uk]
    if lang == "en":
        return [[line] for line in lines_en]
    return [[line] for line in lines_uk] + [[""]] + [[line] for line in lines_en]


def write_survey_form(
    points: gpd.GeoDataFrame,
    path: str | os.PathLike,
    *,
    lang: str = "both",
    csv: bool = True,
    include_accessible: bool = False,
) -> list[Path]:
    """Write the survey form (see :func:`survey_form`) as XLSX and/or CSV, atomically.

    Parameters
    ----------
    path
        ``*.xlsx``: a workbook with the survey sheet (drop-down lists yes/no/unknown per item, a date check on the
        survey date, frozen header), an instructions sheet (UA/EN) and the checklist with norm references; with
        ``csv=True`` a CSV copy of the survey sheet is written beside it (same name, ``.csv``). ``*.csv``: only
        the CSV (UTF-8 with BOM, opens in Excel).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from analysis.outputs import atomic_path, neutralize_formulas, write_csv

    lang = _check_lang(lang)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise DataError(f"The survey form must be written as .xlsx or .csv; got {path.name}.")
    table = survey_form(points, lang, include_accessible=include_accessible)
    written: list[Path] = []
    if suffix == ".csv":
        write_csv(table, path)
        return [path]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Обстеження Survey"
    keys = [re.search(r"\[([^\]]+)\]$", c).group(1) for c in table.columns]
    table = neutralize_formulas(table)  # point names and addresses never become formulas
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([None if _missing(v) or v == "" else v for v in row])
    n_rows = max(len(table), 1) + 1
    answer_values = {
        "uk": [ANSWER_LABELS[a]["uk"] for a in ANSWERS],
        "en": [ANSWER_LABELS[a]["en"] for a in ANSWERS],
        "both": [f"{ANSWER_LABELS[a]['uk']} / {ANSWER_LABELS[a]['en']}" for a in ANSWERS],
    }[lang]
    answers = DataValidation(type="list", formula1='"' + ",".join(answer_values) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle="так / ні / невідомо",
                             error="Виберіть зі списку / choose from the list")
    dates = DataValidation(type="date", operator="between", formula1="36526", formula2="73415", allow_blank=True,
                           showErrorMessage=True, errorTitle="Дата / Date",
                           error="Дата РРРР-ММ-ДД між 2000 і 2100 / a date YYYY-MM-DD between 2000 and 2100")
    sheet.add_data_validation(answers)
    sheet.add_data_validation(dates)
    input_fill = PatternFill("solid", fgColor="FFF2CC")
    for position, key in enumerate(keys, start=1):
        letter = get_column_letter(position)
        cell = sheet.cell(row=1, column=position)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        width = 14 if key in ITEM_IDS else {"current_evidence": 50, "name": 40, "address": 40, "notes": 40}.get(key, 16)
        sheet.column_dimensions[letter].width = width
        cell_range = f"{letter}2:{letter}{n_rows}"
        if key in ITEM_IDS:
            answers.add(cell_range)
        elif key == "survey_date":
            dates.add(cell_range)
            for r in range(2, n_rows + 1):
                sheet.cell(row=r, column=position).number_format = "yyyy-mm-dd"
        if key in (*ITEM_IDS, "survey_date", "surveyor", "notes"):
            for r in range(2, n_rows + 1):
                sheet.cell(row=r, column=position).fill = input_fill
    sheet.row_dimensions[1].height = 90
    sheet.freeze_panes = "C2"

    info = workbook.create_sheet("Інструкція Instructions")
    for line in _instructions(lang):
        info.append(line)
    info.append([])
    checklist = checklist_table()
    info.append(["id", "Пункт (UA)", "Item (EN)", "Ключовий / key", "Норма / norm", "Як відповідати", "How to answer"])
    for item in checklist.itertuples(index=False):
        info.append([item.id, item.label_uk, item.label_en, "так / yes" if item.key else "",
                     item.norm, item.hint_uk, item.hint_en])
    info.column_dimensions["A"].width = 22
    for letter in "BCEFG":
        info.column_dimensions[letter].width = 45
    with atomic_path(path, suffix=".xlsx") as tmp:
        workbook.save(tmp)
    written.append(path)
    if csv:
        written.append(write_csv(table, path.with_suffix(".csv")))
    return written
