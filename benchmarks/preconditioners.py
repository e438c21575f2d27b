"""PCG with CG, Jacobi, IC(0), AMG and the learned factor preconditioner, per family and size.

    python benchmarks/preconditioners.py [--families poisson_fem heat_implicit] [--sizes 1000 10000 100000]
                                         [--seeds 0 1] [--steps 1500] [--train-n 1000] [--systems 32]
                                         [--methods none jacobi ic0 amg learned] [--features position boundary]
                                         [--save DIR | --load DIR]
                                         [--json out.json]

For each family: train the learned factor (Li, Chen, Du & Matusik, ICML 2023;
:mod:`pinnkit.learned.factor`) on ``--systems`` members of about ``--train-n`` unknowns (seeds
1000, 1001, ...: ``pinnkit.learned.factor_train.TRAIN_SEED``), or load it from ``--load``, then
solve member ``seed`` of every size in ``--sizes`` (unseen coefficients and meshes for every
evaluation seed below 1000, unseen sizes above the training size; one row with training seed
1000 at the training size shows the fit on seen data) with each method, float64, one CPU
thread, b the family's own right-hand side, x0 = 0, to ||r|| / ||b|| <= 1e-10.

Per method: iterations to 1e-6, 1e-8, 1e-10; set-up seconds (construction: IC(0)'s factorisation,
AMG's hierarchy, the learned one's graph + network + factor); solve seconds to 1e-10; and the
total time to each tolerance, set-up + solve x (iterations to it / iterations run) -- PCG's
iterations all cost the same.  The summary table gives, per system, the iterations to 1e-8 of
each method, the ratios IC(0) / learned, Jacobi / learned and learned / AMG, and the total
times to 1e-8 and 1e-10 of the learned factor, IC(0) and AMG, all from the same run.

Targets (issue 22): learned < IC(0) iterations at 1e-8 on its training family, and at least 2x
fewer than Jacobi; total time below IC(0)'s on the ~1e5-unknown systems.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import torch

from _meta import print_table, write_json
from pinnkit.learned.factor import DEFAULT_FEATURES, FEATURES, load_factor
from pinnkit.learned.factor_train import TRAIN_SEED, train_factor
from pinnkit.linsys import make_preconditioner, make_system, pcg

METHODS = ("none", "jacobi", "ic0", "amg", "learned")
TOLERANCES = (1e-6, 1e-8, 1e-10)


def learned_factor(family: str, args) -> tuple:
    if args.load:
        learned = load_factor(Path(args.load) / f"{family}.pt", family=family)
        return learned, dict(loaded=str(Path(args.load) / f"{family}.pt"), **learned.info)
    learned, history = train_factor(family, n=args.train_n, systems=args.systems, steps=args.steps, batch=args.batch,
                                    lr=args.lr, seed=args.seed, features=tuple(args.features),
                                    progress=None if args.progress else False)
    if args.save:
        learned.save(Path(args.save) / f"{family}.pt")
    return learned, dict(learned.info, sizes=learned.sizes, last_step_loss=history[-1]["loss"])


def solve_one(system, method: str, learned, rtol: float) -> dict:
    P = learned.preconditioner(system) if method == "learned" else make_preconditioner(method, system.A)
    result = pcg(system.A, system.b, P, rtol=rtol, max_iter=20_000)
    run = result.iterations[0]
    row = dict(family=system.family, n=system.n, seed=system.seed, method=method, setup_s=P.setup_s,
               solve_s=result.solve_s, iterations=run, true_residual=result.true_residual[0])
    for t in TOLERANCES:
        k = result.reached[t][0]
        row[f"it_{t:.0e}"] = k
        row[f"total_s_{t:.0e}"] = P.setup_s + result.solve_s * k / max(run, 1) if k is not None else None
    return row


def summary_row(rows: list[dict]) -> dict:
    by = {r["method"]: r for r in rows}
    it = {m: r["it_1e-08"] for m, r in by.items()}
    ratio = lambda a, b: a / b if a and b else None  # noqa: E731
    out = dict(family=rows[0]["family"], n=rows[0]["n"], seed=rows[0]["seed"],
               **{f"it8_{m}": it.get(m) for m in METHODS if m in it})
    if "learned" in it:
        out.update(ic0_over_learned=ratio(it.get("ic0"), it["learned"]),
                   jacobi_over_learned=ratio(it.get("jacobi"), it["learned"]),
                   learned_over_amg=ratio(it["learned"], it.get("amg")))
    for m in ("learned", "ic0", "amg"):
        if m in by:
            out[f"t8_{m}"] = by[m]["total_s_1e-08"]
            out[f"t10_{m}"] = by[m]["total_s_1e-10"]
    if "learned" in by and "ic0" in by and by["learned"]["total_s_1e-10"] and by["ic0"]["total_s_1e-10"]:
        out["time_learned_over_ic0"] = by["learned"]["total_s_1e-10"] / by["ic0"]["total_s_1e-10"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", nargs="+", default=["poisson_fem", "heat_implicit"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1000, 10_000, 100_000])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1], help="evaluation seeds (< 1000: unseen)")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--train-n", type=int, default=1000)
    parser.add_argument("--systems", type=int, default=32)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0, help="training seed")
    parser.add_argument("--features", nargs="*", default=list(DEFAULT_FEATURES), choices=FEATURES,
                        help="node features of the learned factor")
    parser.add_argument("--rtol", type=float, default=1e-10)
    parser.add_argument("--save", default=None, help="folder to save the trained factors in (FAMILY.pt)")
    parser.add_argument("--load", default=None, help="folder of saved factors (FAMILY.pt) instead of training")
    parser.add_argument("--progress", action="store_true", help="show training progress")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)

    rows, summaries, training = [], [], {}
    for family in args.families:
        learned, info = learned_factor(family, args) if "learned" in args.methods else (None, {})
        training[family] = info
        if info:
            print(f"{family}: learned factor trained in {info.get('train_s', float('nan')):.1f} s, final loss "
                  f"{info.get('final_loss', float('nan')):.4g}", flush=True)
        cases = [(n, seed) for n in args.sizes for seed in args.seeds]
        if learned is not None:
            cases.insert(0, (learned.sizes["n"], TRAIN_SEED))  # a seen training system, for reference
        for n, seed in cases:
            start = time.perf_counter()
            system = make_system(family, n, seed=seed)
            built = time.perf_counter() - start
            case = [solve_one(system, m, learned, args.rtol) for m in args.methods]
            for r in case:
                r.update(assembly_s=built, seen=seed >= TRAIN_SEED)
            rows += case
            summaries.append(dict(summary_row(case), seen=seed >= TRAIN_SEED))
            print(f"  {family} n={system.n} seed={seed}: " + ", ".join(
                f"{r['method']} {r['it_1e-08']}" for r in case) + " iterations to 1e-8", flush=True)

    print()
    print_table(rows, ["family", "n", "seed", "method", "it_1e-06", "it_1e-08", "it_1e-10", "setup_s", "solve_s",
                       "total_s_1e-06", "total_s_1e-08", "total_s_1e-10"])
    print()
    columns = ["family", "n", "seed", "seen"] + [f"it8_{m}" for m in METHODS if m in args.methods]
    if "learned" in args.methods:
        columns += ["ic0_over_learned", "jacobi_over_learned", "learned_over_amg"]
    columns += [c for m in ("learned", "ic0", "amg") if m in args.methods for c in (f"t8_{m}", f"t10_{m}")]
    if "learned" in args.methods and "ic0" in args.methods:
        columns.append("time_learned_over_ic0")
    print_table(summaries, columns)
    write_json(args.json, rows + [dict(kind="summary", **s) for s in summaries] +
               [dict(kind="training", family=f, **i) for f, i in training.items()])


if __name__ == "__main__":
    main()
