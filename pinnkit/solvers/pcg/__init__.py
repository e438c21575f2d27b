"""Finite elements + preconditioned conjugate gradients (``"pcg"``): the classical solver of the
linear-systems family (docs/linsys.md). See :mod:`.solver`."""
from pinnkit.solvers.pcg.config import PRECONDITIONERS, PCGConfig
from pinnkit.solvers.pcg.solver import FEM_PROBLEMS, LEARNED_FAMILIES, PCG, P1Solution

__all__ = ["PCG", "PCGConfig", "P1Solution", "FEM_PROBLEMS", "LEARNED_FAMILIES", "PRECONDITIONERS"]
