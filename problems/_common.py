"""Small helpers shared by the problem factories."""
from __future__ import annotations

import math

import numpy as np
import torch

from pinnkit._validate import check_choice
from pinnkit.data.initial import pdebench_initial
from pinnkit.domain import Domain


def check_positive(**values: float) -> None:
    """ValueError naming the first parameter that is not a finite positive number."""
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"parameter {name} must be a finite number > 0, got {value!r}")


def check_finite(**values: float) -> None:
    """ValueError naming the first parameter that is not a finite real number."""
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)):
            raise ValueError(f"parameter {name} must be a finite number, got {value!r}")


def check_nonnegative(**values: float) -> None:
    """ValueError naming the first parameter that is not a finite number >= 0."""
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
            raise ValueError(f"parameter {name} must be a finite number >= 0, got {value!r}")


def check_choice_param(name: str, value: str, options: tuple[str, ...]) -> None:
    check_choice(f"value for parameter {name}:", value, options)


def periodic_axes(domain: Domain, n_space: int, n_time: int) -> tuple[np.ndarray, ...]:
    """Evaluation axes: ``n_space`` periodic points per space coordinate, ``n_time`` times."""
    periodic = domain.space_names
    return tuple(domain.axes((n_space,) * domain.space_dim + (n_time,), periodic))


def pdebench_u0(seed: int, positive: bool = False):
    """``(ic, u0)``: PDEBench's seeded 1-D initial condition (:func:`pinnkit.data.initial.pdebench_initial`)
    and the catalogue's ``u0(points (N, 2)) -> (N, 1)`` reading its x column; checks ``seed``."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"parameter seed must be an integer >= 0, got {seed!r}")
    ic = pdebench_initial(seed, positive=positive)

    def u0(x: torch.Tensor) -> torch.Tensor:
        return ic(x[:, :1])

    return ic, u0
