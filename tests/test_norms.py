"""Access norms: defaults with their sources, user tables (CSV/JSON) and validation with clear messages."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.errors import DataError
from analysis.metrics.norms import (
    DEFAULT_NORMS,
    HROMADA_CENTRE,
    Norm,
    get_norm,
    load_norms,
    norm_for_group,
    norms_from_table,
    norms_to_table,
    save_norms,
    validate_norms,
    with_threshold,
)


def test_default_norms_carry_thresholds_and_sources():
    cnap = get_norm(DEFAULT_NORMS, "cnap_access")
    assert cnap.applies_to == "cnap" and cnap.is_group
    # the criterion is distance OR time (the 2021 Cabinet order approving the methodological recommendations)
    assert (cnap.max_distance_km, cnap.max_time_min, cnap.mode, cnap.combine) == (14.0, 30.0, "drive", "any")
    assert set(cnap.categories()) == {"cnap_centre", "cnap_branch", "cnap_remote_workplace", "cnap_starosta_office"}
    assert "критеріїв територіальної доступності центру надання адміністративних послуг" in cnap.source
    assert "2021" in cnap.source and "АБО" in cnap.source

    centre = get_norm(DEFAULT_NORMS, "hromada_centre")
    assert centre.applies_to == HROMADA_CENTRE and centre.is_hromada_centre and centre.categories() == []
    assert (centre.max_distance_km, centre.strict_distance_km, centre.max_time_min) == (25.0, 20.0, None)
    assert "214" in centre.source and "08.04.2015" in centre.source and "2020" in centre.source

    for norm_id in ("social_services", "post_office"):
        norm = get_norm(DEFAULT_NORMS, norm_id)
        assert norm.max_time_min == 30.0
        assert "product default, adjust to local standard" in norm.source
    assert len({n.id for n in DEFAULT_NORMS}) == len(DEFAULT_NORMS)
    assert cnap.thresholds_text("uk") == "≤ 14 км або ≤ 30 хв"
    assert with_threshold(cnap, combine="all").thresholds_text("en") == "≤ 14 km and ≤ 30 min"
    assert centre.thresholds_text("en") == "≤ 20 / 25 km"


def test_meets_is_the_norm_check_for_both_combinations():
    cnap = get_norm(DEFAULT_NORMS, "cnap_access")
    time = np.array([25.0, 40.0, 40.0, 25.0, np.nan, np.inf])
    dist = np.array([20.0, 10.0, 20.0, 10.0, 5.0, 5.0])
    assert cnap.meets(time, dist).tolist() == [True, True, False, True, True, True]
    both = with_threshold(cnap, combine="all")
    assert both.meets(time, dist).tolist() == [False, False, False, True, False, False]
    assert both.search_limit_min == 30.0 and cnap.search_limit_min is None
    assert with_threshold(cnap, max_distance_km=None).search_limit_min == 30.0
    assert norm_for_group(DEFAULT_NORMS, "cnap").id == "cnap_access"
    assert norm_for_group(DEFAULT_NORMS, "social").id == "social_services"
    assert norm_for_group(DEFAULT_NORMS, "health") is None


def test_norms_are_hashable_values():
    """Norms are frozen values: usable as cache keys and never edited in place."""
    assert hash(DEFAULT_NORMS) == hash(tuple(DEFAULT_NORMS))
    with pytest.raises(Exception):
        DEFAULT_NORMS[0].max_time_min = 10  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(applies_to="cnap"), "no threshold"),
        (dict(applies_to="cnap", max_time_min=-5), "positive"),
        (dict(applies_to="cnap", max_distance_km=0), "positive"),
        (dict(applies_to="cnap", max_time_min=float("inf")), "positive"),
        (dict(applies_to="cnap", max_time_min="abc"), "must be a number"),
        (dict(applies_to="libraries", max_time_min=30), "unknown service group or category: 'libraries'"),
        (dict(applies_to=["cnap_centre", "cnap_kiosk"], max_time_min=30), "'cnap_kiosk'"),
        (dict(applies_to="", max_time_min=30), "applies_to is empty"),
        (dict(applies_to=[HROMADA_CENTRE, "cnap"], max_time_min=30), "cannot be combined"),
        (dict(applies_to="cnap", max_distance_km=10, strict_distance_km=12), "must not exceed"),
        (dict(applies_to="cnap", max_time_min=30, strict_distance_km=12), "needs max_distance_km"),
        (dict(applies_to="cnap", max_time_min=30, mode="bike"), "unknown mode 'bike'"),
        (dict(applies_to="cnap", max_time_min=30, combine="most"), "combine"),
    ],
)
def test_bad_norms_raise_data_error(kwargs, message):
    with pytest.raises(DataError, match=message):
        Norm(id="mine", label_uk="Моя", label_en="Mine", **kwargs)


def test_empty_id_is_rejected():
    with pytest.raises(DataError, match="no id"):
        Norm(id=" ", label_uk="", label_en="", applies_to="cnap", max_time_min=30)


def test_applies_to_accepts_groups_categories_and_lists():
    assert Norm("a", "", "", "post_office", max_time_min=20).applies_to == ("post_office",)
    both = Norm("b", "", "", "cnap_centre; cnap_branch", max_time_min=20)
    assert both.applies_to == ("cnap_centre", "cnap_branch") and not both.is_group
    mixed = Norm("c", "", "", ["post", "cnap_centre"], max_time_min=20)
    assert mixed.applies_to == ("post_office", "cnap_centre")
    assert Norm("d", "", "", '["social"]', max_time_min=20).applies_to == "social"
    # labels default to the id
    assert Norm("e", "", "", "post", max_time_min=20).label_en == "e"


def test_with_threshold_edits_copies_and_validates():
    cnap = get_norm(DEFAULT_NORMS, "cnap_access")
    tighter = with_threshold(cnap, max_time_min=20)
    assert (tighter.max_time_min, tighter.max_distance_km) == (20.0, 14.0)
    assert cnap.max_time_min == 30.0  # the default is untouched
    time_only = with_threshold(cnap, max_distance_km=None)
    assert time_only.max_distance_km is None and time_only.max_time_min == 30.0
    centre = with_threshold(get_norm(DEFAULT_NORMS, "hromada_centre"), max_distance_km=None, max_time_min=40)
    assert centre.strict_distance_km is None and centre.max_time_min == 40.0
    assert with_threshold(cnap, mode="walk").mode == "walk"
    with pytest.raises(DataError, match="positive"):
        with_threshold(cnap, max_time_min=-1)
    with pytest.raises(DataError, match="no threshold"):
        with_threshold(cnap, max_time_min=None, max_distance_km=None)
    with pytest.raises(DataError, match="Unknown norm field"):
        with_threshold(cnap, speed=3)


def test_norms_from_table_reads_a_user_table():
    table = pd.DataFrame(
        {
            "id": ["pension", "cnap_local"],
            "label_uk": ["Пенсійний фонд", None],
            "applies_to": ["pension_fund", "cnap_centre;cnap_branch"],
            "max_time_min": [45, None],
            "max_distance_km": [None, "7,5"],
            "mode": ["drive", None],
            "source": ["обласний стандарт", None],
        }
    )
    norms = norms_from_table(table)
    assert [n.id for n in norms] == ["pension", "cnap_local"]
    assert norms[0].applies_to == ("pension_fund",) and norms[0].max_time_min == 45.0
    assert norms[0].max_distance_km is None
    assert norms[1].max_distance_km == 7.5 and norms[1].max_time_min is None and norms[1].mode == "drive"
    assert norms[1].label_uk == "cnap_local"


@pytest.mark.parametrize(
    "table, message",
    [
        (pd.DataFrame({"id": ["x"], "max_time_min": [30]}), "lacks column"),
        (pd.DataFrame({"id": ["x"], "applies_to": ["cnap"], "max_time_min": [30], "colour": ["red"]}),
         "Unknown column"),
        (pd.DataFrame({"id": ["x", "x"], "applies_to": ["cnap", "post"], "max_time_min": [30, 20]}), "Duplicated"),
        (pd.DataFrame({"id": ["ok", "bad"], "applies_to": ["cnap", "cnap"], "max_time_min": [30, -2]}),
         r"row 2: .*'bad'.*positive"),
        (pd.DataFrame({"id": ["x"], "applies_to": ["schools"], "max_time_min": [30]}), "unknown service group"),
        (pd.DataFrame({"id": ["x"], "applies_to": ["cnap"]}), "no threshold"),
        (pd.DataFrame(columns=["id", "applies_to"]), "empty"),
    ],
)
def test_norms_from_table_errors(table, message):
    with pytest.raises(DataError, match=message):
        norms_from_table(table)


def test_save_and_load_round_trip_csv_and_json(tmp_path):
    custom = with_threshold(get_norm(DEFAULT_NORMS, "cnap_access"), max_time_min=25)
    norms = (custom, *DEFAULT_NORMS[1:], Norm("cats", "Кат", "Cats", ("cnap_centre", "post_office"),
                                              max_distance_km=3, combine="any"))
    for name in ("norms.csv", "norms.json"):
        path = save_norms(norms, tmp_path / name)
        loaded = load_norms(path)
        assert loaded == norms
    pd.testing.assert_frame_equal(norms_to_table(load_norms(tmp_path / "norms.csv")), norms_to_table(norms))


def test_load_norms_from_hand_written_files(tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text("id;applies_to;max_time_min;max_distance_km;source\n"
                   "cnap20;cnap;20;;рішення ради\n"
                   "post;post_office;;5,5;\n", encoding="utf-8")
    norms = load_norms(csv)
    assert norms[0].max_time_min == 20 and norms[0].max_distance_km is None and norms[0].source == "рішення ради"
    assert norms[1].max_distance_km == 5.5
    js = tmp_path / "mine.json"
    js.write_text(json.dumps([{"id": "soc", "applies_to": ["social"], "max_time_min": 40}]), encoding="utf-8")
    assert load_norms(js)[0].applies_to == "social"


def test_load_norms_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_norms(tmp_path / "none.csv")
    bad = tmp_path / "bad.yaml"
    bad.write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match="unsupported"):
        load_norms(bad)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="Cannot read"):
        load_norms(broken)
    negative = tmp_path / "negative.csv"
    negative.write_text("id,applies_to,max_time_min\nslow,cnap,-30\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"negative\.csv: .*row 1.*'slow'"):
        load_norms(negative)


def test_validate_norms_rejects_duplicates_and_non_norms():
    with pytest.raises(DataError, match="Duplicated norm ids: cnap_access"):
        validate_norms([DEFAULT_NORMS[0], DEFAULT_NORMS[0]])
    with pytest.raises(DataError, match="Expected Norm objects"):
        validate_norms([{"id": "x"}])
    with pytest.raises(DataError, match="No norms"):
        validate_norms([])
    with pytest.raises(DataError, match="Unknown norm 'nope'"):
        get_norm(DEFAULT_NORMS, "nope")
