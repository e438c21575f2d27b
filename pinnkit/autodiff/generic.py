"""Generic derivative kernels on torch.func: any callable, any mixed partial, any order.

For a network ``f: R^d -> R^m`` evaluated at one point ``x``, the partial along the sorted
multi-index ``(i_1, ..., i_k)`` is built by nesting forward-mode products,

    d^k f / dx_{i_1} ... dx_{i_k} = jvp(... jvp(f, e_{i_1}) ..., e_{i_k}),

one nested ``torch.func.jvp`` per order, computed once per distinct multi-index for all fields
together and batched over points with ``torch.func.vmap``. Nothing is cached between calls.
This path is the oracle for faster specialised kernels (forward Laplacian, Taylor mode).
"""
from __future__ import annotations

from typing import Callable

import torch
from torch.func import jvp, vmap

from pinnkit.autodiff.keys import DerivativeSpec

PointFn = Callable[[torch.Tensor], torch.Tensor]  # one point (d,) -> outputs (m,)


def _directional(f: PointFn, axis: int) -> PointFn:
    """x -> d f / d x_axis at x, by one forward-mode product."""

    def g(x: torch.Tensor) -> torch.Tensor:
        e = (torch.arange(x.shape[0], device=x.device) == axis).to(x.dtype)
        return jvp(f, (x,), (e,))[1]

    return g


def point_jet(f: PointFn, x: torch.Tensor, spec: DerivativeSpec) -> dict[str, torch.Tensor]:
    """Every quantity of ``spec`` at the single point ``x`` (shape ``(d,)``), as 0-d tensors."""
    by_index: dict[tuple[int, ...], torch.Tensor] = {}
    for axes in spec.multi_indices:
        g = f
        for axis in axes:
            g = _directional(g, axis)
        by_index[axes] = g(x)
    out: dict[str, torch.Tensor] = {}
    for p in spec.partials:
        out[p.key] = x[p.axes[0]] if p.field < 0 else by_index[p.axes][p.field]
    return out


def as_point_fn(fn: Callable[[torch.Tensor], torch.Tensor]) -> PointFn:
    """Wrap a batched callable ``(N, d) -> (N, m)`` or ``(N,)`` into a one-point function ``(d,) -> (m,)``."""

    def f(x: torch.Tensor) -> torch.Tensor:
        return fn(x.unsqueeze(0)).reshape(-1)

    return f


def batch_jet(fn: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor, spec: DerivativeSpec,
              chunk_size: int | None = None) -> dict[str, torch.Tensor]:
    """Every quantity of ``spec`` at each row of ``points`` (N, d): a dict of ``(N,)`` tensors."""
    f = as_point_fn(fn)
    return vmap(lambda x: point_jet(f, x, spec), chunk_size=chunk_size)(points)
