"""Columns of the output Jacobian d u(x_n) / d theta_p for a parameter subset (TENG's J_S).

TENG needs J_S = du/dtheta_S at every grid point for a random subset S of the parameters
(|S| ~ 1000 of ~10^4). The shared kernel :func:`pinnkit.autodiff.parameter_jacobian` builds
them (``columns=``) from one forward pass and one backward pass; the linear Fourier-series
ansatz is its own Jacobian (the basis). Columns follow ``module.named_parameters()`` (trainable
ones), as :func:`pinnkit.autodiff.jacobian.flat_parameters` does.
"""
from __future__ import annotations

import torch
from torch import nn

from pinnkit.autodiff import parameter_jacobian
from pinnkit.solvers.teng.ansatz import FourierSeries

__all__ = ["JACOBIAN_METHODS", "output_jacobian"]

JACOBIAN_METHODS = ("auto", "forward", "func")


def output_jacobian(module: nn.Module, points: torch.Tensor, index: torch.Tensor | None = None,
                    method: str = "auto") -> torch.Tensor:
    """``J[n * m + k, s] = d u_k(x_n) / d theta_{index[s]}``: shape ``(N m, S)`` (all P columns without ``index``).

    ``method``: ``"auto"`` (the basis for a Fourier series, else the shared forward kernel),
    ``"forward"`` (the shared forward kernel) or ``"func"`` (vmap(jacrev), the generic oracle).
    """
    if method == "auto" and isinstance(module, FourierSeries) and module.coefficients.requires_grad:
        basis = module.basis(points).detach()
        return basis if index is None else basis[:, index]
    kernel = "func" if method == "func" else "auto"
    J = parameter_jacobian(module, points, module.coords, module.fields, columns=index, method=kernel).detach()
    return J.reshape(-1, J.shape[-1])
