"""Many hromadas at once (an oblast, the country): the same analysis per hromada, serially or with Dask.

Each hromada is an independent task — load its bundle (and road network, when one is saved), run
:func:`analysis.compare.analyse_hromada` and the barrier-free coverage — so the batch parallelises over processes
with no shared state. Results are identical whichever scheduler runs them (each task is deterministic and the
ranking is sorted the same way), and a failing hromada is reported in ``errors`` instead of stopping the batch.

Schedulers
----------
``"serial"``
    In this process, one hromada after another (no Dask needed).
``"local"``
    A ``dask.distributed`` LocalCluster on this machine (one single-threaded worker process per core by default).
``"tcp://host:8786"`` (any address)
    An existing Dask scheduler; its workers need this package and the data root at the same path.

Example
-------
>>> result = analyse_many(list_demo_packs()["code"], scheduler="local")   # doctest: +SKIP
>>> result.ranking.head()                                                  # doctest: +SKIP
"""

from __future__ import annotations

import os
import threading
import traceback
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.errors import DataError, HromadaAccessError
from analysis.metrics.norms import DEFAULT_NORMS, Norm, norm_for_group
from analysis.reporting.compare import rank_hromadas
from analysis.reporting.pipeline import HromadaReport, analyse_hromada
from analysis.routing.snap import DEFAULT_MAX_SNAP_M, check_max_snap_m


@dataclass(frozen=True)
class HromadaTask:
    """What one worker needs to analyse one hromada: a pack code or folder, and optionally a saved network."""

    pack: str
    network: str | None = None


@dataclass
class BatchResult:
    """Result of :func:`analyse_many`.

    ``barrier_free`` / ``barrier_free_upper``: hromada code -> lower / upper bound of the share of residents within
    the ЦНАП norm of a barrier-free point (:func:`analysis.barrier_free.coverage.barrier_free_share_by_hromada`).
    """

    ranking: pd.DataFrame
    reports: dict[str, HromadaReport]
    barrier_free: dict[str, float]
    errors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["pack", "error"]))
    barrier_free_upper: dict[str, float] = field(default_factory=dict)


def _analyse_task(
    task: HromadaTask, root: str | None, norms: tuple[Norm, ...], mode: str, circuity: float,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
) -> tuple[str, HromadaReport | None, tuple[float, float], str | None]:
    """Worker function: (pack, report or None, (lower, upper) barrier-free share, error message or None). Never
    raises."""
    try:
        from analysis.barrier_free.coverage import barrier_free_coverage, barrier_free_share_by_hromada
        from analysis.barrier_free.status import assess_points
        from analysis.network.graph import RoadNetwork
        from analysis.sources.packs import load_demo_pack

        bundle = load_demo_pack(task.pack, root)
        network = RoadNetwork.load(task.network) if task.network else None
        report = analyse_hromada(bundle, network, norms, mode, circuity=circuity, max_snap_m=max_snap_m)
        share = (float("nan"), float("nan"))
        cnap_norm = norm_for_group(norms, "cnap")
        if len(bundle.service_points) and cnap_norm is not None:
            coverage = barrier_free_coverage(bundle.settlements, assess_points(bundle.service_points),
                                             norm=cnap_norm, router=report.router)
            share = tuple(float(barrier_free_share_by_hromada(coverage, bound).get(bundle.code, np.nan))
                          for bound in ("lower", "upper"))
        # keep results small when they travel between processes (the router holds the whole road network)
        report.settlements = None
        report.router = None
        if report.access is not None:
            report.access.router = None
        return task.pack, report, share, None
    except HromadaAccessError as exc:
        return task.pack, None, (float("nan"), float("nan")), str(exc)
    except Exception as exc:  # a bug or unexpected data in one hromada must not stop a country-wide batch
        return (task.pack, None, (float("nan"), float("nan")),
                f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")


def _tasks(items: Iterable[str | HromadaTask], networks: Mapping[str, str] | None) -> list[HromadaTask]:
    tasks = []
    for item in items:
        if isinstance(item, HromadaTask):
            tasks.append(item)
        else:
            code = str(item)
            tasks.append(HromadaTask(pack=code, network=(networks or {}).get(code)))
    if not tasks:
        raise DataError("No hromadas to analyse (the list is empty).")
    packs = [t.pack for t in tasks]
    if len(set(packs)) != len(packs):
        raise DataError("The same hromada is listed twice: " + ", ".join(sorted({p for p in packs if packs.count(p) > 1})))
    return tasks


#: Seconds to wait for a Dask scheduler to answer.
SCHEDULER_TIMEOUT_S = 10.0


def _connect(address: str, client_class, timeout_s: float = SCHEDULER_TIMEOUT_S):
    """A Dask client for ``address`` within ``timeout_s``, or a readable :class:`DataError`.

    ``Client(address, timeout=...)`` does not give up when something that is not a Dask scheduler answers on
    that port (it waits for a handshake that never comes), so the connection is made in a daemon thread and
    abandoned after the timeout.
    """
    if "://" not in address and ":" not in address:
        raise DataError(f"--scheduler must be 'serial', 'local' or a Dask scheduler address such as "
                        f"tcp://host:8786; got {address!r}.")
    outcome: dict = {}

    def connect() -> None:
        try:
            outcome["client"] = client_class(address, timeout=timeout_s)
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome["error"] = exc

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(timeout_s + 2.0)
    if "client" in outcome:
        return outcome["client"]
    reason = outcome.get("error") or f"no Dask scheduler answered within {timeout_s:g} s"
    raise DataError(f"Cannot reach the Dask scheduler at {address}: {str(reason).splitlines()[0]}")


def analyse_many(
    items: Iterable[str | HromadaTask],
    *,
    root: str | os.PathLike | None = None,
    networks: Mapping[str, str] | None = None,
    norms: Sequence[Norm] = DEFAULT_NORMS,
    mode: str = "drive",
    circuity: float = 1.3,
    max_snap_m: float | None = DEFAULT_MAX_SNAP_M,
    scheduler: str = "serial",
    n_workers: int | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> BatchResult:
    """Analyse many hromadas and rank them (donor view).

    Parameters
    ----------
    items
        Demo-pack codes/folders, or :class:`HromadaTask` objects.
    root
        Data root (default ``$HROMADA_ACCESS_DATA`` or ``../shared/data``).
    networks
        Optional pack code -> saved network directory.
    max_snap_m
        Points farther than this from the road network are not routed (metres; None = no limit).
    scheduler
        ``"serial"``, ``"local"`` (Dask LocalCluster) or a Dask scheduler address.
    n_workers
        Worker processes for the local cluster (default: number of cores).
    progress
        Callback ``progress(text, fraction)`` after each finished hromada.
    """
    tasks = _tasks(items, networks)
    max_snap_m = check_max_snap_m(max_snap_m)
    root_text = None if root is None else str(root)
    norms = tuple(norms)
    outcomes: dict[str, tuple] = {}

    def record(outcome: tuple) -> None:
        outcomes[outcome[0]] = outcome
        if progress is not None:
            progress(f"{len(outcomes)}/{len(tasks)}: {outcome[0]}", len(outcomes) / len(tasks))

    if scheduler == "serial":
        for task in tasks:
            record(_analyse_task(task, root_text, norms, mode, circuity, max_snap_m))
    else:
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError as exc:  # pragma: no cover - dask is in requirements.txt
            raise DataError("Parallel batches need Dask: pip install 'dask[distributed]'.") from exc
        cluster = None
        if scheduler == "local":
            cluster = LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1,
                                   processes=True, dashboard_address=None)
            client = Client(cluster)
        else:
            client = _connect(scheduler, Client)
        try:
            futures = [client.submit(_analyse_task, task, root_text, norms, mode, circuity, max_snap_m, pure=False)
                       for task in tasks]
            for future in as_completed(futures):
                record(future.result())
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    reports = {pack: o[1] for pack, o in outcomes.items() if o[1] is not None}
    shares = {reports[pack].code: o[2][0] for pack, o in outcomes.items() if o[1] is not None}
    uppers = {reports[pack].code: o[2][1] for pack, o in outcomes.items() if o[1] is not None}
    errors = pd.DataFrame([{"pack": pack, "error": o[3]} for pack, o in outcomes.items() if o[3] is not None],
                          columns=["pack", "error"])
    ordered = [reports[t.pack] for t in tasks if t.pack in reports]
    ranking = rank_hromadas(ordered, barrier_free=shares, barrier_free_upper=uppers) if ordered else pd.DataFrame()
    return BatchResult(ranking=ranking, reports=reports, barrier_free=shares, errors=errors,
                       barrier_free_upper=uppers)
