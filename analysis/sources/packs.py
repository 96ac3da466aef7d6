"""The curated demo packs: one hromada's boundary, settlements and ЦНАП points, ready to load."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from analysis.errors import DataError
from analysis.i18n import note, text
from analysis.sources.admin import (
    SOURCE_CNAP_REGISTRY,
    SOURCE_KATOTTG,
    SOURCE_OCHA,
    SOURCE_OSM,
    SOURCE_POPULATION,
    _require_file,
    _root,
)
from analysis.sources.extent import add_within_settlement_km
from analysis.sources.population import missing_settlements, read_population_2022, rescale_to_2022
from analysis.sources.readers import registry_point_ids
from analysis.textformat import Note, fmt_int, fmt_num


@dataclass
class HromadaBundle:
    """Everything the analysis needs about one hromada, in the project's standard tables.

    Attributes
    ----------
    code, name_uk, name_en
        Hromada KATOTTG code and names.
    boundary
        GeoDataFrame with one row (hromada polygon, EPSG:4326) and its attributes.
    settlements
        Standard settlements table (see :mod:`analysis.places`).
    service_points
        Standard service-points table (see :mod:`analysis.places`).
    settlement_areas
        Optional settlement polygons (for maps), or None.
    sources
        Citations: dicts with ``name``, ``licence``, ``url``, ``description``.
    notes
        Data-quality notes (plain sentences) to show next to the results.
    missing_settlements
        Settlements of the hromada in the KATOTTG codifier that ``settlements`` lacks
        (:func:`analysis.sources.population.missing_settlements`), or None when not checked.
    unplaced_service_points
        Registry rows of the hromada that could not be placed (with ``unplaced_reason``), or None.

    The settlements always carry ``within_settlement_km`` (:func:`analysis.sources.extent.add_within_settlement_km`,
    from ``settlement_areas`` where a polygon matches), the least distance of any trip from them.
    """

    code: str
    name_uk: str
    name_en: str
    boundary: gpd.GeoDataFrame
    settlements: gpd.GeoDataFrame
    service_points: gpd.GeoDataFrame
    settlement_areas: gpd.GeoDataFrame | None = None
    sources: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    path: Path | None = None
    missing_settlements: pd.DataFrame | None = None
    unplaced_service_points: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        # every bundle's settlements carry the within-settlement distance the router floors trips with
        # (analysis.sources.extent; kept when the table already has it)
        if self.settlements is not None and len(self.settlements):
            self.settlements = add_within_settlement_km(self.settlements, self.settlement_areas)


# ----------------------------------------------------------------------------------------------------------------
# Demo packs
# ----------------------------------------------------------------------------------------------------------------
def _pack_dirs(root: Path) -> list[Path]:
    demo = root / "demo"
    if not demo.is_dir():
        raise DataError(f"Немає теки demo/ у {root} / No demo/ folder in {root}.")
    return sorted(p.parent for p in demo.glob("*/boundary.geojson"))


def list_demo_packs(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per demo pack found under ``<root>/demo/*/boundary.geojson``.

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name_uk``, ``name_en``, ``oblast``, ``raion``, ``population_2022``,
        ``n_settlements``, ``n_service_points``, ``path``; sorted by code.
    """
    rows = []
    for pack in _pack_dirs(_root(root)):
        props = pyogrio.read_dataframe(pack / "boundary.geojson", read_geometry=False).iloc[0]

        def count(name: str) -> int:
            path = pack / name
            return int(pyogrio.read_info(path)["features"]) if path.exists() else 0

        rows.append(
            {
                "code": str(props.get("katottg", pack.name)),
                "name_uk": props.get("name_uk"),
                "name_en": props.get("name_en") if pd.notna(props.get("name_en")) else props.get("name_en_ocha"),
                "oblast": props.get("oblast"),
                "raion": props.get("raion"),
                "population_2022": pd.to_numeric(props.get("population_2022_ukrstat"), errors="coerce"),
                "n_settlements": count("settlements.geojson"),
                "n_service_points": count("service_points.geojson"),
                "path": pack,
            }
        )
    columns = ["code", "name_uk", "name_en", "oblast", "raion", "population_2022", "n_settlements",
               "n_service_points", "path"]
    table = pd.DataFrame(rows, columns=columns)
    table["population_2022"] = table["population_2022"].astype("Int64")
    return table


def _resolve_pack(code_or_path: str | os.PathLike, root: str | os.PathLike | None) -> Path:
    candidate = Path(code_or_path)
    if candidate.is_dir() and (candidate / "boundary.geojson").exists():
        return candidate
    code = str(code_or_path).strip()
    base = _root(root)
    pack = base / "demo" / code
    if (pack / "boundary.geojson").exists():
        return pack
    known = ", ".join(p.name for p in _pack_dirs(base)) or "—"
    raise DataError(
        f"Демо-пакет '{code}' не знайдено / Demo pack '{code}' not found in {base / 'demo'}. Available: {known}."
    )


def _read_pack_readme_notes(pack: Path) -> list[Note]:
    """The bullet points of the README section "Pack-specific notes" (empty list if absent)."""
    readme = pack / "README.md"
    if not readme.exists():
        return []
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"^## Pack-specific notes\s*$(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    if not match:
        return []
    notes, current = [], []
    for line in match.group(1).splitlines():
        if line.startswith("- "):
            if current:
                notes.append(" ".join(current))
            current = [line[2:].strip()]
        elif line.strip() and current:
            current.append(line.strip())
    if current:
        notes.append(" ".join(current))
    # the README is written in English with markdown: plain text, said to be the pack author's English
    plain = [re.sub(r"\*\*|__|`", "", paragraph).strip() for paragraph in notes]
    return [note("packs.note.author", note=line) for line in plain]


def load_demo_pack(code_or_path: str | os.PathLike, root: str | os.PathLike | None = None) -> HromadaBundle:
    """Load one demo pack (by hromada KATOTTG code or pack folder) into a :class:`HromadaBundle`.

    Settlements and service points are converted to the standard tables of :mod:`analysis.places`
    (pack columns are kept as extra columns). Service-point categories are the taxonomy ids derived from the
    registry names with :meth:`analysis.taxonomy.Taxonomy.classify_registry_name`.
    """
    # Local import: places depends on this module for its reference-data readers.
    from analysis.sources.places import empty_service_points, settlements_from_table

    pack = _resolve_pack(code_or_path, root)
    boundary = gpd.read_file(pack / "boundary.geojson", engine="pyogrio")
    if len(boundary) != 1:
        raise DataError(f"{pack / 'boundary.geojson'}: expected one polygon, found {len(boundary)}.")
    boundary = boundary.to_crs(4326)
    props = boundary.iloc[0]
    code = str(props.get("katottg") or pack.name)

    raw_settlements = gpd.read_file(_require_file(pack / "settlements.geojson"), engine="pyogrio")
    settlements = settlements_from_table(
        raw_settlements.rename(columns={"name_uk": "name"}), hromada_katottg=code
    )
    figures = read_population_2022(code, root)
    settlements = rescale_to_2022(settlements, figures)
    missing = missing_settlements(settlements, code, figures, root)

    sp_path = pack / "service_points.geojson"
    if sp_path.exists():
        service_points = registry_points_to_standard(gpd.read_file(sp_path, engine="pyogrio"))
    else:
        service_points = empty_service_points()

    areas_path = pack / "settlement_areas.geojson"
    settlement_areas = gpd.read_file(areas_path, engine="pyogrio").to_crs(4326) if areas_path.exists() else None

    notes = _bundle_notes(settlements, service_points, props) + _read_pack_readme_notes(pack)
    return HromadaBundle(
        code=code,
        name_uk=str(props.get("name_uk", "")),
        name_en=str(props.get("name_en") or props.get("name_en_ocha") or ""),
        boundary=boundary,
        settlements=settlements,
        service_points=service_points,
        settlement_areas=settlement_areas,
        sources=[dict(SOURCE_OSM), dict(SOURCE_KATOTTG), dict(SOURCE_CNAP_REGISTRY), dict(SOURCE_POPULATION),
                 dict(SOURCE_OCHA)],
        notes=notes,
        path=pack,
        missing_settlements=missing,
    )


def registry_points_to_standard(points: gpd.GeoDataFrame, taxonomy: Any = None) -> gpd.GeoDataFrame:
    """Geocoded ЦНАП-registry rows (a pack's ``service_points.geojson``) → standard service-points table.

    ``id`` = ``"registry:<registry_code>"``, ``source`` = ``"registry"``, ``category`` from the registry name via
    :meth:`analysis.taxonomy.Taxonomy.classify_registry_name`; all pack columns are kept.
    """
    from analysis.sources.places import service_points_from_table
    from analysis.sources.taxonomy import load_taxonomy

    taxonomy = taxonomy or load_taxonomy()
    if "registry_code" not in points.columns or "name" not in points.columns:
        raise DataError(
            "Таблиця реєстру ЦНАП без стовпців registry_code/name / Registry service points need columns "
            f"'registry_code' and 'name'; found: {', '.join(map(str, points.columns))}."
        )
    codes = pd.to_numeric(points["registry_code"], errors="coerce").astype("Int64")
    table = points.assign(
        id=registry_point_ids(codes),
        category=[taxonomy.classify_registry_name(n) for n in points["name"].astype("string").fillna("")],
        source="registry",
        registry_code=codes,
    )
    return service_points_from_table(table, taxonomy=taxonomy)


def _bundle_notes(settlements: gpd.GeoDataFrame, service_points: gpd.GeoDataFrame, props: pd.Series) -> list[str]:
    notes = list(settlements.attrs.get("warnings", []))
    info = settlements.attrs.get("population_2022", {})
    if info.get("applied"):
        raw_sum = pd.to_numeric(settlements["population_raw"], errors="coerce").sum()
        total = fmt_int(info["hromada_total"])
        notes.append(Note(*(text("packs.note.population_2022", lang, total=total,
                                 factor=fmt_num(info["factor"], lang, 3), raw_sum=fmt_int(raw_sum))
                            for lang in ("uk", "en"))))
    n_missing = int(settlements["population"].isna().sum())
    if n_missing:
        notes.append(note("packs.note.population_unknown", n=n_missing))
    if len(service_points):
        from analysis.sources.places import PRECISION_LABELS

        precision = service_points["location_precision"].astype("string").fillna("—").value_counts()
        where = {i: "; ".join(f"{PRECISION_LABELS.get(k, (k, k))[i]} — {fmt_int(v)}" for k, v in precision.items())
                 for i in (0, 1)}
        notes.append(Note(text("packs.note.precision", "uk", where=where[0]),
                          text("packs.note.precision", "en", where=where[1])))
    notes.append(note("packs.note.no_roads"))
    return notes
