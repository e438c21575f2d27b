"""Poisson equation -Laplace(u) = f with manufactured exact solutions."""
from __future__ import annotations

import math

import torch

from pinnkit.conditions import Dirichlet, zeros
from pinnkit.domain import Box, Interval
from pinnkit.pde import PDE, Equation
from pinnkit.problem import Problem
from pinnkit.reference.base import ExactReference

from ._common import check_positive


def _poisson_pde(space: tuple[str, ...], forcing) -> PDE:
    lap = tuple(f"u_{c}{c}" for c in space)
    eq = Equation("poisson", lambda d: -sum(d[k] for k in lap) - forcing(d), lap + space)
    return PDE(("u",), space, (eq,))


def poisson1d(k: int = 1) -> Problem:
    """1-D Poisson problem, the loss-landscape test case (Wu et al., roughness index).

    -u_xx = (k pi)^2 sin(k pi x),  x in [0, 1],  u(0) = u(1) = 0;  exact u = sin(k pi x).
    """
    if not (isinstance(k, int) and k >= 1):
        raise ValueError(f"parameter k must be an integer >= 1, got {k!r}")
    w = k * math.pi

    def exact(p: torch.Tensor) -> torch.Tensor:
        return torch.sin(w * p[:, 0:1])

    pde = _poisson_pde(("x",), lambda d: w**2 * torch.sin(w * d["x"]))
    domain = Interval(0.0, 1.0)
    reference = ExactReference(domain.names, ("u",), exact, lambda: tuple(domain.axes(1001)))
    return Problem("poisson1d", pde, domain, (Dirichlet(("u",), zeros(1)),), dict(k=k), reference,
                   poisson1d.__doc__)


def poisson2d(k: int = 1, length: float = 1.0) -> Problem:
    """2-D Poisson problem on a square with a product-of-sines solution.

    -(u_xx + u_yy) = 2 (k pi / L)^2 sin(k pi x / L) sin(k pi y / L) on [0, L]^2, u = 0 on the
    boundary; exact u = sin(k pi x / L) sin(k pi y / L) (a standard manufactured solution,
    e.g. the DeepXDE Poisson examples, Lu et al. SIAM Rev. 2021).
    """
    if not (isinstance(k, int) and k >= 1):
        raise ValueError(f"parameter k must be an integer >= 1, got {k!r}")
    check_positive(length=length)
    w = k * math.pi / length

    def exact(p: torch.Tensor) -> torch.Tensor:
        return (torch.sin(w * p[:, 0]) * torch.sin(w * p[:, 1]))[:, None]

    pde = _poisson_pde(("x", "y"), lambda d: 2 * w**2 * torch.sin(w * d["x"]) * torch.sin(w * d["y"]))
    domain = Box((0.0, 0.0), (length, length))
    reference = ExactReference(domain.names, ("u",), exact, lambda: tuple(domain.axes(101)))
    return Problem("poisson2d", pde, domain, (Dirichlet(("u",), zeros(1)),), dict(k=k, length=length),
                   reference, poisson2d.__doc__)
