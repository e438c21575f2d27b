"""The LPINN loss: weighted norms of the characteristic and state residuals and of the initial misfit.

    L = w_x |r_x| + w_u |r_u| + w_ic |(u(x0, t0) - u0(x0), x_L(x0, t0) - x0)|

with |.| the mean square (``norm="mean_square"``) or its root (``"rms"``, the paper's unsquared
norm); the x_L term only when the initial position is not built into the network.
"""
from __future__ import annotations

from typing import Mapping

import torch

from pinnkit.problem import Problem
from pinnkit.solvers.lpinn.residuals import residuals

__all__ = ["norm_of", "loss_terms", "weighted_total"]


def norm_of(squares: torch.Tensor, norm: str) -> torch.Tensor:
    """Mean of ``squares``, or its square root for ``norm="rms"``."""
    mean = squares.mean()
    return mean.sqrt() if norm == "rms" else mean


def loss_terms(problem: Problem, model, points: torch.Tensor, initial_points: torch.Tensor | None,
               initial_target: torch.Tensor | None, config, method: str = "auto") -> dict[str, torch.Tensor]:
    """``{"residual": |r_u|, "characteristic": |r_x|, "initial": ...}`` at label-time ``points``;
    ``config`` supplies ``diffusion``, ``norm`` and ``exact_characteristic``."""
    r = residuals(problem, model, points, config.diffusion, method, config.jacobian_floor, config.residual_form)
    terms = {"residual": norm_of(r.state ** 2, config.norm),
             "characteristic": norm_of(r.characteristic ** 2, config.norm)}
    misfits = []
    if initial_points is not None and (initial_target is not None or not config.exact_characteristic):
        u, x = model.lagrangian(initial_points)
        if initial_target is not None:
            misfits.append((u - initial_target.reshape(-1)) ** 2)
        if not config.exact_characteristic:
            misfits.append((x - initial_points[:, 0]) ** 2)
    if misfits:
        terms["initial"] = norm_of(torch.cat(misfits), config.norm)
    return terms


def weighted_total(terms: Mapping[str, torch.Tensor], weights: Mapping[str, float]) -> torch.Tensor:
    return sum(weights[name] * value for name, value in terms.items())
