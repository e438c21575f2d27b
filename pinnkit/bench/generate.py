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

The per-sample group families ``diff-react`` (2-D FitzHugh-Nagumo) and ``diff-sorp`` (1-D
diffusion-sorption) are written with :func:`~pinnkit.data.writer.write_groups` from the
catalogue's solvers (:mod:`pinnkit.bench.generate_groups`).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from pinnkit._validate import check_choice
from pinnkit.bench.generate_groups import GROUP_DEFAULTS, group_config, group_coords, group_sample
from pinnkit.data.initial import pdebench_initial
from pinnkit.data.writer import write_groups, write_single
from pinnkit.problems.diffusion_reaction import diffusion_reaction_terms
from pinnkit.progress import Progress
from pinnkit.reference.spectral import burgers_terms, integrate_terms

__all__ = ["generate", "solve_sample", "DEFAULTS"]

DEFAULTS: dict[str, dict[str, float]] = {
    "advection": dict(beta=0.1, t_final=2.0),
    "burgers": dict(nu=0.01, t_final=2.0),
    "reacdiff": dict(nu=0.5, rho=1.0, t_final=1.0),
    **GROUP_DEFAULTS,
}
# (nx, nt) when not given: PDEBench's resolutions for the group families
GRID = {"diff-react": (128, 101), "diff-sorp": (1024, 101)}
MIN_MODES = {"burgers": 4096, "reacdiff": 2048}
DT = {"burgers": 1e-4, "reacdiff": 2.5e-4}


def _terms(family: str, params: Mapping[str, float]):
    if family == "burgers":
        return burgers_terms(params["nu"] / math.pi)
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


class _Samples:
    """A sequence whose item ``i`` is computed on demand by ``make(i)`` (the writers ask one at a time)."""

    def __init__(self, n: int, make: Callable[[int], np.ndarray], bar=None) -> None:
        self.n, self.make, self.bar = n, make, bar

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> np.ndarray:
        value = self.make(i)
        if self.bar is not None:
            self.bar.update(i)
        return value


def generate(family: str, out: str | Path, samples: int = 4, nx: int | None = None, nt: int | None = None,
             seed: int = 0, params: Mapping[str, float] | None = None, progress: bool = False) -> Path:
    """Write ``samples`` solutions of ``family`` in its PDEBench layout to ``out``.

    ``params`` override :data:`DEFAULTS` (``t_final`` included). ``nx`` / ``nt`` default to
    1024 x 201 for the 1-D single-array families, 128 x 101 (per axis) for ``diff-react`` and
    1024 x 101 for ``diff-sorp``. ``progress``: a bar on a terminal, else a line every 30 s.
    Returns the path written.
    """
    check_choice("family to generate", family, DEFAULTS)
    values: dict[str, Any] = dict(DEFAULTS[family])
    unknown = [k for k in (params or {}) if k not in values]
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} for {family!r}; valid: {', '.join(values)}")
    values.update({k: float(v) for k, v in (params or {}).items()})
    nx = int(nx if nx is not None else GRID.get(family, (1024, 201))[0])
    nt = int(nt if nt is not None else GRID.get(family, (1024, 201))[1])
    for name, value, minimum in (("samples", samples, 1), ("nx", nx, 4), ("nt", nt, 2)):
        if int(value) < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    bar = Progress(samples, 0, None if progress else False, f"{family} samples", every_s=30.0)
    try:
        if family in GROUP_DEFAULTS:
            t = np.linspace(0.0, values["t_final"], nt)
            data = _Samples(samples, lambda i: group_sample(family, values, nx, t, seed, i), bar)
            configs = [group_config(family, values, nx, t, seed, i) for i in range(samples)]
            return write_groups(out, family, data, group_coords(family, nx), t, configs)
        t_final = values.pop("t_final")
        dt = t_final / (nt - 1)
        t = np.arange(nt) * dt
        ics = [pdebench_initial([seed, i], positive=family == "reacdiff") for i in range(samples)]
        data = _Samples(samples, lambda i: solve_sample(family, ics[i], values, nx, t), bar)
        return write_single(out, family, data, (np.arange(nx) + 0.5) / nx, np.arange(nt + 1) * dt, values)
    finally:
        bar.close()
