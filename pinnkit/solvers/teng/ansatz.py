"""TENG ansatz networks on space only, and the model that carries them through time.

* :func:`spatial_network` -- the TENG ansatz: exact trainable periodic embedding
  a cos(pi x + phi) + c per coordinate, then an MLP (Chen et al., ICML 2024).
* :class:`FourierSeries` -- u(x) = sum_k c_k phi_k(x), a truncated tensor-product Fourier basis,
  linear in its parameters (least squares is exact: the order-of-convergence tests use it).
* :class:`SnapshotModel` -- u(x, t) from the parameters recorded at the steps: the network with
  snapshot parameters, linear in time between snapshots (exact at the recorded times, O(dt^2)
  between them), NaN outside the time interval reached.
"""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.func import functional_call

from pinnkit._validate import check_int
from pinnkit.domain import Domain
from pinnkit.nn import MLP, InputEncoding, Network

__all__ = ["spatial_network", "FourierSeries", "SnapshotModel"]


def spatial_network(space: Domain, fields: tuple[str, ...], width: int, depth: int, activation: str,
                    periodic_features: int, generator: torch.Generator, dtype: torch.dtype, device) -> Network:
    """MLP on the space coordinates of ``space``, all of them periodic with the trainable embedding."""
    encoding = InputEncoding(space.names, space.lows, space.highs, space.names, trainable_periodic=periodic_features,
                             generator=generator, dtype=dtype, device=device)
    mlp = MLP(encoding.out_features, len(fields), width, depth, activation, generator, dtype, device)
    return Network(encoding, mlp, fields)


class FourierSeries(nn.Module):
    """``u(x) = sum_k c_k prod_d phi_{k_d}(theta_d)``, ``phi in {1, cos(j theta), sin(j theta)}_{j<=K}``.

    ``theta_d = 2 pi (x_d - low_d) / L_d``; ``(2K + 1)^d`` coefficients per field, initialised to
    zero. Linear in its parameters, so a least-squares fit onto a target in its span is exact.
    """

    def __init__(self, space: Domain, fields: tuple[str, ...], modes: int, dtype: torch.dtype, device) -> None:
        super().__init__()
        check_int("fourier_modes", modes)
        self.coords, self.fields, self.modes = tuple(space.names), tuple(fields), modes
        self.lows = tuple(space.lows)
        self.lengths = tuple(h - l for l, h in zip(space.lows, space.highs))
        size = (2 * modes + 1) ** len(self.coords)
        self.coefficients = nn.Parameter(torch.zeros(size, len(fields), dtype=dtype, device=device))

    def basis(self, points: torch.Tensor) -> torch.Tensor:
        """The basis functions at ``points`` ``(N, d)``: ``(N, (2K + 1)^d)``."""
        k = torch.arange(1, self.modes + 1, dtype=points.dtype, device=points.device)
        out = torch.ones(points.shape[0], 1, dtype=points.dtype, device=points.device)
        for i, (low, length) in enumerate(zip(self.lows, self.lengths)):
            theta = (2 * math.pi / length) * (points[:, i:i + 1] - low) * k
            axis = torch.cat([torch.ones_like(theta[:, :1]), torch.cos(theta), torch.sin(theta)], dim=1)
            out = (out.unsqueeze(-1) * axis.unsqueeze(1)).flatten(1)
        return out

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        return self.basis(points) @ self.coefficients

    def extra_repr(self) -> str:
        return f"coords={self.coords}, modes={self.modes}"


class SnapshotModel(nn.Module):
    """``u(x, t)`` from a spatial network and its parameters recorded at times ``t_k``.

    ``forward`` takes space-time points ``(N, d + 1)`` (time last). At a recorded time it is the
    network with that time's parameters; between two records it interpolates the two networks'
    values linearly; between the last record and ``t_now`` it uses the live parameters; outside
    ``[t_0, t_now]`` it returns NaN (no solution is known there).
    """

    def __init__(self, net: nn.Module, capacity: int) -> None:
        super().__init__()
        self.net = net
        size = sum(p.numel() for p in self._trainable())
        p = next(net.parameters())
        self.register_buffer("times", torch.full((max(capacity, 1),), math.nan, dtype=p.dtype, device=p.device))
        self.register_buffer("states", torch.zeros(max(capacity, 1), size, dtype=p.dtype, device=p.device))
        self.register_buffer("count", torch.zeros((), dtype=torch.int64, device=p.device))
        self.register_buffer("t_now", torch.full((), math.nan, dtype=p.dtype, device=p.device))

    def _trainable(self) -> list[nn.Parameter]:
        return [p for p in self.net.parameters() if p.requires_grad]

    def record(self, t: float) -> None:
        """Store the live parameters as the solution at time ``t`` (and set ``t_now = t``)."""
        flat = torch.cat([p.detach().reshape(-1) for p in self._trainable()])
        k = int(self.count)
        if k > 0 and abs(float(self.times[k - 1]) - t) <= 1e-12 * max(1.0, abs(t)):
            k -= 1  # same time again (a restart): overwrite
        if k >= self.times.shape[0]:
            self.times = torch.cat([self.times, torch.full_like(self.times, math.nan)])
            self.states = torch.cat([self.states, torch.zeros_like(self.states)])
        self.states[k] = flat
        self.times[k] = t
        self.count.fill_(k + 1)
        self.t_now.fill_(t)

    def _unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        out, offset = {}, 0
        for name, p in self.net.named_parameters():
            if p.requires_grad:
                out[name] = flat[offset:offset + p.numel()].view_as(p)
                offset += p.numel()
        return out

    def forward(self, points: torch.Tensor) -> torch.Tensor:
        x, t = points[:, :-1], points[:, -1]
        k = int(self.count)
        if k == 0:
            return self.net(x)
        times = self.times[:k]
        live = float(self.t_now) > float(times[-1])
        if live:
            times = torch.cat([times, self.t_now.reshape(1)])
        n = times.shape[0]
        tol = 1e-9 * max(1.0, float(times.abs().max()))
        right = torch.searchsorted(times, t.contiguous(), right=True).clamp(1, n) if n > 1 else torch.ones_like(t, dtype=torch.int64)
        left = (right - 1).clamp(0, n - 1)
        right = right.clamp(max=n - 1)
        span = (times[right] - times[left])
        weight = torch.where(span > 0, (t - times[left]) / torch.where(span > 0, span, 1.0), torch.zeros_like(t))
        weight = weight.clamp(0, 1)
        weight = torch.where(weight < 1e-9, 0.0, torch.where(weight > 1 - 1e-9, 1.0, weight))
        outside = (t < times[0] - tol) | (t > times[-1] + tol)
        out = torch.zeros(points.shape[0], len(getattr(self.net, "fields", (0,))), dtype=points.dtype,
                          device=points.device)
        coeff_left, coeff_right = 1 - weight, weight
        used = torch.unique(torch.cat([left[coeff_left > 0], right[coeff_right > 0]]))
        for q in used.tolist():
            c = coeff_left * (left == q) + coeff_right * (right == q)
            mask = c > 0
            if live and q == n - 1:
                values = self.net(x[mask])
            else:
                values = functional_call(self.net, self._unflatten(self.states[q]), (x[mask],))
            out[mask] += c[mask, None] * values
        out[outside] = math.nan
        return out

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        for name in ("times", "states"):
            if prefix + name in state_dict:  # the record count varies between runs: take the saved size
                setattr(self, name, torch.empty_like(state_dict[prefix + name], device=getattr(self, name).device,
                                                     dtype=getattr(self, name).dtype))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
