"""Figures: the result and reference figures lay out without overlaps and display inline."""
import itertools

import numpy as np
import pytest
import torch

from pinnkit.plot import grid_figure, result_figure
from pinnkit.registry import get_problem
from pinnkit.result import Result, Status

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


class _Wave(torch.nn.Module):
    """A stand-in for a trained network: a smooth function of the inputs, one column per field."""

    def __init__(self, n_fields: int):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(n_fields, dtype=torch.float64))

    def forward(self, x):
        return torch.sin(x.sum(-1, keepdim=True)) * self.scale


def _result(name: str, last_step: int = 300, terms=("residual", "boundary", "initial")) -> Result:
    problem = get_problem(name)
    steps = np.linspace(0, last_step, 40).astype(int)
    history = [dict(step=int(s), loss=10.0 ** (1 - 8 * k / 40),
                    **{f"loss_{t}": 10.0 ** (-j - 8 * k / 40) for j, t in enumerate(terms)})
               for k, s in enumerate(steps)]
    return Result(problem=problem, solver="pinn", config=None, model=_Wave(len(problem.fields)),
                  status=Status.COMPLETED, message="", steps=last_step, wall_time_s=0.0, history=history,
                  errors={"rel_l2": 1.234e-3})


def _overlaps(fig) -> list[str]:
    """Pairs of axes whose tight bounding boxes (tick labels, axis labels and titles included)
    intersect, and tick labels of one axis that run into each other, after a full draw."""
    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    named = [(ax.get_title() or ax.get_label() or "colorbar", ax) for ax in fig.axes if ax.get_visible()]
    found = []
    for (name_a, a), (name_b, b) in itertools.combinations(named, 2):
        box_a, box_b = a.get_tightbbox(renderer), b.get_tightbbox(renderer)
        width = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        height = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if width > 0.5 and height > 0.5:
            found.append(f"{name_a!r} / {name_b!r}: {width:.0f} x {height:.0f} px")
    for name, ax in named:
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [t.get_window_extent(renderer) for t in axis.get_ticklabels(which="both")
                     if t.get_visible() and t.get_text()]
            for box_a, box_b in itertools.combinations(boxes, 2):
                if box_a.overlaps(box_b):
                    found.append(f"{name!r}: {axis.axis_name} tick labels")
    return found


@pytest.mark.parametrize("name, last_step", [("heat1d", 300), ("heat1d", 1_000_000), ("poisson1d", 30_000),
                                             ("poisson2d", 5000), ("kovasznay", 20_000), ("heat2d", 300)])
def test_result_figure_layout(name, last_step):
    result = _result(name, last_step)
    fig = result_figure(result)
    assert isinstance(fig, Figure)
    assert _overlaps(fig) == []
    n_fields = len(result.problem.fields)
    maps = result.problem.domain.dim + (result.problem.domain.time is not None) >= 2
    # 3 panels per field (+ a colour bar each for maps) and one loss history, the cells below it removed
    assert len(fig.axes) == 3 * n_fields * (2 if maps else 1) + 1
    history = [ax for ax in fig.axes if ax.get_title() == "loss history"]
    assert len(history) == 1
    assert history[0].get_xlabel() == "step" and history[0].get_ylabel() == "loss"
    assert history[0].get_yscale() == "log"
    assert "rel. L2 = 1.23e-03" in fig.get_suptitle()


@pytest.mark.parametrize("name", ["burgers1d", "heat2d", "kovasznay", "poisson1d"])
def test_grid_figure_layout(name):
    problem = get_problem(name)
    fig = grid_figure(problem.reference.grid(), f"{name}: reference solution", problem.domain.time)
    assert _overlaps(fig) == []
    assert fig.get_suptitle() == f"{name}: reference solution"


def test_plot_saves_and_figure_displays(tmp_path):
    result = _result("heat1d")
    path = result.plot(tmp_path / "solution.png")
    assert path == tmp_path / "solution.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fig = result.figure()
    assert isinstance(fig, Figure)
    png = fig._repr_png_()  # what IPython shows for a cell ending in result.figure()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
