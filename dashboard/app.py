"""Hromada Access dashboard. Run: ``streamlit run dashboard/app.py`` (from the repository root).

A thin Streamlit UI over the :mod:`analysis` API: every figure shown comes from an analysis function.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st  # noqa: E402

from analysis.errors import HromadaAccessError  # noqa: E402
from dashboard import state  # noqa: E402
from dashboard.i18n import LANGUAGES, tr  # noqa: E402
from dashboard.views import coverage  # noqa: E402


def sidebar() -> dict:
    """Language, hromada, travel mode and network choice; returns the page context."""
    lang = st.sidebar.radio(tr("language"), list(LANGUAGES), format_func=LANGUAGES.get, horizontal=True, key="lang")
    root = state.data_root_setting()
    packs = state.packs(root)
    if packs.empty:
        st.error(tr("no_packs", lang))
        st.stop()
    labels = {row.code: f"{row.name_uk if lang == 'uk' else row.name_en} ({row.code})" for row in packs.itertuples()}
    code = st.sidebar.selectbox(tr("hromada", lang), list(labels), format_func=labels.get, key="hromada")
    mode = st.sidebar.radio(tr("mode", lang), ["drive", "walk"], format_func=lambda m: tr(f"mode_{m}", lang),
                            key="mode")
    networks = state.saved_networks()
    options = [""] + list(networks)
    choice = st.sidebar.selectbox(tr("network", lang), options,
                                  format_func=lambda k: tr("no_network", lang) if k == "" else k, key="network")
    circuity = st.sidebar.slider(tr("circuity", lang), 1.0, 2.0, 1.3, 0.05, key="circuity")
    st.sidebar.caption(tr("sources", lang))
    with st.spinner(tr("computing", lang)):
        bundle = state.bundle(code, root)
        access = state.access(code, root, networks.get(choice) or None, mode, circuity)
    return {"lang": lang, "root": root, "code": code, "mode": mode, "bundle": bundle, "access": access}


def main() -> None:
    st.set_page_config(page_title="Hromada Access", page_icon="🗺️", layout="wide")
    try:
        ctx = sidebar()
        st.title(tr("app_title", ctx["lang"]))
        coverage.render(ctx)
    except HromadaAccessError as exc:
        st.error(f"{tr('error', st.session_state.get('lang', 'uk'))}: {exc}")


main()
