"""Soft-constraint physics-informed neural networks."""
from pinnkit.solvers.pinn.config import PINNConfig
from pinnkit.solvers.pinn.solver import PINN

__all__ = ["PINN", "PINNConfig"]
