"""The whole Mintsyfra ЦНАП registry placed (``python -m analysis geocode-registry --all``), on the real registry.

Independent checks: every registry code once in the output (the registry read with openpyxl-free pandas CSV
reading of the shared CSV), placed points inside their own hromada's OSM polygon tested with shapely (500 m
tolerance, as the national points' ``inside_hromada``), and the figures the command prints recomputed from its
table."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
from conftest import REPO_ROOT


@pytest.fixture(scope="module")
def placed_table(tmp_path_factory, data_root):
    out = tmp_path_factory.mktemp("registry") / "registry_placed.csv"
    done = subprocess.run([sys.executable, "-m", "analysis", "--quiet", "geocode-registry", "--all", "--out", str(out),
                           "--data-root", str(data_root)], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr
    return pd.read_csv(out, encoding="utf-8-sig", dtype={"registry_code": str, "hromada_katottg": str}), done.stdout


def test_whole_registry_placed_with_figures(placed_table, data_root):
    table, printed = placed_table
    registry = pd.read_csv(data_root / "admin/cnap/cnap_registry_mintsyfra_kse.csv", dtype=str)
    codes = registry.iloc[:, 0].astype(str) if "code" not in registry.columns else registry["code"].astype(str)
    assert table["registry_code"].is_unique
    assert set(table["registry_code"]) == set(codes)
    placed = table[table["lon"].notna()]
    unplaced = table[table["lon"].isna()]
    assert (unplaced["reason"].fillna("").str.len() > 0).all()
    assert (placed["reason"].fillna("") == "").all() and placed["hromada_katottg"].str.fullmatch(r"UA\d{17}").all()
    share = len(placed) / len(table)
    # inside the own hromada's polygon (or within 500 m of it), tested here with shapely in a metric CRS
    polygons = gpd.read_file(data_root / "admin/boundaries/hromadas_osm_katottg_simpl100m.geojson")
    code_column = next(c for c in ("katotth", "katottg", "hromada_katottg", "code") if c in polygons.columns)
    polygons = polygons.set_index(code_column).to_crs(6381)
    points = gpd.GeoSeries(gpd.points_from_xy(placed["lon"], placed["lat"]), crs=4326).to_crs(6381)
    own = polygons.geometry.reindex(placed["hromada_katottg"].to_numpy())
    inside = [poly is not None and not poly.is_empty and poly.distance(pt) <= 600 for pt, poly in
              zip(points, own.to_numpy())]
    inside_share = sum(inside) / len(placed)
    print(f"\nregistry rows {len(table):,}: placed {len(placed):,} ({share:.1%}); inside own hromada "
          f"{sum(inside):,} ({inside_share:.2%}); not placed {len(unplaced):,}")
    print(unplaced["reason"].str.slice(0, 70).value_counts().head(5).to_string())
    assert share >= 0.95
    assert inside_share >= 0.99
    assert f"{len(placed):,} of {len(table):,} registry rows placed" in printed
