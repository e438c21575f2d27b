"""Loss functionals whose landscapes are studied: the strong-form PINN loss and the Deep Ritz energy.

* ``"galerkin"`` (the least-squares "deep Galerkin" loss of Sirignano & Spiliopoulos, JCP 375,
  2018; the PINN loss of Raissi et al.), for any catalogue problem:
  ``L = w_res mean |r(u)|^2 + w_ic mean |u(., t0) - u0|^2 + w_bc sum_faces mean |B u - g|^2``.
* ``"lagrangian"``: the LPINN loss on the characteristics (Mojgani et al., CMAME 404, 2023) of a
  two-network Lagrangian model, for the problems LPINN solves;
* ``"ritz"`` (E & Yu, Commun. Math. Stat. 6, 2018), for steady Poisson problems ``-Laplace(u) = f``:
  ``E = |Omega| mean (1/2 |grad u|^2 - f u) + w_bc mean |u - g|^2``.

``hard=True`` multiplies the network by the Dirichlet factor ``prod_i (x_i - a_i)(b_i - x_i)``
(``u = x (1 - x) N(x)`` on ``[0, 1]``; Lagaris et al., IEEE TNN 9, 1998), so homogeneous
Dirichlet conditions hold exactly and their penalty disappears.

Every loss evaluates a *batch* of parameter vectors at once: it is called as
``loss(u, batch, method)`` where ``u`` maps ``(batch * N, d)`` points to ``(batch * N, m)`` values,
the b-th block of ``N`` rows evaluated with the b-th parameter vector, and it returns the
``(batch,)`` losses. Derivatives come from the shared kernels (:mod:`pinnkit.autodiff`) with
``method``; the residual is the problem's own (:meth:`pinnkit.pde.PDE.residual`).
"""
from __future__ import annotations

import dataclasses
import math
from abc import ABC, abstractmethod
from typing import Callable

import torch

from pinnkit import autodiff
from pinnkit._validate import check_choice
from pinnkit.conditions import Dirichlet
from pinnkit.nn.constraints import box_distance
from pinnkit.problem import Problem
from pinnkit.solvers.lpinn import LagrangianModel, LPINN, LPINNConfig
from pinnkit.solvers.lpinn.losses import loss_terms, weighted_total
from pinnkit.solvers.pinn.losses import BoundarySet, boundary_set

__all__ = ["LOSSES", "Loss", "GalerkinLoss", "LagrangianLoss", "RitzLoss", "make_loss", "dirichlet_factor",
           "poisson_forcing"]

PointFn = Callable[[torch.Tensor], torch.Tensor]


def _tile(points: torch.Tensor, batch: int) -> torch.Tensor:
    return points if batch == 1 else points.repeat(batch, 1)


def _block_mean(values: torch.Tensor, batch: int) -> torch.Tensor:
    """Mean over each of the ``batch`` blocks of rows (summing any trailing axes): ``(batch,)``."""
    return values.reshape(batch, -1, *values.shape[1:]).flatten(2).sum(2).mean(1) if values.ndim > 1 \
        else values.reshape(batch, -1).mean(1)


class Loss(ABC):
    """A scalar functional of the network, evaluated for a batch of parameter vectors (see module doc).

    ``points_per_call`` is the number of rows one parameter vector evaluates (it sizes batches).
    """

    name: str = "loss"
    points_per_call: int = 1
    direct: bool = False  # True when derivatives are taken of the network ``u`` itself (no wrapper)
    batchable: bool = True  # False: one parameter vector per call, loaded into the model itself

    @abstractmethod
    def __call__(self, u: PointFn, batch: int = 1, method: str = "auto") -> torch.Tensor:
        """The ``(batch,)`` loss values of the ``batch`` parameter vectors that ``u`` evaluates."""

    def to(self, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> "Loss":
        """This loss with its point tensors on ``device`` / in ``dtype`` (self when nothing changes)."""
        return self

    def solution(self, u: PointFn) -> PointFn:
        """The solution the network ``u`` represents (the hard factor applied, if any)."""
        return u


def dirichlet_factor(problem: Problem) -> PointFn:
    """``D(x) = prod_i (x_i - a_i)(b_i - x_i)`` over the non-periodic space coordinates: ``(N, 1)``.

    Only for problems whose every boundary condition is homogeneous Dirichlet on all faces.
    """
    dom = problem.domain
    for cond in problem.boundary_conditions:
        ok = isinstance(cond, Dirichlet) and cond.where is None
        if ok:
            pts = dom.sample_boundary(64, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
            ok = bool(cond.value(pts).abs().max() == 0)
        if not ok:
            raise ValueError(f"the hard Dirichlet factor needs u = 0 on every face; problem {problem.name!r} "
                             f"has a {type(cond).__name__} condition that is not homogeneous on all faces")
    along = [c for c in dom.space_names if c not in problem.periodic]
    if not along or not problem.boundary_conditions:
        raise ValueError(f"problem {problem.name!r} has no Dirichlet boundary for a hard factor")
    return box_distance(dom, along, normalized=False)


@dataclasses.dataclass
class _Points:
    """Sampled points of a loss, converted together between dtypes / devices."""

    interior: torch.Tensor
    initial: torch.Tensor | None = None
    initial_target: torch.Tensor | None = None
    boundary: tuple[BoundarySet, ...] = ()

    def to(self, device, dtype) -> "_Points":
        def conv(t):
            return None if t is None else t.to(device=device, dtype=dtype)

        boundary = tuple(dataclasses.replace(b, points=conv(b.points), target=conv(b.target),
                                             normal_axis=b.normal_axis.to(device),
                                             normal_sign=conv(b.normal_sign)) for b in self.boundary)
        return _Points(conv(self.interior), conv(self.initial), conv(self.initial_target), boundary)


class _SampledLoss(Loss):
    """Shared by the losses below: seeded points, weights, the optional hard factor."""

    def __init__(self, problem: Problem, n_interior: int, n_boundary: int, n_initial: int, hard: bool,
                 sampling: str, seed: int) -> None:
        for what, value in (("n_interior", n_interior), ("n_boundary", n_boundary), ("n_initial", n_initial)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{what} must be an integer >= 1, got {value!r}")
        self.problem, self.hard = problem, bool(hard)
        self.factor = dirichlet_factor(problem) if hard else None
        self.direct = self.factor is None
        g = torch.Generator().manual_seed(int(seed))
        dom, kw = problem.domain, dict(method=sampling, generator=g, dtype=torch.float64)
        interior = dom.sample_interior(n_interior, **kw)
        initial = target = None
        if problem.initial_condition is not None:
            initial = dom.sample_initial(n_initial, **kw)
            with torch.no_grad():
                target = problem.initial_condition.value(initial[:, :-1])
        boundary = () if hard else tuple(boundary_set(problem, bc, dom.sample_boundary(n_boundary, where=bc.where, **kw))
                                         for bc in problem.boundary_conditions)
        self.points = _Points(interior, initial, target, boundary)
        self.points_per_call = n_interior + (n_initial if initial is not None else 0) + n_boundary * len(boundary)

    def to(self, device=None, dtype=None):
        p = self.points.interior
        if (device is None or torch.device(device) == p.device) and (dtype is None or dtype == p.dtype):
            return self
        new = _copy(self)
        new.points = self.points.to(device or p.device, dtype or p.dtype)
        return new

    def solution(self, u: PointFn) -> PointFn:
        if self.factor is None:
            return u
        factor = self.factor
        return lambda x: factor(x) * u(x)

    def _boundary_terms(self, u: PointFn, batch: int, method: str) -> torch.Tensor:
        problem, total = self.problem, 0.0
        for data in self.points.boundary:
            fields = data.condition.fields
            pts = _tile(data.points, batch)
            if isinstance(data.condition, Dirichlet):
                value = u(pts)[:, [problem.fields.index(f) for f in fields]]
            else:
                space = problem.domain.space_names
                keys = [f"{f}_{c}" for f in fields for c in space]
                jet = autodiff.derivatives(u, pts, problem.coords, problem.fields, keys, method=method)
                grads = torch.stack([jet[k] for k in keys], dim=1).reshape(len(pts), len(fields), len(space))
                axis = _tile(data.normal_axis[:, None], batch)[:, 0].clamp(max=len(space) - 1)
                picked = grads.gather(2, axis[:, None, None].expand(-1, len(fields), 1))[..., 0]
                value = picked * _tile(data.normal_sign[:, None], batch)
            total = total + _block_mean((value - _tile(data.target, batch)).pow(2), batch)
        return total


def _copy(obj):
    new = obj.__class__.__new__(obj.__class__)
    new.__dict__.update(obj.__dict__)
    return new


class GalerkinLoss(_SampledLoss):
    """The strong-form least-squares (PINN / deep Galerkin) loss of any catalogue problem.

    Weights and point counts default to the PINN solver's (``w_boundary = w_initial = 10``).
    """

    name = "galerkin"

    def __init__(self, problem: Problem, n_interior: int = 1024, n_boundary: int = 256, n_initial: int = 256,
                 w_residual: float = 1.0, w_boundary: float = 10.0, w_initial: float = 10.0, hard: bool = False,
                 sampling: str = "sobol", seed: int = 0) -> None:
        super().__init__(problem, n_interior, n_boundary, n_initial, hard, sampling, seed)
        self.w_residual, self.w_boundary, self.w_initial = float(w_residual), float(w_boundary), float(w_initial)

    def __call__(self, u: PointFn, batch: int = 1, method: str = "auto") -> torch.Tensor:
        problem, pts = self.problem, self.points
        uh = self.solution(u)
        jet = autodiff.derivatives(uh, _tile(pts.interior, batch), problem.coords, problem.fields,
                                   problem.pde.requires, method=method)
        loss = self.w_residual * _block_mean(problem.pde.residual(jet).pow(2), batch)
        if pts.initial is not None:
            cols = [problem.fields.index(f) for f in problem.initial_condition.fields]
            misfit = uh(_tile(pts.initial, batch))[:, cols] - _tile(pts.initial_target, batch)
            loss = loss + self.w_initial * _block_mean(misfit.pow(2), batch)
        if pts.boundary:
            loss = loss + self.w_boundary * self._boundary_terms(uh, batch, method)
        return loss


def poisson_forcing(problem: Problem, points: torch.Tensor) -> torch.Tensor:
    """``f`` at ``points`` for a steady one-field problem whose residual is ``-Laplace(u) - f``: ``(N,)``.

    The residual is probed with zero derivatives (giving ``-f``) and with each derivative set to
    one (which must change it by -1 for ``u_cc`` and by 0 otherwise); anything else is refused.
    """
    pde, name = problem.pde, problem.name
    hint = (f"the Deep Ritz energy needs a steady Poisson problem -Laplace(u) = f with one field; "
            f"problem {name!r} is not one (try poisson1d or poisson2d)")
    if pde.is_evolution or len(pde.fields) != 1 or len(pde.equations) != 1:
        raise ValueError(hint)
    field, n = pde.fields[0], len(points)
    base = {k: points.new_zeros(n) for k in pde.requires}
    base.update({c: points[:, i] for i, c in enumerate(problem.coords)})
    with torch.no_grad():
        r0 = pde.residual(base)[:, 0]
        for key in pde.requires:
            if key in problem.coords:
                continue
            probe = dict(base, **{key: points.new_ones(n)})
            expected = -1.0 if key in {f"{field}_{c}{c}" for c in problem.coords} else 0.0
            if not torch.allclose(pde.residual(probe)[:, 0] - r0, torch.full_like(r0, expected), atol=1e-9):
                raise ValueError(hint)
    return -r0


class RitzLoss(_SampledLoss):
    """The Deep Ritz energy of a steady Poisson problem; ``w_boundary`` = 500 as in E & Yu."""

    name = "ritz"

    def __init__(self, problem: Problem, n_interior: int = 1024, n_boundary: int = 256, w_boundary: float = 500.0,
                 hard: bool = False, sampling: str = "sobol", seed: int = 0) -> None:
        forcing_check = problem.domain.sample_interior(8, generator=torch.Generator().manual_seed(0),
                                                       dtype=torch.float64)
        poisson_forcing(problem, forcing_check)  # refuses a non-Poisson problem before sampling
        super().__init__(problem, n_interior, n_boundary, 1, hard, sampling, seed)
        self.w_boundary = float(w_boundary)
        self.forcing = poisson_forcing(problem, self.points.interior)
        self.volume = math.prod(problem.domain.lengths)

    def to(self, device=None, dtype=None):
        new = super().to(device, dtype)
        if new is not self:
            new.forcing = self.forcing.to(device=new.points.interior.device, dtype=new.points.interior.dtype)
        return new

    def __call__(self, u: PointFn, batch: int = 1, method: str = "auto") -> torch.Tensor:
        problem = self.problem
        uh = self.solution(u)
        field = problem.fields[0]
        keys = [field, *autodiff.gradient_keys(field, problem.domain.space_names)]
        jet = autodiff.derivatives(uh, _tile(self.points.interior, batch), problem.coords, problem.fields, keys,
                                   method=method)
        grad2 = sum(jet[k].pow(2) for k in keys[1:])
        density = 0.5 * grad2 - _tile(self.forcing[:, None], batch)[:, 0] * jet[field]
        energy = self.volume * _block_mean(density, batch)
        if self.points.boundary:
            energy = energy + self.w_boundary * self._boundary_terms(uh, batch, method)
        return energy


class LagrangianLoss(_SampledLoss):
    """The LPINN loss (:mod:`pinnkit.solvers.lpinn.losses`) of a :class:`~pinnkit.solvers.lpinn.LagrangianModel`:
    weighted norms of the characteristic and state residuals and the initial misfit, with the
    weights, norm and diffusion form of ``config`` (default: the LPINN preset for the problem).

    The model is two networks, so parameter vectors are evaluated one at a time (``batchable``
    is False) by loading them into the model.
    """

    name = "lagrangian"
    batchable = False

    def __init__(self, problem: Problem, n_interior: int = 1024, n_initial: int = 256, hard: bool = False,
                 sampling: str = "sobol", seed: int = 0, config: LPINNConfig | None = None) -> None:
        reason = LPINN.refusal(problem)
        if reason is not None:
            raise ValueError(reason)
        if hard:
            raise ValueError("the lagrangian loss has no hard Dirichlet factor (LPINN problems are periodic)")
        super().__init__(problem, n_interior, 1, n_initial, False, sampling, seed)
        self.config = config if config is not None else LPINN.default_config(problem.name)
        self.weights = {"residual": self.config.w_residual, "characteristic": self.config.w_characteristic,
                        "initial": self.config.w_initial}

    def __call__(self, u, batch: int = 1, method: str = "auto") -> torch.Tensor:
        if batch != 1 or not isinstance(u, LagrangianModel):
            raise ValueError("the lagrangian loss evaluates one LPINN model (a LagrangianModel) at a time")
        pts = self.points
        target = None if self.config.hard_initial else pts.initial_target
        terms = loss_terms(self.problem, u, pts.interior, pts.initial, target, self.config, method)
        return weighted_total(terms, self.weights).reshape(1)


LOSSES = {"galerkin": GalerkinLoss, "ritz": RitzLoss, "lagrangian": LagrangianLoss}


def make_loss(problem: Problem, name: str = "galerkin", **options) -> Loss:
    """The named loss (``"galerkin"`` or ``"ritz"``) for ``problem``; ``options`` go to its constructor."""
    check_choice("loss", name, LOSSES)
    return LOSSES[name](problem, **options)
