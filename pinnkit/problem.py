"""Problem: what to solve. A frozen value holding the PDE, its domain, its conditions, the
parameters it was built with and its reference solution."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

import torch

from pinnkit import autodiff
from pinnkit.conditions import Condition, Dirichlet, InitialCondition, Neumann, Periodic
from pinnkit.domain import Domain
from pinnkit.pde import PDE
from pinnkit.reference.base import Reference

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """A named, ready-to-solve PDE problem.

    ``domain.names`` must equal ``pde.coords`` (space first, time last). ``reference`` is
    ``None`` when no trustworthy solution is known (errors are then omitted, never faked).
    Fields in ``up_to_constant`` (incompressible pressure without a pressure condition) are
    compared with the reference after removing the mean difference.
    """

    name: str
    pde: PDE
    domain: Domain
    conditions: tuple[Condition, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    reference: Reference | None = None
    description: str = ""
    up_to_constant: tuple[str, ...] = ()  # fields fixed only up to a constant (pressure)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        object.__setattr__(self, "conditions", tuple(self.conditions))
        if self.domain.names != self.pde.coords:
            raise ValueError(f"problem {self.name!r}: domain coordinates {self.domain.names} "
                             f"differ from the PDE's {self.pde.coords}")
        for cond in self.conditions:
            self._check_condition(cond)
        if self.pde.is_evolution and self.initial_condition is None:
            raise ValueError(f"problem {self.name!r} evolves in time but has no initial condition")
        if self.reference is not None and (self.reference.coords != self.coords
                                           or self.reference.fields != self.fields):
            raise ValueError(f"problem {self.name!r}: reference is over {self.reference.coords} / "
                             f"{self.reference.fields}, the problem over {self.coords} / {self.fields}")

    def _check_condition(self, cond: Condition) -> None:
        if isinstance(cond, Periodic):
            if cond.coord not in self.domain.space_names:
                raise ValueError(f"periodic coordinate {cond.coord!r} is not a space coordinate "
                                 f"of {self.domain.space_names}")
            return
        unknown = [f for f in cond.fields if f not in self.fields]
        if unknown:
            raise ValueError(f"condition on unknown field(s) {unknown}; fields: {self.fields}")
        if isinstance(cond, (Dirichlet, Neumann)) and cond.where is not None:
            bad = [w for w in cond.where if w not in self.domain.faces]
            if bad:
                raise ValueError(f"unknown boundary face(s) {bad}; faces: {self.domain.faces}")

    # ------------------------------------------------------------------ views
    @property
    def fields(self) -> tuple[str, ...]:
        return self.pde.fields

    @property
    def coords(self) -> tuple[str, ...]:
        return self.domain.names

    @property
    def periodic(self) -> tuple[str, ...]:
        """Space coordinates with periodic boundaries."""
        return tuple(c.coord for c in self.conditions if isinstance(c, Periodic))

    @property
    def initial_condition(self) -> InitialCondition | None:
        return next((c for c in self.conditions if isinstance(c, InitialCondition)), None)

    @property
    def boundary_conditions(self) -> tuple[Dirichlet | Neumann, ...]:
        return tuple(c for c in self.conditions if isinstance(c, (Dirichlet, Neumann)))

    @property
    def summary(self) -> str:
        """The first line of the description."""
        return self.description.strip().splitlines()[0] if self.description.strip() else self.name

    # ------------------------------------------------------------------ residuals
    def residual(self, fn, points: torch.Tensor, method: str = "auto") -> torch.Tensor:
        """PDE residuals of the function ``fn`` (points -> fields) at ``points``: ``(N, n_equations)``.

        ``method`` picks the derivative kernel (see :func:`pinnkit.autodiff.derivatives`)."""
        jet = autodiff.derivatives(fn, points, self.coords, self.fields, self.pde.requires, method=method)
        return self.pde.residual(jet)
