"""``pinnkit bench``: solve samples of a PDEBench file and score them with PDEBench's metrics.

    pinnkit bench FILE --out DIR [--solver pinn] [--samples 0:8] [--config FILE.toml] [--set key=value ...]
                  [--protocol pinnkit|pdebench-pinn] [--workers N] [--threads N] [--device cpu|cuda] [--seed S]
"""
from __future__ import annotations

import argparse
import sys

from pinnkit.bench.run import PROTOCOLS, run_bench
from pinnkit.cli.args import add_config_options, add_resolution_options, config_overrides, positive_int


def cmd_bench(args: argparse.Namespace) -> int:
    summary = run_bench(args.file, args.out, solver=args.solver, samples=args.samples, overrides=config_overrides(args),
                        protocol=args.protocol, workers=args.workers, device=args.device, seed=args.seed,
                        reduced_resolution=args.reduced_resolution, reduced_resolution_t=args.reduced_resolution_t,
                        steps=args.steps, time_budget_s=args.time_budget, threads=args.threads,
                        log=None if args.quiet else lambda line: print(line, file=sys.stderr, flush=True))
    m = summary["mean"]
    print(f"{summary['file']} / {summary['solver']} / {summary['protocol']}: {len(summary['samples'])} samples "
          f"({len(summary['recomputed'])} computed now), mean nRMSE {m['nrmse']:.3e}, RMSE {m['rmse']:.3e}, "
          f"max error {m['max_err']:.3e} ({summary['scored_on']}) -> {args.out}/metrics.json, metrics.md")
    return 0


def register(sub) -> None:
    """Add ``bench`` to ``pinnkit``'s parser."""
    p = sub.add_parser("bench", help="solve samples of a PDEBench file and score them with PDEBench's metrics")
    p.add_argument("file")
    p.add_argument("--solver", default="pinn")
    p.add_argument("--samples", default="0:8", help="START:STOP or a comma-separated list (default 0:8)")
    add_config_options(p)
    p.add_argument("--protocol", default="pinnkit", choices=PROTOCOLS)
    p.add_argument("--workers", type=positive_int, default=None,
                   help="parallel processes (default: one per idle core, at most one per sample)")
    p.add_argument("--threads", type=positive_int, default=1, metavar="N",
                   help="CPU threads per worker (default: 1; small networks run fastest so, one process per core)")
    p.add_argument("-q", "--quiet", action="store_true", help="no line per finished sample")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=None, help="step budget per sample (default: the config's)")
    p.add_argument("--time-budget", type=float, default=None, metavar="SECONDS", help="wall-time budget per sample")
    add_resolution_options(p)
    p.add_argument("--out", required=True, help="output folder: metrics.json, metrics.md, figures, samples/")
    p.set_defaults(run=cmd_bench)
