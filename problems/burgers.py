"""Viscous Burgers equation: 1-D with the exact Cole-Hopf solution, 2-D periodic (spectral)."""
from __future__ import annotations

import math

import torch

from pinnkit.conditions import Dirichlet, InitialCondition, Periodic, zeros
from pinnkit.domain import Box, Interval, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Advection, Equation
from pinnkit.problem import Problem
from pinnkit.reference.base import FunctionReference, LazyReference, ReferenceGrid
from pinnkit.reference.cole_hopf import burgers_sine_cole_hopf, burgers_sine_cole_hopf_grid
from pinnkit.reference.periodic import spectral_reference
from pinnkit.reference.spectral import burgers_terms

from ._common import check_positive
from .heat import heat2d_initial


def burgers_pde(space: tuple[str, ...], nu: float) -> PDE:
    """u_t = -u sum_i u_{x_i} + nu Lap(u); advecting velocity a_i = u along every axis."""
    grad = tuple(f"u_{c}" for c in space)
    lap = tuple(f"u_{c}{c}" for c in space)

    def rhs(d):
        return -d["u"] * sum(d[k] for k in grad) + nu * sum(d[k] for k in lap)

    advection = Advection(lambda d: tuple(d["u"] for _ in space), ("u",), ("u",))
    return PDE(("u",), space, (Equation("burgers", rhs, ("u",) + grad + lap, evolves="u"),), time="t",
               advection=advection)


def _cole_hopf_reference(domain, nu: float) -> FunctionReference:
    x, t = domain.axes((256, 101))
    values = burgers_sine_cole_hopf_grid(x, t, nu=nu)[..., None]
    grid = ReferenceGrid(domain.names, (x, t), values, ("u",))
    return FunctionReference(domain.names, ("u",), lambda p: burgers_sine_cole_hopf(p[:, 0], p[:, 1], nu=nu)[:, None],
                             grid)


def burgers1d(nu: float = 0.01 / math.pi, t_final: float = 1.0) -> Problem:
    """1-D viscous Burgers with a steepening shock (Raissi, Perdikaris & Karniadakis, JCP 2019).

    u_t + u u_x = nu u_xx,  x in [-1, 1],  t in [0, t_final],  u(x, 0) = -sin(pi x),
    u(-1, t) = u(1, t) = 0,  nu = 0.01 / pi by default.
    Reference: the exact Cole-Hopf solution by Gauss-Hermite quadrature (Basdevant et al.,
    Computers & Fluids 14, 1986); agrees with the published Chebfun data to ~1e-12.
    """
    check_positive(nu=nu, t_final=t_final)

    def u0(x: torch.Tensor) -> torch.Tensor:
        return -torch.sin(math.pi * x)

    domain = SpaceTime(Interval(-1.0, 1.0), TimeInterval(0.0, t_final))
    reference = LazyReference(domain.names, ("u",), lambda: _cole_hopf_reference(domain, nu))
    conditions = (InitialCondition(("u",), u0), Dirichlet(("u",), zeros(1)))
    return Problem("burgers1d", burgers_pde(("x",), nu), domain, conditions, dict(nu=nu, t_final=t_final),
                   reference, burgers1d.__doc__)


def burgers2d(nu: float = 0.01, t_final: float = 4.0) -> Problem:
    """2-D viscous Burgers on the periodic square, the TENG benchmark (Chen et al., ICML 2024).

    u_t + u (u_x + u_y) = nu (u_xx + u_yy),  (x, y) in [0, 2 pi)^2 periodic,  t in [0, t_final],
    u0 = 0.04 cosh(3 sin x) sinh(sin y),  nu = 0.01 by default.
    Reference: Fourier pseudo-spectral (2/3-rule dealiasing) with ETDRK4 time stepping
    (Kassam & Trefethen, SIAM J. Sci. Comput. 26, 2005), 384^2 modes, dt = 0.004: ~4e-9 relative
    at the stored snapshots (every 0.05, the default evaluation grid), ~1e-6 between them
    (cubic Hermite in time).
    """
    check_positive(nu=nu, t_final=t_final)
    domain = SpaceTime(Box((0.0, 0.0), (2 * math.pi, 2 * math.pi)), TimeInterval(0.0, t_final))
    reference = spectral_reference("burgers2d", dict(nu=nu, t_final=t_final), domain, heat2d_initial,
                                   burgers_terms(nu),
                                   n=BURGERS2D_MODES, dt=BURGERS2D_DT, n_snapshots=int(round(20 * t_final)) + 1,
                                   eval_stride=BURGERS2D_MODES // 64)
    conditions = (InitialCondition(("u",), heat2d_initial), Periodic("x"), Periodic("y"))
    return Problem("burgers2d", burgers_pde(("x", "y"), nu), domain, conditions, dict(nu=nu, t_final=t_final),
                   reference, burgers2d.__doc__)


BURGERS2D_MODES = 384  # ~4e-9 in space (vs 1024 modes) over t in [0, 4]
BURGERS2D_DT = 0.004  # ~7e-10 in time
