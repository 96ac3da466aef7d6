"""Folium maps of access and coverage, shared by the dashboard and the notebooks.

Maps are readable on their own: settlements coloured by travel-time band and sized by population, service points by
group, the hromada boundary, a legend that says what the numbers are (routed or *estimated*), and source
attribution (© OpenStreetMap contributors). With ``tiles=False`` the map has a plain background and needs no
internet.
"""

from __future__ import annotations

import html
from typing import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement, Template

from analysis.i18n import LANGUAGES, text
from analysis.textformat import fmt_int, fmt_num

#: Travel-time bands (minutes) and their colours (sequential, colour-blind safe; grey = unreachable / no data).
TIME_BANDS_MIN: tuple[float, ...] = (15.0, 30.0, 45.0, 60.0)


BAND_COLOURS: tuple[str, ...] = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")


UNREACHABLE_COLOUR = "#7f7f7f"


GROUP_COLOURS = {"cnap": "#2b6cb0", "social": "#805ad5", "post": "#dd6b20", "health": "#c53030"}


ATTRIBUTION = "© OpenStreetMap contributors (ODbL); KATOTTG; Мінцифри: реєстр ЦНАП"


#: Map legend and tooltip words, per language (catalog keys ``map.<word>``).
_WORDS: tuple[str, ...] = (
    "legend", "min", "unreachable", "population", "time", "distance", "nearest", "km",
    "estimated", "routed", "services", "settlements", "boundary", "over",
)
_TEXT = {lang: {word: text(f"map.{word}", lang) for word in _WORDS} for lang in LANGUAGES}



class MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's ``control_scale`` also draws miles)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)


def base_map(**kwargs) -> folium.Map:
    """A folium map with the project's metric scale bar (every map of the product starts here)."""
    fmap = folium.Map(tiles=None, control_scale=False, **kwargs)
    MetricScale().add_to(fmap)
    return fmap


def band_index(minutes: np.ndarray | pd.Series, bands: Sequence[float] = TIME_BANDS_MIN) -> np.ndarray:
    """Band number per value: 0 for <= bands[0], ..., len(bands) for > bands[-1]; -1 for NaN (unreachable)."""
    values = np.asarray(minutes, dtype=float)
    index = np.searchsorted(np.asarray(bands, dtype=float), values, side="left")
    return np.where(np.isfinite(values), index, -1)


def band_colour(minutes, bands: Sequence[float] = TIME_BANDS_MIN) -> list[str]:
    """Colour per value following :data:`BAND_COLOURS`."""
    return [UNREACHABLE_COLOUR if i < 0 else BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)] for i in band_index(minutes, bands)]


def band_labels(bands: Sequence[float] = TIME_BANDS_MIN, lang: str = "uk") -> list[str]:
    t = _TEXT[lang]
    labels, low = [], 0.0
    for high in bands:
        labels.append(f"{low:g}–{high:g} {t['min']}")
        low = high
    labels.append(f"{t['over']} {bands[-1]:g} {t['min']}")
    return labels


def _legend(title: str, items: list[tuple[str, str]], note: str) -> MacroElement:
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
        f'background:{colour};margin-right:6px;border:1px solid #333"></span>{html.escape(label)}</div>'
        for colour, label in items
    )
    body = (
        '<div style="position: fixed; bottom: 24px; left: 12px; z-index: 9999; background: white; padding: 8px 10px;'
        ' border: 1px solid #999; border-radius: 4px; font: 12px sans-serif; max-width: 260px;">'
        f"<b>{html.escape(title)}</b>{rows}<div style='margin-top:4px;color:#444'>{html.escape(note)}</div></div>"
    )
    element = MacroElement()
    element._template = Template("{% macro html(this, kwargs) %}" + body + "{% endmacro %}")
    return element


def _bounds(*frames: gpd.GeoDataFrame) -> list[list[float]]:
    boxes = [f.to_crs("EPSG:4326").total_bounds for f in frames if f is not None and len(f)]
    box = np.array(boxes)
    return [[float(box[:, 1].min()), float(box[:, 0].min())], [float(box[:, 3].max()), float(box[:, 2].max())]]


def access_map(
    settlements: gpd.GeoDataFrame,
    service_points: gpd.GeoDataFrame | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    *,
    time_column: str,
    distance_column: str | None = None,
    nearest_column: str | None = None,
    target_label: str = "ЦНАП",
    estimated: bool = False,
    lang: str = "uk",
    tiles: bool = True,
    bands: Sequence[float] = TIME_BANDS_MIN,
    highlight_uncovered: np.ndarray | None = None,
    extra_layers: Sequence[folium.map.Layer] = (),
) -> folium.Map:
    """A map of settlements coloured by travel time to the nearest service, sized by population.

    Parameters
    ----------
    settlements
        Settlements with ``name``, ``population`` and the columns named below.
    time_column, distance_column, nearest_column
        Columns with travel minutes, km and the nearest service's name or id (for tooltips).
    estimated
        Whether the figures are estimates without a road network (said in the legend and tooltips).
    tiles
        OpenStreetMap base tiles (needs internet) or a plain background.
    highlight_uncovered
        Boolean mask of settlements outside the norm: drawn with a thick red outline.
    """
    t = _TEXT[lang]
    fmap = base_map(prefer_canvas=True)
    if tiles:
        folium.TileLayer("OpenStreetMap", attr="© OpenStreetMap contributors", name="OpenStreetMap").add_to(fmap)
    else:
        fmap.get_root().header.add_child(
            folium.Element("<style>.leaflet-container{background:#f4f1ea;}</style>")
        )
    if boundary is not None and len(boundary):
        folium.GeoJson(
            boundary.to_crs("EPSG:4326")[["geometry"]],
            name=t["boundary"],
            style_function=lambda _: {"color": "#222", "weight": 2, "fill": True, "fillOpacity": 0.03},
            attr=ATTRIBUTION,
        ).add_to(fmap)
    settle = settlements.to_crs("EPSG:4326")
    minutes = settle[time_column].to_numpy(dtype=float)
    colours = band_colour(minutes, bands)
    population = pd.to_numeric(settle.get("population", pd.Series(np.nan, index=settle.index)), errors="coerce")
    radius = np.clip(3 + np.sqrt(population.fillna(0).to_numpy()) / 8, 3, 30)
    uncovered = np.zeros(len(settle), dtype=bool) if highlight_uncovered is None else np.asarray(highlight_uncovered)
    layer = folium.FeatureGroup(name=t["settlements"])
    suffix = f" ({t['estimated']})" if estimated else ""
    for i, (_, row) in enumerate(settle.iterrows()):
        lines = [f"<b>{html.escape(str(row.get('name', row.get('id', ''))))}</b>"]
        if pd.notna(population.iloc[i]):
            lines.append(f"{t['population']}: {fmt_int(population.iloc[i])}")
        lines.append(
            f"{t['time']}: {fmt_num(minutes[i], lang)} {t['min']}{suffix}" if np.isfinite(minutes[i]) else t["unreachable"]
        )
        if distance_column and pd.notna(row.get(distance_column)):
            lines.append(f"{t['distance']}: {fmt_num(row[distance_column], lang)} {t['km']}")
        if nearest_column and pd.notna(row.get(nearest_column)):
            lines.append(f"{t['nearest']}: {html.escape(str(row[nearest_column]))}")
        text = "<br>".join(lines)
        folium.CircleMarker(
            location=(row.geometry.y, row.geometry.x),
            radius=float(radius[i]),
            color="#c00000" if uncovered[i] else "#333333",
            weight=3 if uncovered[i] else 1,
            fill=True,
            fill_color=colours[i],
            fill_opacity=0.85,
            tooltip=folium.Tooltip(text),
            popup=folium.Popup(text, max_width=300),
        ).add_to(layer)
    layer.add_to(fmap)
    if service_points is not None and len(service_points):
        points = service_points.to_crs("EPSG:4326")
        services = folium.FeatureGroup(name=t["services"])
        for _, row in points.iterrows():
            colour = GROUP_COLOURS.get(str(row.get("group", "")), "#2b6cb0")
            label = html.escape(str(row.get("name", row.get("id", ""))))
            category = html.escape(str(row.get("category", "")))
            # CircleMarker is core Leaflet (RegularPolygonMarker would load a plugin from a CDN: breaks offline)
            folium.CircleMarker(
                location=(row.geometry.y, row.geometry.x), radius=7, color="#000000", weight=2,
                fill=True, fill_color=colour, fill_opacity=1.0,
                tooltip=folium.Tooltip(f"<b>{label}</b><br>{category}"),
            ).add_to(services)
        services.add_to(fmap)
    for extra in extra_layers:
        extra.add_to(fmap)
    items = list(zip(BAND_COLOURS, band_labels(bands, lang))) + [(UNREACHABLE_COLOUR, t["unreachable"])]
    note = (t["estimated"] if estimated else t["routed"]) + ". " + ATTRIBUTION
    fmap.get_root().add_child(_legend(f"{t['legend']}: {target_label}", items, note))
    folium.LayerControl(collapsed=True).add_to(fmap)
    frames = [f for f in (boundary, settle, service_points) if f is not None and len(f)]
    fmap.fit_bounds(_bounds(*frames))
    return fmap
