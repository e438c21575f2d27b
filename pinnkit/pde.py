"""PDEs as named equations over named derivative keys.

An :class:`Equation` is a function of a :class:`~pinnkit.autodiff.Jet` (the fields and the
derivatives it declares in ``requires``). An equation that *evolves* a field is written in
right-hand-side form ``u_t = F(u, u_x, u_xx, ...)``: ``fn`` returns F, the residual is
``u_t - F`` and time-stepping solvers (TENG, method of lines) call F directly. Other equations
are constraints whose value must vanish (steady PDEs, incompressibility).

The advective part, where there is one, is declared separately (:class:`Advection`): a velocity
``a(u, x)`` with ``u_t + a . grad u = G``. Lagrangian solvers move points along ``dx/dt = a``
and integrate ``du/dt = G = F + a . grad u`` there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

import torch

from pinnkit.autodiff.keys import gradient_keys

JetFn = Callable[[Mapping[str, torch.Tensor]], torch.Tensor]

__all__ = ["Equation", "Advection", "PDE"]


@dataclass(frozen=True)
class Equation:
    """One scalar equation. ``evolves="u"`` means ``u_t = fn(jet)``; otherwise ``fn(jet) = 0``."""

    name: str
    fn: JetFn
    requires: tuple[str, ...]
    evolves: str | None = None


@dataclass(frozen=True)
class Advection:
    """Advecting velocity of the ``fields``: one component per space coordinate."""

    velocity: Callable[[Mapping[str, torch.Tensor]], tuple[torch.Tensor, ...]]
    requires: tuple[str, ...]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class PDE:
    """A system of equations in ``fields`` over the ``space`` coordinates (and ``time`` if set)."""

    fields: tuple[str, ...]
    space: tuple[str, ...]
    equations: tuple[Equation, ...]
    time: str | None = None
    advection: Advection | None = None
    equation_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "equation_names", tuple(e.name for e in self.equations))
        if len(set(self.equation_names)) != len(self.equation_names):
            raise ValueError(f"equation names must be distinct, got {self.equation_names}")
        for eq in self.equations:
            if eq.evolves is not None:
                if self.time is None:
                    raise ValueError(f"equation {eq.name!r} evolves {eq.evolves!r} but the PDE has no time")
                if eq.evolves not in self.fields:
                    raise ValueError(f"equation {eq.name!r} evolves unknown field {eq.evolves!r}")

    @property
    def coords(self) -> tuple[str, ...]:
        """Input coordinates of a space-time ansatz: space first, then time."""
        return self.space + ((self.time,) if self.time else ())

    @property
    def is_evolution(self) -> bool:
        return self.time is not None

    @property
    def evolved(self) -> tuple[str, ...]:
        """Fields that carry a time derivative (``u, v`` in Navier-Stokes; not ``p``)."""
        return tuple(e.evolves for e in self.equations if e.evolves is not None)

    @property
    def requires(self) -> tuple[str, ...]:
        """Every derivative key the residual reads."""
        keys = [f"{f}_{self.time}" for f in self.evolved]
        for eq in self.equations:
            keys.extend(eq.requires)
        return tuple(dict.fromkeys(keys))

    @property
    def rhs_requires(self) -> tuple[str, ...]:
        """Derivative keys the right-hand sides F read (no time derivatives)."""
        keys = [k for e in self.equations if e.evolves is not None for k in e.requires]
        return tuple(dict.fromkeys(keys))

    def residual(self, jet: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """All equation residuals, stacked on the last axis: ``(..., n_equations)``."""
        values = []
        for eq in self.equations:
            value = eq.fn(jet)
            if eq.evolves is not None:
                value = jet[f"{eq.evolves}_{self.time}"] - value
            values.append(value)
        return torch.stack(values, dim=-1)

    def rhs(self, jet: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """Right-hand sides F of the evolved fields (``u_t = F``), stacked: ``(..., n_evolved)``."""
        if not self.is_evolution:
            raise ValueError("rhs is defined for evolution equations only; this PDE is steady")
        return torch.stack([e.fn(jet) for e in self.equations if e.evolves is not None], dim=-1)

    @property
    def lagrangian_requires(self) -> tuple[str, ...]:
        """Keys read by :meth:`lagrangian_rhs`."""
        if self.advection is None:
            return self.rhs_requires
        grads = [k for f in self.advection.fields for k in gradient_keys(f, self.space)]
        return tuple(dict.fromkeys(self.rhs_requires + self.advection.requires + tuple(grads)))

    def lagrangian_rhs(self, jet: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """``G = F + a . grad u``: the rate of change along characteristics ``dx/dt = a``."""
        rhs = self.rhs(jet)
        if self.advection is None:
            return rhs
        velocity = self.advection.velocity(jet)
        columns = []
        for i, name in enumerate(self.evolved):
            g = rhs[..., i]
            if name in self.advection.fields:
                g = g + sum(a * jet[k] for a, k in zip(velocity, gradient_keys(name, self.space)))
            columns.append(g)
        return torch.stack(columns, dim=-1)
