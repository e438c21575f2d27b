"""Samples of PDEBench's per-sample group families from pinnkit's reference solvers.

* ``diff-react``: 2-D FitzHugh-Nagumo on (-1, 1)^2 with no-flux walls (the catalogue's
  ``diffusion_reaction2d``); sample ``i`` of a file with seed ``s`` is that problem with
  ``seed = s + i`` (a smooth random cosine field; PDEBench's per-cell noise is not a function).
  Cosine pseudo-spectral ETDRK4 on >= 128^2 modes, dt 5e-3 (~1e-6), evaluated at the cell
  centres of an ``nx`` x ``nx`` grid. Values [t, x, y, (u, v)] (the writer stores [t, y, x, c]).
* ``diff-sorp``: 1-D diffusion-sorption on (0, 1) (the catalogue's ``diffusion_sorption1d``
  solver: cell-centred finite volumes on the ``nx`` cells, implicit BDF); sample ``i`` starts from
  per-cell values drawn uniformly from [0, u0_max] with seed ``[s, i]``. Values [t, x, 1].

Times ``t_j = j t_final / (nt - 1)``; ``grid/t`` holds exactly these ``nt`` times.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from pinnkit.reference.cosine import CosineGrid
from pinnkit.reference.diffusion_sorption import D, K_F, N_F, PHI, RHO_S, solve_diffusion_sorption
from pinnkit.reference.fitzhugh_nagumo import LENGTHS, LOWS, MODES, solve_fitzhugh_nagumo

__all__ = ["GROUP_DEFAULTS", "group_coords", "group_sample", "group_config"]

GROUP_DEFAULTS: dict[str, dict[str, float]] = {
    "diff-react": dict(du=1e-3, dv=5e-3, k=5e-3, t_final=5.0),
    "diff-sorp": dict(u0_max=0.2, t_final=500.0),
}
BOUNDS = {"diff-react": (-1.0, 1.0), "diff-sorp": (0.0, 1.0)}


def group_coords(family: str, nx: int) -> list[np.ndarray]:
    """Cell centres per space axis (PDEBench's grids: (-1, 1)^2 for diff-react, (0, 1) for diff-sorp)."""
    low, high = BOUNDS[family]
    x = low + (np.arange(nx) + 0.5) * (high - low) / nx
    return [x, x.copy()] if family == "diff-react" else [x]


def group_sample(family: str, params: Mapping[str, float], nx: int, t: np.ndarray, seed: int,
                 index: int) -> np.ndarray:
    """Sample ``index`` ``[t, space..., channel]`` of ``family`` with the file seed ``seed``."""
    if family == "diff-react":
        modes = max(MODES, nx)
        values = solve_fitzhugh_nagumo(seed + index, t, params["du"], params["dv"], params["k"], modes=modes)
        if modes != nx:
            values = CosineGrid((modes, modes), LOWS, LENGTHS).resample(values, group_coords(family, nx))
        return np.moveaxis(values, 1, -1)  # (nt, 2, x, y) -> (nt, x, y, 2)
    u0 = np.random.default_rng([seed, index]).uniform(0.0, params["u0_max"], nx)
    return solve_diffusion_sorption(u0, t, cells=nx)[0][..., None]


def group_config(family: str, params: Mapping[str, float], nx: int, t: np.ndarray, seed: int,
                 index: int) -> dict[str, Any]:
    """The YAML ``config`` attribute of one sample: PDE constants, grid and seed under ``sim``."""
    low, high = BOUNDS[family]
    grid = dict(t=float(t[-1]), tdim=len(t), x_left=low, x_right=high, xdim=nx)
    if family == "diff-react":
        return dict(sim=dict(Du=float(params["du"]), Dv=float(params["dv"]), k=float(params["k"]), **grid,
                             y_bottom=low, y_top=high, ydim=nx, seed=int(seed + index), initial="cosine_modes_8"))
    return dict(sim=dict(D=D, por=PHI, rho_s=RHO_S, k_f=K_F, n_f=N_F, **grid, u0_max=float(params["u0_max"]),
                         seed=[int(seed), int(index)]))
