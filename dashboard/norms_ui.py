"""Sidebar controls of the access norm (thresholds of :data:`analysis.norms.DEFAULT_NORMS`)."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import tr

CNAP_NORM_ID = "cnap_access"


def sidebar_norm(lang: str, mode: str):
    """ЦНАП norm thresholds (time, distance) in the sidebar; returns (all norms, the ЦНАП norm)."""
    from analysis.norms import DEFAULT_NORMS, get_norm, with_threshold

    default = get_norm(DEFAULT_NORMS, CNAP_NORM_ID)
    with st.sidebar.expander(tr("norm_box", lang), expanded=True):
        minutes = st.slider(tr("norm_time", lang), 5, 90, int(default.max_time_min or 30), 5, key="norm_time_min",
                            help=tr("norm_help", lang, source=default.source))
        use_km = st.checkbox(tr("norm_use_distance", lang), value=default.max_distance_km is not None,
                             key="norm_use_km")
        km = st.slider(tr("norm_distance", lang), 1, 50, int(default.max_distance_km or 14), 1, key="norm_km",
                       disabled=not use_km)
    norm = with_threshold(default, max_time_min=float(minutes), max_distance_km=float(km) if use_km else None,
                          mode=mode)
    # the default labels carry the default thresholds: relabel with the chosen ones
    norm = with_threshold(norm, label_uk=f"{tr('norm_cnap_label', 'uk')} ({norm.thresholds_text('uk')})",
                          label_en=f"{tr('norm_cnap_label', 'en')} ({norm.thresholds_text('en')})")
    norms = tuple(norm if n.id == CNAP_NORM_ID else with_threshold(n, mode=mode) for n in DEFAULT_NORMS)
    return norms, norm
