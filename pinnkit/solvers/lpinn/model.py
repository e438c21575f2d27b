"""The Lagrangian model: the state u(x0, t) and the characteristic x_L(x0, t) of a label x0, and their
Eulerian evaluation by re-gridding (:mod:`.regrid`)."""
from __future__ import annotations

import warnings

import torch
from torch import nn

from pinnkit.nn import HardConstraint, build_network, impose_initial
from pinnkit.solvers.lpinn.regrid import crossings, periodic_interpolate

__all__ = ["LagrangianModel", "lagrangian_model"]

ROWS_PER_CHUNK = 1 << 18  # label-time points per network evaluation in the Eulerian forward


class LagrangianModel(nn.Module):
    """``lagrangian(points)``: u and x_L at label-time points ``(N, 2)``, each ``(N,)``.

    ``forward(points)`` is the Eulerian solution at ``(x, t)`` points ``(N, 2)`` -> ``(N, 1)``: for
    every distinct time, ``n_labels`` uniformly spaced labels are moved to x_L and their values
    interpolated (periodic, ``interpolation`` "pchip" or "linear") at the query points. Where
    neighbouring particles have met or passed each other (characteristics cross: a shock) the map
    x0 -> x_L is not invertible and no single-valued solution can be read off; the forward then
    warns (RuntimeWarning) naming the first such time.
    """

    def __init__(self, state: nn.Module, characteristic: nn.Module, low: float, period: float,
                 n_labels: int = 2048, interpolation: str = "pchip") -> None:
        super().__init__()
        self.state, self.characteristic = state, characteristic
        self.low, self.period = float(low), float(period)
        self.n_labels, self.interpolation = int(n_labels), interpolation

    def lagrangian(self, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.state(points)[:, 0], self.characteristic(points)[:, 0]

    def labels(self, n: int | None = None, like: torch.Tensor | None = None) -> torch.Tensor:
        """``n`` (default ``n_labels``) uniformly spaced labels in ``[low, low + period)``."""
        param = next(self.parameters()) if like is None else like
        n = n or self.n_labels
        return self.low + self.period * torch.arange(n, device=param.device, dtype=param.dtype) / n

    def particles(self, times: torch.Tensor, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Positions and values of the uniformly spaced labels at ``times`` ``(B,)``: two ``(B, n)``."""
        labels = self.labels(n, like=times)
        grid = torch.stack([labels.repeat(len(times)), times.repeat_interleave(len(labels))], dim=1)
        u, x = self.lagrangian(grid)
        return x.reshape(len(times), -1), u.reshape(len(times), -1)

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"points must have shape (N, 2) (x, t), got {tuple(points.shape)}")
        times, rows = torch.unique(points[:, -1], return_inverse=True)
        out = torch.empty(len(points), dtype=points.dtype, device=points.device)
        per_chunk = max(1, ROWS_PER_CHUNK // self.n_labels)
        crossed: list[float] = []
        for start in range(0, len(times), per_chunk):
            chunk = times[start:start + per_chunk]
            x, u = self.particles(chunk)
            crossed.extend(chunk[crossings(x, self.period)].tolist())
            pick = (rows >= start) & (rows < start + len(chunk))
            out[pick] = periodic_interpolate(x, u, rows[pick] - start, points[pick, 0], self.low, self.period,
                                             self.interpolation).to(out.dtype)
        if crossed:
            warnings.warn(f"characteristics cross at {len(crossed)} of the {len(times)} times asked for, from "
                          f"t = {min(crossed):.4g} on: particles have met or passed each other (a shock), the map "
                          "x0 -> x_L is not invertible there and the interpolated values are not a single-valued "
                          "solution", RuntimeWarning, stacklevel=4)
        return out[:, None]


def lagrangian_model(problem, width: int, depth: int, activation: str, periodic_harmonics: int, speed: float,
                     exact_characteristic: bool, hard_initial: bool, n_labels: int, interpolation: str, generator,
                     dtype, device) -> LagrangianModel:
    """Both networks for a 1-D periodic ``problem``: x_L = x0 + (t - t0) ``speed`` N(x0, t)
    (``exact_characteristic``) or x0 + ``speed`` N(x0, t); u = u0(x0) + (t - t0) / (t1 - t0) M(x0, t)
    with ``hard_initial``."""
    kw = dict(width=width, depth=depth, activation=activation, periodic_harmonics=periodic_harmonics,
              generator=generator, dtype=dtype, device=device)
    state = build_network(problem, **kw)
    if hard_initial:
        state = impose_initial(problem, state)
    t0 = problem.domain.lows[-1]

    def label(points: torch.Tensor) -> torch.Tensor:
        return points[..., :1]

    def elapsed(points: torch.Tensor) -> torch.Tensor:
        return (points[..., -1:] - t0) * speed

    def constant(points: torch.Tensor) -> torch.Tensor:
        return torch.full_like(points[..., :1], speed)

    displacement = build_network(problem, **kw)
    with torch.no_grad():  # particles start at rest, x_L = x0 (J = 1): a random start crosses characteristics
        displacement.mlp.layers[-1].weight.zero_()
        displacement.mlp.layers[-1].bias.zero_()
    characteristic = HardConstraint(displacement, label, elapsed if exact_characteristic else constant)
    dom = problem.domain
    return LagrangianModel(state, characteristic, dom.lows[0], dom.highs[0] - dom.lows[0], n_labels, interpolation)
