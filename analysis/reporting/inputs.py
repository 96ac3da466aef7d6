"""What a user has loaded for a hromada, assembled into one :class:`~analysis.sources.packs.HromadaBundle`.

The dashboard and the CLI both go through here: a demo pack, else a saved OSM extract (settlements and POIs from
OSM, ЦНАП points from the Mintsyfra registry), else the user's own settlements; the user's own tables replace the
pack's; filled barrier-free surveys are applied to the service points. Uploaded files arrive as ``(name, bytes)``:
the name only tells the format and labels messages, it never becomes a path.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from analysis.barrier_free.survey import apply_survey, read_survey_upload
from analysis.errors import DataError
from analysis.i18n import note, text
from analysis.sources.admin import (
    SOURCE_CNAP_REGISTRY,
    SOURCE_KATOTTG,
    SOURCE_OSM,
    SOURCE_POPULATION,
    hromada_boundary,
)
from analysis.sources.national import load_hromada
from analysis.sources.osm_places import service_points_from_osm, settlements_from_osm_places
from analysis.sources.packs import HromadaBundle, list_demo_packs, load_demo_pack
from analysis.sources.places import (
    empty_service_points,
    resolve_settlement_locations,
    service_points_from_table,
    settlements_from_table,
)
from analysis.sources.population import missing_settlements, read_population_2022, rescale_to_2022
from analysis.sources.readers import read_points
from analysis.sources.registry import geocode_registry, load_registry

#: Largest table upload (settlements / service points / registry / survey) accepted, MB.
MAX_TABLE_UPLOAD_MB = 25
#: Largest OSM extract accepted as an upload, MB (bigger files: give their path on disk).
MAX_OSM_UPLOAD_MB = 200

Upload = tuple[str, bytes]


def check_size(data: bytes, limit_mb: float, name: str) -> None:
    """Refuse an upload larger than ``limit_mb`` with a readable message."""
    if len(data) > limit_mb * 1024 * 1024:
        raise DataError(
            f"Файл «{name}» завеликий ({len(data) / 1048576:.1f} МБ; межа {limit_mb:g} МБ) / "
            f"File '{name}' is too large ({len(data) / 1048576:.1f} MB; limit {limit_mb:g} MB)."
        )


def upload_suffix(name: str, allowed: tuple[str, ...]) -> str:
    """The file type of an upload named ``name``: the longest of ``allowed`` (lower case, with the dot) it ends
    with. Only this suffix ever reaches a file name — the upload is written under a name the app makes
    (``upload.csv``), so a client's name such as ``../../x.csv`` or ``/etc/x.csv`` never becomes a path."""
    lowered = str(name).lower()
    for suffix in sorted(allowed, key=len, reverse=True):
        if lowered.endswith(suffix):
            return suffix
    raise DataError(f"Файл «{name}»: очікується {', '.join(allowed)} / File '{name}': expected one of "
                    f"{', '.join(allowed)}.")


def settlements_from_upload(upload: Upload, code: str, boundary: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The user's settlements file as the standard table (points outside the hromada noted in
    ``attrs["warnings"]`` with their distance)."""
    name, data = upload
    check_size(data, MAX_TABLE_UPLOAD_MB, name)
    points = read_points(data, name=name, expected_area=boundary)
    points.attrs["source_label"] = name
    table = settlements_from_table(points, hromada_katottg=code)
    table.attrs["warnings"] = list(points.attrs.get("warnings", [])) + [
        w for w in table.attrs.get("warnings", []) if w not in points.attrs.get("warnings", [])]
    return table


def service_points_from_upload(upload: Upload, settlements: gpd.GeoDataFrame | None,
                               boundary: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The user's service-points file as the standard table (rows naming a settlement code placed there)."""
    name, data = upload
    check_size(data, MAX_TABLE_UPLOAD_MB, name)
    points = read_points(data, name=name, expected_area=boundary)
    points.attrs["source_label"] = name
    table = service_points_from_table(points)
    if settlements is not None:
        table = resolve_settlement_locations(table, settlements)
    table.attrs["warnings"] = list(points.attrs.get("warnings", [])) + list(table.attrs.get("warnings", []))
    return table


def apply_survey_upload(points: gpd.GeoDataFrame, upload: Upload) -> gpd.GeoDataFrame:
    """Service points with a filled survey form (``(name, bytes)``) applied."""
    name, data = upload
    check_size(data, MAX_TABLE_UPLOAD_MB, name)
    return apply_survey(points, read_survey_upload(name, data))


def bundle_from_osm_extract(code: str, root, folder: str | Path) -> HromadaBundle:
    """A bundle for a hromada without a demo pack, from a saved OSM extract (+ the ЦНАП registry where it has
    rows): settlements from OSM places matched to the KATOTTG codifier, service points from OSM POIs, ЦНАП points
    from the registry placed at those settlements."""
    folder = Path(folder)
    outline = hromada_boundary(code, root)
    places = gpd.read_parquet(folder / "places.parquet")
    pois = gpd.read_parquet(folder / "pois.parquet")
    settlements = settlements_from_osm_places(places, root, hromada_code=code)
    figures = read_population_2022(code, root)
    settlements = rescale_to_2022(settlements, figures)
    missing = missing_settlements(settlements, code, figures, root)
    points = service_points_from_osm(pois)
    unplaced = None
    notes = list(settlements.attrs.get("warnings", [])) + list(points.attrs.get("warnings", []))
    info = outline.iloc[0]
    try:
        registry_points, unplaced = geocode_registry(load_registry(root=root), settlements, code,
                                                     str(info.get("name_uk", "")), oblast_name=info.get("oblast"))
        if len(registry_points):
            points = pd.concat([registry_points, points[points["group"] != "cnap"]], ignore_index=True)
            points = gpd.GeoDataFrame(points, geometry="geometry", crs=4326)
    except DataError as exc:
        notes.append(str(exc))
    return HromadaBundle(
        code=code, name_uk=str(info.get("name_uk") or code), name_en=str(info.get("name_en") or code),
        boundary=outline, settlements=settlements, service_points=points,
        sources=[dict(SOURCE_OSM), dict(SOURCE_KATOTTG), dict(SOURCE_CNAP_REGISTRY), dict(SOURCE_POPULATION)],
        notes=notes, path=folder, missing_settlements=missing, unplaced_service_points=unplaced,
    )


def assemble_bundle(code: str, root=None, settlements_file: Upload | None = None, points_file: Upload | None = None,
                    osm_dir: str | None = None, surveys: tuple[Upload, ...] = ()) -> HromadaBundle | None:
    """The hromada's data: its demo pack, else a saved OSM extract, else the user's settlements, else the national
    reference data (:func:`analysis.sources.national.load_hromada`); the user's own tables replace the pack's;
    surveys are applied."""
    pack_codes = set(list_demo_packs(root)["code"])
    if code in pack_codes:
        result = load_demo_pack(code, root)
    elif osm_dir:
        result = bundle_from_osm_extract(code, root, osm_dir)
    elif settlements_file is not None:
        outline = hromada_boundary(code, root)
        info = outline.iloc[0]
        result = HromadaBundle(code=code, name_uk=str(info.get("name_uk") or code),
                               name_en=str(info.get("name_en") or code), boundary=outline,
                               settlements=settlements_from_upload(settlements_file, code, outline),
                               service_points=empty_service_points(), sources=[], notes=[])
    else:  # any hromada of Ukraine from the national reference data
        result = load_hromada(code, root)
    notes = list(result.notes)
    sources = list(result.sources)
    if settlements_file is not None:
        settlements = settlements_from_upload(settlements_file, code, result.boundary)
        result = replace(result, settlements=settlements, missing_settlements=missing_settlements(
            settlements, code, read_population_2022(code, root), root))
        notes.append(note("source.user.settlements", name=settlements_file[0]))
        notes.extend(settlements.attrs.get("warnings", []))
        sources.append({"id": "user", "name": settlements_file[0], "licence": text("source.user.licence", "en"),
                        "url": "", "description": "uploaded"})
    if points_file is not None:
        points = service_points_from_upload(points_file, result.settlements, result.boundary)
        result = replace(result, service_points=points)
        notes.append(note("source.user.service_points", name=points_file[0]))
        notes.extend(points.attrs.get("warnings", []))
        sources.append({"id": "user", "name": points_file[0], "licence": text("source.user.licence", "en"),
                        "url": "", "description": "uploaded"})
    if surveys and len(result.service_points):
        points = result.service_points
        for upload in surveys:
            points = apply_survey_upload(points, upload)
        result = replace(result, service_points=points)
        notes.append("Обстеження безбар'єрності / barrier-free surveys: " + ", ".join(n for n, _ in surveys))
    return replace(result, notes=notes, sources=sources)
