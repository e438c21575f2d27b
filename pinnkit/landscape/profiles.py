"""Loss values at perturbed parameters: 1-D profiles and 2-D surfaces.

    f(alpha) = L(theta* + alpha d)              on alpha in [-span, span]   (profile)
    F(a, b)  = L(theta* + a d_1 + b d_2)        on [-span, span]^2          (surface)

``method="batched"`` (default) stacks a chunk of perturbed parameter vectors and maps the loss
over them with ``torch.func.vmap`` of ``torch.func.functional_call``: for a pinnkit network and
a loss that differentiates it directly, the loss itself is mapped, with the shared forward
Taylor-jet kernels (``autodiff`` method ``"forward"``) inside; otherwise the network is mapped
over tiled copies of the points and the shared nested-autograd kernels run once over all of
them. A chunk of one vector is loaded into the model instead (the cheapest single evaluation;
the parameters are restored bit-for-bit afterwards, even on error).

Without an explicit ``chunk`` the size follows a fixed rule (never timings, so a seed gives the
same numbers every run): about ``ROWS_PER_CHUNK`` points per chunk; on the tiled
nested-autograd path only while one evaluation's work (points x parameters) is at most
``BATCH_WORK_LIMIT`` and one vector at a time above it, where the work is compute-bound and the
large stacked graph only costs cache (measured in benchmarks/landscape_cost.py).

``"vmap"`` maps the whole loss, derivatives included, over the chunk with ``torch.func``
(derivatives by ``autodiff`` method ``"func"``); ``"loop"`` is the naive reference: load each
vector into the model, evaluate (under ``torch.no_grad``), and restore the parameters bit-for-bit
at the end.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, vmap

from pinnkit._validate import check_choice, check_int
from pinnkit.autodiff.forward import unsupported_reason
from pinnkit.landscape.directions import Direction, parameters_of
from pinnkit.landscape.losses import Loss

__all__ = ["METHODS", "Profiles", "Surface", "default_chunk", "perturbed_losses", "profiles_1d", "surface_2d", "grid"]

METHODS = ("batched", "vmap", "loop")
ROWS_PER_CHUNK = 1 << 15  # points evaluated together by a batched chunk
BATCH_WORK_LIMIT = 1 << 20  # points x parameters of one evaluation above which chunks hold one vector


@dataclass(frozen=True)
class Profiles:
    """``values[j, i] = L(theta* + alphas[i] d_j)`` (float64)."""

    alphas: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Surface:
    """``values[i, j] = L(theta* + a[i] d_1 + b[j] d_2)`` (float64)."""

    a: np.ndarray
    b: np.ndarray
    values: np.ndarray


def grid(span: float, points: int) -> np.ndarray:
    """``points`` equally spaced offsets on ``[-span, span]`` (``points - 1`` intervals)."""
    if not (isinstance(span, (int, float)) and np.isfinite(span) and span > 0):
        raise ValueError(f"span must be a finite number > 0, got {span!r}")
    check_int("points", points, 2)
    return np.linspace(-span, span, points)


def perturbed_losses(model: nn.Module, loss: Loss, directions: Sequence[Direction], coefficients,
                     method: str = "batched", chunk: int | None = None) -> np.ndarray:
    """``L(theta + sum_k c[b, k] d_k)`` for every row ``b`` of ``coefficients`` ``(B, K)``: float64 ``(B,)``.

    ``chunk``: parameter vectors per batched evaluation (default: :func:`default_chunk`).
    The model's parameters are unchanged afterwards.
    """
    check_choice("evaluation method", method, METHODS)
    theta = parameters_of(model)
    coef = torch.as_tensor(np.asarray(coefficients, dtype=np.float64))
    if coef.ndim != 2 or coef.shape[1] != len(directions):
        raise ValueError(f"coefficients must have shape (B, {len(directions)}), got {tuple(coef.shape)}")
    p0 = next(iter(theta.values()))
    loss = loss.to(p0.device, p0.dtype)
    dirs = [{n: d[n].to(p0.device, v.dtype) for n, v in theta.items()} for d in directions]
    coef = coef.to(p0.device, p0.dtype)
    if chunk is not None and (not isinstance(chunk, int) or chunk < 1):
        raise ValueError(f"chunk must be an integer >= 1, got {chunk!r}")
    if not loss.batchable:
        if method == "vmap":
            raise ValueError(f"the {loss.name} loss evaluates one parameter vector at a time; use method "
                             "'batched' or 'loop'")
        chunk = 1
    basis = {n: torch.stack([d[n] for d in dirs]) for n in theta}  # (K, *shape)
    if method == "loop":
        return _loop(model, loss, theta, basis, coef)
    forward = method == "batched" and loss.direct and unsupported_reason(model) is None
    mapped = _vmapped if method == "vmap" else (_mapped_loss if forward else _batched)
    size = chunk if chunk is not None else default_chunk(int(getattr(loss, "points_per_call", 1)),
                                                            sum(v.numel() for v in theta.values()),
                                                            tiled=not forward)
    params = dict(model.named_parameters())
    saved: dict[str, torch.Tensor] = {}
    out, start = [], 0
    try:
        while start < len(coef):
            c = coef[start:start + size]
            start += len(c)
            if method == "batched" and len(c) == 1:
                # one vector: load it into the model (restored below), the cheapest single evaluation
                if not saved:
                    saved.update({n: params[n].detach().clone() for n in theta})
                with torch.no_grad():
                    for n, v in theta.items():
                        params[n].copy_(v + torch.tensordot(c[0], basis[n], dims=1))
                    out.append(loss(model, batch=1, method="auto").detach())
            else:
                with torch.no_grad():
                    stacked = {n: v[None] + torch.tensordot(c, basis[n], dims=1) for n, v in theta.items()}
                    out.append(mapped(model, loss, stacked))
    finally:
        with torch.no_grad():
            for n, v in saved.items():
                params[n].copy_(v)
    return torch.cat(out).detach().to("cpu", torch.float64).numpy()


def default_chunk(points: int, parameters: int, tiled: bool = True) -> int:
    """Parameter vectors per batched chunk for a loss of ``points`` rows and a model of ``parameters``."""
    if tiled and points * parameters > BATCH_WORK_LIMIT:
        return 1
    return max(1, ROWS_PER_CHUNK // max(1, points))


class _LossOf(nn.Module):
    """``loss(model)`` as a module, so ``functional_call`` can swap the model's parameters."""

    def __init__(self, model: nn.Module, loss: Loss) -> None:
        super().__init__()
        self.model, self.loss = model, loss

    def forward(self, method: str) -> torch.Tensor:
        return self.loss(self.model, batch=1, method=method)[0]


def _mapped_loss(model: nn.Module, loss: Loss, stacked: dict[str, torch.Tensor]) -> torch.Tensor:
    wrapper = _LossOf(model, loss)
    prefixed = {f"model.{n}": v for n, v in stacked.items()}
    return vmap(lambda params: functional_call(wrapper, params, ("forward",)))(prefixed)


def _batched(model: nn.Module, loss: Loss, stacked: dict[str, torch.Tensor]) -> torch.Tensor:
    batch = len(next(iter(stacked.values())))
    one = vmap(lambda params, x: functional_call(model, params, (x,)))

    def u(points: torch.Tensor) -> torch.Tensor:
        out = one(stacked, points.reshape(batch, -1, points.shape[-1]))
        return out.reshape(points.shape[0], *out.shape[2:])

    return loss(u, batch=batch, method="auto").detach()


def _vmapped(model: nn.Module, loss: Loss, stacked: dict[str, torch.Tensor]) -> torch.Tensor:
    def single(params):
        return loss(lambda x: functional_call(model, params, (x,)), batch=1, method="func")[0]

    return vmap(single)(stacked)


def _loop(model: nn.Module, loss: Loss, theta, basis, coef) -> np.ndarray:
    params = dict(model.named_parameters())
    saved = {n: params[n].detach().clone() for n in theta}
    values = []
    try:
        for c in coef:
            with torch.no_grad():
                for n, v in theta.items():
                    params[n].copy_(v + torch.tensordot(c, basis[n], dims=1))
                values.append(float(loss(model, batch=1, method="auto")[0]))
    finally:
        with torch.no_grad():
            for n, v in saved.items():
                params[n].copy_(v)
    return np.asarray(values, dtype=np.float64)


def profiles_1d(model: nn.Module, loss: Loss, directions: Sequence[Direction], span: float = 0.01,
                points: int = 11, method: str = "batched", chunk: int | None = None) -> Profiles:
    """``L(theta* + alpha d_j)`` on ``points`` offsets in ``[-span, span]`` for every direction ``d_j``."""
    alphas = grid(span, points)
    if not directions:
        raise ValueError("need at least one direction")
    coef = np.kron(np.eye(len(directions)), alphas[:, None])  # row j * points + i: alphas[i] along d_j
    values = perturbed_losses(model, loss, directions, coef, method, chunk)
    return Profiles(alphas, values.reshape(len(directions), points))


def surface_2d(model: nn.Module, loss: Loss, d1: Direction, d2: Direction, span: float = 0.01, points: int = 21,
               method: str = "batched", chunk: int | None = None) -> Surface:
    """``L(theta* + a d_1 + b d_2)`` on a ``points x points`` grid of ``[-span, span]^2``."""
    axis = grid(span, points)
    a, b = np.meshgrid(axis, axis, indexing="ij")
    values = perturbed_losses(model, loss, [d1, d2], np.stack([a.ravel(), b.ravel()], axis=1), method, chunk)
    return Surface(axis, axis.copy(), values.reshape(points, points))
