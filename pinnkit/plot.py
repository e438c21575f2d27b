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


def _slice_for_plot(grid: ReferenceGrid, values: np.ndarray, time: str | None):
    """A 2-D (or 1-D) view: (x, t) for 1-D evolution, (x, y) at the final time for 2-D."""
    shape = [len(a) for a in grid.axes]
    values = values.reshape(*shape, -1)
    unsteady = time is not None and grid.coords[-1] == time
    if len(shape) == 3 and unsteady:
        return values[:, :, -1], (grid.axes[0], grid.axes[1]), ("x", "y"), f" at t = {grid.axes[2][-1]:.3g}"
    if len(shape) == 2:
        return values, (grid.axes[0], grid.axes[1]), grid.coords, ""
    return values, (grid.axes[0],), grid.coords, ""


def plot_result(result, path: str | Path) -> Path:
    """Prediction, reference and pointwise error per field, and the loss history, in one figure."""
    plt = _pyplot()
    problem = result.problem
    fields = problem.fields
    has_ref = problem.reference is not None
    if has_ref:
        grid = problem.reference.grid()
    else:
        axes = problem.domain.axes(64 if problem.domain.dim < 3 else 48)
        grid = ReferenceGrid(problem.coords, tuple(axes), np.empty(0), fields)
    pred = result.u(grid.points())
    ref = grid.flat_values() if has_ref else None
    for i, name in enumerate(fields):  # compare gauge-free fields after removing the mean offset
        if has_ref and name in problem.up_to_constant:
            pred[:, i] += np.mean(ref[:, i] - pred[:, i])
    panels = [("prediction", pred)] + ([("reference", ref), ("|error|", np.abs(pred - ref))] if has_ref else [])
    ncols = len(panels) + 1
    fig, axes = plt.subplots(len(fields), ncols, figsize=(4.2 * ncols, 3.4 * len(fields)), squeeze=False)
    for i, name in enumerate(fields):
        for j, (label, values) in enumerate(panels):
            view, coords_axes, names, suffix = _slice_for_plot(grid, values[:, i], problem.domain.time)
            ax = axes[i, j]
            if len(coords_axes) == 1:
                ax.plot(coords_axes[0], view[:, 0])
                ax.set(xlabel=names[0])
            else:
                mesh = ax.pcolormesh(coords_axes[1] if names[1] == "t" else coords_axes[0],
                                     coords_axes[0] if names[1] == "t" else coords_axes[1],
                                     view[..., 0] if names[1] == "t" else view[..., 0].T, shading="auto",
                                     cmap="magma" if label == "|error|" else "RdBu_r")
                fig.colorbar(mesh, ax=ax)
                ax.set(xlabel="t" if names[1] == "t" else names[0], ylabel=names[0] if names[1] == "t" else names[1])
            ax.set_title(f"{name}: {label}{suffix}")
        _plot_history(axes[i, -1], result.history) if i == 0 else axes[i, -1].axis("off")
    err = result.errors or {}
    title = f"{problem.name} / {result.solver}: {result.status.name}"
    if "rel_l2" in err:
        title += f", rel. L2 = {err['rel_l2']:.2e}"
        if "until_t" in err:
            title += f" (t <= {err['until_t']:g})"
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def _plot_history(ax, history: list[dict]) -> None:
    steps = [h["step"] for h in history]
    for key in sorted({k for h in history for k in h if k.startswith("loss")}):
        ax.semilogy(steps, [h.get(key, np.nan) for h in history], label=key)
    ax.set(xlabel="step", title="loss history")
    ax.legend(fontsize="small")
