"""Problems from one sample of PDEBench's group files: diffusion-sorption (1-D), diffusion-reaction (2-D).

Their grids are cell centres on non-periodic domains, so the initial condition is the first frame
interpolated linearly (bilinearly in 2-D, both channels), clamped to the edge values beyond the
outermost centres, and the reference is the sample itself, linear in space and time between its
grid points. Parameters come from the sample's YAML ``config`` attribute where it has them
(``Du``, ``Dv``, ``k`` under ``sim`` for diff-react), else the catalogue's defaults.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch

from pinnkit.conditions import Dirichlet, InitialCondition, Neumann, zeros
from pinnkit.domain import Box, Interval, SpaceTime, TimeInterval
from pinnkit.problem import Problem
from pinnkit.reference.base import FunctionReference, ReferenceGrid
from pinnkit.problems.diffusion_reaction2d import FIELDS, fitzhugh_nagumo_pde
from pinnkit.problems.diffusion_sorption import diffusion_sorption_pde
from pinnkit.reference.bilinear import linear_on_grid
from pinnkit.reference.diffusion_sorption import D, K_F, N_F, PHI, RHO_S

__all__ = ["group_problem", "sample_problem_name"]


def sample_problem_name(family: str) -> str:
    """The problem name of a PDEBench ``family``'s samples (its solver presets go by it): ``pdebench_<family>``."""
    return f"pdebench_{family.replace('-', '_')}"


def _sim(config: Mapping[str, Any]) -> Mapping[str, Any]:
    sim = config.get("sim")
    return sim if isinstance(sim, Mapping) else config


def _as_tensor_fn(fn):
    def value(points: torch.Tensor) -> torch.Tensor:
        out = fn(points.detach().cpu().double().numpy())
        return torch.as_tensor(out, dtype=points.dtype, device=points.device)

    return value


def _diff_react_params(config: Mapping[str, Any]) -> dict[str, float]:
    sim = _sim(config)
    names = {"du": ("Du", "du"), "dv": ("Dv", "dv"), "k": ("k",)}
    defaults = dict(du=1e-3, dv=5e-3, k=5e-3)
    return {p: float(next((sim[k] for k in keys if k in sim), defaults[p])) for p, keys in names.items()}


def _number(value: Any) -> Any:
    """A YAML value as a float where it is one (YAML 1.1 reads ``5e-4``, without a dot, as a string)."""
    if isinstance(value, bool):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _check_sorption_constants(config: Mapping[str, Any]) -> None:
    sim = {k: _number(v) for k, v in _sim(config).items()}
    fixed = dict(D=D, por=PHI, rho_s=RHO_S, k_f=K_F, n_f=N_F)
    differ = {k: sim[k] for k in fixed if isinstance(sim.get(k), float) and not np.isclose(sim[k], fixed[k])}
    if differ:
        raise ValueError(f"diffusion-sorption constants {differ} differ from the model's {fixed}; "
                         "only PDEBench's constants are supported")


def group_problem(family: str, data: np.ndarray, coords: Mapping[str, np.ndarray], t: np.ndarray,
                  bounds: Mapping[str, tuple[float, float]], config: Mapping[str, Any],
                  extra_params: Mapping[str, Any]) -> Problem:
    """The forward problem of one sample ``data`` ``[t, space..., channel]`` of ``family``."""
    t = np.asarray(t, dtype=np.float64)
    time = TimeInterval(float(t[0]), float(t[-1]))
    if family == "diff-react":
        x, y = (np.asarray(coords[c], dtype=np.float64) for c in ("x", "y"))
        domain = SpaceTime(Box((bounds["x"][0], bounds["y"][0]), (bounds["x"][1], bounds["y"][1])), time)
        values = np.moveaxis(data, 0, 2)  # (x, y, t, 2)
        u0 = _as_tensor_fn(linear_on_grid((x, y), values[:, :, 0]))
        reference = FunctionReference(domain.names, FIELDS, linear_on_grid((x, y, t), values),
                                      ReferenceGrid(domain.names, (x, y, t), values, FIELDS))
        params = _diff_react_params(config)
        conditions = (InitialCondition(FIELDS, u0), Neumann(FIELDS, zeros(2)))
        pde = fitzhugh_nagumo_pde(params["du"], params["dv"], params["k"])
    elif family == "diff-sorp":
        _check_sorption_constants(config)
        x = np.asarray(coords["x"], dtype=np.float64)
        domain = SpaceTime(Interval(*bounds["x"]), time)
        values = np.moveaxis(data, 0, 1)  # (x, t, 1)
        u0 = _as_tensor_fn(linear_on_grid((x,), values[:, 0]))
        at = linear_on_grid((x, t), values)
        reference = FunctionReference(domain.names, ("u",), at, ReferenceGrid(domain.names, (x, t), values, ("u",)))
        half = bounds["x"][1] - x[-1]  # the outflow face value u_b = D u_last / (D + dx / 2) (the solver's relation)

        def right(p: torch.Tensor) -> torch.Tensor:
            last = np.column_stack([np.full(len(p), x[-1]), p[:, -1].detach().cpu().double().numpy()])
            return torch.as_tensor(D * at(last) / (D + half), dtype=p.dtype, device=p.device)

        def left(p: torch.Tensor) -> torch.Tensor:
            return torch.ones_like(p[:, :1])

        params = {}
        conditions = (InitialCondition(("u",), u0), Dirichlet(("u",), left, ("x_min",)),
                      Dirichlet(("u",), right, ("x_max",)))
        pde = diffusion_sorption_pde()
    else:
        raise ValueError(f"no group-file problem for family {family!r}; supported: diff-react, diff-sorp")
    grid = " x ".join(str(len(np.asarray(coords[c]))) for c in coords) + f" x {len(t)}"
    doc = (f"Sample {extra_params.get('sample')} of the PDEBench file {extra_params.get('file')} ({family}"
           f"{', ' if params else ''}{', '.join(f'{k}={v:g}' for k, v in params.items())}): initial condition = "
           f"its first frame (linear interpolation), reference = the sample on its {grid} grid.")
    return Problem(sample_problem_name(family), pde, domain, conditions, dict(params, **extra_params),
                   reference, doc)
