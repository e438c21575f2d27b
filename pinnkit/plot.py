"""Figures (matplotlib, imported lazily).

Result and reference figures are plain :class:`matplotlib.figure.Figure` objects, not pyplot
figures: building one neither picks nor switches a backend (a script stays off-screen, a Jupyter
notebook keeps its inline backend) and nothing is left in pyplot's figure list. They use the
constrained layout, which keeps titles, axis labels, tick labels and colour bars of neighbouring
panels apart, and show inline in Jupyter when they are a cell's value.
"""
from __future__ import annotations

import functools
import io
import sys
from pathlib import Path

import numpy as np

from pinnkit._io import atomic_write
from pinnkit.reference.base import ReferenceGrid


def _pyplot():
    """pyplot on the Agg backend (the landscape figures); the figures here do not need it."""
    import matplotlib  # heavy (~0.3 s), needed only when a figure is drawn

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt  # heavy; only the landscape figures use pyplot

    return plt


@functools.cache
def _figure_class():
    from matplotlib.figure import Figure  # heavy, needed only when a figure is drawn

    class InlineFigure(Figure):
        """A Figure that IPython shows as a PNG when it is a cell's value (also without a
        matplotlib backend that registers a display hook for figures)."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
            return buffer.getvalue()

    InlineFigure.__module__ = __name__  # pickles as pinnkit.plot.InlineFigure (module __getattr__ below)
    InlineFigure.__qualname__ = "InlineFigure"
    return InlineFigure


def __getattr__(name: str):
    if name == "InlineFigure":  # the class needs matplotlib, so it is made on first use
        return _figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _new_figure(figsize: tuple[float, float]):
    """A constrained-layout figure, not registered with pyplot."""
    return _figure_class()(figsize=figsize, layout="constrained")


def _few_ticks(ax, nbins: int = 5) -> None:
    """At most ``nbins`` + 1 round tick labels per axis, so that they stay apart in a small panel."""
    from matplotlib.ticker import MaxNLocator  # heavy, needed only when a figure is drawn

    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "linear":
            axis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10]))


def save_figure(fig, path: str | Path) -> Path:
    """Save ``fig`` atomically (temporary file in the same folder, then rename); a pyplot figure is
    closed afterwards."""
    path = Path(path)
    try:
        return atomic_write(path, lambda handle: fig.savefig(handle, format=path.suffix.lstrip(".") or "png",
                                                             dpi=120, bbox_inches="tight"))
    finally:
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:  # a no-op for figures pyplot does not manage
            plt.close(fig)


def plot_grid(grid: ReferenceGrid, title: str, path: str | Path, time: str | None = "t") -> Path:
    """Save :func:`grid_figure` to ``path``."""
    return save_figure(grid_figure(grid, title, time), path)


def grid_figure(grid: ReferenceGrid, title: str, time: str | None = "t"):
    """Every field of a grid solution, as a matplotlib Figure.

    1-D + time: a space-time colour map per field and a few time slices; 2-D + time: each field
    at four times; steady 1-D: line plots; steady 2-D: one colour map per field.
    """
    unsteady = time is not None and grid.coords[-1] == time
    space_dim = len(grid.coords) - unsteady
    n_fields = len(grid.fields)
    if space_dim == 1 and unsteady:
        fig = _new_figure((11, 3.6 * n_fields))
        axes = fig.subplots(n_fields, 2, squeeze=False)
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
        fig = _new_figure((4.2 * cols, 3.6 * rows + 0.4))
        axes = fig.subplots(rows, cols, squeeze=False)
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
        fig = _new_figure((5 * n_fields, 3.6))
        axes = fig.subplots(1, n_fields, squeeze=False)
        for i, name in enumerate(grid.fields):
            axes[0, i].plot(grid.axes[0], grid.values[:, i])
            axes[0, i].set(xlabel=grid.coords[0], ylabel=name)
    else:
        raise ValueError(f"no plot for {space_dim}-D space yet")
    for ax in axes.flat:
        _few_ticks(ax)
    fig.suptitle(title)
    return fig


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
    """Save :func:`result_figure` to ``path``."""
    return save_figure(result_figure(result), path)


def result_figure(result):
    """Prediction, reference and pointwise error per field, and the loss history, as a matplotlib
    Figure; the title gives the status and the relative L2 error."""
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
    fig = _new_figure((4.4 * len(panels) + 4.8, 3.5 * len(fields) + 0.4))
    axes = fig.subplots(len(fields), ncols, squeeze=False, width_ratios=[1.0] * len(panels) + [1.1])
    fig.get_layout_engine().set(wspace=0.06)  # a gap between a colour bar and the next panel's y label
    for i, name in enumerate(fields):
        for j, (label, values) in enumerate(panels):
            view, coords_axes, names, suffix = _slice_for_plot(grid, values[:, i], problem.domain.time)
            ax = axes[i, j]
            if len(coords_axes) == 1:
                ax.plot(coords_axes[0], view[:, 0])
                ax.set(xlabel=names[0], ylabel=name if label == "prediction" else None)
            else:
                mesh = ax.pcolormesh(coords_axes[1] if names[1] == "t" else coords_axes[0],
                                     coords_axes[0] if names[1] == "t" else coords_axes[1],
                                     view[..., 0] if names[1] == "t" else view[..., 0].T, shading="auto",
                                     cmap="magma" if label == "|error|" else "RdBu_r")
                fig.colorbar(mesh, ax=ax)
                ax.set(xlabel="t" if names[1] == "t" else names[0], ylabel=names[0] if names[1] == "t" else names[1])
            ax.set_title(f"{name}: {label}{suffix}")
            _few_ticks(ax)
        if i == 0:
            _plot_history(axes[0, -1], result.history)
        else:  # one loss history, top right; the cells below stay empty
            axes[i, -1].remove()
    err = result.errors or {}
    title = f"{problem.name} / {result.solver}: {result.status.name}"
    if "rel_l2" in err:
        title += f", rel. L2 = {err['rel_l2']:.2e}"
        if "until_t" in err:
            title += f" (t <= {err['until_t']:g})"
    fig.suptitle(title)
    return fig


def _plot_history(ax, history: list[dict]) -> None:
    """Every ``loss*`` metric against the step, log scale; the legend names the terms."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator  # heavy, needed only when a figure is drawn

    steps = np.array([h["step"] for h in history], dtype=float)
    keys = sorted({k for h in history for k in h if k.startswith("loss")})
    for key in keys:
        values = np.array([h.get(key, np.nan) for h in history], dtype=float)
        ax.plot(steps, np.where(values > 0, values, np.nan), label="total" if key == "loss" else key[5:].lstrip("_"))
    ax.set_yscale("log")
    ax.set(xlabel="step", ylabel="loss", title="loss history")
    last = float(np.max(steps)) if len(steps) else 0.0
    scale, unit = (1e6, "M") if last >= 1e6 else (1e3, "k") if last >= 1e4 else (1.0, "")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / scale:g}{unit}" if v else "0"))
    ax.grid(True, which="major", alpha=0.3)
    if keys:
        ax.legend(fontsize="small")
