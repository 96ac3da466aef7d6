"""Maps that work offline: Leaflet served by this app instead of CDNs.

folium loads Leaflet (and jQuery, Bootstrap, Font Awesome, ...) from CDNs; without internet the streamlit-folium
component then stops at the first script that fails to load and no map appears. Here:

* Leaflet 1.9.4 (JS, CSS, images; BSD-2-Clause) is taken from the installed PyPI package
  ``django-js-lib-leaflet`` (it only ships the unmodified Leaflet distribution; Django is not needed) and copied
  into ``dashboard/static/vendor/leaflet/`` at start-up (that folder is generated, not committed), where
  Streamlit's static file serving (``[server] enableStaticServing = true``) serves it at
  ``/app/static/vendor/leaflet/``.
* :func:`localize` rewrites the JS/CSS links of every element of a folium map to those local files and drops the
  libraries the dashboard's maps do not use (Bootstrap, awesome-markers). jQuery, which folium's popups call once
  to turn an HTML string into an element, is replaced by a 20-line stand-in (``static/js/dom-shim.js``). Elements that need any other
  library are reported (:func:`remote_assets`) — the dashboard's maps are built without them.
* :func:`standalone_html` inlines Leaflet into a map's HTML for files people save (reports), so those open
  offline too.

If the package is missing, the CDN links are kept (maps then need internet) and :func:`leaflet_available` is False.
"""

from __future__ import annotations

import base64
import importlib.util
import re
import shutil
from pathlib import Path

import folium

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor" / "leaflet"
LEAFLET_FILES = ("leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png", "images/marker-icon.png",
                 "images/marker-icon-2x.png", "images/marker-shadow.png")
LEAFLET_VERSION = "1.9.4"
LEAFLET_LICENCE = "Leaflet 1.9.4 © Volodymyr Agafonkin, CloudMade; BSD-2-Clause (via PyPI django-js-lib-leaflet)"

#: Our stand-in for the single jQuery call folium's popups make (``$(`<div>…</div>`)[0]``), committed with the app.
DOM_SHIM = STATIC_DIR / "js" / "dom-shim.js"

#: Assets folium declares that the dashboard's maps do not need (dropped from every element).
UNUSED_ASSETS = ("bootstrap", "bootstrap_css", "glyphicons_css", "awesome_markers",
                 "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css")


def _package_dir() -> Path | None:
    spec = importlib.util.find_spec("js_lib_leaflet")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "static" / "js_lib_leaflet"
    return folder if (folder / "leaflet.js").is_file() else None


def _licence_text() -> str | None:
    try:
        from importlib.metadata import files

        for item in files("django-js-lib-leaflet") or []:
            if item.name.upper().startswith("LICEN"):
                return item.read_text(encoding="utf-8")
    except Exception:  # noqa: BLE001 - the licence file is a courtesy copy
        return None
    return None


def ensure_leaflet() -> bool:
    """Copy Leaflet from the installed package into ``dashboard/static/vendor/leaflet`` (idempotent).

    Returns whether the local copy is complete.
    """
    if all((VENDOR_DIR / name).is_file() for name in LEAFLET_FILES):
        return True
    source = _package_dir()
    if source is None:
        return False
    try:
        for name in LEAFLET_FILES:
            target = VENDOR_DIR / name
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(source / name, tmp)
            tmp.replace(target)
        licence = _licence_text()
        if licence:
            (VENDOR_DIR / "LICENSE").write_text(licence, encoding="utf-8")
    except OSError:
        return False
    return all((VENDOR_DIR / name).is_file() for name in LEAFLET_FILES)


def leaflet_available() -> bool:
    return ensure_leaflet()


def static_url(relative: str) -> str:
    """URL of a file under ``dashboard/static`` as served by Streamlit (honours ``server.baseUrlPath``)."""
    try:
        import streamlit as st

        base = (st.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # noqa: BLE001 - outside Streamlit
        base = ""
    prefix = f"/{base}" if base else ""
    return f"{prefix}/app/static/{relative}"


def local_links() -> dict[str, str]:
    """folium asset name -> local URL."""
    return {
        "leaflet": static_url("vendor/leaflet/leaflet.js"),
        "leaflet_css": static_url("vendor/leaflet/leaflet.css"),
        "jquery": static_url("js/dom-shim.js"),
    }


def _elements(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def localize(fmap: folium.Map) -> folium.Map:
    """Point every element's JS/CSS at the local Leaflet copy and drop unused libraries (in place)."""
    if not ensure_leaflet():
        return fmap
    links = local_links()
    for element in _elements(fmap):
        for attribute in ("default_js", "default_css"):
            assets = getattr(element, attribute, None)
            if not assets:
                continue
            rewritten = [(name, links.get(name, url)) for name, url in assets if name not in UNUSED_ASSETS]
            setattr(element, attribute, rewritten)
    return fmap


def remote_assets(fmap: folium.Map) -> list[str]:
    """JS/CSS URLs of the map that are not served locally (should be empty for the dashboard's maps)."""
    urls = []
    for element in _elements(fmap):
        for attribute in ("default_js", "default_css"):
            for _, url in getattr(element, attribute, None) or []:
                if url.startswith("http") or url.startswith("//"):
                    urls.append(url)
    return sorted(set(urls))


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def standalone_html(fmap: folium.Map) -> str:
    """The map as one HTML document with Leaflet inlined (opens offline from a file)."""
    localize(fmap)
    html = fmap.get_root().render()
    if not ensure_leaflet():
        return html
    js = (VENDOR_DIR / "leaflet.js").read_text(encoding="utf-8")
    css = (VENDOR_DIR / "leaflet.css").read_text(encoding="utf-8")
    for image in ("layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"):
        css = css.replace(f"images/{image}", _data_uri(VENDOR_DIR / "images" / image, "image/png"))
    links = local_links()
    html = re.sub(r'<script src="' + re.escape(links["leaflet"]) + r'"></script>',
                  lambda _: "<script>" + js.replace("</script", "<\\/script") + "</script>", html)
    html = re.sub(r'<link rel="stylesheet" href="' + re.escape(links["leaflet_css"]) + r'"/>',
                  lambda _: "<style>" + css + "</style>", html)
    shim = DOM_SHIM.read_text(encoding="utf-8")
    html = re.sub(r'<script src="' + re.escape(links["jquery"]) + r'"></script>',
                  lambda _: "<script>" + shim + "</script>", html)
    return html

