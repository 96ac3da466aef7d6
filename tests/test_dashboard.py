"""Dashboard pages driven with Streamlit's AppTest: every figure shown equals what the analysis API gives.

Each test computes the expected figure with the analysis functions directly (not through the dashboard) and
compares it with the metric or table the page shows, after changing widgets the way a planner would.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from analysis.metrics.access import compute_access  # noqa: E402
from analysis.metrics.coverage import evaluate_norms  # noqa: E402
from analysis.metrics.norms import DEFAULT_NORMS, get_norm, with_threshold  # noqa: E402
from analysis.metrics.summary import coverage_summary  # noqa: E402
from analysis.routing.results import reason_label  # noqa: E402
from analysis.sources.packs import list_demo_packs, load_demo_pack  # noqa: E402
from dashboard.i18n import fmt_int, fmt_num, fmt_pct, tr  # noqa: E402

APP = str(REPO_ROOT / "dashboard" / "app.py")
BRODY = "UA46040010000033885"
TIMEOUT = 180


# ------------------------------------------------------------------------------------------------------ helpers
@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch, data_root):
    """Saved networks go to a temporary folder; the reference data is the shared one."""
    monkeypatch.setenv("HROMADA_ACCESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HROMADA_ACCESS_DATA", str(data_root))


def start(code: str = BRODY) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if at.selectbox(key="hromada").value != code:
        at.selectbox(key="hromada").set_value(code).run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    """No uncaught exception and no error message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric {label!r}; metrics: {[m.label for m in at.metric]}"
    return values[0]


def cnap_norm(minutes: float = 30.0, km: float | None = 14.0, mode: str = "drive"):
    return with_threshold(get_norm(DEFAULT_NORMS, "cnap_access"), max_time_min=minutes, max_distance_km=km,
                          mode=mode)


def expected_cnap(code: str = BRODY, *, minutes: float = 30.0, km: float | None = 14.0, mode: str = "drive",
                  circuity: float = 1.3, network=None, settlements=None, points=None) -> pd.Series:
    """The ЦНАП coverage summary row straight from the analysis API."""
    if settlements is None or points is None:
        bundle = load_demo_pack(code)
        settlements = bundle.settlements if settlements is None else settlements
        points = bundle.service_points if points is None else points
    result = compute_access(settlements, points, network, mode=mode, by="group", circuity=circuity)
    evaluation = evaluate_norms(result, settlements, [cnap_norm(minutes, km, mode)])
    return coverage_summary(evaluation, settlements, by_hromada=False).iloc[0]


def synthetic_network_for(code: str):
    """A synthetic road grid (1 km spacing) over a demo hromada, saved where the dashboard finds networks."""
    from analysis.sources.osm_import import OsmExtract
    from analysis.sources.synthetic import road_grid
    from dashboard import cache

    bundle = load_demo_pack(code)
    west, south, east, north = bundle.boundary.total_bounds
    net = road_grid(int((north - south) * 111) + 3, int((east - west) * 73) + 3, spacing_m=1000.0,
                    origin_lonlat=(west - 0.01, south - 0.01), oneway_share=0.0)
    empty = gpd.GeoDataFrame({"osmid": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    folder = cache.save_extract(OsmExtract(net, empty, empty, {}), f"grid {code}", hromada_code=code,
                                origin="synthetic test grid")
    return net, folder.name


def _context(code: str = BRODY, lang: str = "uk") -> dict:
    """The page context the sidebar builds, for testing the report and exports directly."""
    from dashboard import cache, session

    spec = session.bundle_spec(code, None)
    norm = cnap_norm()
    norms = tuple(norm if n.id == "cnap_access" else n for n in DEFAULT_NORMS)
    ctx = {"lang": lang, "root": None, "code": code, "mode": "drive", "circuity": 1.3, "network_path": None,
           "spec": spec, "bundle": cache.bundle(**spec), "norms": norms, "norm": norm}
    ctx["access"] = cache.access(spec, None, "drive", 1.3, 1000.0)
    return ctx


# ------------------------------------------------------------------------------------------------------ overview
def test_every_page_renders_without_errors():
    at = start()
    for page in ("views/coverage.py", "views/barrier_free.py", "views/planning.py", "views/compare.py",
                 "views/data.py", "views/overview.py"):
        at.switch_page(page).run()
        ok(at)
        assert at.header, page


def test_overview_figures_equal_coverage_summary():
    at = start()
    row = expected_cnap()
    assert metric(at, tr("kpi_covered", "uk")) == fmt_int(row["population_covered"])
    assert metric(at, tr("kpi_uncovered", "uk")) == fmt_int(row["population_uncovered"])
    assert metric(at, tr("kpi_median_time", "uk")) == fmt_num(row["median_time_min"], "uk")
    assert any("ОЦІНКА" in w.value for w in at.warning)  # estimates are labelled as such


@pytest.mark.parametrize("minutes,use_km", [(5, False), (10, True), (60, True)])
def test_changing_the_cnap_threshold_gives_coverage_summary_figures(minutes, use_km):
    at = start()
    before = metric(at, tr("kpi_covered", "uk"))
    at.slider(key="norm_time_min").set_value(minutes)
    at.checkbox(key="norm_use_km").set_value(use_km)
    at.run()
    ok(at)
    row = expected_cnap(minutes=minutes, km=14.0 if use_km else None)
    assert metric(at, tr("kpi_covered", "uk")) == fmt_int(row["population_covered"])
    assert metric(at, tr("kpi_uncovered", "uk")) == fmt_int(row["population_uncovered"])
    if minutes == 5:
        assert row["population_uncovered"] > 0  # 5 min alone really leaves people out (Brody, estimated)
        assert metric(at, tr("kpi_covered", "uk")) != before


def test_walking_and_circuity_change_figures_as_the_api_says():
    at = start()
    at.radio(key="mode").set_value("walk")
    at.select_slider(key="circuity").set_value(1.5)
    at.run()
    ok(at)
    row = expected_cnap(mode="walk", circuity=1.5)
    assert metric(at, tr("kpi_covered", "uk")) == fmt_int(row["population_covered"])
    assert metric(at, tr("kpi_median_time", "uk")) == fmt_num(row["median_time_min"], "uk")


def test_language_switch_changes_labels_not_figures():
    at = start()
    covered_uk = metric(at, tr("kpi_covered", "uk"))
    at.radio(key="lang").set_value("en").run()
    ok(at)
    labels = [m.label for m in at.metric]
    assert tr("kpi_covered", "en") in labels and tr("kpi_covered", "uk") not in labels
    assert metric(at, tr("kpi_covered", "en")) == covered_uk
    assert at.radio(key="mode").options == [tr("mode_drive", "en"), tr("mode_walk", "en")]
    # choices whose labels are translated survive the switch
    assert at.radio(key="mode").value == "drive"
    assert at.selectbox(key="hromada").value == BRODY
    assert at.selectbox(key="network").value == ""
    at.switch_page("views/data.py").run()
    ok(at)
    assert at.header[0].value == tr("page_data", "en")


def test_ukrainian_is_the_default_language():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert at.radio(key="lang").value == "uk"
    assert tr("kpi_covered", "uk") in [m.label for m in at.metric]


def test_any_hromada_opens_from_the_national_data():
    """A hromada without a demo pack or OSM data (Бучанська, found by the search) is analysed offline from the
    national settlement points: its population is Ukrstat 2022 (read here with the csv module) and the overview's
    figures are the analysis API's on :func:`analysis.sources.national.load_hromada`."""
    import csv

    from analysis.sources.admin import data_root
    from analysis.sources.national import load_hromada

    code = "UA32080070000050759"
    at = start()
    at.text_input(key="overview_search").set_value("Бучанська").run()
    ok(at)
    assert at.selectbox(key="overview_search_choice").value == code
    at.button(key="overview_open").click().run()
    ok(at)
    assert at.selectbox(key="hromada").value == code
    with open(data_root() / "admin/population/hromada_population_2022_ukrstat_kse.csv", encoding="utf-8") as handle:
        official = next(float(r["total_population_2022"]) for r in csv.DictReader(handle) if r["hromada_code"] == code)
    bundle = load_hromada(code)
    # each settlement's figure is rounded to a whole person: the sum is off by at most half a person each
    assert abs(bundle.settlements["population"].sum() - official) <= len(bundle.settlements) / 2
    row = expected_cnap(code, settlements=bundle.settlements, points=bundle.service_points)
    assert metric(at, tr("kpi_covered", "uk")) == fmt_int(row["population_covered"])
    assert row["population_total"] == bundle.settlements["population"].sum()
    for page in ("views/coverage.py", "views/barrier_free.py", "views/planning.py", "views/data.py"):
        at.switch_page(page).run()
        ok(at)


def test_sidebar_lists_every_hromada_of_ukraine():
    from analysis.sources.admin import hromada_index

    at = start()
    options = at.selectbox(key="hromada").options
    index = hromada_index()
    assert len(options) == int(index["has_boundary"].sum()) == 1466
    assert options[0].startswith(tr("demo_prefix", "uk") + ":")
    assert any("Київська" in o and "Бучанська" in o and "UA32080070000050759" in o for o in options)


def test_search_by_code_and_unknown_name():
    at = start()
    at.text_input(key="overview_search").set_value("UA46040010000033885").run()
    ok(at)
    assert at.selectbox(key="overview_search_choice").value == BRODY
    at.text_input(key="overview_search").set_value("Неіснуюча громада xyz").run()
    ok(at)
    assert at.info


# ------------------------------------------------------------------------------------------------------ coverage
def test_coverage_page_figures_and_service_areas():
    at = start()
    at.switch_page("views/coverage.py").run()
    ok(at)
    bundle = load_demo_pack(BRODY)
    assert metric(at, tr("settlements_count", "uk")) == str(len(bundle.settlements))
    assert metric(at, tr("points_count", "uk")) == str(int((bundle.service_points["group"] == "cnap").sum()))
    assert metric(at, tr("kpi_uncovered", "uk")) == fmt_int(expected_cnap()["population_uncovered"])
    at.button_group(key="coverage_areas").set_value([15, 30]).run()
    ok(at)
    at.slider(key="norm_time_min").set_value(5).run()
    ok(at)
    assert metric(at, tr("kpi_uncovered", "uk")) == fmt_int(expected_cnap(minutes=5)["population_uncovered"])


def test_dashboard_maps_need_no_cdn():
    """Every map the pages draw loads Leaflet from this app (works offline)."""
    from dashboard import assets
    from dashboard.figures import coverage_map

    assert assets.ensure_leaflet(), "Leaflet package (django-js-lib-leaflet) missing"
    ctx = _context()
    fmap = coverage_map(ctx, "cnap", tiles=False, area_breaks=(15, 30))
    assets.localize(fmap)
    assert assets.remote_assets(fmap) == []
    html = assets.standalone_html(coverage_map(ctx, "cnap", tiles=False))
    assert "cdn.jsdelivr" not in html and "code.jquery" not in html and "L.map(" in html


def test_report_is_offline_html_with_the_figures():
    from dashboard.report import report_html

    html = report_html(_context())
    row = expected_cnap()
    assert fmt_int(row["population_covered"]) in html
    assert "<iframe srcdoc=" in html and "cdn.jsdelivr" not in html
    assert "OpenStreetMap" in html and "ODbL" in html


def test_downloads_are_valid_files(tmp_path):
    import pyogrio

    from dashboard import exports

    ctx = _context()
    args = (ctx["spec"], None, "drive", 1.3, 1000.0, ctx["norms"], "cnap_access")
    xlsx = exports.xlsx_bytes(*args)
    sheets = pd.read_excel(io.BytesIO(xlsx), sheet_name=None)
    assert {"settlements", "coverage_summary", "gaps", "data_quality"} <= set(sheets)
    gpkg = tmp_path / "x.gpkg"
    gpkg.write_bytes(exports.geopackage_bytes(*args))
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"settlements", "service_points", "boundary", "norm_status", "gaps", "coverage_summary"} <= layers
    csv = pd.read_csv(io.BytesIO(exports.csv_bytes(*args)), encoding="utf-8-sig")
    assert len(csv) == len(ctx["bundle"].settlements) * len(ctx["norms"])


# ------------------------------------------------------------------------------------------------ barrier-free
def test_barrier_free_page_matches_the_api():
    from analysis.barrier_free.coverage import barrier_free_coverage
    from analysis.barrier_free.status import STATUS_LABELS, STATUSES, assess_points, status_counts

    at = start()
    at.switch_page("views/barrier_free.py").run()
    ok(at)
    bundle = load_demo_pack(BRODY)
    counts = status_counts(assess_points(bundle.service_points))
    for status in STATUSES:
        assert metric(at, STATUS_LABELS[status]["uk"]) == str(int(counts[status]))
    result = barrier_free_coverage(bundle.settlements, bundle.service_points, None, norm=cnap_norm(), mode="drive",
                                   circuity=1.3)
    row = result.hromadas.iloc[0]
    label_all = f"{tr('bf_all_points', 'uk')}: {tr('bf_covered', 'uk').lower()}"
    label_bf = f"{tr('bf_accessible_points', 'uk')}: {tr('bf_covered', 'uk').lower()}"
    assert metric(at, label_all) == fmt_int(row["population_covered_all"])
    assert metric(at, label_bf) == fmt_int(row["population_covered_accessible"])
    assert metric(at, tr("bf_gap", "uk")) == fmt_int(row["barrier_free_gap_population"])
    at.switch_page("views/overview.py").run()
    assert metric(at, tr("kpi_barrier_free", "uk")) == fmt_pct(row["barrier_free_share"])


def test_survey_upload_updates_status_as_apply_survey_says(tmp_path):
    from analysis.barrier_free.status import STATUS_LABELS, STATUSES, assess_points, status_counts
    from analysis.barrier_free.survey import apply_survey, read_survey
    from analysis.barrier_free.survey_form import survey_form

    at = start()
    at.switch_page("views/barrier_free.py").run()
    bundle = load_demo_pack(BRODY)
    form = survey_form(assess_points(bundle.service_points), lang="both").iloc[:2].copy()
    from analysis.barrier_free.checklist import ITEM_IDS

    items = [c for c in form.columns if any(c.endswith(f"[{item}]") for item in ITEM_IDS)]
    date_col = next(c for c in form.columns if c.endswith("[survey_date]"))
    form[items] = "так"
    form[date_col] = "2025-10-01"
    data = form.to_csv(index=False).encode("utf-8-sig")
    path = tmp_path / "survey.csv"
    path.write_bytes(data)
    expected = status_counts(assess_points(apply_survey(bundle.service_points, read_survey(path))))
    assert expected["accessible"] > 0
    at.file_uploader(key="bf_survey_upload").set_value(("survey.csv", data, "text/csv")).run()
    ok(at)
    for status in STATUSES:
        assert metric(at, STATUS_LABELS[status]["uk"]) == str(int(expected[status]))
    at.switch_page("views/coverage.py").run()  # the survey stays applied on other pages
    ok(at)
    at.switch_page("views/barrier_free.py").run()
    assert metric(at, STATUS_LABELS["accessible"]["uk"]) == str(int(expected["accessible"]))


def test_bad_survey_upload_shows_a_message_and_keeps_the_data():
    at = start()
    at.switch_page("views/barrier_free.py").run()
    before = [(m.label, m.value) for m in at.metric]
    at.file_uploader(key="bf_survey_upload").set_value(("survey.csv", b"foo;bar\n1;2\n", "text/csv")).run()
    assert not at.exception
    assert at.error and "survey.csv" in at.error[0].value
    assert [(m.label, m.value) for m in at.metric] == before


# ------------------------------------------------------------------------------------------------------ planning
AFTER = tr("plan_metric_after", "uk")
BEFORE = tr("plan_metric_before", "uk")


def test_planning_close_and_add_points_estimated():
    at = start()
    at.switch_page("views/planning.py").run()
    ok(at)
    bundle = load_demo_pack(BRODY)
    at.slider(key="norm_time_min").set_value(10).run()
    closed = "registry:940"  # the main ЦНАП centre in Броди
    at.multiselect(key="plan_close").set_value([closed]).run()
    ok(at)
    points = bundle.service_points[bundle.service_points["id"] != closed]
    assert metric(at, AFTER) == fmt_int(expected_cnap(minutes=10, points=points)["population_covered"])
    assert metric(at, BEFORE) == fmt_int(expected_cnap(minutes=10)["population_covered"])
    # a new point where the centre was brings the coverage back
    centre = bundle.service_points.set_index("id").geometry[closed]
    lon, lat = round(centre.x, 5), round(centre.y, 5)
    at.number_input(key="plan_lon").set_value(lon)
    at.number_input(key="plan_lat").set_value(lat).run()
    at.button(key="plan_add").click().run()
    ok(at)
    new = gpd.GeoDataFrame({"id": ["new-1"], "name": ["+1"], "category": ["cnap_remote_workplace"],
                            "group": ["cnap"]}, geometry=gpd.points_from_xy([lon], [lat]), crs=4326)
    with_new = gpd.GeoDataFrame(pd.concat([points, new], ignore_index=True), crs=4326)
    assert metric(at, AFTER) == fmt_int(expected_cnap(minutes=10, points=with_new)["population_covered"])


def test_planning_suggestions_equal_suggest_points():
    from analysis.planning.suggest import suggest_points
    from analysis.routing.estimate import estimate_nearest_service

    at = start()
    at.switch_page("views/planning.py").run()
    at.slider(key="norm_time_min").set_value(5)
    at.checkbox(key="norm_use_km").set_value(False).run()
    at.number_input(key="plan_k").set_value(2)
    at.number_input(key="plan_cost").set_value(100000.0)
    at.button(key="plan_suggest").click().run()
    ok(at)
    bundle = load_demo_pack(BRODY)
    settlements = bundle.settlements
    points = bundle.service_points[bundle.service_points["group"] == "cnap"]

    def od(destinations):
        d = destinations[["id", "geometry"]].assign(_each=destinations["id"].astype(str))
        long = estimate_nearest_service(settlements, d, "drive", circuity=1.3, by="_each")
        return long.assign(destination_id=long["_each"])

    expected = suggest_points(od(settlements), 2, 5.0, settlements=settlements, existing_points=od(points),
                              cost_per_point=100000.0)
    assert expected.newly_covered_population > 0
    assert metric(at, tr("plan_newly_covered", "uk")) == fmt_int(expected.newly_covered_population)
    text = " ".join(m.value for m in at.markdown)
    assert fmt_int(expected.cost_per_newly_covered_person) in text


def test_planning_with_a_road_network_uses_apply_scenario():
    from analysis.planning.scenario import PlanningContext, WhatIf, apply_scenario

    net, name = synthetic_network_for(BRODY)
    at = start()
    at.selectbox(key="network").set_value(name).run()
    ok(at)
    bundle = load_demo_pack(BRODY)
    assert metric(at, tr("kpi_covered", "uk")) == fmt_int(expected_cnap(network=net)["population_covered"])
    at.switch_page("views/planning.py").run()
    ok(at)
    context = PlanningContext.build(net, bundle.settlements, bundle.service_points, "drive", "cnap",
                                    threshold_min=15.0)
    # close the point whose closure leaves most people outside 15 min
    drops = {pid: apply_scenario(context, WhatIf(close=[pid])).summary()["covered_population_change"]
             for pid in context.point_ids}
    closed = min(drops, key=drops.get)
    at.slider(key="norm_time_min").set_value(15)
    at.checkbox(key="norm_use_km").set_value(False).run()
    at.multiselect(key="plan_close").set_value([closed]).run()
    ok(at)
    expected = apply_scenario(context, WhatIf(close=[closed])).summary()
    assert metric(at, AFTER) == fmt_int(expected["covered_population_after"])
    assert metric(at, BEFORE) == fmt_int(expected["covered_population_before"])
    assert expected["covered_population_after"] < expected["covered_population_before"]


# ------------------------------------------------------------------------------------------------------ compare
def test_compare_page_ranks_all_demo_packs_as_rank_hromadas():
    from analysis.reporting.compare import rank_hromadas
    from analysis.reporting.pipeline import analyse_hromada

    at = start()
    at.switch_page("views/compare.py").run()
    ok(at)
    codes = list(list_demo_packs()["code"])
    norms = tuple(cnap_norm() if n.id == "cnap_access" else n for n in DEFAULT_NORMS)
    table = rank_hromadas([analyse_hromada(load_demo_pack(c), None, norms, "drive", circuity=1.3) for c in codes])
    assert metric(at, tr("cmp_hromadas", "uk")) == str(len(codes))
    assert metric(at, tr("kpi_uncovered", "uk")) == fmt_int(table["population_uncovered"].sum())
    assert len(at.dataframe[0].value) == len(codes)
    at.slider(key="norm_time_min").set_value(5).run()
    ok(at)
    norms5 = tuple(cnap_norm(5) if n.id == "cnap_access" else n for n in DEFAULT_NORMS)
    table5 = rank_hromadas([analyse_hromada(load_demo_pack(c), None, norms5, "drive", circuity=1.3) for c in codes])
    assert metric(at, tr("kpi_uncovered", "uk")) == fmt_int(table5["population_uncovered"].sum())


# ------------------------------------------------------------------------------------------------------ data
def test_bad_settlements_upload_shows_the_error_and_keeps_the_data():
    at = start()
    covered = metric(at, tr("kpi_covered", "uk"))
    at.switch_page("views/data.py").run()
    at.file_uploader(key="data_upload_settlements").set_value(
        ("villages.csv", "назва;мешканці\nА;10\n".encode("utf-8"), "text/csv")).run()
    assert not at.exception
    assert at.error and "villages.csv" in at.error[0].value
    at.switch_page("views/overview.py").run()
    ok(at)
    assert metric(at, tr("kpi_covered", "uk")) == covered


def test_own_settlements_file_replaces_the_pack_table():
    from analysis.sources.places import settlements_from_table
    from analysis.sources.readers import read_points

    at = start()
    bundle = load_demo_pack(BRODY)
    own = bundle.settlements[["katottg", "name", "population", "is_hromada_centre"]].copy()
    own["population"] = own["population"] * 2
    own["lon"] = bundle.settlements.geometry.x
    own["lat"] = bundle.settlements.geometry.y
    data = own.to_csv(index=False).encode("utf-8")
    at.switch_page("views/data.py").run()
    at.file_uploader(key="data_upload_settlements").set_value(("own_settlements.csv", data, "text/csv")).run()
    ok(at)
    expected_settlements = settlements_from_table(read_points(data, name="own_settlements.csv"),
                                                  hromada_katottg=BRODY)
    at.switch_page("views/overview.py").run()
    ok(at)
    row = expected_cnap(settlements=expected_settlements)
    assert metric(at, tr("kpi_covered", "uk")) == fmt_int(row["population_covered"])
    assert row["population_covered"] == pytest.approx(2 * expected_cnap()["population_covered"])


def test_corrupt_osm_upload_is_a_readable_error():
    at = start()
    at.switch_page("views/data.py").run()
    at.file_uploader(key="data_osm_upload").set_value(("broken.osm.pbf", b"\x00not a pbf at all" * 50,
                                                      "application/octet-stream"))
    at.button(key="data_import").click().run()
    assert not at.exception
    assert at.error and tr("error", "uk") in at.error[0].value


def test_osm_path_import_saves_a_network_the_sidebar_offers():
    at = start()
    at.switch_page("views/data.py").run()
    at.checkbox(key="data_import_clip").set_value(False)
    at.text_input(key="data_osm_path").set_value(str(REPO_ROOT / "tests" / "fixtures" / "ukr_village.osm"))
    at.button(key="data_import").click().run()
    ok(at)
    assert any("ukr_village" in o for o in at.selectbox(key="network").options)
    assert at.selectbox(key="network").value.startswith("ukr_village")
    assert at.success


def test_uploads_named_with_a_path_write_nothing_outside(tmp_path):
    """A client chooses the upload's name: '../../x.csv' or an absolute path must not become a file (registry,
    OSM, tables), and the data already loaded stays."""
    escape = tmp_path / "escaped"
    escape.mkdir()
    registry = b"name;address\n=HYPERLINK(1);x\n"
    names = ["../" * 12 + str(escape / "relative.csv").lstrip("/"), str(escape / "absolute.csv")]
    at = start()
    at.switch_page("views/data.py").run()
    for name in names:
        at.file_uploader(key="data_registry_upload").set_value((name, registry, "text/csv")).run()
        assert not at.exception
        at.file_uploader(key="data_osm_upload").set_value((name.replace(".csv", ".osm"), b"<osm/>", "text/xml"))
        at.button(key="data_import").click().run()
        assert not at.exception
        at.file_uploader(key="data_upload_settlements").set_value((name, b"id,lon,lat\n", "text/csv")).run()
        assert not at.exception
    assert list(escape.iterdir()) == []
    at.switch_page("views/overview.py").run()
    ok(at)
    assert metric(at, tr("kpi_covered", "uk")) == fmt_int(expected_cnap()["population_covered"])


def test_server_path_import_only_for_a_local_server(monkeypatch):
    import streamlit

    from dashboard.views.data import serves_this_machine_only

    for address, local in (("127.0.0.1", True), ("localhost", True), ("0.0.0.0", False), ("192.168.1.5", False)):
        monkeypatch.setattr(streamlit, "get_option", lambda key, a=address: a)
        assert serves_this_machine_only() is local


def test_failed_download_is_a_readable_message(monkeypatch):
    import analysis.sources.download
    from analysis.errors import DownloadError

    def fail(*args, **kwargs):
        raise DownloadError("Немає з'єднання з Overpass API / no connection to the Overpass API")

    monkeypatch.setattr(analysis.sources.download, "download_osm", fail)
    at = start()
    at.switch_page("views/data.py").run()
    at.button(key="data_download").click().run()
    assert not at.exception
    assert at.error and "Overpass" in at.error[0].value


def test_upload_size_is_capped():
    from analysis.errors import DataError
    from analysis.reporting.inputs import check_size

    with pytest.raises(DataError, match="too large"):
        check_size(b"x" * (2 * 1024 * 1024), 1, "big.csv")
    config = (REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "maxUploadSize" in config and 'address = "127.0.0.1"' in config
    assert "enableStaticServing = true" in config


def test_helsinki_example_network_is_importable_and_flagged_as_elsewhere():
    at = start()
    at.switch_page("views/data.py").run()
    at.button(key="data_import_example").click().run()
    ok(at)
    network = at.selectbox(key="network")
    assert network.value.startswith("Helsinki")
    assert any(tr("network_elsewhere", "uk") in option for option in network.options)
    # a network far from the hromada is not used: the figures stay the (labelled) estimates
    assert any(tr("network_ignored", "uk", name=network.value) == w.value for w in at.sidebar.warning)
    at.switch_page("views/overview.py").run()
    assert metric(at, tr("kpi_covered", "uk")) == fmt_int(expected_cnap()["population_covered"])


def test_hromada_without_pack_gets_figures_from_an_imported_osm_extract():
    """Search -> open a hromada without demo pack -> import OSM clipped to it -> every page has figures."""
    from dashboard import cache, session

    at = start()
    at.text_input(key="overview_search").set_value("Монастириська").run()
    at.button(key="overview_open").click().run()
    code = at.selectbox(key="hromada").value
    assert code == "UA61060310000061998"
    at.switch_page("views/data.py").run()
    assert at.checkbox(key="data_import_clip").value  # clipped to the hromada by default
    at.text_input(key="data_osm_path").set_value(str(REPO_ROOT / "tests" / "fixtures" / "ukr_village.osm"))
    at.button(key="data_import").click().run()
    ok(at)
    at.switch_page("views/overview.py").run()
    assert not at.exception
    spec = session.bundle_spec(code, None)
    bundle = cache.bundle(**spec)
    assert bundle is not None and len(bundle.settlements) > 0
    network = cache.network(spec["osm_dir"])
    result = compute_access(bundle.settlements, bundle.service_points, network, mode="drive", by="group")
    evaluation = evaluate_norms(result, bundle.settlements, [cnap_norm()])
    row = coverage_summary(evaluation, bundle.settlements, by_hromada=False).iloc[0]
    assert metric(at, tr("kpi_covered", "uk")) == fmt_int(row["population_covered"])
    for page in ("views/coverage.py", "views/barrier_free.py", "views/planning.py", "views/compare.py"):
        at.switch_page(page).run()
        ok(at)
    # the coverage table says why a settlement is not reached, in the user's language, and how far its road is
    at.switch_page("views/coverage.py").run()
    shown = at.dataframe[0].value
    cnap = result.long[result.long["group"] == "cnap"].set_index("origin_id")
    names = bundle.settlements.set_index("id")["name"]
    expected = {names[i]: reason_label(cnap.loc[i, "unreachable_reason"], "uk") for i in cnap.index}
    got = dict(zip(shown[tr("col_name", "uk")], shown[tr("col_reason", "uk")]))
    assert got == expected and any(expected.values())
    assert (shown[tr("col_snap_m", "uk")].notna()).all()


def test_staff_workload_is_residents_per_administrator_by_allocation():
    """Each resident counted once, at the nearest ЦНАП point: computed here from the straight lines alone."""
    from analysis.metrics.capacity import ULEAD_RESIDENTS_PER_ADMINISTRATOR
    from analysis.routing.points import _geodesic_km

    at = start()
    at.switch_page("views/planning.py").run()
    ok(at)
    bundle = load_demo_pack(BRODY)
    points = bundle.service_points[bundle.service_points["group"] == "cnap"].reset_index(drop=True)
    settlements = bundle.settlements
    km = np.array([[_geodesic_km(np.array([s.x]), np.array([s.y]), np.array([p.x]), np.array([p.y]))[0]
                    for p in points.geometry] for s in settlements.geometry])
    nearest = km.argmin(axis=1)  # the first of equal distances, as the router
    load = np.bincount(nearest, weights=settlements["population"].to_numpy(dtype=float), minlength=len(points))
    staff = pd.to_numeric(points["workers_total"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_admin = load / staff
    over = int(((staff > 0) & (per_admin > ULEAD_RESIDENTS_PER_ADMINISTRATOR)).sum())
    assert load.sum() == settlements["population"].sum()  # nobody counted twice
    assert metric(at, tr("cap_over", "uk")) == str(over)
    assert metric(at, tr("cap_unknown_staff", "uk")) == str(int(np.isnan(staff).sum()))
    table = next(df.value for df in at.dataframe if tr("cap_load", "uk") in df.value.columns)
    names = points["name"].to_numpy(dtype=object)
    shown = table.set_index(tr("bf_col_point", "uk"))[tr("cap_load", "uk")]
    np.testing.assert_allclose(shown.loc[names].to_numpy(dtype=float), load.round(0))


def test_registry_rows_can_replace_the_service_points():
    from analysis.sources.registry import geocode_registry, load_registry

    at = start()
    at.switch_page("views/data.py").run()
    at.button(key="data_registry_shared").click().run()
    ok(at)
    bundle = load_demo_pack(BRODY)
    placed, unplaced = geocode_registry(load_registry(), bundle.settlements, BRODY, bundle.name_uk,
                                        oblast_name=bundle.boundary.iloc[0].get("oblast"))
    expected = tr("registry_result", "uk", placed=len(placed), unplaced=len(unplaced))
    assert any(m.value == expected for m in at.markdown)
    at.button(key="data_registry_use").click().run()
    ok(at)
    assert at.success  # "file accepted"
    files = at.session_state["user_uploads"][BRODY]
    assert files["service_points"][0].startswith("registry:")
    at.switch_page("views/coverage.py").run()
    ok(at)
    assert metric(at, tr("points_count", "uk")) == str(int((placed["group"] == "cnap").sum()))


# ------------------------------------------------------------------------------------------------------ Ukraine
def test_ukraine_page_offers_the_computation_then_shows_the_national_figures():
    """Without national figures the page says so and offers the computation; with them (computed here for a
    sample of hromadas into the page's own file) its metrics and ranking are the national view's."""
    from analysis.outputs import write_geopackage
    from analysis.reporting.national import national_view
    from dashboard.views.ukraine import national_file

    at = start()
    at.switch_page("views/ukraine.py").run()
    ok(at)
    assert at.info and at.button(key="ua_compute")
    # the last one has no ЦНАП point in the registry: counted, not evaluated, said so
    sample = ["UA05060010000053179", BRODY, "UA32080070000050759", "UA26080030000014307", "UA05020250000055470"]
    ctx = {"norm": cnap_norm(), "mode": "drive", "circuity": 1.3}
    view = national_view(codes=sample, norm=ctx["norm"])
    write_geopackage({k: v for k, v in view.layers().items() if k != "errors"}, national_file(ctx))
    at.switch_page("views/ukraine.py").run()
    ok(at)
    table = view.hromadas
    assert metric(at, tr("ua_n_hromadas", "uk")) == fmt_int(len(table)) == "5"
    evaluated = table[table["method"] == "estimated"]
    assert len(evaluated) == 4
    assert metric(at, tr("ua_outside", "uk")) == fmt_int(evaluated["population_uncovered"].sum())
    assert metric(at, tr("ua_share", "uk")) == fmt_pct(evaluated["population_covered"].sum()
                                                       / evaluated["population_total"].sum())
    assert any(w.value == tr("ua_not_evaluated", "uk", n=1, population=fmt_int(
        table.loc[table["method"] != "estimated", "population_total"].sum())) for w in at.warning)
    ranking = next(df.value for df in at.dataframe if tr("ua_col_outside", "uk") in df.value.columns)
    assert ranking[tr("ua_col_outside", "uk")].dropna().is_monotonic_decreasing
    assert set(ranking[tr("ua_col_hromada", "uk")]) == set(table["name_uk"])
    assert ranking[tr("ua_col_outside", "uk")].iloc[-1] != ranking[tr("ua_col_outside", "uk")].iloc[-1]  # NaN last
    # the cost per newly covered resident: the cost of a point over the residents its best new point brings in
    at.number_input(key="ua_cost").set_value(1_000_000.0).run()
    ok(at)
    ranking = next(df.value for df in at.dataframe if tr("ua_col_outside", "uk") in df.value.columns)
    newly = ranking[tr("ua_col_newly", "uk")]
    expected = (1_000_000.0 / newly.where(newly > 0)).round(0)
    pd.testing.assert_series_equal(ranking[tr("ua_col_cost_per_person", "uk")], expected, check_names=False)
    at.selectbox(key="ua_oblast").set_value("Львівська").run()
    ok(at)
    assert metric(at, tr("ua_n_hromadas", "uk")) == "1"
