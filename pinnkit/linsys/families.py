"""The seeded families of linear systems by name: ``FAMILIES`` and ``make_system``."""
from __future__ import annotations

import inspect
from typing import Any, Callable

from pinnkit._validate import check_choice, check_int, suggest
from pinnkit.linsys.cavity import cavity_pressure
from pinnkit.linsys.fem import heat_implicit, poisson_fem
from pinnkit.linsys.grid import poisson_grid
from pinnkit.linsys.system import LinearSystem

__all__ = ["FAMILIES", "make_system", "family_params"]

FAMILIES: dict[str, Callable[..., LinearSystem]] = {
    "poisson_fem": poisson_fem,
    "poisson_grid": poisson_grid,
    "heat_implicit": heat_implicit,
    "cavity_pressure": cavity_pressure,
}


def family_params(name: str) -> dict[str, Any]:
    """The keyword parameters of family ``name`` with their defaults."""
    check_choice("linear-system family", name, FAMILIES)
    signature = inspect.signature(FAMILIES[name])
    return {k: p.default for k, p in signature.parameters.items() if k not in ("n_target", "seed")}


def make_system(name: str, n: int, seed: int = 0, **params: Any) -> LinearSystem:
    """Draw member ``seed`` of family ``name`` with about ``n`` unknowns (sizes ~1e3, 1e4, 1e5 are typical).

    Unknown family or parameter names raise ValueError listing the valid ones.
    """
    defaults = family_params(name)
    check_int("n", n, minimum=4)
    check_int("seed", seed, minimum=0)
    for key in params:
        if key not in defaults:
            raise ValueError(f"unknown parameter {key!r} for family {name!r}.{suggest(key, defaults)} "
                             f"Valid: {', '.join(defaults)}")
    return FAMILIES[name](n, seed, **params)
