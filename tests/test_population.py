"""Population 2022 (Ukrstat totals shared out over settlements) and settlements missing from the data (issue 12).

Every expected figure is computed here from the raw files (the pack's GeoJSON, the Ukrstat CSV) with plain
pandas, or taken from the pack's own ``population_est_2022`` column, which its producer made independently.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from analysis.metrics.quality import data_quality
from analysis.sources.packs import load_demo_pack
from analysis.sources.places import settlements_from_table
from analysis.sources.population import (
    SOURCE_RESCALED_2022,
    SOURCE_UKRSTAT_2022,
    Population2022,
    missing_settlements,
    read_population_2022,
    rescale_to_2022,
)

PACKS = ["UA46040010000033885", "UA26080030000014307", "UA63060010000015783"]
BRODY = PACKS[0]


def _raw_pack(data_root, code):
    return gpd.read_file(data_root / "demo" / code / "settlements.geojson").set_index("katottg")


@pytest.mark.parametrize("code", PACKS)
def test_pack_population_is_the_ukrstat_2022_total_shared_out(data_root, code):
    bundle = load_demo_pack(code, data_root)
    got = bundle.settlements.set_index("katottg")
    raw = _raw_pack(data_root, code).reindex(got.index)
    # the pack producer's own rescaled column, made independently of this code
    np.testing.assert_array_equal(got["population"].to_numpy(), raw["population_est_2022"].to_numpy(dtype=float))
    # and by hand from the Ukrstat table: urban settlements keep their figure, the rest share what is left
    table = pd.read_csv(data_root / "admin/population/hromada_population_2022_ukrstat_kse.csv", dtype={"hromada_code": str})
    total = float(table.loc[table["hromada_code"] == code, "total_population_2022"].iloc[0])
    urban = raw["population_2022_ukrstat"].notna()
    factor = (total - raw.loc[urban, "population_2022_ukrstat"].sum()) / raw.loc[~urban, "population"].sum()
    np.testing.assert_array_equal(got.loc[~urban, "population"], (raw.loc[~urban, "population"] * factor).round())
    assert abs(got["population"].sum() - total) <= len(got)  # rounding only
    assert set(got.loc[urban, "population_source"]) == {SOURCE_UKRSTAT_2022}
    assert set(got.loc[~urban, "population_source"]) == {SOURCE_RESCALED_2022}
    np.testing.assert_array_equal(got["population_raw"], raw["population"].astype(float))
    # the figure the issue measured: the OSM-tag sum overstated the hromada; now it matches Ukrstat
    flags = data_quality(bundle).flags
    assert "population_sum_mismatch" not in set(flags["flag"])
    assert "settlements_missing" not in set(flags["flag"])


def test_missing_settlements_do_not_inflate_their_neighbours_and_are_an_error(data_root):
    raw = _raw_pack(data_root, BRODY).reset_index()
    full = settlements_from_table(raw.rename(columns={"name_uk": "name"}), hromada_katottg=BRODY)
    villages = full[~full["is_hromada_centre"]]
    dropped = villages.sort_values("population", ascending=False)["id"].iloc[:2].tolist()
    partial = full[~full["id"].isin(dropped)].copy()
    figures = read_population_2022(BRODY, data_root)
    all_rescaled = rescale_to_2022(full, figures).set_index("id")["population"]
    part_rescaled = rescale_to_2022(partial, figures)
    # the loaded villages keep exactly the figures they have when nothing is missing
    pd.testing.assert_series_equal(part_rescaled.set_index("id")["population"], all_rescaled.drop(dropped),
                                   check_names=False)
    missing = missing_settlements(part_rescaled, BRODY, figures, data_root)
    assert sorted(missing["settlement_katottg"]) == sorted(dropped)
    np.testing.assert_allclose(missing.set_index("settlement_katottg").loc[dropped, "population"],
                               all_rescaled.loc[dropped])
    bundle = {"settlements": part_rescaled, "service_points": None, "code": BRODY, "missing_settlements": missing}
    quality = data_quality(bundle)
    flag = quality.flags.set_index("flag").loc["settlements_missing"]
    assert flag["severity"] == "error" and flag["count"] == 2 and flag["total"] == len(full)
    assert quality.summary[BRODY]["population_in_missing_settlements"] == pytest.approx(all_rescaled.loc[dropped].sum())
    # the loaded figures plus the missing residents are the hromada again
    assert part_rescaled["population"].sum() + missing["population"].sum() == pytest.approx(all_rescaled.sum())


def test_unplaced_registry_rows_are_an_error(data_root):
    bundle = load_demo_pack(BRODY, data_root)
    unplaced = pd.DataFrame({"registry_code": [1, 2], "name": ["ВРМ А", "ВРМ Б"],
                             "reason": ["settlement not named", "settlement not in the hromada"]})
    parts = {"settlements": bundle.settlements, "service_points": bundle.service_points, "code": BRODY,
             "unplaced_service_points": unplaced}
    flag = data_quality(parts).flags.set_index("flag").loc["service_points_unplaced"]
    assert flag["severity"] == "error" and flag["count"] == 2
    assert flag["total"] == len(bundle.service_points) + 2
    assert "settlement not named" in flag["items"]


def test_unknown_total_keeps_the_raw_figures_and_says_so(data_root):
    raw = _raw_pack(data_root, BRODY).reset_index()
    table = settlements_from_table(raw.rename(columns={"name_uk": "name"}), hromada_katottg=BRODY)
    kept = rescale_to_2022(table, Population2022(hromada_total=None))
    np.testing.assert_array_equal(kept["population"], table["population"])
    assert not kept.attrs["population_2022"]["applied"]
    assert any("unknown" in w for w in kept.attrs["warnings"])
    # urban figures above the total: refused, raw figures kept
    odd = Population2022(hromada_total=100.0, urban_by_settlement={table["id"].iloc[0]: 500.0})
    refused = rescale_to_2022(table, odd)
    np.testing.assert_array_equal(refused["population"], table["population"])
    assert any("not rescaled" in w for w in refused.attrs["warnings"])
