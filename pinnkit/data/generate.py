"""Generate PDEBench-format files with pinnkit's own reference solvers.

=========  =====================================  ======================================  ===========
family     PDE (x in (0, 1) periodic)             solver                                  defaults
=========  =====================================  ======================================  ===========
advection  u_t + beta u_x = 0                     exact: u0((x - beta t) mod 1)           beta = 0.1, t in [0, 2]
burgers    u_t + (u^2/2)_x = (nu/pi) u_xx         Fourier ETDRK4, >= 4096 modes, dt 1e-4  nu = 0.01, t in [0, 2]
reacdiff   u_t = nu u_xx + rho u (1 - u)          Fourier ETDRK4, >= 2048 modes, dt 2.5e-4 nu = 0.5, rho = 1, t in [0, 1]
=========  =====================================  ======================================  ===========

Initial conditions follow PDEBench's 1-D distribution (:mod:`pinnkit.data.initial`; sample
``i`` uses seed ``[seed, i]``, ReacDiff rescaled to [0, 1]). Values are stored at the cell
centres ``x_j = (j + 1/2) / nx`` (the spectral grids are refined by an even factor so that the
centres are grid points) and at ``t_j = j t_final / (nt - 1)``; ``t-coordinate`` holds one more
time, ``nt t_final / (nt - 1)``, as PDEBench's files do. Burgers at nu = 0.01: 4096 and 8192
modes, dt 1e-4 and 5e-5 agree to 5e-11 (datasets/README.md).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from pinnkit._validate import check_choice
from pinnkit.data.initial import pdebench_initial
from pinnkit.data.writer import write_single
from pinnkit.reference.spectral import burgers_terms, integrate_terms

__all__ = ["generate", "solve_sample", "DEFAULTS"]

DEFAULTS: dict[str, dict[str, float]] = {
    "advection": dict(beta=0.1, t_final=2.0),
    "burgers": dict(nu=0.01, t_final=2.0),
    "reacdiff": dict(nu=0.5, rho=1.0, t_final=1.0),
}
MIN_MODES = {"burgers": 4096, "reacdiff": 2048}
DT = {"burgers": 1e-4, "reacdiff": 2.5e-4}


def _terms(family: str, params: Mapping[str, float]):
    if family == "burgers":
        return burgers_terms(params["nu"] / math.pi)
    from pinnkit.registry import _load_catalogue

    _load_catalogue()
    from pinnkit.problems.diffusion_reaction import diffusion_reaction_terms

    return diffusion_reaction_terms(params["nu"], params["rho"])


def solve_sample(family: str, ic: Callable[[np.ndarray], np.ndarray], params: Mapping[str, float], nx: int,
                 t: np.ndarray, min_modes: int | None = None, dt: float | None = None) -> np.ndarray:
    """One sample ``(nt, nx)`` of ``family`` from the initial condition ``ic`` at the times ``t``.

    ``min_modes`` / ``dt`` override the spectral resolution (:data:`MIN_MODES`, :data:`DT`).
    """
    centres = (np.arange(nx) + 0.5) / nx
    if family == "advection":
        return ic(np.mod(centres[None, :] - params["beta"] * t[:, None], 1.0))
    r = max(2, 2 * math.ceil((min_modes or MIN_MODES[family]) / (2 * nx)))
    fine = ic(np.arange(nx * r) / (nx * r))
    values = integrate_terms(fine, (1.0,), _terms(family, params), t, dt or DT[family])
    return values[:, r // 2::r]


def generate(family: str, out: str | Path, samples: int = 4, nx: int = 1024, nt: int = 201, seed: int = 0,
             params: Mapping[str, float] | None = None, progress: bool = False) -> Path:
    """Write ``samples`` solutions of ``family`` in PDEBench's single-array layout to ``out``.

    ``params`` override :data:`DEFAULTS` (``t_final`` included). Returns the path written.
    """
    check_choice("family to generate", family, DEFAULTS)
    values: dict[str, Any] = dict(DEFAULTS[family])
    unknown = [k for k in (params or {}) if k not in values]
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for {family!r}; valid: {', '.join(values)}")
    values.update({k: float(v) for k, v in (params or {}).items()})
    for name, minimum in (("samples", 1), ("nx", 4), ("nt", 2)):
        if int(locals()[name]) < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {locals()[name]}")
    t_final = values.pop("t_final")
    dt = t_final / (nt - 1)
    t = np.arange(nt) * dt
    ics = [pdebench_initial([seed, i], positive=family == "reacdiff") for i in range(samples)]

    class Lazy:  # the writer asks for one sample at a time
        def __len__(self):
            return samples

        def __getitem__(self, i):
            return solve_sample(family, ics[i], values, nx, t)

    iterator = Lazy()
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=samples, desc=f"{family} samples")

        class Counted(Lazy):
            def __getitem__(self, i):
                value = super().__getitem__(i)
                bar.update(1)
                return value

        iterator = Counted()
    path = write_single(out, family, iterator, (np.arange(nx) + 0.5) / nx, np.arange(nt + 1) * dt, values)
    return path

