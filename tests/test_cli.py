"""The command line does what the library does, writes atomically and fails with one readable line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from analysis.cli import main
from analysis.network.graph import RoadNetwork
from analysis.routing.results import RESULT_COLUMNS
from analysis.routing.router import nearest_service
from analysis.sources.osm_import import read_osm

REPO = Path(__file__).resolve().parents[1]
VILLAGE = Path(__file__).resolve().parent / "fixtures" / "ukr_village.osm"
BRODY = "UA46040010000033885"


def _write_origins_csv(path: Path) -> None:
    pd.DataFrame(
        {"id": ["verbivka", "horodok", "island"], "name": ["Вербівка", "Городок", "Острівець"],
         "lon": [25.005, 25.0655, 25.0905], "lat": [49.0035, 49.0011, 49.0415]}
    ).to_csv(path, index=False)


def _write_destinations_geojson(path: Path) -> None:
    gpd.GeoDataFrame(
        {"id": ["cnap", "vrm"], "name": ["ЦНАП", "ВРМ Вербівка"]},
        geometry=gpd.points_from_xy([25.0645, 25.0052], [49.0032, 49.0041]), crs="EPSG:4326",
    ).to_file(path, driver="GeoJSON")


def test_travel_times_csv_equals_library_result(tmp_path, capsys):
    origins, dests, out = tmp_path / "o.csv", tmp_path / "d.geojson", tmp_path / "tt.csv"
    _write_origins_csv(origins)
    _write_destinations_geojson(dests)
    code = main(["--quiet", "travel-times", "--osm", str(VILLAGE), "--origins", str(origins),
                 "--destinations", str(dests), "--mode", "drive", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert list(table.columns) == list(RESULT_COLUMNS)
    network = read_osm(VILLAGE).network
    from analysis.sources.readers import read_points

    expected = nearest_service(network, read_points(origins), read_points(dests), "drive")
    np.testing.assert_allclose(table["travel_time_min"], expected["travel_time_min"], rtol=1e-9)
    np.testing.assert_allclose(table["network_distance_km"], expected["network_distance_km"], rtol=1e-9)
    assert table["destination_id"].tolist() == expected["destination_id"].tolist()
    assert table["reachable"].tolist() == expected["reachable"].tolist()
    assert "origins" in capsys.readouterr().out


def test_travel_times_without_network_is_labelled_estimated(tmp_path, capsys):
    origins, dests, out = tmp_path / "o.csv", tmp_path / "d.geojson", tmp_path / "tt.gpkg"
    _write_origins_csv(origins)
    _write_destinations_geojson(dests)
    assert main(["--quiet", "travel-times", "--origins", str(origins), "--destinations", str(dests),
                 "--out", str(out)]) == 0
    layer = gpd.read_file(out)
    assert (layer["method"] == "estimated").all()
    assert "ESTIMATED" in capsys.readouterr().err


def test_bad_inputs_exit_2_with_one_line_and_write_nothing(tmp_path, capsys):
    dests, out = tmp_path / "d.geojson", tmp_path / "tt.csv"
    _write_destinations_geojson(dests)
    wrong = tmp_path / "wrong.csv"
    pd.DataFrame({"id": [1], "x_coord": [25.0], "y_coord": [49.0]}).to_csv(wrong, index=False)
    assert main(["--quiet", "travel-times", "--origins", str(wrong), "--destinations", str(dests),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error:") and "x_coord" in err and "Traceback" not in err
    swapped = tmp_path / "swapped.csv"
    pd.DataFrame({"id": ["a", "b"], "lon": [49.0, 49.01], "lat": [25.0, 25.01]}).to_csv(swapped, index=False)
    assert main(["--quiet", "travel-times", "--origins", str(swapped), "--destinations", str(dests),
                 "--out", str(out)]) == 2
    assert "swapped" in capsys.readouterr().err
    corrupt = tmp_path / "broken.osm.pbf"
    corrupt.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 50)
    origins = tmp_path / "o.csv"
    _write_origins_csv(origins)
    assert main(["--quiet", "travel-times", "--osm", str(corrupt), "--origins", str(origins),
                 "--destinations", str(dests), "--out", str(out)]) == 2
    assert "broken.osm.pbf" in capsys.readouterr().err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp leftovers


def test_existing_output_survives_a_failed_run(tmp_path):
    dests, out = tmp_path / "d.geojson", tmp_path / "tt.csv"
    _write_destinations_geojson(dests)
    out.write_text("previous results\n", encoding="utf-8")
    empty = tmp_path / "empty.osm"
    empty.write_text("", encoding="utf-8")
    origins = tmp_path / "o.csv"
    _write_origins_csv(origins)
    assert main(["--quiet", "travel-times", "--osm", str(empty), "--origins", str(origins),
                 "--destinations", str(dests), "--out", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "previous results\n"


def test_import_saves_an_extract_that_loads_back_identical(tmp_path, helsinki_pbf, monkeypatch):
    from analysis.sources.extracts import default_extracts_dir, load_extract

    out = tmp_path / "helsinki"
    assert main(["--quiet", "import", "--osm", str(helsinki_pbf), "--out", str(out)]) == 0
    direct = read_osm(helsinki_pbf)
    for loaded in (RoadNetwork.load(out), load_extract(out).network):
        assert loaded.n_nodes == direct.network.n_nodes and loaded.n_edges == direct.network.n_edges
        np.testing.assert_array_equal(loaded.edges["u"], direct.network.edges["u"])
        np.testing.assert_allclose(loaded.edges["length_m"], direct.network.edges["length_m"])
    assert len(load_extract(out).pois) == len(direct.pois)
    layers = dict(pyogrio.list_layers(out / "osm.gpkg"))
    assert "roads" in layers
    assert len(gpd.read_file(out / "osm.gpkg", layer="roads")) == direct.network.n_edges
    # without --out the extract goes where the dashboard lists saved networks
    monkeypatch.setenv("HROMADA_ACCESS_CACHE", str(tmp_path / "cache"))
    assert main(["--quiet", "import", "--osm", str(helsinki_pbf)]) == 0
    saved = list(default_extracts_dir().iterdir())
    assert len(saved) == 1 and load_extract(saved[0]).network.n_edges == direct.network.n_edges
    origins = tmp_path / "o.csv"
    pd.DataFrame({"id": ["a", "b"], "lon": [24.94, 24.95], "lat": [60.17, 60.168]}).to_csv(origins, index=False)
    assert main(["--quiet", "travel-times", "--network", str(saved[0]), "--origins", str(origins),
                 "--destinations", str(origins), "--mode", "walk", "--out", str(tmp_path / "t.csv")]) == 0


def test_run_demo_pack_writes_geopackage_layers(tmp_path, data_root):
    out = tmp_path / "brody.gpkg"
    assert main(["--quiet", "--data-root", str(data_root), "run", "--pack", BRODY, "--out", str(out)]) == 0
    layers = dict(pyogrio.list_layers(out))
    assert {"settlements", "service_points", "boundary", "travel_times"} <= set(layers)
    settlements = gpd.read_file(out, layer="settlements")
    features = json.loads((data_root / "demo" / BRODY / "settlements.geojson").read_text(encoding="utf-8"))["features"]
    assert len(settlements) == len(features) == 51
    assert (settlements["method"] == "estimated").all()
    assert settlements["travel_time_min__cnap"].notna().all()
    assert (tmp_path / "brody.csv").exists()
    # the full analysis: the dashboard's layers (analysis.reporting.layers), also as an XLSX beside
    full = {"settlements", "service_points", "boundary", "travel_times", "norm_status", "coverage_summary", "gaps",
            "data_quality", "service_areas", "suggestions"}
    assert full <= set(layers)
    assert set(pd.read_excel(tmp_path / "brody.xlsx", sheet_name=None)) == full
    summary = pyogrio.read_dataframe(out, layer="coverage_summary", read_geometry=False).set_index("norm_id")
    assert summary.loc["cnap_access", "population_total"] == settlements["population"].sum()
    areas = gpd.read_file(out, layer="service_areas")
    assert sorted(areas["break_min"]) == [15.0, 30.0, 45.0, 60.0]
    assert areas.to_crs(6381).area.is_monotonic_increasing  # nested: 15 min inside 30 min ...
    # QGIS opens the file styled: a default QML per styled layer in layer_styles (read back with sqlite3)
    import sqlite3
    import xml.etree.ElementTree as ET

    from analysis.reporting.maps import BAND_COLOURS, TIME_BANDS_MIN

    with sqlite3.connect(out) as connection:
        styles = connection.execute("SELECT f_table_name, useAsDefault, styleQML FROM layer_styles").fetchall()
    assert [(name, bool(default)) for name, default, _ in styles] == [("settlements", True)]
    renderer = ET.fromstring(styles[0][2].split("'SYSTEM'>", 1)[1]).find("renderer-v2")
    assert renderer.get("attr") in settlements.columns and renderer.get("type") == "graduatedSymbol"
    ranges = renderer.findall("ranges/range")
    assert [float(r.get("upper")) for r in ranges][:-1] == list(TIME_BANDS_MIN)
    colours = [o.get("value") for o in renderer.findall("symbols/symbol/layer/Option/Option[@name='color']")]
    assert colours == [",".join(str(int(c[i:i + 2], 16)) for i in (1, 3, 5)) + ",255" for c in BAND_COLOURS]
    assert main(["--quiet", "--data-root", str(data_root), "run", "--pack", BRODY, "--out", str(out),
                 "--suggest", "-1"]) == 2
    assert main(["--quiet", "--data-root", str(data_root), "run", "--pack", BRODY, "--out", str(out),
                 "--service-areas", "15,abc"]) == 2


def test_run_suggestions_layer_is_the_planning_pages_suggestion(data_root):
    """Suggested points in the run/download layers are suggest_points' on the planning context, placed at their
    candidate settlements; with a 10-min norm Brody has residents to cover."""
    from analysis.metrics.access import compute_access
    from analysis.metrics.norms import DEFAULT_NORMS, get_norm, with_threshold
    from analysis.planning.scenario import PlanningContext
    from analysis.planning.suggest import suggest_points
    from analysis.reporting.layers import result_layers
    from analysis.reporting.pipeline import analyse_hromada
    from analysis.sources.packs import load_demo_pack

    bundle = load_demo_pack(BRODY, data_root)
    norm = with_threshold(get_norm(DEFAULT_NORMS, "cnap_access"), max_time_min=10.0, max_distance_km=None)
    norms = tuple(norm if n.id == "cnap_access" else n for n in DEFAULT_NORMS)
    access = compute_access(bundle.settlements, bundle.service_points)
    report = analyse_hromada(bundle, norms=norms, router=access.router, access=access)
    context = PlanningContext.build(access.router, bundle.settlements, bundle.service_points, group="cnap", norm=norm)
    suggestion = suggest_points(context, 2)
    layer = result_layers(bundle, report, access, suggestion=suggestion)["suggestions"]
    assert list(layer["candidate_id"]) == suggestion.chosen_ids and len(layer) == 2
    assert layer["newly_covered_population"].sum() == suggestion.newly_covered_population > 0
    at = bundle.settlements.set_index("id").geometry
    assert all(g.equals(at[c]) for c, g in zip(layer["candidate_id"], layer.geometry))
    gaps = result_layers(bundle, report, access)["gaps"]
    uncovered = report.evaluation.query("norm_id == 'cnap_access' and not meets_norm")
    assert set(gaps.loc[gaps["norm_id"] == "cnap_access", "settlement_id"]) == set(uncovered["settlement_id"])


def test_registry_points_have_one_id_form_in_run_and_travel_times(tmp_path, data_root):
    """``run`` on a pack and ``travel-times`` on the pack's own files name a registry point the same way."""
    pack = data_root / "demo" / BRODY
    run_out, times_out = tmp_path / "run.gpkg", tmp_path / "times.csv"
    assert main(["--quiet", "--data-root", str(data_root), "run", "--pack", BRODY, "--out", str(run_out)]) == 0
    assert main(["--quiet", "travel-times", "--origins", str(pack / "settlements.geojson"),
                 "--destinations", str(pack / "service_points.geojson"), "--out", str(times_out)]) == 0
    codes = [f["properties"]["registry_code"] for f in
             json.loads((pack / "service_points.geojson").read_text(encoding="utf-8"))["features"]]
    expected = {f"registry:{c}" for c in codes}
    from_run = set(gpd.read_file(run_out, layer="service_points")["id"])
    from_times = set(pd.read_csv(times_out, dtype=str)["destination_id"].dropna())
    assert from_run == expected and from_times <= expected and from_times


def test_module_entry_point_runs_as_a_process(tmp_path):
    result = subprocess.run([sys.executable, "-m", "analysis", "--help"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0 and "travel-times" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "analysis", "travel-times", "--origins", "missing.csv",
                          "--destinations", "missing.csv", "--out", str(tmp_path / "x.csv")],
                         cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "missing.csv" in bad.stderr
