"""1-D linear advection in PDEBench's convention, with its exact solution by shifting."""
from __future__ import annotations

import torch

from pinnkit.conditions import InitialCondition, Periodic
from pinnkit.domain import Interval, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Advection, Equation
from pinnkit.problem import Problem
from pinnkit.reference.base import ExactReference

from ._common import check_positive, pdebench_u0


def advection_pde(beta: float) -> PDE:
    """u_t = -beta u_x; the advecting velocity is the constant beta."""
    return PDE(("u",), ("x",), (Equation("advection", lambda d: -beta * d["u_x"], ("u_x",), evolves="u"),),
               time="t", advection=Advection(lambda d: (torch.full_like(d["u"], beta),), ("u",), ("u",)))


def advection1d(beta: float = 0.1, t_final: float = 2.0, seed: int = 0) -> Problem:
    """1-D linear advection, PDEBench's 1D_Advection family (Takahashi et al., NeurIPS 2022).

    u_t + beta u_x = 0,  x in (0, 1) periodic,  t in [0, t_final],  beta = 0.1 by default;
    u0 drawn from PDEBench's 1-D distribution (two sine modes, see pinnkit.data.initial) with ``seed``.
    Reference: exact, u(x, t) = u0((x - beta t) mod 1).
    """
    check_positive(beta=beta, t_final=t_final)
    ic, u0 = pdebench_u0(seed)

    def exact(p: torch.Tensor) -> torch.Tensor:
        return ic(torch.remainder(p[:, :1] - beta * p[:, 1:2], 1.0))

    domain = SpaceTime(Interval(0.0, 1.0), TimeInterval(0.0, t_final))
    reference = ExactReference(domain.names, ("u",), exact, lambda: domain.axes((256, 101), ("x",)))
    return Problem("advection1d", advection_pde(beta), domain, (InitialCondition(("u",), u0), Periodic("x")),
                   dict(beta=beta, t_final=t_final, seed=seed), reference, advection1d.__doc__)
