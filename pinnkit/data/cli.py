"""Command-line entry points for PDEBench data: ``pinnkit data info|generate`` and ``pinnkit bench``.

    pinnkit data info FILE [--reduced-resolution R] [--reduced-resolution-t R]
    pinnkit data generate FAMILY --out FILE [--samples N] [--nx N] [--nt N] [--seed S] [--param k=v ...]
        (FAMILY: advection, burgers, reacdiff, diff-react, diff-sorp)
    pinnkit data download NAME [--dest DIR] [--manifest CSV] | --list
    pinnkit bench FILE --out DIR [--solver pinn] [--samples 0:8] [--set key=value ...]
                  [--protocol pinnkit|pdebench-pinn] [--workers N] [--device cpu|cuda] [--seed S]
"""
from __future__ import annotations

import argparse
import json
import sys
import time


def cmd_data_info(args: argparse.Namespace) -> int:
    from pinnkit.data.reader import open_pdebench

    with open_pdebench(args.file, args.reduced_resolution, args.reduced_resolution_t) as f:
        info = f.info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['file']}\n  family      {info['family']} (layout {info['layout']})\n"
          f"  samples     {info['samples']}, each {info['sample_shape']} as [{', '.join(info['axes'])}]\n"
          f"  fields      {', '.join(info['fields'])}")
    for name, g in info["grid"].items():
        domain = f", domain [{g['domain'][0]:.6g}, {g['domain'][1]:.6g}]" if "domain" in g else ""
        print(f"  {name:11s} {g['n']} points from {g['first']:.6g} to {g['last']:.6g}{domain}")
    params = ", ".join(f"{k}={v:g}" for k, v in info["params"].items()) or "(none)"
    print(f"  parameters  {params}")
    return 0


def cmd_data_generate(args: argparse.Namespace) -> int:
    from pinnkit.bench.generate import generate

    start = time.perf_counter()
    from pinnkit.data.reader import open_pdebench

    path = generate(args.family, args.out, samples=args.samples, nx=args.nx, nt=args.nt, seed=args.seed,
                    params=dict(args.param), progress=not args.quiet)
    with open_pdebench(path) as f:
        shape = " x ".join(map(str, f.sample_shape))
    print(f"{args.family}: {args.samples} samples of {shape} [t, space..., channel] in "
          f"{time.perf_counter() - start:.1f} s -> {path}")
    return 0


def cmd_data_download(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pinnkit.data.download import download
    from pinnkit.data.manifest import MANIFEST, parse_manifest

    manifest = parse_manifest(Path(args.manifest).read_text()) if args.manifest else MANIFEST
    if args.list or not args.name:
        for entry in manifest.values():
            print(f"{entry.name:60s} {entry.md5}  {entry.url}")
        return 0
    path = download(args.name, args.dest, manifest, progress=not args.quiet)
    print(f"{args.name}: MD5 verified -> {path}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from pinnkit.bench.run import run_bench

    summary = run_bench(args.file, args.out, solver=args.solver, samples=args.samples, overrides=dict(args.set),
                        protocol=args.protocol, workers=args.workers, device=args.device, seed=args.seed,
                        reduced_resolution=args.reduced_resolution, reduced_resolution_t=args.reduced_resolution_t,
                        steps=args.steps, time_budget_s=args.time_budget, threads=args.threads,
                        log=None if args.quiet else lambda line: print(line, file=sys.stderr, flush=True))
    m = summary["mean"]
    print(f"{summary['file']} / {summary['solver']} / {summary['protocol']}: {len(summary['samples'])} samples "
          f"({len(summary['recomputed'])} computed now), mean nRMSE {m['nrmse']:.3e}, RMSE {m['rmse']:.3e}, "
          f"max error {m['max_err']:.3e} ({summary['scored_on']}) -> {args.out}/metrics.json, metrics.md")
    return 0


def _resolution(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reduced-resolution", type=int, default=1, metavar="R", help="keep every R-th point in space")
    p.add_argument("--reduced-resolution-t", type=int, default=1, metavar="R", help="keep every R-th time frame")


def register(sub) -> None:
    """Add the ``data`` (``info``, ``generate``) and ``bench`` subcommands to ``pinnkit``'s parser."""
    from pinnkit.cli import parse_assignment, positive_int
    from pinnkit.bench.run import PROTOCOLS
    from pinnkit.bench.generate import DEFAULTS

    data = sub.add_parser("data", help="PDEBench files: inspect and generate")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    p = data_sub.add_parser("info", help="family, shapes, grid, parameters and sample count of a PDEBench file")
    p.add_argument("file")
    _resolution(p)
    p.add_argument("--json", action="store_true", help="print the description as JSON")
    p.set_defaults(run=cmd_data_info)
    p = data_sub.add_parser("generate", help="write a PDEBench-format file with pinnkit's reference solvers")
    p.add_argument("family", help=f"one of: {', '.join(DEFAULTS)}")
    p.add_argument("--samples", type=int, default=4)
    p.add_argument("--nx", type=int, default=None,
                   help="cells per space axis (default: 1024; diff-react 128)")
    p.add_argument("--nt", type=int, default=None, help="time frames (default: 201; diff-react, diff-sorp 101)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--param", action="append", type=parse_assignment, default=[], metavar="NAME=VALUE",
                   help="PDE parameter or t_final (repeatable), e.g. --param beta=0.4")
    p.add_argument("--out", required=True, help="output HDF5 file")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_data_generate)
    p = data_sub.add_parser("download", help="download a PDEBench file (resumable, MD5-verified)")
    p.add_argument("name", nargs="?", help="file name from the manifest (see --list)")
    p.add_argument("--dest", default=".", help="destination folder (default: .)")
    p.add_argument("--manifest", default=None, help="a CSV of name,url,md5 (default: PDEBench's public files)")
    p.add_argument("--list", action="store_true", help="list the manifest")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_data_download)

    p = sub.add_parser("bench", help="solve samples of a PDEBench file and score them with PDEBench's metrics")
    p.add_argument("file")
    p.add_argument("--solver", default="pinn")
    p.add_argument("--samples", default="0:8", help="START:STOP or a comma-separated list (default 0:8)")
    p.add_argument("--set", action="append", type=parse_assignment, default=[], metavar="KEY=VALUE",
                   help="solver config override (repeatable)")
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
    _resolution(p)
    p.add_argument("--out", required=True, help="output folder: metrics.json, metrics.md, figures, samples/")
    p.set_defaults(run=cmd_bench)
