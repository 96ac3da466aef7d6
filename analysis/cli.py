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
``geocode-registry`` place the Mintsyfra ЦНАП registry rows of a hromada at its settlements

Every error caused by input prints one readable line (no traceback) and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from analysis.errors import HromadaAccessError


def _progress_bar(enabled: bool) -> tuple[Callable[[str, float], None] | None, Callable[[], None]]:
    """A tqdm progress bar driven by ``progress(text, fraction)`` callbacks (stderr)."""
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=100, file=sys.stderr, bar_format="{desc:<40} {bar} {percentage:3.0f}% {elapsed}", leave=False)

    def update(text: str, fraction: float) -> None:
        bar.set_description_str(text[:40])
        bar.n = int(round(max(0.0, min(1.0, fraction)) * 100))
        bar.refresh()

    return update, bar.close


def _load_network(args, area=None, progress=None):
    """Network from --osm (import) or --network (saved directory), or None."""
    from analysis.network import RoadNetwork

    if getattr(args, "network", None):
        return RoadNetwork.load(args.network)
    if getattr(args, "osm", None):
        from analysis.osm_import import read_osm

        return read_osm(args.osm, area=area, progress=progress).network
    return None


def _write_table(table, out: Path, layer: str = "travel_times") -> None:
    from analysis.outputs import write_csv, write_geopackage, write_xlsx

    suffix = out.suffix.lower()
    if suffix == ".csv":
        write_csv(table, out)
    elif suffix == ".gpkg":
        write_geopackage({layer: table}, out)
    elif suffix == ".xlsx":
        write_xlsx({layer: table}, out)
    else:
        raise HromadaAccessError(f"Unsupported output type {out.suffix!r}: use .csv, .gpkg or .xlsx")


def cmd_travel_times(args) -> int:
    from analysis.places import read_points
    from analysis.routing import RESULT_COLUMNS, estimate_nearest_service, nearest_service

    origins = read_points(args.origins)
    destinations = read_points(args.destinations)
    progress, close = _progress_bar(not args.quiet)
    try:
        network = _load_network(args, progress=progress)
        if network is None:
            result = estimate_nearest_service(
                origins, destinations, args.mode, circuity=args.circuity, cutoff_min=args.cutoff_min,
                cutoff_km=args.cutoff_km,
            )
            print("NOTE: no road network given (--osm/--network): distances are ESTIMATED from straight lines "
                  f"x {args.circuity:g} — labelled method=estimated in the output.", file=sys.stderr)
        else:
            result = nearest_service(
                network, origins, destinations, args.mode, cutoff_min=args.cutoff_min, cutoff_km=args.cutoff_km,
                progress=progress,
            )
    finally:
        close()
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
          f"median travel time {table['travel_time_min'].median():.1f} min")
    return 0


def _area_from_args(args):
    from analysis.download import resolve_area

    if not any([args.katottg, args.name, args.bbox, args.polygon]):
        return None, ""
    return resolve_area(katottg=args.katottg, name=args.name, bbox=tuple(args.bbox) if args.bbox else None,
                        polygon_file=args.polygon)


def _save_extract(extract, out: str | None, label: str, origin: str) -> Path:
    """Save where the dashboard lists it (default) or in ``out``, plus ``osm.gpkg`` for QGIS."""
    import re

    from analysis.osm_import import default_extracts_dir, save_extract
    from analysis.outputs import write_geopackage

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
    from analysis.osm_import import read_osm

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
    from analysis.download import download_osm

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
    from analysis.datasets import list_demo_packs

    packs = list_demo_packs(args.data_root)
    if packs.empty:
        print("No demo packs found.")
        return 0
    print(packs.drop(columns=["path"], errors="ignore").to_string(index=False))
    return 0


def cmd_run(args) -> int:
    from analysis.access import compute_access
    from analysis.datasets import load_demo_pack
    from analysis.outputs import write_csv, write_geopackage

    bundle = load_demo_pack(args.pack, args.data_root)
    progress, close = _progress_bar(not args.quiet)
    try:
        network = None
        if args.network:
            from analysis.network import RoadNetwork

            network = RoadNetwork.load(args.network)
        elif args.osm:
            from analysis.osm_import import read_osm

            network = read_osm(args.osm, area=bundle.boundary.geometry.union_all(), progress=progress).network
        result = compute_access(bundle.settlements, bundle.service_points, network, mode=args.mode, by=args.by,
                                circuity=args.circuity, progress=progress)
    finally:
        close()
    out = Path(args.out)
    settlements = result.settlements.assign(method=result.method)
    layers = {
        "settlements": settlements,
        "service_points": result.service_points,
        "boundary": bundle.boundary,
        "travel_times": result.long,
    }
    if network is not None:
        layers["roads"] = network.edges_gdf()
    write_geopackage(layers, out)
    write_csv(result.long, out.with_suffix(".csv"))
    label = result.method_label["en"]
    print(f"{out} (+ {out.with_suffix('.csv').name}): {bundle.name_uk} — {len(settlements)} settlements, "
          f"{len(result.service_points)} service points; {label}")
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def cmd_rank(args) -> int:
    from analysis.batch import analyse_many
    from analysis.compare import export_ranking
    from analysis.datasets import list_demo_packs

    packs = list_demo_packs(args.data_root)["code"].tolist() if args.packs == ["all"] else args.packs
    networks = dict(item.split("=", 1) for item in args.network or [])
    progress, close = _progress_bar(not args.quiet)
    try:
        result = analyse_many(packs, root=args.data_root, networks=networks, mode=args.mode,
                              circuity=args.circuity, scheduler=args.scheduler, n_workers=args.workers,
                              progress=progress)
    finally:
        close()
    for _, row in result.errors.iterrows():
        print(f"  failed: {row['pack']}: {str(row['error']).splitlines()[0]}", file=sys.stderr)
    if result.ranking.empty:
        raise HromadaAccessError("No hromada could be analysed.")
    export_ranking(result.ranking, args.out)
    print(f"{args.out}: {len(result.ranking)} hromadas ranked by population outside the ЦНАП norm "
          f"({len(result.errors)} failed)")
    return 0


def cmd_geocode_registry(args) -> int:
    from analysis.datasets import load_demo_pack
    from analysis.registry import geocode_registry, load_registry

    bundle = load_demo_pack(args.pack, args.data_root)
    registry = load_registry(args.registry, root=args.data_root)
    placed, unplaced = geocode_registry(
        registry, bundle.settlements, bundle.code, bundle.name_uk, oblast_name=bundle.boundary.iloc[0].get("oblast")
    )
    out = Path(args.out)
    _write_table(placed, out, layer="service_points")
    print(f"{out}: {len(placed)} registry rows placed, {len(unplaced)} not placed")
    for _, row in unplaced.iterrows():
        print(f"  not placed: {row.get('registry_code')} {row.get('name')} — {row.get('reason')}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--data-root", default=None, help="folder with admin/ and demo/ (default ../shared/data)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("travel-times", help="nearest service per origin (one row per origin)")
    p.add_argument("--osm", help=".osm.pbf / .osm / .osm.bz2 file with the road network")
    p.add_argument("--network", help="a saved extract/network directory (from 'import' or 'fetch')")
    p.add_argument("--origins", required=True, help="GeoJSON/GPKG/CSV/XLSX with id and lon/lat (or geometry)")
    p.add_argument("--destinations", required=True, help="GeoJSON/GPKG/CSV/XLSX with id and lon/lat (or geometry)")
    p.add_argument("--mode", choices=["drive", "walk"], default="drive")
    p.add_argument("--cutoff-min", type=float, default=None, help="flag origins beyond this travel time")
    p.add_argument("--cutoff-km", type=float, default=None, help="flag origins beyond this distance")
    p.add_argument("--circuity", type=float, default=1.3, help="circuity factor for estimates without roads")
    p.add_argument("--out", required=True, help="output .csv, .gpkg or .xlsx")
    p.set_defaults(func=cmd_travel_times)

    def add_area(p):
        p.add_argument("--katottg", help="hromada KATOTTG code, e.g. UA46040010000033885")
        p.add_argument("--name", help="hromada name, e.g. 'Бродівська'")
        p.add_argument("--bbox", nargs=4, type=float, metavar=("WEST", "SOUTH", "EAST", "NORTH"))
        p.add_argument("--polygon", help="polygon file (GeoJSON/GPKG/SHP)")
        p.add_argument("--buffer-m", type=float, default=5000.0, help="keep roads this far outside the area")

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

    p = sub.add_parser("run", help="analyse a hromada (demo pack) into a GeoPackage + CSV")
    p.add_argument("--pack", required=True, help="demo pack KATOTTG code or folder")
    p.add_argument("--osm", help="OSM extract to route on (clipped to the hromada)")
    p.add_argument("--network", help="saved network directory")
    p.add_argument("--mode", choices=["drive", "walk"], default="drive")
    p.add_argument("--by", choices=["group", "category"], default="group")
    p.add_argument("--circuity", type=float, default=1.3)
    p.add_argument("--out", required=True, help="output .gpkg")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("rank", help="analyse many hromadas and rank them (donor view), serially or with Dask")
    p.add_argument("--packs", nargs="+", default=["all"], help="pack codes/folders, or 'all' (default)")
    p.add_argument("--network", action="append", metavar="CODE=DIR", help="saved network for a pack (repeatable)")
    p.add_argument("--mode", choices=["drive", "walk"], default="drive")
    p.add_argument("--circuity", type=float, default=1.3)
    p.add_argument("--scheduler", default="serial", help="serial, local (Dask LocalCluster) or a Dask address")
    p.add_argument("--workers", type=int, default=None, help="local cluster worker processes")
    p.add_argument("--out", required=True, help="output .csv or .xlsx (UA and EN headers)")
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("packs", help="list demo packs")
    p.set_defaults(func=cmd_packs)

    p = sub.add_parser("geocode-registry", help="place Mintsyfra ЦНАП registry rows at settlements")
    p.add_argument("--pack", required=True, help="demo pack code (settlements to match against)")
    p.add_argument("--registry", default=None, help="registry CSV/XLSX (default: shared Mintsyfra registry)")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_geocode_registry)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (HromadaAccessError, ValueError, FileNotFoundError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted; nothing was written.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
