"""Allen-Cahn reaction-diffusion: u_t = eps Lap(u) + rate (u - u^3), periodic (spectral references)."""
from __future__ import annotations

import math

import torch

from pinnkit.conditions import InitialCondition, Periodic
from pinnkit.domain import Box, Interval, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Equation
from pinnkit.problem import Problem
from pinnkit.reference.periodic import spectral_reference
from pinnkit.reference.spectral import allen_cahn_terms

from ._common import check_positive
from .heat import heat2d_initial


def _allen_cahn_pde(space: tuple[str, ...], eps: float, rate: float) -> PDE:
    lap = tuple(f"u_{c}{c}" for c in space)

    def rhs(d):
        return eps * sum(d[k] for k in lap) + rate * (d["u"] - d["u"] ** 3)

    return PDE(("u",), space, (Equation("allen_cahn", rhs, ("u",) + lap, evolves="u"),), time="t")


def allen_cahn1d(eps: float = 1e-4, rate: float = 5.0, t_final: float = 1.0) -> Problem:
    """1-D Allen-Cahn with sharp interfaces (Raissi, Perdikaris & Karniadakis, JCP 2019).

    u_t = eps u_xx + rate (u - u^3),  x in [-1, 1) periodic,  t in [0, t_final],
    u0 = x^2 cos(pi x);  eps = 1e-4, rate = 5 by default.
    Reference: Fourier ETDRK4, 4096 modes, dt = 1e-4 (Kassam & Trefethen, SIAM J. Sci. Comput.
    26, 2005), evaluated on every 8th point (the 512-point grid of the published Chebfun data,
    AC.mat). u0 has a kink at the periodic boundary (u0_x = -+2 at x = +-1), so a 512-point solve
    (which is what AC.mat holds: ours agrees with it to ~1e-11) is only O(n^-2) accurate while
    diffusion smooths the corner: against 8192 modes it is off by 1.0e-4 at t = 0.005, 5.1e-5 at
    t = 0.05, 1.9e-7 at t = 1 (eps = 0.005, rate = 1: 5.9e-5, 3.0e-5, 2.4e-6); 4096 modes: <= 2.7e-6
    at every snapshot, 1.7e-7 over all of them (7e-7 and 1.5e-7 at eps = 0.005).
    """
    check_positive(eps=eps, rate=rate, t_final=t_final)

    def u0(x: torch.Tensor) -> torch.Tensor:
        return x**2 * torch.cos(math.pi * x)

    domain = SpaceTime(Interval(-1.0, 1.0), TimeInterval(0.0, t_final))
    reference = spectral_reference("allen_cahn1d", dict(eps=eps, rate=rate, t_final=t_final), domain, u0,
                                   allen_cahn_terms(eps, rate, rate),
                                   n=AC1D_MODES, dt=1e-4, n_snapshots=int(round(200 * t_final)) + 1,
                                   eval_stride=AC1D_MODES // 512)
    conditions = (InitialCondition(("u",), u0), Periodic("x"))
    return Problem("allen_cahn1d", _allen_cahn_pde(("x",), eps, rate), domain, conditions,
                   dict(eps=eps, rate=rate, t_final=t_final), reference, allen_cahn1d.__doc__)


def allen_cahn2d(eps: float = 0.005, rate: float = 1.0, t_final: float = 4.0) -> Problem:
    """2-D Allen-Cahn on the periodic square, the TENG benchmark (Chen et al., ICML 2024).

    u_t = eps (u_xx + u_yy) + rate (u - u^3),  (x, y) in [0, 2 pi)^2 periodic,  t in [0, t_final],
    u0 = 0.04 cosh(3 sin x) sinh(sin y);  eps = 0.005, rate = 1 by default.
    Reference: Fourier ETDRK4 (Kassam & Trefethen, SIAM J. Sci. Comput. 26, 2005), 256^2 modes,
    dt = 0.01: ~3e-10 relative at the snapshots (every 0.025) and ~1.5e-9 between them
    (cubic Hermite in time).
    """
    check_positive(eps=eps, rate=rate, t_final=t_final)
    domain = SpaceTime(Box((0.0, 0.0), (2 * math.pi, 2 * math.pi)), TimeInterval(0.0, t_final))
    reference = spectral_reference("allen_cahn2d", dict(eps=eps, rate=rate, t_final=t_final), domain,
                                   heat2d_initial, allen_cahn_terms(eps, rate, rate),
                                   n=AC2D_MODES, dt=AC2D_DT, n_snapshots=int(round(40 * t_final)) + 1,
                                   eval_stride=AC2D_MODES // 64)
    conditions = (InitialCondition(("u",), heat2d_initial), Periodic("x"), Periodic("y"))
    return Problem("allen_cahn2d", _allen_cahn_pde(("x", "y"), eps, rate), domain, conditions,
                   dict(eps=eps, rate=rate, t_final=t_final), reference, allen_cahn2d.__doc__)


AC1D_MODES = 4096  # the kinked u0 converges as n^-2 (512 modes: 1e-4 at t = 0.005); see allen_cahn1d
AC2D_MODES = 256  # ~4e-12 in space (vs 512 modes)
AC2D_DT = 0.01  # ~2.4e-10 in time (vs dt = 0.00125) over t in [0, 4]
