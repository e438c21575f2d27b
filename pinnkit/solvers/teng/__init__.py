"""TENG: time-evolving natural gradient for periodic evolution problems (Chen et al., ICML 2024)."""
from pinnkit.solvers.teng.config import TENGConfig
from pinnkit.solvers.teng.integrators import INTEGRATORS, Tableau, get_integrator
from pinnkit.solvers.teng.lstsq import LSTSQ_METHODS, solve_least_squares
from pinnkit.solvers.teng.solver import TENG

__all__ = ["INTEGRATORS", "LSTSQ_METHODS", "TENG", "TENGConfig", "Tableau", "get_integrator",
           "solve_least_squares"]
