"""LPINN configuration: one frozen dataclass (tuned values per problem: problems/presets/lpinn.toml)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pinnkit._validate import check_choice
from pinnkit.solvers.pinn.config import TrainingConfig

DIFFUSION = ("physical", "label")
NORMS = ("mean_square", "rms")
WEIGHT_SETS = ("tuned", "paper")
# Mojgani, Balajewicz & Hassanzadeh (CMAME 404, 2023): 10 on r_x, 1 on r_u, 1000 on the initial
# condition, unsquared norms
PAPER_WEIGHTS = dict(w_characteristic=10.0, w_residual=1.0, w_initial=1000.0, norm="rms")


@dataclass(frozen=True)
class LPINNConfig(TrainingConfig):
    """Lagrangian PINN (Mojgani, Balajewicz & Hassanzadeh, CMAME 404:115810, 2023, arXiv 2205.02902).

    Two networks of the Lagrangian label x0 (a particle's initial position) and t, each an MLP of
    ``depth`` hidden layers of ``width`` with the exact periodic embedding of x0: the state
    u(x0, t) and the characteristic x_L(x0, t) = x0 + (t - t0) V N(x0, t), V the largest initial
    transport speed |a(u0, x0, 0)| (so x_L(x0, t0) = x0 exactly; ``exact_characteristic=False``:
    x_L = x0 + V N with the initial position as a loss term). ``hard_initial=True`` also imposes
    u(x0, t0) = u0(x0) exactly.
    Residuals: r_x = d_t x_L - a(u, x_L, t) and r_u = d_t u - G, G the rate of change along the
    characteristic (:meth:`pinnkit.pde.PDE.lagrangian_rhs`: nu u_xx + s(u)), with the space
    derivatives in physical space through J = d_x0 x_L: u_x = u_x0 / J,
    u_xx = (1/J) d_x0(u_x0 / J) (``diffusion="physical"``, J floored at ``jacobian_floor``);
    ``residual_form="multiplied"`` trains on J^3 r_u, free of the 1/J^3 that makes r_u stiff where
    particles bunch up ahead of a shock (``"divided"``: r_u itself). ``diffusion="label"`` uses the
    label derivatives u_x0, u_x0x0 as the published code does (exact only while J = 1).
    Loss: ``w_characteristic |r_x| + w_residual |r_u| + w_initial |u(x0, t0) - u0|`` with
    ``norm="mean_square"`` (mean squares) or ``"rms"`` (root mean squares: the paper's unsquared
    norms). ``weights="paper"`` sets the paper's values (10, 1, 1000, rms; :data:`PAPER_WEIGHTS`)
    and cannot be combined with other weight or norm settings.
    Points (in (x0, t)), weighting and optimisation: :class:`~pinnkit.solvers.pinn.config.TrainingConfig`,
    with fewer points, a short Adam phase and a long L-BFGS one by default (the characteristic is
    a smooth, nearly affine map that L-BFGS fits in a few hundred steps); adaptive resampling by
    the per-point residual.
    Evaluation: ``eval_labels`` uniformly spaced labels per time are moved by the network and
    interpolated onto the query points (periodic monotone cubic, ``interpolation="pchip"``, or
    ``"linear"``).
    """

    width: int = 64
    depth: int = 4
    activation: str = "tanh"
    periodic_harmonics: int = 1
    exact_characteristic: bool = True
    hard_initial: bool = False
    diffusion: str = "physical"
    jacobian_floor: float = 0.05
    residual_form: str = "multiplied"
    n_residual: int = 1024  # TrainingConfig's, with LPINN's defaults
    adam_steps: int = 300
    lbfgs_steps: int = 3000
    weights: str = "tuned"
    norm: str = "mean_square"
    w_characteristic: float = 1.0
    w_residual: float = 1.0
    w_initial: float = 10.0
    eval_labels: int = 2048
    interpolation: str = "pchip"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("diffusion", self.diffusion, DIFFUSION)
        check_choice("norm", self.norm, NORMS)
        check_choice("residual_form", self.residual_form, ("multiplied", "divided"))
        check_choice("weights", self.weights, WEIGHT_SETS)
        check_choice("interpolation", self.interpolation, ("pchip", "linear"))
        for name in ("width", "depth"):
            if getattr(self, name) < 1:
                raise ValueError(f"config {name} must be >= 1, got {getattr(self, name)}")
        if self.eval_labels < 8:
            raise ValueError(f"config eval_labels must be >= 8, got {self.eval_labels}")
        if not 0 <= self.jacobian_floor < 1:
            raise ValueError(f"config jacobian_floor must be in [0, 1), got {self.jacobian_floor}")
        for name in ("w_characteristic", "w_residual", "w_initial"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"config {name} must be >= 0, got {getattr(self, name)}")
        if self.weights == "paper":
            defaults = {f.name: f.default for f in dataclasses.fields(self) if f.name in PAPER_WEIGHTS}
            changed = [k for k in PAPER_WEIGHTS if getattr(self, k) not in (defaults[k], PAPER_WEIGHTS[k])]
            if changed:
                raise ValueError(f"weights='paper' sets {', '.join(PAPER_WEIGHTS)}; do not also set {changed} "
                                 "(use weights='tuned' with your own values)")
            for key, value in PAPER_WEIGHTS.items():
                object.__setattr__(self, key, value)
