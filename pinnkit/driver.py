"""The one loop every solver shares.

The driver owns: the step and wall-time budgets, the progress bar, the history, callbacks,
periodic checkpoints with resume, Ctrl-C handling and non-finite detection. Solvers only
implement ``step`` / ``terminate`` (see :mod:`pinnkit.solvers.base`).

Non-finite detection: after every step the loss and the model's parameters are checked; on a
NaN / inf the run stops with :attr:`Status.NONFINITE`, a message naming the step and the
quantity, and the model is restored to the parameters of the last finite step.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import torch

from pinnkit._io import atomic_write
from pinnkit.progress import Progress
from pinnkit.result import Status
from pinnkit.solvers.base import Solver

Callback = Callable[[int, Solver, dict[str, float]], bool | None]  # return True to stop
CHECKPOINT_NAME = "checkpoint.pt"


@dataclass
class RunOutcome:
    status: Status
    message: str
    steps: int
    wall_time_s: float
    history: list[dict[str, float]]


def _nonfinite(solver: Solver, info: dict[str, float]) -> str | None:
    for key, value in info.items():
        if isinstance(value, float) and not math.isfinite(value):
            return f"{key} = {value}"
    for name, p in solver.model.named_parameters():
        if not torch.isfinite(p).all():
            return f"parameter {name}"
    return None


def _snapshot(solver: Solver) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in solver.model.state_dict().items()}


def save_checkpoint(folder: Path, solver: Solver, step: int, history: list, elapsed: float) -> Path:
    """Write the solver state, step and history to ``folder/checkpoint.pt`` atomically."""
    payload = dict(step=step, history=history, elapsed=elapsed, solver=solver.state_dict())
    return atomic_write(Path(folder) / CHECKPOINT_NAME, lambda handle: torch.save(payload, handle))


def load_checkpoint(folder: Path, solver: Solver) -> tuple[int, list, float]:
    """Restore ``solver`` from ``folder/checkpoint.pt``; returns (next step, history, elapsed)."""
    path = Path(folder) / CHECKPOINT_NAME
    if not path.is_file():
        raise ValueError(f"no checkpoint to resume from: {path} does not exist")
    payload = torch.load(path, map_location=solver.device, weights_only=False)
    for key in ("step", "history", "solver"):
        if key not in payload:
            raise ValueError(f"malformed checkpoint {path}: missing key {key!r}")
    solver.load_state_dict(payload["solver"])
    return int(payload["step"]), list(payload["history"]), float(payload.get("elapsed", 0.0))


def run(solver: Solver, steps: int | None = None, time_budget_s: float | None = None,
        progress: bool | None = None, callbacks: Sequence[Callback] = (), log_every: int = 10,
        checkpoint_dir: str | Path | None = None, checkpoint_every: int = 1000,
        resume: bool = False, threads_note: str | None = None, progress_every_s: float = 30.0) -> RunOutcome:
    """Drive ``solver`` for ``steps`` iterations (default: its planned steps).

    ``progress``: see :class:`Progress` (lines every ``progress_every_s`` seconds without a
    terminal); ``threads_note`` is shown beside the progress.
    """
    total = solver.planned_steps if steps is None else int(steps)
    if total < 0:
        raise ValueError(f"steps must be >= 0, got {total}")
    if log_every < 1 or checkpoint_every < 1:
        raise ValueError("log_every and checkpoint_every must be >= 1")
    start_step, history, elapsed_before = 0, [], 0.0
    if resume:
        if checkpoint_dir is None:
            raise ValueError("resume needs a checkpoint folder")
        start_step, history, elapsed_before = load_checkpoint(Path(checkpoint_dir), solver)
    status, message, k = Status.COMPLETED, Status.COMPLETED.value, start_step
    good = _snapshot(solver)
    start = time.perf_counter()
    bar = Progress(total, start_step, progress, f"{solver.problem.name} / {solver.name}", progress_every_s,
                   threads_note)
    try:
        for k in range(start_step, total):
            info = solver.step(k)
            bad = _nonfinite(solver, info)
            if bad is not None:
                solver.model.load_state_dict(good)
                status = Status.NONFINITE
                message = f"{bad} at step {k}; the parameters of step {k - 1} are kept"
                break
            good = _snapshot(solver)
            elapsed = elapsed_before + time.perf_counter() - start
            if k % log_every == 0 or k == total - 1:
                history.append({"step": k, "time_s": elapsed, **info})
            bar.update(k, info)
            if checkpoint_dir is not None and (k + 1) % checkpoint_every == 0:
                save_checkpoint(Path(checkpoint_dir), solver, k + 1, history, elapsed)
            reason = solver.terminate()
            if reason is not None:
                status, message, k = Status.CONVERGED, reason, k + 1
                break
            if any(cb(k, solver, info) for cb in callbacks):
                status, message, k = Status.CALLBACK, f"a callback stopped the run after step {k}", k + 1
                break
            if time_budget_s is not None and elapsed >= time_budget_s:
                status, k = Status.TIME_LIMIT, k + 1
                message = f"wall-time budget of {time_budget_s:g} s reached after {k} steps"
                break
        else:
            k = total
    except KeyboardInterrupt:
        solver.model.load_state_dict(good)
        status, message = Status.INTERRUPTED, f"interrupted at step {k}"
        if checkpoint_dir is not None:
            save_checkpoint(Path(checkpoint_dir), solver, k, history, elapsed_before + time.perf_counter() - start)
            message += (f"; checkpoint written to {checkpoint_dir} (continue with the same arguments and "
                        "resume=True, or the command line's --resume)")
    finally:
        if status is not Status.NONFINITE:
            solver.finish()
        notes = solver.notes()
        if notes:
            message = "; ".join([message, *notes])
        bar.close(message)
    wall = elapsed_before + time.perf_counter() - start
    if checkpoint_dir is not None and status is not Status.INTERRUPTED:
        save_checkpoint(Path(checkpoint_dir), solver, k, history, wall)
    return RunOutcome(status, message, k, wall, history)
