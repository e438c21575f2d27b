"""Landscape figures (PNG, matplotlib Agg): 1-D profiles, 2-D contour and surface, RI along training."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from pinnkit.landscape.profiles import Surface
from pinnkit.landscape.roughness import Roughness
from pinnkit.plot import _pyplot, save_figure

__all__ = ["plot_profiles", "plot_surface", "plot_curve"]


def plot_profiles(r: Roughness, path: str | Path, title: str = "") -> Path:
    """Every direction's profile ``L(theta* + alpha d_j)`` overlaid, and the histogram of their TVs."""
    plt = _pyplot()
    fig, (ax, hist) = plt.subplots(1, 2, figsize=(10, 3.8))
    for values in r.profiles.values:
        ax.plot(r.profiles.alphas, values, lw=0.8, alpha=0.6)
    ax.set(xlabel="alpha", ylabel="loss", title=f"{r.directions} directions")
    ax.locator_params(axis="x", nbins=5)
    hist.hist(r.tv, bins=min(20, max(5, r.directions // 3)), range=histogram_range(r.tv))
    hist.set(xlabel="normalised total variation", ylabel="directions",
             title=f"RI = {r.ri:.3g} (TV mean {r.tv_mean:.3g}, std {r.tv_std:.3g})")
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def histogram_range(values, rel: float = 1e-9) -> tuple[float, float]:
    """``(min, max)`` of ``values``, widened to ``|max| rel`` either side (``rel`` if max = 0) when the
    values agree to round-off: equal-width bins over a range of a few ulps do not exist (numpy raises
    "Too many bins for data range"), and all directions with the same TV (every profile monotone:
    TV = 1 / width) is a legitimate outcome."""
    v = np.asarray(values, dtype=np.float64)
    lo, hi = float(v.min()), float(v.max())
    scale = max(abs(lo), abs(hi)) or 1.0
    if hi - lo > scale * rel:
        return lo, hi
    return lo - scale * rel, hi + scale * rel


def plot_surface(s: Surface, path: str | Path, title: str = "") -> Path:
    """Contour map and 3-D surface of ``L(theta* + a d_1 + b d_2)``."""
    plt = _pyplot()
    fig = plt.figure(figsize=(11, 4.4))
    ax = fig.add_subplot(1, 2, 1)
    contour = ax.contourf(s.a, s.b, s.values.T, levels=30, cmap="viridis")
    ax.contour(s.a, s.b, s.values.T, levels=15, colors="k", linewidths=0.4)
    fig.colorbar(contour, ax=ax, label="loss")
    ax.plot([0], [0], "r+", ms=10)
    ax.locator_params(nbins=5)
    ax.set(xlabel="a (direction 1)", ylabel="b (direction 2)", title="contours")
    ax3 = fig.add_subplot(1, 2, 2, projection="3d")
    a, b = np.meshgrid(s.a, s.b, indexing="ij")
    ax3.plot_surface(a, b, s.values, cmap="viridis", linewidth=0, antialiased=True)
    ax3.set(xlabel="a", ylabel="b", zlabel="loss", title="surface")
    ax3.locator_params(nbins=4)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_curve(curve: Sequence[dict], path: str | Path, title: str = "") -> Path:
    """The roughness index (and the loss, when recorded) against the training step."""
    if not curve:
        raise ValueError("no roughness-index records to plot")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    steps = [row["step"] for row in curve]
    ax.plot(steps, [row["ri"] for row in curve], "o-", color="C0")
    ax.set(xlabel="step", ylabel="roughness index", title=title or "roughness index along training")
    losses = [row.get("loss") for row in curve]
    if all(v is not None and np.isfinite(v) for v in losses):
        twin = ax.twinx()
        twin.plot(steps, losses, "s--", color="C1", ms=3)
        twin.set_ylabel("loss", color="C1")
        if min(losses) > 0:
            twin.set_yscale("log")
    fig.tight_layout()
    return save_figure(fig, path)
