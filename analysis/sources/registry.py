"""The Mintsyfra ЦНАП registry: loading it and placing its rows at the settlements of one hromada.

The registry (``admin/cnap/cnap_registry_mintsyfra_kse.csv``, 3,432 rows, vintage ≈2022–mid-2023) has no
coordinates and no KATOTTG codes, only free-text names and addresses such as

    name    "Віддалене робоче місце адміністратора ЦНАП Бродівської міської ради в с.Пониква"
    address "Центральна, 13, Львівська область"

:func:`geocode_registry` selects the rows of one hromada and places each at the settlement its address or name
names, matching against that hromada's settlements (so a village name only has to be unique within the hromada).

Geocoding methods (``geocode_method``), tried in this order:

``address_settlement_exact`` / ``_former_name`` / ``_fuzzy``
    settlement after "с.", "смт", "м.", "село", "селище" … in the address matches a settlement name
    (Ukrainian case endings are understood: "у с. Літовищі" → Літовище; ``former_name`` = matched a pre-renaming
    name given in ``aliases``; fuzzy = difflib ratio ≥ 0.85). The type word must fit the settlement's category
    ("м. Липовець" is the town, "с. Липовець" the village of the same name);
``name_settlement_exact`` / ``_former_name`` / ``_fuzzy``
    the same in the row's name (used when the address names no settlement of the hromada);
``name_starosta_okrug`` / ``_fuzzy``
    the starosta district named in the row's name ("…в Леб`язькому старостинському округу") → the settlement
    whose name the district adjective is formed from (Леб'яже);
``assumed_hromada_centre``
    a main centre (category ``cnap_centre``) whose address and name name no settlement → the hromada centre
    (``location_precision = "hromada_centre"``).

Every other row is returned in the table of unplaced rows with a ``reason``. Rows are selected by
:func:`select_hromada_rows` (hromada named in the address, council named in the row's name, or the hromada's
town named); see there. Known limits: rows whose text names no hromada, council or town (≈100 of 3,432, e.g.
"Віддалене робоче місце адміністратора в с. Андріївка" / "Центральна, 1 а, Дніпропетровська область") cannot be
attributed, and two hromadas of the same name and type in one oblast (e.g. two Калинівська селищна in Київська)
cannot be told apart from the text.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import DataError
from analysis.sources.admin import APOSTROPHE_TABLE, data_root, hromada_adjective
from analysis.sources.places import ACCESSIBILITY_FLAGS, empty_service_points, service_points_from_table, to_flag
from analysis.sources.readers import REGISTRY_ID_PREFIX
from analysis.sources.registry_match import (
    _APOSTROPHE_RE,
    _HROMADA_IN_ADDRESS_RE,
    _OBLAST_IN_ADDRESS_RE,
    _STAROSTA_RE,
    SettlementMatcher,
    _adjective_root,
    _genitive,
    _key,
    _Match,
    name_forms,
)
from analysis.sources.taxonomy import Taxonomy, load_taxonomy

REGISTRY_CSV = Path("admin/cnap/cnap_registry_mintsyfra_kse.csv")


REGISTRY_XLSX = Path("admin/cnap/cnap_registry_mintsyfra_kse.xlsx")


REQUIRED_COLUMNS: tuple[str, ...] = ("code", "name", "address")


#: 0/1 columns of the registry (Int64 0/1/NA after :func:`load_registry`).
FLAG_COLUMNS: tuple[str, ...] = (
    "bus_100", "free_parking", "e_registr", "bank_branc", "pay_card", "pay_terminal", "add_serv", "free_wifi",
    "self_serv", "sanit_room", "disability", "pandus", "dis_sanit", "braille_mat", "pram_place",
)


TEXT_COLUMNS: tuple[str, ...] = (
    "name", "address", "formation_form", "state", "web", "timetable", "tel_consul", "onl_consul", "feedback_url",
)


#: Registry columns carried into the geocoded service points.
CARRIED_COLUMNS: tuple[str, ...] = (
    "formation_form", "timetable", "web", "square_total", "sanit_room", "pram_place", "bus_100", "free_parking",
)


# ----------------------------------------------------------------------------------------------------------------
# Loading
# ----------------------------------------------------------------------------------------------------------------
def _read_registry_xlsx(path: Path) -> pd.DataFrame:
    """The registry workbook: row 1 may hold Ukrainian headers and row 2 the English ones."""
    head = pd.read_excel(path, sheet_name=0, header=None, nrows=5, engine="openpyxl")
    header_row = 0
    for i in range(len(head)):
        values = {str(v).strip().lower() for v in head.iloc[i].tolist()}
        if {"code", "name", "address"} <= values:
            header_row = i
            break
    return pd.read_excel(path, sheet_name=0, header=header_row, engine="openpyxl")


def load_registry(path: str | os.PathLike | None = None, root: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the ЦНАП registry (the shared CSV by default; or the XLSX; or a user's file with the same columns).

    Returns
    -------
    pandas.DataFrame
        ``code`` (Int64, unique), text columns as strings, ``workers_total`` (Int64), ``square_total``
        (float) and the 0/1 flags (Int64 with NA = not reported).

    Raises
    ------
    DataError
        File missing or unreadable, required columns (code, name, address) missing, duplicated codes.
    """
    if path is None:
        path = data_root(root) / REGISTRY_CSV
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Реєстр ЦНАП не знайдено / ЦНАП registry not found: {path}")
    try:
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            table = _read_registry_xlsx(path)
        else:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    except Exception as exc:  # noqa: BLE001 - a bad file is a user error
        raise DataError(f"Не вдалося прочитати реєстр / cannot read the registry {path}: {exc}") from exc
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(
            f"{path.name}: бракує стовпців / missing columns {', '.join(missing)}. Found columns: "
            f"{', '.join(table.columns)}. Expected the registry's English header row (code, name, address, ...)."
        )
    table = table.dropna(how="all").reset_index(drop=True)
    code = pd.to_numeric(table["code"], errors="coerce")
    if code.isna().any() or (code % 1 != 0).any():
        raise DataError(f"{path.name}: нечислові коди / non-numeric registry codes in rows "
                        f"{', '.join(map(str, (table.index[code.isna()] + 2)[:8]))}.")
    table["code"] = code.astype("Int64")
    duplicated = table["code"].duplicated(keep=False)
    if duplicated.any():
        raise DataError(f"{path.name}: коди повторюються / duplicated registry codes: "
                        f"{', '.join(map(str, table.loc[duplicated, 'code'].unique()[:8]))}.")
    for column in TEXT_COLUMNS:
        if column in table.columns:
            text = table[column].astype("string").str.strip()
            table[column] = text.where(~text.isin(["", "None", "nan"]), pd.NA)
    if "workers_total" in table.columns:
        table["workers_total"] = pd.to_numeric(table["workers_total"], errors="coerce").round().astype("Int64")
    if "square_total" in table.columns:
        table["square_total"] = pd.to_numeric(table["square_total"], errors="coerce").astype("float64")
    for column in FLAG_COLUMNS:
        if column in table.columns:
            table[column] = to_flag(table[column])
    return table


def _council_type(name: Any, hromada_name_uk: str) -> str | None:
    """The council type ("міськ"/"сільськ"/"селищн") the name gives this hromada's council if it differs from the
    type in ``hromada_name_uk``; else None."""
    adjective = _key(hromada_adjective(hromada_name_uk))
    own = re.search(r"міськ|сільськ|селищн", _key(hromada_name_uk))
    found = re.search(re.escape(_genitive(adjective)) + r"\s+(міськ|сільськ|селищн)", _key(name))
    if own is None or found is None or found.group(1) == own.group(0):
        return None
    return found.group(1)


def select_hromada_rows(
    registry: pd.DataFrame,
    hromada_name_uk: str,
    oblast_name: str | None = None,
    centre_name: str | None = None,
) -> pd.Series:
    """Boolean mask of the registry rows that belong to one hromada.

    A row belongs to the hromada when

    * its address contains "<Назва> [міська] територіальна громада"; or
    * its name contains the council in the genitive ("<Назвої> … ради", "… ТГ", "… територіальної громади") of
      the same type (міська/сільська/селищна as in ``hromada_name_uk``) while the address names no other
      hromada; or
    * (if ``centre_name`` is given, for town hromadas) its name or address names the town ("ЦНАП м. Ромни",
      "у м. Суми", "м. Чернігова") while the address names no other hromada.

    If ``oblast_name`` is given, an oblast named in the address must be that oblast.
    """
    adjective = _key(hromada_adjective(hromada_name_uk))
    if not adjective:
        raise DataError("Порожня назва громади / empty hromada name.")
    root = _adjective_root(adjective)
    mask = pd.Series(False, index=registry.index)
    # Cheap vectorised pre-filter: the adjective's stem (Бродівськ-) or the town must occur in the name or address.
    lowered = (registry["name"].astype("string").fillna("") + " | " + registry["address"].astype("string").fillna(""))
    lowered = lowered.str.replace(_APOSTROPHE_RE, "'", regex=True).str.lower()
    candidates = lowered.str.contains(root, regex=False).fillna(False)
    centre_re = None
    if centre_name:
        centre_key = _key(centre_name)
        forms = sorted(name_forms(centre_name), key=len, reverse=True)
        centre_re = (r"(?<![\w'])(?:м\.|місто|міста|місті)\s*(?:" + "|".join(map(re.escape, forms))
                     + r")(?![\w'])")
        candidates |= lowered.str.contains(centre_key[: max(3, len(centre_key) - 2)], regex=False).fillna(False)
    candidates = candidates.to_numpy(dtype=bool)
    if not candidates.any():
        return mask
    rows = registry[candidates]
    address = rows["address"].astype("string").fillna("").map(_key)
    name = rows["name"].astype("string").fillna("").map(_key)
    named = address.str.findall(_HROMADA_IN_ADDRESS_RE.pattern).map(lambda items: {_adjective_root(i) for i in items})
    in_address = named.map(lambda items: root in items)
    other_in_address = named.map(lambda items: any(item != root for item in items))
    council = (
        r"(?<![\w'\-])" + re.escape(_genitive(adjective))
        + r"(?P<between>(?:\s+[\w'\-]+){0,3}?)\s+"
        + r"(?:ради|рада|отг|тг|територіальн\w*\s+громад\w*|вца|військово)(?![\w])"
    )
    between = name.str.extract(council, expand=True)["between"]
    in_name = between.notna()
    # "Покровської міської ради" is not the council of Покровська сільська громада (same-name hromadas).
    own_type = re.search(r"міськ|сільськ|селищн", _key(hromada_name_uk))
    if own_type:
        named_type = between.str.extract(r"(міськ|сільськ|селищн)", expand=False)
        in_name &= ~(named_type.notna() & named_type.ne(own_type.group(0))).fillna(False)
    selected = in_address | (in_name & ~other_in_address)
    if centre_re is not None:
        names_town = name.str.contains(centre_re, regex=True) | address.str.contains(centre_re, regex=True)
        selected |= names_town.fillna(False) & ~other_in_address
    if oblast_name:
        oblast = _key(re.sub(r"\s+област\w*$", "", str(oblast_name).strip(), flags=re.IGNORECASE))
        named_oblast = address.str.extract(_OBLAST_IN_ADDRESS_RE.pattern, expand=False)
        selected &= named_oblast.isna() | named_oblast.eq(oblast)
    mask[rows.index] = selected.fillna(False).astype(bool).to_numpy()
    return mask


# ----------------------------------------------------------------------------------------------------------------
# Geocoding
# ----------------------------------------------------------------------------------------------------------------
def _place_row(row: pd.Series, category: str, matcher: SettlementMatcher, centre: int | None,
               centre_positions: set[int]) -> dict[str, Any]:
    """Placement of one registry row: settlement position, method, matched text, precision (or a reason)."""

    def pick(found: list[_Match]) -> _Match | None:
        if not found:
            return None
        exact = ([m for m in found if m.method == "exact"] or [m for m in found if m.method == "former_name"]
                 or found)
        if category != "cnap_centre":
            # "… ЦНАП у м. Шостка, с. Ображіївка": a remote office is in the village, not in the centre.
            non_centre = [m for m in exact if m.position not in centre_positions]
            if non_centre:
                return non_centre[0]
        return exact[0]

    address_hits, address_unmatched = matcher.mentions(row["address"])
    hit = pick(address_hits)
    if hit is not None:
        return {"position": hit.position, "method": f"address_settlement_{hit.method}", "text": hit.text,
                "precision": "settlement"}
    name_hits, name_unmatched = matcher.mentions(row["name"])
    hit = pick(name_hits)
    if hit is not None:
        return {"position": hit.position, "method": f"name_settlement_{hit.method}", "text": hit.text,
                "precision": "settlement"}
    hit, okrug_text = matcher.starosta(row["name"])
    if hit is not None:
        return {"position": hit.position, "method": f"name_starosta_okrug{'_fuzzy' if hit.method == 'fuzzy' else ''}",
                "text": hit.text, "precision": "settlement"}
    unmatched = address_unmatched + name_unmatched
    if category == "cnap_centre" and not unmatched and okrug_text is None:
        if centre is None:
            return {"reason": "main centre names no settlement and the settlements table marks no hromada centre"}
        return {"position": centre, "method": "assumed_hromada_centre", "text": None, "precision": "hromada_centre"}
    if unmatched:
        return {"reason": f"settlement not found among the hromada's settlements: {', '.join(unmatched)}"}
    if okrug_text is not None:
        return {"reason": f"starosta district matches no settlement name: {okrug_text}"}
    return {"reason": "address and name name no settlement (not a main centre, so not assumed at the centre)"}


def geocode_registry(
    registry: pd.DataFrame,
    settlements: gpd.GeoDataFrame,
    hromada_code: str,
    hromada_name_uk: str,
    oblast_name: str | None = None,
    taxonomy: Taxonomy | None = None,
    *,
    aliases: pd.DataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Select one hromada's registry rows and place each at the settlement it names.

    Parameters
    ----------
    registry
        Output of :func:`load_registry`.
    settlements
        Standard settlements table of the hromada (``name``, ``katottg``, ``is_hromada_centre``, points).
    hromada_code
        KATOTTG code of the hromada (stored in ``hromada_katottg``).
    hromada_name_uk
        "Бродівська міська громада" or just "Бродівська".
    oblast_name
        "Львівська" (or "Львівська область"); when given, rows whose address names another oblast are skipped.
    taxonomy
        Default: the project taxonomy (categories from :meth:`Taxonomy.classify_registry_name`).
    aliases
        Optional former settlement names (``katottg``, ``name``), e.g.
        :func:`analysis.datasets.settlement_former_names`; the registry predates the 2023–2024 renamings, so
        rows naming e.g. "Чкаловка" are then placed (method ``*_former_name``).

    Returns
    -------
    (geopandas.GeoDataFrame, pandas.DataFrame)
        Standard service-points table (ids ``registry:<code>``) with ``registry_code``, ``address``,
        ``settlement_name``, ``geocode_method``, ``geocode_matched_text``, ``starosta_okrug_text`` and the
        registry flags; and the rows that could not be placed (``registry_code``, ``name``, ``address``,
        ``category``, ``reason``).
    """
    taxonomy = taxonomy or load_taxonomy()
    missing = [c for c in REQUIRED_COLUMNS if c not in registry.columns]
    if missing:
        raise DataError(f"Реєстр без стовпців / registry lacks columns: {', '.join(missing)}.")
    for column in ("name", "is_hromada_centre"):
        if column not in settlements.columns:
            raise DataError(f"Таблиця населених пунктів без стовпця '{column}' / settlements table lacks '{column}'.")
    settlements = settlements.reset_index(drop=True)
    centre_name = None
    is_centre = settlements["is_hromada_centre"].fillna(False).to_numpy(dtype=bool)
    if is_centre.any():
        centre_row = settlements[is_centre].iloc[0]
        if str(centre_row.get("category", "city")).lower() in {"city", "town", "nan", "<na>", "none"}:
            centre_name = centre_row["name"]
    selected = registry[select_hromada_rows(registry, hromada_name_uk, oblast_name, centre_name)]
    selected = selected.reset_index(drop=True)
    matcher = SettlementMatcher(settlements, aliases)
    centre_positions = set(np.flatnonzero(settlements["is_hromada_centre"].fillna(False).to_numpy(dtype=bool)))
    centre = min(centre_positions) if centre_positions else None

    categories = [taxonomy.classify_registry_name(n) for n in selected["name"].astype("string").fillna("")]
    placed, unplaced = [], []
    for row, category in zip(selected.to_dict("records"), categories):
        result = _place_row(pd.Series(row), category, matcher, centre, centre_positions)
        okrug = _STAROSTA_RE.search(str(row["name"]).translate(APOSTROPHE_TABLE))
        if "reason" in result:
            reason = result["reason"]
            named_type = _council_type(row["name"], hromada_name_uk)
            if named_type is not None:
                reason = (f"{reason} — the name names a '{named_type}…' council, so the row may belong to another "
                          "hromada of the same name")
            unplaced.append({"registry_code": row["code"], "name": row["name"], "address": row["address"],
                             "category": category, "reason": reason})
            continue
        settlement = settlements.iloc[result["position"]]
        placed.append(
            {
                "id": f"{REGISTRY_ID_PREFIX}{row['code']}",
                "name": row["name"],
                "category": category,
                "source": "registry",
                "location_precision": result["precision"],
                "settlement_katottg": settlement.get("katottg", pd.NA),
                **{flag: row.get(flag, pd.NA) for flag in ACCESSIBILITY_FLAGS},
                "workers_total": row.get("workers_total", pd.NA),
                "registry_code": row["code"],
                "hromada_katottg": hromada_code,
                "address": row["address"],
                "settlement_name": settlement["name"],
                "geocode_method": result["method"],
                "geocode_matched_text": result["text"],
                "starosta_okrug_text": okrug.group(0) if okrug else pd.NA,
                **{c: row.get(c, pd.NA) for c in CARRIED_COLUMNS},
                "geometry": settlement.geometry,
            }
        )
    unplaced_table = pd.DataFrame(unplaced, columns=["registry_code", "name", "address", "category", "reason"])
    if not placed:
        points = empty_service_points()
        points.attrs["warnings"] = []
        return points, unplaced_table
    frame = gpd.GeoDataFrame(placed, geometry="geometry", crs=4326)
    frame["registry_code"] = frame["registry_code"].astype("Int64")
    frame.attrs["source_label"] = "ЦНАП registry"
    points = service_points_from_table(frame, taxonomy=taxonomy)
    points["settlement_katottg"] = points["settlement_katottg"].astype("string")
    return points, unplaced_table
