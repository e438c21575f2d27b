"""The TENG solver: evolve a space-only network in time by least-squares projections.

One driver step is one time step of an explicit Runge-Kutta scheme u_t = F(u) in which every
stage value, and the new solution, is a least-squares projection onto the network:

    theta <- theta + argmin_d |sqrt(w) (J_S d - (T - u_theta))|^2     on a random subset S,

repeated a few times per stage, keeping the best iterate (Chen, McCarran, Vizcaino, Soljacic &
Luo, "TENG: Time-Evolving Natural Gradient for Solving PDEs with Deep Neural Nets toward
Machine Precision", ICML 2024). The first step also fits the initial condition.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import torch
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from pinnkit import autodiff
from pinnkit.domain import Domain
from pinnkit.problem import Problem
from pinnkit.solvers.base import DTYPES, Solver
from pinnkit.solvers.teng.ansatz import FourierSeries, SnapshotModel, spatial_network
from pinnkit.solvers.teng.config import TENGConfig
from pinnkit.solvers.teng.integrators import get_integrator
from pinnkit.solvers.teng.jacobian import output_jacobian
from pinnkit.solvers.teng.lstsq import solve_least_squares


class TENG(Solver):
    """Time-evolving natural gradient on periodic evolution problems (Chen et al., ICML 2024)."""

    name = "teng"
    Config = TENGConfig

    @classmethod
    def check(cls, problem: Problem) -> None:
        if not problem.pde.is_evolution:
            raise ValueError(f"TENG steps a solution forward in time; problem {problem.name!r} is steady "
                             "(no time coordinate). Use solver='pinn'")
        constraints = [e.name for e in problem.pde.equations if e.evolves is None]
        frozen = [f for f in problem.fields if f not in problem.pde.evolved]
        if constraints or frozen:
            raise ValueError(f"TENG needs u_t = F(u) for every field; problem {problem.name!r} has fields without a "
                             f"time derivative {frozen} / constraint equations {constraints}. Use solver='pinn'")
        space = problem.domain.space_names
        open_axes = [c for c in space if c not in problem.periodic]
        if open_axes or problem.boundary_conditions:
            kinds = sorted({type(c).__name__ for c in problem.boundary_conditions})
            raise ValueError(f"TENG needs periodic boundaries in every space coordinate (its ansatz is exactly "
                             f"periodic and imposes no boundary values); problem {problem.name!r} is not periodic in "
                             f"{open_axes or list(space)} (boundary conditions: {', '.join(kinds) or 'none'}). "
                             "Use a periodic variant of the problem or solver='pinn'")

    def __init__(self, problem: Problem, config: TENGConfig, device, dtype, generator) -> None:
        dtype = dtype if config.dtype == "same" else DTYPES[config.dtype]
        super().__init__(problem, config, device, dtype, generator)
        c, dom = config, problem.domain
        self.space = Domain(dom.space_names, dom.lows[:-1], dom.highs[:-1])
        self.points = self.space.grid(c.grid, periodic=self.space.names, device=device, dtype=dtype)
        self.t0, t1 = dom.lows[-1], dom.highs[-1]
        self.n_steps = max(1, math.ceil((t1 - self.t0) / c.dt - 1e-9))
        self.dt = (t1 - self.t0) / self.n_steps
        if c.ansatz == "fourier":
            net = FourierSeries(self.space, problem.fields, c.fourier_modes, dtype, device)
        else:
            net = spatial_network(self.space, problem.fields, c.width, c.depth, c.activation, c.periodic_features,
                                  generator, dtype, device)
        self.net = net
        self.snapshots = SnapshotModel(net, self.n_steps // c.snapshot_every + 2)
        self.tableau = get_integrator(c.integrator)
        self.params = [p for p in net.parameters() if p.requires_grad]
        self.n_params = sum(p.numel() for p in self.params)
        self._always = embedding_columns(net) if c.embedding_in_subset else None
        self._free = None  # the parameters drawn at random besides the embedding's
        if self._always is not None:
            self._free = torch.ones(self.n_params, dtype=torch.bool)
            self._free[self._always] = False
        self.sqrt_w = 1.0 / math.sqrt(self.points.shape[0])
        self.t = self.t0
        self.fitted = False
        self._startup = False  # inside a start-up step (startup_full_fit applies)
        order = [problem.pde.evolved.index(f) for f in problem.fields]
        self._rhs_order = torch.as_tensor(order, device=device)

    # ------------------------------------------------------------------ interface
    @property
    def planned_steps(self) -> int:
        return self.n_steps

    @property
    def work_per_step(self) -> float:
        """Points x columns^2: forming the normal equations of one least-squares update."""
        columns = min(self.config.subset or self.n_params, self.n_params)
        return float(self.points.shape[0]) * columns**2

    @property
    def model(self) -> torch.nn.Module:
        return self.snapshots

    def step(self, k: int) -> dict[str, float]:
        info: dict[str, float] = {}
        if not self.fitted:
            info["init_rel"] = self.fit_initial()
        c = self.config
        if (k == 0 and c.startup_halvings) or k * self.dt < c.startup_time - 1e-12 * self.dt:
            self._startup = True
            substeps = startup_substeps(self.dt, c.startup_halvings if k == 0 else 0, c.startup_dt or self.dt)
            rel = [self.time_step(h) for h in substeps][-1]
            self._startup = False
        else:
            rel = self.time_step()
        self.t = self.t0 + (k + 1) * self.dt
        if (k + 1) % self.config.snapshot_every == 0 or k + 1 >= self.n_steps:
            self.snapshots.record(self.t)
        else:
            self.snapshots.t_now.fill_(self.t)
        return {"loss": rel, "t": self.t, **info}

    @property
    def time_reached(self) -> float | None:
        return float(self.t) if self.fitted else None

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.snapshots.state_dict(), "t": self.t, "fitted": self.fitted,
                "generator": self.generator.get_state()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.snapshots.load_state_dict(state["model"])
        self.t, self.fitted = float(state.get("t", self.t0)), bool(state.get("fitted", True))
        if "generator" in state:
            self.generator.set_state(state["generator"])

    # ------------------------------------------------------------------ pieces
    def values(self) -> torch.Tensor:
        """The network at the grid points, ``(N, m)``."""
        with torch.no_grad():
            return self.net(self.points)

    def rhs(self) -> torch.Tensor:
        """F(u_theta) at the grid points, ``(N, m)`` in field order."""
        pde = self.problem.pde
        jet = autodiff.derivatives(self.net, self.points, self.space.names, self.problem.fields, pde.rhs_requires)
        return pde.rhs(jet).detach()[:, self._rhs_order]

    def fit_initial(self) -> float:
        """Fit u_theta ~ u0 on the grid; returns the relative misfit. Records the state at t0."""
        c, ic = self.config, self.problem.initial_condition
        with torch.no_grad():
            u0 = ic.value(self.points)
        columns = [ic.fields.index(f) for f in self.problem.fields]
        rel = self.fit(u0[:, columns], c.init_iterations, c.init_subset, c.init_subset, c.init_tol)
        self.fitted = True
        self.snapshots.record(self.t0)
        return rel

    def time_step(self, dt: float | None = None) -> float:
        """One Runge-Kutta step (of ``dt``, default the solver's) with a projection per stage;
        returns the last fit's relative misfit."""
        tab, dt = self.tableau, self.dt if dt is None else dt
        u_n = self.values()
        slopes: list[torch.Tensor] = []
        fits = 0
        for i in range(tab.stages):
            if i > 0:
                target = u_n + dt * sum(a * k for a, k in zip(tab.a[i], slopes) if a != 0)
                self._stage_fit(target, fits)
                fits += 1
            slopes.append(self.rhs())
        target = u_n + dt * sum(b * k for b, k in zip(tab.b, slopes) if b != 0)
        return self._stage_fit(target, fits)

    def _stage_fit(self, target: torch.Tensor, fits_before: int) -> float:
        c = self.config
        if self._startup and c.startup_full_fit:
            return self.fit(target, c.iterations, 0, 0, c.tol)
        iterations = c.iterations if fits_before == 0 else c.later_iterations
        return self.fit(target, iterations, c.subset, c.later_subset, c.tol)

    def draw_subset(self, size: int, gradient: torch.Tensor | None = None) -> torch.Tensor:
        """A subset of ``size`` parameter positions: random, or with ``gradient`` (``subset_rule="gradient"``)
        the ``size`` largest |gradient|; with ``embedding_in_subset`` all the periodic embedding's
        parameters and ``size - (their number)`` others."""
        if gradient is not None:
            score = gradient.detach().abs().cpu()
            if self._free is not None:
                score = score.masked_fill(~self._free, math.inf)
            return torch.topk(score, size).indices.to(self.device)
        perm = torch.randperm(self.n_params, generator=self.generator)
        if self._free is not None:
            perm = torch.cat([self._always, perm[self._free[perm]]])
        return perm[:size].to(self.device)

    def misfit_gradient(self, r: torch.Tensor) -> torch.Tensor:
        """g = J^T r for the flattened misfit ``r`` ``(N m,)``: one backward pass over the grid, ``(P,)``."""
        with torch.enable_grad():
            out = self.net(self.points).reshape(-1)
            grads = torch.autograd.grad(out, self.params, grad_outputs=r.reshape(out.shape))
        return torch.cat([g.reshape(-1) for g in grads])

    def fit(self, target: torch.Tensor, iterations: int, subset: int, later_subset: int, tol: float,
            damping: float | None = None) -> float:
        """Damped Gauss-Newton least-squares updates of the network towards ``target`` ``(N, m)``.

        Each iteration solves for a step from the best iterate so far on a fresh subset (``draw_subset``);
        a step that does not lower the misfit is rejected and the damping raised 100-fold
        (Levenberg-Marquardt), an accepted one lowers it 10-fold towards ``damping`` (default
        ``config.damping``).
        The damping is relative: lambda = damping * |J_S|_F^2 / |S|.
        Returns the relative RMS misfit |T - u| / |T| of the best iterate.
        """
        c = self.config
        scale = max(float(target.norm()), 1e-300)
        best_theta = parameters_to_vector(self.params).detach()
        r = (target - self.values()).reshape(-1)
        base = c.damping if damping is None else damping
        best, lam = float(r.norm()), base
        for it in range(iterations):
            if not math.isfinite(best) or best <= tol * scale:
                break
            size = subset if it == 0 else later_subset
            index = None
            if 0 < size < self.n_params:
                index = self.draw_subset(size, self.misfit_gradient(r) if c.subset_rule == "gradient" else None)
            J = output_jacobian(self.net, self.points, index, c.jacobian) * self.sqrt_w
            lam_abs = lam * float((J * J).sum()) / J.shape[1]  # relative to the mean squared column norm
            delta = solve_least_squares(J, r * self.sqrt_w, c.lstsq, lam_abs, c.rcond)
            theta = best_theta + delta if index is None else best_theta.index_add(0, index, delta)
            vector_to_parameters(theta, self.params)
            r_new = (target - self.values()).reshape(-1)
            value = float(r_new.norm())
            if value < best:
                best, best_theta, r, lam = value, theta, r_new, max(base, lam / 10)
            else:
                lam = max(lam, 1e-14) * 100
        vector_to_parameters(best_theta, self.params)
        return best / scale


def embedding_columns(net: torch.nn.Module) -> torch.Tensor:
    """Positions of the trainable periodic embedding's parameters in the trainable parameter vector."""
    out, offset = [], 0
    for name, p in net.named_parameters():
        if not p.requires_grad:
            continue
        if name.startswith("encoding.periodic."):
            out.append(torch.arange(offset, offset + p.numel()))
        offset += p.numel()
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.long)


def startup_substeps(dt: float, halvings: int, cap: float | None = None) -> list[float]:
    """``dt`` split for a start-up step: ``h, h, 2h, 4h, ...`` with ``h = dt / 2^halvings`` while the
    sub-steps stay within ``cap`` (default ``dt``), the rest in equal sub-steps of at most ``cap``
    (``halvings = 0``: equal sub-steps only). Without a cap below ``dt / 2`` the ramp alone sums to
    ``dt``: ``h, h, 2h, ..., dt/2``. Small first steps suit initial data that are not smooth."""
    cap = dt if cap is None or cap <= 0 else min(cap, dt)
    steps: list[float] = []
    if halvings:
        h = dt / 2**halvings
        steps = [h]
        while h <= cap and sum(steps) + h <= dt * (1 + 1e-12):
            steps.append(h)
            h *= 2
    rest = dt - sum(steps)
    if rest > 1e-12 * dt:
        n = math.ceil(rest / cap - 1e-9)
        steps += [rest / n] * n
    return steps
