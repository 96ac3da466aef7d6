"""Any hromada of Ukraine from the national reference data (analysis.sources.national.load_hromada).

Independent figures: the codifier and the Ukrstat 2022 table read with the csv module; the national points file
read with the csv module for the positions; the CLI's GeoPackage read back with pyogrio."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from collections import Counter, defaultdict

import pyogrio
import pytest
from conftest import REPO_ROOT

from analysis.errors import DataError
from analysis.reporting.pipeline import analyse_hromada
from analysis.sources.national import load_hromada, read_settlement_points, resolve_hromada_code
from analysis.sources.registry import load_registry


def _codifier(root):
    """hromada code -> number of settlements (M/X/C), oblast code -> hromada codes (outside Crimea)."""
    settlements, oblasts = Counter(), defaultdict(list)
    with open(root / "admin/katottg/kodifikator_2025-07-02.csv", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        for oblast, _raion, hromada, settlement, _district, category, _name in reader:
            if category in ("M", "X", "C") and hromada:
                settlements[hromada] += 1
            if category == "H" and not oblast.startswith("UA01"):
                oblasts[oblast].append(hromada)
    return settlements, oblasts


def _points(root):
    with open(root / "admin/settlements/settlement_points_katottg.csv", encoding="utf-8") as handle:
        return {row["katottg"]: row for row in csv.DictReader(handle)}


def _official(root):
    with open(root / "admin/population/hromada_population_2022_ukrstat_kse.csv", encoding="utf-8") as handle:
        return {row["hromada_code"]: float(row["total_population_2022"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def national(data_root):
    return read_settlement_points(data_root), load_registry(root=data_root)


def test_twenty_hromadas_from_every_oblast_match_the_codifier_and_ukrstat(data_root, national):
    counts, oblasts = _codifier(data_root)
    points = _points(data_root)
    official = _official(data_root)
    # the first and the last hromada (by code) of each of the 24 oblasts outside Crimea, Kyiv city excluded
    sample = sorted({code for codes in oblasts.values() for code in (min(codes), max(codes))})
    assert len(oblasts) == 24 and len(sample) >= 20
    tested = 0
    for code in sample:
        try:
            bundle = load_hromada(code, data_root, points=national[0], registry=national[1])
        except DataError as error:  # only hromadas without a boundary polygon may be refused
            assert "boundary" in str(error).lower() or "меж" in str(error).lower(), (code, error)
            continue
        tested += 1
        settlements = bundle.settlements
        with_point = sum(1 for k, row in points.items() if row["hromada_katottg"] == code and row["lon"])
        assert len(settlements) == with_point, code
        missing = 0 if bundle.missing_settlements is None else len(bundle.missing_settlements)
        assert len(settlements) + missing == counts[code], code
        assert settlements["id"].is_unique and settlements["hromada_katottg"].eq(code).all()
        for row in settlements.head(5).itertuples():  # positions are the national file's
            assert (row.geometry.x, row.geometry.y) == pytest.approx(
                (float(points[row.katottg]["lon"]), float(points[row.katottg]["lat"])), abs=1e-9)
        total = settlements["population"].sum()
        assert math.isclose(total, official[code], rel_tol=0.01), (code, total, official[code])
        assert settlements["within_settlement_km"].gt(0).all()
        # registry points placed in this hromada, at one of its settlements
        if len(bundle.service_points):
            assert set(bundle.service_points["settlement_katottg"].dropna()) <= set(settlements["katottg"])
    assert tested >= 20


def test_a_loaded_hromada_is_analysed_end_to_end(data_root, national):
    code = resolve_hromada_code("Барська", data_root)
    bundle = load_hromada(code, data_root, points=national[0], registry=national[1])
    report = analyse_hromada(bundle)
    summary = report.summary_for("cnap_access")
    assert report.official_population == _official(data_root)[code] == 39667
    assert summary["population_total"] == bundle.settlements["population"].sum()
    assert abs(summary["population_total"] - 39667) <= len(bundle.settlements) / 2
    assert len(bundle.service_points) > 0 and set(bundle.service_points["group"]) == {"cnap"}
    flags = set(report.data_quality.flags["flag"])
    assert "distances_estimated" in flags and "population_osm_tag" not in flags


def test_names_codes_and_refusals(data_root):
    assert resolve_hromada_code("UA46040010000033885", data_root) == "UA46040010000033885"
    assert resolve_hromada_code("Brody", data_root) == "UA46040010000033885"
    assert resolve_hromada_code("Бродівська", data_root) == "UA46040010000033885"
    with pytest.raises(DataError, match="several hromadas"):
        resolve_hromada_code("Миколаївка", data_root)
    with pytest.raises(DataError, match="No hromada matches"):
        resolve_hromada_code("Неіснуюча xyz", data_root)


def test_cli_run_any_hromada(tmp_path, data_root):
    out = tmp_path / "bars.gpkg"
    done = subprocess.run([sys.executable, "-m", "analysis", "--quiet", "run", "--hromada", "Барська", "--out",
                           str(out), "--data-root", str(data_root)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"settlements", "service_points", "boundary", "norm_status", "coverage_summary"} <= layers
    settlements = pyogrio.read_dataframe(out, layer="settlements")
    bundle = load_hromada("UA05060010000053179", data_root)
    assert sorted(settlements["id"]) == sorted(bundle.settlements["id"])
    assert settlements["population"].sum() == bundle.settlements["population"].sum()
    refused = subprocess.run([sys.executable, "-m", "analysis", "--quiet", "run", "--hromada", "Миколаївка",
                              "--out", str(tmp_path / "m.gpkg")], cwd=REPO_ROOT, capture_output=True, text=True,
                             timeout=300)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m.gpkg").exists()
