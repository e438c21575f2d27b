"""Solvers: one subpackage per method, all behind :class:`pinnkit.solvers.base.Solver`, and the
registry of their names (:func:`get_solver`, :func:`list_solvers`).

A new solver subclasses :class:`~pinnkit.solvers.base.Solver`, declares a frozen config dataclass,
is added to :data:`SOLVERS` here and takes its tuned settings from ``problems/presets/<name>.toml``.
"""
from __future__ import annotations

from pinnkit._validate import suggest
from pinnkit.solvers.base import Solver
from pinnkit.solvers.hc import HC, HCMoE
from pinnkit.solvers.lpinn import LPINN
from pinnkit.solvers.pcg import PCG
from pinnkit.solvers.pinn import PINN
from pinnkit.solvers.teng import TENG

__all__ = ["SOLVERS", "Solver", "get_solver", "list_solvers"]

SOLVERS: dict[str, type[Solver]] = {PINN.name: PINN, TENG.name: TENG, HC.name: HC, HCMoE.name: HCMoE,
                                   LPINN.name: LPINN, PCG.name: PCG}


def list_solvers() -> list[str]:
    """Names of the available solvers."""
    return sorted(SOLVERS)


def get_solver(name: str) -> type[Solver]:
    """The solver class registered as ``name`` (unknown names list the valid ones)."""
    if name not in SOLVERS:
        raise ValueError(f"unknown solver {name!r}.{suggest(name, SOLVERS)} Available: {', '.join(sorted(SOLVERS))}")
    return SOLVERS[name]
