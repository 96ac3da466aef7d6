"""Exports never carry live spreadsheet formulas, whatever the names and ids (OWASP CSV injection), and the
project reads its own neutralised files back unchanged."""

from __future__ import annotations

import csv

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis.barrier_free.status import assess_points
from analysis.barrier_free.survey import apply_survey, read_survey
from analysis.barrier_free.survey_form import write_survey_form
from analysis.outputs import neutralize_formulas, restore_neutralized, write_csv, write_xlsx
from analysis.reporting.pipeline import analyse_hromada
from analysis.sources.packs import load_demo_pack
from analysis.sources.readers import read_points

BRODY = "UA46040010000033885"
HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1",
           "\r=1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _hostile_bundle():
    bundle = load_demo_pack(BRODY)
    settlements = bundle.settlements.copy()
    names = [HOSTILE[i % len(HOSTILE)] for i in range(len(settlements))]
    settlements["name"] = names
    points = bundle.service_points.copy()
    points["name"] = [HOSTILE[(i + 3) % len(HOSTILE)] for i in range(len(points))]
    bundle.settlements, bundle.service_points = settlements, points
    return bundle


def _cells(path):
    workbook = openpyxl.load_workbook(path)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_neutralize_rules():
    table = pd.DataFrame({"text": HOSTILE + ["-5", "+3.5", "-1,5", "plain", "a=b"], "n": np.arange(12)})
    out = neutralize_formulas(table)
    assert list(out["text"]) == ["'" + v for v in HOSTILE] + ["-5", "+3.5", "-1,5", "plain", "a=b"]
    assert list(out["n"]) == list(range(12))  # numbers stay numbers
    pd.testing.assert_frame_equal(restore_neutralized(out), table, check_dtype=False)
    assert list(table["text"])[0] == HOSTILE[0]  # the input is not changed


def test_xlsx_and_csv_exports_hold_no_formulas(tmp_path):
    report = analyse_hromada(_hostile_bundle())
    bundle = _hostile_bundle()
    layers = {"settlements": report.settlements, "service_points": bundle.service_points,
              "gaps": report.gaps["cnap_access"], "summary": report.summary}
    xlsx = write_xlsx(layers, tmp_path / "out.xlsx")
    seen = 0
    for cell in _cells(xlsx):
        assert cell.data_type != "f", cell.value
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
            pytest.fail(f"live formula text {cell.value!r}")
        seen += isinstance(cell.value, str) and cell.value.startswith("'=")
    assert seen >= 10
    written = write_csv(report.settlements, tmp_path / "out.csv")
    with open(written, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    name_column = rows[0].index("name")
    assert all(not row[name_column].startswith(FORMULA_START) for row in rows[1:])
    assert {row[name_column] for row in rows[1:]} <= {"'" + v for v in HOSTILE}
    # the project reads its own export back as it was
    again = read_points(tmp_path / "out.csv")
    assert list(again["name"]) == list(report.settlements["name"])


def test_dashboard_xlsx_download_holds_no_formulas(tmp_path):
    from analysis.reporting.compare import export_ranking, rank_hromadas
    from dashboard.exports import _clean

    report = analyse_hromada(_hostile_bundle())
    report.name_uk = report.name_en = "=HYPERLINK(\"x\")"
    path = export_ranking(rank_hromadas([report]), tmp_path / "ranking.xlsx")
    assert all(cell.data_type != "f" for cell in _cells(path))
    cleaned = write_xlsx({"settlements": _clean(report.settlements)}, tmp_path / "d.xlsx")
    assert all(cell.data_type != "f" for cell in _cells(cleaned))


def test_survey_form_with_hostile_names_round_trips(tmp_path):
    """Point ids and names that look like formulas: the form holds no formula, and the filled form (XLSX and CSV)
    is read back to the same ids, so the answers reach their points."""
    bundle = _hostile_bundle()
    points = bundle.service_points.copy()
    points["id"] = [f"=ID{i}+1" for i in range(len(points))]
    points = assess_points(points)
    xlsx, csv_path = write_survey_form(points, tmp_path / "survey.xlsx", csv=True)
    assert all(cell.data_type != "f" for cell in _cells(xlsx))
    workbook = openpyxl.load_workbook(xlsx)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    column = {h.rsplit("[", 1)[1].rstrip("]"): i + 1 for i, h in enumerate(header)}
    for r in range(2, sheet.max_row + 1):
        sheet.cell(row=r, column=column["entrance_step_free"]).value = "так / yes"
        sheet.cell(row=r, column=column["survey_date"]).value = "2026-05-01"
    workbook.save(xlsx)
    table = pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    key = {c.rsplit("[", 1)[1].rstrip("]"): c for c in table.columns}
    table[key["entrance_step_free"]] = "так"
    table[key["survey_date"]] = "2026-05-01"
    table.to_csv(csv_path, index=False, encoding="utf-8-sig", lineterminator="\r\n")  # as Excel saves
    for path in (xlsx, csv_path):
        survey = read_survey(path)
        assert sorted(survey["point_id"]) == sorted(points["id"])
        applied = apply_survey(points, survey)
        assert list(applied["id"]) == list(points["id"])
