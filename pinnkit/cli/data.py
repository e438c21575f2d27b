"""``pinnkit data``: PDEBench files.

    pinnkit data info FILE [--reduced-resolution R] [--reduced-resolution-t R] [--json]
    pinnkit data generate FAMILY --out FILE [--samples N] [--nx N] [--nt N] [--seed S] [--param k=v ...]
        (FAMILY: advection, burgers, reacdiff, diff-react, diff-sorp)
    pinnkit data download NAME [--dest DIR] [--manifest CSV] | --list
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pinnkit.bench.generate import DEFAULTS, generate
from pinnkit.cli.args import add_param_option, add_resolution_options
from pinnkit.data.download import download
from pinnkit.data.manifest import MANIFEST, parse_manifest
from pinnkit.data.reader import open_pdebench


def cmd_data_info(args: argparse.Namespace) -> int:
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
    start = time.perf_counter()
    path = generate(args.family, args.out, samples=args.samples, nx=args.nx, nt=args.nt, seed=args.seed,
                    params=dict(args.param), progress=not args.quiet)
    with open_pdebench(path) as f:
        shape = " x ".join(map(str, f.sample_shape))
    print(f"{args.family}: {args.samples} samples of {shape} [t, space..., channel] in "
          f"{time.perf_counter() - start:.1f} s -> {path}")
    return 0


def cmd_data_download(args: argparse.Namespace) -> int:
    manifest = parse_manifest(Path(args.manifest).read_text()) if args.manifest else MANIFEST
    if args.list or not args.name:
        for entry in manifest.values():
            print(f"{entry.name:60s} {entry.md5}  {entry.url}")
        return 0
    path = download(args.name, args.dest, manifest, progress=not args.quiet)
    print(f"{args.name}: MD5 verified -> {path}")
    return 0


def register(sub) -> None:
    """Add ``data`` (``info``, ``generate``, ``download``) to ``pinnkit``'s parser."""
    data = sub.add_parser("data", help="PDEBench files: inspect and generate")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    p = data_sub.add_parser("info", help="family, shapes, grid, parameters and sample count of a PDEBench file")
    p.add_argument("file")
    add_resolution_options(p)
    p.add_argument("--json", action="store_true", help="print the description as JSON")
    p.set_defaults(run=cmd_data_info)
    p = data_sub.add_parser("generate", help="write a PDEBench-format file with pinnkit's reference solvers")
    p.add_argument("family", help=f"one of: {', '.join(DEFAULTS)}")
    p.add_argument("--samples", type=int, default=4)
    p.add_argument("--nx", type=int, default=None,
                   help="cells per space axis (default: 1024; diff-react 128)")
    p.add_argument("--nt", type=int, default=None, help="time frames (default: 201; diff-react, diff-sorp 101)")
    p.add_argument("--seed", type=int, default=0)
    add_param_option(p, help="PDE parameter or t_final (repeatable), e.g. --param beta=0.4")
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
