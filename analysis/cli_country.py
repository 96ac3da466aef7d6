"""Country-scale commands of :mod:`analysis.cli`: ``rank`` (many hromadas for donors), ``geocode-registry``
(one hromada's or the whole registry's ЦНАП rows placed) and ``national`` (every hromada of Ukraine)."""

from __future__ import annotations

import sys
from pathlib import Path

from analysis.cli_common import _check_paths, _progress_bar, _write_table
from analysis.errors import HromadaAccessError


def cmd_rank(args) -> int:
    from analysis.reporting.batch import analyse_many
    from analysis.reporting.compare import export_ranking
    from analysis.sources.packs import list_demo_packs

    _check_paths([Path(args.out)], [])
    if Path(args.out).suffix.lower() not in (".csv", ".xlsx"):
        raise HromadaAccessError(f"rank writes .csv or .xlsx; got {args.out!r}.")
    packs = list_demo_packs(args.data_root)["code"].tolist() if args.packs == ["all"] else args.packs
    networks = dict(item.split("=", 1) for item in args.network or [])
    progress, close = _progress_bar(not args.quiet)
    try:
        result = analyse_many(packs, root=args.data_root, networks=networks, mode=args.mode,
                              circuity=args.circuity, max_snap_m=args.max_snap_m, scheduler=args.scheduler,
                              n_workers=args.workers,
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
    from analysis.sources.packs import load_demo_pack
    from analysis.sources.registry import geocode_registry, load_registry

    out = Path(args.out)
    _check_paths([out], [args.registry])
    if bool(args.all) == bool(args.pack or args.hromada):
        raise HromadaAccessError("Give --all (the whole registry), or one hromada with --pack or --hromada.")
    registry = load_registry(args.registry, root=args.data_root)
    if args.all:
        import pandas as pd

        from analysis.sources.national import place_registry

        progress, close = _progress_bar(not args.quiet)
        try:
            placed, unplaced, figures = place_registry(args.data_root, registry=registry, progress=progress)
        finally:
            close()
        columns = ["registry_code", "name", "category", "group", "hromada_katottg", "settlement_katottg",
                   "settlement_name", "lon", "lat", "location_precision", "geocode_method", "geocode_matched_text",
                   "inside_hromada", "address", "workers_total", "disability", "pandus", "dis_sanit", "braille_mat"]
        table = placed[[c for c in columns if c in placed.columns]].rename(columns={"geocode_method": "match"})
        table = pd.concat([table.assign(reason=""), unplaced.assign(reason=unplaced["reason"])], ignore_index=True)
        _write_table(table, out, layer="registry")
        print(f"{out}: {figures['n_placed']:,} of {figures['n_rows']:,} registry rows placed "
              f"({figures['share_placed']:.1%}); {figures['n_inside_own_hromada']:,} of them at a settlement inside "
              f"their own hromada ({figures['share_inside_own_hromada']:.1%}); {len(unplaced):,} not placed, each "
              f"with its reason ({figures['n_unclaimed']:,} name no hromada, {figures['n_ambiguous']:,} claimed by "
              "several)")
        return 0
    if args.hromada:
        from analysis.sources.national import load_hromada

        bundle = load_hromada(args.hromada, args.data_root, registry=registry)
    else:
        bundle = load_demo_pack(args.pack, args.data_root)
    placed, unplaced = geocode_registry(
        registry, bundle.settlements, bundle.code, bundle.name_uk, oblast_name=bundle.boundary.iloc[0].get("oblast")
    )
    _write_table(placed, out, layer="service_points")
    print(f"{out}: {len(placed)} registry rows placed, {len(unplaced)} not placed")
    for _, row in unplaced.iterrows():
        print(f"  not placed: {row.get('registry_code')} {row.get('name')} — {row.get('reason')}")
    return 0


def cmd_national(args) -> int:
    from analysis.outputs import write_geopackage, write_xlsx
    from analysis.reporting.national import default_workers, national_view

    out = Path(args.out)
    if out.suffix.lower() != ".gpkg":
        raise HromadaAccessError(f"national writes a GeoPackage: give --out ending in .gpkg, not {out.name!r}.")
    xlsx = Path(args.xlsx) if args.xlsx else None
    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        raise HromadaAccessError(f"--xlsx must end in .xlsx; got {xlsx.name!r}.")
    _check_paths([out] + ([xlsx] if xlsx else []), [])
    workers = args.workers if args.workers else default_workers()
    if workers < 1:
        raise HromadaAccessError(f"--workers must be 1 or more; got {workers}.")
    progress, close = _progress_bar(not args.quiet)
    try:
        view = national_view(args.data_root, codes=args.hromadas or None, mode=args.mode, circuity=args.circuity,
                             workers=workers, progress=progress)
    finally:
        close()
    write_geopackage({k: v for k, v in view.layers().items() if k != "errors" or len(v)}, out)
    if xlsx is not None:
        write_xlsx(view.layers(), xlsx)
    from analysis.reporting.national import NOT_EVALUATED

    table = view.hromadas[view.hromadas["method"] != NOT_EVALUATED]
    unknown = view.hromadas[view.hromadas["method"] == NOT_EVALUATED]
    total, covered = table["population_total"].sum(), table["population_covered"].sum()
    print(f"{out}{' (+ ' + xlsx.name + ')' if xlsx else ''}: {len(view.hromadas):,} hromadas, "
          f"{view.hromadas['n_settlements'].sum():,} settlements; in the {len(table):,} evaluated: "
          f"{covered:,.0f} of {total:,.0f} residents within the ЦНАП norm ({covered / total:.1%}); "
          f"{int(table['n_uncovered_settlements'].sum()):,} settlements outside it"
          if total else f"{out}: no hromada analysed")
    print(f"  method: {', '.join(sorted(set(table['method'])))} (estimated = straight line x circuity, no roads)")
    if len(unknown):
        print(f"  not evaluated: {len(unknown):,} hromadas ({unknown['population_total'].sum():,.0f} residents) have no "
              "ЦНАП point placed from the registry")
    for row in view.errors.itertuples():
        print(f"  not analysed: {row.hromada_katottg}: {row.error}", file=sys.stderr)
    return 0
