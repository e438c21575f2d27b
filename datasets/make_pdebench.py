"""Write PDEBench-format files with pinnkit's reference solvers (the files benchmarks/pdebench_targets.py uses).

    python datasets/make_pdebench.py [--out runs/pdebench/data] [--samples 4] [--nx 1024] [--nt 201] [--seed 0]

Writes 1D_Advection_Sols_beta0.1.hdf5, 1D_Burgers_Sols_Nu0.01.hdf5 and ReacDiff_Nu0.5_Rho1.0.hdf5
(PDEBench's names and layout; the same as ``pinnkit data generate FAMILY ...``). Existing files are kept.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from pinnkit.data.generate import generate

FILES = {"advection": "1D_Advection_Sols_beta0.1.hdf5", "burgers": "1D_Burgers_Sols_Nu0.01.hdf5",
         "reacdiff": "ReacDiff_Nu0.5_Rho1.0.hdf5"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/pdebench/data")
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--nx", type=int, default=1024)
    parser.add_argument("--nt", type=int, default=201)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for family, name in FILES.items():
        path = Path(args.out) / name
        if path.is_file():
            print(f"{path} exists, kept")
            continue
        start = time.perf_counter()
        generate(family, path, samples=args.samples, nx=args.nx, nt=args.nt, seed=args.seed)
        print(f"{path}: {args.samples} samples of {args.nt} x {args.nx} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
