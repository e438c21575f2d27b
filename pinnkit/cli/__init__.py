"""The ``pinnkit`` command line: one module per sub-command, sharing :mod:`pinnkit.cli.args`.

    pinnkit list | info | reference     the problem catalogue (:mod:`pinnkit.cli.problems`)
    pinnkit solve                       train a solver (:mod:`pinnkit.cli.solve`)
    pinnkit landscape                   loss landscapes and the roughness index (:mod:`pinnkit.cli.landscape`)
    pinnkit data info|generate|download PDEBench files (:mod:`pinnkit.cli.data`)
    pinnkit bench                       PDEBench samples, PDEBench's metrics (:mod:`pinnkit.cli.bench`)
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from pinnkit.cli import bench, data, landscape, preconditioner, problems, solve

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pinnkit", description="Physics-informed PDE solvers with "
                                     "trustworthy reference solutions.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (problems, solve, landscape, data, bench, preconditioner):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    try:
        return args.run(args)
    except ValueError as err:
        print(f"pinnkit: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
