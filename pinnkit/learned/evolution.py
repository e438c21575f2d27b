"""Space-time families, periodic in x: nonlinear reaction-diffusion and PDEBench-style advection.

``u(x, t) = sum_ij theta_ij phi_i(x) psi_j(t)`` with a periodic cubic basis in x and a clamped
one in t; collocation on the tensor grid of ``per_interval`` Gauss points per knot interval.
Loss ``mean (residual)^2 + weight * mean_x (u(x, 0) - u0(x))^2``; ``theta_0`` is the periodic
least-squares spline fit of ``u0`` held constant in time (it meets the initial data).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from pinnkit.learned.bspline import BSplineBasis, TensorBasis, gauss_points
from pinnkit.learned.family import Family, check_count, check_setting
from pinnkit.problems.diffusion_reaction import diffusion_reaction_terms
from pinnkit.reference.spectral import integrate_terms

__all__ = ["ReactionDiffusion", "Advection"]


class _SpaceTime(Family):
    """Shared pieces: the tensor basis, collocation and evaluation matrices, theta_0, projection."""

    n_fields = 1  # u0 at the Greville points in x, constant in t

    def __init__(self, settings: dict, length: float, t_final: float) -> None:
        intervals_x, intervals_t = settings["intervals_x"], settings["intervals_t"]
        check_setting("intervals_x", intervals_x, 4, integer=True)
        check_setting("intervals_t", intervals_t, 1, integer=True)
        check_setting("per_interval", settings["per_interval"], 1, integer=True)
        check_setting("weight", settings["weight"], 0.0)
        check_setting("n_eval_x", settings["n_eval_x"], 2, integer=True)
        check_setting("n_eval_t", settings["n_eval_t"], 2, integer=True)
        self.space = BSplineBasis(0.0, length, intervals_x, periodic=True)
        self.time = BSplineBasis(0.0, t_final, intervals_t)
        super().__init__(settings, TensorBasis(self.space, self.time), (True, False))
        self.length, self.t_final = length, t_final
        xc, _ = gauss_points(self.space, settings["per_interval"])
        tc, _ = gauss_points(self.time, settings["per_interval"])
        self.colloc_x, self.colloc_t = xc, tc
        self.mx = self.space.matrices(xc, (0, 1, 2))
        self.mt = self.time.matrices(tc, (0, 1))
        self.start = self.time.matrix(np.array([0.0]))
        self.x_eval = length * np.arange(settings["n_eval_x"]) / settings["n_eval_x"]
        self.t_eval = np.linspace(0.0, t_final, settings["n_eval_t"])
        self.eval_mats = (self.space.matrix(self.x_eval), self.time.matrix(self.t_eval))
        self._fit_x = torch.linalg.pinv(self.mx[0])  # u0 at the collocation x -> coefficients
        self._fit_eval = tuple(torch.linalg.pinv(m) for m in self.eval_mats)

    @property
    def eval_points(self) -> np.ndarray:
        x, t = np.meshgrid(self.x_eval, self.t_eval, indexing="ij")
        return np.column_stack([x.ravel(), t.ravel()])

    def grid(self, theta: torch.Tensor, dx: int, dt: int) -> torch.Tensor:
        """``d^{dx+dt} u / dx^dx dt^dt`` on the collocation grid, ``(B, N_x, N_t)``."""
        return self.basis.apply(theta.reshape(-1, *self.coef_shape), (self.mx[dx].to(theta), self.mt[dt].to(theta)))

    def initial_misfit(self, theta: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        """``mean_x (u(x, 0) - u0(x))^2`` at the collocation x, ``(B,)``."""
        u = self.basis.apply(theta.reshape(-1, *self.coef_shape), (self.mx[0].to(theta), self.start.to(theta)))
        return (u[..., 0] - self.u0(params, torch.as_tensor(self.colloc_x).to(theta))).pow(2).mean(dim=1)

    def initial_guess(self, params: torch.Tensor) -> torch.Tensor:
        c = self.u0(params, torch.as_tensor(self.colloc_x).to(params)) @ self._fit_x.to(params).T
        return c[:, :, None].expand(-1, *self.coef_shape).reshape(params.shape[0], -1)

    def fields(self, params: torch.Tensor) -> torch.Tensor:
        u0 = self.u0(params, torch.as_tensor(self.space.greville).to(params))
        return u0[:, None, :, None].expand(-1, 1, *self.coef_shape)

    def solution(self, theta: torch.Tensor) -> torch.Tensor:
        mats = tuple(m.to(theta) for m in self.eval_mats)
        return self.basis.apply(theta.reshape(-1, *self.coef_shape), mats).reshape(theta.shape[0], -1)

    def project(self, params: torch.Tensor) -> torch.Tensor:
        ref = self.reference(params).reshape(-1, len(self.x_eval), len(self.t_eval))
        fit = torch.einsum("ip,bpq,jq->bij", self._fit_eval[0].to(ref), ref, self._fit_eval[1].to(ref))
        return fit.reshape(ref.shape[0], -1)

    def u0(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The initial condition at ``x`` (N,), ``(B, N)``."""
        raise NotImplementedError


class ReactionDiffusion(_SpaceTime):
    """``u_t - nu u_xx - rho u (1 - u) = 0``, x in [0, 2 pi) periodic, t in [0, 1].

    ``nu ~ U(1, 5)``, ``rho ~ U(-5, 5)``; the initial conditions are periodic bumps
    ``u0 = exp((cos(x - c) - 1) / sigma^2)``, ``sigma = pi / 4``, centre ``c ~ U(pi/2, 3 pi/2)``
    (Krishnapriyan et al., NeurIPS 2021, use the Gaussian of this width centred at pi).
    Reference: pinnkit's Fourier ETDRK4 solver (:func:`pinnkit.reference.spectral.integrate_terms`
    with :func:`pinnkit.problems.diffusion_reaction.diffusion_reaction_terms`), ``modes`` points,
    step ``dt``. Le Boudec et al., ICLR 2025, sec. 5 (reaction-diffusion).
    """

    name = "reaction_diffusion"
    param_names = ("nu", "rho", "c")
    SIGMA = math.pi / 4

    def __init__(self, intervals_x: int = 32, intervals_t: int = 16, per_interval: int = 2, weight: float = 100.0,
                 nu: tuple[float, float] = (1.0, 5.0), rho: tuple[float, float] = (-5.0, 5.0), t_final: float = 1.0,
                 modes: int = 128, dt: float = 1e-3, n_eval_x: int = 64, n_eval_t: int = 41) -> None:
        check_setting("t_final", t_final, 1e-9)
        check_setting("dt", dt, 1e-12)
        check_setting("modes", modes, 8, integer=True)
        if modes % n_eval_x:
            raise ValueError(f"n_eval_x must divide modes, got n_eval_x={n_eval_x}, modes={modes}")
        settings = dict(intervals_x=intervals_x, intervals_t=intervals_t, per_interval=per_interval, weight=weight,
                        nu=list(nu), rho=list(rho), t_final=t_final, modes=modes, dt=dt, n_eval_x=n_eval_x,
                        n_eval_t=n_eval_t)
        super().__init__(settings, 2 * math.pi, t_final)

    @property
    def param_ranges(self) -> np.ndarray:
        return np.array([self.settings["nu"], self.settings["rho"], [math.pi / 2, 3 * math.pi / 2]])

    def sample(self, n: int, seed: int) -> torch.Tensor:
        rng = np.random.default_rng(seed)
        lows, highs = self.param_ranges.T
        return torch.as_tensor(rng.uniform(lows, highs, (check_count(n), 3)))

    def u0(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return torch.exp((torch.cos(x[None, :] - params[:, 2:3]) - 1) / self.SIGMA ** 2)

    def loss(self, theta: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        nu, rho = params[:, 0, None, None], params[:, 1, None, None]
        u = self.grid(theta, 0, 0)
        residual = self.grid(theta, 0, 1) - nu * self.grid(theta, 2, 0) - rho * u * (1 - u)
        return residual.pow(2).mean(dim=(1, 2)) + self.settings["weight"] * self.initial_misfit(theta, params)

    def reference(self, params: torch.Tensor) -> torch.Tensor:
        self.check_params(params)
        s = self.settings
        x = torch.as_tensor(self.length * np.arange(s["modes"]) / s["modes"], dtype=torch.float64)
        stride = s["modes"] // s["n_eval_x"]
        out = []
        for row, u0 in zip(params.detach().cpu().double(), self.u0(params.detach().cpu().double(), x).numpy()):
            terms = diffusion_reaction_terms(float(row[0]), float(row[1]))
            snapshots = integrate_terms(u0, (self.length,), terms, self.t_eval, s["dt"])  # (n_t, modes)
            out.append(snapshots[:, ::stride].T.ravel())
        return torch.as_tensor(np.stack(out)).to(params)


class Advection(_SpaceTime):
    """``u_t + beta u_x = 0``, x in [0, 1) periodic, t in [0, t_final]; PDEBench's 1D_Advection family.

    ``beta ~ U(0.2, 4)``; ``u0 = sum_{i=1,2} A_i sin(2 pi k_i x + phi_i)`` with ``k_i`` in
    ``{1, ..., k_max}``, ``A_i ~ U(0, 1)``, ``phi_i ~ U(0, 2 pi)`` (PDEBench's draw, Takahashi et
    al., NeurIPS 2022, app. B.1, without the rare absolute-value/window variants and with
    ``k_max = 2`` by default so the space-time basis stays small). Exact: ``u0(x - beta t)``.
    """

    name = "advection"
    param_names = ("beta", "k1", "k2", "a1", "a2", "phi1", "phi2")

    def __init__(self, intervals_x: int = 24, intervals_t: int = 24, per_interval: int = 2, weight: float = 100.0,
                 beta: tuple[float, float] = (0.2, 4.0), k_max: int = 2, t_final: float = 0.5, n_eval_x: int = 64,
                 n_eval_t: int = 41) -> None:
        check_setting("t_final", t_final, 1e-9)
        check_setting("k_max", k_max, 1, integer=True)
        settings = dict(intervals_x=intervals_x, intervals_t=intervals_t, per_interval=per_interval, weight=weight,
                        beta=list(beta), k_max=k_max, t_final=t_final, n_eval_x=n_eval_x, n_eval_t=n_eval_t)
        super().__init__(settings, 1.0, t_final)

    @property
    def param_ranges(self) -> np.ndarray:
        k = [1.0, max(float(self.settings["k_max"]), 1.5)]
        return np.array([self.settings["beta"], k, k, [0.0, 1.0], [0.0, 1.0], [0.0, 2 * math.pi], [0.0, 2 * math.pi]])

    def sample(self, n: int, seed: int) -> torch.Tensor:
        rng = np.random.default_rng(seed)
        beta = rng.uniform(*self.settings["beta"], check_count(n))
        k = rng.integers(1, self.settings["k_max"] + 1, (n, 2))
        amplitude, phase = rng.uniform(0, 1, (n, 2)), rng.uniform(0, 2 * math.pi, (n, 2))
        return torch.as_tensor(np.column_stack([beta, k, amplitude, phase]))

    def u0(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        k, a, phi = params[:, 1:3, None], params[:, 3:5, None], params[:, 5:7, None]
        return (a * torch.sin(2 * math.pi * k * x[None, None, :] + phi)).sum(dim=1)

    def loss(self, theta: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        residual = self.grid(theta, 0, 1) + params[:, 0, None, None] * self.grid(theta, 1, 0)
        return residual.pow(2).mean(dim=(1, 2)) + self.settings["weight"] * self.initial_misfit(theta, params)

    def reference(self, params: torch.Tensor) -> torch.Tensor:
        self.check_params(params)
        points = torch.as_tensor(self.eval_points).to(params)
        shifted = torch.remainder(points[None, :, 0] - params[:, :1] * points[None, :, 1], 1.0)  # (B, N)
        k, a, phi = params[:, 1:3, None], params[:, 3:5, None], params[:, 5:7, None]
        return (a * torch.sin(2 * math.pi * k * shifted[:, None, :] + phi)).sum(dim=1)
