"""Hard-constraint output transforms: ``u(x) = g(x) + D(x) N(x)``.

``g`` (the particular solution) takes the constrained values on the boundary and ``D`` (the
distance function) vanishes there, so ``u`` satisfies the conditions exactly for any network
``N`` (Lagaris, Likas & Fotiadis, IEEE TNN 9, 1998; Lu et al., SIAM J. Sci. Comput. 43, 2021).
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from pinnkit._validate import check_choice

__all__ = ["HardConstraint", "box_distance", "initial_distance", "impose_initial"]

PointFn = Callable[[torch.Tensor], torch.Tensor]


class HardConstraint(nn.Module):
    """``u(x) = particular(x) + distance(x) * network(x)``.

    ``particular`` maps points ``(N, d)`` to ``(N, m)``; ``distance`` to ``(N, 1)`` (one factor
    for every output) or ``(N, m)``. Both must be written in torch operations (no in-place
    changes of the points) so the wrapped module still works under ``torch.func``.
    """

    def __init__(self, network: nn.Module, particular: PointFn, distance: PointFn) -> None:
        super().__init__()
        if not (callable(particular) and callable(distance)):
            raise TypeError("HardConstraint needs callable particular(points) and distance(points)")
        self.network, self.particular, self.distance = network, particular, distance
        self.coords = getattr(network, "coords", None)
        self.fields = getattr(network, "fields", None)
        self.in_features = getattr(network, "in_features", None)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        n = self.network(points)
        g, d = self.particular(points), self.distance(points)
        if g.shape != n.shape or d.shape[:-1] != n.shape[:-1] or d.shape[-1] not in (1, n.shape[-1]):
            raise ValueError(f"hard constraint shapes: network {tuple(n.shape)}, particular {tuple(g.shape)} "
                             f"(must match), distance {tuple(d.shape)} (must be (N, 1) or (N, {n.shape[-1]}))")
        return g + d * n

    def describe(self) -> str:
        inner = self.network.describe() if hasattr(self.network, "describe") else type(self.network).__name__
        return f"hard constraint u = g + D N, with N: {inner}"


def box_distance(domain, along: Sequence[str] | None = None, normalized: bool = True) -> PointFn:
    """``D(x) = prod_i (x_i - a_i)(b_i - x_i) / ((b_i - a_i) / 2)^2`` over the coordinates ``along``.

    Zero on the faces ``x_i = a_i`` and ``x_i = b_i`` (``along`` defaults to every space
    coordinate), one at the centre of the box; ``normalized=False`` leaves out the division
    (``x (1 - x)`` on ``[0, 1]``). Returns ``(N, 1)``.
    """
    names = tuple(domain.space_names if along is None else along)
    if not names:
        raise ValueError("box_distance needs at least one coordinate")
    cols = [domain.names.index(check_choice("coordinate", n, domain.names)) for n in names]
    bounds = [(domain.lows[i], domain.highs[i]) for i in cols]

    def distance(points: torch.Tensor) -> torch.Tensor:
        d = 1.0
        for i, (a, b) in zip(cols, bounds):
            x = points[..., i : i + 1]
            d = d * ((x - a) * (b - x) * (4.0 / (b - a) ** 2 if normalized else 1.0))
        return d

    return distance


def initial_distance(domain) -> PointFn:
    """``D(x, t) = (t - t0) / (t1 - t0)``: zero on the initial slice. Returns ``(N, 1)``."""
    if domain.time is None:
        raise ValueError("initial_distance needs a space x time domain; this domain has no time")
    t0, t1 = domain.lows[-1], domain.highs[-1]

    def distance(points: torch.Tensor) -> torch.Tensor:
        return (points[..., -1:] - t0) / (t1 - t0)

    return distance


def impose_initial(problem, network: nn.Module) -> HardConstraint:
    """Wrap ``network`` so the problem's initial condition holds exactly:
    ``u(x, t) = u0(x) + (t - t0) / (t1 - t0) N(x, t)`` for the fields the condition names; the
    other fields (e.g. pressure) are ``N`` unchanged."""
    ic = problem.initial_condition
    if ic is None:
        raise ValueError(f"problem {problem.name!r} has no initial condition to impose")
    _check_differentiable(problem)
    fields = tuple(problem.fields)
    where = [ic.fields.index(f) if f in ic.fields else None for f in fields]
    time = initial_distance(problem.domain)

    def particular(points: torch.Tensor) -> torch.Tensor:
        u0 = ic.value(points[..., :-1]).reshape(*points.shape[:-1], len(ic.fields))
        zero = torch.zeros_like(points[..., :1])
        return torch.cat([u0[..., j : j + 1] if j is not None else zero for j in where], dim=-1)

    def distance(points: torch.Tensor) -> torch.Tensor:
        if all(j is not None for j in where):
            return time(points)
        d, one = time(points), torch.ones_like(points[..., :1])
        return torch.cat([d if j is not None else one for j in where], dim=-1)

    return HardConstraint(network, particular, distance)


def _check_differentiable(problem) -> None:
    """u0's space derivatives enter every residual of the wrapped network: refuse an initial
    condition whose values carry no gradient (e.g. numpy interpolation) unless it is constant."""
    probe = problem.domain.sample_initial(16, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x = probe[:, :-1].clone().requires_grad_(True)
    values = problem.initial_condition.value(x)
    if not values.requires_grad and float(values.max() - values.min()) != 0.0:
        raise ValueError(f"problem {problem.name!r}: its initial condition is not differentiable torch code "
                         "(no gradient with respect to x), so it cannot be imposed exactly; use hard_initial=False")
