"""Lagrangian PINNs (``"lpinn"``): Mojgani, Balajewicz & Hassanzadeh, CMAME 404:115810, 2023.
See :mod:`.solver` and docs/solvers/lpinn.md."""
from pinnkit.solvers.lpinn.config import PAPER_WEIGHTS, LPINNConfig
from pinnkit.solvers.lpinn.model import LagrangianModel
from pinnkit.solvers.lpinn.solver import LPINN

__all__ = ["LPINN", "LPINNConfig", "LagrangianModel", "PAPER_WEIGHTS"]
