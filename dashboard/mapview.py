"""Map layers and display for the dashboard (presentation only; every figure comes from the analysis API).

All maps go through :func:`show`, which points Leaflet at the locally served copy (:mod:`dashboard.assets`), so
maps render without internet. Service points are drawn with plain Leaflet circle/div markers (no extra JS
libraries), with the barrier-free status as an icon.
"""

from __future__ import annotations

import html
from typing import Iterable

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement, Template
from streamlit_folium import st_folium

from analysis.reporting.maps import GROUP_COLOURS, base_map
from dashboard import assets
from dashboard.i18n import tr

#: Barrier-free status (analysis.barrier_free.STATUSES) -> (symbol, colour); anything else is shown as unknown.
STATUS_STYLE = {
    "accessible": ("♿", "#1a7f37"),
    "partly": ("◐", "#b7791f"),
    "not_accessible": ("✕", "#c53030"),
    "unknown": ("?", "#6b7280"),
}
SERVICE_AREA_COLOURS = {15: "#1a9850", 30: "#91cf60", 45: "#fee08b", 60: "#fc8d59"}


def status_style(status: str | None) -> tuple[str, str]:
    return STATUS_STYLE.get(str(status).lower() if status is not None else "unknown", STATUS_STYLE["unknown"])


def service_layer(points: gpd.GeoDataFrame, lang: str, *, taxonomy=None, status: pd.Series | None = None,
                  status_labels: dict | None = None, name: str | None = None,
                  highlight: Iterable[str] = ()) -> folium.FeatureGroup:
    """Service points as square markers coloured by group, with the barrier-free status symbol inside.

    ``status`` maps point id -> status (from :mod:`analysis.barrier_free`); without it no symbol is drawn.
    ``highlight`` ids get a thick outline (e.g. points closed in a what-if).
    """
    layer = folium.FeatureGroup(name=name or tr("map_services", lang))
    if points is None or len(points) == 0:
        return layer
    highlight = set(highlight)
    frame = points.to_crs("EPSG:4326")
    for _, row in frame.iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        group = str(row.get("group", ""))
        colour = GROUP_COLOURS.get(group, "#2b6cb0")
        category = str(row.get("category", ""))
        label = taxonomy[category].label(lang) if taxonomy is not None and category in taxonomy.ids() else category
        lines = [f"<b>{html.escape(str(row.get('name', row.get('id', ''))))}</b>", html.escape(label)]
        symbol = ""
        if status is not None:
            value = status.get(row["id"], "unknown")
            symbol, _ = status_style(value)
            text = (status_labels or {}).get(value, value)
            lines.append(f"{tr('bf_status', lang)}: {html.escape(str(text))}")
        _, ring = status_style(status.get(row["id"], "unknown")) if status is not None else (None, "#000")
        border = "4px solid #c00000" if row["id"] in highlight else f"2px solid {ring}"
        icon_html = (
            f'<div style="width:22px;height:22px;background:{colour};border:{border};border-radius:4px;'
            f'color:#fff;font:bold 13px/18px sans-serif;text-align:center;box-shadow:0 0 2px #000">'
            f"{html.escape(symbol)}</div>"
        )
        text = "<br>".join(lines)
        folium.Marker(
            location=(row.geometry.y, row.geometry.x),
            icon=folium.DivIcon(html=icon_html, icon_size=(22, 22), icon_anchor=(11, 11)),
            tooltip=folium.Tooltip(text),
            popup=folium.Popup(text, max_width=320),
        ).add_to(layer)
    return layer


def uncovered_layer(settlements: gpd.GeoDataFrame, mask, lang: str) -> folium.FeatureGroup:
    """A red ring around every settlement outside the norm (easy to spot on a small screen)."""
    layer = folium.FeatureGroup(name=tr("map_uncovered_layer", lang))
    if mask is None:
        return layer
    frame = settlements.to_crs("EPSG:4326")
    for (_, row), outside in zip(frame.iterrows(), mask):
        if outside and row.geometry is not None and not row.geometry.is_empty:
            folium.CircleMarker((row.geometry.y, row.geometry.x), radius=13, color="#c00000", weight=3,
                                fill=False, dash_array="4 3",
                                tooltip=f"{html.escape(str(row.get('name', '')))}: {tr('map_outside_norm', lang)}",
                                ).add_to(layer)
    return layer


def service_legend(lang: str, status_labels: dict | None) -> MacroElement:
    """Bottom-right legend of the service-point markers (kind by colour, barrier-free status by symbol)."""
    rows = [f'<div><span style="display:inline-block;width:14px;height:14px;background:{GROUP_COLOURS["cnap"]};'
            f'border-radius:3px;margin-right:6px;vertical-align:middle"></span>{html.escape(tr("map_services", lang))}'
            "</div>"]
    if status_labels:
        for status in ("accessible", "partly", "not_accessible", "unknown"):
            symbol, colour = status_style(status)
            rows.append(
                f'<div><span style="display:inline-block;width:14px;height:14px;border:2px solid {colour};'
                f'border-radius:3px;margin-right:6px;text-align:center;font:bold 10px/14px sans-serif;'
                f'background:#2b6cb0;color:#fff;vertical-align:middle">{html.escape(symbol)}</span>'
                f"{html.escape(status_labels.get(status, status))}</div>")
    body = ('<div style="position: fixed; bottom: 24px; right: 12px; z-index: 9999; background: white; '
            'padding: 6px 10px; border: 1px solid #999; border-radius: 4px; font: 12px sans-serif;">'
            + (f"<b>{html.escape(tr('bf_status', lang))}</b>" if status_labels else "")
            + "".join(rows) + "</div>")
    element = MacroElement()
    element._template = Template("{% macro html(this, kwargs) %}" + body + "{% endmacro %}")
    return element


def service_area_layers(areas: gpd.GeoDataFrame, lang: str, minutes_column: str = "minutes",
                        show: bool = True) -> list:
    """One layer per travel-time band (each can also be switched off in the map's layer control)."""
    layers = []
    if areas is None or len(areas) == 0:
        return layers
    frame = areas.to_crs("EPSG:4326")
    for minutes in sorted(frame[minutes_column].dropna().unique(), reverse=True):
        part = frame[frame[minutes_column] == minutes]
        colour = SERVICE_AREA_COLOURS.get(int(minutes), "#3182bd")
        group = folium.FeatureGroup(name=tr("map_service_area", lang, minutes=int(minutes)), show=show)
        folium.GeoJson(
            part[["geometry"]],
            style_function=lambda _, c=colour: {"color": c, "weight": 1, "fillColor": c, "fillOpacity": 0.25},
        ).add_to(group)
        layers.append(group)
    return layers


def show(fmap: folium.Map, key: str, *, height: int = 560, returned_objects: list[str] | None = None):
    """Render a folium map with local Leaflet (works offline); returns what st_folium returns."""
    assets.localize(fmap)
    return st_folium(fmap, height=height, use_container_width=True, returned_objects=returned_objects or [],
                     key=key)


def boundary_map(boundary: gpd.GeoDataFrame, lang: str, tiles: bool = False) -> folium.Map:
    """Just the hromada outline (for hromadas without data)."""
    fmap = base_map()
    if tiles:
        folium.TileLayer("OpenStreetMap", attr="© OpenStreetMap contributors").add_to(fmap)
    else:
        fmap.get_root().header.add_child(folium.Element("<style>.leaflet-container{background:#f4f1ea;}</style>"))
    folium.GeoJson(boundary.to_crs("EPSG:4326")[["geometry"]], name=tr("map_boundary", lang),
                   style_function=lambda _: {"color": "#222", "weight": 2, "fillOpacity": 0.05}).add_to(fmap)
    minx, miny, maxx, maxy = boundary.to_crs("EPSG:4326").total_bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap
