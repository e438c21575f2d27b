"""The constraint system F(w) of a hard-constraint layer, and its Jacobian in w.

The ansatz is u_f(x) = b_f(x) . w_f: field f reads its own block of ``n_basis`` coefficients
of w (layout ``[w_f0, w_f1, ...]``). Every quantity a residual reads is linear in w,

    u_f,s(x) = B_f,s(x) w_f,    B_f,s = d^s b_f   (one forward jet gives all columns),

so a residual block r(x) = R(u_k(x) for its keys k) has the Jacobian

    dr/dw_f = sum_{k of field f} (dR/du_k) B_k,

where the sensitivities dR/du_k are per-point scalars (one jvp of R per key); no loop over
basis functions. Blocks: the PDE residual, the initial condition and each boundary face, each
with its points ``(E, M, d)`` per expert, a 0/1 mask for padding (experts that do not touch a
face) and a row weight. Constraint blocks are solved per expert; the outer loss uses the same
blocks with one "expert" whose coefficients vary per point.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import torch

from pinnkit.autodiff.basis import output_derivatives
from pinnkit.autodiff.keys import parse_keys
from pinnkit.conditions import Dirichlet, Neumann
from pinnkit.problem import Problem

__all__ = ["Block", "KeyMap", "block_values", "block_residual", "block_jacobian", "basis_matrices",
           "pde_block", "initial_block", "boundary_block"]

Values = Mapping[str, torch.Tensor]


@dataclass(frozen=True)
class KeyMap:
    """Where a derivative key comes from: field ``field`` (-1: a coordinate, column ``axis``) and
    the derivative ``suffix`` (``""``, ``"x"``, ``"xx"`` ...)."""

    key: str
    field: int
    suffix: str
    axis: int = -1


@dataclass
class Block:
    """One group of residual rows: ``fn(values) -> (E, M, n_out)`` at ``points`` ``(E, M, d)``."""

    name: str
    points: torch.Tensor
    mask: torch.Tensor  # (E, M): 1 for real points, 0 for padding
    keys: tuple[KeyMap, ...]
    fn: Callable[[Values], torch.Tensor]
    weight: float

    @property
    def suffixes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(k.suffix for k in self.keys if k.field >= 0))


def key_maps(keys, coords, fields) -> tuple[KeyMap, ...]:
    out = []
    for p in parse_keys(keys, tuple(coords), tuple(fields)).partials:
        suffix = "".join(coords[a] for a in p.axes)
        out.append(KeyMap(p.key, p.field, "" if p.field < 0 else suffix, p.axes[0] if p.field < 0 else -1))
    return tuple(out)


def basis_matrices(basis, blocks: list[Block], coords, n_outputs: int,
                   dtype: torch.dtype) -> list[dict[str, torch.Tensor]]:
    """Per block ``{suffix: (E, M, n_outputs)}`` from one forward jet (in the basis network's
    ``dtype``) over all blocks' points."""
    suffixes = tuple(dict.fromkeys(s for b in blocks for s in b.suffixes))
    flat = torch.cat([b.points.reshape(-1, b.points.shape[-1]) for b in blocks]).to(dtype)
    mats = output_derivatives(basis, flat, coords, suffixes, n_outputs)
    out, start = [], 0
    for b in blocks:
        e, m = b.points.shape[:2]
        out.append({s: mats[s][start : start + e * m].reshape(e, m, n_outputs) for s in b.suffixes})
        start += e * m
    return out


def block_values(block: Block, mats: Mapping[str, torch.Tensor], w: torch.Tensor, n_basis: int) -> dict:
    """``{key: (E, M)}``; ``w`` is ``(E, P)`` (one coefficient vector per expert) or ``(E, M, P)``."""
    wb = w.unsqueeze(1) if w.ndim == 2 else w
    values = {}
    for k in block.keys:
        if k.field < 0:
            values[k.key] = block.points[..., k.axis]
        else:
            cols = slice(k.field * n_basis, (k.field + 1) * n_basis)
            values[k.key] = (mats[k.suffix][..., cols] * wb[..., cols]).sum(-1)
    return values


def _rows(block: Block, r: torch.Tensor) -> torch.Tensor:
    return (r * (block.weight * block.mask).unsqueeze(-1)).reshape(r.shape[0], -1)


def block_residual(block: Block, mats, w: torch.Tensor, n_basis: int) -> torch.Tensor:
    """Weighted, masked residual rows ``(E, M * n_out)``."""
    return _rows(block, block.fn(block_values(block, mats, w, n_basis)))


def block_jacobian(block: Block, mats, w: torch.Tensor, n_basis: int) -> torch.Tensor:
    """d rows / d w: ``(E, M * n_out, P)`` for ``w`` ``(E, P)``."""
    values = block_values(block, mats, w, n_basis)
    zero = {k: torch.zeros_like(v) for k, v in values.items()}
    e, m = block.points.shape[:2]
    jac = None
    for k in block.keys:
        if k.field < 0:
            continue
        tangent = dict(zero)
        tangent[k.key] = torch.ones_like(values[k.key])
        _, sens = torch.func.jvp(block.fn, (values,), (tangent,))  # (E, M, n_out)
        if jac is None:
            jac = w.new_zeros(e, m, sens.shape[-1], w.shape[-1])
        cols = slice(k.field * n_basis, (k.field + 1) * n_basis)
        jac[..., cols] += sens.unsqueeze(-1) * mats[k.suffix][..., cols].unsqueeze(-2)
    if jac is None:  # no field enters the block: its rows are constant in w
        jac = w.new_zeros(e, m, block.fn(values).shape[-1], w.shape[-1])
    jac = jac * (block.weight * block.mask)[..., None, None]
    return jac.reshape(e, -1, w.shape[-1])


# ------------------------------------------------------------------ the blocks of a problem
def pde_block(problem: Problem, points: torch.Tensor, mask: torch.Tensor, weight: float, scale: float) -> Block:
    """The PDE residual (all equations), times ``scale``."""
    pde = problem.pde

    def fn(values: Values) -> torch.Tensor:
        return pde.residual(values) * scale

    return Block("residual", points, mask, key_maps(pde.requires, problem.coords, problem.fields), fn, weight)


def initial_block(problem: Problem, points: torch.Tensor, mask: torch.Tensor, weight: float) -> Block:
    """u_f(x, t0) - u0_f(x) for the fields of the initial condition."""
    ic = problem.initial_condition
    flat = points.reshape(-1, points.shape[-1])
    with torch.no_grad():
        target = ic.value(flat[:, :-1]).reshape(*points.shape[:2], len(ic.fields)).to(points.dtype)
    fields = ic.fields

    def fn(values: Values) -> torch.Tensor:
        return torch.stack([values[f] - target[..., j] for j, f in enumerate(fields)], dim=-1)

    return Block("initial", points, mask, key_maps(fields, problem.coords, problem.fields), fn, weight)


def boundary_block(problem: Problem, index: int, face: str, points: torch.Tensor, mask: torch.Tensor,
                   weight: float) -> Block:
    """Dirichlet u - g or Neumann du/dn - g of boundary condition ``index`` on ``face``."""
    bc = problem.boundary_conditions[index]
    flat = points.reshape(-1, points.shape[-1])
    with torch.no_grad():
        target = torch.as_tensor(bc.value(flat)).reshape(*points.shape[:2], len(bc.fields)).to(points.dtype)
    name, side = face.rsplit("_", 1)
    if isinstance(bc, Dirichlet):
        keys, sign = bc.fields, 1.0
    elif isinstance(bc, Neumann):
        keys, sign = tuple(f"{f}_{name}" for f in bc.fields), (1.0 if side == "max" else -1.0)
    else:  # pragma: no cover - check() refuses other types
        raise ValueError(f"hard constraints cannot impose {type(bc).__name__} conditions")

    def fn(values: Values) -> torch.Tensor:
        return torch.stack([sign * values[k] - target[..., j] for j, k in enumerate(keys)], dim=-1)

    return Block(f"boundary{index}:{face}", points, mask, key_maps(keys, problem.coords, problem.fields), fn,
                 weight)
