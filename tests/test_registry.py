"""Tests of analysis.registry: loading the Mintsyfra ЦНАП registry and geocoding it to settlements.

The key test re-geocodes the registry for the three demo packs and compares the result with the packs'
``service_points.geojson`` (produced independently by a similar procedure), read here with the json module.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point

from analysis.errors import DataError
from analysis.sources.admin import hromada_settlements_codifier, settlement_former_names
from analysis.sources.packs import load_demo_pack
from analysis.sources.registry import geocode_registry, load_registry, select_hromada_rows
from analysis.sources.registry_match import adjective_stems, name_forms

DATA_ROOT = Path(
    os.environ.get("HROMADA_ACCESS_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)
needs_data = pytest.mark.usefixtures("data_root")  # fails loudly when the data root is missing
BRODY, HORODENKA, ZACHEPYLIVKA = "UA46040010000033885", "UA26080030000014307", "UA63060010000015783"


@pytest.fixture(scope="module")
def reg() -> pd.DataFrame:
    return load_registry(root=DATA_ROOT)


def pack_points(code: str) -> dict[int, dict]:
    features = json.loads((DATA_ROOT / "demo" / code / "service_points.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["registry_code"]: f["properties"] for f in features["features"]}


def toy_settlements(names: list[str], categories: list[str] | None = None, centre: int = 0) -> gpd.GeoDataFrame:
    n = len(names)
    return gpd.GeoDataFrame(
        {
            "name": names,
            "katottg": [f"UA9900001{i:03d}0000000" for i in range(n)],
            "category": categories or ["village"] * n,
            "is_hromada_centre": [i == centre for i in range(n)],
        },
        geometry=[Point(25 + i / 100, 50) for i in range(n)],
        crs=4326,
    )


def toy_registry(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"code": range(1, len(rows) + 1), "name": [r[0] for r in rows], "address": [r[1] for r in rows]}
    )


# ---------------------------------------------------------------------------------------------------------------
# load_registry
# ---------------------------------------------------------------------------------------------------------------
@needs_data
def test_load_registry_types_and_documented_counts(reg):
    assert len(reg) == 3432 and reg["code"].is_unique
    assert str(reg["code"].dtype) == "Int64" and str(reg["workers_total"].dtype) == "Int64"
    assert (reg["state"] == "Діючий").all()
    # counts from admin/SOURCES.md (1 / 0 / empty)
    expected = {"pandus": (1627, 862, 943), "disability": (2141, 348, 943), "dis_sanit": (845, 1644, 943),
                "braille_mat": (327, 2162, 943)}
    for flag, (ones, zeros, empty) in expected.items():
        assert str(reg[flag].dtype) == "Int64"
        assert (int((reg[flag] == 1).sum()), int((reg[flag] == 0).sum()), int(reg[flag].isna().sum())) == (
            ones, zeros, empty)
    assert int(reg["name"].str.contains("Віддален", na=False).sum()) >= 1500


def test_load_registry_user_xlsx_with_two_header_rows(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Код", "Назва", "Адреса", "Пандус"])
    sheet.append(["code", "name", "address", "pandus"])
    sheet.append([5, "ЦНАП Бродівської міської ради", "І.Франка, 41, Львівська область", 1])
    sheet.append([6, "ВРМ в с.Пониква", "Центральна, 13, Львівська область", None])
    path = tmp_path / "registry.xlsx"
    workbook.save(path)
    table = load_registry(path)
    assert table["code"].tolist() == [5, 6]
    assert table["pandus"].tolist()[0] == 1 and pd.isna(table["pandus"].iloc[1])


def test_load_registry_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_registry(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,title\n1,x\n", encoding="utf-8")
    with pytest.raises(DataError, match="Found columns: id, title"):
        load_registry(bad)
    dup = tmp_path / "dup.csv"
    dup.write_text("code,name,address\n1,a,b\n1,c,d\n", encoding="utf-8")
    with pytest.raises(DataError, match="duplicated"):
        load_registry(dup)


# ---------------------------------------------------------------------------------------------------------------
# Key test: the demo packs' service points are reproduced
# ---------------------------------------------------------------------------------------------------------------
@needs_data
@pytest.mark.parametrize("code, n_rows", [(BRODY, 11), (HORODENKA, 8), (ZACHEPYLIVKA, 7)])
@pytest.mark.parametrize("with_former_names", [False, True])
def test_geocoder_reproduces_demo_pack_service_points(reg, code, n_rows, with_former_names):
    bundle = load_demo_pack(code, root=DATA_ROOT)
    aliases = settlement_former_names(code, DATA_ROOT) if with_former_names else None
    points, unplaced = geocode_registry(
        reg, bundle.settlements, code, bundle.name_uk, bundle.boundary["oblast"].iloc[0], aliases=aliases
    )
    expected = pack_points(code)
    assert unplaced.empty
    assert len(points) == n_rows == len(expected)
    assert set(points["registry_code"].astype(int)) == set(expected)
    got = dict(zip(points["registry_code"].astype(int), points["settlement_katottg"]))
    assert got == {c: p["settlement_katottg"] for c, p in expected.items()}
    methods = dict(zip(points["registry_code"].astype(int), points["geocode_method"]))
    assert methods == {c: p["geocode_method"] for c, p in expected.items()}
    # Known, intended difference: the pack labels every point "settlement"; the product labels a main centre
    # that was *assumed* to be in the hromada centre (no settlement named) "hromada_centre".
    precision = dict(zip(points["registry_code"].astype(int), points["location_precision"]))
    differ = {c for c in expected if precision[c] != expected[c]["location_precision"]}
    assert differ == {c for c, p in expected.items() if p["geocode_method"] == "assumed_hromada_centre"}
    assert all(precision[c] == "hromada_centre" for c in differ)
    # standard table, geometry = the settlement's point, flags carried
    assert points["id"].is_unique and (points["source"] == "registry").all() and (points["group"] == "cnap").all()
    settlement_points = bundle.settlements.set_index("katottg").geometry
    for row in points.itertuples():
        assert row.geometry.equals(settlement_points[row.settlement_katottg])
        assert row.pandus == expected[int(row.registry_code)]["pandus"]
        assert row.address == expected[int(row.registry_code)]["address"]


@needs_data
def test_brody_selection_skips_street_names_and_other_oblasts(reg):
    mask = select_hromada_rows(reg, "Бродівська міська громада", "Львівська")
    codes = set(reg.loc[mask, "code"].astype(int))
    assert 940 in codes and 2985 in codes
    # "Бродівська, 1" / "Бродівська, 6" are streets in other hromadas' addresses
    assert not {3007, 3982} & codes
    assert not select_hromada_rows(reg, "Бродівська міська громада", "Волинська").any()
    assert select_hromada_rows(reg, "Бродівська", "Львівська область").sum() == 11


@needs_data
def test_renamed_settlements_need_former_names(reg):
    code = "UA12060190000043514"  # Лозуватська: registry "с. Чкаловка" = today's Карачунівка
    settlements = hromada_settlements_codifier(code, DATA_ROOT)
    table = gpd.GeoDataFrame(
        {"name": settlements["name"], "katottg": settlements["settlement_code"],
         "category": settlements["category_en"], "is_hromada_centre": False},
        geometry=[Point(34, 48)] * len(settlements), crs=4326,
    )
    _, unplaced = geocode_registry(reg, table, code, "Лозуватська сільська громада", "Дніпропетровська")
    assert 4161 in set(unplaced["registry_code"])
    aliases = settlement_former_names(code, DATA_ROOT)
    points, _ = geocode_registry(reg, table, code, "Лозуватська сільська громада", "Дніпропетровська",
                                          aliases=aliases)
    row = points[points["registry_code"] == 4161].iloc[0]
    assert row["settlement_name"] == "Карачунівка" and row["geocode_method"] == "address_settlement_former_name"


# ---------------------------------------------------------------------------------------------------------------
# Matching rules on small synthetic cases
# ---------------------------------------------------------------------------------------------------------------
HROMADA = "UA99000010000000000"


def geocode(rows, names, categories=None, centre=0, oblast=None):
    return geocode_registry(toy_registry(rows), toy_settlements(names, categories, centre), HROMADA,
                                     "Тестова сільська громада", oblast)


def test_case_endings_and_apostrophes():
    points, unplaced = geocode(
        [
            ("Віддалене робоче місце ЦНАП Тестової сільської ради у с. Літовищі", "Шкільна, 1, Львівська область"),
            ("ВРМ Тестової сільської ради в селі Комарівці", "Центральна, 2"),
            ("ВРМ Тестової сільської ради", "Миру, 3, с. Леб`яже, Тестова територіальна громада, Харківська область"),
            ("ВРМ Тестової сільської ради у с. Малому Орчику", "Миру, 4"),
            ("ВРМ Тестової сільської ради в с. Бродах", "Миру, 5"),
        ],
        ["Центр", "Літовище", "Комарівка", "Леб’яже", "Малий Орчик", "Броди"],
    )
    assert unplaced.empty
    assert list(points["settlement_name"]) == ["Літовище", "Комарівка", "Леб’яже", "Малий Орчик", "Броди"]
    assert list(points["geocode_method"]) == ["name_settlement_exact", "name_settlement_exact",
                                              "address_settlement_exact", "name_settlement_exact",
                                              "name_settlement_exact"]
    assert points["geocode_matched_text"].iloc[0] == "Літовищі"


def test_fuzzy_match_is_marked():
    points, _ = geocode([("ВРМ Тестової сільської ради", "Миру, 1, с. Воскресинці, Тестова територіальна громада")],
                        ["Центр", "Воскресінці"])
    assert points["geocode_method"].iloc[0] == "address_settlement_fuzzy"
    assert points["settlement_name"].iloc[0] == "Воскресінці"


@pytest.mark.parametrize(
    "okrug, settlement",
    [
        ("Бердянському старостинському округу", "Бердянка"),
        ("Леб`язькому старостинському округу", "Леб’яже"),
        ("Малоорчицькому старостинському округу", "Малий Орчик"),
        ("Новомажарівському старостинському округу", "Нове Мажарове"),
        ("Шипинецький старостинський округ", "Шипинці"),
        ("Дружбівському старостинському окрузі", "Дружба"),
        ("Холмському старостинському окрузі", "Холмське"),
        ("Витачівського сільського старостинського округу", "Витачів"),
    ],
)
def test_starosta_district_adjective(okrug, settlement):
    names = ["Центр", "Бердянка", "Леб’яже", "Малий Орчик", "Нове Мажарове", "Шипинці", "Дружба", "Холмське",
             "Витачів", "Орчик"]
    points, unplaced = geocode([(f"ВРМ ЦНАП Тестової сільської ради в {okrug}", "Центральна, 1")], names)
    assert unplaced.empty
    assert points["settlement_name"].iloc[0] == settlement
    assert points["geocode_method"].iloc[0] == "name_starosta_okrug"


def test_settlement_type_word_disambiguates_namesakes():
    names = ["Липовець", "Липовець", "Іванівка"]
    categories = ["city", "village", "selyshche"]
    points, unplaced = geocode(
        [
            ("ЦНАП Тестової сільської ради", "Миру, 1, м. Липовець, Тестова територіальна громада"),
            ("ВРМ Тестової сільської ради", "Миру, 2, с. Липовець, Тестова територіальна громада"),
            ("ВРМ Тестової сільської ради", "Миру, 3, с. Іванівка, Тестова територіальна громада"),
        ],
        names, categories,
    )
    assert list(points["settlement_katottg"]) == [
        "UA99000010000000000", "UA99000010010000000", "UA99000010020000000"]
    # "смт Липовець" but the only Липовець here is a village: not placed, and the reason says why
    none, unplaced = geocode([("ЦНАП Тестової сільської ради", "Миру, 1, смт Липовець, Тестова територіальна громада")],
                             ["Центр", "Липовець"], ["city", "village"])
    assert none.empty
    assert "type conflict" in unplaced["reason"].iloc[0]


def test_main_centre_without_settlement_goes_to_hromada_centre_and_vrm_does_not():
    points, unplaced = geocode(
        [("Центр надання адміністративних послуг Тестової сільської ради", "І.Франка, 41, Львівська область"),
         ("Віддалене робоче місце ЦНАП Тестової сільської ради", "Центральна, 30, Львівська область")],
        ["Село", "Центр"], ["village", "village"], centre=1,
    )
    assert list(points["geocode_method"]) == ["assumed_hromada_centre"]
    assert points["location_precision"].iloc[0] == "hromada_centre" and points["settlement_name"].iloc[0] == "Центр"
    assert unplaced["registry_code"].tolist() == [2] and "name no settlement" in unplaced["reason"].iloc[0]


def test_unknown_settlement_and_other_hromada_and_oblast():
    points, unplaced = geocode(
        [
            ("ВРМ Тестової сільської ради в с. Невідоме", "Центральна, 1, Харківська область"),
            ("ВРМ Тестової сільської ради", "Миру, 1, с. Село, Іншанська територіальна громада, Харківська область"),
            ("ВРМ Тестової сільської ради в с. Село", "Миру, 1, Львівська область"),
            ("ВРМ Тестової міської ради в с. Село", "Миру, 1, Харківська область"),
        ],
        ["Центр", "Село"], oblast="Харківська",
    )
    assert points.empty  # row 2 names another hromada, row 3 another oblast, row 4 a міська council
    assert unplaced["registry_code"].tolist() == [1]
    assert "Невідоме" in unplaced["reason"].iloc[0]


def test_council_type_mismatch_is_explained():
    _, unplaced = geocode([("ВРМ Тестової міської ради", "Миру, 1, с. Далеке, Тестова територіальна громада")],
                          ["Центр", "Село"])
    assert "another hromada of the same name" in unplaced["reason"].iloc[0]


def test_town_named_instead_of_council():
    points, _ = geocode_registry(
        toy_registry([("Віддалене робоче місце управління \"ЦНАП у м. Шостка\", с. Ображіївка",
                       "пров. Центральний, 6")]),
        toy_settlements(["Шостка", "Ображіївка"], ["city", "village"]), HROMADA, "Шосткинська міська громада",
    )
    assert points["settlement_name"].tolist() == ["Ображіївка"]


def test_word_forms_and_adjective_stems():
    assert {"літовищі", "комарівці"} <= name_forms("Літовище") | name_forms("Комарівка")
    assert "малому орчику" in name_forms("Малий Орчик")
    assert "шнирові" in name_forms("Шнирів")
    assert "бердян" in adjective_stems("Бердянка")
    assert "новомажарів" in adjective_stems("Нове Мажарове")
