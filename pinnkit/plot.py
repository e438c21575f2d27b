"""Figures (matplotlib, imported lazily and drawn off-screen with the Agg backend)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from pinnkit._io import atomic_write
from pinnkit.reference.base import ReferenceGrid


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` atomically (temporary file in the same folder, then rename) and close it."""
    path = Path(path)
    try:
        return atomic_write(path, lambda handle: fig.savefig(handle, format=path.suffix.lstrip(".") or "png",
                                                             dpi=120, bbox_inches="tight"))
    finally:
        _pyplot().close(fig)


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
        rows, cols = (n_fields, len(times)) if unsteady else (1, n_fields)
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
        x, y = grid.axes[0], grid.axes[1]
        for i, name in enumerate(grid.fields):
            for j, k in enumerate(times):
                ax = axes[i, j] if unsteady else axes[0, i]
                values = grid.values[..., k, i] if unsteady else grid.values[..., i]
                low, high = _robust_limits(values)
                mesh = ax.pcolormesh(x, y, values.T, shading="auto", cmap="RdBu_r", vmin=low, vmax=high)
                fig.colorbar(mesh, ax=ax)
                label = f"{name}, t = {grid.axes[2][k]:.3g}" if unsteady else name
                ax.set(xlabel="x", ylabel="y", title=label, aspect="equal")
    elif space_dim == 1:
        fig, axes = plt.subplots(1, n_fields, figsize=(5 * n_fields, 3.6), squeeze=False)
        for i, name in enumerate(grid.fields):
            axes[0, i].plot(grid.axes[0], grid.values[:, i])
            axes[0, i].set(xlabel=grid.coords[0], ylabel=name)
    else:
        raise ValueError(f"no plot for {space_dim}-D space yet")
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def _robust_limits(values: np.ndarray) -> tuple[float, float]:
    """Colour limits from the 0.5 and 99.5 percentiles, so one singular corner (the cavity's
    pressure) does not wash out the field."""
    low, high = np.percentile(values, [0.5, 99.5])
    return (float(low), float(high)) if high > low else (float(values.min()), float(values.max()) + 1e-300)
