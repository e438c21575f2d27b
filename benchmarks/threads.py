"""Time per step against the thread count, on an idle machine and beside busy processes.

    python benchmarks/threads.py [--cases pinn-burgers1d,...] [--busy 0,1] [--json out.json]

For each catalogue default configuration (PINN: burgers1d's Adam and L-BFGS phases, heat2d;
TENG: heat1d, burgers2d) and each thread count in {1, 2, the usable cores}, the steady time per
step, with ``--busy`` other processes spinning on the CPU meanwhile (0: idle). Each case runs
in a fresh process (a thread pool cannot shrink reliably inside one), after warm-up steps; the
table gives ms per step and the ratio to one thread in the same condition (> 1: slower than one
thread). The work per step (parameters x points) is what :func:`pinnkit.threads.choose_threads`
uses to pick the default.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

from _meta import print_table, write_json

# name: (problem, solver, config overrides, warm-up steps, timed steps)
CASES = {
    "pinn-burgers1d-adam": ("burgers1d", "pinn", {}, 5, 60),
    "pinn-burgers1d-lbfgs": ("burgers1d", "pinn", {"adam_steps": 0}, 3, 30),
    "pinn-heat2d": ("heat2d", "pinn", {}, 5, 30),
    "teng-heat1d": ("heat1d", "teng", {"init_iterations": 5}, 2, 5),
    "teng-burgers2d": ("burgers2d", "teng", {"init_iterations": 2}, 1, 2),
}


def measure(case: str, threads: int) -> dict:
    """Run in a child process: the time per step of ``case`` with ``threads`` threads."""
    import torch

    import pinnkit
    from pinnkit.solvers import get_solver

    torch.set_num_threads(threads)
    problem_name, solver_name, overrides, warm, timed = CASES[case]
    problem = pinnkit.get_problem(problem_name)
    solver_cls = get_solver(solver_name)
    solver = solver_cls(problem, solver_cls.default_config(problem_name, overrides), torch.device("cpu"),
                        torch.float32, torch.Generator().manual_seed(0))
    for k in range(warm):
        solver.step(k)
    start = time.perf_counter()
    for k in range(warm, warm + timed):
        solver.step(k)
    return dict(ms_per_step=1e3 * (time.perf_counter() - start) / timed, work_per_step=float(solver.work_per_step))


def spin() -> None:
    while True:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--busy", default="0,1", help="comma list of busy-process counts (default 0,1)")
    parser.add_argument("--threads", default=None, help="comma list (default: 1, 2 and the usable cores)")
    parser.add_argument("--json")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], int(args.child[1]))))
        return
    from pinnkit.threads import usable_cores

    counts = sorted({int(t) for t in args.threads.split(",")} if args.threads else {1, 2, usable_cores()})
    rows = []
    for busy in (int(b) for b in args.busy.split(",")):
        spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(busy)]
        for p in spinners:
            p.start()
        try:
            for case in args.cases.split(","):
                base = None
                for threads in counts:
                    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", case, str(threads)],
                                         capture_output=True, text=True, check=True)
                    row = dict(case=case, busy=busy, threads=threads, **json.loads(out.stdout.splitlines()[-1]))
                    base = base or row["ms_per_step"]
                    row["vs_1_thread"] = row["ms_per_step"] / base
                    rows.append(row)
                    print(f"{case} busy={busy} threads={threads}: {row['ms_per_step']:.1f} ms/step", flush=True)
        finally:
            for p in spinners:
                p.terminate()
    print_table(rows, ["case", "work_per_step", "busy", "threads", "ms_per_step", "vs_1_thread"])
    write_json(args.json, rows)


if __name__ == "__main__":
    main()
