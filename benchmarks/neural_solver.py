"""The neural parametric solver against GD, Adam and L-BFGS on the same physics loss.

    python benchmarks/neural_solver.py [--families helmholtz poisson] [--iterations N] [--steps 5]
                                       [--n-test 32] [--cap 10000] [--save DIR | --load DIR]
                                       [--json out.json]

For each family: train the learned optimiser (Le Boudec et al., ICLR 2025) through its ``L``
unrolled steps (one thread; ``--iterations`` Adam steps, default per family below), then on
``--n-test`` held-out parameter draws report its mean relative L2 after ``L`` steps and how many
iterations (and seconds) gradient descent (step 1/lambda_max), Adam (best of lr 1e-3, 1e-2,
1e-1 at the cap) and L-BFGS need for their mean relative L2 to get as low, from the same
``theta_0``; "not reached" within ``--cap`` iterations. Target (issue 22): <= 1e-2 on Helmholtz
and Poisson within 5 learned steps, with Adam needing at least 100x more steps.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from _meta import print_table, write_json
from pinnkit.learned import evaluate, get_family, load_solver, run_baseline, save_solver, steps_to_reach, train_solver

# Training defaults per family (one core): Adam iterations, batch, training-set size, network.
# Measured: helmholtz ~4.5 min, poisson ~2 min, reaction_diffusion ~4 min, advection ~4 min.
DEFAULTS = {
    "helmholtz": dict(iterations=6000, batch_size=32, n_train=4096, network=dict(width=32, modes=16, layers=4)),
    "poisson": dict(iterations=3000, batch_size=32, n_train=4096, network=dict(width=32, modes=16, layers=4)),
    "reaction_diffusion": dict(iterations=1500, batch_size=16, n_train=512,
                               network=dict(width=16, modes=(12, 8), layers=3)),
    "advection": dict(iterations=1500, batch_size=16, n_train=1024, network=dict(width=16, modes=(12, 10), layers=3)),
}
ADAM_LRS = (1e-3, 1e-2, 1e-1)


def learned(name: str, args) -> tuple:
    family = get_family(name)
    if args.load:
        solver = load_solver(Path(args.load) / f"{name}.pt", family)
        return solver, dict(train_seconds=None, iterations=None)
    spec = DEFAULTS[name]
    iterations = args.iterations or spec["iterations"]
    start = time.perf_counter()
    solver, history = train_solver(family, iterations=iterations, batch_size=spec["batch_size"],
                                   n_train=spec["n_train"], lr=args.lr, seed=args.seed, steps=args.steps,
                                   **spec["network"])
    info = dict(train_seconds=time.perf_counter() - start, iterations=iterations, n_train=spec["n_train"],
                final_train_loss=history[-1]["loss"], network=solver.config)
    if args.save:
        save_solver(solver, Path(args.save) / f"{name}.pt", extra=info)
    return solver, info


def compare(name: str, args) -> tuple[list[dict], dict]:
    solver, info = learned(name, args)
    family = solver.family
    params = family.sample(args.n_test, seed=10_000 + args.seed)
    reference = family.reference(params)
    result = evaluate(solver, params, reference)
    per_step = result["errors"].mean(dim=1).tolist()
    target = per_step[-1]
    rows = [dict(family=name, method=f"learned (L={solver.steps})", lr=None, steps=solver.steps,
                 seconds=result["seconds"], rel_l2=target, x_steps=1.0, final_at_cap=None)]
    curves = {}
    for method in ("gd", "adam", "lbfgs"):
        lrs = ADAM_LRS if method == "adam" else (None,)
        runs = [run_baseline(family, params, method, args.cap, reference=reference, lr=lr) for lr in lrs]
        run = min(runs, key=lambda r: r.mean_errors[-1])
        steps, seconds = steps_to_reach(run, target)
        rows.append(dict(family=name, method=method, lr=run.settings.get("lr", run.settings.get("lr_median")),
                         steps=steps if steps is not None else "not reached", seconds=seconds,
                         rel_l2=float(run.mean_errors[steps]) if steps is not None else None,
                         x_steps=steps / solver.steps if steps is not None else None,
                         final_at_cap=float(run.mean_errors[-1])))
        marks = np.unique(np.geomspace(1, args.cap, 25).astype(int))
        curves[method] = dict(iterations=marks.tolist(), mean_rel_l2=run.mean_errors[marks].tolist(),
                              seconds=run.seconds[marks].tolist(), settings=run.settings)
    return rows, dict(family=family.describe(), learned_per_step=per_step, training=info, curves=curves)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", nargs="+", default=["helmholtz", "poisson"], choices=sorted(DEFAULTS))
    parser.add_argument("--iterations", type=int, default=None, help="training iterations (default: per family)")
    parser.add_argument("--steps", type=int, default=5, help="learned steps L")
    parser.add_argument("--lr", type=float, default=5e-3, help="training learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-test", type=int, default=32, help="held-out parameter draws")
    parser.add_argument("--cap", type=int, default=10_000, help="baseline iteration cap")
    parser.add_argument("--save", help="folder to save the trained solvers (<family>.pt)")
    parser.add_argument("--load", help="folder of trained solvers to evaluate instead of training")
    parser.add_argument("--json", help="write the table and curves here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows, details = [], []
    for name in args.families:
        family_rows, detail = compare(name, args)
        rows += family_rows
        details.append(detail)
        print(f"{detail['family']}: learned mean rel L2 per step "
              + ", ".join(f"{e:.3g}" for e in detail["learned_per_step"])
              + (f"; trained {detail['training']['iterations']} it in {detail['training']['train_seconds']:.0f} s"
                 if detail["training"]["train_seconds"] else ""), flush=True)
    print_table(rows, ["family", "method", "lr", "steps", "seconds", "rel_l2", "x_steps", "final_at_cap"])
    write_json(args.json, rows + [dict(details=details)])


if __name__ == "__main__":
    main()
