"""Reading a filled survey form back and applying it to the service points."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.barrier_free.checklist import _ANSWER_TOKENS, CHECKLIST, ITEM_IDS
from analysis.barrier_free.status import _missing, assess_points
from analysis.barrier_free.survey_form import FORM_FIELDS, SURVEY_COLUMNS
from analysis.errors import DataError
from analysis.outputs import restore_neutralized, restore_text


# ============================================================================================== reading surveys
def _header_key(header: Any) -> str | None:
    """Field/item id of a form header (``"… [id]"``, a bare id, or the UA/EN/both label); None if not ours."""
    if _missing(header):
        return None
    text = str(header).strip()
    match = re.search(r"\[([^\]]+)\]\s*$", text)
    if match:
        return match.group(1).strip()
    lowered = " ".join(text.lower().split())
    for key in (*FORM_FIELDS, *ITEM_IDS):
        if lowered == key:
            return key
    for key in FORM_FIELDS:
        uk, en = FORM_FIELDS[key]
        if lowered in (uk.lower(), en.lower(), f"{uk} / {en}".lower()):
            return key
    for item in CHECKLIST:
        if lowered in (item.label_uk.lower(), item.label_en.lower(), f"{item.label_uk} / {item.label_en}".lower()):
            return item.id
    return None


def parse_answer(value: Any) -> str | None:
    """``yes``/``no``/``unknown`` from a survey cell (UA/EN words, ``1``/``0``, booleans, ``"так / yes"``);
    None if not an answer."""
    if _missing(value):
        return "unknown"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return {1.0: "yes", 0.0: "no"}.get(float(value))
    text = " ".join(str(value).strip().lower().split())
    if text in _ANSWER_TOKENS:
        return _ANSWER_TOKENS[text]
    parts = {_ANSWER_TOKENS.get(part.strip()) for part in text.split("/")}
    if len(parts) == 1 and None not in parts:
        return parts.pop()
    return None


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%Y.%m.%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S",
                 "%Y-%m-%dT%H:%M:%S")


def parse_survey_date(value: Any) -> dt.date | None:
    """A survey date from an Excel date cell or text (``2026-05-01``, ``01.05.2026``); None if empty.

    Raises
    ------
    ValueError
        If the value is not a date.
    """
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    text = str(value).strip()
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD or DD.MM.YYYY)")


def _read_rows(path: Path) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """Header cells and (spreadsheet row number, cells) of the survey sheet of an XLSX or a CSV file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, data_only=True, read_only=True)
        except Exception as exc:  # openpyxl raises many types for corrupt files
            raise DataError(f"Cannot read the survey workbook {path.name}: {exc}. Is it a valid .xlsx file?") from exc
        try:
            chosen = None
            for sheet in workbook.worksheets:
                first = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
                if any(_header_key(c) == "point_id" for c in first):
                    chosen = sheet
                    break
            chosen = chosen or workbook.worksheets[0]
            rows = list(chosen.iter_rows(values_only=True))
        finally:
            workbook.close()
        if not rows:
            raise DataError(f"The survey workbook {path.name} is empty.")
        rows = [[restore_text(cell) for cell in row] for row in rows]  # formula-like text was neutralised
        return list(rows[0]), [(number, list(cells)) for number, cells in enumerate(rows[1:], start=2)]
    if suffix in (".csv", ".txt"):
        frame = None
        error: Exception | None = None
        # the headers themselves contain commas ("0,8 м"), so try each separator and keep the one that finds the
        # point id column (Excel in Ukrainian locales saves CSV with ";")
        for separator in (",", ";", "\t"):
            try:
                candidate = pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                error = exc
                continue
            if frame is None or any(_header_key(c) == "point_id" for c in candidate.columns):
                frame = candidate
                if any(_header_key(c) == "point_id" for c in candidate.columns):
                    break
        if frame is None:
            raise DataError(f"Cannot read the survey file {path.name}: {error}")
        frame = restore_neutralized(frame)  # the form was written with formula-like text neutralised
        return list(frame.columns), [
            (number, list(values)) for number, values in enumerate(frame.itertuples(index=False, name=None), start=2)
        ]
    raise DataError(f"Unsupported survey file type {path.name}: use the .xlsx or .csv form.")


def read_survey(path: str | os.PathLike, *, today: dt.date | None = None) -> pd.DataFrame:
    """Read a filled survey form (XLSX or CSV written by :func:`write_survey_form`, or any table with the same
    bracketed headers).

    Answers may be ``yes/no/unknown``, ``так/ні/невідомо``, ``1/0``, ``"так / yes"``; empty = unknown. Rows with
    no ``yes``/``no`` answer are skipped (listed in ``attrs["warnings"]``).

    Parameters
    ----------
    today
        Survey dates after this day are rejected (default: the current date).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SURVEY_COLUMNS`: ``point_id`` (str), ``survey_date`` (datetime64), ``surveyor``, ``notes``,
        one column per item (``yes``/``no``/``unknown``) and ``source_row`` (the row number in the file).

    Raises
    ------
    DataError
        File missing/unreadable, no point id or survey date column, an unknown checklist id in a header, an answer
        that is not yes/no/unknown, a missing, malformed, future or pre-2000 date, a missing point id, or two rows
        for the same point and date with different answers. Messages name the row and the column.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Survey file not found: {path}")
    today = today or dt.date.today()
    header, rows = _read_rows(path)
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        key = _header_key(cell)
        if key is None:
            continue
        if key not in FORM_FIELDS and key not in ITEM_IDS:
            raise DataError(
                f"{path.name}: column {cell!r} names an unknown checklist item {key!r}; known items: "
                f"{', '.join(ITEM_IDS)}."
            )
        if key in positions:
            raise DataError(f"{path.name}: two columns for {key!r} ({header[positions[key]]!r} and {cell!r}).")
        positions[key] = position
    for required in ("point_id", "survey_date"):
        if required not in positions:
            raise DataError(
                f"{path.name}: no {required!r} column (header ending in [{required}]); columns found: "
                f"{', '.join(str(h) for h in header)}."
            )
    items = [item for item in ITEM_IDS if item in positions]
    if not items:
        raise DataError(f"{path.name}: no checklist item columns; expected headers ending in one of "
                        f"{', '.join(f'[{i}]' for i in ITEM_IDS)}.")

    records, skipped = [], []
    for number, cells in rows:
        def cell(key: str) -> Any:
            position = positions.get(key)
            return cells[position] if position is not None and position < len(cells) else None

        answers = {}
        for item in items:
            raw = cell(item)
            answer = parse_answer(raw)
            if answer is None:
                raise DataError(
                    f"{path.name}, row {number}, column {header[positions[item]]!r}: {raw!r} is not an answer; use "
                    "так/ні/невідомо, yes/no/unknown or 1/0."
                )
            answers[item] = answer
        point = cell("point_id")
        point = None if _missing(point) or str(point).strip() == "" else str(point).strip()
        if isinstance(cell("point_id"), float) and float(cell("point_id")).is_integer():
            point = str(int(cell("point_id")))
        answered = any(a in ("yes", "no") for a in answers.values())
        if not answered:
            if point is not None:
                skipped.append(number)
            continue
        if point is None:
            raise DataError(f"{path.name}, row {number}: answers given but the point id "
                            f"(column {header[positions['point_id']]!r}) is empty.")
        raw_date = cell("survey_date")
        column = header[positions["survey_date"]]
        try:
            date = parse_survey_date(raw_date)
        except ValueError as exc:
            raise DataError(f"{path.name}, row {number}, column {column!r}: {exc}.") from None
        if date is None:
            raise DataError(
                f"{path.name}, row {number}, column {column!r}: the survey date is missing (point {point})."
            )
        if date > today:
            raise DataError(f"{path.name}, row {number}, column {column!r}: survey date {date} is in the future.")
        if date < dt.date(2000, 1, 1):
            raise DataError(f"{path.name}, row {number}, column {column!r}: survey date {date} is before 2000.")
        surveyor, notes = cell("surveyor"), cell("notes")
        records.append(
            {
                "point_id": point,
                "survey_date": pd.Timestamp(date),
                "surveyor": None if _missing(surveyor) or str(surveyor).strip() == "" else str(surveyor).strip(),
                "notes": None if _missing(notes) or str(notes).strip() == "" else str(notes).strip(),
                **{item: answers.get(item, "unknown") for item in ITEM_IDS},
                "source_row": number,
            }
        )
    table = pd.DataFrame.from_records(records, columns=list(SURVEY_COLUMNS))
    for item in ITEM_IDS:
        if item not in items:
            table[item] = "unknown"
    table["survey_date"] = pd.to_datetime(table["survey_date"])
    table["source_row"] = table["source_row"].astype("int64")
    _check_conflicts(table, path.name)
    table.attrs["warnings"] = (
        [f"{path.name}: rows {', '.join(map(str, skipped))} have no yes/no answer and were skipped."] if skipped else []
    )
    return table


def _check_conflicts(survey: pd.DataFrame, label: str) -> None:
    for (point, date), group in survey.groupby(["point_id", "survey_date"], sort=False):
        if len(group) < 2:
            continue
        for item in ITEM_IDS:
            given = set(group[item]) - {"unknown"}
            if len(given) > 1:
                rows = ", ".join(map(str, group["source_row"]))
                raise DataError(
                    f"{label}, rows {rows}: point {point} surveyed on {date:%Y-%m-%d} with different answers for "
                    f"{item!r} ({', '.join(sorted(given))})."
                )


def apply_survey(points: gpd.GeoDataFrame, survey: pd.DataFrame) -> gpd.GeoDataFrame:
    """Add survey answers to points and re-assess them.

    For every point and item the newest ``yes``/``no`` answer wins — over the OSM/registry evidence (rule 1 of the
    module docstring) and over answers of older surveys already stored on the points (``survey_<item>`` with
    ``survey_<item>_date``). ``survey_date`` becomes the date of the newest survey of the point; ``surveyor`` and
    ``survey_notes`` come from that survey.

    Parameters
    ----------
    points
        Service points (with ``id``), assessed or not.
    survey
        Output of :func:`read_survey` (columns ``point_id``, ``survey_date``, item columns; optional
        ``surveyor``, ``notes``, ``source_row``).

    Returns
    -------
    geopandas.GeoDataFrame
        The points re-assessed by :func:`assess_points`, with the survey columns.

    Raises
    ------
    DataError
        If survey rows name points that are not in ``points`` (the message lists the rows) or columns are missing.
    """
    if "id" not in points.columns:
        raise DataError(f"Points need an 'id' column; columns found: {list(points.columns)}.")
    missing = [c for c in ("point_id", "survey_date") if c not in survey.columns]
    if missing:
        raise DataError(f"The survey table lacks column(s) {', '.join(missing)}; use read_survey to read a form.")
    ids = points["id"].astype(str)
    survey = survey.copy()
    survey["point_id"] = survey["point_id"].astype(str)
    unknown = ~survey["point_id"].isin(set(ids))
    if unknown.any():
        rows = survey.loc[unknown, "source_row"] if "source_row" in survey else survey.index[unknown] + 2
        listed = ", ".join(f"row {r}: {p}" for r, p in zip(list(rows)[:10], survey.loc[unknown, "point_id"][:10]))
        raise DataError(f"Survey rows name points that are not in this area's service points ({listed}).")
    survey["survey_date"] = pd.to_datetime(survey["survey_date"], errors="coerce")
    if survey["survey_date"].isna().any():
        raise DataError("Every survey row needs a valid survey_date.")
    if ids.duplicated().any():
        raise DataError(f"Service points have duplicated ids: {ids[ids.duplicated()].unique()[:5].tolist()}.")
    result = points.copy()
    text_columns = [f"survey_{item}" for item in ITEM_IDS] + ["surveyor", "survey_notes"]
    date_columns = [f"survey_{item}_date" for item in ITEM_IDS] + ["survey_date"]
    for column in text_columns:
        existing = result[column] if column in result.columns else pd.Series(pd.NA, index=result.index)
        result[column] = existing.astype("string")
    for column in date_columns:
        existing = result[column] if column in result.columns else pd.Series(pd.NaT, index=result.index)
        result[column] = pd.to_datetime(existing, errors="coerce").astype("datetime64[ns]")
    position = pd.Series(np.arange(len(result)), index=ids.to_numpy())
    ordered = survey.sort_values(["survey_date"] + (["source_row"] if "source_row" in survey else []), kind="stable")
    for record in ordered.to_dict("records"):
        row = result.index[int(position[record["point_id"]])]
        date = pd.Timestamp(record["survey_date"]).normalize()
        for item in ITEM_IDS:
            answer = record.get(item)
            if _missing(answer) or str(answer) not in ("yes", "no"):
                continue
            previous = result.at[row, f"survey_{item}_date"]
            if pd.isna(previous) or date >= previous:
                result.at[row, f"survey_{item}"] = str(answer)
                result.at[row, f"survey_{item}_date"] = date
        previous = result.at[row, "survey_date"]
        if pd.isna(previous) or date >= previous:
            result.at[row, "survey_date"] = date
            result.at[row, "surveyor"] = record.get("surveyor") if not _missing(record.get("surveyor")) else pd.NA
            result.at[row, "survey_notes"] = record.get("notes") if not _missing(record.get("notes")) else pd.NA
    return assess_points(result)


def read_survey_upload(name: str, data: bytes, *, today: dt.date | None = None) -> pd.DataFrame:
    """:func:`read_survey` for an uploaded file's bytes (XLSX or CSV, by the name's ending). The name only
    selects the format: the bytes are read from a private temporary file, never from a path the name gives."""
    import tempfile

    suffix = Path(str(name)).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise DataError(f"Анкета має бути XLSX або CSV / The survey form must be XLSX or CSV: {name}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"survey{suffix}"
        path.write_bytes(data)
        return read_survey(path, today=today)
