"""Tests of analysis.datasets against the real reference data in ../shared/data (read-only)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import geopandas as gpd
import pytest
import shapely.geometry

from analysis.errors import DataError
from analysis.sources.admin import (
    BOUNDARIES_FULL,
    BOUNDARIES_SIMPLIFIED,
    DATA_ENV_VAR,
    HROMADAS_WITHOUT_BOUNDARY,
    data_root,
    find_hromada,
    hromada_attributes,
    hromada_boundary,
    hromada_index,
    hromada_settlements_codifier,
    settlement_former_names,
)
from analysis.sources.packs import list_demo_packs, load_demo_pack

DATA_ROOT = Path(
    os.environ.get("HROMADA_ACCESS_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)
pytestmark = pytest.mark.usefixtures("data_root")  # fails loudly when the data root is missing

BRODY, HORODENKA, ZACHEPYLIVKA = "UA46040010000033885", "UA26080030000014307", "UA63060010000015783"
PACKS = {BRODY: (51, 11, 39049), HORODENKA: (40, 8, 43620), ZACHEPYLIVKA: (38, 7, 13999)}


def _features(code: str, name: str) -> list[dict]:
    """Independent read of a pack file with the json module."""
    return json.loads((DATA_ROOT / "demo" / code / name).read_text(encoding="utf-8"))["features"]


# ---------------------------------------------------------------------------------------------------------------
# data_root
# ---------------------------------------------------------------------------------------------------------------
def test_data_root_explicit_env_and_default(monkeypatch, tmp_path):
    assert data_root(DATA_ROOT) == DATA_ROOT.resolve()
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    assert data_root() == tmp_path.resolve()
    monkeypatch.delenv(DATA_ENV_VAR)
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if default.is_dir():
        assert data_root() == default.resolve()


def test_data_root_missing_is_a_clear_error(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(DataError, match="not found") as err:
        data_root(missing)
    assert str(missing) in str(err.value)
    monkeypatch.setenv(DATA_ENV_VAR, str(missing))
    with pytest.raises(DataError, match=DATA_ENV_VAR):
        data_root()


# ---------------------------------------------------------------------------------------------------------------
# Demo packs
# ---------------------------------------------------------------------------------------------------------------
def test_list_demo_packs_counts_match_the_files():
    packs = list_demo_packs(DATA_ROOT).set_index("code")
    assert set(packs.index) == set(PACKS)
    assert list(packs.columns) == ["name_uk", "name_en", "oblast", "raion", "population_2022", "n_settlements",
                                   "n_service_points", "path"]
    for code, (n_settlements, n_points, population) in PACKS.items():
        assert packs.loc[code, "n_settlements"] == n_settlements == len(_features(code, "settlements.geojson"))
        assert packs.loc[code, "n_service_points"] == n_points == len(_features(code, "service_points.geojson"))
        boundary = _features(code, "boundary.geojson")[0]["properties"]
        assert packs.loc[code, "population_2022"] == population == boundary["population_2022_ukrstat"]
    assert packs.loc[BRODY, "oblast"] == "Львівська"
    assert packs.loc[ZACHEPYLIVKA, "name_en"] == "Zachepylivska"  # OSM has no English name: OCHA fallback


@pytest.mark.parametrize("code", list(PACKS))
def test_load_demo_pack_standard_tables(code):
    bundle = load_demo_pack(code, root=DATA_ROOT)
    raw_settlements = _features(code, "settlements.geojson")
    raw_points = _features(code, "service_points.geojson")
    boundary_props = _features(code, "boundary.geojson")[0]["properties"]

    assert bundle.code == code and bundle.name_uk == boundary_props["name_uk"]
    assert len(bundle.boundary) == 1 and bundle.boundary.crs.to_epsg() == 4326

    s = bundle.settlements
    assert len(s) == PACKS[code][0] == len(raw_settlements)
    assert s.crs.to_epsg() == 4326 and (s.geom_type == "Point").all()
    assert list(s.columns[:8]) == ["id", "name", "katottg", "hromada_katottg", "population", "population_source",
                                   "category", "is_hromada_centre"]
    assert s["population"].dtype == "float64"
    # population is the Ukrstat 2022 figure shared out (tests/test_population.py); the raw OSM tag is kept
    assert s["population"].sum() == sum(f["properties"]["population_est_2022"] for f in raw_settlements)
    assert s["population_raw"].sum() == sum(f["properties"]["population"] for f in raw_settlements)
    assert s["id"].is_unique and (s["id"] == s["katottg"]).all()
    assert set(s["katottg"]) == {f["properties"]["katottg"] for f in raw_settlements}
    assert (s["hromada_katottg"] == code).all()
    assert s["is_hromada_centre"].sum() == 1
    assert s.loc[s["is_hromada_centre"], "katottg"].iloc[0] == boundary_props["centre_katottg"]
    assert set(s["category"]) <= {"city", "selyshche", "village"}
    # extra pack columns are kept
    assert {"osm_node_id", "population_est_2022", "koatuu"} <= set(s.columns)

    p = bundle.service_points
    assert len(p) == PACKS[code][1] == len(raw_points)
    assert p["id"].is_unique
    assert set(p["id"]) == {f"registry:{f['properties']['registry_code']}" for f in raw_points}
    assert (p["source"] == "registry").all() and (p["group"] == "cnap").all()
    type_to_category = {"remote_workplace": "cnap_remote_workplace", "centre": "cnap_centre"}
    assert (p["category"] == p["service_type"].map(type_to_category)).all()
    by_code = {f["properties"]["registry_code"]: f["properties"] for f in raw_points}
    for row in p.itertuples():
        raw = by_code[int(row.registry_code)]
        assert row.settlement_katottg == raw["settlement_katottg"]
        for flag in ("disability", "pandus", "dis_sanit", "braille_mat"):
            assert getattr(row, flag) == raw[flag]
    assert str(p["pandus"].dtype) == "Int64"

    assert bundle.settlement_areas is not None and len(bundle.settlement_areas) > 0
    assert any("ODbL" in source["licence"] for source in bundle.sources)
    assert any("KATOTTG" in source["name"] for source in bundle.sources)
    assert bundle.notes and any("2001" in note for note in bundle.notes)


def test_load_demo_pack_by_path_and_unknown_code():
    bundle = load_demo_pack(DATA_ROOT / "demo" / BRODY)
    assert bundle.code == BRODY
    with pytest.raises(DataError, match="UA00000000000000000"):
        load_demo_pack("UA00000000000000000", root=DATA_ROOT)


# ---------------------------------------------------------------------------------------------------------------
# find_hromada
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index():
    return hromada_index(DATA_ROOT)


def test_hromada_index_covers_the_codifier(index):
    assert len(index) == 1772  # H rows of the codifier (incl. Crimea)
    assert index["code"].is_unique
    assert int(index["has_boundary"].sum()) == 1466
    missing = set(index.loc[~index["has_boundary"] & ~index["code"].str.startswith(("UA01", "UA85")), "code"])
    assert missing == set(HROMADAS_WITHOUT_BOUNDARY)


@pytest.mark.parametrize("query", ["Броди", "UA4604001", "UA46040010000033885", "бродівська", "Brody", "Brodivska"])
def test_find_hromada_brody(query, index):
    hits = find_hromada(query, DATA_ROOT, index=index)
    top = hits.iloc[0]
    assert top["code"] == BRODY
    assert top["oblast"] == "Львівська" and top["raion"] == "Золочівський"
    assert top["name_uk"] == "Бродівська міська громада"
    assert top["match"] in {"exact", "code"}


def test_find_hromada_ranks_exact_before_substring(index):
    hits = find_hromada("Бродівська", DATA_ROOT, index=index)
    assert hits["code"].iloc[0] == BRODY
    assert "UA07060170000059479" in set(hits["code"])  # Забродівська (substring) comes later
    assert hits["match"].tolist()[:2] == ["exact", "substring"]


def test_find_hromada_other_cases(index):
    assert find_hromada("Zachepylivka", DATA_ROOT, index=index)["code"].iloc[0] == ZACHEPYLIVKA
    assert find_hromada("Городенка", DATA_ROOT, index=index)["code"].iloc[0] == HORODENKA
    chop = find_hromada("Чоп", DATA_ROOT, index=index).iloc[0]
    assert chop["code"] == "UA21100270000015047" and not chop["has_boundary"]
    assert find_hromada("Qwertyuiop", DATA_ROOT, index=index).empty
    with pytest.raises(DataError):
        find_hromada("  ", DATA_ROOT, index=index)


# ---------------------------------------------------------------------------------------------------------------
# hromada_boundary
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("simplified", [False, True])
def test_hromada_boundary_fast_path_equals_gdal_read(simplified):
    path = DATA_ROOT / (BOUNDARIES_SIMPLIFIED if simplified else BOUNDARIES_FULL)
    start = time.perf_counter()
    boundary = hromada_boundary(BRODY, DATA_ROOT, simplified=simplified)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5, f"boundary lookup took {elapsed:.2f} s"
    assert len(boundary) == 1 and boundary.crs.to_epsg() == 4326
    assert boundary["katottg"].iloc[0] == BRODY
    assert boundary["name_uk"].iloc[0] == "Бродівська міська громада"
    pack = _features(BRODY, "boundary.geojson")[0]["properties"]
    for key in ("oblast", "raion", "centre_katottg", "centre_name", "name_en_ocha"):
        assert boundary[key].iloc[0] == pack[key]
    reference = gpd.read_file(path, engine="pyogrio", where=f"katotth = '{BRODY}'")
    assert boundary.geometry.iloc[0].equals(reference.geometry.iloc[0])


def test_hromada_boundary_full_equals_pack_and_pcode_lookup():
    full = hromada_boundary("UA4604001", DATA_ROOT)
    assert full["katottg"].iloc[0] == BRODY
    zachepylivka = hromada_boundary(ZACHEPYLIVKA, DATA_ROOT, simplified=True).iloc[0]
    assert zachepylivka["raion"] == "Берестинський" and zachepylivka["name_en"] == "Zachepylivska"
    pack = _features(BRODY, "boundary.geojson")[0]
    assert full.geometry.iloc[0].equals(shapely.geometry.shape(pack["geometry"]))
    simplified = hromada_boundary(BRODY, DATA_ROOT, simplified=True).geometry.iloc[0]
    # ≈100 m simplification: same area within 1 %
    assert abs(simplified.area / full.geometry.iloc[0].area - 1) < 0.01


def test_hromada_attributes():
    chop = hromada_attributes("UA21100270000015047", DATA_ROOT)  # no polygon, but in every table
    assert chop == {"oblast": "Закарпатська", "raion": "Ужгородський", "centre_katottg": "UA21100270010071297",
                    "centre_name": "Чоп", "name_en_ocha": "Chopska", "ocha_adm3_pcode": "UA2110027"}
    assert set(hromada_attributes("UA00000000000000000", DATA_ROOT).values()) == {None}


@pytest.mark.parametrize("code", sorted(HROMADAS_WITHOUT_BOUNDARY))
def test_hromada_boundary_missing_hromadas(code):
    with pytest.raises(DataError, match="hromady_2020_opora_names"):
        hromada_boundary(code, DATA_ROOT, simplified=True)


def test_hromada_boundary_bad_codes():
    with pytest.raises(DataError, match="KATOTTG"):
        hromada_boundary("Броди", DATA_ROOT)
    with pytest.raises(DataError):
        hromada_boundary("UA99999999999999999", DATA_ROOT, simplified=True)
    with pytest.raises(DataError):
        hromada_boundary("UA9999999", DATA_ROOT, simplified=True)


# ---------------------------------------------------------------------------------------------------------------
# Codifier
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", list(PACKS))
def test_hromada_settlements_codifier_matches_pack(code):
    table = hromada_settlements_codifier(code, DATA_ROOT)
    assert len(table) == PACKS[code][0]
    assert set(table["settlement_code"]) == {f["properties"]["katottg"] for f in _features(code, "settlements.geojson")}
    assert (table["hromada_code"] == code).all()
    assert {"settlement_code", "name", "category", "osm_node_id", "osm_population"} <= set(table.columns)
    assert str(table["osm_node_id"].dtype) == "Int64"


def test_hromada_settlements_codifier_unknown_code():
    with pytest.raises(DataError, match="find_hromada"):
        hromada_settlements_codifier("UA00000000000000000", DATA_ROOT)


def test_settlement_former_names():
    names = settlement_former_names("UA12060190000043514", DATA_ROOT)  # Лозуватська
    renamed = names[names["name"] == "Чкаловка"]
    assert len(renamed) == 1 and renamed["current_name"].iloc[0] == "Карачунівка"
    assert names.loc[names["current_name"] == names["name"]].empty
