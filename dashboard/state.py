"""Cached access to the analysis API for the dashboard (no analysis math here).

Everything slow is cached by its inputs, so switching pages or language is instant.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from analysis.access import AccessResult, compute_access
from analysis.datasets import HromadaBundle, list_demo_packs, load_demo_pack
from analysis.network import RoadNetwork


def data_root_setting() -> str | None:
    """The data folder chosen by the user (env var HROMADA_ACCESS_DATA or default ../shared/data)."""
    return os.environ.get("HROMADA_ACCESS_DATA")


def networks_dir() -> Path:
    """Folder where imported/downloaded networks are kept for the dashboard."""
    base = os.environ.get("HROMADA_ACCESS_CACHE") or str(Path.home() / ".cache" / "hromada-access")
    return Path(base) / "networks"


@st.cache_data(show_spinner=False)
def packs(root: str | None) -> pd.DataFrame:
    return list_demo_packs(root)


@st.cache_data(show_spinner=False)
def bundle(code: str, root: str | None) -> HromadaBundle:
    return load_demo_pack(code, root)


@st.cache_resource(show_spinner=False, max_entries=4)
def network(path: str) -> RoadNetwork:
    return RoadNetwork.load(path)


def saved_networks() -> dict[str, str]:
    """Saved networks (label -> directory) available to the dashboard."""
    folder = networks_dir()
    if not folder.is_dir():
        return {}
    return {p.name: str(p) for p in sorted(folder.iterdir()) if (p / "network.json").exists()}


@st.cache_data(show_spinner=False)
def access(code: str, root: str | None, network_path: str | None, mode: str, circuity: float) -> AccessResult:
    hromada = bundle(code, root)
    net = network(network_path) if network_path else None
    return compute_access(hromada.settlements, hromada.service_points, net, mode=mode, by="group",
                          circuity=circuity)
