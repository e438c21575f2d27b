"""LPINN residuals on the characteristics, from the shared derivative kernels.

With the label x0 and t as inputs, d/dt at fixed x0 is the material derivative. For
u_t + a(u, x, t) u_x = G (G: :meth:`pinnkit.pde.PDE.lagrangian_rhs`, e.g. nu u_xx + s(u)):

    r_x = d_t x_L - a(u, x_L, t),        r_u = d_t u - G(u, u_x, u_xx, x_L, t),

where the space derivatives are physical ones, by the chain rule through J = d_x0 x_L:

    u_x = u_x0 / J,        u_xx = (1/J) d_x0(u_x0 / J) = (u_x0x0 - u_x0 J_x0 / J) / J^2

(``diffusion="physical"``), J floored at ``jacobian_floor`` in the divisions. u_xx carries 1/J^3:
where particles bunch up ahead of a shock (J -> 0) r_u is stiff, so ``form="multiplied"`` uses
J^3 r_u, which clears the denominators (zero exactly where r_u is, for J > 0).
``diffusion="label"`` takes u_x = u_x0 and u_xx = u_x0x0, the published code's choice (Mojgani,
Balajewicz & Hassanzadeh, CMAME 404, 2023), exact only while J = 1.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from pinnkit import autodiff
from pinnkit.problem import Problem

__all__ = ["LagrangianTerms", "CHARACTERISTIC", "unsupported_keys", "physical_jet", "residuals", "transport_speed"]

CHARACTERISTIC = "X"  # the characteristic network's output name in derivative keys


@dataclass(frozen=True)
class _Names:
    field: str
    space: str
    time: str

    @classmethod
    def of(cls, problem: Problem) -> "_Names":
        return cls(problem.fields[0], problem.domain.space_names[0], problem.domain.time)

    @property
    def first(self) -> str:
        return f"{self.field}_{self.space}"

    @property
    def second(self) -> str:
        return f"{self.field}_{self.space}{self.space}"

    def allowed(self) -> set[str]:
        return {self.field, self.first, self.second, self.space, self.time}


def _needed(problem: Problem) -> set[str]:
    pde = problem.pde
    return set(pde.lagrangian_requires) | set(pde.advection.requires)


def unsupported_keys(problem: Problem) -> list[str]:
    """Derivative keys the PDE's G or a read that the Lagrangian jet does not provide (u, u_x, u_xx, x, t)."""
    return sorted(_needed(problem) - _Names.of(problem).allowed())


def physical_jet(problem: Problem, model, points: torch.Tensor, diffusion: str = "physical", method: str = "auto",
                 jacobian_floor: float = 0.0) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """``(eulerian, material)``: the physical jet G and a read (u, u_x, u_xx, x = x_L, t), and the
    material time derivatives ``{"u_t": d_t u, "X_t": d_t x_L}`` (and the floored ``"J"`` where the
    physical derivatives used it) at label-time ``points`` ``(N, 2)``."""
    n = _Names.of(problem)
    needed = _needed(problem)
    second = n.second in needed
    first = second or n.first in needed
    coords, x_name = problem.coords, CHARACTERISTIC
    u_keys = [n.field, f"{n.field}_{n.time}"] + ([n.first] if first else []) + ([n.second] if second else [])
    x_keys = [x_name, f"{x_name}_{n.time}"]
    if diffusion == "physical":
        x_keys += ([f"{x_name}_{n.space}"] if first else []) + ([f"{x_name}_{n.space}{n.space}"] if second else [])
    ju = autodiff.derivatives(model.state, points, coords, (n.field,), u_keys, method=method)
    jx = autodiff.derivatives(model.characteristic, points, coords, (x_name,), x_keys, method=method)
    jet = {n.field: ju[n.field], n.space: jx[x_name], n.time: points[:, -1]}
    if first:
        u_x0 = ju[n.first]
        jacobian = jx[f"{x_name}_{n.space}"].clamp_min(jacobian_floor) if diffusion == "physical" else None
        jet[n.first] = u_x0 if jacobian is None else u_x0 / jacobian
        if second:
            u_x0x0 = ju[n.second]
            jet[n.second] = u_x0x0 if jacobian is None else \
                (u_x0x0 - u_x0 * jx[f"{x_name}_{n.space}{n.space}"] / jacobian) / jacobian ** 2
    material = {"u_t": ju[f"{n.field}_{n.time}"], "X_t": jx[f"{x_name}_{n.time}"]}
    if first and diffusion == "physical":
        material["J"] = jacobian
    return jet, material


@dataclass(frozen=True)
class LagrangianTerms:
    """Per-point residuals ``(N,)``: of the characteristic (r_x) and of the state along it (r_u)."""

    characteristic: torch.Tensor
    state: torch.Tensor


def residuals(problem: Problem, model, points: torch.Tensor, diffusion: str = "physical",
              method: str = "auto", jacobian_floor: float = 0.0, form: str = "divided") -> LagrangianTerms:
    """r_x = d_t x_L - a and r_u = d_t u - G at label-time ``points``; ``form="multiplied"``
    returns J^3 r_u (physical diffusion only), free of the 1/J^3 of u_xx."""
    jet, material = physical_jet(problem, model, points, diffusion, method, jacobian_floor)
    velocity = problem.pde.advection.velocity(jet)[0]
    rate = problem.pde.lagrangian_rhs(jet)[:, 0]
    r_u = material["u_t"] - rate
    if form == "multiplied" and "J" in material:
        r_u = r_u * material["J"] ** 3
    return LagrangianTerms(material["X_t"] - velocity, r_u)


def transport_speed(problem: Problem, n: int = 1024) -> float:
    """The largest initial transport speed max |a(u0(x0), x0, t0)| over ``n`` labels (1 where it is 0):
    the scale of the characteristic network's output."""
    dom = problem.domain
    n_names = _Names.of(problem)
    x0 = dom.lows[0] + (dom.highs[0] - dom.lows[0]) * torch.arange(n, dtype=torch.float64) / n
    points = torch.stack([x0, torch.full_like(x0, dom.lows[-1])], dim=1).requires_grad_(True)
    u0 = problem.initial_condition.value(points[:, :1])[:, 0]
    jet = {n_names.field: u0, n_names.space: x0, n_names.time: points[:, -1]}
    if n_names.first in problem.pde.advection.requires:
        jet[n_names.first] = torch.autograd.grad(u0.sum(), points)[0][:, 0]
    speed = float(problem.pde.advection.velocity(jet)[0].detach().abs().max())
    return speed if speed > 1e-12 else 1.0
