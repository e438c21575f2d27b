"""Cost of the roughness index: batched evaluation of perturbed parameters against the naive loop.

    python benchmarks/landscape_cost.py [--json out.json] [--threads 1] [--directions 50] [--points 11]

RI with M directions and P points is M * P loss evaluations (550 by default). On poisson2d's
strong-form PINN loss (residual + Dirichlet boundary term) it times, in the same run and on
the same parameters and directions:

* ``loop``: the naive way: load each perturbed vector into the model, evaluate, restore;
* ``batched``: chunks of perturbed vectors evaluated together through functional_call + vmap
  (the default of :func:`pinnkit.landscape.roughness`);
* ``vmap``: the whole loss, derivatives included, mapped with torch.func (derivatives by the
  generic torch.func kernels).

for a small network (20 x 3) on about 2000 points and on 320 points (the size of the
poisson1d study), and a bigger one (64 x 4, 4500 points).
Times are the best and the median of ``--repeats`` interleaved runs (the machine may be shared);
speedups are loop time / method time (> 1: faster).
Target: batched never slower than the loop, and >= 2x faster for the small case.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import pinnkit
from pinnkit.landscape import GalerkinLoss, roughness
from pinnkit.nn import build_network

from _meta import print_table, run_metadata, write_json

CASES = {  # name: (width, depth, interior points, boundary points)
    "small-2k": (20, 3, 2000, 200),
    "small-256": (20, 3, 256, 64),
    "bigger-4k": (64, 4, 4096, 400),
}


def best_time(fn, repeats: int):
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--directions", type=int, default=50)
    parser.add_argument("--points", type=int, default=11)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--methods", nargs="*", default=["loop", "batched", "vmap"])
    parser.add_argument("--chunk", type=int, default=None, help="parameter vectors per batch (default: tuned)")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    problem = pinnkit.get_problem("poisson2d")
    rows = []
    for case in args.cases:
        width, depth, n_int, n_bnd = CASES[case]
        net = build_network(problem, width=width, depth=depth, generator=torch.Generator().manual_seed(0),
                            device=args.device)
        loss = GalerkinLoss(problem, n_interior=n_int, n_boundary=n_bnd, seed=0)
        runs, ris = {m: [] for m in args.methods}, {}
        for _ in range(args.repeats):  # interleaved, so a busy moment hits every method alike
            for method in args.methods:
                t, r = best_time(lambda net=net, loss=loss, method=method: roughness(
                    net, loss, directions=args.directions, points=args.points, method=method, chunk=args.chunk), 1)
                runs[method].append(t)
                ris[method] = r.ri
                print(f"{case}: {method} {t:.2f} s (RI {r.ri:.6g})", flush=True)
        best = {m: min(v) for m, v in runs.items()}
        median = {m: float(np.median(v)) for m, v in runs.items()}
        for method in args.methods:
            rows.append(dict(case=case, device=args.device, params=sum(p.numel() for p in net.parameters()),
                             points=n_int + n_bnd, evaluations=args.directions * args.points, method=method,
                             time_s=best[method], median_s=median[method],
                             ms_per_eval=1e3 * best[method] / (args.directions * args.points),
                             speedup_best=best["loop"] / best[method] if "loop" in best else None,
                             speedup_median=median["loop"] / median[method] if "loop" in best else None,
                             ri=ris[method], ri_diff_vs_loop=abs(ris[method] - ris["loop"]) if "loop" in ris else None))
    print(run_metadata())
    print_table(rows, ["case", "device", "params", "points", "evaluations", "method", "time_s", "median_s",
                       "ms_per_eval", "speedup_best", "speedup_median", "ri", "ri_diff_vs_loop"])
    write_json(args.json, rows)


if __name__ == "__main__":
    main()
