"""solve(): resolve names -> check -> build -> run under the driver -> Result.

:func:`run_solver` is the second half (threads, driver, errors, Result) for a solver built by
hand, e.g. the landscape's loss minimiser.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import torch

from pinnkit._validate import check_choice
from pinnkit.driver import Callback, run
from pinnkit.problem import Problem
from pinnkit.registry import get_problem
from pinnkit.result import Result, reference_errors
from pinnkit.problems.presets import read_config_file
from pinnkit.solvers import get_solver
from pinnkit.solvers.base import DTYPES, Solver
from pinnkit.threads import choose_threads, count_threads, torch_threads


def resolve_config(solver_cls: type[Solver], problem: Problem, config: Any) -> Any:
    """A config instance from ``None`` (the preset), a mapping or TOML file of overrides, or an instance."""
    if isinstance(config, solver_cls.Config):
        return config
    if isinstance(config, (str, Path)):
        config = read_config_file(config)
    return solver_cls.default_config(problem.name, config)


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None`` -> CUDA when available, else CPU; a CUDA request without CUDA is an error."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' requested but CUDA is not available on this machine")
    return device


def solve(problem: str | Problem, solver: str = "pinn", config: Mapping[str, Any] | str | Path | Any | None = None,
          device: str | torch.device | None = None, dtype: str | torch.dtype | None = None, seed: int = 0,
          steps: int | None = None, time_budget_s: float | None = None, progress: bool | None = None,
          callbacks: Sequence[Callback] = (), checkpoint_dir: str | Path | None = None,
          checkpoint_every: int = 1000, resume: bool = False, threads: int | None = None,
          **problem_params: Any) -> Result:
    """Solve a named problem (or a :class:`Problem`) with a named solver.

    ``config``: ``None`` (the solver's preset for this problem, ``problems/presets/<solver>.toml``),
    a mapping of overrides, the path of a TOML file of overrides, or a config instance. ``steps``
    overrides the configuration's step count as a budget. Errors against the reference are in
    ``result.errors``. ``threads``: torch's CPU threads for the run (default:
    :func:`pinnkit.threads.choose_threads`, one for small networks; restored afterwards).
    """
    if isinstance(problem, str):
        problem = get_problem(problem, **problem_params)
    elif problem_params:
        raise ValueError(f"problem parameters {sorted(problem_params)} given with a Problem instance; "
                         "build the problem with them instead")
    solver_cls = get_solver(solver)
    solver_cls.check(problem)
    cfg = resolve_config(solver_cls, problem, config)
    dev = resolve_device(device)
    instance = solver_cls(problem, cfg, dev, resolve_dtype(dtype), torch.Generator().manual_seed(int(seed)))
    return run_solver(instance, seed=seed, steps=steps, time_budget_s=time_budget_s, progress=progress,
                      callbacks=callbacks, checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every,
                      resume=resume, threads=threads)


def resolve_dtype(dtype: str | torch.dtype | None) -> torch.dtype:
    """``None`` -> float32; names are checked against the valid ones."""
    if isinstance(dtype, str):
        dtype = DTYPES[check_choice("dtype", dtype, DTYPES)]
    return dtype or torch.float32


def run_solver(instance: Solver, seed: int = 0, steps: int | None = None, time_budget_s: float | None = None,
               progress: bool | None = None, callbacks: Sequence[Callback] = (),
               checkpoint_dir: str | Path | None = None, checkpoint_every: int = 1000, resume: bool = False,
               threads: int | None = None) -> Result:
    """Run a built solver under the driver with deliberately chosen threads, score it against its
    problem's reference and return the :class:`Result` (what :func:`solve` does after building)."""
    problem, dev = instance.problem, instance.device
    n_threads, why = choose_threads(threads, dev, instance.work_per_step)
    with torch_threads(n_threads):
        outcome = run(instance, steps=steps, time_budget_s=time_budget_s, progress=progress, callbacks=callbacks,
                      checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every, resume=resume,
                      threads_note=f"{count_threads(n_threads)} ({why})")
        final_dtype = next(instance.model.parameters()).dtype
        until = instance.time_reached
        if until is not None and problem.domain.time is not None and until >= problem.domain.highs[-1] - 1e-12:
            until = None  # the whole time interval was reached
        errors = reference_errors(problem, instance.predict, dev, final_dtype, until=until)
    return Result(problem=problem, solver=instance.name, config=instance.config, model=instance.model,
                  status=outcome.status, message=outcome.message, steps=outcome.steps,
                  wall_time_s=outcome.wall_time_s, history=outcome.history, errors=errors, device=str(dev),
                  dtype=str(final_dtype).replace("torch.", ""), seed=int(seed), threads=n_threads)
