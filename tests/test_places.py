"""Tests of analysis.places: reading and validating user point tables, and the standard tables."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from analysis.errors import DataError
from analysis.sources.osm_places import service_points_from_osm, settlements_from_osm_places
from analysis.sources.packs import load_demo_pack
from analysis.sources.places import (
    SERVICE_POINT_COLUMNS,
    SETTLEMENT_COLUMNS,
    resolve_settlement_locations,
    service_points_from_table,
    settlements_from_table,
)
from analysis.sources.readers import check_lon_lat, read_points

DATA_ROOT = Path(
    os.environ.get("HROMADA_ACCESS_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)
needs_data = pytest.mark.usefixtures("data_root")  # fails loudly when the data root is missing
BRODY = "UA46040010000033885"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------------------------------------------------------
# read_points: CSV
# ---------------------------------------------------------------------------------------------------------------
def test_read_csv_lon_lat(tmp_path):
    path = write(tmp_path, "p.csv", "id,name,lon,lat\na,ЦНАП,25.1438,50.0833\nb,Пошта,25.2,50.1\n")
    gdf = read_points(path)
    assert list(gdf["id"]) == ["a", "b"]
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.iloc[0].equals(Point(25.1438, 50.0833))
    assert gdf.attrs["warnings"] == []


@pytest.mark.parametrize(
    "header", ["id,longitude,latitude", "id,x,y", "id,lng,lat", "ID,Lon,Lat", "id, LONGITUDE , Latitude"]
)
def test_read_csv_coordinate_aliases(tmp_path, header):
    path = write(tmp_path, "p.csv", f"{header}\n1,25.5,49.5\n")
    gdf = read_points(path)
    assert (gdf.geometry.x.iloc[0], gdf.geometry.y.iloc[0]) == (25.5, 49.5)
    assert gdf["id"].iloc[0] == "1"


def test_read_csv_semicolon_decimal_comma_cp1251(tmp_path):
    text = "id;назва;lon;lat\n1;Броди;25,1438;50,0833\n"
    gdf = read_points(write(tmp_path, "p.csv", text, encoding="cp1251"))
    assert gdf["назва"].iloc[0] == "Броди"
    assert gdf.geometry.x.iloc[0] == pytest.approx(25.1438)


def test_read_csv_swapped_lon_lat_in_ukraine(tmp_path):
    path = write(tmp_path, "p.csv", "id,lon,lat\n1,50.08,25.14\n2,49.98,25.13\n3,50.1,25.3\n")
    with pytest.raises(DataError) as err:
        read_points(path)
    message = str(err.value)
    assert "swapped" in message and "переплутані" in message
    assert message.index("переплутані") < message.index("swapped")  # Ukrainian first


def test_read_csv_swapped_when_latitude_exceeds_90(tmp_path):
    path = write(tmp_path, "p.csv", "id,lon,lat\n1,-33.9,151.2\n")
    with pytest.raises(DataError, match="swapped"):
        read_points(path)


def test_read_csv_swapped_detected_with_expected_area(tmp_path):
    area = box(5.0, 45.0, 6.0, 46.0)  # outside Ukraine: only the polygon can tell
    path = write(tmp_path, "p.csv", "id,lon,lat\n1,45.5,5.5\n2,45.6,5.4\n")
    with pytest.raises(DataError, match="swapped") as err:
        read_points(path, expected_area=area)
    assert "2 of 2" in str(err.value)
    ok = write(tmp_path, "ok.csv", "id,lon,lat\n1,5.5,45.5\n")
    assert len(read_points(ok, expected_area=gpd.GeoSeries([area], crs=4326))) == 1


def test_read_csv_out_of_range(tmp_path):
    with pytest.raises(DataError, match="out of range") as err:
        read_points(write(tmp_path, "p.csv", "id,lon,lat\n1,25,50\n2,200,95\n"))
    assert "3" in str(err.value)  # line 3 of the file


def test_read_csv_non_numeric(tmp_path):
    with pytest.raises(DataError, match="non-numeric") as err:
        read_points(write(tmp_path, "p.csv", "id,lon,lat\n1,25.1,50\n2,abc,50\n"))
    assert "'lon'" in str(err.value) and "3" in str(err.value) and "abc" in str(err.value)


def test_read_csv_wrong_columns_lists_found_and_expected(tmp_path):
    with pytest.raises(DataError) as err:
        read_points(write(tmp_path, "p.csv", "id,назва,широта_град,довжина\n1,a,50,25\n"))
    message = str(err.value)
    assert "Found columns: id, назва, широта_град, довжина" in message
    assert "lon" in message and "lat" in message


def test_read_csv_only_one_coordinate_column(tmp_path):
    with pytest.raises(DataError, match="only one coordinate column"):
        read_points(write(tmp_path, "p.csv", "id,lon,name\n1,25,a\n"))


def test_read_csv_missing_empty_and_header_only(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_points(tmp_path / "missing.csv")
    with pytest.raises(DataError, match="empty"):
        read_points(write(tmp_path, "empty.csv", ""))
    with pytest.raises(DataError, match="no rows"):
        read_points(write(tmp_path, "header.csv", "id,lon,lat\n"))
    with pytest.raises(DataError, match="folder"):
        read_points(tmp_path)


def test_read_csv_duplicated_and_empty_ids(tmp_path):
    with pytest.raises(DataError, match="duplicated ids") as err:
        read_points(write(tmp_path, "p.csv", "id,lon,lat\nA1,25,50\nB,25,50\nA1,25.1,50\n"))
    assert "A1" in str(err.value)
    with pytest.raises(DataError, match="empty ids"):
        read_points(write(tmp_path, "q.csv", "id,lon,lat\n,25,50\nB,25,50\n"))


def test_read_csv_generates_ids_and_records_it(tmp_path):
    gdf = read_points(write(tmp_path, "p.csv", "name,lon,lat\na,25,50\nb,25.1,50.1\n"))
    assert list(gdf["id"]) == ["1", "2"]
    assert len(gdf.attrs["warnings"]) == 1 and "no 'id' column" in gdf.attrs["warnings"][0]


def test_read_csv_explicit_id_column(tmp_path):
    path = write(tmp_path, "p.csv", "code,lon,lat\n7,25,50\n8,25.1,50.1\n")
    assert list(read_points(path, id_column="code")["id"]) == ["7", "8"]
    with pytest.raises(DataError, match="no column 'nope'"):
        read_points(path, id_column="nope")


def test_read_csv_settlement_code_only(tmp_path):
    path = write(tmp_path, "p.csv", "id,category,settlement_katottg\n1,post_office,UA46040010410017717\n")
    gdf = read_points(path)
    assert gdf.geometry.iloc[0] is None
    with pytest.raises(DataError, match="missing coordinates"):
        read_points(write(tmp_path, "q.csv", "id,lon,lat,katottg\n1,,,\n"))


def test_read_buffer_needs_no_path():
    data = "id,lon,lat\n1,25,50\n".encode()
    assert len(read_points(data)) == 1
    assert len(read_points(io.BytesIO(data), name="upload.csv")) == 1
    assert len(read_points(io.StringIO("id,lon,lat\n1,25,50\n"))) == 1


# ---------------------------------------------------------------------------------------------------------------
# read_points: XLSX, GeoJSON, GeoPackage
# ---------------------------------------------------------------------------------------------------------------
def test_read_xlsx_first_sheet(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "точки"
    sheet.append(["id", "name", "longitude", "latitude", "category"])
    sheet.append([1, "ЦНАП Броди", 25.1438, 50.0833, "ЦНАП (центр надання адміністративних послуг)"])
    sheet.append([2, "Пошта", 25.2, 50.1, "post_office"])
    workbook.create_sheet("other").append(["ignored"])
    path = tmp_path / "points.xlsx"
    workbook.save(path)

    gdf = read_points(path)
    assert list(gdf["id"]) == ["1", "2"]  # integer ids, not "1.0"
    assert gdf.geometry.iloc[0].equals(Point(25.1438, 50.0833))
    # the same file as an anonymous upload (format sniffed from the bytes)
    assert len(read_points(path.read_bytes())) == 2

    points = service_points_from_table(gdf)
    assert list(points["category"]) == ["cnap_centre", "post_office"]
    assert list(points["group"]) == ["cnap", "post"]


def test_read_xlsx_swapped(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "lon", "lat"])
    workbook.active.append(["a", 50.08, 25.14])
    path = tmp_path / "swapped.xlsx"
    workbook.save(path)
    with pytest.raises(DataError, match="переплутані"):
        read_points(path)


def test_read_geojson_any_crs_to_wgs84(tmp_path):
    gdf = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(25.1438, 50.0833), Point(25.2, 50.1)], crs=4326)
    path = tmp_path / "p.geojson"
    gdf.to_crs(32635).to_file(path, driver="GeoJSON")
    back = read_points(path)
    assert back.crs.to_epsg() == 4326
    assert back.geometry.x.iloc[0] == pytest.approx(25.1438, abs=1e-6)
    assert back.geometry.y.iloc[0] == pytest.approx(50.0833, abs=1e-6)


def test_read_geopackage_polygons_become_points(tmp_path):
    building = box(25.14, 50.08, 25.141, 50.081)
    gdf = gpd.GeoDataFrame({"id": [10], "name": ["ЦНАП"]}, geometry=[building], crs=4326)
    path = tmp_path / "p.gpkg"
    gdf.to_file(path, driver="GPKG")
    back = read_points(path)
    assert back["id"].iloc[0] == "10"
    assert back.geom_type.iloc[0] == "Point" and building.contains(back.geometry.iloc[0])
    assert any("not points" in w for w in back.attrs["warnings"])


def test_read_geojson_swapped_axis(tmp_path):
    text = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": 1}, "geometry": {"type": "Point", "coordinates": [50.08, 25.14]}},
    ]})
    with pytest.raises(DataError, match="swapped"):
        read_points(write(tmp_path, "p.geojson", text))


def test_unreadable_file(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        read_points(write(tmp_path, "p.geojson", "{not json"))
    with pytest.raises(DataError, match="xls"):
        read_points(write(tmp_path, "p.xls", "x"))


# ---------------------------------------------------------------------------------------------------------------
# Standard settlements
# ---------------------------------------------------------------------------------------------------------------
def test_settlements_from_table(tmp_path):
    text = (
        "name,katottg,population,category,lon,lat\n"
        "Броди,UA46040010010077682,23134,місто,25.1438,50.0833\n"
        "Пониква,UA46040010410017717,,село,25.1278,49.9828\n"
        "Хутір,,12,хутір,25.2,50.0\n"
    )
    points = read_points(write(tmp_path, "s.csv", text))
    s = settlements_from_table(points, hromada_katottg=BRODY)
    assert list(s.columns[:8]) == list(SETTLEMENT_COLUMNS)
    assert list(s["id"]) == ["UA46040010010077682", "UA46040010410017717", "3"]
    assert s["katottg"].isna().tolist() == [False, False, True]
    assert s["population"].dtype == "float64" and np.isnan(s["population"].iloc[1])
    assert s["population_source"].tolist()[0] == "user" and pd.isna(s["population_source"].iloc[1])
    assert list(s["category"]) == ["city", "village", "hamlet"]
    assert (s["hromada_katottg"] == BRODY).all()
    assert not s["is_hromada_centre"].any()


def test_settlements_from_table_errors(tmp_path):
    bad_pop = read_points(write(tmp_path, "a.csv", "id,name,population,lon,lat\n1,a,багато,25,50\n"))
    with pytest.raises(DataError, match="non-numeric population"):
        settlements_from_table(bad_pop)
    bad_code = read_points(write(tmp_path, "b.csv", "id,name,katottg,lon,lat\n1,a,UA123,25,50\n"))
    with pytest.raises(DataError, match="invalid KATOTTG"):
        settlements_from_table(bad_code)
    dup = read_points(
        write(tmp_path, "c.csv",
              "id,name,katottg,lon,lat\n1,a,UA46040010010077682,25,50\n2,b,UA46040010010077682,25,50\n")
    )
    with pytest.raises(DataError, match="duplicated settlements"):
        settlements_from_table(dup)
    no_point = read_points(write(tmp_path, "d.csv", "id,name,katottg\n1,a,UA46040010010077682\n"))
    with pytest.raises(DataError, match="without coordinates"):
        settlements_from_table(no_point)


@needs_data
def test_settlements_from_osm_places_reproduces_pack_codes():
    """Independent check: the pack's OSM node ids joined through the 2023 names-of-places table give its codes."""
    pack = json.loads((DATA_ROOT / "demo" / BRODY / "settlements.geojson").read_text(encoding="utf-8"))["features"]
    rows = [
        {"osmid": f["properties"]["osm_node_id"], "name": f["properties"]["name_uk"],
         "place": f["properties"]["osm_place"], "population": str(f["properties"]["osm_population"]), "geometry": Point(f["geometry"]["coordinates"])}
        for f in pack
    ]
    rows.append({"osmid": 1, "name": "Невідоме", "place": "hamlet", "population": None, "geometry": Point(25.2, 50.0)})
    rows.append({"osmid": 26150791, "name": "Львів", "place": "city", "population": "724822",
                 "geometry": Point(24.03, 49.84)})  # another hromada
    places_gdf = gpd.GeoDataFrame(rows, crs=4326)

    s = settlements_from_osm_places(places_gdf, root=DATA_ROOT, hromada_code=BRODY)
    assert len(s) == len(pack) + 1  # Lviv dropped, the unknown node kept
    assert any("other hromadas" in w for w in s.attrs["warnings"])
    joined = s[s["katottg"].notna()]
    assert set(joined["katottg"]) == {f["properties"]["katottg"] for f in pack}
    assert (joined["id"] == joined["katottg"]).all() and (joined["hromada_katottg"] == BRODY).all()
    unknown = s[s["osm_node_id"] == 1].iloc[0]
    assert unknown["id"] == "osm:1" and pd.isna(unknown["katottg"]) and unknown["category"] == "hamlet"
    assert (s["population_source"].dropna() == "osm_tag").all()
    assert s["population"].sum() == sum(f["properties"]["osm_population"] for f in pack)
    centre = s[s["is_hromada_centre"]]
    assert list(centre["name"]) == ["Броди"] and centre["category"].iloc[0] == "city"


@needs_data
def test_settlements_from_osm_places_osmnx_index_and_katottg_tag():
    gdf = gpd.GeoDataFrame(
        {"name": ["Пониква"], "place": ["village"], "katottg": ["UA46040010410017717"]},
        geometry=[Point(25.13, 49.98)], crs=4326,
        index=pd.MultiIndex.from_tuples([("node", 999999999999)], names=["element_type", "osmid"]),
    )
    s = settlements_from_osm_places(gdf, root=DATA_ROOT)
    assert s["id"].iloc[0] == "UA46040010410017717" and s["hromada_katottg"].iloc[0] == BRODY
    assert s["population"].iloc[0] > 0  # from the flat codifier table (OSM tag)


# ---------------------------------------------------------------------------------------------------------------
# Standard service points
# ---------------------------------------------------------------------------------------------------------------
def test_service_points_from_table_labels_flags_defaults(tmp_path):
    text = (
        "id,name,category,lon,lat,pandus,disability,wheelchair,workers_total\n"
        "1,ЦНАП,ЦНАП (центр надання адміністративних послуг),25.14,50.08,так,1,yes,12\n"
        "2,ВРМ,ЦНАП remote workplace (ВРМ),25.2,50.1,ні,,limited,\n"
        "3,Пошта,,25.3,50.2,,0,,\n"
    )
    points = service_points_from_table(read_points(write(tmp_path, "p.csv", text)),
                                              default_category="Поштове відділення")
    assert list(points.columns[:13]) == list(SERVICE_POINT_COLUMNS)
    assert list(points["category"]) == ["cnap_centre", "cnap_remote_workplace", "post_office"]
    assert list(points["group"]) == ["cnap", "cnap", "post"]
    assert (points["source"] == "user").all() and (points["location_precision"] == "building").all()
    assert points["pandus"].tolist()[:2] == [1, 0] and pd.isna(points["pandus"].iloc[2])
    assert str(points["disability"].dtype) == "Int64" and points["disability"].iloc[2] == 0
    assert points["wheelchair"].tolist()[:2] == ["yes", "limited"]
    assert points["workers_total"].iloc[0] == 12 and pd.isna(points["workers_total"].iloc[1])


def test_service_points_unknown_or_missing_category(tmp_path):
    gdf = read_points(write(tmp_path, "p.csv", "id,category,lon,lat\n1,бібліотека,25,50\n"))
    with pytest.raises(DataError, match="unknown service categories") as err:
        service_points_from_table(gdf)
    assert "бібліотека" in str(err.value) and "cnap_centre" in str(err.value) and "post_office" in str(err.value)
    no_category = read_points(write(tmp_path, "q.csv", "id,lon,lat\n1,25,50\n"))
    with pytest.raises(DataError, match="no 'category' column"):
        service_points_from_table(no_category)
    with pytest.raises(DataError, match="unknown service categories"):
        service_points_from_table(no_category, default_category="nonsense")


@needs_data
def test_service_points_at_settlements_resolved(tmp_path):
    bundle = load_demo_pack(BRODY, root=DATA_ROOT)
    text = "id,category,settlement_katottg\np1,social_protection,UA46040010410017717\n"
    points = service_points_from_table(read_points(write(tmp_path, "p.csv", text)))
    assert points["location_precision"].iloc[0] == "settlement" and points.geometry.iloc[0] is None
    resolved = resolve_settlement_locations(points, bundle.settlements)
    ponykva = bundle.settlements.set_index("katottg").geometry["UA46040010410017717"]
    assert resolved.geometry.iloc[0].equals(ponykva)
    bad = points.assign(settlement_katottg="UA46040010990000000")
    with pytest.raises(DataError, match="UA46040010990000000"):
        resolve_settlement_locations(bad, bundle.settlements)


def test_service_points_from_osm():
    gdf = gpd.GeoDataFrame(
        {"name": ["Укрпошта", "ПФУ", "Кафе"], "category": ["post_office", "pension_fund", None],
         "wheelchair": ["yes", None, None], "amenity": ["post_office", None, "cafe"]},
        geometry=[Point(25.1, 50.0), box(25.2, 50.1, 25.201, 50.101), Point(25.3, 50.2)], crs=4326,
        index=pd.MultiIndex.from_tuples([("node", 11), ("way", 22), ("node", 33)], names=["element_type", "osmid"]),
    )
    points = service_points_from_osm(gdf)
    assert list(points["id"]) == ["osm:node/11", "osm:way/22"]
    assert (points["source"] == "osm").all() and (points["location_precision"] == "building").all()
    assert list(points["group"]) == ["post", "social"]
    assert (points.geom_type == "Point").all()
    assert points["wheelchair"].iloc[0] == "yes"
    assert any("without a category" in w for w in points.attrs["warnings"])
    with pytest.raises(DataError, match="osmid"):
        service_points_from_osm(gpd.GeoDataFrame({"name": ["x"]}, geometry=[Point(0, 0)], crs=4326))


def test_check_lon_lat_accepts_valid_ukraine_points():
    lon = np.array([22.2, 30.5, 40.1])
    lat = np.array([48.2, 50.4, 49.9])
    check_lon_lat(lon, lat, "ok")  # no error
    assert shapely.contains_xy(box(22, 44, 41, 53), lon, lat).all()


@needs_data
def test_ids_fall_back_to_a_unique_code_column(data_root):
    """The demo packs' GeoJSON has no 'id' column: KATOTTG codes / registry codes become the ids."""
    pack = data_root / "demo" / "UA46040010000033885"
    settlements = read_points(pack / "settlements.geojson")
    features = json.loads((pack / "settlements.geojson").read_text(encoding="utf-8"))["features"]
    assert settlements["id"].tolist() == [f["properties"]["katottg"] for f in features]
    assert any("katottg" in w for w in settlements.attrs.get("warnings", []))
    points = read_points(pack / "service_points.geojson")
    codes = [str(f["properties"]["registry_code"]) for f in
             json.loads((pack / "service_points.geojson").read_text(encoding="utf-8"))["features"]]
    assert points["id"].tolist() == [f"registry:{c}" for c in codes]  # the registry's one id form
    duplicated = pd.DataFrame({"katottg": ["A", "A"], "lon": [25.0, 25.1], "lat": [49.0, 49.1]})
    assert read_points(duplicated.to_csv(index=False).encode(), name="d.csv")["id"].tolist() == ["1", "2"]
