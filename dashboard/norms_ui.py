"""Sidebar controls of the access norm (thresholds and how they combine) and of joining the roads."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import tr

CNAP_NORM_ID = "cnap_access"


def sidebar_norm(lang: str, mode: str):
    """ЦНАП norm thresholds (time, distance) and their combination in the sidebar; returns (all norms, the ЦНАП
    norm). The default combination follows the source document (distance OR time)."""
    from analysis.metrics.norms import COMBINE_ALL, COMBINE_ANY, DEFAULT_NORMS, get_norm, with_threshold

    default = get_norm(DEFAULT_NORMS, CNAP_NORM_ID)
    with st.sidebar.expander(tr("norm_box", lang), expanded=True):
        minutes = st.slider(tr("norm_time", lang), 5, 90, int(default.max_time_min or 30), 5, key="norm_time_min",
                            help=tr("norm_help", lang, source=default.source))
        use_km = st.checkbox(tr("norm_use_distance", lang), value=default.max_distance_km is not None,
                             key="norm_use_km")
        km = st.slider(tr("norm_distance", lang), 1, 50, int(default.max_distance_km or 14), 1, key="norm_km",
                       disabled=not use_km)
        choices = [COMBINE_ANY, COMBINE_ALL]
        combine = st.radio(tr("norm_combine", lang), choices, index=choices.index(default.combine),
                           format_func=lambda c: tr(f"norm_combine_{c}", lang), key="norm_combine",
                           disabled=not use_km, help=tr("norm_combine_help", lang)) or default.combine
    norm = with_threshold(default, max_time_min=float(minutes), max_distance_km=float(km) if use_km else None,
                          mode=mode, combine=combine)
    # the default labels carry the default thresholds: relabel with the chosen ones
    norm = with_threshold(norm, label_uk=f"{tr('norm_cnap_label', 'uk')} ({norm.thresholds_text('uk')})",
                          label_en=f"{tr('norm_cnap_label', 'en')} ({norm.thresholds_text('en')})")
    norms = tuple(norm if n.id == CNAP_NORM_ID else with_threshold(n, mode=mode) for n in DEFAULT_NORMS)
    return norms, norm


def sidebar_routing(lang: str) -> float:
    """The largest snap distance (metres) in the sidebar; default the router's."""
    from analysis.routing.snap import DEFAULT_MAX_SNAP_M

    with st.sidebar.expander(tr("routing_box", lang), expanded=False):
        value = st.number_input(tr("max_snap", lang), min_value=50, max_value=20_000, value=int(DEFAULT_MAX_SNAP_M),
                                step=50, key="max_snap_m", help=tr("max_snap_help", lang))
    return float(value)
