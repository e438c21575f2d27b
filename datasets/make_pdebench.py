"""Write PDEBench-format files with pinnkit's reference solvers (the files benchmarks/pdebench_targets.py uses).

    python datasets/make_pdebench.py [--out runs/pdebench/data] [--samples 4] [--nx N] [--nt N] [--seed 0]
                                     [--families advection,burgers,reacdiff,diff-react,diff-sorp]

Writes 1D_Advection_Sols_beta0.1.hdf5, 1D_Burgers_Sols_Nu0.01.hdf5, ReacDiff_Nu0.5_Rho1.0.hdf5,
2D_diff-react_NA_NA.h5 and 1D_diff-sorp_NA_NA.h5 (PDEBench's names and layouts; the same as
``pinnkit data generate FAMILY ...``). ``--nx`` / ``--nt`` default to each family's resolution
(1024 x 201 for the 1-D single-array files, 128^2 x 101 for diff-react, 1024 x 101 for
diff-sorp). Existing files are kept.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from pinnkit.bench.generate import generate

FILES = {"advection": "1D_Advection_Sols_beta0.1.hdf5", "burgers": "1D_Burgers_Sols_Nu0.01.hdf5",
         "reacdiff": "ReacDiff_Nu0.5_Rho1.0.hdf5", "diff-react": "2D_diff-react_NA_NA.h5",
         "diff-sorp": "1D_diff-sorp_NA_NA.h5"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/pdebench/data")
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--nx", type=int, default=None, help="cells per space axis (default: the family's)")
    parser.add_argument("--nt", type=int, default=None, help="time frames (default: the family's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--families", default=",".join(FILES), help="comma-separated (default: all)")
    args = parser.parse_args()
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = [f for f in families if f not in FILES]
    if unknown:
        parser.error(f"unknown families {unknown}; choose from {', '.join(FILES)}")
    torch.set_num_threads(1)
    for family in families:
        name = FILES[family]
        path = Path(args.out) / name
        if path.is_file():
            print(f"{path} exists, kept")
            continue
        start = time.perf_counter()
        generate(family, path, samples=args.samples, nx=args.nx, nt=args.nt, seed=args.seed)
        print(f"{path}: {args.samples} {family} samples in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
