"""PDEBench's error metrics, implemented from their published definitions.

Takahashi et al., *PDEBench: An Extensive Benchmark for Scientific Machine Learning*, NeurIPS
2022 Datasets and Benchmarks, sec. 4 and appendix D. Arrays are shaped
``(batch, space..., time, channel)`` (numpy or torch; computed in float64). With
``D = pred - target``, frames ``t < initial_step`` dropped and ``N`` spatial points:

* ``rmse``     per (sample, channel, t) ``sqrt(mean_x D^2)``, mean over samples;
* ``nrmse``    per (sample, channel, t) ``sqrt(mean_x D^2) / sqrt(mean_x target^2)``, mean over samples;
* ``crmse``    ``sqrt(mean_samples (sum_x pred - sum_x target)^2) / N`` (error of the conserved mean);
* ``max_err``  ``max`` over samples and space of ``|D|``;
* ``brmse``    boundary RMS: 1-D ``sqrt((D_first^2 + D_last^2) / 2)``; 2-D / 3-D the RMS of ``D``
  over the edges / faces (2 nx + 2 ny points in 2-D, corners counted on both edges), mean over samples;
* ``frmse_*``  Fourier-space RMSE in the bands low ``[0, iLow)``, mid ``[iLow, iHigh)``, high
  ``[iHigh, end)`` (NaN when a band is empty). 1-D: ``F`` the unnormalised real FFT over x, per
  (channel, k, t) ``sqrt(mean_samples |F(pred) - F(target)|^2) / nx * Lx``, k = 0 .. floor(nx / 2).
  n-D: full FFT over space, indices ``i_d < n_d / 2``, radial bin ``floor(|i|)``, bins
  ``r < min(n) / 2``, per bin ``sqrt(mean_samples sum_bin |dF|^2) / prod(n) * prod(L)``. For odd
  n both keep the wavenumbers below n / 2 (0 .. (n - 1) / 2), so a mode constant along y scores
  the same in 1-D and 2-D; for even n the 1-D bins also hold the Nyquist mode k = n / 2.
  This follows the written definition (i < n / 2); PDEBench's own script stops at n // 2 in n-D,
  so on odd grids (e.g. 128 points read with stride 3) its 2-D bands drop the last radius (n - 1) / 2.
  On even grids, PDEBench's resolutions, the two agree.

Every metric is first an array over (channel, time) and is then averaged over channels and
time to one float. Dataset-level numbers here are plain means over samples; PDEBench's own
evaluation loop sums per-batch means and divides by the number of batches minus one, which
differs from this mean by a factor n_batches / (n_batches - 1).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = ["pdebench_metrics", "METRIC_KEYS"]

METRIC_KEYS = ("rmse", "nrmse", "crmse", "max_err", "brmse", "frmse_low", "frmse_mid", "frmse_high")


def _as_array(a: np.ndarray | torch.Tensor, name: str) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    a = np.asarray(a, dtype=np.float64)
    if a.ndim < 4 or a.ndim > 6:
        raise ValueError(f"{name} must be shaped (batch, space..., time, channel) with 1 to 3 space axes, "
                         f"got shape {a.shape}")
    return a


def _boundary_rms(d: np.ndarray, n_space: int) -> np.ndarray:
    """Per (sample, channel, t) RMS of ``d`` ``(b, space..., t, c)`` over the boundary cells."""
    parts = []
    for axis in range(1, 1 + n_space):
        for index in (0, -1):
            face = np.take(d, index, axis=axis)
            parts.append(face.reshape(face.shape[0], -1, *face.shape[-2:]))
    return np.sqrt(np.mean(np.concatenate(parts, axis=1) ** 2, axis=1))


def _fourier_bands(pred: np.ndarray, target: np.ndarray, lengths: tuple[float, ...]) -> np.ndarray:
    """Per (bin, t, c) Fourier RMSE; bins are wavenumbers (1-D) or radial shells (n-D)."""
    n_space = len(lengths)
    axes = tuple(range(1, 1 + n_space))
    shape = pred.shape[1:1 + n_space]
    if n_space == 1:
        df = np.fft.rfft(pred, axis=1) - np.fft.rfft(target, axis=1)  # (b, k, t, c)
        return np.sqrt(np.mean(np.abs(df) ** 2, axis=0)) / shape[0] * lengths[0]
    df = np.fft.fftn(pred, axes=axes) - np.fft.fftn(target, axes=axes)
    keep = tuple(slice(0, (n + 1) // 2) for n in shape)  # indices i_d < n_d / 2
    power = np.abs(df[(slice(None),) + keep]) ** 2  # (b, i, j[, l], t, c)
    grids = np.meshgrid(*[np.arange(len(range(*s.indices(n)))) for s, n in zip(keep, shape)], indexing="ij")
    radius = np.floor(np.sqrt(sum(g.astype(float) ** 2 for g in grids))).astype(int)
    n_bins = (min(shape) + 1) // 2  # bins r < min(n) / 2: for odd n that includes r = (n - 1) / 2
    flat = power.reshape(power.shape[0], -1, *power.shape[-2:])
    radius = radius.ravel()
    out = np.stack([flat[:, radius == r].sum(axis=1) for r in range(n_bins)], axis=1)  # (b, bin, t, c)
    return np.sqrt(np.mean(out, axis=0)) / math.prod(shape) * math.prod(lengths)


def _band_mean(values: np.ndarray, start: int, stop: int | None) -> float:
    band = values[start:stop]
    return float(np.mean(band)) if band.size else float("nan")


def pdebench_metrics(pred: np.ndarray | torch.Tensor, target: np.ndarray | torch.Tensor, *, initial_step: int = 0,
                     Lx: float = 1.0, Ly: float = 1.0, Lz: float = 1.0, iLow: int = 4,
                     iHigh: int = 12) -> dict[str, float]:
    """PDEBench's metrics of ``pred`` against ``target`` (see the module docstring).

    Both are shaped ``(batch, space..., time, channel)``; returns floats under
    :data:`METRIC_KEYS`, each averaged over channels and the time frames from ``initial_step`` on.
    """
    pred, target = _as_array(pred, "pred"), _as_array(target, "target")
    if pred.shape != target.shape:
        raise ValueError(f"pred and target shapes differ: {pred.shape} vs {target.shape}")
    if not 0 <= initial_step < pred.shape[-2]:
        raise ValueError(f"initial_step must be in [0, {pred.shape[-2]}) for {pred.shape[-2]} time frames, "
                         f"got {initial_step}")
    if not 0 <= iLow <= iHigh:
        raise ValueError(f"need 0 <= iLow <= iHigh, got iLow={iLow}, iHigh={iHigh}")
    pred, target = pred[..., initial_step:, :], target[..., initial_step:, :]
    n_space = pred.ndim - 3
    axes = tuple(range(1, 1 + n_space))
    n_points = math.prod(pred.shape[1:1 + n_space])
    d = pred - target
    rmse = np.sqrt(np.mean(d**2, axis=axes))  # (b, t, c)
    norm = np.sqrt(np.mean(target**2, axis=axes))
    with np.errstate(divide="ignore", invalid="ignore"):
        nrmse = rmse / norm
    crmse = np.sqrt(np.mean((pred.sum(axis=axes) - target.sum(axis=axes)) ** 2, axis=0)) / n_points
    max_err = np.abs(d).max(axis=(0,) + axes)
    brmse = _boundary_rms(d, n_space)
    fourier = _fourier_bands(pred, target, (Lx, Ly, Lz)[:n_space])  # (bin, t, c)
    return dict(rmse=float(rmse.mean(axis=0).mean()), nrmse=float(nrmse.mean(axis=0).mean()),
                crmse=float(crmse.mean()), max_err=float(max_err.mean()), brmse=float(brmse.mean(axis=0).mean()),
                frmse_low=_band_mean(fourier.mean(axis=(1, 2)), 0, iLow),
                frmse_mid=_band_mean(fourier.mean(axis=(1, 2)), iLow, iHigh),
                frmse_high=_band_mean(fourier.mean(axis=(1, 2)), iHigh, None))
