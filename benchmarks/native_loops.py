"""Keep or drop the C jet loops: ms per PINN step, C loops against the best torch-only path.

    python benchmarks/native_loops.py [--steps 600] [--skip 50] [--repeats 3] [--load] [--json out.json]

burgers1d with its default preset cut to ``--steps`` Adam steps (no L-BFGS), torch at 1 thread,
steady state (wall time from step ``--skip`` on, so warm-up and compilation are left out):

* ``forward jet + C loops``: ``derivatives="forward"`` with ``PINNKIT_NATIVE=1`` (the C elementwise
  loops of :mod:`pinnkit.autodiff.native`; the row says "unavailable" where that module is gone);
* ``forward jet, torch only``: the same with ``PINNKIT_NATIVE=0`` (the fused torch passes);
* ``forward jet + compile``: ``compile=True`` (``torch.compile`` of the residual loss), ``PINNKIT_NATIVE=0``;
* ``nested autograd``: ``derivatives="autograd"``, the generic baseline.

Each run is its own process (no compiled state or loaded library leaks between variants); the
variants are interleaved, ``--repeats`` rounds, and each variant's best round is kept. Every
run also records how busy the machine's other cores were (``/proc/stat`` while it ran, minus
the one core this run uses), the 1-minute load average and the share of a core the run got
(its CPU time over its wall time, timed steps only): this 2-core machine usually has another
job on the second core. ``--load`` makes that condition on purpose (a 1-thread heat1d PINN
solve on the other core for the whole benchmark).
The decision rule (the project's issue): keep the C loops only if they are at least 1.2x faster
per step than the best torch-only path.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

VARIANTS = {  # label: (config, PINNKIT_NATIVE)
    "forward jet + C loops": ({"derivatives": "forward"}, "1"),
    "forward jet, torch only": ({"derivatives": "forward"}, "0"),
    "forward jet + compile": ({"derivatives": "forward", "compile": True}, "0"),
    "nested autograd": ({"derivatives": "autograd"}, "0"),
}
C_LOOPS, TORCH_ONLY = "forward jet + C loops", ("forward jet, torch only", "forward jet + compile")
THRESHOLD = 1.2
LOAD = ("import torch, pinnkit; torch.set_num_threads(1); "
        "pinnkit.solve('heat1d', solver='pinn', config=dict(adam_steps=10**7), progress=False, threads=1)")


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all cores, from /proc/stat (zeros where it is missing)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def child(label: str, steps: int, skip: int) -> dict:
    """One run of one variant in this process; returns its row."""
    import torch

    import pinnkit
    from kernels_end_to_end import StepClock

    class CpuStepClock(StepClock):
        """StepClock that also reads this process's CPU time, to tell contention from cost."""

        def __call__(self, step, solver, metrics):
            super().__call__(step, solver, metrics)
            now = time.process_time()
            if step == self.skip:
                self.cpu_start = now
            self.cpu_end = now

    torch.set_num_threads(1)
    config, _ = VARIANTS[label]
    active = None
    if label == C_LOOPS:
        try:
            from pinnkit.autodiff import native
        except ImportError:
            return dict(variant=label, available=False)
        active = native.jet_kernels(torch.float64) is not None and native.jet_kernels(torch.float32) is not None
        if not active:
            return dict(variant=label, available=False)
    clock = CpuStepClock(skip)
    busy0, total0 = _cpu_ticks()
    load0 = os.getloadavg()[0]
    result = pinnkit.solve("burgers1d", solver="pinn", config={**config, "adam_steps": steps, "lbfgs_steps": 0},
                           seed=0, progress=False, threads=1, callbacks=[clock])
    busy1, total1 = _cpu_ticks()
    load1 = os.getloadavg()[0]
    ncpu = os.cpu_count() or 1
    load = ncpu * (busy1 - busy0) / (total1 - total0) if total1 > total0 else None
    timed = clock.start is not None and clock.steps
    per_step = (clock.end - clock.start) / clock.steps if timed else None
    cpu_per_step = (clock.cpu_end - clock.cpu_start) / clock.steps if timed else None
    return dict(variant=label, available=True, c_loops_active=active, pinnkit=str(Path(pinnkit.__file__).parent),
                torch_threads=torch.get_num_threads(), steps=result.steps,
                timed_steps=clock.steps, wall_s=result.wall_time_s,
                ms_per_step=None if per_step is None else 1e3 * per_step,
                cpu_ms_per_step=None if cpu_per_step is None else 1e3 * cpu_per_step,
                cpu_share=None if not per_step else cpu_per_step / per_step,
                rel_l2=result.errors.get("rel_l2"), status=result.status.name, busy_cores=load,
                other_cores_busy=None if load is None else max(0.0, load - 1.0), loadavg_1min=[load0, load1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--skip", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--load", action="store_true",
                        help="keep the other core busy with a 1-thread pinnkit solve (heat1d PINN) while timing")
    parser.add_argument("--json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("ROW " + json.dumps(child(args.child, args.steps, args.skip)), flush=True)
        return

    import torch

    from _meta import print_table, write_json

    torch.set_num_threads(1)  # as in every run (the metadata records this process's threads)
    start = time.perf_counter()
    load = None
    if args.load:  # the usual condition on this 2-core machine: another 1-thread run on the other core
        load = subprocess.Popen([sys.executable, "-c", LOAD], env={**os.environ, "OMP_NUM_THREADS": "1"},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(5)
    try:
        runs = _rounds(args)
    finally:
        if load is not None:
            load.kill()
            load.wait()
    best = {}
    for label in VARIANTS:
        timed = [r for r in runs if r["variant"] == label and r.get("ms_per_step")]
        best[label] = min(timed, key=lambda r: r["ms_per_step"]) if timed else dict(variant=label, available=False)
    torch_best = min((best[lb] for lb in TORCH_ONLY if best[lb].get("ms_per_step")), key=lambda r: r["ms_per_step"])
    rows = []
    for label in VARIANTS:
        r = dict(best[label])
        all_ms = [x["ms_per_step"] for x in runs if x["variant"] == label and x.get("ms_per_step")]
        r["ms_per_step_rounds"] = all_ms
        if r.get("ms_per_step"):
            r["vs_best_torch_only"] = torch_best["ms_per_step"] / r["ms_per_step"]
        rows.append(r)
    c = best[C_LOOPS]
    ratio = torch_best["ms_per_step"] / c["ms_per_step"] if c.get("ms_per_step") else None
    table = [dict(r, rounds=" ".join(f"{v:.1f}" for v in r["ms_per_step_rounds"])) for r in rows]
    print_table(table, ["variant", "ms_per_step", "rounds", "vs_best_torch_only", "cpu_ms_per_step", "cpu_share",
                       "rel_l2", "other_cores_busy", "status"])
    elapsed = time.perf_counter() - start
    if ratio is None:
        print(f"\nC loops unavailable; best torch-only path: {torch_best['variant']} "
              f"({torch_best['ms_per_step']:.2f} ms/step)")
    else:
        verdict = "keep" if ratio >= THRESHOLD else "remove"
        cpu_best = min(best[lb]["cpu_ms_per_step"] for lb in TORCH_ONLY if best[lb].get("cpu_ms_per_step"))
        print(f"\nC loops vs best torch-only ({torch_best['variant']}): {ratio:.3f}x "
              f"(rule: keep if >= {THRESHOLD}x) -> {verdict}; in CPU time per step "
              f"{cpu_best / c['cpu_ms_per_step']:.3f}x")
    print(f"benchmark wall time {elapsed:.0f} s")
    if args.json:
        summary = dict(variant="summary", best_torch_only=torch_best["variant"], c_loops_vs_best_torch_only=ratio,
                       threshold=THRESHOLD, steps=args.steps, skip=args.skip, repeats=args.repeats,
                       benchmark_wall_s=elapsed, background_load=LOAD if args.load else None, runs=runs)
        write_json(args.json, [*rows, summary])


def _rounds(args) -> list[dict]:
    """Every variant once per round, each in its own process (interleaved); the rows of all runs."""
    runs = []
    for rnd in range(args.repeats):
        for label, (_, flag) in VARIANTS.items():
            env = {**os.environ, "PINNKIT_NATIVE": flag, "PINNKIT_KERNELS": "fast",
                   "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
            cmd = [sys.executable, __file__, "--child", label, "--steps", str(args.steps), "--skip", str(args.skip)]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=Path(__file__).parent)
            lines = [ln for ln in done.stdout.splitlines() if ln.startswith("ROW ")]
            if done.returncode != 0 or not lines:
                raise SystemExit(f"{label} failed (rc {done.returncode}):\n{done.stderr[-3000:]}")
            row = dict(json.loads(lines[-1][4:]), round=rnd)
            runs.append(row)
            ms = row.get("ms_per_step")
            print(f"round {rnd}  {label:<24}  " + (f"{ms:.2f} ms/step  (CPU {row['cpu_ms_per_step']:.2f}, "
                  f"share {row['cpu_share']:.2f}, other cores busy {row['other_cores_busy']:.2f}, "
                  f"load {row['loadavg_1min'][1]:.2f})" if ms else "unavailable"), file=sys.stderr, flush=True)
    return runs


if __name__ == "__main__":
    main()
