"""The Lagrangian PINN solver: residuals on the characteristics, trained like the PINN (Adam, then
L-BFGS) under the shared driver; the Eulerian solution by re-gridding."""
from __future__ import annotations

import math
import warnings

import torch

from pinnkit import autodiff
from pinnkit.problem import Problem
from pinnkit.solvers.base import Solver
from pinnkit.solvers.lpinn.config import LPINNConfig
from pinnkit.solvers.lpinn.losses import loss_terms
from pinnkit.solvers.lpinn.model import LagrangianModel, lagrangian_model
from pinnkit.solvers.lpinn.regrid import crossings
from pinnkit.solvers.lpinn.residuals import CHARACTERISTIC, residuals, transport_speed, unsupported_keys
from pinnkit.solvers.pinn.solver import PINN

__all__ = ["LPINN"]

COMPRESSION = 0.05  # J = d x_L / d x0 below this: particles pile up, a shock (or steep front) forms


class LPINN(PINN):
    """Lagrangian physics-informed networks (Mojgani, Balajewicz & Hassanzadeh, CMAME 404, 2023).

    Reuses the PINN's optimisation phases, point sampling and checkpoint state; the loss and the
    model are Lagrangian (:mod:`.residuals`, :mod:`.model`)."""

    name = "lpinn"
    Config = LPINNConfig

    @classmethod
    def refusal(cls, problem: Problem) -> str | None:
        """Why LPINN cannot solve ``problem``, or ``None`` when it can."""
        pde = problem.pde
        if pde.advection is None:
            return (f"LPINN moves along characteristics dx/dt = a(u, x, t), but problem {problem.name!r} declares no "
                    "transport velocity (its PDE has no Advection). Problems that declare one include convection1d, "
                    "advection1d, burgers1d_pdebench and burgers1d_shock")
        if len(problem.fields) != 1 or problem.domain.space_dim != 1 or problem.domain.time is None:
            return (f"LPINN handles one field in one space dimension and time; problem {problem.name!r} has fields "
                    f"{tuple(problem.fields)} over {tuple(problem.coords)}")
        if problem.periodic != problem.domain.space_names or problem.boundary_conditions:
            return (f"LPINN needs a periodic domain: particles that leave through a boundary need inflow conditions, "
                    f"which are not implemented; problem {problem.name!r} has boundary conditions "
                    f"{[type(c).__name__ for c in problem.boundary_conditions]}")
        missing = unsupported_keys(problem)
        if missing:
            return (f"LPINN's Lagrangian jet provides u, u_x, u_xx, x and t; problem {problem.name!r} reads {missing}")
        return None

    def __init__(self, problem: Problem, config: LPINNConfig, device, dtype, generator) -> None:
        Solver.__init__(self, problem, config, device, dtype, generator)
        self.check(problem)
        c = config
        self.speed = transport_speed(problem)
        self.network = lagrangian_model(problem, c.width, c.depth, c.activation, c.periodic_harmonics, self.speed,
                                        c.exact_characteristic, c.hard_initial, c.eval_labels, c.interpolation,
                                        generator, dtype, device)
        self.weights = {"residual": c.w_residual, "characteristic": c.w_characteristic, "initial": c.w_initial}
        self.adam = torch.optim.Adam(self.network.parameters(), lr=c.lr)
        self.lbfgs = None
        self._lbfgs_losses: list[float] = []
        self._stop_reason: str | None = None
        self._notes: list[str] = []
        self.derivatives = c.derivatives
        self._residual_loss = self._per_point_residual
        self._sample_all()

    @property
    def conditions(self) -> tuple:
        return ()  # periodic only (see refusal)

    @property
    def model(self) -> LagrangianModel:
        return self.network

    # ------------------------------------------------------------------ loss
    def _sample_all(self) -> None:
        super()._sample_all()
        if not self.config.exact_characteristic and "initial" not in self.points:  # hard u0, soft x_L(x0, t0)
            self.points["initial"] = self.problem.domain.sample_initial(
                self.config.n_initial, method=self.config.sampling, generator=self.generator, device=self.device,
                dtype=self.dtype)

    def _rebuild_boundary(self) -> None:
        super()._rebuild_boundary()
        if self.config.hard_initial:
            self.initial_target = None  # u0 holds exactly

    def _per_point_residual(self, points: torch.Tensor) -> torch.Tensor:
        c = self.config
        r = residuals(self.problem, self.network, points, c.diffusion, self.derivatives, c.jacobian_floor,
                      c.residual_form)
        return self.weights["residual"] * r.state ** 2 + self.weights["characteristic"] * r.characteristic ** 2

    def _terms(self, residual_points: torch.Tensor) -> dict[str, torch.Tensor]:
        return loss_terms(self.problem, self.network, residual_points, self.points.get("initial"),
                          self.initial_target, self.config, self.derivatives)

    def predict(self, points: torch.Tensor) -> torch.Tensor:
        """The Eulerian solution; crossing characteristics are reported once, in the run's message
        (:meth:`notes`), not as a warning at every evaluation."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="characteristics cross", category=RuntimeWarning)
            return super().predict(points)

    # ------------------------------------------------------------------ the end
    def finish(self) -> None:
        """Check the characteristics on a grid of times: where they converge (a front) and cross."""
        self._notes = self.characteristic_notes()

    def notes(self) -> list[str]:
        return list(self._notes)

    def characteristic_notes(self, n_times: int = 101) -> list[str]:
        """Messages on where J = d x_L / d x0 falls below :data:`COMPRESSION` (particles pile up into
        a front or shock) and where neighbouring particles cross (the map is not invertible)."""
        dom = self.problem.domain
        param = next(self.network.parameters())
        times = torch.linspace(dom.lows[-1], dom.highs[-1], n_times, device=param.device, dtype=param.dtype)
        labels = self.network.labels(like=times)
        first_crossing, first_front, min_j, where = math.inf, math.inf, math.inf, 0.0
        for t in times:
            points = torch.stack([labels, torch.full_like(labels, float(t))], dim=1)
            with torch.no_grad():
                from_grid, _ = self.network.particles(t[None])
            jac = self._jacobian(points)
            smallest = float(jac.min())
            if crossings(from_grid, self.network.period).item() or smallest <= 0:
                first_crossing = min(first_crossing, float(t))
            if smallest < COMPRESSION:
                first_front = min(first_front, float(t))
            if smallest < min_j:
                min_j, where = smallest, float(from_grid[0, int(jac.argmin())])
        notes = []
        if math.isfinite(first_crossing):
            notes.append(f"characteristics cross from t = {first_crossing:.3g} on (d x_L / d x0 <= 0): the "
                         "Lagrangian map is not invertible there, so the Eulerian values (Result.u, errors) after "
                         "that time are not a single-valued solution")
        elif math.isfinite(first_front):
            period = self.network.period
            x = self.network.low + (where - self.network.low) % period
            notes.append(f"characteristics converge from t = {first_front:.3g} on (d x_L / d x0 < {COMPRESSION:g}; "
                         f"min {min_j:.2g} near x = {x:.3g}): a shock or steep front, resolved by few particles")
        return notes

    def _jacobian(self, points: torch.Tensor) -> torch.Tensor:
        key = f"{CHARACTERISTIC}_{self.problem.domain.space_names[0]}"
        jet = autodiff.derivatives(self.network.characteristic, points, self.problem.coords, (CHARACTERISTIC,),
                                   (key,), method=self.derivatives)
        return jet[key].detach()
