"""The roughness index of a loss landscape (Wu, Jian, Du, Chen & Zhou, "Roughness Index for Loss
Landscapes of Neural Network Models of Partial Differential Equations", 2021).

For M random filter-normalised directions d_j, the profile f_j(alpha) = L(theta* + alpha d_j) on
alpha_0 < ... < alpha_m has the normalised total variation

    TV_j = sum_i |f_j(alpha_{i+1}) - f_j(alpha_i)| / ((alpha_m - alpha_0) (max f_j - min f_j))

(zero for a constant profile), and the roughness index is the relative spread of the TVs,

    RI = std(TV_1, ..., TV_M; ddof = 1) / mean(TV_1, ..., TV_M).

A smooth bowl whose minimum sits at theta* gives the same TV along every direction (RI near 0);
an oscillating landscape gives TVs that vary from direction to direction (large RI).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from pinnkit.landscape.directions import random_directions
from pinnkit.landscape.losses import Loss
from pinnkit.landscape.profiles import Profiles, profiles_1d

__all__ = ["Roughness", "normalized_tv", "roughness_index", "roughness"]


def normalized_tv(values, alphas) -> np.ndarray:
    """Normalised total variation of each profile (last axis of ``values``) over ``alphas``."""
    values, alphas = np.asarray(values, dtype=np.float64), np.asarray(alphas, dtype=np.float64)
    if values.shape[-1] != alphas.shape[0] or alphas.shape[0] < 2:
        raise ValueError(f"profiles of {values.shape[-1]} values need as many (>= 2) offsets, got {alphas.shape[0]}")
    if not np.all(np.isfinite(values)):
        raise ValueError("a profile holds non-finite loss values; reduce the span")
    variation = np.abs(np.diff(values, axis=-1)).sum(axis=-1)
    height = values.max(axis=-1) - values.min(axis=-1)
    width = alphas[-1] - alphas[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(height > 0, variation / (width * np.where(height > 0, height, 1.0)), 0.0)


def roughness_index(tv) -> tuple[float, float, float]:
    """``(RI, mean TV, std TV)`` of the normalised total variations ``tv`` (at least two)."""
    tv = np.asarray(tv, dtype=np.float64).ravel()
    if tv.size < 2:
        raise ValueError(f"the roughness index needs at least 2 directions, got {tv.size}")
    mean, std = float(tv.mean()), float(tv.std(ddof=1))
    return (std / mean if mean > 0 else 0.0), mean, std


@dataclass(frozen=True)
class Roughness:
    """The roughness index with its ingredients (``profiles.values[j]`` is direction j's profile)."""

    ri: float
    tv_mean: float
    tv_std: float
    tv: np.ndarray
    profiles: Profiles
    span: float
    points: int
    seed: int
    biases: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def directions(self) -> int:
        return len(self.tv)

    def to_dict(self, profiles: bool = False) -> dict[str, Any]:
        """JSON-able summary (the per-direction profiles too when ``profiles``)."""
        out = dict(ri=self.ri, tv_mean=self.tv_mean, tv_std=self.tv_std, directions=self.directions,
                   span=self.span, points=self.points, seed=self.seed, biases=self.biases,
                   tv=[float(v) for v in self.tv], **self.extra)
        if profiles:
            out.update(alphas=self.profiles.alphas.tolist(), profiles=self.profiles.values.tolist())
        return out


def roughness(model: nn.Module, loss: Loss, directions: int = 50, span: float = 0.01, points: int = 11,
              seed: int = 0, biases: str = "zero", method: str = "batched", chunk: int | None = None,
              dtype: torch.dtype | None = None) -> Roughness:
    """Roughness index of ``loss`` around the current parameters of ``model`` (left unchanged).

    Defaults as in the paper: 50 directions, 11 points on ``[-0.01, 0.01]``. ``seed`` fixes the
    directions; ``biases`` and ``method`` as in :func:`random_directions` / :func:`profiles_1d`.
    ``dtype`` (e.g. ``torch.float64``): evaluate on a copy of the model in that precision, so
    float32 rounding does not add variation to profiles that change little over the span.
    """
    if not isinstance(directions, int) or directions < 2:
        raise ValueError(f"the roughness index needs an integer number of directions >= 2, got {directions!r}")
    if dtype is not None and dtype != next(model.parameters()).dtype:
        model = copy.deepcopy(model).to(dtype)
    dirs = random_directions(model, directions, seed=seed, biases=biases)
    prof = profiles_1d(model, loss, dirs, span=span, points=points, method=method, chunk=chunk)
    tv = normalized_tv(prof.values, prof.alphas)
    ri, mean, std = roughness_index(tv)
    return Roughness(ri, mean, std, tv, prof, float(span), int(points), int(seed), biases)
