"""Hromada Access dashboard. Run: ``streamlit run dashboard/app.py`` (from the repository root).

A thin Streamlit UI over the :mod:`analysis` API: every figure shown comes from an analysis function.
The sidebar (language, hromada, travel mode, norm, road network) is shared by all pages; the pages live in
``dashboard/views/`` and are registered with ``st.navigation``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st  # noqa: E402

from dashboard import assets, cache, norms_ui, session  # noqa: E402
from dashboard.context import CTX_KEY, ctx_args, guarded, sticky, sticky_selectbox  # noqa: E402
from dashboard.i18n import LANGUAGES, fmt_num, tr  # noqa: E402

PAGES = (
    ("views/overview.py", "page_overview", ":material/home:", True),
    ("views/coverage.py", "page_coverage", ":material/map:", False),
    ("views/barrier_free.py", "page_barrier_free", ":material/accessible:", False),
    ("views/planning.py", "page_planning", ":material/add_location_alt:", False),
    ("views/compare.py", "page_compare", ":material/leaderboard:", False),
    ("views/ukraine.py", "page_ukraine", ":material/public:", False),
    ("views/data.py", "page_data", ":material/database:", False),
)

#: Circuity factors offered for estimates without a road network (1.0-2.0 in steps of 0.05).
CIRCUITY_OPTIONS: tuple[float, ...] = tuple(round(1.0 + 0.05 * i, 2) for i in range(21))


def hromada_choice(lang: str, root: str | None) -> str | None:
    """Sidebar choice of the hromada: the demo packs first (curated examples), then hromadas found on the Overview
    page, then every hromada of Ukraine by oblast — type a name (UA or EN), an oblast or a code to filter."""
    packs = cache.packs(root)
    demo = tr("demo_prefix", lang)
    labels = {row.code: f"{demo}: {row.name_uk if lang == 'uk' else row.name_en} ({row.code})"
              for row in packs.itertuples()}
    for code, names in st.session_state.get("extra_hromadas", {}).items():
        labels.setdefault(code, f"{names.get(lang) or names.get('uk') or code} ({code})")
    with guarded(lang):
        for row in cache.hromada_list(root).itertuples():
            name = (row.name_en if lang == "en" and isinstance(row.name_en, str) else None) or row.name_uk
            other = row.name_en if lang == "uk" and isinstance(row.name_en, str) else None
            labels.setdefault(row.code, f"{row.oblast} · {name}" + (f" / {other}" if other else "") + f" ({row.code})")
    if not labels:
        st.sidebar.error(tr("no_packs", lang))
        return None
    return sticky_selectbox(st.sidebar, tr("hromada", lang), list(labels), format_func=labels.get, key="hromada",
                            help=tr("hromada_help", lang))


def network_choice(lang: str, bounds) -> str | None:
    networks = cache.saved_networks()
    options = [""] + list(networks)

    def label(key: str) -> str:
        if key == "":
            return tr("no_network", lang)
        if bounds is not None and not cache.covers(networks[key], bounds):
            return f"{key} — {tr('network_elsewhere', lang)}"
        return key

    pending = st.session_state.pop("pending_network", None)
    if pending in options:
        st.session_state["_network_value"] = pending
    choice = sticky_selectbox(st.sidebar, tr("network", lang), options, format_func=label, key="network",
                              help=tr("network_help", lang))
    path = networks.get(choice) or None
    if path and bounds is not None and not cache.covers(path, bounds):
        st.sidebar.warning(tr("network_ignored", lang, name=choice))
        return None
    return path


def sidebar() -> dict:
    """Language, hromada, travel mode, norm and network; returns the page context."""
    lang = st.sidebar.radio(tr("language"), list(LANGUAGES), format_func=LANGUAGES.get, horizontal=True, key="lang")
    ctx: dict = {"lang": lang, "root": cache.data_root_setting(), "bundle": None, "access": None, "spec": None}
    root = ctx["root"]
    code = hromada_choice(lang, root)
    ctx["code"] = code
    ctx["mode"] = sticky(st.sidebar.radio, tr("mode", lang), ["drive", "walk"],
                         format_func=lambda m: tr(f"mode_{m}", lang), key="mode", horizontal=True) or "drive"
    ctx["norms"], ctx["norm"] = norms_ui.sidebar_norm(lang, ctx["mode"])
    ctx["max_snap_m"] = norms_ui.sidebar_routing(lang)
    if code is None:
        return ctx
    spec = session.bundle_spec(code, root)
    ctx["spec"] = spec
    with guarded(lang):
        bundle = cache.bundle(**spec)
        ctx["bundle"] = bundle
    bounds = None
    if ctx["bundle"] is not None:
        bounds = tuple(ctx["bundle"].boundary.total_bounds)
    ctx["network_path"] = network_choice(lang, bounds)
    # a select slider: its values are written as the language writes numbers (1,30), a plain slider's are not
    ctx["circuity"] = st.sidebar.select_slider(tr("circuity", lang), options=CIRCUITY_OPTIONS, value=1.3,
                                               format_func=lambda v: fmt_num(v, lang, 2), key="circuity",
                                               help=tr("circuity_help", lang))
    if ctx["bundle"] is not None:
        with guarded(lang):
            if ctx["network_path"]:
                from dashboard.context import progress

                with progress(tr("computing_routes", lang)) as bar:
                    ctx["access"] = cache.access(*ctx_args(ctx), _progress=bar)
            else:
                ctx["access"] = cache.access(*ctx_args(ctx))
    st.sidebar.caption(tr("sources", lang))
    return ctx


def _css_string(text: str) -> str:
    """A catalog text as a CSS string literal (quotes, backslashes and line breaks escaped)."""
    return '"' + "".join(f"\\{ord(c):06x}" if c in '"\\\n\r<>' else c for c in text) + '"'


def uploader_css(lang: str) -> str:
    """CSS that writes Streamlit's file-uploader chrome ("Upload", "200MB per file") in the page language: Streamlit
    has no setting for it. The texts come from the catalogs (``uploader_button``, ``uploader_drop``); each
    uploader's own label already says the size limit and formats."""
    button = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
    hint = '[data-testid="stFileUploaderDropzoneInstructions"] span'
    return (f"<style>{button}{{font-size:0}}{button}::after{{content:{_css_string(tr('uploader_button', lang))};"
            f"font-size:0.875rem}}{hint}{{font-size:0}}{hint}::after{{content:{_css_string(tr('uploader_drop', lang))};"
            "font-size:0.75rem}</style>")


def main() -> None:
    st.set_page_config(page_title="Hromada Access", page_icon="🗺️", layout="wide")
    assets.ensure_leaflet()
    lang = st.session_state.get("lang", "uk")
    st.html(uploader_css(lang))
    pages = [st.Page(path, title=tr(title, lang), icon=icon, default=default) for path, title, icon, default in PAGES]
    page = st.navigation(pages)
    ctx = sidebar()
    st.session_state[CTX_KEY] = ctx
    page.run()


main()
