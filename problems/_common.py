"""Small helpers shared by the problem factories."""
from __future__ import annotations

import math

import numpy as np

from pinnkit._validate import check_choice
from pinnkit.domain import Domain


def check_positive(**values: float) -> None:
    """ValueError naming the first parameter that is not a finite positive number."""
    for name, value in values.items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"parameter {name} must be a finite number > 0, got {value!r}")


def check_choice_param(name: str, value: str, options: tuple[str, ...]) -> None:
    check_choice(f"value for parameter {name}:", value, options)


def periodic_axes(domain: Domain, n_space: int, n_time: int) -> tuple[np.ndarray, ...]:
    """Evaluation axes: ``n_space`` periodic points per space coordinate, ``n_time`` times."""
    periodic = domain.space_names
    return tuple(domain.axes((n_space,) * domain.space_dim + (n_time,), periodic))
