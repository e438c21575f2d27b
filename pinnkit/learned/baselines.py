"""Classical optimisers on the same physics loss from the same ``theta_0``: GD, Adam, L-BFGS.

Each run records the relative L2 error against the reference after every iteration and the
cumulative optimiser wall time (error evaluation excluded), so :func:`steps_to_reach` can answer
how many iterations, and how long, a baseline needs to match the learned solver's error.

* ``gd``: ``theta <- theta - (c / lambda_max) g`` per instance, ``lambda_max`` the largest
  Hessian eigenvalue of the loss at ``theta_0`` by power iteration on Hessian-vector products
  (the classical ``1/L`` step, Nesterov, Lectures on Convex Optimization, 2018, sec. 2.1.5);
  ``torch.optim.SGD`` with one parameter group per instance.
* ``adam``: ``torch.optim.Adam`` (element-wise, so the batch equals independent runs).
* ``lbfgs``: ``torch.optim.LBFGS`` with strong-Wolfe line search, history 50, one iteration per
  ``step`` with up to 25 line-search evaluations (torch's default ``max_eval`` for
  ``max_iter=1`` leaves the line search none, and the run stalls), instance by instance (it
  couples the coordinates of whatever it is given); stops once the loss no longer changes and
  repeats its last error.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from pinnkit._validate import check_choice
from pinnkit.learned.family import Family, relative_l2
from pinnkit.learned.optimizer import physics_gradient

__all__ = ["METHODS", "BaselineRun", "largest_curvature", "run_baseline", "steps_to_reach"]

METHODS = ("gd", "adam", "lbfgs")


@dataclass
class BaselineRun:
    """``errors`` ``(iterations + 1, B)`` (row 0 at theta_0), ``seconds`` ``(iterations + 1,)`` cumulative."""

    method: str
    errors: np.ndarray
    seconds: np.ndarray
    settings: dict = field(default_factory=dict)

    @property
    def mean_errors(self) -> np.ndarray:
        return self.errors.mean(axis=1)


def largest_curvature(family: Family, theta: torch.Tensor, params: torch.Tensor, iterations: int = 100,
                      seed: int = 0) -> torch.Tensor:
    """Largest Hessian eigenvalue of the loss at ``theta`` per instance (power iteration), ``(B,)``."""
    theta = theta.detach().requires_grad_(True)
    with torch.enable_grad():
        _, grad = physics_gradient(family, theta, params, create_graph=True)
        v = torch.randn(theta.shape, generator=torch.Generator().manual_seed(seed), dtype=theta.dtype)
        v = v / torch.linalg.vector_norm(v, dim=1, keepdim=True)
        value = torch.zeros(theta.shape[0], dtype=theta.dtype)
        for _ in range(iterations):
            (hv,) = torch.autograd.grad((grad * v).sum(), theta, retain_graph=True)
            value = (hv * v).sum(dim=1)
            v = hv / torch.linalg.vector_norm(hv, dim=1, keepdim=True).clamp_min(1e-300)
    return value.detach()


def run_baseline(family: Family, params: torch.Tensor, method: str, iterations: int,
                 reference: torch.Tensor | None = None, lr: float | None = None, target: float | None = None
                 ) -> BaselineRun:
    """Minimise the physics loss of every instance from ``family.initial_guess`` for ``iterations``.

    ``lr``: Adam's learning rate (default 1e-2), GD's multiple of ``1/lambda_max`` (default 1),
    L-BFGS's (default 1). ``target``: stop GD/Adam once the mean error is at most this (later
    rows repeat the last one).
    """
    check_choice("baseline", method, METHODS)
    if not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations must be an integer >= 0, got {iterations!r}")
    reference = family.reference(params) if reference is None else reference
    theta0 = family.initial_guess(params).detach()
    if method == "lbfgs":
        runs = [_lbfgs(family, params[b:b + 1], theta0[b:b + 1], reference[b:b + 1], iterations,
                       1.0 if lr is None else lr) for b in range(params.shape[0])]
        errors = np.concatenate([e for e, _ in runs], axis=1)
        return BaselineRun(method, errors, np.sum([s for _, s in runs], axis=0), dict(lr=1.0 if lr is None else lr))
    if method == "gd":
        scale = 1.0 if lr is None else lr
        rates = scale / largest_curvature(family, theta0, params)
        rows = [torch.nn.Parameter(theta0[b].clone()) for b in range(params.shape[0])]
        optimiser = torch.optim.SGD([dict(params=[r], lr=float(rate)) for r, rate in zip(rows, rates)])
        settings = dict(lr_over_lambda_max=scale, lr_median=float(rates.median()))
    else:
        rows = [torch.nn.Parameter(theta0.clone())]
        optimiser = torch.optim.Adam(rows, lr=1e-2 if lr is None else lr)
        settings = dict(lr=1e-2 if lr is None else lr)

    def current() -> torch.Tensor:
        return torch.stack(rows) if method == "gd" else rows[0]

    errors, seconds, elapsed = [_errors(family, current(), reference)], [0.0], 0.0
    for _ in range(iterations):
        start = time.perf_counter()
        optimiser.zero_grad(set_to_none=True)
        family.loss(current(), params).sum().backward()
        optimiser.step()
        elapsed += time.perf_counter() - start
        errors.append(_errors(family, current(), reference))
        seconds.append(elapsed)
        if target is not None and errors[-1].mean() <= target:
            break
    return BaselineRun(method, _pad(np.stack(errors), iterations), _pad(np.array(seconds), iterations), settings)


def _lbfgs(family, params, theta0, reference, iterations, lr) -> tuple[np.ndarray, np.ndarray]:
    theta = torch.nn.Parameter(theta0.clone())
    optimiser = torch.optim.LBFGS([theta], lr=lr, max_iter=1, max_eval=26, history_size=50,
                                  line_search_fn="strong_wolfe", tolerance_grad=0.0, tolerance_change=0.0)

    def closure():
        optimiser.zero_grad(set_to_none=True)
        loss = family.loss(theta, params).sum()
        loss.backward()
        return loss

    errors, seconds, elapsed, previous = [_errors(family, theta, reference)], [0.0], 0.0, None
    for _ in range(iterations):
        start = time.perf_counter()
        loss = float(optimiser.step(closure).detach())
        elapsed += time.perf_counter() - start
        errors.append(_errors(family, theta, reference))
        seconds.append(elapsed)
        if not np.isfinite(loss) or (previous is not None and abs(previous - loss) <= 1e-15 * abs(previous)):
            break  # converged (or broke down): nothing further changes
        previous = loss
    return _pad(np.stack(errors), iterations), _pad(np.array(seconds), iterations)


def _errors(family: Family, theta: torch.Tensor, reference: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return relative_l2(family.solution(theta.detach()), reference).numpy()


def _pad(values: np.ndarray, iterations: int) -> np.ndarray:
    """Repeat the last row up to ``iterations + 1`` rows (a stopped run stays where it stopped)."""
    if len(values) >= iterations + 1:
        return values
    return np.concatenate([values, np.repeat(values[-1:], iterations + 1 - len(values), axis=0)])


def steps_to_reach(run: BaselineRun, target: float) -> tuple[int | None, float | None]:
    """``(iterations, seconds)`` until the mean relative L2 over the instances is at most ``target``;
    ``(None, None)`` when the run never gets there."""
    hits = np.flatnonzero(run.mean_errors <= target)
    if hits.size == 0:
        return None, None
    return int(hits[0]), float(run.seconds[hits[0]])
