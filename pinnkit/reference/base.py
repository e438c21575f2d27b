"""Reference solutions: ground truth callable at arbitrary points and on a grid.

Every reference maps points ``(N, d)`` (columns in the problem's coordinate order, time last)
to field values ``(N, n_fields)``. A torch tensor in gives a tensor out (same device and
dtype); a numpy array in gives float64 numpy out. :meth:`Reference.grid` returns the default
evaluation grid that solvers' errors are reported on.

Expensive references (spectral solves, the cavity solver) are computed lazily on first use,
so building or listing problems stays cheap, and kept for the life of the object.
"""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch


@dataclass(frozen=True)
class ReferenceGrid:
    """Values on a tensor-product grid: ``values[i, j, ..., k]`` at ``(axes[0][i], axes[1][j], ...)``."""

    coords: tuple[str, ...]
    axes: tuple[np.ndarray, ...]
    values: np.ndarray  # (*[len(a) for a in axes], n_fields)
    fields: tuple[str, ...]

    def points(self) -> np.ndarray:
        """The grid points, ``(prod(shape), d)``, last axis fastest."""
        mesh = np.meshgrid(*self.axes, indexing="ij")
        return np.stack([m.ravel() for m in mesh], axis=1)

    def flat_values(self) -> np.ndarray:
        """Values matching :meth:`points`: ``(prod(shape), n_fields)``."""
        return self.values.reshape(-1, len(self.fields))


class Reference(ABC):
    """Ground truth for the ``fields`` of a problem over coordinates ``coords``."""

    def __init__(self, coords: tuple[str, ...], fields: tuple[str, ...]) -> None:
        self.coords = tuple(coords)
        self.fields = tuple(fields)

    def __call__(self, points):
        """Field values at ``points`` (N, d): tensor in, tensor out; array in, array out."""
        if isinstance(points, torch.Tensor):
            values = self._evaluate_torch(points)
            return values.to(device=points.device, dtype=points.dtype)
        points = np.asarray(points, dtype=np.float64)
        self._check(points)
        return np.asarray(self._evaluate_numpy(points), dtype=np.float64).reshape(len(points), len(self.fields))

    def _check(self, points) -> None:
        if points.ndim != 2 or points.shape[1] != len(self.coords):
            raise ValueError(f"reference points must have shape (N, {len(self.coords)}) for {self.coords}, "
                             f"got {tuple(points.shape)}")

    def _evaluate_torch(self, points: torch.Tensor) -> torch.Tensor:
        self._check(points)
        values = self._evaluate_numpy(points.detach().to("cpu", torch.float64).numpy())
        return torch.as_tensor(np.asarray(values, dtype=np.float64)).reshape(len(points), len(self.fields))

    @abstractmethod
    def _evaluate_numpy(self, points: np.ndarray) -> np.ndarray:
        """Values ``(N, n_fields)`` at float64 points."""

    @abstractmethod
    def grid(self) -> ReferenceGrid:
        """The default evaluation grid with its values."""


class ExactReference(Reference):
    """A closed-form solution written in torch (so the kernels can differentiate it)."""

    def __init__(self, coords, fields, fn: Callable[[torch.Tensor], torch.Tensor],
                 axes: Callable[[], tuple[np.ndarray, ...]]) -> None:
        super().__init__(coords, fields)
        self.fn = fn
        self._axes = axes

    def _evaluate_torch(self, points: torch.Tensor) -> torch.Tensor:
        self._check(points)
        return self.fn(points).reshape(len(points), len(self.fields))

    def _evaluate_numpy(self, points: np.ndarray) -> np.ndarray:
        return self.fn(torch.as_tensor(points, dtype=torch.float64)).numpy()

    def grid(self) -> ReferenceGrid:
        axes = tuple(self._axes())
        partial = ReferenceGrid(self.coords, axes, np.empty(0), self.fields)
        values = self._evaluate_numpy(partial.points())
        return ReferenceGrid(self.coords, axes, values.reshape(*[len(a) for a in axes], -1), self.fields)


class LazyReference(Reference):
    """A reference built on first use by ``build()`` (thread-safe, built once per object)."""

    def __init__(self, coords, fields, build: Callable[[], Reference]) -> None:
        super().__init__(coords, fields)
        self._build = build
        self._built: Reference | None = None
        self._lock = threading.Lock()

    @property
    def inner(self) -> Reference:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    def _evaluate_torch(self, points: torch.Tensor) -> torch.Tensor:
        return self.inner._evaluate_torch(points)

    def _evaluate_numpy(self, points: np.ndarray) -> np.ndarray:
        return self.inner._evaluate_numpy(points)

    def grid(self) -> ReferenceGrid:
        return self.inner.grid()


class FunctionReference(Reference):
    """A numpy function ``(N, d) -> (N, n_fields)`` with a precomputed default grid."""

    def __init__(self, coords, fields, fn: Callable[[np.ndarray], np.ndarray], grid: ReferenceGrid) -> None:
        super().__init__(coords, fields)
        self.fn = fn
        self._grid = grid

    def _evaluate_numpy(self, points: np.ndarray) -> np.ndarray:
        return self.fn(points)

    def grid(self) -> ReferenceGrid:
        return self._grid
