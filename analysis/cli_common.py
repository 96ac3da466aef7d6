"""Helpers every command of :mod:`analysis.cli` shares: progress bar, number arguments, output checks, notes,
network loading, table writing and the far-from-roads warning."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Callable, Sequence

from analysis.errors import HromadaAccessError


def _progress_bar(enabled: bool) -> tuple[Callable[[str, float], None] | None, Callable[[], None]]:
    """A tqdm progress bar driven by ``progress(text, fraction)`` callbacks (stderr); it appears at the first
    callback, so work that reports nothing leaves no empty "0%" line."""
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = None

    def update(text: str, fraction: float) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=100, file=sys.stderr, bar_format="{desc:<40} {bar} {percentage:3.0f}% {elapsed}",
                       leave=False)
        bar.set_description_str(text[:40])
        bar.n = int(round(max(0.0, min(1.0, fraction)) * 100))
        bar.refresh()

    def close() -> None:
        if bar is not None:
            bar.close()

    return update, close


def _finite(kind: str = "positive"):
    """argparse type: a finite number (``positive``: > 0, ``non-negative``: >= 0, ``any``)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if (kind == "positive" and value <= 0) or (kind == "non-negative" and value < 0):
            raise argparse.ArgumentTypeError(f"{text!r} must be {kind}")
        return value

    parse.__name__ = f"{kind} number"
    return parse


def _check_paths(outputs: Sequence[Path], inputs: Sequence[str | None]) -> None:
    """Refuse outputs that would overwrite an input, or each other, or that name a folder."""
    resolved_inputs = {Path(p).expanduser().resolve(): p for p in inputs if p}
    seen: dict[Path, Path] = {}
    for out in outputs:
        target = Path(out).expanduser().resolve()
        if target in resolved_inputs:
            raise HromadaAccessError(f"The output {out} is the input {resolved_inputs[target]}: choose another "
                                     f"--out, nothing was written.")
        if target in seen:
            raise HromadaAccessError(f"Two outputs would be written to {out}: choose another --out.")
        if target.is_dir():
            raise HromadaAccessError(f"The output {out} is a folder: give a file name, e.g. {Path(out) / 'result'}"
                                     f"{Path(out).suffix or '.gpkg'}.")
        seen[target] = out


def _print_notes(*tables) -> None:
    """The notes readers attach to tables (generated ids, polygons turned into points, encoding, sheet read)."""
    for table in tables:
        for note in getattr(table, "attrs", {}).get("warnings", []) or []:
            print(f"NOTE: {note}", file=sys.stderr)


def _load_network(args, area=None, progress=None):
    """Network from --osm (import) or --network (saved directory), or None."""
    from analysis.network.graph import RoadNetwork

    if getattr(args, "network", None):
        return RoadNetwork.load(args.network)
    if getattr(args, "osm", None):
        from analysis.sources.osm_import import read_osm

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


def _report_far(result, max_snap_m, what: str = "origin") -> None:
    """Name the points the router left out because they are too far from the roads (stderr)."""
    from analysis.routing.results import REASON_SNAP_TOO_FAR

    far = result.drop_duplicates("origin_id")
    far = far[far["unreachable_reason"] == REASON_SNAP_TOO_FAR]
    if len(far):
        items = ", ".join(f"{row.origin_id} ({row.origin_snap_m / 1000:.1f} km)" for row in far.head(10).itertuples())
        more = f" and {len(far) - 10} more" if len(far) > 10 else ""
        print(f"WARNING: {len(far)} {what}(s) farther than {max_snap_m:g} m from the road network were not routed "
              f"(unreachable_reason=too_far_from_network; --max-snap-m changes the limit): {items}{more}",
              file=sys.stderr)
