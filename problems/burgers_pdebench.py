"""1-D viscous Burgers in PDEBench's convention (periodic, viscosity nu / pi), Fourier ETDRK4 reference."""
from __future__ import annotations

import math

from pinnkit.conditions import InitialCondition, Periodic
from pinnkit.domain import Interval, SpaceTime, TimeInterval
from pinnkit.problem import Problem
from pinnkit.reference.periodic import spectral_reference
from pinnkit.reference.spectral import burgers_terms

from ._common import check_positive, pdebench_u0
from .burgers import burgers_pde

MODES = 4096  # as pinnkit.bench.generate: 4096 vs 8192 modes, dt 1e-4 vs 5e-5 agree to 5e-11 at nu = 0.01
DT = 1e-4


def burgers1d_pdebench(nu: float = 0.01, t_final: float = 2.0, seed: int = 0) -> Problem:
    """1-D viscous Burgers, PDEBench's 1D_Burgers family (Takahashi et al., NeurIPS 2022).

    u_t + (u^2 / 2)_x = (nu / pi) u_xx,  x in (0, 1) periodic,  t in [0, t_final],  nu = 0.01 by
    default; u0 drawn from PDEBench's 1-D distribution (two sine modes, see pinnkit.data.initial)
    with ``seed``. Reference: Fourier pseudo-spectral, ETDRK4 (Kassam & Trefethen, SIAM J. Sci.
    Comput. 26, 2005), 4096 modes, dt = 1e-4, the solver of ``pinnkit data generate burgers``
    (datasets/README.md: 5e-11 against 8192 modes / dt 5e-5 at nu = 0.01); snapshots every 0.01,
    evaluation grid every 4th mode (1024 points, PDEBench's resolution).
    """
    check_positive(nu=nu, t_final=t_final)
    _, u0 = pdebench_u0(seed)

    domain = SpaceTime(Interval(0.0, 1.0), TimeInterval(0.0, t_final))
    params = dict(nu=nu, t_final=t_final, seed=seed)
    reference = spectral_reference("burgers1d_pdebench", params, domain, u0, burgers_terms(nu / math.pi),
                                   n=MODES, dt=DT, n_snapshots=int(round(100 * t_final)) + 1, eval_stride=4)
    return Problem("burgers1d_pdebench", burgers_pde(("x",), nu / math.pi), domain,
                   (InitialCondition(("u",), u0), Periodic("x")), params, reference, burgers1d_pdebench.__doc__)
