"""``pinnkit solve``: train a solver on a problem and write its summary, figure and result.

    pinnkit solve PROBLEM --solver pinn|teng [--config FILE.toml] [--set KEY=VALUE ...] [--param NAME=VALUE ...]
                  [--device cpu|cuda] [--dtype float32|float64] [--seed N] [--steps N] [--time-budget S]
                  [--threads N] [--resume DIR] [-q] --out DIR

writes DIR/summary.json, DIR/solution.png, DIR/result.pt and DIR/checkpoint/; ``--resume DIR``
continues the run in DIR in place.
"""
from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Sequence

from pinnkit._io import write_bytes, write_json
from pinnkit.api import solve
from pinnkit.cli.args import add_config_options, add_param_option, add_threads_option, config_overrides
from pinnkit.driver import CHECKPOINT_NAME
from pinnkit.result import Status
from pinnkit.threads import count_threads


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
    result = solve(args.problem, solver=args.solver, config=config_overrides(args), device=args.device,
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
    threads = f", {count_threads(result.threads)}" if result.device == "cpu" else ""
    print(f"{result.problem.name} / {result.solver}: {result.status.name} ({result.message}); {rel}; "
          f"{result.steps} steps in {result.wall_time_s:.1f} s{threads} -> {out}")
    if result.status is Status.INTERRUPTED:
        print(f"continue with: {continue_command(args.argv, out)}")
    return 0 if result.status.ok else 1


def register(sub) -> None:
    p = sub.add_parser("solve", help="solve a problem with a neural solver")
    p.add_argument("problem")
    p.add_argument("--solver", default="pinn", help="solver name (default: pinn)")
    add_config_options(p)
    add_param_option(p)
    p.add_argument("--device", default=None, help="cpu or cuda (default: cuda when available)")
    p.add_argument("--dtype", default=None, choices=["float32", "float64"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=None, help="step budget (default: the config's)")
    p.add_argument("--time-budget", type=float, default=None, metavar="SECONDS")
    p.add_argument("--checkpoint-every", type=int, default=1000)
    add_threads_option(p)
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the run in DIR (from DIR/checkpoint), in place unless --out names another folder")
    p.add_argument("--out", default=None, help="output folder: summary.json, solution.png, result.pt, checkpoint/ "
                   "(default with --resume: the resumed folder)")
    p.add_argument("--overwrite", action="store_true", help="replace the files of an existing --out")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress (default: a bar on a terminal, else a line every 30 s)")
    p.set_defaults(run=cmd_solve)
