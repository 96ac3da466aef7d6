"""Barrier-free status: the combination table by hand, survey forms round-tripped through openpyxl, coverage with
accessible points only computed by hand, and status counts on real data (demo packs, Helsinki) against independent
counts of the raw flags and tags."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import osmium
import pandas as pd
import pyproj
import pytest
from openpyxl import load_workbook

from analysis.barrier_free.checklist import CHECKLIST, ITEM_IDS, KEY_ITEMS, checklist_table
from analysis.barrier_free.coverage import (
    REACH_CLASSES,
    UPPER_BOUND_LABEL_EN,
    UPPER_BOUND_LABEL_UK,
    barrier_free_coverage,
    barrier_free_share_by_hromada,
    reach_sentence,
)
from analysis.barrier_free.status import (
    CHECKLIST_LABELS,
    CHECKLIST_STATUSES,
    DISAGREE_LABELS,
    DISAGREE_RULE,
    OTHER_ITEMS,
    RULES,
    STATUS_LABELS,
    STATUSES,
    WHEELCHAIR_ITEMS,
    assess_points,
    checklist_counts,
    disagree_mask,
    parse_width_m,
    status_counts,
)
from analysis.barrier_free.survey import apply_survey, read_survey
from analysis.barrier_free.survey_form import survey_form, write_survey_form
from analysis.errors import DataError
from analysis.sources.osm_import import read_osm

GEOD = pyproj.Geod(ellps="WGS84")
TODAY = dt.date(2026, 6, 1)

# ----------------------------------------------------------------------------------------------- combination table
#: (tags/flags/survey answers, wheelchair status, rule, sources_disagree, full-checklist status)
TABLE = [
    ({}, "unknown", "no_evidence", False, "unknown"),
    ({"entrance": "main"}, "unknown", "no_evidence", False, "unknown"),
    ({"wheelchair": "yes"}, "accessible", "osm_wheelchair_yes", False, "unknown"),
    ({"wheelchair": "designated", "toilets:wheelchair": "yes"}, "accessible", "all_key_yes", False, "unknown"),
    ({"wheelchair": "limited"}, "partly", "partial_evidence", False, "partial"),
    ({"wheelchair": "no"}, "not_accessible", "entrance_no", False, "not_met"),
    ({"wheelchair": "yes", "toilets:wheelchair": "no"}, "partly", "partial_evidence", False, "partial"),
    ({"wheelchair": "yes", "toilets:wheelchair": "limited"}, "partly", "partial_evidence", False, "partial"),
    # OSM and the registry contradict each other about getting in: a survey decides, never "not accessible"
    ({"wheelchair": "yes", "pandus": 0}, "unknown", "sources_disagree", True, "partial"),
    ({"wheelchair": "yes", "disability": 0}, "unknown", "sources_disagree", True, "unknown"),
    ({"wheelchair": "no", "disability": 1}, "unknown", "sources_disagree", True, "partial"),
    ({"wheelchair": "yes", "door:width": "0.8"}, "partly", "partial_evidence", True, "partial"),
    ({"wheelchair": "yes", "ramp": "no"}, "accessible", "osm_wheelchair_yes", False, "unknown"),
    ({"toilets:wheelchair": "yes", "pandus": 1, "dis_sanit": 0}, "unknown", "sources_disagree", True, "partial"),
    # the registry: wheelchair access from pandus + dis_sanit (+ disability); braille_mat only lowers the checklist
    ({"disability": 1, "pandus": 1, "dis_sanit": 1, "braille_mat": 1}, "accessible", "all_key_yes", False,
     "unknown"),
    ({"disability": 1, "pandus": 1, "dis_sanit": 1, "braille_mat": 0}, "accessible", "all_key_yes", False,
     "partial"),
    ({"disability": 1, "pandus": 1, "dis_sanit": 0, "braille_mat": 1}, "partly", "partial_evidence", False,
     "partial"),
    ({"disability": 1, "pandus": 0, "dis_sanit": 1, "braille_mat": 1}, "unknown", "sources_disagree", True,
     "partial"),
    ({"disability": 1, "pandus": 0, "dis_sanit": 0, "braille_mat": 0}, "unknown", "sources_disagree", True,
     "partial"),
    ({"disability": 0, "pandus": 1, "dis_sanit": 1}, "unknown", "sources_disagree", True, "unknown"),
    ({"disability": 0, "pandus": 0, "dis_sanit": 0, "braille_mat": 0}, "not_accessible", "entrance_no", False,
     "not_met"),
    ({"disability": 0, "pandus": 0, "dis_sanit": 1, "braille_mat": 0}, "not_accessible", "entrance_no", False,
     "partial"),
    ({"disability": 1}, "unknown", "positive_unconfirmed", False, "unknown"),
    ({"disability": 0}, "not_accessible", "negative_evidence_only", False, "not_met"),
    ({"braille_mat": 0}, "unknown", "no_evidence", False, "not_met"),
    ({"braille_mat": 1}, "unknown", "no_evidence", False, "unknown"),
    ({"door:width": "85 cm"}, "not_accessible", "negative_evidence_only", False, "not_met"),
    ({"door:width": "90 cm"}, "unknown", "positive_unconfirmed", False, "unknown"),
    ({"width": "12"}, "unknown", "no_evidence", False, "unknown"),  # 12 m: not a door
    ({"ramp": "yes"}, "unknown", "positive_unconfirmed", False, "unknown"),
    ({"ramp:wheelchair": "no"}, "not_accessible", "entrance_no", False, "not_met"),
    ({"ramp:wheelchair": "yes", "toilets:wheelchair": "yes"}, "accessible", "all_key_yes", False, "unknown"),
    # surveys override older evidence, item by item, and settle disagreements
    ({"pandus": 0, "survey_entrance_step_free": "yes", "survey_accessible_wc": "yes", "survey_date": "2026-05-01"},
     "accessible", "all_key_yes", True, "unknown"),
    ({"disability": 1, "pandus": 0, "dis_sanit": 1, "survey_entrance_step_free": "no", "survey_date": "2026-05-01"},
     "not_accessible", "entrance_no", True, "partial"),
    ({"wheelchair": "yes", "survey_ramp_slope": "no", "survey_date": "2026-05-01"}, "partly", "partial_evidence",
     False, "partial"),
    ({"wheelchair": "yes", "survey_entrance_step_free": "no", "survey_date": "2026-05-01"}, "not_accessible",
     "entrance_no", True, "partial"),
    ({"survey_entrance_step_free": "yes", "survey_accessible_wc": "no", "survey_date": "2026-05-01"}, "partly",
     "partial_evidence", False, "partial"),
    ({"survey_entrance_step_free": "unknown", "survey_date": "2026-05-01"}, "unknown", "no_evidence", False,
     "unknown"),
    # the full checklist: complete only with Braille and parking confirmed too
    ({"pandus": 1, "dis_sanit": 1, "braille_mat": 1, "survey_accessible_parking": "yes", "survey_date": "2026-05-01"},
     "accessible", "all_key_yes", False, "complete"),
    ({"pandus": 1, "dis_sanit": 1, "braille_mat": 1, "survey_accessible_parking": "no", "survey_date": "2026-05-01"},
     "accessible", "all_key_yes", False, "partial"),
]


def _frame(rows):
    return pd.DataFrame([{"id": f"p{i}", **row} for i, row in enumerate(rows)])


def test_status_combination_table():
    result = assess_points(_frame([row for row, *_ in TABLE]))
    for (row, status, rule, disagree, checklist), (_, got) in zip(TABLE, result.iterrows()):
        assert (got["barrier_free_status"], got["barrier_free_rule"], got["sources_disagree"],
                got["barrier_free_checklist"]) == (status, rule, disagree, checklist), row
        labels = DISAGREE_LABELS if rule == DISAGREE_RULE else STATUS_LABELS[status]
        assert (got["barrier_free_label_uk"], got["barrier_free_label_en"]) == (labels["uk"], labels["en"]), row
        assert got["barrier_free_checklist_label_uk"] == CHECKLIST_LABELS[checklist]["uk"]
        assert got["barrier_free_checklist_label_en"] == CHECKLIST_LABELS[checklist]["en"]
    assert set(result["barrier_free_rule"]) == set(RULES)
    assert set(result["barrier_free_checklist"]) == set(CHECKLIST_STATUSES)


def test_disagreement_is_never_not_accessible_and_braille_never_demotes_wheelchair_access():
    """The issue's two registry rules, on hand-built rows: pandus=0 with disability=1 is a disagreement whatever
    the other flags; braille_mat=0 (or no parking) changes only the full checklist."""
    rows = [{"disability": 1, "pandus": 0, "dis_sanit": s, "braille_mat": b} for s in (0, 1, None)
            for b in (0, 1, None)]
    got = assess_points(_frame(rows))
    assert got["barrier_free_status"].eq("unknown").all()
    assert got["barrier_free_rule"].eq(DISAGREE_RULE).all() and got["sources_disagree"].all()
    assert disagree_mask(got).all()
    assert got["barrier_free_label_uk"].eq("невідомо: джерела суперечать — потрібне обстеження").all()
    assert got["barrier_free_label_en"].eq("unknown: sources disagree — survey needed").all()

    base = {"disability": 1, "pandus": 1, "dis_sanit": 1}
    for other in ({"braille_mat": 0}, {"braille_mat": 1}, {}, {"survey_accessible_parking": "no",
                                                                "survey_date": "2026-05-01"}):
        got = assess_points(_frame([{**base, **other}])).iloc[0]
        assert got["barrier_free_status"] == "accessible", other
        assert got["barrier_free_checklist"] != "complete", other
    demoted = assess_points(_frame([{**base, "braille_mat": 0}])).iloc[0]
    assert demoted["barrier_free_checklist"] == "partial"
    assert demoted["barrier_free_checklist_missing"] == "tactile_braille"
    assert WHEELCHAIR_ITEMS + OTHER_ITEMS == ITEM_IDS[:6] + ("accessible_parking", "tactile_braille")
    assert set(OTHER_ITEMS) == {"accessible_parking", "tactile_braille"}


def test_disagreeing_points_come_first_on_the_survey_form():
    points = _frame([{"disability": 1, "pandus": 1, "dis_sanit": 1}, {"disability": 1, "pandus": 0},
                     {"disability": 0, "pandus": 0}])
    form = survey_form(assess_points(points), lang="en")
    assert form.iloc[:, 0].tolist() == ["p1", "p2"]  # the accessible p0 is not listed; the disagreeing p1 first


def test_labels_items_and_evidence_text():
    assert STATUS_LABELS == {
        "accessible": {"uk": "доступний", "en": "accessible"},
        "partly": {"uk": "частково доступний", "en": "partly accessible"},
        "not_accessible": {"uk": "недоступний", "en": "not accessible"},
        "unknown": {"uk": "невідомо", "en": "unknown"},
    }
    assert ITEM_IDS == ("entrance_step_free", "ramp_slope", "ramp_landings", "handrails", "door_width",
                        "accessible_wc", "accessible_parking", "tactile_braille")
    assert KEY_ITEMS == ("entrance_step_free", "accessible_wc")
    table = checklist_table()
    assert table["id"].tolist() == list(ITEM_IDS)
    assert table[["label_uk", "label_en", "norm"]].ne("").all().all()
    assert table["norm"].str.contains("ДБН В.2.2-40:2018").all()

    row = {"id": "x", "wheelchair": "yes", "pandus": 0, "survey_ramp_slope": "no", "survey_date": "2026-05-01"}
    got = assess_points(_frame([row])).iloc[0]
    assert got["barrier_free_evidence"] == "osm:wheelchair=yes; registry:pandus=0; survey 2026-05-01: ramp_slope=no"
    assert got["sources_disagree"] and got["barrier_free_status"] == "unknown"
    assert got["barrier_free_rule"] == DISAGREE_RULE
    assert got["barrier_free_checklist_missing"] == "entrance_step_free; ramp_slope"
    assert got["survey_date"] == pd.Timestamp("2026-05-01")
    assert [got[f"bf_{i}"] for i in ITEM_IDS] == ["no", "no", "unknown", "unknown", "yes", "unknown", "unknown",
                                                  "unknown"]
    user = assess_points(_frame([{"source": "user", "wheelchair": "no", "width": "abc"}])).iloc[0]
    assert user["barrier_free_evidence"] == "user:wheelchair=no; user:width=abc (unreadable, ignored)"


def test_newest_survey_answer_wins_per_item():
    row = {"survey_entrance_step_free": "no", "survey_entrance_step_free_date": "2026-01-10",
           "survey_accessible_wc": "yes", "survey_accessible_wc_date": "2026-03-01", "survey_date": "2026-03-01"}
    got = assess_points(_frame([row])).iloc[0]
    assert got["barrier_free_status"] == "not_accessible"
    assert got["barrier_free_evidence"] == ("survey 2026-01-10: entrance_step_free=no; "
                                            "survey 2026-03-01: accessible_wc=yes")
    points = gpd.GeoDataFrame(_frame([{"pandus": 1}]), geometry=gpd.points_from_xy([25.0], [49.0]), crs=4326)
    survey = pd.DataFrame([
        {"point_id": "p0", "survey_date": pd.Timestamp("2026-02-01"), "entrance_step_free": "no",
         "accessible_wc": "yes"},
        {"point_id": "p0", "survey_date": pd.Timestamp("2026-04-01"), "entrance_step_free": "yes",
         "accessible_wc": "unknown"},
    ])
    applied = apply_survey(points, survey).iloc[0]
    assert applied["survey_entrance_step_free"] == "yes"
    assert applied["survey_entrance_step_free_date"] == pd.Timestamp("2026-04-01")
    assert applied["survey_accessible_wc"] == "yes"  # the newer survey did not answer: the older answer stays
    assert applied["survey_accessible_wc_date"] == pd.Timestamp("2026-02-01")
    assert applied["survey_date"] == pd.Timestamp("2026-04-01")
    assert applied["barrier_free_status"] == "accessible"
    # an older survey applied later does not overwrite newer answers
    again = apply_survey(apply_survey(points, survey.iloc[[1]]), survey.iloc[[0]]).iloc[0]
    assert again["survey_entrance_step_free"] == "yes" and again["survey_date"] == pd.Timestamp("2026-04-01")


@pytest.mark.parametrize(
    "text, metres",
    [("0.9", 0.9), ("0,85", 0.85), ("0.9 m", 0.9), ("90 cm", 0.9), ("900 mm", 0.9), ("80", 0.8), ("3'", 0.9144),
     ("2'10\"", 34 * 0.0254), ("wide", None), (None, None)],
)
def test_parse_width(text, metres):
    got = parse_width_m(text)
    assert got == (None if metres is None else pytest.approx(metres))


# ----------------------------------------------------------------------------------------------- survey + coverage
def _scenario():
    """Settlements on a meridian, three ЦНАП points: P1 unknown at A, P3 not accessible at C, P2 accessible at D."""
    lats = {"A": 49.00, "B": 49.05, "C": 49.20, "D": 49.40}
    settlements = gpd.GeoDataFrame(
        {"id": list(lats), "name": list(lats), "population": [1000.0, 2000.0, 500.0, 300.0],
         "hromada_katottg": "UA00000000000000001"},
        geometry=gpd.points_from_xy([25.0] * 4, list(lats.values())), crs="EPSG:4326",
    )
    points = gpd.GeoDataFrame(
        {"id": ["P1", "P2", "P3"], "name": ["ВРМ А", "ЦНАП", "ВРМ С"],
         "category": ["cnap_remote_workplace", "cnap_centre", "cnap_remote_workplace"],
         "disability": pd.array([pd.NA, 1, 0], dtype="Int64"), "pandus": pd.array([pd.NA, 1, 0], dtype="Int64"),
         "dis_sanit": pd.array([pd.NA, 1, 0], dtype="Int64"), "braille_mat": pd.array([pd.NA, 1, 0], dtype="Int64"),
         "hromada_katottg": "UA00000000000000001"},
        geometry=gpd.points_from_xy([25.0] * 3, [lats["A"], lats["D"], lats["C"]]), crs="EPSG:4326",
    )
    return settlements, points


def _covered(settlement_lat, point_lats):
    """Hand computation of the ЦНАП norm without a network: straight line x 1.3 <= 14 km and at 40 km/h <= 30 min."""
    for lat in point_lats:
        road_km = GEOD.inv(25.0, settlement_lat, 25.0, lat)[2] / 1000 * 1.3
        if road_km <= 14.0 and road_km / 40.0 * 60 <= 30.0:
            return True
    return False


def _fill_xlsx(path, answers: dict[str, dict[str, object]]):
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    column = {h.rsplit("[", 1)[1].rstrip("]"): i + 1 for i, h in enumerate(header)}
    for r in range(2, sheet.max_row + 1):
        point = sheet.cell(row=r, column=column["point_id"]).value
        for key, value in answers.get(point, {}).items():
            sheet.cell(row=r, column=column[key]).value = value
    workbook.save(path)


def test_survey_round_trip_changes_status_and_barrier_free_gap(tmp_path):
    settlements, points = _scenario()
    lat = dict(zip(settlements["id"], settlements.geometry.y))
    pop = dict(zip(settlements["id"], settlements["population"]))
    before = barrier_free_coverage(settlements, points)
    assessed = before.points.set_index("id")["barrier_free_status"].to_dict()
    assert assessed == {"P1": "unknown", "P2": "accessible", "P3": "not_accessible"}

    all_lats = [lat["A"], lat["D"], lat["C"]]
    expected_gap = sum(pop[s] for s in pop if _covered(lat[s], all_lats) and not _covered(lat[s], [lat["D"]]))
    assert expected_gap == 3500.0  # A, B (near P1) and C (at P3) have a point, but no accessible one
    h = before.hromadas.iloc[0]
    assert h["barrier_free_gap_population"] == expected_gap
    assert h["population_covered_accessible"] == 300.0 and h["barrier_free_share"] == pytest.approx(300 / 3800)
    assert h["population_covered_all"] == 3800.0
    assert (h["n_accessible"], h["n_partly"], h["n_not_accessible"], h["n_unknown"]) == (1, 0, 1, 1)
    # the upper bound counts the unknown point P1 as accessible, and is labelled as such
    assert h["population_covered_if_unknown_accessible"] == 3300.0
    assert any(UPPER_BOUND_LABEL_EN in note for note in before.notes)
    s = before.settlements.set_index("id")
    assert s["barrier_free_gap"].to_dict() == {"A": True, "B": True, "C": True, "D": False}
    assert s.loc["A", "travel_time_min_all"] == pytest.approx(0.0)
    expected_b = GEOD.inv(25.0, lat["B"], 25.0, lat["D"])[2] / 1000 * 1.3 / 40 * 60
    assert s.loc["B", "travel_time_min_accessible"] == pytest.approx(expected_b)

    # export the form: only P1 (unknown) and P3 (not accessible) need a visit
    paths = write_survey_form(assess_points(points), tmp_path / "survey.xlsx")
    assert [p.name for p in paths] == ["survey.xlsx", "survey.csv"]
    workbook = load_workbook(paths[0])
    assert workbook.sheetnames == ["Обстеження Survey", "Інструкція Instructions"]
    validations = workbook.worksheets[0].data_validations.dataValidation
    lists = [v for v in validations if v.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == '"так / yes,ні / no,невідомо / unknown"'
    assert len(str(lists[0].sqref).split()) == len(ITEM_IDS)
    assert any(v.type == "date" for v in validations)
    form = survey_form(assess_points(points))
    assert form.iloc[:, 0].tolist() == ["P1", "P3"]
    assert pd.read_csv(paths[1], encoding="utf-8-sig").columns.tolist() == form.columns.tolist()
    instructions = [c.value for row in workbook.worksheets[1].iter_rows() for c in row if c.value]
    assert all(item.label_uk in instructions and item.norm in instructions for item in CHECKLIST)

    # fill it in (UA and EN answers, 1/0, an Excel date) and read it back
    _fill_xlsx(paths[0], {"P1": {"entrance_step_free": "так / yes", "door_width": "yes", "accessible_wc": 1,
                                 "tactile_braille": "невідомо", "survey_date": dt.datetime(2026, 5, 1),
                                 "surveyor": "Оксана Коваль", "notes": "пандус новий"}})
    survey = read_survey(paths[0], today=TODAY)
    assert len(survey) == 1 and survey.attrs["warnings"]  # the empty P3 row is skipped, with a note
    row = survey.iloc[0]
    assert (row["point_id"], row["survey_date"], row["surveyor"]) == ("P1", pd.Timestamp("2026-05-01"), "Оксана Коваль")
    assert [row[i] for i in ITEM_IDS] == ["yes", "unknown", "unknown", "unknown", "yes", "yes", "unknown", "unknown"]
    updated = apply_survey(points, survey)
    p1 = updated.set_index("id").loc["P1"]
    assert p1["barrier_free_status"] == "accessible" and p1["barrier_free_rule"] == "all_key_yes"
    assert p1["survey_date"] == pd.Timestamp("2026-05-01") and p1["survey_notes"] == "пандус новий"
    assert p1["barrier_free_evidence"] == "survey 2026-05-01: entrance_step_free=yes, door_width=yes, accessible_wc=yes"

    after = barrier_free_coverage(settlements, updated)
    new_gap = sum(pop[s] for s in pop if _covered(lat[s], all_lats) and not _covered(lat[s], [lat["A"], lat["D"]]))
    assert after.hromadas.iloc[0]["barrier_free_gap_population"] == new_gap == 500.0
    gap = "barrier_free_gap_population"
    drop = before.hromadas.iloc[0][gap] - after.hromadas.iloc[0][gap]
    assert drop == pop["A"] + pop["B"] == 3000.0
    assert after.hromadas.iloc[0]["barrier_free_share"] == pytest.approx(3300 / 3800)
    assert (after.hromadas.iloc[0]["n_accessible"], after.hromadas.iloc[0]["n_unknown"]) == (2, 0)
    assert barrier_free_share_by_hromada(after) == {"UA00000000000000001": pytest.approx(3300 / 3800)}

    # the CSV form round-trips the same way (";"-separated as Ukrainian Excel saves it)
    csv = pd.read_csv(paths[1], encoding="utf-8-sig", dtype=str, keep_default_na=False)
    key = {c.rsplit("[", 1)[1].rstrip("]"): c for c in csv.columns}
    csv.loc[csv[key["point_id"]] == "P1", [key["entrance_step_free"], key["door_width"], key["accessible_wc"],
                                           key["survey_date"]]] = ["так", "1", "Yes", "01.05.2026"]
    csv.to_csv(tmp_path / "filled.csv", sep=";", index=False, encoding="utf-8-sig")
    from_csv = read_survey(tmp_path / "filled.csv", today=TODAY)
    pd.testing.assert_frame_equal(from_csv.drop(columns=["surveyor", "notes"]),
                                  survey.drop(columns=["surveyor", "notes"]), check_dtype=False)


def _bad_csv(tmp_path, name, rows, header=None):
    header = header or ["Point id [point_id]", "Survey date [survey_date]", "Step-free [entrance_step_free]",
                        "WC [accessible_wc]"]
    path = tmp_path / name
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    return path


def test_bad_survey_files_raise_clear_errors(tmp_path):
    with pytest.raises(DataError, match=r"row 3, column 'WC \[accessible_wc\]': 'maybe' is not an answer"):
        read_survey(_bad_csv(tmp_path, "a.csv", [["P1", "2026-05-01", "yes", "no"], ["P3", "2026-05-01", "yes",
                                                                                       "maybe"]]), today=TODAY)
    with pytest.raises(DataError, match=r"row 2, column 'Survey date \[survey_date\]': '31.02.2026' is not a date"):
        read_survey(_bad_csv(tmp_path, "b.csv", [["P1", "31.02.2026", "так", "ні"]]), today=TODAY)
    with pytest.raises(DataError, match=r"row 2.*is in the future"):
        read_survey(_bad_csv(tmp_path, "c.csv", [["P1", "2030-01-01", "так", "ні"]]), today=TODAY)
    with pytest.raises(DataError, match=r"row 2.*survey date is missing"):
        read_survey(_bad_csv(tmp_path, "d.csv", [["P1", "", "так", ""]]), today=TODAY)
    with pytest.raises(DataError, match=r"row 2: answers given but the point id"):
        read_survey(_bad_csv(tmp_path, "e.csv", [["", "2026-05-01", "так", ""]]), today=TODAY)
    with pytest.raises(DataError, match=r"unknown checklist item 'ramp_slope_ok'"):
        read_survey(_bad_csv(tmp_path, "f.csv", [["P1", "2026-05-01", "так"]],
                             header=["Point id [point_id]", "Date [survey_date]", "Slope [ramp_slope_ok]"]),
                    today=TODAY)
    with pytest.raises(DataError, match=r"no 'point_id' column"):
        read_survey(_bad_csv(tmp_path, "g.csv", [["P1", "2026-05-01", "так"]],
                             header=["Code", "Date [survey_date]", "[entrance_step_free]"]), today=TODAY)
    with pytest.raises(DataError, match=r"rows 2, 3: point P1 surveyed on 2026-05-01 with different answers"):
        read_survey(_bad_csv(tmp_path, "h.csv", [["P1", "2026-05-01", "так", ""], ["P1", "2026-05-01", "ні", ""]]),
                    today=TODAY)
    with pytest.raises(DataError, match="Survey file not found"):
        read_survey(tmp_path / "missing.xlsx")
    (tmp_path / "form.pdf").write_bytes(b"%PDF")
    with pytest.raises(DataError, match="Unsupported survey file type"):
        read_survey(tmp_path / "form.pdf")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(DataError, match="Cannot read the survey workbook broken.xlsx"):
        read_survey(tmp_path / "broken.xlsx")
    _, points = _scenario()
    survey = read_survey(_bad_csv(tmp_path, "i.csv", [["P1", "2026-05-01", "так", ""], ["P9", "2026-05-01", "ні", ""]]),
                         today=TODAY)
    with pytest.raises(DataError, match=r"row 3: P9"):
        apply_survey(points, survey)
    with pytest.raises(DataError, match="duplicated ids"):
        apply_survey(points.assign(id="P1"), survey.iloc[[0]])
    with pytest.raises(DataError, match=r"\.xlsx or \.csv"):
        write_survey_form(points, tmp_path / "form.ods")


# ----------------------------------------------------------------------------------------------- real data
def _registry_rule(flags: dict) -> tuple[str, bool]:
    """The documented wheelchair rules restricted to registry flags (independent re-statement for the test):
    braille_mat plays no part; disability contradicting pandus is an (unsettled) disagreement."""
    d, p, s = (flags.get(k) for k in ("disability", "pandus", "dis_sanit"))
    disagree = (d == 1 and p == 0) or (d == 0 and p == 1)
    if disagree:
        return "unknown", True
    if p == 0:
        return "not_accessible", False
    if p == 1 and s == 1:
        return "accessible", False
    if (p == 1 or d == 1) and s == 0:
        return "partly", False
    if p == 1 or s == 1 or d == 1:
        return "unknown", False
    if s == 0 or d == 0:
        return "not_accessible", False
    return "unknown", False


def test_demo_pack_statuses_equal_independent_count_of_registry_flags(data_root):
    from analysis.sources.packs import list_demo_packs, load_demo_pack

    packs = list_demo_packs(data_root)
    assert len(packs) == 3
    figures = {}
    for code in packs["code"]:
        raw = json.loads((data_root / "demo" / code / "service_points.geojson").read_text(encoding="utf-8"))
        expected = {}
        for feature in raw["features"]:
            props = feature["properties"]
            expected[f"registry:{props['registry_code']}"] = _registry_rule(props)
        assessed = assess_points(load_demo_pack(code, data_root).service_points).set_index("id")
        assert assessed["barrier_free_status"].to_dict() == {k: v[0] for k, v in expected.items()}
        assert assessed["sources_disagree"].to_dict() == {k: v[1] for k, v in expected.items()}
        counts = status_counts(assessed)
        independent = pd.Series([v[0] for v in expected.values()]).value_counts().reindex(list(STATUSES), fill_value=0)
        assert counts.tolist() == independent.tolist()
        figures[code] = counts.to_dict()
    # the three packs as shipped (registry vintage ≈2022–mid-2023): every point flagged disability=1 with pandus=0
    # is a disagreement (unknown), not "not accessible"
    assert figures["UA26080030000014307"] == {"accessible": 0, "partly": 0, "not_accessible": 0, "unknown": 8}
    assert figures["UA46040010000033885"] == {"accessible": 0, "partly": 2, "not_accessible": 0, "unknown": 9}
    assert figures["UA63060010000015783"] == {"accessible": 1, "partly": 2, "not_accessible": 0, "unknown": 4}


def test_demo_pack_barrier_free_coverage_is_consistent(data_root):
    from analysis.sources.packs import load_demo_pack

    bundle = load_demo_pack("UA63060010000015783", data_root)
    cov = barrier_free_coverage(bundle.settlements, bundle.service_points)
    h = cov.hromadas.iloc[0]
    s = cov.settlements
    pop = s["population"].fillna(0)
    assert h["population"] == pytest.approx(pop.sum())
    assert h["population_covered_all"] == pytest.approx(pop[s["within_norm_all"]].sum())
    assert h["barrier_free_gap_population"] == pytest.approx(
        h["population_covered_all"] - h["population_covered_accessible"])
    assert (s["travel_time_min_accessible"] >= s["travel_time_min_all"] - 1e-9).all()
    assert 0 < h["barrier_free_share"] < h["barrier_free_share_if_unknown_accessible"] <= h["share_covered_all"] <= 1
    assert h["population_covered_if_unknown_accessible"] == pytest.approx(
        pop[s["within_norm_if_unknown_accessible"]].sum())
    assert h["population_reach_unknown"] == pytest.approx(
        h["population_covered_if_unknown_accessible"] - h["population_covered_accessible"])
    assert (s["within_norm_accessible"] <= s["within_norm_if_unknown_accessible"]).all()
    assert (s["within_norm_if_unknown_accessible"] <= s["within_norm_all"]).all()
    assert h["n_points"] == len(bundle.service_points)
    assert (h["n_unknown"], h["n_disagree"]) == (4, 4)


TAGS = ("wheelchair", "toilets:wheelchair", "ramp", "ramp:wheelchair", "door:width", "entrance")


@pytest.fixture(scope="module")
def helsinki_tagged(helsinki_pbf):
    """Every node and way of the Helsinki extract with an accessibility tag, read with pyosmium here."""
    rows = []
    for obj in osmium.FileProcessor(str(helsinki_pbf), osmium.osm.NODE | osmium.osm.WAY):
        if any(k in obj.tags for k in TAGS[:5]):
            rows.append({"id": f"{'n' if obj.is_node() else 'w'}{obj.id}", **{k: obj.tags.get(k) for k in TAGS}})
    return pd.DataFrame(rows)


def test_helsinki_statuses_equal_independent_tag_counts(helsinki_tagged):
    tags = helsinki_tagged
    assert len(tags) > 400
    wc, toilets = tags["wheelchair"], tags["toilets:wheelchair"]
    assert tags[["ramp", "ramp:wheelchair", "door:width"]].isna().all().all()  # what the extract holds
    expected = {
        "accessible": int((wc.isin(["yes", "designated"]) & ~toilets.isin(["no", "limited"])).sum()),
        "partly": int(((wc.isin(["yes", "designated"]) & toilets.isin(["no", "limited"])) | (wc == "limited")).sum()),
        "not_accessible": int(((wc == "no") | (wc.isna() & toilets.isin(["no", "limited"]))).sum()),
        # an accessible WC alone says nothing about getting in: unknown (formerly "partly")
        "unknown": int((wc.isna() & toilets.isin(["yes", "designated"])).sum()),
    }
    assert sum(expected.values()) == len(tags)
    result = assess_points(tags)
    assert status_counts(result).to_dict() == expected
    assert expected == {"accessible": 305, "partly": 93, "not_accessible": 79, "unknown": 0}
    assert not disagree_mask(result).any()  # OSM alone never contradicts itself about getting in here
    plain = tags[tags[["toilets:wheelchair", "entrance"]].isna().all(axis=1)]
    plain_counts = status_counts(result.loc[plain.index])
    assert plain_counts["accessible"] == (plain["wheelchair"] == "yes").sum()
    assert plain_counts["partly"] == (plain["wheelchair"] == "limited").sum()
    assert plain_counts["not_accessible"] == (plain["wheelchair"] == "no").sum()


def test_helsinki_imported_pois_and_fixture_poi(helsinki_pbf):
    pois = read_osm(helsinki_pbf).pois
    assessed = assess_points(pois)
    wc = pois["wheelchair"]
    assert status_counts(assessed)["accessible"] == int((wc == "yes").sum()) == 3
    untagged = pois[["wheelchair", "toilets:wheelchair", "ramp", "ramp:wheelchair", "door:width", "width"]].isna()
    assert status_counts(assessed)["unknown"] == int(untagged.all(axis=1).sum()) == len(pois) - 3

    from conftest import FIXTURES

    poi = assess_points(read_osm(FIXTURES / "wheelchair_steps.osm").pois).iloc[0]
    assert poi["category"] == "cnap_centre"
    assert poi["barrier_free_status"] == "partly" and poi["sources_disagree"]
    assert poi["barrier_free_evidence"] == ("osm:wheelchair=yes; osm:toilets:wheelchair=no; osm:door:width=80 cm; "
                                            "osm:entrance=main")
    assert (poi["bf_door_width"], poi["bf_accessible_wc"], poi["bf_entrance_step_free"]) == ("no", "no", "yes")


# ----------------------------------------------------------------------------------------------- lower / upper bounds
#: Settlement -> latitude (all on the meridian 25° E, 0.3° ≈ 33 km apart: each point reaches only its own settlement,
#: A2 is 5.6 km from A) and population.
BOUNDS_SETTLEMENTS = {"A": (48.00, 1000.0), "A2": (48.05, 50.0), "U": (48.30, 200.0), "D": (48.60, 400.0),
                      "P": (48.90, 800.0), "N": (49.20, 1600.0), "FAR": (49.50, 3200.0)}
#: Point -> (settlement it stands at, registry flags, the wheelchair status and rule the documented rules give).
BOUNDS_POINTS = {
    "PA": ("A", {"disability": 1, "pandus": 1, "dis_sanit": 1, "braille_mat": 0}, "accessible", "all_key_yes"),
    "PU": ("U", {}, "unknown", "no_evidence"),
    "PD": ("D", {"disability": 1, "pandus": 0, "dis_sanit": 1, "braille_mat": 1}, "unknown", "sources_disagree"),
    "PP": ("P", {"disability": 1, "pandus": 1, "dis_sanit": 0, "braille_mat": 1}, "partly", "partial_evidence"),
    "PN": ("N", {"disability": 0, "pandus": 0, "dis_sanit": 0, "braille_mat": 0}, "not_accessible", "entrance_no"),
}


def _bounds_fixture(points=BOUNDS_POINTS):
    settlements = gpd.GeoDataFrame(
        {"id": list(BOUNDS_SETTLEMENTS), "name": list(BOUNDS_SETTLEMENTS),
         "population": [pop for _, pop in BOUNDS_SETTLEMENTS.values()], "hromada_katottg": "UA00000000000000002"},
        geometry=gpd.points_from_xy([25.0] * len(BOUNDS_SETTLEMENTS), [lat for lat, _ in BOUNDS_SETTLEMENTS.values()]),
        crs="EPSG:4326")
    frame = pd.DataFrame([{"id": pid, "name": pid, "category": "cnap_centre", "hromada_katottg": "UA00000000000000002",
                           **{k: v for k, v in flags.items()}} for pid, (_, flags, *_) in points.items()])
    for flag in ("disability", "pandus", "dis_sanit", "braille_mat"):
        frame[flag] = pd.array(frame[flag] if flag in frame else [pd.NA] * len(frame), dtype="Int64")
    lats = [BOUNDS_SETTLEMENTS[at][0] for at, *_ in points.values()]
    return settlements, gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy([25.0] * len(frame), lats), crs=4326)


def _within_norm_or(settlement_lat: float, point_lats) -> bool:
    """The ЦНАП norm by hand without a network: straight line x 1.3 at 40 km/h, ≤ 14 km OR ≤ 30 min."""
    for lat in point_lats:
        road_km = GEOD.inv(25.0, settlement_lat, 25.0, lat)[2] / 1000 * 1.3
        if road_km <= 14.0 or road_km / 40.0 * 60 <= 30.0:
            return True
    return False


def test_coverage_bounds_equal_an_independent_computation():
    settlements, points = _bounds_fixture()
    result = barrier_free_coverage(settlements, points)
    assessed = result.points.set_index("id")
    assert assessed["barrier_free_status"].to_dict() == {p: v[2] for p, v in BOUNDS_POINTS.items()}
    assert assessed["barrier_free_rule"].to_dict() == {p: v[3] for p, v in BOUNDS_POINTS.items()}

    def lats(statuses_or_rules):
        return [BOUNDS_SETTLEMENTS[at][0] for at, _, status, rule in BOUNDS_POINTS.values()
                if status in statuses_or_rules or rule in statuses_or_rules]

    all_lats = lats({"accessible", "unknown", "partly", "not_accessible"})
    lower_lats = lats({"accessible"})
    upper_lats = lats({"accessible", "no_evidence", "sources_disagree"})  # unknown + disagreeing
    expected_reach, lower, upper, everyone, gap_upper = {}, 0.0, 0.0, 0.0, 0.0
    for name, (lat, pop) in BOUNDS_SETTLEMENTS.items():
        in_all, in_lower, in_upper = (_within_norm_or(lat, x) for x in (all_lats, lower_lats, upper_lats))
        expected_reach[name] = ("accessible" if in_lower else "unknown" if in_upper else "known_barrier" if in_all
                                else "no_point")
        lower += pop * in_lower
        upper += pop * in_upper
        everyone += pop * in_all
        gap_upper += pop * (in_all and not in_upper)
    assert expected_reach == {"A": "accessible", "A2": "accessible", "U": "unknown", "D": "unknown",
                              "P": "known_barrier", "N": "known_barrier", "FAR": "no_point"}
    assert (lower, upper, everyone, gap_upper) == (1050.0, 1650.0, 4050.0, 2400.0)

    s = result.settlements.set_index("id")
    assert s["barrier_free_reach"].to_dict() == expected_reach
    assert set(s["barrier_free_reach"]) == set(REACH_CLASSES)
    h = result.hromadas.iloc[0]
    total = sum(pop for _, pop in BOUNDS_SETTLEMENTS.values())
    assert h["population_covered_accessible"] == lower and h["barrier_free_share"] == pytest.approx(lower / total)
    assert h["population_covered_if_unknown_accessible"] == upper
    assert h["barrier_free_share_if_unknown_accessible"] == pytest.approx(upper / total)
    assert h["population_covered_all"] == everyone
    assert h["population_reach_unknown"] == upper - lower and h["n_settlements_reach_unknown"] == 2
    assert h["barrier_free_gap_population"] == everyone - lower
    assert h["barrier_free_gap_population_if_unknown_accessible"] == gap_upper
    assert (h["n_points"], h["n_accessible"], h["n_partly"], h["n_not_accessible"], h["n_unknown"],
            h["n_disagree"]) == (5, 1, 1, 1, 2, 1)
    assert (h["n_checklist_complete"], h["n_checklist_partial"], h["n_checklist_not_met"],
            h["n_checklist_unknown"]) == (0, 3, 1, 1)
    assert barrier_free_share_by_hromada(result, "upper") == {"UA00000000000000002": pytest.approx(upper / total)}
    assert barrier_free_share_by_hromada(result) == {"UA00000000000000002": pytest.approx(lower / total)}
    with pytest.raises(DataError, match="bound must be"):
        barrier_free_share_by_hromada(result, "middle")
    assert any(UPPER_BOUND_LABEL_UK[1:] in note for note in result.notes_in("uk"))
    assert not any("_" in note for note in result.notes_in("uk"))  # no column names in the Ukrainian notes
    assert len(result.notes_in("uk")) == len(result.notes_in("en"))

    uk, en = reach_sentence(h, "uk"), reach_sentence(h, "en")
    assert uk == ("Безбар'єрну точку в межах норми мають від 1\u202f050 до 1\u202f650 мешканців (14,5 % – 22,8 %): "
                  "для 2 точок статус невідомий (з них для 1 джерела суперечать) — потрібне обстеження.")
    assert en == ("Between 1\u202f050 and 1\u202f650 residents (14.5 % – 22.8 %) have a barrier-free point within the "
                  "norm: status unknown for 2 points (1 of them: sources disagree) — survey needed.")


def test_all_points_unknown_give_lower_bound_zero_and_upper_bound_everyone_reached():
    settlements, points = _bounds_fixture({
        "PA": ("A", {}, "unknown", "no_evidence"), "PU": ("U", {}, "unknown", "no_evidence"),
        "PD": ("D", {"disability": 1, "pandus": 0}, "unknown", "sources_disagree"),
        "PP": ("P", {}, "unknown", "no_evidence"), "PN": ("N", {}, "unknown", "no_evidence"),
        "PF": ("FAR", {}, "unknown", "no_evidence"),
    })
    result = barrier_free_coverage(settlements, points)
    h = result.hromadas.iloc[0]
    total = sum(pop for _, pop in BOUNDS_SETTLEMENTS.values())
    assert h["population_covered_all"] == total  # every settlement has a point within the norm
    assert h["population_covered_accessible"] == 0.0 and h["barrier_free_share"] == 0.0
    assert h["population_covered_if_unknown_accessible"] == total
    assert h["barrier_free_share_if_unknown_accessible"] == 1.0
    assert h["barrier_free_gap_population_if_unknown_accessible"] == 0.0
    assert set(result.settlements["barrier_free_reach"]) == {"unknown"}
    uk, en = reach_sentence(h, "uk"), reach_sentence(h, "en")
    assert uk.startswith(f"Безбар'єрну точку в межах норми мають від 0 до {total:,.0f}".replace(",", "\u202f"))
    assert "для 6 точок статус невідомий (з них для 1 джерела суперечать) — потрібне обстеження" in uk
    assert en.startswith("Between 0 and ") and "survey needed" in en
    for text in (uk, en):  # never "outside the norm" when the points are unknown
        assert "поза нормою" not in text and "outside" not in text and "Жодна" not in text and "No point" not in text


def test_reach_sentence_says_no_point_only_when_every_point_is_known():
    settlements, points = _bounds_fixture({k: v for k, v in BOUNDS_POINTS.items() if k in ("PP", "PN")})
    h = barrier_free_coverage(settlements, points).hromadas.iloc[0]
    assert (h["population_covered_accessible"], h["population_covered_if_unknown_accessible"]) == (0.0, 0.0)
    assert reach_sentence(h, "uk").startswith("Жодна точка в межах норми не доступна для людей на кріслі колісному")
    assert reach_sentence(h, "en").startswith("No point within the norm is wheelchair-accessible")
    settlements, points = _bounds_fixture({k: v for k, v in BOUNDS_POINTS.items() if k in ("PA",)})
    h = barrier_free_coverage(settlements, points).hromadas.iloc[0]
    assert reach_sentence(h, "en") == "1\u202f050 residents (14.5 %) have a barrier-free point within the norm."


def test_ranking_carries_both_bounds(data_root):
    from analysis.reporting.batch import analyse_many
    from analysis.reporting.compare import ranking_headers
    from analysis.sources.packs import load_demo_pack

    code = "UA63060010000015783"
    batch = analyse_many([code], root=data_root, scheduler="serial")
    bundle = load_demo_pack(code, data_root)
    h = barrier_free_coverage(bundle.settlements, bundle.service_points).hromadas.iloc[0]
    row = batch.ranking.set_index("code").loc[code]
    assert row["barrier_free_share"] == pytest.approx(h["barrier_free_share"])
    assert row["barrier_free_share_upper"] == pytest.approx(h["barrier_free_share_if_unknown_accessible"])
    assert batch.barrier_free_upper == {code: pytest.approx(1.0)}
    assert batch.barrier_free[code] < batch.barrier_free_upper[code]
    uk = ranking_headers(["barrier_free_share", "barrier_free_share_upper"], "uk")
    assert "нижня межа" in uk[0] and "верхня межа" in uk[1]
    from analysis.reporting.compare import rank_hromadas

    with pytest.raises(DataError, match="below the lower bound"):
        rank_hromadas(batch.reports.values(), barrier_free={code: 0.9}, barrier_free_upper={code: 0.5})
    assert rank_hromadas(batch.reports.values())["barrier_free_share_upper"].isna().all()


# ----------------------------------------------------------------------------------------------- the real registry
def test_registry_status_counts_before_and_after_the_new_rule(data_root, capsys):
    """The 3,432 rows of the Mintsyfra registry: wheelchair and full-checklist statuses under the rule, against a
    count done here with pandas on the raw CSV columns, beside the previous rule (issue 12)."""
    from analysis.sources.registry import load_registry

    raw = pd.read_csv(data_root / "admin" / "cnap" / "cnap_registry_mintsyfra_kse.csv")
    flags = raw[["disability", "pandus", "dis_sanit", "braille_mat"]]
    assert len(raw) == 3432
    present = flags.notna()
    assert (present.all(axis=1) | ~present.any(axis=1)).all()  # the four flags are all given or all empty
    d, p, s, b = (flags[c] for c in flags.columns)
    empty = ~present.any(axis=1)
    disagree = ((d == 1) & (p == 0)) | ((d == 0) & (p == 1))
    # the figures: 516 flagged adapted with no ramp, 136 of them with an accessible WC; braille_mat=0
    # demoted 494 ramp + WC rows to "partly"; 215 could ever count as accessible
    assert (((d == 1) & (p == 0)).sum(), ((d == 1) & (p == 0) & (s == 1)).sum()) == (516, 136)
    assert ((p == 1) & (s == 1) & (b == 0)).sum() == 494
    before = {"accessible": int(((p == 1) & (s == 1) & (b == 1)).sum()), "not_accessible": int((p == 0).sum()),
              "unknown": int(empty.sum())}
    before["partly"] = len(raw) - sum(before.values())
    assert before == {"accessible": 215, "not_accessible": 862, "unknown": 943, "partly": 1412}
    after = {
        "accessible": int((~disagree & (p == 1) & (s == 1)).sum()),
        "partly": int((~disagree & (p == 1) & (s == 0)).sum()),
        "not_accessible": int((~disagree & (p == 0)).sum()),
        "unknown": int((empty | disagree).sum()),
    }
    checklist = {  # no registry column records accessible parking (free_parking is parking for everyone)
        "complete": 0,
        "unknown": int((empty | (~disagree & (p == 1) & (s == 1) & (b == 1)) | (disagree & ~(flags == 0).any(axis=1))
                        ).sum()),
        "not_met": int((flags == 0).all(axis=1).sum()),
    }
    checklist["partial"] = len(raw) - sum(checklist.values())
    assert sum(after.values()) == len(raw)

    assessed = assess_points(load_registry(root=data_root)[["code", "disability", "pandus", "dis_sanit",
                                                            "braille_mat"]])
    assert status_counts(assessed).to_dict() == after
    assert int(disagree_mask(assessed).sum()) == int(disagree.sum()) == 518
    assert checklist_counts(assessed).to_dict() == checklist
    assert after == {"accessible": 709, "partly": 916, "not_accessible": 346, "unknown": 1461}
    assert checklist == {"complete": 0, "unknown": 1158, "not_met": 345, "partial": 1929}
    with capsys.disabled():
        print(f"\nregistry ЦНАПs: {len(raw)}")
        print(f"  before (one rule, Braille counted): {before}")
        print(f"  after, wheelchair access: {after} (unknown = {int(empty.sum())} no data + "
              f"{int(disagree.sum())} sources disagree)")
        print(f"  after, full checklist: {checklist}")
