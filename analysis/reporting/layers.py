"""The tables of one hromada's analysis as output layers — the one list the CLI's ``run`` and the dashboard's
downloads write (GeoPackage layers, XLSX sheets), so both carry the same numbers.

:func:`result_layers` takes what the analysis computed (:class:`~analysis.reporting.pipeline.HromadaReport`, its
:class:`~analysis.metrics.access.AccessResult`, optionally a suggestion and service areas) and returns
``{layer name: table}``:

``settlements``, ``service_points``, ``boundary``
    the inputs as analysed (settlements with their nearest point per group and ``method``);
``travel_times``
    settlement × service group, nearest point, time and distance (:attr:`AccessResult.long`);
``norm_status``
    settlement × norm: meets / does not meet / no route / not evaluated (points at the settlement);
``coverage_summary``
    one row per norm (``norm_id``, ``population_total``, ``population_covered``, ``share_covered``, …);
``gaps``
    settlements outside each norm, largest population first, with ``norm_id``;
``data_quality``
    the raised flags (severity, count, UA/EN label);
``service_areas`` (when given)
    15/30/45/60-min polygons of a service group;
``suggestions`` (when given)
    the suggested new points (at their candidate settlements), rank, newly covered population, cost.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import pandas as pd

from analysis.reporting.maps import BAND_COLOURS, TIME_BANDS_MIN, band_labels

#: Layer names in the order they are written.
LAYER_NAMES: tuple[str, ...] = ("settlements", "service_points", "boundary", "travel_times", "norm_status",
                                "coverage_summary", "gaps", "data_quality", "service_areas", "suggestions", "roads")


def _at_settlements(table: pd.DataFrame, id_column: str, settlements: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geometry = settlements.set_index(settlements["id"].astype(str)).geometry
    return gpd.GeoDataFrame(table.reset_index(drop=True), crs="EPSG:4326",
                            geometry=table[id_column].astype(str).map(geometry).to_numpy())


def gaps_table(report: Any) -> pd.DataFrame:
    """The gap lists of every evaluated norm in one table, ``norm_id`` first."""
    frames = [gaps.assign(norm_id=norm_id) for norm_id, gaps in report.gaps.items() if gaps is not None]
    if not frames:
        return pd.DataFrame(columns=["norm_id", "settlement_id", "settlement_name", "population"])
    table = pd.concat(frames, ignore_index=True)
    return table[["norm_id"] + [c for c in table.columns if c != "norm_id"]]


def suggestions_table(suggestion: Any, settlements: gpd.GeoDataFrame, group: str) -> gpd.GeoDataFrame:
    """A :class:`~analysis.planning.suggest.Suggestion`'s chosen points at their candidate settlements, with the
    group, the norm and the solution's totals on every row."""
    points = suggestion.points.assign(
        group=group, norm_id=getattr(suggestion.norm, "id", None), method=suggestion.method,
        optimal=bool(suggestion.optimal), covered_population_before=suggestion.covered_population_before,
        covered_population_after=suggestion.covered_population_after, total_population=suggestion.total_population)
    names = settlements.set_index(settlements["id"].astype(str))["name"]
    points.insert(1, "settlement_name", points["candidate_id"].astype(str).map(names).to_numpy())
    return _at_settlements(points, "candidate_id", settlements)


def result_layers(bundle: Any, report: Any, access: Any, *, suggestion: Any = None, suggestion_group: str = "cnap",
                  service_areas: gpd.GeoDataFrame | None = None, roads: gpd.GeoDataFrame | None = None
                  ) -> dict[str, pd.DataFrame]:
    """``{layer name: table}`` of one hromada's analysis (see the module docstring), in :data:`LAYER_NAMES` order.

    Parameters
    ----------
    bundle
        The :class:`~analysis.sources.packs.HromadaBundle` analysed.
    report
        Its :class:`~analysis.reporting.pipeline.HromadaReport`.
    access
        The :class:`~analysis.metrics.access.AccessResult` the report was computed from.
    suggestion, suggestion_group
        Optional :func:`analysis.planning.suggest.suggest_points` result and the group it was made for.
    service_areas, roads
        Optional service-area polygons and road segments to include.
    """
    settlements = bundle.settlements
    layers: dict[str, pd.DataFrame] = {
        "settlements": access.settlements.assign(method=access.method),
        "service_points": access.service_points,
        "boundary": bundle.boundary,
        "travel_times": access.long,
        "norm_status": _at_settlements(report.evaluation, "settlement_id", settlements),
        "coverage_summary": report.summary,
        "gaps": gaps_table(report),
        "data_quality": report.data_quality.flags,
    }
    if service_areas is not None:
        layers["service_areas"] = service_areas
    if suggestion is not None:
        layers["suggestions"] = suggestions_table(suggestion, settlements, suggestion_group)
    if roads is not None:
        layers["roads"] = roads
    return {name: layers[name] for name in LAYER_NAMES if name in layers}


def _rgba(colour: str) -> str:
    colour = colour.lstrip("#")
    return ",".join(str(int(colour[i:i + 2], 16)) for i in (0, 2, 4)) + ",255"


def travel_time_style_qml(field: str, bands: Sequence[float] = TIME_BANDS_MIN, lang: str = "uk") -> str:
    """A QGIS style (QML) that draws points coloured by travel-time band on ``field`` — the dashboard's bands and
    colours (:data:`analysis.reporting.maps.BAND_COLOURS`), labelled in ``lang``."""
    edges = [0.0, *map(float, bands), 100000.0]
    labels = band_labels(bands, lang)
    ranges, symbols = [], []
    for i, (low, high) in enumerate(zip(edges[:-1], edges[1:])):
        ranges.append(f'<range lower="{low:g}" upper="{high:g}" symbol="{i}" label={quoteattr(labels[i])} '
                      'render="true"/>')
        symbols.append(
            f'<symbol type="marker" name="{i}" alpha="1" clip_to_extent="1" force_rhr="0">'
            '<layer class="SimpleMarker" enabled="1" pass="0" locked="0"><Option type="Map">'
            f'<Option name="color" value="{_rgba(BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)])}" type="QString"/>'
            '<Option name="name" value="circle" type="QString"/>'
            '<Option name="size" value="3.2" type="QString"/>'
            '<Option name="outline_color" value="35,35,35,255" type="QString"/>'
            '</Option></layer></symbol>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            '<qgis version="3.28" styleCategories="Symbology">'
            f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(field)} graduatedMethod="GraduatedColor" '
            'symbollevels="0" enableorderby="0" forceraster="0">'
            f"<ranges>{''.join(ranges)}</ranges><symbols>{''.join(symbols)}</symbols></renderer-v2></qgis>")


def default_styles(layers: Mapping[str, pd.DataFrame], lang: str = "uk") -> dict[str, str]:
    """``{layer: QML}`` for the layers that have a default style: ``settlements`` coloured by the time to the
    nearest ЦНАП point (``travel_time_min__cnap``) when that column is there."""
    styles = {}
    settlements = layers.get("settlements")
    if settlements is not None and "travel_time_min__cnap" in settlements.columns:
        styles["settlements"] = travel_time_style_qml("travel_time_min__cnap", lang=lang)
    return styles
