"""Reference data on disk: the data root, the three demo packs and the national admin files.

All file I/O on the shared reference data lives here; the math modules (network, routing, accessibility) never
open files themselves. The data root is, in this order: an explicit argument, the environment variable
``HROMADA_ACCESS_DATA``, or ``<repo root>/../shared/data``. It holds

``demo/<hromada KATOTTG code>/``
    ready-made packs (``boundary.geojson``, ``settlements.geojson``, ``service_points.geojson``,
    ``settlement_areas.geojson``, ``README.md``), loaded by :func:`load_demo_pack`;
``admin/``
    national files (hromada polygons with KATOTTG codes, the KATOTTG codifier, the Mintsyfra ЦНАП registry,
    population tables). ``admin/SOURCES.md`` documents their origin and licences.

The reference files are read at run time and are never copied into the repository.

Example
-------
>>> bundle = load_demo_pack("UA46040010000033885")          # doctest: +SKIP
>>> len(bundle.settlements), bundle.name_uk                  # doctest: +SKIP
(51, 'Бродівська міська громада')
"""

from __future__ import annotations

import functools
import json
import mmap
import os
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely.geometry

from analysis.errors import DataError
from analysis.i18n import text

#: Environment variable that points at the reference-data root.
DATA_ENV_VAR = "HROMADA_ACCESS_DATA"


#: The repository root (``analysis/..``).
REPO_ROOT = Path(__file__).resolve().parents[2]


#: Paths of the national files, relative to the data root.
BOUNDARIES_FULL = Path("admin/boundaries/hromadas_osm_katottg_full.geojson")


BOUNDARIES_SIMPLIFIED = Path("admin/boundaries/hromadas_osm_katottg_simpl100m.geojson")


BOUNDARIES_2020_OPORA = Path("admin/boundaries/hromady_2020_opora_names.geojson")


HROMADA_CENTRES = Path("admin/boundaries/hromada_centres_geography_kse.csv")


OCHA_ADM3 = Path("admin/boundaries/ocha_cod_ab_adm3_attributes_20230201.csv")


CODIFIER = Path("admin/katottg/kodifikator_2025-07-02.csv")


KOATUU_TRANSITION = Path("admin/katottg/koatuu_to_katottg_transition.csv")


SETTLEMENTS_FLAT = Path("admin/katottg/katottg_settlements_flat.csv")


OSM_PLACE_CODES = Path("admin/settlements/ua_name_places_osm_2023.csv")


HROMADA_POPULATION = Path("admin/population/hromada_population_2022_ukrstat_kse.csv")


#: Hromadas of the codifier that have no polygon in the OSM boundary files (see ``admin/SOURCES.md``).
HROMADAS_WITHOUT_BOUNDARY: dict[str, str] = {
    "UA21100270000015047": "Чопська",
    "UA32120070000050717": "Козинська",
    "UA51080010000087690": "Вилківська",
}


_KATOTTG_RE = re.compile(r"^UA\d{17}$")


_HROMADA_SUFFIX_RE = re.compile(r"\s+(міська|сільська|селищна|територіальна)?\s*громада\s*$", re.IGNORECASE)


APOSTROPHE_TABLE = str.maketrans({"’": "'", "ʼ": "'", "`": "'", "′": "'", "‘": "'", "ʹ": "'"})


#: Citations for the data every demo pack combines (shown under maps and in exported reports): ``id``, ``name`` and
#: ``licence`` (English; each language's from the catalogs: :func:`source_text`), ``url``, ``description``.
SOURCE_OSM = {
    "id": "osm",
    "name": text("source.osm.name", "en"),
    "licence": text("source.osm.licence", "en"),
    "url": "https://www.openstreetmap.org/copyright",
    "description": "Via darmat1/ukraine-geo-data (commit 1eca9d69) and gontsa/ua-osm-names-of-places (2023).",
}


SOURCE_KATOTTG = {
    "id": "katottg",
    "name": text("source.katottg.name", "en"),
    "licence": text("source.katottg.licence", "en"),
    "url": "https://mindev.gov.ua/",
    "description": "Settlement list, names and categories; copy from bnotezz/ua-settlements.",
}


SOURCE_CNAP_REGISTRY = {
    "id": "cnap_registry",
    "name": text("source.cnap_registry.name", "en"),
    "licence": text("source.cnap_registry.licence", "en"),
    "url": "https://data.gov.ua/",
    "description": "As stored in kse-ua/KSE-Loc-Data-Hub data/raw/rejestr-cnap.xlsx; geocoded to settlements.",
}


SOURCE_POPULATION = {
    "id": "population",
    "name": text("source.population.name", "en"),
    "licence": text("source.population.licence", "en"),
    "url": "https://github.com/kse-ua/KSE-Loc-Data-Hub",
    "description": "Hromada and urban-settlement population 2022; hromada-centre codes (geography.csv).",
}


SOURCE_OCHA = {
    "id": "ocha",
    "name": text("source.ocha.name", "en"),
    "licence": text("source.ocha.licence", "en"),
    "url": "https://data.humdata.org/dataset/cod-ab-ukr",
    "description": "Official transliterations of hromada names (name_en_ocha).",
}


def source_text(source: dict, lang: str = "uk") -> tuple[str, str]:
    """``(name, licence)`` of a citation in ``lang``: from the catalogs (``source.<id>.name`` / ``.licence``) for
    the product's own sources, the user's file name with "user data" for uploads, else the citation's own text."""
    sid = source.get("id")
    if sid == "user":
        return str(source.get("name", "")), text("source.user.licence", lang)
    if sid == "network":
        return str(source.get("name", "")), text("source.network.licence", lang)
    if sid:
        return text(f"source.{sid}.name", lang), text(f"source.{sid}.licence", lang)
    return str(source.get("name", "")), str(source.get("licence", ""))


# ----------------------------------------------------------------------------------------------------------------
# Data root
# ----------------------------------------------------------------------------------------------------------------
def data_root(explicit: str | os.PathLike | None = None) -> Path:
    """The reference-data root: ``explicit``, else ``$HROMADA_ACCESS_DATA``, else ``<repo>/../shared/data``.

    Raises
    ------
    DataError
        If the chosen directory does not exist (the message says which source the path came from).
    """
    if explicit is not None and str(explicit) != "":
        root, origin = Path(explicit).expanduser(), "argument"
    elif os.environ.get(DATA_ENV_VAR):
        root, origin = Path(os.environ[DATA_ENV_VAR]).expanduser(), f"environment variable {DATA_ENV_VAR}"
    else:
        root, origin = REPO_ROOT.parent / "shared" / "data", "default location beside the repository"
    if not root.is_dir():
        raise DataError(
            f"Теку з довідковими даними не знайдено: {root} ({origin}). "
            f"/ Reference-data folder not found: {root} (from the {origin}). "
            f"Set {DATA_ENV_VAR} to the folder that contains 'demo/' and 'admin/'."
        )
    return root.resolve()


def _root(root: str | os.PathLike | None) -> Path:
    return data_root(root)


def _require_file(path: Path) -> Path:
    if not path.is_file():
        raise DataError(f"Файл не знайдено / File not found: {path}")
    return path


def _is_katottg(value: Any) -> bool:
    return isinstance(value, str) and bool(_KATOTTG_RE.match(value))


def normalise_text(text: Any) -> str:
    """Casefolded text with all apostrophe variants (’ ʼ ` ′) unified to ``'`` and whitespace collapsed."""
    if not isinstance(text, str):
        return ""
    return " ".join(text.translate(APOSTROPHE_TABLE).casefold().split())


def hromada_adjective(name_uk: str) -> str:
    """``"Бродівська міська громада"`` → ``"Бродівська"`` (also strips the codifier's trailing space)."""
    return _HROMADA_SUFFIX_RE.sub("", str(name_uk).strip()).strip()


# ----------------------------------------------------------------------------------------------------------------
# National reference tables
# ----------------------------------------------------------------------------------------------------------------
def read_codifier(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The KATOTTG codifier (2025-07-02) as read: one row per object, ``;``-separated, all columns strings."""
    path = _require_file(_root(root) / CODIFIER)
    table = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    table.columns = ["oblast_code", "raion_code", "hromada_code", "settlement_code", "district_code", "category",
                     "name"]
    table["name"] = table["name"].str.strip()
    return table


def read_settlements_flat(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """``admin/katottg/katottg_settlements_flat.csv``: every M/X/C settlement with hromada, OSM node and population.

    The parsed file is memoised per path and modification time (a hromada's loading reads it three times); each
    call returns its own copy."""
    path = _require_file(_root(root) / SETTLEMENTS_FLAT)
    return _read_settlements_flat(str(path), path.stat().st_mtime_ns).copy()


@functools.lru_cache(maxsize=2)
def _read_settlements_flat(path: str, _mtime_ns: int) -> pd.DataFrame:
    table = pd.read_csv(
        path,
        dtype={"settlement_code": str, "hromada_code": str, "raion_code": str, "oblast_code": str, "koatuu": str,
               "category": str, "osm_place": str},
    )
    table["osm_node_id"] = pd.to_numeric(table["osm_node_id"], errors="coerce").astype("Int64")
    table["osm_population"] = pd.to_numeric(table["osm_population"], errors="coerce").astype("Float64")
    table["hromada_name"] = table["hromada_name"].str.strip()
    return table


def read_osm_place_codes(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """``admin/settlements/ua_name_places_osm_2023.csv``: OSM place node id → KATOTTG code (``katotth``)."""
    path = _require_file(_root(root) / OSM_PLACE_CODES)
    table = pd.read_csv(path, usecols=["osm_id", "katotth", "koatuu", "name", "place", "population"],
                        dtype={"katotth": str, "koatuu": str, "name": str, "place": str, "population": str})
    table["osm_id"] = pd.to_numeric(table["osm_id"], errors="coerce").astype("Int64")
    return table


def read_hromada_centres(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """KSE ``geography.csv``: hromada code → centre settlement code, names, oblast/raion, Nominatim lon/lat."""
    path = _require_file(_root(root) / HROMADA_CENTRES)
    return pd.read_csv(path, dtype={"hromada_code": str, "hromada_center_code": str})


def hromada_index(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per hromada of the codifier: code, names (UA, EN), oblast, raion, centre, has_boundary.

    ``name_2022`` is the hromada's name in the KSE 2022 table (differs where hromadas were renamed since).

    Names come from the OSM boundary file (``name_uk``/``name_en``) where the hromada has a polygon, otherwise
    from the codifier; ``name_en`` falls back to the OCHA ADM3 transliteration. Cache the result if calling
    often (it reads four files, ≈0.3 s).
    """
    base = _root(root)
    codifier = read_codifier(base)
    oblasts = codifier.loc[codifier["category"].isin(["O", "K"]), ["oblast_code", "name"]].rename(
        columns={"name": "oblast"})
    raions = codifier.loc[codifier["category"] == "P", ["raion_code", "name"]].rename(columns={"name": "raion"})
    hromadas = codifier.loc[codifier["category"] == "H", ["hromada_code", "raion_code", "oblast_code", "name"]]
    hromadas = hromadas.merge(oblasts, on="oblast_code", how="left").merge(raions, on="raion_code", how="left")

    attrs = pyogrio.read_dataframe(_require_file(base / BOUNDARIES_SIMPLIFIED), read_geometry=False,
                                   columns=["katotth", "name_uk", "name_en"])
    attrs = attrs.rename(columns={"katotth": "hromada_code", "name_uk": "name_uk_osm", "name_en": "name_en_osm"})
    table = hromadas.merge(attrs, on="hromada_code", how="outer", indicator=True)
    table["has_boundary"] = table["_merge"].isin(["both", "right_only"])

    ocha_path = base / OCHA_ADM3
    if ocha_path.exists():
        ocha = pd.read_csv(ocha_path, usecols=["ADM3_PCODE", "ADM3_EN"], dtype=str)
        table["pcode"] = table["hromada_code"].str[:9]
        table = table.merge(ocha.drop_duplicates("ADM3_PCODE"), left_on="pcode", right_on="ADM3_PCODE", how="left")
    else:
        table["ADM3_EN"] = pd.NA
    centres_path = base / HROMADA_CENTRES
    if centres_path.exists():
        centres = read_hromada_centres(base)[["hromada_code", "hromada_center_code", "hromada_center",
                                             "hromada_type", "hromada"]].rename(columns={"hromada": "name_2022"})
        table = table.merge(centres, on="hromada_code", how="left")
    else:
        table["hromada_center_code"] = table["hromada_center"] = table["hromada_type"] = pd.NA
        table["name_2022"] = pd.NA

    type_suffix = table["hromada_type"].astype("string").fillna("").str.strip()
    from_codifier = (table["name"].astype("string") + " " + type_suffix + " громада").str.replace(
        r"\s+", " ", regex=True)
    name_uk = table["name_uk_osm"].astype("string").fillna(from_codifier.where(table["name"].notna()))
    name_en = table["name_en_osm"].astype("string").fillna(table["ADM3_EN"].astype("string"))
    return pd.DataFrame(
        {
            "code": table["hromada_code"].astype("string"),
            "name_uk": name_uk,
            "name_en": name_en,
            "name_en_ocha": table["ADM3_EN"].astype("string"),
            "oblast": table["oblast"].astype("string"),
            "raion": table["raion"].astype("string"),
            "centre_code": table["hromada_center_code"].astype("string"),
            "centre_name": table["hromada_center"].astype("string"),
            "name_2022": table["name_2022"].astype("string").str.strip(),
            "has_boundary": table["has_boundary"].astype(bool),
        }
    ).sort_values("code", ignore_index=True)


def find_hromada(
    query: str,
    root: str | os.PathLike | None = None,
    *,
    limit: int | None = 50,
    index: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Search hromadas by KATOTTG code (full code or its first 9 characters) or by name.

    Names are matched case-insensitively (apostrophe variants unified) as substrings of the Ukrainian name,
    the English names (OSM and OCHA) and the centre's name, so ``"Броди"``, ``"Бродівська"`` and ``"Brody"`` all
    find Бродівська громада. Exact matches rank first (name without "міська/сільська/селищна громада", or the
    centre name), then prefix matches, then other substrings. If nothing matches, the query is shortened by up to
    three letters ("Zachepylivka" → "Zachepyliv…", match ``similar``). Pass ``index`` (from
    :func:`hromada_index`) to avoid re-reading the files on every search.

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name_uk``, ``name_en``, ``oblast``, ``raion``, ``centre_name``, ``has_boundary``,
        ``match`` (``code``/``exact``/``prefix``/``substring``/``similar``); empty when nothing matches.
    """
    text = normalise_text(query)
    if not text:
        raise DataError("Порожній запит / Empty search query: type a hromada name or KATOTTG code.")
    index = hromada_index(root) if index is None else index
    columns = ["code", "name_uk", "name_en", "oblast", "raion", "centre_name", "has_boundary", "match"]
    upper = text.upper().replace(" ", "")
    if re.fullmatch(r"UA\d{2,17}", upper):
        hits = index[index["code"].str.startswith(upper)].copy()
        hits["match"] = "code"
        return hits[columns].head(limit).reset_index(drop=True)

    fields = {
        "name_uk": index["name_uk"],
        "short_uk": index["name_uk"].map(hromada_adjective, na_action="ignore"),
        "name_en": index["name_en"],
        "name_en_ocha": index["name_en_ocha"],
        "centre": index["centre_name"],
        "name_2022": index["name_2022"],
    }
    normalised = {k: v.astype("string").fillna("").map(normalise_text) for k, v in fields.items()}
    exact = normalised["short_uk"].eq(text) | normalised["centre"].eq(text) | normalised["name_uk"].eq(text)
    exact |= normalised["name_2022"].eq(text)
    exact |= normalised["name_en_ocha"].eq(text) | normalised["name_en"].str.split().str[0].eq(text)
    prefix = pd.Series(False, index=index.index)
    substring = pd.Series(False, index=index.index)
    for series in normalised.values():
        prefix |= series.str.startswith(text)
        substring |= series.str.contains(text, regex=False)
    rank = pd.Series(4, index=index.index)
    rank[substring] = 2
    rank[prefix] = 1
    rank[exact] = 0
    if not (rank < 4).any():
        for cut in range(1, 4):
            if len(text) - cut < 4:
                break
            similar = pd.Series(False, index=index.index)
            for series in normalised.values():
                similar |= series.str.contains(text[:-cut], regex=False)
            if similar.any():
                rank[similar] = 3
                break
    hits = index[rank < 4].assign(_rank=rank[rank < 4])
    hits = hits.sort_values(["_rank", "has_boundary", "name_uk"], ascending=[True, False, True])
    hits["match"] = hits["_rank"].map({0: "exact", 1: "prefix", 2: "substring", 3: "similar"})
    return hits[columns].head(limit).reset_index(drop=True)


def _feature_by_code(path: Path, code: str) -> dict | None:
    """Fast path: find one feature of a compact GeoJSON FeatureCollection by its ``katotth`` without parsing the
    whole file (≈10 ms instead of ≈1 s for the 28 MB file). None if the layout is not the expected one."""
    key = re.compile(rb'"katotth"\s*:\s*"' + re.escape(code.encode()) + rb'"')
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        found = key.search(data)
        if found is None:
            return None
        start = data.rfind(b'{"type":"Feature"', 0, found.start())
        if start < 0:
            return None
        end = data.find(b'{"type":"Feature"', found.end())
        chunk = data[start:end if end > 0 else len(data)].decode("utf-8")
    try:
        feature, _ = json.JSONDecoder().raw_decode(chunk)
    except json.JSONDecodeError:
        return None
    if feature.get("properties", {}).get("katotth") != code or not feature.get("geometry"):
        return None
    return feature


def hromada_attributes(code: str, root: str | os.PathLike | None = None) -> dict[str, Any]:
    """Oblast, raion (codifier 2025), centre (KSE geography) and OCHA Latin name of one hromada (≈10 ms).

    Returns
    -------
    dict
        ``oblast``, ``raion``, ``centre_katottg``, ``centre_name``, ``name_en_ocha``, ``ocha_adm3_pcode``;
        values are None where unknown (e.g. a code that is not in the files).
    """
    base = _root(root)
    result: dict[str, Any] = dict.fromkeys(
        ["oblast", "raion", "centre_katottg", "centre_name", "name_en_ocha", "ocha_adm3_pcode"])
    codifier_path = base / CODIFIER
    if codifier_path.exists():
        # Plain-text lookup of three lines of the ';'-separated codifier (a full pandas parse costs ≈50 ms).
        data = b"\n" + codifier_path.read_bytes()

        def line_with(fragment: str) -> list[str] | None:
            at = data.find(fragment.encode("utf-8"))
            if at < 0:
                return None
            start = at + 1 if fragment.startswith("\n") else data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", start)
            return data[start:end if end >= 0 else len(data)].decode("utf-8").split(";")

        hromada = line_with(f";{code};;;H;")
        if hromada is not None and len(hromada) >= 7:
            oblast = line_with(f"\n{hromada[0]};;;;;")
            raion = line_with(f"\n{hromada[0]};{hromada[1]};;;;P;")
            result["oblast"] = oblast[6].strip() if oblast and len(oblast) >= 7 else None
            result["raion"] = raion[6].strip() if raion and len(raion) >= 7 else None
    centres_path = base / HROMADA_CENTRES
    if centres_path.exists():
        centres = read_hromada_centres(base)
        row = centres[centres["hromada_code"] == code]
        if len(row):
            result["centre_katottg"] = row["hromada_center_code"].iloc[0]
            result["centre_name"] = row["hromada_center"].iloc[0]
    ocha_path = base / OCHA_ADM3
    if ocha_path.exists():
        ocha = pd.read_csv(ocha_path, usecols=["ADM3_PCODE", "ADM3_EN"], dtype=str)
        row = ocha[ocha["ADM3_PCODE"] == code[:9]]
        if len(row):
            result["name_en_ocha"] = row["ADM3_EN"].iloc[0]
            result["ocha_adm3_pcode"] = code[:9]
    return result


def _code_from_pcode(path: Path, pcode: str) -> str:
    """The full KATOTTG code of the hromada whose code starts with ``pcode`` (9 characters, OCHA ADM3)."""
    pattern = re.compile(rb'"katotth"\s*:\s*"(' + re.escape(pcode.encode()) + rb'\d{10})"')
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        codes = {m.group(1).decode() for m in pattern.finditer(data)}
        compact = data.find(b'"katotth":"') >= 0
    if not codes and not compact:  # unexpected layout: ask GDAL (parses the whole file)
        attrs = pyogrio.read_dataframe(path, read_geometry=False, columns=["katotth"])
        codes = set(attrs.loc[attrs["katotth"].astype("string").str.startswith(pcode), "katotth"])
    if len(codes) != 1:
        raise DataError(
            f"Код {pcode} не визначає одну громаду з межею / Code {pcode} matches {len(codes)} hromada boundaries."
        )
    return codes.pop()


def hromada_boundary(code: str, root: str | os.PathLike | None = None, simplified: bool = False) -> gpd.GeoDataFrame:
    """The polygon of one hromada (EPSG:4326, one row) from the OSM/KATOTTG boundary file.

    Columns: the file's properties (``katottg``, ``name``, ``name_uk``, ``name_en``, ``wikidata``, ``osm_id``, …)
    plus :func:`hromada_attributes` (``oblast``, ``raion``, ``centre_katottg``, ``centre_name``, ``name_en_ocha``),
    like a demo pack's ``boundary.geojson``.

    Parameters
    ----------
    code
        Hromada KATOTTG code (``UA`` + 17 digits) or its first 9 characters (OCHA ADM3 pcode).
    simplified
        Use the ≈100 m simplified file (4 MB, for display) instead of the full-resolution one (28 MB).

    Notes
    -----
    GDAL's GeoJSON driver parses the whole file even with an attribute filter (≈1 s for the full file), so the
    feature is located by its code in the raw bytes first and only that feature is parsed (≈10 ms); the
    pyogrio ``where`` read is the fallback.
    """
    base = _root(root)
    path = _require_file(base / (BOUNDARIES_SIMPLIFIED if simplified else BOUNDARIES_FULL))
    code = str(code).strip().upper()
    if re.fullmatch(r"UA\d{7}", code):
        code = _code_from_pcode(path, code)
    if not _is_katottg(code):
        raise DataError(
            f"'{code}' не є кодом КАТОТТГ / '{code}' is not a KATOTTG code (expected UA + 17 digits, "
            "e.g. UA46040010000033885)."
        )
    feature = _feature_by_code(path, code)
    if feature is not None:
        frame = gpd.GeoDataFrame([feature["properties"]], geometry=[shapely.geometry.shape(feature["geometry"])],
                                 crs=4326)
    else:
        frame = pyogrio.read_dataframe(path, where=f"katotth = '{code}'")
        frame = frame.set_crs(4326, allow_override=True) if frame.crs is None else frame.to_crs(4326)
    if frame.empty:
        hint = ""
        if code in HROMADAS_WITHOUT_BOUNDARY:
            hint = (f" {HROMADAS_WITHOUT_BOUNDARY[code]} громада is one of the 3 hromadas without an OSM polygon; "
                    f"its 2020 outline (by name, no code) is in {BOUNDARIES_2020_OPORA}.")
        raise DataError(
            f"Межу громади {code} не знайдено / No boundary for hromada {code} in {path.name}.{hint}"
        )
    frame = frame.rename(columns={"katotth": "katottg"})
    for key, value in hromada_attributes(code, base).items():
        frame[key] = value
    if "name_en" in frame.columns:
        frame["name_en"] = frame["name_en"].where(frame["name_en"].notna(), frame["name_en_ocha"])
    return frame


def hromada_settlements_codifier(code: str, root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The settlements of one hromada in the KATOTTG codifier (with OSM node id and OSM population tag).

    Returns
    -------
    pandas.DataFrame
        Columns ``settlement_code``, ``name``, ``category`` (M/X/C), ``category_en`` (city/selyshche/village),
        ``hromada_code``, ``hromada_name``, ``raion_name``, ``oblast_name``, ``osm_node_id``, ``koatuu``,
        ``osm_place``, ``osm_population``; sorted by code.
    """
    code = str(code).strip().upper()
    flat = read_settlements_flat(root)
    rows = flat[flat["hromada_code"] == code].rename(columns={"settlement_name": "name"})
    if rows.empty:
        raise DataError(
            f"У кодифікаторі немає населених пунктів громади {code} / No settlements of hromada {code} in "
            f"{SETTLEMENTS_FLAT.name}; check the code (find_hromada can search by name)."
        )
    rows = rows.assign(category_en=rows["category"].map({"M": "city", "X": "selyshche", "C": "village"}))
    order = ["settlement_code", "name", "category", "category_en", "hromada_code", "hromada_name", "raion_name",
             "oblast_name", "osm_node_id", "koatuu", "osm_place", "osm_population"]
    return rows[order].sort_values("settlement_code", ignore_index=True)


@functools.lru_cache(maxsize=2)
def _read_transition(path: str, _mtime_ns: int) -> pd.DataFrame:
    """The KOATUU → KATOTTG transition table, parsed once per path and modification time (callers filter it)."""
    table = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    table.columns = ["koatuu", "type", "koatuu_name", "katottg", "category", "katottg_name"]
    return table


def settlement_former_names(code: str, root: str | os.PathLike | None = None) -> pd.DataFrame:
    """Former names of one hromada's settlements, from the official KOATUU → KATOTTG transition table (2020).

    Settlements renamed since (e.g. in the 2023–2024 renamings) keep their KATOTTG code, so the names under which
    the code first appeared (KOATUU name and 2020 codifier name) are the likely former names.

    Returns
    -------
    pandas.DataFrame
        Columns ``katottg``, ``name`` (title case), ``current_name``; only names that differ from the current
        codifier name.
    """
    current = hromada_settlements_codifier(code, root)[["settlement_code", "name"]]
    path = _require_file(_root(root) / KOATUU_TRANSITION)
    table = _read_transition(str(path), path.stat().st_mtime_ns)
    table = table[table["katottg"].isin(current["settlement_code"])]
    names = pd.concat(
        [
            table[["katottg", "koatuu_name"]].rename(columns={"koatuu_name": "name"}),
            table[["katottg", "katottg_name"]].rename(columns={"katottg_name": "name"}),
        ]
    )
    names["name"] = names["name"].str.split("/").str[0].str.strip().str.title().str.replace(
        r"(?<=['’])(\w)", lambda m: m.group(1).lower(), regex=True)
    names = names.merge(current.rename(columns={"settlement_code": "katottg", "name": "current_name"}), on="katottg")
    differs = names["name"].map(normalise_text) != names["current_name"].map(normalise_text)
    names = names[differs & names["name"].ne("")]
    names = names.assign(_key=names["name"].map(normalise_text)).drop_duplicates(["katottg", "_key"])
    return names.drop(columns="_key").reset_index(drop=True)
