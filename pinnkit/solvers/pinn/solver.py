"""The soft-constraint PINN solver: Adam, then L-BFGS, under the shared driver."""
from __future__ import annotations

import math
from typing import Any, Mapping

import torch

from pinnkit.autodiff.compiled import maybe_compile
from pinnkit.conditions import Dirichlet, Neumann
from pinnkit.nn import StreamFunction, build_network, impose_initial, stream_function_network
from pinnkit.problem import Problem
from pinnkit.solvers.base import DTYPES, Solver
from pinnkit.solvers.pinn import losses
from pinnkit.solvers.pinn.config import PINNConfig


class PINN(Solver):
    """Physics-informed neural network with soft constraints (Raissi et al., JCP 378, 2019)."""

    name = "pinn"
    Config = PINNConfig

    @classmethod
    def refusal(cls, problem: Problem) -> str | None:
        unsupported = [type(c).__name__ for c in problem.boundary_conditions if not isinstance(c, (Dirichlet, Neumann))]
        return f"PINN cannot impose {unsupported} conditions" if unsupported else None

    def __init__(self, problem: Problem, config: PINNConfig, device, dtype, generator) -> None:
        super().__init__(problem, config, device, dtype, generator)
        c = config
        if c.hard_walls:
            self.network = hard_walls_network(problem, c, generator, dtype, device)
        else:
            self.network = build_network(problem, width=c.width, depth=c.depth, activation=c.activation,
                                         periodic_harmonics=c.periodic_harmonics,
                                         fourier_features=c.fourier_features, fourier_sigma=c.fourier_sigma,
                                         generator=generator, dtype=dtype, device=device)
        if c.hard_initial:
            self.network = impose_initial(problem, self.network)
        self.weights = {"residual": c.w_residual, "initial": c.w_initial, "boundary": c.w_boundary}
        self.adam = torch.optim.Adam(self.network.parameters(), lr=c.lr)
        self.lbfgs: torch.optim.LBFGS | None = None
        self._lbfgs_losses: list[float] = []
        self._stop_reason: str | None = None
        # "auto": the forward jet wherever it applies (faster, benchmarks/kernels.py), else nested
        # autograd; compiling needs the forward jet (nested autograd cannot be compiled)
        self.derivatives = "forward" if c.compile and c.derivatives == "auto" else c.derivatives
        self._residual_loss = maybe_compile(self._eager_residual_loss, c.compile)
        self._sample_all()

    @property
    def conditions(self) -> tuple:
        """The boundary conditions the loss imposes (none under ``hard_walls``: the ansatz holds them)."""
        return () if self.config.hard_walls else tuple(self.problem.boundary_conditions)

    def _eager_residual_loss(self, points: torch.Tensor) -> torch.Tensor:
        if isinstance(self.network, StreamFunction) and self.derivatives in ("auto", "forward"):
            # the stream function's own third-order jet: one pass instead of nested autograd
            return losses.stream_residual_loss(self.problem, self.network, points)
        return losses.residual_loss(self.problem, self.network, points, self.derivatives)

    # ------------------------------------------------------------------ interface
    @property
    def planned_steps(self) -> int:
        return self.config.adam_steps + self.config.lbfgs_steps

    @property
    def work_per_step(self) -> float:
        """Parameters x points: the multiply-adds of one forward pass over the collocation points."""
        return sum(p.numel() for p in self.network.parameters()) * sum(len(v) for v in self.points.values())

    @property
    def model(self) -> torch.nn.Module:
        return self.network

    def step(self, k: int) -> dict[str, float]:
        if k < self.config.adam_steps:
            return self._adam_step(k)
        return self._lbfgs_step(k)

    def terminate(self) -> str | None:
        return self._stop_reason

    def state_dict(self) -> dict[str, Any]:
        state = {"model": self.network.state_dict(), "adam": self.adam.state_dict(), "weights": dict(self.weights),
                 "points": self.points, "dtype": str(self.dtype)}
        if self.lbfgs is not None:
            state["lbfgs"] = self.lbfgs.state_dict()
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if state.get("dtype", str(self.dtype)) != str(self.dtype):
            self._to_dtype(torch.float64 if "64" in state["dtype"] else torch.float32)
        self.network.load_state_dict(state["model"])
        self.weights = dict(state["weights"])
        self.points = {k: v.to(self.device, self.dtype) for k, v in state["points"].items()}
        self._rebuild_boundary()
        if "lbfgs" in state:
            self._start_lbfgs()
            self.lbfgs.load_state_dict(state["lbfgs"])
        else:
            self.adam.load_state_dict(state["adam"])

    # ------------------------------------------------------------------ points
    def _sample_all(self) -> None:
        c, dom = self.config, self.problem.domain
        kw = dict(method=c.sampling, generator=self.generator, device=self.device, dtype=self.dtype)
        self.points = {"residual": dom.sample_interior(c.n_residual, **kw)}
        if self.problem.initial_condition is not None and not c.hard_initial:
            self.points["initial"] = dom.sample_initial(c.n_initial, **kw)
        for i, bc in enumerate(self.conditions):
            self.points[f"boundary{i}"] = dom.sample_boundary(c.n_boundary, where=bc.where, **kw)
        self._rebuild_boundary()

    def _rebuild_boundary(self) -> None:
        self.boundary = [losses.boundary_set(self.problem, bc, self.points[f"boundary{i}"])
                         for i, bc in enumerate(self.conditions)]
        self.initial_target = None
        if "initial" in self.points:
            with torch.no_grad():
                self.initial_target = self.problem.initial_condition.value(self.points["initial"][:, :-1])

    def _resample(self, k: int) -> None:
        c = self.config
        if c.adaptive != "none" and k > 0 and k % c.adaptive_every == 0:
            self._adapt()
        elif c.resample_every and k > 0 and k % c.resample_every == 0:
            kw = dict(method=c.sampling, generator=self.generator, device=self.device, dtype=self.dtype)
            self.points["residual"] = self.problem.domain.sample_interior(c.n_residual, **kw)

    def _adapt(self) -> None:
        """RAD replaces the residual points; RAR-D adds ``adaptive_points`` where the residual is large."""
        c = self.config
        if c.adaptive == "rad":
            self.points["residual"] = self._rad_points()
        else:
            extra = self._rad_points(c.adaptive_points or max(1, c.n_residual // 10), k_exp=2.0, c_const=0.0)
            self.points["residual"] = torch.cat([self.points["residual"], extra])

    def _rad_points(self, count: int | None = None, k_exp: float = 1.0, c_const: float = 1.0,
                    pool_factor: int = 8) -> torch.Tensor:
        """Draw ``count`` points with p(x) ~ |r|^k / mean|r|^k + c from a uniform pool (Wu et al. 2023:
        RAD uses k = 1, c = 1; RAR-D k = 2, c = 0)."""
        c = self.config
        count = count or c.n_residual
        pool = self.problem.domain.sample_interior(max(count, c.n_residual) * pool_factor, method="uniform",
                                                   generator=self.generator, device=self.device, dtype=self.dtype)
        density = torch.cat([self._residual_loss(chunk).detach().sqrt()
                             for chunk in pool.split(8192)]) ** k_exp
        prob = density / density.mean() + c_const
        pick = torch.multinomial(prob.cpu(), count, replacement=False, generator=self.generator)
        return pool[pick.to(pool.device)]

    # ------------------------------------------------------------------ loss
    def _terms(self, residual_points: torch.Tensor) -> dict[str, torch.Tensor]:
        c, problem = self.config, self.problem
        per_point = self._residual_loss(residual_points)
        if c.causal and problem.domain.time is not None:
            t0, t1 = problem.domain.lows[-1], problem.domain.highs[-1]
            res, _ = losses.causal_residual_loss(per_point, residual_points[:, -1], t0, t1, c.causal_chunks,
                                                 c.causal_eps)
        else:
            res = per_point.mean()
        terms = {"residual": res}
        if self.initial_target is not None:
            terms["initial"] = losses.initial_loss(problem, self.network, self.points["initial"], self.initial_target)
        if self.boundary:
            terms["boundary"] = sum(losses.boundary_loss(problem, self.network, b, self.derivatives)
                                    for b in self.boundary)
        return terms

    def _total(self, terms: dict[str, torch.Tensor]) -> torch.Tensor:
        return sum(self.weights[name] * value for name, value in terms.items())

    def _batch(self) -> torch.Tensor:
        points, size = self.points["residual"], self.config.batch_size
        if not size or size >= len(points):
            return points
        pick = torch.randperm(len(points), generator=self.generator)[:size]
        return points[pick.to(points.device)]

    def _balance(self, terms: dict[str, torch.Tensor]) -> None:
        """Learning-rate annealing: w_i <- a w_i + (1 - a) max|grad L_res| / mean|grad L_i|."""
        params = [p for p in self.network.parameters() if p.requires_grad]

        def grads(value):
            g = torch.autograd.grad(value, params, retain_graph=True, allow_unused=True)
            return torch.cat([x.abs().reshape(-1) for x in g if x is not None])

        ref = grads(terms["residual"]).max()
        a = self.config.weighting_alpha
        for name, value in terms.items():
            if name != "residual":
                scale = (ref / grads(value).mean().clamp_min(1e-30)).item()
                self.weights[name] = a * self.weights[name] + (1 - a) * scale

    # ------------------------------------------------------------------ phases
    def _adam_step(self, k: int) -> dict[str, float]:
        c = self.config
        self._resample(k)
        for group in self.adam.param_groups:
            group["lr"] = c.lr * c.lr_decay ** (k / c.lr_decay_steps)
        terms = self._terms(self._batch())
        if c.weighting == "grad_norm" and k % c.weighting_every == 0:
            self._balance(terms)
        loss = self._total(terms)
        self.adam.zero_grad(set_to_none=True)
        loss.backward()
        self.adam.step()
        return {"loss": loss.item(), **{f"loss_{n}": v.item() for n, v in terms.items()},
                "lr": self.adam.param_groups[0]["lr"]}

    def _to_dtype(self, dtype: torch.dtype) -> None:
        self.network.to(dtype)
        self.dtype = dtype
        self.points = {k: v.to(dtype) for k, v in self.points.items()}
        self._rebuild_boundary()

    def _start_lbfgs(self) -> None:
        c = self.config
        if c.lbfgs_dtype != "same" and DTYPES[c.lbfgs_dtype] != self.dtype:
            self._to_dtype(DTYPES[c.lbfgs_dtype])
        self.lbfgs = torch.optim.LBFGS(self.network.parameters(), lr=1.0, max_iter=1, max_eval=25,
                                       history_size=c.lbfgs_history, tolerance_grad=0.0, tolerance_change=0.0,
                                       line_search_fn="strong_wolfe")

    def _lbfgs_step(self, k: int) -> dict[str, float]:
        c = self.config
        since = k - c.adam_steps
        if self.lbfgs is None:
            self._start_lbfgs()
        elif c.adaptive != "none" and since > 0 and since % c.adaptive_every == 0:
            # new residual points change the objective: restart L-BFGS's curvature history
            self._adapt()
            self._start_lbfgs()
            self._lbfgs_losses.clear()
        points = self.points["residual"]
        last: dict[str, torch.Tensor] = {}

        def closure():
            self.lbfgs.zero_grad(set_to_none=True)
            terms = self._terms(points)
            loss = self._total(terms)
            loss.backward()
            last.update({k: v.detach() for k, v in terms.items()}, loss=loss.detach())
            return loss

        self.lbfgs.step(closure)
        loss = float(last["loss"])
        self._check_lbfgs(loss, k)
        return {"loss": loss, **{f"loss_{n}": float(v) for n, v in last.items() if n != "loss"}}

    def _check_lbfgs(self, loss: float, k: int) -> None:
        """Say why L-BFGS stops: gradient tolerance, stalled loss, or line-search failure."""
        c = self.config
        grads = [p.grad for p in self.network.parameters() if p.grad is not None]
        grad_max = max((g.abs().max().item() for g in grads), default=0.0)
        history = self._lbfgs_losses
        history.append(loss)
        if grad_max <= c.lbfgs_tolerance_grad:
            self._stop_reason = f"L-BFGS converged at step {k}: max |gradient| {grad_max:.2e} <= {c.lbfgs_tolerance_grad:g}"
        elif len(history) >= 10 and all(abs(history[-i] - history[-i - 1]) <= c.lbfgs_tolerance_change *
                                        max(1.0, abs(history[-i])) for i in range(1, 10)):
            self._stop_reason = (f"L-BFGS stopped at step {k}: loss changed by <= {c.lbfgs_tolerance_change:g} "
                                 f"(relative) for 10 iterations (line search makes no progress)")
        elif not math.isfinite(loss):
            self._stop_reason = f"L-BFGS line search produced a non-finite loss at step {k}"


# ---------------------------------------------------------------------- exact walls
_FACES = ("x_min", "x_max", "y_min", "y_max")


def hard_walls_network(problem: Problem, config: PINNConfig, generator, dtype, device) -> StreamFunction:
    """The stream-function ansatz for ``problem``, or a ValueError saying why it cannot take it.

    Accepted: steady incompressible flow, fields (u, v, p) on a box in (x, y), velocity prescribed
    (Dirichlet) on all four faces, zero normal velocity everywhere (psi = 0 on the whole boundary),
    zero tangential velocity on x_min, x_max, y_min and a constant one (the lid) on y_max."""
    c, dom = config, problem.domain
    why = f"hard_walls cannot take problem {problem.name!r}: "
    if (tuple(problem.fields) != ("u", "v", "p") or tuple(problem.coords) != ("x", "y") or dom.time is not None
            or "continuity" not in problem.pde.equation_names):
        raise ValueError(why + "it needs steady 2-D incompressible flow, fields (u, v, p) on (x, y) with a "
                         f"continuity equation; this problem has fields {tuple(problem.fields)} on "
                         f"{tuple(problem.coords)}")
    if c.fourier_features or c.activation not in ("tanh", "sin"):
        raise ValueError(f"hard_walls needs a plain tanh or sin MLP (its third-order jet knows these), got "
                         f"activation={c.activation!r}, fourier_features={c.fourier_features}")
    if c.hard_initial:
        raise ValueError(why + "hard_initial and hard_walls cannot be combined (no initial condition in a steady flow)")
    by_face = {}
    for bc in problem.boundary_conditions:
        if not isinstance(bc, Dirichlet) or tuple(bc.fields) != ("u", "v"):
            raise ValueError(why + f"it needs the velocity (u, v) prescribed on every wall, got a "
                             f"{type(bc).__name__} condition on {tuple(getattr(bc, 'fields', ()))}")
        for face in bc.where or dom.faces:
            by_face[face] = bc
    missing = [f for f in _FACES if f not in by_face]
    if missing:
        raise ValueError(why + f"it needs the velocity prescribed on all four walls; faces {missing} have none")
    gen = torch.Generator().manual_seed(0)
    normal_flow, moving, lid = [], [], []
    for face in _FACES:
        points = dom.sample_boundary(64, where=(face,), generator=gen, dtype=torch.float64)
        with torch.no_grad():
            values = by_face[face].value(points).reshape(len(points), 2).double()
        normal, tangential = (values[:, 0], values[:, 1]) if face.startswith("x") else (values[:, 1], values[:, 0])
        if normal.abs().max() > 1e-12:
            normal_flow.append(face)
        if face == "y_max":
            lid = tangential
        elif tangential.abs().max() > 1e-12:
            moving.append(face)
    if normal_flow:
        raise ValueError(why + f"it prescribes flow through the walls {normal_flow} (nonzero normal velocity); the "
                         "ansatz needs impermeable walls, psi = 0 on the whole boundary. Inflow or outflow needs a "
                         "boundary stream function integrated from the normal velocity and a Coons-type blend of "
                         "psi and its normal derivative, which is not implemented; use hard_walls=false")
    if moving or float(lid.max() - lid.min()) > 1e-12:
        raise ValueError(why + "it needs resting walls x_min, x_max, y_min and a lid y_max moving at constant "
                         f"speed; walls {moving + (['y_max'] if float(lid.max() - lid.min()) > 1e-12 else [])} "
                         "move otherwise; use hard_walls=false")
    viscosity = None
    if c.lid_corners == "stokes":
        params = problem.params
        viscosity = params.get("nu", 1.0 / params["re"] if params.get("re") else None)
        if viscosity is None:
            raise ValueError(why + "lid_corners='stokes' needs the viscosity (a 're' or 'nu' problem parameter) "
                             "for its corner pressure; use lid_corners='smooth'")
    return stream_function_network(dom.lows, dom.highs, width=c.width, depth=c.depth, activation=c.activation,
                                   lid_speed=float(lid.mean()), lid_band=c.lid_band, lid_depth=c.lid_depth,
                                   coords=problem.coords, fields=problem.fields, corners=c.lid_corners,
                                   viscosity=viscosity, generator=generator, dtype=dtype, device=device)
