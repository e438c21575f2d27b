"""Soft-constraint physics-informed neural networks."""
from pinnkit.solvers.pinn.config import PROBLEM_DEFAULTS, PINNConfig, default_config
from pinnkit.solvers.pinn.solver import PINN

__all__ = ["PINN", "PINNConfig", "PROBLEM_DEFAULTS", "default_config"]
