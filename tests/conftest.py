"""Shared test fixtures.

Tests run single-threaded: tiny networks on a busy 2-core machine slow down by an order of
magnitude with intra-op threading, and one thread keeps timings and results reproducible.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)

PUBLISHED = Path(__file__).resolve().parent / "published"


@pytest.fixture(scope="session")
def published_reference() -> Path:
    """The folder of published reference solutions (tests/published: AC.mat, burgers_shock.mat)."""
    return PUBLISHED


def _fd_partial(f, points, axes, h):
    """Central finite differences (4th order for pure partials, 2nd for mixed) of f at points."""
    def shift(i, s):
        p = points.copy()
        p[:, i] += s
        return f(p)

    if not axes:
        return f(points)
    if len(axes) == 1:
        (i,) = axes
        return (-shift(i, 2 * h) + 8 * shift(i, h) - 8 * shift(i, -h) + shift(i, -2 * h)) / (12 * h)
    i, j = axes
    if i == j:
        return (-shift(i, 2 * h) + 16 * shift(i, h) - 30 * f(points) + 16 * shift(i, -h)
                - shift(i, -2 * h)) / (12 * h * h)

    def shift2(si, sj):
        p = points.copy()
        p[:, i] += si
        p[:, j] += sj
        return f(p)

    return (shift2(h, h) - shift2(h, -h) - shift2(-h, h) + shift2(-h, -h)) / (4 * h * h)


@pytest.fixture(scope="session")
def fd_jet():
    """fd_jet(f, points, coords, fields, keys, h) -> dict of torch float64 tensors by key.

    ``f`` maps numpy points (N, d) to values (N, n_fields); derivatives by central differences.
    """
    import numpy as np

    from pinnkit.autodiff.keys import parse_keys

    def build(f, points, coords, fields, keys, h=1e-3):
        spec = parse_keys(keys, tuple(coords), tuple(fields))
        points = np.asarray(points, dtype=np.float64)
        out = {}
        for p in spec.partials:
            if p.field < 0:
                out[p.key] = torch.as_tensor(points[:, p.axes[0]])
            else:
                out[p.key] = torch.as_tensor(_fd_partial(f, points, p.axes, h)[:, p.field])
        return out

    return build


class FunctionModule(torch.nn.Module):
    """A parameter-carrying stand-in for a network: ``fn(points) -> (N, 1)`` plus 0 x one parameter."""

    def __init__(self, fn):
        super().__init__()
        self.fn, self.anchor = fn, torch.nn.Parameter(torch.zeros((), dtype=torch.float64))

    def forward(self, points):
        return self.fn(points) + 0 * self.anchor


@pytest.fixture(scope="session")
def function_module():
    """:class:`FunctionModule`: known functions in the place of trained networks."""
    return FunctionModule
