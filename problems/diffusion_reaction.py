"""1-D reaction-diffusion (Fisher-KPP) in PDEBench's convention, with a Fourier ETDRK4 reference."""
from __future__ import annotations

from pinnkit.conditions import InitialCondition, Periodic
from pinnkit.domain import Interval, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Equation
from pinnkit.problem import Problem
from pinnkit.reference.periodic import spectral_reference
from pinnkit.reference.spectral import FourierGrid

from ._common import check_positive, pdebench_u0

MODES = 512  # seeds 0 and 2 (windowed): 512 vs 2048 modes agree to 4e-16 at t = 0, 0.1, ..., 1
DT = 2.5e-4  # seed 2: 4e-9 from (1024 modes, dt 1.25e-4); dt 1e-3 was 1.7e-7 off


def diffusion_reaction_pde(nu: float, rho: float) -> PDE:
    """u_t = nu u_xx + rho u (1 - u)."""
    return PDE(("u",), ("x",), (Equation("diffusion_reaction", lambda d: nu * d["u_xx"] + rho * d["u"] * (1 - d["u"]),
                                         ("u", "u_xx"), evolves="u"),), time="t")


def diffusion_reaction_terms(nu: float, rho: float):
    """Spectral terms: ``L = -nu k^2 + rho`` exactly, ``N(u) = -rho u^2`` pseudo-spectrally."""

    def terms(fourier: FourierGrid):
        def linear(k):
            return -nu * k[0] ** 2 + rho

        def nonlinear(u_hat, k):
            u = fourier.inverse(u_hat)
            return fourier.forward(-rho * u * u)

        return linear, nonlinear

    return terms


def diffusion_reaction1d(nu: float = 0.5, rho: float = 1.0, t_final: float = 1.0, seed: int = 0) -> Problem:
    """1-D reaction-diffusion, PDEBench's ReacDiff family (Takahashi et al., NeurIPS 2022).

    u_t = nu u_xx + rho u (1 - u),  x in (0, 1) periodic,  t in [0, t_final],  nu = 0.5, rho = 1
    by default; u0 from PDEBench's 1-D distribution with ``seed``, rescaled to [0, 1] (the
    logistic term blows up for negative u; see pinnkit.data.initial).
    Reference: Fourier pseudo-spectral, ETDRK4 (Kassam & Trefethen, SIAM J. Sci. Comput. 26,
    2005), 512 modes, dt = 2.5e-4: ~4e-9 at the snapshots (every 0.005, the evaluation grid).
    Between snapshots u is cubic-Hermite in time: ~1e-7 relative for t >= 0.1, but early on the
    fast-decaying modes (rate nu (2 pi k)^2) make it much less accurate there.
    """
    check_positive(nu=nu, rho=rho, t_final=t_final)
    _, u0 = pdebench_u0(seed, positive=True)

    domain = SpaceTime(Interval(0.0, 1.0), TimeInterval(0.0, t_final))
    params = dict(nu=nu, rho=rho, t_final=t_final, seed=seed)
    reference = spectral_reference("diffusion_reaction1d", params, domain, u0, diffusion_reaction_terms(nu, rho),
                                   n=MODES, dt=DT, n_snapshots=int(round(200 * t_final)) + 1, eval_stride=2)
    return Problem("diffusion_reaction1d", diffusion_reaction_pde(nu, rho), domain,
                   (InitialCondition(("u",), u0), Periodic("x")), params, reference, diffusion_reaction1d.__doc__)
