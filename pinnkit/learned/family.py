"""What a parametric PDE family gives the neural solver: samplers, a physics loss, references.

A family fixes a B-spline basis (:mod:`pinnkit.learned.bspline`) and represents a solution as
``u_theta = sum_i theta_i phi_i``; its parameters ``gamma`` (PDE coefficients and the
boundary/initial data, one row per instance) are drawn by a seeded sampler. The physics loss
``L(theta; gamma)`` is the mean squared PDE residual at collocation points plus weighted
boundary/initial terms, built from the analytic spline derivatives. Le Boudec et al., "Learning
a neural solver for parametric PDEs to enhance physics-informed methods", ICLR 2025
(arXiv:2410.06820), sec. 3.
"""
from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
import torch

from pinnkit.learned.bspline import TensorBasis

__all__ = ["Family", "relative_l2"]


class Family(ABC):
    """A seeded distribution of PDE instances with a spline ansatz, physics loss and references.

    Tensors are float64; ``params`` is ``(B, len(param_names))``, ``theta`` is ``(B, size)``
    (row-major over :attr:`coef_shape`), solutions are ``(B, len(eval_points))``.
    """

    name: ClassVar[str]
    param_names: ClassVar[tuple[str, ...]]

    def __init__(self, settings: dict[str, Any], basis: TensorBasis, periodic: tuple[bool, ...]) -> None:
        self.settings, self.basis, self.periodic = dict(settings), basis, periodic

    # ------------------------------------------------------------------ shape
    @property
    def coef_shape(self) -> tuple[int, ...]:
        """Shape of the coefficient grid (one axis per coordinate)."""
        return self.basis.shape

    @property
    def size(self) -> int:
        """Number of coefficients."""
        return self.basis.size

    @property
    def n_channels(self) -> int:
        """Conditioning channels: the normalised parameters plus the data fields."""
        return len(self.param_names) + self.n_fields

    n_fields: ClassVar[int] = 0

    # ------------------------------------------------------------------ the family
    @property
    @abstractmethod
    def param_ranges(self) -> np.ndarray:
        """``(p, 2)`` bounds of each parameter, used to normalise it to [-1, 1]."""

    @abstractmethod
    def sample(self, n: int, seed: int) -> torch.Tensor:
        """``n`` parameter rows drawn with ``numpy.random.default_rng(seed)``."""

    @abstractmethod
    def loss(self, theta: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        """Physics loss per instance, ``(B,)``; differentiable in ``theta``."""

    @abstractmethod
    def initial_guess(self, params: torch.Tensor) -> torch.Tensor:
        """The fixed starting point ``theta_0`` (a fit of the boundary/initial data), ``(B, size)``."""

    @abstractmethod
    def solution(self, theta: torch.Tensor) -> torch.Tensor:
        """``u_theta`` at :attr:`eval_points`, ``(B, N)``."""

    @abstractmethod
    def reference(self, params: torch.Tensor) -> torch.Tensor:
        """The reference solution at :attr:`eval_points`, ``(B, N)``."""

    @abstractmethod
    def project(self, params: torch.Tensor) -> torch.Tensor:
        """Least-squares projection of the reference onto the basis, ``(B, size)``."""

    @property
    @abstractmethod
    def eval_points(self) -> np.ndarray:
        """Evaluation points ``(N, d)`` (time last)."""

    def fields(self, params: torch.Tensor) -> torch.Tensor | None:
        """Data fields on the coefficient grid (Greville points), ``(B, n_fields, *coef_shape)``."""
        return None

    # ------------------------------------------------------------------ derived
    def normalise(self, params: torch.Tensor) -> torch.Tensor:
        """Parameters mapped affinely from :attr:`param_ranges` to [-1, 1]."""
        ranges = torch.as_tensor(self.param_ranges, dtype=params.dtype, device=params.device)
        return 2 * (params - ranges[:, 0]) / (ranges[:, 1] - ranges[:, 0]) - 1

    def conditioning(self, params: torch.Tensor) -> torch.Tensor:
        """``(B, n_channels, *coef_shape)``: normalised parameters broadcast, then the data fields."""
        self.check_params(params)
        scalars = self.normalise(params).reshape(*params.shape, *(1,) * len(self.coef_shape))
        scalars = scalars.expand(*params.shape, *self.coef_shape)
        fields = self.fields(params)
        return scalars if fields is None else torch.cat([scalars, fields.to(scalars)], dim=1)

    def check_params(self, params: torch.Tensor) -> None:
        if params.ndim != 2 or params.shape[1] != len(self.param_names):
            raise ValueError(f"{self.name} parameters must have shape (B, {len(self.param_names)}) "
                             f"for {self.param_names}, got {tuple(params.shape)}")

    def describe(self) -> str:
        """One line: the name and settings."""
        return f"{self.name}({', '.join(f'{k}={v}' for k, v in self.settings.items())})"


def relative_l2(u: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """``||u - u_ref||_2 / ||u_ref||_2`` per instance over the evaluation points, ``(B,)``."""
    return torch.linalg.vector_norm(u - reference, dim=-1) / torch.linalg.vector_norm(reference, dim=-1)


def check_count(n: int) -> int:
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"the number of samples must be an integer >= 1, got {n!r}")
    return n


def check_setting(name: str, value, minimum: float, integer: bool = False):
    """A positive setting (``>= minimum``), integer where asked; ValueError naming it."""
    ok = isinstance(value, int) if integer else isinstance(value, (int, float)) and math.isfinite(value)
    if not ok or isinstance(value, bool) or value < minimum:
        raise ValueError(f"setting {name} must be {'an integer' if integer else 'a number'} >= {minimum}, "
                         f"got {value!r}")
    return value
