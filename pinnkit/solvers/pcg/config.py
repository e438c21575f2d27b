"""PCG configuration: one frozen dataclass (tuned values per problem: problems/presets/pcg.toml)."""
from __future__ import annotations

import math
from dataclasses import dataclass

from pinnkit._validate import check_choice

PRECONDITIONERS = ("none", "jacobi", "ic0", "amg", "learned")
PCG_DTYPES = ("float64", "float32", "same")
FLOAT32_RTOL = 1e-6  # float32 recurrences stall near 1e-7 (docs/linsys.md): smaller rtol is refused


@dataclass(frozen=True)
class PCGConfig:
    """Finite elements and preconditioned conjugate gradients (the classical solver, and the
    anchor the learned preconditioners are measured against; docs/linsys.md).

    Discretisation: P1 elements on the ``poisson_fem`` kind of mesh of the unit square, ``n``
    squares per side (h = 1 / n, (n - 1)^2 unknowns: 101 gives 10,000), cut along random
    diagonals, interior nodes moved by up to ``jitter`` h, both drawn from ``mesh_seed``
    (:mod:`pinnkit.linsys.problem_fem`); the Dirichlet nodes are eliminated.
    Solver: one PCG iteration per driver step from x = 0 inside (g on the boundary), until the
    relative recurrence residual ||r|| / ||b|| <= ``rtol`` or ``max_iter`` iterations; the
    ``preconditioner`` is ``none`` (plain CG), ``jacobi``, ``ic0`` (zero-fill incomplete
    Cholesky), ``amg`` (one V-cycle of pyamg's smoothed aggregation) or ``learned`` (a trained
    factor L L^T read from ``checkpoint``, a file written by ``pinnkit train-preconditioner
    poisson_fem``). ``dtype``: the precision of the PCG vectors and of the model ("same": the
    dtype passed to solve(), float32 by default); float32 needs ``rtol`` >= 1e-6.
    """

    n: int = 101
    preconditioner: str = "amg"
    checkpoint: str = ""
    rtol: float = 1e-10
    max_iter: int = 10_000
    dtype: str = "float64"
    mesh_seed: int = 0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        check_choice("preconditioner", self.preconditioner, PRECONDITIONERS)
        check_choice("dtype", self.dtype, PCG_DTYPES)
        if not isinstance(self.n, int) or self.n < 2:
            raise ValueError(f"config n (squares per side) must be an integer >= 2, got {self.n!r}")
        if not isinstance(self.max_iter, int) or self.max_iter < 1:
            raise ValueError(f"config max_iter must be an integer >= 1, got {self.max_iter!r}")
        if not isinstance(self.mesh_seed, int) or self.mesh_seed < 0:
            raise ValueError(f"config mesh_seed must be an integer >= 0, got {self.mesh_seed!r}")
        if not (isinstance(self.rtol, (int, float)) and math.isfinite(self.rtol) and 0 < self.rtol < 1):
            raise ValueError(f"config rtol must be in (0, 1), got {self.rtol!r}")
        if not 0 <= self.jitter < 0.25:
            raise ValueError(f"config jitter must be in [0, 0.25) (larger can fold triangles), got {self.jitter!r}")
        if self.dtype == "float32" and self.rtol < FLOAT32_RTOL:
            raise ValueError(f"config rtol={self.rtol:g} cannot be reached in float32 (the recurrence stalls near "
                             f"1e-7); use dtype='float64' or rtol >= {FLOAT32_RTOL:g}")
        if self.preconditioner == "learned" and not self.checkpoint:
            raise ValueError("preconditioner 'learned' needs checkpoint=PATH, a trained factor (pinnkit "
                             "train-preconditioner poisson_fem --out DIR writes one)")
