"""1-D families on [0, 1] with exact references: Helmholtz (initial-value form) and Poisson.

Both use a clamped cubic B-spline basis with ``intervals`` knot intervals (``intervals + 3``
coefficients) and ``per_interval`` Gauss-Legendre collocation points per interval; the physics
loss is ``mean_c r(x_c)^2 + weight * (boundary or initial misfit)^2``.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from pinnkit.learned.bspline import BSplineBasis, TensorBasis, gauss_points
from pinnkit.learned.family import Family, check_count, check_setting

__all__ = ["Helmholtz", "Poisson"]


class _Interval(Family):
    """Shared pieces: the basis on [0, 1], collocation and evaluation matrices."""

    def __init__(self, settings: dict, intervals: int, per_interval: int, n_eval: int) -> None:
        check_setting("intervals", intervals, 4, integer=True)
        check_setting("per_interval", per_interval, 1, integer=True)
        check_setting("n_eval", n_eval, 2, integer=True)
        basis = BSplineBasis(0.0, 1.0, intervals)
        super().__init__(settings, TensorBasis(basis), (False,))
        self.spline = basis
        x, _ = gauss_points(basis, per_interval)
        self.collocation = x
        self.colloc = basis.matrices(x, (0, 1, 2))
        self.ends = basis.matrices(np.array([0.0, 1.0]), (0, 1))
        self._eval = np.linspace(0.0, 1.0, n_eval)
        self.eval_matrix = basis.matrix(self._eval)
        self._fit = torch.linalg.pinv(self.eval_matrix)

    @property
    def eval_points(self) -> np.ndarray:
        return self._eval[:, None]

    def solution(self, theta: torch.Tensor) -> torch.Tensor:
        return theta @ self.eval_matrix.to(theta).T

    def project(self, params: torch.Tensor) -> torch.Tensor:
        return self.reference(params) @ self._fit.to(params).T

    def reference(self, params: torch.Tensor) -> torch.Tensor:
        self.check_params(params)
        return self.exact(params, torch.as_tensor(self._eval, dtype=params.dtype, device=params.device))

    def exact(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The exact solution at points ``x`` (N,), ``(B, N)``."""
        raise NotImplementedError


class Helmholtz(_Interval):
    """``u'' + omega^2 u = 0`` on [0, 1] with ``u(0) = u0``, ``u'(0) = v0`` (initial-value form).

    ``omega ~ U(omega_min, omega_max)``, ``u0, v0 ~ U(-1, 1)``; exact ``u = u0 cos(omega x) +
    (v0 / omega) sin(omega x)``. Loss ``mean_c (u'' + omega^2 u)^2 + weight [(u(0) - u0)^2 +
    (u'(0) - v0)^2]``; ``theta_0 = 0``. (The line ``u0 + v0 x``, which meets the initial data, is a
    worse start: for large omega it is far larger than the solution, and the learned solver
    trained on it reached half the accuracy in the same time; :meth:`line` gives it.)
    Le Boudec et al., ICLR 2025, sec. 5 (Helmholtz).
    """

    name = "helmholtz"
    param_names = ("omega", "u0", "v0")

    def __init__(self, intervals: int = 32, per_interval: int = 3, weight: float = 100.0,
                 omega_min: float = 0.5, omega_max: float = 10.0, n_eval: int = 256) -> None:
        check_setting("weight", weight, 0.0)
        check_setting("omega_min", omega_min, 1e-6)
        if not omega_max > omega_min:
            raise ValueError(f"omega_max must exceed omega_min, got [{omega_min}, {omega_max}]")
        super().__init__(dict(intervals=intervals, per_interval=per_interval, weight=weight, omega_min=omega_min,
                              omega_max=omega_max, n_eval=n_eval), intervals, per_interval, n_eval)

    @property
    def param_ranges(self) -> np.ndarray:
        return np.array([[self.settings["omega_min"], self.settings["omega_max"]], [-1.0, 1.0], [-1.0, 1.0]])

    def sample(self, n: int, seed: int) -> torch.Tensor:
        rng = np.random.default_rng(seed)
        omega = rng.uniform(self.settings["omega_min"], self.settings["omega_max"], check_count(n))
        data = rng.uniform(-1.0, 1.0, (n, 2))
        return torch.as_tensor(np.column_stack([omega, data]))

    def loss(self, theta: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        omega2 = params[:, :1] ** 2
        m0, m2 = self.colloc[0].to(theta), self.colloc[2].to(theta)
        residual = theta @ m2.T + omega2 * (theta @ m0.T)
        start = theta @ self.ends[0][0].to(theta) - params[:, 1]
        slope = theta @ self.ends[1][0].to(theta) - params[:, 2]
        return residual.pow(2).mean(dim=1) + self.settings["weight"] * (start ** 2 + slope ** 2)

    def initial_guess(self, params: torch.Tensor) -> torch.Tensor:
        return params.new_zeros(params.shape[0], self.size)

    def line(self, params: torch.Tensor) -> torch.Tensor:
        """Coefficients of ``u0 + v0 x`` (Greville abscissae reproduce lines exactly)."""
        xi = torch.as_tensor(self.spline.greville, dtype=params.dtype, device=params.device)
        return params[:, 1:2] + params[:, 2:3] * xi

    def exact(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        omega, u0, v0 = params[:, :1], params[:, 1:2], params[:, 2:3]
        return u0 * torch.cos(omega * x) + v0 / omega * torch.sin(omega * x)


class Poisson(_Interval):
    """``u'' = f`` on [0, 1], ``u(0) = u(1) = 0``, with multiscale forcing ``f = sum_k a_k sin(k pi x)``.

    ``a_k ~ U(-1, 1) / k^decay`` for ``k = 1..modes``; exact ``u = -sum_k a_k sin(k pi x) / (k pi)^2``.
    Loss ``mean_c (u'' - f)^2 + weight [u(0)^2 + u(1)^2]``; ``theta_0 = 0`` (meets the boundary data).
    Le Boudec et al., ICLR 2025, sec. 5 (Poisson).
    """

    name = "poisson"
    n_fields = 1  # f at the Greville points

    def __init__(self, intervals: int = 32, per_interval: int = 3, weight: float = 100.0, modes: int = 16,
                 decay: float = 1.0, n_eval: int = 256) -> None:
        check_setting("weight", weight, 0.0)
        check_setting("modes", modes, 1, integer=True)
        check_setting("decay", decay, 0.0)
        self.param_names = tuple(f"a{k}" for k in range(1, modes + 1))
        super().__init__(dict(intervals=intervals, per_interval=per_interval, weight=weight, modes=modes, decay=decay,
                              n_eval=n_eval), intervals, per_interval, n_eval)
        k = np.arange(1, modes + 1)
        self._scale = k ** -float(decay)
        self._sines_colloc = torch.as_tensor(np.sin(np.pi * np.outer(k, self.collocation)))
        self._sines_greville = torch.as_tensor(np.sin(np.pi * np.outer(k, self.spline.greville)))

    @property
    def param_ranges(self) -> np.ndarray:
        return np.column_stack([-self._scale, self._scale])

    def sample(self, n: int, seed: int) -> torch.Tensor:
        rng = np.random.default_rng(seed)
        return torch.as_tensor(rng.uniform(-1.0, 1.0, (check_count(n), len(self._scale))) * self._scale)

    def forcing(self, params: torch.Tensor) -> torch.Tensor:
        """``f`` at the collocation points, ``(B, N_c)``."""
        return params @ self._sines_colloc.to(params)

    def loss(self, theta: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        residual = theta @ self.colloc[2].to(theta).T - self.forcing(params).to(theta)
        ends = theta @ self.ends[0].to(theta).T
        return residual.pow(2).mean(dim=1) + self.settings["weight"] * ends.pow(2).sum(dim=1)

    def initial_guess(self, params: torch.Tensor) -> torch.Tensor:
        return params.new_zeros(params.shape[0], self.size)

    def fields(self, params: torch.Tensor) -> torch.Tensor:
        return (params @ self._sines_greville.to(params))[:, None, :]

    def exact(self, params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        k = torch.arange(1, params.shape[1] + 1, dtype=params.dtype, device=params.device)
        return -(params / (k * math.pi) ** 2) @ torch.sin(math.pi * k[:, None] * x[None, :])
