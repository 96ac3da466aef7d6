"""Command line: ``python -m analysis <command> ...`` — the analysts' entry point over the same library API.

Commands
--------
``travel-times``   settlement -> nearest service table (CSV/GeoPackage) from an OSM file, a saved network or an
                   estimate without roads
``import``         import an ``.osm.pbf``/``.osm``/``.osm.bz2`` extract clipped to an area, save it for reuse
``fetch``          download a hromada's OSM data (Overpass via osmnx) and save it for offline reuse
``run``            full analysis of a hromada (demo pack or own files) into a GeoPackage + CSV
``rank``           analyse many hromadas (serially or in parallel with Dask) and rank them for donors
``packs``          list the demo packs available under the data root
``geocode-registry`` place the Mintsyfra ЦНАП registry rows of a hromada (or, with ``--all``, the whole registry)
                   at their settlements
``national``       every hromada of Ukraine analysed (donor view)

The country-scale commands live in :mod:`analysis.cli_country`, the helpers all commands share in
:mod:`analysis.cli_common`.

Every error caused by input prints one readable line (no traceback) and exits with status 2.
"""

from __future__ import annotations

import argparse
import errno
import math
import signal
import sys
import threading
from pathlib import Path
from typing import Sequence

from analysis.cli_common import (
    _check_paths,
    _finite,
    _load_network,
    _print_notes,
    _progress_bar,
    _report_far,
    _write_table,
)
from analysis.cli_country import cmd_geocode_registry, cmd_national, cmd_rank
from analysis.errors import HromadaAccessError


def cmd_travel_times(args) -> int:
    from analysis.routing.results import RESULT_COLUMNS
    from analysis.routing.router import router_for
    from analysis.sources.readers import read_points

    _check_paths([Path(args.out)], [args.origins, args.destinations, args.osm])
    origins = read_points(args.origins)
    destinations = read_points(args.destinations)
    _print_notes(origins, destinations)
    progress, close = _progress_bar(not args.quiet)
    try:
        network = _load_network(args, progress=progress)
        router = router_for(network, args.mode, circuity=args.circuity, max_snap_m=args.max_snap_m)
        result = router.nearest(origins, destinations, cutoff_min=args.cutoff_min, cutoff_km=args.cutoff_km,
                                progress=progress)
    finally:
        close()
    if network is None:
        print("NOTE: no road network given (--osm/--network): distances are ESTIMATED from straight lines "
              f"x {args.circuity:g} — labelled method=estimated in the output.", file=sys.stderr)
    else:
        _report_far(result, router.max_snap_m)
    out = Path(args.out)
    columns = list(RESULT_COLUMNS)
    table = result[columns]
    if out.suffix.lower() == ".gpkg":
        import geopandas as gpd

        geometry = origins.set_index("id").geometry.to_crs("EPSG:4326")
        table = gpd.GeoDataFrame(table, geometry=table["origin_id"].map(geometry).values, crs="EPSG:4326")
    _write_table(table, out)
    reachable = int(table["reachable"].sum())
    print(f"{out}: {len(table)} origins, {reachable} reachable, "
          f"median travel time {table['travel_time_min'].median():.1f} min (over origins, unweighted)")
    return 0


def _area_from_args(args):
    from analysis.sources.areas import resolve_area

    if not any([args.katottg, args.name, args.bbox, args.polygon]):
        return None, ""
    return resolve_area(katottg=args.katottg, name=args.name, bbox=tuple(args.bbox) if args.bbox else None,
                        polygon_file=args.polygon)


def _save_extract(extract, out: str | None, label: str, origin: str) -> Path:
    """Save where the dashboard lists it (default) or in ``out``, plus ``osm.gpkg`` for QGIS."""
    import re

    from analysis.outputs import write_geopackage
    from analysis.sources.extracts import default_extracts_dir, save_extract

    if out:
        folder = Path(out)
    else:
        slug = re.sub(r"[^\w.-]+", "_", label, flags=re.UNICODE).strip("_")[:80] or "extract"
        folder = default_extracts_dir() / slug
    save_extract(extract, folder, meta={"label": label, "origin": origin})
    layers = {"roads": extract.network.edges_gdf()}
    if len(extract.places):
        layers["places"] = extract.places
    if len(extract.pois):
        layers["service_points_osm"] = extract.pois
    write_geopackage(layers, folder / "osm.gpkg")
    return folder


def cmd_import(args) -> int:
    from analysis.sources.osm_import import read_osm

    area, label = _area_from_args(args)
    progress, close = _progress_bar(not args.quiet)
    try:
        extract = read_osm(args.osm, area=area, buffer_m=args.buffer_m, progress=progress)
    finally:
        close()
    out = _save_extract(extract, args.out, label or Path(args.osm).name, f"import of {Path(args.osm).name}")
    s = extract.network.summary()
    print(f"{out}: {s['nodes']} nodes, {s['segments']} road segments ({s['total_km']} km), "
          f"{len(extract.places)} places, {len(extract.pois)} service POIs {label}".rstrip())
    return 0


def cmd_fetch(args) -> int:
    from analysis.sources.download import download_osm

    area, label = _area_from_args(args)
    if area is None:
        raise HromadaAccessError("Say which area to download: --katottg, --name, --bbox or --polygon.")
    progress, close = _progress_bar(not args.quiet)
    try:
        extract = download_osm(area, cache_dir=args.cache_dir, buffer_m=args.buffer_m, progress=progress,
                               refresh=args.refresh)
    finally:
        close()
    out = _save_extract(extract, args.out, label, "download from OpenStreetMap (Overpass)")
    s = extract.network.summary()
    print(f"{out}: {label}: {s['nodes']} nodes, {s['segments']} road segments ({s['total_km']} km), "
          f"{len(extract.places)} places, {len(extract.pois)} service POIs")
    return 0


def cmd_packs(args) -> int:
    from analysis.sources.packs import list_demo_packs

    packs = list_demo_packs(args.data_root)
    if packs.empty:
        print("No demo packs found.")
        return 0
    print(packs.drop(columns=["path"], errors="ignore").to_string(index=False))
    return 0


def _run_bundle(args):
    """The hromada of ``run``: a demo pack (``--pack``), or ``--katottg`` with own files, assembled the way the
    dashboard assembles them (:func:`analysis.reporting.inputs.assemble_bundle`)."""
    from analysis.reporting.inputs import assemble_bundle
    from analysis.sources.packs import load_demo_pack

    chosen = [name for name, value in (("--pack", args.pack), ("--hromada", args.hromada),
                                       ("--katottg", args.katottg)) if value]
    if len(chosen) > 1:
        raise HromadaAccessError(f"Give one of --pack, --hromada or --katottg, not {' and '.join(chosen)}.")
    if args.pack:
        if args.settlements or args.points:
            raise HromadaAccessError("Give --pack, or --katottg with --settlements [--points], not both.")
        return load_demo_pack(args.pack, args.data_root)
    if args.hromada:
        from analysis.sources.national import resolve_hromada_code

        # any hromada of Ukraine from the national reference data (its demo pack or saved OSM data when there is
        # one is not used here: --pack names the pack); own files may replace its settlements or points
        code = resolve_hromada_code(args.hromada, args.data_root)
        if not (args.settlements or args.points):
            from analysis.sources.national import load_hromada

            return load_hromada(code, args.data_root)
        args.katottg = code
    if not args.katottg or not (args.settlements or args.hromada):
        raise HromadaAccessError("Say which hromada to analyse: --hromada CODE_OR_NAME (any hromada of Ukraine), "
                                 "--pack CODE, or --katottg CODE --settlements FILE [--points FILE].")

    def upload(path):
        path = Path(path)
        if not path.is_file():
            raise HromadaAccessError(f"File not found: {path}")
        return path.name, path.read_bytes()

    bundle = assemble_bundle(args.katottg, args.data_root, upload(args.settlements) if args.settlements else None,
                             upload(args.points) if args.points else None)
    if bundle is None:
        raise HromadaAccessError(f"No settlements for {args.katottg}.")
    return bundle


def _service_area_breaks(text: str | None) -> tuple[float, ...]:
    """``--service-areas 15,30,45,60`` as minutes (empty or ``none``: no service areas)."""
    if text is None or str(text).strip().lower() in ("", "none", "0"):
        return ()
    try:
        breaks = tuple(float(part) for part in str(text).split(","))
    except ValueError:
        raise HromadaAccessError(f"--service-areas takes minutes separated by commas, e.g. 15,30,45,60; got {text!r}."
                                 ) from None
    if not all(math.isfinite(b) and b > 0 for b in breaks):
        raise HromadaAccessError(f"--service-areas minutes must be positive numbers; got {text!r}.")
    return tuple(sorted(set(breaks)))


def _run_extras(args, bundle, router, report, breaks) -> dict:
    """Service areas and suggested new points of the ЦНАП group for ``run`` (the dashboard's calls)."""
    from analysis.metrics.norms import norm_for_group
    from analysis.metrics.service_areas import areas_for
    from analysis.planning.scenario import PlanningContext
    from analysis.planning.suggest import suggest_points

    group = "cnap"
    points = bundle.service_points[bundle.service_points["group"] == group] if len(bundle.service_points) else None
    extras: dict = {}
    if breaks and points is not None and len(points):
        extras["service_areas"] = areas_for(router, points, breaks)
    norm = norm_for_group(report.norms, group)
    if args.suggest and points is not None and len(points) and norm is not None:
        context = PlanningContext.build(router, bundle.settlements, bundle.service_points, group=group, norm=norm)
        extras["suggestion"] = suggest_points(context, args.suggest)
        extras["suggestion_group"] = group
    return extras


def cmd_run(args) -> int:
    from analysis.metrics.access import compute_access
    from analysis.outputs import write_csv, write_geopackage, write_xlsx
    from analysis.reporting.layers import default_styles, result_layers
    from analysis.reporting.pipeline import analyse_hromada
    from analysis.routing.router import router_for

    out = Path(args.out)
    if out.suffix.lower() != ".gpkg":
        raise HromadaAccessError(f"run writes a GeoPackage (+ a CSV beside it): give --out ending in .gpkg, not "
                                 f"{out.name!r}.")
    _check_paths([out, out.with_suffix(".csv"), out.with_suffix(".xlsx")], [args.settlements, args.points, args.osm])
    if args.suggest < 0:
        raise HromadaAccessError(f"--suggest must be 0 or more new points; got {args.suggest}.")
    breaks = _service_area_breaks(args.service_areas)
    bundle = _run_bundle(args)
    _print_notes(bundle.settlements, bundle.service_points)
    progress, close = _progress_bar(not args.quiet)
    try:
        network = _load_network(args, area=bundle.boundary.geometry.union_all(), progress=progress)
        router = router_for(network, args.mode, circuity=args.circuity, max_snap_m=args.max_snap_m)
        result = compute_access(bundle.settlements, bundle.service_points, by=args.by, router=router,
                                progress=progress)
        report = analyse_hromada(bundle, router=router, access=result)
        extras = _run_extras(args, bundle, router, report, breaks)
    finally:
        close()
    settlements = result.settlements
    layers = result_layers(bundle, report, result, roads=network.edges_gdf() if network is not None else None,
                           **extras)
    write_geopackage(layers, out, styles=default_styles(layers))
    write_csv(result.long, out.with_suffix(".csv"))
    write_xlsx({name: table for name, table in layers.items() if name != "roads"}, out.with_suffix(".xlsx"))
    label = result.method_label["en"]
    print(f"{out} (+ {out.with_suffix('.csv').name}, {out.with_suffix('.xlsx').name}): {bundle.name_uk} — "
          f"{len(settlements)} settlements, "
          f"{len(result.service_points)} service points; {label}")
    for row in report.summary.itertuples():
        if row.evaluated:
            print(f"  {row.norm_id}: {row.population_covered:,.0f} of {row.population_evaluated:,.0f} residents "
                  f"within the norm ({row.n_uncovered_settlements} settlement(s) outside)")
    for note in result.notes:
        print(f"  note: {note}")
    if network is not None:
        _report_far(result.long, result.router.max_snap_m, "settlement")
    for flag in report.data_quality.flags.itertuples():
        if flag.flag.endswith("outside_hromada") or flag.severity == "error":
            print(f"  {flag.severity}: {flag.label_en}: {flag.items}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--data-root", default=None, help="folder with admin/ and demo/ (default ../shared/data)")
    # the same options after the command (python -m analysis run --quiet ...); SUPPRESS keeps the value given
    # before it when they are not repeated
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bars")
    common.add_argument("--data-root", default=argparse.SUPPRESS, help="folder with admin/ and demo/")
    subparsers = parser.add_subparsers(dest="command", required=True)

    class _Sub:
        def add_parser(self, *args, **kwargs):
            return subparsers.add_parser(*args, parents=[common], **kwargs)

    sub = _Sub()

    def add_max_snap(p):
        from analysis.routing.snap import DEFAULT_MAX_SNAP_M

        p.add_argument("--max-snap-m", type=_finite(), default=DEFAULT_MAX_SNAP_M,
                       help=f"points farther than this from the road network are not routed (default "
                            f"{DEFAULT_MAX_SNAP_M:g} m)")

    p = sub.add_parser("travel-times", help="nearest service per origin (one row per origin)")
    p.add_argument("--osm", help=".osm.pbf / .osm / .osm.bz2 file with the road network")
    p.add_argument("--network", help="a saved extract/network directory (from 'import' or 'fetch')")
    p.add_argument("--origins", required=True, help="GeoJSON/GPKG/CSV/XLSX with id and lon/lat (or geometry)")
    p.add_argument("--destinations", required=True, help="GeoJSON/GPKG/CSV/XLSX with id and lon/lat (or geometry)")
    p.add_argument("--mode", choices=["drive", "walk"], default="drive")
    p.add_argument("--cutoff-min", type=_finite(), default=None, help="flag origins beyond this travel time")
    p.add_argument("--cutoff-km", type=_finite(), default=None, help="flag origins beyond this distance")
    p.add_argument("--circuity", type=_finite(), default=1.3, help="circuity factor for estimates without roads")
    add_max_snap(p)
    p.add_argument("--out", required=True, help="output .csv, .gpkg or .xlsx")
    p.set_defaults(func=cmd_travel_times)

    def add_area(p):
        p.add_argument("--katottg", help="hromada KATOTTG code, e.g. UA46040010000033885")
        p.add_argument("--name", help="hromada name, e.g. 'Бродівська'")
        p.add_argument("--bbox", nargs=4, type=_finite("any"), metavar=("WEST", "SOUTH", "EAST", "NORTH"))
        p.add_argument("--polygon", help="polygon file (GeoJSON/GPKG/SHP)")
        p.add_argument("--buffer-m", type=_finite("non-negative"), default=5000.0, help="keep roads this far outside the area")

    p = sub.add_parser("import", help="import an OSM extract clipped to an area")
    p.add_argument("--osm", required=True)
    add_area(p)
    p.add_argument("--out", default=None,
                   help="output directory (default: the dashboard's store, ~/.cache/hromada-access/networks/...)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("fetch", help="download OSM data for an area (needs internet; cached)")
    add_area(p)
    p.add_argument("--cache-dir", default=None)
    p.add_argument("--refresh", action="store_true", help="download again even if cached")
    p.add_argument("--out", default=None,
                   help="output directory (default: the dashboard's store, ~/.cache/hromada-access/networks/...)")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("run", help="analyse a hromada (demo pack or own files) into a GeoPackage + CSV")
    p.add_argument("--hromada", help="any hromada of Ukraine by KATOTTG code or name (national reference data, "
                                     "offline)")
    p.add_argument("--suggest", type=int, default=3, help="suggest this many new ЦНАП points (0: none; default 3)")
    p.add_argument("--service-areas", default="15,30,45,60",
                   help="ЦНАП service-area minutes, comma-separated ('none': skip; default 15,30,45,60)")
    p.add_argument("--pack", help="demo pack KATOTTG code or folder")
    p.add_argument("--katottg", help="hromada KATOTTG code, with --settlements (and --points) of your own")
    p.add_argument("--settlements", help="settlements file (CSV/XLSX/GeoJSON/GPKG) for --katottg")
    p.add_argument("--points", help="service points file for --katottg")
    p.add_argument("--osm", help="OSM extract to route on (clipped to the hromada)")
    p.add_argument("--network", help="saved network directory")
    p.add_argument("--mode", choices=["drive", "walk"], default="drive")
    p.add_argument("--by", choices=["group", "category"], default="group")
    p.add_argument("--circuity", type=_finite(), default=1.3)
    add_max_snap(p)
    p.add_argument("--out", required=True, help="output .gpkg")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("rank", help="analyse many hromadas and rank them (donor view), serially or with Dask")
    p.add_argument("--packs", nargs="+", default=["all"], help="pack codes/folders, or 'all' (default)")
    p.add_argument("--network", action="append", metavar="CODE=DIR", help="saved network for a pack (repeatable)")
    p.add_argument("--mode", choices=["drive", "walk"], default="drive")
    p.add_argument("--circuity", type=_finite(), default=1.3)
    p.add_argument("--scheduler", default="serial", help="serial, local (Dask LocalCluster) or a Dask address")
    p.add_argument("--workers", type=int, default=None, help="local cluster worker processes")
    add_max_snap(p)
    p.add_argument("--out", required=True, help="output .csv or .xlsx (UA and EN headers)")
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("packs", help="list demo packs")
    p.set_defaults(func=cmd_packs)

    p = sub.add_parser("national", help="every hromada of Ukraine analysed (donor view): hromadas, settlements, "
                                        "oblasts")
    p.add_argument("--out", required=True, help="output .gpkg")
    p.add_argument("--xlsx", help="also an .xlsx with the same tables")
    p.add_argument("--hromadas", nargs="+", help="only these KATOTTG codes (default: all 1,466)")
    p.add_argument("--workers", type=int, default=0, help="processes (default: the machine's cores)")
    p.add_argument("--mode", choices=["drive", "walk"], default="drive")
    p.add_argument("--circuity", type=_finite(), default=1.3)
    p.set_defaults(func=cmd_national)

    p = sub.add_parser("geocode-registry", help="place Mintsyfra ЦНАП registry rows at settlements")
    p.add_argument("--all", action="store_true", help="the whole registry, each row at its hromada (one table: "
                                                      "placed rows with lon/lat, unplaced rows with a reason)")
    p.add_argument("--hromada", help="one hromada of Ukraine (KATOTTG code or name)")
    p.add_argument("--pack", help="demo pack code (settlements to match against)")
    p.add_argument("--registry", default=None, help="registry CSV/XLSX (default: shared Mintsyfra registry)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_geocode_registry)
    return parser


def _on_terminate(signum, frame):  # pragma: no cover - exercised through a subprocess in the tests
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        # a terminated run cleans up like an interrupted one: temporary files removed, nothing half-written
        previous = signal.signal(signal.SIGTERM, _on_terminate)
    else:  # pragma: no cover
        previous = None
    try:
        return args.func(args)
    except (HromadaAccessError, ValueError, FileNotFoundError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # unwritable folder, disk full, a folder where a file should be ...
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        print(f"Error: {reason}{where}; nothing was written.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted; nothing was written.", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
