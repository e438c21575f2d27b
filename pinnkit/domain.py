"""Geometry: intervals, boxes, time intervals and space x time, with seeded point sampling.

Every domain is an axis-aligned box with named coordinates (space first, time last), so one
set of sampling routines serves all of them:

* ``sample_interior``  points inside the domain,
* ``sample_boundary``  points on the spatial boundary (faces named ``x_min``, ``y_max`` ...),
  times drawn over the time interval for space x time,
* ``sample_initial``   points on the slice ``t = t0`` (space x time only),
* ``grid``             tensor-product grids.

Sampling methods are ``"uniform"`` (i.i.d.), ``"sobol"`` (scrambled Sobol') and ``"lhs"``
(Latin hypercube), the latter two from :mod:`scipy.stats.qmc`. Randomness comes from an
explicit :class:`torch.Generator` (same seed, same points); points are drawn on the CPU in
float64 and then created on the requested device and dtype, so they do not depend on either.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from scipy.stats import qmc

from pinnkit._validate import check_choice

SAMPLING_METHODS = ("uniform", "sobol", "lhs")

__all__ = ["Interval", "Box", "TimeInterval", "SpaceTime", "Domain", "SAMPLING_METHODS"]


def _check_bounds(name: str, low: float, high: float) -> None:
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"bad domain bounds for {name!r}: [{low}, {high}] must be finite")
    if not low < high:
        raise ValueError(f"bad domain bounds for {name!r}: low={low} must be < high={high}")


def _unit_samples(n: int, dim: int, method: str, generator: torch.Generator | None) -> np.ndarray:
    """``n`` points in ``[0, 1]^dim`` (float64 numpy) by the named method."""
    check_choice("sampling method", method, SAMPLING_METHODS)
    if n < 0:
        raise ValueError(f"number of points must be >= 0, got {n}")
    if dim == 0:
        return np.zeros((n, 0))
    if method == "uniform":
        return torch.rand((n, dim), generator=generator, dtype=torch.float64).numpy()
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    if method == "lhs":
        return qmc.LatinHypercube(d=dim, seed=seed).random(n)
    m = max(0, math.ceil(math.log2(max(n, 1))))
    return qmc.Sobol(d=dim, scramble=True, seed=seed).random_base2(m)[:n]


def _to_tensor(points: np.ndarray, device, dtype) -> torch.Tensor:
    dtype = dtype if dtype is not None else torch.get_default_dtype()
    return torch.as_tensor(points, dtype=torch.float64).to(device=device, dtype=dtype)


@dataclass(frozen=True)
class Domain:
    """An axis-aligned box with named coordinates; the base of every domain here.

    ``names[i]`` ranges over ``[lows[i], highs[i]]``. ``time`` names the time coordinate
    (always last) or is ``None`` for a purely spatial domain.
    """

    names: tuple[str, ...]
    lows: tuple[float, ...]
    highs: tuple[float, ...]
    time: str | None = None

    def __post_init__(self) -> None:
        if not (len(self.names) == len(self.lows) == len(self.highs)):
            raise ValueError("names, lows and highs must have the same length")
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"coordinate names must be distinct, got {self.names}")
        for name, low, high in zip(self.names, self.lows, self.highs):
            _check_bounds(name, float(low), float(high))
        if self.time is not None and self.names[-1] != self.time:
            raise ValueError("the time coordinate must come last")

    # ------------------------------------------------------------------ properties
    @property
    def dim(self) -> int:
        """Number of coordinates (space and time)."""
        return len(self.names)

    @property
    def space_names(self) -> tuple[str, ...]:
        return self.names[:-1] if self.time is not None else self.names

    @property
    def space_dim(self) -> int:
        return len(self.space_names)

    @property
    def lengths(self) -> tuple[float, ...]:
        return tuple(h - l for l, h in zip(self.lows, self.highs))

    def index(self, name: str) -> int:
        """Column of coordinate ``name`` in point tensors."""
        check_choice("coordinate", name, self.names)
        return self.names.index(name)

    @property
    def faces(self) -> tuple[str, ...]:
        """Names of the spatial boundary faces, e.g. ``("x_min", "x_max")``."""
        return tuple(f"{n}_{side}" for n in self.space_names for side in ("min", "max"))

    # ------------------------------------------------------------------ membership
    def contains(self, points: torch.Tensor, atol: float = 1e-12) -> torch.Tensor:
        """Boolean mask: which rows of ``points`` lie in the closed domain."""
        lows = torch.tensor(self.lows, dtype=points.dtype, device=points.device)
        highs = torch.tensor(self.highs, dtype=points.dtype, device=points.device)
        return ((points >= lows - atol) & (points <= highs + atol)).all(dim=1)

    def on_face(self, points: torch.Tensor, face: str, atol: float = 1e-12) -> torch.Tensor:
        """Boolean mask: which rows of ``points`` lie on the named spatial face."""
        check_choice("boundary face", face, self.faces)
        name, side = face.rsplit("_", 1)
        i = self.names.index(name)
        value = self.lows[i] if side == "min" else self.highs[i]
        return (points[:, i] - value).abs() <= atol

    # ------------------------------------------------------------------ sampling
    def _scale(self, unit: np.ndarray, columns: Sequence[int]) -> np.ndarray:
        lows = np.asarray(self.lows)[list(columns)]
        return lows + unit * (np.asarray(self.highs)[list(columns)] - lows)

    def sample_interior(self, n: int, method: str = "uniform", generator: torch.Generator | None = None,
                        device=None, dtype: torch.dtype | None = None) -> torch.Tensor:
        """``n`` points inside the domain, shape ``(n, dim)``."""
        unit = _unit_samples(n, self.dim, method, generator)
        return _to_tensor(self._scale(unit, range(self.dim)), device, dtype)

    def sample_boundary(self, n: int, method: str = "uniform", where: Sequence[str] | str | None = None,
                        generator: torch.Generator | None = None, device=None,
                        dtype: torch.dtype | None = None) -> torch.Tensor:
        """``n`` points on the spatial boundary (all faces, or the faces named in ``where``).

        Points are shared out between faces in proportion to their measure (largest
        remainder), so a seed gives the same split every time. In 1-D a face is a point and
        every face counts as measure one.
        """
        faces = self.faces if where is None else ((where,) if isinstance(where, str) else tuple(where))
        if not faces:
            raise ValueError("no boundary faces selected")
        for face in faces:
            check_choice("boundary face", face, self.faces)
        measures = np.array([self._face_measure(f) for f in faces])
        counts = _largest_remainder(n, measures / measures.sum())
        blocks = [self._sample_face(f, c, method, generator) for f, c in zip(faces, counts)]
        return _to_tensor(np.concatenate(blocks, axis=0), device, dtype)

    def _face_measure(self, face: str) -> float:
        name = face.rsplit("_", 1)[0]
        return math.prod(L for nm, L in zip(self.names, self.lengths) if nm != name)

    def _sample_face(self, face: str, n: int, method: str, generator) -> np.ndarray:
        name, side = face.rsplit("_", 1)
        i = self.names.index(name)
        others = [j for j in range(self.dim) if j != i]
        points = np.empty((n, self.dim))
        points[:, others] = self._scale(_unit_samples(n, len(others), method, generator), others)
        points[:, i] = self.lows[i] if side == "min" else self.highs[i]
        return points

    def sample_initial(self, n: int, method: str = "uniform", generator: torch.Generator | None = None,
                       device=None, dtype: torch.dtype | None = None) -> torch.Tensor:
        """``n`` points on the initial slice ``t = t0``, shape ``(n, dim)`` (time column included)."""
        if self.time is None:
            raise ValueError("sample_initial needs a space x time domain; this domain has no time")
        points = np.empty((n, self.dim))
        space = list(range(self.space_dim))
        points[:, space] = self._scale(_unit_samples(n, self.space_dim, method, generator), space)
        points[:, -1] = self.lows[-1]
        return _to_tensor(points, device, dtype)

    def grid(self, sizes: int | Sequence[int], periodic: Sequence[str] = (), device=None,
             dtype: torch.dtype | None = None) -> torch.Tensor:
        """Tensor-product grid, ``'ij'`` order (last coordinate fastest), shape ``(prod(sizes), dim)``.

        Coordinates listed in ``periodic`` leave out their right end point (a periodic grid).
        """
        axes = self.axes(sizes, periodic)
        mesh = np.meshgrid(*axes, indexing="ij")
        return _to_tensor(np.stack([m.ravel() for m in mesh], axis=1), device, dtype)

    def axes(self, sizes: int | Sequence[int], periodic: Sequence[str] = ()) -> list[np.ndarray]:
        """The 1-D coordinate arrays of :meth:`grid`."""
        sizes = (sizes,) * self.dim if isinstance(sizes, int) else tuple(sizes)
        if len(sizes) != self.dim:
            raise ValueError(f"grid needs {self.dim} sizes (one per coordinate {self.names}), got {len(sizes)}")
        for name in periodic:
            check_choice("coordinate", name, self.names)
        axes = []
        for name, low, high, size in zip(self.names, self.lows, self.highs, sizes):
            if size < 1:
                raise ValueError(f"grid size for {name!r} must be >= 1, got {size}")
            axes.append(np.linspace(low, high, size, endpoint=name not in periodic))
        return axes


def _largest_remainder(n: int, shares: np.ndarray) -> list[int]:
    """Split ``n`` into integers proportional to ``shares`` (Hamilton's method)."""
    exact = n * shares
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts.tolist()


def Interval(low: float, high: float, name: str = "x") -> Domain:
    """The interval ``[low, high]`` in coordinate ``name``."""
    return Domain((name,), (float(low),), (float(high),))


def Box(lows: Sequence[float], highs: Sequence[float], names: Sequence[str] | None = None) -> Domain:
    """A 2-D or 3-D box ``prod [lows_i, highs_i]``; coordinates named ``x, y, z`` by default."""
    if len(lows) != len(highs):
        raise ValueError(f"Box needs as many lows as highs, got {len(lows)} and {len(highs)}")
    if len(lows) not in (2, 3):
        raise ValueError(f"Box is 2-D or 3-D, got {len(lows)} dimensions (use Interval for 1-D)")
    names = tuple(names) if names is not None else ("x", "y", "z")[: len(lows)]
    return Domain(names, tuple(map(float, lows)), tuple(map(float, highs)))


def TimeInterval(t0: float, t1: float, name: str = "t") -> Domain:
    """The time interval ``[t0, t1]``."""
    return Domain((name,), (float(t0),), (float(t1),), time=name)


def SpaceTime(space: Domain, time: Domain) -> Domain:
    """The product ``space x [t0, t1]``; time is the last coordinate."""
    if space.time is not None or time.time is None:
        raise ValueError("SpaceTime takes a spatial domain and a TimeInterval")
    return Domain(space.names + time.names, space.lows + time.lows, space.highs + time.highs, time=time.time)
