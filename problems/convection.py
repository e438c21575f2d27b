"""1-D convection (-diffusion) of sin x, the PINN failure-mode benchmark, with its exact solution."""
from __future__ import annotations

import math

import torch

from pinnkit.conditions import InitialCondition, Periodic
from pinnkit.domain import Interval, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Advection, Equation
from pinnkit.problem import Problem
from pinnkit.reference.base import ExactReference

from ._common import check_nonnegative, check_positive

TWO_PI = 2 * math.pi


def convection_pde(beta: float, nu: float) -> PDE:
    """u_t = -beta u_x + nu u_xx (u_xx only read when nu > 0); the advecting velocity is beta."""
    if nu == 0:
        equation = Equation("convection", lambda d: -beta * d["u_x"], ("u_x",), evolves="u")
    else:
        equation = Equation("convection", lambda d: -beta * d["u_x"] + nu * d["u_xx"], ("u_x", "u_xx"),
                            evolves="u")
    return PDE(("u",), ("x",), (equation,), time="t",
               advection=Advection(lambda d: (torch.full_like(d["u"], beta),), ("u",), ("u",)))


def convection1d(beta: float = 30.0, nu: float = 0.0, t_final: float = 1.0) -> Problem:
    """1-D convection(-diffusion), the PINN failure-mode benchmark (Krishnapriyan et al., NeurIPS 2021).

    u_t + beta u_x = nu u_xx,  x in [0, 2 pi) periodic,  t in [0, t_final],  u0 = sin x,
    beta = 30 and nu = 0 (pure convection) by default, the paper's failing case for a plain PINN.
    Reference: exact, u(x, t) = e^{-nu t} sin(x - beta t) (exact to rounding).
    Krishnapriyan, Gholami, Zhe, Kirby & Mahoney, "Characterizing possible failure modes in
    physics-informed neural networks", NeurIPS 2021.
    """
    check_positive(beta=beta)
    check_nonnegative(nu=nu)
    check_positive(t_final=t_final)

    def exact(p: torch.Tensor) -> torch.Tensor:
        x, t = p[:, 0], p[:, 1]
        return (torch.exp(-nu * t) * torch.sin(x - beta * t))[:, None]

    def u0(x: torch.Tensor) -> torch.Tensor:
        return torch.sin(x[:, :1])

    domain = SpaceTime(Interval(0.0, TWO_PI), TimeInterval(0.0, t_final))
    reference = ExactReference(domain.names, ("u",), exact, lambda: domain.axes((256, 101), ("x",)))
    return Problem("convection1d", convection_pde(beta, nu), domain,
                   (InitialCondition(("u",), u0), Periodic("x")),
                   dict(beta=beta, nu=nu, t_final=t_final), reference, convection1d.__doc__)
