"""Batches over many hromadas: Dask gives exactly the serial result; failures are reported, not fatal."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.cli import main
from analysis.reporting.batch import HromadaTask, analyse_many
from analysis.reporting.pipeline import analyse_hromada
from analysis.sources.packs import list_demo_packs, load_demo_pack
from analysis.sources.synthetic import road_grid

BRODY = "UA46040010000033885"


@pytest.fixture(scope="module")
def brody_network_dir(tmp_path_factory):
    """A synthetic road grid laid over Brody hromada (no Ukrainian roads exist offline), saved to disk."""
    network = road_grid(90, 80, spacing_m=450, seed=5, origin_lonlat=(24.82, 49.935))
    path = tmp_path_factory.mktemp("net") / "brody"
    network.save(path)
    return str(path)


def test_dask_local_cluster_equals_serial(data_root, brody_network_dir):
    codes = list_demo_packs(data_root)["code"].tolist()
    networks = {BRODY: brody_network_dir}
    seen = []
    serial = analyse_many(codes, root=data_root, networks=networks, progress=lambda t, f: seen.append(f))
    parallel = analyse_many(codes, root=data_root, networks=networks, scheduler="local", n_workers=2)
    assert seen[-1] == 1.0 and len(seen) == len(codes)
    assert serial.errors.empty and parallel.errors.empty
    pd.testing.assert_frame_equal(serial.ranking, parallel.ranking)
    assert serial.barrier_free == pytest.approx(parallel.barrier_free, nan_ok=True)
    methods = serial.ranking.set_index("code")["method"]
    assert methods[BRODY] == "network" and (methods.drop(BRODY) == "estimated").all()


def test_batch_figures_equal_single_hromada_analysis(data_root):
    result = analyse_many([BRODY], root=data_root)
    direct = analyse_hromada(load_demo_pack(BRODY, data_root))
    row = result.ranking.iloc[0]
    summary = direct.summary_for("cnap_access")
    assert row["population_uncovered"] == summary["population_uncovered"]
    assert row["share_covered"] == pytest.approx(summary["share_covered"])


def test_failing_hromada_is_reported_and_the_rest_still_ranked(data_root, tmp_path):
    bad = tmp_path / "not_a_pack"
    bad.mkdir()
    result = analyse_many([BRODY, HromadaTask(pack=str(bad))], root=data_root)
    assert list(result.ranking["code"]) == [BRODY]
    assert list(result.errors["pack"]) == [str(bad)]
    with pytest.raises(Exception, match="twice"):
        analyse_many([BRODY, BRODY], root=data_root)


def test_rank_command_writes_bilingual_table(data_root, tmp_path):
    out = tmp_path / "ranking.csv"
    assert main(["--quiet", "--data-root", str(data_root), "rank", "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert len(table) == len(list_demo_packs(data_root))


def test_max_snap_distance_reaches_every_hromada_of_a_batch(data_root, brody_network_dir, tmp_path):
    """``--max-snap-m`` is the router's limit in batches too: at 1 m no settlement joins Brody's roads (none lies
    exactly on them), so its whole population is outside the norm; the default limit routes them."""
    networks = {BRODY: brody_network_dir}
    default = analyse_many([BRODY], root=data_root, networks=networks).ranking.iloc[0]
    strict = analyse_many([BRODY], root=data_root, networks=networks, max_snap_m=1.0).ranking.iloc[0]
    assert default["population_uncovered"] < default["population"]
    assert strict["population_uncovered"] == strict["population"] == default["population"]
    assert strict["n_quality_flags"] > default["n_quality_flags"]  # the far settlements are named
    out = tmp_path / "ranking.csv"
    assert main(["--quiet", "--data-root", str(data_root), "rank", "--packs", BRODY, "--network",
                 f"{BRODY}={brody_network_dir}", "--max-snap-m", "1", "--out", str(out)]) == 0
    with pytest.raises(SystemExit) as refused:
        main(["--quiet", "--data-root", str(data_root), "rank", "--max-snap-m", "-5", "--out", str(out)])
    assert refused.value.code == 2
