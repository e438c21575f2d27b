"""Variable-coefficient Poisson (diffusion) -div(k grad u) = f on the unit square with a manufactured
exact solution: the problem the finite-element solver ``pcg`` discretises (P1 on a jittered mesh,
:mod:`pinnkit.linsys.problem_fem`), and that the PINN can solve as well.

Everything is closed-form torch code with analytic derivatives:

    log k(x, y) = s (g(x, y) - c),   g = sum_j a_j cos(pi (p_j x + q_j y)) + b_j sin(pi (p_j x + q_j y)),

over the modes 0 <= p <= 3, -3 <= q <= 3 (one of each +-(p, q) pair, no constant), a_j, b_j ~ N(0, 1)
(1 + p^2 + q^2)^-1 from ``seed``; s and c put max k / min k = ``contrast`` with the geometric mean
of the extremes at 1 (max and min of g measured on a 201 x 201 grid).  The exact solution

    u*(x, y) = sin(pi x) sin(pi y) + v(x, y),

v a seeded smooth part of the same form (modes |p|, |q| <= 2, |v| <= 1/2) that does not vanish on the
boundary, so the Dirichlet data g = u* on the boundary are not zero; f = -div(k grad u*)
= -(k (u*_xx + u*_yy) + k_x u*_x + k_y u*_y).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from pinnkit.conditions import Dirichlet
from pinnkit.domain import Box
from pinnkit.pde import PDE, Equation
from pinnkit.problem import Problem
from pinnkit.reference.base import ExactReference

__all__ = ["poisson2d_fem", "DiffusionCase", "diffusion_case", "FourierModes"]

COEFFICIENT_MODES = 3  # |p|, |q| <= 3 in log k
SOLUTION_MODES = 2  # |p|, |q| <= 2 in the smooth part of u*
SMOOTH_AMPLITUDE = 0.5  # |v| <= 1/2
CONTRAST_GRID = 201  # points per side on which max g and min g are measured


@dataclass(frozen=True)
class FourierModes:
    """g(x, y) = sum_j a_j cos(pi (p_j x + q_j y)) + b_j sin(pi (p_j x + q_j y)) and its derivatives."""

    p: torch.Tensor  # (J,) float64
    q: torch.Tensor
    a: torch.Tensor
    b: torch.Tensor

    @classmethod
    def draw(cls, rng: np.random.Generator, modes: int, decay: float) -> FourierModes:
        p, q = np.meshgrid(np.arange(modes + 1), np.arange(-modes, modes + 1), indexing="ij")
        keep = (p > 0) | (q > 0)
        p, q = p[keep].astype(float), q[keep].astype(float)
        lam = (1.0 + p**2 + q**2) ** (-decay / 2.0)
        a, b = lam * rng.standard_normal(p.size), lam * rng.standard_normal(p.size)
        return cls(*(torch.from_numpy(np.ascontiguousarray(v)) for v in (p, q, a, b)))

    @property
    def bound(self) -> float:
        """max |g| <= sum_j sqrt(a_j^2 + b_j^2)."""
        return float(torch.sqrt(self.a**2 + self.b**2).sum())

    def scaled(self, factor: float) -> FourierModes:
        return FourierModes(self.p, self.q, self.a * factor, self.b * factor)

    def jet(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(g, g_x, g_y, g_xx, g_yy) at points of any (equal) shape, in x's dtype."""
        p, q, a, b = self.p, self.q, self.a, self.b
        wp, wq = math.pi * p, math.pi * q
        # each output is cos(theta) . C[:, i] + sin(theta) . S[:, i]: two matrix products for all five
        C = torch.stack([a, wp * b, wq * b, -wp**2 * a, -wq**2 * a], dim=1).to(device=x.device, dtype=x.dtype)
        S = torch.stack([b, -wp * a, -wq * a, -wp**2 * b, -wq**2 * b], dim=1).to(device=x.device, dtype=x.dtype)
        theta = x[..., None] * wp.to(x) + y[..., None] * wq.to(x)
        out = torch.cos(theta) @ C + torch.sin(theta) @ S
        return tuple(out[..., i] for i in range(5))


@dataclass(frozen=True)
class DiffusionCase:
    """k, u* and f of :func:`poisson2d_fem` for one (seed, contrast): torch functions of x, y tensors
    of any equal shape (the module docstring gives the formulas)."""

    log_k: FourierModes
    scale: float  # s
    centre: float  # c
    smooth: FourierModes  # v
    seed: int
    contrast: float

    def kappa(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.kappa_gradient(x, y)[0]

    def kappa_gradient(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(k, k_x, k_y)."""
        g, g_x, g_y, _, _ = self.log_k.jet(x, y)
        k = torch.exp(self.scale * (g - self.centre))
        return k, self.scale * k * g_x, self.scale * k * g_y

    def exact_jet(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(u*, u*_x, u*_y, u*_xx, u*_yy)."""
        v, v_x, v_y, v_xx, v_yy = self.smooth.jet(x, y)
        sx, sy = torch.sin(math.pi * x), torch.sin(math.pi * y)
        cx, cy = torch.cos(math.pi * x), torch.cos(math.pi * y)
        pi2 = math.pi**2
        return (sx * sy + v, math.pi * cx * sy + v_x, math.pi * sx * cy + v_y, -pi2 * sx * sy + v_xx,
                -pi2 * sx * sy + v_yy)

    def exact(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.exact_jet(x, y)[0]

    def source(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """f = -div(k grad u*)."""
        k, k_x, k_y = self.kappa_gradient(x, y)
        _, u_x, u_y, u_xx, u_yy = self.exact_jet(x, y)
        return -(k * (u_xx + u_yy) + k_x * u_x + k_y * u_y)

    def exact_points(self, points: torch.Tensor) -> torch.Tensor:
        """u* at points (N, 2) -> (N, 1)."""
        return self.exact(points[:, 0], points[:, 1])[:, None]


def diffusion_case(seed: int = 0, contrast: float = 100.0) -> DiffusionCase:
    """The coefficient, exact solution and source of :func:`poisson2d_fem` (checks the parameters)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"parameter seed must be an integer >= 0, got {seed!r}")
    if not (isinstance(contrast, (int, float)) and not isinstance(contrast, bool) and math.isfinite(contrast)
            and contrast >= 1):
        raise ValueError(f"parameter contrast must be a finite number >= 1 (max k / min k), got {contrast!r}")
    rng = np.random.default_rng(seed)
    log_k = FourierModes.draw(rng, COEFFICIENT_MODES, decay=2.0)
    smooth = FourierModes.draw(rng, SOLUTION_MODES, decay=3.0)
    smooth = smooth.scaled(SMOOTH_AMPLITUDE / smooth.bound)
    axis = torch.linspace(0.0, 1.0, CONTRAST_GRID, dtype=torch.float64)
    g = log_k.jet(*torch.meshgrid(axis, axis, indexing="ij"))[0]
    g_max, g_min = float(g.max()), float(g.min())
    scale = math.log(contrast) / (g_max - g_min)
    return DiffusionCase(log_k, scale, 0.5 * (g_max + g_min), smooth, seed, float(contrast))


def poisson2d_fem(seed: int = 0, contrast: float = 100.0) -> Problem:
    """2-D variable-coefficient Poisson -div(k grad u) = f, the finite-element (``pcg``) test case.

    On the unit square, u = g on the boundary; k a smooth seeded log-normal-like coefficient,
    k = exp(s (g_k - c)) with g_k a random Fourier series (modes |p|, |q| <= 3, amplitudes
    (1 + p^2 + q^2)^-1), scaled so that max k / min k = ``contrast`` (100 by default: IC(0) and
    Jacobi then help, AMG most). Exact solution u* = sin(pi x) sin(pi y) + v, v a seeded smooth
    part (|v| <= 1/2, nonzero on the boundary); f = -div(k grad u*) and g = u* in closed form.
    Reference: u* itself on a 101 x 101 grid. ``pinnkit.solve("poisson2d_fem", solver="pcg")``
    solves its P1 finite-element discretisation by preconditioned CG; the PINN solves the PDE
    as written (derivatives u_x, u_y, u_xx, u_yy).
    """
    case = diffusion_case(seed, contrast)

    def equation(d):
        k, k_x, k_y = case.kappa_gradient(d["x"], d["y"])
        return -(k * (d["u_xx"] + d["u_yy"]) + k_x * d["u_x"] + k_y * d["u_y"]) - case.source(d["x"], d["y"])

    pde = PDE(("u",), ("x", "y"), (Equation("diffusion", equation, ("u_x", "u_y", "u_xx", "u_yy", "x", "y")),))
    domain = Box((0.0, 0.0), (1.0, 1.0))
    reference = ExactReference(domain.names, ("u",), case.exact_points, lambda: tuple(domain.axes(101)))
    return Problem("poisson2d_fem", pde, domain, (Dirichlet(("u",), case.exact_points),),
                   dict(seed=seed, contrast=contrast), reference, poisson2d_fem.__doc__)
