"""2-D diffusion-reaction (FitzHugh-Nagumo) with no-flux walls, PDEBench's diff-react family."""
from __future__ import annotations

import math

import numpy as np

from pinnkit.conditions import InitialCondition, Neumann, zeros
from pinnkit.domain import Box, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Equation
from pinnkit.problem import Problem
from pinnkit.reference.base import FunctionReference, LazyReference, ReferenceGrid
from pinnkit.reference.cache import cached_arrays
from pinnkit.reference.cosine import CosineSolution
from pinnkit.reference.fitzhugh_nagumo import (DT, LENGTHS, LOWS, MODES, cosine_initial, evaluation_times,
                                               fitzhugh_nagumo_terms, snapshot_times, solve_fitzhugh_nagumo)

from ._common import check_positive

FIELDS = ("u", "v")
def fitzhugh_nagumo_pde(du: float, dv: float, k: float) -> PDE:
    """u_t = du Lap u + u - u^3 - k - v,  v_t = dv Lap v + u - v."""

    def rhs_u(d):
        return du * (d["u_xx"] + d["u_yy"]) + d["u"] - d["u"] ** 3 - k - d["v"]

    def rhs_v(d):
        return dv * (d["v_xx"] + d["v_yy"]) + d["u"] - d["v"]

    return PDE(FIELDS, ("x", "y"), (Equation("activator", rhs_u, ("u", "v", "u_xx", "u_yy"), evolves="u"),
                                    Equation("inhibitor", rhs_v, ("u", "v", "v_xx", "v_yy"), evolves="v")), time="t")


def diffusion_reaction2d(du: float = 1e-3, dv: float = 5e-3, k: float = 5e-3, t_final: float = 5.0,
                         seed: int = 0) -> Problem:
    """2-D diffusion-reaction (FitzHugh-Nagumo), PDEBench's diff-react family (Takahashi et al., NeurIPS 2022).

    u_t = du (u_xx + u_yy) + u - u^3 - k - v,  v_t = dv (v_xx + v_yy) + u - v,
    (x, y) in (-1, 1)^2 with no-flux walls (du/dn = dv/dn = 0), t in [0, t_final];
    du = 1e-3, dv = 5e-3, k = 5e-3, t_final = 5 by default.
    Initial condition: PDEBench draws u0, v0 as independent standard-normal values per grid cell,
    which is not a function of (x, y). Here each field is a seeded smooth random field instead,
    sum_{m,n<8} c_mn cos(m pi (x+1)/2) cos(n pi (y+1)/2) with c_mn ~ N(0, 1/4.5^2) (unit mean
    square in expectation), which satisfies the wall condition exactly.
    Reference: cosine pseudo-spectral (DCT-II on the cell-centred grid diagonalises the Neumann
    Laplacian; pinnkit.reference.cosine), ETDRK4 (Kassam & Trefethen, SIAM J. Sci. Comput. 26,
    2005), 128^2 modes, dt = 5e-3; snapshots every 0.005 up to t = 0.1, every 0.0125 up to 0.5,
    then every 0.05, cubic Hermite in time between them. Measured (seed 0, t in [0, 5], max over
    2000 points): against 192^2 modes 1e-6 at the snapshots (64^2 modes: 2e-3, 96^2: 7e-5; the
    fronts are ~sqrt(du) wide); dt 5e-3 vs 2.5e-3: 1e-8; between snapshots <= 2e-6. About 3 s
    to compute for t_final = 5 (then cached on disk).
    """
    check_positive(du=du, dv=dv, t_final=t_final)
    if not (isinstance(k, (int, float)) and math.isfinite(k)):
        raise ValueError(f"parameter k must be a finite number, got {k!r}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"parameter seed must be an integer >= 0, got {seed!r}")
    params = dict(du=du, dv=dv, k=k, t_final=t_final, seed=seed)
    domain = SpaceTime(Box((-1.0, -1.0), (1.0, 1.0)), TimeInterval(0.0, t_final))
    t_eval = evaluation_times(t_final)
    t = snapshot_times(t_final, t_eval)
    terms = fitzhugh_nagumo_terms(du, dv, k)

    def build() -> FunctionReference:
        data = cached_arrays("diffusion_reaction2d", "1", dict(params, modes=MODES, dt=DT, n_t=len(t)),
                             lambda: dict(t=t, values=solve_fitzhugh_nagumo(seed, t, du, dv, k)))
        solution = CosineSolution(data["t"], data["values"], LOWS, LENGTHS, *terms)
        x = solution.grid.centres[0][::2]  # the evaluation grid: every other cell centre, t_eval
        values = data["values"][np.searchsorted(data["t"], t_eval - 1e-9)][:, :, ::2, ::2]  # (t, field, x, y)
        grid = ReferenceGrid(domain.names, (x, x, t_eval), np.transpose(values, (2, 3, 0, 1)), FIELDS)
        return FunctionReference(domain.names, FIELDS, solution, grid)

    conditions = (InitialCondition(FIELDS, cosine_initial(seed)), Neumann(FIELDS, zeros(2)))
    return Problem("diffusion_reaction2d", fitzhugh_nagumo_pde(du, dv, k), domain, conditions, params,
                   LazyReference(domain.names, FIELDS, build), diffusion_reaction2d.__doc__)
