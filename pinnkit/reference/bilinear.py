"""Linear interpolation of samples on grids (``(x, t)`` bilinear, or any tensor grid): references given as values."""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.interpolate import RegularGridInterpolator


def bilinear_xt(x: np.ndarray, t: np.ndarray, values: np.ndarray,
                periodic: tuple[float, float] | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """``points (N, 2) = (x, t) -> (N, 1)``, bilinear in ``values`` of shape ``(len(x), len(t))``.

    Points beyond the grid take the value at its edge. ``periodic = (low, length)`` makes the
    interpolant periodic in x with that period (the grid then holds one period, e.g. cell
    centres, and the first column closes the last interval).
    """
    if periodic is not None:
        low, length = periodic
        x = np.concatenate([x, [x[0] + length]])
        values = np.concatenate([values, values[:1]], axis=0)

    def fn(points: np.ndarray) -> np.ndarray:
        px, pt = points[:, 0], points[:, 1]
        if periodic is not None:
            px = low + np.mod(px - low, length)
            px = np.where(px < x[0], px + length, px)
        i = np.clip(np.searchsorted(x, px) - 1, 0, len(x) - 2)
        j = np.clip(np.searchsorted(t, pt) - 1, 0, len(t) - 2)
        wx = np.clip((px - x[i]) / (x[i + 1] - x[i]), 0.0, 1.0)
        wt = np.clip((pt - t[j]) / (t[j + 1] - t[j]), 0.0, 1.0)
        lo = values[i, j] * (1 - wx) + values[i + 1, j] * wx
        hi = values[i, j + 1] * (1 - wx) + values[i + 1, j + 1] * wx
        return (lo * (1 - wt) + hi * wt)[:, None]

    return fn


def linear_on_grid(axes: tuple[np.ndarray, ...], values: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``points (N, d) -> (N, F)``, multilinear in ``values`` ``(len(axes[0]), ..., len(axes[-1]), F)``.

    Points beyond the grid are clamped to it first, so they take the value at the nearest edge
    or corner (the grids here are cell centres, half a cell inside the domain).
    """
    axes = tuple(np.asarray(a, dtype=float) for a in axes)
    interpolate = RegularGridInterpolator(axes, np.asarray(values, dtype=float), method="linear")
    lows, highs = np.array([a[0] for a in axes]), np.array([a[-1] for a in axes])

    def fn(points: np.ndarray) -> np.ndarray:
        return interpolate(np.clip(np.asarray(points, dtype=float), lows, highs))

    return fn
