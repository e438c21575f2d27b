"""Spectral references for periodic evolution problems, computed lazily and cached on disk."""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np
import torch

from pinnkit.domain import Domain
from pinnkit.reference.base import FunctionReference, LazyReference, ReferenceGrid
from pinnkit.reference.cache import cached_arrays
from pinnkit.reference.spectral import Terms, integrate_terms, solution_from_snapshots


def spectral_reference(name: str, params: Mapping[str, object], domain: Domain,
                       initial: Callable[[torch.Tensor], torch.Tensor], terms: Terms,
                       n: int, dt: float, n_snapshots: int, eval_stride: int = 1) -> LazyReference:
    """A lazily computed Fourier/ETDRK4 reference for a scalar periodic problem on ``domain``.

    ``n`` modes per space axis, time step ``dt``, ``n_snapshots`` equispaced output times (the
    solution between them is Hermite-interpolated). The default evaluation grid keeps every
    ``eval_stride``-th grid point in space and every snapshot. Cached on disk under a key of
    all arguments (see :mod:`pinnkit.reference.cache`).
    """
    shape = (n,) * domain.space_dim
    lengths = domain.lengths[:-1]
    origins = domain.lows[:-1]
    t_out = np.linspace(domain.lows[-1], domain.highs[-1], n_snapshots)

    def compute() -> dict[str, np.ndarray]:
        space = Domain(domain.space_names, origins, domain.highs[:-1])
        points = space.grid(shape, periodic=space.names, dtype=torch.float64)
        u0 = initial(points)[:, 0].reshape(shape).numpy()
        return dict(t=t_out, values=integrate_terms(u0, lengths, terms, t_out, dt))

    def build() -> FunctionReference:
        key = dict(params, n=n, dt=dt, n_snapshots=n_snapshots)
        data = cached_arrays(name, "1", key, compute)
        solution = solution_from_snapshots(data["t"], data["values"], lengths, origins, terms)
        space_axes = tuple(a[::eval_stride] for a in solution.x)
        sub = data["values"][(slice(None),) + (slice(None, None, eval_stride),) * len(shape)]
        values = np.moveaxis(sub, 0, -1)[..., None]
        grid = ReferenceGrid(domain.names, space_axes + (data["t"],), values, ("u",))
        return FunctionReference(domain.names, ("u",), lambda p: solution(p)[:, None], grid)

    return LazyReference(domain.names, ("u",), build)
