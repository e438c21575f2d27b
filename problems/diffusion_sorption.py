"""1-D diffusion-sorption in PDEBench's convention, with a finite-volume method-of-lines reference."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from pinnkit.conditions import Dirichlet, InitialCondition
from pinnkit.domain import Interval, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Equation
from pinnkit.problem import Problem
from pinnkit.reference.base import FunctionReference, LazyReference, ReferenceGrid
from pinnkit.reference.bilinear import bilinear_xt
from pinnkit.reference.diffusion_sorption import CELLS, D, retardation, solve_diffusion_sorption

from ._common import check_positive

def diffusion_sorption_pde() -> PDE:
    """u_t = D / R(u) u_xx."""
    return PDE(("u",), ("x",), (Equation("diffusion_sorption", lambda d: D / retardation(d["u"], torch) * d["u_xx"],
                                         ("u", "u_xx"), evolves="u"),), time="t")


@lru_cache(maxsize=4)
def _reference_grid(u0: float, t_final: float, cells: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.linspace(0.0, t_final, 101)
    values, right = solve_diffusion_sorption(u0, t, cells)
    x = np.concatenate([[0.0], (np.arange(cells) + 0.5) / cells, [1.0]])
    full = np.concatenate([np.ones((len(t), 1)), values, right[:, None]], axis=1)
    full[0, 0] = 1.0
    return x, t, full


def diffusion_sorption1d(t_final: float = 500.0, u0: float = 0.0) -> Problem:
    """1-D diffusion-sorption, PDEBench's diff-sorp family (Takahashi et al., NeurIPS 2022).

    u_t = D / R(u) u_xx,  R(u) = 1 + ((1 - phi)/phi) rho_s k_f n_f (u + 1e-6)^(n_f - 1),
    D = 5e-4, phi = 0.29, rho_s = 2880, k_f = 3.5e-4, n_f = 0.874 (Freundlich sorption),
    x in (0, 1), t in [0, t_final], u(x, 0) = u0 (0 by default), u(0, t) = 1, and at x = 1 the
    outflow condition u = -D u_x. (PDEBench writes u(1, t) = D u_x(1, t); taken literally, with
    u_x = u / D = 2000 u, the problem has a boundary mode growing like e^{t / (D R)}, so the
    derivative there is read as taken inward, which is the well-posed outflow condition.)
    pinnkit's conditions have no Robin type yet: solvers get the equivalent Dirichlet data
    u(1, t) from the reference.
    Reference: cell-centred finite volumes (1024 cells, second order, ~1e-5) and implicit BDF in time
    (scipy, rtol 1e-10), 101 snapshots, bilinear between nodes.
    """
    check_positive(t_final=t_final)
    if not 0.0 <= u0 <= 1.0:
        raise ValueError(f"parameter u0 must be in [0, 1], got {u0!r}")
    domain = SpaceTime(Interval(0.0, 1.0), TimeInterval(0.0, t_final))

    def build() -> FunctionReference:
        x, t, values = _reference_grid(float(u0), float(t_final), CELLS)
        grid = ReferenceGrid(domain.names, (x[1:-1], t), values[:, 1:-1].T[..., None], ("u",))
        return FunctionReference(domain.names, ("u",), bilinear_xt(x, t, values.T), grid)

    reference = LazyReference(domain.names, ("u",), build)

    def initial(x: torch.Tensor) -> torch.Tensor:
        return torch.full_like(x[:, :1], float(u0))

    def left(p: torch.Tensor) -> torch.Tensor:
        return torch.ones_like(p[:, :1])

    def right(p: torch.Tensor) -> torch.Tensor:
        return reference(p)

    conditions = (InitialCondition(("u",), initial), Dirichlet(("u",), left, ("x_min",)),
                  Dirichlet(("u",), right, ("x_max",)))
    return Problem("diffusion_sorption1d", diffusion_sorption_pde(), domain, conditions, dict(t_final=t_final, u0=u0),
                   reference, diffusion_sorption1d.__doc__)
