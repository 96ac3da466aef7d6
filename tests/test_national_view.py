"""The national view (analysis.reporting.national, ``python -m analysis national``): a hromada's row equals what
``run`` gives for it (analyse_hromada on load_hromada), its settlements are the run's norm status, oblasts are sums."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pyogrio
import pytest
from conftest import REPO_ROOT

from analysis.barrier_free.coverage import barrier_free_coverage, barrier_free_share_by_hromada
from analysis.barrier_free.status import assess_points
from analysis.reporting.national import HROMADA_COLUMNS, national_view
from analysis.reporting.pipeline import analyse_hromada
from analysis.sources.national import load_hromada

SAMPLE = ("UA05060010000053179", "UA46040010000033885", "UA32080070000050759", "UA46060250000025047",
          "UA63060010000015783", "UA26080030000014307")


@pytest.fixture(scope="module")
def view(data_root):
    return national_view(data_root, codes=SAMPLE, workers=2)


def test_each_hromada_row_equals_run(view, data_root):
    table = view.hromadas.set_index("hromada_katottg")
    assert list(view.hromadas.columns) == [*HROMADA_COLUMNS, "geometry"]
    assert set(table.index) == set(SAMPLE) and view.errors.empty
    for code in SAMPLE:
        bundle = load_hromada(code, data_root)
        report = analyse_hromada(bundle)
        run = report.summary_for("cnap_access")
        row = table.loc[code]
        for column in ("population_total", "population_covered", "population_uncovered", "n_uncovered_settlements"):
            assert row[column] == run[column], (code, column)
        assert row["share_covered"] == pytest.approx(run["share_covered"])
        assert row["n_settlements"] == len(bundle.settlements) and row["method"] == report.method == "estimated"
        cnap = bundle.service_points[bundle.service_points["group"] == "cnap"]
        assert row["n_cnap_points"] == len(cnap)
        if len(cnap):
            coverage = barrier_free_coverage(bundle.settlements, assess_points(bundle.service_points),
                                             norm=report.norms[0], router=report.router)
            assert row["barrier_free_share"] == pytest.approx(barrier_free_share_by_hromada(coverage)[code],
                                                              nan_ok=True)
        mine = view.settlements[view.settlements["hromada_katottg"] == code].set_index("settlement_id")
        status = report.evaluation.query("norm_id == 'cnap_access'").set_index("settlement_id")
        assert set(mine.index) == set(status.index)
        np.testing.assert_allclose(mine.loc[status.index, "travel_time_min"], status["travel_time_min"])
        assert (mine.loc[status.index, "meets_norm"].astype(bool) == status["meets_norm"].astype(bool)).all()
        assert row.geometry is not None and not row.geometry.is_empty


def test_oblasts_are_the_sums_of_their_hromadas(view):
    oblasts = view.oblasts.set_index("oblast")
    for oblast, group in view.hromadas.groupby("oblast"):
        assert oblasts.loc[oblast, "population_total"] == group["population_total"].sum()
        assert oblasts.loc[oblast, "n_hromadas"] == len(group)
        assert oblasts.loc[oblast, "share_covered"] == pytest.approx(group["population_covered"].sum()
                                                                     / group["population_total"].sum())


def test_cli_national_writes_the_layers(tmp_path, data_root):
    out = tmp_path / "ua.gpkg"
    done = subprocess.run([sys.executable, "-m", "analysis", "--quiet", "national", "--out", str(out), "--xlsx",
                           str(tmp_path / "ua.xlsx"), "--hromadas", SAMPLE[0], SAMPLE[1], "--workers", "1",
                           "--data-root", str(data_root)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert {"hromadas", "settlements", "oblasts"} <= {name for name, _ in pyogrio.list_layers(out)}
    hromadas = pyogrio.read_dataframe(out, layer="hromadas")
    assert sorted(hromadas["hromada_katottg"]) == sorted(SAMPLE[:2])
    assert "78,719 of 78,719 residents" in done.stdout  # Барська 39,666 + Бродівська 39,053
    bad = subprocess.run([sys.executable, "-m", "analysis", "--quiet", "national", "--out", str(tmp_path / "x.csv")],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_a_hromada_without_registry_points_is_counted_not_evaluated(data_root, tmp_path):
    from analysis.reporting.national import NOT_EVALUATED

    code = "UA05020250000055470"
    view = national_view(data_root, codes=[code])
    row = view.hromadas.iloc[0]
    bundle = load_hromada(code, data_root)
    assert len(bundle.service_points) == 0
    assert row["method"] == NOT_EVALUATED and row["population_total"] == bundle.settlements["population"].sum()
    assert np.isnan(row["population_covered"]) and np.isnan(row["share_covered"])  # not zero: unknown
    assert "ЦНАП" in row["quality_uk"] and view.settlements.empty
    run = subprocess.run([sys.executable, "-m", "analysis", "--quiet", "run", "--hromada", code, "--out",
                          str(tmp_path / "x.gpkg")], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and "service points" in run.stderr
    assert not (tmp_path / "x.gpkg").exists()


def test_best_new_point_is_the_planning_pages_suggestion_with_one_point(data_root):
    """Іванківська селищна громада has residents outside the norm (estimated): the national row's best new point
    and the residents it brings in are suggest_points(k=1) on the Planning page's context for that hromada."""
    from analysis.metrics.access import compute_access
    from analysis.planning.scenario import PlanningContext
    from analysis.planning.suggest import suggest_points

    code = "UA32100050000082904"
    row = national_view(data_root, codes=[code]).hromadas.iloc[0]
    assert row["population_uncovered"] > 0 and row["suggested_newly_covered"] > 0
    bundle = load_hromada(code, data_root)
    access = compute_access(bundle.settlements, bundle.service_points)
    report = analyse_hromada(bundle, router=access.router, access=access)
    context = PlanningContext.build(access.router, bundle.settlements, bundle.service_points, group="cnap",
                                    norm=report.norms[0])
    suggestion = suggest_points(context, 1)
    assert row["suggested_point_id"] == suggestion.chosen_ids[0]
    assert row["suggested_newly_covered"] == suggestion.newly_covered_population
    assert row["suggested_newly_covered"] <= row["population_uncovered"]
