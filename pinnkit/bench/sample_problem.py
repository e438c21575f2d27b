"""A :class:`~pinnkit.Problem` from one sample of a PDEBench file.

The initial condition is the sample's first frame (trigonometric interpolation on the periodic
cell-centred grid), the parameters come from the file, and the reference is the sample itself on
its grid (between grid points: linear in x, periodically, and in t). The PDE is the family's
catalogue PDE in PDEBench's convention (``advection1d``, ``diffusion_reaction1d``; Burgers
``u_t + u u_x = (nu / pi) u_xx``). The non-periodic group families (``diff-sorp``,
``diff-react``) are built in :mod:`pinnkit.bench.sample_groups`.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from pinnkit.conditions import InitialCondition, Periodic
from pinnkit.data.reader import PDEBenchFile, open_pdebench
from pinnkit.domain import Interval, SpaceTime, TimeInterval
from pinnkit.pde import PDE
from pinnkit.problem import Problem
from pinnkit.reference.base import FunctionReference, ReferenceGrid
from pinnkit.bench.sample_groups import group_problem, sample_problem_name
from pinnkit.problems.advection import advection_pde
from pinnkit.problems.burgers import burgers_pde
from pinnkit.problems.diffusion_reaction import diffusion_reaction_pde
from pinnkit.reference.bilinear import bilinear_xt
from pinnkit.reference.spectral import fourier_interpolate

__all__ = ["sample_problem", "SUPPORTED"]

SUPPORTED = ("advection", "burgers", "reacdiff", "diff-sorp", "diff-react")


def _pde(family: str, params: dict) -> PDE:
    missing = [p for p in {"advection": ("beta",), "burgers": ("nu",), "reacdiff": ("nu", "rho")}[family]
               if p not in params]
    if missing:
        raise ValueError(f"the file gives no value of {missing} (neither attributes nor file name)")
    if family == "advection":
        return advection_pde(params["beta"])
    if family == "burgers":
        return burgers_pde(("x",), params["nu"] / math.pi)
    return diffusion_reaction_pde(params["nu"], params["rho"])


def sample_problem(source: str | Path | PDEBenchFile, index: int = 0, reduced_resolution: int = 1,
                   reduced_resolution_t: int = 1) -> Problem:
    """The forward problem of sample ``index`` of a PDEBench file of a family in :data:`SUPPORTED`."""
    if not isinstance(source, PDEBenchFile):
        with open_pdebench(source, reduced_resolution, reduced_resolution_t) as f:
            return sample_problem(f, index)
    f = source
    if f.family not in SUPPORTED:
        raise ValueError(f"no forward problem for PDEBench family {f.family!r} yet; supported: {', '.join(SUPPORTED)}")
    if f.layout == "groups":
        return group_problem(f.family, f.sample(index).astype(np.float64), f.coords, f.t, f.bounds, f.config(index),
                             dict(file=f.path.name, sample=int(index)))
    data = f.sample(index)[..., 0].astype(np.float64)  # (nt, nx)
    x, t = f.coords["x"].astype(np.float64), f.t.astype(np.float64)
    low, high = f.bounds["x"]
    length = high - low
    frame0 = data[0].copy()

    def u0(points: torch.Tensor) -> torch.Tensor:
        values = fourier_interpolate(frame0, (length,), (float(x[0]),), points[:, :1].detach().cpu().double().numpy())
        return torch.as_tensor(values, dtype=points.dtype, device=points.device)[:, None]

    domain = SpaceTime(Interval(low, high), TimeInterval(float(t[0]), float(t[-1])))
    grid = ReferenceGrid(domain.names, (x, t), data.T[..., None], ("u",))
    reference = FunctionReference(domain.names, ("u",), bilinear_xt(x, t, data.T, periodic=(low, length)), grid)
    params = dict(f.params, file=f.path.name, sample=int(index))
    doc = (f"Sample {index} of the PDEBench file {f.path.name} ({f.family}, {', '.join(f'{k}={v:g}' for k, v in f.params.items())}): "
           f"initial condition = its first frame, reference = the sample on its {len(x)} x {len(t)} grid.")
    return Problem(sample_problem_name(f.family), _pde(f.family, f.params), domain,
                   (InitialCondition(("u",), u0), Periodic("x")), params, reference, doc)
