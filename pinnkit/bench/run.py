"""``pinnkit bench``: solve samples of a PDEBench file as physics-informed forward problems and
score them with PDEBench's metrics.

Each selected sample becomes a :func:`~pinnkit.bench.sample_problem.sample_problem` (initial condition
from frame 0, parameters from the file), is solved, evaluated on the file's grid and scored.
Results go to ``DIR/samples/NNNN.json`` as each sample finishes (atomically), so a rerun with
the same settings skips finished samples; ``DIR/metrics.json`` (per sample and mean, the file's
MD5, the pinnkit version), ``DIR/metrics.md`` and ``DIR/sample_NNNN.png`` follow. Samples run in
parallel worker processes (one torch thread each) by default.

Protocols (``--protocol``):

* ``pinnkit`` (default): the solver's preset for the sample problem ``pdebench_<family>``
  (``problems/presets/<solver>.toml``), scored on every frame after the initial one;
* ``pdebench-pinn``: PDEBench's PINN baseline (Takahashi et al., NeurIPS 2022, appendix D.3):
  MLP 6 x 40 tanh, Glorot-normal weights, Adam lr 1e-3 for 15000 iterations without decay,
  1000 interior / 1000 boundary / 5000 initial points drawn uniformly once, equal loss weights,
  no L-BFGS, scored on the last 20 frames. One difference: pinnkit imposes periodicity exactly
  (periodic input embedding) where DeepXDE adds a periodic-boundary loss.
"""
from __future__ import annotations

import dataclasses
import json
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from pinnkit._io import write_bytes, write_json
from pinnkit.api import solve
from pinnkit.bench.sample_groups import sample_problem_name
from pinnkit.bench.sample_problem import sample_problem
from pinnkit._validate import check_choice
from pinnkit.data.manifest import file_md5
from pinnkit.data.metrics import METRIC_KEYS, pdebench_metrics
from pinnkit.data.reader import open_pdebench
from pinnkit.solvers import get_solver
from pinnkit.solvers.base import build_config
from pinnkit.threads import count_threads, idle_cores

__all__ = ["run_bench", "parse_samples", "PROTOCOLS"]

PDEBENCH_PINN = dict(width=40, depth=6, activation="tanh", n_residual=1000, n_boundary=1000, n_initial=5000,
                     sampling="uniform", resample_every=0, adaptive="none", w_residual=1.0, w_initial=1.0,
                     w_boundary=1.0, adam_steps=15000, lr=1e-3, lr_decay=1.0, lbfgs_steps=0)
PROTOCOLS = ("pinnkit", "pdebench-pinn")
_PLOT_LOCK = threading.Lock()  # matplotlib is not thread-safe (runs of one process may share it)
SCORE_LAST = {"pinnkit": None, "pdebench-pinn": 20}


def parse_samples(spec: str, n_samples: int) -> list[int]:
    """``"0:8"`` (a slice), ``"3"`` or ``"0,2,5"`` -> sample indices, checked against ``n_samples``."""
    try:
        if ":" in spec:
            start, _, stop = spec.partition(":")
            picked = list(range(n_samples))[slice(int(start) if start else None, int(stop) if stop else None)]
        else:
            picked = [int(s) for s in spec.split(",") if s.strip()]
    except ValueError:
        raise ValueError(f"--samples takes START:STOP or a comma-separated list of indices, got {spec!r}") from None
    bad = [i for i in picked if not 0 <= i < n_samples]
    if bad or not picked:
        raise ValueError(f"--samples {spec!r} selects {bad or 'nothing'}; the file has samples 0..{n_samples - 1}")
    return picked


def _version() -> str:
    try:
        return metadata.version("pinnkit")
    except metadata.PackageNotFoundError:
        return "unknown"


def bench_config(family: str, protocol: str, overrides: Mapping[str, Any] | None, solver: str = "pinn") -> dict[str, Any]:
    """Every config key a protocol runs ``family``'s samples with, the user's ``overrides`` on top:
    the solver's preset for ``pdebench_<family>``, or PDEBench's baseline on the config's defaults."""
    check_choice("protocol", protocol, PROTOCOLS)
    if protocol == "pdebench-pinn" and solver != "pinn":
        raise ValueError(f"protocol 'pdebench-pinn' is PDEBench's PINN baseline: it needs --solver pinn, not {solver!r}")
    solver_cls = get_solver(solver)
    if protocol == "pdebench-pinn":
        config = build_config(solver_cls.Config, {**PDEBENCH_PINN, **dict(overrides or {})})
    else:
        config = solver_cls.default_config(sample_problem_name(family), overrides)
    return dataclasses.asdict(config)


def _score(pred: np.ndarray, target: np.ndarray, last: int | None) -> dict[str, float]:
    """Metrics of (nx, nt) arrays: on the last ``last`` frames, or on every frame after the first."""
    nt = target.shape[1]
    start = max(nt - last, 1) if last else 1
    return pdebench_metrics(pred[None, :, :, None], target[None, :, :, None], initial_step=start)


def solve_sample(task: Mapping[str, Any]) -> dict[str, Any]:
    """Solve, score and record one sample (runs in a worker process)."""
    start = time.perf_counter()
    problem = sample_problem(task["file"], task["index"], task["reduced_resolution"], task["reduced_resolution_t"])
    result = solve(problem, solver=task["solver"], config=task["config"], device=task["device"],
                           seed=task["seed"], progress=False, threads=task["threads"], steps=task.get("steps"),
                           time_budget_s=task.get("time_budget_s"))
    grid = problem.reference.grid()
    pred = result.u(grid.points()).reshape(grid.values.shape)[..., 0]
    target = grid.values[..., 0]
    record = dict(sample=task["index"], settings=task["settings"], status=result.status.name, message=result.message,
                  steps=result.steps, wall_time_s=round(time.perf_counter() - start, 3),
                  metrics=_score(pred, target, task["score_last"]), metrics_all_frames=_score(pred, target, None),
                  metrics_last20=_score(pred, target, 20),
                  rel_l2=(result.errors or {}).get("rel_l2"))
    out = Path(task["out"])
    try:
        with _PLOT_LOCK:
            result.plot(out / f"sample_{task['index']:04d}.png")
    except Exception as err:  # a figure is a by-product: keep the numbers if plotting fails
        record["figure_error"] = repr(err)
    write_json(out / "samples" / f"{task['index']:04d}.json", record)
    return record


def _load_done(out: Path, index: int, settings: Mapping[str, Any]) -> dict[str, Any] | None:
    path = out / "samples" / f"{index:04d}.json"
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    if record.get("settings") != json.loads(json.dumps(settings)):
        raise ValueError(f"{out} holds results of different settings for sample {index} "
                         f"({record.get('settings')}); use a new --out folder")
    return record


def _mean(records: Sequence[Mapping[str, Any]], key: str) -> dict[str, float]:
    return {k: float(np.mean([r[key][k] for r in records])) for k in METRIC_KEYS}


def _markdown(summary: Mapping[str, Any]) -> str:
    keys = ("nrmse", "rmse", "max_err", "crmse", "brmse", "frmse_low", "frmse_mid", "frmse_high")
    lines = [f"# {summary['file']} / {summary['solver']} / protocol {summary['protocol']}", "",
             f"Scored on {summary['scored_on']}. MD5 {summary['md5']}, pinnkit {summary['pinnkit_version']}.", "",
             "| sample | " + " | ".join(keys) + " | wall time (s) |", "|---" * (len(keys) + 2) + "|"]
    rows = [(str(r["sample"]), r["metrics"], r["wall_time_s"]) for r in summary["samples"]]
    rows.append(("mean", summary["mean"], summary["mean_wall_time_s"]))
    for name, m, wall in rows:
        lines.append(f"| {name} | " + " | ".join(f"{m[k]:.3e}" for k in keys) + f" | {wall:.1f} |")
    return "\n".join(lines) + "\n"


def run_bench(file: str | Path, out: str | Path, solver: str = "pinn", samples: str = "0:8",
              overrides: Mapping[str, Any] | None = None, protocol: str = "pinnkit", workers: int | None = None,
              device: str | None = "cpu", seed: int = 0, reduced_resolution: int = 1, reduced_resolution_t: int = 1,
              threads: int = 1, steps: int | None = None, time_budget_s: float | None = None,
              log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the benchmark (see the module docstring); returns the summary written to ``DIR/metrics.json``.

    ``threads`` per worker process; ``workers`` default: one per idle core (at most one per
    sample). ``log`` receives a line as each sample finishes.
    """
    file, out = Path(file), Path(out)
    with open_pdebench(file, reduced_resolution, reduced_resolution_t) as f:
        indices = parse_samples(samples, f.n_samples)
        family = f.family
    config = bench_config(family, protocol, overrides, solver)
    settings = dict(md5=file_md5(file), solver=solver, protocol=protocol, config=config, seed=seed, device=device,
                    reduced_resolution=reduced_resolution, reduced_resolution_t=reduced_resolution_t, steps=steps,
                    time_budget_s=time_budget_s)
    out.mkdir(parents=True, exist_ok=True)
    done = {i: r for i in indices if (r := _load_done(out, i, settings)) is not None}
    tasks = [dict(file=str(file), index=i, solver=solver, config=config, device=device, seed=seed, threads=threads,
                  out=str(out), settings=settings, score_last=SCORE_LAST[protocol], steps=steps,
                  time_budget_s=time_budget_s,
                  reduced_resolution=reduced_resolution, reduced_resolution_t=reduced_resolution_t)
             for i in indices if i not in done]
    workers = workers or min(len(tasks), max(1, idle_cores() // threads)) or 1
    if log is not None and tasks:
        log(f"{file.name}: {len(tasks)} samples to solve ({len(done)} done before), {workers} worker"
            f"{'s' * (workers > 1)} x {count_threads(threads)}")

    def finished(record: dict[str, Any]) -> None:
        done[record["sample"]] = record
        if log is not None:
            log(f"{file.name}: sample {record['sample']} done ({len(done)}/{len(indices)}), nRMSE "
                f"{record['metrics']['nrmse']:.3e}, {record['wall_time_s']:.1f} s")

    if workers == 1 or len(tasks) <= 1:
        for task in tasks:
            finished(solve_sample(task))
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            for record in pool.map(solve_sample, tasks):
                finished(record)
    records = [done[i] for i in indices]
    last = SCORE_LAST[protocol]
    summary = dict(file=file.name, md5=settings["md5"], pinnkit_version=_version(), solver=solver, protocol=protocol,
                   config=config, family=family, scored_on=f"the last {last} frames" if last else "every frame after t = 0",
                   samples=records, mean=_mean(records, "metrics"), mean_all_frames=_mean(records, "metrics_all_frames"),
                   mean_wall_time_s=float(np.mean([r["wall_time_s"] for r in records])),
                   recomputed=[t["index"] for t in tasks])
    write_json(out / "metrics.json", summary)
    write_bytes(out / "metrics.md", _markdown(summary).encode())
    return summary
