"""Heat equation u_t = nu Laplace(u): 1-D (periodic or Dirichlet) and the 2-D TENG benchmark."""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy.special import iv

from pinnkit.conditions import Dirichlet, InitialCondition, Periodic, zeros
from pinnkit.domain import Box, Interval, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Equation
from pinnkit.problem import Problem
from pinnkit.reference.base import ExactReference

from ._common import check_positive, check_choice_param, periodic_axes

TWO_PI = 2 * math.pi


def _heat_pde(space: tuple[str, ...], nu: float) -> PDE:
    lap = tuple(f"u_{c}{c}" for c in space)
    return PDE(("u",), space, (Equation("heat", lambda d: nu * sum(d[k] for k in lap), lap, evolves="u"),), time="t")


def heat1d(nu: float = 0.1, t_final: float = 2.0, bc: str = "periodic") -> Problem:
    """1-D heat equation with an exact Fourier solution.

    u_t = nu u_xx,  x in [0, 2 pi],  t in [0, t_final].

    * ``bc="periodic"`` (default): periodic in x, u0 = sin(x) + 0.5 cos(3x),
      u = e^{-nu t} sin(x) + 0.5 e^{-9 nu t} cos(3x).
    * ``bc="dirichlet"``: u(0, t) = u(2 pi, t) = 0, u0 = sin(x) + 0.5 sin(3x),
      u = e^{-nu t} sin(x) + 0.5 e^{-9 nu t} sin(3x).

    Reference: separation of variables (e.g. Evans, *Partial Differential Equations*, 2.3).
    """
    check_positive(nu=nu, t_final=t_final)
    check_choice_param("bc", bc, ("periodic", "dirichlet"))
    third = torch.cos if bc == "periodic" else torch.sin

    def exact(p: torch.Tensor) -> torch.Tensor:
        x, t = p[:, 0], p[:, 1]
        return (torch.exp(-nu * t) * torch.sin(x) + 0.5 * torch.exp(-9 * nu * t) * third(3 * x))[:, None]

    def u0(x: torch.Tensor) -> torch.Tensor:
        return (torch.sin(x[:, 0]) + 0.5 * third(3 * x[:, 0]))[:, None]

    domain = SpaceTime(Interval(0.0, TWO_PI), TimeInterval(0.0, t_final))
    boundary = Periodic("x") if bc == "periodic" else Dirichlet(("u",), zeros(1))
    periodic = ("x",) if bc == "periodic" else ()
    reference = ExactReference(domain.names, ("u",), exact, lambda: domain.axes((256, 101), periodic))
    return Problem("heat1d", _heat_pde(("x",), nu), domain, (InitialCondition(("u",), u0), boundary),
                   dict(nu=nu, t_final=t_final, bc=bc), reference, heat1d.__doc__)


def _bessel_series(n_terms: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fourier coefficients of cosh(3 sin x) (cosines) and sinh(sin y) (sines).

    cosh(z sin x) = I_0(z) + 2 sum_{m>=1} (-1)^m I_{2m}(z) cos(2 m x),
    sinh(z sin y) = 2 sum_{m>=0} (-1)^m I_{2m+1}(z) sin((2m+1) y)   (Abramowitz & Stegun 9.6.34-35).
    """
    m = np.arange(n_terms)
    kc = 2 * m
    cc = np.where(m == 0, iv(0, 3.0), 2 * (-1.0) ** m * iv(2 * m, 3.0))
    ks = 2 * m + 1
    cs = 2 * (-1.0) ** m * iv(2 * m + 1, 1.0)
    return kc, cc, ks, cs


def heat2d_initial(x: torch.Tensor) -> torch.Tensor:
    """u0 = 0.04 cosh(3 sin x) sinh(sin y), the TENG benchmark initial condition."""
    return (0.04 * torch.cosh(3 * torch.sin(x[:, 0])) * torch.sinh(torch.sin(x[:, 1])))[:, None]


def heat2d(nu: float = 0.1, t_final: float = 4.0) -> Problem:
    """2-D heat equation on the periodic square, the TENG benchmark (Chen et al., ICML 2024).

    u_t = nu (u_xx + u_yy),  (x, y) in [0, 2 pi)^2 periodic,  t in [0, t_final],
    u0 = 0.04 cosh(3 sin x) sinh(sin y).

    Exact solution: u0 is separable with Bessel-function Fourier coefficients (A&S 9.6.34-35),
    u = 0.04 [sum_k c_k e^{-nu k^2 t} cos(k x)] [sum_l s_l e^{-nu l^2 t} sin(l y)],
    summed to machine precision (40 terms each).
    """
    check_positive(nu=nu, t_final=t_final)
    kc, cc, ks, cs = (torch.as_tensor(a, dtype=torch.float64) for a in _bessel_series())

    def exact(p: torch.Tensor) -> torch.Tensor:
        x, y, t = p[:, 0:1], p[:, 1:2], p[:, 2:3]
        k1, c1, k2, c2 = (a.to(p) for a in (kc, cc, ks, cs))
        fx = (c1 * torch.exp(-nu * k1**2 * t) * torch.cos(k1 * x)).sum(dim=1)
        fy = (c2 * torch.exp(-nu * k2**2 * t) * torch.sin(k2 * y)).sum(dim=1)
        return (0.04 * fx * fy)[:, None]

    domain = SpaceTime(Box((0.0, 0.0), (TWO_PI, TWO_PI)), TimeInterval(0.0, t_final))
    reference = ExactReference(domain.names, ("u",), exact, lambda: periodic_axes(domain, 64, 41))
    conditions = (InitialCondition(("u",), heat2d_initial), Periodic("x"), Periodic("y"))
    return Problem("heat2d", _heat_pde(("x", "y"), nu), domain, conditions,
                   dict(nu=nu, t_final=t_final), reference, heat2d.__doc__)
