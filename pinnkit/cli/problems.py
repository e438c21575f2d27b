"""``pinnkit list``, ``pinnkit info`` and ``pinnkit reference``: the problem catalogue.

    pinnkit list [-v]                         problems, parameters and one-line descriptions
    pinnkit info PROBLEM                      the full description of one problem and its solver presets
    pinnkit reference PROBLEM [--param k=v] --out DIR
                                              DIR/reference.npz, DIR/summary.json, DIR/reference.png
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from pinnkit._io import write_json, write_npz
from pinnkit.cli.args import add_param_option
from pinnkit.plot import plot_grid
from pinnkit.problems.presets import problem_presets
from pinnkit.registry import get_problem, list_problems, problem_info
from pinnkit.solvers import list_solvers


def cmd_list(args: argparse.Namespace) -> int:
    for name in list_problems():
        info = problem_info(name)
        params = ", ".join(f"{k}={v!r}" for k, v in info.params.items())
        print(f"{name:20s} {info.summary}")
        print(f"{'':20s} parameters: {params or '(none)'}")
        if args.verbose:
            print("\n".join(f"{'':20s} {line}" for line in info.doc.splitlines()[1:]))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    info = problem_info(args.problem)
    print(f"{info.name}\n\n{info.doc}\n\nparameters: " + ", ".join(f"{k}={v!r}" for k, v in info.params.items()))
    presets = problem_presets(info.name, list_solvers())
    print("\nsolver presets (problems/presets/<solver>.toml; override with --config FILE.toml or --set KEY=VALUE):")
    for solver in list_solvers():
        if solver in presets:
            print(f"  [{solver}] " + ", ".join(f"{k} = {v!r}" for k, v in presets[solver].items()))
        else:
            print(f"  [{solver}] none: the config's defaults")
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    problem = get_problem(args.problem, **dict(args.param))
    if problem.reference is None:
        raise ValueError(f"problem {problem.name!r} has no reference solution")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    grid = problem.reference.grid()
    elapsed = time.perf_counter() - start
    arrays = {f"axis_{c}": a for c, a in zip(grid.coords, grid.axes)}
    arrays.update({f: grid.values[..., i] for i, f in enumerate(grid.fields)})
    write_npz(out / "reference.npz", arrays)
    figure = plot_grid(grid, f"{problem.name}: reference solution", out / "reference.png", problem.domain.time)
    summary = dict(problem=problem.name, params=dict(problem.params), coords=list(grid.coords),
                   fields=list(grid.fields), grid_shape=list(grid.values.shape[:-1]),
                   wall_time_s=round(elapsed, 4), figure=figure.name, data="reference.npz")
    write_json(out / "summary.json", summary)
    print(f"{problem.name}: reference on a {'x'.join(map(str, summary['grid_shape']))} grid in "
          f"{elapsed:.2f} s -> {out}/reference.png, {out}/reference.npz, {out}/summary.json")
    return 0


def register(sub) -> None:
    p = sub.add_parser("list", help="list the problem catalogue with parameters")
    p.add_argument("-v", "--verbose", action="store_true", help="print each problem's full description")
    p.set_defaults(run=cmd_list)
    p = sub.add_parser("info", help="describe one problem and its solver presets")
    p.add_argument("problem")
    p.set_defaults(run=cmd_info)
    p = sub.add_parser("reference", help="compute and plot a problem's reference solution")
    p.add_argument("problem")
    add_param_option(p)
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(run=cmd_reference)
