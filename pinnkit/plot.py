"""Figures (matplotlib, imported lazily and drawn off-screen with the Agg backend)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from pinnkit.reference.base import ReferenceGrid


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` atomically (temporary file in the same folder, then rename) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=path.suffix)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
        _pyplot().close(fig)
    return path


def plot_grid(grid: ReferenceGrid, title: str, path: str | Path, time: str | None = "t") -> Path:
    """Plot every field of a grid solution.

    1-D + time: a space-time colour map per field and a few time slices; 2-D + time: each field
    at four times; steady 1-D: line plots; steady 2-D: one colour map per field.
    """
    plt = _pyplot()
    unsteady = time is not None and grid.coords[-1] == time
    space_dim = len(grid.coords) - unsteady
    n_fields = len(grid.fields)
    if space_dim == 1 and unsteady:
        fig, axes = plt.subplots(n_fields, 2, figsize=(11, 3.6 * n_fields), squeeze=False)
        x, t = grid.axes
        for i, name in enumerate(grid.fields):
            values = grid.values[..., i]
            mesh = axes[i, 0].pcolormesh(t, x, values, shading="auto", cmap="RdBu_r")
            fig.colorbar(mesh, ax=axes[i, 0], label=name)
            axes[i, 0].set(xlabel="t", ylabel="x", title=f"{name}(x, t)")
            for j in np.linspace(0, len(t) - 1, 4).astype(int):
                axes[i, 1].plot(x, values[:, j], label=f"t = {t[j]:.3g}")
            axes[i, 1].set(xlabel="x", ylabel=name, title="slices")
            axes[i, 1].legend(fontsize="small")
    elif space_dim == 2:
        times = np.linspace(0, len(grid.axes[2]) - 1, 4).astype(int) if unsteady else [None]
        fig, axes = plt.subplots(n_fields, len(times), figsize=(3.8 * len(times), 3.4 * n_fields),
                                 squeeze=False)
        x, y = grid.axes[0], grid.axes[1]
        for i, name in enumerate(grid.fields):
            for j, k in enumerate(times):
                values = grid.values[..., k, i] if unsteady else grid.values[..., i]
                mesh = axes[i, j].pcolormesh(x, y, values.T, shading="auto", cmap="RdBu_r")
                fig.colorbar(mesh, ax=axes[i, j])
                label = f"{name}, t = {grid.axes[2][k]:.3g}" if unsteady else name
                axes[i, j].set(xlabel="x", ylabel="y", title=label, aspect="equal")
    elif space_dim == 1:
        fig, axes = plt.subplots(1, n_fields, figsize=(5 * n_fields, 3.6), squeeze=False)
        for i, name in enumerate(grid.fields):
            axes[0, i].plot(grid.axes[0], grid.values[:, i])
            axes[0, i].set(xlabel=grid.coords[0], ylabel=name)
    else:
        raise ValueError(f"no plot for {space_dim}-D space yet")
    fig.suptitle(title)
    return save_figure(fig, path)
