"""Sparse SPD linear systems from PDE discretisations, a batched PCG in torch, classical preconditioners.

* :func:`make_system` / ``FAMILIES``: seeded families of :class:`LinearSystem` (``poisson_fem``,
  ``poisson_grid``, ``heat_implicit``, ``cavity_pressure``; :mod:`pinnkit.linsys.families`);
* :func:`pcg`: preconditioned CG in torch, CPU or CUDA, float32 or float64, batched over
  right-hand sides, logging the iterations to relative residuals 1e-2 ... 1e-10;
* :func:`make_preconditioner` / ``PRECONDITIONERS``: none, Jacobi, IC(0), smoothed-aggregation
  AMG; :func:`factor` turns any lower-triangular L with A's pattern into P = L L^T.
* :func:`dirichlet_fem`: the P1 system of a given -div(k grad u) = f, u = g on the unit square
  (:mod:`pinnkit.linsys.problem_fem`; what the ``pcg`` solver assembles).

This package imports nothing above it in pinnkit (docs/linsys.md).
"""
from pinnkit.linsys.families import FAMILIES, family_params, make_system
from pinnkit.linsys.ic0 import IC0Breakdown, ic0_factor
from pinnkit.linsys.pcg import THRESHOLDS, PCGResult, pcg
from pinnkit.linsys.preconditioners import (PRECONDITIONERS, Preconditioner, amg, factor, ic0, identity, jacobi,
                                            make_preconditioner)
from pinnkit.linsys.problem_fem import DirichletSystem, FEMMesh, assemble_dirichlet, dirichlet_fem, dirichlet_mesh
from pinnkit.linsys.sparse import LowerPattern, lower_pattern, to_scipy_csr, to_torch_csr
from pinnkit.linsys.system import LinearSystem
from pinnkit.linsys.triangular import FactorSolve

__all__ = ["FAMILIES", "family_params", "make_system", "LinearSystem", "pcg", "PCGResult", "THRESHOLDS",
           "PRECONDITIONERS", "Preconditioner", "make_preconditioner", "identity", "jacobi", "ic0", "amg", "factor",
           "FactorSolve", "ic0_factor", "IC0Breakdown", "LowerPattern", "lower_pattern", "to_torch_csr",
           "to_scipy_csr"]
__all__ += ["DirichletSystem", "FEMMesh", "dirichlet_mesh", "assemble_dirichlet", "dirichlet_fem"]  # problem_fem
