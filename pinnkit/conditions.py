"""Initial and boundary conditions (the vocabulary of DeepXDE / PINA).

Value functions take point tensors and return one column per constrained field:

* :class:`InitialCondition`: ``value(x)`` with ``x`` the spatial points ``(N, d_space)``;
* :class:`Dirichlet`: ``u = value(points)`` on the named faces, ``points`` ``(N, d)`` with time;
* :class:`Neumann`: ``du/dn = value(points)`` (outward normal) on the named faces;
* :class:`Periodic`: the solution is periodic in coordinate ``coord``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

ValueFn = Callable[[torch.Tensor], torch.Tensor]

__all__ = ["InitialCondition", "Dirichlet", "Neumann", "Periodic", "Condition"]


@dataclass(frozen=True)
class InitialCondition:
    """``fields(x, t0) = value(x)``."""

    fields: tuple[str, ...]
    value: ValueFn


@dataclass(frozen=True)
class Dirichlet:
    """``fields = value(points)`` on the faces in ``where`` (all spatial faces when ``None``)."""

    fields: tuple[str, ...]
    value: ValueFn
    where: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Neumann:
    """``d fields / dn = value(points)`` (outward normal) on the faces in ``where``."""

    fields: tuple[str, ...]
    value: ValueFn
    where: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Periodic:
    """Periodicity in ``coord`` over the domain's extent in that coordinate."""

    coord: str


Condition = InitialCondition | Dirichlet | Neumann | Periodic


def zeros(n_fields: int) -> ValueFn:
    """A value function that is identically zero for ``n_fields`` fields."""

    def value(points: torch.Tensor) -> torch.Tensor:
        return points.new_zeros((points.shape[0], n_fields))

    return value
