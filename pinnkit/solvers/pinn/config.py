"""PINN configuration: one frozen dataclass, with per-problem tuned defaults."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from pinnkit._validate import check_choice
from pinnkit.autodiff import METHODS as DERIVATIVE_METHODS
from pinnkit.domain import SAMPLING_METHODS

ADAPTIVE = ("none", "rad", "rar-d")
WEIGHTING = ("fixed", "grad_norm")


@dataclass(frozen=True)
class PINNConfig:
    """Soft-constraint PINN (Raissi, Perdikaris & Karniadakis, JCP 378, 2019).

    Network: MLP of ``depth`` hidden layers of ``width`` on normalised inputs, exact periodic
    embedding for periodic coordinates, optional random Fourier features.
    ``hard_initial=True`` imposes the initial condition exactly, u = u0(x) + (t - t0) / (t1 - t0)
    N(x, t) (Lagaris, Likas & Fotiadis, IEEE TNN 9, 1998), and drops the L_ic term.
    Loss: ``w_res L_res + w_ic L_ic + w_bc L_bc`` (mean squares); ``weighting="grad_norm"``
    re-balances the weights every ``weighting_every`` steps by gradient norms (Wang, Teng &
    Perdikaris, SIAM J. Sci. Comput. 43, 2021); ``causal=True`` weights residuals of time chunk
    i by exp(-causal_eps * sum_{j<i} L_j) (Wang, Sankaran & Perdikaris, CMAME 421, 2024).
    Points: ``n_residual`` collocation points by ``sampling``, resampled every
    ``resample_every`` steps (0: fixed); every ``adaptive_every`` steps ``adaptive="rad"`` redraws
    them with density ~ |r| / mean|r| + 1, ``adaptive="rar-d"`` adds ``adaptive_points`` (0:
    n_residual / 10) drawn with density ~ r^2 (Wu et al., CMAME 403, 2023); ``batch_size`` > 0
    uses mini-batches.
    Optimisation: ``adam_steps`` of Adam (lr decayed by ``lr_decay`` every ``lr_decay_steps``)
    then ``lbfgs_steps`` L-BFGS iterations (strong Wolfe) in ``lbfgs_dtype``.
    Kernels: ``derivatives`` picks the derivative path (``"auto"``: the one-pass forward jet
    wherever it applies, else nested autograd; ``compile=True`` needs the forward jet);
    ``compile=True`` wraps the residual loss in ``torch.compile`` (falls back to eager with a
    warning where no compiler works).
    """

    width: int = 64
    depth: int = 4
    activation: str = "tanh"
    periodic_harmonics: int = 1
    fourier_features: int = 0
    fourier_sigma: float = 1.0
    n_residual: int = 4096
    n_initial: int = 256
    n_boundary: int = 256
    sampling: str = "sobol"
    resample_every: int = 0
    adaptive: str = "none"
    adaptive_every: int = 1000
    adaptive_points: int = 0
    batch_size: int = 0
    w_residual: float = 1.0
    w_initial: float = 10.0
    w_boundary: float = 10.0
    weighting: str = "fixed"
    weighting_every: int = 100
    weighting_alpha: float = 0.9
    causal: bool = False
    hard_initial: bool = False
    causal_eps: float = 1.0
    causal_chunks: int = 32
    adam_steps: int = 5000
    lr: float = 1e-3
    lr_decay: float = 0.9
    lr_decay_steps: int = 1000
    lbfgs_steps: int = 0
    lbfgs_dtype: str = "float64"
    lbfgs_history: int = 50
    lbfgs_tolerance_grad: float = 1e-10
    lbfgs_tolerance_change: float = 1e-14
    derivatives: str = "auto"
    compile: bool = False

    def __post_init__(self) -> None:
        check_choice("derivative method", self.derivatives, DERIVATIVE_METHODS)
        check_choice("sampling method", self.sampling, SAMPLING_METHODS)
        check_choice("adaptive sampling", self.adaptive, ADAPTIVE)
        check_choice("loss weighting", self.weighting, WEIGHTING)
        check_choice("lbfgs_dtype", self.lbfgs_dtype, ("float32", "float64", "same"))
        for name in ("width", "depth", "n_residual", "adam_steps", "lbfgs_steps", "causal_chunks",
                     "weighting_every", "adaptive_every", "lr_decay_steps", "lbfgs_history"):
            value = getattr(self, name)
            minimum = 0 if name in ("adam_steps", "lbfgs_steps") else 1
            if value < minimum:
                raise ValueError(f"config {name} must be >= {minimum}, got {value}")
        if self.adaptive_points < 0:
            raise ValueError(f"config adaptive_points must be >= 0, got {self.adaptive_points}")
        if self.lr <= 0 or not 0 < self.lr_decay <= 1:
            raise ValueError(f"need lr > 0 and 0 < lr_decay <= 1, got lr={self.lr}, lr_decay={self.lr_decay}")


# Tuned defaults per problem (benchmarks/pinn_targets.py measures them).
PROBLEM_DEFAULTS: dict[str, dict[str, Any]] = {
    # heat1d: the exact initial condition took 500 Adam + 500 L-BFGS steps from 6.0e-4 to 7.3e-5
    "heat1d": dict(width=48, depth=4, adam_steps=2000, lbfgs_steps=4000, n_residual=4096, hard_initial=True),
    "heat2d": dict(width=64, depth=4, adam_steps=3000, lbfgs_steps=1000),
    "burgers1d": dict(width=20, depth=8, n_residual=4096, adam_steps=4000, lbfgs_steps=8000,
                      adaptive="rad", adaptive_every=2000),
    "allen_cahn1d": dict(width=128, depth=4, periodic_harmonics=3, fourier_features=16, fourier_sigma=1.0,
                         causal=True, causal_eps=10.0, causal_chunks=32, n_residual=2048, sampling="uniform",
                         resample_every=1, w_initial=100.0, adam_steps=16000, lr_decay_steps=5000, lbfgs_steps=2500,
                         hard_initial=True),  # exact u0: 5.4e-2 -> 1.8e-2; + float64 L-BFGS: 7.9e-3 in 1800 s
    "poisson1d": dict(width=32, depth=3, adam_steps=1000, lbfgs_steps=500, n_residual=256),
    "poisson2d": dict(width=32, depth=3, adam_steps=2000, lbfgs_steps=1000, n_residual=2048),
    "kovasznay": dict(width=50, depth=4, adam_steps=3000, lbfgs_steps=3000, n_residual=2601, n_boundary=400),
    # lid_driven_cavity: one uninterrupted float64 L-BFGS run of 16000 steps on the fixed Sobol points:
    # velocity error 4.2e-2 (~1900 s). RAD restarts (every 1000 steps) left it at 5.4-6.5e-2: they
    # pile points on the singular lid corners and reset L-BFGS's curvature history.
    "lid_driven_cavity": dict(width=50, depth=4, adam_steps=4000, lbfgs_steps=16000, n_residual=2601,
                              n_boundary=800),
}


def default_config(problem_name: str, overrides: Mapping[str, Any] | None = None) -> PINNConfig:
    """The tuned configuration for ``problem_name`` with ``overrides`` (unknown keys are errors)."""
    from pinnkit.solvers.base import build_config

    return build_config(PINNConfig, {**PROBLEM_DEFAULTS.get(problem_name, {}), **dict(overrides or {})})
