"""Result: what a solve returns, with errors against the reference, saving and plotting."""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from pinnkit._io import atomic_write
from pinnkit.plot import plot_result, result_figure
from pinnkit.problem import Problem
from pinnkit.registry import get_problem
from pinnkit.solvers import get_solver
from pinnkit.solvers.base import build_config


class Status(enum.Enum):
    """How a run ended; the value is the message."""

    COMPLETED = "completed the step budget"
    CONVERGED = "stopped early: the solver converged"
    TIME_LIMIT = "stopped at the wall-time budget"
    NONFINITE = "stopped: the loss or the parameters became non-finite (the last finite parameters are kept)"
    INTERRUPTED = "interrupted (a checkpoint was written when a checkpoint folder was given)"
    CALLBACK = "stopped by a callback"

    @property
    def ok(self) -> bool:
        return self in (Status.COMPLETED, Status.CONVERGED, Status.TIME_LIMIT)


def reference_errors(problem: Problem, predict: Callable[[torch.Tensor], torch.Tensor], device, dtype,
                     chunk: int = 65536, until: float | None = None) -> dict[str, float] | None:
    """Relative L2 and max errors on the reference grid, per field and for all fields together.

    Fields the problem defines only up to a constant (the pressure of incompressible flow) are
    compared after removing the mean difference. ``None`` when there is no reference. ``until``
    (a time stepper stopped early) restricts the grid to ``t <= until`` and records it as
    ``errors["until_t"]``.
    """
    if problem.reference is None:
        return None
    grid = problem.reference.grid()
    points = torch.as_tensor(grid.points(), dtype=torch.float64)
    ref = grid.flat_values()
    if until is not None:
        keep = (points[:, -1] <= until + 1e-9 * max(1.0, abs(until))).numpy()
        if not keep.any():
            return {"until_t": float(until)}
        points, ref = points[torch.as_tensor(keep)], ref[keep]
    with torch.no_grad():
        pred = torch.cat([predict(points[i:i + chunk].to(device, dtype)).detach().to("cpu", torch.float64)
                          for i in range(0, len(points), chunk)]).numpy()
    for i, name in enumerate(problem.fields):
        if name in problem.up_to_constant:
            pred[:, i] += np.mean(ref[:, i] - pred[:, i])
    diff = pred - ref
    errors = {"rel_l2": float(np.linalg.norm(diff) / np.linalg.norm(ref)),
              "max_abs_error": float(np.abs(diff).max())}
    for i, name in enumerate(problem.fields):
        errors[f"rel_l2_{name}"] = float(np.linalg.norm(diff[:, i]) / max(np.linalg.norm(ref[:, i]), 1e-300))
        errors[f"max_abs_error_{name}"] = float(np.abs(diff[:, i]).max())
    if until is not None:
        errors["until_t"] = float(until)
    return errors


@dataclass
class Result:
    """The outcome of :func:`pinnkit.solve`.

    ``u(points)`` evaluates the solution anywhere (all fields); ``errors`` holds relative L2 and
    max errors against the reference grid (``None`` without a reference); ``history`` the logged
    metrics; ``status`` / ``message`` how the run ended.
    """

    problem: Problem
    solver: str
    config: Any
    model: torch.nn.Module
    status: Status
    message: str
    steps: int
    wall_time_s: float
    history: list[dict[str, float]] = field(default_factory=list)
    errors: dict[str, float] | None = None
    device: str = "cpu"
    dtype: str = "float32"
    seed: int = 0
    threads: int = 1

    def u(self, points):
        """Solution at ``points`` (N, d): tensor in, tensor out; array in, float64 array out."""
        as_numpy = not isinstance(points, torch.Tensor)
        pts = torch.as_tensor(np.asarray(points) if as_numpy else points)
        param = next(self.model.parameters())
        with torch.no_grad():
            values = self.model(pts.to(param.device, param.dtype))
        return values.cpu().double().numpy() if as_numpy else values.to(pts.device)

    def summary(self) -> dict[str, Any]:
        """The JSON-able summary written by ``pinnkit solve`` (summary.json)."""
        errors = self.errors or {}
        return dict(problem=self.problem.name, params=dict(self.problem.params), solver=self.solver,
                    status=self.status.name, message=self.message, rel_l2=errors.get("rel_l2"),
                    max_abs_error=errors.get("max_abs_error"), errors=self.errors,
                    wall_time_s=self.wall_time_s, steps=self.steps, device=self.device, dtype=self.dtype,
                    seed=self.seed, threads=self.threads, config=dataclasses.asdict(self.config))

    def save(self, path: str | Path) -> Path:
        """Save to one file (atomically); :func:`load_result` rebuilds it from the catalogue."""
        payload = dict(format="pinnkit-result-1", summary=self.summary(), history=self.history,
                       model_state=self.model.state_dict())
        return atomic_write(path, lambda handle: torch.save(payload, handle))

    def plot(self, path: str | Path) -> Path:
        """Save :meth:`figure` to ``path`` (PNG, or the format the suffix names); returns the path."""
        return plot_result(self, path)

    def figure(self):
        """Prediction, reference, pointwise error and loss history in one matplotlib Figure.

        A Jupyter cell ending in ``result.figure()`` shows it inline; ``fig.savefig(...)`` saves it.
        """
        return result_figure(self)


def load_result(path: str | Path) -> Result:
    """Load a result saved by :meth:`Result.save` (the problem is rebuilt from the catalogue)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no saved result at {path}")
    payload = torch.load(path, map_location="cpu", weights_only=False)
    for key in ("format", "summary", "history", "model_state"):
        if key not in payload:
            raise ValueError(f"malformed result file {path}: missing key {key!r}")
    s = payload["summary"]
    problem = get_problem(s["problem"], **s["params"])
    solver_cls = get_solver(s["solver"])
    # a saved config is complete; keys added since it was saved take the dataclass defaults (not the
    # problem's tuned ones, which may change the model's structure, e.g. PINN hard_initial)
    config = build_config(solver_cls.Config, s["config"])
    dtype = getattr(torch, s["dtype"])
    solver = solver_cls(problem, config, torch.device("cpu"), dtype, torch.Generator().manual_seed(s["seed"]))
    solver.model.load_state_dict(payload["model_state"])
    return Result(problem=problem, solver=s["solver"], config=config, model=solver.model,
                  status=Status[s["status"]], message=s["message"], steps=s["steps"], wall_time_s=s["wall_time_s"],
                  history=payload["history"], errors=s["errors"], device="cpu", dtype=s["dtype"], seed=s["seed"],
                  threads=s.get("threads", 1))
