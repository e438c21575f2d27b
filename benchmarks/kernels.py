"""Residual kernels: the one-pass forward jet against nested autograd, torch.func and vmap(jacrev).

    python benchmarks/kernels.py [--device cpu|cuda] [--dtypes float32,float64] [--sizes 4096,16384]
                                 [--jac-sizes 4096] [--tasks deriv,loss+bwd,jac] [--methods nested,forward]
                                 [--compile] [--memory] [--json out.json]

For each case (a catalogue problem's residual with a pinnkit network: heat1d, burgers1d and
allen_cahn1d with 64 x 3 tanh, allen_cahn2d with 128 x 4 tanh) and N points it times

* ``deriv``: the derivatives the residual needs, nothing else;
* ``loss+bwd``: mean squared residual and its backward pass (the PINN step's cost);
* ``jac``: the N x P Jacobian of the residual with respect to all parameters (TENG, Gauss-Newton);

for the methods ``nested`` (batched nested autograd, the baseline for deriv and loss+bwd),
``func`` (torch.func jvp/vmap; for ``jac`` vmap(jacrev), the baseline), ``forward`` (the
one-pass Taylor jet) and, with ``--compile``, ``forward+compile`` (torch.compile of the loss,
at the largest N in the compile dtypes only, since each compilation takes 20-60 s).
Times are medians over ``--reps`` runs after a warm-up, the methods interleaved run by run
(so a change in machine load hits all methods alike). ``peak MB``: CUDA's peak allocation,
or on the CPU (with ``--memory``) the growth of the resident set of a fresh subprocess running
the measurement once. ``%mm``: the forward-jet algorithm's matmul work (2 N sum(in out) per jet
row, x3 with backward, plus the per-point outer products of ``jac``) divided by the time, as a
fraction of this machine's measured matmul rate at the same shape and dtype: a useful-work
throughput, the same numerator for every method.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

import torch

from pinnkit import autodiff, get_problem
from pinnkit.autodiff import taylor
from pinnkit.nn import build_network

from _meta import print_table, write_json

CASES = {"heat1d": (64, 3), "burgers1d": (64, 3), "allen_cahn1d": (64, 3), "allen_cahn2d": (128, 4)}
TASK_METHODS = {"deriv": ("nested", "func", "forward"),
                "loss+bwd": ("nested", "func", "forward"),
                "jac": ("func", "forward")}
BASELINE = {"deriv": "nested", "loss+bwd": "nested", "jac": "func"}
KERNEL_METHOD = {"nested": "autograd", "func": "func", "forward": "forward", "forward+compile": "forward"}


def setup(case: str, n: int, dtype: torch.dtype, device: str):
    problem = get_problem(case)
    width, depth = CASES[case]
    g = torch.Generator().manual_seed(0)
    net = build_network(problem, width=width, depth=depth, generator=g, dtype=dtype, device=device)
    points = problem.domain.sample_interior(n, generator=g, dtype=dtype, device=device)
    return problem, net, points


def task_fn(task: str, method: str, problem, net, points):
    """A no-argument callable doing one measurement's work."""
    keys = problem.pde.requires
    kernel = KERNEL_METHOD[method]

    def loss(pts):
        jet = autodiff.derivatives(net, pts, problem.coords, problem.fields, keys, method=kernel,
                                   chunk_size=4096 if kernel == "func" else None)
        return problem.pde.residual(jet).pow(2).mean()

    if task == "deriv":
        def run():
            jet = autodiff.derivatives(net, points, problem.coords, problem.fields, keys, method=kernel)
            return [jet[k].detach() for k in keys]
        return run
    if task == "loss+bwd":
        compiled = torch.compile(loss) if method == "forward+compile" else loss

        def run():
            net.zero_grad(set_to_none=True)
            compiled(points).backward()
        return run

    def residual(jet):
        return problem.pde.residual(jet)

    def run():
        return autodiff.parameter_jacobian(net, points, problem.coords, problem.fields, keys, residual,
                                           chunk_size=512 if method == "func" else None, method=kernel)
    return run


def median_time(fn, device: str, reps: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def matmul_rate(n: int, width: int, dtype: torch.dtype, device: str) -> float:
    """Measured flop/s of an (n, width) x (width, width) product."""
    a = torch.randn(n, width, dtype=dtype, device=device)
    b = torch.randn(width, width, dtype=dtype, device=device)
    return 2 * n * width * width / median_time(lambda: a @ b, device, reps=20, warmup=3)


def nominal_flops(task: str, problem, net, n: int) -> float:
    layout = taylor.layout_for(autodiff.parse_keys(problem.pde.requires, problem.coords, problem.fields).multi_indices)
    weights = sum(layer.weight.numel() for layer in net.mlp.layers)
    one_pass = 2 * n * weights * layout.size
    if task == "deriv":
        return one_pass
    if task == "loss+bwd":
        return 3 * one_pass
    return 3 * one_pass + 2 * n * weights * layout.size


def peak_memory_subprocess(args: list[str]) -> float | None:
    """Resident-set growth (MB) of a fresh process doing one measurement."""
    cmd = [sys.executable, __file__, "--_memory-probe", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])["mb"]
    except (IndexError, ValueError, KeyError):
        print(out.stderr[-2000:], file=sys.stderr)
        return None


def memory_probe(case: str, n: int, dtype: str, task: str, method: str) -> None:
    torch.set_num_threads(1)
    problem, net, points = setup(case, n, getattr(torch, dtype), "cpu")
    fn = task_fn(task, method, problem, net, points)
    before = _peak_rss_kb()
    fn()
    print(json.dumps({"mb": (_peak_rss_kb() - before) / 1024}))


def _peak_rss_kb() -> int:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that across exec, so a
    child of a large parent would start at the parent's peak."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--sizes", default="4096,16384")
    parser.add_argument("--jac-sizes", default="4096")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--compile", action="store_true",
                        help="also time torch.compile of the forward-jet loss (largest N, --compile-dtypes only)")
    parser.add_argument("--compile-dtypes", default="float32")
    parser.add_argument("--memory", action="store_true", help="CPU: measure peak memory in subprocesses")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tasks", default=",".join(TASK_METHODS), help="subset of deriv,loss+bwd,jac")
    parser.add_argument("--methods", default=None,
                        help="subset of the methods to time (default: all; keep each task's baseline for ratios)")
    parser.add_argument("--json")
    parser.add_argument("--_memory-probe", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._memory_probe:
        case, n, dtype, task, method = args._memory_probe
        memory_probe(case, int(n), dtype, task, method)
        return
    torch.set_num_threads(args.threads)
    rows = []
    for dtype_name in args.dtypes.split(","):
        dtype = getattr(torch, dtype_name)
        for case in args.cases.split(","):
            for task, methods in TASK_METHODS.items():
                if task not in args.tasks.split(","):
                    continue
                if args.methods:
                    methods = tuple(m for m in methods if m in args.methods.split(","))
                sizes = args.jac_sizes if task == "jac" else args.sizes
                for n in map(int, sizes.split(",")):
                    compiled = (args.compile and task == "loss+bwd" and dtype_name in args.compile_dtypes.split(",")
                                and n == max(map(int, args.sizes.split(","))))
                    rows += measure(case, n, dtype, dtype_name, task, methods + ("forward+compile",) * compiled, args)
    columns = ["case", "N", "dtype", "device", "task", "method", "ms", "ratio", "peak MB", "mem ratio", "%mm"]
    print_table(rows, columns)
    write_json(args.json, rows)


def measure(case, n, dtype, dtype_name, task, methods, args) -> list[dict]:
    """Time the methods interleaved (rep by rep), so a change in machine load hits all alike."""
    problem, net, points = setup(case, n, dtype, args.device)
    rate = matmul_rate(n, CASES[case][0], dtype, args.device)
    work = nominal_flops(task, problem, net, n)
    fns, peaks = {}, {}
    for method in methods:
        fn = task_fn(task, method, problem, net, points)
        if args.device == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
        try:
            median_time(fn, args.device, reps=1, warmup=5)  # the first case of a process needs more
        except Exception as exc:  # a failing method (e.g. no compiler) is reported, not fatal
            print(f"{case} {task} {method}: failed: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
            continue
        fns[method] = fn
        if args.device == "cuda":
            peaks[method] = (torch.cuda.max_memory_allocated() - base) / 2**20
        elif args.memory and method != "forward+compile":
            peaks[method] = peak_memory_subprocess([case, str(n), dtype_name, task, method])
    times: dict[str, list[float]] = {m: [] for m in fns}
    for _ in range(args.reps):
        for method, fn in fns.items():
            times[method].append(median_time(fn, args.device, reps=1, warmup=0))
    rows = []
    for method in fns:
        seconds = statistics.median(times[method])
        rows.append(dict(case=case, N=n, dtype=dtype_name, device=args.device, task=task, method=method,
                         ms=seconds * 1e3, **{"peak MB": peaks.get(method), "%mm": 100 * work / seconds / rate}))
        print(f"  {case} N={n} {dtype_name} {task} {method}: {seconds * 1e3:.1f} ms", file=sys.stderr)
    base = next((r for r in rows if r["method"] == BASELINE[task]), None)
    for r in rows:
        if base:
            r["ratio"] = base["ms"] / r["ms"]
            if base["peak MB"] and r["peak MB"]:
                r["mem ratio"] = r["peak MB"] / base["peak MB"]
    return rows


if __name__ == "__main__":
    main()
