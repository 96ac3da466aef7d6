"""Saved OSM extracts on disk: one folder layout (network/, places, POIs, extract.json) shared by the CLI, the download cache and the dashboard."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd

from analysis.errors import DataError
from analysis.network.graph import RoadNetwork
from analysis.outputs import atomic_directory
from analysis.sources.osm_import import OsmExtract

# ================================================================================================================
# Saved extracts: one layout for the CLI, the download cache and the dashboard
# ================================================================================================================
#: Version of the saved-extract layout (``network/``, ``places.parquet``, ``pois.parquet``, ``extract.json``).
EXTRACT_FORMAT = 1


EXTRACT_META_FILE = "extract.json"


def default_extracts_dir() -> Path:
    """Where imported/downloaded extracts are kept for reuse (and listed by the dashboard):
    ``$HROMADA_ACCESS_CACHE/networks`` or ``~/.cache/hromada-access/networks``."""
    base = os.environ.get("HROMADA_ACCESS_CACHE") or str(Path.home() / ".cache" / "hromada-access")
    return Path(base).expanduser() / "networks"


def save_extract(extract: OsmExtract, directory: str | os.PathLike, *, meta: Mapping[str, Any] | None = None) -> Path:
    """Save an extract atomically: ``network/`` (:meth:`RoadNetwork.save` layout), ``places.parquet``,
    ``pois.parquet`` and ``extract.json`` (format, source, extent, statistics, licence, plus ``meta``).

    The folder is replaced as a whole, so a failure never leaves a half-written extract behind.
    """
    directory = Path(directory)
    nodes = extract.network.nodes
    info = {
        "format": EXTRACT_FORMAT,
        "source": extract.network.source,
        "saved": time.strftime("%Y-%m-%d %H:%M"),
        "bbox": [float(nodes["lon"].min()), float(nodes["lat"].min()), float(nodes["lon"].max()),
                 float(nodes["lat"].max())],
        "stats": {k: v for k, v in extract.stats.items() if isinstance(v, (int, float, str, bool))},
        "licence": "© OpenStreetMap contributors, ODbL 1.0",
        **dict(meta or {}),
    }
    with atomic_directory(directory) as tmp:
        extract.network.save(tmp / "network")
        extract.places.to_parquet(tmp / "places.parquet", index=False)
        extract.pois.to_parquet(tmp / "pois.parquet", index=False)
        (tmp / EXTRACT_META_FILE).write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return directory


def read_extract_meta(directory: str | os.PathLike) -> dict:
    """The ``extract.json`` of a saved extract (empty dict if absent or unreadable)."""
    try:
        return json.loads((Path(directory) / EXTRACT_META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def load_extract(directory: str | os.PathLike) -> OsmExtract:
    """Load an extract saved with :func:`save_extract`."""
    directory = Path(directory)
    meta = read_extract_meta(directory)
    if not meta:
        raise DataError(f"{directory} is not a saved OSM extract ({EXTRACT_META_FILE} missing or unreadable).")
    if meta.get("format") != EXTRACT_FORMAT:
        raise DataError(f"Saved extract {directory} has format {meta.get('format')}, expected {EXTRACT_FORMAT}.")
    return OsmExtract(
        network=RoadNetwork.load(directory / "network"),
        places=gpd.read_parquet(directory / "places.parquet"),
        pois=gpd.read_parquet(directory / "pois.parquet"),
        stats=dict(meta.get("stats", {})),
    )


def extract_folder_name(label: str) -> str:
    """A safe folder name for a saved extract from a free-text label (letters, digits, ``.``, ``-``, ``_``; never
    a path: separators, ``..`` and leading dots are replaced)."""
    slug = re.sub(r"[^\w.-]+", "_", str(label), flags=re.UNICODE).strip("._")
    return slug[:80] or "extract"


def save_extract_as(extract: OsmExtract, label: str, *, folder: str | os.PathLike | None = None,
                    meta: Mapping[str, Any] | None = None) -> Path:
    """Save under :func:`default_extracts_dir` (or ``folder``) in a folder named from ``label``
    (:func:`extract_folder_name`), with ``label`` in ``extract.json``."""
    base = Path(folder) if folder is not None else default_extracts_dir()
    return save_extract(extract, base / extract_folder_name(label), meta={"label": label, **dict(meta or {})})


def saved_extracts(folder: str | os.PathLike | None = None) -> dict[str, str]:
    """Saved extracts / networks in ``folder`` (default :func:`default_extracts_dir`): folder name -> path."""
    base = Path(folder) if folder is not None else default_extracts_dir()
    if not base.is_dir():
        return {}
    return {p.name: str(p) for p in sorted(base.iterdir())
            if (p / EXTRACT_META_FILE).exists() or (p / "network.json").exists()}


def extract_info(directory: str | os.PathLike) -> dict:
    """``extract.json`` of a saved extract, with ``source`` read from the network when the file lacks it."""
    meta = read_extract_meta(directory)
    if "source" not in meta:
        try:
            meta["source"] = RoadNetwork.load(directory).source
        except (OSError, ValueError):
            meta["source"] = ""
    return meta


def overlaps(meta: Mapping[str, Any], bounds: tuple[float, float, float, float]) -> bool:
    """Whether a saved extract's extent (``bbox`` of its meta) overlaps lon/lat ``bounds`` (unknown: yes)."""
    bbox = meta.get("bbox")
    if not bbox:
        return True
    west, south, east, north = bounds
    return not (bbox[2] < west or bbox[0] > east or bbox[3] < south or bbox[1] > north)


def network_mtime(directory: str | os.PathLike) -> float:
    """Modification time of a saved network (to key caches: a re-import invalidates them); 0 if absent."""
    for candidate in (Path(directory) / "network" / "network.json", Path(directory) / "network.json"):
        if candidate.exists():
            return candidate.stat().st_mtime
    return 0.0
