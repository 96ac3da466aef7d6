"""One truth: the same settlement has the same ЦНАП-norm status everywhere — the analysis API as the notebooks call
it, every dashboard figure that says "within the norm" (overview/coverage evaluation, barrier-free page, planning
page, suggestions), the CLI's GeoPackage and the dashboard's XLSX export — for every demo hromada (estimated), a
demo hromada on a saved road network, and two Lviv hromadas routed on the real 2013 Lviv extract."""

from __future__ import annotations

import io
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import REPO_ROOT, shared_data_root

from analysis import (
    DEFAULT_NORMS,
    PlanningContext,
    analyse_hromada,
    compute_access,
    evaluate_norms,
    geocode_registry,
    hromada_boundary,
    load_demo_pack,
    load_registry,
    norm_for_group,
    read_osm,
    router_for,
    settlements_from_table,
)
from analysis.sources.extracts import save_extract
from analysis.sources.synthetic import road_grid

DEMO_CODES = ("UA46040010000033885", "UA26080030000014307", "UA63060010000015783")
LVIV_CODES = ("UA46060250000025047", "UA46060430000091455")  # Львівська, Солонківська
NORMS = tuple(DEFAULT_NORMS)
CNAP = norm_for_group(NORMS, "cnap")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("one_truth")


@pytest.fixture(scope="module")
def lviv_extract():
    return read_osm(shared_data_root() / "osm" / "lviv_2013_osmtransit.osm")


def _lviv_inputs(code: str, folder) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
    """A Lviv hromada as a user would load it: the national settlement points (test populations) and the
    registry's ЦНАП rows placed at them, as two uploaded files."""
    root = shared_data_root()
    rows = pd.read_csv(root / "admin" / "settlements" / "settlement_points_katottg.csv", dtype=str)
    rows = rows[rows["hromada_katottg"] == code]
    table = gpd.GeoDataFrame(
        rows[["katottg", "name"]].assign(id=rows["katottg"], population=np.arange(len(rows)) * 150.0 + 300.0),
        geometry=gpd.points_from_xy(rows["lon"].astype(float), rows["lat"].astype(float)), crs="EPSG:4326")
    settlements = settlements_from_table(table, hromada_katottg=code)
    outline = hromada_boundary(code)
    placed, _ = geocode_registry(load_registry(), settlements, code, outline.iloc[0]["name_uk"],
                                 oblast_name=outline.iloc[0].get("oblast"))
    assert len(placed) > 0
    return (("settlements.geojson", table.to_json(drop_id=True).encode("utf-8")),
            ("cnap.geojson", placed.to_json(drop_id=True).encode("utf-8")))


def _case(name: str, workspace, lviv_extract):
    """(spec, network path, bundle, network) of a case."""
    from dashboard import cache, session

    if name.startswith("demo:"):
        code = name.split(":")[1]
        spec = session.bundle_spec(code, None)
        return spec, None, cache.bundle(**spec), None
    if name == "network:brody":
        code = DEMO_CODES[0]
        bundle = load_demo_pack(code)
        west, south, east, north = bundle.boundary.total_bounds
        net = road_grid(int((north - south) * 111) + 3, int((east - west) * 73) + 3, spacing_m=1000.0,
                        origin_lonlat=(west - 0.01, south - 0.01), oneway_share=0.1, seed=3)
        from analysis.sources.osm_import import OsmExtract

        empty = gpd.GeoDataFrame({"osmid": []}, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
        folder = save_extract(OsmExtract(net, empty, empty, {}), workspace / "brody_grid")
        spec = session.bundle_spec(code, None)
        return spec, str(folder), cache.bundle(**spec), net
    code = name.split(":")[1]
    settlements_file, points_file = _lviv_inputs(code, workspace)
    folder = workspace / f"lviv_{code}"
    if not folder.exists():
        save_extract(lviv_extract, folder)
    spec = {"code": code, "root": None, "settlements_file": settlements_file, "points_file": points_file,
            "osm_dir": None, "surveys": ()}
    return spec, str(folder), cache.bundle(**spec), lviv_extract.network


def _status(evaluation: pd.DataFrame, norm_id: str = CNAP.id) -> pd.Series:
    part = evaluation[evaluation["norm_id"] == norm_id]
    return pd.Series(part["meets_norm"].astype("boolean").fillna(False).to_numpy(dtype=bool),
                     index=part["settlement_id"].astype(str).to_numpy())


CASES = [f"demo:{c}" for c in DEMO_CODES] + ["network:brody"] + [f"lviv:{c}" for c in LVIV_CODES]


@pytest.mark.parametrize("case", CASES)
def test_every_surface_gives_the_same_norm_status(case, workspace, lviv_extract, tmp_path):
    from dashboard import cache, exports

    spec, network_path, bundle, network = _case(case, workspace, lviv_extract)
    args = (spec, network_path, "drive", 1.3, 1000.0)
    ids = bundle.settlements["id"].astype(str).to_numpy()

    # the analysis API, as the notebooks call it
    router = router_for(network, "drive")
    truth = _status(analyse_hromada(bundle, norms=NORMS, router=router).evaluation).reindex(ids)
    access = compute_access(bundle.settlements, bundle.service_points, network, mode="drive")
    assert _status(evaluate_norms(access, bundle.settlements, NORMS)).reindex(ids).equals(truth)
    context = PlanningContext.build(network, bundle.settlements, bundle.service_points, "drive", "cnap")
    assert pd.Series(context.covered, index=ids).equals(truth)

    # the dashboard: overview/coverage evaluation, barrier-free page, planning page, suggestions
    assert _status(cache.evaluation(*args, NORMS)).reindex(ids).equals(truth)
    bf = cache.bf_coverage(*args, NORMS).settlements
    assert pd.Series(bf["within_norm_all"].to_numpy(dtype=bool), index=bf["id"].astype(str)).reindex(ids).equals(truth)
    page = cache.planning_context(cache.spec_key(spec), *args, "cnap", NORMS)
    assert pd.Series(page.covered, index=ids).equals(truth)
    suggestion = cache.suggestion(*args, "cnap", NORMS, 1, None).settlements
    before = pd.Series(suggestion["covered_before"].to_numpy(dtype=bool), index=suggestion["origin_id"].astype(str))
    assert before.reindex(ids).equals(truth)

    # the dashboard's XLSX download
    xlsx = pd.read_excel(io.BytesIO(exports.xlsx_bytes(*args, NORMS, CNAP.id)), sheet_name="norm_status",
                         dtype={"settlement_id": str})
    assert _status(xlsx).reindex(ids).equals(truth)

    # the command line: python -m analysis run
    out = tmp_path / "run.gpkg"
    command = [sys.executable, "-m", "analysis", "--quiet", "run", "--out", str(out)]
    if case.startswith("lviv"):
        for kind, (name, data) in (("--settlements", spec["settlements_file"]), ("--points", spec["points_file"])):
            path = tmp_path / name
            path.write_bytes(data)
            command += [kind, str(path)]
        command += ["--katottg", spec["code"]]
    else:
        command += ["--pack", spec["code"]]
    if network_path:
        command += ["--network", network_path]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    cli = pyogrio.read_dataframe(out, layer="norm_status")
    assert _status(cli.assign(settlement_id=cli["settlement_id"].astype(str))).reindex(ids).equals(truth)
    # run's coverage summary and gaps are the dashboard download's (one list of layers: analysis.reporting.layers)
    sheets = pd.read_excel(io.BytesIO(exports.xlsx_bytes(*args, NORMS, CNAP.id)), sheet_name=None)
    for layer, key in (("coverage_summary", ["norm_id", "population_covered", "population_uncovered"]),
                       ("gaps", ["norm_id", "settlement_id", "population"])):
        from_cli = pyogrio.read_dataframe(out, layer=layer, read_geometry=False)
        assert len(from_cli) == len(sheets[layer]), layer
        for column in key:
            left, right = from_cli[column].reset_index(drop=True), sheets[layer][column].reset_index(drop=True)
            if column in ("norm_id", "settlement_id"):
                assert left.astype(str).tolist() == right.astype(str).tolist(), (layer, column)
            else:
                np.testing.assert_allclose(left.astype(float), right.astype(float), err_msg=f"{layer}.{column}")

    # the figures are not trivial: some settlements are in, and on the Lviv extract some are not routed at all
    assert truth.any()
    if case.startswith("lviv"):
        reasons = set(access.long["unreachable_reason"])
        assert not truth.all() and "too_far_from_network" in reasons
