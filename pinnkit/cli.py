"""The ``pinnkit`` command line.

    pinnkit list [-v]                              problems, their parameters and summaries
    pinnkit info PROBLEM                           the full description of one problem
    pinnkit reference PROBLEM [--param k=v] --out DIR
                                                   compute the reference solution, write
                                                   DIR/reference.npz, DIR/summary.json and the
                                                   figure DIR/reference.png
    pinnkit solve PROBLEM --solver pinn [--set k=v] [--param k=v] --out DIR
                                                   train, write DIR/summary.json,
                                                   DIR/solution.png and DIR/result.pt
"""
from __future__ import annotations

import argparse
import ast
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from pinnkit._io import write_bytes, write_json, write_npz
from pinnkit.driver import CHECKPOINT_NAME
from pinnkit.result import Status


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"nu=0.01"`` -> ``("nu", 0.01)``; values are Python literals, else strings."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected name=value, got {text!r}")
    name, raw = text.split("=", 1)
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return name.strip(), value


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def cmd_list(args: argparse.Namespace) -> int:
    from pinnkit.registry import list_problems, problem_info

    for name in list_problems():
        info = problem_info(name)
        params = ", ".join(f"{k}={v!r}" for k, v in info.params.items())
        print(f"{name:20s} {info.summary}")
        print(f"{'':20s} parameters: {params or '(none)'}")
        if args.verbose:
            print("\n".join(f"{'':20s} {line}" for line in info.doc.splitlines()[1:]))
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from pinnkit.registry import problem_info

    info = problem_info(args.problem)
    print(f"{info.name}\n\n{info.doc}\n\nparameters: " + ", ".join(f"{k}={v!r}" for k, v in info.params.items()))
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    from pinnkit.plot import plot_grid
    from pinnkit.registry import get_problem

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


def _resume_folder(path: str) -> Path:
    """``--resume`` takes a run's folder or its ``checkpoint`` folder; returns the run's folder."""
    folder = Path(path)
    if folder.name == "checkpoint" and (folder / CHECKPOINT_NAME).is_file():
        folder = folder.parent
    if not (folder / "checkpoint" / CHECKPOINT_NAME).is_file():
        raise ValueError(f"nothing to resume in {path}: {folder / 'checkpoint' / CHECKPOINT_NAME} does not exist")
    return folder


def continue_command(argv: Sequence[str], out: Path) -> str:
    """The command line that continues an interrupted ``pinnkit solve`` (its own options, resumed
    in place)."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--resume", "--out"):
            skip = True
        elif not (arg.startswith("--resume=") or arg.startswith("--out=") or arg == "--overwrite"):
            kept.append(arg)
    return shlex.join(["pinnkit", *kept, "--resume", str(out)])


def cmd_solve(args: argparse.Namespace) -> int:
    from pinnkit.api import solve

    resume_dir = _resume_folder(args.resume) if args.resume else None
    if args.out is None and resume_dir is None:
        raise ValueError("solve needs --out DIR (or --resume DIR to continue the run in DIR)")
    out = Path(args.out) if args.out else resume_dir
    in_place = resume_dir is not None and out.resolve() == resume_dir.resolve()
    if out.exists() and any(out.iterdir()) and not args.overwrite and not in_place:
        raise ValueError(f"--out {out} already holds files; pass --overwrite to replace them "
                         f"(or --resume {out} to continue the run there)")
    checkpoints = out / "checkpoint"
    if resume_dir is not None and not in_place:
        checkpoints.mkdir(parents=True, exist_ok=True)
        source = resume_dir / "checkpoint" / CHECKPOINT_NAME
        write_bytes(checkpoints / CHECKPOINT_NAME, source.read_bytes())
    result = solve(args.problem, solver=args.solver, config=dict(args.set) or None, device=args.device,
                   dtype=args.dtype, seed=args.seed, steps=args.steps, time_budget_s=args.time_budget,
                   progress=False if args.quiet else None, checkpoint_dir=checkpoints,
                   checkpoint_every=args.checkpoint_every, resume=resume_dir is not None, threads=args.threads,
                   **dict(args.param))
    result.save(out / "result.pt")
    result.plot(out / "solution.png")
    write_json(out / "summary.json", result.summary())
    err = result.errors or {}
    rel = f"rel. L2 {err['rel_l2']:.3e}, max error {err['max_abs_error']:.3e}" if err and "rel_l2" in err \
        else "no reference" if not err else "no solution yet"
    if err and "until_t" in err:
        rel += f" (up to t = {err['until_t']:g}, the time reached)"
    threads = f", {result.threads} thread{'s' * (result.threads > 1)}" if result.device == "cpu" else ""
    print(f"{result.problem.name} / {result.solver}: {result.status.name} ({result.message}); {rel}; "
          f"{result.steps} steps in {result.wall_time_s:.1f} s{threads} -> {out}")
    if result.status is Status.INTERRUPTED:
        print(f"continue with: {continue_command(args.argv, out)}")
    return 0 if result.status.ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pinnkit", description="Physics-informed PDE solvers with "
                                     "trustworthy reference solutions.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="list the problem catalogue with parameters")
    p.add_argument("-v", "--verbose", action="store_true", help="print each problem's full description")
    p.set_defaults(run=cmd_list)
    p = sub.add_parser("info", help="describe one problem")
    p.add_argument("problem")
    p.set_defaults(run=cmd_info)
    p = sub.add_parser("reference", help="compute and plot a problem's reference solution")
    p.add_argument("problem")
    p.add_argument("--param", action="append", type=parse_assignment, default=[], metavar="NAME=VALUE",
                   help="problem parameter (repeatable), e.g. --param nu=0.01")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(run=cmd_reference)
    p = sub.add_parser("solve", help="solve a problem with a neural solver")
    p.add_argument("problem")
    p.add_argument("--solver", default="pinn", help="solver name (default: pinn)")
    p.add_argument("--set", action="append", type=parse_assignment, default=[], metavar="KEY=VALUE",
                   help="solver config override (repeatable), e.g. --set adam_steps=2000")
    p.add_argument("--param", action="append", type=parse_assignment, default=[], metavar="NAME=VALUE",
                   help="problem parameter (repeatable)")
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--dtype", default=None, choices=["float32", "float64"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=None, help="step budget (default: the config's)")
    p.add_argument("--time-budget", type=float, default=None, metavar="SECONDS")
    p.add_argument("--checkpoint-every", type=int, default=1000)
    p.add_argument("--threads", type=positive_int, default=None, metavar="N",
                   help="CPU threads (default: 1 for small networks, else the idle cores)")
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the run in DIR (from DIR/checkpoint), in place unless --out names another folder")
    p.add_argument("--out", default=None, help="output folder: summary.json, solution.png, result.pt, checkpoint/ "
                   "(default with --resume: the resumed folder)")
    p.add_argument("--overwrite", action="store_true", help="replace the files of an existing --out")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress (default: a bar on a terminal, else a line every 30 s)")
    p.set_defaults(run=cmd_solve)
    from pinnkit.landscape.cli import register as register_landscape
    register_landscape(sub)
    from pinnkit.data.cli import register as register_data
    register_data(sub)
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
