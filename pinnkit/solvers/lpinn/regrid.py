"""Re-gridding Lagrangian data onto Eulerian points: periodic interpolation of scattered (x_L, u) pairs.

At one time t the particles sit at x_L(x0_j, t) carrying u(x0_j, t). Wrapped into the periodic
cell and sorted they are an irregular grid; the value at any x is interpolated from it:
piecewise linear, or the monotone cubic Hermite interpolant of Fritsch & Carlson (SIAM J. Numer.
Anal. 17, 1980) with the weighted harmonic-mean slopes of Fritsch & Butland (SIAM J. Sci. Stat.
Comput. 5, 1984), which never overshoots the data (no new extrema next to a steep front). Rows
(times) are handled together: every row is shifted by its own offset so that one
``torch.searchsorted`` finds all intervals.
"""
from __future__ import annotations

import torch

__all__ = ["periodic_interpolate", "pchip_slopes", "crossings"]

GHOSTS = 2  # periodic copies on each side: the slope at a knot needs both neighbours


def _gap(x: torch.Tensor) -> float:
    """The smallest interval length used in divisions (coincident particles)."""
    return float(torch.finfo(x.dtype).tiny ** 0.5)


def pchip_slopes(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Monotone slopes at the interior knots of rows ``x``, ``y`` ``(B, n)``: ``(B, n - 2)``.

    d_k = 0 where the secants on both sides differ in sign (or one is 0), else
    (w1 + w2) / (w1 / m_{k-1} + w2 / m_k) with w1 = 2 h_k + h_{k-1}, w2 = h_k + 2 h_{k-1}.
    """
    h = x.diff(dim=-1).clamp_min(_gap(x))
    m = y.diff(dim=-1) / h
    h0, h1, m0, m1 = h[..., :-1], h[..., 1:], m[..., :-1], m[..., 1:]
    w1, w2 = 2 * h1 + h0, h1 + 2 * h0
    same_sign = (m0 * m1) > 0
    safe0 = torch.where(same_sign, m0, torch.ones_like(m0))
    safe1 = torch.where(same_sign, m1, torch.ones_like(m1))
    return torch.where(same_sign, (w1 + w2) / (w1 / safe0 + w2 / safe1), torch.zeros_like(m0))


def periodic_interpolate(knots: torch.Tensor, values: torch.Tensor, rows: torch.Tensor, queries: torch.Tensor,
                         low: float, period: float, method: str = "pchip") -> torch.Tensor:
    """Interpolate periodic scattered data at ``queries``.

    ``knots`` ``(B, n)``: positions (any real numbers: wrapped into ``[low, low + period)`` here);
    ``values`` ``(B, n)``; ``rows`` ``(M,)``: the row each query belongs to; ``queries`` ``(M,)``.
    Returns ``(M,)``. Coincident knots are treated as a tiny interval (no division by 0).
    """
    n = knots.shape[-1]
    wrapped = low + torch.remainder(knots - low, period)
    order = wrapped.argsort(dim=-1)
    x = wrapped.gather(-1, order)
    y = values.gather(-1, order)
    x = torch.cat([x[:, -GHOSTS:] - period, x, x[:, :GHOSTS] + period], dim=-1)
    y = torch.cat([y[:, -GHOSTS:], y, y[:, :GHOSTS]], dim=-1)
    width = n + 2 * GHOSTS
    stride = 4 * period  # rows laid end to end, each shifted past the previous one's span
    offsets = torch.arange(len(x), device=x.device, dtype=x.dtype)[:, None] * stride
    q = low + torch.remainder(queries - low, period)
    flat = (x + offsets).reshape(-1)
    index = torch.searchsorted(flat, q + rows.to(x.dtype) * stride, right=True) - 1
    k = (index - rows * width).clamp(GHOSTS - 1, n + GHOSTS - 1)  # left knot of the interval
    x0, x1 = x[rows, k], x[rows, k + 1]
    y0, y1 = y[rows, k], y[rows, k + 1]
    h = (x1 - x0).clamp_min(_gap(x))
    s = ((q - x0) / h).clamp(0.0, 1.0)
    if method == "linear":
        return y0 + s * (y1 - y0)
    if method != "pchip":
        raise ValueError(f"unknown interpolation {method!r}; choose 'pchip' or 'linear'")
    slopes = torch.nn.functional.pad(pchip_slopes(x, y), (1, 1))  # knots 0 and width-1 are never used
    d0, d1 = slopes[rows, k], slopes[rows, k + 1]
    s2, s3 = s * s, s * s * s
    return ((2 * s3 - 3 * s2 + 1) * y0 + (s3 - 2 * s2 + s) * h * d0
            + (-2 * s3 + 3 * s2) * y1 + (s3 - s2) * h * d1)


def crossings(knots: torch.Tensor, period: float | None) -> torch.Tensor:
    """Per row of particle positions ``(B, n)`` ordered by label: True where two neighbours have met
    or passed each other (x_L not strictly increasing in x0, including across the periodic seam)."""
    gaps = knots.diff(dim=-1)
    if period is not None:
        gaps = torch.cat([gaps, knots[:, :1] + period - knots[:, -1:]], dim=-1)
    return (gaps <= 0).any(dim=-1)
