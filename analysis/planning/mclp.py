"""Maximal covering location problem: exact (CBC/HiGHS/brute force) and greedy with a bound."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Sequence

import numpy as np
from scipy import sparse

from analysis.errors import DataError

#: Below this many k-combinations of candidates, ``method="auto"``/``"exact"`` enumerate them all.
BRUTE_FORCE_MAX_COMBINATIONS = 20_000


#: ``method="auto"`` uses the integer program up to this many candidate x settlement coverage pairs.
EXACT_MAX_COVER_PAIRS = 2_000_000


def _value(cover: sparse.csr_matrix, weight: np.ndarray, chosen: Sequence[int]) -> float:
    if len(chosen) == 0:
        return 0.0
    hit = np.asarray(cover[list(chosen)].sum(axis=0)).ravel() > 0
    return float(weight[hit].sum())


def _greedy(cover: sparse.csr_matrix, weight: np.ndarray, k: int) -> tuple[list[int], float, float]:
    """Greedy maximal covering with the submodular upper bound.

    Returns the chosen rows, their value and ``min_t f(S_t) + (sum of the k largest marginal gains w.r.t. S_t)``
    over the greedy prefixes ``S_t`` (t = 0..k): a valid upper bound on the optimum because coverage is monotone
    submodular (Nemhauser, Wolsey & Fisher 1978; for t = 0 it is the sum of the k largest single-point gains).
    """
    remaining = weight.astype(float).copy()
    chosen: list[int] = []
    value = 0.0
    bound = np.inf
    for step in range(k + 1):
        gains = cover @ remaining
        top = np.sort(gains)[::-1][:k].sum() if len(gains) else 0.0
        bound = min(bound, value + float(top))
        if step == k or len(gains) == 0:
            break
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        chosen.append(best)
        value += float(gains[best])
        remaining[cover.indices[cover.indptr[best]:cover.indptr[best + 1]]] = 0.0
    return chosen, _value(cover, weight, chosen), max(bound, value)


def _brute_force(cover: sparse.csr_matrix, weight: np.ndarray, k: int, chunk: int = 4096) -> tuple[list[int], float]:
    """Best k-subset by enumerating all combinations (vectorised per chunk of combinations)."""
    dense = cover.toarray() > 0
    m = dense.shape[0]
    k = min(k, m)
    combos = itertools.combinations(range(m), k)
    best_value, best = -1.0, ()
    while True:
        block = np.array(list(itertools.islice(combos, chunk)), dtype=np.int64).reshape(-1, k)
        if len(block) == 0:
            break
        values = dense[block].any(axis=1) @ weight
        i = int(np.argmax(values))
        if values[i] > best_value:
            best_value, best = float(values[i]), tuple(block[i].tolist())
    return list(best), _value(cover, weight, list(best))


def _ilp_matrices(cover: sparse.csr_matrix, weight: np.ndarray, k: int):
    m, n = cover.shape
    objective = np.concatenate([np.zeros(m), -weight])
    # y_i - sum_{j covers i} x_j <= 0 ; sum_j x_j <= k
    link = sparse.hstack([-cover.T.tocsr(), sparse.identity(n, format="csr")], format="csr")
    budget = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(n)])[None, :])
    return objective, sparse.vstack([link, budget], format="csr"), np.concatenate([np.zeros(n), [k]])


def _lp_bound(cover: sparse.csr_matrix, weight: np.ndarray, k: int) -> float:
    from scipy.optimize import linprog

    objective, a_ub, b_ub = _ilp_matrices(cover, weight, k)
    result = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    if result.status != 0:
        return np.inf
    return float(-result.fun)


def _solve_highs(cover, weight, k, time_limit_s) -> tuple[list[int], bool, float]:
    from scipy.optimize import Bounds, LinearConstraint, milp

    m, n = cover.shape
    objective, a_ub, b_ub = _ilp_matrices(cover, weight, k)
    result = milp(
        objective,
        constraints=LinearConstraint(a_ub, -np.inf, b_ub),
        integrality=np.concatenate([np.ones(m), np.zeros(n)]),
        bounds=Bounds(0, 1),
        options={"time_limit": float(time_limit_s)},
    )
    if result.x is None:
        return [], False, np.inf
    chosen = np.flatnonzero(result.x[:m] > 0.5).tolist()
    bound = -float(result.mip_dual_bound) if getattr(result, "mip_dual_bound", None) is not None else np.inf
    return chosen, result.status == 0, bound


def _cbc_solver(time_limit_s: float | None = None):
    """PuLP's bundled CBC command, or None when PuLP/CBC is not installed."""
    try:
        import pulp
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3.x announces a new CBC packaging for 4.0
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s)
    return solver if solver.available() else None


def _solve_cbc(cover, weight, k, time_limit_s) -> tuple[list[int], bool, float]:
    import pulp

    m, n = cover.shape
    problem = pulp.LpProblem("maximal_covering", pulp.LpMaximize)
    if hasattr(problem, "add_variable"):  # PuLP >= 3.3
        x = [problem.add_variable(f"x{j}", 0, 1, cat="Binary") for j in range(m)]
        y = [problem.add_variable(f"y{i}", 0, 1) for i in range(n)]
    else:
        x = [pulp.LpVariable(f"x{j}", 0, 1, cat="Binary") for j in range(m)]
        y = [pulp.LpVariable(f"y{i}", 0, 1) for i in range(n)]
    problem += pulp.lpSum(float(w) * yi for w, yi in zip(weight, y))
    by_settlement = cover.T.tocsr()
    for i in range(n):
        covering = by_settlement.indices[by_settlement.indptr[i]:by_settlement.indptr[i + 1]]
        problem += y[i] <= pulp.lpSum(x[j] for j in covering)
    problem += pulp.lpSum(x) <= k
    problem.solve(_cbc_solver(time_limit_s))
    optimal = problem.sol_status == pulp.LpSolutionOptimal
    chosen = [j for j in range(m) if (x[j].value() or 0) > 0.5]
    return chosen, optimal, (float(pulp.value(problem.objective)) if optimal else np.inf)


def _pulp_available() -> bool:
    """Whether the CBC solver can be used (PuLP installed with its CBC binary)."""
    return _cbc_solver() is not None


def solve_mclp(
    cover: sparse.csr_matrix,
    weight: np.ndarray,
    k: int,
    *,
    method: str = "auto",
    solver: str = "auto",
    time_limit_s: float = 60.0,
    lp_bound: bool | None = None,
) -> dict:
    """Maximal covering on a 0/1 candidate x demand matrix: choose ``k`` rows maximising the covered weight.

    Parameters
    ----------
    cover
        ``cover[j, i] = 1`` if candidate ``j`` covers demand ``i``.
    weight
        Demand weights (population not yet covered; 0 for already covered settlements).
    k
        Number of points to choose (at most).
    method
        ``"exact"`` (brute force when at most :data:`BRUTE_FORCE_MAX_COMBINATIONS` combinations, else integer
        program), ``"greedy"``, or ``"auto"`` (exact up to :data:`EXACT_MAX_COVER_PAIRS` coverage pairs, greedy
        beyond).
    solver
        Integer-program solver: ``"cbc"`` (PuLP's bundled CBC), ``"highs"`` (scipy.optimize.milp, in memory),
        ``"auto"`` (CBC if PuLP and its CBC binary are installed, else HiGHS).
    time_limit_s
        Solver time limit; if reached, ``optimal`` is False and the solver's bound is reported.
    lp_bound
        Also compute the LP-relaxation bound for greedy results (default: when ≤ EXACT_MAX_COVER_PAIRS pairs).

    Returns
    -------
    dict
        ``chosen`` (row indices), ``value``, ``optimal``, ``upper_bound``, ``bound_method``, ``method``.
    """
    if k < 0 or int(k) != k:
        raise ValueError(f"k must be a non-negative integer; got {k!r}")
    if method not in ("auto", "exact", "greedy"):
        raise ValueError(f"method must be 'auto', 'exact' or 'greedy'; got {method!r}")
    if solver not in ("auto", "cbc", "highs"):
        raise ValueError(f"solver must be 'auto', 'cbc' or 'highs'; got {solver!r}")
    k = int(k)
    cover = sparse.csr_matrix(cover, dtype=float)
    cover.data = np.ones_like(cover.data)
    weight = np.asarray(weight, dtype=float)
    gains = cover @ weight
    useful = np.flatnonzero(gains > 0)
    reduced = cover[useful]
    coverable = float(weight[np.asarray(cover.sum(axis=0)).ravel() > 0].sum())
    if k == 0 or len(useful) == 0:
        return {"chosen": [], "value": 0.0, "optimal": True, "upper_bound": 0.0, "bound_method": "nothing to cover",
                "method": "exact (trivial)"}
    if len(useful) <= k:
        value = _value(reduced, weight, list(range(len(useful))))
        return {"chosen": useful.tolist(), "value": value, "optimal": True, "upper_bound": value,
                "bound_method": "every useful candidate chosen", "method": "all useful candidates"}
    pairs = reduced.nnz
    use_exact = method == "exact" or (method == "auto" and pairs <= EXACT_MAX_COVER_PAIRS)
    if use_exact and math.comb(len(useful), k) <= BRUTE_FORCE_MAX_COMBINATIONS:
        chosen, value = _brute_force(reduced, weight, k)
        return {"chosen": useful[chosen].tolist(), "value": value, "optimal": True, "upper_bound": value,
                "bound_method": "exact (all combinations)", "method": "exact (brute force)"}
    if use_exact:
        backend = solver if solver != "auto" else ("cbc" if _pulp_available() else "highs")
        if backend == "cbc" and not _pulp_available():
            raise DataError("solver='cbc' needs PuLP with its CBC binary (pip install pulp); or use solver='highs'.")
        solve = _solve_cbc if backend == "cbc" else _solve_highs
        chosen, optimal, bound = solve(reduced, weight, k, time_limit_s)
        value = _value(reduced, weight, chosen)
        label = "CBC" if backend == "cbc" else "HiGHS"
        if optimal:
            return {"chosen": useful[chosen].tolist(), "value": value, "optimal": True, "upper_bound": value,
                    "bound_method": f"exact (integer program, {label})", "method": f"exact ({label})"}
        g_chosen, g_value, g_bound = _greedy(reduced, weight, k)
        if g_value > value:
            chosen, value = g_chosen, g_value
        return {"chosen": useful[chosen].tolist(), "value": value, "optimal": False,
                "upper_bound": float(min(bound, g_bound, coverable)),
                "bound_method": f"{label} stopped at the time limit: min(solver bound, greedy submodular bound)",
                "method": f"{label} (time limit)"}
    chosen, value, bound = _greedy(reduced, weight, k)
    how = "greedy submodular bound (min over greedy steps of value + k largest marginal gains)"
    if lp_bound or (lp_bound is None and pairs <= EXACT_MAX_COVER_PAIRS):
        lp = _lp_bound(reduced, weight, k)
        if lp < bound:
            bound, how = lp, "LP relaxation"
    bound = float(min(bound, coverable))
    optimal = bound - value <= 1e-9 * max(1.0, bound)
    return {"chosen": useful[chosen].tolist(), "value": value, "optimal": optimal, "upper_bound": max(bound, value),
            "bound_method": how, "method": "greedy"}
