"""Incompressible Navier-Stokes in 2-D, vorticity / stream-function form, periodic.

    w_t + u w_x + v w_y = nu (w_xx + w_yy) + f(x, y),   u = psi_y,  v = -psi_x
    psi_xx + psi_yy = -w

Fields (w, psi): vorticity and stream function; psi is fixed only up to a constant.
"""
from __future__ import annotations

import numpy as np

from pinnkit.conditions import InitialCondition, Periodic
from pinnkit.domain import Box, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Advection, Equation
from pinnkit.problem import Problem
from pinnkit.reference.base import FunctionReference, LazyReference, ReferenceGrid
from pinnkit.reference.cache import cached_arrays
from pinnkit.reference.ns_vorticity import (DT, FORCINGS, SOLVE_FACTOR, VorticitySolution, forcing_function, on_grid,
                                            random_vorticity, snapshot_times, solve_ns_vorticity)

from ._common import check_choice_param, check_positive

FIELDS = ("w", "psi")
_TRANSPORT_KEYS = ("w_x", "w_y", "psi_x", "psi_y", "w_xx", "w_yy")


def ns_vorticity_pde(nu: float, forcing=None) -> PDE:
    """Vorticity transport (evolves w) and the stream-function Poisson equation (a constraint);
    ``forcing(x, y)`` is a torch function or ``None``."""

    def rhs(d):  # w_t = F
        value = -(d["psi_y"] * d["w_x"] - d["psi_x"] * d["w_y"]) + nu * (d["w_xx"] + d["w_yy"])
        return value if forcing is None else value + forcing(d["x"], d["y"])

    keys = _TRANSPORT_KEYS + (() if forcing is None else ("x", "y"))
    transport = Equation("vorticity", rhs, keys, evolves="w")
    poisson = Equation("stream_function", lambda d: d["psi_xx"] + d["psi_yy"] + d["w"], ("w", "psi_xx", "psi_yy"))
    advection = Advection(lambda d: (d["psi_y"], -d["psi_x"]), ("psi_x", "psi_y"), ("w",))
    return PDE(FIELDS, ("x", "y"), (transport, poisson), time="t", advection=advection)


def _reference(domain, params: dict, n: int) -> LazyReference:
    nu, modes = params["nu"], SOLVE_FACTOR * n
    t = snapshot_times(params["t_final"])
    f = forcing_function(params["forcing"])

    def forcing_grid() -> np.ndarray | None:
        return None if f is None else on_grid(lambda p: f(p[:, 0], p[:, 1])[:, None], modes)

    def compute() -> dict[str, np.ndarray]:
        w0 = on_grid(random_vorticity(params["seed"]), modes)
        return dict(t=t, w=solve_ns_vorticity(w0, nu, t, DT, forcing_grid()))

    def build() -> FunctionReference:
        data = cached_arrays("ns_vorticity2d", "1", dict(params, modes=modes, dt=DT, n_snapshots=len(t)), compute)
        solution = VorticitySolution(data["t"], data["w"], nu, forcing_grid())
        every = slice(None, None, SOLVE_FACTOR)  # the evaluation grid: every other solve-grid point
        values = np.stack([s.values[:, every, every] for s in (solution.w, solution.psi)], axis=-1)
        x = solution.w.x[0][every]
        grid = ReferenceGrid(domain.names, (x, x, data["t"]), np.moveaxis(values, 0, 2), FIELDS)
        return FunctionReference(domain.names, FIELDS, solution, grid)

    return LazyReference(domain.names, FIELDS, build)


def ns_vorticity2d(nu: float = 1e-4, t_final: float = 1.0, seed: int = 0, forcing: str = "none",
                   reference_n: int = 64) -> Problem:
    """2-D incompressible Navier-Stokes in vorticity form, periodic unit square (Chalapathi et al., ICLR 2024).

    w_t + psi_y w_x - psi_x w_y = nu (w_xx + w_yy) + f,  psi_xx + psi_yy = -w,  (x, y) in [0, 1)^2
    periodic, t in [0, t_final]; velocity (u, v) = (psi_y, -psi_x); nu = 1e-4 by default (as in
    Chalapathi, Du & Krishnapriyan, "Scaling physics-informed hard constraints with mixture-of-experts",
    ICLR 2024, on 64^2). Only w has an initial condition; psi is compared up to a constant.
    w0: a seeded random field, sum over integer wave vectors 0 < |m| <= 4 of a_m cos(2 pi m.x) +
    b_m sin(2 pi m.x) with normal coefficients of variance ~ (4 pi^2 |m|^2 + 49)^(-2.5) (Li et
    al.'s spectrum, ICLR 2021), zero mean and RMS exactly 1. forcing = "none" (f = 0) or "li2021":
    f = 0.1 (sin(2 pi (x + y)) + cos(2 pi (x + y))) (Li et al., Fourier Neural Operator, ICLR 2021).
    Reference: Fourier pseudo-spectral, 2/3-rule dealiasing, ETDRK4 (Kassam & Trefethen, SIAM J.
    Sci. Comput. 26, 2005), on a (2 reference_n)^2 grid with dt = 4e-3, float64; snapshots every
    0.01, cubic Hermite in time; default evaluation grid reference_n^2 x the snapshots. Measured
    (defaults and seed 1 with li2021, t in [0, 1], max over the grid relative to max |w|): 8e-11
    against 256^2 modes (64^2 modes alone: 1e-5), 5e-10 against dt = 2e-3, 1.4e-9 between
    snapshots; about 2 s to compute (then cached on disk). For longer times or smaller nu raise
    reference_n.
    """
    check_positive(nu=nu, t_final=t_final)
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"parameter seed must be an integer >= 0, got {seed!r}")
    check_choice_param("forcing", forcing, FORCINGS)
    if not (isinstance(reference_n, int) and reference_n >= 16):
        raise ValueError(f"parameter reference_n must be an integer >= 16, got {reference_n!r}")
    params = dict(nu=nu, t_final=t_final, seed=seed, forcing=forcing, reference_n=reference_n)
    domain = SpaceTime(Box((0.0, 0.0), (1.0, 1.0)), TimeInterval(0.0, t_final))
    conditions = (InitialCondition(("w",), random_vorticity(seed)), Periodic("x"), Periodic("y"))
    return Problem("ns_vorticity2d", ns_vorticity_pde(nu, forcing_function(forcing)), domain, conditions, params,
                   _reference(domain, params, reference_n), ns_vorticity2d.__doc__, up_to_constant=("psi",))
