"""Probe: why the brakes LP (staff redeployment priced) is slow in the simplex, on raw highspy.

The brakes LP is the Jiangsu default plus one ``staffcut`` row per centre and stage (window
posts cut, each with its own ``cut_windows`` column) and one ``deskcut`` row per centre and
stage with desks (``cut_desks``), see :func:`planner.model.policy.add_staff`. Measured with
this script in docs/benchmarks.md ("With the brakes on").

    python scripts/brakes_lp_probe.py dump configs/bench-brakes.toml /tmp/brakes.npz
    python scripts/brakes_lp_probe.py solve /tmp/brakes.npz [--relax] [--basis B.npz]
        [--save S.npz] [--time 600] [highs_option=value ...]
    python scripts/brakes_lp_probe.py density /tmp/brakes.npz S.npz
    python scripts/brakes_lp_probe.py lagrange /tmp/brakes.npz RELAXED_OPTIMUM.npz N_EVALS

``dump`` writes the LP of :func:`planner.solve.backends.lp_arrays` with row and column names.
``solve`` runs HiGHS on it (``--relax``: the cut rows free, so the default's LP with the cut
columns at zero; ``--basis``: start from a basis saved by ``--save``; the saved basis of the
relaxed optimum is a dual feasible start for the full LP, since the cut rows' slacks are
basic there and the cut columns, at zero, keep their positive cost as reduced cost).
``density`` factors the basis matrix of a saved basis with SciPy and counts the nonzeros of
the rows of its inverse that belong to primal infeasible basic variables: the dual simplex
computes one such row (BTRAN, then PRICE over all columns) every iteration.
``lagrange`` prices the cut rows with multipliers in [0, R] (R the cut column's cost), started
at R on the rows the relaxed optimum violates, each evaluation warm from the last basis.
"""

from __future__ import annotations

import collections
import os
import sys
import time
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla

CUT_ROWS = ("staffcut", "deskcut")
TARGET = 91_687_061.43
"""The brakes LP's optimum (kCNY), from interior point with crossover."""


def family(name: str) -> str:
    return name.split("__")[0]


def dump(config: str, out: str) -> None:
    """The config's LP as arrays with names (the keys this script reads)."""
    from planner.config.schema import load_config
    from planner.model.build import build_model
    from planner.solve.backends import lp_arrays
    from tests.tiny import prepare_run

    model = build_model(prepare_run(load_config(config)).model_data())
    lp = lp_arrays(model)
    np.savez(
        out,
        cost=lp.cost,
        lower=lp.lower,
        upper=lp.upper,
        row_lower=lp.row_lower,
        row_upper=lp.row_upper,
        starts=lp.starts,
        index=lp.index,
        value=lp.value,
        names=np.array(list(model.rows)),
        cnames=np.array([v.name for v in model.columns]),
    )


def cut_mask(names: np.ndarray) -> np.ndarray:
    return np.array([str(n).startswith(CUT_ROWS) for n in names])


def highs_model(d: Any, relax: bool) -> Any:
    """A ``highspy.Highs`` holding the LP (cut rows free when ``relax``)."""
    import highspy

    rl, ru = d["row_lower"].copy(), d["row_upper"].copy()
    if relax:
        cut = cut_mask(d["names"])
        rl[cut], ru[cut] = -np.inf, np.inf
    h = highspy.Highs()
    lp = highspy.HighsLp()
    n, m = len(d["cost"]), len(rl)
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = d["cost"], d["lower"], d["upper"]
    lp.row_lower_, lp.row_upper_ = rl, ru
    a = lp.a_matrix_
    a.format_ = highspy.MatrixFormat.kRowwise
    a.start_ = d["starts"].astype(np.int32)
    a.index_ = d["index"].astype(np.int32)
    a.value_ = d["value"]
    a.num_col_, a.num_row_ = n, m
    h.passModel(lp)
    return h


def set_basis(h: Any, path: str) -> None:
    import highspy

    saved = np.load(path)
    basis = highspy.HighsBasis()
    basis.col_status = [highspy.HighsBasisStatus(int(v)) for v in saved["cs"]]
    basis.row_status = [highspy.HighsBasisStatus(int(v)) for v in saved["rs"]]
    basis.valid = True
    h.setBasis(basis)


def save(h: Any, path: str) -> None:
    sol, basis = h.getSolution(), h.getBasis()
    np.savez(
        path,
        x=np.array(sol.col_value),
        rv=np.array(sol.row_value),
        cs=np.array([int(s) for s in basis.col_status]),
        rs=np.array([int(s) for s in basis.row_status]),
    )


def option(value: str) -> bool | int | float | str:
    if value in ("true", "false"):
        return value == "true"
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def solve(args: list[str]) -> None:
    """One HiGHS run: iterations, wall and CPU seconds, objective, status, load."""
    d = np.load(args[0])
    flags = {a: args[i + 1] for i, a in enumerate(args) if a in ("--basis", "--save", "--time")}
    opts = [a for a in args[1:] if "=" in a]
    h = highs_model(d, "--relax" in args)
    h.setOptionValue("time_limit", float(flags.get("--time", 600)))
    for pair in opts:
        key, value = pair.split("=", 1)
        h.setOptionValue(key, option(value))
    if "--basis" in flags:
        set_basis(h, flags["--basis"])
    wall, cpu = time.perf_counter(), time.process_time()
    h.run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    print(
        f"RESULT relax={'--relax' in args} basis={flags.get('--basis')} opts={opts} "
        f"status={status} objective={info.objective_function_value:.2f} "
        f"simplex_it={info.simplex_iteration_count} ipm_it={info.ipm_iteration_count} "
        f"crossover_it={info.crossover_iteration_count} wall={wall:.1f}s cpu={cpu:.1f}s "
        f"load={os.getloadavg()[0]:.1f}"
    )
    if "--save" in flags:
        save(h, flags["--save"])


def density(npz: str, saved_path: str, sample: int = 60) -> None:
    """Nonzeros in the rows of B^-1 of the primal infeasible basic variables."""
    d, s = np.load(npz), np.load(saved_path)
    names, cnames = d["names"], d["cnames"]
    m, n = len(names), len(cnames)
    a = sp.csr_matrix((d["value"], d["index"], d["starts"]), shape=(m, n)).tocsc()
    cols, rows = np.where(s["cs"] == 1)[0], np.where(s["rs"] == 1)[0]
    basis = sp.hstack([a[:, cols], sp.identity(m, format="csc")[:, rows]]).tocsc()
    labels = [f"col:{family(str(cnames[j]))}" for j in cols]
    labels += [f"row:{family(str(names[i]))}" for i in rows]
    lu = sla.splu(basis, permc_spec="COLAMD")
    x, rv = s["x"], s["rv"]
    off = np.concatenate(
        [
            np.maximum(d["lower"][cols] - x[cols], 0) + np.maximum(x[cols] - d["upper"][cols], 0),
            np.maximum(d["row_lower"][rows] - rv[rows], 0)
            + np.maximum(rv[rows] - d["row_upper"][rows], 0),
        ]
    )
    bad = np.where(off > 1e-7)[0]
    print(f"basis of {m} rows; {len(bad)} primal infeasible basic variables")
    row_family = np.array([family(str(r)) for r in names])
    counts: dict[str, list[int]] = collections.defaultdict(list)
    reach: collections.Counter[str] = collections.Counter()
    rng = np.random.default_rng(0)
    for k in rng.choice(bad, min(sample, len(bad)), replace=False):
        unit = np.zeros(m)
        unit[k] = 1.0
        nonzero = np.abs(lu.solve(unit, trans="T")) > 1e-11
        counts[labels[k]].append(int(nonzero.sum()))
        reach.update(row_family[nonzero])
    for label, v in sorted(counts.items()):
        print(f"{label}: {len(v)} sampled, nonzeros median {int(np.median(v))}, max {max(v)}")
    print("rows reached, all samples:", reach.most_common(6))


def lagrange(npz: str, relaxed_basis: str, evals: int) -> None:
    """Projected subgradient on the cut rows' multipliers, Polyak step to TARGET."""
    d = np.load(npz)
    m, n = len(d["names"]), len(d["cost"])
    a = sp.csr_matrix((d["value"], d["index"], d["starts"]), shape=(m, n))
    cut = np.where(cut_mask(d["names"]))[0]
    ac, b = a[cut], d["row_upper"][cut]
    cost = d["cost"]
    is_cut = np.array([str(c).startswith("cut_") for c in d["cnames"]])
    ceiling = np.array(
        [
            next(cost[j] for j in ac.indices[ac.indptr[i] : ac.indptr[i + 1]] if is_cut[j])
            for i in range(len(cut))
        ]
    )
    h = highs_model(d, relax=True)
    set_basis(h, relaxed_basis)
    h.setOptionValue("time_limit", float(os.environ.get("EVAL_TIME", "240")))
    h.setOptionValue("simplex_strategy", int(os.environ.get("STRATEGY", "4")))
    h.run()
    g = ac @ np.array(h.getSolution().col_value) - b
    lam = np.where(g > 1e-7, ceiling, 0.0)
    touched = np.unique(ac.indices).astype(np.int32)
    for k in range(evals):
        h.changeColsCost(len(touched), touched, cost[touched] + (ac.T @ lam)[touched])
        wall, cpu = time.perf_counter(), time.process_time()
        h.run()
        info = h.getInfo()
        value = info.objective_function_value - lam @ b
        g = ac @ np.array(h.getSolution().col_value) - b
        free = np.where(((lam <= 0) & (g < 0)) | ((lam >= ceiling) & (g > 0)), 0.0, g)
        print(
            f"eval {k}: {h.modelStatusToString(h.getModelStatus())} L={value:.2f} "
            f"gap={(TARGET - value) / TARGET:.2e} its={info.simplex_iteration_count} "
            f"wall={time.perf_counter() - wall:.1f}s cpu={time.process_time() - cpu:.1f}s "
            f"violated={int((g > 1e-7).sum())} load={os.getloadavg()[0]:.1f}",
            flush=True,
        )
        if free @ free < 1e-12:
            break
        lam = np.clip(lam + 0.7**k * (TARGET - value) / (free @ free) * free, 0.0, ceiling)


def main() -> None:
    command, args = sys.argv[1], sys.argv[2:]
    if command == "dump":
        dump(args[0], args[1])
    elif command == "solve":
        solve(args)
    elif command == "density":
        density(args[0], args[1])
    elif command == "lagrange":
        lagrange(args[0], args[1], int(args[2]))
    else:
        raise SystemExit(f"unknown command {command!r}: dump, solve, density or lagrange")


if __name__ == "__main__":
    main()
