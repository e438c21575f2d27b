"""PDEBench targets: nRMSE of the pdebench-pinn protocol and of pinnkit's best configuration.

    python benchmarks/pdebench_targets.py [--samples 0:3] [--device cuda] [--time-budget S] [--json out.json]

Generates 1-D Burgers (nu = 0.01) and 1-D advection (beta = 0.1) files at PDEBench's resolution
(1024 x 201, pinnkit's reference solvers, seed 0) unless they exist in ``--data``, then runs
``pinnkit bench`` on the same samples with ``--protocol pdebench-pinn`` and with pinnkit's best
configuration (``--protocol pinnkit``), all (family, protocol) runs at once, each over its
samples in parallel processes. Prints nRMSE per sample and the mean on the last 20 frames
(PDEBench's PINN scoring) and on every frame after t = 0, the ratio protocol / best, and the
targets: best <= 1e-2 and >= 10x better than the protocol. Published FNO nRMSE for scale:
Burgers 7.8e-3, advection 7.7e-3. ``--time-budget`` caps each solve (reduced budgets are
reported in the rows: steps done vs planned).

pinnkit's best is TENG by default (``--best-solver pinn`` for the PINN's tuned configuration).

Recorded runs: benchmarks/results/pdebench_targets_cpu_teng.json (2-core CPU, all 12 solves at
once, complete budgets: both targets met); pdebench_targets_h100_270s.json (``--best-solver
pinn``, one H100, all 12 solves at once, ``--time-budget 270``: far short of the protocols' budgets).
"""
from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from pinnkit.bench.run import run_bench
from pinnkit.bench.generate import generate

from _meta import print_table, run_metadata, write_json

FILES = {"burgers": "1D_Burgers_Sols_Nu0.01.hdf5", "advection": "1D_Advection_Sols_beta0.1.hdf5"}
FNO = {"burgers": 7.8e-3, "advection": 7.7e-3}
TARGET = 1e-2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", default="0:3")
    parser.add_argument("--n-generate", type=int, default=4, help="samples per generated file")
    parser.add_argument("--nx", type=int, default=1024)
    parser.add_argument("--nt", type=int, default=201)
    parser.add_argument("--families", nargs="*", default=list(FILES))
    parser.add_argument("--data", default="runs/pdebench/data")
    parser.add_argument("--out", default="runs/pdebench/bench")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--time-budget", type=float, default=None, help="seconds per solve")
    parser.add_argument("--steps", type=int, default=None, help="step budget per solve (smoke tests)")
    parser.add_argument("--set", action="append", default=[], metavar="FAMILY:KEY=VALUE",
                        help="override pinnkit's best configuration for a family")
    parser.add_argument("--best-solver", default="teng", choices=("teng", "pinn"),
                        help="the solver of pinnkit's best configuration (default: teng)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes per (family, protocol) run (default: one per sample)")
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = Path(args.data)
    jobs = []
    for family in args.families:
        path = data / FILES[family]
        if not path.is_file():
            generate(family, path, samples=args.n_generate, nx=args.nx, nt=args.nt, seed=0)
        for protocol, solver in (("pdebench-pinn", "pinn"), ("pinnkit", args.best_solver)):
            overrides = {}
            for item in args.set:
                fam, _, assignment = item.partition(":")
                key, _, value = assignment.partition("=")
                if fam == family and protocol == "pinnkit":
                    overrides[key] = json.loads(value) if value[:1] in "0123456789-[{tf" else value
            jobs.append((family, protocol, solver, path, overrides))

    def run(job):
        family, protocol, solver, path, overrides = job
        return run_bench(path, Path(args.out) / f"{family}_{protocol}_{solver}", solver=solver, samples=args.samples,
                         protocol=protocol,
                         overrides=overrides, device=args.device, steps=args.steps, time_budget_s=args.time_budget,
                         workers=args.workers)

    with ThreadPoolExecutor(len(jobs)) as pool:
        summaries = {(j[0], j[1]): s for j, s in zip(jobs, pool.map(run, jobs))}
    rows = []
    for family in args.families:
        proto, best = summaries[(family, "pdebench-pinn")], summaries[(family, "pinnkit")]
        for i, (p, b) in enumerate(zip(proto["samples"], best["samples"])):
            rows.append(dict(family=family, sample=p["sample"], pdebench_pinn_last20=p["metrics"]["nrmse"],
                             pinnkit_last20=_last20(b), pdebench_pinn_all=p["metrics_all_frames"]["nrmse"],
                             pinnkit_all=b["metrics_all_frames"]["nrmse"],
                             ratio=p["metrics"]["nrmse"] / _last20(b),
                             steps=f"{p['steps']} / {b['steps']}", wall_s=f"{p['wall_time_s']:.0f} / {b['wall_time_s']:.0f}",
                             status=f"{p['status']} / {b['status']}"))
        mean_p = proto["mean"]["nrmse"]
        mean_b = sum(_last20(b) for b in best["samples"]) / len(best["samples"])
        rows.append(dict(family=family, sample="mean", pdebench_pinn_last20=mean_p, pinnkit_last20=mean_b,
                         pdebench_pinn_all=proto["mean_all_frames"]["nrmse"], pinnkit_all=best["mean_all_frames"]["nrmse"],
                         ratio=mean_p / mean_b, fno=FNO[family],
                         met=bool(mean_b <= TARGET and mean_p / mean_b >= 10)))
    print(run_metadata())
    print_table(rows, ["family", "sample", "pdebench_pinn_last20", "pinnkit_last20", "ratio", "pdebench_pinn_all",
                       "pinnkit_all", "fno", "met", "steps", "wall_s", "status"])
    write_json(args.json, rows)


def _last20(record) -> float:
    """pinnkit's nRMSE on the last 20 frames (its own summary scores every frame after t = 0)."""
    return record["metrics_last20"]["nrmse"]


if __name__ == "__main__":
    main()
