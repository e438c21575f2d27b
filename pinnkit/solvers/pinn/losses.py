"""PINN loss terms: PDE residual (optionally causal), initial and boundary conditions.

    L = w_res * mean_n |r(x_n)|^2 + w_ic * mean |u(x, t0) - u0(x)|^2 + w_bc * sum_faces mean |B u - g|^2

Under ``hard_walls`` the stream-function network (:class:`pinnkit.nn.StreamFunction`) holds the
wall conditions exactly: no boundary term, and the residual comes from its own third-order jet.
Dirichlet terms compare values; Neumann terms compare the outward normal derivative. Periodic
conditions need no term: the network embeds them exactly. With causal weighting the residual
points are grouped into time chunks and chunk i is weighted by exp(-eps sum_{j<i} L_j)
(weights detached; Wang, Sankaran & Perdikaris, CMAME 421, 2024).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from pinnkit import autodiff
from pinnkit.conditions import Dirichlet, Neumann
from pinnkit.problem import Problem


@dataclass
class BoundarySet:
    """Points on the faces of one boundary condition, with their data and normal signs."""

    condition: Dirichlet | Neumann
    points: torch.Tensor
    target: torch.Tensor
    normal_axis: torch.Tensor  # column index of the face's normal, per point
    normal_sign: torch.Tensor  # +1 on *_max faces, -1 on *_min faces


def boundary_set(problem: Problem, condition, points: torch.Tensor) -> BoundarySet:
    """Data and outward normals for ``points`` sampled on ``condition``'s faces."""
    dom = problem.domain
    axis = torch.zeros(len(points), dtype=torch.long, device=points.device)
    sign = torch.zeros(len(points), dtype=points.dtype, device=points.device)
    for face in condition.where or dom.faces:
        on = dom.on_face(points, face)
        axis[on] = dom.index(face.rsplit("_", 1)[0])
        sign[on] = 1.0 if face.endswith("_max") else -1.0
    with torch.no_grad():
        target = condition.value(points)
    return BoundarySet(condition, points, target, axis, sign)


def residual_loss(problem: Problem, model, points: torch.Tensor, method: str = "auto") -> torch.Tensor:
    """Per-point squared residual summed over equations: ``(N,)``."""
    return problem.residual(model, points, method).pow(2).sum(dim=1)


def stream_residual_loss(problem: Problem, model, points: torch.Tensor) -> torch.Tensor:
    """Per-point squared residual of a :class:`pinnkit.nn.StreamFunction` network from its own
    third-order jet (one pass; nested autograd would differentiate the network three times): ``(N,)``."""
    return problem.pde.residual(model.flow_derivatives(points, problem.pde.requires)).pow(2).sum(dim=1)


def causal_residual_loss(per_point: torch.Tensor, times: torch.Tensor, t0: float, t1: float, chunks: int,
                         eps: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Causally weighted residual loss and the chunk weights (for monitoring)."""
    index = ((times - t0) / (t1 - t0) * chunks).long().clamp(0, chunks - 1)
    sums = per_point.new_zeros(chunks).index_add(0, index, per_point)
    counts = per_point.new_zeros(chunks).index_add(0, index, torch.ones_like(per_point)).clamp_min(1)
    chunk_loss = sums / counts
    weights = torch.exp(-eps * torch.cumsum(chunk_loss.detach(), 0) + eps * chunk_loss.detach())
    return (weights * chunk_loss).mean(), weights


def initial_loss(problem: Problem, model, points: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared misfit of the initial condition's fields at ``t = t0``."""
    ic = problem.initial_condition
    columns = [problem.fields.index(f) for f in ic.fields]
    return (model(points)[:, columns] - target).pow(2).sum(dim=1).mean()


def boundary_loss(problem: Problem, model, data: BoundarySet, method: str = "auto") -> torch.Tensor:
    """Mean squared misfit of one Dirichlet or Neumann condition."""
    fields = data.condition.fields
    if isinstance(data.condition, Dirichlet):
        columns = [problem.fields.index(f) for f in fields]
        value = model(data.points)[:, columns]
    else:
        keys = [f"{f}_{c}" for f in fields for c in problem.domain.space_names]
        jet = autodiff.derivatives(model, data.points, problem.coords, problem.fields, keys, method=method)
        n_space = problem.domain.space_dim
        grads = torch.stack([jet[k] for k in keys], dim=1).reshape(len(data.points), len(fields), n_space)
        picked = grads.gather(2, data.normal_axis.clamp(max=n_space - 1)[:, None, None]
                              .expand(-1, len(fields), 1))[..., 0]
        value = picked * data.normal_sign[:, None]
    return (value - data.target).pow(2).sum(dim=1).mean()
