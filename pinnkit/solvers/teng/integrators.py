"""Explicit Runge-Kutta integrators for TENG, as Butcher tableaux declaring their order.

A stage of an s-stage explicit scheme for u_t = F(u) is

    U_i = u_n + dt sum_{j<i} a_ij k_j,   k_i = F(U_i),   u_{n+1} = u_n + dt sum_i b_i k_i.

TENG projects every stage value U_i (i > 1) and u_{n+1} onto the network by least squares, and
takes k_i = F(network fitted to U_i) (Chen et al., ICML 2024, for Euler and Heun). With exact
projections (a model linear in its parameters) the scheme is the classical one and keeps its
order; tableaux from Hairer, Norsett & Wanner, *Solving ODEs I*, II.1, and Shu & Osher,
J. Comput. Phys. 77 (1988) for SSP-RK3.
"""
from __future__ import annotations

from dataclasses import dataclass

from pinnkit._validate import check_choice

__all__ = ["Tableau", "INTEGRATORS", "get_integrator"]


@dataclass(frozen=True)
class Tableau:
    """An explicit Runge-Kutta scheme: ``a`` (strictly lower rows), weights ``b``, nodes ``c``."""

    name: str
    order: int
    a: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.a) != len(self.b) or any(len(row) != i for i, row in enumerate(self.a)):
            raise ValueError(f"tableau {self.name!r}: row i of a must have i entries, one row per weight")
        if abs(sum(self.b) - 1.0) > 1e-14:
            raise ValueError(f"tableau {self.name!r}: weights b must sum to 1, got {sum(self.b)}")

    @property
    def stages(self) -> int:
        return len(self.b)

    @property
    def c(self) -> tuple[float, ...]:
        """Stage times as fractions of the step: c_i = sum_j a_ij."""
        return tuple(sum(row) for row in self.a)


INTEGRATORS: dict[str, Tableau] = {
    "euler": Tableau("euler", 1, ((),), (1.0,)),
    "heun": Tableau("heun", 2, ((), (1.0,)), (0.5, 0.5)),
    "ssprk3": Tableau("ssprk3", 3, ((), (1.0,), (0.25, 0.25)), (1 / 6, 1 / 6, 2 / 3)),
    "rk4": Tableau("rk4", 4, ((), (0.5,), (0.0, 0.5), (0.0, 0.0, 1.0)), (1 / 6, 1 / 3, 1 / 3, 1 / 6)),
}


def get_integrator(name: str) -> Tableau:
    """The tableau named ``name``; unknown names raise ValueError listing the valid ones."""
    return INTEGRATORS[check_choice("integrator", name, INTEGRATORS)]
