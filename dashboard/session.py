"""What the user loaded and edited in this browser session (``st.session_state``): uploads and what-if plans.

Kept in the session so that an error on one page never loses it. No analysis here: files are handed, as
``(name, bytes)``, to :mod:`analysis.reporting.inputs` through :mod:`dashboard.cache`.
"""

from __future__ import annotations

import streamlit as st

from dashboard import cache


def open_hromada(code: str, name_uk: str, name_en: str) -> None:
    """Callback: make ``code`` the sidebar's hromada (adding it to the choices if the list lacks it)."""
    extras = st.session_state.setdefault("extra_hromadas", {})
    extras.setdefault(code, {"uk": name_uk, "en": name_en})
    st.session_state["_hromada_value"] = code


def uploads() -> dict:
    """``{hromada_code: {"settlements": (name, bytes), "service_points": (name, bytes), "surveys": (...)}}``."""
    return st.session_state.setdefault("user_uploads", {})


def user_files(code: str) -> dict:
    return uploads().get(code, {})


def remember_upload(code: str, kind: str, name: str, data: bytes) -> None:
    uploads().setdefault(code, {})[kind] = (name, bytes(data))


def remember_survey(code: str, name: str, data: bytes) -> None:
    entry = uploads().setdefault(code, {})
    entry["surveys"] = tuple(entry.get("surveys", ())) + ((name, bytes(data)),)


def forget_upload(code: str, kind: str) -> None:
    uploads().get(code, {}).pop(kind, None)


def bundle_spec(code: str, root: str | None) -> dict:
    """Arguments of :func:`dashboard.cache.bundle` for hromada ``code`` in this session (pack, saved OSM data,
    uploads)."""
    files = user_files(code)
    osm_dir = None
    if code not in set(cache.packs(root)["code"]):
        own = cache.networks_for(code)
        osm_dir = next(iter(own.values()), None)
    return {"code": code, "root": root, "settlements_file": files.get("settlements"),
            "points_file": files.get("service_points"), "osm_dir": osm_dir,
            "surveys": tuple(files.get("surveys", ()))}


def comparable_hromadas(root: str | None) -> list[str]:
    """Codes of every hromada with data: the demo packs, and hromadas with saved OSM data or own files."""
    codes = list(cache.packs(root)["code"])
    for path in cache.saved_networks().values():
        code = cache.network_meta(path).get("hromada_code")
        if code and code not in codes:
            codes.append(code)
    for code, files in uploads().items():
        if "settlements" in files and code not in codes:
            codes.append(code)
    return codes


def plan(code: str) -> dict:
    """The what-if scenario being edited for hromada ``code``."""
    plans = st.session_state.setdefault("plans", {})
    return plans.setdefault(code, {"add": [], "close": [], "close_ways": [], "last_click": None})
