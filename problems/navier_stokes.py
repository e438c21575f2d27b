"""Incompressible Navier-Stokes in 2-D, velocity-pressure form.

    u_t + u u_x + v u_y = -p_x + nu (u_xx + u_yy)
    v_t + u v_x + v v_y = -p_y + nu (v_xx + v_yy)
    u_x + v_y = 0

Fields (u, v, p); nu = 1 / Re. Steady problems drop the time derivatives.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy.interpolate import RegularGridInterpolator

from pinnkit.conditions import Dirichlet, InitialCondition, Periodic, zeros
from pinnkit.domain import Box, SpaceTime, TimeInterval
from pinnkit.pde import PDE, Advection, Equation
from pinnkit.problem import Problem
from pinnkit.reference.base import ExactReference, FunctionReference, LazyReference, ReferenceGrid
from pinnkit.reference.cache import cached_arrays
from pinnkit.reference.cavity import solve_lid_driven_cavity

from ._common import check_positive, periodic_axes

FIELDS = ("u", "v", "p")
_MOMENTUM_KEYS = ("u", "v", "u_x", "u_y", "v_x", "v_y", "p_x", "p_y", "u_xx", "u_yy", "v_xx", "v_yy")


def navier_stokes_pde(nu: float, unsteady: bool) -> PDE:
    """The 2-D incompressible Navier-Stokes system with viscosity ``nu``."""

    def f_u(d):  # u_t = F_u
        return -(d["u"] * d["u_x"] + d["v"] * d["u_y"]) - d["p_x"] + nu * (d["u_xx"] + d["u_yy"])

    def f_v(d):
        return -(d["u"] * d["v_x"] + d["v"] * d["v_y"]) - d["p_y"] + nu * (d["v_xx"] + d["v_yy"])

    continuity = Equation("continuity", lambda d: d["u_x"] + d["v_y"], ("u_x", "v_y"))
    if unsteady:
        momentum = (Equation("momentum_x", f_u, _MOMENTUM_KEYS, evolves="u"),
                    Equation("momentum_y", f_v, _MOMENTUM_KEYS, evolves="v"))
        advection = Advection(lambda d: (d["u"], d["v"]), ("u", "v"), ("u", "v"))
        return PDE(FIELDS, ("x", "y"), momentum + (continuity,), time="t", advection=advection)
    momentum = (Equation("momentum_x", lambda d: -f_u(d), _MOMENTUM_KEYS),
                Equation("momentum_y", lambda d: -f_v(d), _MOMENTUM_KEYS))
    return PDE(FIELDS, ("x", "y"), momentum + (continuity,))


def _exact_boundary(exact, columns: slice):
    def value(points: torch.Tensor) -> torch.Tensor:
        return exact(points)[:, columns]

    return value


def kovasznay(re: float = 20.0) -> Problem:
    """Kovasznay flow: steady, exact (Kovasznay, Proc. Camb. Phil. Soc. 44, 1948).

    On [-0.5, 1] x [-0.5, 1.5] with lambda = Re/2 - sqrt(Re^2/4 + 4 pi^2):
    u = 1 - e^{lambda x} cos(2 pi y),  v = lambda/(2 pi) e^{lambda x} sin(2 pi y),
    p = (1 - e^{2 lambda x}) / 2;  velocity prescribed (Dirichlet) on the whole boundary.
    """
    check_positive(re=re)
    lam = re / 2 - math.sqrt(re**2 / 4 + 4 * math.pi**2)

    def exact(p: torch.Tensor) -> torch.Tensor:
        x, y = p[:, 0], p[:, 1]
        e = torch.exp(lam * x)
        u = 1 - e * torch.cos(2 * math.pi * y)
        v = lam / (2 * math.pi) * e * torch.sin(2 * math.pi * y)
        return torch.stack([u, v, 0.5 * (1 - e**2)], dim=1)

    domain = Box((-0.5, -0.5), (1.0, 1.5))
    reference = ExactReference(domain.names, FIELDS, exact, lambda: tuple(domain.axes((151, 201))))
    return Problem("kovasznay", navier_stokes_pde(1 / re, False), domain,
                   (Dirichlet(("u", "v"), _exact_boundary(exact, slice(0, 2))),),
                   dict(re=re), reference, kovasznay.__doc__, up_to_constant=("p",))


def taylor_green(nu: float = 0.01, t_final: float = 2.0) -> Problem:
    """Taylor-Green vortex: unsteady, periodic, exact (Taylor & Green, Proc. R. Soc. A 158, 1937).

    On [0, 2 pi)^2 periodic, t in [0, t_final], with F = e^{-2 nu t}:
    u = cos(x) sin(y) F,  v = -sin(x) cos(y) F,  p = -(cos(2x) + cos(2y)) F^2 / 4  (mean-zero pressure).
    """
    check_positive(nu=nu, t_final=t_final)

    def exact(p: torch.Tensor) -> torch.Tensor:
        x, y, t = p[:, 0], p[:, 1], p[:, 2]
        f = torch.exp(-2 * nu * t)
        u = torch.cos(x) * torch.sin(y) * f
        v = -torch.sin(x) * torch.cos(y) * f
        pressure = -(torch.cos(2 * x) + torch.cos(2 * y)) * f**2 / 4
        return torch.stack([u, v, pressure], dim=1)

    def initial(x: torch.Tensor) -> torch.Tensor:
        with_t = torch.cat([x, x.new_zeros((x.shape[0], 1))], dim=1)
        return exact(with_t)[:, :2]

    domain = SpaceTime(Box((0.0, 0.0), (2 * math.pi, 2 * math.pi)), TimeInterval(0.0, t_final))
    reference = ExactReference(domain.names, FIELDS, exact, lambda: periodic_axes(domain, 64, 21))
    conditions = (InitialCondition(("u", "v"), initial), Periodic("x"), Periodic("y"))
    return Problem("taylor_green", navier_stokes_pde(nu, True), domain, conditions,
                   dict(nu=nu, t_final=t_final), reference, taylor_green.__doc__, up_to_constant=("p",))


def _cavity_reference(re: float, n: int) -> FunctionReference:
    def compute() -> dict[str, np.ndarray]:
        sol = solve_lid_driven_cavity(re=re, n=n)
        return dict(x=sol.x, y=sol.y, u=sol.u, v=sol.v, p=sol.p)

    data = cached_arrays("cavity", "1", dict(re=re, n=n), compute)
    axes = (data["x"], data["y"])
    values = np.stack([data[f] for f in FIELDS], axis=-1)
    # PCHIP: local piecewise cubic, so the lid's velocity jump at the top corners does not ring
    # through the whole field as a global spline's would.
    interpolators = [RegularGridInterpolator(axes, data[f], method="pchip") for f in FIELDS]

    def evaluate(points: np.ndarray) -> np.ndarray:
        return np.stack([interp(points) for interp in interpolators], axis=1)

    return FunctionReference(("x", "y"), FIELDS, evaluate, ReferenceGrid(("x", "y"), axes, values, FIELDS))


def lid_driven_cavity(re: float = 100.0, reference_n: int = 129) -> Problem:
    """Lid-driven cavity: steady flow in [0, 1]^2, lid y = 1 moving with u = 1 (Re = 1 / nu).

    No-slip walls (u = v = 0) on x = 0, x = 1, y = 0; u = 1, v = 0 on the lid. Reference: our
    stream function-vorticity finite-difference solver on a ``reference_n``^2 grid
    (:mod:`pinnkit.reference.cavity`), checked against Ghia, Ghia & Shin, J. Comput. Phys. 48
    (1982). Pressure is fixed by p(0.5, 0.5) = 0 (see the solver for the gauge).
    """
    check_positive(re=re)
    if not (isinstance(reference_n, int) and reference_n >= 17):
        raise ValueError(f"parameter reference_n must be an integer >= 17, got {reference_n!r}")

    def lid(points: torch.Tensor) -> torch.Tensor:
        return torch.stack([torch.ones_like(points[:, 0]), torch.zeros_like(points[:, 0])], dim=1)

    domain = Box((0.0, 0.0), (1.0, 1.0))
    conditions = (Dirichlet(("u", "v"), lid, where=("y_max",)),
                  Dirichlet(("u", "v"), zeros(2), where=("x_min", "x_max", "y_min")))
    reference = LazyReference(domain.names, FIELDS, lambda: _cavity_reference(float(re), reference_n))
    return Problem("lid_driven_cavity", navier_stokes_pde(1 / re, False), domain, conditions,
                   dict(re=re, reference_n=reference_n), reference, lid_driven_cavity.__doc__,
                   up_to_constant=("p",))
